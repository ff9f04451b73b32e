// DOKU Non-SNAP, tested from outside the code it tests: the string-to-sign against DOKU's published
// examples, the HMAC against openssl vectors and against jokul-nodejs-library's getSignature (the
// official legacy SDK, dev dependency) as an independent oracle, the status table, webhook parsing,
// and the adapter against the in-process sandbox, including the notification retry schedule.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { DokuProvider, createRequestId, dokuPhone } from '../../src/providers/doku/index.js';
import { DokuClient } from '../../src/providers/doku/client.js';
import { DOKU_CHANNELS, dokuStatusPath } from '../../src/providers/doku/capabilities.js';
import { bodyDigest, dokuTimestamp, signature, signatureMatches, stringToSign } from '../../src/providers/doku/signature.js';
import { dokuStatusToChargeStatus } from '../../src/providers/doku/status.js';
import { DOKU_PAYLATER_CATEGORIES, paylaterRequestSchema } from '../../src/providers/doku/schemas.js';
import { ProviderRejected, ProviderUnavailable, SignatureInvalid, WebhookMalformed, type CreateChargeRequest } from '../../src/providers/provider.js';
import { SandboxKit } from '../../src/sandbox/kit.js';
import { DOKU_NOTIFICATION_RETRIES_MS, DOKU_NOTIFICATION_RETRY_OFFSETS_MS, DokuSandbox } from '../../src/providers/doku/sandbox/sandbox.js';
import type { PaymentMethod } from '../../src/domain/payment.js';
import { until, randomPaymentId as paymentId } from '../helpers/wait.js';

const CLIENT_ID = 'BRN-0001-bayar-unit-test';
const SECRET = 'SK-bayar-unit-test-secret';
const WEBHOOK_PATH = '/webhooks/doku';

// ---- an independent re-statement of DOKU's published formula, for signing test notifications ----

function hmacBase64(text: string, key: string): string {
  return createHmac('sha256', key).update(text, 'utf8').digest('base64');
}

function sign(headers: { clientId: string; requestId: string; timestamp: string }, target: string, body: string, key = SECRET): string {
  const digest = createHash('sha256').update(body, 'utf8').digest('base64');
  const text = `Client-Id:${headers.clientId}\nRequest-Id:${headers.requestId}\nRequest-Timestamp:${headers.timestamp}\nRequest-Target:${target}\nDigest:${digest}`;
  return 'HMACSHA256=' + hmacBase64(text, key);
}

function notification(body: Record<string, unknown>, options: { key?: string; target?: string; requestId?: string; clientId?: string; timestamp?: string } = {}) {
  const raw = JSON.stringify(body);
  // Stamped now: a notification stamped more than five minutes away is refused as a replay.
  const h = { clientId: options.clientId ?? CLIENT_ID, requestId: options.requestId ?? randomUUID(), timestamp: options.timestamp ?? dokuTimestamp(Date.now()) };
  return {
    headers: {
      'content-type': 'application/json',
      'client-id': h.clientId,
      'request-id': h.requestId,
      'request-timestamp': h.timestamp,
      signature: sign(h, options.target ?? WEBHOOK_PATH, raw, options.key),
    } as Record<string, string | undefined>,
    rawBody: Buffer.from(raw),
    path: WEBHOOK_PATH,
  };
}

function chargeRequest(method: PaymentMethod, overrides: Partial<CreateChargeRequest> = {}): CreateChargeRequest {
  return {
    paymentId: paymentId(),
    method,
    amount: 150_000,
    expiresAt: new Date(Date.now() + 3600_000).toISOString(),
    description: 'Order 42',
    customer: { name: 'Budi Santoso', email: 'budi@example.com', phone: '+6281122334455', address: { line: 'Jalan Teknologi Indonesia No. 25', city: 'Jakarta', postalCode: '12960' } },
    returnUrl: 'https://shop.example/orders/42',
    ...overrides,
  };
}

// ---- the official legacy SDK, if installed ----

const require = createRequire(import.meta.url);
let jokul: { getSignature(headers: Record<string, string>, body: string, key: string): Promise<string> } | undefined;
try {
  jokul = require('jokul-nodejs-library');
} catch {
  jokul = undefined;
}

describe('doku Non-SNAP signature', () => {
  it('builds the published string to sign for a POST (five lines, no trailing newline)', () => {
    // developers.doku.com, "Signature Component from Request Header" (PROVIDERS.md §6a item 4).
    const published =
      'Client-Id:MCH-0001-10791114622547\n' +
      'Request-Id:cc682442-6c22-493e-8121-b9ef6b3fa728\n' +
      'Request-Timestamp:2020-08-11T08:45:42Z\n' +
      'Request-Target:/doku-virtual-account/v2/payment-code\n' +
      'Digest:5WIYK2TJg6iiZ0d5v4IXSR0EkYEkYOezJIma3Ufli5s=';
    const built = stringToSign({
      clientId: 'MCH-0001-10791114622547',
      requestId: 'cc682442-6c22-493e-8121-b9ef6b3fa728',
      timestamp: '2020-08-11T08:45:42Z',
      target: '/doku-virtual-account/v2/payment-code',
      digest: '5WIYK2TJg6iiZ0d5v4IXSR0EkYEkYOezJIma3Ufli5s=',
    });
    assert.equal(built, published);
  });

  it('builds the published GET form without a Digest line', () => {
    // developers.doku.com, "Signature from API Get Method".
    const published =
      'Client-Id:MCH-0001-10791114622547\n' + 'Request-Id:d895fb53-479c-4f77-a76a-ab81b40d77cb\n' + 'Request-Timestamp:2020-08-11T08:45:42Z\n' + 'Request-Target:/orders/v1/status/INV-123123-12313';
    const components = { clientId: 'MCH-0001-10791114622547', requestId: 'd895fb53-479c-4f77-a76a-ab81b40d77cb', timestamp: '2020-08-11T08:45:42Z', target: '/orders/v1/status/INV-123123-12313' };
    assert.equal(stringToSign(components), published);
    assert.equal(dokuStatusPath('INV-123123-12313'), components.target);
    // signature() of a body-less request signs exactly that string.
    assert.equal(signature(components, 'SK-bayar-doc-vector-secret'), 'HMACSHA256=PXmfHTHuG9cV/wUKWZXxCBvHelRD/uxQ73g3mIdon7U=');
  });

  it('matches HMAC-SHA256 base64 vectors computed with openssl', () => {
    // printf '<published string>' | openssl dgst -sha256 -hmac SK-bayar-doc-vector-secret -binary | base64
    assert.equal(
      hmacBase64(
        stringToSign({
          clientId: 'MCH-0001-10791114622547',
          requestId: 'cc682442-6c22-493e-8121-b9ef6b3fa728',
          timestamp: '2020-08-11T08:45:42Z',
          target: '/doku-virtual-account/v2/payment-code',
          digest: '5WIYK2TJg6iiZ0d5v4IXSR0EkYEkYOezJIma3Ufli5s=',
        }),
        'SK-bayar-doc-vector-secret',
      ),
      'O4F+GhUt8wQQMaqnZ2hxIRakTcvgX8g74r/l7VQRkmI=',
    );
    // printf '{"order":…}' | openssl dgst -sha256 -binary | base64
    assert.equal(bodyDigest('{"order":{"invoice_number":"INV-20210124-0001","amount":150000}}'), 'seFaeAITBKFUYwpMONoHD0ZvT4YocI4tad6gBSMaqVE=');
  });

  it('formats Request-Timestamp in UTC to the second with Z', () => {
    assert.equal(dokuTimestamp(Date.UTC(2020, 7, 11, 8, 45, 42, 987)), '2020-08-11T08:45:42Z');
  });

  it('verifies only the exact signature, constant-time, over the exact bytes', () => {
    const c = { clientId: CLIENT_ID, requestId: 'r-1', timestamp: '2024-07-04T03:53:53Z', target: WEBHOOK_PATH, body: '{"a":1}' };
    const good = sign(c, WEBHOOK_PATH, c.body);
    assert.equal(signature(c, SECRET), good);
    assert.ok(signatureMatches(c, good, SECRET));
    assert.ok(!signatureMatches(c, good, SECRET + 'x'), 'other secret');
    assert.ok(!signatureMatches({ ...c, target: '/webhooks/xendit' }, good, SECRET), 'other path');
    assert.ok(!signatureMatches({ ...c, body: '{"a": 1}' }, good, SECRET), 're-serialised body');
    assert.ok(!signatureMatches({ ...c, body: undefined }, good, SECRET), 'GET form of a POST');
    assert.ok(!signatureMatches(c, good.replace('HMACSHA256=', 'HMACHSHA256='), SECRET), "the jokul SDK's Mandiri typo prefix");
    assert.ok(!signatureMatches(c, good.replace('HMACSHA256=', ''), SECRET), 'no prefix');
    assert.ok(!signatureMatches(c, good.slice(0, -2) + '=', SECRET), 'short');
    assert.ok(!signatureMatches(c, good + 'AA', SECRET), 'long');
    assert.ok(!signatureMatches(c, good.slice(0, -5) + '!!!!=', SECRET), 'not base64');
    assert.ok(!signatureMatches(c, undefined, SECRET));
  });

  it('agrees with jokul-nodejs-library getSignature (official SDK) for requests and notifications', { skip: jokul ? false : 'jokul-nodejs-library is not installed' }, async () => {
    const cases = [
      {
        clientId: 'MCH-0001-10791114622547',
        requestId: 'cc682442-6c22-493e-8121-b9ef6b3fa728',
        timestamp: '2020-08-11T08:45:42Z',
        target: '/mandiri-virtual-account/v2/payment-code',
        body: JSON.stringify({ order: { invoice_number: 'INV-1', amount: 150000 }, virtual_account_info: { expired_time: 60, reusable_status: false, info1: 'Toko Budi' } }),
      },
      {
        clientId: CLIENT_ID,
        requestId: randomUUID(),
        timestamp: dokuTimestamp(Date.now()),
        target: WEBHOOK_PATH,
        body: JSON.stringify({ transaction: { status: 'SUCCESS' }, order: { invoice_number: 'pay_x', amount: 1 }, note: 'Rp 10.000 — ünïcödé' }),
      },
      { clientId: CLIENT_ID, requestId: 'x', timestamp: '2024-01-01T00:00:00Z', target: '/payments/notifications', body: '' },
    ];
    for (const c of cases) {
      const headers = { 'client-id': c.clientId, 'request-id': c.requestId, 'request-timestamp': c.timestamp, 'request-target': c.target };
      const oracle = await jokul!.getSignature(headers, c.body, SECRET);
      assert.equal(signature(c, SECRET), oracle, c.target);
      assert.ok(signatureMatches(c, oracle, SECRET));
    }
  });
});

describe('doku status table', () => {
  const cases: [string, string][] = [
    ['PENDING', 'PENDING'],
    ['SUCCESS', 'PAID'],
    // Check Status API — Non-SNAP: FAILED "Final: NO" ("generate new payment request").
    ['FAILED', 'PENDING'],
    ['EXPIRED', 'EXPIRED'],
    ['REFUNDED', 'REFUNDED'],
    ['TIMEOUT', 'PENDING'],
    ['REDIRECT', 'PENDING'],
    ['success', 'PENDING'],
    ['SOMETHING_NEW', 'PENDING'],
    ['constructor', 'PENDING'],
    ['__proto__', 'PENDING'],
  ];
  for (const [status, expected] of cases) {
    it(`${status} → ${expected}`, () => assert.equal(dokuStatusToChargeStatus(status), expected));
  }
});

describe('doku parseWebhook', () => {
  const provider = new DokuProvider({ clientId: CLIENT_ID, secretKey: SECRET, baseUrl: 'http://127.0.0.1:9', timeoutMs: 1000 });
  const paid = {
    service: { id: 'VIRTUAL_ACCOUNT' },
    acquirer: { id: 'BANK_MANDIRI' },
    channel: { id: 'VIRTUAL_ACCOUNT_BANK_MANDIRI' },
    transaction: { status: 'SUCCESS', date: '2024-07-04T03:53:53Z', original_request_id: 'pay_0123456789abcdef01234567-create' },
    order: { invoice_number: 'pay_0123456789abcdef01234567', amount: 150000 },
    virtual_account_info: { virtual_account_number: '8889940000000213' },
    virtual_account_payment: { date: '20240704105353', identifier: [] },
  };

  it('accepts a genuine notification and turns it into a PAID event keyed by Request-Id', () => {
    const raw = notification(paid, { requestId: '479b663f-5c9d-400d-8e80-3e548a8f7639' });
    const parsed = provider.parseWebhook(raw);
    assert.equal(parsed.kind, 'payment');
    if (parsed.kind !== 'payment') return;
    assert.equal(parsed.paymentId, paid.order.invoice_number);
    assert.deepEqual(parsed.event, {
      provider: 'doku',
      eventId: '479b663f-5c9d-400d-8e80-3e548a8f7639',
      source: 'webhook',
      chargeStatus: 'PAID',
      paidAmount: 150_000,
      providerReference: 'pay_0123456789abcdef01234567-create',
      providerStatus: 'SUCCESS',
      reason: undefined,
      occurredAt: '2024-07-04T03:53:53.000Z',
      // A SUCCESS notification's transaction.date is the paid time (late money is judged by it).
      paidAt: '2024-07-04T03:53:53.000Z',
    });
    // The same notification again (a DOKU retry or a duplicate): same event id.
    const again = provider.parseWebhook(raw);
    assert.equal(again.kind === 'payment' && again.event.eventId, parsed.event.eventId);
  });

  it('refuses a forged signature (another secret)', () => {
    assert.throws(() => provider.parseWebhook(notification(paid, { key: 'SK-attacker-guess' })), SignatureInvalid);
  });

  it('refuses a tampered body, and a re-serialised one', () => {
    const raw = notification(paid);
    const tampered = { ...raw, rawBody: Buffer.from(JSON.stringify({ ...paid, order: { ...paid.order, amount: 1_500_000 } })) };
    assert.throws(() => provider.parseWebhook(tampered), SignatureInvalid);
    const reformatted = { ...raw, rawBody: Buffer.from(JSON.stringify(paid, null, 2)) };
    assert.throws(() => provider.parseWebhook(reformatted), SignatureInvalid);
    const retargeted = notification(paid, { target: '/payments/notifications' });
    assert.throws(() => provider.parseWebhook(retargeted), SignatureInvalid, 'signed for another path');
  });

  it('refuses a missing Signature or signed header, and another Client-Id (401, not 400)', () => {
    for (const header of ['signature', 'client-id', 'request-id', 'request-timestamp']) {
      const raw = notification(paid);
      delete raw.headers[header];
      assert.throws(() => provider.parseWebhook(raw), SignatureInvalid, header);
    }
    assert.throws(() => provider.parseWebhook(notification(paid, { clientId: 'BRN-9999-someone-else' })), SignatureInvalid);
  });

  it('refuses a genuine signature over a body that is not a notification (400)', () => {
    assert.throws(() => provider.parseWebhook(notification({ hello: 'world' })), WebhookMalformed);
    assert.throws(() => provider.parseWebhook(notification({ ...paid, order: { ...paid.order, amount: 150000.5 } })), WebhookMalformed);
  });

  it('takes FAILED as not final (DOKU: "Final: NO"), maps EXPIRED, and acknowledges REFUNDED without acting', () => {
    const failed = provider.parseWebhook(notification({ ...paid, transaction: { ...paid.transaction, status: 'FAILED' } }));
    assert.equal(failed.kind === 'payment' && failed.event.chargeStatus, 'PENDING');
    assert.equal(failed.kind === 'payment' && failed.event.providerStatus, 'FAILED');
    assert.match((failed.kind === 'payment' && failed.event.reason) || '', /not final/);
    assert.equal(failed.kind === 'payment' && failed.event.paidAmount, undefined);
    const expired = provider.parseWebhook(notification({ ...paid, transaction: { ...paid.transaction, status: 'EXPIRED' } }));
    assert.equal(expired.kind === 'payment' && expired.event.chargeStatus, 'EXPIRED');
    const refunded = provider.parseWebhook(notification({ ...paid, transaction: { ...paid.transaction, status: 'REFUNDED' } }));
    assert.equal(refunded.kind, 'ignored');
  });

  it("takes DOKU's retries however old their Request-Timestamp (30 min, 6 h, 12 h, a Back Office resend); refuses one from the future", () => {
    // Whether DOKU re-stamps a retry is not published (developers.doku.com, Retry Notification):
    // a correctly signed notification stamped in the past is taken, with the same event id as
    // the original so the workflow applies it once.
    const requestId = randomUUID();
    for (const ago of [0, 30 * 60_000, 6 * 3600_000, 12 * 3600_000, 3 * 86_400_000]) {
      const retry = provider.parseWebhook(notification(paid, { requestId, timestamp: dokuTimestamp(Date.now() - ago) }));
      assert.equal(retry.kind, 'payment', `stamped ${ago} ms ago`);
      assert.equal(retry.kind === 'payment' && retry.event.eventId, requestId);
    }
    const published = notification(paid, { timestamp: '2020-08-11T08:45:42Z' });
    assert.equal(provider.parseWebhook(published).kind, 'payment', "DOKU's 2020 example, correctly signed: age alone does not refuse it");
    const ahead = notification(paid, { timestamp: dokuTimestamp(Date.now() + 5 * 60_000 + 5_000) });
    assert.throws(
      () => provider.parseWebhook(ahead),
      (err: Error) => err instanceof SignatureInvalid && /ahead/.test(err.message),
    );
    // Age never excuses a bad signature.
    assert.throws(() => provider.parseWebhook(notification(paid, { timestamp: dokuTimestamp(Date.now() - 6 * 3600_000), key: 'SK-attacker-guess' })), SignatureInvalid);
  });

  it('accepts the public notification path behind a prefix-stripping proxy', () => {
    const proxied = new DokuProvider({ clientId: CLIENT_ID, secretKey: SECRET, baseUrl: 'http://127.0.0.1:9', timeoutMs: 1000, notificationPaths: ['/bayar/webhooks/doku'] });
    const raw = notification(paid, { target: '/bayar/webhooks/doku' });
    assert.equal(proxied.parseWebhook(raw).kind, 'payment');
    assert.throws(() => provider.parseWebhook(raw), SignatureInvalid);
  });

  it('answers 200 to take a notification and 503 to have it retried', () => {
    assert.equal(provider.webhookAck().status, 200);
    assert.equal(provider.webhookRetryLater().status, 503);
  });
});

/** A notification endpoint that records what arrives and answers `answer(n)`. */
async function startReceiver(answer: (n: number) => number = () => 200, path = WEBHOOK_PATH) {
  const received: { body: string; headers: IncomingHttpHeaders; path: string; at: number }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers, path: req.url ?? '', at: Date.now() });
      res.writeHead(answer(received.length)).end();
    });
  });
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
  return { url: `http://127.0.0.1:${port}${path}`, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const asRaw = (r: { body: string; headers: IncomingHttpHeaders; path: string }) => ({
  headers: Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v])),
  rawBody: Buffer.from(r.body),
  path: new URL(r.path, 'http://x').pathname,
});

describe('doku adapter against the local sandbox', () => {
  let kit: SandboxKit;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let url: string;
  let provider: DokuProvider;
  let client: DokuClient;

  before(async () => {
    receiver = await startReceiver();
    kit = new SandboxKit(new DokuSandbox({ clientId: CLIENT_ID, secretKey: SECRET }), { callbackUrl: receiver.url, timeScale: 0.0001 });
    url = `http://127.0.0.1:${await kit.listen(0)}`;
    provider = new DokuProvider({ clientId: CLIENT_ID, secretKey: SECRET, baseUrl: url, timeoutMs: 5000 });
    client = new DokuClient({ clientId: CLIENT_ID, secretKey: SECRET, baseUrl: url, timeoutMs: 5000 });
  });
  after(async () => {
    await kit?.close();
    await receiver?.close();
  });

  const ledgerEntry = async (reference: string) => {
    const ledger = (await (await fetch(`${url}/_sandbox/ledger`)).json()) as { charges: { reference: string; status: string; createRequests: number }[] };
    return ledger.charges.find((c) => c.reference === reference);
  };
  const notificationsFor = (invoice: string) => receiver.received.filter((r) => (JSON.parse(r.body) as { order: { invoice_number: string } }).order.invoice_number === invoice);

  it('creates a charge for every method with the right payment instructions', async () => {
    const expectations: [PaymentMethod, (i: Record<string, string | undefined>) => void][] = [
      ['RETAIL_ALFAMART', (i) => assert.match(i.payCode!, /^\d{16}$/)],
      ['PAYLATER_INDODANA', (i) => assert.match(i.payUrl!, /product-installment\/payment\?purchaseTransactionId=/)],
    ];
    // Without SNAP keys DOKU offers only what it still documents as Non-SNAP: no VA (they moved to SNAP).
    assert.deepEqual(new Set(expectations.map(([m]) => m)), new Set(provider.capabilities.methods));
    await assert.rejects(provider.createCharge(chargeRequest('VA_BCA')), (e: unknown) => e instanceof ProviderRejected && e.code === 'UNSUPPORTED_METHOD');
    for (const [method, check] of expectations) {
      const request = chargeRequest(method);
      const snapshot = await provider.createCharge(request);
      assert.equal(snapshot.chargeStatus, 'PENDING', method);
      assert.equal(snapshot.providerStatus, 'PENDING');
      assert.equal(snapshot.providerReference, createRequestId(request.paymentId));
      check(snapshot.instructions as Record<string, string | undefined>);
    }
  });

  it('answers an identical resend with 409 and the first body, which the adapter takes as the charge', async () => {
    const request = chargeRequest('RETAIL_ALFAMART');
    const first = await provider.createCharge(request);
    const again = await provider.createCharge(request);
    assert.deepEqual(again, first);
    assert.equal((await ledgerEntry(request.paymentId))?.createRequests, 2);
    // On the wire: the same Request-Id and the same bytes are answered 409 with the same body.
    const body = { order: { invoice_number: paymentId(), amount: 10_000 }, online_to_offline_info: { expired_time: 60, reusable_status: false, info: 'x' } };
    const one = await client.call('POST', DOKU_CHANNELS.RETAIL_ALFAMART.path, 'rid-409-test', body);
    const two = await client.call('POST', DOKU_CHANNELS.RETAIL_ALFAMART.path, 'rid-409-test', body);
    assert.equal(one.status, 200);
    assert.equal(two.status, 409);
    assert.equal(two.text, one.text);
  });

  it('finds its charge when a resend carries a different body (expired_time moved on)', async () => {
    const request = chargeRequest('RETAIL_ALFAMART');
    const first = await provider.createCharge(request);
    const later = await provider.createCharge({ ...request, expiresAt: new Date(Date.parse(request.expiresAt) + 10 * 60_000).toISOString() });
    assert.equal(later.instructions.virtualAccountNumber, first.instructions.virtualAccountNumber);
    assert.equal(later.providerReference, first.providerReference);
    await assert.rejects(provider.createCharge({ ...request, amount: 150_001 }), (err: unknown) => err instanceof ProviderRejected && err.code === 'AMOUNT_MISMATCH');
  });

  it('asks DOKU for whole minutes: at least 1, rounded up, and a single-use Alfa payment code', async () => {
    // A recording stand-in shows exactly what the adapter puts on the wire.
    const seen: { path: string; body: Record<string, any> }[] = [];
    const recorder = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, any>;
        seen.push({ path: req.url ?? '', body });
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ order: body.order, online_to_offline_info: { payment_code: '8888123456789012' } }));
      });
    });
    const port = await new Promise<number>((resolve) => recorder.listen(0, '127.0.0.1', () => resolve((recorder.address() as AddressInfo).port)));
    try {
      const recorded = new DokuProvider({ clientId: CLIENT_ID, secretKey: SECRET, baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 5000 });
      for (const [ms, minutes] of [
        [2_000, 1],
        [60_000, 1],
        [61_000, 2],
        [3_600_000, 60],
      ] as const) {
        const request = chargeRequest('RETAIL_ALFAMART', { expiresAt: new Date(Date.now() + ms).toISOString() });
        await recorded.createCharge(request);
        const last = seen.at(-1)!;
        assert.equal(last.path, '/alfa-virtual-account/v2/payment-code');
        assert.deepEqual(last.body, {
          order: { invoice_number: request.paymentId, amount: 150_000 },
          online_to_offline_info: { expired_time: minutes, reusable_status: false, info: 'Order 42' },
          customer: { name: 'Budi Santoso', email: 'budi@example.com' },
        });
      }
    } finally {
      await new Promise<void>((r) => recorder.close(() => r()));
    }
    // The sandbox honours expired_time in minutes.
    const body = { order: { invoice_number: paymentId(), amount: 10_000 }, online_to_offline_info: { expired_time: 1, reusable_status: false } };
    const answer = JSON.parse((await client.call('POST', DOKU_CHANNELS.RETAIL_ALFAMART.path, randomUUID(), body)).text) as {
      online_to_offline_info: { created_date_utc: string; expired_date_utc: string };
    };
    assert.equal(Date.parse(answer.online_to_offline_info.expired_date_utc) - Date.parse(answer.online_to_offline_info.created_date_utc), 60_000);
  });

  it('refuses Indodana without the customer details, billing address or return page it needs, and sends the phone with its calling code', async () => {
    await assert.rejects(
      provider.createCharge(chargeRequest('PAYLATER_INDODANA', { customer: { name: 'Budi' } })),
      (err: unknown) => err instanceof ProviderRejected && err.code === 'CUSTOMER_DETAILS_REQUIRED',
    );
    await assert.rejects(
      provider.createCharge(chargeRequest('PAYLATER_INDODANA', { customer: { name: 'Budi Santoso', email: 'budi@example.com', phone: '081122334455' } })),
      (err: unknown) => err instanceof ProviderRejected && err.code === 'CUSTOMER_ADDRESS_REQUIRED',
    );
    await assert.rejects(provider.createCharge(chargeRequest('PAYLATER_INDODANA', { returnUrl: undefined })), (err: unknown) => err instanceof ProviderRejected && err.code === 'RETURN_URL_REQUIRED');
    await assert.rejects(
      provider.createCharge(chargeRequest('PAYLATER_INDODANA', { returnUrl: "https://shop.example/orders/42?ref=a'b*c" })),
      (err: unknown) => err instanceof ProviderRejected && err.code === 'RETURN_URL_INVALID',
    );
    assert.equal(dokuPhone('+6281122334455'), '6281122334455');
    assert.equal(dokuPhone('081122334455'), '6281122334455');
  });

  it("sends every field DOKU marks Mandatory for Indodana (seed 002's table), with the merchant's return page", async () => {
    const seen: Record<string, any>[] = [];
    const recorder = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, any>;
        seen.push(body);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ order: body.order, payment: { status: 'PENDING', url: 'https://sandbox01.indodana.com/x' } }));
      });
    });
    const port = await new Promise<number>((resolve) => recorder.listen(0, '127.0.0.1', () => resolve((recorder.address() as AddressInfo).port)));
    try {
      const recorded = new DokuProvider({ clientId: CLIENT_ID, secretKey: SECRET, baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 5000 });
      const request = chargeRequest('PAYLATER_INDODANA');
      await recorded.createCharge(request);
      const body = seen[0]!;
      // The Mandatory rows of seed 002's "Request Body Explanation", one by one.
      const mandatory = [
        'order.invoice_number',
        'order.amount',
        'order.line_items.0.name',
        'order.line_items.0.price',
        'order.line_items.0.quantity',
        'order.line_items.0.id',
        'order.line_items.0.category',
        'order.callback_url_cancel',
        'peer_to_peer_info.merchant_unique_reference',
        'customer.first_name',
        'customer.email',
        'customer.phone',
        'billing_address',
        'billing_address.first_name',
        'billing_address.address',
        'billing_address.city',
        'billing_address.postal_code',
        'billing_address.phone',
        'billing_address.country_code',
      ];
      for (const path of mandatory) {
        const value = path.split('.').reduce<any>((v, k) => v?.[k], body);
        assert.ok(value !== undefined && value !== '', `${path} is sent`);
      }
      assert.equal(body.order.callback_url, 'https://shop.example/orders/42');
      assert.equal(body.order.callback_url_cancel, 'https://shop.example/orders/42');
      assert.ok(DOKU_PAYLATER_CATEGORIES.includes(body.order.line_items[0].category), "category is one of DOKU's enum");
      assert.deepEqual(body.billing_address, {
        first_name: 'Budi',
        last_name: 'Santoso',
        address: 'Jalan Teknologi Indonesia No. 25',
        city: 'Jakarta',
        postal_code: '12960',
        phone: '6281122334455',
        country_code: 'IDN',
      });
      // And the request passes the sandbox's Mandatory check.
      assert.ok(paylaterRequestSchema.safeParse(body).success);
    } finally {
      await new Promise<void>((r) => recorder.close(() => r()));
    }
  });

  it("the sandbox takes DOKU's published Indodana sample and refuses it without a Mandatory field, as DOKU does", async () => {
    // seed 002, "Here is the sample request body to generate order", verbatim.
    const sample = {
      order: {
        invoice_number: 'MINV20201231468',
        line_items: [
          {
            name: 'Ayam',
            price: 50000,
            quantity: 2,
            id: '1002',
            category: 'ELECTRONIC',
            url: 'https://merchant.com/product_1002',
            image_url: 'https://merchant.com/product_1002/image',
            type: 'handphone',
          },
        ],
        amount: 100000,
        callback_url: 'https://merchant.com/return-url',
        callback_url_cancel: 'https://merchant.com/cancel-url',
      },
      peer_to_peer_info: { expired_time: 60, merchant_unique_reference: '60123' },
      customer: { first_name: 'andreas', last_name: 'dharmawan', phone: '081939815480', email: 'andreas@email.com' },
      billing_address: {
        first_name: 'andreas',
        last_name: 'dharmawan',
        address: 'Jalan Teknologi Indonesia No. 25',
        city: 'Jakarta',
        postal_code: '12960',
        phone: '081513114262',
        country_code: 'IDN',
      },
      shipping_address: {
        first_name: 'andreas',
        last_name: 'dharmawan',
        address: 'Jalan Teknologi Indonesia No. 25',
        city: 'Jakarta',
        postal_code: '12960',
        phone: '081513114262',
        country_code: 'IDN',
      },
    };
    const path = DOKU_CHANNELS.PAYLATER_INDODANA.path;
    const ok = await client.call('POST', path, randomUUID(), { ...sample, order: { ...sample.order, invoice_number: paymentId() } });
    assert.equal(ok.status, 200, ok.text);
    const without = (mutate: (b: any) => void) => {
      const b = JSON.parse(JSON.stringify(sample));
      b.order.invoice_number = paymentId();
      mutate(b);
      return client.call('POST', path, randomUUID(), b);
    };
    for (const [field, mutate] of [
      ['order.callback_url_cancel', (b: any) => delete b.order.callback_url_cancel],
      ['billing_address', (b: any) => delete b.billing_address],
      ['billing_address.city', (b: any) => delete b.billing_address.city],
      ['peer_to_peer_info.merchant_unique_reference', (b: any) => delete b.peer_to_peer_info.merchant_unique_reference],
      ['customer.email', (b: any) => delete b.customer.email],
    ] as const) {
      const refused = await without(mutate);
      assert.equal(refused.status, 400, field);
      assert.match(refused.text, new RegExp(field.split('.').at(-1)!), field);
    }
  });

  it('rejects bad bodies (400) and bad signatures (401) with typed errors; 5xx is retryable', async () => {
    const invalid = await client.call('POST', DOKU_CHANNELS.RETAIL_ALFAMART.path, randomUUID(), { order: { invoice_number: 'x', amount: -1 } });
    assert.equal(invalid.status, 400);
    assert.equal((JSON.parse(invalid.text) as { error: { code: string } }).error.code, 'invalid_parameter');
    const wrongKey = new DokuProvider({ clientId: CLIENT_ID, secretKey: 'SK-wrong', baseUrl: url, timeoutMs: 5000 });
    await assert.rejects(wrongKey.createCharge(chargeRequest('RETAIL_ALFAMART')), (err: unknown) => err instanceof ProviderRejected && err.code === 'DOKU_401_invalid_signature');
    await assert.rejects(wrongKey.findCharge({ paymentId: paymentId(), method: 'RETAIL_ALFAMART' }), (err: unknown) => err instanceof ProviderRejected && err.code === 'DOKU_401_invalid_signature');
    const unsigned = await fetch(`${url}${DOKU_CHANNELS.RETAIL_ALFAMART.path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(unsigned.status, 401);
    await fetch(`${url}/_sandbox/faults`, { method: 'POST', body: JSON.stringify({ errorRate: 1 }) });
    try {
      await assert.rejects(provider.findCharge({ paymentId: paymentId(), method: 'RETAIL_ALFAMART' }), ProviderUnavailable);
      await assert.rejects(provider.createCharge(chargeRequest('RETAIL_ALFAMART')), ProviderUnavailable);
    } finally {
      await fetch(`${url}/_sandbox/faults`, { method: 'POST', body: '{}' });
    }
    const down = new DokuProvider({ clientId: CLIENT_ID, secretKey: SECRET, baseUrl: 'http://127.0.0.1:9', timeoutMs: 2000 });
    await assert.rejects(down.findCharge({ paymentId: paymentId(), method: 'RETAIL_ALFAMART' }), ProviderUnavailable);
  });

  it('finds nothing for an unknown invoice; finds a created one by invoice_number, pending', async () => {
    assert.equal(await provider.findCharge({ paymentId: paymentId(), method: 'RETAIL_ALFAMART' }), null);
    const request = chargeRequest('RETAIL_ALFAMART');
    const created = await provider.createCharge(request);
    const found = await provider.findCharge({ paymentId: request.paymentId, method: 'RETAIL_ALFAMART' });
    assert.equal(found?.chargeStatus, 'PENDING');
    assert.equal(found?.providerReference, created.providerReference);
    assert.equal(found?.instructions.payCode, created.instructions.payCode);
  });

  it('pays, notifies signed for the receiver path (checked by jokul and by the adapter), and reports SUCCESS', async () => {
    const request = chargeRequest('RETAIL_ALFAMART');
    await provider.createCharge(request);
    const paid = await fetch(`${url}/_sandbox/charges/${request.paymentId}/pay`, { method: 'POST', body: '{}' });
    assert.equal(paid.status, 200);
    const snapshot = await provider.findCharge({ paymentId: request.paymentId, method: 'RETAIL_ALFAMART' });
    assert.equal(snapshot?.chargeStatus, 'PAID');
    assert.equal(snapshot?.paidAmount, 150_000);
    const delivered = await until(() => notificationsFor(request.paymentId)[0]);
    assert.equal(delivered.headers['client-id'], CLIENT_ID);
    assert.match(String(delivered.headers['request-timestamp']), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    assert.equal(
      delivered.headers.signature,
      sign({ clientId: CLIENT_ID, requestId: String(delivered.headers['request-id']), timestamp: String(delivered.headers['request-timestamp']) }, WEBHOOK_PATH, delivered.body),
    );
    if (jokul) {
      const oracle = await jokul.getSignature(
        {
          'client-id': String(delivered.headers['client-id']),
          'request-id': String(delivered.headers['request-id']),
          'request-timestamp': String(delivered.headers['request-timestamp']),
          'request-target': WEBHOOK_PATH,
        },
        delivered.body,
        SECRET,
      );
      assert.equal(delivered.headers.signature, oracle, 'jokul-nodejs-library accepts the notification');
    }
    const parsed = provider.parseWebhook(asRaw(delivered));
    assert.equal(parsed.kind === 'payment' && parsed.event.chargeStatus, 'PAID');
    assert.equal(parsed.kind === 'payment' && parsed.event.providerReference, createRequestId(request.paymentId));
    // Paying twice is refused; a late payment on an expired charge needs force.
    const twice = await fetch(`${url}/_sandbox/charges/${request.paymentId}/pay`, { method: 'POST', body: '{}' });
    assert.equal(twice.status, 400);
  });

  it('follows additional_info.override_notification_url for one transaction', async () => {
    const other = await startReceiver(() => 200, '/payments/notifications');
    try {
      const invoice = paymentId();
      const body = {
        order: { invoice_number: invoice, amount: 5000 },
        online_to_offline_info: { expired_time: 60, reusable_status: false },
        additional_info: { override_notification_url: other.url },
      };
      assert.equal((await client.call('POST', DOKU_CHANNELS.RETAIL_ALFAMART.path, randomUUID(), body)).status, 200);
      await fetch(`${url}/_sandbox/charges/${invoice}/pay`, { method: 'POST', body: '{}' });
      const delivered = await until(() => other.received[0]);
      // Signed for the path it went to.
      const proxied = new DokuProvider({ clientId: CLIENT_ID, secretKey: SECRET, baseUrl: url, timeoutMs: 1000 });
      assert.equal(proxied.parseWebhook(asRaw(delivered)).kind, 'payment');
      assert.equal(notificationsFor(invoice).length, 0);
    } finally {
      await other.close();
    }
  });
});

// The cases wait on the sandbox's (scaled) schedule, each with its own sandbox and receiver: run together.
describe('doku sandbox notification retries', { concurrency: true }, () => {
  it('documents retries 30 min, 6 h and 12 h after the original', () => {
    assert.deepEqual(DOKU_NOTIFICATION_RETRY_OFFSETS_MS, [30 * 60_000, 6 * 3600_000, 12 * 3600_000]);
    assert.deepEqual(DOKU_NOTIFICATION_RETRIES_MS, [30 * 60_000, 5.5 * 3600_000, 6 * 3600_000]);
  });

  // Scaled by 0.00005: retries at ≈ +90 ms, +1080 ms, +2160 ms.
  for (const [label, answer, attempts] of [
    ['a 500 every time gets 3 retries', () => 500, 4],
    ['a 200 at the second attempt stops there', (n: number) => (n >= 2 ? 200 : 503), 2],
    ['a 204 at once is enough', () => 204, 1],
  ] as const) {
    it(label, async () => {
      const receiver = await startReceiver(answer);
      const kit = new SandboxKit(new DokuSandbox({ clientId: CLIENT_ID, secretKey: SECRET }), { callbackUrl: receiver.url, timeScale: 0.00005 });
      const url = `http://127.0.0.1:${await kit.listen(0)}`;
      try {
        const provider = new DokuProvider({ clientId: CLIENT_ID, secretKey: SECRET, baseUrl: url, timeoutMs: 5000 });
        const request = chargeRequest('RETAIL_ALFAMART');
        await provider.createCharge(request);
        await fetch(`${url}/_sandbox/charges/${request.paymentId}/pay`, { method: 'POST', body: '{}' });
        await until(() => (receiver.received.length >= attempts ? true : undefined), 15_000);
        // Longer than the largest scaled gap (1080 ms): a retry too many would have arrived.
        await new Promise((r) => setTimeout(r, 1500));
        assert.equal(receiver.received.length, attempts);
        const first = receiver.received[0]!;
        for (const r of receiver.received) {
          assert.equal(r.body, first.body, 'every retry is the same notification');
          assert.equal(r.headers['request-id'], first.headers['request-id'], 'with the same Request-Id');
          assert.equal(r.headers.signature, first.headers.signature);
        }
        if (attempts === 4) {
          const at = receiver.received.map((r) => r.at - first.at);
          const expected = DOKU_NOTIFICATION_RETRY_OFFSETS_MS.map((ms) => ms * 0.00005);
          expected.forEach((ms, i) => assert.ok(at[i + 1]! >= ms * 0.9, `retry ${i + 1} at +${at[i + 1]} ms, expected ≥ ${ms}`));
        }
      } finally {
        await kit.close();
        await receiver.close();
      }
    });
  }
});
