// Every path a real payment can take, end to end over HTTP on the real stack. Each test is
// one of the failures other payment systems' users keep reporting, made impossible here.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { OTHER_MERCHANT_KEY, startMerchantReceiver, startTestStack, uniqueRef, type TestStack } from '../helpers/stack.js';
import { DEV_DEFAULTS } from '../../src/sandbox/dev-defaults.js';
import { duplicatesAbsorbed, webhookOutcomes } from '../helpers/provider-suite.js';
import { eventually } from '../helpers/wait.js';
import type { PaymentView } from '../../src/domain/payment.js';
import { recordHistories } from '../helpers/histories.js';
import { RecordChecker } from '../helpers/records.js';

describe('payment saga (real Temporal, real Xendit sandbox, HTTP)', () => {
  let stack: TestStack;
  let merchant: Awaited<ReturnType<typeof startMerchantReceiver>>;
  const recorded = new Map<string, string>();

  before(async () => {
    stack = await startTestStack({
      env: { BAYAR_POLL_SCHEDULE: '400ms,800ms,1500ms', BAYAR_PROVIDER_TIMEOUT: '2s', BAYAR_CREATE_WAIT: '3s' },
    });
    merchant = await startMerchantReceiver();
  });
  beforeEach(async () => {
    await stack.sandbox('POST', '/_sandbox/faults', {});
  });
  after(async () => {
    try {
      if (stack && process.env.BAYAR_RECORD_HISTORIES) await recordHistories(stack.temporalAddress, recorded);
    } finally {
      await stack?.stop();
      await merchant?.close();
    }
  });

  const create = async (name: string, body: Record<string, unknown>) => {
    const payment = await stack.createPayment({ merchantReference: uniqueRef(name), callbackUrl: merchant.url, ...body });
    recorded.set(name, payment.id);
    return payment;
  };
  const statusEntries = (p: PaymentView, status: string) => p.timeline.filter((t) => t.type === `status:${status}`).length;
  const merchantEvents = (id: string, type: string) => merchant.received.filter((r) => JSON.parse(r.body).data.id === id && JSON.parse(r.body).type === type).length;
  const chargesAt = (id: string) => stack.charges(id);
  const xenditWebhook = (body: unknown, token: string = DEV_DEFAULTS.xendit.callbackToken, id = `whk-${randomBytes(6).toString('hex')}`) =>
    fetch(`${stack.apiUrl}/webhooks/xendit`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-callback-token': token, 'webhook-id': id }, body: JSON.stringify(body) });

  it('settles once when both a poll and a webhook report the payment', async () => {
    await stack.sandbox('POST', '/_sandbox/faults', { webhooksEnabled: false });
    const p = await create('poll-and-webhook', { amount: 51_000, method: 'VA_BRI' });
    await stack.pay(p.id);
    await stack.waitFor(p.id, (x) => x.status === 'SETTLED');
    const late = await xenditWebhook({ event: 'payment.capture', data: { reference_id: p.id, payment_request_id: p.providerReference, status: 'SUCCEEDED', amount: 51_000 } });
    assert.equal(late.status, 200);
    // Xendit's token signs no body: the late notice only wakes the payment (counted), and a
    // settled payment has nothing to look up.
    const after = await stack.waitFor(p.id, (x) => x.notifications.wakeUps >= 1);
    assert.equal(after.status, 'SETTLED');
    assert.equal(statusEntries(after, 'PAID'), 1);
    assert.equal(statusEntries(after, 'SETTLED'), 1);
    assert.ok(!after.timeline.some((t) => t.source === 'webhook'), 'the late webhook is counted, not recorded');
    await stack.waitFor(p.id, (x) => x.merchantNotified); // told after SETTLED, beside the saga
    assert.equal(merchantEvents(p.id, 'payment.paid'), 1, 'merchant told once');
  });

  it('applies the same webhook six times, and a stale one out of order, as one settlement', async () => {
    const p = await create('duplicate-webhooks', { amount: 52_000, method: 'QRIS' });
    // Paid at Xendit, its own notices switched off: ours below wake the payment, Xendit's answer settles it.
    await stack.sandbox('POST', '/_sandbox/faults', { webhooksEnabled: false });
    await stack.pay(p.id);
    const duplicatesBefore = await webhookOutcomes(stack, 'xendit', 'duplicate');
    const paidEvent = {
      event: 'payment.capture',
      created: new Date().toISOString(),
      data: { reference_id: p.id, payment_request_id: p.providerReference, payment_id: 'py-dup-1', status: 'SUCCEEDED', amount: 52_000 },
    };
    const answers = await Promise.all(Array.from({ length: 6 }, () => xenditWebhook(paidEvent, undefined, 'whk-same-notification')));
    assert.deepEqual(
      answers.map((a) => a.status),
      [200, 200, 200, 200, 200, 200],
    );
    const stale = await xenditWebhook({ event: 'payment.pending', data: { reference_id: p.id, payment_request_id: p.providerReference, status: 'PENDING' } });
    assert.equal(stale.status, 200);
    const expired = await xenditWebhook({ event: 'payment_request.expiry', data: { id: p.providerReference, reference_id: p.id, status: 'EXPIRED' } });
    assert.equal(expired.status, 200);
    const settled = await stack.waitFor(p.id, (x) => x.status === 'SETTLED');
    await new Promise((r) => setTimeout(r, 300));
    const final = await stack.payment(p.id);
    assert.equal(final.status, 'SETTLED', 'no regression to EXPIRED');
    assert.equal(statusEntries(final, 'PAID'), 1);
    assert.equal(final.amounts.paid, 52_000);
    // The five copies are absorbed: by the API with no signal, or counted by the workflow.
    const absorbed = await eventually(
      () => duplicatesAbsorbed(stack, 'xendit', p.id, duplicatesBefore),
      (n) => n >= 5,
    );
    assert.ok(absorbed >= 5, `copies absorbed: ${absorbed}`);
    assert.ok(!final.timeline.some((t) => t.source === 'webhook'), 'no notice is a timeline line');
    assert.ok(settled.timeline.length <= final.timeline.length);
    await stack.waitFor(p.id, (x) => x.merchantNotified); // told after SETTLED, beside the saga
    assert.equal(merchantEvents(p.id, 'payment.paid'), 1);
  });

  it('refunds a QRIS payment that lands after expiry, automatically', async () => {
    const p = await create('late-qris', { amount: 55_000, method: 'QRIS', expiresInSeconds: 1 });
    await stack.waitFor(p.id, (x) => x.status === 'EXPIRED');
    assert.equal((await stack.pay(p.id, { force: true })).status, 200);
    const refunded = await stack.waitFor(p.id, (x) => x.status === 'REFUNDED');
    assert.match(refunded.statusReason ?? '', /LATE_PAYMENT/);
    assert.equal(refunded.refunds.length, 1);
    assert.equal(refunded.refunds[0]!.origin, 'auto');
    assert.equal((await chargesAt(p.id))[0]!.refundedAmount, 55_000);
  });

  it('cancels an unpaid payment at the merchant’s request, once', async () => {
    const p = await create('cancel', { amount: 58_000, method: 'RETAIL_ALFAMART' });
    const cancelled = await stack.api('POST', `/v1/payments/${p.id}/cancel`, { reason: 'order withdrawn' });
    assert.equal(cancelled.status, 200, cancelled.text);
    assert.equal(cancelled.json.status, 'CANCELLED');
    assert.equal((await chargesAt(p.id))[0]!.status, 'EXPIRED', 'charge expired at Xendit');
    const again = await stack.api('POST', `/v1/payments/${p.id}/cancel`, {});
    assert.equal(again.status, 409);
    assert.equal(again.json.code, 'NOT_CANCELLABLE');
  });

  it('lets exactly one of two concurrent refunds through when together they exceed the payment', async () => {
    // ShopeePay and LinkAja: refundable at Xendit (DANA and OVO are not: Payments API channel table).
    const p = await create('concurrent-refunds', { amount: 100_000, method: 'EWALLET_SHOPEEPAY', customer: { phone: '+6281234567890' } });
    await stack.pay(p.id);
    await stack.waitFor(p.id, (x) => x.status === 'SETTLED');
    const [a, b] = await Promise.all([
      stack.api('POST', `/v1/payments/${p.id}/refunds`, { amount: 60_000, reason: 'first', refundId: 'r-a' }),
      stack.api('POST', `/v1/payments/${p.id}/refunds`, { amount: 60_000, reason: 'second', refundId: 'r-b' }),
    ]);
    assert.deepEqual([a.status, b.status].sort(), [201, 422]);
    assert.equal([a, b].find((r) => r.status === 422)!.json.code, 'REFUND_EXCEEDS_REFUNDABLE');
    const after = await stack.payment(p.id);
    assert.equal(after.status, 'PARTIALLY_REFUNDED');
    assert.deepEqual(after.amounts, { expected: 100_000, paid: 100_000, refunded: 60_000, refundPending: 0, refundable: 40_000 });
    assert.equal((await chargesAt(p.id))[0]!.refundedAmount, 60_000);
  });

  it('rejects refunds the provider cannot do before anything is written', async () => {
    const p = await create('va-refund', { amount: 59_000, method: 'VA_BCA' });
    await stack.pay(p.id);
    await stack.waitFor(p.id, (x) => x.status === 'SETTLED');
    const res = await stack.api('POST', `/v1/payments/${p.id}/refunds`, { reason: 'no' });
    assert.equal(res.status, 422);
    assert.equal(res.json.code, 'REFUND_NOT_SUPPORTED');
    assert.equal((await stack.payment(p.id)).refunds.length, 0);
  });

  it('resolves a create whose answer was lost by looking the charge up, not by charging again', async () => {
    const chargesMade = async () => ((await stack.sandbox('GET', '/_sandbox/ledger')).json.charges as unknown[]).length;
    const before = await chargesMade();
    await stack.sandbox('POST', '/_sandbox/faults', { timeoutRate: 1 });
    const ref = uniqueRef('lost-answer');
    const created = stack.api('POST', '/v1/payments', { merchantReference: ref, amount: 60_000, method: 'VA_BCA' });
    // The charge is made and its answer held back (decided when the call arrived): the create
    // times out at bayar, whatever the faults are from now on.
    await eventually(chargesMade, (n) => n > before, 20_000);
    await stack.sandbox('POST', '/_sandbox/faults', {});
    const first = await created;
    assert.ok([201, 202].includes(first.status), first.text);
    recorded.set('lost-answer', first.json.id);
    const pending = await stack.waitFor(first.json.id, (x) => x.status === 'PENDING');
    assert.ok(pending.instructions.virtualAccountNumber);
    const charges = await chargesAt(first.json.id);
    assert.equal(charges.length, 1, 'exactly one charge');
    assert.equal(charges[0]!.createRequests, 1, 'the create was never sent twice');
  });

  it('retries through provider 5xx errors', async () => {
    // Every call fails for a while, so the create is certain to have met 5xx answers.
    await stack.sandbox('POST', '/_sandbox/faults', { errorRate: 1 });
    const ref = uniqueRef('flaky-provider');
    const created = stack.api('POST', '/v1/payments', { merchantReference: ref, amount: 61_000, method: 'QRIS' });
    await new Promise((r) => setTimeout(r, 2500));
    await stack.sandbox('POST', '/_sandbox/faults', {});
    const first = await created;
    assert.ok([201, 202].includes(first.status), first.text);
    recorded.set('flaky-provider', first.json.id);
    const pending = await stack.waitFor(first.json.id, (x) => x.status === 'PENDING');
    assert.ok(pending.instructions.qrString);
    assert.ok(
      pending.timeline.every((t) => t.type !== 'status:FAILED'),
      '5xx is not a failure',
    );
    assert.equal((await stack.charges(first.json.id)).length, 1);
  });

  it('keeps merchants apart: another merchant cannot see, list, cancel or refund a payment', async () => {
    const p = await create('tenancy', { amount: 62_000, method: 'QRIS' });
    const other = { key: OTHER_MERCHANT_KEY };
    assert.equal((await stack.api('GET', `/v1/payments/${p.id}`, undefined, other)).status, 404);
    assert.equal((await stack.api('POST', `/v1/payments/${p.id}/cancel`, {}, other)).status, 404);
    assert.equal((await stack.api('POST', `/v1/payments/${p.id}/refunds`, { reason: 'x' }, other)).status, 404);
    const list = await stack.api('GET', '/v1/payments', undefined, other);
    assert.ok(!list.json.items.some((i: { id: string }) => i.id === p.id));
    assert.equal((await stack.payment(p.id)).status, 'PENDING');
  });

  it('rejects a forged webhook and changes nothing', async () => {
    const p = await create('forged', { amount: 63_000, method: 'QRIS' });
    const forged = await xenditWebhook({ event: 'payment.capture', data: { reference_id: p.id, status: 'SUCCEEDED', amount: 63_000 } }, 'not-the-token');
    assert.equal(forged.status, 401);
    assert.equal(((await forged.json()) as { code: string }).code, 'SIGNATURE_INVALID');
    // A genuine notice sent after it is seen by the payment: the forged one, sent first, was not.
    const genuine = await xenditWebhook({ event: 'payment.capture', data: { reference_id: p.id, payment_request_id: p.providerReference, status: 'SUCCEEDED', amount: 63_000 } });
    assert.equal(genuine.status, 200);
    const after = await stack.waitFor(p.id, (x) => x.notifications.wakeUps >= 1);
    assert.equal(after.notifications.wakeUps, 1, 'only the genuine notice reached the payment');
    assert.equal(after.status, 'PENDING', 'its claim was checked with Xendit: not paid');
    assert.ok(!after.timeline.some((t) => t.source === 'webhook'));
  });

  it('lists and filters payments through Temporal visibility', async () => {
    const p = await create('listing', { amount: 64_000, method: 'RETAIL_INDOMARET' });
    let found: { id: string; status: string; amount: number }[] = [];
    for (let i = 0; i < 30 && found.length === 0; i++) {
      const res = await stack.api('GET', `/v1/payments?method=RETAIL_INDOMARET&status=PENDING&limit=50`);
      found = res.json.items.filter((x: { id: string }) => x.id === p.id);
      if (!found.length) await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(found.length, 1);
    assert.equal(found[0]!.amount, 64_000);
    const none = await stack.api('GET', `/v1/payments?method=RETAIL_INDOMARET&status=SETTLED`);
    assert.ok(!none.json.items.some((x: { id: string }) => x.id === p.id));
  });

  // Last, over every payment above: the system of record holds exactly what each workflow computed.
  it('the database equals the workflow for every payment of this suite', async () => {
    const checker = await RecordChecker.open(stack.databaseUrl, stack.temporalAddress);
    try {
      assert.ok(recorded.size >= 10, `checked ${recorded.size} payments`);
      assert.deepEqual(await checker.eventually('payments', [...recorded.values()]), []);
    } finally {
      await checker.close();
    }
  });
});
