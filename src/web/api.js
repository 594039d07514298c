// @ts-check
/**
 * API access: the bearer token (kept in sessionStorage: this tab only), the page's clustering
 * domain (`?domain=` of the page URL), JSON reads with a retry when the server is busy, and the
 * one write the page makes, `POST /api/v1/overrides`.
 */
import { el } from './dom.js';

export const API = '/api/v1';
const TOKEN_KEY = 'campaigns.token';

export const token = {
  /** @returns {string | null} */
  get: () => sessionStorage.getItem(TOKEN_KEY),
  /** @param {string} t */
  set: (t) => sessionStorage.setItem(TOKEN_KEY, t),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** @returns {Record<string, string>} */
export function authHeaders() {
  const t = token.get();
  return t ? { Authorization: `Bearer ${t}` } : {};
}

export class ApiError extends Error {
  /** @param {number} status @param {string} message @param {string | null} [code] */
  constructor(status, message, code = null) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Called when the server wants a token (a 401): the header's token form shows. */
let onUnauthorized = () => {};
/** @param {() => void} fn */
export const whenUnauthorized = (fn) => { onUnauthorized = fn; };
export const askForToken = () => onUnauthorized();

// ---- clustering domain ------------------------------------------------------------------

/**
 * The clustering domain this page shows: the page's own `?domain=` (absent: the default domain).
 * It lives in the page URL, not in the hash, so every view link keeps it and switching domains
 * reloads the page: no view, stream position or list state of one domain leaks into another.
 */
export const DOMAIN = new URLSearchParams(location.search).get('domain');

/** An API path for this page's domain; the default domain's requests are those of before domains. */
export function inDomain(/** @type {string} */ path) {
  if (DOMAIN === null || DOMAIN === 'default') return path;
  return `${path}${path.includes('?') ? '&' : '?'}domain=${encodeURIComponent(DOMAIN)}`;
}

/** Tries of a request the server answers `503 busy` (its heavy-request slots are all taken). */
const BUSY_TRIES = 5;

/** @param {string} path @param {boolean} [perDomain] @returns {Promise<any>} */
export async function api(path, perDomain = true) {
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(API + (perDomain ? inDomain(path) : path), { headers: { Accept: 'application/json', ...authHeaders() } });
    if (res.status === 503 && attempt < BUSY_TRIES) {
      const wait = Number(res.headers.get('Retry-After') ?? '1');
      await new Promise((r) => setTimeout(r, 1000 * Math.min(Math.max(Number.isFinite(wait) ? wait : 1, 1), 5)));
      continue;
    }
    if (res.status === 401) askForToken();
    if (!res.ok) throw await apiError(res);
    return res.json();
  }
}

/** @param {Response} res */
async function apiError(res) {
  /** @type {any} */
  let body = null;
  try {
    body = await res.json();
  } catch { /* not JSON: keep the status line */ }
  return new ApiError(res.status, body?.detail ?? res.statusText, typeof body?.error === 'string' ? body.error : null);
}

/**
 * Posts one analyst override: the override event without `event_id` and `time`, which the
 * server sets. An override names its clustering domain in its body (`domain`, as on the wire:
 * docs/SCHEMAS.md), not in the URL. Resolves with what the server answered, never throws on an
 * HTTP status.
 * @param {Record<string, unknown>} override
 * @returns {Promise<{ ok: true, eventId: string, time: string } | { ok: false, status: number, code: string | null, detail: string, parameter: string | null }>}
 */
export async function postOverride(override) {
  let res;
  try {
    const body = DOMAIN === null || DOMAIN === 'default' ? override : { ...override, domain: DOMAIN };
    res = await fetch(API + '/overrides', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...authHeaders() },
      body: JSON.stringify(body),
    });
  } catch (e) {
    return { ok: false, status: 0, code: null, detail: e instanceof Error ? e.message : String(e), parameter: null };
  }
  /** @type {any} */
  let body = null;
  try {
    body = await res.json();
  } catch { /* an empty or non-JSON answer */ }
  if (res.ok) return { ok: true, eventId: String(body?.event_id ?? ''), time: String(body?.time ?? '') };
  return {
    ok: false, status: res.status, code: typeof body?.error === 'string' ? body.error : null,
    detail: typeof body?.detail === 'string' ? body.detail : res.statusText, parameter: typeof body?.parameter === 'string' ? body.parameter : null,
  };
}

/** @param {unknown} e */
export function errorBox(e) {
  const status = e instanceof ApiError ? e.status : 0;
  const text = e instanceof Error ? e.message : String(e);
  return el('p', { class: 'error', 'data-status': status }, status ? `${status}: ${text}` : text);
}
