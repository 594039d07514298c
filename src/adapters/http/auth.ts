/**
 * Bearer-token check. Tokens are compared as SHA-256 digests with `timingSafeEqual`: equal
 * lengths always, and no early exit that would let a client learn the token byte by byte
 * from response times.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HttpError } from './errors.ts';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Throws 401 unless the request carries `Authorization: Bearer <token>`. No token: open. */
export function bearerGuard(token: string | null): (req: IncomingMessage) => void {
  if (token === null) return () => {};
  if (token.length === 0) throw new Error('an empty API token would accept an empty header; refuse to start');
  const expected = digest(token);
  return (req) => {
    const header = req.headers.authorization;
    const m = header === undefined ? null : /^Bearer[ ]+([^ ]+)[ ]*$/i.exec(header);
    if (m === null || !timingSafeEqual(digest(m[1]), expected)) {
      throw new HttpError(401, 'unauthorized', 'a valid bearer token is required', undefined, {
        'WWW-Authenticate': 'Bearer realm="campaigns"',
      });
    }
  };
}
