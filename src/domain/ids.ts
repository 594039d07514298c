/**
 * Deterministic ids. Campaign ids are UUIDv5 under a fixed project namespace of
 * "<founder identity>#<n>", where n counts the campaigns that identity founded before; event ids
 * are UUIDv5 of the event's log sequence and type; both names start with "<domain>/" outside the
 * default domain. Never random: replay must reproduce them.
 *
 * UUIDv5 (RFC 9562 §5.5) is computed here directly: SHA-1 (node:crypto, one shot) over the
 * precomputed namespace bytes followed by the UTF-8 name, version and variant bits set, bytes
 * formatted through a lookup table. Bit-identical to the `uuid` package's `v5`, several times
 * cheaper per call (the engine derives one id per emitted event).
 */
import { hash } from 'node:crypto';

/** The 16 bytes of a canonical UUID string. */
export function parseUuid(uuid: string): Uint8Array {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new TypeError(`not a UUID: ${uuid}`);
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');
/** where byte i's two hex digits go in the 36-character form */
const POS = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
const text = Buffer.alloc(36, 0x2d);

/** Lower-case canonical form of the 16 bytes at `off` (one flat string, no concatenation garbage). */
export function formatUuid(b: Uint8Array, off = 0): string {
  for (let i = 0; i < 16; i++) {
    const v = b[off + i];
    text[POS[i]] = HEX_DIGITS[v >> 4];
    text[POS[i] + 1] = HEX_DIGITS[v & 15];
  }
  return text.toString('latin1', 0, 36);
}

let scratch = Buffer.alloc(512);
// A lone surrogate has no UTF-8 form: the `uuid` package throws on it (URIError), so do we.
const SURROGATE = /[\uD800-\uDFFF]/;

// ---- SHA-1 in JS for short ASCII names (every event id, most campaign ids): no native call.
const W = new Int32Array(80);
let block = new Uint8Array(256);

/** SHA-1 of block[0..len) (block must have room for the padding); first 16 digest bytes → out[off..]. */
function sha1Head(len: number, out: Uint8Array, off: number): void {
  const total = (((len + 8) >> 6) + 1) << 6;
  const b = block;
  b[len] = 0x80;
  b.fill(0, len + 1, total - 4);
  const bits = len * 8;
  b[total - 4] = bits >>> 24;
  b[total - 3] = (bits >>> 16) & 0xff;
  b[total - 2] = (bits >>> 8) & 0xff;
  b[total - 1] = bits & 0xff;
  let h0 = 0x67452301;
  let h1 = 0xefcdab89 | 0;
  let h2 = 0x98badcfe | 0;
  let h3 = 0x10325476;
  let h4 = 0xc3d2e1f0 | 0;
  for (let p = 0; p < total; p += 64) {
    for (let i = 0; i < 16; i++) {
      const j = p + 4 * i;
      W[i] = (b[j] << 24) | (b[j + 1] << 16) | (b[j + 2] << 8) | b[j + 3];
    }
    for (let i = 16; i < 80; i++) {
      const t = W[i - 3] ^ W[i - 8] ^ W[i - 14] ^ W[i - 16];
      W[i] = (t << 1) | (t >>> 31);
    }
    let a = h0;
    let bb = h1;
    let c = h2;
    let d = h3;
    let e = h4;
    for (let i = 0; i < 80; i++) {
      let f: number;
      let k: number;
      if (i < 20) { f = (bb & c) | (~bb & d); k = 0x5a827999; }
      else if (i < 40) { f = bb ^ c ^ d; k = 0x6ed9eba1; }
      else if (i < 60) { f = (bb & c) | (bb & d) | (c & d); k = 0x8f1bbcdc | 0; }
      else { f = bb ^ c ^ d; k = 0xca62c1d6 | 0; }
      const t = (((a << 5) | (a >>> 27)) + f + e + k + W[i]) | 0;
      e = d;
      d = c;
      c = (bb << 30) | (bb >>> 2);
      bb = a;
      a = t;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + bb) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
  }
  put32(out, off, h0);
  put32(out, off + 4, h1);
  put32(out, off + 8, h2);
  put32(out, off + 12, h3);
}

function put32(out: Uint8Array, off: number, h: number): void {
  out[off] = h >>> 24;
  out[off + 1] = (h >>> 16) & 0xff;
  out[off + 2] = (h >>> 8) & 0xff;
  out[off + 3] = h & 0xff;
}

/** Writes UUIDv5(name, namespace) into out[off..off+16). */
export function uuidV5Into(name: string, namespace: Uint8Array, out: Uint8Array, off: number): void {
  const n = name.length;
  if (n < 4096) {
    if (16 + n + 72 > block.length) block = new Uint8Array(2 * (16 + n + 72));
    let ascii = true;
    for (let i = 0; i < n; i++) {
      const ch = name.charCodeAt(i);
      if (ch > 0x7f) { ascii = false; break; }
      block[16 + i] = ch;
    }
    if (ascii) {
      block.set(namespace, 0);
      sha1Head(16 + n, out, off);
      out[off + 6] = (out[off + 6] & 0x0f) | 0x50;
      out[off + 8] = (out[off + 8] & 0x3f) | 0x80;
      return;
    }
  }
  if (SURROGATE.test(name)) encodeURIComponent(name);
  const len = Buffer.byteLength(name, 'utf8');
  if (16 + len > scratch.length) scratch = Buffer.alloc(2 * (16 + len));
  scratch.set(namespace, 0);
  scratch.write(name, 16, 'utf8');
  const d = hash('sha1', scratch.subarray(0, 16 + len), 'buffer') as unknown as Buffer;
  for (let i = 0; i < 16; i++) out[off + i] = d[i];
  out[off + 6] = (out[off + 6] & 0x0f) | 0x50;
  out[off + 8] = (out[off + 8] & 0x3f) | 0x80;
}

const tmp = new Uint8Array(16);
export function uuidV5(name: string, namespace: Uint8Array): string {
  uuidV5Into(name, namespace, tmp, 0);
  return formatUuid(tmp, 0);
}

const URL_NAMESPACE = parseUuid('6ba7b811-9dad-11d1-80b4-00c04fd430c8');

/** UUIDv5 namespace of campaign-stream (itself UUIDv5 of the URL namespace and "campaign-stream"). */
export const CAMPAIGN_STREAM_NAMESPACE = uuidV5('campaign-stream', URL_NAMESPACE);
const NS = parseUuid(CAMPAIGN_STREAM_NAMESPACE);

/*
 * `prefix` is the domain's id prefix (`idPrefix` in domains.ts): '' in the default domain, whose
 * ids are those of before domains existed, `<domain>/` in another, so two domains' ids never
 * collide (each domain's log counts its own sequences and founders from the start).
 */

export const campaignId = (founder: string, n: number, prefix = ''): string => uuidV5(`${prefix}${founder}#${n}`, NS);

/** The 16 bytes of `campaignId(founder, n, prefix)`, written into out[off..off+16). */
export const campaignIdInto = (founder: string, n: number, out: Uint8Array, off: number, prefix = ''): void =>
  uuidV5Into(`${prefix}${founder}#${n}`, NS, out, off);

export const eventId = (sequence: number, type: string, prefix = ''): string => uuidV5(`${prefix}event:${sequence}:${type}`, NS);
