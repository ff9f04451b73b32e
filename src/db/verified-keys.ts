// The API keys this API process has verified, kept in memory so that a request costs no key
// lookup in the database (issue 13 item 8: a GET is then one round trip, the payment's row).
//
// Safe only because the cache hears about every change that could make a key invalid: migration
// 006 makes PostgreSQL announce each one (revocation, scopes, expiry, a suspended merchant; by the
// admin CLI or by hand) on the bayar_key_changes channel, and a dedicated connection here LISTENs
// and empties the cache on every notice. The listener is trusted only while it proves that
// notices reach it: a probe notice sent through the pool (another connection, as the admin CLI's
// would be) must come back within HEARTBEAT_TIMEOUT_MS, first before it is trusted, then every
// HEARTBEAT_MS. That catches a connection that died silently and a database URL through a
// transaction-pooling proxy (PgBouncer), where LISTEN succeeds but no notice ever arrives.
// Whenever the listener is not proven, every change may have been missed: the cache is emptied
// and entries live only FALLBACK_TTL_MS, as before LISTEN existed. Expiry needs no notice:
// judgeKey() compares the cached expiresAt with the clock on every request.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { findKey, hashKey, markKeyUsed, type KeyMatch } from './keys.js';
import type { Pool } from './pool.js';

export const KEY_CHANGES_CHANNEL = 'bayar_key_changes';
/** Where the listener's proofs travel (every API process hears every probe; each waits for its own). */
export const PROBE_CHANNEL = 'bayar_key_changes_probe';
/** An entry's life while the listener is healthy: a bound in case a notice is lost anyway; also how often last_used_at moves. */
export const LISTENING_TTL_MS = 60_000;
/** An entry's life while it is not: a change takes effect within this. */
export const FALLBACK_TTL_MS = 1_000;
/** How often the listener proves that notices reach it. */
export const HEARTBEAT_MS = 5_000;
/** How long a probe notice may take to come back. */
export const HEARTBEAT_TIMEOUT_MS = 3_000;
const MAX_CACHED_KEYS = 10_000;

export class VerifiedKeys {
  private readonly cache = new Map<string, { match: KeyMatch | undefined; until: number }>();
  /** Lookups in flight, by hash: concurrent requests with one uncached key share one query. */
  private readonly pending = new Map<string, Promise<KeyMatch | undefined>>();
  /** Bumped by every notice (and every loss of the listener): a lookup that started before one is not cached. */
  private generation = 0;
  private client?: pg.Client;
  private live = false;
  private closed = false;
  private heartbeat?: NodeJS.Timeout;
  private retry?: NodeJS.Timeout;
  private retryMs = 500;
  private probe?: { token: string; heard: () => void };
  /** Key change notices received (tests wait on it). */
  noticesHeard = 0;

  constructor(
    private readonly pool: Pool,
    private readonly url: string,
    private readonly onListenerError: (message: string) => void = () => undefined,
  ) {}

  /** Whether changes are known to reach this process at once (tests and /metrics may ask). */
  get listening(): boolean {
    return this.live;
  }

  /** Starts listening in the background; lookups work meanwhile, with the short fallback life. */
  start(): void {
    void this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    this.drop();
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  /** The key with this secret (revoked and expired ones too: the guard judges), or undefined. Throws when the database cannot say. */
  async lookup(secret: string): Promise<KeyMatch | undefined> {
    const hash = hashKey(secret);
    const cached = this.cache.get(hash);
    if (cached && cached.until > Date.now()) return cached.match;
    const inFlight = this.pending.get(hash);
    if (inFlight) return inFlight;
    const lookup = this.refill(hash, secret).finally(() => {
      if (this.pending.get(hash) === lookup) this.pending.delete(hash);
    });
    this.pending.set(hash, lookup);
    return lookup;
  }

  private async refill(hash: string, secret: string): Promise<KeyMatch | undefined> {
    const generation = this.generation;
    const found = await findKey(this.pool, secret);
    // Unknown keys are never cached, so a key the admin CLI just created works at once; and a
    // key read before a change was announced may be stale, so it serves this request only.
    if (found && generation === this.generation) {
      if (this.cache.size >= MAX_CACHED_KEYS) this.cache.clear();
      this.cache.set(hash, { match: found, until: Date.now() + (this.live ? LISTENING_TTL_MS : FALLBACK_TTL_MS) });
      // Once per refill (per key and cache life), and never in the request's way.
      if (!found.revoked) void markKeyUsed(this.pool, found.keyId).catch(() => undefined);
    } else if (!found) {
      this.cache.delete(hash);
    }
    return found;
  }

  /** Forgets every verified key, and lets no later request join a lookup that began before. */
  private drop(): void {
    this.generation++;
    this.cache.clear();
    this.pending.clear();
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({ connectionString: this.url, application_name: 'bayar-api-key-changes', keepAlive: true, connectionTimeoutMillis: 5_000, query_timeout: 5_000 });
    client.on('notification', (n) => {
      if (n.channel === KEY_CHANGES_CHANNEL) {
        this.noticesHeard++;
        this.drop();
      } else if (n.channel === PROBE_CHANNEL && this.probe && n.payload === this.probe.token) this.probe.heard();
    });
    client.on('error', (err) => this.lost(client, err.message));
    client.on('end', () => this.lost(client, 'connection closed'));
    this.client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${KEY_CHANGES_CHANNEL}; LISTEN ${PROBE_CHANNEL}`);
      if (!(await this.proves())) throw new Error(`a probe notice did not come back within ${HEARTBEAT_TIMEOUT_MS} ms`);
    } catch (err) {
      this.lost(client, (err as Error).message);
      return;
    }
    if (this.client !== client) return;
    // Whatever changed before LISTEN took effect was not heard: start from an empty cache.
    this.drop();
    this.live = true;
    this.retryMs = 500;
    this.heartbeat = setInterval(() => {
      void this.proves().then(
        (ok) => ok || this.lost(client, `a probe notice did not come back within ${HEARTBEAT_TIMEOUT_MS} ms`),
        (err: Error) => this.lost(client, `probe: ${err.message}`),
      );
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** Sends a probe notice through the pool; true when the listener heard it in time. */
  private async proves(): Promise<boolean> {
    const token = randomUUID();
    let timer: NodeJS.Timeout | undefined;
    const heard = new Promise<boolean>((resolve) => {
      this.probe = { token, heard: () => resolve(true) };
      timer = setTimeout(() => resolve(false), HEARTBEAT_TIMEOUT_MS);
      timer.unref();
    });
    try {
      await this.pool.query('SELECT pg_notify($1, $2)', [PROBE_CHANNEL, token]);
      return await heard;
    } finally {
      clearTimeout(timer);
      if (this.probe?.token === token) this.probe = undefined;
    }
  }

  /** The listener is gone (or unproven): forget everything, fall back to short lives, reconnect. */
  private lost(client: pg.Client, why: string): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.live = false;
    clearInterval(this.heartbeat);
    this.drop();
    void client.end().catch(() => undefined);
    if (this.closed) return;
    this.onListenerError(`key change listener lost (${why}); API keys are re-read every ${FALLBACK_TTL_MS} ms until it is back`);
    this.retry = setTimeout(() => void this.connect(), this.retryMs);
    this.retry.unref();
    this.retryMs = Math.min(this.retryMs * 2, 10_000);
  }
}
