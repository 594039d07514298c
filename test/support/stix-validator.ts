/**
 * The OASIS STIX 2.1 validator (`stix2-validator` from PyPI) for tests, installed on first use
 * like the other services (services.ts): a Python venv under `$SERVICES_HOME` (default
 * `.services/`, git-ignored) with pinned versions, made once and reused. The `stix2` library
 * comes with it, as an independent implementation of STIX's deterministic SCO ids.
 *
 *   const validator = await requireStixValidator();
 *   const { errors, warnings } = await validator.validate(bundle);
 *
 * A validator that cannot be installed (no python3, no network on first use) is an error,
 * never a skip: the test fails with pip's own message.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const STIX2_VALIDATOR_VERSION = '3.3.2';
export const STIX2_VERSION = '3.0.2';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const HOME = process.env.SERVICES_HOME ?? path.join(REPO_ROOT, '.services');
const VENV = path.join(HOME, `stix2-validator-${STIX2_VALIDATOR_VERSION}`);
const READY = path.join(VENV, 'installed');
const LOCK = `${VENV}.lock`;
/** pip downloads a few MB on first use; later uses find the venv ready. */
const INSTALL_TIMEOUT_MS = 10 * 60_000;
/** A lock this old was left by an install that died: taken over. */
const STALE_LOCK_MS = INSTALL_TIMEOUT_MS + 60_000;

export interface StixValidation {
  readonly valid: boolean;
  /** `<object id>: <what is wrong>`, as the validator words them. */
  readonly errors: readonly string[];
  /** Best-practice findings, each with its check code in braces (`{103}`). */
  readonly warnings: readonly string[];
}

export interface StixValidator {
  validate(bundle: unknown): Promise<StixValidation>;
  /** The ids the `stix2` library derives for these SCOs (their `id` removed first). */
  scoIds(objects: readonly object[]): Promise<string[]>;
}

function run(file: string, args: readonly string[], input: string | null, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        const how = error.killed ? `timed out after ${timeoutMs} ms` : `exited with ${error.code ?? error.signal}`;
        reject(new Error(`${path.basename(file)} ${args.slice(0, 3).join(' ')} ${how}\n${String(stderr).trim()}`));
      } else resolve(String(stdout));
    });
    if (input !== null) child.stdin!.end(input);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One installer at a time across test processes: a lock directory, taken over when stale. */
async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  mkdirSync(HOME, { recursive: true });
  const deadline = Date.now() + STALE_LOCK_MS;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let age = 0;
      try {
        age = Date.now() - statSync(LOCK).mtimeMs;
      } catch {
        continue; // released meanwhile
      }
      if (age > STALE_LOCK_MS) rmSync(LOCK, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`waited too long for ${LOCK}`);
      else await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

async function install(): Promise<void> {
  if (existsSync(READY)) return;
  await withLock(async () => {
    if (existsSync(READY)) return;
    rmSync(VENV, { recursive: true, force: true });
    const python = process.env.PYTHON ?? 'python3';
    await run(python, ['-m', 'venv', VENV], null, 120_000);
    await run(path.join(VENV, 'bin', 'python'), [
      '-m', 'pip', 'install', '--quiet', '--disable-pip-version-check',
      `stix2-validator==${STIX2_VALIDATOR_VERSION}`, `stix2==${STIX2_VERSION}`,
    ], null, INSTALL_TIMEOUT_MS);
    writeFileSync(READY, `stix2-validator==${STIX2_VALIDATOR_VERSION} stix2==${STIX2_VERSION}\n`);
  });
}

const VALIDATE = `
import json, sys
from stix2validator import validate_string, ValidationOptions
r = validate_string(sys.stdin.read(), ValidationOptions(version='2.1'))
print(json.dumps({'valid': r.is_valid, 'errors': [str(e) for e in r.errors], 'warnings': [str(w) for w in r.warnings]}))
`;

const SCO_IDS = `
import json, sys, stix2
objects = json.loads(sys.stdin.read())
print(json.dumps([stix2.parse({k: v for k, v in o.items() if k != 'id'}).id for o in objects]))
`;

let installing: Promise<void> | null = null;

export async function requireStixValidator(): Promise<StixValidator> {
  installing ??= install();
  try {
    await installing;
  } catch (e) {
    installing = null; // a later call may retry
    const where = process.env.CI === 'true' ? ' (CI=true: the validator is required)' : '';
    throw new Error(`the STIX validator could not be installed into ${VENV}${where}:\n${(e as Error).message}`);
  }
  const python = path.join(VENV, 'bin', 'python');
  return {
    async validate(bundle) {
      return JSON.parse(await run(python, ['-c', VALIDATE], JSON.stringify(bundle), 120_000)) as StixValidation;
    },
    async scoIds(objects) {
      return JSON.parse(await run(python, ['-c', SCO_IDS], JSON.stringify(objects), 120_000)) as string[];
    },
  };
}
