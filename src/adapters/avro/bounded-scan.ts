/**
 * A walk over Avro binary data, guided by the writer schema, that checks every length and
 * count against the bytes that are left before avsc is let near the data.
 *
 * avsc (5.7.9, the latest release; no maintained release bounds this) reads an array or map
 * block by trusting its item count: `new Array(count)`, then `count` reads that run past the
 * end of the buffer and return `undefined` without failing. A count of 4,294,967,294 in a
 * 55-byte Kafka value exhausts the heap and kills the process ("invalid table size"), and a
 * huge count of a map whose keys all read as `undefined` loops for minutes without allocating.
 * A record that passes this walk cannot do that: every block's items need at least
 * `count × (smallest encoding of one item)` bytes, and the walk refuses a block whose count the
 * rest of the buffer cannot hold. Items whose smallest encoding is zero bytes (`null`, an empty
 * record) draw on a fixed per-value budget instead.
 *
 * The same walk finds strings that are not UTF-8 (`bad_encoding`, see strict-utf8.ts), which
 * avsc would decode with replacement characters. It yields the value's end, so a caller can
 * check a record's size before decoding it, and skip a badly encoded record to the next.
 */
import type { Type } from 'avsc';
import { isUtf8 } from 'node:buffer';
import { badUtf8Reason } from '../strict-utf8.ts';

export type ScanResult =
  | { readonly ok: true; readonly end: number }
  /** The value is framed right (it ends at `end`) but one of its strings is not UTF-8. */
  | { readonly ok: false; readonly code: 'bad_encoding'; readonly reason: string; readonly end: number }
  /**
   * The bytes are not a value of the type. `short`: the walk needed bytes past `end` (the data
   * is cut short, or claims more than it holds).
   */
  | { readonly ok: false; readonly code: 'undecodable'; readonly reason: string; readonly short: boolean };

/** Items of zero-byte encoding (`null`, an empty record) one value may hold in all. */
export const ZERO_BYTE_ITEMS_BUDGET = 65_536;
/**
 * Deepest nesting of records, arrays, maps and unions walked. The identity-event schema nests
 * six deep; a recursive writer schema could otherwise nest one level per byte.
 */
export const MAX_DEPTH = 64;

class Refused {
  constructor(readonly reason: string, readonly short = false) {}
}

interface AnyType {
  readonly typeName: string;
  readonly fields?: ReadonlyArray<{ readonly name: string; readonly type: AnyType }>;
  readonly itemsType?: AnyType;
  readonly valuesType?: AnyType;
  readonly types?: readonly AnyType[];
  readonly symbols?: readonly string[];
  readonly size?: number;
  readonly underlyingType?: AnyType;
}

const minSizes = new WeakMap<AnyType, number>();

/** Bytes the smallest encoding of a value of `t` takes (0 for a type that can take none). */
function minSize(t: AnyType, visiting = new Set<AnyType>()): number {
  const known = minSizes.get(t);
  if (known !== undefined) return known;
  // A recursive reference: counting it as 0 only ever makes the bound looser, never wrong.
  if (visiting.has(t)) return 0;
  visiting.add(t);
  let n: number;
  switch (t.typeName) {
    case 'null': n = 0; break;
    case 'float': n = 4; break;
    case 'double': n = 8; break;
    case 'fixed': n = t.size ?? 0; break;
    case 'record': case 'error': n = (t.fields ?? []).reduce((s, f) => s + minSize(f.type, visiting), 0); break;
    case 'union:wrapped': case 'union:unwrapped': n = 1 + Math.min(...(t.types ?? []).map((b) => minSize(b, visiting))); break;
    default:
      // boolean, int, long, enum, bytes, string, array, map: at least one byte; logical: its base.
      n = t.typeName.startsWith('logical:') && t.underlyingType !== undefined ? minSize(t.underlyingType, visiting) : 1;
  }
  visiting.delete(t);
  minSizes.set(t, n);
  return n;
}

class Walk {
  private zeroBudget = ZERO_BYTE_ITEMS_BUDGET;
  /** The first string that is not UTF-8: the walk goes on, to find where the value ends. */
  badEncoding: string | null = null;
  /** Field names and item indexes down to the current value: joined only for a refusal. */
  private readonly trail: Array<string | number> = [];

  constructor(private readonly buf: Buffer, public pos: number, private readonly end: number) {}

  private where(suffix = ''): string {
    const s = this.trail.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('');
    return (s.startsWith('.') ? s.slice(1) : s || 'value') + suffix;
  }

  private left(): number {
    return this.end - this.pos;
  }

  /** A zig-zag varint; exact up to 2^53, and still larger than any buffer beyond. */
  long(what = ''): number {
    let n = 0;
    let scale = 1;
    for (let k = 0; ; k++) {
      if (this.pos >= this.end) throw new Refused(`${this.where(what)}: the data ends inside a number`, true);
      if (k === 10) throw new Refused(`${this.where(what)}: a number longer than 10 bytes`);
      const b = this.buf[this.pos++];
      n += (b & 0x7f) * scale;
      scale *= 128;
      if ((b & 0x80) === 0) break;
    }
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  }

  private skip(bytes: number): void {
    if (bytes > this.left()) throw new Refused(`${this.where()}: ${bytes} bytes needed, ${this.left()} left`, true);
    this.pos += bytes;
  }

  private length(what = ''): number {
    const n = this.long(what);
    if (n < 0) throw new Refused(`${this.where(what)}: negative length ${n}`);
    if (n > this.left()) throw new Refused(`${this.where(what)}: length ${n}, only ${this.left()} bytes left`, true);
    return n;
  }

  private string(): void {
    const n = this.length();
    if (this.badEncoding === null && !isUtf8(this.buf.subarray(this.pos, this.pos + n))) {
      this.badEncoding = badUtf8Reason(this.where(), this.buf, this.pos, this.pos + n);
    }
    this.pos += n;
  }

  value(t: AnyType, depth: number): void {
    if (depth > MAX_DEPTH) throw new Refused(`${this.where()}: nested deeper than ${MAX_DEPTH}`);
    switch (t.typeName) {
      case 'null': return;
      case 'boolean': this.skip(1); return;
      case 'int': case 'long': this.long(); return;
      case 'float': this.skip(4); return;
      case 'double': this.skip(8); return;
      case 'bytes': this.skip(this.length()); return;
      case 'string': this.string(); return;
      case 'fixed': this.skip(t.size ?? 0); return;
      case 'enum': {
        const k = this.long();
        const count = t.symbols?.length ?? 0;
        if (k < 0 || k >= count) throw new Refused(`${this.where()}: enum index ${k} out of 0..${count - 1}`);
        return;
      }
      case 'record': case 'error':
        for (const f of t.fields ?? []) {
          this.trail.push(f.name);
          this.value(f.type, depth + 1);
          this.trail.pop();
        }
        return;
      case 'union:wrapped': case 'union:unwrapped': {
        const k = this.long();
        const branches = t.types ?? [];
        if (k < 0 || k >= branches.length) throw new Refused(`${this.where()}: union branch ${k} out of 0..${branches.length - 1}`);
        this.value(branches[k], depth + 1);
        return;
      }
      case 'array': this.blocks(t.itemsType!, false, depth); return;
      case 'map': this.blocks(t.valuesType!, true, depth); return;
      default:
        if (t.typeName.startsWith('logical:') && t.underlyingType !== undefined) {
          this.value(t.underlyingType, depth);
          return;
        }
        throw new Refused(`${this.where()}: type ${t.typeName} is not supported`);
    }
  }

  private blocks(items: AnyType, keyed: boolean, depth: number): void {
    // A map entry is a string key (at least its length byte) and a value.
    const each = minSize(items) + (keyed ? 1 : 0);
    let index = 0;
    for (;;) {
      let count = this.long(' (block count)');
      if (count === 0) return;
      if (count < 0) {
        count = -count;
        // The block's byte size, used by readers that skip: it must fit too.
        this.length(' (block size)');
      }
      if (each === 0 && count > this.zeroBudget) {
        throw new Refused(`${this.where()}: a block of ${count} empty items, more than ${ZERO_BYTE_ITEMS_BUDGET} in one value`);
      }
      if (count * each > this.left()) {
        throw new Refused(`${this.where()}: a block of ${count} items cannot fit in the ${this.left()} bytes left`, true);
      }
      if (each === 0) this.zeroBudget -= count;
      for (let k = 0; k < count; k++, index++) {
        this.trail.push(index);
        if (keyed) this.string();
        this.value(items, depth + 1);
        this.trail.pop();
      }
    }
  }
}

/** Walks one value of `type` starting at `pos`; `end` bounds the data it may use. */
export function scanValue(type: Type, buf: Buffer, pos = 0, end = buf.length): ScanResult {
  const walk = new Walk(buf, pos, end);
  try {
    walk.value(type as unknown as AnyType, 0);
  } catch (e) {
    if (e instanceof Refused) return { ok: false, code: 'undecodable', reason: e.reason, short: e.short };
    throw e;
  }
  return walk.badEncoding === null ? { ok: true, end: walk.pos } : { ok: false, code: 'bad_encoding', reason: walk.badEncoding, end: walk.pos };
}
