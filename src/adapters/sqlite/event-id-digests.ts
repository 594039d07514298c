/**
 * Duplicate-event detection for the SQLite log without a B-tree over the event ids.
 *
 * Event ids are UUIDs: random keys. A UNIQUE index on them put one random leaf page per event
 * into every commit (most of a batch's pages, docs/BENCHMARKS.md). Instead, every batch stores
 * the 64-bit digests of its event ids in sequence order, as one blob in an append-only table
 * (`event_ids`, keyed by batch index), and the writer keeps all digests in memory, in this
 * open-addressing table, loaded once from that blob column (8 bytes per event: 19 MB for a
 * 2.3M-event log).
 *
 * A digest is only a filter: two ids may share one. So a hit names the sequence that holds the
 * digest, and the caller compares the real ids before refusing; a miss is exact. 64 bits over
 * a few million ids make a false hit (one extra read) rare, not impossible.
 */

/** Two independent 32-bit FNV-1a style hashes of the id's UTF-16 code units. */
export function idDigest(id: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ id.length;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  a ^= a >>> 13;
  a = Math.imul(a, 0x85ebca6b);
  a ^= a >>> 16;
  return [a >>> 0, b >>> 0];
}

/** The digests of a batch's ids, in sequence order: 8 bytes each (two little-endian uint32). */
export function digestBlob(ids: readonly string[]): Buffer {
  const out = Buffer.allocUnsafe(ids.length * 8);
  for (let i = 0; i < ids.length; i++) {
    const [a, b] = idDigest(ids[i]);
    out.writeUInt32LE(a, i * 8);
    out.writeUInt32LE(b, i * 8 + 4);
  }
  return out;
}

const EMPTY = 0;

/**
 * Digest → sequences, open addressing with linear probing. A slot holds the two digest words
 * and the sequence (0 = empty; sequences start at 1). Grows at half full.
 */
export class DigestTable {
  private hi = new Uint32Array(0);
  private lo = new Uint32Array(0);
  private seq = new Float64Array(0);
  private mask = -1;
  private count = 0;

  constructor(capacity = 1 << 16) {
    this.resize(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Sequences whose id has this digest (usually none). */
  lookup(a: number, b: number): number[] {
    const out: number[] = [];
    for (let i = (a ^ Math.imul(b, 0x9e3779b1)) & this.mask; this.seq[i] !== EMPTY; i = (i + 1) & this.mask) {
      if (this.hi[i] === a && this.lo[i] === b) out.push(this.seq[i]);
    }
    return out;
  }

  add(a: number, b: number, sequence: number): void {
    if ((this.count + 1) * 2 > this.seq.length) this.resize(this.seq.length * 2);
    this.put(a, b, sequence);
    this.count++;
  }

  /** Adds a batch's blob (digestBlob) whose first event has `firstSequence`. */
  addBlob(blob: Uint8Array, firstSequence: number): void {
    const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    for (let k = 0; k * 8 < blob.byteLength; k++) {
      this.add(view.getUint32(k * 8, true), view.getUint32(k * 8 + 4, true), firstSequence + k);
    }
  }

  private put(a: number, b: number, sequence: number): void {
    let i = (a ^ Math.imul(b, 0x9e3779b1)) & this.mask;
    while (this.seq[i] !== EMPTY) i = (i + 1) & this.mask;
    this.hi[i] = a;
    this.lo[i] = b;
    this.seq[i] = sequence;
  }

  private resize(capacity: number): void {
    const { hi, lo, seq } = this;
    this.hi = new Uint32Array(capacity);
    this.lo = new Uint32Array(capacity);
    this.seq = new Float64Array(capacity);
    this.mask = capacity - 1;
    for (let i = 0; i < seq.length; i++) if (seq[i] !== EMPTY) this.put(hi[i], lo[i], seq[i]);
  }
}
