/**
 * A store of three clustering domains, written by the real `campaigns run` from one mixed input:
 *
 *   default:  the hostile scenario's campaigns A and B
 *   fleet-a:  the same identity ids (other identities: an identity is (domain, uuid)) plus the
 *             bridge, so B merged into A there
 *   fleet-b:  a1 and a2 only: campaign A
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CliIo } from '../../../src/cli/io.ts';
import { main } from '../../../src/cli/main.ts';
import type { IdentityEvent } from '../../../src/domain/identity-events.ts';
import { identityEventToWire } from '../../../src/domain/validate.ts';
import { bridgeEvents, hostileEvents } from './scenario.ts';

const quiet = (): CliIo & { text: () => string } => {
  let out = '';
  const sink = { write: (c: string) => ((out += c), true), once: () => undefined };
  return { stdout: sink, stderr: sink, text: () => out };
};

/** NDJSON lines of `events`, each naming `domain` (null: none, the default domain). */
export const lines = (events: readonly IdentityEvent[], domain: string | null): string[] =>
  events.map((e) => JSON.stringify(domain === null ? identityEventToWire(e) : { ...identityEventToWire(e), domain }));

/** The same events as other identities (ids and event ids suffixed). */
export const renamed = (events: readonly IdentityEvent[], suffix: string): IdentityEvent[] =>
  events.map((e) => (e.type === 'identity.observed' ? { ...e, identity_uuid: `${e.identity_uuid}${suffix}`, event_id: `${e.event_id}${suffix}` } : e));

export interface DomainStore {
  readonly dir: string;
  /** Runs one more input file of these lines into the store (after every earlier one). */
  append(more: readonly string[]): Promise<void>;
}

/** Writes the mixed input and runs it into `<root>/store` with the real CLI. */
export async function buildDomainStore(root: string): Promise<DomainStore> {
  const dir = path.join(root, 'store');
  const inputs = path.join(root, 'inputs');
  mkdirSync(inputs, { recursive: true });
  const files: string[] = [];
  const append = async (more: readonly string[]): Promise<void> => {
    const file = path.join(inputs, `input-${files.length}.ndjson`);
    writeFileSync(file, more.join('\n') + '\n');
    files.push(file);
    const io = quiet();
    const code = await main(['run', '--input', ...files, '--store', dir, '--batch-size', '2', '--json'], io);
    if (code !== 0) throw new Error(`campaigns run failed (${code}): ${io.text()}`);
  };
  const hostile = hostileEvents();
  await append([
    ...lines(hostile, null),
    ...lines([...hostile, ...bridgeEvents()], 'fleet-a'),
    ...lines(hostile.slice(0, 2), 'fleet-b'),
  ]);
  return { dir, append };
}
