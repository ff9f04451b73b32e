// Refunds made in the provider's dashboard, not through bayar (issue #12 item 5), on the real
// stack: Temporal, the Midtrans and Xendit sandboxes over HTTP, the worker, the API and the
// embedded PostgreSQL. The sandbox's dashboard refund sends the notification the provider sends
// for it; bayar takes it as a wake-up, looks the charge up, and follows the refunds it lists.
// Xendit's refund callback names only the payment request, so the API finds the payment holding
// it in the database first.
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { SANDBOX_PORT_OFFSETS } from '../../src/config/config.js';
import { DEV_DEFAULTS } from '../../src/sandbox/dev-defaults.js';
import type { PaymentView } from '../../src/domain/payment.js';
import { acquireTestStack, releaseTestStack, STANDARD_STACK, startMerchantReceiver, uniqueRef, type TestStack } from '../helpers/stack.js';
import { eventually } from '../helpers/wait.js';

const MIDTRANS = SANDBOX_PORT_OFFSETS.midtrans;
const XENDIT = SANDBOX_PORT_OFFSETS.xendit;
const WAIT_MS = 30_000;

describe('refunds made in the provider dashboard (real stack, real PostgreSQL)', () => {
  let stack: TestStack;
  let merchant: Awaited<ReturnType<typeof startMerchantReceiver>>;
  let db: pg.Pool;

  before(async () => {
    stack = await acquireTestStack(STANDARD_STACK);
    merchant = await startMerchantReceiver();
    db = new pg.Pool({ connectionString: stack.databaseUrl, max: 2 });
  });
  after(async () => {
    await db?.end();
    await merchant?.close();
    await releaseTestStack(stack);
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
    const events = await eventually(
      async () => refundEvents(id),
      (e) => e.length === 2,
      WAIT_MS,
    );
    assert.deepEqual(events.sort(), refundIds.map((r) => `${id}:refund.succeeded:${r}`).sort());

    // GET answers from the database (the system of record): the row has what the workflow has.
    const got = await eventually(
      async () => (await stack.api('GET', `/v1/payments/${id}`)).json as PaymentView,
      (p) => p.status === 'REFUNDED' && p.refunds.length === 2,
      WAIT_MS,
    );
    assert.deepEqual(got.amounts, full.amounts);
    const rows = await storedRefunds(id);
    assert.deepEqual(
      rows.map((r) => [r.origin, r.state]),
      [
        ['provider', 'SUCCEEDED'],
        ['provider', 'SUCCEEDED'],
      ],
    );
    assert.deepEqual(
      rows.map((r) => r.amount).sort((a, b) => a - b),
      [30_000, 70_000],
    );

    // The ledger debits both refunds once: collected 100,000, refunded 100,000.
    const entries = await eventually(
      () => ledger(id),
      (e) => e.filter((x) => x.kind === 'REFUNDED').length === 2,
      WAIT_MS,
    );
    assert.equal(
      entries.filter((x) => x.kind === 'COLLECTED').reduce((s, x) => s + x.amount, 0),
      100_000,
    );
    assert.equal(
      entries.filter((x) => x.kind === 'REFUNDED').reduce((s, x) => s + x.amount, 0),
      -100_000,
    );
  });

  it('a refund bayar made is not counted again when Midtrans reports it back; a dashboard refund beside it is', async () => {
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
    assert.deepEqual(
      after.refunds.map((r) => [r.refundId === 'rf-ours' ? 'ours' : 'dashboard', r.origin, r.amount]),
      [
        ['ours', 'merchant', 20_000],
        ['dashboard', 'provider', 15_000],
      ],
    );

    // The merchant can still refund what is left, and no more.
    const tooMuch = await stack.api('POST', `/v1/payments/${id}/refunds`, { amount: 45_001, reason: 'too much', refundId: 'rf-too-much' });
    assert.equal(tooMuch.status, 422, tooMuch.text);
    const entries = await eventually(
      () => ledger(id),
      (e) => e.filter((x) => x.kind === 'REFUNDED').length === 2,
      WAIT_MS,
    );
    assert.equal(
      entries.filter((x) => x.kind === 'REFUNDED').reduce((s, x) => s + x.amount, 0),
      -35_000,
    );
    const events = await eventually(
      async () => refundEvents(id),
      (e) => e.length === 2,
      WAIT_MS,
    );
    assert.equal(new Set(events).size, 2);
  });

  // ---- Xendit ----

  const settledXenditQris = async (amount: number): Promise<PaymentView> => {
    const created = await stack.api('POST', '/v1/payments', { merchantReference: uniqueRef('xdash'), amount, method: 'QRIS', provider: 'xendit', callbackUrl: merchant.url });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.json.provider, 'xendit');
    assert.equal((await stack.pay(created.json.id, {}, XENDIT)).status, 200);
    return stack.waitFor(created.json.id, (p) => p.status === 'SETTLED', WAIT_MS);
  };
  /** A refund callback as Xendit sends it (refund webhook notification; xendit-node RefundCallbackData). */
  const xenditRefundCallback = (paymentRequestId: string, amount: number, token: string = DEV_DEFAULTS.xendit.callbackToken) =>
    stack.api('POST', '/webhooks/xendit', undefined, {
      headers: { 'x-callback-token': token, 'webhook-id': `whk-${randomBytes(8).toString('hex')}` },
      raw: JSON.stringify({
        event: 'refund.succeeded',
        business_id: 'bayar-sandbox-business',
        created: new Date().toISOString(),
        data: {
          id: `rfd-${randomBytes(12).toString('hex')}`,
          payment_id: paymentRequestId,
          invoice_id: null,
          payment_method_type: 'QR_CODE',
          amount,
          channel_code: 'QRIS',
          status: 'SUCCEEDED',
          reason: 'OTHERS',
          country: 'ID',
          currency: 'IDR',
          reference_id: null,
          failure_code: null,
          refund_fee_amount: null,
          created: new Date().toISOString(),
          updated: new Date().toISOString(),
          metadata: null,
        },
      }),
    });

  it('Xendit: a dashboard refund is recorded once (origin provider), the merchant hears it, and a merchant refund after it cannot exceed what is left', async () => {
    const settled = await settledXenditQris(100_000);
    const id = settled.id;
    const dashboard = await stack.sandbox('POST', `/_sandbox/charges/${id}/dashboard-refund`, { amount: 30_000 }, XENDIT);
    assert.equal(dashboard.status, 200, JSON.stringify(dashboard.json));
    assert.equal(dashboard.json.reference_id, null, 'the dashboard gives no reference_id');

    const partial = await stack.waitFor(id, (p) => p.status === 'PARTIALLY_REFUNDED', WAIT_MS);
    assert.deepEqual([partial.amounts.paid, partial.amounts.refunded, partial.amounts.refundable], [100_000, 30_000, 70_000]);
    assert.deepEqual(
      partial.refunds.map((r) => [r.origin, r.state, r.amount, r.providerRefundId]),
      [['provider', 'SUCCEEDED', 30_000, dashboard.json.id]],
    );
    assert.ok(partial.notifications.wakeUps >= 1, 'the callback only woke the payment; the amounts came from GET /refunds');

    // bayar's own refund beside it: Xendit's callback for it wakes a look-up that adds nothing.
    const ours = await stack.api('POST', `/v1/payments/${id}/refunds`, { amount: 20_000, reason: 'customer returned one item', refundId: 'rf-ours' });
    assert.equal(ours.status, 201, ours.text);
    assert.equal(ours.json.state, 'SUCCEEDED');
    const echoed = await stack.waitFor(id, (p) => p.timeline.some((t) => t.type === 'provider-event' && (t.detail ?? '').includes('refunded 50000, already counted')), WAIT_MS);
    assert.deepEqual([echoed.status, echoed.amounts.refunded, echoed.amounts.refundable], ['PARTIALLY_REFUNDED', 50_000, 50_000]);
    assert.deepEqual(
      echoed.refunds.map((r) => [r.origin, r.amount]),
      [
        ['provider', 30_000],
        ['merchant', 20_000],
      ],
    );

    // What is left is what Xendit holds: 50,001 is refused by bayar before Xendit is asked.
    const tooMuch = await stack.api('POST', `/v1/payments/${id}/refunds`, { amount: 50_001, reason: 'too much', refundId: 'rf-too-much' });
    assert.equal(tooMuch.status, 422, tooMuch.text);

    // Once each: one refund row per refund, one ledger debit per refund, one refund.succeeded per refund.
    const rows = await eventually(
      () => storedRefunds(id),
      (r) => r.length === 2,
      WAIT_MS,
    );
    assert.deepEqual(rows.map((r) => [r.origin, r.state, r.amount]).sort(), [
      ['merchant', 'SUCCEEDED', 20_000],
      ['provider', 'SUCCEEDED', 30_000],
    ]);
    const entries = await eventually(
      () => ledger(id),
      (e) => e.filter((x) => x.kind === 'REFUNDED').length === 2,
      WAIT_MS,
    );
    assert.equal(
      entries.filter((x) => x.kind === 'REFUNDED').reduce((sum, x) => sum + x.amount, 0),
      -50_000,
    );
    const events = await eventually(
      async () => refundEvents(id),
      (e) => e.length === 2,
      WAIT_MS,
    );
    assert.deepEqual(events.sort(), echoed.refunds.map((r) => `${id}:refund.succeeded:${r.refundId}`).sort());
  });

  it('Xendit: a forged refund callback changes nothing — for another payment it only costs a look-up, for no payment it is counted, with a wrong token it is refused', async () => {
    const victim = await settledXenditQris(60_000);
    const forged = await xenditRefundCallback(victim.providerReference!, 60_000);
    assert.equal(forged.status, 200, forged.text);
    // The payment was woken and looked its refunds up at Xendit (the look-up's answer is
    // recorded); Xendit lists none, so nothing moved.
    const looked = await stack.waitFor(
      victim.id,
      (p) => p.notifications.wakeUps >= 1 && p.timeline.some((t) => t.source === 'poll' && (t.detail ?? '').includes('ignored: payment is SETTLED')),
      WAIT_MS,
    );
    assert.deepEqual([looked.status, looked.amounts.refunded, looked.amounts.refundable, looked.refunds.length], ['SETTLED', 0, 60_000, 0]);
    assert.deepEqual(await storedRefunds(victim.id), []);
    assert.equal(refundEvents(victim.id).length, 0);

    // A request no payment holds: acknowledged (a refusal would be resent for a day) and counted.
    const nowhere = await xenditRefundCallback(`pr-${randomBytes(12).toString('hex')}`, 1_000);
    assert.equal(nowhere.status, 200, nowhere.text);
    const metrics = await stack.api('GET', '/metrics');
    assert.match(metrics.text, /bayar_webhooks_total\{provider="xendit",outcome="unknown-reference"\} [1-9]/);

    // Without the token it is not even read.
    const unsigned = await xenditRefundCallback(victim.providerReference!, 60_000, 'not-the-token');
    assert.equal(unsigned.status, 401, unsigned.text);
    const after = await stack.payment(victim.id);
    assert.deepEqual([after.status, after.amounts.refundable, after.refunds.length, after.notifications.wakeUps], ['SETTLED', 60_000, 0, looked.notifications.wakeUps]);
  });
});
