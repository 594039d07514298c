/** Failures of the runtime's own invariants (not of an adapter), and its own stops: never retriable. */
import { ABORTED, CodedError } from '../ports/errors.ts';

export type PipelineErrorCode =
  /** Re-deriving the engine from the recorded input gave other events than the log holds. */
  | 'replay_divergence'
  /** The engine, the tables and the log disagree about where they are. */
  | 'state_mismatch'
  /** A wait or loop given up because the process is stopping (ports/errors.ts, `isAborted`). */
  | typeof ABORTED;

export class PipelineError extends CodedError<PipelineErrorCode> {
  override readonly name = 'PipelineError';
  constructor(code: PipelineErrorCode, message: string) {
    super(code, message, false);
  }
}

/** The error a wait or loop throws when the process stops under it. */
export const aborted = (what: string): PipelineError => new PipelineError(ABORTED, `${what}: abandoned, the pipeline is stopping`);
