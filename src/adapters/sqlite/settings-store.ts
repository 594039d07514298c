/** Store settings as rows of `store_meta`, beside the layout's own bookkeeping keys. */
import type { Database, Statement } from 'better-sqlite3';
import type { StoreSettingKey, StoreSettings } from '../../ports/store-settings.ts';
import { StoreError } from '../../ports/errors.ts';
import { guarded } from './errors.ts';

export class SqliteSettings implements StoreSettings {
  private readonly read: Statement;
  private readonly write: Statement | null;

  constructor(db: Database) {
    this.read = db.prepare('SELECT value FROM store_meta WHERE key = ?');
    this.write = db.readonly ? null : db.prepare('INSERT OR REPLACE INTO store_meta (key, value) VALUES (?, ?)');
  }

  async get(key: StoreSettingKey): Promise<string | null> {
    return guarded(`reading the store setting ${key}`, () => (this.read.get(key) as { value: string } | undefined)?.value ?? null);
  }

  async set(key: StoreSettingKey, value: string): Promise<void> {
    const write = this.write;
    if (write === null) throw new StoreError('unsupported', `writing the store setting ${key}: the store is open read-only`);
    guarded(`writing the store setting ${key}`, () => write.run(key, value));
  }
}
