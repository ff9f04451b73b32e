// The system of record's repositories on a real PostgreSQL (the embedded one, as in npm test):
// migrations and the boot check, writes idempotent by (id, version), older versions never
// overwriting newer ones, transitions written once and append-only, and the merchant's reads.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded.js';
import { createPool, type Pool } from '../../src/db/pool.js';
import { checkSchema, migrate, readMigrations, SchemaBehindError } from '../../src/db/migrations.js';
import { recordPaymentVersion, recordPayoutVersion, type PaymentVersion, type PayoutVersion } from '../../src/db/records.repository.js';
import { findPayment, findPaymentJson, findPayout, listPayments } from '../../src/db/reads.repository.js';
import type { PaymentStatus, PaymentView, TimelineEntry } from '../../src/domain/payment.js';
import type { PayoutView } from '../../src/domain/payout.js';
import { freePort } from '../helpers/stack.js';

let pg: EmbeddedPostgres;
let pool: Pool;
let parent: string;

before(async () => {
  parent = mkdtempSync(join(tmpdir(), 'bayar-pg-unit-'));
  chmodSync(parent, 0o755);
  pg = await startEmbeddedPostgres({ dir: join(parent, 'data'), port: await freePort(), ephemeral: true });
  pool = createPool(pg.url, { name: 'records-test', max: 5 });
});

after(async () => {
  await pool?.end();
  await pg?.stop();
  rmSync(parent, { recursive: true, force: true });
});

let seq = 0;
function paymentView(over: Partial<PaymentView> & { status: PaymentStatus; entries: number }): PaymentView {
  const { entries, ...rest } = over;
  const id = over.id ?? `pay_${(++seq).toString(16).padStart(24, '0')}`;
  return {
    merchantId: 'm1',
    merchantReference: `ref-${id}`,
    provider: 'xendit',
    method: 'QRIS',
    currency: 'IDR',
    amounts: { expected: 50_000, paid: 0, refunded: 0, refundPending: 0, refundable: 0 },
    instructions: { qrString: 'qr' },
    expiresAt: '2026-12-05T10:00:00.000Z',
    createdAt: '2026-12-05T09:00:00.000Z',
    refunds: [],
    timeline: Array.from({ length: entries }, (_, i) => ({ at: new Date(Date.parse('2026-12-05T09:00:00Z') + i * 1000).toISOString(), source: 'workflow' as const, type: `step-${i + 1}` })),
    merchantNotified: false,
    notifications: { duplicates: 0, refused: 0, wakeUps: 0 },
    ...rest,
    id,
  };
}

/**
 * What the workflow's projection sends for a view (workflows/projection.ts): its summary and
 * only the entries from `fromEntry` on. The tests speak in whole views, the writer gets deltas.
 */
function delta<V extends { timeline: TimelineEntry[] }>(view: V, fromEntry: number) {
  const { timeline, ...summary } = view;
  return { summary, entries: timeline.slice(fromEntry) };
}
/** The history length a write comes from defaults to 0 (one attempt throughout) where a test does not care. */
type Whole<W extends { summary: unknown; historyLength: number }> = Omit<W, 'summary' | 'entries' | 'historyLength'> & {
  fromEntry: number;
  view: W['summary'] & { timeline: TimelineEntry[] };
  historyLength?: number;
};
const writePayment = ({ view, fromEntry, historyLength = 0, ...rest }: Whole<PaymentVersion>) => recordPaymentVersion(pool, { ...rest, historyLength, ...delta(view, fromEntry) });
const writePayout = ({ view, fromEntry, historyLength = 0, ...rest }: Whole<PayoutVersion>) => recordPayoutVersion(pool, { ...rest, historyLength, ...delta(view, fromEntry) });

/** A Rp 250,000 payout of merchant m1 to a BCA account, with the given status and timeline. */
const payoutView = (id: string, merchantReference: string, status: PayoutView['status'], timeline: PayoutView['timeline']): PayoutView => ({
  id,
  merchantId: 'm1',
  merchantReference,
  provider: 'xendit',
  currency: 'IDR',
  amount: 250_000,
  feeType: 'CHARGE_TO_BALANCE',
  destination: { bankCode: 'BCA', accountNumberLast4: '7890' },
  description: 'salary',
  status,
  attempts: [],
  createdAt: '2026-12-05T09:00:00.000Z',
  timeline,
});

const transitions = async (id: string) =>
  (await pool.query<{ version: number; status: string; entries: { type: string }[] }>('SELECT version, status, entries FROM payment_transitions WHERE payment_id = $1 ORDER BY version', [id])).rows;

describe('migrations and the boot check', () => {
  it('a fresh database is behind: the check names the versions and the command', async () => {
    await assert.rejects(checkSchema(pool), (err: Error) => err instanceof SchemaBehindError && /version 0, this build needs \d+: run `npm run migrate`/.test(err.message));
  });

  it('migrate applies every file once; a second run applies nothing; then the check passes', async () => {
    const all = readMigrations().map((m) => m.version);
    assert.deepEqual(await migrate(pool), all);
    assert.deepEqual(await migrate(pool), []);
    await checkSchema(pool);
  });

  it('a database that lacks the newest migration is refused', async () => {
    const latest = readMigrations().at(-1)!.version;
    await pool.query('DELETE FROM schema_migrations WHERE version = $1', [latest]);
    await assert.rejects(checkSchema(pool), SchemaBehindError);
    await pool.query(`INSERT INTO schema_migrations (version, name) VALUES ($1, 'restored')`, [latest]);
    await checkSchema(pool);
  });
});

describe('payments: writes idempotent by (payment id, version)', () => {
  it('version 0, then newer versions replace the row; each transition is written once with its own entries', async () => {
    const v0 = paymentView({ status: 'CREATED', entries: 0 });
    assert.equal(await writePayment({ version: 0, requestHash: 'h', afterVersion: -1, fromEntry: 0, view: v0 }), true);
    const v2 = paymentView({ id: v0.id, status: 'PENDING', entries: 2, providerReference: 'x-1' });
    assert.equal(await writePayment({ version: 2, requestHash: 'h', afterVersion: 0, fromEntry: 0, view: v2 }), true);
    assert.deepEqual(await findPayment(pool, 'm1', v0.id), v2);
    assert.deepEqual(
      (await transitions(v0.id)).map((t) => [t.version, t.status, t.entries.map((e) => e.type)]),
      [
        [0, 'CREATED', []],
        [2, 'PENDING', ['step-1', 'step-2']],
      ],
    );
  });

  it('a retried write of the same version changes nothing and adds no transition', async () => {
    const v3 = paymentView({ status: 'PAID', entries: 3, amounts: { expected: 50_000, paid: 50_000, refunded: 0, refundPending: 0, refundable: 0 } });
    await writePayment({ version: 3, requestHash: 'h', afterVersion: -1, fromEntry: 0, view: v3 });
    const before = (await pool.query('SELECT recorded_at FROM payments WHERE id = $1', [v3.id])).rows[0];
    const transitionBefore = (await pool.query('SELECT recorded_at FROM payment_transitions WHERE payment_id = $1', [v3.id])).rows[0];
    assert.equal(await writePayment({ version: 3, requestHash: 'h', afterVersion: -1, fromEntry: 0, view: v3 }), false);
    assert.deepEqual((await pool.query('SELECT recorded_at FROM payments WHERE id = $1', [v3.id])).rows[0], before);
    assert.deepEqual((await pool.query('SELECT recorded_at FROM payment_transitions WHERE payment_id = $1', [v3.id])).rows, [transitionBefore]);
  });

  it('a write from a workflow task that never committed is replaced by the committed run of that task', async () => {
    // The worker wrote versions 0..2, then version 5 in a task it died in before completing it.
    const id = paymentView({ status: 'CREATED', entries: 0 }).id;
    await writePayment({ version: 0, requestHash: 'h', afterVersion: -1, fromEntry: 0, view: paymentView({ id, status: 'CREATED', entries: 0 }) });
    await writePayment({ version: 2, requestHash: 'h', afterVersion: 0, fromEntry: 0, view: paymentView({ id, status: 'PENDING', entries: 2 }) });
    const speculative = paymentView({ id, status: 'PAID', entries: 5 });
    await writePayment({ version: 5, requestHash: 'h', afterVersion: 2, fromEntry: 2, view: speculative });
    // The task runs again later (other timestamps) with one more event: 2 → 7 in one step, then 7 again (same content).
    const later = (v: PaymentView) => ({ ...v, timeline: v.timeline.map((t) => ({ ...t, at: new Date(Date.parse(t.at) + 10_000).toISOString() })) });
    const committed7 = {
      ...later(paymentView({ id, status: 'SETTLED', entries: 7 })),
      timeline: [...paymentView({ id, status: 'PENDING', entries: 2 }).timeline, ...later(paymentView({ id, status: 'SETTLED', entries: 7 })).timeline.slice(2)],
    };
    assert.equal(await writePayment({ version: 7, requestHash: 'h', afterVersion: 2, fromEntry: 2, view: committed7 }), true);
    assert.deepEqual(await findPayment(pool, 'm1', id), committed7);
    const log = await transitions(id);
    assert.deepEqual(
      log.map((t) => t.version),
      [0, 2, 7],
      'the speculative version 5 is gone',
    );
    assert.deepEqual(
      log.flatMap((t) => t.entries),
      committed7.timeline as unknown[],
    );
    // Same version, other content (the committed run of a task whose first run wrote it): replaced.
    const committed7b = { ...committed7, statusReason: 'as committed' };
    assert.equal(await writePayment({ version: 7, requestHash: 'h', afterVersion: 2, fromEntry: 2, view: committed7b }), true);
    assert.equal((await findPayment(pool, 'm1', id))?.statusReason, 'as committed');
  });

  it("each write carries only its new entries: the row holds the whole timeline, the log each version's own", async () => {
    const id = paymentView({ status: 'CREATED', entries: 0 }).id;
    const at = (n: number, status: PaymentStatus, over: Partial<PaymentView> = {}) => paymentView({ id, status, entries: n, ...over });
    await writePayment({ version: 0, requestHash: 'h', afterVersion: -1, fromEntry: 0, view: at(0, 'CREATED') });
    await writePayment({ version: 1, requestHash: 'h', afterVersion: 0, fromEntry: 0, view: at(1, 'CREATED') });
    await writePayment({ version: 3, requestHash: 'h', afterVersion: 1, fromEntry: 1, view: at(3, 'PENDING', { providerReference: 'x-9' }) });
    // A version that adds no entry (a notification counted): the timeline and updated_at stay.
    const counted = at(3, 'PENDING', { providerReference: 'x-9', notifications: { duplicates: 1, refused: 0, wakeUps: 0 } });
    assert.equal(await writePayment({ version: 4, requestHash: 'h', afterVersion: 3, fromEntry: 3, view: counted }), true);
    assert.deepEqual(await findPayment(pool, 'm1', id), counted);
    const paid = at(5, 'PAID', { providerReference: 'x-9', notifications: counted.notifications, amounts: { expected: 50_000, paid: 50_000, refunded: 0, refundPending: 0, refundable: 0 } });
    await writePayment({ version: 6, requestHash: 'h', afterVersion: 4, fromEntry: 3, view: paid });
    assert.deepEqual(await findPayment(pool, 'm1', id), paid);
    assert.deepEqual(
      (await transitions(id)).map((t) => [t.version, t.entries.map((e) => e.type)]),
      [
        [0, []],
        [1, ['step-1']],
        [3, ['step-2', 'step-3']],
        [4, []],
        [6, ['step-4', 'step-5']],
      ],
    );
    const row = (await pool.query('SELECT updated_at, status, amount_paid, version FROM payments WHERE id = $1', [id])).rows[0];
    assert.deepEqual(row, { updated_at: new Date(paid.timeline.at(-1)!.at), status: 'PAID', amount_paid: 50_000, version: 6 });
  });

  it('a speculative delta with other entries is replaced by the committed one, and later deltas append to the committed timeline', async () => {
    const id = paymentView({ status: 'CREATED', entries: 0 }).id;
    const base = paymentView({ id, status: 'PENDING', entries: 2 });
    await writePayment({ version: 0, requestHash: 'h', afterVersion: -1, fromEntry: 0, view: paymentView({ id, status: 'CREATED', entries: 0 }) });
    await writePayment({ version: 2, requestHash: 'h', afterVersion: 0, fromEntry: 0, view: base });
    const entry = (type: string, second: number) => ({ at: `2026-12-05T09:30:${String(second).padStart(2, '0')}.000Z`, source: 'webhook' as const, type });
    // The dead worker's task wrote versions 3 and 4; the committed run of that task writes 3
    // (other content) and 4, then a version of its own.
    await writePayment({ version: 3, requestHash: 'h', afterVersion: 2, fromEntry: 2, view: { ...base, timeline: [...base.timeline, entry('speculative-3', 1)] } });
    await writePayment({
      version: 4,
      requestHash: 'h',
      afterVersion: 3,
      fromEntry: 3,
      view: { ...base, status: 'PAID', timeline: [...base.timeline, entry('speculative-3', 1), entry('speculative-4', 2)] },
    });
    const c3 = { ...base, timeline: [...base.timeline, entry('committed-3', 5)] };
    assert.equal(await writePayment({ version: 3, requestHash: 'h', afterVersion: 2, fromEntry: 2, view: c3 }), false, 'the row holds version 4 still');
    const c4 = { ...c3, status: 'PAID' as const, timeline: [...c3.timeline, entry('committed-4', 6)] };
    assert.equal(await writePayment({ version: 4, requestHash: 'h', afterVersion: 3, fromEntry: 3, view: c4 }), true);
    assert.deepEqual(await findPayment(pool, 'm1', id), c4);
    const c5 = { ...c4, status: 'SETTLED' as const, timeline: [...c4.timeline, entry('committed-5', 7)] };
    assert.equal(await writePayment({ version: 5, requestHash: 'h', afterVersion: 4, fromEntry: 4, view: c5 }), true);
    assert.deepEqual(await findPayment(pool, 'm1', id), c5);
    assert.deepEqual(
      (await transitions(id)).flatMap((t) => t.entries),
      c5.timeline as unknown[],
    );
  });

  describe('a lost attempt of a workflow task against its committed re-run (the history length orders them)', () => {
    // The task's lost attempt ran on a history of 40 events and wrote version 6; the task ran
    // again on a longer history (the lost attempt's timeout added events) and wrote version 6
    // with the same entries at later times, as in the cluster chaos run (docs/cluster.md, run 7).
    const entry = (type: string, at: string) => ({ at, source: 'webhook' as const, type });
    const setUp = async () => {
      const id = paymentView({ status: 'CREATED', entries: 0 }).id;
      const base = paymentView({ id, status: 'PENDING', entries: 2 });
      await writePayment({ version: 0, requestHash: 'h', afterVersion: -1, fromEntry: 0, historyLength: 3, view: paymentView({ id, status: 'CREATED', entries: 0 }) });
      await writePayment({ version: 5, requestHash: 'h', afterVersion: 0, fromEntry: 0, historyLength: 30, view: base });
      const at = (t: string) => ({ ...base, status: 'PAID' as const, timeline: [...base.timeline, entry('provider-event', t), entry('status:PAID', t)] });
      return { id, speculative: at('2026-12-05T11:06:50.540Z'), committed: at('2026-12-05T11:07:00.546Z') };
    };
    const expectCommitted = async (id: string, committed: PaymentView) => {
      assert.deepEqual(await findPayment(pool, 'm1', id), committed, 'the row is the committed view');
      const log = await transitions(id);
      assert.deepEqual(
        log.map((t) => t.version),
        [0, 5, 6],
      );
      assert.deepEqual(log.flatMap((t) => t.entries) as unknown[], committed.timeline as unknown[], 'the transition log adds up to the committed timeline');
    };

    it('the speculative write first, then the committed one: both the row and the transition become the committed content', async () => {
      const { id, speculative, committed } = await setUp();
      await writePayment({ version: 6, requestHash: 'h', afterVersion: 5, fromEntry: 2, historyLength: 40, view: speculative });
      assert.equal(await writePayment({ version: 6, requestHash: 'h', afterVersion: 5, fromEntry: 2, historyLength: 44, view: committed }), true);
      await expectCommitted(id, committed);
    });

    it('the committed write first, the speculative one late: nothing changes, at the same version or after the record moved on', async () => {
      const { id, speculative, committed } = await setUp();
      assert.equal(await writePayment({ version: 6, requestHash: 'h', afterVersion: 5, fromEntry: 2, historyLength: 44, view: committed }), true);
      assert.equal(await writePayment({ version: 6, requestHash: 'h', afterVersion: 5, fromEntry: 2, historyLength: 40, view: speculative }), false);
      await expectCommitted(id, committed);
      // The committed run goes on to version 7; the lost attempt's write of 6 lands later still.
      const v7 = { ...committed, status: 'SETTLED' as const, timeline: [...committed.timeline, entry('status:SETTLED', '2026-12-05T11:07:01.000Z')] };
      assert.equal(await writePayment({ version: 7, requestHash: 'h', afterVersion: 6, fromEntry: 4, historyLength: 50, view: v7 }), true);
      assert.equal(await writePayment({ version: 6, requestHash: 'h', afterVersion: 5, fromEntry: 2, historyLength: 40, view: speculative }), false);
      assert.deepEqual(await findPayment(pool, 'm1', id), v7);
      assert.deepEqual((await transitions(id)).flatMap((t) => t.entries) as unknown[], v7.timeline as unknown[]);
    });

    it('a version the committed run skipped, written late by the lost attempt, is not added back', async () => {
      const { id, speculative, committed } = await setUp();
      // The committed run went from 5 to 7 in one step; the lost attempt had written 6 alone.
      const v7 = { ...committed, status: 'SETTLED' as const, timeline: [...committed.timeline, entry('status:SETTLED', '2026-12-05T11:07:00.546Z')] };
      assert.equal(await writePayment({ version: 7, requestHash: 'h', afterVersion: 5, fromEntry: 2, historyLength: 44, view: v7 }), true);
      assert.equal(await writePayment({ version: 6, requestHash: 'h', afterVersion: 5, fromEntry: 2, historyLength: 40, view: speculative }), false);
      assert.deepEqual(
        (await transitions(id)).map((t) => t.version),
        [0, 5, 7],
      );
      assert.deepEqual((await transitions(id)).flatMap((t) => t.entries) as unknown[], v7.timeline as unknown[]);
    });

    it("the committed run's write moves the row back from a newer version the lost attempt wrote; the lost attempt's next write is refused", async () => {
      const { id, speculative, committed } = await setUp();
      // The lost attempt wrote 6 and 7; the committed run writes 6: 7 was never the payment's.
      const spec7 = { ...speculative, status: 'SETTLED' as const, timeline: [...speculative.timeline, entry('status:SETTLED', '2026-12-05T11:06:50.600Z')] };
      await writePayment({ version: 6, requestHash: 'h', afterVersion: 5, fromEntry: 2, historyLength: 40, view: speculative });
      await writePayment({ version: 7, requestHash: 'h', afterVersion: 6, fromEntry: 4, historyLength: 40, view: spec7 });
      assert.equal(await writePayment({ version: 6, requestHash: 'h', afterVersion: 5, fromEntry: 2, historyLength: 44, view: committed }), true, 'the row is back at version 6');
      await expectCommitted(id, committed);
      const spec8 = { ...spec7, notifications: { duplicates: 1, refused: 0, wakeUps: 0 } };
      assert.equal(await writePayment({ version: 8, requestHash: 'h', afterVersion: 7, fromEntry: 5, historyLength: 40, view: spec8 }), false);
      const v7 = { ...committed, status: 'SETTLED' as const, timeline: [...committed.timeline, entry('status:SETTLED', '2026-12-05T11:07:01.000Z')] };
      assert.equal(await writePayment({ version: 7, requestHash: 'h', afterVersion: 6, fromEntry: 4, historyLength: 44, view: v7 }), true);
      assert.deepEqual(await findPayment(pool, 'm1', id), v7);
      assert.deepEqual(
        (await transitions(id)).map((t) => t.version),
        [0, 5, 6, 7],
      );
      assert.deepEqual((await transitions(id)).flatMap((t) => t.entries) as unknown[], v7.timeline as unknown[]);
    });

    it('a merchant refund only the lost attempt accepted is gone once the committed run writes (same version, or back from a newer one)', async () => {
      const refund = { refundId: 'rf-lost', amount: 10_000, reason: 'customer asked', origin: 'merchant' as const, requestedAt: '2026-12-05T11:06:51.000Z', state: 'PENDING' as const };
      for (const lostVersion of [6, 7]) {
        const { id, speculative, committed } = await setUp();
        const lost = { ...speculative, refunds: [refund], timeline: [...speculative.timeline, entry('refund-requested', '2026-12-05T11:06:51.000Z')] };
        await writePayment({ version: lostVersion, requestHash: 'h', afterVersion: 5, fromEntry: 2, historyLength: 40, view: lost });
        assert.equal((await pool.query('SELECT 1 FROM refunds WHERE payment_id = $1', [id])).rowCount, 1);
        assert.equal(await writePayment({ version: 6, requestHash: 'h', afterVersion: 5, fromEntry: 2, historyLength: 44, view: committed }), true);
        await expectCommitted(id, committed);
        assert.equal((await pool.query('SELECT 1 FROM refunds WHERE payment_id = $1', [id])).rowCount, 0, `lost attempt at version ${lostVersion}: no refund left`);
      }
    });

    it("payouts: a lost attempt's late write of the committed version changes nothing", async () => {
      const view = (status: PayoutView['status'], at: string): PayoutView =>
        payoutView('payout_0000000000000000000000bb', 'po-late', status, [{ at, source: 'workflow' as const, type: `status:${status}` }]);
      await writePayout({ version: 0, requestHash: 'h', afterVersion: -1, fromEntry: 0, historyLength: 3, view: { ...view('CREATED', 'x'), timeline: [] } });
      const committed = view('PENDING', '2026-12-05T09:00:10.000Z');
      assert.equal(await writePayout({ version: 1, requestHash: 'h', afterVersion: 0, fromEntry: 0, historyLength: 12, view: committed }), true);
      assert.equal(await writePayout({ version: 1, requestHash: 'h', afterVersion: 0, fromEntry: 0, historyLength: 8, view: view('PENDING', '2026-12-05T09:00:01.000Z') }), false);
      assert.deepEqual(await findPayout(pool, 'm1', committed.id), committed);
      const log = (await pool.query('SELECT version, entries FROM payout_transitions WHERE payout_id = $1 ORDER BY version', [committed.id])).rows;
      assert.deepEqual(
        log.flatMap((r) => r.entries),
        committed.timeline,
      );
    });
  });

  it('an older version arriving late never overwrites a newer one', async () => {
    const v5 = paymentView({ status: 'SETTLED', entries: 5, amounts: { expected: 50_000, paid: 50_000, refunded: 0, refundPending: 0, refundable: 50_000 } });
    await writePayment({ version: 5, requestHash: 'h', afterVersion: -1, fromEntry: 0, view: v5 });
    const v4 = paymentView({ id: v5.id, status: 'PAID', entries: 4 });
    assert.equal(await writePayment({ version: 4, requestHash: 'h', afterVersion: 3, fromEntry: 0, view: v4 }), false);
    assert.equal((await findPayment(pool, 'm1', v5.id))?.status, 'SETTLED');
  });

  it('concurrent writes of one version (two workers replaying) leave one row and one transition', async () => {
    const v = paymentView({ status: 'PENDING', entries: 1 });
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => writePayment({ version: 1, requestHash: 'h', afterVersion: -1, fromEntry: 0, view: v })));
    // Racing inserts of the same key: one wins; a loser either sees it (false) or retries.
    assert.ok(results.some((r) => r.status === 'fulfilled' && r.value === true));
    assert.equal((await transitions(v.id)).length, 1);
    assert.equal((await pool.query('SELECT count(*)::int AS n FROM payments WHERE id = $1', [v.id])).rows[0].n, 1);
  });

  it('refunds follow the payment version: a late older write does not undo a refund outcome', async () => {
    const refund = { refundId: 'rf-1', amount: 20_000, reason: 'customer asked', origin: 'merchant' as const, requestedAt: '2026-12-05T09:10:00.000Z' };
    const base = paymentView({ status: 'SETTLED', entries: 6 });
    await writePayment({
      version: 7,
      requestHash: 'h',
      afterVersion: -1,
      fromEntry: 0,
      view: { ...base, status: 'PARTIALLY_REFUNDED', refunds: [{ ...refund, state: 'SUCCEEDED', providerRefundId: 'p-rf' }] },
    });
    await writePayment({ version: 6, requestHash: 'h', afterVersion: 5, fromEntry: 0, view: { ...base, refunds: [{ ...refund, state: 'PENDING' }] } });
    const rows = (await pool.query('SELECT state, provider_refund_id, amount FROM refunds WHERE payment_id = $1', [base.id])).rows;
    assert.deepEqual(rows, [{ state: 'SUCCEEDED', provider_refund_id: 'p-rf', amount: 20_000 }]);
  });

  it('the transition log is append-only: UPDATE and DELETE are refused by the database', async () => {
    const v = paymentView({ status: 'PENDING', entries: 1 });
    await writePayment({ version: 1, requestHash: 'h', afterVersion: -1, fromEntry: 0, view: v });
    await assert.rejects(pool.query(`UPDATE payment_transitions SET status = 'PAID' WHERE payment_id = $1`, [v.id]), /append-only/);
    await assert.rejects(pool.query('DELETE FROM payment_transitions WHERE payment_id = $1', [v.id]), /append-only/);
  });

  it('amounts are checked by the schema: a negative amount is refused', async () => {
    const v = paymentView({ status: 'PAID', entries: 1, amounts: { expected: 50_000, paid: -1, refunded: 0, refundPending: 0, refundable: 0 } });
    await assert.rejects(writePayment({ version: 1, requestHash: 'h', afterVersion: -1, fromEntry: 0, view: v }), /check constraint/);
  });
});

describe('payouts: the same rules', () => {
  const payout = (version: number, status: PayoutView['status']): PayoutView =>
    payoutView(
      'payout_00000000000000000000000a',
      'po-1',
      status,
      Array.from({ length: version }, (_, i) => ({ at: `2026-12-05T09:00:0${i}.000Z`, source: 'workflow' as const, type: `s${i}` })),
    );

  it('newer replaces, same is a no-op, older is ignored; transitions once', async () => {
    await writePayout({ version: 1, requestHash: 'h', afterVersion: -1, fromEntry: 0, view: payout(1, 'PENDING') });
    await writePayout({ version: 3, requestHash: 'h', afterVersion: 1, fromEntry: 1, view: payout(3, 'SUCCEEDED') });
    assert.equal(await writePayout({ version: 3, requestHash: 'h', afterVersion: 1, fromEntry: 1, view: payout(3, 'SUCCEEDED') }), false);
    assert.equal(await writePayout({ version: 2, requestHash: 'h', afterVersion: 1, fromEntry: 1, view: payout(2, 'PENDING') }), false);
    assert.deepEqual(await findPayout(pool, 'm1', payout(1, 'PENDING').id), payout(3, 'SUCCEEDED'), 'the whole view, its timeline from two deltas');
    assert.equal(await findPayout(pool, 'someone-else', payout(1, 'PENDING').id), undefined);
    const rows = (await pool.query('SELECT version FROM payout_transitions WHERE payout_id = $1 ORDER BY version', [payout(1, 'PENDING').id])).rows.map((r) => r.version);
    assert.deepEqual(rows, [1, 2, 3]);
  });
});

describe('reads: one merchant, filters, batches, keyset pages', () => {
  const ids: string[] = [];
  before(async () => {
    for (let i = 0; i < 7; i++) {
      const v = paymentView({
        merchantId: 'lister',
        status: i % 2 === 0 ? 'SETTLED' : 'PENDING',
        entries: 1,
        createdAt: new Date(Date.parse('2026-11-01T00:00:00Z') + i * 3_600_000).toISOString(),
        amounts: { expected: 10_000 * (i + 1), paid: 0, refunded: 0, refundPending: 0, refundable: 0 },
      });
      ids.push(v.id);
      await writePayment({ version: 1, requestHash: 'h', afterVersion: -1, fromEntry: 0, view: v });
    }
    // Another merchant's payment with the same reference as one of ours.
    await writePayment({
      version: 1,
      requestHash: 'h',
      afterVersion: -1,
      fromEntry: 0,
      view: paymentView({ merchantId: 'intruder', merchantReference: `ref-${ids[0]}`, status: 'SETTLED', entries: 1 }),
    });
  });

  it('pages newest first through every payment of the merchant, each once', async () => {
    const seen: string[] = [];
    let after;
    do {
      const page = await listPayments(pool, 'lister', {}, 3, after);
      seen.push(...page.items.map((p) => p.id));
      after = page.next;
    } while (after);
    assert.deepEqual(seen, [...ids].reverse());
  });

  it('filters by status, amount range, created range; batches by ids and references; never another merchant', async () => {
    const ofList = async (f: Parameters<typeof listPayments>[2]) => (await listPayments(pool, 'lister', f, 100)).items.map((p) => p.id).sort();
    assert.deepEqual(await ofList({ status: 'PENDING' }), [ids[1], ids[3], ids[5]].sort());
    assert.deepEqual(await ofList({ amountMin: 20_000, amountMax: 40_000 }), [ids[1], ids[2], ids[3]].sort());
    assert.deepEqual(await ofList({ createdFrom: '2026-11-01T02:00:00Z', createdTo: '2026-11-01T04:00:00Z' }), [ids[2], ids[3]].sort());
    assert.deepEqual(await ofList({ ids: [ids[0]!, ids[6]!, 'pay_ffffffffffffffffffffffff'] }), [ids[0], ids[6]].sort());
    assert.deepEqual(await ofList({ references: [`ref-${ids[0]}`] }), [ids[0]]);
    assert.equal((await listPayments(pool, 'intruder', {}, 100)).items.length, 1);
  });

  it("GET's stored JSON text is the view findPayment parses, only for its merchant, and a stored view that fails the check is refused", async () => {
    for (const id of ids) assert.deepEqual(JSON.parse((await findPaymentJson(pool, 'lister', id))!), await findPayment(pool, 'lister', id));
    assert.equal(await findPaymentJson(pool, 'intruder', ids[0]!), undefined);
    assert.equal(await findPaymentJson(pool, 'lister', 'pay_ffffffffffffffffffffffff'), undefined);
    // Each field of the check broken in turn, in a payment of its own: both reads refuse it alike.
    const broken: [string, string][] = [
      ['{amounts,paid}', '"5"'],
      ['{amounts,expected}', '1.5'],
      ['{status}', '"NOT_A_STATUS"'],
      ['{id}', '7'],
      ['{timeline}', '{}'],
    ];
    for (const [path, value] of broken) {
      const v = paymentView({ merchantId: 'breaker', status: 'PENDING', entries: 1 });
      await writePayment({ version: 1, requestHash: 'h', afterVersion: -1, fromEntry: 0, view: v });
      await pool.query('UPDATE payments SET view = jsonb_set(view, $2::text[], $3::jsonb) WHERE id = $1', [v.id, path, value]);
      await assert.rejects(findPayment(pool, 'breaker', v.id), `findPayment, ${path} = ${value}`);
      await assert.rejects(findPaymentJson(pool, 'breaker', v.id), `findPaymentJson, ${path} = ${value}`);
    }
  });

  it('updated range: payments created a month before and updated inside the window are all listed (the created_at bound updatedTo implies keeps them)', async () => {
    const ofList = async (f: Parameters<typeof listPayments>[2]) => (await listPayments(pool, 'lister', f, 100)).items.map((p) => p.id).sort();
    // Created on 1 November, last updated on 5 December at 09:00 (their one timeline entry).
    assert.deepEqual(await ofList({ updatedFrom: '2026-12-05T08:00:00Z', updatedTo: '2026-12-05T10:00:00Z' }), [...ids].sort());
    assert.deepEqual(await ofList({ updatedTo: '2026-12-05T09:00:00Z' }), []);
    assert.deepEqual(await ofList({ updatedFrom: '2026-12-05T09:00:01Z' }), []);
    // Provider and method lists (their own indexes since migration 004), matching and not.
    assert.deepEqual(await ofList({ provider: 'xendit', method: 'QRIS' }), [...ids].sort());
    assert.deepEqual(await ofList({ method: 'VA_BCA' }), []);
    assert.deepEqual(await ofList({ provider: 'indodana' }), []);
  });
});
