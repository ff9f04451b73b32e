// Property-based tests of the Midtrans and DOKU webhook parsers (fuzz.test.ts does Xendit's):
// whatever bytes and headers arrive, parseWebhook answers with a well-formed event or one of
// bayar's two typed errors (401 SignatureInvalid, 400 WebhookMalformed), never anything else; a
// genuine signature over a body that is not a notification is WebhookMalformed; genuine,
// well-formed notifications parse into what they say; and nothing the signature does not cover
// can change what bayar acts on (a relabelled status, a stale DOKU Request-Timestamp).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import type { ChargeStatus } from '../../src/domain/payment.js';
import { parseJson } from '../../src/providers/http.js';
import { SignatureInvalid, WebhookMalformed, type ParsedWebhook, type PaymentProvider, type RawWebhook } from '../../src/providers/provider.js';
import { MidtransProvider } from '../../src/providers/midtrans/index.js';
import { notificationSchema as midtransNotificationSchema, parseGrossAmount } from '../../src/providers/midtrans/schemas.js';
import { midtransStatusToChargeStatus } from '../../src/providers/midtrans/status.js';
import { DokuProvider } from '../../src/providers/doku/index.js';
import { notificationSchema as dokuNotificationSchema, parseAmount } from '../../src/providers/doku/schemas.js';
import { dokuStatusToChargeStatus } from '../../src/providers/doku/status.js';

const RUNS = 300;
const CHARGE_STATUSES: readonly ChargeStatus[] = ['PENDING', 'PAID', 'EXPIRED', 'CANCELLED', 'FAILED', 'REFUNDED'];

// ---- shared arbitraries ----

/** Anything JavaScript can put in a JSON document, with unicode and odd numbers. */
const jsonish = fc.jsonValue({ maxDepth: 3 });
const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ unit: 'grapheme', maxLength: 60 }), fc.string({ maxLength: 60 }));
/** Values of the wrong type for a string field. */
const notAString = fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }), fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }));
/** Names that collide with Object.prototype's members. */
const prototypeNames = fc.constantFrom('constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'isPrototypeOf');

/**
 * Raw bodies no parser should choke on: bytes (invalid UTF-8 included), unicode text, JSON, JSON
 * in UTF-16 or behind a byte-order mark, a huge document, and arrays or objects nested thousands deep.
 */
const hostileBody = fc.oneof(
  fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b)),
  fc.constantFrom(Buffer.from([0xc3, 0x28]), Buffer.from([0xff, 0xfe, 0xfd]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xf4, 0x90, 0x80, 0x80]), Buffer.alloc(0)),
  fc.string({ unit: 'binary', maxLength: 400 }).map((s) => Buffer.from(s, 'utf8')),
  fc.string({ unit: 'grapheme', maxLength: 200 }).map((s) => Buffer.from(s, 'utf8')),
  fc.json({ maxDepth: 4 }).map((s) => Buffer.from(s, 'utf8')),
  fc.json({ maxDepth: 2 }).map((s) => Buffer.from(s, 'utf16le')),
  fc.json({ maxDepth: 2 }).map((s) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(s, 'utf8')])),
  fc.integer({ min: 100_000, max: 300_000 }).map((n) => Buffer.from(`{"order_id":"${'a'.repeat(n)}","order":{"invoice_number":"${'b'.repeat(n)}"}}`)),
  fc.integer({ min: 1_000, max: 50_000 }).map((d) => Buffer.from('['.repeat(d) + ']'.repeat(d))),
  fc.integer({ min: 1_000, max: 20_000 }).map((d) => Buffer.from('{"a":'.repeat(d) + '1' + '}'.repeat(d))),
  fc.integer({ min: 1_000, max: 20_000 }).map((d) => Buffer.from('{"transaction":'.repeat(d))),
);

/** Header values as a proxy might pass them: missing, empty, unicode, very long. */
const headerValue = fc.option(
  fc.oneof(
    fc.string({ maxLength: 80 }),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.integer({ min: 1, max: 5000 }).map((n) => 'x'.repeat(n)),
  ),
  { nil: undefined },
);
const otherHeaders = fc.dictionary(fc.string({ maxLength: 30 }), headerValue, { maxKeys: 5 });

function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)) ?? '';
}

/** Parses, allowing only a result or bayar's two typed webhook errors. */
function parseOrTypedError(provider: PaymentProvider, webhook: RawWebhook): ParsedWebhook | SignatureInvalid | WebhookMalformed {
  try {
    return provider.parseWebhook(webhook);
  } catch (err) {
    if (err instanceof SignatureInvalid || err instanceof WebhookMalformed) return err;
    assert.fail(`parseWebhook threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
  }
}

/** What the webhook controller and the workflow rely on in a parsed notification. */
function assertWellFormed(parsed: ParsedWebhook): void {
  if (parsed.kind === 'ignored') {
    assert.equal(typeof parsed.reason, 'string');
    return;
  }
  assert.equal(parsed.kind, 'payment');
  assert.ok(typeof parsed.paymentId === 'string' && parsed.paymentId.length > 0);
  const e = parsed.event;
  assert.ok(CHARGE_STATUSES.includes(e.chargeStatus), `chargeStatus ${String(e.chargeStatus)}`);
  // A refund notice is never applied as it stands: at most it wakes the payment, whose status
  // look-up says what was refunded (refunds made in the provider's dashboard, issue 12 item 5).
  assert.ok(e.chargeStatus !== 'REFUNDED' || (e.wakeOnly === true && e.providerRefunds === undefined), 'a refund notice only wakes the payment');
  assert.ok(typeof e.eventId === 'string' && e.eventId.length > 0, 'a usable dedupe key');
  assert.equal(e.source, 'webhook');
  assert.ok(e.paidAmount === undefined || (Number.isSafeInteger(e.paidAmount) && e.paidAmount >= 0));
  assert.ok((e.paidAmount !== undefined) === (e.chargeStatus === 'PAID'), 'a payment, and only a payment, says how much was paid');
  assert.ok(e.occurredAt === undefined || !Number.isNaN(Date.parse(e.occurredAt)));
  assert.ok(typeof e.providerStatus === 'string');
  // Whatever else it carries must survive the trip into workflow history as JSON.
  assert.deepEqual(JSON.parse(JSON.stringify(e)), Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined)));
}

// ================================ Midtrans ================================

describe('MidtransProvider.parseWebhook (property-based)', () => {
  const SERVER_KEY = 'SB-Mid-server-fuzz-0123456789';
  const provider = new MidtransProvider({ serverKey: SERVER_KEY, baseUrl: 'http://127.0.0.1:9', timeoutMs: 1000 });

  /** Midtrans' documented formula, restated: SHA-512 hex of order_id + status_code + gross_amount + server key. */
  const sign = (n: { order_id: string; status_code: string; gross_amount: string }, key = SERVER_KEY) =>
    createHash('sha512')
      .update(n.order_id + n.status_code + n.gross_amount + key, 'utf8')
      .digest('hex');
  const raw = (body: Buffer | string, headers: Record<string, string | undefined> = {}): RawWebhook => ({
    headers: { 'content-type': 'application/json', ...headers },
    rawBody: Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'),
    path: '/webhooks/midtrans',
  });

  const transactionStatus = fc.oneof(
    fc.constantFrom('settlement', 'capture', 'pending', 'deny', 'failure', 'cancel', 'expire', 'refund', 'partial_refund', 'authorize', 'chargeback', 'partial_chargeback'),
    prototypeNames,
    fc.string({ minLength: 1, maxLength: 50 }),
  );
  const fraudStatus = fc.option(fc.oneof(fc.constantFrom('accept', 'challenge', 'deny'), prototypeNames, fc.string({ maxLength: 50 })), { nil: undefined });
  const statusCode = fc.oneof(fc.constantFrom('200', '201', '202', '407'), fc.stringMatching(/^\d{3}$/));
  const grossAmount = fc.oneof(
    fc.integer({ min: 0, max: 50_000_000_000 }).map((n) => `${n}.00`),
    fc.integer({ min: 0, max: 10_000_000 }).map(String),
    fc.constantFrom('100000.50', '-1.00', '1e5', '', ' 100.00', '00000.00', '999999999999999.00', '9999999999999999.00', 'NaN', '10.000,00', '١٠٠.٠٠'),
    fc.string({ maxLength: 32 }),
  );
  const midtransTime = fc.oneof(
    fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 19).replace('T', ' ')),
    fc.constantFrom('2024-02-30 25:61:61', '0000-00-00 00:00:00', '9999-12-31 23:59:59 +1400', ''),
    fc.string({ maxLength: 30 }),
  );
  /** A notification of the right shape, every value free (Midtrans may say anything it likes). */
  const wellTyped = fc.record(
    {
      order_id: fc.oneof(fc.stringMatching(/^pay_[0-9a-f]{24}$/), fc.string({ minLength: 1, maxLength: 100 }), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 25 })),
      status_code: statusCode,
      gross_amount: grossAmount,
      transaction_status: transactionStatus,
      fraud_status: fraudStatus,
      transaction_id: fc.option(fc.string({ maxLength: 100 }), { nil: undefined }),
      payment_type: fc.option(fc.constantFrom('bank_transfer', 'qris', 'gopay', 'cstore', 'echannel'), { nil: undefined }),
      transaction_time: fc.option(midtransTime, { nil: undefined }),
      settlement_time: fc.option(midtransTime, { nil: undefined }),
      status_message: fc.option(anyText, { nil: undefined }),
      currency: fc.option(fc.constantFrom('IDR', 'USD', ''), { nil: undefined }),
      extra: fc.option(jsonish, { nil: undefined }),
    },
    { requiredKeys: ['order_id', 'status_code', 'gross_amount', 'transaction_status'] },
  );
  const signed = wellTyped.map((n) => ({ ...n, signature_key: sign(n) }));

  /** One field of a signed notification given a value of the wrong type or size. */
  const schemaBreak = fc.oneof(
    fc.record({ key: fc.constantFrom('order_id', 'status_code', 'gross_amount', 'transaction_status'), value: fc.oneof(notAString, fc.constant(undefined)) }),
    fc.record({ key: fc.constantFrom('transaction_id', 'fraud_status', 'payment_type', 'transaction_time', 'settlement_time', 'status_message', 'currency', 'signature_key'), value: notAString }),
    fc.record({
      key: fc.constant('status_code'),
      value: fc.oneof(
        fc.constantFrom('20', '2000', ' 200', '2OO', ''),
        fc.string({ maxLength: 6 }).filter((s) => !/^\d{3}$/.test(s)),
      ),
    }),
    fc.record({ key: fc.constant('order_id'), value: fc.oneof(fc.constant(''), fc.string({ minLength: 101, maxLength: 300 })) }),
    fc.record({ key: fc.constant('transaction_status'), value: fc.oneof(fc.constant(''), fc.string({ minLength: 51, maxLength: 120 })) }),
    fc.record({ key: fc.constant('gross_amount'), value: fc.string({ minLength: 33, maxLength: 80 }) }),
  );

  it('with any bytes and headers: a well-formed result, SignatureInvalid or WebhookMalformed, nothing else', () => {
    const body = fc.oneof(
      hostileBody,
      wellTyped.map((n) => Buffer.from(toJson(n))),
      signed.map((n) => Buffer.from(toJson(n))),
    );
    fc.assert(
      fc.property(otherHeaders, body, (headers, rawBody) => {
        const outcome = parseOrTypedError(provider, raw(rawBody, headers));
        if (!(outcome instanceof Error)) assertWellFormed(outcome);
      }),
      { numRuns: 500 },
    );
  });

  it('a body that is not a notification is WebhookMalformed (400), signed or not', () => {
    fc.assert(
      fc.property(signed, schemaBreak, (n, { key, value }) => {
        const broken: Record<string, unknown> = { ...n, [key]: value };
        if (value === undefined) delete broken[key];
        assert.ok(!midtransNotificationSchema.safeParse(broken).success, 'the generator broke the shape');
        const outcome = parseOrTypedError(provider, raw(toJson(broken)));
        assert.ok(outcome instanceof WebhookMalformed, `${key}=${toJson(value)} → ${String(outcome)}`);
      }),
      { numRuns: RUNS },
    );
    fc.assert(
      fc.property(hostileBody, (rawBody) => {
        if (midtransNotificationSchema.safeParse(parseJson(rawBody.toString('utf8'))).success) return;
        assert.ok(parseOrTypedError(provider, raw(rawBody)) instanceof WebhookMalformed);
      }),
      { numRuns: RUNS },
    );
  });

  it('a genuine, well-formed notification parses into what it says, or is refused for saying more than was signed', () => {
    fc.assert(
      fc.property(signed, (n) => {
        const outcome = parseOrTypedError(provider, raw(toJson(n)));
        const status = midtransStatusToChargeStatus(n.transaction_status, n.fraud_status);
        // Only the signed status_code can vouch for an outcome: money needs 200, a final "not
        // paid" anything but 201 (pending).
        const vouched = status === 'PAID' ? n.status_code === '200' : ['FAILED', 'EXPIRED', 'CANCELLED'].includes(status) ? n.status_code !== '201' : true;
        if (!vouched) return assert.ok(outcome instanceof SignatureInvalid, `${n.transaction_status}/${n.fraud_status} with ${n.status_code}: ${String(outcome)}`);
        if (status === 'PAID' && parseGrossAmount(n.gross_amount) === undefined) return assert.ok(outcome instanceof WebhookMalformed, String(outcome));
        // bayar charges rupiah only: a notification in another currency is refused.
        if (status !== 'REFUNDED' && n.currency !== undefined && n.currency !== 'IDR') return assert.ok(outcome instanceof WebhookMalformed, String(outcome));
        assert.ok(!(outcome instanceof Error), String(outcome));
        assertWellFormed(outcome);
        if (status === 'REFUNDED') return assert.ok(outcome.kind === 'payment' && outcome.event.wakeOnly === true, 'a Midtrans refund notice only wakes the payment');
        assert.equal(outcome.kind, 'payment');
        if (outcome.kind !== 'payment') return;
        assert.equal(outcome.paymentId, n.order_id, 'the payment named in the signed order_id, no other');
        assert.equal(outcome.event.chargeStatus, status);
        if (status === 'PAID') assert.equal(outcome.event.paidAmount, parseGrossAmount(n.gross_amount));
      }),
      { numRuns: 500 },
    );
  });

  it('a genuine signature does not carry over to other signed values, another key, or a garbled signature', () => {
    const tamper = fc.oneof(
      fc.record({ key: fc.constant('order_id' as const), value: fc.string({ minLength: 1, maxLength: 100 }) }),
      fc.record({ key: fc.constant('status_code' as const), value: fc.stringMatching(/^\d{3}$/) }),
      fc.record({ key: fc.constant('gross_amount' as const), value: grossAmount }),
    );
    fc.assert(
      fc.property(signed, tamper, (n, { key, value }) => {
        fc.pre(n[key] !== value);
        assert.ok(parseOrTypedError(provider, raw(toJson({ ...n, [key]: value }))) instanceof SignatureInvalid);
      }),
      { numRuns: RUNS },
    );
    const badSignature = fc.oneof(
      fc.constant(undefined),
      fc.string({ maxLength: 200 }),
      fc.stringMatching(/^[0-9a-f]{128}$/),
      fc.string({ minLength: 1, maxLength: 40 }).map((key) => ({ otherKey: key })),
    );
    fc.assert(
      fc.property(wellTyped, badSignature, (n, bad) => {
        const signature_key = typeof bad === 'object' && bad ? sign(n, `${SERVER_KEY}-${bad.otherKey}`) : bad;
        fc.pre(signature_key !== sign(n));
        const body: Record<string, unknown> = { ...n, signature_key };
        if (signature_key === undefined) delete body.signature_key;
        assert.ok(parseOrTypedError(provider, raw(toJson(body))) instanceof SignatureInvalid);
      }),
      { numRuns: RUNS },
    );
  });

  it('upper-case hex of the genuine signature is the same bytes, and accepted; a relabelled pending notice is not', () => {
    const pending = { order_id: 'pay_0123456789abcdef01234567', status_code: '201', gross_amount: '150000.00', transaction_status: 'pending', transaction_id: 't-1' };
    const parsed = provider.parseWebhook(raw(toJson({ ...pending, signature_key: sign(pending).toUpperCase() })));
    assert.equal(parsed.kind === 'payment' && parsed.event.chargeStatus, 'PENDING');
    for (const claim of ['settlement', 'capture', 'expire', 'deny', 'cancel']) {
      assert.throws(() => provider.parseWebhook(raw(toJson({ ...pending, transaction_status: claim, signature_key: sign(pending) }))), SignatureInvalid, claim);
    }
  });
});

// ================================ DOKU ================================

describe('DokuProvider.parseWebhook (property-based)', () => {
  const CLIENT_ID = 'BRN-0001-fuzz';
  const SECRET = 'SK-fuzz-secret-0123456789';
  const PATH = '/webhooks/doku';
  const TOLERANCE_MS = 5 * 60_000;
  const provider = new DokuProvider({ clientId: CLIENT_ID, secretKey: SECRET, baseUrl: 'http://127.0.0.1:9', timeoutMs: 1000 });

  /** DOKU's published formula, restated independently of src/providers/doku/signature.ts. */
  function sign(h: { clientId: string; requestId: string; timestamp: string }, body: Buffer, key = SECRET, target = PATH): string {
    const digest = createHash('sha256').update(body).digest('base64');
    const text = `Client-Id:${h.clientId}\nRequest-Id:${h.requestId}\nRequest-Timestamp:${h.timestamp}\nRequest-Target:${target}\nDigest:${digest}`;
    return 'HMACSHA256=' + createHmac('sha256', key).update(text, 'utf8').digest('base64');
  }
  const stamp = (ms: number) => new Date(ms).toISOString().slice(0, 19) + 'Z';

  function signedRaw(body: Buffer, options: { requestId?: string; timestamp?: string; clientId?: string; key?: string; target?: string } = {}): RawWebhook {
    const h = { clientId: options.clientId ?? CLIENT_ID, requestId: options.requestId ?? 'fuzz-request-1', timestamp: options.timestamp ?? stamp(Date.now()) };
    return {
      headers: { 'content-type': 'application/json', 'client-id': h.clientId, 'request-id': h.requestId, 'request-timestamp': h.timestamp, signature: sign(h, body, options.key, options.target) },
      rawBody: body,
      path: PATH,
    };
  }

  // Up to DOKU's 128 characters (a longer one is refused as malformed once verified).
  const requestId = fc.oneof(fc.uuid(), fc.string({ minLength: 1, maxLength: 128 }), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 })).filter((id) => id.length <= 128);
  const dokuStatus = fc.oneof(fc.constantFrom('SUCCESS', 'PENDING', 'FAILED', 'EXPIRED', 'REFUNDED', 'TIMEOUT', 'REDIRECT', 'success'), prototypeNames, fc.string({ minLength: 1, maxLength: 50 }));
  const wireAmount = fc.oneof(
    fc.integer({ min: 0, max: 999_999_999_999 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer({ min: 0, max: 10_000_000 }).map((n) => `${n}`),
    fc.integer({ min: 0, max: 10_000_000 }).map((n) => `${n}.00`),
    fc.constantFrom('150000.50', '-1', '1e5', '', '150.000', '0x10'),
  );
  /** A notification of the right shape, every value free. */
  const wellTyped = fc.record(
    {
      service: fc.option(fc.record({ id: fc.string({ maxLength: 40 }) }), { nil: undefined }),
      acquirer: fc.option(fc.record({ id: fc.string({ maxLength: 40 }) }), { nil: undefined }),
      channel: fc.option(fc.record({ id: fc.string({ maxLength: 40 }) }), { nil: undefined }),
      transaction: fc.record(
        {
          status: dokuStatus,
          date: fc.oneof(
            fc.date({ noInvalidDate: true, min: new Date('2000-01-01'), max: new Date('2099-01-01') }).map((d) => stamp(d.getTime())),
            fc.string({ maxLength: 64 }),
          ),
          original_request_id: fc.string({ maxLength: 128 }),
        },
        { requiredKeys: ['status'] },
      ),
      order: fc.record({ invoice_number: fc.oneof(fc.stringMatching(/^pay_[0-9a-f]{24}$/), fc.string({ minLength: 1, maxLength: 64 })), amount: wireAmount }),
      virtual_account_info: fc.option(fc.record({ virtual_account_number: fc.string({ maxLength: 20 }) }), { nil: undefined }),
      extra: fc.option(jsonish, { nil: undefined }),
    },
    { requiredKeys: ['transaction', 'order'] },
  );

  it('with any bytes and any (or no) headers: a well-formed result, SignatureInvalid or WebhookMalformed, nothing else', () => {
    const dokuHeaders = fc.record(
      { 'client-id': fc.oneof(fc.constant(CLIENT_ID), headerValue), 'request-id': headerValue, 'request-timestamp': fc.oneof(fc.constant(stamp(Date.now())), headerValue), signature: headerValue },
      { requiredKeys: [] },
    );
    const body = fc.oneof(
      hostileBody,
      wellTyped.map((n) => Buffer.from(toJson(n))),
    );
    fc.assert(
      fc.property(otherHeaders, dokuHeaders, body, (other, headers, rawBody) => {
        const outcome = parseOrTypedError(provider, { headers: { ...other, ...headers }, rawBody, path: PATH });
        if (!(outcome instanceof Error)) assertWellFormed(outcome);
      }),
      { numRuns: 500 },
    );
  });

  it('a genuine signature over anything that is not a notification is WebhookMalformed (400)', () => {
    const notANotification = fc.oneof(
      hostileBody,
      jsonish.map((v) => Buffer.from(toJson(v))),
      wellTyped.chain((n) =>
        fc
          .oneof(
            fc.constant({ ...n, order: { ...n.order, invoice_number: '' } }),
            notAString.map((v) => ({ ...n, order: { ...n.order, invoice_number: v } })),
            fc.string({ minLength: 65, maxLength: 200 }).map((v) => ({ ...n, order: { ...n.order, invoice_number: v } })),
            fc.oneof(fc.boolean(), fc.constant(null), fc.string({ minLength: 33, maxLength: 60 })).map((v) => ({ ...n, order: { ...n.order, amount: v } })),
            fc.oneof(notAString, fc.constant(''), fc.string({ minLength: 51, maxLength: 80 })).map((v) => ({ ...n, transaction: { ...n.transaction, status: v } })),
            notAString.map((v) => ({ ...n, transaction: v })),
            notAString.map((v) => ({ ...n, order: v })),
          )
          .map((v) => Buffer.from(toJson(v))),
      ),
    );
    fc.assert(
      fc.property(notANotification, requestId, (rawBody, id) => {
        if (dokuNotificationSchema.safeParse(parseJson(rawBody.toString('utf8'))).success) return;
        const outcome = parseOrTypedError(provider, signedRaw(rawBody, { requestId: id }));
        assert.ok(outcome instanceof WebhookMalformed, String(outcome));
      }),
      { numRuns: RUNS },
    );
  });

  it('a genuine, fresh, well-formed notification parses into what it says, keyed by its Request-Id', () => {
    fc.assert(
      fc.property(wellTyped, requestId, (n, id) => {
        const outcome = parseOrTypedError(provider, signedRaw(Buffer.from(toJson(n)), { requestId: id }));
        const status = dokuStatusToChargeStatus(n.transaction.status);
        if (status === 'PAID' && parseAmount(n.order.amount) === undefined) return assert.ok(outcome instanceof WebhookMalformed, String(outcome));
        assert.ok(!(outcome instanceof Error), String(outcome));
        assertWellFormed(outcome);
        if (status === 'REFUNDED') return assert.equal(outcome.kind, 'ignored');
        if (outcome.kind !== 'payment') return assert.fail('a payment notification');
        assert.equal(outcome.paymentId, n.order.invoice_number);
        assert.equal(outcome.event.eventId, id, "DOKU's Request-Id is the dedupe key");
        assert.equal(outcome.event.chargeStatus, status);
        if (status === 'PAID') assert.equal(outcome.event.paidAmount, parseAmount(n.order.amount));
      }),
      { numRuns: 500 },
    );
  });

  it("takes a genuine notification stamped any time in the past (DOKU's retries, Back Office resends); refuses one stamped beyond the tolerance ahead", () => {
    const body = Buffer.from(toJson({ transaction: { status: 'SUCCESS' }, order: { invoice_number: 'pay_0123456789abcdef01234567', amount: 150_000 } }));
    // Whether DOKU re-stamps a retry is not published (README.md): age alone refuses nothing.
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400 * 24 * 3_600_000 }), (offset) => {
        const timestamp = stamp(Date.now() - offset);
        const outcome = parseOrTypedError(provider, signedRaw(body, { timestamp }));
        assert.equal(!(outcome instanceof Error) && outcome.kind, 'payment', `${timestamp}: ${String(outcome)}`);
      }),
      { numRuns: RUNS },
    );
    // DOKU cannot have stamped a notification in the future.
    fc.assert(
      fc.property(fc.integer({ min: TOLERANCE_MS + 2_000, max: 400 * 24 * 3_600_000 }), (offset) => {
        const timestamp = stamp(Date.now() + offset);
        assert.ok(parseOrTypedError(provider, signedRaw(body, { timestamp })) instanceof SignatureInvalid, timestamp);
      }),
      { numRuns: RUNS },
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: TOLERANCE_MS - 2_000 }), (offset) => {
        const timestamp = stamp(Date.now() + offset);
        const outcome = parseOrTypedError(provider, signedRaw(body, { timestamp }));
        assert.equal(!(outcome instanceof Error) && outcome.kind, 'payment', `${timestamp}: ${String(outcome)}`);
      }),
      { numRuns: 100 },
    );
    // A genuine signature over a Request-Timestamp that is not a time at all is still refused.
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('2024-13-01T00:00:00Z', '2024-07-04 03:53:53', '1720065233', '2024-07-04T03:53:53')), (timestamp) => {
        fc.pre(Number.isNaN(Date.parse(timestamp)) || !/(?:Z|[+-]\d{2}:\d{2})$/.test(timestamp));
        assert.ok(parseOrTypedError(provider, signedRaw(body, { timestamp })) instanceof SignatureInvalid, timestamp);
      }),
      { numRuns: RUNS },
    );
  });

  it('the tolerance ahead is configurable', () => {
    const body = Buffer.from(toJson({ transaction: { status: 'PENDING' }, order: { invoice_number: 'pay_0123456789abcdef01234567', amount: 1 } }));
    const ahead = signedRaw(body, { timestamp: stamp(Date.now() + 60 * 60_000) });
    assert.throws(() => provider.parseWebhook(ahead), SignatureInvalid);
    const lenient = new DokuProvider({ clientId: CLIENT_ID, secretKey: SECRET, baseUrl: 'http://127.0.0.1:9', timeoutMs: 1000, notificationToleranceMs: 13 * 3_600_000 });
    assert.equal(lenient.parseWebhook(ahead).kind, 'payment');
    const strict = new DokuProvider({ clientId: CLIENT_ID, secretKey: SECRET, baseUrl: 'http://127.0.0.1:9', timeoutMs: 1000, notificationToleranceMs: 10_000 });
    assert.throws(() => strict.parseWebhook(signedRaw(body, { timestamp: stamp(Date.now() + 30_000) })), SignatureInvalid);
    assert.equal(strict.parseWebhook(signedRaw(body, { timestamp: stamp(Date.now() - 30 * 86_400_000) })).kind, 'payment', 'the past is never refused');
  });

  it('a genuine signature does not carry over to another body, header, path, key or Client-Id; a missing header is 401', () => {
    const parts = fc.record({ n: wellTyped, id: requestId });
    const change = fc.constantFrom('body', 'request-id', 'request-timestamp', 'client-id', 'key', 'target', 'missing');
    fc.assert(
      fc.property(parts, change, fc.nat(), fc.constantFrom('client-id', 'request-id', 'request-timestamp', 'signature'), ({ n, id }, what, at, header) => {
        const body = Buffer.from(toJson(n));
        let webhook: RawWebhook;
        switch (what) {
          case 'body': {
            // One byte changed anywhere: the digest no longer matches.
            const copy = Buffer.from(body);
            copy[at % copy.length] = (copy[at % copy.length]! + 1) % 256;
            webhook = { ...signedRaw(body, { requestId: id }), rawBody: copy };
            break;
          }
          case 'request-id':
          case 'request-timestamp':
          case 'client-id': {
            const genuine = signedRaw(body, { requestId: id });
            const replaced = what === 'request-timestamp' ? stamp(Date.now() - 1000) : `${genuine.headers[what]}x`;
            fc.pre(replaced !== genuine.headers[what]);
            webhook = { ...genuine, headers: { ...genuine.headers, [what]: replaced } };
            break;
          }
          case 'key':
            webhook = signedRaw(body, { requestId: id, key: `${SECRET}-guess` });
            break;
          case 'target':
            webhook = signedRaw(body, { requestId: id, target: '/payments/notifications' });
            break;
          default: {
            const genuine = signedRaw(body, { requestId: id });
            webhook = { ...genuine, headers: { ...genuine.headers, [header]: undefined } };
          }
        }
        assert.ok(parseOrTypedError(provider, webhook) instanceof SignatureInvalid, what);
      }),
      { numRuns: RUNS },
    );
    // Another DOKU account, signing correctly with its own secret, is not us either.
    const body = Buffer.from(toJson({ transaction: { status: 'SUCCESS' }, order: { invoice_number: 'pay_0123456789abcdef01234567', amount: 1 } }));
    assert.throws(() => provider.parseWebhook(signedRaw(body, { clientId: 'BRN-0002-another-merchant', key: 'SK-another-merchant' })), SignatureInvalid);
  });
});
