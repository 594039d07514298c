/**
 * NDJSON input: one identity event per line. Each record carries its byte offsets, so a
 * batch's end is an exact resume point. A line longer than the limit is not accumulated (a
 * file of one endless line must not exhaust memory): it is skipped to its newline and
 * reported as one `line_too_long` record. Blank lines are skipped but counted, so reject line
 * numbers match an editor's.
 */
import { open } from 'node:fs/promises';
import { LIMITS } from '../../domain/validate.ts';
import type { IdentitySource, InputPosition, RawPayload, SourceRecord } from '../../ports/identity-source.ts';
import { fileFingerprint } from './fingerprint.ts';

const CHUNK = 64 * 1024;
const NL = 0x0a;

/** Only ASCII whitespace (space, tab, CR) between `from` and `to`. */
function blank(buf: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const b = buf[i];
    if (b !== 0x20 && b !== 0x09 && b !== 0x0d) return false;
  }
  return true;
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

  async *records(from: InputPosition): AsyncGenerator<SourceRecord> {
    const fh = await open(this.locator, 'r');
    try {
      const chunk = Buffer.alloc(CHUNK);
      let filePos = from.offset; // file offset of chunk[0] on the next read
      let lineStart = from.offset;
      let ordinal = from.ordinal;
      let parts: Buffer[] = [];
      let partsLen = 0;
      let oversized = false;

      const record = (end: number, payload: RawPayload): SourceRecord => ({
        source: this.name,
        start: { offset: lineStart, index: 0, ordinal },
        end: { offset: end, index: 0, ordinal: ordinal + 1 },
        payload,
      });
      const tooLong: RawPayload = {
        kind: 'invalid', code: 'line_too_long', reason: `line is longer than ${this.maxLineBytes} bytes`,
      };
      /** The finished line's payload, or null for a blank line. */
      const finish = (): RawPayload | null => {
        if (oversized) return tooLong;
        const buf = parts.length === 1 ? parts[0] : Buffer.concat(parts, partsLen);
        return blank(buf, 0, buf.length) ? null : { kind: 'text', text: buf.toString('utf8') };
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
          const out = finish();
          if (out !== null) yield record(end, out);
          ordinal++;
          lineStart = end;
          parts = [];
          partsLen = 0;
          oversized = false;
          i = nl + 1;
        }
        filePos += bytesRead;
      }
      // A last line without a terminator is still a line.
      if (partsLen > 0) {
        const out = finish();
        if (out !== null) yield record(filePos, out);
      }
    } finally {
      await fh.close();
    }
  }
}
