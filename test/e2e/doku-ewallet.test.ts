// DOKU SNAP e-wallets end to end on the real stack (Temporal dev server, sandboxes, worker, API as
// processes): HTTP create → workflow → DOKU sandbox over HTTP (B2B token with RSA, HMAC-SHA512
// per call) → the wallet page → simulated payment → DOKU asks bayar's token endpoint for a token
// (RSA, DOKU's key) → signed SNAP notification → /webhooks/doku/v1.0/debit/notify → SETTLED.
// Plus polling-only settlement, expiry, full and partial refunds (and a refusal), refunds DOKU
// answers 202 followed by the workflow until they succeed or fail, forged and tampered
// notifications, and duplicate + out-of-order notifications.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { type TestStack } from '../helpers/stack.js';
import { providerSuite, type MerchantReceiver, paidEntries, duplicatesAbsorbed, webhookOutcomes } from '../helpers/provider-suite.js';
import { eventually } from '../helpers/wait.js';
import { SANDBOX_PORT_OFFSETS } from '../../src/config/config.js';
import { DEV_DEFAULTS } from '../../src/sandbox/dev-defaults.js';
import { DEV_DOKU_SNAP_DOKU_PRIVATE_KEY, DEV_DOKU_SNAP_MERCHANT_PRIVATE_KEY } from '../../src/providers/doku/sandbox/dev-keys.js';
import { asymmetricSignature, issueNotificationToken, snapTimestamp, symmetricSignature } from '../../src/providers/doku/snap/signature.js';

const DOKU = SANDBOX_PORT_OFFSETS.doku;
const { clientId: CLIENT_ID, secretKey: SECRET } = DEV_DEFAULTS.doku;
const WAIT_MS = 30_000;
const NOTIFY_PATH = '/webhooks/doku/v1.0/debit/notify';

describe('doku SNAP e-wallets over HTTP (real Temporal, real sandbox)', () => {
  const suite = providerSuite('doku', { refPrefix: 'dokuew' });
  const { create, ledgerEntry } = suite;
  let stack: TestStack;
  let merchant: MerchantReceiver;
  before(() => void ({ stack, merchant } = suite));

  const notifications = async (id: string) => {
    const sent = await stack.sandbox('GET', '/_sandbox/notifications', undefined, DOKU);
    return (sent.json as { url: string; body: string; status: number }[]).filter((n) => (JSON.parse(n.body) as { originalPartnerReferenceNo?: string }).originalPartnerReferenceNo === id);
  };
  /** Plays DOKU: asks bayar's token endpoint for a token with an RSA signature. */
  const fetchToken = async (key = DEV_DOKU_SNAP_DOKU_PRIVATE_KEY) => {
    const ts = snapTimestamp(Date.now());
    const res = await fetch(`${stack.apiUrl}/webhooks/doku/authorization/v1/access-token/b2b`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-client-key': CLIENT_ID, 'x-timestamp': ts, 'x-signature': asymmetricSignature(key, CLIENT_ID, ts) },
      body: JSON.stringify({ grantType: 'client_credentials' }),
    });
    return { status: res.status, body: (await res.json()) as { responseCode: string; accessToken?: string } };
  };
  const postNotification = (token: string, body: string, o: { secret?: string; signedBody?: string } = {}) => {
    const ts = snapTimestamp(Date.now());
    return fetch(`${stack.apiUrl}${NOTIFY_PATH}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
        'x-timestamp': ts,
        'x-partner-id': CLIENT_ID,
        'x-external-id': String(Date.now()),
        'x-signature': symmetricSignature({ method: 'POST', path: NOTIFY_PATH, accessToken: token, body: o.signedBody ?? body, timestamp: ts }, o.secret ?? SECRET),
      },
      body,
    });
  };

  it('EWALLET_DANA: create → wallet page → paid → token + signed notification → SETTLED; the merchant is told once', async () => {
    const created = await create({ amount: 125_000, method: 'EWALLET_DANA', description: 'Kopi susu x5', callbackUrl: merchant.url, customer: { ipAddress: '203.0.113.9' } });
    assert.equal(created.status, 'PENDING');
    assert.equal(created.provider, 'doku');
    assert.deepEqual(Object.keys(created.instructions), ['payUrl']);
    assert.match(created.instructions.payUrl!, /^http:\/\/127\.0\.0\.1:\d+\/snap\/checkout\/\d{12}$/);
    assert.match(created.providerReference ?? '', /^\d{12}$/, "DOKU's referenceNo");
    const page = await fetch(created.instructions.payUrl!);
    assert.match(await page.text(), /DANA sandbox checkout/);

    const paid = await stack.pay(created.id, {}, DOKU);
    assert.equal(paid.status, 200, JSON.stringify(paid.json));
    const settled = await stack.waitFor(created.id, (p) => p.status === 'SETTLED', WAIT_MS);
    assert.equal(settled.amounts.paid, 125_000);
    assert.equal(paidEntries(settled).length, 1);
    assert.equal(paidEntries(settled)[0]!.source, 'webhook');
    assert.deepEqual(settled.instructions, {});
    assert.equal((await ledgerEntry(created.id))?.status, 'SUCCESS');
    const delivered = await notifications(created.id);
    assert.ok(
      delivered.some((n) => n.status === 200 && n.url.endsWith(NOTIFY_PATH) && JSON.parse(n.body).latestTransactionStatus === '00'),
      'bayar took the notification (token fetched from bayar first)',
    );
    await new Promise((r) => setTimeout(r, 300));
    await stack.waitFor(created.id, (x) => x.merchantNotified); // told after SETTLED, beside the saga
    const callbacks = merchant.received.filter((r) => JSON.parse(r.body).data.id === created.id && JSON.parse(r.body).type === 'payment.paid');
    assert.equal(callbacks.length, 1);
  });

  it('GET /v1/providers lists the e-wallets at doku, with partial refunds, and routes them after xendit', async () => {
    const res = await stack.api('GET', '/v1/providers');
    const body = res.json as { providers: { name: string; methods: { method: string; refund: string }[] }[]; routing: Record<string, string[]> };
    const doku = body.providers.find((p) => p.name === 'doku')!;
    assert.deepEqual(
      doku.methods.find((m) => m.method === 'EWALLET_DANA'),
      { method: 'EWALLET_DANA', refund: 'partial' },
    );
    assert.deepEqual(
      doku.methods.find((m) => m.method === 'EWALLET_SHOPEEPAY'),
      { method: 'EWALLET_SHOPEEPAY', refund: 'partial' },
    );
    assert.ok(!doku.methods.some((m) => m.method === 'EWALLET_OVO'));
    // Midtrans has no DANA; DOKU comes before the aggregator, which cannot refund.
    assert.deepEqual(body.routing.EWALLET_DANA, ['xendit', 'doku', 'aggregator']);
    assert.deepEqual(body.routing.EWALLET_SHOPEEPAY, ['xendit', 'midtrans', 'doku']);
  });

  it("expires at bayar's deadline; DOKU's page closes within the second after and takes no payment", async () => {
    const created = await create({ amount: 18_000, method: 'EWALLET_DANA', expiresInSeconds: 2 });
    const expired = await stack.waitFor(created.id, (p) => p.status === 'EXPIRED', WAIT_MS);
    assert.deepEqual(expired.instructions, {});
    assert.equal(expired.amounts.paid, 0);
    assert.ok(expired.timeline.some((t) => t.type === 'closing:EXPIRED'));
    // validUpTo is bayar's deadline rounded up to the second, so DOKU closes at most a second later.
    const deadline = Date.now() + 3000;
    while ((await ledgerEntry(created.id))?.status !== 'EXPIRED' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.equal((await ledgerEntry(created.id))?.status, 'EXPIRED');
    const late = await stack.pay(created.id, {}, DOKU);
    assert.equal(late.status, 403, 'the wallet page is closed');
    assert.equal((await stack.payment(created.id)).status, 'EXPIRED');
  });

  it('refunds partially, then in full; more than is left is refused; DOKU refunded exactly that', async () => {
    const created = await create({ amount: 100_000, method: 'EWALLET_DANA' });
    await stack.pay(created.id, {}, DOKU);
    await stack.waitFor(created.id, (p) => p.status === 'SETTLED', WAIT_MS);

    const part = await stack.api('POST', `/v1/payments/${created.id}/refunds`, { amount: 30_000, reason: 'one item returned' });
    assert.equal(part.status, 201, part.text);
    assert.equal(part.json.state, 'SUCCEEDED');
    const partly = await stack.waitFor(created.id, (p) => p.status === 'PARTIALLY_REFUNDED', WAIT_MS);
    assert.equal(partly.amounts.refunded, 30_000);
    assert.equal(partly.amounts.refundable, 70_000);

    const tooMuch = await stack.api('POST', `/v1/payments/${created.id}/refunds`, { amount: 70_001, reason: 'too much' });
    assert.equal(tooMuch.status, 422, tooMuch.text);

    const rest = await stack.api('POST', `/v1/payments/${created.id}/refunds`, { reason: 'order cancelled' });
    assert.equal(rest.status, 201, rest.text);
    const refunded = await stack.waitFor(created.id, (p) => p.status === 'REFUNDED', WAIT_MS);
    assert.equal(refunded.amounts.refunded, 100_000);
    const entry = await ledgerEntry(created.id);
    assert.equal(entry?.refundedAmount, 100_000);
    assert.equal(entry?.status, 'REFUNDED');
  });

  it('follows a refund DOKU answers 202 (in progress) until the status look-up says it succeeded', async () => {
    const created = await create({ amount: 100_000, method: 'EWALLET_DANA' });
    await stack.pay(created.id, {}, DOKU);
    await stack.waitFor(created.id, (p) => p.status === 'SETTLED', WAIT_MS);
    // DOKU keeps the refund in progress; the first look-up after it sees 03, the next one 00.
    assert.equal((await stack.sandbox('POST', '/_sandbox/doku/snap/refunds', { pending: true, concludeOnLookup: 'SUCCEEDED' }, DOKU)).status, 200);
    try {
      const part = await stack.api('POST', `/v1/payments/${created.id}/refunds`, { amount: 30_000, reason: 'one item returned', refundId: 'rf-doku-pending-ok' });
      assert.equal(part.status, 201, part.text);
      assert.equal(part.json.state, 'PENDING');
      assert.match(part.json.providerRefundId, /^\d{16}$/, "DOKU's refundNo");
      let view = await stack.payment(created.id);
      assert.equal(view.amounts.refundPending, 30_000);
      assert.equal(view.amounts.refundable, 70_000, 'a refund in progress is reserved');
      view = await stack.waitFor(created.id, (p) => p.refunds.find((r) => r.refundId === 'rf-doku-pending-ok')?.state === 'SUCCEEDED', WAIT_MS);
      assert.equal(view.status, 'PARTIALLY_REFUNDED');
      assert.equal(view.amounts.refunded, 30_000);
      assert.equal(view.amounts.refundPending, 0);
      assert.equal(view.amounts.refundable, 70_000);
      assert.ok(
        view.timeline.some((t) => t.type === 'refund-succeeded' && t.source === 'poll'),
        'concluded by the follow-up look-up',
      );
      assert.equal((await ledgerEntry(created.id))?.refundedAmount, 30_000, 'bayar and DOKU agree on what was refunded');
    } finally {
      await stack.sandbox('POST', '/_sandbox/doku/snap/refunds', { pending: false }, DOKU);
    }
  });

  it('a refund DOKU accepted (202) that then fails: FAILED, and its amount is refundable again', async () => {
    const created = await create({ amount: 60_000, method: 'EWALLET_SHOPEEPAY' });
    await stack.pay(created.id, {}, DOKU);
    await stack.waitFor(created.id, (p) => p.status === 'SETTLED', WAIT_MS);
    assert.equal((await stack.sandbox('POST', '/_sandbox/doku/snap/refunds', { pending: true }, DOKU)).status, 200);
    try {
      const whole = await stack.api('POST', `/v1/payments/${created.id}/refunds`, { reason: 'order cancelled', refundId: 'rf-doku-pending-fails' });
      assert.equal(whole.status, 201, whole.text);
      assert.equal(whole.json.state, 'PENDING');
      assert.equal((await stack.payment(created.id)).amounts.refundable, 0);
      // DOKU (the wallet) gives up on it: the control call, as Xendit's sandbox does it.
      const failed = await stack.sandbox('POST', `/_sandbox/doku/snap/refunds/${whole.json.providerRefundId}/complete`, { status: 'FAILED' }, DOKU);
      assert.equal(failed.status, 200, JSON.stringify(failed.json));
      const view = await stack.waitFor(created.id, (p) => p.refunds.find((r) => r.refundId === 'rf-doku-pending-fails')?.state === 'FAILED', WAIT_MS);
      assert.equal(view.status, 'SETTLED', 'nothing was refunded');
      assert.equal(view.amounts.refunded, 0);
      assert.equal(view.amounts.refundPending, 0);
      assert.equal(view.amounts.refundable, 60_000, 'a failed refund gives its amount back to refundable');
      assert.match(view.refunds.find((r) => r.refundId === 'rf-doku-pending-fails')?.failureReason ?? '', /DOKU_SNAP_REFUND_FAILED/);
      assert.equal((await ledgerEntry(created.id))?.refundedAmount, 0);
    } finally {
      await stack.sandbox('POST', '/_sandbox/doku/snap/refunds', { pending: false }, DOKU);
    }
  });

  it('refuses forged, tampered and self-issued-token notifications (and a token request not signed by DOKU); nothing changes', async () => {
    const created = await create({ amount: 77_000, method: 'EWALLET_SHOPEEPAY' });
    const body = JSON.stringify({
      originalPartnerReferenceNo: created.id,
      originalReferenceNo: created.providerReference,
      latestTransactionStatus: '00',
      transactionStatusDesc: 'Success',
      amount: { value: '77000.00', currency: 'IDR' },
      additionalInfo: { channelId: 'EMONEY_SHOPEE_PAY_SNAP', acquirerId: 'SHOPEE_PAY', accountType: 'EMONEY' },
    });
    const notDoku = await fetchToken(DEV_DOKU_SNAP_MERCHANT_PRIVATE_KEY);
    assert.equal(notDoku.status, 401);
    assert.equal(notDoku.body.responseCode, '4017300');
    const genuine = await fetchToken();
    assert.equal(genuine.status, 200);
    const token = genuine.body.accessToken!;

    const forged = await postNotification(token, body, { secret: 'SK-guessed-secret' });
    assert.equal(forged.status, 401);
    assert.equal(((await forged.json()) as { code: string }).code, 'SIGNATURE_INVALID');
    const tampered = await postNotification(token, body.replace('77000.00', '7700000.00'), { signedBody: body });
    assert.equal(tampered.status, 401);
    const selfIssued = issueNotificationToken(DEV_DOKU_SNAP_DOKU_PRIVATE_KEY, CLIENT_ID, Date.now(), 900);
    assert.equal((await postNotification(selfIssued, body)).status, 401);
    const randomToken = randomBytes(24).toString('base64url');
    assert.equal((await postNotification(randomToken, body)).status, 401);

    await new Promise((r) => setTimeout(r, 500));
    const view = await stack.payment(created.id);
    assert.equal(view.status, 'PENDING');
    assert.equal(view.amounts.paid, 0);
    assert.ok(!view.timeline.some((t) => t.source === 'webhook'), 'nothing from the forged notifications reached the payment');
    assert.equal((await ledgerEntry(created.id))?.status, 'PENDING');
    // The same body, genuinely signed with the token bayar issued, is taken: the check is the signature, not the body.
    const real = await postNotification(token, body);
    assert.equal(real.status, 200);
    assert.deepEqual(await real.json(), { responseCode: '2005600', responseMessage: 'Successful' });
  });

  it('duplicate and out-of-order notifications: one PAID, one SETTLED, and a stale pending never moves it back', async () => {
    await stack.withFaults(
      { duplicateRate: 1, outOfOrderRate: 1 },
      async () => {
        const created = await create({ amount: 88_000, method: 'EWALLET_DANA', callbackUrl: merchant.url });
        const duplicatesBefore = await webhookOutcomes(stack, 'doku', 'duplicate');
        await stack.pay(created.id, {}, DOKU);
        const view = await stack.waitFor(created.id, (p) => p.status === 'SETTLED' && p.timeline.some((t) => t.source === 'webhook' && /^03/.test(t.detail ?? '')), WAIT_MS);
        // The duplicate is absorbed as a copy (no second signal, or counted by the workflow), no timeline line.
        const absorbed = await eventually(
          () => duplicatesAbsorbed(stack, 'doku', created.id, duplicatesBefore),
          (n) => n >= 1,
          WAIT_MS,
        );
        assert.ok(absorbed >= 1, 'the duplicate was absorbed');
        const statuses = view.timeline.filter((t) => t.type.startsWith('status:')).map((t) => t.type);
        assert.deepEqual(statuses, ['status:PENDING', 'status:PAID', 'status:SETTLED']);
        assert.equal(view.amounts.paid, 88_000);
        const deadline = Date.now() + 5000;
        let sent = (await notifications(created.id)).map((n) => JSON.parse(n.body).latestTransactionStatus as string);
        while (sent.length < 3 && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 100));
          sent = (await notifications(created.id)).map((n) => JSON.parse(n.body).latestTransactionStatus as string);
        }
        assert.equal(sent.filter((s) => s === '00').length, 2, `00 delivered twice: ${sent}`);
        assert.equal(sent.filter((s) => s === '03').length, 1, `a stale 03 after it: ${sent}`);
        await new Promise((r) => setTimeout(r, 500));
        const after = await stack.payment(created.id);
        assert.equal(after.status, 'SETTLED');
        assert.equal(after.timeline.filter((t) => t.type.startsWith('status:')).length, 3, 'no regression later either');
        await stack.waitFor(created.id, (x) => x.merchantNotified); // told after SETTLED, beside the saga
        const callbacks = merchant.received.filter((r) => JSON.parse(r.body).data.id === created.id && JSON.parse(r.body).type === 'payment.paid');
        assert.equal(callbacks.length, 1, 'the merchant heard about it once');
      },
      DOKU,
    );
  });
});
