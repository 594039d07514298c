/**
 * Opens an input file as an IdentitySource: Avro container or NDJSON, by content (the Avro
 * magic bytes), so a misnamed file is still read right. A source is recorded in the store
 * under its base name, which keeps a store's positions valid when the files move.
 */
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../../ports/errors.ts';
import type { IdentitySource, SourceOpener } from '../../ports/identity-source.ts';
import { AVRO_MAGIC, AvroContainerSource } from './avro-container-source.ts';
import { NdjsonFileSource } from './ndjson-source.ts';

export const sourceName = (file: string): string => path.basename(file);

async function startsWithAvroMagic(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(AVRO_MAGIC.length);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return bytesRead === buf.length && buf.equals(AVRO_MAGIC);
  } finally {
    await fh.close();
  }
}

export async function openFileSource(file: string, name: string = sourceName(file)): Promise<IdentitySource> {
  const locator = path.resolve(file);
  let size: number;
  try {
    const st = await stat(locator);
    if (!st.isFile()) throw new InputError('input_unreadable', `${file} is not a regular file`);
    size = st.size;
  } catch (e) {
    if (e instanceof InputError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(code === 'ENOENT' ? 'input_missing' : 'input_unreadable', `cannot read ${file}: ${(e as Error).message}`, false, { cause: e });
  }
  try {
    return (await startsWithAvroMagic(locator))
      ? new AvroContainerSource(name, locator, size)
      : new NdjsonFileSource(name, locator, size);
  } catch (e) {
    throw new InputError('input_unreadable', `cannot read ${file}: ${(e as Error).message}`, false, { cause: e });
  }
}

export const openRecordedFile: SourceOpener = (name, locator) => openFileSource(locator, name);

/**
 * The sources of `--input` paths, in the order given; a directory stands for its regular files
 * in name order (hidden files, with a leading dot, are skipped).
 */
export async function openInputs(paths: readonly string[]): Promise<IdentitySource[]> {
  const files: string[] = [];
  for (const p of paths) {
    let entries;
    try {
      entries = (await stat(p)).isDirectory() ? await readdir(p, { withFileTypes: true }) : null;
    } catch {
      entries = null; // openFileSource reports a missing or unreadable file with its code
    }
    if (entries === null) files.push(p);
    else files.push(...entries.filter((d) => d.isFile() && !d.name.startsWith('.')).map((d) => d.name).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((n) => path.join(p, n)));
  }
  return Promise.all(files.map((f) => openFileSource(f)));
}
