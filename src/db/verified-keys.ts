// The API keys this API process has verified, kept in memory so that a request costs no key
// lookup in the database (issue 13 item 8: a GET is then one round trip, the payment's row).
//
// Safe only because the cache hears about every change that could make a key invalid: migration
// 005 makes PostgreSQL announce each one (revocation, scopes, expiry, a suspended merchant; by the
// admin CLI or by hand) on the bayar_key_changes channel, and a dedicated connection here LISTENs
// and empties the cache on every notice. Whenever that connection is not known to be healthy
// (not connected yet, lost, its heartbeat unanswered), every change may have been missed: the
// cache is emptied and entries live only FALLBACK_TTL_MS, as before LISTEN existed. Expiry needs no
// notice: judgeKey() compares the cached expiresAt with the clock on every request.
import pg from 'pg';
import { findKey, hashKey, markKeyUsed, type KeyMatch } from './keys.js';
import type { Pool } from './pool.js';

export const KEY_CHANGES_CHANNEL = 'bayar_key_changes';
/** An entry's life while the listener is healthy: a bound in case a notice is lost anyway; also how often last_used_at moves. */
export const LISTENING_TTL_MS = 60_000;
/** An entry's life while it is not: a change takes effect within this. */
export const FALLBACK_TTL_MS = 1_000;
/** How often the listening connection proves it is alive (a silently dead TCP connection delivers no notices). */
export const HEARTBEAT_MS = 5_000;
const HEARTBEAT_TIMEOUT_MS = 3_000;
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
    const lookup = this.refill(hash, secret).finally(() => this.pending.delete(hash));
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

  /** Forgets every verified key. */
  private drop(): void {
    this.generation++;
    this.cache.clear();
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({ connectionString: this.url, application_name: 'bayar-api-key-changes', keepAlive: true, connectionTimeoutMillis: 5_000, query_timeout: HEARTBEAT_TIMEOUT_MS });
    client.on('notification', (n) => {
      if (n.channel === KEY_CHANGES_CHANNEL) this.drop();
    });
    client.on('error', (err) => this.lost(client, err.message));
    client.on('end', () => this.lost(client, 'connection closed'));
    this.client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${KEY_CHANGES_CHANNEL}`);
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
      client.query('SELECT 1').catch((err: Error) => this.lost(client, `heartbeat: ${err.message}`));
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
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
