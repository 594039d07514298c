/**
 * What a campaign's C2 endpoints and payload hashes are in STIX 2.1: one cyber-observable object
 * each, and the pattern an indicator matches it with. The engine keeps both as opaque strings
 * (they come from honeypot sensors), so each is classified here, and one that fits no STIX type
 * is left out with the reason, never exported as something it is not:
 *
 *   C2 endpoint   scheme://…                  url           (RFC 3986 characters, parseable)
 *                 dotted quad [:port]         ipv4-addr     (the port is not part of an address)
 *                 IPv6, [IPv6][:port]         ipv6-addr
 *                 host name [:port]           domain-name   (lower case; IDN in its ASCII form)
 *   payload hash  hex of 32/40/64/128 digits  file          hashes MD5 / SHA-1 / SHA-256 / SHA-512
 */
import { isIPv6 } from 'node:net';
import { domainToASCII } from 'node:url';
import { scoId } from './ids.ts';

export type ScoType = 'domain-name' | 'ipv4-addr' | 'ipv6-addr' | 'url' | 'file';

export interface Observable {
  /** The SCO itself, deterministic id included. */
  readonly object: { readonly type: ScoType; readonly spec_version: '2.1'; readonly id: string } & Readonly<Record<string, unknown>>;
  /** A STIX pattern that matches it. */
  readonly pattern: string;
  /** How an analyst reads it: `C2 domain-name c2.example`, `payload SHA-256 ab…`. */
  readonly title: string;
}

export type Classified = { readonly ok: true; readonly observable: Observable } | { readonly ok: false; readonly reason: string };

/** Hash algorithm by the length of its hex digest (the names are STIX's hash-algorithm-ov). */
export const HASH_ALGORITHMS: ReadonlyMap<number, string> = new Map([
  [32, 'MD5'], [40, 'SHA-1'], [64, 'SHA-256'], [128, 'SHA-512'],
]);

/** A string literal of the STIX patterning language: single quotes, `\'` and `\\` escaped. */
export const patternString = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

const HEX = /^[0-9a-fA-F]+$/;

export function payloadObservable(hash: string): Classified {
  const algorithm = HEX.test(hash) ? HASH_ALGORITHMS.get(hash.length) : undefined;
  if (algorithm === undefined) return { ok: false, reason: 'not a hex MD5, SHA-1, SHA-256 or SHA-512 digest' };
  const digest = hash.toLowerCase();
  const hashes = { [algorithm]: digest };
  return {
    ok: true,
    observable: {
      object: { type: 'file', spec_version: '2.1', id: scoId('file', { hashes }), hashes },
      pattern: `[file:hashes.${patternString(algorithm)} = ${patternString(digest)}]`,
      title: `payload ${algorithm} ${digest}`,
    },
  };
}

const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])';
// No leading zeros: `010.0.0.1` is octal to some parsers and decimal to others.
const IPV4 = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);
const PORT = /^(?:[1-9][0-9]{0,4})$/;
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;
// RFC 3986's characters: unreserved, reserved and percent-escapes only.
const URI_CHARS = /^(?:[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})+$/;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** `host` and an optional `:port` (a bracketed IPv6 host keeps its brackets off). */
function splitPort(endpoint: string): { host: string; bracketed: boolean } | null {
  const bracket = /^\[([^\]]+)\](?::([0-9]+))?$/.exec(endpoint);
  if (bracket !== null) return bracket[2] === undefined || validPort(bracket[2]) ? { host: bracket[1], bracketed: true } : null;
  const colon = endpoint.lastIndexOf(':');
  // A bare IPv6 address has several colons and no port.
  if (colon < 0 || endpoint.indexOf(':') !== colon) return { host: endpoint, bracketed: false };
  const port = endpoint.slice(colon + 1);
  return validPort(port) ? { host: endpoint.slice(0, colon), bracketed: false } : null;
}

const validPort = (p: string): boolean => PORT.test(p) && Number(p) <= 65_535;

/** The host name in the form domain-name values take, or null when it is not one. */
function hostName(host: string): string | null {
  const ascii = /^[\x21-\x7e]+$/.test(host) ? host.toLowerCase() : domainToASCII(host);
  if (ascii === '' || ascii.length > 253) return null;
  const labels = ascii.split('.');
  // A single label (`localhost`, `evil`) or an all-numeric last one (`1.2.3.999`) is not a public name.
  if (labels.length < 2 || /^[0-9]+$/.test(labels[labels.length - 1])) return null;
  return labels.every((l) => LABEL.test(l)) ? ascii : null;
}

function addressObservable(type: 'domain-name' | 'ipv4-addr' | 'ipv6-addr' | 'url', value: string, endpoint: string): Classified {
  return {
    ok: true,
    observable: {
      object: { type, spec_version: '2.1', id: scoId(type, { value }), value },
      pattern: `[${type}:value = ${patternString(value)}]`,
      title: value === endpoint ? `C2 ${type} ${value}` : `C2 ${type} ${value} (endpoint ${endpoint})`,
    },
  };
}

export function c2Observable(endpoint: string): Classified {
  if (SCHEME.test(endpoint)) {
    if (!URI_CHARS.test(endpoint) || !URL.canParse(endpoint)) return { ok: false, reason: 'a URL that is not valid under RFC 3986' };
    return addressObservable('url', endpoint, endpoint);
  }
  const split = splitPort(endpoint);
  if (split === null) return { ok: false, reason: 'not a URL, an IP address or a host name, with an optional port' };
  const { host, bracketed } = split;
  if (!bracketed && IPV4.test(host)) return addressObservable('ipv4-addr', host, endpoint);
  if (isIPv6(host)) return addressObservable('ipv6-addr', host.toLowerCase(), endpoint);
  const name = bracketed ? null : hostName(host);
  if (name === null) return { ok: false, reason: 'not a URL, an IP address or a host name, with an optional port' };
  return addressObservable('domain-name', name, endpoint);
}
