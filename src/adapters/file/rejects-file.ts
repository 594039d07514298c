/**
 * The rejects file next to the store: one NDJSON line per refused event,
 * `{position, line, code, reason, event_id}`. The mark is the file's length after a batch's
 * lines; the batch commit records it, and a restart truncates the file back to the committed
 * mark, so lines written for a batch that never committed are not listed twice.
 */
import { open, stat, truncate } from 'node:fs/promises';
import type { RejectRecord, RejectSink } from '../../ports/reject-sink.ts';

const sizeOf = async (path: string): Promise<number> => {
  try {
    return (await stat(path)).size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw e;
  }
};

/** Key order of every line: the file format is a contract. */
export const rejectLine = (r: RejectRecord): string =>
  JSON.stringify({ position: r.position, line: r.line, code: r.code, reason: r.reason, event_id: r.event_id }) + '\n';

export class RejectsFile implements RejectSink {
  constructor(readonly path: string) {}

  async write(rejects: readonly RejectRecord[]): Promise<string> {
    if (rejects.length === 0) return String(await sizeOf(this.path));
    const fh = await open(this.path, 'a');
    try {
      await fh.write(rejects.map(rejectLine).join(''));
      // The batch commit that records this mark is durable; the lines it counts must be too.
      await fh.datasync();
      return String((await fh.stat()).size);
    } finally {
      await fh.close();
    }
  }

  async rollback(mark: string): Promise<void> {
    const keep = Number(mark);
    // A file shorter than the mark was rotated or deleted by someone: there is nothing to undo.
    if (Number.isSafeInteger(keep) && (await sizeOf(this.path)) > keep) await truncate(this.path, keep);
  }
}
