// @ts-check
/**
 * The campaign list. It opens on what matters on a real fleet: the largest campaigns first,
 * without the thousands of singletons (one scanner, one bot) and empty campaigns, which a toggle
 * brings back. The API sorts by one key and has no size filter, so the singletons are hidden
 * only in the largest-first order, where they all come last: a page stops at the first one, and
 * where they begin is found with a binary search of one-row pages (log₂ of the list's length).
 * Other orders (most recently active, recently changed, …) list every live campaign.
 *
 * Labels (analysts' names and tags) come from `/api/v1/labels`, beside the list: the campaign
 * rows do not carry them yet.
 */
import { api, errorBox } from './api.js';
import { debounced, el, fmtCount, fmtNum, fmtTime, labelChips, pager, replace, short } from './dom.js';
import { atPosition, current, route } from './nav.js';
import { onLive, setSequence } from './stream.js';

const PAGE_SIZE = 50;

const COLUMNS = /** @type {const} */ ([
  ['uuid', 'campaign'], ['identity_count', 'identities'], ['first_seen_at', 'first activity'],
  ['last_seen_at', 'last activity'], ['updated_at', 'updated'], ['confidence', 'confidence'],
]);

/** One-click orders; the column headers sort by any column too. */
const PRESETS = /** @type {const} */ ([
  ['largest', 'Largest first', 'identity_count', 'desc'],
  ['active', 'Most recently active', 'last_seen_at', 'desc'],
  ['changed', 'Recently changed', 'updated_at', 'desc'],
]);

/** Kept across views, so going back to the list finds it as it was. */
const listState = { q: '', sort: 'identity_count', order: 'desc', offset: 0, hideSingletons: true };

/** Where the singletons begin in the largest-first order, per search and log position. */
const boundaries = new Map();

const hiding = () => listState.hideSingletons && listState.sort === 'identity_count' && listState.order === 'desc';

/** @param {URLSearchParams} params */
const listPath = (params) => atPosition(`/campaigns?${params}`);

/**
 * The offset of the first campaign with fewer than 2 identities, in the largest-first order:
 * every campaign before `lo` has 2 or more, and the answer is at most `total`.
 * @param {number} lo @param {number} total @param {string} q
 */
async function firstSmall(lo, total, q) {
  let hi = total;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const params = new URLSearchParams({ limit: '1', offset: String(mid), sort: 'identity_count', order: 'desc' });
    if (q !== '') params.set('q', q);
    const page = await api(listPath(params));
    const row = page.data[0];
    if (row !== undefined && row.identity_count >= 2) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function listView() {
  document.body.dataset.view = 'list';
  const search = el('input', {
    id: 'search', type: 'search', placeholder: 'identity, payload hash, C2 endpoint, campaign id', value: listState.q,
    'aria-label': 'search campaigns',
  });
  const presets = el('div', { class: 'presets', role: 'group', 'aria-label': 'order' });
  const toggle = el('input', { type: 'checkbox', id: 'hide-singletons', checked: listState.hideSingletons });
  const toggleNote = el('span', { class: 'muted small', id: 'hide-singletons-note' });
  const table = el('table', { id: 'campaigns', class: 'grid', 'aria-label': 'campaigns' });
  const status = el('p', { class: 'muted', id: 'list-status' }, 'loading…');
  const pagerBox = el('div');
  let generation = 0;
  /** @type {Map<string, any>} */
  let labels = new Map();

  async function loadLabels() {
    try {
      const answer = await api(atPosition('/labels'));
      labels = new Map(answer.data.map((/** @type {any} */ l) => [l.campaign_uuid, l]));
    } catch {
      labels = new Map(); // a server without the labels route: the list shows none
    }
  }

  async function load() {
    const my = ++generation;
    drawControls();
    const params = new URLSearchParams({
      limit: String(PAGE_SIZE), offset: String(listState.offset), sort: listState.sort, order: listState.order,
    });
    if (listState.q !== '') params.set('q', listState.q);
    try {
      const [page] = await Promise.all([api(listPath(params)), loadLabels()]);
      if (my !== generation) return;
      setSequence(page.sequence);
      /** @type {any[]} */
      let rows = page.data;
      /** @type {number | null} */
      let shownTotal = page.total;
      if (hiding()) {
        const cut = rows.findIndex((c) => c.identity_count < 2);
        const key = `${listState.q}\u0000${page.sequence}`;
        if (cut >= 0) {
          rows = rows.slice(0, cut);
          shownTotal = listState.offset + cut;
          boundaries.set(key, shownTotal);
        } else if (rows.length < PAGE_SIZE) {
          shownTotal = page.total;
        } else {
          shownTotal = boundaries.get(key) ?? null;
          if (shownTotal === null) {
            void firstSmall(listState.offset + rows.length, page.total, listState.q).then((b) => {
              boundaries.set(key, b);
              if (my === generation) drawStatus(page, rows, b);
            }, () => {});
          }
        }
      }
      // Past the end (the list shrank, the position moved back, the search narrowed): the last page.
      if (rows.length === 0 && listState.offset > 0 && shownTotal !== null) {
        listState.offset = Math.max(0, Math.ceil(shownTotal / PAGE_SIZE) - 1) * PAGE_SIZE;
        void load();
        return;
      }
      drawTable(rows);
      drawStatus(page, rows, shownTotal);
    } catch (e) {
      if (my === generation) replace(status, errorBox(e));
    }
  }

  function drawControls() {
    replace(presets, ...PRESETS.map(([key, label, sort, order]) => el('button', {
      type: 'button', 'data-preset': key, 'aria-pressed': String(listState.sort === sort && listState.order === order),
      click: () => {
        listState.sort = sort;
        listState.order = order;
        listState.offset = 0;
        void load();
      },
    }, label)));
    toggle.disabled = !(listState.sort === 'identity_count' && listState.order === 'desc');
    replace(toggleNote, toggle.disabled ? 'only in the largest-first order: the API filters by no size' : '');
  }

  /** @param {any[]} rows */
  function drawTable(rows) {
    const head = el('tr', {}, ...COLUMNS.map(([key, label]) => {
      const active = listState.sort === key;
      const arrow = active ? (listState.order === 'asc' ? ' ▲' : ' ▼') : '';
      return el('th', { 'aria-sort': active ? (listState.order === 'asc' ? 'ascending' : 'descending') : 'none' },
        el('button', {
          type: 'button', class: 'sort', 'data-sort': key, click: () => {
            if (listState.sort === key) listState.order = listState.order === 'asc' ? 'desc' : 'asc';
            else { listState.sort = key; listState.order = key === 'uuid' ? 'asc' : 'desc'; }
            listState.offset = 0;
            void load();
          },
        }, label + arrow));
    }), el('th', {}, 'C2 / payloads'), listState.q ? el('th', {}, 'matched') : null);
    const body = rows.map((/** @type {any} */ c) => el('tr', { 'data-uuid': c.uuid, 'data-status': c.status },
      el('td', {}, labelChips(labels.get(c.uuid)), labels.has(c.uuid) ? el('br') : null,
        el('a', { href: route('campaigns', c.uuid), class: 'mono' }, c.uuid), c.status === 'empty' ? el('span', { class: 'tag' }, 'empty') : null),
      el('td', { class: 'num' }, fmtCount(c.identity_count)),
      el('td', {}, fmtTime(c.first_seen_at)),
      el('td', {}, fmtTime(c.last_seen_at)),
      el('td', {}, fmtTime(c.updated_at)),
      el('td', { class: 'num' }, fmtNum(c.confidence)),
      el('td', { class: 'mono small' }, ...aggregatePreview(c)),
      listState.q ? el('td', { class: 'small' }, ...(c.matches ?? []).map((/** @type {any} */ m) => el('div', {}, el('span', { class: 'tag' }, m.field.replace('_', ' ')), ' ', el('span', { class: 'mono' }, short(m.value, 48))))) : null,
    ));
    replace(table, el('thead', {}, head), el('tbody', {}, ...body));
  }

  /** @param {any} page @param {any[]} rows @param {number | null} shownTotal */
  function drawStatus(page, rows, shownTotal) {
    const from = rows.length === 0 ? 0 : page.offset + 1;
    const to = rows.length === 0 ? 0 : page.offset + rows.length;
    const matching = listState.q ? ` matching “${listState.q}”` : '';
    const when = current().asOf === null ? '' : ` as of sequence ${fmtCount(page.sequence)}`;
    if (hiding()) {
      const known = shownTotal === null ? '…' : fmtCount(shownTotal);
      const hidden = shownTotal === null ? '' : ` · ${fmtCount(page.total - shownTotal)} singleton and empty campaigns hidden`;
      replace(status, `${fmtCount(from)}–${fmtCount(to)} of ${known} campaigns with 2 or more identities${matching}${when}${hidden}`);
    } else {
      replace(status, `${fmtCount(from)}–${fmtCount(to)} of ${fmtCount(page.total)} live campaigns${matching}${when}`);
    }
    status.dataset.total = String(shownTotal ?? '');
    const total = hiding() ? (shownTotal ?? page.offset + rows.length + 1) : page.total;
    replace(pagerBox, pager({
      name: 'campaigns', offset: page.offset, limit: PAGE_SIZE, shown: rows.length, total, noun: 'campaigns',
      onPage: (offset) => { listState.offset = offset; void load(); },
    }));
  }

  search.addEventListener('input', debounced(() => {
    listState.q = search.value.trim();
    listState.offset = 0;
    void load();
  }, 200));
  toggle.addEventListener('change', () => {
    listState.hideSingletons = toggle.checked;
    listState.offset = 0;
    void load();
  });

  replace(document.getElementById('main') ?? document.body, el('section', { class: 'list' },
    el('h1', {}, 'Campaigns'),
    search,
    el('div', { class: 'list-controls' }, presets, el('label', { for: 'hide-singletons' }, toggle, ' hide singletons and empty campaigns'), toggleNote),
    status, table, pagerBox));
  void load();
  const reload = debounced(() => void load(), 250);
  const stop = onLive((m) => { if (m.event !== 'snapshot') reload(); });
  return { dispose: () => { stop(); generation++; } };
}

/** @param {any} c */
function aggregatePreview(c) {
  const a = c.aggregates;
  /** @type {import('./dom.js').Child[]} */
  const out = [];
  for (const v of a.c2_endpoints.slice(0, 2)) out.push(el('div', { title: v }, 'c2 ', short(v, 40)));
  for (const v of a.payload_hashes.slice(0, 2)) out.push(el('div', { title: v }, 'payload ', short(v, 40)));
  const more = a.c2_endpoints.length + a.payload_hashes.length - out.length;
  if (more > 0) out.push(el('div', { class: 'muted' }, `+${more} more`));
  return out;
}
