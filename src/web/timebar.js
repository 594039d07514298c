// @ts-check
/**
 * Time travel: a slider over the log's batch ends (`/api/v1/log/positions`: `as_of` only ever
 * stands at one), with the time of each, a "batch before" step, a box taking a sequence or an
 * ISO time, and "now" to leave the past. The position lives in the address (`?as_of=` after the
 * hash route, nav.js), so a link shows the same past; every campaign request of the views
 * carries it, and in the past the views ignore the live stream.
 *
 * Moving the slider only relabels it; the views reload when it is let go (or a key stops being
 * pressed for a moment): every past position is a fold of the log prefix on the server, seconds
 * on a long log.
 */
import { api } from './api.js';
import { byId, debounced, el, fmtCount, fmtTime, replace } from './dom.js';
import { current, travel } from './nav.js';
import { onLive } from './stream.js';

/** @typedef {{ batch: number, sequence: number, time: string | null }} Stop */

/** Stops the slider offers (the server samples a long log down to this many). */
const POINTS = 200;

const state = {
  /** @type {Stop[]} */ stops: [],
  /** @type {Stop | null} */ at: null,
  batches: 0,
  /** False when the server has no positions route: the box and "now" still work. */
  slider: true,
  /** @type {'list' | 'campaign' | 'identity'} */ view: 'list',
  generation: 0,
};

/** @param {Stop} s */
const describe = (s) => s.batch === 0 ? 'before the first batch (empty)' : `sequence ${fmtCount(s.sequence)} · ${fmtTime(s.time)} · batch ${fmtCount(s.batch)} of ${fmtCount(state.batches)}`;

/** The stop `as_of=sequence` selects, and when it was. @param {string} sequence @returns {Promise<Stop>} */
async function resolveSequence(sequence) {
  const answer = await api(`/log/positions?points=2&sequence=${encodeURIComponent(sequence)}`);
  return answer.at;
}

async function load() {
  const my = ++state.generation;
  const { asOf } = current();
  const digits = asOf !== null && /^[0-9]+$/.test(asOf);
  if (asOf !== null && !digits) {
    // A time in the address: go to the sequence it selects, so the address and the slider
    // name a batch end like every other position.
    try {
      const answer = await api(`/campaigns?limit=1&as_of=${encodeURIComponent(asOf)}`);
      if (my === state.generation) travel(String(answer.sequence));
    } catch { /* the views show why */ }
    return;
  }
  try {
    const answer = await api(`/log/positions?points=${POINTS}${digits ? `&sequence=${asOf}` : ''}`);
    if (my !== state.generation) return;
    state.batches = answer.batches;
    state.at = answer.at;
    const stops = [...answer.data];
    // A shared link can name a stop the sampling left out: it joins the slider.
    if (state.at !== null && state.at.batch > 0 && !stops.some((s) => s.sequence === state.at?.sequence)) {
      stops.push(state.at);
      stops.sort((a, b) => a.sequence - b.sequence);
    }
    state.stops = stops;
    state.slider = true;
  } catch {
    if (my !== state.generation) return;
    state.slider = false;
    state.stops = [];
    state.at = null;
  }
  draw();
}

function draw() {
  const bar = byId('timebar');
  const { asOf } = current();
  const past = asOf !== null;
  bar.dataset.state = past ? 'past' : 'live';
  document.body.dataset.asOf = asOf ?? '';
  const n = state.stops.length;
  const index = !past ? n : Math.max(0, state.stops.findIndex((s) => s.sequence === state.at?.sequence));
  const label = el('output', { id: 'as-of-label', for: 'as-of-range', 'aria-live': 'polite' });
  /** @param {number} i */
  const text = (i) => (i >= n ? `now (live)${n > 0 ? ` · head ${describe(state.stops[n - 1])}` : ''}` : describe(state.stops[i]));
  const commit = debounced(() => {
    const i = Number(range.value);
    travel(i >= n ? null : String(state.stops[i].sequence));
  }, 350);
  const range = el('input', {
    type: 'range', id: 'as-of-range', min: 0, max: n, step: 1, value: index, 'aria-label': 'log position (batch ends; the right end is now)',
    disabled: !state.slider || n === 0,
    input: () => {
      replace(label, text(Number(range.value)));
      range.setAttribute('aria-valuetext', text(Number(range.value)));
    },
    change: commit,
  });
  range.setAttribute('aria-valuetext', text(index));
  if (past && state.at === null && asOf !== null) replace(label, `as of ${asOf}`);
  else replace(label, past && state.at !== null ? describe(state.at) : text(index));

  const input = el('input', { id: 'as-of-input', type: 'text', size: 24, placeholder: 'sequence or ISO time', autocomplete: 'off', 'aria-describedby': 'as-of-problem' });
  const problem = el('span', { class: 'error small', id: 'as-of-problem', role: 'alert' });
  const form = el('form', {
    class: 'as-of-form', id: 'as-of-form',
    submit: (ev) => {
      ev.preventDefault();
      void go(input.value.trim(), problem);
    },
  }, el('label', {}, 'go to ', input), el('button', { type: 'submit' }, 'go'), problem);

  const earlier = el('button', {
    type: 'button', id: 'as-of-earlier', title: 'the position one batch earlier',
    disabled: n === 0 || (past ? (state.at?.sequence ?? 0) === 0 : false),
    click: () => void earlierBatch(past ? (state.at?.sequence ?? 0) : null),
  }, '◀ batch before');
  const now = el('button', { type: 'button', id: 'as-of-now', disabled: !past, click: () => travel(null) }, 'now');

  const note = state.view === 'identity'
    ? el('span', { class: 'muted small' }, past ? 'This view shows the present: the API has no as_of for identities.' : '')
    : past ? el('strong', { class: 'past-note' }, 'Viewing the past: live updates paused.') : null;
  replace(bar, el('span', { class: 'timebar-title', id: 'as-of-title' }, 'Log position'), range, label, earlier, now, form, note);
}

/**
 * One batch before `from`, or before the head when the page is in the present (read afresh: the
 * slider's stops may not have caught up with the last batch).
 * @param {number | null} from
 */
async function earlierBatch(from) {
  try {
    const start = from ?? (await api('/log/positions?points=2')).head.sequence;
    travel(String((await resolveSequence(String(Math.max(0, start - 1)))).sequence));
  } catch { /* the bar stays where it is */ }
}

/** The box: a sequence goes to the batch end it selects, a time to the sequence the API says it selects. @param {string} raw @param {HTMLElement} problem */
async function go(raw, problem) {
  replace(problem);
  try {
    if (/^[0-9]{1,15}$/.test(raw)) {
      travel(String((await resolveSequence(raw)).sequence));
    } else if (/^\d{4}-\d\d-\d\dT[0-9:.]+(Z|[+-]\d\d:\d\d)$/.test(raw)) {
      const answer = await api(`/campaigns?limit=1&as_of=${encodeURIComponent(raw)}`);
      travel(String(answer.sequence));
    } else {
      replace(problem, 'a log sequence (digits) or an ISO time with a timezone, e.g. 2026-01-10T02:00:00Z');
    }
  } catch (e) {
    replace(problem, e instanceof Error ? e.message : String(e));
  }
}

/** Shows the bar for a view, and fetches its stops again (the log may have grown). @param {'list' | 'campaign' | 'identity'} view */
export function showTimeBar(view) {
  state.view = view;
  byId('timebar').hidden = false;
  draw();
  void load();
}

/** While the page is in the present, new batches add stops. */
export function followLog() {
  const refresh = debounced(() => void load(), 1500);
  onLive((m) => { if (m.event !== 'snapshot') refresh(); });
}
