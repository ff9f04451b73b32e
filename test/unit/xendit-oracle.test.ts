// xendit-node 7.0.0, Xendit's own client, as an oracle for the wire format. It is pointed at the
// local Xendit sandbox (in-process) through a recording proxy, so every test can check both
// directions: what the SDK sends must be what our schemas and sandbox accept, and what our
// sandbox answers must be what the SDK's models read. The adapter's own requests are recorded
// the same way and pushed through the SDK's request models: a field the SDK does not know, or a
// value it would write differently, shows up as a difference.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { PaymentMethod } from '../../src/domain/payment.js';
import { refundSupportFor, type CreateChargeRequest } from '../../src/providers/provider.js';
import { XenditProvider } from '../../src/providers/xendit/index.js';
import { XENDIT_CHANNELS } from '../../src/providers/xendit/capabilities.js';
import { createPaymentRequestSchema, refundRequestSchema } from '../../src/providers/xendit/schemas.js';
import { basicAuthHeader } from '../../src/providers/xendit/signature.js';
import { SandboxKit } from '../../src/sandbox/kit.js';
import { XenditSandbox } from '../../src/providers/xendit/sandbox/sandbox.js';
import { until } from '../helpers/wait.js';

type XenditSdk = typeof import('xendit-node');
type PaymentRequestModels = typeof import('xendit-node/payment_request/models/index.js');
type RefundModels = typeof import('xendit-node/refund/models/index.js');
type PaymentRequestParameters = import('xendit-node/payment_request/models/index.js').PaymentRequestParameters;
type SdkPaymentRequest = import('xendit-node/payment_request/models/index.js').PaymentRequest;

const SECRET_KEY = 'xnd_development_bayar_oracle_0123456789';
const CALLBACK_TOKEN = 'oracle-callback-token-0123456789';

const require = createRequire(import.meta.url);
let sdk: XenditSdk | undefined;
let prModels: PaymentRequestModels;
let refundModels: RefundModels;
try {
  sdk = require('xendit-node') as XenditSdk;
  prModels = require('xendit-node/payment_request/models/index.js') as PaymentRequestModels;
  refundModels = require('xendit-node/refund/models/index.js') as RefundModels;
} catch {
  sdk = undefined;
}

interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Forwards everything to the sandbox and keeps a copy of each request as it arrived. */
async function startRecordingProxy(target: () => string) {
  const recorded: Recorded[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      recorded.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'content-length') headers[k] = v;
      fetch(target() + req.url, { method: req.method, headers, body: body === '' ? undefined : body })
        .then(async (answer) => res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' }).end(await answer.text()))
        .catch((err: Error) => res.writeHead(502).end(err.message));
    });
  });
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
  return { url: `http://127.0.0.1:${port}`, recorded, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** bayar's webhook endpoint stand-in: records what the sandbox delivers. */
async function startReceiver() {
  const received: { headers: IncomingHttpHeaders; body: string }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200).end('{}');
    });
  });
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
  return { url: `http://127.0.0.1:${port}/webhooks/xendit`, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** The SDK docs' "required" properties of a model must all have come through (null allowed where the docs say nullable). */
function assertRequired(model: object | undefined | null, fields: string[], what: string): void {
  assert.ok(model, `${what} is missing`);
  for (const field of fields) assert.notEqual((model as Record<string, unknown>)[field], undefined, `${what}.${field} is required by the SDK's model`);
}

const paymentId = () => `pay_${randomBytes(12).toString('hex')}`;
const inOneHour = () => new Date(Math.floor(Date.now() / 1000) * 1000 + 3600_000);

/**
 * The SDK's error for a non-2xx answer. Its typings declare `status: string`, but at run time it
 * holds the HTTP status as a number; compare by value.
 */
const sdkError = (status: number, errorCode?: string) => (err: unknown) => {
  assert.ok(sdk && err instanceof sdk.XenditSdkError, `expected a XenditSdkError, got ${String(err)}`);
  const e = err as InstanceType<XenditSdk['XenditSdkError']>;
  assert.equal(e.name, 'XenditSdkError');
  assert.equal(Number(e.status), status, `status of ${JSON.stringify(e.rawResponse)}`);
  if (errorCode) assert.equal(e.errorCode, errorCode);
  assert.equal(typeof e.errorMessage, 'string');
  return true;
};

/** Constructing the client logs a "TEST secret key" warning; keep test output clean. */
function client(secretKey: string, xenditURL: string) {
  const warn = console.warn;
  console.warn = () => {};
  try {
    return new sdk!.Xendit({ secretKey, xenditURL });
  } finally {
    console.warn = warn;
  }
}

describe('official xendit-node 7.0.0 against the Xendit sandbox', { skip: sdk ? false : 'xendit-node is not installed' }, () => {
  let kit: SandboxKit;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let proxy: Awaited<ReturnType<typeof startRecordingProxy>>;
  let sandboxUrl: string;
  let xendit: ReturnType<typeof client>;
  let adapter: XenditProvider;

  before(async () => {
    receiver = await startReceiver();
    kit = new SandboxKit(new XenditSandbox({ secretKey: SECRET_KEY, callbackToken: CALLBACK_TOKEN }), { callbackUrl: receiver.url, timeScale: 0.0001 });
    sandboxUrl = `http://127.0.0.1:${await kit.listen(0)}`;
    proxy = await startRecordingProxy(() => sandboxUrl);
    xendit = client(SECRET_KEY, proxy.url);
    adapter = new XenditProvider({ secretKey: SECRET_KEY, callbackToken: CALLBACK_TOKEN, baseUrl: proxy.url, timeoutMs: 5000, defaultReturnUrl: 'https://shop.example/return' });
  });
  after(async () => {
    await proxy?.close();
    await kit?.close();
    await receiver?.close();
  });

  const sent = (predicate: (r: Recorded) => boolean) => proxy.recorded.filter(predicate);
  const sentCreate = (referenceId: string) => {
    const match = sent((r) => r.method === 'POST' && r.url === '/payment_requests' && r.body.includes(`"${referenceId}"`));
    assert.ok(match.length > 0, `no create request for ${referenceId} was recorded`);
    return match[match.length - 1]!;
  };
  const webhooksFor = (referenceOrId: string) =>
    receiver.received.filter((r) => r.body.includes(`"${referenceOrId}"`)).map((r) => ({ headers: r.headers, json: JSON.parse(r.body) as { event: string; data: Record<string, unknown> } }));

  /** Required properties of the SDK's PaymentRequest / PaymentMethod models (docs/payment_request/*.md). */
  function assertPaymentRequestModel(pr: SdkPaymentRequest, what: string): void {
    assertRequired(pr, ['id', 'created', 'updated', 'referenceId', 'businessId', 'currency', 'paymentMethod', 'status'], what);
    assertRequired(pr.paymentMethod, ['id', 'type', 'reusability', 'status'], `${what}.paymentMethod`);
    for (const action of pr.actions ?? []) assertRequired(action, ['action', 'urlType', 'method', 'url', 'qrCode'], `${what}.actions[]`);
    assert.match(pr.id, /^pr-/);
    assert.match(pr.paymentMethod.id, /^pm-/);
    assert.ok(!Number.isNaN(Date.parse(pr.created)) && !Number.isNaN(Date.parse(pr.updated)), `${what}: created/updated are timestamps`);
  }

  const vaRequest = (referenceId: string, expiresAt = inOneHour()): PaymentRequestParameters => ({
    referenceId,
    amount: 150_000,
    currency: 'IDR',
    description: 'Order 42',
    metadata: { order: '42' },
    paymentMethod: {
      type: 'VIRTUAL_ACCOUNT',
      reusability: 'ONE_TIME_USE',
      virtualAccount: { channelCode: 'BCA', channelProperties: { customerName: 'Budi Santoso', expiresAt } },
    },
  });

  it('creates a BCA VA, a QRIS, a DANA and an ALFAMART payment request, and reads each back', async () => {
    const expiresAt = inOneHour();
    const cases: { name: string; data: PaymentRequestParameters; check: (pr: SdkPaymentRequest) => void }[] = [
      {
        name: 'VA BCA',
        data: vaRequest(paymentId(), expiresAt),
        check: (pr) => {
          assert.equal(pr.status, 'PENDING');
          const va = pr.paymentMethod.virtualAccount!;
          assertRequired(va, ['channelCode', 'channelProperties'], 'virtualAccount');
          assert.equal(va.channelCode, 'BCA');
          assert.equal(va.channelProperties.customerName, 'Budi Santoso');
          assert.match(va.channelProperties.virtualAccountNumber ?? '', /^\d{10,}$/);
          assert.equal(va.channelProperties.expiresAt?.getTime(), expiresAt.getTime());
          assert.deepEqual(pr.actions ?? [], []);
        },
      },
      {
        name: 'QRIS',
        data: {
          referenceId: paymentId(),
          amount: 52_000,
          currency: 'IDR',
          paymentMethod: { type: 'QR_CODE', reusability: 'ONE_TIME_USE', qrCode: { channelCode: 'QRIS', channelProperties: { expiresAt } } },
        },
        check: (pr) => {
          assert.equal(pr.status, 'PENDING');
          const qr = pr.paymentMethod.qrCode!;
          assert.equal(qr.channelCode, 'QRIS');
          assert.match(qr.channelProperties?.qrString ?? '', /^000201/);
          assert.equal(qr.channelProperties?.expiresAt?.getTime(), expiresAt.getTime());
        },
      },
      {
        name: 'DANA',
        data: {
          referenceId: paymentId(),
          amount: 75_000,
          currency: 'IDR',
          paymentMethod: {
            type: 'EWALLET',
            reusability: 'ONE_TIME_USE',
            ewallet: { channelCode: 'DANA', channelProperties: { successReturnUrl: 'https://shop.example/ok', failureReturnUrl: 'https://shop.example/failed' } },
          },
        },
        check: (pr) => {
          assert.equal(pr.status, 'REQUIRES_ACTION');
          assert.equal(pr.paymentMethod.ewallet?.channelCode, 'DANA');
          assert.equal(pr.paymentMethod.ewallet?.channelProperties?.successReturnUrl, 'https://shop.example/ok');
          const auth = pr.actions?.find((a) => a.action === 'AUTH');
          assert.ok(auth, 'an e-wallet payment request asks the customer to authorise');
          assert.ok(['WEB', 'MOBILE', 'DEEPLINK'].includes(auth.urlType), auth.urlType);
          assert.match(auth.url ?? '', /^https?:\/\//);
        },
      },
      {
        name: 'ALFAMART',
        data: {
          referenceId: paymentId(),
          amount: 20_000,
          currency: 'IDR',
          paymentMethod: { type: 'OVER_THE_COUNTER', reusability: 'ONE_TIME_USE', overTheCounter: { channelCode: 'ALFAMART', channelProperties: { customerName: 'Siti Rahayu', expiresAt } } },
        },
        check: (pr) => {
          assert.equal(pr.status, 'PENDING');
          const otc = pr.paymentMethod.overTheCounter!;
          assertRequired(otc, ['channelCode', 'channelProperties'], 'overTheCounter');
          assert.equal(otc.channelCode, 'ALFAMART');
          assert.equal(otc.channelProperties.customerName, 'Siti Rahayu');
          assert.match(otc.channelProperties.paymentCode ?? '', /^[A-Z0-9]{6,}$/);
        },
      },
    ];
    for (const { name, data, check } of cases) {
      const created = await xendit.PaymentRequest.createPaymentRequest({ idempotencyKey: `create-${data.referenceId}`, data });
      assertPaymentRequestModel(created, name);
      assert.equal(created.referenceId, data.referenceId, name);
      assert.equal(created.amount, data.amount, name);
      assert.equal(created.currency, 'IDR', name);
      assert.equal(created.paymentMethod.type, data.paymentMethod!.type, name);
      assert.equal(created.paymentMethod.reusability, 'ONE_TIME_USE', name);
      assert.equal(created.paymentMethod.status, 'ACTIVE', name);
      check(created);

      const read = await xendit.PaymentRequest.getPaymentRequestByID({ paymentRequestId: created.id });
      assertPaymentRequestModel(read, `${name} (read back)`);
      assert.equal(read.id, created.id);
      assert.equal(read.status, created.status);
      assert.deepEqual(read.paymentMethod, created.paymentMethod);

      const listed = await xendit.PaymentRequest.getAllPaymentRequests({ referenceId: [data.referenceId!] });
      assertRequired(listed, ['data', 'hasMore'], 'PaymentRequestListResponse');
      assert.deepEqual(
        listed.data.map((p) => p.id),
        [created.id],
      );
    }
  });

  it('sends a body our createPaymentRequestSchema accepts as it is, with Basic auth and the idempotency key', async () => {
    const cases: PaymentRequestParameters[] = [
      vaRequest(paymentId()),
      {
        referenceId: paymentId(),
        amount: 10_000,
        currency: 'IDR',
        paymentMethod: { type: 'QR_CODE', reusability: 'ONE_TIME_USE', qrCode: { channelCode: 'QRIS', channelProperties: { expiresAt: inOneHour() } } },
      },
      {
        referenceId: paymentId(),
        amount: 10_000,
        currency: 'IDR',
        paymentMethod: { type: 'EWALLET', reusability: 'ONE_TIME_USE', ewallet: { channelCode: 'OVO', channelProperties: { mobileNumber: '+6281234567890' } } },
      },
      {
        referenceId: paymentId(),
        amount: 10_000,
        currency: 'IDR',
        paymentMethod: { type: 'OVER_THE_COUNTER', reusability: 'ONE_TIME_USE', overTheCounter: { channelCode: 'INDOMARET', channelProperties: { customerName: 'Budi' } } },
      },
    ];
    for (const data of cases) {
      await xendit.PaymentRequest.createPaymentRequest({ idempotencyKey: `key-${data.referenceId}`, data });
      const request = sentCreate(data.referenceId!);
      assert.equal(request.headers.authorization, basicAuthHeader(SECRET_KEY));
      assert.equal(request.headers['idempotency-key'], `key-${data.referenceId}`);
      assert.match(request.headers['content-type'] ?? '', /^application\/json/);
      const body = JSON.parse(request.body) as unknown;
      const parsed = createPaymentRequestSchema.safeParse(body);
      assert.ok(parsed.success, `${data.paymentMethod!.type}: ${parsed.success ? '' : JSON.stringify(parsed.error.issues)}`);
      // Nothing the SDK sent was unknown to the schema (zod would have dropped it).
      assert.deepEqual(parsed.data, body);
    }
  });

  it("sends, from the adapter, exactly the fields the SDK's own request models would send", async () => {
    const methods = Object.keys(XENDIT_CHANNELS) as PaymentMethod[];
    for (const method of methods) {
      const request: CreateChargeRequest = {
        paymentId: paymentId(),
        method,
        amount: 50_000,
        expiresAt: new Date(Date.now() + 3600_000).toISOString(),
        description: 'Order 7',
        customer: { name: 'Budi Santoso', email: 'budi@example.com', phone: '+6281234567890' },
      };
      await adapter.createCharge(request);
      const recorded = sentCreate(request.paymentId);
      const body = JSON.parse(recorded.body) as Record<string, unknown>;
      // Through the SDK's models and back: a field it does not know, or writes differently, differs.
      const viaSdk = JSON.parse(JSON.stringify(prModels.PaymentRequestParametersToJSON(prModels.PaymentRequestParametersFromJSON(body)))) as unknown;
      assert.deepEqual(viaSdk, body, method);
      assert.equal(recorded.headers.authorization, basicAuthHeader(SECRET_KEY), method);
      assert.equal(recorded.headers['idempotency-key'], request.paymentId, method);
    }
  });

  it("looks charges up and expires them on the SDK's paths, and the SDK reads the expired payment method", async () => {
    const request: CreateChargeRequest = {
      paymentId: paymentId(),
      method: 'VA_BNI',
      amount: 30_000,
      expiresAt: new Date(Date.now() + 3600_000).toISOString(),
      description: 'x',
      customer: { name: 'Budi' },
    };
    const snapshot = await adapter.createCharge(request);
    await adapter.findCharge({ paymentId: request.paymentId, method: 'VA_BNI' });
    await xendit.PaymentRequest.getAllPaymentRequests({ referenceId: [request.paymentId] });
    const lookups = sent((r) => r.method === 'GET' && r.url.includes(request.paymentId)).map((r) => r.url);
    assert.equal(lookups.length, 2);
    assert.equal(lookups[0], lookups[1], 'adapter and SDK ask for the same URL');

    const pr = await xendit.PaymentRequest.getPaymentRequestByID({ paymentRequestId: snapshot.providerReference });
    await adapter.cancelCharge({ paymentId: request.paymentId, providerReference: snapshot.providerReference, method: 'VA_BNI' });
    const adapterExpire = sent((r) => r.method === 'POST' && r.url.endsWith('/expire')).pop();
    assert.equal(adapterExpire?.url, `/v2/payment_methods/${pr.paymentMethod.id}/expire`);

    const other = await xendit.PaymentRequest.createPaymentRequest({ data: vaRequest(paymentId()) });
    const expired = await xendit.PaymentMethod.expirePaymentMethod({ paymentMethodId: other.paymentMethod.id });
    assert.equal(sent((r) => r.method === 'POST' && r.url.endsWith('/expire')).pop()?.url, `/v2/payment_methods/${other.paymentMethod.id}/expire`);
    assert.equal(expired.id, other.paymentMethod.id);
    assert.equal(expired.status, 'EXPIRED');
    assert.equal(expired.type, 'VIRTUAL_ACCOUNT');
    assert.equal(expired.reusability, 'ONE_TIME_USE');
    assert.equal((await xendit.PaymentRequest.getPaymentRequestByID({ paymentRequestId: other.id })).status, 'EXPIRED');
  });

  it('simulates a QRIS payment; the webhook that follows is a PaymentCallback the SDK reads and the adapter takes', async () => {
    const referenceId = paymentId();
    const created = await xendit.PaymentRequest.createPaymentRequest({
      data: { referenceId, amount: 61_000, currency: 'IDR', paymentMethod: { type: 'QR_CODE', reusability: 'ONE_TIME_USE', qrCode: { channelCode: 'QRIS' } } },
    });
    const simulation = await xendit.PaymentRequest.simulatePaymentRequestPayment({ paymentRequestId: created.id });
    assert.equal(typeof simulation.status, 'string');
    assert.equal(typeof simulation.message, 'string');
    const simulate = sent((r) => r.url === `/payment_requests/${created.id}/payments/simulate`);
    assert.equal(simulate.length, 1);
    assert.equal(simulate[0]!.body, '', 'the SDK simulates with no body');

    assert.equal((await xendit.PaymentRequest.getPaymentRequestByID({ paymentRequestId: created.id })).status, 'SUCCEEDED');
    const delivered = await until(() => webhooksFor(referenceId).find((w) => w.json.event.startsWith('payment.')));
    assert.equal(delivered.headers['x-callback-token'], CALLBACK_TOKEN);
    assert.equal(delivered.json.event, 'payment.succeeded', 'the /payment_requests generation names a payment "payment.succeeded" (SDK docs, PaymentCallback)');
    const callback = prModels.PaymentCallbackFromJSON(delivered.json);
    assertRequired(callback, ['event', 'businessId', 'created', 'data'], 'PaymentCallback');
    assertRequired(callback.data, ['id', 'referenceId', 'currency', 'amount', 'country', 'status', 'paymentMethod', 'created', 'updated'], 'PaymentCallback.data');
    assertRequired(callback.data!.paymentMethod, ['id', 'type', 'reusability', 'status'], 'PaymentCallback.data.paymentMethod');
    assert.equal(callback.data!.paymentRequestId, created.id);
    assert.equal(callback.data!.referenceId, referenceId);
    assert.equal(callback.data!.amount, 61_000);
    assert.equal(callback.data!.status, 'SUCCEEDED');
    assert.equal(callback.data!.paymentMethod.id, created.paymentMethod.id);

    const parsed = adapter.parseWebhook({ headers: delivered.headers as Record<string, string>, rawBody: Buffer.from(JSON.stringify(delivered.json)), path: '/webhooks/xendit' });
    assert.equal(parsed.kind, 'payment');
    assert.ok(parsed.kind === 'payment');
    assert.equal(parsed.paymentId, referenceId);
    assert.equal(parsed.event.chargeStatus, 'PAID');
    assert.equal(parsed.event.paidAmount, 61_000);
    assert.equal(parsed.event.providerReference, created.id);
  });

  it('refunds a settled QRIS payment, with and without the optional fields, and refuses a VA refund', async () => {
    const referenceId = paymentId();
    const created = await xendit.PaymentRequest.createPaymentRequest({
      data: { referenceId, amount: 100_000, currency: 'IDR', paymentMethod: { type: 'QR_CODE', reusability: 'ONE_TIME_USE', qrCode: { channelCode: 'QRIS' } } },
    });
    await xendit.PaymentRequest.simulatePaymentRequestPayment({ paymentRequestId: created.id });

    const refundRef = `rf-${randomBytes(6).toString('hex')}`;
    const refund = await xendit.Refund.createRefund({
      idempotencyKey: refundRef,
      data: { paymentRequestId: created.id, referenceId: refundRef, amount: 40_000, currency: 'IDR', reason: 'REQUESTED_BY_CUSTOMER', metadata: { note: 'one item returned' } },
    });
    assert.match(refund.id ?? '', /^rfd-/);
    assert.equal(refund.paymentRequestId, created.id);
    assert.equal(refund.amount, 40_000);
    assert.equal(refund.referenceId, refundRef);
    assert.equal(refund.currency, 'IDR');
    assert.equal(refund.channelCode, 'QRIS');
    assert.equal(refund.country, 'ID');
    assert.deepEqual(refund.metadata, { note: 'one item returned' });
    // What the SDK sent is what our refund schema describes, field for field.
    const refundBody = JSON.parse(sent((r) => r.url === '/refunds' && r.body.includes(refundRef)).pop()!.body) as unknown;
    const parsedRefund = refundRequestSchema.safeParse(refundBody);
    assert.ok(parsedRefund.success, JSON.stringify(!parsedRefund.success && parsedRefund.error.issues));
    assert.deepEqual(parsedRefund.data, refundBody);

    const fetched = await xendit.Refund.getRefund({ refundID: refund.id! });
    assert.equal(fetched.id, refund.id);
    assert.equal(fetched.amount, 40_000);

    const webhook = await until(() => webhooksFor(refund.id!).find((w) => w.json.event === 'refund.succeeded'));
    const refundCallback = refundModels.RefundCallbackFromJSON(webhook.json);
    assertRequired(refundCallback.data, ['id', 'paymentId', 'paymentMethodType', 'amount', 'channelCode', 'status', 'reason', 'country', 'currency', 'created', 'updated'], 'RefundCallback.data');
    assert.equal(refundCallback.data!.status, 'SUCCEEDED');
    assert.equal(refundCallback.data!.paymentMethodType, 'QR_CODE');
    assert.equal(refundCallback.data!.paymentId, created.id, 'the callback names the payment request as payment_id');
    assert.equal('payment_request_id' in (webhook.json.data as object), false, 'the published callback has no payment_request_id');
    const handedOver = adapter.parseWebhook({ headers: webhook.headers as Record<string, string>, rawBody: Buffer.from(JSON.stringify(webhook.json)), path: '/webhooks/xendit' });
    assert.ok(handedOver.kind === 'charge-reference' && handedOver.providerReference === created.id && handedOver.event.wakeOnly === true, 'a refund notice wakes the payment holding the request');

    // The adapter's refund body, through the SDK's CreateRefund model and back, is unchanged.
    const ours = await adapter.refund({
      charge: { paymentId: referenceId, providerReference: created.id, method: 'QRIS' },
      idempotencyKey: `${referenceId}-rf-1`,
      amount: 10_000,
      full: false,
      reason: 'customer returned a second item',
    });
    assert.equal(ours.state, 'SUCCEEDED');
    const adapterRefund = sent((r) => r.url === '/refunds' && r.headers['idempotency-key'] === `${referenceId}-rf-1`);
    assert.equal(adapterRefund.length, 1);
    const adapterBody = JSON.parse(adapterRefund[0]!.body) as Record<string, unknown>;
    assert.deepEqual(JSON.parse(JSON.stringify(refundModels.CreateRefundToJSON(refundModels.CreateRefundFromJSON(adapterBody)))), adapterBody);
    assert.equal(adapterBody.reason, 'OTHERS', "free text goes to metadata; the reason is one of Xendit's codes");

    // Xendit's docs: only payment_request_id and reason are required; no amount = the rest.
    const rest = await xendit.Refund.createRefund({ data: { paymentRequestId: created.id, reason: 'CANCELLATION' } });
    assert.equal(rest.amount, 50_000);
    assert.equal(rest.referenceId ?? null, null);
    await assert.rejects(xendit.Refund.createRefund({ data: { paymentRequestId: created.id, amount: 1, reason: 'OTHERS' } }), sdkError(400, 'MAXIMUM_REFUND_AMOUNT_REACHED'));

    // The list the adapter reads (GET /refunds?payment_request_id=), through the SDK's own call and
    // model, and paged with after_id as the SDK pages it; then the adapter's sum of it.
    const listed = await xendit.Refund.getAllRefunds({ paymentRequestId: created.id });
    assert.deepEqual(
      listed.data.map((r) => r.amount).sort((a, b) => (a ?? 0) - (b ?? 0)),
      [10_000, 40_000, 50_000],
    );
    assert.ok(listed.data.every((r) => r.paymentRequestId === created.id));
    const first = await xendit.Refund.getAllRefunds({ paymentRequestId: created.id, limit: 2 });
    assert.equal(first.hasMore, true);
    const second = await xendit.Refund.getAllRefunds({ paymentRequestId: created.id, limit: 2, afterId: first.data.at(-1)!.id });
    assert.equal(second.hasMore, false);
    assert.deepEqual(
      [...first.data, ...second.data].map((r) => r.id),
      listed.data.map((r) => r.id),
    );
    const snapshot = await adapter.findCharge({ paymentId: referenceId, providerReference: created.id, method: 'QRIS' });
    assert.equal(snapshot?.chargeStatus, 'PAID');
    assert.equal(snapshot?.providerRefunds?.total, 100_000);
    assert.deepEqual(snapshot?.providerRefunds?.refunds?.map((r) => r.providerRefundId).sort(), listed.data.map((r) => r.id!).sort());

    const va = await xendit.PaymentRequest.createPaymentRequest({ data: vaRequest(paymentId()) });
    await xendit.PaymentRequest.simulatePaymentRequestPayment({ paymentRequestId: va.id });
    await assert.rejects(xendit.Refund.createRefund({ data: { paymentRequestId: va.id, amount: 1000, reason: 'OTHERS' } }), sdkError(400, 'REFUND_NOT_SUPPORTED'));
  });

  it('refuses DANA and OVO refunds as Xendit does (Payments API channel table), and bayar declares none', async () => {
    for (const [channel, props] of [
      ['DANA', { successReturnUrl: 'https://shop.example/ok' }],
      ['OVO', { mobileNumber: '+6281234567890' }],
    ] as const) {
      const created = await xendit.PaymentRequest.createPaymentRequest({
        data: {
          referenceId: paymentId(),
          amount: 20_000,
          currency: 'IDR',
          paymentMethod: { type: 'EWALLET', reusability: 'ONE_TIME_USE', ewallet: { channelCode: channel, channelProperties: props } },
        },
      });
      await xendit.PaymentRequest.simulatePaymentRequestPayment({ paymentRequestId: created.id });
      await assert.rejects(xendit.Refund.createRefund({ data: { paymentRequestId: created.id, amount: 1000, reason: 'OTHERS' } }), sdkError(400, 'REFUND_NOT_SUPPORTED'));
      assert.equal(refundSupportFor(adapter.capabilities, `EWALLET_${channel}`), 'none', channel);
    }
    assert.equal(refundSupportFor(adapter.capabilities, 'EWALLET_SHOPEEPAY'), 'partial');
    assert.equal(refundSupportFor(adapter.capabilities, 'EWALLET_LINKAJA'), 'partial');
  });

  it("follows a refund cancelled with the SDK's cancelRefund: no money moved, the adapter reads it as FAILED", async () => {
    const created = await xendit.PaymentRequest.createPaymentRequest({
      data: { referenceId: paymentId(), amount: 30_000, currency: 'IDR', paymentMethod: { type: 'QR_CODE', reusability: 'ONE_TIME_USE', qrCode: { channelCode: 'QRIS' } } },
    });
    await xendit.PaymentRequest.simulatePaymentRequestPayment({ paymentRequestId: created.id });
    await fetch(`${sandboxUrl}/_sandbox/xendit/refunds`, { method: 'POST', body: JSON.stringify({ pending: true }) });
    try {
      const pending = await adapter.refund({
        charge: { paymentId: created.referenceId, providerReference: created.id, method: 'QRIS' },
        idempotencyKey: `${created.referenceId}-rf-c`,
        amount: 10_000,
        full: false,
        reason: 'x',
      });
      assert.equal(pending.state, 'PENDING');
      const cancelled = await xendit.Refund.cancelRefund({ refundID: pending.providerRefundId });
      assert.equal(cancelled.id, pending.providerRefundId);
      const status = await adapter.findRefund({ paymentId: created.referenceId, providerReference: created.id, method: 'QRIS' }, pending.providerRefundId);
      assert.equal(status.state, 'FAILED');
      assert.equal(status.providerStatus, 'CANCELLED');
    } finally {
      await fetch(`${sandboxUrl}/_sandbox/xendit/refunds`, { method: 'POST', body: JSON.stringify({ pending: false }) });
    }
  });

  it('is refused with a wrong secret key: the SDK throws its 401 error', async () => {
    const wrong = client('xnd_development_not_the_right_key_000', proxy.url);
    await assert.rejects(wrong.PaymentRequest.createPaymentRequest({ data: vaRequest(paymentId()) }), sdkError(401, 'INVALID_API_KEY'));
    await assert.rejects(wrong.PaymentRequest.getPaymentRequestByID({ paymentRequestId: 'pr-unknown' }), sdkError(401));
    await assert.rejects(xendit.PaymentRequest.getPaymentRequestByID({ paymentRequestId: 'pr-does-not-exist' }), sdkError(404, 'DATA_NOT_FOUND'));
  });

  it('answers the same idempotency key and body with the same payment request, and a different body with 409', async () => {
    const data = vaRequest(paymentId(), new Date('2031-01-01T00:00:00.000Z'));
    const key = `idem-${randomBytes(6).toString('hex')}`;
    const first = await xendit.PaymentRequest.createPaymentRequest({ idempotencyKey: key, data });
    const again = await xendit.PaymentRequest.createPaymentRequest({ idempotencyKey: key, data });
    assert.equal(again.id, first.id);
    assert.deepEqual(again, first);
    const ledger = (await (await fetch(`${sandboxUrl}/_sandbox/ledger`)).json()) as { charges: { reference: string }[] };
    assert.equal(ledger.charges.filter((c) => c.reference === data.referenceId).length, 1, 'one charge');

    await assert.rejects(xendit.PaymentRequest.createPaymentRequest({ idempotencyKey: key, data: { ...data, amount: 150_001 } }), sdkError(409, 'IDEMPOTENCY_ERROR'));
    await assert.rejects(xendit.PaymentRequest.createPaymentRequest({ idempotencyKey: key, data: { ...data, referenceId: paymentId() } }), sdkError(409));
  });
});
