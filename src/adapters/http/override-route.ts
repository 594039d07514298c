/**
 * `POST /api/v1/overrides`: an analyst override from a person, appended to the input (an
 * overrides file or the identity topic, OverrideSink) for the engine to judge when it reads it.
 * The server never writes its store: `202 Accepted` means "in the input", not "in force"; the
 * run or pipeline that reads it may still refuse it (`unknown_identity`, …, in its rejects).
 *
 * Writes are off unless the server was given a sink and a token: a server anyone on the network
 * could write through would let anyone pull campaigns apart. Off, the route answers 403
 * `writes_disabled`, after the token check every route has (401 without a valid token).
 *
 * Browsers cannot post here from another page: the body must be `application/json` and the
 * token an `Authorization` header, both of which a cross-origin request may send only after a
 * CORS preflight, which this server never grants.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { overrideRequest } from '../../domain/override-request.ts';
import { formatIso } from '../../domain/time.ts';
import { identityEventToWire } from '../../domain/validate.ts';
import type { Clock } from '../../ports/clock.ts';
import { isCodedError } from '../../ports/errors.ts';
import type { OverrideSink } from '../../ports/override-sink.ts';
import { strictUtf8 } from '../strict-utf8.ts';
import { HttpError } from './errors.ts';
import { json, type Reply, type Route, type RouteContext } from './route-context.ts';

/** An override is a few hundred bytes; this bounds what one request makes the server hold. */
export const MAX_OVERRIDE_BYTES = 64 * 1024;

/** How long a client should wait after a sink failure that may pass (a broker electing a leader). */
const RETRY_AFTER_S = 5;

export interface OverrideWrites {
  /** Null: no sink configured. */
  readonly sink: OverrideSink | null;
  /** The server checks a token (without one, anyone could write: writes stay off). */
  readonly tokenRequired: boolean;
  readonly clock?: Clock;
  readonly newId?: () => string;
}

const systemClock: Clock = { now: () => Date.now() };

export function overrideRoute(w: OverrideWrites): Route {
  const clock = w.clock ?? systemClock;
  const newId = w.newId ?? randomUUID;
  return {
    methods: ['POST'],
    async handle(ctx: RouteContext): Promise<Reply> {
      if (w.sink === null) {
        throw new HttpError(403, 'writes_disabled', 'this server takes no overrides: start it with --overrides-file or --overrides-topic');
      }
      if (!w.tokenRequired) {
        throw new HttpError(403, 'writes_disabled', 'writes need a token: start the server with --token-file or $CAMPAIGNS_API_TOKEN');
      }
      const sink = w.sink;
      const type = ctx.req.headers['content-type']?.split(';')[0].trim().toLowerCase();
      if (type !== 'application/json') {
        throw new HttpError(415, 'unsupported_media_type', `the body must be application/json, got ${type ?? 'no Content-Type'}`);
      }
      const text = strictUtf8(await readBody(ctx.req));
      if (text === null) return invalid('bad_encoding', 'the body is not UTF-8');
      const stamp = { event_id: newId(), time: formatIso(clock.now() / 1000) };
      const request = overrideRequest(text, stamp);
      if (!request.ok) return invalid(request.code, request.reason);
      // The line the engine will read: the validated event's wire form, not the body as sent.
      const wire = identityEventToWire(request.event);
      try {
        await sink.append(wire);
      } catch (e) {
        if (isCodedError(e) && e.retriable) {
          throw new HttpError(503, 'unavailable', `the override was not written (${e.code}): retry later`, undefined, { 'Retry-After': String(RETRY_AFTER_S) });
        }
        throw e;
      }
      return json({ accepted: sink.kind, event_id: wire.event_id, time: wire.time, override: wire }, 202);
    },
  };
}

/** 400 with the input validator's own reject code, as `campaigns run` would file the line. */
const invalid = (code: string, reason: string): Reply => json({ error: 'invalid_override', detail: reason, code }, 400);

/**
 * The request body, at most MAX_OVERRIDE_BYTES. Past that: 413, with the connection closed after
 * the answer, so the rest of the body is never read.
 */
function readBody(req: IncomingMessage): Promise<Buffer> {
  const tooLarge = () => new HttpError(413, 'payload_too_large', `an override body is at most ${MAX_OVERRIDE_BYTES} bytes`, undefined, { Connection: 'close' });
  const declared = Number(req.headers['content-length']);
  if (declared > MAX_OVERRIDE_BYTES) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= MAX_OVERRIDE_BYTES) {
        chunks.push(chunk);
        return;
      }
      done();
      req.pause();
      reject(tooLarge());
    };
    const onEnd = (): void => {
      done();
      resolve(Buffer.concat(chunks));
    };
    const onError = (e: Error): void => {
      done();
      reject(e);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}
