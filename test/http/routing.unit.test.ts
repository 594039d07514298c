/** The router (static before parameterised) and strict parameter parsing. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HttpError, isHttpError } from '../../src/adapters/http/errors.ts';
import { campaignUuid, identityId, lastEventId, parseQuery, Query } from '../../src/adapters/http/params.ts';
import { Router } from '../../src/adapters/http/router.ts';

const badParam = (name: string) => (e: unknown) => isHttpError(e) && e.status === 400 && e.parameter === name;

describe('router', () => {
  it('prefers a literal segment over a parameter whatever the registration order', () => {
    const r = new Router<string>().add('/c/:uuid', 'detail').add('/c/events', 'stream').add('/c/:uuid/evidence', 'evidence');
    assert.equal(r.match('/c/events')?.handler, 'stream');
    assert.deepEqual(r.match('/c/abc')?.params, { uuid: 'abc' });
    assert.equal(r.match('/c/events/evidence')?.handler, 'evidence', 'falls back to the parameter when the literal path ends nowhere');
    assert.equal(r.match('/c/abc')?.route, '/c/:uuid');
  });

  it('decodes a parameter after splitting, so an encoded slash stays in one segment', () => {
    const r = new Router<string>().add('/i/:id', 'identity');
    assert.deepEqual(r.match('/i/a%2Fb')?.params, { id: 'a/b' });
    assert.equal(r.match('/i/a/b'), null);
    assert.equal(r.match('/i/'), null, 'an empty segment is no parameter');
    assert.throws(() => r.match('/i/%E0%A4%A'), badParam('id'));
  });

  it('refuses ambiguous registrations', () => {
    const r = new Router<string>().add('/x/:a', '1');
    assert.throws(() => r.add('/x/:b', '2'), /conflicts/);
    assert.throws(() => r.add('/x/:a', '3'), /twice/);
  });
});

describe('query parameters', () => {
  const q = (s: string, allowed: string[]) => new Query(new URL(`http://localhost/x?${s}`), allowed);

  it('parse plain decimal integers within bounds and fall back to defaults', () => {
    assert.equal(q('limit=7', ['limit']).int('limit', { min: 1, max: 10, default: 5 }), 7);
    assert.equal(q('', ['limit']).int('limit', { min: 1, max: 10, default: 5 }), 5);
    for (const bad of ['0', '11', '-1', '1.0', '1e1', ' 1', '0x1', '+1', '']) {
      assert.throws(() => q(`limit=${encodeURIComponent(bad)}`, ['limit']).int('limit', { min: 1, max: 10, default: 5 }), badParam('limit'), bad);
    }
  });

  it('refuse unknown and repeated parameters', () => {
    assert.throws(() => q('x=1', ['limit']), badParam('x'));
    assert.throws(() => q('limit=1&limit=2', ['limit']), badParam('limit'));
  });

  it('check enumerations, subsets and free text', () => {
    assert.equal(q('o=asc', ['o']).oneOf('o', ['asc', 'desc'], 'desc'), 'asc');
    assert.throws(() => q('o=ASC', ['o']).oneOf('o', ['asc', 'desc'], 'desc'), badParam('o'));
    assert.deepEqual(q('t=a,b,a', ['t']).subset('t', ['a', 'b', 'c'], ['c']), ['a', 'b']);
    assert.throws(() => q('t=a,', ['t']).subset('t', ['a'], []), badParam('t'));
    assert.equal(q('s=%20%20', ['s']).text('s', 10), undefined);
    assert.throws(() => q('s=abcdefghijk', ['s']).text('s', 10), badParam('s'));
  });

  it('refuse malformed percent-encoding and escapes that are not UTF-8 (no silent U+FFFD)', () => {
    for (const bad of ['q=%ZZ', 'q=%', 'q=abc%2', 'q=%FF', 'q=%C3', 'q=%ED%A0%80', '%ZZ=1']) {
      assert.throws(() => q(bad, ['q']), (e: unknown) => e instanceof HttpError && e.status === 400 && e.code === 'invalid_parameter', bad);
    }
    assert.equal(q('q=%C3%A9t%C3%A9+x%2B', ['q']).text('q', 20), 'été x+');
    assert.deepEqual(parseQuery('?a=1&&b&c=%3D'), [['a', '1'], ['b', ''], ['c', '=']]);
  });

  it('validate ids: campaign ids are UUIDs, identity ids any short printable string', () => {
    assert.equal(campaignUuid('0A1B2C3D-0000-5000-8000-000000000000'), '0a1b2c3d-0000-5000-8000-000000000000');
    assert.throws(() => campaignUuid('0a1b2c3d'), badParam('uuid'));
    assert.equal(identityId('"><img src=x onerror=alert(1)>'), '"><img src=x onerror=alert(1)>');
    assert.throws(() => identityId(''), badParam('uuid'));
    assert.throws(() => identityId('a\u0000b'), badParam('uuid'));
    assert.throws(() => identityId('\ud800'), badParam('uuid'));
    assert.equal(lastEventId(undefined), undefined);
    assert.equal(lastEventId('42'), 42);
    assert.throws(() => lastEventId('4 2'), badParam('Last-Event-ID'));
  });
});
