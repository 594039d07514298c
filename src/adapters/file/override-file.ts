/**
 * An overrides file: NDJSON, one override per line, the format `campaigns run` reads. Each
 * append is one write of one line, synced before it resolves, and a process appends one line at
 * a time (a queue): two requests answered at once must never interleave their bytes.
 */
import { open } from 'node:fs/promises';
import type { IdentityEventWire } from '../../domain/validate.ts';
import { OverrideSinkError, type OverrideSink } from '../../ports/override-sink.ts';

/** Failures a later attempt may not repeat: a full disk gets space, a busy file is released. */
const TRANSIENT = new Set(['EAGAIN', 'EBUSY', 'EINTR', 'EMFILE', 'ENFILE', 'ENOSPC']);

export class OverrideFile implements OverrideSink {
  readonly kind = 'file';
  /** The append in progress; the next waits for it. */
  private tail: Promise<void> = Promise.resolve();

  constructor(readonly target: string) {}

  append(wire: IdentityEventWire): Promise<void> {
    const line = JSON.stringify(wire);
    const next = this.tail.then(() => appendLine(this.target, line));
    // A failed append does not fail the ones queued behind it.
    this.tail = next.catch(() => {});
    return next;
  }

  async close(): Promise<void> {
    await this.tail;
  }
}

/**
 * Appends one line, after a newline if the file's last line lacks one (an editor may have left
 * it so): otherwise the override would be glued to that line and both refused as invalid JSON.
 */
async function appendLine(file: string, line: string): Promise<void> {
  try {
    const h = await open(file, 'a+');
    try {
      const { size } = await h.stat();
      let lead = '';
      if (size > 0) {
        const last = Buffer.alloc(1);
        await h.read(last, 0, 1, size - 1);
        if (last[0] !== 0x0a) lead = '\n';
      }
      await h.appendFile(`${lead}${line}\n`);
      await h.sync();
    } finally {
      await h.close();
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    throw new OverrideSinkError('override_write_failed', `appending to ${file}: ${(e as Error).message}`, TRANSIENT.has(code), { cause: e });
  }
}
