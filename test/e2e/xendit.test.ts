// Xendit end to end on the real stack (Temporal dev server, sandboxes, worker, API as processes),
// one payment method family at a time: VA, QRIS, e-wallet, over the counter. HTTP create →
// workflow → Xendit sandbox → instructions for that family → simulated payment → callback with
// x-callback-token → /webhooks/xendit → SETTLED; refunds where Xendit has them, polling when
// callbacks never come, expiry, and callbacks that carry the right token but the wrong payment.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { paidEntries, webhookOutcomes } from '../helpers/provider-suite.js';
import { recordHistories } from '../helpers/histories.js';
import { acquireTestStack, releaseTestStack, STANDARD_STACK, uniqueRef, type TestStack } from '../helpers/stack.js';
import { DEV_DEFAULTS } from '../../src/sandbox/dev-defaults.js';
import { basicAuthHeader } from '../../src/providers/xendit/signature.js';
import type { PaymentMethod, PaymentView } from '../../src/domain/payment.js';

const WAIT_MS = 20_000;
const TOKEN = DEV_DEFAULTS.xendit.callbackToken;

/** Which instructions each family shows, and nothing else. */
const FAMILY_INSTRUCTIONS = {
  va: ['bankCode', 'virtualAccountNumber'],
  qris: ['qrString'],
  ewallet: ['payUrl'],
  otc: ['payCode'],
} as const;

describe('xendit over HTTP, per method family (real Temporal, real sandbox)', () => {
  let stack: TestStack;
  const recorded = new Map<string, string>();

  before(async () => {
    // The standard stack: polls from 4 s after the charge, so a callback sent right after paying
    // gets there first, and the polling-only case settles about 4 s after paying.
    stack = await acquireTestStack(STANDARD_STACK);
  });
  after(async () => {
    if (stack && process.env.BAYAR_RECORD_HISTORIES) await recordHistories(stack.temporalAddress, recorded);
    await releaseTestStack(stack);
  });

  const create = async (method: PaymentMethod, body: Record<string, unknown> = {}) => {
    const res = await stack.api('POST', '/v1/payments', { merchantReference: uniqueRef('xnd'), provider: 'xendit', amount: 50_000, method, customer: { name: 'Budi Santoso' }, ...body });
    assert.equal(res.status, 201, res.text);
    const payment = res.json as PaymentView;
    assert.equal(payment.provider, 'xendit');
    assert.equal(payment.status, 'PENDING', `${method}: ${res.text}`);
    assert.match(payment.providerReference ?? '', /^pr-[0-9a-f]+$/);
    return payment;
  };
  const ledgerEntry = async (id: string) => (await stack.charges(id))[0];
  const notifications = async (id: string) => {
    const sent = await stack.sandbox('GET', '/_sandbox/notifications');
    return (sent.json as { body: string; status: number | 'error' }[]).filter((n) => n.body.includes(`"${id}"`)).map((n) => ({ status: n.status, json: JSON.parse(n.body) as { event: string } }));
  };
  /** The payment request as Xendit (the sandbox) holds it, read with bayar's development key. */
  const atXendit = async (providerReference: string) => {
    const res = await fetch(`${stack.sandboxUrl()}/payment_requests/${providerReference}`, { headers: { authorization: basicAuthHeader(DEV_DEFAULTS.xendit.secretKey) } });
    assert.equal(res.status, 200);
    return (await res.json()) as { status: string; payment_method: Record<string, { channel_code: string; channel_properties: Record<string, string> } | null> };
  };
  const postWebhook = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${stack.apiUrl}/webhooks/xendit`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-callback-token': TOKEN, 'webhook-id': `whk-${randomBytes(8).toString('hex')}`, ...headers },
      body: JSON.stringify(body),
    });

  function assertInstructions(p: PaymentView, family: keyof typeof FAMILY_INSTRUCTIONS): void {
    assert.deepEqual(Object.keys(p.instructions).sort(), [...FAMILY_INSTRUCTIONS[family]], `${p.method}: ${JSON.stringify(p.instructions)}`);
  }

  /** Pays at the sandbox, waits for SETTLED, and checks the callback was delivered and taken. */
  async function payAndSettle(p: PaymentView): Promise<PaymentView> {
    const paid = await stack.pay(p.id);
    assert.equal(paid.status, 200, JSON.stringify(paid.json));
    const settled = await stack.waitFor(p.id, (x) => x.status === 'SETTLED', WAIT_MS);
    assert.equal(settled.amounts.paid, p.amounts.expected);
    assert.equal(paidEntries(settled).length, 1, 'one settlement');
    assert.deepEqual(settled.instructions, {}, 'a settled payment shows nowhere to pay');
    assert.equal((await ledgerEntry(p.id))?.status, 'SUCCEEDED');
    const delivered = await notifications(p.id);
    assert.ok(
      delivered.some((n) => n.json.event === 'payment.succeeded' && n.status === 200),
      `callback answered 200: ${JSON.stringify(delivered)}`,
    );
    // Whether it or a poll came first, the callback reached the payment. Xendit's token signs no
    // body, so the callback only woke the payment, which asked Xendit (counted, not recorded).
    const seen = await stack.waitFor(p.id, (x) => x.notifications.wakeUps >= 1, WAIT_MS);
    assert.equal(seen.status, 'SETTLED');
    return settled;
  }

  it('virtual accounts (Sahabat Sampoerna, Permata): VA number and bank → paid → SETTLED', async () => {
    const [sampoerna, permata] = await Promise.all([create('VA_SAMPOERNA', { amount: 150_000 }), create('VA_PERMATA', { amount: 75_000 })]);
    for (const [p, bank] of [
      [sampoerna, 'SAHABAT_SAMPOERNA'],
      [permata, 'PERMATA'],
    ] as const) {
      assertInstructions(p, 'va');
      assert.equal(p.instructions.bankCode, bank);
      assert.match(p.instructions.virtualAccountNumber!, /^\d{10,}$/);
      const xendit = await atXendit(p.providerReference!);
      assert.equal(xendit.payment_method.virtual_account?.channel_code, bank);
      assert.equal(xendit.payment_method.virtual_account?.channel_properties.customer_name, 'Budi Santoso');
    }
    await Promise.all([payAndSettle(sampoerna), payAndSettle(permata)]);
  });

  it('QRIS: QR string → paid → SETTLED', async () => {
    const qris = await create('QRIS', { amount: 52_000 });
    assertInstructions(qris, 'qris');
    assert.match(qris.instructions.qrString!, /^000201/);
    assert.ok(qris.instructions.qrString!.includes('52000'), 'the dynamic QR carries the amount');
    await payAndSettle(qris);
  });

  it('e-wallets (ShopeePay with a phone, LinkAja): pay URL → paid → SETTLED; ShopeePay refunded in full', async () => {
    const [shopee, linkaja] = await Promise.all([
      create('EWALLET_SHOPEEPAY', { amount: 80_000, customer: { name: 'Budi Santoso', phone: '+6281234567890' } }),
      create('EWALLET_LINKAJA', { amount: 45_000 }),
    ]);
    for (const p of [shopee, linkaja]) {
      assertInstructions(p, 'ewallet');
      assert.match(p.instructions.payUrl!, /^https?:\/\/.+\/pr-[0-9a-f]+$/);
    }
    assert.equal((await atXendit(shopee.providerReference!)).payment_method.ewallet?.channel_properties.mobile_number, '+6281234567890', 'the phone reached Xendit');
    // Redirect e-wallets need a return page; without the payment's returnUrl the configured default goes.
    assert.equal((await atXendit(linkaja.providerReference!)).payment_method.ewallet?.channel_properties.success_return_url, 'https://merchant.example/payment/return');
    await Promise.all([payAndSettle(shopee), payAndSettle(linkaja)]);

    const refund = await stack.api('POST', `/v1/payments/${shopee.id}/refunds`, { reason: 'order cancelled by the shop' });
    assert.equal(refund.status, 201, refund.text);
    assert.equal(refund.json.state, 'SUCCEEDED');
    assert.equal(refund.json.amount, 80_000);
    assert.match(refund.json.providerRefundId, /^rfd-/);
    const refunded = await stack.waitFor(shopee.id, (p) => p.status === 'REFUNDED', WAIT_MS);
    assert.equal(refunded.amounts.refunded, 80_000);
    assert.equal(refunded.amounts.refundable, 0);
    assert.equal((await ledgerEntry(shopee.id))?.refundedAmount, 80_000);
    // Xendit's refund.succeeded callback is acknowledged; it only wakes the payment (REFUNDED: nothing left to look up).
    const deadline = Date.now() + 5000;
    let refundNotice: { status: number | 'error' } | undefined;
    while (!refundNotice && Date.now() < deadline) {
      refundNotice = (await notifications(refund.json.providerRefundId)).find((n) => n.json.event === 'refund.succeeded');
      if (!refundNotice) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(refundNotice?.status, 200);
    assert.equal((await stack.payment(shopee.id)).status, 'REFUNDED');
  });

  it('over the counter (Indomaret): pay code → paid → SETTLED; a refund is refused 422 REFUND_NOT_SUPPORTED', async () => {
    const otc = await create('RETAIL_INDOMARET', { amount: 64_000 });
    assertInstructions(otc, 'otc');
    assert.match(otc.instructions.payCode!, /^[A-Z0-9]{8,}$/);
    await payAndSettle(otc);
    const refused = await stack.api('POST', `/v1/payments/${otc.id}/refunds`, { amount: 10_000, reason: 'customer asked' });
    assert.equal(refused.status, 422, refused.text);
    assert.equal(refused.json.code, 'REFUND_NOT_SUPPORTED');
    assert.equal((await stack.payment(otc.id)).refunds.length, 0);
    assert.equal((await ledgerEntry(otc.id))?.refundedAmount, 0, 'nothing reached Xendit');
  });

  it('settles by polling alone when callbacks never come, in every family', async () => {
    await stack.withFaults({ webhooksEnabled: false }, async () => {
      const payments = await Promise.all([
        create('VA_PERMATA', { amount: 31_000 }),
        create('QRIS', { amount: 32_000 }),
        create('EWALLET_LINKAJA', { amount: 33_000 }),
        create('RETAIL_INDOMARET', { amount: 34_000 }),
      ]);
      await Promise.all(payments.map((p) => stack.pay(p.id)));
      const settled = await Promise.all(payments.map((p) => stack.waitFor(p.id, (x) => x.status === 'SETTLED', WAIT_MS)));
      for (const s of settled) {
        assert.equal(s.amounts.paid, s.amounts.expected, s.method);
        assert.equal(paidEntries(s)[0]?.source, 'poll', s.method);
        assert.ok(!s.timeline.some((t) => t.source === 'webhook'), s.method);
        assert.equal((await notifications(s.id)).length, 0, `${s.method}: no callback was sent`);
      }
    });
  });

  it("waits out Xendit's rate limit as announced (Rate-Limit-Reset), and still settles by polling", async () => {
    // Xendit's quota is per endpoint per account over a sliding window (docs.xendit.co/apidocs/rate-limits);
    // here one status look-up per 8 s, against this stack's poll every 4 s: the second look-up meets
    // a 429 RATE_LIMIT_EXCEEDED that names the seconds left. Temporal's own backoff would ask again
    // after 1 s and 2 s, into the same window; bayar asks again when the window says.
    type Refused = { at: number; endpoint: string; path: string; resetMs: number };
    const refusedFor = async (reference: string) =>
      ((await stack.sandbox('GET', '/_sandbox/xendit/rate-limit')).json as { refused: Refused[] }).refused.filter((r) => r.path === `/payment_requests/${reference}`);
    await stack.withFaults({ webhooksEnabled: false }, async () => {
      const limited = await stack.sandbox('POST', '/_sandbox/xendit/rate-limit', { perWindow: 1, windowMs: 8_000 });
      assert.equal(limited.status, 200, JSON.stringify(limited.json));
      try {
        const payment = await create('VA_BRI', { amount: 36_000 });
        const reference = payment.providerReference!;
        const deadline = Date.now() + WAIT_MS;
        while ((await refusedFor(reference)).length === 0) {
          assert.ok(Date.now() < deadline, 'no look-up met the limit');
          await new Promise((r) => setTimeout(r, 250));
        }
        await stack.pay(payment.id);
        const settled = await stack.waitFor(payment.id, (x) => x.status === 'SETTLED', WAIT_MS);
        assert.equal(paidEntries(settled)[0]?.source, 'poll');
        const refused = await refusedFor(reference);
        // Each refusal came no sooner than the reset the one before it announced (50 ms for clocks).
        for (let i = 1; i < refused.length; i++) {
          assert.ok(
            refused[i]!.at >= refused[i - 1]!.at + refused[i - 1]!.resetMs - 50,
            `refusal ${i} came ${refused[i]!.at - refused[i - 1]!.at} ms after one that said wait ${refused[i - 1]!.resetMs} ms`,
          );
        }
        assert.ok(refused.length <= 2, `${refused.length} look-ups of one payment refused`);
      } finally {
        const off = await stack.sandbox('POST', '/_sandbox/xendit/rate-limit', { perWindow: null });
        assert.equal(off.status, 200, JSON.stringify(off.json));
      }
    });
  });

  it('expires unpaid payments at their deadline and expires the charge at Xendit, in every family', async () => {
    const payments = await Promise.all((['VA_SAMPOERNA', 'QRIS', 'EWALLET_SHOPEEPAY', 'RETAIL_INDOMARET'] as const).map((method) => create(method, { amount: 21_000, expiresInSeconds: 2 })));
    const expired = await Promise.all(payments.map((p) => stack.waitFor(p.id, (x) => x.status === 'EXPIRED', WAIT_MS)));
    for (const e of expired) {
      assert.deepEqual(e.instructions, {}, `${e.method}: an expired payment shows nowhere to pay`);
      assert.equal(e.amounts.paid, 0);
      assert.ok(
        e.timeline.some((t) => t.type === 'closing:EXPIRED' && t.source === 'timer'),
        e.method,
      );
      assert.equal((await ledgerEntry(e.id))?.status, 'EXPIRED', e.method);
      assert.equal((await atXendit(e.providerReference!)).status, 'EXPIRED', e.method);
    }
  });

  /** A callback in Xendit's shape (xendit-node PaymentCallback) for a payment request. */
  const succeeded = (p: PaymentView, referenceId: string) => ({
    event: 'payment.succeeded',
    business_id: 'bayar-sandbox-business',
    created: new Date().toISOString(),
    data: {
      id: `py-${randomBytes(12).toString('hex')}`,
      payment_request_id: p.providerReference,
      reference_id: referenceId,
      currency: 'IDR',
      amount: p.amounts.expected,
      country: 'ID',
      status: 'SUCCEEDED',
      payment_method: { id: `pm-${randomBytes(12).toString('hex')}`, type: 'VIRTUAL_ACCOUNT', reusability: 'ONE_TIME_USE', status: 'ACTIVE' },
      created: new Date().toISOString(),
      updated: new Date().toISOString(),
    },
  });

  it('answers 503 (so Xendit retries) and logs a callback with the right token for a payment that does not exist', async () => {
    const p = await create('VA_PERMATA', { amount: 41_000 });
    const missing = `pay_${randomBytes(12).toString('hex')}`;
    const res = await postWebhook(succeeded(p, missing));
    assert.equal(res.status, 503);
    assert.deepEqual(await res.json(), { received: false });
    await new Promise((r) => setTimeout(r, 300));
    assert.match(stack.stack.output('api'), new RegExp(`xendit: could not signal ${missing} \\(no open payment\\); asking the provider to retry`));
    const view = await stack.payment(p.id);
    assert.equal(view.status, 'PENDING', 'the payment whose charge the callback names is untouched');
    assert.ok(!view.timeline.some((t) => t.source === 'webhook'));
    // Summed over the APIs: on the cluster the callback may have reached either.
    assert.ok((await webhookOutcomes(stack, 'xendit', 'unknown-payment')) >= 1, 'counted as unknown-payment');
  });

  it('acknowledges 200, and does not apply, a callback whose reference_id is not a bayar payment id', async () => {
    const p = await create('QRIS', { amount: 42_000 });
    const foreign = 'INV-2025-000042';
    const res = await postWebhook(succeeded(p, foreign));
    assert.equal(res.status, 200);
    await new Promise((r) => setTimeout(r, 300));
    // The API writes JSON lines: the quotes around the reference arrive escaped.
    assert.match(stack.stack.output('api'), new RegExp(`xendit: notification for foreign reference \\\\"${foreign}\\\\"; acknowledged, not applied`));
    const view = await stack.payment(p.id);
    assert.equal(view.status, 'PENDING');
    assert.equal(view.amounts.paid, 0);
    assert.ok(!view.timeline.some((t) => t.source === 'webhook'));
    assert.equal((await ledgerEntry(p.id))?.status, 'PENDING');
  });

  it('refuses DANA and OVO refunds with 422 (Payments API channel table), and sends late DANA money to review instead of refunding it', async () => {
    const dana = await create('EWALLET_DANA', { amount: 42_000, returnUrl: 'https://shop.example/orders/9' });
    await payAndSettle(dana);
    const refused = await stack.api('POST', `/v1/payments/${dana.id}/refunds`, { amount: 1_000, reason: 'customer asked' });
    assert.equal(refused.status, 422, refused.text);
    assert.equal(refused.json.code, 'REFUND_NOT_SUPPORTED');
    assert.equal((await ledgerEntry(dana.id))?.refundedAmount ?? 0, 0, 'nothing was asked of Xendit');

    const late = await create('EWALLET_DANA', { amount: 43_000, returnUrl: 'https://shop.example/orders/10', expiresInSeconds: 1 });
    await stack.waitFor(late.id, (x) => x.status === 'EXPIRED', WAIT_MS);
    assert.equal((await stack.pay(late.id, { force: true })).status, 200);
    const review = await stack.waitFor(late.id, (x) => x.status === 'REVIEW_REQUIRED', WAIT_MS);
    assert.match(review.statusReason ?? '', /LATE_PAYMENT: 43000 arrived after close; xendit cannot refund EWALLET_DANA/);
    assert.equal(review.refunds.length, 0, 'no automatic refund Xendit would refuse');
  });

  it('follows a refund Xendit accepts as PENDING until it succeeds, or fails and frees the amount again', async () => {
    // QRIS: refundable through the Payments API (OVO and DANA are not, capabilities.ts).
    const ovo = await create('QRIS', { amount: 90_000, customer: { name: 'Budi Santoso', phone: '+6281234567890' } });
    await payAndSettle(ovo);
    assert.equal((await stack.sandbox('POST', '/_sandbox/xendit/refunds', { pending: true })).status, 200);
    try {
      const first = await stack.api('POST', `/v1/payments/${ovo.id}/refunds`, { amount: 30_000, reason: 'one item returned', refundId: 'rf-pending-ok' });
      assert.equal(first.status, 201, first.text);
      assert.equal(first.json.state, 'PENDING');
      let view = await stack.payment(ovo.id);
      assert.equal(view.amounts.refundPending, 30_000);
      assert.equal(view.amounts.refundable, 60_000, 'a pending refund is reserved');
      assert.equal((await stack.sandbox('POST', `/_sandbox/xendit/refunds/${first.json.providerRefundId}/complete`, { status: 'SUCCEEDED' })).status, 200);
      view = await stack.waitFor(ovo.id, (p) => p.refunds.find((r) => r.refundId === 'rf-pending-ok')?.state === 'SUCCEEDED', WAIT_MS);
      assert.equal(view.status, 'PARTIALLY_REFUNDED');
      assert.equal(view.amounts.refunded, 30_000);
      assert.equal(view.amounts.refundPending, 0);

      const second = await stack.api('POST', `/v1/payments/${ovo.id}/refunds`, { amount: 60_000, reason: 'the rest', refundId: 'rf-pending-fails' });
      assert.equal(second.status, 201, second.text);
      assert.equal(second.json.state, 'PENDING');
      assert.equal((await stack.sandbox('POST', `/_sandbox/xendit/refunds/${second.json.providerRefundId}/complete`, { status: 'FAILED' })).status, 200);
      view = await stack.waitFor(ovo.id, (p) => p.refunds.find((r) => r.refundId === 'rf-pending-fails')?.state === 'FAILED', WAIT_MS);
      assert.equal(view.status, 'PARTIALLY_REFUNDED', 'only the first refund moved money');
      assert.equal(view.amounts.refunded, 30_000);
      assert.equal(view.amounts.refundable, 60_000, 'a failed refund gives its amount back to refundable');
      assert.match(view.refunds.find((r) => r.refundId === 'rf-pending-fails')?.failureReason ?? '', /REFUND_FAILED/);
      assert.equal((await ledgerEntry(ovo.id))?.refundedAmount, 30_000, 'bayar and Xendit agree on what was refunded');
      recorded.set('refund-pending', ovo.id);
    } finally {
      await stack.sandbox('POST', '/_sandbox/xendit/refunds', { pending: false });
    }
  });
});
