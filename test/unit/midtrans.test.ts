// Midtrans, tested from outside the code it tests: the notification signature against hashes
// computed independently (sha512sum and node:crypto), the status table, webhook parsing, the
// adapter against the in-process sandbox, and the official midtrans-client (an oracle for the
// sandbox) pointed at that same sandbox.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { MidtransProvider } from '../../src/providers/midtrans/index.js';
import { notificationSignature, notificationSignatureMatches, basicAuthHeader } from '../../src/providers/midtrans/signature.js';
import { midtransStatusToChargeStatus } from '../../src/providers/midtrans/status.js';
import { formatGrossAmount, parseGrossAmount, parseMidtransTime, toOrderTime } from '../../src/providers/midtrans/schemas.js';
import { ProviderRejected, ProviderUnavailable, SignatureInvalid, WebhookMalformed, type CreateChargeRequest } from '../../src/providers/provider.js';
import { SandboxKit } from '../../src/sandbox/kit.js';
import { MidtransSandbox, midtransRetriesFor } from '../../src/providers/midtrans/sandbox/sandbox.js';
import type { PaymentMethod } from '../../src/domain/payment.js';
import { until, randomPaymentId as paymentId } from '../helpers/wait.js';

const SERVER_KEY = 'SB-Mid-server-bayar-sandbox-dev';

/** Independent re-statement of the documented formula: SHA512(order_id+status_code+gross_amount+ServerKey). */
function sha512(text: string): string {
  return createHash('sha512').update(text, 'utf8').digest('hex');
}

function webhookBody(fields: Record<string, unknown>, key = SERVER_KEY): Buffer {
  const signature = sha512(`${fields.order_id}${fields.status_code}${fields.gross_amount}${key}`);
  return Buffer.from(JSON.stringify({ signature_key: signature, ...fields }));
}

const raw = (rawBody: Buffer) => ({ headers: { 'content-type': 'application/json' }, rawBody, path: '/webhooks/midtrans' });

function chargeRequest(method: PaymentMethod, overrides: Partial<CreateChargeRequest> = {}): CreateChargeRequest {
  return {
    paymentId: paymentId(),
    method,
    amount: 150_000,
    expiresAt: new Date(Date.now() + 3600_000).toISOString(),
    description: 'Order 42',
    customer: { name: 'Budi Santoso', email: 'budi@example.com' },
    ...overrides,
  };
}

describe('midtrans signature_key', () => {
  it('matches SHA-512 hex of order_id + status_code + gross_amount + server key (sha512sum vectors)', () => {
    // Computed with coreutils: printf '%s%s%s%s' … | sha512sum
    assert.equal(
      notificationSignature({ order_id: 'pay_0123456789abcdef01234567', status_code: '200', gross_amount: '150000.00' }, SERVER_KEY),
      'ad32f7735248013e7cf4e7b87e7fb410c8c948ea5b3caba020e2e58167e7501c181cde4c1d62743a8c8c81d7be1320d30afd3ef5b8c7f0e958e6e706df1cac78',
    );
    assert.equal(
      notificationSignature({ order_id: 'Postman-1578568851', status_code: '200', gross_amount: '10000.00' }, 'SB-Mid-server-TEST'),
      '946f4f05492a9c9384cd0eb5088c8bea49f8ba5f6a6fa5933a7815297695495bc3ad9f1fdc32a54d9ffd58386026ea524cd3e25b8e145cb7586900e06e0f3a9d',
    );
  });

  it('agrees with node:crypto for arbitrary inputs, and verifies only the exact strings', () => {
    const fields = { order_id: 'order-101', status_code: '201', gross_amount: '44000.00' };
    const expected = sha512('order-10120144000.00' + SERVER_KEY);
    assert.equal(notificationSignature(fields, SERVER_KEY), expected);
    assert.ok(notificationSignatureMatches(fields, expected, SERVER_KEY));
    assert.ok(notificationSignatureMatches(fields, expected.toUpperCase(), SERVER_KEY), 'hex case does not matter');
    assert.ok(!notificationSignatureMatches({ ...fields, gross_amount: '44000' }, expected, SERVER_KEY), 'gross_amount is hashed as sent');
    assert.ok(!notificationSignatureMatches(fields, expected, SERVER_KEY + 'x'));
    assert.ok(!notificationSignatureMatches(fields, expected.slice(0, 127), SERVER_KEY), 'short');
    assert.ok(!notificationSignatureMatches(fields, expected + '00', SERVER_KEY), 'long');
    assert.ok(!notificationSignatureMatches(fields, 'zz' + expected.slice(2), SERVER_KEY), 'not hex');
    assert.ok(!notificationSignatureMatches(fields, undefined, SERVER_KEY));
  });

  it('sends Basic base64(serverKey + ":")', () => {
    assert.equal(basicAuthHeader('SB-Mid-server-abc'), 'Basic ' + Buffer.from('SB-Mid-server-abc:').toString('base64'));
  });
});

describe('midtrans wire formats', () => {
  it('parses "44000.00" as whole rupiah and refuses fractions', () => {
    assert.equal(parseGrossAmount('44000.00'), 44_000);
    assert.equal(parseGrossAmount('44000'), 44_000);
    assert.equal(parseGrossAmount('44000.0'), 44_000);
    assert.equal(parseGrossAmount('44000.50'), undefined);
    assert.equal(parseGrossAmount('-1.00'), undefined);
    assert.equal(parseGrossAmount('1e5'), undefined);
    assert.equal(formatGrossAmount(150_000), '150000.00');
  });

  it('writes order_time in WIB with its offset and reads Midtrans times back', () => {
    const ms = Date.UTC(2024, 6, 4, 3, 53, 53); // 10:53:53 in Jakarta
    assert.equal(toOrderTime(ms), '2024-07-04 10:53:53 +0700');
    assert.equal(parseMidtransTime('2024-07-04 10:53:53 +0700'), ms);
    assert.equal(parseMidtransTime('2024-07-04 10:53:53'), ms, 'zone-less times are WIB');
    assert.equal(parseMidtransTime('2024-07-04T10:53:53Z'), undefined);
  });
});

describe('midtrans status table', () => {
  const cases: [string, string | undefined, string][] = [
    ['pending', undefined, 'PENDING'],
    ['pending', 'accept', 'PENDING'],
    ['settlement', undefined, 'PAID'],
    ['settlement', 'accept', 'PAID'],
    ['capture', 'accept', 'PAID'],
    ['capture', 'challenge', 'PENDING'],
    ['capture', 'deny', 'FAILED'],
    ['deny', undefined, 'FAILED'],
    ['failure', undefined, 'FAILED'],
    ['cancel', undefined, 'CANCELLED'],
    ['expire', undefined, 'EXPIRED'],
    ['refund', undefined, 'REFUNDED'],
    ['partial_refund', 'accept', 'REFUNDED'],
    ['authorize', 'accept', 'PENDING'],
    ['chargeback', undefined, 'PENDING'],
    ['something_new', undefined, 'PENDING'],
  ];
  for (const [status, fraud, expected] of cases) {
    it(`${status}${fraud ? '/' + fraud : ''} → ${expected}`, () => assert.equal(midtransStatusToChargeStatus(status, fraud), expected));
  }
});

describe('midtrans parseWebhook', () => {
  const provider = new MidtransProvider({ serverKey: SERVER_KEY, baseUrl: 'http://127.0.0.1:9', timeoutMs: 1000 });
  const settled = {
    transaction_time: '2024-07-04 10:53:53',
    transaction_status: 'settlement',
    transaction_id: 'be03df7d-2f97-4c8c-a53c-8959f1b67295',
    status_message: 'midtrans payment notification',
    status_code: '200',
    payment_type: 'bank_transfer',
    order_id: 'pay_0123456789abcdef01234567',
    merchant_id: 'G812785002',
    gross_amount: '150000.00',
    fraud_status: 'accept',
    currency: 'IDR',
    settlement_time: '2024-07-04 11:00:00',
    va_numbers: [{ bank: 'bca', va_number: '812785002530231' }],
  };

  it('accepts a genuine settlement and turns it into a PAID event', () => {
    const parsed = provider.parseWebhook(raw(webhookBody(settled)));
    assert.equal(parsed.kind, 'payment');
    if (parsed.kind !== 'payment') return;
    assert.equal(parsed.paymentId, settled.order_id);
    assert.equal(parsed.event.chargeStatus, 'PAID');
    assert.equal(parsed.event.paidAmount, 150_000);
    assert.equal(parsed.event.source, 'webhook');
    assert.equal(parsed.event.providerReference, settled.transaction_id);
    assert.equal(parsed.event.provider, 'midtrans');
    // Only signed fields (and the status the signed code allows) name the event.
    assert.equal(parsed.event.eventId, `${settled.order_id}:200:${settled.gross_amount}:PAID`);
    assert.equal(parsed.event.occurredAt, '2024-07-04T04:00:00.000Z');
    // Same notification again (a Midtrans retry): same event id, so the workflow dedupes it.
    const again = provider.parseWebhook(raw(webhookBody(settled)));
    assert.equal(again.kind === 'payment' && again.event.eventId, parsed.event.eventId);
  });

  it('refuses a forged signature_key', () => {
    assert.throws(() => provider.parseWebhook(raw(webhookBody(settled, 'SB-Mid-server-attacker-guess'))), SignatureInvalid);
  });

  it('refuses a tampered gross_amount, and a re-formatted one', () => {
    const body = JSON.parse(webhookBody(settled).toString()) as Record<string, unknown>;
    assert.throws(() => provider.parseWebhook(raw(Buffer.from(JSON.stringify({ ...body, gross_amount: '1500000.00' })))), SignatureInvalid);
    assert.throws(() => provider.parseWebhook(raw(Buffer.from(JSON.stringify({ ...body, gross_amount: '150000' })))), SignatureInvalid);
    assert.throws(() => provider.parseWebhook(raw(Buffer.from(JSON.stringify({ ...body, order_id: 'pay_ffffffffffffffffffffffff' })))), SignatureInvalid);
    assert.throws(() => provider.parseWebhook(raw(Buffer.from(JSON.stringify({ ...body, status_code: '201' })))), SignatureInvalid);
  });

  it('refuses a missing signature_key (401, not 400)', () => {
    assert.throws(() => provider.parseWebhook(raw(Buffer.from(JSON.stringify(settled)))), SignatureInvalid);
  });

  it('refuses bodies that are not a notification', () => {
    assert.throws(() => provider.parseWebhook(raw(Buffer.from('{"order_id":'))), WebhookMalformed);
    assert.throws(() => provider.parseWebhook(raw(Buffer.from(JSON.stringify({ ...settled, gross_amount: 150000 })))), WebhookMalformed);
  });

  it('maps expire and challenge, and takes refund notices as wake-ups only (their refund_amount is unsigned)', () => {
    const expired = provider.parseWebhook(raw(webhookBody({ ...settled, transaction_status: 'expire', status_code: '407' })));
    assert.equal(expired.kind === 'payment' && expired.event.chargeStatus, 'EXPIRED');
    const challenged = provider.parseWebhook(raw(webhookBody({ ...settled, transaction_status: 'capture', fraud_status: 'challenge', status_code: '201' })));
    assert.equal(challenged.kind === 'payment' && challenged.event.chargeStatus, 'PENDING');
    assert.equal(challenged.kind === 'payment' && challenged.event.eventId, `${settled.order_id}:201:${settled.gross_amount}:PENDING`);
    // An edited (unsigned) transaction_id or transaction_status mints no new event.
    const edited = provider.parseWebhook(raw(webhookBody({ ...settled, transaction_status: 'authorize', transaction_id: 'other', fraud_status: 'challenge', status_code: '201' })));
    assert.equal(edited.kind === 'payment' && edited.event.eventId, `${settled.order_id}:201:${settled.gross_amount}:PENDING`);
    assert.throws(() => provider.parseWebhook(raw(webhookBody({ ...settled, currency: 'USD' }))), WebhookMalformed, 'IDR only');
    const refund = provider.parseWebhook(raw(webhookBody({ ...settled, transaction_status: 'partial_refund', payment_type: 'qris', refund_amount: '5000.00' })));
    assert.equal(refund.kind, 'payment');
    assert.equal(refund.kind === 'payment' && refund.event.wakeOnly, true, 'amounts come from the status look-up');
    assert.equal(refund.kind === 'payment' && refund.event.providerRefunds, undefined);
    const second = provider.parseWebhook(raw(webhookBody({ ...settled, transaction_status: 'partial_refund', payment_type: 'qris', refund_amount: '8000.00' })));
    assert.notEqual(second.kind === 'payment' && second.event.eventId, refund.kind === 'payment' && refund.event.eventId, 'a second refund wakes the payment again');
  });

  it('answers 200 to take a notification and 503 to have it retried', () => {
    assert.equal(provider.webhookAck().status, 200);
    assert.equal(provider.webhookRetryLater().status, 503);
  });
});

/** A notification endpoint that records what arrives and answers `answer(n)`. */
async function startReceiver(answer: (n: number) => number = () => 200) {
  const received: { body: string; headers: Record<string, string | string[] | undefined> }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers });
      res.writeHead(answer(received.length)).end();
    });
  });
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
  return { url: `http://127.0.0.1:${port}/webhooks/midtrans`, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('midtrans adapter against the local sandbox', () => {
  let kit: SandboxKit;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let url: string;
  let provider: MidtransProvider;

  before(async () => {
    receiver = await startReceiver();
    kit = new SandboxKit(new MidtransSandbox({ serverKey: SERVER_KEY }), { callbackUrl: receiver.url, timeScale: 0.0001 });
    url = `http://127.0.0.1:${await kit.listen(0)}`;
    provider = new MidtransProvider({ serverKey: SERVER_KEY, baseUrl: url, timeoutMs: 5000 });
  });
  after(async () => {
    await kit?.close();
    await receiver?.close();
  });

  const notificationsFor = (orderId: string) => receiver.received.map((r) => JSON.parse(r.body) as Record<string, string>).filter((n) => n.order_id === orderId);

  it('creates a charge for every method with the right payment instructions', async () => {
    const expectations: [PaymentMethod, (i: Record<string, string | undefined>) => void][] = [
      ['VA_BCA', (i) => (assert.match(i.virtualAccountNumber!, /^\d{10,}$/), assert.equal(i.bankCode, 'BCA'))],
      ['VA_BNI', (i) => assert.equal(i.bankCode, 'BNI')],
      ['VA_BRI', (i) => assert.equal(i.bankCode, 'BRI')],
      ['VA_CIMB', (i) => assert.equal(i.bankCode, 'CIMB')],
      ['VA_PERMATA', (i) => (assert.match(i.virtualAccountNumber!, /^\d{16}$/), assert.equal(i.bankCode, 'PERMATA'))],
      ['VA_MANDIRI', (i) => (assert.equal(i.billerCode, '70012'), assert.match(i.payCode!, /^\d{12}$/), assert.equal(i.bankCode, 'MANDIRI'))],
      ['QRIS', (i) => (assert.match(i.qrString!, /^000201/), assert.match(i.payUrl!, /qr-code$/))],
      ['EWALLET_GOPAY', (i) => assert.match(i.payUrl!, /gopay/)],
      ['EWALLET_SHOPEEPAY', (i) => assert.match(i.payUrl!, /shopeepay/)],
      ['RETAIL_ALFAMART', (i) => assert.match(i.payCode!, /^\d{14}$/)],
      ['RETAIL_INDOMARET', (i) => assert.match(i.payCode!, /^\d{14}$/)],
    ];
    assert.deepEqual(new Set(expectations.map(([m]) => m)), new Set(provider.capabilities.methods));
    for (const [method, check] of expectations) {
      const snapshot = await provider.createCharge(chargeRequest(method));
      assert.equal(snapshot.chargeStatus, 'PENDING', method);
      assert.equal(snapshot.providerStatus, 'pending');
      assert.match(snapshot.providerReference, /^[0-9a-f-]{36}$/);
      check(snapshot.instructions as Record<string, string | undefined>);
    }
  });

  it('answers a repeated create (406, order_id taken) with the existing charge, after checking its amount', async () => {
    const request = chargeRequest('VA_BNI');
    const first = await provider.createCharge(request);
    const again = await provider.createCharge(request);
    assert.equal(again.providerReference, first.providerReference);
    assert.equal(again.instructions.virtualAccountNumber, first.instructions.virtualAccountNumber);
    const ledger = (await (await fetch(`${url}/_sandbox/ledger`)).json()) as { charges: { reference: string; createRequests: number }[] };
    assert.equal(ledger.charges.find((c) => c.reference === request.paymentId)?.createRequests, 2);
    await assert.rejects(provider.createCharge({ ...request, amount: 150_001 }), (err: unknown) => err instanceof ProviderRejected && err.code === 'AMOUNT_MISMATCH');
  });

  it('asks Midtrans to expire at most 20 s out, and never less', async () => {
    const request = chargeRequest('VA_BRI', { expiresAt: new Date(Date.now() + 2000).toISOString() });
    await provider.createCharge(request);
    const status = (await (await fetch(`${url}/v2/${request.paymentId}/status`, { headers: { authorization: basicAuthHeader(SERVER_KEY) } })).json()) as Record<string, string>;
    const lifetime = parseMidtransTime(status.expiry_time!)! - parseMidtransTime(status.transaction_time!)!;
    assert.ok(lifetime >= 19_000 && lifetime <= 21_000, `lifetime ${lifetime}`);
  });

  it('finds nothing for an unknown order, and reports typed errors', async () => {
    assert.equal(await provider.findCharge({ paymentId: paymentId(), method: 'VA_BCA' }), null);
    const wrongKey = new MidtransProvider({ serverKey: 'SB-Mid-server-wrong', baseUrl: url, timeoutMs: 5000 });
    await assert.rejects(wrongKey.createCharge(chargeRequest('VA_BCA')), (err: unknown) => err instanceof ProviderRejected && err.code === 'MIDTRANS_401');
    await fetch(`${url}/_sandbox/faults`, { method: 'POST', body: JSON.stringify({ errorRate: 1 }) });
    try {
      await assert.rejects(provider.findCharge({ paymentId: paymentId(), method: 'VA_BCA' }), ProviderUnavailable);
    } finally {
      await fetch(`${url}/_sandbox/faults`, { method: 'POST', body: '{}' });
    }
    const down = new MidtransProvider({ serverKey: SERVER_KEY, baseUrl: 'http://127.0.0.1:9', timeoutMs: 2000 });
    await assert.rejects(down.findCharge({ paymentId: paymentId(), method: 'VA_BCA' }), ProviderUnavailable);
  });

  it('pays, notifies with a signature_key that node:crypto reproduces, and the adapter accepts it', async () => {
    const request = chargeRequest('VA_BCA');
    await provider.createCharge(request);
    const before = Math.floor(Date.now() / 1000) * 1000;
    const paid = await fetch(`${url}/_sandbox/charges/${request.paymentId}/pay`, { method: 'POST', body: '{}' });
    assert.equal(paid.status, 200);
    const snapshot = await provider.findCharge({ paymentId: request.paymentId, method: 'VA_BCA' });
    assert.equal(snapshot?.chargeStatus, 'PAID');
    assert.equal(snapshot?.paidAmount, 150_000);
    // The paid time is settlement_time (WIB, whole seconds), read as UTC: late money is judged by it.
    const paidAt = Date.parse(snapshot?.paidAt ?? '');
    assert.ok(paidAt >= before && paidAt <= Date.now(), `paidAt ${snapshot?.paidAt} is the settlement time`);
    const notification = await until(() => notificationsFor(request.paymentId).find((n) => n.transaction_status === 'settlement'));
    assert.equal(notification.gross_amount, '150000.00');
    assert.equal(notification.status_code, '200');
    assert.equal(notification.signature_key, sha512(`${request.paymentId}200150000.00${SERVER_KEY}`));
    const parsed = provider.parseWebhook(raw(Buffer.from(JSON.stringify(notification))));
    assert.equal(parsed.kind === 'payment' && parsed.event.chargeStatus, 'PAID');
    assert.equal(parsed.kind === 'payment' && parsed.event.paidAt, snapshot?.paidAt, 'the notification carries the same settlement_time');
  });

  it('expires a pending charge on cancel, and treats a closed or unknown one as nothing to do', async () => {
    const request = chargeRequest('QRIS');
    await provider.createCharge(request);
    await provider.cancelCharge({ paymentId: request.paymentId, method: 'QRIS' });
    assert.equal((await provider.findCharge({ paymentId: request.paymentId, method: 'QRIS' }))?.chargeStatus, 'EXPIRED');
    await provider.cancelCharge({ paymentId: request.paymentId, method: 'QRIS' }); // 412: already closed
    await provider.cancelCharge({ paymentId: paymentId(), method: 'QRIS' }); // 404
    const expired = await until(() => notificationsFor(request.paymentId).find((n) => n.transaction_status === 'expire'));
    assert.equal(expired.status_code, '407');
  });

  it('expires on its own at custom_expiry (order_time + duration) and says so', async () => {
    const orderId = paymentId();
    const res = await fetch(`${url}/v2/charge`, {
      method: 'POST',
      headers: { authorization: basicAuthHeader(SERVER_KEY), 'content-type': 'application/json' },
      body: JSON.stringify({
        payment_type: 'bank_transfer',
        transaction_details: { order_id: orderId, gross_amount: 10_000 },
        bank_transfer: { bank: 'bca' },
        custom_expiry: { order_time: toOrderTime(Date.now() - 25_000), expiry_duration: 20, unit: 'second' },
      }),
    });
    assert.equal(((await res.json()) as { status_code: string }).status_code, '201');
    const snapshot = await provider.findCharge({ paymentId: orderId, method: 'VA_BCA' });
    assert.equal(snapshot?.chargeStatus, 'EXPIRED');
    assert.equal(snapshot?.providerStatus, 'expire');
    await until(() => notificationsFor(orderId).find((n) => n.transaction_status === 'expire'));
  });

  it('refunds QRIS partially, safely retried with the same refund_key, and refuses VA refunds', async () => {
    const request = chargeRequest('QRIS', { amount: 100_000 });
    await provider.createCharge(request);
    await fetch(`${url}/_sandbox/charges/${request.paymentId}/pay`, { method: 'POST', body: '{}' });
    const ref = { paymentId: request.paymentId, method: 'QRIS' as const };
    const refund = { charge: ref, idempotencyKey: `${request.paymentId}-rf-1`, amount: 40_000, full: false, reason: 'customer asked' };
    const first = await provider.refund(refund);
    const retried = await provider.refund(refund);
    assert.equal(first.state, 'SUCCEEDED');
    assert.deepEqual(retried, first, 'same refund_key, same refund');
    const after = await provider.findCharge(ref);
    assert.equal(after?.providerStatus, 'partial_refund');
    const ledger = (await (await fetch(`${url}/_sandbox/ledger`)).json()) as { charges: { reference: string; refundedAmount: number }[] };
    assert.equal(ledger.charges.find((c) => c.reference === request.paymentId)?.refundedAmount, 40_000);
    await assert.rejects(provider.refund({ ...refund, idempotencyKey: `${request.paymentId}-rf-2`, amount: 60_001 }), ProviderRejected);

    const va = chargeRequest('VA_PERMATA');
    await provider.createCharge(va);
    await fetch(`${url}/_sandbox/charges/${va.paymentId}/pay`, { method: 'POST', body: '{}' });
    await assert.rejects(
      provider.refund({ charge: { paymentId: va.paymentId, method: 'VA_PERMATA' }, idempotencyKey: `${va.paymentId}-rf-1`, amount: 1000, full: false, reason: 'x' }),
      (err: unknown) => err instanceof ProviderRejected && err.code === 'MIDTRANS_412',
    );
  });

  it('reports refunds from the status answer, a dashboard refund included, with their ids and amounts', async () => {
    const request = chargeRequest('QRIS', { amount: 100_000 });
    await provider.createCharge(request);
    await fetch(`${url}/_sandbox/charges/${request.paymentId}/pay`, { method: 'POST', body: '{}' });
    const ref = { paymentId: request.paymentId, method: 'QRIS' as const };
    assert.equal((await provider.findCharge(ref))?.providerRefunds, undefined, 'nothing refunded yet');
    const ours = await provider.refund({ charge: ref, idempotencyKey: `${request.paymentId}-rf-1`, amount: 25_000, full: false, reason: 'customer asked' });
    const dashboard = await fetch(`${url}/_sandbox/charges/${request.paymentId}/dashboard-refund`, { method: 'POST', body: JSON.stringify({ amount: 15_000 }) });
    assert.equal(dashboard.status, 200);
    const after = await provider.findCharge(ref);
    assert.equal(after?.chargeStatus, 'REFUNDED');
    assert.equal(after?.providerRefunds?.total, 40_000);
    assert.deepEqual(
      after?.providerRefunds?.refunds?.map((r) => r.amount),
      [25_000, 15_000],
    );
    assert.equal(after?.providerRefunds?.refunds?.[0]?.providerRefundId, ours.providerRefundId, "bayar's own refund has the id the refund call answered");
    const notice = await until(() => notificationsFor(request.paymentId).find((n) => n.transaction_status === 'partial_refund' && n.refund_amount === '40000.00'));
    const parsed = provider.parseWebhook(raw(Buffer.from(JSON.stringify(notice))));
    assert.equal(parsed.kind === 'payment' && parsed.event.wakeOnly, true);
    const tooMuch = await fetch(`${url}/_sandbox/charges/${request.paymentId}/dashboard-refund`, { method: 'POST', body: JSON.stringify({ amount: 60_001 }) });
    assert.equal(((await tooMuch.json()) as { status_code: string }).status_code, '412', 'the dashboard refuses more than is left, as the API does');
  });

  it('follows X-Override-Notification for one transaction', async () => {
    const other = await startReceiver();
    try {
      const orderId = paymentId();
      await fetch(`${url}/v2/charge`, {
        method: 'POST',
        headers: { authorization: basicAuthHeader(SERVER_KEY), 'content-type': 'application/json', 'x-override-notification': other.url },
        body: JSON.stringify({ payment_type: 'gopay', transaction_details: { order_id: orderId, gross_amount: 5000 } }),
      });
      await fetch(`${url}/_sandbox/charges/${orderId}/pay`, { method: 'POST', body: '{}' });
      await until(() => (other.received.length > 0 ? true : undefined));
      assert.equal(notificationsFor(orderId).length, 0);
    } finally {
      await other.close();
    }
  });
});

// The cases wait on the sandbox's (scaled) schedule, each with its own sandbox and receiver: run together.
describe('midtrans sandbox notification retries', { concurrency: true }, () => {
  // ≈2m, 10m, 30m, 90m, 210m scaled by 0.00005 → 6 ms … 630 ms apart, about 1 s in all.
  for (const [answer, attempts] of [
    [500, 2],
    [503, 5],
    [404, 3],
    [502, 6],
  ] as const) {
    it(`answering ${answer} gets ${attempts - 1} ${attempts === 2 ? 'retry' : 'retries'}`, async () => {
      assert.equal(midtransRetriesFor(answer), attempts - 1);
      const receiver = await startReceiver(() => answer);
      const kit = new SandboxKit(new MidtransSandbox({ serverKey: SERVER_KEY }), { callbackUrl: receiver.url, timeScale: 0.00005 });
      const url = `http://127.0.0.1:${await kit.listen(0)}`;
      try {
        const orderId = paymentId();
        await fetch(`${url}/v2/charge`, {
          method: 'POST',
          headers: { authorization: basicAuthHeader(SERVER_KEY), 'content-type': 'application/json' },
          body: JSON.stringify({ payment_type: 'qris', transaction_details: { order_id: orderId, gross_amount: 5000 } }),
        });
        await fetch(`${url}/_sandbox/charges/${orderId}/pay`, { method: 'POST', body: '{}' });
        await until(() => (receiver.received.length >= attempts ? true : undefined), 15_000);
        // Longer than the largest scaled gap (630 ms): a retry too many would have arrived.
        await new Promise((r) => setTimeout(r, 900));
        assert.equal(receiver.received.length, attempts);
        assert.ok(
          receiver.received.every((r) => r.body === receiver.received[0]!.body),
          'every retry is the same notification',
        );
      } finally {
        await kit.close();
        await receiver.close();
      }
    });
  }
});

// ---- the official client as an oracle: does Midtrans' own SDK accept our sandbox? ----

const require = createRequire(import.meta.url);
let sdk: any;
try {
  sdk = require('midtrans-client');
} catch {
  sdk = undefined;
}

describe('official midtrans-client 1.4.3 against the sandbox', { skip: sdk ? false : 'midtrans-client is not installed' }, () => {
  let kit: SandboxKit;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let core: any;
  let url: string;

  const coreApi = (serverKey: string) => {
    const api = new sdk.CoreApi({ isProduction: false, serverKey, clientKey: 'SB-Mid-client-bayar' });
    api.apiConfig.getCoreApiBaseUrl = () => url;
    return api;
  };

  before(async () => {
    receiver = await startReceiver();
    kit = new SandboxKit(new MidtransSandbox({ serverKey: SERVER_KEY }), { callbackUrl: receiver.url, timeScale: 0.0001 });
    url = `http://127.0.0.1:${await kit.listen(0)}`;
    core = coreApi(SERVER_KEY);
  });
  after(async () => {
    await kit?.close();
    await receiver?.close();
  });

  it('charges a BCA VA, reads its status, and is refused a reused order_id (406)', async () => {
    const orderId = paymentId();
    const charge = await core.charge({ payment_type: 'bank_transfer', transaction_details: { order_id: orderId, gross_amount: 44_000 }, bank_transfer: { bank: 'bca' } });
    assert.equal(charge.status_code, '201');
    assert.equal(charge.transaction_status, 'pending');
    assert.equal(charge.gross_amount, '44000.00');
    assert.equal(charge.va_numbers[0].bank, 'bca');
    const status = await core.transaction.status(orderId);
    assert.equal(status.transaction_id, charge.transaction_id);
    assert.equal(status.status_code, '201');
    await assert.rejects(
      core.charge({ payment_type: 'bank_transfer', transaction_details: { order_id: orderId, gross_amount: 44_000 }, bank_transfer: { bank: 'bca' } }),
      (err: any) => err.name === 'MidtransError' && String(err.httpStatusCode) === '406',
    );
  });

  it('is refused with a wrong server key (401)', async () => {
    await assert.rejects(
      coreApi('SB-Mid-server-wrong').charge({ payment_type: 'qris', transaction_details: { order_id: paymentId(), gross_amount: 1000 } }),
      (err: any) => err.name === 'MidtransError' && Number(err.httpStatusCode) === 401,
    );
  });

  it('refuses a refund_key outside [A-Za-z0-9_-] with 400, as Midtrans does, and takes a valid one', async () => {
    // docs.midtrans.com/reference/refund-transactions-card: refund_key is alphanumeric, "-" and "_".
    const orderId = paymentId();
    await core.charge({ payment_type: 'qris', transaction_details: { order_id: orderId, gross_amount: 50_000 } });
    await fetch(`${url}/_sandbox/charges/${orderId}/pay`, { method: 'POST', body: '{}' });
    for (const key of ['order 1001/refund', 'rf.1', 'rf:1', 'rüf-1', 'rf+1']) {
      await assert.rejects(core.transaction.refund(orderId, { refund_key: key, amount: 1000, reason: 'x' }), (err: any) => err.name === 'MidtransError' && String(err.httpStatusCode) === '400', key);
    }
    const ok = await core.transaction.refund(orderId, { refund_key: 'pay_abc-rf_1', amount: 1000, reason: 'x' });
    assert.equal(ok.status_code, '200');
    assert.equal(ok.refund_key, 'pay_abc-rf_1');
  });

  it("verifies a notification by transaction_id the way the SDK's notification() does", async () => {
    const orderId = paymentId();
    const charge = await core.charge({
      payment_type: 'echannel',
      transaction_details: { order_id: orderId, gross_amount: 650_000 },
      echannel: { bill_info1: 'Payment:', bill_info2: 'Online purchase' },
    });
    assert.equal(charge.biller_code, '70012');
    await fetch(`${url}/_sandbox/charges/${orderId}/pay`, { method: 'POST', body: '{}' });
    const notification = await until(() => receiver.received.map((r) => JSON.parse(r.body)).find((n) => n.order_id === orderId && n.transaction_status === 'settlement'));
    const verified = await core.transaction.notification(JSON.stringify(notification));
    assert.equal(verified.transaction_status, 'settlement');
    assert.equal(verified.order_id, orderId);
    assert.equal(notification.signature_key, sha512(`${orderId}200650000.00${SERVER_KEY}`));
  });

  it('expires a pending charge (407 is an answer, not an error, to the SDK)', async () => {
    const orderId = paymentId();
    await core.charge({ payment_type: 'cstore', transaction_details: { order_id: orderId, gross_amount: 20_000 }, cstore: { store: 'indomaret', message: 'bayar' } });
    const expired = await core.transaction.expire(orderId);
    assert.equal(expired.status_code, '407');
    assert.equal(expired.transaction_status, 'expire');
  });

  it('refunds a settled QRIS with refund_key idempotency', async () => {
    const orderId = paymentId();
    const charge = await core.charge({ payment_type: 'qris', transaction_details: { order_id: orderId, gross_amount: 30_000 }, qris: { acquirer: 'gopay' } });
    assert.match(charge.qr_string, /^000201/);
    assert.equal(charge.actions[0].name, 'generate-qr-code');
    await fetch(`${url}/_sandbox/charges/${orderId}/pay`, { method: 'POST', body: '{}' });
    const first = await core.transaction.refund(orderId, { refund_key: 'bayar-rf-1', amount: 10_000, reason: 'test' });
    const again = await core.transaction.refund(orderId, { refund_key: 'bayar-rf-1', amount: 10_000, reason: 'test' });
    assert.equal(first.status_code, '200');
    assert.equal(first.refund_amount, '10000.00');
    assert.deepEqual(again, first);
    const status = await core.transaction.status(orderId);
    assert.equal(status.transaction_status, 'partial_refund');
    assert.equal(status.refunds.length, 1);
  });
});
