// @ts-check
/**
 * Analyst overrides from the page: a dialog per kind (label a campaign, split an identity off
 * from another with a cannot-link, pin an identity to an anchor, must-link two identities,
 * revoke an override), which asks who decides and why, and posts the override to
 * `POST /api/v1/overrides` (docs/ANALYSTS.md, fields per kind in docs/SCHEMAS.md).
 *
 * The answer is reported as it is: an accepted override is an input event, not a change; it takes
 * effect when the pipeline (or the next `campaigns run`) reads it, and the page shows its
 * outcome when the log has it. A server that takes no overrides says so (403 `writes_disabled`;
 * an older, read-only server answers 405), and that is what the dialog shows.
 *
 * The token is the API's bearer token, kept in sessionStorage (this tab only): asked in the
 * dialog when the tab has none, asked again when the server refuses it.
 */
import { postOverride, token } from './api.js';
import { el, replace, short } from './dom.js';

const AUTHOR_KEY = 'campaigns.author';

/**
 * @typedef {{ name: string, label: string, value?: string, required?: boolean, multiline?: boolean,
 *   suggestions?: readonly string[], hint?: string }} Field
 * @typedef {{ kind: string, title: string, intro: import('./dom.js').Child[], fields: Field[],
 *   build: (values: Record<string, string>) => Record<string, unknown> | string }} OverrideForm
 */

/** Comma-separated tags, trimmed, without empties or repeats. @param {string} raw */
const tagList = (raw) => [...new Set(raw.split(',').map((t) => t.trim()).filter((t) => t !== ''))];

/** What the server said, in words an analyst can act on. @param {Awaited<ReturnType<typeof postOverride>>} r */
function outcome(r) {
  if (r.ok) {
    return el('p', { class: 'accepted', 'data-outcome': 'accepted' },
      el('strong', {}, 'Accepted'), ` (event ${r.eventId}${r.time ? `, ${r.time}` : ''}). `,
      'It takes effect when the pipeline or the next run reads it; this page shows the outcome once the log has it.');
  }
  /** @type {string} */
  let why;
  if (r.status === 403 && r.code === 'writes_disabled') why = `Writes are disabled on this server: ${r.detail}`;
  else if (r.status === 401) why = 'The server refused the token. Enter it again.';
  else if (r.status === 405 || r.status === 404) why = 'This server takes no overrides: it serves the API read-only (no POST /api/v1/overrides).';
  else if (r.status === 400) why = `Refused: ${r.detail}${r.parameter ? ` (${r.parameter})` : ''}`;
  else if (r.status === 0) why = `The request failed: ${r.detail}`;
  else why = `${r.status}: ${r.detail}`;
  return el('p', { class: 'error', 'data-outcome': r.code ?? String(r.status) }, why);
}

/** @param {OverrideForm} spec */
function open(spec) {
  document.getElementById('override-dialog')?.remove();
  /** @type {Map<string, HTMLInputElement | HTMLTextAreaElement>} */
  const inputs = new Map();
  /** @param {Field} f */
  const field = (f) => {
    const id = `ov-${f.name}`;
    const listId = f.suggestions && f.suggestions.length > 0 ? `${id}-list` : undefined;
    const input = f.multiline
      ? el('textarea', { id, name: f.name, rows: 3, required: f.required ?? false })
      : el('input', { id, name: f.name, type: f.name === 'token' ? 'password' : 'text', autocomplete: 'off', required: f.required ?? false, list: listId });
    input.value = f.value ?? '';
    inputs.set(f.name, input);
    return el('div', { class: 'field' },
      el('label', { for: id }, f.label), input,
      listId ? el('datalist', { id: listId }, ...(f.suggestions ?? []).map((s) => el('option', { value: s }))) : null,
      f.hint ? el('span', { class: 'muted small' }, f.hint) : null);
  };
  const needToken = token.get() === null;
  const common = [
    { name: 'author', label: 'Author', value: localStorage.getItem(AUTHOR_KEY) ?? '', required: true },
    { name: 'reason', label: 'Reason', required: true, multiline: true, hint: 'why: an override nobody can explain cannot be reviewed' },
  ];
  const tokenField = { name: 'token', label: 'API token', required: true, hint: 'kept for this tab only' };
  const result = el('div', { id: 'override-result', role: 'status', 'aria-live': 'polite' });
  const send = el('button', { type: 'submit', id: 'override-send' }, 'Send override');
  const tokenRow = el('div', { id: 'override-token', hidden: !needToken }, field(tokenField));
  const dialog = el('dialog', { id: 'override-dialog', class: 'override', 'aria-labelledby': 'override-title', 'data-kind': spec.kind });
  const form = el('form', {
    submit: (ev) => {
      ev.preventDefault();
      void submit();
    },
  },
  el('h2', { id: 'override-title' }, spec.title),
  el('p', { class: 'small' }, ...spec.intro),
  ...spec.fields.map(field), ...common.map(field), tokenRow,
  el('div', { class: 'actions' }, send, el('button', { type: 'button', id: 'override-close', click: () => dialog.close() }, 'Close')),
  result);
  // A hidden required field would block the form: the token is required only when asked.
  const tokenInput = /** @type {HTMLInputElement} */ (inputs.get('token'));
  const askToken = (/** @type {boolean} */ ask) => {
    tokenRow.hidden = !ask;
    tokenInput.required = ask;
  };
  askToken(needToken);
  dialog.append(form);
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();

  async function submit() {
    /** @type {Record<string, string>} */
    const values = {};
    for (const [name, input] of inputs) values[name] = input.value.trim();
    const built = spec.build(values);
    if (typeof built === 'string') {
      replace(result, el('p', { class: 'error', 'data-outcome': 'invalid' }, built));
      return;
    }
    if (!tokenRow.hidden && values.token) {
      token.set(values.token);
      askToken(false);
    }
    localStorage.setItem(AUTHOR_KEY, values.author);
    send.disabled = true;
    replace(result, el('p', { class: 'muted' }, 'sending…'));
    const r = await postOverride({ ...built, author: values.author, reason: values.reason });
    send.disabled = false;
    if (!r.ok && r.status === 401) {
      token.clear();
      askToken(true);
      tokenInput.focus();
    }
    if (r.ok) send.disabled = true; // sent: a second click would send a second override
    replace(result, outcome(r));
  }
}

/**
 * Label a campaign (name, tags, notes); a new label replaces the one standing.
 * @param {string} campaign @param {{ name: string, tags: readonly string[], notes: string | null } | undefined} standing
 */
export function labelCampaign(campaign, standing) {
  open({
    kind: 'analyst.label', title: 'Label this campaign',
    intro: ['Campaign ', el('span', { class: 'mono' }, campaign), '. A label names a campaign; it never changes the clustering.'],
    fields: [
      { name: 'name', label: 'Name', value: standing?.name ?? '', required: true },
      { name: 'tags', label: 'Tags', value: standing?.tags.join(', ') ?? '', hint: 'comma-separated' },
      { name: 'notes', label: 'Notes', value: standing?.notes ?? '', multiline: true },
    ],
    build: (v) => ({ type: 'analyst.label', campaign_uuid: campaign, name: v.name, tags: tagList(v.tags), notes: v.notes === '' ? null : v.notes }),
  });
}

/**
 * Split an identity off: it and another member are never in one campaign (a cannot-link).
 * @param {string} identity @param {readonly string[]} members the members the page shows, as suggestions
 */
export function splitOff(identity, members) {
  const others = members.filter((m) => m !== identity);
  open({
    kind: 'analyst.cannot_link', title: 'Split off (cannot-link)',
    intro: ['Identity ', el('span', { class: 'mono' }, short(identity, 60)), ' and the identity below are never to be in one campaign. The engine cuts the weakest links that join them.'],
    fields: [{ name: 'other', label: 'Keep apart from identity', value: others[0] ?? '', required: true, suggestions: others }],
    build: (v) => (v.other === identity ? 'Choose another identity.' : { type: 'analyst.cannot_link', identity_uuids: [identity, v.other] }),
  });
}

/**
 * Pin an identity to an anchor identity's campaign.
 * @param {string} identity @param {readonly string[]} members
 */
export function pin(identity, members) {
  const others = members.filter((m) => m !== identity);
  open({
    kind: 'analyst.pin', title: 'Pin to an anchor',
    intro: ['Identity ', el('span', { class: 'mono' }, short(identity, 60)), ' stays in the campaign of the anchor identity; a newer pin of it replaces this one.'],
    fields: [{ name: 'anchor', label: 'Anchor identity', value: others[0] ?? '', required: true, suggestions: others }],
    build: (v) => (v.anchor === identity ? 'The anchor must be another identity.' : { type: 'analyst.pin', identity_uuid: identity, anchor_uuid: v.anchor }),
  });
}

/**
 * Two identities are always in one campaign (a must-link).
 * @param {readonly string[]} members
 */
export function mustLink(members) {
  open({
    kind: 'analyst.must_link', title: 'Must-link two identities',
    intro: ['The two identities below are one operator: they are always in one campaign, whatever the evidence says.'],
    fields: [
      { name: 'a', label: 'Identity', value: members[0] ?? '', required: true, suggestions: members },
      { name: 'b', label: 'and identity', required: true, suggestions: members, hint: 'any identity the store has seen' },
    ],
    build: (v) => (v.a === v.b ? 'Choose two different identities.' : { type: 'analyst.must_link', identity_uuids: [v.a, v.b] }),
  });
}

/**
 * Undo an earlier override (the label standing, here).
 * @param {string} eventId @param {string} what
 */
export function revoke(eventId, what) {
  open({
    kind: 'analyst.revoke', title: 'Revoke an override',
    intro: ['Revokes ', what, ' (override ', el('span', { class: 'mono' }, eventId), '). What stood before it stands again.'],
    fields: [],
    build: () => ({ type: 'analyst.revoke', override_event_id: eventId }),
  });
}
