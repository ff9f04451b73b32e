// Midtrans end to end on the real stack (Temporal dev server, sandboxes, worker, API as processes):
// HTTP create → workflow → Midtrans sandbox over HTTP → simulated payment → signed notification →
// /webhooks/midtrans → signal → SETTLED; plus refunds, forged notifications, polling-only
// settlement, expiry, and duplicate notifications.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startMerchantReceiver, startTestStack, uniqueRef, type TestStack } from '../helpers/stack.js';
import { DEV_DEFAULTS, SANDBOX_PORT_OFFSETS } from '../../src/config/config.js';
import type { PaymentView } from '../../src/domain/payment.js';

const MIDTRANS = SANDBOX_PORT_OFFSETS.midtrans;
const SERVER_KEY = DEV_DEFAULTS.midtrans.serverKey;
const WAIT_MS = 30_000;

function signature(orderId: string, statusCode: string, grossAmount: string, key: string = SERVER_KEY): string {
  return createHash('sha512').update(orderId + statusCode + grossAmount + key).digest('hex');
}

const paidEntries = (p: PaymentView) => p.timeline.filter((t) => t.type === 'status:PAID');

describe('midtrans over HTTP (real Temporal, real sandbox)', () => {
  let stack: TestStack;
  let merchant: Awaited<ReturnType<typeof startMerchantReceiver>>;

  before(async () => {
    // Polls start 4 s after a charge is created: long enough that a webhook sent right after
    // paying always wins, short enough for the polling-only case.
    stack = await startTestStack({ env: { BAYAR_POLL_SCHEDULE: '4s' } });
    merchant = await startMerchantReceiver();
  });
  after(async () => {
    await stack?.stop();
    await merchant?.close();
  });

  const create = async (body: Record<string, unknown>) => {
    const res = await stack.api('POST', '/v1/payments', { merchantReference: uniqueRef('mt'), provider: 'midtrans', ...body });
    assert.equal(res.status, 201, res.text);
    return res.json as PaymentView;
  };
  const ledgerEntry = async (id: string) => {
    const ledger = await stack.sandbox('GET', '/_sandbox/ledger', undefined, MIDTRANS);
    return (ledger.json.charges as { reference: string; status: string; paidAmount: number; refundedAmount: number; createRequests: number }[]).find((c) => c.reference === id);
  };
  const notifications = async (id: string) => {
    const sent = await stack.sandbox('GET', '/_sandbox/notifications', undefined, MIDTRANS);
    return (sent.json as { body: string; status: number }[]).filter((n) => JSON.parse(n.body).order_id === id);
  };
  const postWebhook = (body: string) => fetch(`${stack.apiUrl}/webhooks/midtrans`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  it('VA_BCA: create → sandbox pay → signed notification → SETTLED, and the merchant is told once', async () => {
    const created = await create({ amount: 150_000, method: 'VA_BCA', customer: { name: 'Budi Santoso' }, callbackUrl: merchant.url });
    assert.equal(created.status, 'PENDING');
    assert.equal(created.provider, 'midtrans');
    assert.match(created.instructions.virtualAccountNumber ?? '', /^\d{10,}$/);
    assert.equal(created.instructions.bankCode, 'BCA');
    assert.match(created.providerReference ?? '', /^[0-9a-f-]{36}$/);

    const paid = await stack.pay(created.id, {}, MIDTRANS);
    assert.equal(paid.status, 200, JSON.stringify(paid.json));
    const settled = await stack.waitFor(created.id, (p) => p.status === 'SETTLED', WAIT_MS);
    assert.equal(settled.amounts.paid, 150_000);
    assert.equal(paidEntries(settled).length, 1);
    assert.equal(paidEntries(settled)[0]!.source, 'webhook');
    assert.deepEqual(settled.instructions, {});
    assert.equal((await ledgerEntry(created.id))?.status, 'settlement');
    const delivered = await notifications(created.id);
    assert.ok(delivered.some((n) => n.status === 200 && JSON.parse(n.body).transaction_status === 'settlement'), 'the API answered the notification 200');
    const callbacks = merchant.received.filter((r) => JSON.parse(r.body).data.id === created.id && JSON.parse(r.body).type === 'payment.paid');
    assert.equal(callbacks.length, 1);
  });

  it('routes shared methods to xendit by default; midtrans only when asked', async () => {
    const res = await stack.api('POST', '/v1/payments', { merchantReference: uniqueRef('route'), amount: 10_000, method: 'VA_BCA' });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.json.provider, 'xendit');
    const gopay = await stack.api('POST', '/v1/payments', { merchantReference: uniqueRef('route'), amount: 10_000, method: 'EWALLET_GOPAY' });
    assert.equal(gopay.status, 201, gopay.text);
    assert.equal(gopay.json.provider, 'midtrans', 'only midtrans offers GoPay');
  });

  it('QRIS: settles, refunds partially at Midtrans; a VA refund is refused 422 REFUND_NOT_SUPPORTED', async () => {
    const qris = await create({ amount: 100_000, method: 'QRIS' });
    assert.match(qris.instructions.qrString ?? '', /^000201/);
    await stack.pay(qris.id, {}, MIDTRANS);
    await stack.waitFor(qris.id, (p) => p.status === 'SETTLED', WAIT_MS);

    const refund = await stack.api('POST', `/v1/payments/${qris.id}/refunds`, { amount: 40_000, reason: 'customer returned one item' });
    assert.equal(refund.status, 201, refund.text);
    assert.equal(refund.json.state, 'SUCCEEDED');
    const after = await stack.waitFor(qris.id, (p) => p.status === 'PARTIALLY_REFUNDED', WAIT_MS);
    assert.equal(after.amounts.refunded, 40_000);
    assert.equal(after.amounts.refundable, 60_000);
    const entry = await ledgerEntry(qris.id);
    assert.equal(entry?.refundedAmount, 40_000);
    assert.equal(entry?.status, 'partial_refund');

    const va = await create({ amount: 50_000, method: 'VA_PERMATA' });
    await stack.pay(va.id, {}, MIDTRANS);
    await stack.waitFor(va.id, (p) => p.status === 'SETTLED', WAIT_MS);
    const refused = await stack.api('POST', `/v1/payments/${va.id}/refunds`, { amount: 10_000, reason: 'customer asked' });
    assert.equal(refused.status, 422, refused.text);
    assert.equal(refused.json.code, 'REFUND_NOT_SUPPORTED');
    assert.equal((await ledgerEntry(va.id))?.refundedAmount, 0, 'nothing reached Midtrans');
  });

  it('refuses a forged or tampered notification with 401 and changes nothing', async () => {
    const created = await create({ amount: 75_000, method: 'VA_BNI' });
    const base = {
      transaction_time: '2024-07-04 10:53:53',
      transaction_status: 'settlement',
      transaction_id: created.providerReference,
      status_message: 'midtrans payment notification',
      status_code: '200',
      payment_type: 'bank_transfer',
      order_id: created.id,
      gross_amount: '75000.00',
      fraud_status: 'accept',
      currency: 'IDR',
    };
    const forged = await postWebhook(JSON.stringify({ ...base, signature_key: signature(created.id, '200', '75000.00', 'SB-Mid-server-guessed') }));
    assert.equal(forged.status, 401);
    assert.equal(((await forged.json()) as { code: string }).code, 'SIGNATURE_INVALID');
    // A genuine signature for another amount does not carry over to a tampered body.
    const tampered = await postWebhook(JSON.stringify({ ...base, gross_amount: '7500.00', signature_key: signature(created.id, '200', '75000.00') }));
    assert.equal(tampered.status, 401);
    const unsigned = await postWebhook(JSON.stringify(base));
    assert.equal(unsigned.status, 401);

    await new Promise((r) => setTimeout(r, 500));
    const view = await stack.payment(created.id);
    assert.equal(view.status, 'PENDING');
    assert.equal(view.amounts.paid, 0);
    assert.ok(!view.timeline.some((t) => t.source === 'webhook'), 'nothing from the forged notifications reached the payment');
    assert.equal((await ledgerEntry(created.id))?.status, 'pending');
  });

  it('settles by polling alone when notifications are off (VA_MANDIRI bill payment)', async () => {
    const faults = await stack.sandbox('POST', '/_sandbox/faults', { webhooksEnabled: false }, MIDTRANS);
    assert.equal(faults.status, 200);
    try {
      const created = await create({ amount: 250_000, method: 'VA_MANDIRI', description: 'Invoice 7' });
      assert.equal(created.instructions.billerCode, '70012');
      assert.match(created.instructions.payCode ?? '', /^\d{12}$/);
      await stack.pay(created.id, {}, MIDTRANS);
      const settled = await stack.waitFor(created.id, (p) => p.status === 'SETTLED', WAIT_MS);
      assert.equal(settled.amounts.paid, 250_000);
      assert.equal(paidEntries(settled)[0]?.source, 'poll');
      assert.equal((await notifications(created.id)).length, 0, 'no notification was sent');
    } finally {
      await stack.sandbox('POST', '/_sandbox/faults', {}, MIDTRANS);
    }
  });

  it('expires an unpaid payment at its deadline and expires the charge at Midtrans', async () => {
    const created = await create({ amount: 20_000, method: 'RETAIL_ALFAMART', expiresInSeconds: 2 });
    assert.match(created.instructions.payCode ?? '', /^\d{14}$/);
    const expired = await stack.waitFor(created.id, (p) => p.status === 'EXPIRED', WAIT_MS);
    assert.deepEqual(expired.instructions, {}, 'an expired payment shows nowhere to pay');
    assert.equal(expired.amounts.paid, 0);
    assert.equal((await ledgerEntry(created.id))?.status, 'expire');
  });

  it('refunds a QRIS payment that lands after expiry, automatically, at Midtrans', async () => {
    const created = await create({ amount: 30_000, method: 'QRIS', expiresInSeconds: 2 });
    await stack.waitFor(created.id, (p) => p.status === 'EXPIRED', WAIT_MS);
    const late = await stack.pay(created.id, { force: true }, MIDTRANS);
    assert.equal(late.status, 200, JSON.stringify(late.json));
    const refunded = await stack.waitFor(created.id, (p) => p.status === 'REFUNDED', WAIT_MS);
    assert.equal(refunded.refunds[0]?.origin, 'auto');
    assert.equal(refunded.refunds[0]?.state, 'SUCCEEDED');
    const entry = await ledgerEntry(created.id);
    assert.equal(entry?.refundedAmount, 30_000);
    assert.equal(entry?.status, 'refund');
  });

  it('applies a notification delivered three more times exactly once', async () => {
    const created = await create({ amount: 120_000, method: 'VA_BRI', callbackUrl: merchant.url });
    await stack.pay(created.id, {}, MIDTRANS);
    await stack.waitFor(created.id, (p) => p.status === 'SETTLED', WAIT_MS);
    const settlement = (await notifications(created.id)).find((n) => JSON.parse(n.body).transaction_status === 'settlement');
    assert.ok(settlement, 'the sandbox sent a settlement notification');
    for (let i = 0; i < 3; i++) {
      const res = await postWebhook(settlement.body);
      assert.equal(res.status, 200, `re-delivery ${i + 1}`);
    }
    const view = await stack.waitFor(created.id, (p) => p.timeline.filter((t) => t.ignored && /duplicate/.test(t.detail ?? '')).length >= 3, WAIT_MS);
    assert.equal(view.status, 'SETTLED');
    assert.equal(view.amounts.paid, 120_000);
    assert.equal(paidEntries(view).length, 1, 'one settlement');
    await new Promise((r) => setTimeout(r, 500));
    const callbacks = merchant.received.filter((r) => JSON.parse(r.body).data.id === created.id && JSON.parse(r.body).type === 'payment.paid');
    assert.equal(callbacks.length, 1, 'the merchant heard about it once');
  });
});
