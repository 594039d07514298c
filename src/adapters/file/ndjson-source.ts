/**
 * NDJSON input: one identity event per line. Each record carries its byte offsets, so a
 * batch's end is an exact resume point. A line longer than the limit is not accumulated (a
 * file of one endless line must not exhaust memory): it is skipped to its newline and
 * reported as one `line_too_long` record. Blank lines are skipped but counted, so reject line
 * numbers match an editor's. A line that is not UTF-8 is one `bad_encoding` record: decoding
 * it with replacement characters could turn two ids into one (../strict-utf8.ts).
 *
 * The file may still be being written. A last line without a newline is consumed only when it
 * is a complete JSON object and the file is not being followed (`ReadOptions.growing`);
 * otherwise it is held back (reported, neither consumed nor refused) and read whole later. Had
 * it been refused, the rest of it would have been refused again as a line of its own, and the
 * event lost. When a consumed last line later gets its newline, reading resumes after it: the
 * newline does not count as a line, and the record that follows starts where reading resumed.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { LIMITS } from '../../domain/validate.ts';
import { InputError } from '../../ports/errors.ts';
import type {
  IdentitySource, InputPosition, RawPayload, ReadOptions, SourceRecord,
} from '../../ports/identity-source.ts';
import { badUtf8Reason, strictUtf8 } from '../strict-utf8.ts';
import { fileFingerprint } from './fingerprint.ts';

const CHUNK = 64 * 1024;
const NL = 0x0a;

const isSpace = (b: number): boolean => b === 0x20 || b === 0x09 || b === 0x0d;

/** Only ASCII whitespace (space, tab, CR) between `from` and `to`. */
function blank(buf: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!isSpace(buf[i])) return false;
  return true;
}

/** Bytes of trailing whitespace at the end of `buf`. */
function trailingSpace(buf: Buffer): number {
  let n = 0;
  while (n < buf.length && isSpace(buf[buf.length - 1 - n])) n++;
  return n;
}

async function byteBefore(fh: FileHandle, offset: number): Promise<number | null> {
  if (offset === 0) return null;
  const b = Buffer.alloc(1);
  const { bytesRead } = await fh.read(b, 0, 1, offset - 1);
  return bytesRead === 1 ? b[0] : null;
}

/** A complete JSON object: what a last line without a newline must be to be consumed. */
function isJsonObject(text: string): boolean {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}

export class NdjsonFileSource implements IdentitySource {
  constructor(
    readonly name: string,
    readonly locator: string,
    readonly size: number | null,
    private readonly maxLineBytes: number = LIMITS.maxLineBytes,
  ) {}

  fingerprint(at: InputPosition): Promise<string> {
    return fileFingerprint(this.locator, at.offset);
  }

  async *records(from: InputPosition, options: ReadOptions = {}): AsyncGenerator<SourceRecord> {
    const fh = await open(this.locator, 'r');
    try {
      const chunk = Buffer.alloc(CHUNK);
      let filePos = from.offset; // file offset of chunk[0] on the next read
      let lineStart = from.offset;
      let ordinal = from.ordinal;
      let parts: Buffer[] = [];
      let partsLen = 0;
      let oversized = false;
      // Resuming after a last line that was consumed before its newline: the bytes up to the
      // next newline finish that line.
      let continuation = from.offset > 0 && (await byteBefore(fh, from.offset)) !== NL;

      const record = (end: number, contentEnd: number, payload: RawPayload): SourceRecord => ({
        source: this.name,
        start: { offset: lineStart, index: 0, ordinal },
        end: { offset: end, index: 0, ordinal: ordinal + 1 },
        contentEnd,
        payload,
      });
      const joined = (): Buffer => (parts.length === 1 ? parts[0] : Buffer.concat(parts, partsLen));
      /** The finished line's payload, or null for a blank line. */
      const finish = (buf: Buffer): RawPayload | null => {
        if (oversized) return { kind: 'invalid', code: 'line_too_long', reason: `line is longer than ${this.maxLineBytes} bytes` };
        if (blank(buf, 0, buf.length)) return null;
        const text = strictUtf8(buf);
        return text === null ? { kind: 'invalid', code: 'bad_encoding', reason: badUtf8Reason('the line', buf) } : { kind: 'text', text };
      };
      const continued = (buf: Buffer): void => {
        if (!blank(buf, 0, buf.length)) {
          throw new InputError(
            'input_changed',
            `${this.name}: the last line, consumed at ${from.offset} as a complete JSON object before its newline was written, has been continued since`,
          );
        }
      };

      for (;;) {
        const { bytesRead } = await fh.read(chunk, 0, CHUNK, filePos);
        if (bytesRead === 0) break;
        let i = 0;
        while (i < bytesRead) {
          const nl = chunk.indexOf(NL, i);
          const stop = nl === -1 || nl >= bytesRead ? bytesRead : nl;
          if (!oversized) {
            partsLen += stop - i;
            if (partsLen > this.maxLineBytes) {
              oversized = true;
              parts = [];
            } else if (stop > i) {
              parts.push(Buffer.from(chunk.subarray(i, stop)));
            }
          }
          if (stop === bytesRead) break; // the line continues in the next chunk
          const end = filePos + nl + 1;
          if (continuation) {
            if (!oversized) continued(joined());
            continuation = false;
          } else {
            const buf = oversized ? Buffer.alloc(0) : joined();
            const out = finish(buf);
            if (out !== null) yield record(end, end - 1 - trailingSpace(buf), out);
            ordinal++;
            lineStart = end;
          }
          parts = [];
          partsLen = 0;
          oversized = false;
          i = nl + 1;
        }
        filePos += bytesRead;
      }
      if (partsLen === 0 && !oversized) return;
      if (continuation) {
        if (!oversized) continued(joined());
        return;
      }
      const held = (reason: string): void => options.onHeldBack?.({ at: { offset: lineStart, index: 0, ordinal }, bytes: filePos - lineStart, reason });
      if (oversized) return held(`the last line has no newline yet and is already longer than ${this.maxLineBytes} bytes`);
      const buf = joined();
      if (blank(buf, 0, buf.length)) return;
      if (options.growing) return held('the last line has no newline yet');
      const text = strictUtf8(buf);
      if (text === null || !isJsonObject(text)) return held('the last line has no newline and is not a complete JSON object yet');
      yield record(filePos, filePos - trailingSpace(buf), { kind: 'text', text });
    } finally {
      await fh.close();
    }
  }
}
