/**
 * Live readers: LISTEN on the store's channel and hear the log head after every committed
 * append. A notification is a hint, not data: PostgreSQL may coalesce them, and none arrive while
 * the connection is down, so a reader treats `head` as "at least this far" and reads the log
 * from its own last sequence. When the connection fails, `onError` is called once and the
 * listener is dead; the reader subscribes again and catches up from the log.
 */
import pg from 'pg';
import { StoreError } from '../../ports/errors.ts';
import { toStoreError } from './errors.ts';

export interface HeadSubscription {
  close(): Promise<void>;
}

export async function listenForHead(
  config: pg.ClientConfig,
  channel: string,
  onHead: (head: number) => void,
  onError: (e: StoreError) => void = () => {},
): Promise<HeadSubscription> {
  const client = new pg.Client(config);
  let closed = false;
  let failed = false;
  const fail = (e: unknown): void => {
    if (closed || failed) return;
    failed = true;
    onError(toStoreError(e, `listening on ${channel}`));
  };
  client.on('error', fail);
  client.on('end', () => fail(new StoreError('store_failure', `the connection listening on ${channel} ended`, true)));
  client.on('notification', (n) => {
    if (n.channel !== channel || n.payload === undefined) return;
    const head = Number(n.payload);
    if (Number.isSafeInteger(head)) onHead(head);
  });
  try {
    await client.connect();
    await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
  } catch (e) {
    closed = true;
    await client.end().catch(() => {});
    throw toStoreError(e, `listening on ${channel}`);
  }
  return {
    async close() {
      if (closed) return;
      closed = true;
      await client.end().catch(() => {});
    },
  };
}
