// @ts-check
/**
 * The campaign explorer: one module, no framework, no build step. Views: the campaign list
 * (#/), a campaign (#/campaigns/<uuid>: graph, timeline, events, identities) and an identity
 * (#/identities/<id>). Live updates come from the API's event stream.
 *
 * Every string the API returns is attacker-controlled (identity ids, C2 endpoints, payload
 * hashes, decky names). The page therefore never parses markup: all content goes through
 * `el()`/`svg()`, which create nodes and set text with `textContent`, and links are built
 * from our own route strings with `encodeURIComponent`. The server's Content-Security-Policy
 * (no inline script) is the second line of defence.
 */

const API = '/api/v1';
const FAMILIES = /** @type {const} */ (['handoff', 'shared_infra', 'temporal', 'cohort', 'keystroke']);
const FAMILY_COLOURS = {
  handoff: '#d62728', shared_infra: '#1f77b4', temporal: '#2ca02c', cohort: '#9467bd', keystroke: '#ff7f0e',
};
const FAMILY_LABELS = {
  handoff: 'phase handoff', shared_infra: 'shared infrastructure', temporal: 'temporal overlap', cohort: 'cohort', keystroke: 'keystroke',
};
/** Nodes drawn at most: beyond this the force layout gets slow and the picture unreadable. */
const MAX_GRAPH_NODES = 250;
const PAGE_SIZE = 50;
const SVG_NS = 'http://www.w3.org/2000/svg';

// ---- safe DOM construction -------------------------------------------------------------

/**
 * @typedef {string | number | Node | null | undefined | false} Child
 * @typedef {Record<string, string | number | boolean | ((ev: Event) => void) | undefined>} Attrs
 */

/** @param {Element} node @param {Attrs} attrs @param {Child[]} children */
function fill(node, attrs, children) {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === 'function') node.addEventListener(k, v);
    else if (v === true) node.setAttribute(k, '');
    else node.setAttribute(k, String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    node.append(typeof c === 'object' ? c : document.createTextNode(String(c)));
  }
  return node;
}

/**
 * An HTML element. Event handlers are passed as functions under their event name ("click").
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag @param {Attrs} [attrs] @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 */
function el(tag, attrs = {}, ...children) {
  return /** @type {HTMLElementTagNameMap[K]} */ (fill(document.createElement(tag), attrs, children));
}

/** @param {string} tag @param {Attrs} [attrs] @param {...Child} children @returns {SVGElement} */
function svg(tag, attrs = {}, ...children) {
  return /** @type {SVGElement} */ (fill(document.createElementNS(SVG_NS, tag), attrs, children));
}

/** Links only ever point at our own hash routes. @param {...string} parts */
const route = (...parts) => '#/' + parts.map(encodeURIComponent).join('/');

/** @param {Element} node @param {...Child} children */
function replace(node, ...children) {
  node.replaceChildren();
  fill(node, {}, children);
}

const short = (/** @type {string} */ s, n = 28) => (s.length > n ? s.slice(0, n - 1) + '…' : s);
const fmtTime = (/** @type {string | null} */ t) => (t === null ? '—' : t.replace('T', ' ').replace(/(\.\d+)?Z$/, 'Z'));
const fmtNum = (/** @type {number} */ n, d = 2) => (Number.isInteger(n) ? String(n) : n.toFixed(d));

// ---- API access -------------------------------------------------------------------------

const TOKEN_KEY = 'campaigns.token';
/** @returns {Record<string, string>} */
function authHeaders() {
  const t = sessionStorage.getItem(TOKEN_KEY);
  return t ? { Authorization: `Bearer ${t}` } : {};
}

class ApiError extends Error {
  /** @param {number} status @param {string} message */
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// ---- clustering domain --------------------------------------------------------------------

/**
 * The clustering domain this page shows: the page's own `?domain=` (absent: the default domain).
 * It lives in the page URL, not in the hash, so every view link keeps it and switching domains
 * reloads the page: no view, stream position or list state of one domain leaks into another.
 */
const DOMAIN = new URLSearchParams(location.search).get('domain');

/** An API path for this page's domain; the default domain's requests are those of before domains. */
function inDomain(/** @type {string} */ path) {
  if (DOMAIN === null || DOMAIN === 'default') return path;
  return `${path}${path.includes('?') ? '&' : '?'}domain=${encodeURIComponent(DOMAIN)}`;
}

/** Shows the domain selector when the store has more than one domain; a single-domain store's page is as before. */
async function setupDomainSelector() {
  const picker = /** @type {HTMLElement} */ (document.getElementById('domain-picker'));
  const select = /** @type {HTMLSelectElement} */ (document.getElementById('domain'));
  /** @type {{ data: Array<{ name: string, campaigns: number }> }} */
  let answer;
  try {
    answer = await api('/domains', false);
  } catch {
    return; // a server without /domains, or no token yet: the page works on the default domain
  }
  const shown = DOMAIN ?? 'default';
  const names = answer.data.map((d) => d.name);
  if (names.length < 2 && names.includes(shown)) {
    picker.hidden = true;
    return;
  }
  replace(select, ...answer.data.map((d) => el('option', { value: d.name }, `${d.name} (${d.campaigns})`)));
  // An unknown domain in the page URL stays selected, so the views' errors make sense.
  if (!names.includes(shown)) select.prepend(el('option', { value: shown }, `${shown} (unknown)`));
  select.value = shown;
  picker.hidden = false;
}

function setupDomainSwitch() {
  const select = /** @type {HTMLSelectElement} */ (document.getElementById('domain'));
  select.addEventListener('change', () => {
    const url = new URL(location.href);
    if (select.value === 'default') url.searchParams.delete('domain');
    else url.searchParams.set('domain', select.value);
    url.hash = '#/';
    location.assign(url.href);
  });
}

/** @param {string} path @param {boolean} [perDomain] @returns {Promise<any>} */
async function api(path, perDomain = true) {
  const res = await fetch(API + (perDomain ? inDomain(path) : path), { headers: { Accept: 'application/json', ...authHeaders() } });
  if (res.status === 401) askForToken();
  if (!res.ok) {
    /** @type {any} */
    let body = null;
    try {
      body = await res.json();
    } catch { /* not JSON: keep the status line */ }
    throw new ApiError(res.status, body?.detail ?? res.statusText);
  }
  return res.json();
}

function askForToken() {
  const form = /** @type {HTMLFormElement} */ (document.getElementById('token-form'));
  form.hidden = false;
}

function setupTokenForm() {
  const form = /** @type {HTMLFormElement} */ (document.getElementById('token-form'));
  const input = /** @type {HTMLInputElement} */ (document.getElementById('token-input'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (input.value.trim() !== '') sessionStorage.setItem(TOKEN_KEY, input.value.trim());
    input.value = '';
    form.hidden = true;
    stream.restart();
    void setupDomainSelector();
    render();
  });
}

// ---- live stream (fetch-based SSE: EventSource cannot send the Authorization header) ------

/** @typedef {{ event: string, id: string | null, data: any }} StreamMessage */

const stream = {
  /** @type {AbortController | null} */ controller: null,
  /** @type {string | null} */ lastId: null,
  /** @type {Set<(m: StreamMessage) => void>} */ listeners: new Set(),
  retryMs: 1000,

  start() {
    const controller = new AbortController();
    this.controller = controller;
    this.run(controller.signal).catch(() => {}).finally(() => {
      if (controller.signal.aborted) return;
      setLive('reconnecting', 'reconnecting…');
      setTimeout(() => { if (this.controller === controller) this.start(); }, this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 15000);
    });
  },

  restart() {
    this.controller?.abort();
    this.lastId = null;
    this.start();
  },

  /** @param {AbortSignal} signal */
  async run(signal) {
    /** @type {Record<string, string>} */
    const headers = { Accept: 'text/event-stream', ...authHeaders() };
    if (this.lastId !== null) headers['Last-Event-ID'] = this.lastId;
    const res = await fetch(API + inDomain('/campaigns/events'), { headers, signal, cache: 'no-store' });
    if (res.status === 401) {
      askForToken();
      throw new Error('unauthorized');
    }
    if (!res.ok || res.body === null) throw new Error(`stream: ${res.status}`);
    setLive('live', 'live');
    this.retryMs = 1000;
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let cut;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        this.dispatch(frame);
      }
    }
  },

  /** @param {string} frame */
  dispatch(frame) {
    let event = 'message';
    /** @type {string | null} */
    let id = null;
    const data = [];
    for (const line of frame.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'id') id = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length === 0) return;
    if (id !== null) this.lastId = id;
    /** @type {any} */
    let parsed;
    try {
      parsed = JSON.parse(data.join('\n'));
    } catch {
      return;
    }
    const seq = parsed.sequence;
    if (typeof seq === 'number') setSequence(seq);
    for (const l of this.listeners) l({ event, id, data: parsed });
  },
};

/** @param {string} state @param {string} text */
function setLive(state, text) {
  const live = /** @type {HTMLElement} */ (document.getElementById('live'));
  live.dataset.state = state;
  live.textContent = text;
}

/** @param {number} seq */
function setSequence(seq) {
  document.body.dataset.sequence = String(seq);
  replace(/** @type {HTMLElement} */ (document.getElementById('sequence')), `log sequence ${seq}`);
}

/** @param {Child[]} children @param {string} kind */
function showBanner(children, kind = 'info') {
  const b = /** @type {HTMLElement} */ (document.getElementById('banner'));
  b.dataset.kind = kind;
  replace(b, ...children, el('button', { type: 'button', class: 'close', 'aria-label': 'dismiss', click: () => { b.hidden = true; } }, '×'));
  b.hidden = false;
}

/** Coalesces bursts (a batch is many events) into one refresh. @param {() => void} fn */
function debounced(fn, ms = 150) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let t;
  return () => {
    clearTimeout(t);
    t = setTimeout(fn, ms);
  };
}

// ---- routing ----------------------------------------------------------------------------

/** @type {{ dispose(): void } | null} */
let currentView = null;
const main = /** @type {HTMLElement} */ (document.getElementById('main'));

function parseRoute() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter((p) => p !== '');
  try {
    return parts.map(decodeURIComponent);
  } catch {
    return [];
  }
}

function render() {
  currentView?.dispose();
  currentView = null;
  const [kind, id, ...rest] = parseRoute();
  if (kind === 'campaigns' && id !== undefined && rest.length === 0) currentView = campaignView(id);
  else if (kind === 'identities' && id !== undefined && rest.length === 0) currentView = identityView(id);
  else currentView = listView();
}

/** @param {unknown} e */
function errorBox(e) {
  const status = e instanceof ApiError ? e.status : 0;
  const text = e instanceof Error ? e.message : String(e);
  return el('p', { class: 'error', 'data-status': status }, status ? `${status}: ${text}` : text);
}

// ---- list view --------------------------------------------------------------------------

const COLUMNS = /** @type {const} */ ([
  ['uuid', 'campaign'], ['identity_count', 'identities'], ['first_seen_at', 'first activity'],
  ['last_seen_at', 'last activity'], ['updated_at', 'updated'], ['confidence', 'confidence'],
]);

const listState = { q: '', sort: 'updated_at', order: 'desc', offset: 0 };

function listView() {
  document.body.dataset.view = 'list';
  const search = el('input', {
    id: 'search', type: 'search', placeholder: 'identity, payload hash, C2 endpoint, campaign id', value: listState.q,
    'aria-label': 'search campaigns',
  });
  const table = el('table', { id: 'campaigns', class: 'grid' });
  const status = el('p', { class: 'muted', id: 'list-status' }, 'loading…');
  const pager = el('div', { class: 'pager' });
  let generation = 0;

  async function load() {
    const my = ++generation;
    const params = new URLSearchParams({
      limit: String(PAGE_SIZE), offset: String(listState.offset), sort: listState.sort, order: listState.order,
    });
    if (listState.q !== '') params.set('q', listState.q);
    try {
      const page = await api(`/campaigns?${params}`);
      if (my !== generation) return;
      setSequence(page.sequence);
      drawTable(page);
    } catch (e) {
      if (my === generation) replace(status, errorBox(e));
    }
  }

  /** @param {any} page */
  function drawTable(page) {
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
    const rows = page.data.map((/** @type {any} */ c) => el('tr', { 'data-uuid': c.uuid, 'data-status': c.status },
      el('td', {}, el('a', { href: route('campaigns', c.uuid), class: 'mono' }, c.uuid), c.status === 'empty' ? el('span', { class: 'tag' }, 'empty') : null),
      el('td', { class: 'num' }, c.identity_count),
      el('td', {}, fmtTime(c.first_seen_at)),
      el('td', {}, fmtTime(c.last_seen_at)),
      el('td', {}, fmtTime(c.updated_at)),
      el('td', { class: 'num' }, fmtNum(c.confidence)),
      el('td', { class: 'mono small' }, ...aggregatePreview(c)),
      listState.q ? el('td', { class: 'small' }, ...(c.matches ?? []).map((/** @type {any} */ m) => el('div', {}, el('span', { class: 'tag' }, m.field.replace('_', ' ')), ' ', el('span', { class: 'mono' }, short(m.value, 48))))) : null,
    ));
    replace(table, el('thead', {}, head), el('tbody', {}, ...rows));
    const from = page.total === 0 ? 0 : page.offset + 1;
    replace(status, `${from}–${page.offset + page.data.length} of ${page.total} live campaigns` + (listState.q ? ` matching “${listState.q}”` : ''));
    replace(pager,
      el('button', { type: 'button', disabled: page.offset === 0, click: () => { listState.offset = Math.max(0, listState.offset - PAGE_SIZE); void load(); } }, '← previous'),
      el('button', { type: 'button', disabled: page.offset + page.data.length >= page.total, click: () => { listState.offset += PAGE_SIZE; void load(); } }, 'next →'));
  }

  const onInput = debounced(() => {
    listState.q = search.value.trim();
    listState.offset = 0;
    void load();
  }, 200);
  search.addEventListener('input', onInput);

  replace(main, el('section', { class: 'list' }, el('h1', {}, 'Campaigns'), search, status, table, pager));
  void load();
  const reload = debounced(() => void load(), 250);
  /** @param {StreamMessage} m */
  const listener = (m) => { if (m.event !== 'snapshot') reload(); };
  stream.listeners.add(listener);
  return { dispose: () => { stream.listeners.delete(listener); generation++; } };
}

/** @param {any} c */
function aggregatePreview(c) {
  const a = c.aggregates;
  /** @type {Child[]} */
  const out = [];
  for (const v of a.c2_endpoints.slice(0, 2)) out.push(el('div', { title: v }, 'c2 ', short(v, 40)));
  for (const v of a.payload_hashes.slice(0, 2)) out.push(el('div', { title: v }, 'payload ', short(v, 40)));
  const more = a.c2_endpoints.length + a.payload_hashes.length - out.length;
  if (more > 0) out.push(el('div', { class: 'muted' }, `+${more} more`));
  return out;
}

// ---- campaign view ----------------------------------------------------------------------

/** @param {string} uuid */
function campaignView(uuid) {
  document.body.dataset.view = 'campaign';
  let generation = 0;
  /** Campaigns whose events concern this view (the campaign and those merged into it). */
  let concerned = new Set([uuid]);
  let canonical = uuid;

  async function load() {
    const my = ++generation;
    try {
      const detail = await api(`/campaigns/${encodeURIComponent(uuid)}`);
      const [evidence, identities] = await Promise.all([
        api(`/campaigns/${encodeURIComponent(uuid)}/evidence?limit=1000`),
        api(`/campaigns/${encodeURIComponent(uuid)}/identities?limit=1000`),
      ]);
      if (my !== generation) return;
      canonical = detail.uuid;
      concerned = new Set([uuid, ...evidence.campaigns]);
      setSequence(Math.max(detail.sequence, evidence.sequence, identities.sequence));
      draw(detail, evidence, identities);
      document.body.dataset.loaded = canonical;
      document.body.dataset.members = String(identities.total);
    } catch (e) {
      if (my === generation) replace(main, el('section', {}, el('p', {}, el('a', { href: '#/' }, '← all campaigns')), errorBox(e)));
    }
  }

  /** @param {any} d @param {any} ev @param {any} ids */
  function draw(d, ev, ids) {
    const mergedNote = d.requested_uuid !== d.uuid
      ? el('p', { class: 'note', id: 'merge-note' }, 'Campaign ', el('span', { class: 'mono' }, d.requested_uuid), ' was merged into this one.')
      : null;
    const a = d.aggregates;
    replace(main, el('section', { class: 'campaign', 'data-uuid': d.uuid },
      el('p', {}, el('a', { href: '#/' }, '← all campaigns')),
      el('h1', {}, 'Campaign ', el('span', { class: 'mono', id: 'campaign-uuid' }, d.uuid), ' ', el('span', { class: 'tag' }, d.status)),
      mergedNote,
      el('dl', { class: 'facts' },
        fact('identities', String(d.identity_count)),
        fact('confidence', fmtNum(d.confidence)),
        fact('activity', `${fmtTime(d.first_seen_at)} → ${fmtTime(d.last_seen_at)}`),
        fact('formed', `${fmtTime(d.created_at)} (sequence ${d.formed_sequence ?? '—'})`),
        fact('merged in', d.merged_in.length === 0 ? '—' : el('span', {}, ...d.merged_in.map((/** @type {string} */ m) => el('span', { class: 'mono chip' }, m))))),
      el('div', { class: 'columns' },
        valueList('C2 endpoints', a.c2_endpoints, 'c2'),
        valueList('Payload hashes', a.payload_hashes, 'payloads'),
        valueList('Deckies', a.deckies, 'deckies'),
        valueList('ASNs', a.asns.map(String), 'asns')),
      el('h2', {}, 'Identities and evidence'),
      legend(ev.by_family),
      graph(ids.data, ev.edges),
      el('h2', {}, 'Timeline'),
      timeline(d, ids.data, ev.history.data),
      el('h2', {}, 'Events'),
      historyTable(ev.history),
      el('h2', {}, 'Identities'),
      identityTable(ids),
    ));
  }

  const reload = debounced(() => void load(), 200);
  /** @param {StreamMessage} m */
  const listener = (m) => {
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
    }
    reload();
  };
  stream.listeners.add(listener);
  replace(main, el('p', { class: 'muted' }, 'loading…'));
  void load();
  return { dispose: () => { stream.listeners.delete(listener); generation++; delete document.body.dataset.loaded; } };
}

/** @param {string} label @param {Child} value */
const fact = (label, value) => el('div', {}, el('dt', {}, label), el('dd', {}, value));

/** @param {string} title @param {string[]} values @param {string} id */
function valueList(title, values, id) {
  return el('div', { class: 'values', id: `values-${id}` }, el('h3', {}, `${title} (${values.length})`),
    values.length === 0 ? el('p', { class: 'muted' }, 'none') : el('ul', {}, ...values.slice(0, 200).map((v) => el('li', { class: 'mono' }, v))));
}

/** @param {Record<string, any>} byFamily */
function legend(byFamily) {
  return el('div', { class: 'legend' }, ...FAMILIES.map((f) => el('span', { class: 'legend-item', 'data-family': f },
    el('span', { class: `swatch fam-${f}` }), `${FAMILY_LABELS[f]} (${byFamily[f].dominant})`)),
    el('span', { class: 'muted' }, 'edge colour: strongest family; width: weight'));
}

/**
 * The campaign's identities as a graph: a deterministic force layout (positions seeded from
 * the ids, so the same campaign always looks the same), edges coloured by their dominant
 * family and as wide as their weight.
 * @param {any[]} identities @param {{ data: any[], total: number }} edges
 */
function graph(identities, edges) {
  const ids = identities.map((i) => i.uuid).sort();
  const W = 900;
  const H = ids.length <= 3 ? 220 : ids.length <= 12 ? 340 : 480;
  let shown = ids;
  if (ids.length > MAX_GRAPH_NODES) {
    const keep = new Set();
    for (const e of edges.data) {
      if (keep.size >= MAX_GRAPH_NODES) break;
      keep.add(e.a);
      if (keep.size < MAX_GRAPH_NODES) keep.add(e.b);
    }
    for (const id of ids) if (keep.size < MAX_GRAPH_NODES) keep.add(id);
    shown = ids.filter((id) => keep.has(id));
  }
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
  const note = ids.length > shown.length ? el('p', { class: 'muted' }, `showing ${shown.length} of ${ids.length} identities (strongest edges first)`) : null;
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

/**
 * Fruchterman–Reingold, fixed iterations, cooling; O(n²) per step, fine for a few hundred.
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
 * campaign's activity span, and the campaign's events on one axis.
 * @param {any} d @param {any[]} identities @param {any[]} history
 */
function timeline(d, identities, history) {
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
  const more = identities.length > members.length ? el('p', { class: 'muted' }, `first ${members.length} of ${identities.length} identities`) : null;
  return el('figure', { class: 'timeline' }, s, more);
}

/** @param {any} p @param {string} type */
function summarise(p, type) {
  const id = (/** @type {string} */ v) => el('span', { class: 'mono' }, short(v, 40));
  switch (type) {
    case 'campaign.formed': return el('span', {}, `formed with ${p.identity_uuids.length}: `, ...p.identity_uuids.slice(0, 5).flatMap((/** @type {string} */ u, /** @type {number} */ i) => [i ? ', ' : '', id(u)]));
    case 'campaign.identity.assigned': return el('span', {}, id(p.identity_uuid), ' → ', id(p.campaign_uuid), p.prior_campaign_uuid ? el('span', {}, ' (from ', id(p.prior_campaign_uuid), ')') : '');
    case 'campaign.merged': return el('span', {}, id(p.loser_uuid), ' merged into ', id(p.winner_uuid));
    case 'campaign.unmerged': return el('span', {}, id(p.resurrected_uuid), ' split from ', id(p.former_winner_uuid));
    case 'campaign.identity.removed': return el('span', {}, id(p.identity_uuid), ` left (${p.reason})`);
    case 'campaign.profile.updated': return el('span', {}, 'profile updated');
    default: return el('span', {}, type);
  }
}

/** @param {{ data: any[], total: number }} history */
function historyTable(history) {
  return el('div', {},
    el('table', { class: 'grid', id: 'history' },
      el('thead', {}, el('tr', {}, el('th', {}, 'seq'), el('th', {}, 'type'), el('th', {}, 'time'), el('th', {}, 'batch'), el('th', {}, 'what'), el('th', {}, 'edges'))),
      el('tbody', {}, ...history.data.map((h) => el('tr', { 'data-type': h.type, 'data-sequence': h.sequence },
        el('td', { class: 'num' }, h.sequence), el('td', {}, h.type.replace(/^campaign\./, '')), el('td', {}, fmtTime(h.time)),
        el('td', { class: 'mono small' }, `${h.batch.from} → ${h.batch.to}`), el('td', {}, summarise(h.payload, h.type)), el('td', { class: 'num' }, h.evidence_count))))),
    history.total > history.data.length ? el('p', { class: 'muted' }, `first ${history.data.length} of ${history.total} events`) : null);
}

/** @param {any} ids */
function identityTable(ids) {
  return el('table', { class: 'grid', id: 'identities' },
    el('thead', {}, el('tr', {}, el('th', {}, 'identity'), el('th', {}, 'literal campaign'), el('th', {}, 'joined'), el('th', {}, 'updated'))),
    el('tbody', {}, ...ids.data.map((/** @type {any} */ i) => el('tr', { 'data-id': i.uuid },
      el('td', {}, el('a', { href: route('identities', i.uuid), class: 'mono' }, i.uuid)),
      el('td', { class: 'mono small' }, i.campaign_id ?? '—'),
      el('td', {}, fmtTime(i.joined_at)), el('td', {}, fmtTime(i.updated_at))))));
}

// ---- identity view ----------------------------------------------------------------------

/** @param {string} id */
function identityView(id) {
  document.body.dataset.view = 'identity';
  let generation = 0;
  async function load() {
    const my = ++generation;
    try {
      const d = await api(`/identities/${encodeURIComponent(id)}`);
      if (my !== generation) return;
      setSequence(d.sequence);
      replace(main, el('section', { class: 'identity' },
        el('p', {}, el('a', { href: '#/' }, '← all campaigns'), d.campaign_uuid ? el('span', {}, ' · ', el('a', { href: route('campaigns', d.campaign_uuid) }, 'its campaign')) : null),
        el('h1', {}, 'Identity ', el('span', { class: 'mono', id: 'identity-uuid' }, d.uuid), ' ', el('span', { class: 'tag' }, d.status)),
        el('dl', { class: 'facts' },
          fact('campaign', d.campaign_uuid ? el('a', { href: route('campaigns', d.campaign_uuid), class: 'mono' }, d.campaign_uuid) : '—'),
          fact('literal campaign', d.campaign_id ?? '—'),
          fact('joined', fmtTime(d.joined_at)),
          fact('first / last event', `${fmtTime(d.created_at)} / ${fmtTime(d.updated_at)}`),
          fact('strongest family scores', FAMILIES.map((f) => `${FAMILY_LABELS[f]} ${fmtNum(d.features.family_signals[f], 3)}`).join(' · '))),
        engineFeatures(d.features),
        el('h2', {}, `Evidence edges (${d.edges.length})`),
        el('table', { class: 'grid' },
          el('thead', {}, el('tr', {}, el('th', {}, 'with'), el('th', {}, 'weight'), ...FAMILIES.map((f) => el('th', {}, FAMILY_LABELS[f])), el('th', {}, 'seq'))),
          el('tbody', {}, ...d.edges.map((/** @type {any} */ e) => {
            const other = e.a === d.uuid ? e.b : e.a;
            return el('tr', {}, el('td', {}, el('a', { href: route('identities', other), class: 'mono' }, other)), el('td', { class: 'num' }, fmtNum(e.weight, 3)),
              ...FAMILIES.map((f) => el('td', { class: 'num' }, fmtNum(e[f], 3))), el('td', { class: 'num' }, e.sequence));
          }))),
        el('h2', {}, 'History'),
        historyTable({ data: d.history, total: d.history.length })));
    } catch (e) {
      if (my === generation) replace(main, el('section', {}, el('p', {}, el('a', { href: '#/' }, '← all campaigns')), errorBox(e)));
    }
  }
  void load();
  return { dispose: () => { generation++; } };
}

/**
 * The engine's view of the identity, from the store's newest snapshot; it may lag the log, so
 * the position it holds at is shown with it.
 * @param {any} f
 */
function engineFeatures(f) {
  if (f.source !== 'engine snapshot') {
    return el('section', { id: 'engine-features' }, el('h2', {}, 'Engine features'),
      el('p', { class: 'muted' }, `Not available (${f.reason}): ${f.detail}`));
  }
  const sessions = f.sessions.data.slice(0, 20).map((/** @type {any} */ s) => el('li', {}, `${fmtTime(s.start)} → ${fmtTime(s.end)}`));
  return el('section', { id: 'engine-features' },
    el('h2', {}, 'Engine features ', el('span', { class: 'muted small' }, `snapshot after batch ${f.as_of.batch_index} (sequence ${f.as_of.sequence})`)),
    el('dl', { class: 'facts' },
      fact('engine state', f.node !== null && f.node !== undefined && f.engine_state !== 'node' ? `${f.engine_state} → ${f.node}` : f.engine_state),
      fact('first / last seen', `${fmtTime(f.first_seen_at)} / ${fmtTime(f.last_seen_at)}`),
      fact('sessions', `${f.sessions.total} (${fmtNum(f.sessions.total_seconds / 3600, 1)} h)`),
      fact('keystroke centroid', el('span', { class: 'mono', id: 'keystroke-centroid' }, f.keystroke.centroid ?? '—')),
      fact('initial access', f.initial_access ? 'yes' : 'no'),
      fact('ASNs', f.asns.length === 0 ? '—' : f.asns.join(', '))),
    el('div', { class: 'columns' },
      valueList('Payload hashes', f.payload_hashes, 'identity-payloads'),
      valueList('C2 endpoints', f.c2_endpoints, 'identity-c2'),
      valueList('Deckies', f.deckies, 'identity-deckies'),
      valueList('Tools', f.tools, 'identity-tools')),
    sessions.length === 0 ? null : el('details', {}, el('summary', {}, `Sessions (first ${sessions.length} of ${f.sessions.total})`), el('ul', {}, ...sessions)));
}

// ---- start ------------------------------------------------------------------------------

setupTokenForm();
setupDomainSwitch();
void setupDomainSelector();
window.addEventListener('hashchange', render);
render();
stream.start();
