// `npm run migrate`: applies the migrations in migrations/ to BAYAR_DATABASE_URL, or, when it
// is unset, to the embedded PostgreSQL under the data dir (started for the run, then stopped).
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from '../config/config.js';
import { postgresDir } from '../dev/stack.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded.js';
import { migrate, readMigrations } from './migrations.js';
import { createPool } from './pool.js';

async function main(): Promise<void> {
  const config = loadConfig();
  let embedded: EmbeddedPostgres | undefined;
  if (config.database.embedded) embedded = await startEmbeddedPostgres({ dir: postgresDir(config), port: config.database.port });
  const pool = createPool(embedded?.url ?? config.database.url!, { name: 'bayar-migrate', max: 1 });
  try {
    const applied = await migrate(pool);
    const latest = readMigrations().at(-1)?.version ?? 0;
    console.log(applied.length > 0 ? `bayar: applied migrations ${applied.join(', ')}; schema at version ${latest}` : `bayar: schema already at version ${latest}`);
  } finally {
    await pool.end();
    await embedded?.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(err instanceof ConfigError ? err.message : err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
