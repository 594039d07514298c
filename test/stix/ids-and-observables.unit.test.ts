/**
 * STIX ids and observables: SCO ids by STIX 2.1 §2.9 (the expected ids were computed by the
 * OASIS `stix2` Python library 3.0.2, an independent implementation of the rule), our objects'
 * ids under the documented namespace (checked against the `uuid` package's v5), and how C2
 * endpoints and payload hashes map to observables.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { v5 } from 'uuid';
import { canonicalJson, derivedId, scoId, STIX_NAMESPACE, STIX_SCO_NAMESPACE } from '../../src/adapters/stix/ids.ts';
import { c2Observable, HASH_ALGORITHMS, patternString, payloadObservable, type Classified } from '../../src/adapters/stix/observables.ts';
import { CAMPAIGN_STREAM_NAMESPACE } from '../../src/domain/ids.ts';

const SHA256 = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
const MD5 = '900150983cd24fb0d6963f7d28e17f72';
const SHA1 = 'a9993e364706816aba3e25717850c26c9cd0d89d';
const SHA512 = 'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f';

const observable = (c: Classified) => {
  assert.ok(c.ok, c.ok ? '' : c.reason);
  return c.observable;
};

describe('STIX ids', () => {
  it('SCO ids are UUIDv5 of the canonical id-contributing properties under the STIX namespace (as the stix2 library derives them)', () => {
    assert.equal(STIX_SCO_NAMESPACE, '00abedb4-aa42-466c-9c01-fed23315a9b7');
    assert.equal(scoId('domain-name', { value: 'c2.shared-op.example' }), 'domain-name--6386a33e-7268-5b9b-ab51-ac1d90d8af0e');
    assert.equal(scoId('ipv4-addr', { value: '10.3.0.1' }), 'ipv4-addr--3c6c2a7c-b64a-584e-91a5-1ed172981b84');
    assert.equal(scoId('ipv6-addr', { value: '2001:db8::1' }), 'ipv6-addr--6469e3a9-b053-5e34-a025-9396ae051d26');
    assert.equal(scoId('url', { value: "http://evil.example/x?a='b'" }), 'url--dbd92dc9-d57c-5b9c-be2d-2bbdef7697c5');
    assert.equal(scoId('domain-name', { value: 'ünïcode.example' }), 'domain-name--524eeb80-0b0f-5d8d-94bd-11b92dd95c67', 'UTF-8, not escaped');
    assert.equal(scoId('file', { hashes: { 'SHA-256': SHA256 } }), 'file--095d55f5-5a46-5771-a0e1-7794ca4fd7a6');
    assert.equal(scoId('file', { hashes: { MD5 } }), 'file--48ccd45e-3229-5274-9740-bb64a9c942e5');
    assert.equal(scoId('file', { hashes: { 'SHA-1': SHA1 } }), 'file--f4aa999e-f1e3-5ef0-98de-d7fb35a6a825');
    assert.equal(scoId('file', { hashes: { 'SHA-512': SHA512 } }), 'file--d4539b57-6416-5f1f-b9c5-b97f536a0811');
  });

  it('canonical JSON sorts keys at every depth and drops whitespace (RFC 8785)', () => {
    assert.equal(canonicalJson({ b: [1, { d: 'x', c: null }], a: true, é: 'é' }), '{"a":true,"b":[1,{"c":null,"d":"x"}],"é":"é"}');
    assert.throws(() => canonicalJson({ n: Number.NaN }), RangeError);
  });

  it('our namespace is UUIDv5 of the project namespace and "stix-2.1", and a campaign id is UUIDv5 of its uuid under it', () => {
    assert.equal(STIX_NAMESPACE, v5('stix-2.1', CAMPAIGN_STREAM_NAMESPACE));
    assert.equal(STIX_NAMESPACE, '6dbbdd96-06eb-5fda-a478-4db05c615a74', 'the value docs/ANALYSTS.md gives');
    const campaign = 'f7c69a6a-0dde-51bc-bad0-83206bb043df';
    assert.equal(derivedId('campaign', campaign), `campaign--${v5(campaign, STIX_NAMESPACE)}`);
  });
});

describe('payload hashes', () => {
  it('take their algorithm from the digest length: 32 MD5, 40 SHA-1, 64 SHA-256, 128 SHA-512', () => {
    assert.deepEqual([...HASH_ALGORITHMS], [[32, 'MD5'], [40, 'SHA-1'], [64, 'SHA-256'], [128, 'SHA-512']]);
    for (const [hash, algorithm] of [[MD5, 'MD5'], [SHA1, 'SHA-1'], [SHA256, 'SHA-256'], [SHA512, 'SHA-512']] as const) {
      const o = observable(payloadObservable(hash));
      assert.deepEqual(o.object.hashes, { [algorithm]: hash });
      assert.equal(o.object.id, scoId('file', { hashes: { [algorithm]: hash } }));
      assert.equal(o.pattern, `[file:hashes.'${algorithm}' = '${hash}']`);
    }
  });

  it('are exported in lower case, so one digest in two cases is one file', () => {
    assert.equal(observable(payloadObservable(SHA256.toUpperCase())).object.id, observable(payloadObservable(SHA256)).object.id);
  });

  it('are left out when not hex or of another length, with the reason', () => {
    for (const bad of ['payload-00000a', SHA256.slice(1), `${SHA256.slice(1)}g`, '', SHA256 + '00']) {
      const c = payloadObservable(bad);
      assert.equal(c.ok, false, bad);
      assert.match(!c.ok ? c.reason : '', /not a hex MD5, SHA-1, SHA-256 or SHA-512 digest/);
    }
  });
});

describe('C2 endpoints', () => {
  const typed = (endpoint: string) => {
    const o = observable(c2Observable(endpoint));
    return [o.object.type, o.object.value];
  };

  it('map to url, ipv4-addr, ipv6-addr or domain-name, a port dropped from an address', () => {
    assert.deepEqual(typed('https://c2.example/gate.php?id=1'), ['url', 'https://c2.example/gate.php?id=1']);
    assert.deepEqual(typed('10.3.0.1'), ['ipv4-addr', '10.3.0.1']);
    assert.deepEqual(typed('10.3.0.1:443'), ['ipv4-addr', '10.3.0.1']);
    assert.deepEqual(typed('2001:DB8::1'), ['ipv6-addr', '2001:db8::1']);
    assert.deepEqual(typed('[2001:db8::1]:8080'), ['ipv6-addr', '2001:db8::1']);
    assert.deepEqual(typed('C2.Shared-Op.example'), ['domain-name', 'c2.shared-op.example']);
    assert.deepEqual(typed('c2.example:8443'), ['domain-name', 'c2.example']);
    assert.deepEqual(typed('bücher.example'), ['domain-name', 'xn--bcher-kva.example']);
  });

  it('keep the endpoint as written in the indicator title when the observable drops part of it', () => {
    assert.equal(observable(c2Observable('10.3.0.1:443')).title, 'C2 ipv4-addr 10.3.0.1 (endpoint 10.3.0.1:443)');
    assert.equal(observable(c2Observable('10.3.0.1')).title, 'C2 ipv4-addr 10.3.0.1');
  });

  it('escape quotes and backslashes in patterns', () => {
    assert.equal(patternString("a'b\\c"), "'a\\'b\\\\c'");
    assert.equal(observable(c2Observable("http://evil.example/x?a='b'")).pattern, "[url:value = 'http://evil.example/x?a=\\'b\\'']");
  });

  it('are left out when they fit no observable: markup, bare words, leading zeros, bad ports, URLs outside RFC 3986', () => {
    for (const bad of ['<script>alert(1)</script>', 'javascript:alert(1)', 'evil', 'localhost:80', '010.0.0.1', '1.2.3.999', '10.0.0.1:0',
      '10.0.0.1:65536', 'c2.example:http', 'http://a b.example/', 'http://c2.example/<x>', '[c2.example]:80', '-bad.example', '']) {
      assert.equal(c2Observable(bad).ok, false, bad);
    }
  });
});
