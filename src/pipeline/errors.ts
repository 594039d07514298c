/** Failures of the runtime's own invariants (not of an adapter): never retriable. */
export type PipelineErrorCode =
  /** Re-deriving the engine from the recorded input gave other events than the log holds. */
  | 'replay_divergence'
  /** The engine, the tables and the log disagree about where they are. */
  | 'state_mismatch';

export class PipelineError extends Error {
  override readonly name = 'PipelineError';
  readonly retriable = false;
  constructor(readonly code: PipelineErrorCode, message: string) {
    super(message);
  }
}
