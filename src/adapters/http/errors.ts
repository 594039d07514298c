/**
 * Errors the HTTP layer answers with. Each has a status and a stable `error` code (clients
 * branch on the code, never on the text); parameter errors name the parameter. The body keeps
 * the reference's `detail` key, so a client written for it still finds its message.
 */
import { CodedError } from '../../ports/errors.ts';

export type HttpErrorCode =
  | 'invalid_parameter'
  | 'not_found'
  /** `?domain=` names a well-formed domain the store does not hold. */
  | 'unknown_domain'
  | 'unauthorized'
  /** A write to a server that takes none (no overrides sink, or no token). */
  | 'writes_disabled'
  /** A posted override the input validator refuses (its reject code is in `code`). */
  | 'invalid_override'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'method_not_allowed'
  | 'misdirected_request'
  | 'too_many_streams'
  | 'busy'
  | 'unavailable'
  | 'internal';

export interface ErrorBody {
  readonly error: HttpErrorCode;
  readonly detail: string;
  readonly parameter?: string;
}

export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: HttpErrorCode,
    message: string,
    readonly parameter?: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }

  body(): ErrorBody {
    return this.parameter === undefined
      ? { error: this.code, detail: this.message }
      : { error: this.code, detail: this.message, parameter: this.parameter };
  }
}

export const badParameter = (parameter: string, message: string): HttpError =>
  new HttpError(400, 'invalid_parameter', message, parameter);

export const notFound = (message: string): HttpError => new HttpError(404, 'not_found', message);

export const isHttpError = (e: unknown): e is HttpError => e instanceof HttpError;

export type ListenErrorCode =
  /** Another process listens on the port. */
  | 'address_in_use'
  /** Any other reason the server cannot listen (a privileged port, an address not on this host). */
  | 'listen_failed';

/** The server could not start listening. */
export class ListenError extends CodedError<ListenErrorCode> {
  override readonly name = 'ListenError';
}
