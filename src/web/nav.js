// @ts-check
/**
 * The page's address. Views are hash routes (`#/`, `#/campaigns/<uuid>`, `#/identities/<id>`);
 * a time-travel position rides along as `?as_of=<sequence>` after the route
 * (`#/campaigns/<uuid>?as_of=812`), so a copied link shows the same past. Links are built only
 * from our own route names and `encodeURIComponent`, never from markup.
 */

/** @typedef {{ parts: string[], asOf: string | null }} Location */

/** The current route and time-travel position. @returns {Location} */
export function current() {
  const raw = location.hash.replace(/^#\/?/, '');
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  const asOf = params.get('as_of');
  /** @type {string[]} */
  let parts;
  try {
    parts = path.split('/').filter((p) => p !== '').map(decodeURIComponent);
  } catch {
    parts = [];
  }
  // Only what the API takes as a position: digits, or an ISO time (the time bar turns a time
  // into the sequence it selects).
  return { parts, asOf: asOf !== null && /^[0-9]{1,15}$|^\d{4}-\d\d-\d\dT[0-9:.]+(Z|[+-]\d\d:\d\d)$/.test(asOf) ? asOf : null };
}

/** A hash route; `asOf` undefined keeps the current position. @param {string[]} parts @param {string | null} [asOf] */
export function href(parts, asOf) {
  const at = asOf === undefined ? current().asOf : asOf;
  return '#/' + parts.map(encodeURIComponent).join('/') + (at === null ? '' : `?as_of=${encodeURIComponent(at)}`);
}

/** Link to a view at the current position. @param {...string} parts */
export const route = (...parts) => href(parts);

/** Same view, another position (null: now). @param {string | null} asOf */
export function travel(asOf) {
  location.hash = href(current().parts, asOf);
}

/** An API path at the page's position. @param {string} path */
export function atPosition(path) {
  const { asOf } = current();
  if (asOf === null) return path;
  return `${path}${path.includes('?') ? '&' : '?'}as_of=${encodeURIComponent(asOf)}`;
}
