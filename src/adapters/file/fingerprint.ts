/**
 * A digest of a file's consumed part, stored with every checkpoint: a rerun that finds a
 * different digest refuses to continue instead of silently reprocessing a changed file.
 *
 * It hashes a bounded window, not the whole prefix, so checking it costs the same for a
 * 10 GB file as for a small one: the first and the last 64 KiB before the position, and the
 * position itself. That catches the usual ways a consumed file changes (rewritten, truncated,
 * replaced by another export, edited near where reading stopped); an edit in the middle of a
 * large consumed prefix that leaves both windows intact is not detected.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { InputError } from '../../ports/errors.ts';

export const FINGERPRINT_WINDOW = 64 * 1024;

export async function fileFingerprint(path: string, end: number): Promise<string> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw new InputError('input_missing', `cannot open ${path}: ${(e as Error).message}`, false, { cause: e });
  }
  try {
    const { size } = await fh.stat();
    if (size < end) {
      throw new InputError('input_changed', `${path} is ${size} bytes, shorter than the ${end} bytes already consumed`);
    }
    const hash = createHash('sha256').update(`window-v1:${end}:`);
    const headEnd = Math.min(FINGERPRINT_WINDOW, end);
    const tailStart = Math.max(headEnd, end - FINGERPRINT_WINDOW);
    for (const [from, to] of [[0, headEnd], [tailStart, end]]) {
      if (to <= from) continue;
      const buf = Buffer.alloc(to - from);
      const { bytesRead } = await fh.read(buf, 0, buf.length, from);
      hash.update(buf.subarray(0, bytesRead));
    }
    return 'w64k:' + hash.digest('hex');
  } finally {
    await fh.close();
  }
}
