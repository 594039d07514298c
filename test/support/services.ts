/**
 * Real services for integration tests: Kafka, Apicurio Registry (Confluent-compatible API) and
 * PostgreSQL, started by `scripts/services` (no Docker needed; see docs/SERVICES.md).
 *
 *   const { kafkaBrokers } = await requireServices(['kafka']);
 *
 * Addresses come from KAFKA_BROKERS / SCHEMA_REGISTRY_URL / DATABASE_URL when they are set (CI,
 * docker-compose, a developer's own services). Otherwise `scripts/services start <name>` is run
 * (idempotent: a running service is reused, concurrent callers are serialised by a lock in the
 * script) and the values are read from `scripts/services env`.
 *
 * A service that cannot be started is an error, never a skip: the thrown Error carries the
 * script's own message and the tail of the service log, so the test fails with the reason.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export type ServiceName = 'kafka' | 'registry' | 'postgres';

export interface ServiceEndpoints {
  /** `host:port[,host:port]`, for kafkajs `brokers: kafkaBrokers.split(',')`. */
  kafkaBrokers?: string;
  /** Confluent-compatible base URL, e.g. `http://127.0.0.1:18081/apis/ccompat/v7`. */
  registryUrl?: string;
  /** `postgres://user@host:port/db`. */
  databaseUrl?: string;
}

const ENV_VAR: Record<ServiceName, 'KAFKA_BROKERS' | 'SCHEMA_REGISTRY_URL' | 'DATABASE_URL'> = {
  kafka: 'KAFKA_BROKERS',
  registry: 'SCHEMA_REGISTRY_URL',
  postgres: 'DATABASE_URL',
};

const FIELD: Record<ServiceName, keyof ServiceEndpoints> = {
  kafka: 'kafkaBrokers',
  registry: 'registryUrl',
  postgres: 'databaseUrl',
};

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SERVICES_SCRIPT = path.join(REPO_ROOT, 'scripts', 'services');

/** First start downloads ~200 MB from Maven Central; later starts take seconds. */
const START_TIMEOUT_MS = 15 * 60_000;

function run(args: string[], timeoutMs: number): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      [SERVICES_SCRIPT, ...args],
      { cwd: REPO_ROOT, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, env: process.env },
      (error, stdout, stderr) => {
        if (error) {
          const how = error.killed ? `timed out after ${timeoutMs} ms` : `exited with ${error.code ?? error.signal}`;
          reject(new Error(`scripts/services ${args.join(' ')} ${how}\n${String(stderr).trim()}`));
        } else {
          resolve({ stdout: String(stdout), stderr: String(stderr) });
        }
      },
    );
  });
}

/** Parses `export NAME=value` lines (the output of `scripts/services env`). */
export function parseEnvExports(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*(?:export\s+)?([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    out[m[1]] = m[2].trim().replace(/^(['"])(.*)\1$/, '$2');
  }
  return out;
}

// One start per service and process, shared by concurrent callers in the same test file.
const starting = new Map<ServiceName, Promise<string>>();

async function startService(name: ServiceName): Promise<string> {
  let p = starting.get(name);
  if (!p) {
    p = (async () => {
      await run(['start', name], START_TIMEOUT_MS);
      const { stdout } = await run(['env', name], 60_000);
      const value = parseEnvExports(stdout)[ENV_VAR[name]];
      if (!value) throw new Error(`scripts/services started ${name} but 'env ${name}' printed no ${ENV_VAR[name]}`);
      return value;
    })();
    starting.set(name, p);
    p.catch(() => starting.delete(name)); // a later call may retry
  }
  return p;
}

/**
 * Returns the endpoints of the named services, starting them if their env var is not set.
 * Throws (in CI and locally alike) when a service cannot be started: tests must fail, not skip.
 */
export async function requireServices(names: ServiceName[]): Promise<ServiceEndpoints> {
  const result: ServiceEndpoints = {};
  const unique = [...new Set(names)];
  const errors: string[] = [];
  // Sequential on purpose: the JVMs compete for 2 cores and each start is bounded by its own loop.
  for (const name of unique) {
    const fromEnv = process.env[ENV_VAR[name]]?.trim();
    if (fromEnv) {
      result[FIELD[name]] = fromEnv;
      continue;
    }
    try {
      result[FIELD[name]] = await startService(name);
    } catch (err) {
      errors.push(`${name}: ${(err as Error).message}`);
    }
  }
  if (errors.length > 0) {
    const where = process.env.CI === 'true' ? ' (CI=true: real services are required)' : '';
    throw new Error(`required services could not be started${where}:\n${errors.join('\n')}`);
  }
  return result;
}

export interface WaitForOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Used in the timeout message. */
  what?: string;
}

/**
 * Calls `fn` until it returns a value other than `undefined`/`false`/`null` without throwing, and
 * returns that value. Rejects after `timeoutMs` with the last error (if any).
 */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  { timeoutMs = 30_000, intervalMs = 100, what = 'condition' }: WaitForOptions = {},
): Promise<Exclude<T, false | null | undefined>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value !== undefined && value !== null && value !== false) {
        return value as Exclude<T, false | null | undefined>;
      }
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${reason}`, { cause: lastError });
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
