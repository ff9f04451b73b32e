// The reads part of `npm run bench` (issue 13 item 8): GET /v1/payments/:id and the list over
// many stored payments, answered from the system of record (the stack's embedded PostgreSQL),
// and what one payment costs the database in bytes.
//
// Seeding goes straight into the real schema with one INSERT … SELECT generate_series per table
// (seconds, not the hours 100,000 payments through Temporal would take). Seeded rows belong to
// one merchant of their own, BENCH_MERCHANT, whose references start with "bench-seed-": bench
// data is never mixed with a real merchant's. Each seeded payment copies a payment that went
// through the whole stack in this run (its view and its transitions), so rows have real sizes.
import type { TestStack } from '../test/helpers/stack.js';
import { createPool, type Pool } from '../src/db/pool.js';
import { floorGets } from './bench-floor.js';

export const BENCH_MERCHANT = 'bench-reads';
/** Its development key (BAYAR_API_KEYS of the bench's stack): bench data only, never a real merchant. */
export const BENCH_MERCHANT_KEY = 'sk_test_bench_reads_merchant_key_0001';

/** Tables holding a payment's record: its row, transitions, refunds, notices, events, ledger, audit. */
const PAYMENT_TABLES = ['payments', 'payment_transitions', 'refunds', 'provider_notifications', 'merchant_events', 'merchant_event_deliveries', 'ledger_entries', 'audit_log'];

type Stats = { n: number; p50: number; p95: number; p99: number; max: number };
const round = (x: number) => Math.round(x * 10) / 10;
function stats(values: number[]): Stats {
  const v = [...values].sort((a, b) => a - b);
  const at = (q: number) => (v.length ? v[Math.min(v.length - 1, Math.floor(q * v.length))]! : NaN);
  return { n: v.length, p50: round(at(0.5)), p95: round(at(0.95)), p99: round(at(0.99)), max: round(v[v.length - 1] ?? NaN) };
}

async function tableBytes(pool: Pool): Promise<Record<string, number>> {
  const { rows } = await pool.query<{ t: string; bytes: string }>(`SELECT t, pg_total_relation_size(t::regclass)::text AS bytes FROM unnest($1::text[]) AS t`, [PAYMENT_TABLES]);
  return Object.fromEntries(rows.map((r) => [r.t, Number(r.bytes)]));
}

/** Bytes per payment, table by table (heap + TOAST + every index), and in all. */
function perPayment(before: Record<string, number>, after: Record<string, number>, payments: number) {
  const byTable = Object.fromEntries(PAYMENT_TABLES.map((t) => [t, Math.round(((after[t] ?? 0) - (before[t] ?? 0)) / payments)]));
  return { payments, totalBytes: Object.values(byTable).reduce((a, b) => a + b, 0), byTable };
}

/**
 * Seeds `count` payments for BENCH_MERCHANT, each a copy of the settled payment `templateId`
 * (its view and its transitions) with its own id, reference, amount, provider, method, status
 * and creation time (spread over the last 90 days, newest first), in one transaction.
 */
async function seed(pool: Pool, templateId: string, count: number): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // Bulk statements outlast the pool's 15 s guard on a busy machine; this transaction only.
    await client.query('SET LOCAL statement_timeout = 0');
    // Status mix of a merchant's history: mostly settled, some expired/pending/refunded.
    await client.query(
      `CREATE TEMP TABLE bench_seed ON COMMIT DROP AS
       SELECT g,
              'pay_' || substr(md5('bench-seed-' || g), 1, 24) AS id,
              'bench-seed-' || g AS ref,
              (ARRAY['xendit', 'midtrans', 'doku', 'xendit', 'midtrans'])[1 + g % 5] AS provider,
              (ARRAY['QRIS', 'VA_BCA', 'VA_MANDIRI', 'EWALLET_OVO', 'VA_BNI', 'QRIS', 'VA_BRI'])[1 + g % 7] AS method,
              CASE WHEN g % 50 = 0 THEN 'REFUNDED' WHEN g % 10 = 1 THEN 'PENDING' WHEN g % 10 IN (2, 3) THEN 'EXPIRED' ELSE 'SETTLED' END AS status,
              (10000 + (g * 7919) % 5000000)::bigint AS amount,
              now() - (g * interval '77 seconds') AS created
         FROM generate_series(1, $1::int) AS g`,
      [count],
    );
    await client.query(
      `INSERT INTO payments (id, merchant_id, merchant_reference, provider, method, currency, status, amount_expected, amount_paid, amount_refunded,
                             provider_reference, version, view, request_hash, created_at, updated_at, expires_at, paid_at, settled_at)
       SELECT s.id, $2, s.ref, s.provider, s.method, 'IDR', s.status, s.amount,
              CASE WHEN s.status IN ('SETTLED', 'REFUNDED') THEN s.amount ELSE 0 END,
              CASE WHEN s.status = 'REFUNDED' THEN s.amount ELSE 0 END,
              'bench-' || s.g, t.version,
              t.view || jsonb_build_object('id', s.id, 'merchantId', $2::text, 'merchantReference', s.ref, 'provider', s.provider, 'method', s.method, 'status', s.status,
                                           'createdAt', s.created, 'amounts', jsonb_build_object('expected', s.amount,
                                             'paid', CASE WHEN s.status IN ('SETTLED', 'REFUNDED') THEN s.amount ELSE 0 END,
                                             'refunded', CASE WHEN s.status = 'REFUNDED' THEN s.amount ELSE 0 END,
                                             'refundPending', 0, 'refundable', CASE WHEN s.status = 'SETTLED' THEN s.amount ELSE 0 END)),
              t.request_hash, s.created, s.created + interval '40 seconds', s.created + interval '1 day',
              CASE WHEN s.status IN ('SETTLED', 'REFUNDED') THEN s.created + interval '30 seconds' END,
              CASE WHEN s.status IN ('SETTLED', 'REFUNDED') THEN s.created + interval '40 seconds' END
         FROM bench_seed s, payments t WHERE t.id = $1`,
      [templateId, BENCH_MERCHANT],
    );
    await client.query(
      `INSERT INTO payment_transitions (payment_id, version, status, status_reason, amount_paid, amount_refunded, entries, recorded_at)
       SELECT s.id, tr.version, tr.status, tr.status_reason, tr.amount_paid, tr.amount_refunded, tr.entries, s.created
         FROM bench_seed s, payment_transitions tr WHERE tr.payment_id = $1`,
      [templateId],
    );
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
  const client2 = await pool.connect();
  try {
    await client2.query('SET statement_timeout = 0');
    await client2.query('ANALYZE payments; ANALYZE payment_transitions');
    await client2.query('RESET statement_timeout');
  } finally {
    client2.release();
  }
}

/** The list requests measured, each a kind a merchant's dashboard or reconciliation makes. */
function listKinds(ids: string[], deepToken: string): Record<string, () => string> {
  const day = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString();
  const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)]!;
  const n = () => 1 + Math.floor(Math.random() * 100_000);
  return {
    'first page (20)': () => '/v1/payments',
    'first page (100)': () => '/v1/payments?limit=100',
    'status=PENDING': () => '/v1/payments?status=PENDING',
    'status=REFUNDED (2%)': () => '/v1/payments?status=REFUNDED',
    'provider=doku': () => '/v1/payments?provider=doku',
    'provider+method': () => '/v1/payments?provider=midtrans&method=VA_BCA',
    // Filters that match nothing: without an index that leads with the filtered column, every
    // one of the merchant's rows is read to find that out.
    'provider with no payments': () => '/v1/payments?provider=indodana',
    'method with no payments': () => '/v1/payments?method=RETAIL_ALFAMART',
    'created: one day, 30 days ago': () => `/v1/payments?createdFrom=${day(31)}&createdTo=${day(30)}`,
    'updated: one day, 60 days ago': () => `/v1/payments?updatedFrom=${day(61)}&updatedTo=${day(60)}`,
    'amount range (~1%)': () => '/v1/payments?amountMin=1000000&amountMax=1050000',
    'amount range with no payments': () => '/v1/payments?amountMin=9000000&amountMax=9050000',
    reference: () => `/v1/payments?reference=bench-seed-${n()}`,
    'batch: 20 references': () => `/v1/payments?references=${Array.from({ length: 20 }, () => `bench-seed-${n()}`).join(',')}`,
    'batch: 20 ids': () => `/v1/payments?ids=${Array.from({ length: 20 }, () => pick(ids)).join(',')}`,
    'next page, 1,000 rows deep': () => `/v1/payments?limit=100&pageToken=${encodeURIComponent(deepToken)}`,
  };
}

/** The list statement's plan for each filter, as PostgreSQL runs it (EXPLAIN ANALYZE), in short. */
async function explainLists(pool: Pool, someId: string): Promise<Record<string, { ms: number; plan: string }>> {
  const cols = 'id, status, provider, method, merchant_reference, amount_expected, amount_paid, amount_refunded, created_at, updated_at, expires_at';
  const statements: Record<string, [string, unknown[]]> = {
    'GET one payment': [
      // As findPaymentJson asks it (src/db/reads.repository.ts).
      `SELECT view::text AS view, view - 'timeline' AS summary, jsonb_typeof(view->'timeline') AS timeline_type FROM payments WHERE id = $1 AND merchant_id = $2`,
      [someId, BENCH_MERCHANT],
    ],
    'first page (20)': [`SELECT ${cols} FROM payments WHERE merchant_id = $1 ORDER BY created_at DESC, id DESC LIMIT 21`, [BENCH_MERCHANT]],
    'status=REFUNDED': [`SELECT ${cols} FROM payments WHERE merchant_id = $1 AND status = $2 ORDER BY created_at DESC, id DESC LIMIT 21`, [BENCH_MERCHANT, 'REFUNDED']],
    'provider+method': [`SELECT ${cols} FROM payments WHERE merchant_id = $1 AND provider = $2 AND method = $3 ORDER BY created_at DESC, id DESC LIMIT 21`, [BENCH_MERCHANT, 'midtrans', 'VA_BCA']],
    // As src/db/reads.repository.ts asks it: with the created_at bound that updatedTo implies.
    'updated range': [
      `SELECT ${cols} FROM payments WHERE merchant_id = $1 AND updated_at >= $2 AND updated_at < $3 AND created_at < $3::timestamptz + interval '1 hour' ORDER BY created_at DESC, id DESC LIMIT 21`,
      [BENCH_MERCHANT, new Date(Date.now() - 61 * 86_400_000), new Date(Date.now() - 60 * 86_400_000)],
    ],
    'method with no payments': [`SELECT ${cols} FROM payments WHERE merchant_id = $1 AND method = $2 ORDER BY created_at DESC, id DESC LIMIT 21`, [BENCH_MERCHANT, 'RETAIL_ALFAMART']],
    'amount range': [
      `SELECT ${cols} FROM payments WHERE merchant_id = $1 AND amount_expected >= $2 AND amount_expected <= $3 ORDER BY created_at DESC, id DESC LIMIT 21`,
      [BENCH_MERCHANT, 1_000_000, 1_050_000],
    ],
    'amount range, none': [
      `SELECT ${cols} FROM payments WHERE merchant_id = $1 AND amount_expected >= $2 AND amount_expected <= $3 ORDER BY created_at DESC, id DESC LIMIT 21`,
      [BENCH_MERCHANT, 9_000_000, 9_050_000],
    ],
    'provider with no payments': [`SELECT ${cols} FROM payments WHERE merchant_id = $1 AND provider = $2 ORDER BY created_at DESC, id DESC LIMIT 21`, [BENCH_MERCHANT, 'indodana']],
  };
  const out: Record<string, { ms: number; plan: string }> = {};
  for (const [name, [sql, params]] of Object.entries(statements)) {
    const { rows } = await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params);
    const lines = rows.map((r) => r['QUERY PLAN']);
    const ms = Number(/Execution Time: ([\d.]+)/.exec(lines.join('\n'))?.[1] ?? NaN);
    out[name] = {
      ms,
      plan: lines
        .filter((l) => !/^\s*(Planning|Execution|Buffers)/.test(l))
        .map((l) => l.trim())
        .join(' | '),
    };
  }
  return out;
}

export interface ReadsOptions {
  /** Payments to seed (100,000 by default). */
  seed: number;
  /** GET and list requests each per second (the bench's open-loop rate). */
  rate: number;
  /** How many of each to send. */
  requests: number;
  /** Per-process CPU over the paced requests only (bench.ts's ProcessMeter), not the seeding. */
  meter?: { start(): void; stop(): Record<string, { cpuSeconds: number }> };
}

/** Transactions PostgreSQL has counted in bayar's database: every autocommit statement is one. */
async function transactions(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(`SELECT (xact_commit + xact_rollback)::text AS n FROM pg_stat_database WHERE datname = current_database()`);
  return Number(rows[0]!.n);
}

export async function benchReads(stack: TestStack, options: ReadsOptions, log: (line: string) => void = console.log) {
  const pool = createPool(stack.databaseUrl, { name: 'bayar-bench', max: 2 });
  try {
    // 1. What the payments this run made through the whole stack cost, per payment.
    const empty = Object.fromEntries(PAYMENT_TABLES.map((t) => [t, 0]));
    const before = await tableBytes(pool);
    const real = (await pool.query<{ n: string }>('SELECT count(*)::text AS n FROM payments')).rows[0]!.n;
    const realPerPayment = perPayment(empty, before, Number(real));
    const template = (await pool.query<{ id: string }>(`SELECT id FROM payments WHERE status = 'SETTLED' AND merchant_id <> $1 ORDER BY created_at DESC LIMIT 1`, [BENCH_MERCHANT])).rows[0]?.id;
    if (!template) throw new Error('bench reads: no settled payment to copy (the warm-up makes some)');

    // 2. Seed, and what a seeded payment (row + transitions) costs.
    log(`bench reads: seeding ${options.seed} payments for merchant ${BENCH_MERCHANT}…`);
    const s = performance.now();
    await seed(pool, template, options.seed);
    const seedSeconds = round((performance.now() - s) / 1000);
    const seededPerPayment = perPayment(before, await tableBytes(pool), options.seed);
    log(`bench reads: seeded in ${seedSeconds} s`);

    // 3. Plans, then the open loop: one GET and one list request every 1/rate seconds.
    const ids = (await pool.query<{ id: string }>(`SELECT id FROM payments WHERE merchant_id = $1 ORDER BY random() LIMIT 1000`, [BENCH_MERCHANT])).rows.map((r) => r.id);
    const plans = await explainLists(pool, ids[0]!);
    const key = { key: BENCH_MERCHANT_KEY };
    let token = '';
    for (let page = 0; page < 10; page++) {
      const res = await stack.api('GET', `/v1/payments?limit=100${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`, undefined, key);
      if (res.status !== 200) throw new Error(`list ${res.status}: ${res.text}`);
      token = res.json.nextPageToken;
    }
    const kinds = listKinds(ids, token);
    const kindNames = Object.keys(kinds);
    const gets: number[] = [];
    const lists = new Map<string, number[]>(kindNames.map((k) => [k, []]));
    // Each GET is sent together with one list request: its time by the kind it was paired with
    // shows how much of the GET's tail is queueing behind the list's work in the same process.
    const getsByPairedKind = new Map<string, number[]>(kindNames.map((k) => [k, []]));
    // The API's own time per request (its x-bayar-latency header: first middleware to the
    // response head): what is left of the client's time is the wire, the client and waiting for a CPU.
    const getsInApi: number[] = [];
    const listsInApi: number[] = [];
    const failures: string[] = [];
    const timed = async (path: string, into: number[], inApi: number[], alsoInto?: number[]) => {
      const t = performance.now();
      const res = await stack.api('GET', path, undefined, key);
      const ms = performance.now() - t;
      into.push(ms);
      alsoInto?.push(ms);
      const apiMs = Number(res.headers.get('x-bayar-latency'));
      if (Number.isFinite(apiMs)) inApi.push(apiMs);
      if (res.status !== 200 && failures.length < 5) failures.push(`${path} → ${res.status} ${res.text.slice(0, 200)}`);
    };
    // Backends report their counts to the statistics when idle, at most once a second and at
    // the latest after PGSTAT_IDLE_INTERVAL (10 s): wait that out before reading them.
    const settleStats = () => new Promise((r) => setTimeout(r, 11_000));
    await settleStats();
    const xactBefore = await transactions(pool);
    const loadBefore = (await import('node:os')).loadavg();
    options.meter?.start();
    const t0 = performance.now();
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < options.requests; i++) {
      const wait = t0 + (i * 1000) / options.rate - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const kind = kindNames[i % kindNames.length]!;
      inFlight.push(timed(`/v1/payments/${ids[i % ids.length]}`, gets, getsInApi, getsByPairedKind.get(kind)), timed(kinds[kind]!(), lists.get(kind)!, listsInApi));
    }
    await Promise.all(inFlight);
    const elapsedMs = performance.now() - t0;
    const cpu = options.meter?.stop();
    // The machine's floor under the same conditions, right after (scripts/bench-floor.ts).
    const floor = await floorGets(stack.databaseUrl, ids, options.rate, options.requests);
    const loadAfter = (await import('node:os')).loadavg();
    await settleStats();
    // Minus the two statements of these readings themselves.
    const xactPerPair = round((((await transactions(pool)) - xactBefore - 2) / options.requests) * 100) / 100;
    if (failures.length) throw new Error(`bench reads: requests failed:\n${failures.join('\n')}`);
    const achieved = round(options.requests / (elapsedMs / 1000));
    const all = [...lists.values()].flat();
    return {
      storedPayments: Number(real) + options.seed,
      seed: { payments: options.seed, seconds: seedSeconds, merchant: BENCH_MERCHANT },
      rate: { target: options.rate, achieved },
      loadAverageDuringRequests: { before: loadBefore.map(round), after: loadAfter.map(round) },
      // One GET and one list request per pair; the list is one statement, so a GET costs this minus one.
      postgresTransactionsPerGetAndListPair: xactPerPair,
      cpuMsPerGetAndListPair: cpu ? Object.fromEntries(Object.entries(cpu).map(([name, u]) => [name, round((u.cpuSeconds * 1000) / options.requests)])) : undefined,
      getMs: stats(gets),
      getInApiMs: stats(getsInApi),
      // The same GETs against a bare Node server reading the same rows (no bayar): the machine's floor.
      floorGetMs: stats(floor),
      listMs: stats(all),
      listInApiMs: stats(listsInApi),
      listByKindMs: Object.fromEntries([...lists].map(([k, v]) => [k, stats(v)])),
      getByPairedListKindMs: Object.fromEntries([...getsByPairedKind].map(([k, v]) => [k, stats(v)])),
      databaseBytesPerPayment: {
        // The seeded rows are a payment's row and transitions; the other tables' share comes from
        // the payments made through the whole stack (small tables: an overestimate, by page overhead).
        estimate:
          seededPerPayment.byTable.payments! +
          seededPerPayment.byTable.payment_transitions! +
          PAYMENT_TABLES.filter((t) => t !== 'payments' && t !== 'payment_transitions').reduce((a, t) => a + realPerPayment.byTable[t]!, 0),
        throughTheStack: realPerPayment,
        seeded: seededPerPayment,
      },
      plans,
    };
  } finally {
    await pool.end();
  }
}
