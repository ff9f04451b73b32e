// The Xendit adapter's pure parts: auth header, callback token check, the status table, and
// webhook parsing. No HTTP: parseWebhook only reads what it is handed.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SignatureInvalid, WebhookMalformed, type RawWebhook } from '../../src/providers/provider.js';
import { XenditProvider } from '../../src/providers/xendit/index.js';
import { basicAuthHeader, callbackTokenMatches } from '../../src/providers/xendit/signature.js';
import { xenditEventToChargeStatus, xenditRefundStatusToRefundState, xenditStatusToChargeStatus } from '../../src/providers/xendit/status.js';

const TOKEN = 'cb-token-unit-test-0123456789';
const provider = new XenditProvider({ secretKey: 'xnd_development_unit', callbackToken: TOKEN, baseUrl: 'http://127.0.0.1:9', timeoutMs: 1000 });

function webhook(body: unknown, headers: Record<string, string | undefined> = {}): RawWebhook {
  const rawBody = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8');
  return { headers: { 'x-callback-token': TOKEN, 'content-type': 'application/json', ...headers }, rawBody, path: '/webhooks/xendit' };
}

const captured = {
  event: 'payment.capture',
  business_id: '5f27a14a9bf05c73dd040bc8',
  created: '2025-03-01T08:05:00.000Z',
  data: {
    id: 'py-1a2b',
    payment_id: 'py-1a2b',
    payment_request_id: 'pr-9f8e',
    reference_id: 'pay_0123456789abcdef01234567',
    status: 'SUCCEEDED',
    amount: 150_000,
    currency: 'IDR',
    channel_code: 'QRIS',
  },
};

describe('basicAuthHeader', () => {
  it('is Basic base64(secretKey + ":") with an empty password', () => {
    const key = 'xnd_development_P4qDfOss0OCpl8RtKrROHjaQYNCk9dN5lSfk+R1l9Wbe+rSiCwZ3jw==';
    // Computed independently: printf '%s:' "$key" | base64
    assert.equal(basicAuthHeader(key), 'Basic eG5kX2RldmVsb3BtZW50X1A0cURmT3NzME9DcGw4UnRLclJPSGphUVlOQ2s5ZE41bFNmaytSMWw5V2JlK3JTaUN3WjNqdz09Og==');
    assert.equal(basicAuthHeader('k'), 'Basic ' + Buffer.from('k:').toString('base64'));
  });
});

describe('callbackTokenMatches', () => {
  it('accepts exactly the configured token', () => {
    assert.equal(callbackTokenMatches(TOKEN, TOKEN), true);
  });
  it('rejects a wrong, missing, empty, longer or shorter token', () => {
    assert.equal(callbackTokenMatches('cb-token-unit-test-0123456788', TOKEN), false);
    assert.equal(callbackTokenMatches(undefined, TOKEN), false);
    assert.equal(callbackTokenMatches('', TOKEN), false);
    assert.equal(callbackTokenMatches(TOKEN + 'x', TOKEN), false);
    assert.equal(callbackTokenMatches(TOKEN.slice(0, -1), TOKEN), false);
    assert.equal(callbackTokenMatches(TOKEN.toUpperCase(), TOKEN), false);
  });
});

describe('xenditStatusToChargeStatus', () => {
  const table: [string, string][] = [
    ['PENDING', 'PENDING'],
    ['REQUIRES_ACTION', 'PENDING'],
    ['AWAITING_CAPTURE', 'PENDING'],
    ['UNKNOWN', 'PENDING'],
    ['SUCCEEDED', 'PAID'],
    ['FAILED', 'FAILED'],
    ['CANCELED', 'CANCELLED'],
    ['VOIDED', 'CANCELLED'],
    ['EXPIRED', 'EXPIRED'],
  ];
  for (const [xendit, bayar] of table) {
    it(`${xendit} → ${bayar}`, () => assert.equal(xenditStatusToChargeStatus(xendit), bayar));
  }
  it('anything else is PENDING: only an explicit answer is final', () => {
    for (const other of ['', 'succeeded', 'PAID', 'SETTLED', 'REFUNDED', 'constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      assert.equal(xenditStatusToChargeStatus(other), 'PENDING', other);
    }
  });
});

describe('xenditEventToChargeStatus', () => {
  it('maps payment events and leaves the rest alone', () => {
    assert.equal(xenditEventToChargeStatus('payment.capture'), 'PAID');
    assert.equal(xenditEventToChargeStatus('payment.failure'), 'FAILED');
    assert.equal(xenditEventToChargeStatus('payment_request.expiry'), 'EXPIRED');
    for (const other of ['refund.succeeded', 'payment.authorization', 'constructor', '__proto__', 'valueOf']) {
      assert.equal(xenditEventToChargeStatus(other), undefined, other);
    }
  });
});

describe('XenditProvider.parseWebhook', () => {
  it('turns a verified capture into a PAID event for the payment in reference_id', () => {
    const parsed = provider.parseWebhook(webhook(captured, { 'webhook-id': 'whk-123' }));
    assert.deepEqual(parsed, {
      kind: 'payment',
      paymentId: captured.data.reference_id,
      event: {
        provider: 'xendit',
        eventId: 'whk-123',
        source: 'webhook',
        // A static token proves no body: the notice only wakes the payment for a status look-up.
        wakeOnly: true,
        chargeStatus: 'PAID',
        paidAmount: 150_000,
        providerReference: 'pr-9f8e',
        providerStatus: 'payment.capture/SUCCEEDED',
        reason: undefined,
        occurredAt: '2025-03-01T08:05:00.000Z',
      },
    });
  });

  it('derives a stable event id from the content when there is no (or an empty) webhook-id header', () => {
    for (const headers of [{}, { 'webhook-id': '' }]) {
      const parsed = provider.parseWebhook(webhook(captured, headers));
      assert.equal(parsed.kind, 'payment');
      assert.equal(parsed.kind === 'payment' && parsed.event.eventId, 'payment.capture:py-1a2b');
    }
  });

  it('carries the failure code of a failed payment and no paid amount', () => {
    const body = { ...captured, event: 'payment.failure', data: { ...captured.data, status: 'FAILED', failure_code: 'INSUFFICIENT_BALANCE' } };
    const parsed = provider.parseWebhook(webhook(body, { 'webhook-id': 'whk-2' }));
    assert.ok(parsed.kind === 'payment');
    assert.equal(parsed.event.chargeStatus, 'FAILED');
    assert.equal(parsed.event.reason, 'INSUFFICIENT_BALANCE');
    assert.equal(parsed.event.paidAmount, undefined);
  });

  it('throws SignatureInvalid for a wrong or missing token, before looking at the body', () => {
    for (const token of ['wrong-token-0123456789', undefined, '']) {
      assert.throws(() => provider.parseWebhook(webhook(captured, { 'x-callback-token': token })), SignatureInvalid);
      assert.throws(() => provider.parseWebhook(webhook('{not json', { 'x-callback-token': token })), SignatureInvalid);
    }
  });

  it('throws WebhookMalformed for a body that is not JSON or lacks what it needs', () => {
    const malformed: unknown[] = [
      '{not json',
      '',
      'null',
      '[]',
      { event: 'payment.capture' },
      { data: captured.data },
      { ...captured, data: { ...captured.data, reference_id: '' } },
      { ...captured, data: { ...captured.data, status: undefined } },
      { ...captured, data: { ...captured.data, amount: 100.5 } },
      { ...captured, data: { ...captured.data, amount: -1 } },
      { ...captured, data: { ...captured.data, amount: '150000' } },
      { ...captured, event: 42 },
    ];
    for (const body of malformed) {
      assert.throws(() => provider.parseWebhook(webhook(body)), WebhookMalformed, JSON.stringify(body));
    }
  });

  it('refuses a PAID notice without data.amount as malformed: the full amount is never assumed', () => {
    for (const event of ['payment.capture', 'payment.succeeded']) {
      const { amount: _omitted, ...withoutAmount } = captured.data;
      assert.throws(() => provider.parseWebhook(webhook({ ...captured, event, data: withoutAmount }, { 'webhook-id': 'whk-no-amount' })), WebhookMalformed, event);
      assert.throws(() => provider.parseWebhook(webhook({ ...captured, event, data: { ...captured.data, amount: null } })), WebhookMalformed, `${event} amount null`);
      // The same notice with its amount is taken, whatever the amount: the workflow compares it.
      const partial = provider.parseWebhook(webhook({ ...captured, event, data: { ...captured.data, amount: 1 } }));
      assert.equal(partial.kind === 'payment' && partial.event.paidAmount, 1, event);
    }
    // Notices that are not a payment may leave the amount out.
    const { amount: _none, ...noAmount } = captured.data;
    const failed = provider.parseWebhook(webhook({ ...captured, event: 'payment.failed', data: { ...noAmount, status: 'FAILED' } }));
    assert.equal(failed.kind === 'payment' && failed.event.chargeStatus, 'FAILED');
    const expired = provider.parseWebhook(webhook({ ...captured, event: 'payment_request.expiry', data: { ...noAmount, status: 'EXPIRED' } }));
    assert.equal(expired.kind === 'payment' && expired.event.chargeStatus, 'EXPIRED');
  });

  it('acknowledges events that are not about payment state as ignored', () => {
    for (const name of ['refund.failed', 'payment.authorization', 'constructor', 'toString']) {
      const parsed = provider.parseWebhook(webhook({ ...captured, event: name }));
      assert.equal(parsed.kind, 'ignored', name);
    }
  });

  it('acknowledges (2xx, no effect) payment_method.* callbacks without reference_id and events of any shape it does not act on', () => {
    // xendit-node docs/payment_method/PaymentMethod.md: reference_id is not required. The body
    // follows the SDK's PaymentMethodCallback model (event, business_id, created, data = PaymentMethod).
    const paymentMethodCallback = {
      event: 'payment_method.activated',
      business_id: '5f27a14a9bf05c73dd040bc8',
      created: '2025-03-01T08:05:00.000Z',
      data: {
        id: 'pm-c30d4800-afe4-4e58-ad5f-cc006d169139',
        type: 'EWALLET',
        country: 'ID',
        business_id: '5f27a14a9bf05c73dd040bc8',
        reusability: 'MULTIPLE_USE',
        status: 'ACTIVE',
        created: '2025-03-01T08:05:00.000Z',
        updated: '2025-03-01T08:05:00.000Z',
      },
    };
    for (const body of [
      paymentMethodCallback,
      { ...paymentMethodCallback, event: 'payment_method.expired', data: { ...paymentMethodCallback.data, status: 'EXPIRED' } },
      { event: 'capture.succeeded', data: { id: 'cap-1', something_else: true } },
      { event: 'recurring.plan.activated', data: [] },
    ]) {
      const parsed = provider.parseWebhook(webhook(body));
      assert.equal(parsed.kind, 'ignored', body.event);
      assert.equal(provider.webhookAck().status, 200);
    }
    // A payment event that names no reference_id is not a charge bayar made: acknowledged too.
    const { reference_id: _none, ...noReference } = captured.data;
    assert.equal(provider.parseWebhook(webhook({ ...captured, data: noReference })).kind, 'ignored');
  });

  it('acknowledges the v3 payment.capture (request_amount, no amount) without settling on it: the status look-up does', () => {
    // docs.xendit.co/apidocs/payment-webhook-notification, "Payment capture status callback", verbatim.
    const v3 = {
      event: 'payment.capture',
      business_id: '6094fa76c2fd53701b8e079c',
      created: '2021-12-02T14:52:21.566Z',
      data: {
        payment_id: 'py-1fdaf346-dd2e-4b6c-b938-124c7167a822',
        business_id: '6094fa76c2fd53701b8e079c',
        status: 'SUCCEEDED',
        payment_request_id: 'pr-1fdaf346-dd2e-4b6c-b938-124c7167a822',
        request_amount: 10000,
        customer_id: 'cust-5ed61c4e-499f-49bd-9d90-f3f45028a7a3',
        channel_code: 'BRI_VIRTUAL_ACCOUNT',
        country: 'ID',
        currency: 'IDR',
        reference_id: 'example_reference_id',
        description: 'Payment description',
        channel_properties: { failure_return_url: 'https://xendit.co/failure', success_return_url: 'https://xendit.co/success' },
        type: 'SINGLE_PAYMENT',
        created: '2021-12-02T14:52:21.566Z',
        updated: '2021-12-02T14:52:21.566Z',
      },
    };
    const parsed = provider.parseWebhook(webhook(v3));
    assert.equal(parsed.kind, 'ignored');
    assert.match(parsed.kind === 'ignored' ? parsed.reason : '', /v3/);
    // The /payment_requests shape (with amount) is still taken.
    const v2 = provider.parseWebhook(webhook({ ...v3, data: { ...v3.data, reference_id: 'pay_0123456789abcdef01234567', amount: 10000 } }));
    assert.equal(v2.kind === 'payment' && v2.event.paidAmount, 10000);
  });

  it('hands a refund.succeeded callback over by the payment request it names, as a wake-up claiming a refund', () => {
    // The published callback (xendit-node refund/models/RefundCallbackData; xendit-php
    // docs/Refund/RefundCallbackData.md, whose example payment_id is a payment request id).
    const callback = {
      event: 'refund.succeeded',
      business_id: '5f27a14a9bf05c73dd040bc8',
      created: '2025-03-02T09:00:00.000Z',
      data: {
        id: 'rfd-3ece8615-41b7-4983-a3f0-a037430b6036',
        payment_id: 'pr-f4a6f77c-4835-4630-9617-2cdc34ee26ee',
        invoice_id: null,
        payment_method_type: 'QR_CODE',
        amount: 1500,
        channel_code: 'QRIS',
        status: 'SUCCEEDED',
        reason: 'OTHERS',
        country: 'ID',
        currency: 'IDR',
        reference_id: null,
        failure_code: null,
        refund_fee_amount: null,
        created: '2025-03-02T09:00:00.000Z',
        updated: '2025-03-02T09:00:00.000Z',
        metadata: null,
      },
    };
    const parsed = provider.parseWebhook(webhook(callback, { 'webhook-id': 'whk-1' }));
    assert.equal(parsed.kind, 'charge-reference');
    if (parsed.kind !== 'charge-reference') return;
    assert.equal(parsed.providerReference, 'pr-f4a6f77c-4835-4630-9617-2cdc34ee26ee');
    // Nothing in it is applied: the amount is not even carried; the payment looks its refunds up.
    assert.deepEqual(
      { ...parsed.event },
      {
        provider: 'xendit',
        eventId: 'whk-1',
        source: 'webhook',
        wakeOnly: true,
        chargeStatus: 'REFUNDED',
        providerReference: 'pr-f4a6f77c-4835-4630-9617-2cdc34ee26ee',
        providerStatus: 'refund.succeeded/SUCCEEDED',
        occurredAt: '2025-03-02T09:00:00.000Z',
      },
    );
    // The Refund object's own name for the request is taken too; without a webhook-id the refund id names the event.
    const { payment_id: _p, ...noPaymentId } = callback.data;
    const byRequest = provider.parseWebhook(webhook({ ...callback, data: { ...noPaymentId, payment_request_id: 'pr-9f8e' } }));
    assert.ok(byRequest.kind === 'charge-reference' && byRequest.providerReference === 'pr-9f8e' && byRequest.event.eventId === 'refund.succeeded:rfd-3ece8615-41b7-4983-a3f0-a037430b6036');
    // A payment id bayar holds no reference of (a py-/ddpy- payment), none, or a shape it cannot read: acknowledged, no effect.
    for (const data of [{ ...callback.data, payment_id: 'ddpy-3cd658ae-25b9-4659-aa36-596ae41a809f' }, noPaymentId, { ...callback.data, id: 42 }]) {
      assert.equal(provider.parseWebhook(webhook({ ...callback, data })).kind, 'ignored');
    }
    // The token still decides first.
    assert.throws(() => provider.parseWebhook(webhook(callback, { 'x-callback-token': 'wrong' })), SignatureInvalid);
  });

  it('reads every refund status Xendit can return: CANCELLED moved no money, unknown ones stay PENDING', () => {
    const cases: [string, string][] = [
      ['SUCCEEDED', 'SUCCEEDED'],
      ['FAILED', 'FAILED'],
      ['CANCELLED', 'FAILED'],
      ['CANCELED', 'FAILED'],
      ['PENDING', 'PENDING'],
      ['REQUIRES_ACTION', 'PENDING'],
      ['SOMETHING_NEW', 'PENDING'],
      ['__proto__', 'PENDING'],
    ];
    for (const [status, state] of cases) assert.equal(xenditRefundStatusToRefundState(status), state, status);
  });

  it('answers 200 once taken and 503 to be retried', () => {
    assert.equal(provider.webhookAck().status, 200);
    assert.equal(provider.webhookRetryLater().status, 503);
  });
});

describe('redirect e-wallets and their return page', () => {
  /** A one-request capture server standing in for Xendit: records the body, answers 400 so create stops there. */
  async function capture(run: (baseUrl: string) => Promise<unknown>): Promise<Record<string, any> | undefined> {
    const { createServer } = await import('node:http');
    let body: Record<string, any> | undefined;
    const server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        body = JSON.parse(raw);
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error_code":"API_VALIDATION_ERROR","message":"stop"}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      await run(`http://127.0.0.1:${(server.address() as { port: number }).port}`).catch(() => undefined);
    } finally {
      server.close();
    }
    return body;
  }
  const request = (method: 'EWALLET_DANA' | 'EWALLET_OVO', returnUrl?: string) => ({
    paymentId: 'pay_0123456789abcdef01234567',
    method,
    amount: 50_000,
    expiresAt: '2030-01-01T00:00:00.000Z',
    description: 'unit',
    customer: { phone: '+6281234567890' },
    ...(returnUrl ? { returnUrl } : {}),
  });

  it("sends the payment's returnUrl as success and failure return URL, before the configured default", async () => {
    const body = await capture((baseUrl) =>
      new XenditProvider({ secretKey: 'xnd_development_unit', callbackToken: TOKEN, baseUrl, timeoutMs: 1000, defaultReturnUrl: 'https://default.example/r' }).createCharge(
        request('EWALLET_DANA', 'https://shop.example/done'),
      ),
    );
    assert.equal(body?.payment_method.ewallet.channel_properties.success_return_url, 'https://shop.example/done');
    assert.equal(body?.payment_method.ewallet.channel_properties.failure_return_url, 'https://shop.example/done');
  });

  it('falls back to XENDIT_RETURN_URL, and sends none for OVO (push, no redirect)', async () => {
    const dana = await capture((baseUrl) =>
      new XenditProvider({ secretKey: 'xnd_development_unit', callbackToken: TOKEN, baseUrl, timeoutMs: 1000, defaultReturnUrl: 'https://default.example/r' }).createCharge(request('EWALLET_DANA')),
    );
    assert.equal(dana?.payment_method.ewallet.channel_properties.success_return_url, 'https://default.example/r');
    const ovo = await capture((baseUrl) =>
      new XenditProvider({ secretKey: 'xnd_development_unit', callbackToken: TOKEN, baseUrl, timeoutMs: 1000, defaultReturnUrl: 'https://default.example/r' }).createCharge(request('EWALLET_OVO')),
    );
    assert.equal(ovo?.payment_method.ewallet.channel_properties.success_return_url, undefined);
  });

  it('refuses a redirect e-wallet with no return page at all, without calling Xendit', async () => {
    let err: unknown;
    const body = await capture((baseUrl) =>
      new XenditProvider({ secretKey: 'xnd_development_unit', callbackToken: TOKEN, baseUrl, timeoutMs: 1000 }).createCharge(request('EWALLET_DANA')).catch((e) => {
        err = e;
        throw e;
      }),
    );
    assert.equal(body, undefined, 'no request reached Xendit');
    assert.equal((err as { code?: string }).code, 'RETURN_URL_REQUIRED');
  });
});

describe("refunds made outside bayar: the status look-up lists the request's refunds", () => {
  const PR = 'pr-0a1b2c';
  const paymentRequest = (status: string) => ({
    id: PR,
    reference_id: 'pay_0123456789abcdef01234567',
    amount: 100_000,
    currency: 'IDR',
    status,
    payment_method: { id: 'pm-1', type: 'QR_CODE', qr_code: { channel_code: 'QRIS' } },
  });
  const refund = (id: string, amount: number, status: string, paymentRequestId = PR) => ({ id, payment_request_id: paymentRequestId, amount, currency: 'IDR', status, reference_id: null });

  /** A stub Xendit: the payment request in `status`, and `refunds` served in pages of `limit` after `after_id`, as GET /refunds does. */
  async function stub(status: string, refunds: ReturnType<typeof refund>[]) {
    const { createServer } = await import('node:http');
    const asked: string[] = [];
    const server = createServer((req, res) => {
      asked.push(req.url ?? '');
      const url = new URL(req.url ?? '/', 'http://x');
      res.setHeader('content-type', 'application/json');
      if (url.pathname === `/payment_requests/${PR}`) return void res.end(JSON.stringify(paymentRequest(status)));
      if (url.pathname === '/refunds' && url.searchParams.get('payment_request_id') === PR) {
        const limit = Number(url.searchParams.get('limit') ?? 10);
        const after = url.searchParams.get('after_id');
        const start = after ? refunds.findIndex((r) => r.id === after) + 1 : 0;
        return void res.end(JSON.stringify({ data: refunds.slice(start, start + limit), has_more: start + limit < refunds.length }));
      }
      res.writeHead(404).end('{"error_code":"DATA_NOT_FOUND"}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const adapter = new XenditProvider({ secretKey: 'xnd_development_unit', callbackToken: TOKEN, baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 2000 });
    return {
      asked,
      find: () => adapter.findCharge({ paymentId: 'pay_0123456789abcdef01234567', providerReference: PR, method: 'QRIS' }),
      close: () =>
        new Promise<void>((r) => {
          server.closeAllConnections();
          server.close(() => r());
        }),
    };
  }

  it('sums only SUCCEEDED refunds, over every page (100 a page, after_id), each named by its rfd- id', async () => {
    const many = Array.from({ length: 150 }, (_, i) => refund(`rfd-${i}`, 100, i % 50 === 0 ? 'FAILED' : 'SUCCEEDED'));
    many.push(refund('rfd-pending', 5_000, 'PENDING'), refund('rfd-cancelled', 5_000, 'CANCELLED'));
    const xendit = await stub('SUCCEEDED', many);
    try {
      const snapshot = await xendit.find();
      assert.equal(snapshot?.chargeStatus, 'PAID');
      assert.equal(snapshot?.providerRefunds?.total, 147 * 100);
      assert.equal(snapshot?.providerRefunds?.refunds?.length, 147);
      assert.ok(snapshot?.providerRefunds?.refunds?.every((r) => r.providerRefundId.startsWith('rfd-') && r.amount === 100));
      const pages = xendit.asked.filter((u) => u.startsWith('/refunds'));
      assert.deepEqual(pages, [`/refunds?payment_request_id=${PR}&limit=100`, `/refunds?payment_request_id=${PR}&limit=100&after_id=rfd-99`]);
    } finally {
      await xendit.close();
    }
  });

  it('reports nothing when nothing succeeded, and does not ask for refunds of an unpaid request', async () => {
    const none = await stub('SUCCEEDED', [refund('rfd-1', 1_000, 'FAILED')]);
    try {
      assert.equal((await none.find())?.providerRefunds, undefined);
    } finally {
      await none.close();
    }
    const unpaid = await stub('PENDING', [refund('rfd-1', 1_000, 'SUCCEEDED')]);
    try {
      assert.equal((await unpaid.find())?.providerRefunds, undefined);
      assert.equal(
        unpaid.asked.some((u) => u.startsWith('/refunds')),
        false,
      );
    } finally {
      await unpaid.close();
    }
  });

  it('fails the look-up on a list it cannot trust: an entry for another request, or an amount that is not whole rupiah', async () => {
    for (const bad of [refund('rfd-x', 1_000, 'SUCCEEDED', 'pr-someone-else'), refund('rfd-y', 10.5, 'SUCCEEDED')]) {
      const xendit = await stub('SUCCEEDED', [bad]);
      try {
        await assert.rejects(xendit.find(), (err: unknown) => (err as { code?: string }).code === 'BAD_RESPONSE');
      } finally {
        await xendit.close();
      }
    }
  });
});
