// @ts-check
/** A history of campaign events as a table: one line per event, what it did in words. */
import { el, fmtTime, short } from './dom.js';

/** @param {any} p @param {string} type */
function summarise(p, type) {
  const id = (/** @type {string} */ v) => el('span', { class: 'mono' }, short(v, 40));
  switch (type) {
    case 'campaign.formed': return el('span', {}, `formed with ${p.identity_uuids.length}: `, ...p.identity_uuids.slice(0, 5).flatMap((/** @type {string} */ u, /** @type {number} */ i) => [i ? ', ' : '', id(u)]), p.identity_uuids.length > 5 ? ', …' : '');
    case 'campaign.identity.assigned': return el('span', {}, id(p.identity_uuid), ' → ', id(p.campaign_uuid), p.prior_campaign_uuid ? el('span', {}, ' (from ', id(p.prior_campaign_uuid), ')') : '');
    case 'campaign.merged': return el('span', {}, id(p.loser_uuid), ' merged into ', id(p.winner_uuid));
    case 'campaign.unmerged': return el('span', {}, id(p.resurrected_uuid), ' split from ', id(p.former_winner_uuid));
    case 'campaign.identity.removed': return el('span', {}, id(p.identity_uuid), ` left (${p.reason})`);
    case 'campaign.profile.updated': return el('span', {}, 'profile updated');
    case 'campaign.labelled': return p.name === null
      ? el('span', {}, id(p.campaign_uuid), ': label removed')
      : el('span', {}, id(p.campaign_uuid), ' labelled “', p.name, '”', ...(p.tags ?? []).map((/** @type {string} */ t) => el('span', { class: 'tag' }, t)), p.author ? ` by ${p.author}` : '');
    default: return el('span', {}, type);
  }
}

/** @param {{ data: any[] }} history @param {string} [id] */
export function historyTable(history, id = 'history') {
  return el('table', { class: 'grid', id, 'aria-label': 'events' },
    el('thead', {}, el('tr', {}, el('th', {}, 'seq'), el('th', {}, 'type'), el('th', {}, 'time'), el('th', {}, 'batch'), el('th', {}, 'what'), el('th', {}, 'edges'))),
    el('tbody', {}, ...history.data.map((h) => el('tr', { 'data-type': h.type, 'data-sequence': h.sequence },
      el('td', { class: 'num' }, h.sequence), el('td', {}, h.type.replace(/^campaign\./, '')), el('td', {}, fmtTime(h.time)),
      el('td', { class: 'mono small' }, `${h.batch.from} → ${h.batch.to}`), el('td', {}, summarise(h.payload, h.type)), el('td', { class: 'num' }, h.evidence_count)))));
}
