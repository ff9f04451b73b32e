// Property-based tests at bayar's two untrusted edges: merchant request bodies and provider
// webhooks. Whatever arrives, validation answers (never throws), and what it lets through is
// something the rest of bayar can rely on.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PAYMENT_METHODS, type ChargeStatus } from '../../src/domain/payment.js';
import { PROVIDER_NAMES } from '../../src/providers/index.js';
import { createPaymentSchema, MAX_PAYMENT_IDR, refundSchema } from '../../src/payments/payments.schemas.js';
import { SignatureInvalid, WebhookMalformed, type ParsedWebhook, type RawWebhook } from '../../src/providers/provider.js';
import { XenditProvider } from '../../src/providers/xendit/index.js';
import { xenditEventToChargeStatus } from '../../src/providers/xendit/status.js';

const RUNS = 300;

const isRupiahAmount = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v > 0 && v <= MAX_PAYMENT_IDR;

// ---- arbitraries ----

/** Anything JavaScript can hand a validator, including odd prototypes and boxed values. */
const anyValue = fc.anything({
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withTypedArray: true,
  withUnicodeString: true,
  maxDepth: 4,
});

/** Amounts that must all be refused, and a few that must pass. */
const badAmount = fc.oneof(
  fc.constant(0),
  fc.integer({ max: -1 }),
  fc.double({ noInteger: true }),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, Number.MAX_SAFE_INTEGER + 2, 1e21),
  fc.integer({ min: MAX_PAYMENT_IDR + 1, max: Number.MAX_SAFE_INTEGER }),
  fc.constantFrom('NaN', '1000', '1e3', '', ' 1000', '0x10'),
  fc.constantFrom(null, true, [], {}, [1000], { value: 1000 }),
  fc.bigInt({ min: 1n, max: 10n ** 12n }),
);
const goodAmount = fc.integer({ min: 1, max: MAX_PAYMENT_IDR });
const anyAmount = fc.oneof(badAmount, goodAmount);

const printable = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 64 });
const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ unit: 'grapheme', maxLength: 80 }), printable);
const method = fc.oneof(fc.constantFrom(...PAYMENT_METHODS), fc.constantFrom('qris', 'BITCOIN', '', 'VA_BCA ', '__proto__', 'constructor'), anyText);

/** A deeply nested object, to make sure size and depth are not a way in. */
const nested = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, fc.jsonValue({ maxDepth: 1 }), fc.dictionary(fc.string(), tie('node'), { maxKeys: 6 }), fc.array(tie('node'), { maxLength: 6 })),
})).node;

const createLike = fc.record(
  {
    merchantReference: fc.oneof(printable, anyText, anyValue),
    amount: anyAmount,
    currency: fc.oneof(fc.constant('IDR'), fc.constantFrom('idr', 'USD', ''), anyValue),
    method,
    provider: fc.oneof(fc.constantFrom(...PROVIDER_NAMES), anyText),
    customer: fc.oneof(nested, fc.record({ name: anyText, email: anyText, phone: anyText }, { requiredKeys: [] })),
    expiresInMinutes: anyAmount,
    expiresInSeconds: anyAmount,
    callbackUrl: fc.oneof(fc.webUrl(), fc.constantFrom('javascript:alert(1)', 'ftp://x.example/', 'file:///etc/passwd', 'http://'), anyText),
    description: anyText,
    items: fc.oneof(nested, fc.array(fc.record({ name: anyText, quantity: anyAmount, price: anyAmount }), { maxLength: 5 })),
    extra: nested,
  },
  { requiredKeys: [] },
);

// A valid create body, built the way a careful merchant would.
const lowerAlnum = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'), minLength: min, maxLength: max });
const validItems = fc.array(fc.record({ name: fc.string({ minLength: 1, maxLength: 100 }), quantity: fc.integer({ min: 1, max: 10 }), price: fc.integer({ min: 1, max: 1_000_000 }) }), {
  minLength: 1,
  maxLength: 10,
});
const validCreate = fc
  .record(
    {
      merchantReference: printable,
      amount: goodAmount,
      currency: fc.constant('IDR' as const),
      method: fc.constantFrom(...PAYMENT_METHODS),
      provider: fc.constantFrom(...PROVIDER_NAMES),
      customer: fc.record(
        {
          name: fc.string({ minLength: 1, maxLength: 100 }),
          email: fc.tuple(lowerAlnum(1, 20), lowerAlnum(1, 12), fc.constantFrom('com', 'co.id', 'id', 'net')).map(([u, d, tld]) => `${u}@${d}.${tld}`),
          phone: fc.tuple(fc.boolean(), fc.stringMatching(/^[0-9]{8,15}$/)).map(([plus, digits]) => (plus ? '+' : '') + digits),
        },
        { requiredKeys: [] },
      ),
      expiry: fc.oneof(
        fc.constant({}),
        fc.integer({ min: 1, max: 60 * 24 * 180 }).map((m) => ({ expiresInMinutes: m })),
        fc.integer({ min: 1, max: 60 * 60 * 24 * 180 }).map((s) => ({ expiresInSeconds: s })),
      ),
      callbackUrl: fc.tuple(fc.constantFrom('http', 'https'), lowerAlnum(1, 20)).map(([scheme, path]) => `${scheme}://merchant.example.co.id/${path}`),
      description: fc.string({ maxLength: 255 }),
      items: validItems,
    },
    { requiredKeys: ['merchantReference', 'amount', 'method'] },
  )
  .map(({ expiry, items, ...body }) => ({
    ...body,
    ...(expiry ?? {}),
    // Items, when given, must add up to the amount.
    ...(items ? { items, amount: items.reduce((sum, i) => sum + i.price * i.quantity, 0) } : {}),
  }));

const refundLike = fc.record(
  {
    amount: anyAmount,
    reason: fc.oneof(anyText, anyValue),
    refundId: fc.oneof(lowerAlnum(1, 40), anyText, anyValue),
    extra: nested,
  },
  { requiredKeys: [] },
);

/** Runs a schema and turns an exception into a test failure that shows the input. */
function safeParse<T>(schema: { safeParse(v: unknown): T }, value: unknown): T {
  try {
    return schema.safeParse(value);
  } catch (err) {
    assert.fail(`safeParse threw ${String(err)}`);
  }
}

describe('createPaymentSchema (property-based)', () => {
  it('never throws on arbitrary values, and only lets through sound amounts and known methods', () => {
    fc.assert(
      fc.property(fc.oneof(anyValue, fc.jsonValue(), createLike, nested), (value) => {
        const result = safeParse(createPaymentSchema, value);
        if (result.success) {
          assert.ok(isRupiahAmount(result.data.amount), `amount ${String(result.data.amount)}`);
          assert.ok(PAYMENT_METHODS.includes(result.data.method));
          assert.equal(result.data.currency, 'IDR');
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('refuses every unsound amount in an otherwise valid body', () => {
    fc.assert(
      fc.property(validCreate, badAmount, (body, amount) => {
        assert.equal(safeParse(createPaymentSchema, { ...body, amount }).success, false);
      }),
      { numRuns: RUNS },
    );
  });

  it('refuses an unknown method and an unknown field', () => {
    fc.assert(
      fc.property(
        validCreate,
        anyText.filter((m) => !(PAYMENT_METHODS as readonly string[]).includes(m)),
        fc.string({ minLength: 1 }),
        (body, badMethod, key) => {
          assert.equal(safeParse(createPaymentSchema, { ...body, method: badMethod }).success, false);
          if (!(key in body) && !['__proto__'].includes(key)) assert.equal(safeParse(createPaymentSchema, { ...body, [key]: 1 }).success, false, key);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('accepts every valid body as given', () => {
    fc.assert(
      fc.property(validCreate, (body) => {
        const result = safeParse(createPaymentSchema, body);
        assert.ok(result.success, JSON.stringify(result.error?.issues));
        assert.equal(result.data.amount, body.amount);
        assert.equal(result.data.method, body.method);
        assert.equal(result.data.merchantReference, body.merchantReference);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('refundSchema (property-based)', () => {
  it('never throws, and only lets through a sound amount (or none), a reason and a safe refund id', () => {
    fc.assert(
      fc.property(fc.oneof(anyValue, fc.jsonValue(), refundLike), (value) => {
        const result = safeParse(refundSchema, value);
        if (result.success) {
          assert.ok(result.data.amount === undefined || isRupiahAmount(result.data.amount));
          assert.ok(typeof result.data.reason === 'string' && result.data.reason.length >= 1 && result.data.reason.length <= 255);
          assert.ok(result.data.refundId === undefined || /^[A-Za-z0-9_-]{1,40}$/.test(result.data.refundId));
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('accepts valid refunds', () => {
    const valid = fc.record({ amount: goodAmount, reason: fc.string({ minLength: 1, maxLength: 255 }), refundId: fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/) }, { requiredKeys: ['reason'] });
    fc.assert(
      fc.property(valid, (body) => {
        const result = safeParse(refundSchema, body);
        assert.ok(result.success, JSON.stringify(result.error?.issues));
        assert.deepEqual(result.data, { ...body }); // fast-check may hand a null-prototype record
      }),
      { numRuns: RUNS },
    );
  });
});

describe('XenditProvider.parseWebhook (property-based)', () => {
  const TOKEN = 'fuzz-callback-token-0123456789';
  const provider = new XenditProvider({ secretKey: 'xnd_development_fuzz', callbackToken: TOKEN, baseUrl: 'http://127.0.0.1:9', timeoutMs: 1000 });
  const CHARGE_STATUSES: readonly ChargeStatus[] = ['PENDING', 'PAID', 'EXPIRED', 'CANCELLED', 'FAILED', 'REFUNDED'];

  /** JSON text of a generated value (JSON has no bigint: it goes out as a plain number). */
  const toJson = (value: unknown) => JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)) ?? '';

  /** Event names: real ones, names that collide with Object.prototype, and noise. */
  const eventName = fc.oneof(
    fc.constantFrom('payment.capture', 'payment.succeeded', 'payment.failure', 'payment.failed', 'payment.expiry', 'payment_request.expiry', 'payment.authorization', 'refund.succeeded'),
    fc.constantFrom('constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__'),
    fc.string({ maxLength: 120 }),
  );
  /** Data of the right types, values free: what a verified but surprising notice carries. */
  const wellTypedData = fc.record(
    {
      id: fc.string({ maxLength: 40 }),
      payment_id: fc.string({ maxLength: 40 }),
      payment_request_id: fc.string({ maxLength: 40 }),
      reference_id: fc.string({ minLength: 1, maxLength: 255 }),
      status: fc.oneof(fc.constantFrom('SUCCEEDED', 'FAILED', 'EXPIRED', 'PENDING', 'constructor', '__proto__'), fc.string({ maxLength: 50 })),
      amount: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      failure_code: fc.option(fc.string({ maxLength: 40 }), { nil: null }),
    },
    { requiredKeys: ['reference_id', 'status'] },
  );
  /** Bodies shaped like Xendit's, with every field free to be wrong. */
  const xenditShaped = fc.record(
    {
      event: fc.oneof(eventName, anyValue),
      created: fc.oneof(
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        anyValue,
      ),
      business_id: anyText,
      data: fc.oneof(
        wellTypedData,
        fc.record(
          {
            id: fc.oneof(anyText, anyValue),
            payment_id: fc.oneof(anyText, anyValue),
            payment_request_id: fc.oneof(anyText, anyValue),
            reference_id: fc.oneof(fc.string({ minLength: 1, maxLength: 260 }), anyValue),
            status: fc.oneof(fc.constantFrom('SUCCEEDED', 'FAILED', 'EXPIRED', 'PENDING', 'constructor'), fc.string({ maxLength: 60 }), anyValue),
            amount: anyAmount,
            failure_code: fc.oneof(fc.constant(null), anyText, anyValue),
          },
          { requiredKeys: [] },
        ),
        anyValue,
      ),
    },
    { requiredKeys: [] },
  );
  const body = fc.oneof(
    fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)),
    fc.string({ unit: 'binary', maxLength: 512 }).map((s) => Buffer.from(s, 'utf8')),
    fc.json().map((s) => Buffer.from(s, 'utf8')),
    xenditShaped.map((v) => Buffer.from(toJson(v), 'utf8')),
  );
  const otherHeaders = fc.dictionary(fc.string({ maxLength: 30 }), fc.option(fc.string({ maxLength: 100 }), { nil: undefined }), { maxKeys: 5 });
  const webhookId = fc.option(fc.string({ maxLength: 100 }), { nil: undefined });

  function raw(headers: Record<string, string | undefined>, rawBody: Buffer): RawWebhook {
    return { headers, rawBody, path: '/webhooks/xendit' };
  }

  /** Parses, allowing only a result or bayar's two typed webhook errors. */
  function parseOrTypedError(webhook: RawWebhook): ParsedWebhook | SignatureInvalid | WebhookMalformed {
    try {
      return provider.parseWebhook(webhook);
    } catch (err) {
      if (err instanceof SignatureInvalid || err instanceof WebhookMalformed) return err;
      assert.fail(`parseWebhook threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
    }
  }

  function assertWellFormed(parsed: ParsedWebhook): void {
    if (parsed.kind === 'ignored') {
      assert.equal(typeof parsed.reason, 'string');
      return;
    }
    if (parsed.kind === 'charge-reference') {
      // A refund callback: named by a plausible Xendit id, and only a wake-up claiming a refund.
      assert.match(parsed.providerReference, /^[A-Za-z0-9_-]{1,255}$/);
      assert.equal(parsed.event.providerReference, parsed.providerReference);
      assert.ok(parsed.event.wakeOnly === true && parsed.event.chargeStatus === 'REFUNDED' && parsed.event.paidAmount === undefined && parsed.event.providerRefunds === undefined);
      assert.ok(typeof parsed.event.eventId === 'string' && parsed.event.eventId.length > 0, 'a usable dedupe key');
      return;
    }
    assert.equal(parsed.kind, 'payment');
    assert.ok(typeof parsed.paymentId === 'string' && parsed.paymentId.length > 0);
    const e = parsed.event;
    assert.ok(CHARGE_STATUSES.includes(e.chargeStatus), `chargeStatus ${String(e.chargeStatus)}`);
    assert.ok(typeof e.eventId === 'string' && e.eventId.length > 0, 'a usable dedupe key');
    assert.equal(e.source, 'webhook');
    assert.ok(e.paidAmount === undefined || (Number.isSafeInteger(e.paidAmount) && e.paidAmount >= 0));
    assert.ok(e.paidAmount === undefined || e.chargeStatus === 'PAID', 'only a payment carries a paid amount');
    assert.ok(e.chargeStatus !== 'PAID' || e.paidAmount !== undefined, 'a payment always says how much was paid');
  }

  it('with any headers and bytes: a well-formed result, SignatureInvalid or WebhookMalformed, nothing else', () => {
    const token = fc.oneof(fc.constant(TOKEN), fc.constant(undefined), fc.string({ maxLength: 60 }));
    fc.assert(
      fc.property(otherHeaders, token, webhookId, body, (headers, callbackToken, id, rawBody) => {
        const outcome = parseOrTypedError(raw({ ...headers, 'x-callback-token': callbackToken, 'webhook-id': id }, rawBody));
        if (!(outcome instanceof Error)) assertWellFormed(outcome);
      }),
      { numRuns: 500 },
    );
  });

  it('with the right token, parses Xendit-shaped bodies into valid events or refuses them as malformed', () => {
    fc.assert(
      fc.property(xenditShaped, webhookId, (value, id) => {
        const outcome = parseOrTypedError(raw({ 'x-callback-token': TOKEN, 'webhook-id': id }, Buffer.from(toJson(value), 'utf8')));
        assert.ok(!(outcome instanceof SignatureInvalid), 'the token was right');
        if (!(outcome instanceof Error)) assertWellFormed(outcome);
      }),
      { numRuns: 500 },
    );
  });

  it('with the right token and a well-typed body, any event name gives a known charge status or is ignored', () => {
    fc.assert(
      fc.property(eventName, wellTypedData, webhookId, (event, data, id) => {
        const outcome = parseOrTypedError(raw({ 'x-callback-token': TOKEN, 'webhook-id': id }, Buffer.from(toJson({ event, data }), 'utf8')));
        // `event` is at most 120 characters, but the schema caps it at 100; and a payment
        // notice must say how much was paid.
        if (outcome instanceof WebhookMalformed) return assert.ok(event.length > 100 || (xenditEventToChargeStatus(event) === 'PAID' && data.amount === undefined), outcome.message);
        assert.ok(!(outcome instanceof Error), String(outcome));
        assertWellFormed(outcome);
        if (outcome.kind === 'payment') assert.equal(outcome.paymentId, data.reference_id);
      }),
      { numRuns: RUNS },
    );
  });

  it('with a wrong or missing token, always SignatureInvalid, whatever the body', () => {
    const wrongToken = fc.option(
      fc.string({ maxLength: 60 }).filter((t) => t !== TOKEN),
      { nil: undefined },
    );
    fc.assert(
      fc.property(otherHeaders, wrongToken, body, (headers, callbackToken, rawBody) => {
        assert.throws(() => provider.parseWebhook(raw({ ...headers, 'x-callback-token': callbackToken }, rawBody)), SignatureInvalid);
      }),
      { numRuns: RUNS },
    );
  });
});
