/**
 * The one place a kafkajs client is built. kafkajs is unmaintained since 2023: everything else
 * talks to the small interfaces of this folder, so the client library can be swapped here.
 */
import { Kafka, logLevel, type RetryOptions } from 'kafkajs';
import { stderrLogCreator, type LineSink } from './logger.ts';

export interface KafkaConnection {
  /** `host:port` list. */
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** WARN by default; ERROR for quiet tests. */
  readonly logLevel?: 'warn' | 'error';
  readonly logSink?: LineSink;
  /**
   * kafkajs' own retry of each request. Kept short: the pipeline has its own patient backoff
   * around whole operations, and a short inner retry lets a stop request get through quickly.
   */
  readonly retry?: RetryOptions;
}

export const DEFAULT_BROKERS = '127.0.0.1:9092';

export const parseBrokers = (s: string): string[] => s.split(',').map((b) => b.trim()).filter((b) => b.length > 0);

export function createKafka(c: KafkaConnection): Kafka {
  return new Kafka({
    clientId: c.clientId,
    brokers: [...c.brokers],
    logLevel: c.logLevel === 'error' ? logLevel.ERROR : logLevel.WARN,
    logCreator: stderrLogCreator(c.logSink),
    connectionTimeout: 3_000,
    requestTimeout: 30_000,
    retry: c.retry ?? { initialRetryTime: 200, maxRetryTime: 5_000, retries: 5 },
  });
}

export type { Kafka };
