// Indodana (merchant QRIS) end to end on the real stack (Temporal dev server, sandboxes, worker,
// API as processes): HTTP create → workflow → checkout at Indodana (POST /v3/checkout_url; the
// transaction exists there at once) → the customer pays on Indodana's page at the sandbox →
// notification signed Indodana's way → /webhooks/indodana wakes the payment → check status → SETTLED. Also polling-only
// settlement, both kinds of expiry and late money, a REJECTED (fraud) payment, full and partial
// refunds with Indodana's reasons and a refused one, forged and replayed notifications, and
// duplicate and out-of-order notifications.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { paidEntries, duplicatesAbsorbed, webhookOutcomes } from '../helpers/provider-suite.js';
import { eventually } from '../helpers/wait.js';
import { acquireTestStack, releaseTestStack, STANDARD_STACK, uniqueRef, type TestStack } from '../helpers/stack.js';
import { SANDBOX_PORT_OFFSETS } from '../../src/config/config.js';
import { DEV_DEFAULTS } from '../../src/sandbox/dev-defaults.js';
import { indodanaOrderId } from '../../src/providers/indodana/capabilities.js';
import type { PaymentView } from '../../src/domain/payment.js';

const INDODANA = SANDBOX_PORT_OFFSETS.indodana;
const { apiKey: KEY, secretKey: SECRET } = DEV_DEFAULTS.indodana;
const WAIT_MS = 30_000;

/** Indodana's published formula, restated: Bearer key:nonce:hex HMAC-SHA256(secret, "key:nonce"). */
function bearer(nonce: number, secret: string = SECRET): string {
  return `Bearer ${KEY}:${nonce}:${createHmac('sha256', secret).update(`${KEY}:${nonce}`).digest('hex')}`;
}
const nowSeconds = () => Math.floor(Date.now() / 1000);

const statuses = (p: PaymentView) => p.timeline.filter((t) => t.type.startsWith('status:')).map((t) => t.type);

describe('indodana over HTTP (real Temporal, real sandbox)', () => {
  let stack: TestStack;

  before(async () => {
    // The standard stack: polls start 4 s after a charge, so a notification sent right after
    // paying gets there first.
    stack = await acquireTestStack(STANDARD_STACK);
  });
  after(async () => {
    await releaseTestStack(stack);
  });

  const create = async (body: Record<string, unknown> = {}) => {
    const res = await stack.api('POST', '/v1/payments', { merchantReference: uniqueRef('idd'), provider: 'indodana', method: 'QRIS', amount: 50_000, ...body });
    assert.equal(res.status, 201, res.text);
    const p = res.json as PaymentView;
    assert.equal(p.provider, 'indodana');
    assert.equal(p.status, 'PENDING', res.text);
    return p;
  };
  const orderOf = (p: PaymentView) => indodanaOrderId(p.id);
  const ledgerEntry = async (p: PaymentView) => (await stack.charges(p.id, INDODANA))[0];
  const notifications = async (p: PaymentView) => {
    const sent = await stack.sandbox('GET', '/_sandbox/notifications', undefined, INDODANA);
    return (sent.json as { body: string; status: number | 'error' }[])
      .filter((n) => JSON.parse(n.body).merchantOrderId === orderOf(p))
      .map((n) => ({ status: n.status, json: JSON.parse(n.body) as { transactionStatus: string; amount: number } }));
  };
  /** The customer completes the payment on Indodana's checkout page (the payUrl bayar handed out). */
  const pay = (p: PaymentView, body: Record<string, unknown> = {}) => stack.sandbox('POST', `/_sandbox/charges/${p.id}/pay`, body, INDODANA);
  /** Indodana's view of the transaction, as its checkout page shows it. */
  const checkStatus = async (p: PaymentView) => {
    const res = await fetch(`${stack.sandboxUrl(INDODANA)}/chermes/merchant/v1/transactions/qris/check_status?merchantOrderId=${orderOf(p)}`, { headers: { authorization: bearer(nowSeconds()) } });
    return { status: res.status, json: (await res.json()) as { transactionStatus?: string; amount?: number; merchantOrderId?: string } };
  };
  const postWebhook = (body: unknown, authorization?: string) =>
    fetch(`${stack.apiUrl}/webhooks/indodana`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const refund = (p: PaymentView, body: Record<string, unknown>) => stack.api('POST', `/v1/payments/${p.id}/refunds`, body);

  async function paidAndSettled(p: PaymentView): Promise<PaymentView> {
    const paid = await pay(p);
    assert.equal(paid.status, 200, JSON.stringify(paid.json));
    const settled = await stack.waitFor(p.id, (x) => x.status === 'SETTLED', WAIT_MS);
    assert.equal(settled.amounts.paid, p.amounts.expected);
    assert.equal(paidEntries(settled).length, 1, 'one settlement');
    return settled;
  }

  it('QRIS: checkout at Indodana → paid on Indodana’s page → notification wakes it → check status → SETTLED', async () => {
    const p = await create({ amount: 52_000 });
    // Indodana's checkout page, and nothing bayar made: no QR that could be paid outside Indodana.
    assert.deepEqual(Object.keys(p.instructions), ['payUrl']);
    assert.equal(p.instructions.qrString, undefined);
    assert.equal(p.providerReference, orderOf(p));
    // The transaction exists at Indodana from the start, under bayar's order id.
    const known = await checkStatus(p);
    assert.equal(known.status, 200, JSON.stringify(known.json));
    assert.deepEqual([known.json.transactionStatus, known.json.amount, known.json.merchantOrderId], ['INITIATED', 52_000, orderOf(p)]);
    const page = (await (await fetch(p.instructions.payUrl!)).json()) as { merchantOrderId: string };
    assert.equal(page.merchantOrderId, orderOf(p), 'the page pays this order');
    assert.equal((await ledgerEntry(p))?.createRequests, 1, 'one checkout');

    const settled = await paidAndSettled(p);
    // The notification's header signs no body: it only woke the payment, and Indodana's
    // check-status answer settled it (verify-by-fetch).
    assert.equal(paidEntries(settled)[0]!.source, 'poll');
    await stack.waitFor(p.id, (x) => x.notifications.wakeUps >= 1, WAIT_MS);
    assert.deepEqual(settled.instructions, {}, 'a settled payment shows nowhere to pay');
    assert.equal((await ledgerEntry(p))?.status, 'PAID');
    const delivered = await eventually(
      () => notifications(p),
      (n) => n.some((x) => x.status === 200),
    );
    assert.ok(
      delivered.some((n) => n.json.transactionStatus === 'PAID' && n.json.amount === 52_000 && n.status === 200),
      JSON.stringify(delivered),
    );
  });

  it('expires at bayar’s deadline (sent to Indodana as expirationAt); money that still comes is refunded (reason Others)', async () => {
    const p = await create({ amount: 21_000, expiresInSeconds: 2 });
    // Open at Indodana until the deadline. On a loaded machine the create alone can take the two
    // seconds (seen on the cluster under load), so only an answer before the deadline must be INITIATED.
    const status = (await checkStatus(p)).json.transactionStatus;
    assert.ok(status === 'INITIATED' || (status === 'EXPIRED' && Date.now() >= Date.parse(p.expiresAt)), `Indodana: ${status}`);
    const expired = await stack.waitFor(p.id, (x) => x.status === 'EXPIRED', WAIT_MS);
    assert.deepEqual(expired.instructions, {});
    assert.equal(expired.amounts.paid, 0);
    // Whichever closes it first — bayar's timer or Indodana's own EXPIRED at the same expirationAt —
    // it closes at the deadline, not before.
    const closed = expired.timeline.find((t) => t.type === 'status:EXPIRED');
    assert.ok(closed && Date.parse(closed.at) >= Date.parse(p.expiresAt) - 1000, JSON.stringify(expired.timeline));
    // Indodana closes its transaction at the same deadline (expirationAt): nobody can pay it now.
    assert.equal((await ledgerEntry(p))?.status, 'EXPIRED');

    // The customer completes it anyway: late money, refunded automatically in full.
    const late = await pay(p, { force: true });
    assert.equal(late.status, 200, JSON.stringify(late.json));
    const refunded = await stack.waitFor(p.id, (x) => x.status === 'REFUNDED', WAIT_MS);
    assert.match(refunded.statusReason ?? '', /LATE_PAYMENT/);
    assert.equal(refunded.refunds.length, 1);
    assert.equal(refunded.refunds[0]!.origin, 'auto');
    assert.equal(refunded.refunds[0]!.state, 'SUCCEEDED');
    const entry = await ledgerEntry(p);
    assert.equal(entry?.paidAmount, 21_000);
    assert.equal(entry?.refundedAmount, 21_000);
  });

  it('Indodana’s own expiry (customer did not complete): EXPIRED as Indodana reports it', async () => {
    const p = await create({ amount: 22_000, expiresInSeconds: 120 });
    const walkedAway = await stack.sandbox('POST', '/_sandbox/indodana/expire', { merchantOrderId: orderOf(p) }, INDODANA);
    assert.equal(walkedAway.json.transactionStatus, 'EXPIRED');
    const expired = await stack.waitFor(p.id, (x) => x.status === 'EXPIRED', WAIT_MS);
    assert.match(expired.statusReason ?? '', /provider reported EXPIRED/);
    assert.equal((await ledgerEntry(p))?.status, 'EXPIRED');
  });

  it('REJECTED (fraud or blacklisted merchant) → FAILED with its reason, nothing paid, nothing refundable', async () => {
    await stack.sandbox('POST', '/_sandbox/indodana/fraud', { reject: true, message: 'Transaction identified as fraudulent' }, INDODANA);
    try {
      const p = await create({ amount: 43_000 });
      const res = await pay(p);
      assert.equal(res.json.transactionStatus, 'REJECTED');
      const failed = await stack.waitFor(p.id, (x) => x.status === 'FAILED', WAIT_MS);
      assert.equal(failed.statusReason, 'provider reported REJECTED (Transaction identified as fraudulent (fraudStatus REJECT))');
      assert.equal(failed.amounts.paid, 0);
      assert.deepEqual(failed.instructions, {});
      assert.equal((await ledgerEntry(p))?.status, 'REJECTED');
      const refused = await refund(p, { reason: 'Others' });
      assert.equal(refused.status, 409, refused.text);
      assert.equal(refused.json.code, 'NOT_REFUNDABLE');
    } finally {
      await stack.sandbox('POST', '/_sandbox/indodana/fraud', { reject: false }, INDODANA);
    }
  });

  it('refunds: partial then full remainder with Indodana’s reasons; another reason is 422 and changes nothing', async () => {
    const p = await create({ amount: 100_000 });
    await paidAndSettled(p);

    const bad = await refund(p, { amount: 10_000, reason: 'customer changed their mind' });
    assert.equal(bad.status, 422, bad.text);
    assert.equal(bad.headers.get('content-type')?.startsWith('application/problem+json'), true);
    assert.equal(bad.json.code, 'INVALID_REFUND_REASON');
    assert.deepEqual(bad.json.allowedReasons, ['Expired', 'Out of Stock', 'Items Returned', 'Others']);
    assert.match(bad.json.detail, /Expired, Out of Stock, Items Returned, Others/);
    const untouched = await stack.payment(p.id);
    assert.equal(untouched.status, 'SETTLED');
    assert.equal(untouched.refunds.length, 0);
    assert.equal(untouched.amounts.refundable, 100_000);
    assert.equal((await ledgerEntry(p))?.refundedAmount, 0, 'nothing reached Indodana');

    const partial = await refund(p, { amount: 30_000, reason: 'Items Returned' });
    assert.equal(partial.status, 201, partial.text);
    assert.equal(partial.json.state, 'SUCCEEDED');
    assert.equal(partial.json.reason, 'Items Returned');
    assert.equal((await stack.waitFor(p.id, (x) => x.status === 'PARTIALLY_REFUNDED', WAIT_MS)).amounts.refundable, 70_000);
    const rest = await refund(p, { reason: 'Out of Stock' });
    assert.equal(rest.status, 201, rest.text);
    assert.equal(rest.json.amount, 70_000);
    const done = await stack.waitFor(p.id, (x) => x.status === 'REFUNDED', WAIT_MS);
    assert.equal(done.amounts.refunded, 100_000);
    assert.equal((await ledgerEntry(p))?.refundedAmount, 100_000);
  });

  it('a full refund in one go (reason Expired)', async () => {
    const p = await create({ amount: 64_000 });
    await paidAndSettled(p);
    const full = await refund(p, { reason: 'Expired' });
    assert.equal(full.status, 201, full.text);
    assert.equal(full.json.amount, 64_000);
    assert.equal((await stack.waitFor(p.id, (x) => x.status === 'REFUNDED', WAIT_MS)).amounts.refunded, 64_000);
    assert.equal((await ledgerEntry(p))?.refundedAmount, 64_000);
  });

  it('forged notifications are refused (401); replayed ones only wake the payment and change nothing; a genuine one settles', async () => {
    const p = await create({ amount: 71_000 });
    const body = {
      transactionStatus: 'PAID',
      merchantOrderId: orderOf(p),
      amount: 71_000,
      paymentType: '3_months',
      transactionTime: new Date().toISOString().slice(0, 19) + '+0000',
      transactionId: 'forged-1',
    };
    const attempts = [await postWebhook(body), await postWebhook(body, bearer(nowSeconds(), 'not-the-secret')), await postWebhook(body, `Bearer ${KEY}:${nowSeconds()}:${'0'.repeat(64)}`)];
    for (const res of attempts) {
      assert.equal(res.status, 401);
      assert.equal(((await res.json()) as { code: string }).code, 'SIGNATURE_INVALID');
    }
    // Correctly signed, however old or far ahead its nonce (a captured header replayed later): the
    // header signs no body, so the claim only wakes the payment, which asks Indodana — and the
    // transaction was checked out, not paid. No nonce window: Indodana's genuine resends must pass.
    for (const authorization of [bearer(nowSeconds() - 600), bearer(nowSeconds() + 600)]) assert.equal((await postWebhook(body, authorization)).status, 200);
    const woken = await stack.waitFor(p.id, (x) => x.notifications.wakeUps >= 1, WAIT_MS);
    assert.equal(woken.status, 'PENDING');
    assert.equal(woken.amounts.paid, 0);
    assert.ok(!woken.timeline.some((t) => t.source === 'webhook'), 'nothing the notification said reached the payment');

    // The genuine notification settles it; delivered again verbatim, it changes nothing.
    await pay(p);
    const settled = await stack.waitFor(p.id, (x) => x.status === 'SETTLED', WAIT_MS);
    const outbox = (await stack.sandbox('GET', '/_sandbox/indodana/outbox', undefined, INDODANA)).json as { headers: Record<string, string>; body: string }[];
    const genuine = outbox.find((n) => JSON.parse(n.body).merchantOrderId === orderOf(p) && JSON.parse(n.body).transactionStatus === 'PAID')!;
    const duplicatesBefore = await webhookOutcomes(stack, 'indodana', 'duplicate');
    const replayed = await fetch(`${stack.apiUrl}/webhooks/indodana`, { method: 'POST', headers: genuine.headers, body: genuine.body });
    assert.equal(replayed.status, 200, 'genuine: taken, and deduplicated');
    assert.deepEqual(await replayed.json(), { status: 'OK', message: 'OK' });
    const resent = await fetch(`${stack.apiUrl}/webhooks/indodana`, { method: 'POST', headers: { ...genuine.headers, authorization: bearer(nowSeconds() - 3600) }, body: genuine.body });
    assert.equal(resent.status, 200, 'the same notification signed an hour ago (a resend) is taken, not refused');
    const absorbed = await eventually(
      () => duplicatesAbsorbed(stack, 'indodana', p.id, duplicatesBefore),
      (n) => n >= 2,
      WAIT_MS,
    );
    assert.ok(absorbed >= 2, `copies absorbed: ${absorbed}`);
    const after = await stack.payment(p.id);
    assert.equal(after.status, 'SETTLED');
    assert.equal(paidEntries(after).length, 1);
    assert.deepEqual(statuses(after), statuses(settled));
  });

  it('duplicate and out-of-order notifications: one PAID, one SETTLED, and a stale INITIATED never moves it back', async () => {
    await stack.withFaults(
      { duplicateRate: 1, outOfOrderRate: 1 },
      async () => {
        const p = await create({ amount: 135_000 });
        const duplicatesBefore = await webhookOutcomes(stack, 'indodana', 'duplicate');
        await pay(p);
        const view = await stack.waitFor(p.id, (x) => x.status === 'SETTLED', WAIT_MS);
        const sent = await eventually(
          async () => (await notifications(p)).map((n) => n.json.transactionStatus),
          (s) => s.length >= 3,
        );
        // The PAID copy is absorbed (no second signal, or counted by the workflow).
        const absorbed = await eventually(
          () => duplicatesAbsorbed(stack, 'indodana', p.id, duplicatesBefore),
          (n) => n >= 1,
          WAIT_MS,
        );
        assert.ok(absorbed >= 1, 'the duplicate was absorbed');
        assert.equal(sent.filter((s) => s === 'PAID').length, 2, `PAID delivered twice: ${sent}`);
        assert.equal(sent.filter((s) => s === 'INITIATED').length, 1, `a stale INITIATED after it: ${sent}`);
        assert.deepEqual(statuses(view), ['status:PENDING', 'status:PAID', 'status:SETTLED']);
        assert.equal(view.amounts.paid, 135_000);
        await new Promise((r) => setTimeout(r, 500));
        const later = await stack.payment(p.id);
        assert.deepEqual(statuses(later), ['status:PENDING', 'status:PAID', 'status:SETTLED'], 'no regression later either');
      },
      INDODANA,
    );
  });

  it('a notification for an order that is not a bayar payment is acknowledged and not applied', async () => {
    const res = await postWebhook({ transactionStatus: 'PAID', merchantOrderId: 'INV-2025-000042', amount: 1000, transactionId: 't-foreign' }, bearer(nowSeconds()));
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'OK', message: 'OK' });
    await new Promise((r) => setTimeout(r, 300));
    // The API writes JSON lines: the quotes around the reference arrive escaped.
    assert.match(stack.stack.output('api'), /indodana: notification for foreign reference \\"INV-2025-000042\\"; acknowledged, not applied/);
  });
});
