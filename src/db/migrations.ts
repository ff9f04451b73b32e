// Versioned schema migrations: migrations/NNN_name.sql, applied in order, each in its own
// transaction, recorded in schema_migrations. `npm run migrate` and the dev stack apply them;
// the API and the worker only check, and refuse to start on a schema older than their code.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { Pool } from './pool.js';

/** The repository's migrations/ folder (from dist/src/db/ or src/db/). */
export const MIGRATIONS_DIR = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../../migrations/' : '../../migrations/', import.meta.url));

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const migrations = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .map((file) => {
      const match = /^(\d{3})_([a-z0-9_]+)\.sql$/.exec(file);
      if (!match) throw new Error(`migration file "${file}" is not named NNN_name.sql`);
      return { version: Number(match[1]), name: match[2]!, sql: readFileSync(join(dir, file), 'utf8') };
    })
    .sort((a, b) => a.version - b.version);
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migrations must be numbered 001, 002, … without gaps; found ${String(m.version).padStart(3, '0')} at position ${i + 1}`);
  });
  return migrations;
}

export class SchemaBehindError extends Error {}

// Any fixed number: it keeps two migrators (two API replicas starting at once) from racing.
const MIGRATION_LOCK = 0x62617961; // "baya"

/** Applies every migration not applied yet; returns the versions it applied. */
export async function migrate(pool: Pool, migrations = readMigrations()): Promise<number[]> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const done = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    const applied: number[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${String(m.version).padStart(3, '0')}_${m.name} failed: ${(err as Error).message}`);
      }
      applied.push(m.version);
    }
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    client.release();
  }
}

/** Boot check: throws SchemaBehindError with what to do when the database lacks a migration. */
export async function checkSchema(pool: Pool, migrations = readMigrations()): Promise<void> {
  const latest = migrations.at(-1)?.version ?? 0;
  const exists = await pool.query<{ t: string | null }>(`SELECT to_regclass('schema_migrations')::text AS t`);
  const current = exists.rows[0]?.t ? ((await pool.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations')).rows[0]?.v ?? 0) : 0;
  if (current < latest) {
    throw new SchemaBehindError(`bayar: the database schema is at version ${current}, this build needs ${latest}: run \`npm run migrate\` (with the same BAYAR_DATABASE_URL) first`);
  }
  if (current > latest) {
    // A newer build migrated further: the old code may still run (migrations only add), but say so.
    console.warn(`bayar: the database schema is at version ${current}, newer than this build's ${latest}`);
  }
}
