/**
 * The explorer page: `index.html`, `app.css` and the page's ES modules (`*.js`) from
 * `src/web/`, read once at start and served from memory. They hold no data (the page fetches the
 * API), so they are served without a token. The modules are found by listing the directory at
 * start (names of lower-case letters and dashes only), so a module added to the page needs no
 * change here.
 *
 * The Content-Security-Policy allows only our own script and style and no inline code: every
 * string on the page comes from attackers (C2 names, payload hashes, identity ids), and if
 * one ever reached the DOM as markup, the policy still keeps it from running.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Route } from './route-context.ts';

export const EXPLORER_CSP = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "img-src 'self' data:",
  "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
].join('; ');

const WEB_DIR = new URL('../../web/', import.meta.url);

const MODULE = /^[a-z][a-z-]*\.js$/;

/** Path → file and content type: the page, its style sheet and every module beside them. */
function assets(): Map<string, { file: string; type: string }> {
  const out = new Map<string, { file: string; type: string }>([
    ['/', { file: 'index.html', type: 'text/html; charset=utf-8' }],
    ['/app.css', { file: 'app.css', type: 'text/css; charset=utf-8' }],
  ]);
  for (const name of readdirSync(WEB_DIR).filter((n) => MODULE.test(n)).sort()) {
    out.set(`/${name}`, { file: name, type: 'text/javascript; charset=utf-8' });
  }
  return out;
}

export function explorerRoutes(): Array<[string, Route]> {
  return [...assets()].map(([path, { file, type }]) => {
    const body = readFileSync(new URL(file, WEB_DIR));
    const route: Route = {
      public: true,
      handle: () => ({ kind: 'body', body, contentType: type, headers: { 'Content-Security-Policy': EXPLORER_CSP, 'Cache-Control': 'no-cache' } }),
    };
    return [path, route];
  });
}
