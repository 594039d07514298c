/**
 * Where each input resumes, and the check that makes resuming safe: a source the store has
 * consumed before must still hold the same bytes up to its checkpoint (same fingerprint), or
 * the run stops with `input_changed` rather than reprocess a changed file as if it were new.
 */
import { InputError } from '../ports/errors.ts';
import type { InputCheckpoint } from '../ports/event-log.ts';
import {
  formatPosition, START, type HeldBack, type IdentitySource, type InputPosition, type SourceRecord,
} from '../ports/identity-source.ts';

export interface PlannedSource {
  readonly source: IdentitySource;
  readonly from: InputPosition;
}

export async function verifyCheckpoint(source: IdentitySource, cp: InputCheckpoint): Promise<void> {
  const fingerprint = await source.fingerprint(cp.position);
  if (fingerprint !== cp.fingerprint) {
    throw new InputError(
      'input_changed',
      `${source.name}: the part already consumed (${cp.position.offset} bytes, up to batch ${cp.batch_index}) has changed since; ` +
      'refusing to reprocess it. Restore the original file, or run the changed one into a new store.',
    );
  }
}

/** Sources in the order given, each from its checkpoint (verified) or from the start. */
export async function planInput(inputs: readonly IdentitySource[], checkpoints: readonly InputCheckpoint[]): Promise<PlannedSource[]> {
  const seen = new Map<string, string>();
  for (const s of inputs) {
    const other = seen.get(s.name);
    if (other !== undefined) {
      throw new InputError('input_conflict', `two inputs are named ${s.name} (${other} and ${s.locator}); the store tells inputs apart by file name`);
    }
    seen.set(s.name, s.locator);
  }
  const byName = new Map(checkpoints.map((c) => [c.source, c]));
  const plan: PlannedSource[] = [];
  for (const source of inputs) {
    const cp = byName.get(source.name);
    if (cp !== undefined) await verifyCheckpoint(source, cp);
    plan.push({ source, from: cp?.position ?? START });
  }
  return plan;
}

/** Every planned source's records, one source after the other. */
export async function* plannedRecords(
  plan: readonly PlannedSource[], onHeldBack?: (source: IdentitySource, held: HeldBack) => void,
): AsyncGenerator<SourceRecord> {
  for (const { source, from } of plan) yield* source.records(from, { onHeldBack: (h) => onHeldBack?.(source, h) });
}

/** The warning for an input whose incomplete end was left for a later run. */
export const heldBackWarning = (source: IdentitySource, held: HeldBack): string =>
  `${formatPosition(source.name, held.at)}: ${held.bytes} bytes held back, neither consumed nor rejected (${held.reason}); ` +
  'a later run reads them once they are complete';
