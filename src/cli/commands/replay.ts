/** `campaigns replay`: rebuild the tables from the event log alone. */
import { replayTables } from '../../pipeline/replay.ts';
import { defineCommand } from '../command.ts';
import { emit } from '../io.ts';
import { progressBar } from '../progress-bar.ts';
import { domainName } from '../../domain/domains.ts';
import { domainStoreDir, openStoreForWriting, storedDomains, STORE_FILE, type WritableStore } from '../store-dir.ts';
import { existsSync } from 'node:fs';
import { isPostgresUrl, openPostgresStore, splitSchema } from '../../adapters/postgres/open.ts';
import { DEFAULT_SCHEMA } from '../../adapters/postgres/schema.ts';
import { holdWriterLock } from '../../adapters/postgres/writer-lock.ts';
import path from 'node:path';

export const replayCommand = defineCommand({
  name: 'replay',
  summary: 'rebuild the campaign tables from the event log',
  usage: '--store <dir|postgres://…> [--json]',
  description:
    'Folds the whole event log into fresh campaign tables and replaces the stored ones in one transaction\n' +
    '(readers see the old tables or the new, never a mix). The result equals the tables the runs wrote.\n' +
    'It rewrites the table checkpoints that make --as-of fast as it folds (a store older than them gains them).\n' +
    'Every domain of the store is replayed, the default first (one line each). A PostgreSQL store is\n' +
    'replayed under its writer lock: refused (store_busy) while a pipeline member writes to it.',
  options: {
    store: { type: 'string', required: true, placeholder: 'dir|postgres://…', description: 'store: a SQLite store directory or a PostgreSQL URL' },
    json: { type: 'boolean', description: 'print the summary as one JSON object' },
  },
  async run(opts, { io, clock }) {
    if (isPostgresUrl(opts.store)) {
      // Must exist: a read-only open says store_missing and creates nothing; the writable one
      // would lay out a fresh, empty store.
      await (await openPostgresStore(opts.store, { readonly: true, poolSize: 1 })).close();
      const { connectionString, schema } = splitSchema(opts.store);
      const lock = await holdWriterLock(connectionString, schema ?? DEFAULT_SCHEMA, 'a pipeline member');
      try {
        const store = await openPostgresStore(opts.store, { poolSize: 2, applicationName: 'campaigns replay' });
        try {
          await replayOne(store, null);
        } finally {
          await store.close();
        }
      } finally {
        await lock.release();
      }
      return 0;
    }
    // The store directory's lock covers every domain's store: a run writes them all.
    const { store, close } = openStoreForWriting(opts.store, { mustExist: true });
    try {
      await replayOne(store, null);
      for (const domain of storedDomains(opts.store)) {
        const dir = domainStoreDir(opts.store, domain);
        if (!existsSync(path.join(dir, STORE_FILE))) continue; // met, nothing committed yet
        const sub = openStoreForWriting(dir, { mustExist: true });
        try {
          await replayOne(sub.store, domain);
        } finally {
          sub.close();
        }
      }
      return 0;
    } finally {
      close();
    }

    async function replayOne(store: Pick<WritableStore['store'], 'log' | 'tables' | 'tableCheckpoints'>, domain: string | null): Promise<void> {
      const bar = progressBar(io.stderr, clock, domain === null ? 'replay' : `replay ${domain}`);
      try {
        const s = await replayTables(
          store.log, store.tables, (p) => bar.update(p.events, p.total, `${p.events}/${p.total} events`), store.tableCheckpoints);
        bar.finish();
        // Another domain's line says which: the default domain's stays what it was.
        await emit(io.stdout, opts.json
          ? JSON.stringify(domain === null ? s : { ...s, domain }) + '\n'
          : `rebuilt ${s.rows} campaign rows from ${s.events_folded} events (through sequence ${s.sequence})` +
            (domain === null ? '' : ` in domain ${domainName(domain)}`) + '\n');
      } finally {
        bar.finish();
      }
    }
  },
});
