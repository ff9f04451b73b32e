// Refunds made in Midtrans' dashboard, not through bayar (issue #12 item 5), on the real stack:
// Temporal, the Midtrans sandbox over HTTP, the worker, the API and the embedded PostgreSQL.
// The sandbox's dashboard refund sends the notification Midtrans sends for it; bayar takes it as
// a wake-up, looks the transaction up, and follows the refunds Midtrans lists.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { SANDBOX_PORT_OFFSETS } from '../../src/config/config.js';
import type { PaymentView } from '../../src/domain/payment.js';
import { startMerchantReceiver, startTestStack, uniqueRef, type TestStack } from '../helpers/stack.js';
import { eventually } from '../helpers/wait.js';

const MIDTRANS = SANDBOX_PORT_OFFSETS.midtrans;
const WAIT_MS = 30_000;

describe('refunds made in the provider dashboard (real stack, real PostgreSQL)', () => {
  let stack: TestStack;
  let merchant: Awaited<ReturnType<typeof startMerchantReceiver>>;
  let db: pg.Pool;

  before(async () => {
    stack = await startTestStack();
    merchant = await startMerchantReceiver();
    db = new pg.Pool({ connectionString: stack.databaseUrl, max: 2 });
  });
  after(async () => {
    await db?.end();
    await merchant?.close();
    await stack?.stop();
  });

  const settledQris = async (amount: number): Promise<PaymentView> => {
    const created = await stack.api('POST', '/v1/payments', { merchantReference: uniqueRef('dash'), amount, method: 'QRIS', provider: 'midtrans', callbackUrl: merchant.url });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.json.provider, 'midtrans');
    const paid = await stack.pay(created.json.id, {}, MIDTRANS);
    assert.equal(paid.status, 200, JSON.stringify(paid.json));
    return stack.waitFor(created.json.id, (p) => p.status === 'SETTLED', WAIT_MS);
  };
  const dashboardRefund = (id: string, amount: number) => stack.sandbox('POST', `/_sandbox/charges/${id}/dashboard-refund`, { amount }, MIDTRANS);
  const refundEvents = (id: string) =>
    merchant.received.filter((r) => JSON.parse(r.body).type === 'refund.succeeded' && JSON.parse(r.body).data.id === id).map((r) => String(r.headers['bayar-event-id']));
  const ledger = async (id: string) =>
    (await db.query('SELECT kind, amount::int AS amount, refund_id FROM ledger_entries WHERE payment_id = $1 ORDER BY id', [id])).rows as { kind: string; amount: number; refund_id: string | null }[];
  const storedRefunds = async (id: string) =>
    (await db.query('SELECT refund_id, amount::int AS amount, origin, state, provider_refund_id FROM refunds WHERE payment_id = $1 ORDER BY refund_id', [id])).rows;

  it('a partial dashboard refund, then the rest: PARTIALLY_REFUNDED, REFUNDED; refund.succeeded per refund; GET (from the database) and the ledger follow', async () => {
    const settled = await settledQris(100_000);
    const id = settled.id;

    assert.equal((await dashboardRefund(id, 30_000)).status, 200);
    const partial = await stack.waitFor(id, (p) => p.status === 'PARTIALLY_REFUNDED', WAIT_MS);
    assert.deepEqual([partial.amounts.paid, partial.amounts.refunded, partial.amounts.refundable], [100_000, 30_000, 70_000]);
    assert.equal(partial.refunds.length, 1);
    assert.deepEqual([partial.refunds[0]!.origin, partial.refunds[0]!.state, partial.refunds[0]!.amount], ['provider', 'SUCCEEDED', 30_000]);
    assert.ok(partial.notifications.wakeUps >= 1, 'the notification only woke the payment; the amounts came from the look-up');

    assert.equal((await dashboardRefund(id, 70_000)).status, 200);
    const full = await stack.waitFor(id, (p) => p.status === 'REFUNDED', WAIT_MS);
    assert.deepEqual([full.amounts.refunded, full.amounts.refundable], [100_000, 0]);
    const refundIds = full.refunds.map((r) => r.refundId);
    assert.equal(new Set(refundIds).size, 2);
    assert.ok(full.refunds.every((r) => r.origin === 'provider' && r.providerRefundId !== undefined));

    // The merchant hears each refund once, under its own event id.
    const events = await eventually(async () => refundEvents(id), (e) => e.length === 2, WAIT_MS);
    assert.deepEqual(events.sort(), refundIds.map((r) => `${id}:refund.succeeded:${r}`).sort());

    // GET answers from the database (the system of record): the row has what the workflow has.
    const got = await eventually(async () => (await stack.api('GET', `/v1/payments/${id}`)).json as PaymentView, (p) => p.status === 'REFUNDED' && p.refunds.length === 2, WAIT_MS);
    assert.deepEqual(got.amounts, full.amounts);
    const rows = await storedRefunds(id);
    assert.deepEqual(rows.map((r) => [r.origin, r.state]), [['provider', 'SUCCEEDED'], ['provider', 'SUCCEEDED']]);
    assert.deepEqual(rows.map((r) => r.amount).sort((a, b) => a - b), [30_000, 70_000]);

    // The ledger debits both refunds once: collected 100,000, refunded 100,000.
    const entries = await eventually(() => ledger(id), (e) => e.filter((x) => x.kind === 'REFUNDED').length === 2, WAIT_MS);
    assert.equal(entries.filter((x) => x.kind === 'COLLECTED').reduce((s, x) => s + x.amount, 0), 100_000);
    assert.equal(entries.filter((x) => x.kind === 'REFUNDED').reduce((s, x) => s + x.amount, 0), -100_000);
  });

  it("a refund bayar made is not counted again when Midtrans reports it back; a dashboard refund beside it is", async () => {
    const settled = await settledQris(80_000);
    const id = settled.id;
    const ours = await stack.api('POST', `/v1/payments/${id}/refunds`, { amount: 20_000, reason: 'customer returned one item', refundId: 'rf-ours' });
    assert.equal(ours.status, 201, ours.text);
    assert.equal(ours.json.state, 'SUCCEEDED');
    // Midtrans' partial_refund notification for bayar's own refund wakes a look-up that adds nothing.
    const echoed = await stack.waitFor(id, (p) => p.timeline.some((t) => t.type === 'provider-event' && (t.detail ?? '').includes('already counted')), WAIT_MS);
    assert.deepEqual([echoed.status, echoed.amounts.refunded, echoed.amounts.refundable, echoed.refunds.length], ['PARTIALLY_REFUNDED', 20_000, 60_000, 1]);

    assert.equal((await dashboardRefund(id, 15_000)).status, 200);
    const after = await stack.waitFor(id, (p) => p.refunds.length === 2, WAIT_MS);
    assert.deepEqual([after.status, after.amounts.refunded, after.amounts.refundable], ['PARTIALLY_REFUNDED', 35_000, 45_000]);
    assert.deepEqual(after.refunds.map((r) => [r.refundId === 'rf-ours' ? 'ours' : 'dashboard', r.origin, r.amount]), [['ours', 'merchant', 20_000], ['dashboard', 'provider', 15_000]]);

    // The merchant can still refund what is left, and no more.
    const tooMuch = await stack.api('POST', `/v1/payments/${id}/refunds`, { amount: 45_001, reason: 'too much', refundId: 'rf-too-much' });
    assert.equal(tooMuch.status, 422, tooMuch.text);
    const entries = await eventually(() => ledger(id), (e) => e.filter((x) => x.kind === 'REFUNDED').length === 2, WAIT_MS);
    assert.equal(entries.filter((x) => x.kind === 'REFUNDED').reduce((s, x) => s + x.amount, 0), -35_000);
    const events = await eventually(async () => refundEvents(id), (e) => e.length === 2, WAIT_MS);
    assert.equal(new Set(events).size, 2);
  });
});
