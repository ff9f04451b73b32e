// One connection pool per process (API, worker, CLI). Plain `pg`: every statement in bayar is
// hand-written SQL with numbered parameters, and every row that comes back is parsed with zod
// in the repository that asked for it (see docs/database.md for why not an ORM).
import pg from 'pg';

// bigint (int8) columns hold rupiah amounts and versions: parse them as JavaScript numbers,
// refusing anything beyond 2^53 instead of silently rounding money.
pg.types.setTypeParser(pg.types.builtins.INT8, (text) => {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error(`bigint ${text} is beyond a safe JavaScript integer`);
  return n;
});

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

export interface PoolOptions {
  /** Connections this process may hold; PostgreSQL's own limit is shared by every process. */
  max?: number;
  /** Application name shown in pg_stat_activity. */
  name: string;
}

export function createPool(url: string, options: PoolOptions): Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    application_name: options.name,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000,
    // A statement that hangs must not hold an API request or an activity forever.
    statement_timeout: 15_000,
  });
  // An idle connection that the server closes (restart, failover) emits 'error' on the pool;
  // without a listener that would crash the process. The next query simply opens a new one.
  pool.on('error', (err) => console.error(`bayar: database connection lost: ${err.message}`));
  return pool;
}

/** Runs `fn` in one transaction; rolled back on any error. */
/**
 * `begin` opens the transaction: `BEGIN`, or `BEGIN` with settings the transaction needs, sent
 * as one simple query (one round trip; src/db/records.repository.ts).
 */
export async function inTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
  const client = await pool.connect();
  // A checked-out client has none of the pool's listeners: a connection the server cuts
  // mid-transaction (a PostgreSQL crash or restart) emits 'error' on it, which unhandled would
  // crash the whole process (the cluster chaos drill did that to both workers). The statement in
  // flight fails anyway; the broken connection is handed back as such, so the pool drops it.
  let lost: Error | undefined;
  const onError = (err: Error) => {
    lost = err;
    console.error(`bayar: database connection lost during a transaction: ${err.message}`);
  };
  client.on('error', onError);
  try {
    await client.query(begin);
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    if (!lost) await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.removeListener('error', onError);
    client.release(lost);
  }
}
