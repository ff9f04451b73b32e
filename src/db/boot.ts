// What the API and the worker do first: find the database and refuse to start on a schema
// older than their code, with a message that says what to run.
import type { AppConfig } from '../config/config.js';
import { ConfigError } from '../config/config.js';
import { checkSchema } from './migrations.js';
import { createPool, type Pool } from './pool.js';

export function databaseUrl(config: AppConfig): string {
  if (!config.database.url) {
    throw new ConfigError('bayar: invalid configuration\n  - BAYAR_DATABASE_URL is not set (`npm start` runs an embedded PostgreSQL and sets it; in production point it at yours)');
  }
  return config.database.url;
}

/** A pool for this process, once the schema is known to be current. */
export async function openCheckedPool(config: AppConfig, name: string, max?: number): Promise<Pool> {
  const pool = createPool(databaseUrl(config), { name, ...(max ? { max } : {}) });
  try {
    await checkSchema(pool);
  } catch (err) {
    await pool.end();
    throw err;
  }
  return pool;
}
