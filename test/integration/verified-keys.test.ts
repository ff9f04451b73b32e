// The API's cache of verified keys (src/db/verified-keys.ts) on a real PostgreSQL: a cached key
// costs no query, and every change that can invalidate a key — revocation, a suspended merchant,
// by the admin CLI's functions or by hand in SQL — empties the cache at once over LISTEN/NOTIFY
// (migration 006), far within the cache's own life; a lost listener falls back to short lives.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded.js';
import { createPool, type Pool } from '../../src/db/pool.js';
import { migrate } from '../../src/db/migrations.js';
import { createKey, revokeKey } from '../../src/db/keys.js';
import { createMerchant, setMerchantStatus } from '../../src/db/merchants.js';
import { FALLBACK_TTL_MS, HEARTBEAT_TIMEOUT_MS, LISTENING_TTL_MS, VerifiedKeys } from '../../src/db/verified-keys.js';
import { freePort } from '../helpers/stack.js';
import { eventually, until } from '../helpers/wait.js';

let pg: EmbeddedPostgres;
let pool: Pool;
let parent: string;
let keys: VerifiedKeys;
/** The key's lookup once the cache has heard what `done` waits for (a notice arrives within ms; 5 s at most). */
const heard = (secret: string, done: (m: Awaited<ReturnType<VerifiedKeys['lookup']>>) => boolean) => eventually(() => keys.lookup(secret), done, 5_000);
/** Statements the cache sent, by their first words. */
const sent: string[] = [];

before(async () => {
  parent = mkdtempSync(join(tmpdir(), 'bayar-pg-keys-'));
  chmodSync(parent, 0o755);
  pg = await startEmbeddedPostgres({ dir: join(parent, 'data'), port: await freePort(), ephemeral: true });
  pool = createPool(pg.url, { name: 'verified-keys-test', max: 5 });
  await migrate(pool);
  // The cache's own pool, counting what it asks.
  const counting = Object.create(pool) as Pool;
  counting.query = ((q: string | { text: string }, ...rest: unknown[]) => {
    sent.push((typeof q === 'string' ? q : q.text).trim().split(/\s+/).slice(0, 2).join(' '));
    return (pool.query as (...a: unknown[]) => unknown)(q, ...rest);
  }) as Pool['query'];
  keys = new VerifiedKeys(counting, pg.url);
  keys.start();
  await until(() => keys.listening || undefined, 10_000);
});

after(async () => {
  await keys?.close();
  await pool?.end();
  await pg?.stop();
  rmSync(parent, { recursive: true, force: true });
});

const lookups = () => sent.filter((s) => s.startsWith('SELECT k.id')).length;

describe('verified API keys', () => {
  it('a key is read once, then answered from memory; an unknown key is read every time', async () => {
    await createMerchant(pool, { id: 'shop-cache' });
    const { secret } = await createKey(pool, { merchantId: 'shop-cache', scopes: ['payments:read'] });
    const before = lookups();
    const [a, b] = await Promise.all([keys.lookup(secret), keys.lookup(secret)]);
    assert.equal(a?.merchantId, 'shop-cache');
    assert.deepEqual(b, a, 'two requests at once share one lookup');
    for (let i = 0; i < 5; i++) assert.equal((await keys.lookup(secret))?.merchantId, 'shop-cache');
    assert.equal(lookups() - before, 1);
    // last_used_at is written once per refill, and its own write announces nothing.
    await until(() => sent.some((s) => s === 'UPDATE api_keys') || undefined, 5_000);
    await new Promise((r) => setTimeout(r, 300));
    await keys.lookup(secret);
    assert.equal(lookups() - before, 1, 'the last_used_at write did not empty the cache');

    assert.equal(await keys.lookup('sk_live_no_such_key'), undefined);
    assert.equal(await keys.lookup('sk_live_no_such_key'), undefined);
    assert.equal(lookups() - before, 3, 'unknown keys are never cached');
  });

  it('a revocation reaches the cache at once (long before the cache life), and so does a suspended merchant', async () => {
    await createMerchant(pool, { id: 'shop-revoke' });
    const one = await createKey(pool, { merchantId: 'shop-revoke' });
    const two = await createKey(pool, { merchantId: 'shop-revoke' });
    assert.equal((await keys.lookup(one.secret))?.revoked, false);
    assert.equal((await keys.lookup(two.secret))?.merchantActive, true);
    const revokedAt = Date.now();
    await revokeKey(pool, one.key.id);
    const seen = await eventually(
      () => keys.lookup(one.secret),
      (m) => m?.revoked === true,
      5_000,
    );
    assert.equal(seen?.revoked, true);
    assert.ok(Date.now() - revokedAt < LISTENING_TTL_MS / 10, `took ${Date.now() - revokedAt} ms`);

    await setMerchantStatus(pool, 'shop-revoke', 'SUSPENDED');
    assert.equal((await heard(two.secret, (m) => m?.merchantActive === false))?.merchantActive, false);
    await setMerchantStatus(pool, 'shop-revoke', 'ACTIVE');
    assert.equal((await heard(two.secret, (m) => m?.merchantActive === true))?.merchantActive, true);
  });

  it('a change made by hand in SQL is heard too (the trigger, not the CLI, announces it)', async () => {
    await createMerchant(pool, { id: 'shop-sql' });
    const k = await createKey(pool, { merchantId: 'shop-sql', scopes: ['payments:read', 'refunds'] });
    assert.deepEqual((await keys.lookup(k.secret))?.scopes, ['payments:read', 'refunds']);
    await pool.query(`UPDATE api_keys SET scopes = '{payments:read}' WHERE id = $1`, [k.key.id]);
    assert.deepEqual((await heard(k.secret, (m) => m?.scopes.length === 1))?.scopes, ['payments:read']);
  });

  it('a lost listener empties the cache and falls back to short lives until it is back', async () => {
    await createMerchant(pool, { id: 'shop-lost' });
    const k = await createKey(pool, { merchantId: 'shop-lost' });
    await keys.lookup(k.secret);
    const before = lookups();
    await pool.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'bayar-api-key-changes'`);
    await until(() => !keys.listening || undefined, 5_000);
    await keys.lookup(k.secret);
    assert.equal(lookups() - before, 1, 'nothing cached before the loss is trusted after it');
    await until(() => keys.listening || undefined, 10_000);
    // Listening again: a revocation is heard again.
    await revokeKey(pool, k.key.id);
    assert.equal((await heard(k.secret, (m) => m?.revoked === true))?.revoked, true);
  });

  it('a listener that hears no notices (as through a transaction-pooling proxy) is never trusted: keys are re-read every second', async () => {
    await createMerchant(pool, { id: 'shop-deaf' });
    const k = await createKey(pool, { merchantId: 'shop-deaf' });
    // Its probes never reach the server, as notices never reach a LISTEN through PgBouncer's transaction mode.
    let reads = 0;
    const deafPool = Object.create(pool) as Pool;
    deafPool.query = ((q: string | { text: string }, ...rest: unknown[]) => {
      const text = typeof q === 'string' ? q : q.text;
      if (text.includes('pg_notify')) return Promise.resolve({ rows: [], rowCount: 1 });
      if (text.includes('FROM api_keys')) reads++;
      return (pool.query as (...a: unknown[]) => unknown)(q, ...rest);
    }) as Pool['query'];
    const deaf = new VerifiedKeys(deafPool, pg.url);
    deaf.start();
    try {
      await new Promise((r) => setTimeout(r, HEARTBEAT_TIMEOUT_MS + 500));
      assert.equal(deaf.listening, false);
      await deaf.lookup(k.secret);
      await deaf.lookup(k.secret);
      assert.equal(reads, 1, 'cached for the fallback life');
      await new Promise((r) => setTimeout(r, FALLBACK_TTL_MS + 100));
      await deaf.lookup(k.secret);
      assert.equal(reads, 2, 'and no longer');
    } finally {
      await deaf.close();
    }
  });

  it('a lookup that began before a change serves only its own request: later requests read again, and nothing stale is cached', async () => {
    await createMerchant(pool, { id: 'shop-race' });
    const k = await createKey(pool, { merchantId: 'shop-race' });
    // The first key read runs at once but answers only when released: it saw the key unrevoked.
    let release!: () => void;
    let gate: Promise<void> | undefined = new Promise((r) => (release = r));
    let firstRead = false;
    let reads = 0;
    const slow = Object.create(pool) as Pool;
    slow.query = (async (q: string | { text: string }, ...rest: unknown[]) => {
      const text = typeof q === 'string' ? q : q.text;
      const held = text.includes('FROM api_keys') ? gate : undefined;
      if (text.includes('FROM api_keys')) {
        gate = undefined;
        reads++;
      }
      const res = await (pool.query as (...a: unknown[]) => Promise<unknown>)(q, ...rest);
      if (held) {
        firstRead = true;
        await held;
      }
      return res;
    }) as Pool['query'];
    const racing = new VerifiedKeys(slow, pg.url);
    racing.start();
    try {
      await until(() => racing.listening || undefined, 10_000);
      const early = racing.lookup(k.secret);
      await until(() => firstRead || undefined, 5_000);
      const heard = racing.noticesHeard;
      await revokeKey(pool, k.key.id);
      await until(() => racing.noticesHeard > heard || undefined, 5_000);
      const late = await racing.lookup(k.secret);
      assert.equal(late?.revoked, true, 'a request after the notice did not join the earlier lookup');
      release();
      assert.equal((await early)?.revoked, false, 'the early lookup answered what it read, for its own request');
      assert.equal((await racing.lookup(k.secret))?.revoked, true);
      assert.equal(reads, 2, 'the revoked key was cached from the late read; the early answer was not');
    } finally {
      release();
      await racing.close();
    }
  });
});
