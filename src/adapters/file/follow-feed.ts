/**
 * `run --follow`: a file, or a directory of files, followed as it grows until the run is
 * stopped. The file (or, in a directory, the file last in name order) is polled for new bytes;
 * what a poll finds is read like any input, except that a last line without a newline is held
 * back until it gets one, since its writer may be in the middle of it. In a directory, files
 * are read in name order, each from its checkpoint; once a file later in order appears, the
 * one before it is complete (its writer has moved on), so it is read to its end one last time
 * and a complete JSON object on a last line without a newline is then consumed. Hidden files
 * (a leading dot) are skipped: write a file under a hidden name and rename it when done.
 *
 * When no record has arrived for `idleMs` while some are pending, the feed says so (`idle`), and
 * the run commits them rather than wait for a full batch.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { InputError } from '../../ports/errors.ts';
import type { HeldBack, IdentitySource, InputPosition } from '../../ports/identity-source.ts';
import type { FeedContext, FeedItem, InputFeed } from '../../ports/input-feed.ts';
import { openFileSource } from './open-source.ts';

export const DEFAULT_IDLE_MS = 1_000;
/** How often a followed file is checked for new bytes when nothing is arriving. */
export const DEFAULT_POLL_MS = 200;

export interface FollowOptions {
  /** A pending batch is committed once no record has arrived for this long. */
  readonly idleMs?: number;
  readonly pollMs?: number;
}

interface Current {
  readonly file: string;
  source: IdentitySource;
  position: InputPosition;
  /** The file's size when it was last read to its end. */
  readSize: number;
  held: HeldBack | null;
}

const clock = (): number => performance.now();

/** Regular, non-hidden files of `dir`, in name order. */
async function filesIn(dir: string): Promise<string[]> {
  const names = (await readdir(dir, { withFileTypes: true }))
    .filter((d) => d.isFile() && !d.name.startsWith('.'))
    .map((d) => d.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return names.map((n) => path.join(dir, n));
}

async function sizeOf(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch (e) {
    throw new InputError('input_missing', `${file} is gone while being followed: ${(e as Error).message}`, false, { cause: e });
  }
}

export class FollowFeed implements InputFeed {
  private readonly idleMs: number;
  private readonly pollMs: number;

  constructor(readonly name: string, options: FollowOptions = {}) {
    this.idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
    this.pollMs = Math.max(1, Math.min(options.pollMs ?? DEFAULT_POLL_MS, this.idleMs));
  }

  async *items(ctx: FeedContext): AsyncGenerator<FeedItem> {
    const { signal } = ctx;
    let isDir: boolean;
    try {
      isDir = (await stat(this.name)).isDirectory();
    } catch (e) {
      throw new InputError('input_missing', `cannot follow ${this.name}: ${(e as Error).message}`, false, { cause: e });
    }
    let current: Current | null = null;
    let pending = false;
    let lastRecordAt = clock();

    const open = async (file: string): Promise<Current> => {
      const source = await openFileSource(file);
      return { file, source, position: await ctx.start(source), readSize: -1, held: null };
    };
    const reportHeld = (): void => {
      if (current?.held) ctx.onHeldBack?.(current.source, current.held);
    };

    try {
      if (!isDir) current = await open(this.name);
      while (!signal.aborted) {
        let later: string | undefined;
        if (isDir) {
          const files = await filesIn(this.name);
          if (current === null) {
            if (files.length > 0) current = await open(files[0]);
          }
          later = current === null ? undefined : files.find((f) => f > current!.file);
        }
        if (current !== null) {
          const size = await sizeOf(current.file);
          if (size < current.position.offset) {
            throw new InputError('input_changed', `${current.file} shrank to ${size} bytes below the ${current.position.offset} already consumed while being followed`);
          }
          // Grown, or about to be left for the next file: read what is new.
          if (size !== current.readSize || later !== undefined) {
            // Nothing consumed yet: look at the content again (a file too short to show the
            // Avro magic bytes was taken for NDJSON).
            if (current.position.offset === 0 && current.position.index === 0) current.source = await openFileSource(current.file);
            current.held = null;
            const growing = later === undefined;
            for await (const record of current.source.records(current.position, { growing, onHeldBack: (h) => (current!.held = h) })) {
              current.position = record.end;
              pending = true;
              lastRecordAt = clock();
              yield { kind: 'record', record };
              if (signal.aborted) return;
            }
            current.readSize = size;
          }
          if (later !== undefined) {
            reportHeld();
            current = await open(later);
            continue;
          }
        }
        if (pending && clock() - lastRecordAt >= this.idleMs) {
          pending = false;
          yield { kind: 'idle' };
          continue;
        }
        await sleep(this.pollMs, undefined, { signal }).catch(() => undefined);
      }
    } finally {
      reportHeld();
    }
  }
}
