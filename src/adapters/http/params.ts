/**
 * Strict request parameters: every query parameter a route does not name is refused, as is a
 * repeated one, so a typo (`limt=5`) gets a 400 naming it instead of a silent default. Numbers
 * are plain decimal digits only: `1e3`, `0x10`, ` 5` and `5.0` are refused, not coerced. The
 * query string is decoded strictly too: `%` not followed by two hex digits, or escapes that are
 * not UTF-8, are a 400 (URLSearchParams would keep `%ZZ` as text and turn `%FF` into U+FFFD).
 */
import { AS_OF_EXPECTED, parseAsOf, type AsOf } from '../../domain/as-of.ts';
import { strictUtf8 } from '../strict-utf8.ts';
import { badParameter } from './errors.ts';

const DIGITS = /^[0-9]{1,16}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// C0/C1 controls and lone surrogates have no business in an id, and would garble logs.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Longest identity id accepted in a path: ids are opaque strings upstream, but not essays. */
export const MAX_IDENTITY_ID_LENGTH = 512;
export const MAX_SEARCH_LENGTH = 256;

const HEX = /^[0-9a-fA-F]{2}$/;

/** One `application/x-www-form-urlencoded` component, strictly: null when malformed. */
function decodeComponent(raw: string): string | null {
  if (!raw.includes('%') && !raw.includes('+')) return raw;
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x25 /* % */) {
      const hex = raw.slice(i + 1, i + 3);
      if (!HEX.test(hex)) return null;
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (c === 0x2b /* + */) {
      bytes.push(0x20);
    } else {
      for (const b of Buffer.from(raw[i], 'utf8')) bytes.push(b);
    }
  }
  return strictUtf8(Buffer.from(bytes));
}

/**
 * The query string (`url.search`, with or without its `?`) as name/value pairs, in order.
 * Throws 400 `invalid_parameter` on malformed percent-encoding.
 */
export function parseQuery(search: string): Array<[string, string]> {
  const raw = search.startsWith('?') ? search.slice(1) : search;
  const out: Array<[string, string]> = [];
  if (raw === '') return out;
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawName = eq === -1 ? part : part.slice(0, eq);
    const name = decodeComponent(rawName);
    if (name === null) throw badParameter(rawName, `query parameter name "${rawName}" is not valid percent-encoded UTF-8`);
    const value = decodeComponent(eq === -1 ? '' : part.slice(eq + 1));
    if (value === null) throw badParameter(name, `${name} is not valid percent-encoded UTF-8`);
    out.push([name, value]);
  }
  return out;
}

export class Query {
  private readonly values = new Map<string, string>();

  constructor(url: URL, allowed: readonly string[]) {
    for (const [name, value] of parseQuery(url.search)) {
      if (!allowed.includes(name)) {
        const hint = allowed.length === 0 ? 'this route takes no query parameters' : `allowed: ${allowed.join(', ')}`;
        throw badParameter(name, `unknown query parameter "${name}" (${hint})`);
      }
      if (this.values.has(name)) throw badParameter(name, `query parameter "${name}" given more than once`);
      this.values.set(name, value);
    }
  }

  int(name: string, opts: { min: number; max: number; default: number }): number {
    const raw = this.values.get(name);
    if (raw === undefined) return opts.default;
    const range = `an integer in ${opts.min}..${opts.max}`;
    if (!DIGITS.test(raw)) throw badParameter(name, `${name} must be ${range}`);
    const n = Number(raw);
    if (n < opts.min || n > opts.max) throw badParameter(name, `${name} must be ${range}, got ${n}`);
    return n;
  }

  oneOf<T extends string>(name: string, values: readonly T[], fallback: T): T {
    const raw = this.values.get(name);
    if (raw === undefined) return fallback;
    if (!(values as readonly string[]).includes(raw)) {
      throw badParameter(name, `${name} must be one of ${values.join(', ')}`);
    }
    return raw as T;
  }

  /** A comma-separated subset of `values`; `fallback` when absent. */
  subset<T extends string>(name: string, values: readonly T[], fallback: readonly T[]): T[] {
    const raw = this.values.get(name);
    if (raw === undefined) return [...fallback];
    const parts = raw.split(',');
    for (const p of parts) {
      if (!(values as readonly string[]).includes(p)) {
        throw badParameter(name, `${name} must be a comma-separated list of ${values.join(', ')}`);
      }
    }
    return [...new Set(parts as T[])];
  }

  /** A log position (domain/as-of.ts): a sequence or an ISO-8601 time; undefined when absent. */
  asOf(name: string): AsOf | undefined {
    const raw = this.values.get(name);
    if (raw === undefined) return undefined;
    const asOf = parseAsOf(raw);
    if (asOf === null) throw badParameter(name, `${name} must be ${AS_OF_EXPECTED}`);
    return asOf;
  }

  /** Free text, trimmed; undefined when absent or blank. */
  text(name: string, maxLength: number): string | undefined {
    const raw = this.values.get(name);
    if (raw === undefined) return undefined;
    if (raw.length > maxLength) throw badParameter(name, `${name} must be at most ${maxLength} characters`);
    if (CONTROL.test(raw)) throw badParameter(name, `${name} must not contain control characters`);
    const t = raw.trim();
    return t.length === 0 ? undefined : t;
  }
}

/** Campaign ids are UUIDs (v5, derived by the engine); compared in lower case. */
export function campaignUuid(raw: string, parameter = 'uuid'): string {
  if (!UUID.test(raw)) throw badParameter(parameter, `${parameter} must be a UUID (8-4-4-4-12 hex digits)`);
  return raw.toLowerCase();
}

/**
 * Identity ids are opaque strings minted upstream (not necessarily UUIDs), so anything short
 * and printable is accepted; the lookup decides whether it exists.
 */
export function identityId(raw: string, parameter = 'uuid'): string {
  if (raw.length === 0) throw badParameter(parameter, `${parameter} must not be empty`);
  if (raw.length > MAX_IDENTITY_ID_LENGTH) {
    throw badParameter(parameter, `${parameter} must be at most ${MAX_IDENTITY_ID_LENGTH} characters`);
  }
  if (CONTROL.test(raw)) throw badParameter(parameter, `${parameter} must not contain control characters`);
  return raw;
}

/** `Last-Event-ID` of a reconnecting stream: a log sequence. */
export function lastEventId(raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!DIGITS.test(raw)) throw badParameter('Last-Event-ID', 'Last-Event-ID must be a log sequence (decimal digits)');
  return Number(raw);
}
