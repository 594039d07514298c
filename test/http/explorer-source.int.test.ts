/**
 * The explorer page's source: type-checked against the DOM (it is plain JS served without a
 * build step, so the project's tsc run does not see it), and free of the APIs that parse
 * strings as markup or code. Every value on the page is attacker-controlled; a single
 * `innerHTML` with one of them is the XSS the e2e test hunts for. Every module of the page is
 * checked (app.js imports the others, so the type-check reaches them all).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const webDir = new URL('../../src/web/', import.meta.url);
const modules = readdirSync(webDir).filter((n) => n.endsWith('.js'));
const html = readFileSync(new URL('../../src/web/index.html', import.meta.url), 'utf8');

describe('explorer page source', () => {
  it('type-checks under strict checkJs with the DOM library, every module reached from app.js', () => {
    for (const name of modules) {
      if (name === 'app.js') continue;
      // A module app.js does not import would escape the type-check (and never run).
      assert.ok(modules.some((m) => readFileSync(new URL(m, webDir), 'utf8').includes(`from './${name}'`)), `${name} is imported`);
    }
    const tsc = spawnSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', `${root}src/web/tsconfig.json`], { encoding: 'utf8' });
    assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
  });

  it('never turns strings into markup or code', () => {
    assert.ok(modules.includes('app.js') && modules.length > 1, modules.join(' '));
    for (const name of modules) {
      const source = readFileSync(new URL(name, webDir), 'utf8');
      for (const sink of ['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'document.write', 'eval(', 'new Function', 'createContextualFragment', 'srcdoc', 'setHTML']) {
        assert.ok(!source.includes(sink), `${name} must not use ${sink}`);
      }
    }
  });

  it('has no inline script or style the CSP would have to allow', () => {
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/);
    assert.doesNotMatch(html, /\son[a-z]+=/i);
    assert.doesNotMatch(html, /<style|style=/i);
  });
});
