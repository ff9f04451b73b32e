// Indodana (merchant QRIS), tested from outside the code it tests: the Authorization signature
// against Indodana's published vector, verification of forged, stale, future and missing
// credentials, the status table, the wire schemas against Indodana's published samples, the
// checkout request bayar sends and the answer it reads (against the shapes Indodana's QRIS page and
// its PHP plugins publish, on a bare HTTP server, not the sandbox), webhook parsing, and the adapter
// against the in-process sandbox (checkout → pay → notification, refunds, fraud, expiry, retries).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { IndodanaProvider, type IndodanaConfig } from '../../src/providers/indodana/index.js';
import { INDODANA_PATHS, INDODANA_REFUND_REASONS, indodanaCapabilities, indodanaOrderId, paymentIdFromOrderId } from '../../src/providers/indodana/capabilities.js';
import { authorizationHeader, indodanaSignature, verifyAuthorization } from '../../src/providers/indodana/signature.js';
import { indodanaStatusToChargeStatus } from '../../src/providers/indodana/status.js';
import {
  cancellationRequestSchema,
  checkStatusSchema,
  checkoutRequestSchema,
  checkoutResponseSchema,
  indodanaTime,
  jakartaTime,
  notificationSchema,
  parseIndodanaTime,
} from '../../src/providers/indodana/schemas.js';
import { ProviderRejected, ProviderUnavailable, SignatureInvalid, WebhookMalformed, type RawWebhook } from '../../src/providers/provider.js';
import { SandboxKit } from '../../src/sandbox/kit.js';
import { INDODANA_NOTIFICATION_RETRIES_MS, INDODANA_PATH_PREFIX, IndodanaSandbox } from '../../src/providers/indodana/sandbox/sandbox.js';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { DEV_DEFAULTS } from '../../src/sandbox/dev-defaults.js';
import { randomPaymentId, until } from '../helpers/wait.js';

const KEY = 'bayar-unit-indodana-key';
const SECRET = 'bayar-unit-indodana-secret';
const NOTIFY_URL = 'https://pay.shop.example/webhooks/indodana';
const NOW = 1_750_000_000; // seconds

/** Indodana's formula restated independently: hex HMAC-SHA256(secret, "key:nonce"). */
function bearer(nonce: number, key = KEY, secret = SECRET): string {
  return `Bearer ${key}:${nonce}:${createHmac('sha256', secret).update(`${key}:${nonce}`).digest('hex')}`;
}

function webhook(body: unknown, authorization: string | undefined = bearer(Math.floor(Date.now() / 1000))): RawWebhook {
  return { headers: { 'content-type': 'application/json', authorization }, rawBody: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)), path: '/webhooks/indodana' };
}

function provider(baseUrl = 'http://127.0.0.1:1', overrides: Partial<IndodanaConfig> = {}, now?: () => number): IndodanaProvider {
  return new IndodanaProvider({ apiKey: KEY, secretKey: SECRET, baseUrl, timeoutMs: 5000, notificationUrl: NOTIFY_URL, refundPath: INDODANA_PATHS.defaultRefund, ...overrides }, { now });
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
  it('parse the published check-status sample', () => {
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
    const parsed = notificationSchema.parse({
      transactionStatus: 'PAID',
      merchantOrderId: 'o-1',
      amount: 5000,
      paymentType: '30_days',
      transactionTime: '2019-09-26T06:24:26+0000',
      transactionId: 't-1',
      extra: true,
    });
    assert.equal(parsed.amount, 5000);
    assert.equal(notificationSchema.safeParse({ transactionStatus: 'PAID' }).success, false);
    assert.equal(notificationSchema.safeParse({ transactionStatus: 'PAID', merchantOrderId: 'o', amount: 1.5 }).success, false);
  });
});

/** A bare HTTP server standing in for Indodana: records each request, answers what the test says. */
async function fakeIndodana(answer: { status: number; body: unknown }) {
  const requests: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    });
  });
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
  return { base: `http://127.0.0.1:${port}/chermes/merchant`, requests, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('Indodana checkout (the published create call)', () => {
  // The answer as Indodana's plugins read it (IndodanaService::checkout returns $result['redirectUrl']),
  // with the checkout page host of the finpay sample (sandbox01.indodana.com/product-installment/payment?...).
  const PUBLISHED_ANSWER = { status: 'OK', redirectUrl: 'https://sandbox01.indodana.com/product-installment/payment?purchaseTransactionId=c28de21e-d29d-11ed-b00a-9fb477cc8324' };
  const request = (paymentId: string, extra: Record<string, unknown> = {}) => ({
    paymentId,
    method: 'QRIS' as const,
    amount: 52_000,
    expiresAt: '2026-12-05T09:15:00.000Z',
    description: 'Order #1042',
    customer: {},
    ...extra,
  });

  it('POSTs /v3/checkout_url with Authorization and X-User-Token null, and the body Indodana’s plugins send', async () => {
    const fake = await fakeIndodana({ status: 200, body: PUBLISHED_ANSWER });
    try {
      const paymentId = randomPaymentId();
      const orderId = indodanaOrderId(paymentId);
      const charge = await provider(fake.base).createCharge(
        request(paymentId, {
          customer: { name: 'Budi Santoso Putra', email: 'budi@example.com', phone: '081234567890', address: { line: 'Jl. Merdeka 1', city: 'Jakarta', postalCode: '10110' } },
          returnUrl: 'https://shop.example/return',
        }),
      );
      // What the customer gets is Indodana's checkout page, and nothing bayar made.
      assert.deepEqual(charge, { providerReference: orderId, chargeStatus: 'PENDING', providerStatus: 'INITIATED', instructions: { payUrl: PUBLISHED_ANSWER.redirectUrl } });
      assert.equal(fake.requests.length, 1);
      const [sent] = fake.requests;
      assert.equal(sent!.method, 'POST');
      assert.equal(sent!.url, '/chermes/merchant/v3/checkout_url');
      assert.equal(sent!.headers['x-user-token'], 'null', 'QRIS page: "You can pass null if user account not connected yet"');
      assert.equal(sent!.headers['content-type'], 'application/json');
      assert.equal(verifyAuthorization(sent!.headers.authorization, { apiKey: KEY, secret: SECRET, nowSeconds: Math.floor(Date.now() / 1000) }).ok, true);
      const body = JSON.parse(sent!.body);
      // The body as the plugins build it (generateCheckoutPayload), plus the v3 merchantUserKey.
      const sellerId = createHash('md5').update('https://pay.shop.example').digest('hex');
      assert.deepEqual(body, {
        merchantUserKey: orderId,
        transactionDetails: {
          merchantOrderId: orderId,
          amount: 52_000,
          items: [{ id: orderId, name: 'Order #1042', price: 52_000, type: 'payment', quantity: 1, parentType: 'SELLER', parentId: sellerId }],
        },
        customerDetails: { firstName: 'Budi', lastName: 'Santoso Putra', email: 'budi@example.com', phone: '081234567890' },
        sellers: [{ id: sellerId, name: 'pay.shop.example', url: 'https://pay.shop.example' }],
        billingAddress: { firstName: 'Budi', address: 'Jl. Merdeka 1', city: 'Jakarta', postalCode: '10110', countryCode: 'IDN' },
        shippingAddress: { firstName: 'Budi', address: 'Jl. Merdeka 1', city: 'Jakarta', postalCode: '10110', countryCode: 'IDN' },
        approvedNotificationUrl: NOTIFY_URL,
        cancellationRedirectUrl: 'https://shop.example/return',
        backToStoreUrl: 'https://shop.example/return',
        expirationAt: '2026-12-05T09:15:00+0000',
      });
      // merchantOrderId within the Online Transaction API's <Transaction>: ≤ 32 of its charset.
      assert.match(body.transactionDetails.merchantOrderId, /^[A-Za-z0-9=.\-_+@:&^%!$]{1,32}$/);
      assert.equal(checkoutRequestSchema.safeParse(body).success, true);
    } finally {
      await fake.close();
    }
  });

  it('sends only what it has: no customer fields, no return page', async () => {
    const fake = await fakeIndodana({ status: 200, body: PUBLISHED_ANSWER });
    try {
      await provider(fake.base).createCharge(request(randomPaymentId()));
      const body = JSON.parse(fake.requests[0]!.body);
      assert.deepEqual(body.customerDetails, {});
      for (const absent of ['billingAddress', 'shippingAddress', 'cancellationRedirectUrl', 'backToStoreUrl']) assert.equal(absent in body, false, absent);
    } finally {
      await fake.close();
    }
  });

  it('reads the published answer; an answer without a usable https redirectUrl is "try again", never a payment without instructions', async () => {
    assert.equal(checkoutResponseSchema.safeParse(PUBLISHED_ANSWER).success, true);
    for (const body of [
      { status: 'OK' },
      { status: 'ERROR', redirectUrl: PUBLISHED_ANSWER.redirectUrl },
      { status: 'OK', redirectUrl: 'not a url' },
      { status: 'OK', redirectUrl: 'http://evil.example/pay' },
      { status: 'OK', redirectUrl: 'javascript:alert(1)' },
      'not json',
    ]) {
      const fake = await fakeIndodana({ status: 200, body });
      try {
        await assert.rejects(provider(fake.base).createCharge(request(randomPaymentId())), (err: unknown) => err instanceof ProviderUnavailable && err.code === 'BAD_RESPONSE', JSON.stringify(body));
      } finally {
        await fake.close();
      }
    }
    // Plain http to loopback only from a local Indodana: a real one (https base URL) cannot send the customer there.
    const remote = provider('https://api.indodanafinance.co.id/chermes/merchant');
    assert.equal((remote as unknown as { isCheckoutPage(u: string): boolean }).isCheckoutPage('http://127.0.0.1:4105/_sandbox/indodana/checkout/x'), false);
    assert.equal((remote as unknown as { isCheckoutPage(u: string): boolean }).isCheckoutPage(PUBLISHED_ANSWER.redirectUrl), true);
  });

  it('Indodana’s error answers: 409/422 are a definite no, 5xx is try again', async () => {
    const cases: [number, (err: unknown) => boolean][] = [
      [409, (err) => err instanceof ProviderRejected && err.code === 'INDODANA_409_CONFLICT'],
      [422, (err) => err instanceof ProviderRejected && err.code === 'INDODANA_422_VALIDATION_ERROR'],
      [503, (err) => err instanceof ProviderUnavailable],
    ];
    for (const [status, check] of cases) {
      const kind = status === 409 ? 'CONFLICT' : 'VALIDATION_ERROR';
      const fake = await fakeIndodana({ status, body: { status: 'ERROR', error: { kind, message: 'no' } } });
      try {
        await assert.rejects(provider(fake.base).createCharge(request(randomPaymentId())), check, String(status));
      } finally {
        await fake.close();
      }
    }
  });

  it('a retried create that finds the transaction shows no instructions: check status carries no URL, and bayar makes no QR', async () => {
    const sample = {
      status: 'OK',
      fraudStatus: 'ACCEPT',
      legalName: 'X',
      amount: 52_000,
      indodanaUserId: 'u',
      paymentType: '3_months',
      transactionStatus: 'INITIATED',
      merchantOrderId: '',
      transactionTime: '2019-09-26T06:24:26+0000',
      transactionId: 't-1',
    };
    const paymentId = randomPaymentId();
    const fake = await fakeIndodana({ status: 200, body: { ...sample, merchantOrderId: indodanaOrderId(paymentId) } });
    try {
      const found = await provider(fake.base).findCharge({ paymentId, method: 'QRIS' });
      assert.equal(found?.chargeStatus, 'PENDING');
      assert.deepEqual(found?.instructions, {});
      assert.equal(fake.requests[0]!.url, `/chermes/merchant/v1/transactions/qris/check_status?merchantOrderId=${indodanaOrderId(paymentId)}`);
    } finally {
      await fake.close();
    }
  });
});

describe('Indodana order ids', () => {
  it('is the payment id without pay_, so it fits Indodana’s 32-character merchantOrderId, and maps back', () => {
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
  const create = async (amount = 52_000, expiresInMs = 60_000) => {
    const paymentId = randomPaymentId();
    // Indodana notifies the checkout's approvedNotificationUrl: here, the local receiver.
    const p = provider(base, { notificationUrl: kit.options.callbackUrl });
    const charge = await p.createCharge({ paymentId, method: 'QRIS', amount, expiresAt: new Date(Date.now() + expiresInMs).toISOString(), description: 'order', customer: {} });
    return { p, paymentId, orderId: indodanaOrderId(paymentId), charge, ref: { paymentId, method: 'QRIS' as const } };
  };
  const notificationsFor = (orderId: string) => received.filter((r) => r.body.includes(orderId)).map((r) => ({ headers: r.headers, json: JSON.parse(r.body) as Record<string, unknown> }));

  it('create checks out at Indodana: the transaction exists (INITIATED) and the customer gets Indodana’s page', async () => {
    const { p, orderId, charge, ref } = await create();
    assert.equal(charge.chargeStatus, 'PENDING');
    assert.equal(charge.providerStatus, 'INITIATED');
    assert.equal(charge.providerReference, orderId);
    assert.deepEqual(Object.keys(charge.instructions), ['payUrl'], 'a page at Indodana, no QR of bayar’s');
    const open = await p.findCharge(ref);
    assert.equal(open?.chargeStatus, 'PENDING');
    assert.equal(open?.providerStatus, 'INITIATED');
    // The page is Indodana's view of that transaction.
    const page = (await (await fetch(charge.instructions.payUrl!)).json()) as Record<string, unknown>;
    assert.equal(page.merchantOrderId, orderId);
    assert.equal(page.amount, 52_000);
    // The same merchantOrderId again is refused (409 Conflict), never a second transaction.
    await assert.rejects(
      p.createCharge({ paymentId: ref.paymentId, method: 'QRIS', amount: 52_000, expiresAt: new Date(Date.now() + 60_000).toISOString(), description: 'order', customer: {} }),
      (err: unknown) => err instanceof ProviderRejected && err.code === 'INDODANA_409_CONFLICT',
    );
  });

  it('the sandbox refuses a checkout without the published required fields (422) or without credentials (401)', async () => {
    const checkout = (body: unknown, authorization = authorizationHeader(KEY, SECRET)) =>
      fetch(base + INDODANA_PATHS.checkout, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => ({
        status: r.status,
        json: (await r.json()) as any,
      }));
    const orderId = indodanaOrderId(randomPaymentId());
    const good = {
      merchantUserKey: orderId,
      transactionDetails: { merchantOrderId: orderId, amount: 1000, items: [{ id: 'a', name: 'A', price: 1000, type: 'payment', quantity: 1 }] },
      customerDetails: {},
      sellers: [{ id: 'x', name: 'Shop', url: 'https://shop.example' }],
      approvedNotificationUrl: kit.options.callbackUrl,
    };
    for (const field of ['merchantUserKey', 'transactionDetails', 'customerDetails', 'sellers', 'approvedNotificationUrl']) {
      const { [field]: _gone, ...without } = good as Record<string, unknown>;
      const res = await checkout(without);
      assert.equal(res.status, 422, field);
      assert.equal(res.json.error.kind, 'VALIDATION_ERROR');
    }
    assert.equal((await checkout({ ...good, transactionDetails: { ...good.transactionDetails, merchantOrderId: 'x'.repeat(33) } })).status, 422, 'merchantOrderId ≤ 32');
    assert.equal((await checkout({ ...good, transactionDetails: { ...good.transactionDetails, amount: 999 } })).status, 422, 'items add up to the amount');
    assert.equal((await checkout(good, bearer(Math.floor(Date.now() / 1000), KEY, 'wrong-secret'))).status, 401);
    assert.equal((await checkout(good)).status, 200);
  });

  it('pay → PAID, notified with a valid Indodana Authorization; check status agrees', async () => {
    const { p, orderId, charge, ref } = await create(61_000);
    const paid = await post(`/_sandbox/charges/${orderId}/pay`, {});
    assert.equal(paid.status, 200, JSON.stringify(paid.json));
    assert.ok(charge.instructions.payUrl);
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
      const res = await post(`/_sandbox/charges/${orderId}/pay`, {});
      assert.equal(res.json.transactionStatus, 'REJECTED');
      assert.ok(charge.instructions.payUrl);
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

  it('a checkout expires at its expirationAt (EXPIRED, notified) when the customer does not complete it', async () => {
    const { p, orderId, ref } = await create(52_000, 50);
    await until(() => (notificationsFor(orderId).some((n) => n.json.transactionStatus === 'EXPIRED') ? true : undefined));
    assert.equal((await p.findCharge(ref))?.chargeStatus, 'EXPIRED');
    const late = await post(`/_sandbox/charges/${orderId}/pay`, {});
    assert.equal(late.status, 400, 'an expired transaction is not paid without force');
  });

  it('refunds: partial then the rest, FULL vs PARTIAL by amount, idempotent on refundId, reasons enforced', async () => {
    const { p, orderId, ref } = await create(100_000);
    await post(`/_sandbox/charges/${orderId}/pay`, {});
    const refund = (idempotencyKey: string, amount: number, reason: string) => p.refund({ charge: ref, idempotencyKey, amount, full: amount === 100_000, reason });
    assert.deepEqual(await refund(`${ref.paymentId}-rf-1`, 30_000, 'Items Returned'), { providerRefundId: `${ref.paymentId}-rf-1`, state: 'SUCCEEDED' });
    // The same refund again (a retried activity, another cancellationDate) is the same refund.
    assert.deepEqual(await refund(`${ref.paymentId}-rf-1`, 30_000, 'Items Returned'), { providerRefundId: `${ref.paymentId}-rf-1`, state: 'SUCCEEDED' });
    await assert.rejects(refund(`${ref.paymentId}-rf-1`, 40_000, 'Items Returned'), (err: unknown) => err instanceof ProviderRejected && err.code === 'INDODANA_409_CONFLICT');
    await assert.rejects(refund(`${ref.paymentId}-rf-2`, 80_000, 'Others'), (err: unknown) => err instanceof ProviderRejected && err.code === 'INDODANA_422_VALIDATION_ERROR');
    // bayar's automatic refund of late money carries its own text: sent as "Others".
    await refund(`${ref.paymentId}-rf-3`, 70_000, 'paid after the payment was closed');
    const ledger = (await (await fetch(`${control}/_sandbox/ledger`)).json()) as { charges: { reference: string; refundedAmount: number; paidAmount: number }[] };
    const entry = ledger.charges.find((c) => c.reference === ref.paymentId);
    assert.equal(entry?.refundedAmount, 100_000, 'the ledger names the charge by bayar’s payment id');
    assert.equal(entry?.paidAmount, 100_000);
  });

  it('a full refund is FULL at Indodana; an unpaid one is refused', async () => {
    const { orderId } = await create(45_000);
    await post(`/_sandbox/charges/${orderId}/pay`, {});
    const cancel = (body: Record<string, unknown>) =>
      fetch(base + INDODANA_PATHS.defaultRefund, { method: 'POST', headers: { authorization: authorizationHeader(KEY, SECRET), 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(
        async (r) => ({ status: r.status, json: (await r.json()) as any }),
      );
    const body = { refundId: 'full-1', merchantOrderId: orderId, cancellationAmount: 45_000, cancellationReason: 'Out of Stock', cancelledBy: 'test', cancellationDate: jakartaTime(Date.now()) };
    const full = await cancel(body);
    assert.equal(full.status, 200);
    assert.equal(full.json.cancellationType, 'FULL');
    const wrongReason = await cancel({ ...body, refundId: 'full-2', cancellationReason: 'Changed mind' });
    assert.equal(wrongReason.status, 422);
    assert.equal(wrongReason.json.error.kind, 'VALIDATION_ERROR');
    const { orderId: unpaid } = await create();
    const refused = await cancel({ ...body, refundId: 'x', merchantOrderId: unpaid });
    assert.equal(refused.status, 400);
  });

  it('the sandbox refuses bad credentials with Indodana’s error shape; the adapter reads it as a rejection', async () => {
    const res = await fetch(`${base}${INDODANA_PATHS.checkStatus}?merchantOrderId=x`, { headers: { authorization: bearer(Math.floor(Date.now() / 1000), KEY, 'wrong-secret') } });
    assert.equal(res.status, 401);
    assert.deepEqual(await res.json(), { status: 'ERROR', error: { kind: 'UNAUTHORIZED', message: 'Invalid authorization' } });
    const stale = await fetch(`${base}${INDODANA_PATHS.checkStatus}?merchantOrderId=x`, { headers: { authorization: bearer(Math.floor(Date.now() / 1000) - 3600) } });
    assert.equal(stale.status, 401);
    const wrong = new IndodanaProvider({ apiKey: KEY, secretKey: 'wrong-secret', baseUrl: base, timeoutMs: 5000, notificationUrl: NOTIFY_URL, refundPath: INDODANA_PATHS.defaultRefund });
    await assert.rejects(wrong.findCharge({ paymentId: randomPaymentId(), method: 'QRIS' }), (err: unknown) => err instanceof ProviderRejected && err.code === 'INDODANA_401_UNAUTHORIZED');
  });

  it('takes the QRIS metadata callback (merchant partner → Indodana, as published) for a known transaction', async () => {
    const { orderId } = await create();
    await post(`/_sandbox/charges/${orderId}/pay`, {});
    const send = (body: unknown) =>
      fetch(base + INDODANA_PATHS.metadata, { method: 'POST', headers: { authorization: authorizationHeader(KEY, SECRET), 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(
        (r) => r.status,
      );
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
        {
          url: kit.options.callbackUrl,
          headers: { 'content-type': 'application/json' },
          body: '{"retry":"probe"}',
          freshHeaders: () => ((signed += 1), { authorization: authorizationHeader(KEY, SECRET) }),
        },
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
      refundPath: '/v3/order_cancellation',
    });
  });

  it('takes real settings: key, secret and base URL are all a real Indodana needs (it issues what the customer pays)', () => {
    const own = { BAYAR_API_KEYS: 'shop:sk_live_0123456789', BAYAR_MERCHANT_WEBHOOK_SECRETS: 'shop:whsec_live_0123456789', BAYAR_DATA_KEY: Buffer.alloc(32, 7).toString('base64') };
    const real = loadConfig({
      BAYAR_ENV: 'development',
      ...own,
      INDODANA_BASE_URL: 'https://api.indodanafinance.co.id/chermes/merchant',
      INDODANA_API_KEY: 'live-key-123',
      INDODANA_SECRET_KEY: 'live-secret-456',
      INDODANA_REFUND_PATH: '/v1/transactions/qris/cancel',
    });
    assert.equal(real.providers.indodana!.sandbox, false);
    assert.equal(real.providers.indodana!.refundPath, '/v1/transactions/qris/cancel');
    assert.equal('qrisPayload' in real.providers.indodana!, false, 'no merchant QRIS: bayar makes no QR');
  });

  it('refuses a key with a colon and a refund path that is not a path, naming the variable', () => {
    const refused = (env: NodeJS.ProcessEnv, variable: string, secret?: string) =>
      assert.throws(
        () => loadConfig({ BAYAR_ENV: 'development', ...env }),
        (err: unknown) => err instanceof ConfigError && err.message.includes(variable) && (!secret || !err.message.includes(secret)),
      );
    refused({ INDODANA_API_KEY: 'key:with:colons' }, 'INDODANA_API_KEY', 'key:with:colons');
    refused({ INDODANA_SECRET_KEY: 'short' }, 'INDODANA_SECRET_KEY', 'short');
    refused({ INDODANA_REFUND_PATH: 'https://elsewhere.example/x' }, 'INDODANA_REFUND_PATH');
    refused({ INDODANA_BASE_URL: 'not a url' }, 'INDODANA_BASE_URL');
  });
});
