// Indodana (merchant QRIS), tested from outside the code it tests: the Authorization signature
// against Indodana's published vector, verification of forged, stale, future and missing
// credentials, the status table, the wire schemas against Indodana's published samples, the QRIS
// CRC against the standard CRC-16/CCITT-FALSE check value, webhook parsing, and the adapter against
// the in-process sandbox (QR → scan → pay → notification, refunds, fraud, expiry, retries).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { IndodanaProvider, AWAITING_PAYMENT, type IndodanaConfig } from '../../src/providers/indodana/index.js';
import { INDODANA_PATHS, INDODANA_REFUND_REASONS, indodanaCapabilities, indodanaOrderId, paymentIdFromOrderId } from '../../src/providers/indodana/capabilities.js';
import { authorizationHeader, indodanaSignature, verifyAuthorization } from '../../src/providers/indodana/signature.js';
import { indodanaStatusToChargeStatus } from '../../src/providers/indodana/status.js';
import { checkQris, dynamicQris, parseTlv, qrisCrc, readDynamicQris } from '../../src/providers/indodana/qris.js';
import { cancellationRequestSchema, checkStatusSchema, indodanaTime, jakartaTime, notificationSchema, parseIndodanaTime } from '../../src/providers/indodana/schemas.js';
import { ProviderRejected, SignatureInvalid, WebhookMalformed, type RawWebhook } from '../../src/providers/provider.js';
import { SandboxKit } from '../../src/sandbox/kit.js';
import { INDODANA_NOTIFICATION_RETRIES_MS, INDODANA_PATH_PREFIX, IndodanaSandbox } from '../../src/sandbox/indodana/sandbox.js';
import { ConfigError, DEV_DEFAULTS, loadConfig } from '../../src/config/config.js';
import { randomPaymentId, until } from '../helpers/wait.js';

const KEY = 'bayar-unit-indodana-key';
const SECRET = 'bayar-unit-indodana-secret';
const QRIS = DEV_DEFAULTS.indodana.qrisPayload;
const NOW = 1_750_000_000; // seconds

/** Indodana's formula restated independently: hex HMAC-SHA256(secret, "key:nonce"). */
function bearer(nonce: number, key = KEY, secret = SECRET): string {
  return `Bearer ${key}:${nonce}:${createHmac('sha256', secret).update(`${key}:${nonce}`).digest('hex')}`;
}

function webhook(body: unknown, authorization: string | undefined = bearer(Math.floor(Date.now() / 1000))): RawWebhook {
  return { headers: { 'content-type': 'application/json', authorization }, rawBody: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)), path: '/webhooks/indodana' };
}

function provider(baseUrl = 'http://127.0.0.1:1', overrides: Partial<IndodanaConfig> = {}, now?: () => number): IndodanaProvider {
  return new IndodanaProvider({ apiKey: KEY, secretKey: SECRET, baseUrl, timeoutMs: 5000, qrisPayload: QRIS, refundPath: INDODANA_PATHS.defaultRefund, ...overrides }, { now });
}

describe('Indodana Authorization', () => {
  it('matches the published vector (key test, secret test, nonce 1585504035)', () => {
    assert.equal(indodanaSignature('test', 1585504035, 'test'), '68bd864cbad49e039d1d32e23377c002b200f13662f35d88ae2e5edafd76d61a');
    assert.equal(authorizationHeader('test', 'test', 1585504035), 'Bearer test:1585504035:68bd864cbad49e039d1d32e23377c002b200f13662f35d88ae2e5edafd76d61a');
  });

  it('signs with the current Unix second by default', () => {
    const before = Math.floor(Date.now() / 1000);
    const [, nonce] = authorizationHeader(KEY, SECRET).slice('Bearer '.length).split(':');
    assert.ok(Number(nonce) >= before && Number(nonce) <= before + 1);
  });

  const verify = (header: string | undefined, nowSeconds = NOW) => verifyAuthorization(header, { apiKey: KEY, secret: SECRET, nowSeconds });

  it('accepts a genuine credential within 5 minutes back and 1 minute ahead', () => {
    for (const nonce of [NOW, NOW - 300, NOW + 60]) assert.deepEqual(verify(bearer(nonce)), { ok: true, nonce });
    // Upper-case hex is the same signature.
    const upper = bearer(NOW).replace(/:([0-9a-f]{64})$/, (_, s: string) => ':' + s.toUpperCase());
    assert.equal(verify(upper).ok, true);
  });

  it('refuses stale (replayed) and future nonces, even when correctly signed', () => {
    const stale = verify(bearer(NOW - 301));
    assert.equal(stale.ok, false);
    assert.match((stale as { reason: string }).reason, /301 s old/);
    const future = verify(bearer(NOW + 61));
    assert.equal(future.ok, false);
    assert.match((future as { reason: string }).reason, /in the future/);
  });

  it('refuses forged, foreign, missing and malformed credentials without echoing them', () => {
    const cases: [string | undefined, RegExp][] = [
      [undefined, /missing/],
      ['', /missing/],
      [bearer(NOW, KEY, 'not-the-secret'), /does not match/],
      [bearer(NOW, 'someone-elses-key'), /does not match/],
      [bearer(NOW).replace(/.$/, (c) => (c === '0' ? '1' : '0')), /does not match/],
      [bearer(NOW).replace('Bearer ', 'Basic '), /not a Bearer/],
      [bearer(NOW).replace('Bearer ', ''), /not a Bearer/],
      [`Bearer ${KEY}:${NOW}`, /apiKey:nonce:signature/],
      [`Bearer ${KEY}:${NOW}:abc:def`, /apiKey:nonce:signature/],
      [`Bearer ${KEY}:1.5e9:${'0'.repeat(64)}`, /Unix time/],
      [`Bearer ${KEY}:${NOW}:${'z'.repeat(64)}`, /64 hex/],
      [`Bearer ${KEY}:${NOW}:${'0'.repeat(63)}`, /64 hex/],
    ];
    for (const [header, reason] of cases) {
      const v = verify(header);
      assert.equal(v.ok, false, String(header));
      assert.match((v as { reason: string }).reason, reason, String(header));
      if (header) assert.ok(!(v as { reason: string }).reason.includes(header.slice(-64)), 'the reason does not echo the signature');
    }
    // A forged signature with a stale nonce is reported as forged, not as merely stale.
    assert.match((verify(bearer(NOW - 10_000, KEY, 'wrong')) as { reason: string }).reason, /does not match/);
  });
});

describe('Indodana status table', () => {
  it('maps the four QRIS statuses, refunds and anything else', () => {
    assert.equal(indodanaStatusToChargeStatus('INITIATED'), 'PENDING');
    assert.equal(indodanaStatusToChargeStatus('PAID'), 'PAID');
    assert.equal(indodanaStatusToChargeStatus('EXPIRED'), 'EXPIRED');
    assert.equal(indodanaStatusToChargeStatus('REJECTED'), 'FAILED');
    assert.equal(indodanaStatusToChargeStatus('CANCELLED'), 'REFUNDED');
    for (const other of ['paid', 'SETTLED', '', 'constructor', '__proto__', 'toString']) assert.equal(indodanaStatusToChargeStatus(other), 'PENDING', other);
  });
});

describe('Indodana wire schemas', () => {
  it("parse the published check-status sample", () => {
    const sample = {
      status: 'OK',
      fraudStatus: 'ACCEPT',
      legalName: '<INDODANA-CUSTOMER-NAME>',
      amount: 4500000,
      indodanaUserId: '<INDODANA-USER-ID>',
      paymentType: '3_months',
      transactionStatus: 'INITIATED',
      merchantOrderId: '<MERCHANT-ORDER-ID>',
      transactionTime: '2019-09-26T06:24:26+0000',
      transactionId: '<INDODANA-TRANSACTION-ID>',
    };
    const parsed = checkStatusSchema.parse(sample);
    assert.equal(parsed.amount, 4500000);
    assert.equal(parseIndodanaTime(parsed.transactionTime!), Date.parse('2019-09-26T06:24:26Z'));
    assert.equal(checkStatusSchema.safeParse({ ...sample, status: 'ERROR' }).success, false);
    assert.equal(checkStatusSchema.safeParse({ ...sample, amount: '4500000' }).success, false);
  });

  it('write and read Indodana time forms', () => {
    const ms = Date.parse('2019-09-12T11:18:18Z');
    assert.equal(indodanaTime(ms), '2019-09-12T11:18:18+0000');
    assert.equal(jakartaTime(ms), '2019-09-12T18:18:18+07:00');
    assert.equal(parseIndodanaTime('2019-09-12T18:18:18+07:00'), ms);
    for (const bad of ['2019-09-12 18:18:18', '2019-09-12T18:18:18', 'yesterday', '']) assert.equal(parseIndodanaTime(bad), undefined, bad);
  });

  it('take a cancellation shaped like Indodana’s sample, with one of the four reasons as the seed spells them', () => {
    const sample = {
      refundId: 'rf-1',
      merchantOrderId: 'order-1',
      cancellationAmount: 4500000,
      cancellationReason: 'Out of Stock',
      cancelledBy: 'TESTER',
      cancellationDate: '2019-09-12T18:18:18+07:00',
    };
    assert.equal(cancellationRequestSchema.safeParse(sample).success, true);
    for (const reason of INDODANA_REFUND_REASONS) assert.equal(cancellationRequestSchema.safeParse({ ...sample, cancellationReason: reason }).success, true, reason);
    for (const reason of ['Out of stock', 'Fraud', '', 'others']) assert.equal(cancellationRequestSchema.safeParse({ ...sample, cancellationReason: reason }).success, false, reason);
    const { cancellationReason: _r, ...withoutReason } = sample;
    assert.equal(cancellationRequestSchema.safeParse(withoutReason).success, false, 'the reason is required');
    assert.equal(cancellationRequestSchema.safeParse({ ...sample, cancellationAmount: 0 }).success, false);
    assert.equal(cancellationRequestSchema.safeParse({ ...sample, cancellationAmount: 10.5 }).success, false);
  });

  it('read notifications with the fields Indodana’s clients read', () => {
    const parsed = notificationSchema.parse({ transactionStatus: 'PAID', merchantOrderId: 'o-1', amount: 5000, paymentType: '30_days', transactionTime: '2019-09-26T06:24:26+0000', transactionId: 't-1', extra: true });
    assert.equal(parsed.amount, 5000);
    assert.equal(notificationSchema.safeParse({ transactionStatus: 'PAID' }).success, false);
    assert.equal(notificationSchema.safeParse({ transactionStatus: 'PAID', merchantOrderId: 'o', amount: 1.5 }).success, false);
  });
});

describe('QRIS payloads', () => {
  it('computes CRC-16/CCITT-FALSE (check value of "123456789" is 29B1)', () => {
    assert.equal(qrisCrc('123456789'), '29B1');
    assert.equal(qrisCrc(''), 'FFFF');
  });

  it('the development QRIS is valid and static', () => {
    const check = checkQris(QRIS);
    assert.equal(check.ok, true, JSON.stringify(check));
    assert.equal((check as { fields: { id: string; value: string }[] }).fields.find((f) => f.id === '01')?.value, '11');
  });

  it('makes a dynamic QR with the amount and the order id, keeping the merchant’s fields', () => {
    const qr = dynamicQris(QRIS, { amount: 52_000, billNumber: '0123456789abcdef01234567' });
    assert.equal(checkQris(qr).ok, true);
    assert.ok(qr.startsWith('000201010212'), 'payload format, then point of initiation 12 (dynamic)');
    assert.ok(qr.includes('540552000'), 'tag 54 = 52000');
    assert.ok(qr.includes('62280124' + '0123456789abcdef01234567'), 'tag 62-01 = the order id');
    assert.equal(qrisCrc(qr.slice(0, -4)), qr.slice(-4));
    assert.deepEqual(readDynamicQris(qr), { amount: 52_000, billNumber: '0123456789abcdef01234567', merchantName: 'BAYAR SANDBOX' });
    const keep = (p: string) => parseTlv(p)!.filter((f) => !['01', '54', '62', '63'].includes(f.id));
    assert.deepEqual(keep(qr), keep(QRIS), 'accounts, name, city, category unchanged');
    // Deterministic: the same payment always gets the same QR.
    assert.equal(dynamicQris(QRIS, { amount: 52_000, billNumber: '0123456789abcdef01234567' }), qr);
    // A dynamic QR can be made again from a dynamic one (its amount and bill number replaced).
    assert.deepEqual(readDynamicQris(dynamicQris(qr, { amount: 7, billNumber: 'x' })), { amount: 7, billNumber: 'x', merchantName: 'BAYAR SANDBOX' });
  });

  it('refuses broken payloads and orders that do not fit', () => {
    const withCrc = (body: string) => body + qrisCrc(body);
    const broken = [
      QRIS.slice(0, -1) + (QRIS.endsWith('0') ? '1' : '0'),
      QRIS.replace('5802ID', '5802SG'),
      withCrc(QRIS.slice(0, -4).replace('5802ID', '5802SG')),
      withCrc(QRIS.slice(0, -4).replace('5303360', '5303840')),
      withCrc('000201' + '6304'),
      'not a qr',
      '',
      QRIS + '00',
    ];
    for (const payload of broken) assert.equal(checkQris(payload).ok, false, payload);
    assert.throws(() => dynamicQris(QRIS, { amount: 1, billNumber: 'x'.repeat(26) }), /bill number/);
    assert.throws(() => dynamicQris(QRIS, { amount: 0, billNumber: 'x' }), /amount/);
    assert.throws(() => dynamicQris(QRIS, { amount: 1.5, billNumber: 'x' }), /amount/);
    assert.throws(() => dynamicQris(QRIS, { amount: 10 ** 13, billNumber: 'x' }), /amount/);
    assert.equal(readDynamicQris(QRIS), undefined, 'a static QR has no amount to pay');
  });
});

describe('Indodana order ids', () => {
  it('is the payment id without pay_, so it fits the QR’s 25-character bill number, and maps back', () => {
    const id = randomPaymentId();
    const orderId = indodanaOrderId(id);
    assert.equal(orderId.length, 24);
    assert.equal(paymentIdFromOrderId(orderId), id);
    assert.equal(paymentIdFromOrderId('INV-2025-1'), 'INV-2025-1', 'a foreign order id stays what it is');
    assert.throws(() => indodanaOrderId('order-1'));
  });

  it('declares QRIS only, full and partial refunds with Indodana’s four reasons, and no cancel', () => {
    assert.deepEqual(indodanaCapabilities.methods, ['QRIS']);
    assert.equal(indodanaCapabilities.refunds.QRIS, 'partial');
    assert.deepEqual(indodanaCapabilities.refundReasons, ['Expired', 'Out of Stock', 'Items Returned', 'Others']);
    assert.equal(indodanaCapabilities.cancel, false);
  });
});

describe('IndodanaProvider.parseWebhook', () => {
  const p = provider();
  const orderId = '0123456789abcdef01234567';
  const paid = { transactionStatus: 'PAID', merchantOrderId: orderId, amount: 52_000, paymentType: '3_months', transactionTime: '2024-07-04T03:53:53+0000', transactionId: 'trx-1' };

  it('turns a genuine PAID notification into a PAID event for the payment', () => {
    const parsed = p.parseWebhook(webhook(paid));
    assert.equal(parsed.kind, 'payment');
    if (parsed.kind !== 'payment') return;
    assert.equal(parsed.paymentId, `pay_${orderId}`);
    assert.deepEqual(parsed.event, {
      provider: 'indodana',
      eventId: `${orderId}:trx-1:PAID`,
      source: 'webhook',
      // The body is not signed: the notification only wakes the payment, which asks check-status.
      wakeOnly: true,
      chargeStatus: 'PAID',
      paidAmount: 52_000,
      providerReference: orderId,
      providerStatus: 'PAID',
      reason: undefined,
      occurredAt: '2024-07-04T03:53:53.000Z',
    });
  });

  it('REJECTED is FAILED with its reason; EXPIRED is EXPIRED; CANCELLED is acknowledged and ignored', () => {
    const rejected = p.parseWebhook(webhook({ ...paid, transactionStatus: 'REJECTED', fraudStatus: 'REJECT', message: 'blacklisted merchant' }));
    assert.ok(rejected.kind === 'payment');
    assert.equal(rejected.event.chargeStatus, 'FAILED');
    assert.equal(rejected.event.paidAmount, undefined);
    assert.equal(rejected.event.reason, 'blacklisted merchant (fraudStatus REJECT)');
    const bare = p.parseWebhook(webhook({ transactionStatus: 'REJECTED', merchantOrderId: orderId }));
    assert.ok(bare.kind === 'payment');
    assert.match(bare.event.reason!, /fraudulent.*blacklisted/);
    // Found by the property-based test: a blank message is no reason.
    const blank = p.parseWebhook(webhook({ transactionStatus: 'REJECTED', merchantOrderId: orderId, message: '  ' }));
    assert.ok(blank.kind === 'payment');
    assert.match(blank.event.reason!, /fraudulent.*blacklisted/);
    const expired = p.parseWebhook(webhook({ transactionStatus: 'EXPIRED', merchantOrderId: orderId }));
    assert.ok(expired.kind === 'payment');
    assert.equal(expired.event.chargeStatus, 'EXPIRED');
    assert.equal(expired.event.eventId, `${orderId}:-:EXPIRED`);
    assert.equal(p.parseWebhook(webhook({ ...paid, transactionStatus: 'CANCELLED' })).kind, 'ignored');
  });

  it('refuses forged and missing authorization before reading the body', () => {
    const now = Math.floor(Date.now() / 1000);
    for (const authorization of [bearer(now, KEY, 'forged'), bearer(now, 'other-key'), 'Bearer x', '']) {
      assert.throws(() => p.parseWebhook(webhook('{not json', authorization)), SignatureInvalid, authorization);
    }
    assert.throws(() => p.parseWebhook({ ...webhook('{not json'), headers: { 'content-type': 'application/json' } }), SignatureInvalid, 'no Authorization at all');
  });

  it('with genuine authorization, refuses bodies that are not notifications as malformed', () => {
    for (const body of ['{not json', '[]', 'null', '{}', JSON.stringify({ transactionStatus: 'PAID' }), JSON.stringify({ ...paid, amount: undefined }), JSON.stringify({ ...paid, amount: -1 })]) {
      assert.throws(() => p.parseWebhook(webhook(body)), WebhookMalformed, body);
    }
  });

  it('takes a genuine header however old its nonce: a resend must not be refused, and verify-by-fetch makes a window pointless', () => {
    const now = Math.floor(Date.now() / 1000);
    for (const authorization of [bearer(now - 600), bearer(now - 86_400), bearer(now + 600)]) {
      const parsed = p.parseWebhook(webhook(paid, authorization));
      assert.ok(parsed.kind === 'payment' && parsed.event.wakeOnly === true, authorization);
    }
  });

  it('answers what Indodana’s plugins answer', () => {
    assert.deepEqual(p.webhookAck(), { status: 200, contentType: 'application/json', body: '{"status":"OK","message":"OK"}' });
    const later = p.webhookRetryLater();
    assert.equal(later.status, 503);
    assert.equal(JSON.parse(later.body).status, 'REJECTED');
  });
});

describe('IndodanaProvider against the in-process sandbox', () => {
  let kit: SandboxKit;
  let base: string;
  let control: string;
  let receiver: Server;
  const received: { headers: IncomingHttpHeaders; body: string }[] = [];
  let answer = 200;

  before(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(answer, { 'content-type': 'application/json' }).end('{"status":"OK","message":"OK"}');
      });
    });
    const port = await new Promise<number>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve((receiver.address() as AddressInfo).port)));
    kit = new SandboxKit(new IndodanaSandbox({ apiKey: KEY, secretKey: SECRET }), { callbackUrl: `http://127.0.0.1:${port}/webhooks/indodana`, timeScale: 0.0001 });
    control = `http://127.0.0.1:${await kit.listen(0)}`;
    base = control + INDODANA_PATH_PREFIX;
  });
  after(async () => {
    await kit.close();
    await new Promise<void>((r) => receiver.close(() => r()));
  });

  const post = async (path: string, body: unknown) => {
    const res = await fetch(control + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as any };
  };
  const create = async (amount = 52_000) => {
    const paymentId = randomPaymentId();
    const p = provider(base);
    const charge = await p.createCharge({ paymentId, method: 'QRIS', amount, expiresAt: new Date(Date.now() + 60_000).toISOString(), description: 'order', customer: {} });
    return { p, paymentId, orderId: indodanaOrderId(paymentId), charge, ref: { paymentId, method: 'QRIS' as const } };
  };
  const notificationsFor = (orderId: string) => received.filter((r) => r.body.includes(orderId)).map((r) => ({ headers: r.headers, json: JSON.parse(r.body) as Record<string, unknown> }));

  it('create makes the QR without calling Indodana; nothing exists there until the customer scans it', async () => {
    const { p, orderId, charge, ref } = await create();
    assert.equal(charge.chargeStatus, 'PENDING');
    assert.equal(charge.providerStatus, AWAITING_PAYMENT);
    assert.equal(charge.providerReference, orderId);
    assert.deepEqual(readDynamicQris(charge.instructions.qrString!), { amount: 52_000, billNumber: orderId, merchantName: 'BAYAR SANDBOX' });
    assert.equal(await p.findCharge(ref), null);
    const scanned = await post('/_sandbox/indodana/scan', { qrString: charge.instructions.qrString });
    assert.equal(scanned.status, 200);
    assert.equal(scanned.json.transactionStatus, 'INITIATED');
    const open = await p.findCharge(ref);
    assert.equal(open?.chargeStatus, 'PENDING');
    assert.equal(open?.providerStatus, 'INITIATED');
    assert.equal(open?.instructions.qrString, charge.instructions.qrString, 'the same QR still pays it');
    // Scanning again is the same transaction (idempotent on merchantOrderId).
    const again = await post('/_sandbox/indodana/scan', { qrString: charge.instructions.qrString });
    assert.equal(again.json.transactionId, scanned.json.transactionId);
    const other = await post('/_sandbox/indodana/scan', { qrString: dynamicQris(QRIS, { amount: 1, billNumber: orderId }) });
    assert.equal(other.status, 409);
    assert.deepEqual(other.json.status, 'ERROR');
  });

  it('pay → PAID, notified with a valid Indodana Authorization; check status agrees', async () => {
    const { p, orderId, charge, ref } = await create(61_000);
    const paid = await post(`/_sandbox/charges/${orderId}/pay`, { qrString: charge.instructions.qrString });
    assert.equal(paid.status, 200, JSON.stringify(paid.json));
    const snapshot = await p.findCharge(ref);
    assert.equal(snapshot?.chargeStatus, 'PAID');
    assert.equal(snapshot?.paidAmount, 61_000);
    assert.deepEqual(snapshot?.instructions, {});
    const [n] = await until(() => (notificationsFor(orderId).length > 0 ? notificationsFor(orderId) : undefined));
    assert.equal(n!.json.transactionStatus, 'PAID');
    assert.equal(n!.json.amount, 61_000);
    assert.deepEqual(verifyAuthorization(n!.headers.authorization, { apiKey: KEY, secret: SECRET, nowSeconds: Math.floor(Date.now() / 1000) }).ok, true);
    const parsed = p.parseWebhook({ headers: n!.headers as Record<string, string>, rawBody: Buffer.from(JSON.stringify(n!.json)), path: '/webhooks/indodana' });
    assert.ok(parsed.kind === 'payment');
    assert.equal(parsed.paymentId, ref.paymentId);
    assert.equal(parsed.event.paidAmount, 61_000);
  });

  it('the fraud switch makes the payment REJECTED: FAILED with its reason', async () => {
    const { p, orderId, charge, ref } = await create();
    await post('/_sandbox/indodana/fraud', { reject: true, message: 'blacklisted merchant' });
    try {
      const res = await post(`/_sandbox/charges/${orderId}/pay`, { qrString: charge.instructions.qrString });
      assert.equal(res.json.transactionStatus, 'REJECTED');
    } finally {
      await post('/_sandbox/indodana/fraud', { reject: false });
    }
    const snapshot = await p.findCharge(ref);
    assert.equal(snapshot?.chargeStatus, 'FAILED');
    assert.equal(snapshot?.reason, 'blacklisted merchant (fraudStatus REJECT)');
    assert.equal(snapshot?.paidAmount, undefined);
    const [n] = await until(() => (notificationsFor(orderId).length > 0 ? notificationsFor(orderId) : undefined));
    assert.equal(n!.json.transactionStatus, 'REJECTED');
  });

  it('an opened transaction expires (EXPIRED, notified) when the customer does not complete it', async () => {
    const { p, orderId, charge, ref } = await create();
    await post('/_sandbox/indodana/scan', { qrString: charge.instructions.qrString, expiresInSeconds: 0.05 });
    await until(() => (notificationsFor(orderId).some((n) => n.json.transactionStatus === 'EXPIRED') ? true : undefined));
    assert.equal((await p.findCharge(ref))?.chargeStatus, 'EXPIRED');
    const late = await post(`/_sandbox/charges/${orderId}/pay`, {});
    assert.equal(late.status, 400, 'an expired transaction is not paid without force');
  });

  it('refunds: partial then the rest, FULL vs PARTIAL by amount, idempotent on refundId, reasons enforced', async () => {
    const { p, orderId, charge, ref } = await create(100_000);
    await post(`/_sandbox/charges/${orderId}/pay`, { qrString: charge.instructions.qrString });
    const refund = (idempotencyKey: string, amount: number, reason: string) =>
      p.refund({ charge: ref, idempotencyKey, amount, full: amount === 100_000, reason });
    assert.deepEqual(await refund(`${ref.paymentId}-rf-1`, 30_000, 'Items Returned'), { providerRefundId: `${ref.paymentId}-rf-1`, state: 'SUCCEEDED' });
    // The same refund again (a retried activity, another cancellationDate) is the same refund.
    assert.deepEqual(await refund(`${ref.paymentId}-rf-1`, 30_000, 'Items Returned'), { providerRefundId: `${ref.paymentId}-rf-1`, state: 'SUCCEEDED' });
    await assert.rejects(refund(`${ref.paymentId}-rf-1`, 40_000, 'Items Returned'), (err: unknown) => err instanceof ProviderRejected && err.code === 'INDODANA_409_CONFLICT');
    await assert.rejects(refund(`${ref.paymentId}-rf-2`, 80_000, 'Others'), (err: unknown) => err instanceof ProviderRejected && err.code === 'INDODANA_422_VALIDATION_ERROR');
    // bayar's automatic refund of late money carries its own text: sent as "Others".
    await refund(`${ref.paymentId}-rf-3`, 70_000, 'paid after the payment was closed');
    const ledger = await (await fetch(`${control}/_sandbox/ledger`)).json() as { charges: { reference: string; refundedAmount: number; paidAmount: number }[] };
    const entry = ledger.charges.find((c) => c.reference === ref.paymentId);
    assert.equal(entry?.refundedAmount, 100_000, 'the ledger names the charge by bayar’s payment id');
    assert.equal(entry?.paidAmount, 100_000);
  });

  it('a full refund is FULL at Indodana; an unpaid one is refused', async () => {
    const { orderId, charge } = await create(45_000);
    await post(`/_sandbox/charges/${orderId}/pay`, { qrString: charge.instructions.qrString });
    const cancel = (body: Record<string, unknown>) =>
      fetch(base + INDODANA_PATHS.defaultRefund, { method: 'POST', headers: { authorization: authorizationHeader(KEY, SECRET), 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, json: (await r.json()) as any }));
    const body = { refundId: 'full-1', merchantOrderId: orderId, cancellationAmount: 45_000, cancellationReason: 'Out of Stock', cancelledBy: 'test', cancellationDate: jakartaTime(Date.now()) };
    const full = await cancel(body);
    assert.equal(full.status, 200);
    assert.equal(full.json.cancellationType, 'FULL');
    const wrongReason = await cancel({ ...body, refundId: 'full-2', cancellationReason: 'Changed mind' });
    assert.equal(wrongReason.status, 422);
    assert.equal(wrongReason.json.error.kind, 'VALIDATION_ERROR');
    const { orderId: unpaid, charge: unpaidCharge } = await create();
    await post('/_sandbox/indodana/scan', { qrString: unpaidCharge.instructions.qrString });
    const refused = await cancel({ ...body, refundId: 'x', merchantOrderId: unpaid });
    assert.equal(refused.status, 400);
  });

  it('the sandbox refuses bad credentials with Indodana’s error shape; the adapter reads it as a rejection', async () => {
    const res = await fetch(`${base}${INDODANA_PATHS.checkStatus}?merchantOrderId=x`, { headers: { authorization: bearer(Math.floor(Date.now() / 1000), KEY, 'wrong-secret') } });
    assert.equal(res.status, 401);
    assert.deepEqual(await res.json(), { status: 'ERROR', error: { kind: 'UNAUTHORIZED', message: 'Invalid authorization' } });
    const stale = await fetch(`${base}${INDODANA_PATHS.checkStatus}?merchantOrderId=x`, { headers: { authorization: bearer(Math.floor(Date.now() / 1000) - 3600) } });
    assert.equal(stale.status, 401);
    const wrong = new IndodanaProvider({ apiKey: KEY, secretKey: 'wrong-secret', baseUrl: base, timeoutMs: 5000, qrisPayload: QRIS, refundPath: INDODANA_PATHS.defaultRefund });
    await assert.rejects(wrong.findCharge({ paymentId: randomPaymentId(), method: 'QRIS' }), (err: unknown) => err instanceof ProviderRejected && err.code === 'INDODANA_401_UNAUTHORIZED');
  });

  it('takes the QRIS metadata callback for a known transaction', async () => {
    const { orderId, charge } = await create();
    await post(`/_sandbox/charges/${orderId}/pay`, { qrString: charge.instructions.qrString });
    const send = (body: unknown) =>
      fetch(base + INDODANA_PATHS.metadata, { method: 'POST', headers: { authorization: authorizationHeader(KEY, SECRET), 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.status);
    assert.equal(await send({ merchantOrderId: orderId, paidAt: new Date().toISOString(), customerPan: '9360001410190013903', acquirer: 'BANK X', referenceNumber: '000019001390' }), 200);
    assert.equal(await send({ merchantOrderId: orderId }), 422);
  });

  it('retries a refused notification, signing every attempt afresh', async () => {
    let signed = 0;
    const local = new SandboxKit(new IndodanaSandbox({ apiKey: KEY, secretKey: SECRET }), { callbackUrl: kit.options.callbackUrl, timeScale: 0.00001 });
    await local.listen(0);
    answer = 503;
    try {
      local.notify(
        { url: kit.options.callbackUrl, headers: { 'content-type': 'application/json' }, body: '{"retry":"probe"}', freshHeaders: () => ((signed += 1), { authorization: authorizationHeader(KEY, SECRET) }) },
        INDODANA_NOTIFICATION_RETRIES_MS,
      );
      await until(() => (received.filter((r) => r.body.includes('probe')).length === 1 + INDODANA_NOTIFICATION_RETRIES_MS.length ? true : undefined), 10_000);
    } finally {
      answer = 200;
      await local.close();
    }
    assert.equal(signed, 1 + INDODANA_NOTIFICATION_RETRIES_MS.length, 'one signature per attempt');
    assert.deepEqual(INDODANA_NOTIFICATION_RETRIES_MS, [60_000, 300_000, 1_800_000, 7_200_000, 21_600_000, 86_400_000]);
  });
});

describe('Indodana configuration', () => {
  it('defaults to the local sandbox under /chermes/merchant with the development credentials', () => {
    const config = loadConfig({ BAYAR_ENV: 'development' });
    assert.deepEqual(config.providers.indodana!, {
      baseUrl: 'http://127.0.0.1:4105/chermes/merchant',
      sandbox: true,
      apiKey: DEV_DEFAULTS.indodana.apiKey,
      secretKey: DEV_DEFAULTS.indodana.secretKey,
      qrisPayload: DEV_DEFAULTS.indodana.qrisPayload,
      refundPath: '/v3/order_cancellation',
    });
  });

  it('takes real settings, and refuses a real Indodana without the merchant’s own QRIS', () => {
    const own = { BAYAR_API_KEYS: 'shop:sk_live_0123456789', BAYAR_MERCHANT_WEBHOOK_SECRETS: 'shop:whsec_live_0123456789', BAYAR_DATA_KEY: Buffer.alloc(32, 7).toString('base64') };
    const merchantQr = QRIS.slice(0, -4).replace('BAYAR SANDBOX', 'TOKO BUDI ABC');
    const payload = merchantQr + qrisCrc(merchantQr);
    const real = loadConfig({ BAYAR_ENV: 'development', ...own, INDODANA_BASE_URL: 'https://api.indodanafinance.co.id/chermes/merchant', INDODANA_API_KEY: 'live-key-123', INDODANA_SECRET_KEY: 'live-secret-456', INDODANA_QRIS_PAYLOAD: payload, INDODANA_REFUND_PATH: '/v1/transactions/qris/cancel' });
    assert.equal(real.providers.indodana!.sandbox, false);
    assert.equal(real.providers.indodana!.qrisPayload, payload);
    assert.equal(real.providers.indodana!.refundPath, '/v1/transactions/qris/cancel');
    assert.throws(() => loadConfig({ BAYAR_ENV: 'development', ...own, INDODANA_BASE_URL: 'https://api.indodanafinance.co.id/chermes/merchant' }), (err: unknown) => err instanceof ConfigError && /INDODANA_QRIS_PAYLOAD/.test(err.message));
  });

  it('refuses a key with a colon, a broken QRIS and a refund path that is not a path, naming the variable', () => {
    const refused = (env: NodeJS.ProcessEnv, variable: string, secret?: string) =>
      assert.throws(
        () => loadConfig({ BAYAR_ENV: 'development', ...env }),
        (err: unknown) => err instanceof ConfigError && err.message.includes(variable) && (!secret || !err.message.includes(secret)),
      );
    refused({ INDODANA_API_KEY: 'key:with:colons' }, 'INDODANA_API_KEY', 'key:with:colons');
    refused({ INDODANA_SECRET_KEY: 'short' }, 'INDODANA_SECRET_KEY', 'short');
    refused({ INDODANA_QRIS_PAYLOAD: QRIS.slice(0, -1) + '0' }, 'INDODANA_QRIS_PAYLOAD');
    refused({ INDODANA_REFUND_PATH: 'https://elsewhere.example/x' }, 'INDODANA_REFUND_PATH');
    refused({ INDODANA_BASE_URL: 'not a url' }, 'INDODANA_BASE_URL');
  });
});
