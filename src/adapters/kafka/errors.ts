/**
 * Failures of the Kafka adapters (broker, schema registry, topics). Each carries a stable
 * `code` and a `retriable` flag, like every error that crosses a port (src/ports/errors.ts):
 * retrying a retriable one (a broker restarting, the registry briefly down) may succeed; any
 * other one repeats. kafkajs errors keep their own `retriable` verdict; anything unknown is
 * non-retriable, so a bug is reported instead of being retried forever.
 */
import { CodedError } from '../../ports/errors.ts';

export type KafkaErrorCode =
  /** No broker answered, or the broker refused for a transient reason (leader election, timeout). */
  | 'broker_unavailable'
  /** The schema registry did not answer or answered 5xx. */
  | 'registry_unavailable'
  /** The registry does not know a schema id a message names. Not retriable: the message goes to the DLQ. */
  | 'schema_not_found'
  /** The registry refused to register a schema (incompatible with the subject's history, invalid). */
  | 'schema_rejected'
  /** The broker refused messages for a reason retrying cannot fix (too large, authorization, bad topic). */
  | 'publish_failed'
  /** A topic exists with settings other than the ones this program needs and may not change. */
  | 'topic_mismatch'
  /** A topic the command reads does not exist (and is not this program's to create). */
  | 'topic_missing'
  /**
   * A transactional producer lost its transactional id: another member took the input partition
   * over (or the coordinator aborted a transaction that outlived its timeout). Retriable: the
   * partition is read again from its committed offset by a freshly fenced-in producer.
   */
  | 'fenced'
  /** Input the store recorded is no longer on the topic (retention, topic recreated). */
  | 'input_missing'
  /**
   * The publisher's worker thread could not start or died with a run in hand. Retriable (the next
   * publish starts a fresh worker) until it has died several times in a row without a run
   * acknowledged in between: then retrying evidently repeats the failure.
   */
  | 'worker_failed'
  /** The operation was abandoned because the process is stopping. */
  | 'aborted'
  /** Any other client failure. */
  | 'kafka_failure';

export class KafkaAdapterError extends CodedError<KafkaErrorCode> {
  override readonly name = 'KafkaAdapterError';
}

export const isKafkaAdapterError = (e: unknown): e is KafkaAdapterError => e instanceof KafkaAdapterError;

const errorName = (e: unknown): string =>
  typeof e === 'object' && e !== null && typeof (e as { name?: unknown }).name === 'string' ? (e as { name: string }).name : '';

/**
 * A kafkajs error → KafkaAdapterError. kafkajs marks protocol errors (not leader, coordinator
 * loading, request timed out, …) retriable; connection failures come as
 * KafkaJSConnectionError / KafkaJSNumberOfRetriesExceeded / KafkaJSNonRetriableError wrapping them.
 */
export function fromKafkaJs(e: unknown, doing: string, code: KafkaErrorCode = 'kafka_failure'): KafkaAdapterError {
  if (e instanceof KafkaAdapterError) return e;
  const name = errorName(e);
  const message = e instanceof Error ? e.message : String(e);
  const connection = /Connection|Broker|Timeout|NumberOfRetriesExceeded|LeaderNotAvailable|NotLeader|Coordinator/i.test(name)
    || /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|Connection error|timed out/i.test(message);
  const retriable = connection || (typeof e === 'object' && e !== null && (e as { retriable?: unknown }).retriable === true);
  return new KafkaAdapterError(retriable ? 'broker_unavailable' : code, `${doing}: ${message}`, retriable, { cause: e });
}

/** The error a wait or loop throws when the process stops under it. */
export const aborted = (what: string): KafkaAdapterError =>
  new KafkaAdapterError('aborted', `${what}: abandoned, the pipeline is stopping`, false);
