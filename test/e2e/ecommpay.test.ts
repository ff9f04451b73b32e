// ecommpay end to end on the real stack (Temporal dev server, sandboxes, worker, API as
// processes): HTTP create → workflow → ecommpay sandbox over HTTP (signed Gate sale) → the
// intermediate callback brings the VA page, which the payment view then shows → simulated
// transfer → final callback signed ecommpay's way → /webhooks/ecommpay → signal → SETTLED.
// Then polling only (callbacks off), expiry at bayar's deadline with the VA still open at ecommpay
// (best_before is not known to close it) and the late money that follows, a bank's decline,
// the refusal of refunds, forged and replayed callbacks, and duplicate + out-of-order callbacks.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { uniqueRef, type TestStack } from '../helpers/stack.js';
import { providerSuite, type MerchantReceiver, paidEntries, duplicatesAbsorbed, webhookOutcomes } from '../helpers/provider-suite.js';
import { SANDBOX_PORT_OFFSETS } from '../../src/config/config.js';
import { DEV_DEFAULTS } from '../../src/sandbox/dev-defaults.js';
import type { PaymentView } from '../../src/domain/payment.js';

const ECOMMPAY = SANDBOX_PORT_OFFSETS.ecommpay;
const { projectId: PROJECT_ID, secretKey: SECRET } = DEV_DEFAULTS.ecommpay;
const WAIT_MS = 30_000;
const CUSTOMER = { name: 'Siti Rahayu', email: 'siti@example.com', ipAddress: '203.0.113.9' };

// The official package signs the callbacks this test forges: independent of bayar's signer.
const require = createRequire(import.meta.url);
const { signer } = require('ecommpay') as { signer(obj: unknown, secret: string): string };

const statusEntries = (p: PaymentView) => p.timeline.filter((t) => t.type.startsWith('status:')).map((t) => t.type);

interface Callback {
  project_id: number;
  payment: { id: string; status: string; sum: { amount: number; currency: string } };
  operation: { status: string; code?: string };
  redirect_data?: { url: string };
  signature: string;
}

describe('ecommpay over HTTP (real Temporal, real sandbox)', () => {
  const suite = providerSuite('ecommpay', { refPrefix: 'ecp', defaults: { customer: CUSTOMER } });
  const { create, ledgerEntry } = suite;
  let stack: TestStack;
  let merchant: MerchantReceiver;
  before(() => void ({ stack, merchant } = suite));
  /** Waits for the intermediate callback's VA page to show in the payment view. */
  const withPage = (id: string) => stack.waitFor(id, (p) => p.instructions.payUrl !== undefined, WAIT_MS);
  const delivered = async (id: string) => {
    const sent = await stack.sandbox('GET', '/_sandbox/notifications', undefined, ECOMMPAY);
    return (sent.json as { body: string; status: number | 'error' }[]).map((n) => ({ status: n.status, callback: JSON.parse(n.body) as Callback })).filter((n) => n.callback.payment.id === id);
  };
  const outbox = async (id: string) => {
    const res = await stack.sandbox('GET', '/_sandbox/ecommpay/outbox', undefined, ECOMMPAY);
    return (res.json as { body: string }[]).map((n) => n.body).filter((b) => (JSON.parse(b) as Callback).payment.id === id);
  };
  const postWebhook = (body: string) => fetch(`${stack.apiUrl}/webhooks/ecommpay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const merchantCallbacks = (id: string, type: string) =>
    merchant.received.filter((r) => (JSON.parse(r.body) as { data: { id: string }; type: string }).data.id === id && (JSON.parse(r.body) as { type: string }).type === type);

  it('VA_BNI: create → intermediate callback → VA page in the payment view → pay → final callback → SETTLED', async () => {
    const created = await create({ amount: 150_000, method: 'VA_BNI', description: 'Order 77', callbackUrl: merchant.url });
    assert.equal(created.status, 'PENDING');
    assert.equal(created.providerReference, created.id, 'the payment_id bayar sent');
    assert.deepEqual(created.instructions, {}, 'the sale’s answer only acknowledges the request');

    const shown = await withPage(created.id);
    assert.match(shown.instructions.payUrl!, new RegExp(`^http://127\\.0\\.0\\.1:${stack.sandboxBase + ECOMMPAY}/payment-page/indonesia-va/[0-9a-f]{24}$`));
    assert.equal(shown.status, 'PENDING');
    assert.ok(
      shown.timeline.some((t) => t.type === 'instructions' && t.source === 'webhook'),
      'learned from the intermediate callback',
    );
    const page = await (await fetch(shown.instructions.payUrl!)).text();
    assert.match(page, /BNI Virtual Account/);
    assert.match(page, /Rp 150\.000/);
    const va = /<p id="va"[^>]*>(\d{16})<\/p>/.exec(page)?.[1];
    assert.ok(va);

    const paid = await stack.pay(created.id, {}, ECOMMPAY);
    assert.equal(paid.status, 200, JSON.stringify(paid.json));
    const settled = await stack.waitFor(created.id, (p) => p.status === 'SETTLED', WAIT_MS);
    assert.equal(settled.amounts.paid, 150_000);
    assert.equal(paidEntries(settled).length, 1);
    assert.equal(paidEntries(settled)[0]!.source, 'webhook');
    assert.deepEqual(settled.instructions, {}, 'a settled payment shows nowhere to pay');
    assert.equal((await ledgerEntry(created.id))?.status, 'success');
    const sent = await delivered(created.id);
    assert.deepEqual(
      sent.map((n) => [n.callback.payment.status, n.status]),
      [
        ['awaiting redirect result', 200],
        ['success', 200],
      ],
      'both callbacks answered 200',
    );
    assert.equal(sent[1]!.callback.payment.sum.amount, 15_000_000, 'minor units on the wire');
    const { signature, ...unsigned } = sent[1]!.callback;
    assert.equal(signer(unsigned, SECRET), signature, 'the sandbox signs callbacks as the official package does');
    await stack.waitFor(created.id, (x) => x.merchantNotified); // told after SETTLED, beside the saga
    assert.equal(merchantCallbacks(created.id, 'payment.paid').length, 1);
  });

  it('VA_SINARMAS is routed to ecommpay without naming it; a payment without the customer’s IP is a 422 before any workflow starts', async () => {
    const routed = await stack.api('POST', '/v1/payments', { merchantReference: uniqueRef('ecp'), amount: 80_000, method: 'VA_SINARMAS', customer: CUSTOMER });
    assert.equal(routed.status, 201, routed.text);
    assert.equal((routed.json as PaymentView).provider, 'ecommpay');

    const reference = uniqueRef('ecp');
    const noIp = await stack.api('POST', '/v1/payments', { merchantReference: reference, provider: 'ecommpay', amount: 80_000, method: 'VA_MANDIRI', customer: { name: 'Budi' } });
    assert.equal(noIp.status, 422, noIp.text);
    assert.equal(noIp.json.code, 'PROVIDER_RULE');
    assert.equal(noIp.json.rule, 'CUSTOMER_IP_REQUIRED');
    assert.match(noIp.json.detail, /IP address/);
    // No payment was started, so the reference is still the merchant's to use.
    const retried = await stack.api('POST', '/v1/payments', { merchantReference: reference, provider: 'ecommpay', amount: 80_000, method: 'VA_MANDIRI', customer: CUSTOMER });
    assert.equal(retried.status, 201, retried.text);
    assert.equal(retried.json.merchantReference, reference);
    assert.ok(await ledgerEntry(retried.json.id), 'the corrected payment reached ecommpay');
    const badIp = await stack.api('POST', '/v1/payments', { merchantReference: uniqueRef('ecp'), provider: 'ecommpay', amount: 80_000, method: 'VA_BRI', customer: { ipAddress: '300.1.1.1' } });
    assert.equal(badIp.status, 400, badIp.text);
  });

  it('settles by polling alone when callbacks are off (no VA page then: it only comes by callback)', async () => {
    await stack.withFaults(
      { webhooksEnabled: false },
      async () => {
        const created = await create({ amount: 90_000, method: 'VA_MANDIRI' });
        await new Promise((r) => setTimeout(r, 1500));
        assert.deepEqual((await stack.payment(created.id)).instructions, {});
        await stack.pay(created.id, {}, ECOMMPAY);
        const settled = await stack.waitFor(created.id, (p) => p.status === 'SETTLED', WAIT_MS);
        assert.equal(settled.amounts.paid, 90_000);
        assert.equal(paidEntries(settled)[0]?.source, 'poll');
        assert.equal((await delivered(created.id)).length, 0, 'no callback was sent');
      },
      ECOMMPAY,
    );
  });

  it('expires at bayar’s deadline although the VA stays open at ecommpay (best_before unconfirmed); money after that is late money, to review', async () => {
    const created = await create({ amount: 20_000, method: 'VA_MAYBANK', expiresInSeconds: 3, callbackUrl: merchant.url });
    await withPage(created.id);
    const expired = await stack.waitFor(created.id, (p) => p.status === 'EXPIRED', WAIT_MS);
    assert.deepEqual(expired.instructions, {}, 'an expired payment shows nowhere to pay');
    assert.equal(expired.amounts.paid, 0);
    // ecommpay publishes no rule that best_before closes a VA, and no cancel: the sandbox keeps it
    // payable until the 48 h threshold, the worst case.
    assert.equal((await ledgerEntry(created.id))?.status, 'awaiting redirect result', 'still open at ecommpay');
    // The customer transfers anyway, and ecommpay reports success: not lost, not silently kept —
    // a late payment, and since ecommpay cannot refund this method, an operator decides.
    await stack.pay(created.id, {}, ECOMMPAY);
    const review = await stack.waitFor(created.id, (p) => p.status === 'REVIEW_REQUIRED', WAIT_MS);
    assert.match(review.statusReason ?? '', /LATE_PAYMENT/);
    assert.equal(review.amounts.paid, 20_000);
    const success = await until(async () => (await delivered(created.id)).find((n) => n.callback.payment.status === 'success'));
    assert.equal(success.callback.operation.status, 'success');
  });

  it('where best_before does close the VA (the other reading), its 20602 decline is EXPIRED and later money still goes to review', async () => {
    await stack.sandbox('POST', '/_sandbox/ecommpay/best-before', { honoured: true }, ECOMMPAY);
    let created: PaymentView;
    try {
      created = await create({ amount: 20_000, method: 'VA_MAYBANK', expiresInSeconds: 3, callbackUrl: merchant.url });
    } finally {
      await stack.sandbox('POST', '/_sandbox/ecommpay/best-before', { honoured: false }, ECOMMPAY);
    }
    await withPage(created.id);
    await stack.waitFor(created.id, (p) => p.status === 'EXPIRED', WAIT_MS);
    assert.equal((await ledgerEntry(created.id))?.status, 'decline', 'ecommpay declined it at best_before');
    const decline = await until(async () => (await delivered(created.id)).find((n) => n.callback.payment.status === 'decline'));
    assert.equal(decline.callback.operation.code, '20602');
    await stack.pay(created.id, { force: true }, ECOMMPAY);
    const review = await stack.waitFor(created.id, (p) => p.status === 'REVIEW_REQUIRED', WAIT_MS);
    assert.match(review.statusReason ?? '', /LATE_PAYMENT/);
  });

  it('a decline from the bank fails the payment with ecommpay’s code and message', async () => {
    const created = await create({ amount: 45_000, method: 'VA_SAMPOERNA', callbackUrl: merchant.url });
    await withPage(created.id);
    const res = await stack.sandbox('POST', `/_sandbox/ecommpay/charges/${created.id}/decline`, {}, ECOMMPAY);
    assert.equal(res.status, 200);
    const failed = await stack.waitFor(created.id, (p) => p.status === 'FAILED', WAIT_MS);
    assert.match(failed.statusReason ?? '', /20101 Decline due to amount or frequency limit/);
    assert.deepEqual(failed.instructions, {});
    await until(() => merchantCallbacks(created.id, 'payment.failed').length === 1);
  });

  it('refuses a refund of a settled payment with 422 REFUND_NOT_SUPPORTED, and nothing changes', async () => {
    const created = await create({ amount: 50_000, method: 'VA_PERMATA' });
    await withPage(created.id);
    await stack.pay(created.id, {}, ECOMMPAY);
    await stack.waitFor(created.id, (p) => p.status === 'SETTLED', WAIT_MS);
    for (const body of [{ amount: 10_000, reason: 'customer asked' }, { reason: 'customer asked' }]) {
      const refused = await stack.api('POST', `/v1/payments/${created.id}/refunds`, body);
      assert.equal(refused.status, 422, refused.text);
      assert.equal(refused.headers.get('content-type')?.split(';')[0], 'application/problem+json');
      assert.equal(refused.json.code, 'REFUND_NOT_SUPPORTED');
      assert.match(refused.json.detail, /ecommpay cannot refund VA_PERMATA/);
    }
    const after = await stack.payment(created.id);
    assert.equal(after.status, 'SETTLED');
    assert.deepEqual(after.refunds, []);
    assert.equal(after.amounts.refunded, 0);
  });

  it('refuses forged, tampered and unsigned callbacks with 401; replays are taken once and change nothing', async () => {
    const created = await create({ amount: 75_000, method: 'VA_BRI', callbackUrl: merchant.url });
    await withPage(created.id);
    const [intermediate] = await outbox(created.id);
    assert.ok(intermediate);
    const genuine = JSON.parse(intermediate) as Callback;
    const { signature, ...unsigned } = genuine;
    // "Paid", as a forger would like it: signed with a guessed key, or the genuine signature kept.
    const paidBody = { ...unsigned, payment: { ...unsigned.payment, status: 'success' }, operation: { ...unsigned.operation, status: 'success', code: '0', message: 'Success' } };
    for (const [label, body] of [
      ['forged with another key', JSON.stringify({ ...paidBody, signature: signer(paidBody, 'guessed-secret') })],
      ['tampered, genuine signature kept', JSON.stringify({ ...paidBody, signature })],
      ['unsigned', JSON.stringify(paidBody)],
      ['signature in general, not at the top', JSON.stringify({ ...paidBody, general: { signature: signer(paidBody, SECRET) } })],
      ['another project', JSON.stringify({ ...paidBody, project_id: PROJECT_ID + 1, signature: signer({ ...paidBody, project_id: PROJECT_ID + 1 }, SECRET) })],
    ] as const) {
      const res = await postWebhook(body);
      assert.equal(res.status, 401, label);
      assert.equal(((await res.json()) as { code: string }).code, 'SIGNATURE_INVALID', label);
    }
    await new Promise((r) => setTimeout(r, 500));
    const untouched = await stack.payment(created.id);
    assert.equal(untouched.status, 'PENDING');
    assert.equal(untouched.amounts.paid, 0);
    assert.equal(paidEntries(untouched).length, 0);
    assert.equal((await ledgerEntry(created.id))?.status, 'awaiting redirect result');

    await stack.pay(created.id, {}, ECOMMPAY);
    // The merchant's notice adds a timeline line of its own, in the background after SETTLED: let it
    // land before the timeline is compared with the one after the copies.
    await stack.waitFor(created.id, (p) => p.status === 'SETTLED' && p.merchantNotified, WAIT_MS);
    const final = (await outbox(created.id)).find((b) => (JSON.parse(b) as Callback).payment.status === 'success');
    assert.ok(final);
    const before = await stack.payment(created.id);
    const duplicatesBefore = await webhookOutcomes(stack, 'ecommpay', 'duplicate');
    for (const body of [final, final, intermediate]) assert.equal((await postWebhook(body)).status, 200, 'a genuine callback is always acknowledged');
    // Each is a copy of one already taken: absorbed (no second signal, or counted by the workflow), no timeline line.
    const absorbed = await until(async () => {
      const n = await duplicatesAbsorbed(stack, 'ecommpay', created.id, duplicatesBefore);
      return n >= 3 ? n : undefined;
    }, WAIT_MS);
    assert.ok(absorbed >= 3);
    const view = await stack.payment(created.id);
    assert.deepEqual(view.timeline, before.timeline, 'copies add no timeline line');
    assert.equal(view.status, 'SETTLED');
    assert.equal(view.amounts.paid, 75_000);
    assert.equal(paidEntries(view).length, 1, 'one settlement');
    assert.deepEqual(view.instructions, {}, 'a replayed VA page does not reopen a settled payment');
    await new Promise((r) => setTimeout(r, 500));
    await stack.waitFor(created.id, (x) => x.merchantNotified); // told after SETTLED, beside the saga
    assert.equal(merchantCallbacks(created.id, 'payment.paid').length, 1, 'the merchant heard about it once');
  });

  it('duplicate and out-of-order callbacks: one PAID, one SETTLED, and the late intermediate one never moves it back', async () => {
    await stack.withFaults(
      { duplicateRate: 1, outOfOrderRate: 1 },
      async () => {
        const created = await create({ amount: 135_000, method: 'VA_SINARMAS', callbackUrl: merchant.url });
        await withPage(created.id);
        const duplicatesBefore = await webhookOutcomes(stack, 'ecommpay', 'duplicate');
        await stack.pay(created.id, {}, ECOMMPAY);
        // The success callback, its duplicate, and the intermediate one again after it (copies, absorbed).
        const view = await stack.waitFor(created.id, (p) => p.status === 'SETTLED', WAIT_MS);
        await until(async () => ((await duplicatesAbsorbed(stack, 'ecommpay', created.id, duplicatesBefore)) >= 2 ? true : undefined));
        const sent = await until(async () => {
          const all = (await delivered(created.id)).map((n) => n.callback.payment.status);
          return all.length >= 5 ? all : undefined;
        });
        assert.equal(sent.filter((s) => s === 'success').length, 2, `success delivered twice: ${sent}`);
        assert.equal(sent.filter((s) => s === 'awaiting redirect result').length, 3, `intermediate: once, its duplicate, and once late: ${sent}`);
        assert.deepEqual(statusEntries(view), ['status:PENDING', 'status:PAID', 'status:SETTLED']);
        assert.equal(view.amounts.paid, 135_000);
        await new Promise((r) => setTimeout(r, 500));
        const later = await stack.payment(created.id);
        assert.deepEqual(statusEntries(later), ['status:PENDING', 'status:PAID', 'status:SETTLED'], 'no regression later either');
        await stack.waitFor(created.id, (x) => x.merchantNotified); // told after SETTLED, beside the saga
        assert.equal(merchantCallbacks(created.id, 'payment.paid').length, 1, 'the merchant heard about it once');
      },
      ECOMMPAY,
    );
  });
});

/** Polls `fn` until it returns something defined and truthy (or the wait runs out). */
async function until<T>(fn: () => T | Promise<T>, ms = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}
