// @ts-check
/**
 * Safe DOM construction for the explorer. Every string the API returns is attacker-controlled
 * (identity ids, C2 endpoints, payload hashes, decky names, analysts' label text), so the page
 * never parses markup: all content goes through `el()`/`svg()`, which create nodes and set text
 * as text nodes, and attributes with `setAttribute`. The server's Content-Security-Policy (no
 * inline script) is the second line of defence.
 */

export const SVG_NS = 'http://www.w3.org/2000/svg';

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
export function el(tag, attrs = {}, ...children) {
  return /** @type {HTMLElementTagNameMap[K]} */ (fill(document.createElement(tag), attrs, children));
}

/** @param {string} tag @param {Attrs} [attrs] @param {...Child} children @returns {SVGElement} */
export function svg(tag, attrs = {}, ...children) {
  return /** @type {SVGElement} */ (fill(document.createElementNS(SVG_NS, tag), attrs, children));
}

/** @param {Element} node @param {...Child} children */
export function replace(node, ...children) {
  node.replaceChildren();
  fill(node, {}, children);
}

/** @param {string} id @returns {HTMLElement} */
export const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

export const short = (/** @type {string} */ s, n = 28) => (s.length > n ? s.slice(0, n - 1) + '…' : s);
export const fmtTime = (/** @type {string | null | undefined} */ t) => (t === null || t === undefined ? '—' : t.replace('T', ' ').replace(/(\.\d+)?Z$/, 'Z'));
export const fmtNum = (/** @type {number} */ n, d = 2) => (Number.isInteger(n) ? String(n) : n.toFixed(d));
export const fmtCount = (/** @type {number} */ n) => n.toLocaleString('en-US');

/** Coalesces bursts (a batch is many events) into one call. @param {() => void} fn */
export function debounced(fn, ms = 150) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let t;
  return () => {
    clearTimeout(t);
    t = setTimeout(fn, ms);
  };
}

/** @param {string} label @param {Child} value @param {string} [key] a `data-fact` name for the row */
export const fact = (label, value, key) => el('div', { 'data-fact': key }, el('dt', {}, label), el('dd', {}, value));

/** The page's banner (a live merge, an accepted override). @param {Child[]} children @param {string} kind */
export function showBanner(children, kind = 'info') {
  const b = byId('banner');
  b.dataset.kind = kind;
  replace(b, ...children, el('button', { type: 'button', class: 'close', 'aria-label': 'dismiss', click: () => { b.hidden = true; } }, '×'));
  b.hidden = false;
}

/** A value list that never prints more than `max` items. @param {string} title @param {string[]} values @param {string} id */
export function valueList(title, values, id, max = 200) {
  return el('div', { class: 'values', id: `values-${id}` }, el('h3', {}, `${title} (${fmtCount(values.length)})`),
    values.length === 0 ? el('p', { class: 'muted' }, 'none') : el('ul', {}, ...values.slice(0, max).map((v) => el('li', { class: 'mono' }, v))),
    values.length > max ? el('p', { class: 'muted small' }, `first ${max} of ${fmtCount(values.length)}`) : null);
}

/** A label's name and tags, as chips. @param {{ name: string, tags: readonly string[] } | undefined} label */
export function labelChips(label) {
  if (label === undefined) return null;
  return el('span', { class: 'label', 'data-label': label.name },
    el('span', { class: 'label-name' }, label.name), ...label.tags.map((t) => el('span', { class: 'tag label-tag' }, t)));
}

/**
 * Previous/next buttons and where the page stands. `onPage` is given the new offset.
 * @param {{ name: string, offset: number, limit: number, shown: number, total: number, onPage: (offset: number) => void, noun?: string }} p
 */
export function pager({ name, offset, limit, shown, total, onPage, noun = 'rows' }) {
  const from = shown === 0 ? 0 : offset + 1;
  const to = shown === 0 ? 0 : offset + shown;
  return el('nav', { class: 'pager', 'aria-label': `${name} pages`, 'data-pager': name },
    el('button', { type: 'button', 'data-page': 'previous', disabled: offset === 0, click: () => onPage(Math.max(0, offset - limit)) }, '← previous'),
    el('span', { class: 'muted', 'data-range': name }, `${fmtCount(from)}–${fmtCount(to)} of ${fmtCount(total)} ${noun}`),
    el('button', { type: 'button', 'data-page': 'next', disabled: offset + shown >= total, click: () => onPage(offset + limit) }, 'next →'));
}
