/**
 * The explorer page: three static files from `src/web/`, read once at start and served from
 * memory. They hold no data (the page fetches the API), so they are served without a token.
 *
 * The Content-Security-Policy allows only our own script and style and no inline code: every
 * string on the page comes from attackers (C2 names, payload hashes, identity ids), and if
 * one ever reached the DOM as markup, the policy still keeps it from running.
 */
import { readFileSync } from 'node:fs';
import type { Route } from './route-context.ts';

export const EXPLORER_CSP = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "img-src 'self' data:",
  "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
].join('; ');

const WEB_DIR = new URL('../../web/', import.meta.url);

const ASSETS = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
} as const;

export function explorerRoutes(): Array<[string, Route]> {
  return Object.entries(ASSETS).map(([path, { file, type }]) => {
    const body = readFileSync(new URL(file, WEB_DIR));
    const route: Route = {
      public: true,
      handle: () => ({ kind: 'body', body, contentType: type, headers: { 'Content-Security-Policy': EXPLORER_CSP, 'Cache-Control': 'no-cache' } }),
    };
    return [path, route];
  });
}
