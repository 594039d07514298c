// @ts-check
/**
 * An identity's page (`#/identities/<id>`): its campaign, its engine features from the store's
 * newest snapshot, its evidence edges and history. The identity route has no `as_of`: this view
 * always shows the present, and says so when the page is in the past.
 */
import { api, errorBox } from './api.js';
import { byId, el, fact, fmtNum, fmtTime, replace, valueList } from './dom.js';
import { FAMILIES, FAMILY_LABELS } from './graph.js';
import { historyTable } from './history.js';
import { current, href, route } from './nav.js';
import { setSequence } from './stream.js';

/** @param {string} id */
export function identityView(id) {
  document.body.dataset.view = 'identity';
  const main = byId('main');
  let generation = 0;
  async function load() {
    const my = ++generation;
    try {
      const d = await api(`/identities/${encodeURIComponent(id)}`);
      if (my !== generation) return;
      setSequence(d.sequence);
      replace(main, el('section', { class: 'identity' },
        el('p', {}, el('a', { href: route() }, '← all campaigns'), d.campaign_uuid ? el('span', {}, ' · ', el('a', { href: route('campaigns', d.campaign_uuid) }, 'its campaign')) : null),
        current().asOf === null ? null : el('p', { class: 'note', id: 'identity-present' }, 'This is the identity now: the API keeps no past for identities. ', el('a', { href: href(['identities', id], null) }, 'Leave the past')),
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
        historyTable({ data: d.history }, 'identity-history')));
    } catch (e) {
      if (my === generation) replace(main, el('section', {}, el('p', {}, el('a', { href: route() }, '← all campaigns')), errorBox(e)));
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

