/** Store settings as rows of the schema's `store_meta`, beside the layout's own bookkeeping keys. */
import type { Pool } from 'pg';
import type { StoreSettingKey, StoreSettings } from '../../ports/store-settings.ts';
import { guarded } from './errors.ts';
import type { TableNames } from './schema.ts';

export class PostgresSettings implements StoreSettings {
  constructor(private readonly pool: Pool, private readonly t: TableNames) {}

  async get(key: StoreSettingKey): Promise<string | null> {
    return guarded(`reading the store setting ${key}`, async () => {
      const r = await this.pool.query<{ value: string }>(`SELECT value FROM ${this.t.meta} WHERE key = $1`, [key]);
      return r.rows[0]?.value ?? null;
    });
  }

  async set(key: StoreSettingKey, value: string): Promise<void> {
    await guarded(`writing the store setting ${key}`, async () => {
      await this.pool.query(
        `INSERT INTO ${this.t.meta} (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
        [key, value]);
    });
  }
}
