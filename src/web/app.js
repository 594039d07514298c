// @ts-check
/**
 * The campaign explorer: plain ES modules, no framework, no build step. Views: the campaign list
 * (#/), a campaign (#/campaigns/<uuid>: label, counts, graph, timeline, paged members,
 * merged-in campaigns, events and evidence) and an identity (#/identities/<id>). Any of them can
 * be looked at in the past (`?as_of=<sequence>` after the route: timebar.js). Live updates come
 * from the API's event stream; overrides go to `POST /api/v1/overrides` (overrides.js).
 *
 * Every string the API returns is attacker-controlled. The page never parses markup: see
 * dom.js, the only place nodes are made.
 *
 * Modules: dom.js (safe DOM), nav.js (hash routes and the as_of in them), api.js (token,
 * domain, requests), stream.js (live events), timebar.js (time travel), list.js, campaign.js,
 * identity.js (the views), graph.js (graph and timeline), history.js (event tables),
 * overrides.js (the analyst's dialogs).
 */
import { api, DOMAIN, token, whenUnauthorized } from './api.js';
import { byId, el, replace } from './dom.js';
import { campaignView } from './campaign.js';
import { identityView } from './identity.js';
import { listView } from './list.js';
import { current } from './nav.js';
import { stream } from './stream.js';
import { followLog, showTimeBar } from './timebar.js';

// ---- clustering domain --------------------------------------------------------------------

/** Shows the domain selector when the store has more than one domain; a single-domain store's page is as before. */
async function setupDomainSelector() {
  const picker = byId('domain-picker');
  const select = /** @type {HTMLSelectElement} */ (byId('domain'));
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
  const select = /** @type {HTMLSelectElement} */ (byId('domain'));
  select.addEventListener('change', () => {
    const url = new URL(location.href);
    if (select.value === 'default') url.searchParams.delete('domain');
    else url.searchParams.set('domain', select.value);
    url.hash = '#/';
    location.assign(url.href);
  });
}

// ---- token ----------------------------------------------------------------------------------

function setupTokenForm() {
  const form = byId('token-form');
  const input = /** @type {HTMLInputElement} */ (byId('token-input'));
  whenUnauthorized(() => { form.hidden = false; });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (input.value.trim() !== '') token.set(input.value.trim());
    input.value = '';
    form.hidden = true;
    stream.restart();
    void setupDomainSelector();
    render();
  });
}

// ---- routing ----------------------------------------------------------------------------

/** @type {{ dispose(): void } | null} */
let currentView = null;

function render() {
  currentView?.dispose();
  currentView = null;
  const [kind, id, ...rest] = current().parts;
  if (kind === 'campaigns' && id !== undefined && rest.length === 0) {
    currentView = campaignView(id);
    showTimeBar('campaign');
  } else if (kind === 'identities' && id !== undefined && rest.length === 0) {
    currentView = identityView(id);
    showTimeBar('identity');
  } else {
    currentView = listView();
    showTimeBar('list');
  }
}

// ---- start ------------------------------------------------------------------------------

setupTokenForm();
setupDomainSwitch();
void setupDomainSelector();
window.addEventListener('hashchange', render);
render();
stream.start();
followLog();
