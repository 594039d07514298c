/**
 * What the publisher thread (publisher-thread.ts) and its worker (publisher-worker.ts) say to
 * each other. Everything here crosses a thread by structured clone, so it is plain data: a
 * clone keeps an Error's message but drops its own fields, which is why failures travel as
 * `code` + `retriable` + message and are rebuilt as the KafkaAdapterError they were (the
 * relay's backoff branches on `retriable`, so losing it would turn a broker outage into a stop).
 */
import type { CampaignEvent } from '../../domain/campaign-events.ts';
import type { PublishedRow } from '../../ports/publisher.ts';
import type { CampaignMessageOptions, OutputSchemaIds } from './campaign-messages.ts';
import type { KafkaConnection } from './client.ts';
import { KafkaAdapterError, isKafkaAdapterError, type KafkaErrorCode } from './errors.ts';

/** The worker's `workerData`. */
export interface PublisherWorkerData {
  /** Without `logSink` (a function does not clone): the worker logs to its own stderr. */
  readonly connection: Omit<KafkaConnection, 'logSink'>;
  readonly messages: CampaignMessageOptions;
  /** Registered on the main thread at start, so a restarted worker needs no registry. */
  readonly ids: OutputSchemaIds | null;
}

export type ToWorker =
  | { readonly kind: 'publish'; readonly id: number; readonly events: readonly CampaignEvent[]; readonly rows: readonly PublishedRow[] }
  /** Disconnect the producer and exit. */
  | { readonly kind: 'close' };

export type FromWorker =
  /** The worker's modules loaded and its producer exists (it connects on the first publish). */
  | { readonly kind: 'ready' }
  /** A chunk of the run is acknowledged: everything up to `sequence` is out (Publisher.publish). */
  | { readonly kind: 'acknowledged'; readonly id: number; readonly sequence: number }
  /** Every message of the run is acknowledged by all in-sync replicas. */
  | { readonly kind: 'published'; readonly id: number }
  | { readonly kind: 'failed'; readonly id: number; readonly error: ErrorData }
  | { readonly kind: 'closed' };

export interface ErrorData {
  readonly code: KafkaErrorCode;
  readonly message: string;
  readonly retriable: boolean;
}

/**
 * A failure in the worker → data. A KafkaAdapterError keeps its code and flag; anything else
 * (an encoding bug) becomes `kafka_failure`, non-retriable unless it says otherwise, as the
 * relay would have treated the original on its own thread.
 */
export function errorToData(e: unknown): ErrorData {
  if (isKafkaAdapterError(e)) return { code: e.code, message: e.message, retriable: e.retriable };
  const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  const retriable = typeof e === 'object' && e !== null && (e as { retriable?: unknown }).retriable === true;
  return { code: 'kafka_failure', message, retriable };
}

export const errorFromData = (d: ErrorData): KafkaAdapterError => new KafkaAdapterError(d.code, d.message, d.retriable);
