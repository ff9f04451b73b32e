// DOKU end to end on the real stack (Temporal dev server, sandboxes, worker, API as processes):
// VAs through DOKU SNAP (create-va → sandbox pay → token request to bayar → signed SNAP VA payment
// notification on /webhooks/doku/v1.1/transfer-va/payment → SETTLED; polling only; expiry with
// delete-va and the final status check; late money; forged SNAP notifications), and the Non-SNAP
// methods DOKU still documents (Alfamart, Indodana): pay URL, expiry, refusals, duplicates,
// retries and out-of-order notifications (sandbox faults).
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { eventually } from '../helpers/wait.js';
import { uniqueRef, type TestStack } from '../helpers/stack.js';
import { providerSuite, type MerchantReceiver, paidEntries, duplicatesAbsorbed, webhookOutcomes } from '../helpers/provider-suite.js';
import { SANDBOX_PORT_OFFSETS } from '../../src/config/config.js';
import { DEV_DEFAULTS } from '../../src/sandbox/dev-defaults.js';
import { DEV_DOKU_SNAP_DOKU_PRIVATE_KEY } from '../../src/providers/doku/sandbox/dev-keys.js';
import { asymmetricSignature, snapTimestamp, symmetricSignature } from '../../src/providers/doku/snap/signature.js';
import { externalId } from '../../src/providers/doku/snap/client.js';
import type { PaymentView } from '../../src/domain/payment.js';

const DOKU = SANDBOX_PORT_OFFSETS.doku;
const { clientId: CLIENT_ID, secretKey: SECRET } = DEV_DEFAULTS.doku;
const WAIT_MS = 30_000;

/** DOKU's published formula, restated: HMAC-SHA256 over the five header lines, base64. */
function sign(requestId: string, timestamp: string, target: string, body: string, key: string = SECRET): string {
  const digest = createHash('sha256').update(body).digest('base64');
  const text = `Client-Id:${CLIENT_ID}\nRequest-Id:${requestId}\nRequest-Timestamp:${timestamp}\nRequest-Target:${target}\nDigest:${digest}`;
  return 'HMACSHA256=' + createHmac('sha256', key).update(text).digest('base64');
}

const ADDRESS = { line: 'Jalan Teknologi Indonesia No. 25', city: 'Jakarta', postalCode: '12960' };

describe('doku over HTTP (real Temporal, real sandbox)', () => {
  const suite = providerSuite('doku', { refPrefix: 'doku' });
  const { create, ledgerEntry } = suite;
  let stack: TestStack;
  let merchant: MerchantReceiver;
  before(() => void ({ stack, merchant } = suite));
  const notifications = async (id: string) => {
    const sent = await stack.sandbox('GET', '/_sandbox/notifications', undefined, DOKU);
    // Non-SNAP bodies name the payment in order.invoice_number, SNAP VA ones in trxId.
    return (sent.json as { body: string; status: number }[]).filter((n) => {
      const b = JSON.parse(n.body) as { order?: { invoice_number?: string }; trxId?: string };
      return (b.order?.invoice_number ?? b.trxId) === id;
    });
  };
  /** A SNAP notification as DOKU sends one: a token from bayar's token endpoint first (DOKU's RSA key), then HMAC-SHA512 over the path. */
  const postSnap = async (path: string, body: string, o: { secret?: string; sign?: boolean } = {}) => {
    const ts = snapTimestamp(Date.now());
    const tokenRes = await fetch(`${stack.apiUrl}/webhooks/doku/authorization/v1/access-token/b2b`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-client-key': CLIENT_ID, 'x-timestamp': ts, 'x-signature': asymmetricSignature(DEV_DOKU_SNAP_DOKU_PRIVATE_KEY, CLIENT_ID, ts) },
      body: JSON.stringify({ grantType: 'client_credentials' }),
    });
    assert.equal(tokenRes.status, 200);
    const { accessToken } = (await tokenRes.json()) as { accessToken: string };
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      authorization: `Bearer ${accessToken}`,
      'x-timestamp': ts,
      'x-partner-id': CLIENT_ID,
      'x-external-id': externalId(),
      'channel-id': 'VA004',
    };
    if (o.sign !== false) headers['x-signature'] = symmetricSignature({ method: 'POST', path, accessToken, body, timestamp: ts }, o.secret ?? SECRET);
    return fetch(`${stack.apiUrl}${path}`, { method: 'POST', headers, body });
  };
  const VA_NOTIFY = '/webhooks/doku/v1.1/transfer-va/payment';
  const postWebhook = (headers: Record<string, string>, body: string) => fetch(`${stack.apiUrl}/webhooks/doku`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  it('VA_MANDIRI through SNAP: create-va → sandbox pay → signed SNAP VA notification → SETTLED, and the merchant is told once', async () => {
    const created = await create({ amount: 150_000, method: 'VA_MANDIRI', customer: { name: 'Budi Santoso', email: 'budi@example.com' }, callbackUrl: merchant.url });
    assert.equal(created.status, 'PENDING');
    assert.equal(created.provider, 'doku');
    assert.match(created.instructions.virtualAccountNumber ?? '', /^88899\d{11}$/, "the account's Mandiri BIN + customerNo");
    assert.equal(created.instructions.bankCode, 'MANDIRI');
    assert.equal(created.providerReference, created.instructions.virtualAccountNumber, 'the VA number is the SNAP reference');

    const paid = await stack.pay(created.id, {}, DOKU);
    assert.equal(paid.status, 200, JSON.stringify(paid.json));
    const settled = await stack.waitFor(created.id, (p) => p.status === 'SETTLED', WAIT_MS);
    assert.equal(settled.amounts.paid, 150_000);
    assert.equal(paidEntries(settled).length, 1);
    assert.equal(paidEntries(settled)[0]!.source, 'webhook');
    assert.deepEqual(settled.instructions, {});
    assert.equal((await ledgerEntry(created.id))?.status, 'SUCCESS');
    const delivered = await notifications(created.id);
    const notice = delivered.find((n) => n.status === 200);
    assert.ok(notice, 'the API answered the SNAP VA notification 200');
    const body = JSON.parse(notice.body) as { virtualAccountNo: string; trxId: string; paidAmount: { value: string } };
    assert.equal(body.virtualAccountNo.replace(/ /g, ''), created.instructions.virtualAccountNumber);
    assert.deepEqual(body.paidAmount, { value: '150000.00', currency: 'IDR' });
    await stack.waitFor(created.id, (x) => x.merchantNotified); // told after SETTLED, beside the saga
    const callbacks = merchant.received.filter((r) => JSON.parse(r.body).data.id === created.id && JSON.parse(r.body).type === 'payment.paid');
    assert.equal(callbacks.length, 1);
  });

  it("VA_BNI expires at bayar's deadline: delete-va at DOKU, then the final status check; money that arrives anyway goes to review", async () => {
    const created = await create({ amount: 22_000, method: 'VA_BNI', expiresInSeconds: 2, callbackUrl: merchant.url });
    assert.equal(created.instructions.bankCode, 'BNI');
    const expired = await stack.waitFor(created.id, (p) => p.status === 'EXPIRED', WAIT_MS);
    assert.deepEqual(expired.instructions, {});
    assert.ok(expired.timeline.some((t) => t.type === 'closing:EXPIRED'));
    assert.ok(!expired.timeline.some((t) => t.type === 'cancel-failed'), 'delete-va succeeded');
    assert.equal((await ledgerEntry(created.id))?.status, 'DELETED', 'the VA was deleted at DOKU');
    // Deleted: the bank no longer takes it.
    const refused = await stack.pay(created.id, {}, DOKU);
    assert.equal(refused.status, 403);
    // Money that reaches it anyway (forced in the sandbox) is late money: a VA cannot be refunded → review.
    assert.equal((await stack.pay(created.id, { force: true }, DOKU)).status, 200);
    const review = await stack.waitFor(created.id, (p) => p.status === 'REVIEW_REQUIRED', WAIT_MS);
    assert.match(review.statusReason ?? '', /LATE_PAYMENT/);
    assert.equal(review.amounts.paid, 22_000);
  });

  it('VA_DANAMON: a SNAP VA notification delivered twice (sandbox fault) is applied once', async () => {
    await stack.withFaults(
      { duplicateRate: 1 },
      async () => {
        const duplicatesBefore = await webhookOutcomes(stack, 'doku', 'duplicate');
        const created = await create({ amount: 135_000, method: 'VA_DANAMON', callbackUrl: merchant.url });
        await stack.pay(created.id, {}, DOKU);
        // The copy is absorbed (the API sends no second signal, or the workflow counts it), no timeline line.
        await eventually(
          () => duplicatesAbsorbed(stack, 'doku', created.id, duplicatesBefore),
          (n) => n >= 1,
          WAIT_MS,
        );
        const view = await stack.waitFor(created.id, (p) => p.status === 'SETTLED' && p.merchantNotified, WAIT_MS);
        assert.equal(view.amounts.paid, 135_000);
        assert.equal(paidEntries(view).length, 1, 'one settlement');
        assert.equal(view.timeline.filter((t) => t.type === 'status:PAID').length, 1);
        const callbacks = merchant.received.filter((r) => JSON.parse(r.body).data.id === created.id && JSON.parse(r.body).type === 'payment.paid');
        assert.equal(callbacks.length, 1, 'the merchant heard about it once');
      },
      DOKU,
    );
  });

  it('refuses forged, tampered, unsigned and unbound SNAP VA notifications and changes nothing', async () => {
    const [created, other] = await Promise.all([create({ amount: 76_000, method: 'VA_CIMB' }), create({ amount: 76_000, method: 'VA_CIMB' })]);
    const va = created.instructions.virtualAccountNumber!;
    // DOKU's published Mandiri VA sample's fields, for this payment.
    const notice = (over: Record<string, unknown> = {}) =>
      JSON.stringify({
        trxDateTime: snapTimestamp(Date.now()),
        channelCode: '6011',
        referenceNo: '20230814190612379',
        paidAmount: { value: '76000.00', currency: 'IDR' },
        paymentRequestId: 'R_1692014768',
        paidBills: 'FFFFFF',
        flagAdvise: 'N',
        trxId: created.id,
        partnerServiceId: `   ${va.slice(0, 5)}`,
        customerNo: va.slice(5),
        virtualAccountNo: `   ${va}`,
        virtualAccountName: 'Jokul Doe 001',
        ...over,
      });
    const forged = await postSnap(VA_NOTIFY, notice(), { secret: 'SK-guessed-secret' });
    assert.equal(forged.status, 401);
    assert.equal(((await forged.json()) as { code: string }).code, 'SIGNATURE_INVALID');
    assert.equal((await postSnap(VA_NOTIFY, notice(), { sign: false })).status, 401);
    // Genuinely signed, but the VA paid is another payment's: not believed for this one.
    const otherVa = other.instructions.virtualAccountNumber!;
    const unbound = await postSnap(VA_NOTIFY, notice({ virtualAccountNo: `   ${otherVa}`, customerNo: otherVa.slice(5) }));
    assert.equal(unbound.status, 400);
    // A genuine signature does not carry over to a tampered body.
    const ts = snapTimestamp(Date.now());
    const tokenRes = await fetch(`${stack.apiUrl}/webhooks/doku/authorization/v1/access-token/b2b`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-client-key': CLIENT_ID, 'x-timestamp': ts, 'x-signature': asymmetricSignature(DEV_DOKU_SNAP_DOKU_PRIVATE_KEY, CLIENT_ID, ts) },
      body: '{"grantType":"client_credentials"}',
    });
    const { accessToken } = (await tokenRes.json()) as { accessToken: string };
    const signature = symmetricSignature({ method: 'POST', path: VA_NOTIFY, accessToken, body: notice(), timestamp: ts }, SECRET);
    const tampered = await fetch(`${stack.apiUrl}${VA_NOTIFY}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}`, 'x-timestamp': ts, 'x-partner-id': CLIENT_ID, 'x-external-id': externalId(), 'x-signature': signature },
      body: notice({ paidAmount: { value: '7600000.00', currency: 'IDR' } }),
    });
    assert.equal(tampered.status, 401);

    await new Promise((r) => setTimeout(r, 500));
    for (const p of [created, other]) {
      const view = await stack.payment(p.id);
      assert.equal(view.status, 'PENDING');
      assert.equal(view.amounts.paid, 0);
      assert.ok(!view.timeline.some((t) => t.source === 'webhook'), 'nothing from the refused notifications reached the payment');
    }
    // And the genuine one, signed by DOKU's rules, settles it.
    const genuine = await postSnap(VA_NOTIFY, notice());
    assert.equal(genuine.status, 200, await genuine.text());
    const settled = await stack.waitFor(created.id, (p) => p.status === 'SETTLED', WAIT_MS);
    assert.equal(settled.amounts.paid, 76_000);
  });

  it('PAYLATER_INDODANA: create returns the Indodana payment page; without a phone, or a billing address, it is a 422 before anything starts', async () => {
    const created = await create({
      amount: 250_000,
      method: 'PAYLATER_INDODANA',
      returnUrl: 'https://shop.example/orders/1',
      customer: { name: 'Siti Rahayu', email: 'siti@example.com', phone: '+6281122334455', address: ADDRESS },
    });
    assert.equal(created.status, 'PENDING');
    assert.match(created.instructions.payUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+\/indodana\/product-installment\/payment\?purchaseTransactionId=[0-9a-f-]{36}&tenure=3$/);
    assert.equal(created.instructions.virtualAccountNumber, undefined);

    const reference = uniqueRef('doku');
    const body = { merchantReference: reference, provider: 'doku', amount: 250_000, method: 'PAYLATER_INDODANA', returnUrl: 'https://shop.example/orders/1', customer: { name: 'Siti Rahayu' } };
    const res = await stack.api('POST', '/v1/payments', body);
    assert.equal(res.status, 422, res.text);
    assert.equal(res.json.rule, 'CUSTOMER_DETAILS_REQUIRED');
    assert.match(res.json.detail, /name, email and phone/);

    const noAddress = await stack.api('POST', '/v1/payments', { ...body, customer: { name: 'Siti Rahayu', email: 'siti@example.com', phone: '081122334455' } });
    assert.equal(noAddress.status, 422, noAddress.text);
    assert.equal(noAddress.json.rule, 'CUSTOMER_ADDRESS_REQUIRED');
    assert.match(noAddress.json.detail, /billing address/);
    // Nothing started: the same reference takes the corrected request.
    const fixed = await stack.api('POST', '/v1/payments', { ...body, customer: { name: 'Siti Rahayu', email: 'siti@example.com', phone: '+6281122334455', address: ADDRESS } });
    assert.equal(fixed.status, 201, fixed.text);
    assert.equal((fixed.json as PaymentView).merchantReference, reference);
  });

  it("expires at bayar's deadline (DOKU's own is a whole minute later); money after that goes to review", async () => {
    const created = await create({ amount: 20_000, method: 'RETAIL_ALFAMART', expiresInSeconds: 2, callbackUrl: merchant.url });
    assert.match(created.instructions.payCode ?? '', /^\d{16}$/);
    const expired = await stack.waitFor(created.id, (p) => p.status === 'EXPIRED', WAIT_MS);
    assert.deepEqual(expired.instructions, {}, 'an expired payment shows nowhere to pay');
    assert.equal(expired.amounts.paid, 0);
    assert.ok(expired.timeline.some((t) => t.type === 'closing:EXPIRED'));
    // DOKU cannot be told to close it, and expired_time is at least a minute: still payable there.
    assert.equal((await ledgerEntry(created.id))?.status, 'PENDING');
    await stack.pay(created.id, {}, DOKU);
    const review = await stack.waitFor(created.id, (p) => p.status === 'REVIEW_REQUIRED', WAIT_MS);
    assert.match(review.statusReason ?? '', /LATE_PAYMENT/);
    assert.equal(review.amounts.paid, 20_000);
  });

  it('refuses a refund of a settled VA payment with 422 REFUND_NOT_SUPPORTED', async () => {
    const created = await create({ amount: 50_000, method: 'VA_BRI' });
    await stack.pay(created.id, {}, DOKU);
    await stack.waitFor(created.id, (p) => p.status === 'SETTLED', WAIT_MS);
    const refused = await stack.api('POST', `/v1/payments/${created.id}/refunds`, { amount: 10_000, reason: 'customer asked' });
    assert.equal(refused.status, 422, refused.text);
    assert.equal(refused.json.code, 'REFUND_NOT_SUPPORTED');
    assert.equal((await stack.payment(created.id)).status, 'SETTLED');
  });

  it('refuses a forged, tampered or unsigned Non-SNAP notification with 401 and changes nothing', async () => {
    const created = await create({ amount: 75_000, method: 'RETAIL_ALFAMART' });
    const body = JSON.stringify({
      service: { id: 'ONLINE_TO_OFFLINE' },
      acquirer: { id: 'ALFA' },
      channel: { id: 'ONLINE_TO_OFFLINE_ALFA' },
      transaction: { status: 'SUCCESS', date: new Date().toISOString().slice(0, 19) + 'Z', original_request_id: `${created.id}-create` },
      order: { invoice_number: created.id, amount: 75_000 },
      online_to_offline_info: { payment_code: created.instructions.payCode },
    });
    const requestId = randomUUID();
    const timestamp = new Date().toISOString().slice(0, 19) + 'Z';
    const headers = (signature: string) => ({ 'client-id': CLIENT_ID, 'request-id': requestId, 'request-timestamp': timestamp, signature });

    const forged = await postWebhook(headers(sign(requestId, timestamp, '/webhooks/doku', body, 'SK-guessed-secret')), body);
    assert.equal(forged.status, 401);
    assert.equal(((await forged.json()) as { code: string }).code, 'SIGNATURE_INVALID');
    // A genuine signature does not carry over to a different body, nor to another path.
    const tampered = await postWebhook(headers(sign(requestId, timestamp, '/webhooks/doku', body)), body.replace('75000', '7500000'));
    assert.equal(tampered.status, 401);
    const otherPath = await postWebhook(headers(sign(requestId, timestamp, '/payments/notifications', body)), body);
    assert.equal(otherPath.status, 401);
    const unsigned = await postWebhook({ 'client-id': CLIENT_ID, 'request-id': requestId, 'request-timestamp': timestamp }, body);
    assert.equal(unsigned.status, 401);

    await new Promise((r) => setTimeout(r, 500));
    const view = await stack.payment(created.id);
    assert.equal(view.status, 'PENDING');
    assert.equal(view.amounts.paid, 0);
    assert.ok(!view.timeline.some((t) => t.source === 'webhook'), 'nothing from the forged notifications reached the payment');
    assert.equal((await ledgerEntry(created.id))?.status, 'PENDING');
  });

  it("settles on DOKU's 12 h retry that still carries the original Request-Timestamp (signed with jokul's getSignature)", async () => {
    const created = await create({ amount: 64_000, method: 'RETAIL_ALFAMART' });
    // developers.doku.com's "HTTP Notification Sample - Non SNAP" shape, for this Alfamart payment code.
    const body = JSON.stringify({
      service: { id: 'ONLINE_TO_OFFLINE' },
      acquirer: { id: 'ALFA' },
      channel: { id: 'ONLINE_TO_OFFLINE_ALFA' },
      transaction: { status: 'SUCCESS', date: '2021-01-27T03:24:23Z', original_request_id: `${created.id}-create` },
      order: { invoice_number: created.id, amount: 64_000 },
      online_to_offline_info: { payment_code: created.instructions.payCode },
    });
    const requestId = randomUUID();
    const timestamp = new Date(Date.now() - 12 * 3600_000).toISOString().slice(0, 19) + 'Z';
    const jokul = createRequire(import.meta.url)('jokul-nodejs-library') as { getSignature(h: Record<string, string>, b: string, k: string): Promise<string> };
    const signature = await jokul.getSignature({ 'client-id': CLIENT_ID, 'request-id': requestId, 'request-timestamp': timestamp, 'request-target': '/webhooks/doku' }, body, SECRET);
    const res = await postWebhook({ 'client-id': CLIENT_ID, 'request-id': requestId, 'request-timestamp': timestamp, signature }, body);
    assert.equal(res.status, 200, await res.text());
    const settled = await stack.waitFor(created.id, (p) => p.status === 'SETTLED', WAIT_MS);
    assert.equal(settled.amounts.paid, 64_000);
    assert.equal(paidEntries(settled)[0]!.source, 'webhook');
  });

  it('applies a notification delivered three more times exactly once', async () => {
    const created = await create({ amount: 120_000, method: 'RETAIL_ALFAMART', callbackUrl: merchant.url });
    await stack.pay(created.id, {}, DOKU);
    // Settled and the merchant told (after SETTLED): the timeline is complete from here on.
    await stack.waitFor(created.id, (p) => p.status === 'SETTLED' && p.merchantNotified, WAIT_MS);
    const outbox = await stack.sandbox('GET', '/_sandbox/doku/outbox', undefined, DOKU);
    const sent = (outbox.json as { headers: Record<string, string>; body: string }[]).find((n) => JSON.parse(n.body).order?.invoice_number === created.id);
    assert.ok(sent, 'the sandbox sent a notification');
    const before = await stack.payment(created.id);
    const duplicatesBefore = await webhookOutcomes(stack, 'doku', 'duplicate');
    for (let i = 0; i < 3; i++) {
      const res = await postWebhook(sent.headers, sent.body);
      assert.equal(res.status, 200, `re-delivery ${i + 1}`);
    }
    // Absorbed as copies (the API sends no second signal, or the workflow counts it), no timeline line.
    const absorbed = await eventually(
      () => duplicatesAbsorbed(stack, 'doku', created.id, duplicatesBefore),
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

  /** Pays at the sandbox, waits for SETTLED, and checks DOKU's notification settled it and was answered 200. */
  async function payAndSettle(p: PaymentView): Promise<PaymentView> {
    const paid = await stack.pay(p.id, {}, DOKU);
    assert.equal(paid.status, 200, JSON.stringify(paid.json));
    const settled = await stack.waitFor(p.id, (x) => x.status === 'SETTLED', WAIT_MS);
    assert.equal(settled.amounts.paid, p.amounts.expected, p.method);
    assert.equal(paidEntries(settled).length, 1, `${p.method}: one settlement`);
    assert.equal(paidEntries(settled)[0]!.source, 'webhook', `${p.method}: settled by the notification`);
    assert.deepEqual(settled.instructions, {}, `${p.method}: a settled payment shows nowhere to pay`);
    assert.equal((await ledgerEntry(p.id))?.status, 'SUCCESS', p.method);
    const delivered = await notifications(p.id);
    // Non-SNAP: transaction.status SUCCESS; SNAP VA: every notification is a payment.
    assert.ok(
      delivered.some((n) => n.status === 200 && (JSON.parse(n.body).transaction?.status ?? 'SUCCESS') === 'SUCCESS'),
      `${p.method}: the API answered the notification 200`,
    );
    return settled;
  }

  it('RETAIL_ALFAMART: payment code → paid → SETTLED by the notification', async () => {
    const created = await create({ amount: 35_000, method: 'RETAIL_ALFAMART', description: 'Order 31' });
    assert.equal(created.status, 'PENDING');
    assert.deepEqual(Object.keys(created.instructions), ['payCode']);
    assert.match(created.instructions.payCode!, /^\d{16}$/);
    await payAndSettle(created);
    const notice = (await notifications(created.id)).map((n) => JSON.parse(n.body)).find((b) => b.transaction.status === 'SUCCESS');
    assert.equal(notice.channel.id, 'ONLINE_TO_OFFLINE_ALFA');
    assert.equal(notice.online_to_offline_info.payment_code, created.instructions.payCode);
  });

  it('VA_BCA and VA_BRI through SNAP: VA number → paid → SETTLED by the SNAP VA notification', async () => {
    const [bca, bri] = await Promise.all([create({ amount: 61_000, method: 'VA_BCA' }), create({ amount: 62_000, method: 'VA_BRI' })]);
    for (const [p, bank] of [
      [bca, 'BCA'],
      [bri, 'BRI'],
    ] as const) {
      assert.deepEqual(Object.keys(p.instructions).sort(), ['bankCode', 'virtualAccountNumber']);
      assert.equal(p.instructions.bankCode, bank);
      assert.match(p.instructions.virtualAccountNumber!, /^\d{16}$/);
    }
    await Promise.all([payAndSettle(bca), payAndSettle(bri)]);
    for (const [p, channel] of [
      [bca, 'VIRTUAL_ACCOUNT_BCA'],
      [bri, 'VIRTUAL_ACCOUNT_BRI'],
    ] as const) {
      const notice = (await notifications(p.id)).map((n) => JSON.parse(n.body))[0];
      assert.equal(notice.additionalInfo.channel, channel);
      assert.equal(notice.virtualAccountNo.replace(/ /g, ''), p.instructions.virtualAccountNumber);
      assert.equal(notice.trxId, p.id);
      assert.equal(p.providerReference, p.instructions.virtualAccountNumber);
    }
  });

  it('duplicate and out-of-order notifications: one PAID, one SETTLED, and a stale PENDING never moves it back', async () => {
    await stack.withFaults(
      { duplicateRate: 1, outOfOrderRate: 1 },
      async () => {
        // Non-SNAP (Alfamart): SNAP VA notifications have no PENDING to arrive out of order.
        const created = await create({ amount: 135_000, method: 'RETAIL_ALFAMART', callbackUrl: merchant.url });
        const duplicatesBefore = await webhookOutcomes(stack, 'doku', 'duplicate');
        await stack.pay(created.id, {}, DOKU);
        // The SUCCESS notification, its duplicate (same Request-Id, absorbed as a copy), and a stale PENDING one after it.
        const view = await stack.waitFor(created.id, (p) => p.status === 'SETTLED' && p.timeline.some((t) => t.source === 'webhook' && /^PENDING/.test(t.detail ?? '')), WAIT_MS);
        const absorbed = await eventually(
          () => duplicatesAbsorbed(stack, 'doku', created.id, duplicatesBefore),
          (n) => n >= 1,
          WAIT_MS,
        );
        assert.ok(absorbed >= 1, 'the duplicate was absorbed');
        // The sandbox logs a delivery once bayar has answered it, which can be just after the payment shows it.
        const sent = await eventually(
          async () => (await notifications(created.id)).map((n) => JSON.parse(n.body).transaction.status as string),
          (s) => s.length >= 3,
        );
        assert.equal(sent.filter((s) => s === 'SUCCESS').length, 2, `SUCCESS delivered twice: ${sent}`);
        assert.equal(sent.filter((s) => s === 'PENDING').length, 1, `a stale PENDING after it: ${sent}`);
        const statuses = view.timeline.filter((t) => t.type.startsWith('status:')).map((t) => t.type);
        assert.deepEqual(statuses, ['status:PENDING', 'status:PAID', 'status:SETTLED']);
        assert.equal(view.amounts.paid, 135_000);
        await new Promise((r) => setTimeout(r, 500));
        const after = await stack.payment(created.id);
        assert.equal(after.status, 'SETTLED');
        assert.equal(after.timeline.filter((t) => t.type === 'status:PAID').length, 1);
        assert.equal(after.timeline.filter((t) => t.type === 'status:SETTLED').length, 1);
        assert.equal(after.timeline.filter((t) => t.type.startsWith('status:')).length, 3, 'no regression later either');
        await stack.waitFor(created.id, (x) => x.merchantNotified); // told after SETTLED, beside the saga
        const callbacks = merchant.received.filter((r) => JSON.parse(r.body).data.id === created.id && JSON.parse(r.body).type === 'payment.paid');
        assert.equal(callbacks.length, 1, 'the merchant heard about it once');
      },
      DOKU,
    );
  });

  it('PAYLATER_INDODANA: pay URL → approved and paid at Indodana → SETTLED by the notification', async () => {
    const created = await create({
      amount: 300_000,
      method: 'PAYLATER_INDODANA',
      returnUrl: 'https://shop.example/orders/2',
      customer: { name: 'Siti Nur Rahayu', email: 'siti@example.com', phone: '081122334455', address: ADDRESS },
    });
    assert.equal(created.status, 'PENDING');
    assert.deepEqual(Object.keys(created.instructions), ['payUrl']);
    await payAndSettle(created);
    const notice = (await notifications(created.id)).map((n) => JSON.parse(n.body)).find((b) => b.transaction.status === 'SUCCESS');
    assert.equal(notice.service.id, 'PEER_TO_PEER');
    assert.equal(notice.channel.id, 'PEER_TO_PEER_INDODANA');
    assert.equal(notice.order.amount, 300_000);
    // No refund call is documented for Indodana via DOKU: refused before anything is sent.
    const refused = await stack.api('POST', `/v1/payments/${created.id}/refunds`, { reason: 'customer asked' });
    assert.equal(refused.status, 422, refused.text);
    assert.equal(refused.json.code, 'REFUND_NOT_SUPPORTED');
  });
});
