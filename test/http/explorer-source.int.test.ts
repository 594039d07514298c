/**
 * The explorer page's source: type-checked against the DOM (it is plain JS served without a
 * build step, so the project's tsc run does not see it), and free of the APIs that parse
 * strings as markup or code. Every value on the page is attacker-controlled; a single
 * `innerHTML` with one of them is the XSS the e2e test hunts for.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const app = readFileSync(new URL('../../src/web/app.js', import.meta.url), 'utf8');
const html = readFileSync(new URL('../../src/web/index.html', import.meta.url), 'utf8');

describe('explorer page source', () => {
  it('type-checks under strict checkJs with the DOM library', () => {
    const tsc = spawnSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', `${root}src/web/tsconfig.json`], { encoding: 'utf8' });
    assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
  });

  it('never turns strings into markup or code', () => {
    for (const sink of ['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'document.write', 'eval(', 'new Function', 'createContextualFragment', 'srcdoc', 'setHTML']) {
      assert.ok(!app.includes(sink), `app.js must not use ${sink}`);
    }
  });

  it('has no inline script or style the CSP would have to allow', () => {
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/);
    assert.doesNotMatch(html, /\son[a-z]+=/i);
    assert.doesNotMatch(html, /<style|style=/i);
  });
});
