/**
 * A setting the command was given that cannot be used, found before anything starts: a file
 * named by an option that cannot be read, a value that cannot work. Not a usage error (the
 * command line itself is well formed), so it exits 1 with its code, like any failure.
 */
import { CodedError } from '../ports/errors.ts';

export type ConfigErrorCode =
  /** A file named by an option cannot be read. */
  | 'config_unreadable'
  /** A value that would start the command but could never work (a token no client can send). */
  | 'config_invalid';

export class ConfigError extends CodedError<ConfigErrorCode> {
  override readonly name = 'ConfigError';
}
