// Midtrans end to end on the real stack (Temporal dev server, sandboxes, worker, API as processes):
// HTTP create → workflow → Midtrans sandbox over HTTP → simulated payment → signed notification →
// /webhooks/midtrans → signal → SETTLED; plus refunds, forged notifications, polling-only
// settlement, expiry, and duplicate notifications. Then one test per method family, as in
// xendit.test.ts: convenience stores, e-wallets (full and partial refunds), Mandiri bill, Permata,
// duplicate + out-of-order notifications (sandbox faults), and expiry of stores and e-wallets.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { eventually } from '../helpers/wait.js';
import { uniqueRef, type TestStack } from '../helpers/stack.js';
import { providerSuite, type MerchantReceiver, paidEntries, duplicatesAbsorbed, webhookOutcomes } from '../helpers/provider-suite.js';
import { SANDBOX_PORT_OFFSETS } from '../../src/config/config.js';
import { DEV_DEFAULTS } from '../../src/sandbox/dev-defaults.js';
import type { PaymentView } from '../../src/domain/payment.js';

const MIDTRANS = SANDBOX_PORT_OFFSETS.midtrans;
const SERVER_KEY = DEV_DEFAULTS.midtrans.serverKey;
const WAIT_MS = 30_000;

function signature(orderId: string, statusCode: string, grossAmount: string, key: string = SERVER_KEY): string {
  return createHash('sha512')
    .update(orderId + statusCode + grossAmount + key)
    .digest('hex');
}

describe('midtrans over HTTP (real Temporal, real sandbox)', () => {
  const suite = providerSuite('midtrans', { refPrefix: 'mt' });
  const { create, ledgerEntry } = suite;
  let stack: TestStack;
  let merchant: MerchantReceiver;
  before(() => void ({ stack, merchant } = suite));
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
    assert.ok(
      delivered.some((n) => n.status === 200 && JSON.parse(n.body).transaction_status === 'settlement'),
      'the API answered the notification 200',
    );
    await stack.waitFor(created.id, (x) => x.merchantNotified); // told after SETTLED, beside the saga
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
    // Settled and the merchant told (after SETTLED): the timeline is complete from here on.
    await stack.waitFor(created.id, (p) => p.status === 'SETTLED' && p.merchantNotified, WAIT_MS);
    const settlement = (await notifications(created.id)).find((n) => JSON.parse(n.body).transaction_status === 'settlement');
    assert.ok(settlement, 'the sandbox sent a settlement notification');
    const before = await stack.payment(created.id);
    const duplicatesBefore = await webhookOutcomes(stack, 'midtrans', 'duplicate');
    for (let i = 0; i < 3; i++) {
      const res = await postWebhook(settlement.body);
      assert.equal(res.status, 200, `re-delivery ${i + 1}`);
    }
    // Absorbed as copies (the API sends no second signal, or the workflow counts it), no timeline line.
    const absorbed = await eventually(
      () => duplicatesAbsorbed(stack, 'midtrans', created.id, duplicatesBefore),
      (n) => n >= 3,
      WAIT_MS,
    );
    assert.ok(absorbed >= 3, `copies absorbed: ${absorbed}`);
    const view = await stack.payment(created.id);
    assert.deepEqual(view.timeline, before.timeline, 'copies add no timeline line');
    assert.equal(view.status, 'SETTLED');
    assert.equal(view.amounts.paid, 120_000);
    assert.equal(paidEntries(view).length, 1, 'one settlement');
    await new Promise((r) => setTimeout(r, 500));
    await stack.waitFor(created.id, (x) => x.merchantNotified); // told after SETTLED, beside the saga
    const callbacks = merchant.received.filter((r) => JSON.parse(r.body).data.id === created.id && JSON.parse(r.body).type === 'payment.paid');
    assert.equal(callbacks.length, 1, 'the merchant heard about it once');
  });

  /** Which instructions each family shows, and nothing else. */
  const FAMILY_INSTRUCTIONS = {
    va: ['bankCode', 'virtualAccountNumber'],
    bill: ['bankCode', 'billerCode', 'payCode'],
    ewallet: ['payUrl'],
    cstore: ['payCode'],
  } as const;
  const assertInstructions = (p: PaymentView, family: keyof typeof FAMILY_INSTRUCTIONS) =>
    assert.deepEqual(Object.keys(p.instructions).sort(), [...FAMILY_INSTRUCTIONS[family]], `${p.method}: ${JSON.stringify(p.instructions)}`);

  /** Pays at the sandbox, waits for SETTLED, and checks the notification settled it and was answered 200. */
  async function payAndSettle(p: PaymentView): Promise<PaymentView> {
    const paid = await stack.pay(p.id, {}, MIDTRANS);
    assert.equal(paid.status, 200, JSON.stringify(paid.json));
    assert.equal(paid.json.status_code, '200', JSON.stringify(paid.json));
    const settled = await stack.waitFor(p.id, (x) => x.status === 'SETTLED', WAIT_MS);
    assert.equal(settled.amounts.paid, p.amounts.expected, p.method);
    assert.equal(paidEntries(settled).length, 1, `${p.method}: one settlement`);
    assert.equal(paidEntries(settled)[0]!.source, 'webhook', `${p.method}: settled by the notification`);
    assert.deepEqual(settled.instructions, {}, `${p.method}: a settled payment shows nowhere to pay`);
    assert.equal((await ledgerEntry(p.id))?.status, 'settlement', p.method);
    const delivered = await notifications(p.id);
    assert.ok(
      delivered.some((n) => n.status === 200 && JSON.parse(n.body).transaction_status === 'settlement'),
      `${p.method}: the API answered the notification 200`,
    );
    return settled;
  }

  it('convenience stores (Alfamart, Indomaret): pay code → paid → SETTLED; a refund is refused 422 REFUND_NOT_SUPPORTED', async () => {
    const [alfamart, indomaret] = await Promise.all([create({ amount: 44_000, method: 'RETAIL_ALFAMART' }), create({ amount: 46_000, method: 'RETAIL_INDOMARET' })]);
    for (const p of [alfamart, indomaret]) {
      assert.equal(p.status, 'PENDING');
      assertInstructions(p, 'cstore');
      assert.match(p.instructions.payCode!, /^\d{14}$/);
    }
    await Promise.all([payAndSettle(alfamart), payAndSettle(indomaret)]);
    for (const p of [alfamart, indomaret]) {
      const refused = await stack.api('POST', `/v1/payments/${p.id}/refunds`, { amount: 10_000, reason: 'customer asked' });
      assert.equal(refused.status, 422, refused.text);
      assert.equal(refused.json.code, 'REFUND_NOT_SUPPORTED');
      const view = await stack.payment(p.id);
      assert.equal(view.status, 'SETTLED');
      assert.equal(view.refunds.length, 0);
      assert.equal((await ledgerEntry(p.id))?.refundedAmount, 0, 'nothing reached Midtrans');
    }
  });

  it('e-wallets: GoPay pay URL → paid → SETTLED → refunded in full; ShopeePay refunded in part', async () => {
    const [gopay, shopee] = await Promise.all([create({ amount: 80_000, method: 'EWALLET_GOPAY' }), create({ amount: 90_000, method: 'EWALLET_SHOPEEPAY' })]);
    assertInstructions(gopay, 'ewallet');
    assertInstructions(shopee, 'ewallet');
    assert.match(gopay.instructions.payUrl!, /^http:\/\/127\.0\.0\.1:\d+\/sandbox\/gopay\/ui\/checkout\?referenceid=[0-9a-f-]{36}$/);
    assert.match(shopee.instructions.payUrl!, /^http:\/\/127\.0\.0\.1:\d+\/sandbox\/shopeepay\/ui\/checkout\?reference=[0-9a-f-]{36}$/);
    await Promise.all([payAndSettle(gopay), payAndSettle(shopee)]);

    const full = await stack.api('POST', `/v1/payments/${gopay.id}/refunds`, { reason: 'order cancelled by the shop' });
    assert.equal(full.status, 201, full.text);
    assert.equal(full.json.state, 'SUCCEEDED');
    assert.equal(full.json.amount, 80_000);
    const refunded = await stack.waitFor(gopay.id, (p) => p.status === 'REFUNDED', WAIT_MS);
    assert.equal(refunded.amounts.refunded, 80_000);
    assert.equal(refunded.amounts.refundable, 0);
    assert.deepEqual(await ledgerEntry(gopay.id).then((e) => [e?.status, e?.refundedAmount]), ['refund', 80_000]);

    const part = await stack.api('POST', `/v1/payments/${shopee.id}/refunds`, { amount: 30_000, reason: 'one item out of stock' });
    assert.equal(part.status, 201, part.text);
    assert.equal(part.json.state, 'SUCCEEDED');
    const partly = await stack.waitFor(shopee.id, (p) => p.status === 'PARTIALLY_REFUNDED', WAIT_MS);
    assert.equal(partly.amounts.refunded, 30_000);
    assert.equal(partly.amounts.refundable, 60_000);
    assert.deepEqual(await ledgerEntry(shopee.id).then((e) => [e?.status, e?.refundedAmount]), ['partial_refund', 30_000]);
    // Midtrans' refund / partial_refund notifications are acknowledged without moving either payment.
    const refundNotices = await eventually(
      async () => [...(await notifications(gopay.id)), ...(await notifications(shopee.id))].filter((n) => /refund/.test(JSON.parse(n.body).transaction_status)),
      (list) => list.length >= 2,
    );
    assert.equal(refundNotices.length, 2, 'one refund notification per payment');
    assert.ok(refundNotices.every((n) => n.status === 200));
    assert.equal((await stack.payment(gopay.id)).status, 'REFUNDED');
    assert.equal((await stack.payment(shopee.id)).status, 'PARTIALLY_REFUNDED');
  });

  it('Mandiri bill (VA_MANDIRI): biller code + bill key → paid → SETTLED by the notification', async () => {
    const created = await create({ amount: 175_000, method: 'VA_MANDIRI', description: 'Invoice 8' });
    assertInstructions(created, 'bill');
    assert.equal(created.instructions.bankCode, 'MANDIRI');
    assert.equal(created.instructions.billerCode, '70012');
    assert.match(created.instructions.payCode!, /^\d{12}$/);
    await payAndSettle(created);
    const notice = (await notifications(created.id)).map((n) => JSON.parse(n.body)).find((b) => b.transaction_status === 'settlement');
    assert.equal(notice.payment_type, 'echannel');
    assert.equal(notice.bill_key, created.instructions.payCode);
  });

  it('VA_PERMATA: permata_va_number → paid → SETTLED by the notification', async () => {
    const created = await create({ amount: 65_000, method: 'VA_PERMATA' });
    assertInstructions(created, 'va');
    assert.equal(created.instructions.bankCode, 'PERMATA');
    assert.match(created.instructions.virtualAccountNumber!, /^\d{16}$/);
    await payAndSettle(created);
    const notice = (await notifications(created.id)).map((n) => JSON.parse(n.body)).find((b) => b.transaction_status === 'settlement');
    assert.equal(notice.permata_va_number, created.instructions.virtualAccountNumber);
    assert.equal(notice.va_numbers, undefined, 'Permata answers with permata_va_number, not va_numbers');
  });

  it('duplicate and out-of-order notifications: one PAID, one SETTLED, and a stale "pending" never moves it back', async () => {
    await stack.withFaults(
      { duplicateRate: 1, outOfOrderRate: 1 },
      async () => {
        const created = await create({ amount: 135_000, method: 'VA_CIMB', callbackUrl: merchant.url });
        const duplicatesBefore = await webhookOutcomes(stack, 'midtrans', 'duplicate');
        await stack.pay(created.id, {}, MIDTRANS);
        // settlement, its duplicate (absorbed as a copy), and a stale pending notice sent after it.
        const view = await stack.waitFor(created.id, (p) => p.status === 'SETTLED' && p.timeline.some((t) => t.source === 'webhook' && /^pending/.test(t.detail ?? '')), WAIT_MS);
        const absorbed = await eventually(
          () => duplicatesAbsorbed(stack, 'midtrans', created.id, duplicatesBefore),
          (n) => n >= 1,
          WAIT_MS,
        );
        assert.ok(absorbed >= 1, 'the duplicate was absorbed');
        // The sandbox logs a delivery once bayar has answered it, which can be just after the payment shows it.
        const sent = await eventually(
          async () => (await notifications(created.id)).map((n) => JSON.parse(n.body).transaction_status as string),
          (s) => s.length >= 3,
        );
        assert.equal(sent.filter((s) => s === 'settlement').length, 2, `settlement delivered twice: ${sent}`);
        assert.equal(sent.filter((s) => s === 'pending').length, 1, `a stale pending after it: ${sent}`);
        // Whatever order they landed in, the status only moved forward.
        const statuses = view.timeline.filter((t) => t.type.startsWith('status:')).map((t) => t.type);
        assert.deepEqual(statuses, ['status:PENDING', 'status:PAID', 'status:SETTLED']);
        assert.equal(view.timeline.filter((t) => t.type === 'status:PAID').length, 1);
        assert.equal(view.timeline.filter((t) => t.type === 'status:SETTLED').length, 1);
        assert.equal(view.amounts.paid, 135_000);
        await new Promise((r) => setTimeout(r, 500));
        const after = await stack.payment(created.id);
        assert.equal(after.status, 'SETTLED');
        assert.equal(after.timeline.filter((t) => t.type.startsWith('status:')).length, 3, 'no regression later either');
        await stack.waitFor(created.id, (x) => x.merchantNotified); // told after SETTLED, beside the saga
        const callbacks = merchant.received.filter((r) => JSON.parse(r.body).data.id === created.id && JSON.parse(r.body).type === 'payment.paid');
        assert.equal(callbacks.length, 1, 'the merchant heard about it once');
      },
      MIDTRANS,
    );
  });

  it('expires unpaid payments at their deadline in every other family (Indomaret, GoPay, ShopeePay) and expires them at Midtrans', async () => {
    const payments = await Promise.all((['RETAIL_INDOMARET', 'EWALLET_GOPAY', 'EWALLET_SHOPEEPAY'] as const).map((method) => create({ amount: 21_000, method, expiresInSeconds: 2 })));
    const expired = await Promise.all(payments.map((p) => stack.waitFor(p.id, (x) => x.status === 'EXPIRED', WAIT_MS)));
    for (const e of expired) {
      assert.deepEqual(e.instructions, {}, `${e.method}: an expired payment shows nowhere to pay`);
      assert.equal(e.amounts.paid, 0, e.method);
      assert.ok(
        e.timeline.some((t) => t.type === 'closing:EXPIRED' && t.source === 'timer'),
        e.method,
      );
      assert.equal((await ledgerEntry(e.id))?.status, 'expire', e.method);
    }
    // An expired charge cannot be paid any more at Midtrans.
    const late = await stack.pay(expired[1]!.id, {}, MIDTRANS);
    assert.equal(late.json.status_code, '412', JSON.stringify(late.json));
  });
});
