// @ts-check
/**
 * Pictures of a campaign: its identity graph (a deterministic force layout, seeded from the ids,
 * so the same campaign always looks the same; edges coloured by their dominant family and as
 * wide as their weight) and its timeline (member joins, activity span, events). Neither ever
 * draws a whole giant campaign: the graph keeps the strongest edges' identities up to
 * MAX_GRAPH_NODES, the timeline the members and events of the pages it is given.
 */
import { el, fmtNum, short, svg } from './dom.js';
import { route } from './nav.js';

export const FAMILIES = /** @type {const} */ (['handoff', 'shared_infra', 'temporal', 'cohort', 'keystroke']);
const FAMILY_COLOURS = {
  handoff: '#d62728', shared_infra: '#1f77b4', temporal: '#2ca02c', cohort: '#9467bd', keystroke: '#ff7f0e',
};
export const FAMILY_LABELS = {
  handoff: 'phase handoff', shared_infra: 'shared infrastructure', temporal: 'temporal overlap', cohort: 'cohort', keystroke: 'keystroke',
};
/** Nodes drawn at most: beyond this the force layout gets slow and the picture unreadable. */
export const MAX_GRAPH_NODES = 250;

/** @param {Record<string, any>} byFamily */
export function legend(byFamily) {
  return el('div', { class: 'legend' }, ...FAMILIES.map((f) => el('span', { class: 'legend-item', 'data-family': f },
    el('span', { class: `swatch fam-${f}` }), `${FAMILY_LABELS[f]} (${byFamily[f].dominant})`)),
    el('span', { class: 'muted' }, 'edge colour: strongest family; width: weight'));
}

/**
 * The campaign's identities as a graph: a deterministic force layout (positions seeded from
 * the ids, so the same campaign always looks the same), edges coloured by their dominant
 * family and as wide as their weight. `known` are the members the page has (all of them for a
 * campaign of up to MAX_GRAPH_NODES); a larger campaign is drawn from its strongest edges'
 * identities, up to MAX_GRAPH_NODES, with the count of the rest.
 * @param {string[]} known @param {{ data: any[], total: number }} edges @param {number} members
 */
export function graph(known, edges, members) {
  const keep = new Set();
  if (known.length >= members && known.length <= MAX_GRAPH_NODES) {
    for (const id of known) keep.add(id);
  } else {
    for (const e of edges.data) {
      if (keep.size >= MAX_GRAPH_NODES) break;
      keep.add(e.a);
      if (keep.size < MAX_GRAPH_NODES) keep.add(e.b);
    }
    for (const id of known) if (keep.size < MAX_GRAPH_NODES) keep.add(id);
  }
  const shown = [...keep].sort();
  const W = 900;
  const H = shown.length <= 3 ? 220 : shown.length <= 12 ? 340 : shown.length <= 40 ? 520 : 600;
  const index = new Map(shown.map((id, i) => [id, i]));
  const links = edges.data.filter((e) => index.has(e.a) && index.has(e.b));
  const pos = layout(shown, links.map((e) => [index.get(e.a) ?? 0, index.get(e.b) ?? 0, e.weight]), W, H);
  const maxW = Math.max(1, ...links.map((e) => e.weight));
  const g = svg('svg', { id: 'graph', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `graph of ${shown.length} identities and ${links.length} edges` });
  for (const e of links) {
    const [x1, y1] = pos[index.get(e.a) ?? 0];
    const [x2, y2] = pos[index.get(e.b) ?? 0];
    const fam = /** @type {keyof typeof FAMILY_COLOURS} */ (e.dominant_family);
    g.append(svg('line', {
      x1, y1, x2, y2, class: 'edge', stroke: FAMILY_COLOURS[fam] ?? '#888', 'stroke-width': (1 + 5 * e.weight / maxW).toFixed(2),
      'data-family': fam, 'data-a': e.a, 'data-b': e.b,
    }, svg('title', {}, `${e.a} — ${e.b}\nweight ${fmtNum(e.weight, 3)} (sequence ${e.sequence})\n` +
      FAMILIES.map((f) => `${FAMILY_LABELS[f]}: ${fmtNum(e[f], 3)}`).join('\n'))));
  }
  shown.forEach((id, i) => {
    const [x, y] = pos[i];
    const a = svg('a', { href: route('identities', id), class: 'node', 'data-id': id },
      svg('circle', { cx: x, cy: y, r: 7 }),
      svg('text', { x: x + 10, y: y + 4 }, short(id, 24)),
      svg('title', {}, id));
    g.append(a);
  });
  const note = members > shown.length
    ? el('p', { class: 'muted', id: 'graph-note' }, `showing ${shown.length} of ${members.toLocaleString('en-US')} identities: those of the strongest edges`)
    : null;
  const none = links.length === 0 && shown.length > 1 ? el('p', { class: 'muted' }, 'The log carries no edge between these identities (see docs/API.md).') : null;
  return el('figure', { class: 'graph' }, g, note, none);
}

/** Deterministic seed in [0, 1) from a string (FNV-1a). @param {string} s @param {number} salt */
function hash01(s, salt) {
  let h = 0x811c9dc5 ^ salt;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) / 4294967296;
}

/** Strength of the pull towards the centre, per pixel away from it. */
const GRAVITY = 2;

/**
 * Fruchterman–Reingold with a pull towards the centre, fixed iterations, cooling; O(n²) per
 * step, fine for a few hundred.
 * @param {string[]} ids @param {Array<[number, number, number]>} links @param {number} W @param {number} H
 * @returns {Array<[number, number]>}
 */
function layout(ids, links, W, H) {
  const n = ids.length;
  const pad = 40;
  if (n === 1) return [[W / 2, H / 2]];
  /** @type {Array<[number, number]>} */
  const p = ids.map((id) => [pad + hash01(id, 1) * (W - 2 * pad), pad + hash01(id, 2) * (H - 2 * pad)]);
  const k = Math.sqrt(((W - 2 * pad) * (H - 2 * pad)) / Math.max(n, 1)) * 0.75;
  let temp = W / 8;
  const cx = (W - 150) / 2;
  const cy = H / 2;
  for (let it = 0; it < 200; it++) {
    const d = p.map(() => [0, 0]);
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        let dx = p[i][0] - p[j][0];
        let dy = p[i][1] - p[j][1];
        let dist = Math.hypot(dx, dy);
        if (dist < 0.01) { dx = 0.01 * (i - j); dy = 0.01; dist = 0.02; }
        const f = (k * k) / dist;
        d[i][0] += (dx / dist) * f; d[i][1] += (dy / dist) * f;
        d[j][0] -= (dx / dist) * f; d[j][1] -= (dy / dist) * f;
      }
    }
    for (const [a, b, w] of links) {
      const dx = p[a][0] - p[b][0];
      const dy = p[a][1] - p[b][1];
      const dist = Math.max(Math.hypot(dx, dy), 0.01);
      const f = ((dist * dist) / k) * Math.min(2, w);
      d[a][0] -= (dx / dist) * f; d[a][1] -= (dy / dist) * f;
      d[b][0] += (dx / dist) * f; d[b][1] += (dy / dist) * f;
    }
    // A pull towards the centre: without it the repulsion of a few dozen nodes pins the
    // loosely tied ones against the borders, where their labels pile up.
    for (let i = 0; i < n; i++) {
      d[i][0] += GRAVITY * (cx - p[i][0]);
      d[i][1] += GRAVITY * (cy - p[i][1]);
    }
    for (let i = 0; i < n; i++) {
      const len = Math.max(Math.hypot(d[i][0], d[i][1]), 0.01);
      p[i][0] = Math.min(W - pad - 150, Math.max(pad, p[i][0] + (d[i][0] / len) * Math.min(len, temp)));
      p[i][1] = Math.min(H - pad, Math.max(pad, p[i][1] + (d[i][1] / len) * Math.min(len, temp)));
    }
    temp *= 0.97;
  }
  // Centre the drawing: a small component would otherwise sit wherever its seeds put it.
  const xs = p.map((q) => q[0]);
  const ys = p.map((q) => q[1]);
  // Labels hang to the right of their node: keep the drawing left of centre by their width.
  const labelRoom = 150;
  const dx = (W - labelRoom) / 2 - (Math.min(...xs) + Math.max(...xs)) / 2;
  const dy = H / 2 - (Math.min(...ys) + Math.max(...ys)) / 2;
  return p.map(([x, y]) => [Math.round((x + dx) * 10) / 10, Math.round((y + dy) * 10) / 10]);
}

/**
 * Member activity as the log records it: when each identity joined the campaign, the
 * campaign's activity span, and the campaign's events on one axis. It draws the members and
 * events it is given (the first page of each) and says how many there are in all.
 * @param {any} d @param {any[]} identities @param {any[]} history @param {{ members: number, events: number }} totals
 */
export function timeline(d, identities, history, totals) {
  const W = 900;
  const rowH = 16;
  const left = 190;
  const members = identities.slice(0, 40);
  const times = [
    ...history.map((h) => Date.parse(h.time)),
    ...members.map((m) => Date.parse(m.joined_at ?? m.created_at)),
    ...[d.first_seen_at, d.last_seen_at].filter((t) => t !== null).map((t) => Date.parse(t)),
  ].filter((t) => Number.isFinite(t));
  if (times.length === 0) return el('p', { class: 'muted' }, 'no dated events');
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const span = Math.max(t1 - t0, 1);
  const x = (/** @type {number} */ t) => left + ((t - t0) / span) * (W - left - 20);
  const H = 60 + members.length * rowH;
  const s = svg('svg', { id: 'timeline', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'timeline' });
  s.append(svg('text', { x: 4, y: 14, class: 'axis' }, new Date(t0).toISOString().replace('.000Z', 'Z')));
  s.append(svg('text', { x: W - 4, y: 14, class: 'axis', 'text-anchor': 'end' }, new Date(t1).toISOString().replace('.000Z', 'Z')));
  if (d.first_seen_at !== null && d.last_seen_at !== null) {
    const a = x(Date.parse(d.first_seen_at));
    const b = x(Date.parse(d.last_seen_at));
    s.append(svg('rect', { x: a, y: 22, width: Math.max(2, b - a), height: 8, class: 'activity' }, svg('title', {}, `activity ${d.first_seen_at} → ${d.last_seen_at}`)));
  }
  s.append(svg('text', { x: 4, y: 30, class: 'axis' }, 'activity / events'));
  for (const h of history) {
    const cx = x(Date.parse(h.time));
    s.append(svg('circle', { cx, cy: 42, r: 4, class: `ev ev-${h.type.replace(/\./g, '-')}` }, svg('title', {}, `${h.type} #${h.sequence} at ${h.time}\nbatch ${h.batch.from} → ${h.batch.to}`)));
  }
  members.forEach((m, i) => {
    const y = 60 + i * rowH;
    s.append(svg('text', { x: 4, y: y + 4, class: 'axis mono' }, short(m.uuid, 26), svg('title', {}, m.uuid)));
    const j = x(Date.parse(m.joined_at ?? m.created_at));
    s.append(svg('line', { x1: j, y1: y, x2: W - 20, y2: y, class: 'member' }));
    s.append(svg('circle', { cx: j, cy: y, r: 3.5, class: 'joined' }, svg('title', {}, `${m.uuid} joined at ${m.joined_at ?? m.created_at}`)));
  });
  const parts = [];
  if (totals.members > members.length) parts.push(`the ${members.length} most recently changed of ${totals.members.toLocaleString('en-US')} identities`);
  if (totals.events > history.length) parts.push(`the first ${history.length} of ${totals.events.toLocaleString('en-US')} events`);
  const more = parts.length > 0 ? el('p', { class: 'muted' }, `showing ${parts.join(' and ')}`) : null;
  return el('figure', { class: 'timeline' }, s, more);
}
