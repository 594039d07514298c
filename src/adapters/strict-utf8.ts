/**
 * Strict UTF-8 for every byte source (NDJSON files, Avro strings, Kafka text values).
 * `Buffer.toString('utf8')` replaces each invalid sequence with U+FFFD, so `idp-\xff` and
 * `idp-\xef\xbf\xbd` (the valid encoding of U+FFFD) would decode to one id and silently merge
 * two identities. Invalid bytes are refused instead, as a `bad_encoding` reject.
 */
import { isUtf8 } from 'node:buffer';

/** The text of `buf[start, end)`, or null when those bytes are not valid UTF-8. */
export function strictUtf8(buf: Buffer, start = 0, end = buf.length): string | null {
  const bytes = start === 0 && end === buf.length ? buf : buf.subarray(start, end);
  return isUtf8(bytes) ? bytes.toString('utf8') : null;
}

/** Length of the valid UTF-8 sequence starting at `i`, or 0 when none starts there. */
function sequenceLength(b: Buffer, i: number): number {
  const c = b[i];
  if (c < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => i + k < b.length && b[i + k] >= lo && b[i + k] <= hi;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  // 0xed a0..bf would be a UTF-16 surrogate: not a scalar value.
  if (c === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (c >= 0xe1 && c <= 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (c === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xf1 && c <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

/** Offset of the first byte that does not start a valid UTF-8 sequence; -1 when all are valid. */
export function firstInvalidUtf8(buf: Buffer, start = 0, end = buf.length): number {
  const b = buf.subarray(start, end);
  for (let i = 0; i < b.length;) {
    const n = sequenceLength(b, i);
    if (n === 0) return start + i;
    i += n;
  }
  return -1;
}

/** A reject reason naming where the encoding breaks and the bytes there. */
export function badUtf8Reason(what: string, buf: Buffer, start = 0, end = buf.length): string {
  const at = firstInvalidUtf8(buf, start, end);
  const shown = at < 0 ? '' : ` (byte ${at - start}: ${buf.subarray(at, Math.min(at + 4, end)).toString('hex').replace(/(..)/g, '\\x$1')})`;
  return `${what} is not valid UTF-8${shown}`;
}
