// @ts-check
/**
 * A campaign's page (`#/campaigns/<uuid>`): its label, facts and counts, aggregates, identity
 * graph, timeline, then four paged tables: members, merged-in campaigns, events and evidence
 * edges. Nothing here prints a whole campaign: a giant one (tens of thousands of members, one
 * merged-in campaign per singleton it swallowed) is shown as counts and pages of PAGE rows, and
 * the graph keeps its strongest edges' identities.
 *
 * In the present it follows the live stream (a merge into or out of it shows a banner and
 * redraws it) and offers the analyst's overrides: label it, split a member off, pin one, must-link
 * two. In the past (`as_of`) every request carries the position, the stream is ignored, and the
 * overrides, which act on the present, are not offered.
 */
import { api, ApiError, errorBox } from './api.js';
import { byId, debounced, el, fact, fmtCount, fmtNum, fmtTime, labelChips, pager, replace, short, showBanner, valueList } from './dom.js';
import { FAMILY_LABELS, MAX_GRAPH_NODES, graph, legend, timeline } from './graph.js';
import { historyTable } from './history.js';
import { atPosition, current, route } from './nav.js';
import * as overrides from './overrides.js';
import { onLive, setSequence } from './stream.js';

const PAGE = 50;

/**
 * The label standing on each campaign, from `/api/v1/labels`; a server without that route gives
 * the `campaign.labelled` events of the campaign's history instead (the last per campaign).
 * @param {string} uuid
 * @returns {Promise<Map<string, any>>}
 */
async function labelsOf(uuid) {
  try {
    const answer = await api(atPosition('/labels'));
    return new Map(answer.data.map((/** @type {any} */ l) => [l.campaign_uuid, l]));
  } catch {
    try {
      const ev = await api(atPosition(`/campaigns/${encodeURIComponent(uuid)}/evidence?types=campaign.labelled&limit=1000`));
      /** @type {Map<string, any>} */
      const out = new Map();
      for (const h of ev.history.data) out.set(h.payload.campaign_uuid, { ...h.payload, sequence: h.sequence, time: h.time });
      for (const [k, v] of out) if (v.name === null) out.delete(k);
      return out;
    } catch {
      return new Map();
    }
  }
}

/** @param {string} uuid */
export function campaignView(uuid) {
  document.body.dataset.view = 'campaign';
  const main = byId('main');
  const u = encodeURIComponent(uuid);
  let generation = 0;
  /** Campaigns whose events concern this view (the campaign and those merged into it). */
  let concerned = new Set([uuid]);
  /** Offsets of the four tables; kept when a live event reloads the page. */
  const at = { members: 0, merged: 0, events: 0, edges: 0 };
  /** @type {any} */ let detail = null;
  /** @type {any} */ let evidence = null;
  /** @type {string[]} */ let known = [];
  /** @type {Map<string, any>} */ let labels = new Map();
  const past = () => current().asOf !== null;

  async function load() {
    const my = ++generation;
    try {
      const d = await api(atPosition(`/campaigns/${u}`));
      // Up to MAX_GRAPH_NODES members, one request holds them all (graph and first page);
      // beyond, the graph is drawn from the strongest edges and the table pages.
      const graphLimit = d.identity_count <= MAX_GRAPH_NODES ? MAX_GRAPH_NODES : PAGE;
      const [ev, ids, ls] = await Promise.all([
        api(atPosition(`/campaigns/${u}/evidence?limit=${PAGE}&offset=${at.events}`)),
        api(atPosition(`/campaigns/${u}/identities?limit=${graphLimit}`)),
        labelsOf(uuid),
      ]);
      let members = at.members === 0 ? null : await api(atPosition(`/campaigns/${u}/identities?limit=${PAGE}&offset=${at.members}`));
      if (members !== null && members.data.length === 0) {
        at.members = 0; // the campaign shrank under the page it showed: back to the first
        members = null;
      }
      if (my !== generation) return;
      detail = d;
      evidence = ev;
      labels = ls;
      known = ids.data.map((/** @type {any} */ i) => i.uuid);
      concerned = new Set([uuid, d.uuid, ...ev.campaigns, ...d.merged_in]);
      setSequence(Math.max(d.sequence, ev.sequence, ids.sequence));
      draw(members ?? { ...ids, data: ids.data.slice(0, PAGE), limit: PAGE });
      document.body.dataset.loaded = d.uuid;
      document.body.dataset.members = String(ids.total);
    } catch (e) {
      if (my !== generation) return;
      const never = e instanceof ApiError && e.status === 404 && past()
        ? el('p', { class: 'muted' }, 'At this log position the log had not named this campaign yet: try a later position, or now.')
        : null;
      replace(main, el('section', {}, el('p', {}, el('a', { href: route() }, '← all campaigns')), errorBox(e), never));
    }
  }

  /** @param {any} firstMembers */
  function draw(firstMembers) {
    const d = detail;
    const ev = evidence;
    const a = d.aggregates;
    const mergedTotal = d.merged_in_total ?? d.merged_in.length;
    const mergedNote = d.requested_uuid !== d.uuid
      ? el('p', { class: 'note', id: 'merge-note' }, 'Campaign ', el('span', { class: 'mono' }, d.requested_uuid), ' was merged into this one.')
      : null;
    const membersBox = el('div', { id: 'members-section' });
    const mergedBox = el('div', { id: 'merged-section' });
    const eventsBox = el('div', { id: 'events-section' });
    const edgesBox = el('div', { id: 'edges-section' });
    replace(main, el('section', { class: 'campaign', 'data-uuid': d.uuid },
      el('p', {}, el('a', { href: route() }, '← all campaigns')),
      el('h1', {}, 'Campaign ', el('span', { class: 'mono', id: 'campaign-uuid' }, d.uuid), ' ', el('span', { class: 'tag' }, d.status)),
      labelBox(d),
      actions(d),
      mergedNote,
      el('dl', { class: 'facts' },
        fact('identities', fmtCount(d.identity_count), 'identities'),
        fact('merged-in campaigns', fmtCount(mergedTotal), 'merged'),
        fact('events', fmtCount(ev.history.total), 'events'),
        fact('evidence edges', fmtCount(ev.edges.total), 'edges'),
        fact('confidence', fmtNum(d.confidence)),
        fact('activity', `${fmtTime(d.first_seen_at)} → ${fmtTime(d.last_seen_at)}`),
        fact('formed', `${fmtTime(d.created_at)} (sequence ${d.formed_sequence ?? '—'})`)),
      el('div', { class: 'columns' },
        valueList('C2 endpoints', a.c2_endpoints, 'c2'),
        valueList('Payload hashes', a.payload_hashes, 'payloads'),
        valueList('Deckies', a.deckies, 'deckies'),
        valueList('ASNs', a.asns.map(String), 'asns')),
      el('h2', {}, 'Identities and evidence'),
      legend(ev.by_family),
      graph(known, ev.edges, d.identity_count),
      el('h2', {}, 'Timeline'),
      timeline(d, firstMembers.data, ev.history.data, { members: d.identity_count, events: ev.history.total }),
      el('h2', { id: 'members-title' }, `Members (${fmtCount(d.identity_count)})`), membersBox,
      el('h2', { id: 'merged-title' }, `Merged-in campaigns (${fmtCount(mergedTotal)})`), mergedBox,
      el('h2', { id: 'events-title' }, `Events (${fmtCount(ev.history.total)})`), eventsBox,
      el('h2', { id: 'edges-title' }, `Evidence edges (${fmtCount(ev.edges.total)})`), edgesBox,
    ));
    drawMembers(membersBox, firstMembers);
    void drawMerged(mergedBox);
    drawEvents(eventsBox, ev.history);
    drawEdges(edgesBox);
  }

  /** @param {any} d */
  function labelBox(d) {
    const own = labels.get(d.uuid);
    const mergedIn = new Set(d.merged_in);
    const others = [...labels.values()].filter((l) => mergedIn.has(l.campaign_uuid));
    return el('div', { id: 'campaign-label', class: 'label-box' },
      own === undefined
        ? el('span', { class: 'muted' }, 'No label.')
        : el('span', {}, labelChips(own), own.notes ? el('span', { class: 'label-notes' }, ' ', own.notes) : null,
          el('span', { class: 'muted small' }, ` — ${own.author ? `by ${own.author}, ` : ''}sequence ${own.sequence}`)),
      others.length === 0 ? null : el('div', { class: 'small', id: 'merged-labels' }, 'Labels of merged-in campaigns: ',
        ...others.slice(0, 10).flatMap((l, i) => [i ? '; ' : '', labelChips(l), ' (', el('a', { href: route('campaigns', l.campaign_uuid), class: 'mono' }, short(l.campaign_uuid, 13)), ')']),
        others.length > 10 ? ` and ${others.length - 10} more` : ''));
  }

  /** @param {any} d */
  function actions(d) {
    if (past()) {
      return el('p', { class: 'muted small', id: 'campaign-actions' }, 'Overrides act on the present: go to “now” to label this campaign or move its members.');
    }
    const own = labels.get(d.uuid);
    return el('div', { class: 'actions', id: 'campaign-actions', role: 'group', 'aria-label': 'overrides' },
      el('button', { type: 'button', id: 'action-label', click: () => overrides.labelCampaign(d.uuid, own) }, own ? 'Change label…' : 'Label this campaign…'),
      own?.override_event_id
        ? el('button', { type: 'button', id: 'action-revoke-label', click: () => overrides.revoke(own.override_event_id, `the label “${own.name}”`) }, 'Revoke label…')
        : null,
      el('button', { type: 'button', id: 'action-must-link', click: () => overrides.mustLink(known) }, 'Must-link two identities…'),
      el('span', { class: 'muted small' }, 'Overrides are input events: they take effect when the pipeline or the next run reads them.'));
  }

  /** @param {HTMLElement} box @param {any} page */
  function drawMembers(box, page) {
    const onPage = page.data.map((/** @type {any} */ i) => i.uuid);
    const suggestions = [...new Set([...onPage, ...known])];
    replace(box,
      el('table', { class: 'grid', id: 'identities', 'aria-labelledby': 'members-title' },
        el('thead', {}, el('tr', {}, el('th', {}, 'identity'), el('th', {}, 'literal campaign'), el('th', {}, 'joined'), el('th', {}, 'updated'),
          past() ? null : el('th', {}, 'overrides'))),
        el('tbody', {}, ...page.data.map((/** @type {any} */ i) => el('tr', { 'data-id': i.uuid },
          el('td', {}, el('a', { href: route('identities', i.uuid), class: 'mono' }, i.uuid)),
          el('td', { class: 'mono small' }, i.campaign_id ?? '—'),
          el('td', {}, fmtTime(i.joined_at)), el('td', {}, fmtTime(i.updated_at)),
          past() ? null : el('td', { class: 'row-actions' },
            el('button', { type: 'button', 'data-action': 'split', 'aria-label': `split ${short(i.uuid, 40)} off`, click: () => overrides.splitOff(i.uuid, suggestions) }, 'split off…'),
            el('button', { type: 'button', 'data-action': 'pin', 'aria-label': `pin ${short(i.uuid, 40)}`, click: () => overrides.pin(i.uuid, suggestions) }, 'pin…')))))),
      pager({
        name: 'members', offset: page.offset, limit: PAGE, shown: page.data.length, total: page.total, noun: 'identities',
        onPage: (offset) => void pageMembers(box, offset),
      }));
  }

  /** @param {HTMLElement} box @param {number} offset */
  async function pageMembers(box, offset) {
    const my = generation;
    try {
      const page = await api(atPosition(`/campaigns/${u}/identities?limit=${PAGE}&offset=${offset}`));
      if (my !== generation) return;
      at.members = offset;
      drawMembers(box, page);
    } catch (e) {
      replace(box, errorBox(e));
    }
  }

  /**
   * Merged-in campaigns: the detail lists them (all of them, or a first part with
   * `merged_in_total` and the rest behind `…/merged`).
   * @param {HTMLElement} box
   */
  async function drawMerged(box) {
    const d = detail;
    const total = d.merged_in_total ?? d.merged_in.length;
    const offset = Math.min(at.merged, Math.max(0, total - 1));
    /** @type {string[]} */
    let rows;
    if (offset + PAGE <= d.merged_in.length || d.merged_in.length >= total) rows = d.merged_in.slice(offset, offset + PAGE);
    else {
      const my = generation;
      try {
        rows = (await api(atPosition(`/campaigns/${u}/merged?limit=${PAGE}&offset=${offset}`))).data;
      } catch (e) {
        replace(box, errorBox(e));
        return;
      }
      if (my !== generation) return;
    }
    replace(box,
      total === 0 ? el('p', { class: 'muted' }, 'None: no campaign was merged into this one.') : el('table', { class: 'grid', id: 'merged', 'aria-labelledby': 'merged-title' },
        el('thead', {}, el('tr', {}, el('th', {}, 'campaign'), el('th', {}, 'label'))),
        el('tbody', {}, ...rows.map((m) => el('tr', { 'data-uuid': m },
          el('td', {}, el('a', { href: route('campaigns', m), class: 'mono' }, m)), el('td', {}, labelChips(labels.get(m)) ?? '—'))))),
      total === 0 ? null : pager({
        name: 'merged', offset, limit: PAGE, shown: rows.length, total, noun: 'campaigns',
        onPage: (o) => { at.merged = o; void drawMerged(box); },
      }));
  }

  /** @param {HTMLElement} box @param {{ data: any[], total: number, offset: number }} history */
  function drawEvents(box, history) {
    replace(box, historyTable(history), pager({
      name: 'events', offset: history.offset, limit: PAGE, shown: history.data.length, total: history.total, noun: 'events',
      onPage: (o) => void pageEvents(box, o),
    }));
  }

  /** @param {HTMLElement} box @param {number} offset */
  async function pageEvents(box, offset) {
    const my = generation;
    try {
      // A server with `…/history` pages events alone; otherwise the evidence route carries them.
      const page = evidence.campaigns_total !== undefined
        ? await api(atPosition(`/campaigns/${u}/history?limit=${PAGE}&offset=${offset}`))
        : (await api(atPosition(`/campaigns/${u}/evidence?limit=${PAGE}&offset=${offset}`))).history;
      if (my !== generation) return;
      at.events = offset;
      drawEvents(box, { data: page.data, total: page.total, offset });
    } catch (e) {
      replace(box, errorBox(e));
    }
  }

  /** Evidence edges, strongest first: pages of what the evidence answer holds. @param {HTMLElement} box */
  function drawEdges(box) {
    const edges = evidence.edges;
    const offset = Math.min(at.edges, Math.max(0, edges.data.length - 1));
    const rows = edges.data.slice(offset, offset + PAGE);
    const id = (/** @type {string} */ v) => el('a', { href: route('identities', v), class: 'mono' }, short(v, 40));
    replace(box,
      el('table', { class: 'grid', id: 'edges', 'aria-labelledby': 'edges-title' },
        el('thead', {}, el('tr', {}, el('th', {}, 'identity'), el('th', {}, 'identity'), el('th', {}, 'weight'), el('th', {}, 'strongest family'), el('th', {}, 'seq'))),
        el('tbody', {}, ...rows.map((/** @type {any} */ e) => el('tr', { 'data-family': e.dominant_family },
          el('td', {}, id(e.a)), el('td', {}, id(e.b)), el('td', { class: 'num' }, fmtNum(e.weight, 3)),
          el('td', {}, FAMILY_LABELS[/** @type {keyof typeof FAMILY_LABELS} */ (e.dominant_family)] ?? e.dominant_family),
          el('td', { class: 'num' }, e.sequence))))),
      pager({
        name: 'edges', offset, limit: PAGE, shown: rows.length, total: edges.data.length, noun: 'edges',
        onPage: (o) => { at.edges = o; drawEdges(box); },
      }),
      edges.total > edges.data.length ? el('p', { class: 'muted small' }, `the strongest ${fmtCount(edges.data.length)} of ${fmtCount(edges.total)} edges (what the API returns)`) : null);
  }

  const reload = debounced(() => void load(), 200);
  const stop = onLive((m) => {
    if (m.event === 'snapshot') return;
    const p = m.data.payload ?? {};
    const named = [p.campaign_uuid, p.winner_uuid, p.loser_uuid, p.resurrected_uuid, p.former_winner_uuid, p.prior_campaign_uuid];
    if (!named.some((c) => typeof c === 'string' && concerned.has(c))) return;
    if (m.event === 'merged') {
      const intoThis = concerned.has(p.winner_uuid);
      showBanner([
        el('strong', {}, 'Live: '),
        intoThis ? 'campaign ' : 'this campaign was merged into ',
        el('a', { href: route('campaigns', intoThis ? p.loser_uuid : p.winner_uuid), class: 'mono' }, intoThis ? p.loser_uuid : p.winner_uuid),
        intoThis ? ' merged into this campaign' : '',
        ` (sequence ${m.data.sequence}).`,
      ], 'merge');
      document.body.dataset.lastMerge = `${p.loser_uuid}>${p.winner_uuid}`;
    } else if (m.event === 'unmerged') {
      showBanner([el('strong', {}, 'Live: '), 'campaign ', el('span', { class: 'mono' }, p.resurrected_uuid), ' was split off again.'], 'merge');
    } else if (m.event === 'labelled') {
      showBanner([el('strong', {}, 'Live: '), p.name === null ? 'a label was removed' : ['labelled “', p.name, '”'].join(''), ` (sequence ${m.data.sequence}).`], 'label');
    }
    reload();
  });
  replace(main, el('p', { class: 'muted' }, 'loading…'));
  void load();
  return { dispose: () => { stop(); generation++; delete document.body.dataset.loaded; } };
}
