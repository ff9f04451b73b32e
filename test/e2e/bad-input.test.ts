// Bad input, end to end on the real stack (Temporal dev server, sandboxes, worker, API as
// processes). Fuzzed HTTP (fast-check, bounded) at every untrusted door — POST /v1/payments,
// POST /v1/payments/:id/refunds, GET /v1/payments, POST /webhooks/:provider — is answered with a
// 4xx problem (or a provider's documented acknowledgement), never a 5xx, and changes nothing:
// the payment views, the sandboxes' ledgers and the number of payments are the same afterwards.
// Then replay and forgery per provider (a signature moved to another body or payment, a missing
// one, another merchant account's, a DOKU timestamp from the future, an identical replay), and tenancy:
// another merchant cannot read, list, cancel or refund a payment, even knowing its id.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { OTHER_MERCHANT_KEY, startMerchantReceiver, acquireTestStack, releaseTestStack, uniqueRef, API_KEY, type TestStack } from '../helpers/stack.js';
import { SANDBOX_PORT_OFFSETS } from '../../src/config/config.js';
import { DEV_DEFAULTS } from '../../src/sandbox/dev-defaults.js';
import { PAYMENT_METHODS, type PaymentView, type ProviderName } from '../../src/domain/payment.js';
import { PROVIDER_NAMES } from '../../src/providers/index.js';
import { duplicatesAbsorbed, webhookOutcomes } from '../helpers/provider-suite.js';
import { eventually } from '../helpers/wait.js';
import type { LedgerEntry } from '../../src/sandbox/kit.js';

/** Runs per property: enough to find the odd one out, few enough to finish in seconds. */
const RUNS = 150;
const WAIT_MS = 30_000;
const XENDIT_TOKEN = DEV_DEFAULTS.xendit.callbackToken;
const MIDTRANS_KEY = DEV_DEFAULTS.midtrans.serverKey;
const { clientId: DOKU_CLIENT_ID, secretKey: DOKU_SECRET } = DEV_DEFAULTS.doku;
const OFFSETS = [SANDBOX_PORT_OFFSETS.xendit, SANDBOX_PORT_OFFSETS.midtrans, SANDBOX_PORT_OFFSETS.doku];
const PAYMENT_ID = /^pay_[0-9a-f]{24}$/;

// ---- signing, restated from the providers' published formulas ----

const midtransSignature = (orderId: string, statusCode: string, grossAmount: string, key: string = MIDTRANS_KEY) =>
  createHash('sha512')
    .update(orderId + statusCode + grossAmount + key)
    .digest('hex');

const dokuStamp = (ms: number) => new Date(ms).toISOString().slice(0, 19) + 'Z';
function dokuHeaders(body: string | Buffer, options: { requestId?: string; timestamp?: string; clientId?: string; key?: string } = {}): Record<string, string> {
  const clientId = options.clientId ?? DOKU_CLIENT_ID;
  const requestId = options.requestId ?? randomUUID();
  const timestamp = options.timestamp ?? dokuStamp(Date.now());
  const digest = createHash('sha256').update(body).digest('base64');
  const text = `Client-Id:${clientId}\nRequest-Id:${requestId}\nRequest-Timestamp:${timestamp}\nRequest-Target:/webhooks/doku\nDigest:${digest}`;
  return {
    'client-id': clientId,
    'request-id': requestId,
    'request-timestamp': timestamp,
    signature:
      'HMACSHA256=' +
      createHmac('sha256', options.key ?? DOKU_SECRET)
        .update(text)
        .digest('base64'),
  };
}

// ---- arbitraries ----

const printable = (min: number, max: number) => fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: min, maxLength: max });
/** Nested JSON, sometimes deep. */
const nested = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, fc.jsonValue({ maxDepth: 1 }), fc.dictionary(fc.string({ maxLength: 10 }), tie('node'), { maxKeys: 4 }), fc.array(tie('node'), { maxLength: 4 })),
})).node;
const unicode = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 });
const wrongType = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
);

/** Amounts bayar's own schema refuses (as JSON: NaN and Infinity travel as null). */
const badAmount = fc.oneof(
  fc.constant(0),
  fc.integer({ max: -1 }),
  fc.double({ noInteger: true, noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: 1_000_000_001, max: Number.MAX_SAFE_INTEGER }),
  fc.constantFrom(1e21, 1e300, -0.5, 0.1, 999_999_999.5, 1_000_000_000.000_1),
  fc.constantFrom('10000', '1e5', '', 'NaN', ' 10000', '0x2710', '١٠٠٠٠'),
  fc.constantFrom(null, true, false, [], {}, [10_000], { value: 10_000 }),
);

/** A buffer that prints as its size in a counterexample, not as a few hundred thousand numbers. */
function bytes(buffer: Buffer): Buffer {
  return buffer.length <= 2_000 ? buffer : Object.assign(buffer, { [fc.toStringMethod]: () => `<${buffer.length} bytes: ${buffer.subarray(0, 60).toString('utf8')}…>` });
}

/** Raw bodies no API should answer with a 5xx. */
const hostileBytes = fc.oneof(
  fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b)),
  fc.constantFrom(
    Buffer.from([0xc3, 0x28]),
    Buffer.from([0xff, 0xfe, 0xfd]),
    Buffer.from('{"a":"\xed\xa0\x80"}', 'latin1'),
    Buffer.from('null'),
    Buffer.from('"x"'),
    Buffer.from('42'),
    Buffer.from('[]'),
    Buffer.from('{'),
    Buffer.alloc(0),
  ),
  fc.string({ unit: 'binary', maxLength: 300 }).map((s) => Buffer.from(s, 'utf8')),
  fc.json({ maxDepth: 3 }).map((s) => Buffer.from(s, 'utf8')),
  fc.json({ maxDepth: 2 }).map((s) => Buffer.from(s, 'utf16le')),
  fc.json({ maxDepth: 2 }).map((s) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(s)])),
  fc.integer({ min: 1_000, max: 20_000 }).map((d) => bytes(Buffer.from('['.repeat(d) + ']'.repeat(d)))),
  fc.integer({ min: 1_000, max: 10_000 }).map((d) => bytes(Buffer.from('{"a":'.repeat(d) + '1' + '}'.repeat(d)))),
  fc.integer({ min: 70_000, max: 400_000 }).map((n) => bytes(Buffer.from(`{"merchantReference":"${'a'.repeat(n)}","reason":"x"}`))),
);

/** Content types and encodings a confused or hostile client sends. */
const contentHeaders: fc.Arbitrary<Record<string, string>> = fc.oneof(
  { weight: 6, arbitrary: fc.constant<Record<string, string>>({ 'content-type': 'application/json' }) },
  fc.constantFrom<Record<string, string>>(
    {},
    { 'content-type': 'text/plain' },
    { 'content-type': 'application/json; charset=utf-16' },
    { 'content-type': 'application/json; charset=latin1' },
    { 'content-type': 'application/x-www-form-urlencoded' },
    { 'content-type': 'multipart/form-data; boundary=x' },
    { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    { 'content-type': 'application/json', 'content-encoding': 'br' },
    { 'content-type': 'application/json', 'content-encoding': 'x-unknown' },
  ),
);

/** Extra headers: names from a small set of interesting ones, values printable. */
const extraHeaders = fc.dictionary(
  fc.oneof(
    fc.constantFrom('idempotency-key', 'x-forwarded-for', 'x-callback-token', 'webhook-id', 'client-id', 'request-id', 'request-timestamp', 'signature', 'x-http-method-override'),
    fc.stringMatching(/^x-[a-z0-9-]{1,20}$/),
  ),
  fc.oneof(printable(0, 80), fc.constantFrom('', ' ', '\t', 'x'.repeat(2000))),
  { maxKeys: 4 },
);

// ---- HTTP ----

interface Answer {
  status: number;
  contentType: string;
  json: any;
  text: string;
}

async function http(url: string, method: string, body: Buffer | string | undefined, headers: Record<string, string>): Promise<Answer> {
  const res = await fetch(url, { method, headers, body });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', json, text };
}

/** A refusal: 4xx, problem+json with a code, no stack or internals. */
function assertRefused(answer: Answer, what: string): void {
  assert.ok(answer.status >= 400 && answer.status < 500, `${what} → ${answer.status} ${answer.text.slice(0, 300)}`);
  assert.match(answer.contentType, /application\/problem\+json/, `${what} → ${answer.contentType}`);
  assert.equal(typeof answer.json?.code, 'string', `${what}: a machine-readable code`);
  assert.doesNotMatch(answer.text, /at \w+ \(|node:internal|\/src\//, `${what}: no internals leak`);
}

/** Either body form, encoded as JSON or as the bytes given; gzip when the headers say so and it is JSON. */
function encode(body: unknown, headers: Record<string, string>): Buffer | undefined {
  if (body === undefined) return undefined;
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body) ?? 'null');
  return headers['content-encoding'] === 'gzip' && !Buffer.isBuffer(body) ? gzipSync(bytes) : bytes;
}

describe('bad input over HTTP (real Temporal, real sandboxes)', () => {
  let stack: TestStack;
  let merchant: Awaited<ReturnType<typeof startMerchantReceiver>>;
  /** Payments that must come out of every fuzz run exactly as they went in. */
  const witnesses: Record<string, PaymentView> = {};
  let settledQris: PaymentView;
  let settledVa: PaymentView;
  let otherPending: PaymentView;

  before(async () => {
    // No status polls while the tests run (each poll of a pending payment adds a timeline line):
    // payments here settle by notification, and the witnesses must not move.
    stack = await acquireTestStack({ env: { BAYAR_POLL_SCHEDULE: '1h' } });
    merchant = await startMerchantReceiver();
    const create = async (body: Record<string, unknown>, key = API_KEY) => {
      const res = await stack.api('POST', '/v1/payments', { merchantReference: uniqueRef('fz'), callbackUrl: merchant.url, ...body }, { key });
      assert.equal(res.status, 201, res.text);
      return res.json as PaymentView;
    };
    const [px, pm, pd, bx, q, va] = await Promise.all([
      create({ amount: 41_000, method: 'QRIS', provider: 'xendit' }),
      create({ amount: 42_000, method: 'VA_BNI', provider: 'midtrans' }),
      create({ amount: 43_000, method: 'VA_BCA', provider: 'doku' }),
      create({ amount: 44_000, method: 'VA_BCA', provider: 'xendit' }, OTHER_MERCHANT_KEY),
      create({ amount: 80_000, method: 'QRIS', provider: 'xendit' }),
      create({ amount: 81_000, method: 'VA_BRI', provider: 'xendit' }),
    ]);
    await Promise.all([stack.pay(q.id), stack.pay(va.id)]);
    // Settled, and the merchant told (that comes after SETTLED): from here on nothing may move them.
    settledQris = await stack.waitFor(q.id, (p) => p.status === 'SETTLED' && p.merchantNotified, WAIT_MS);
    settledVa = await stack.waitFor(va.id, (p) => p.status === 'SETTLED' && p.merchantNotified, WAIT_MS);
    otherPending = bx;
    Object.assign(witnesses, { px, pm, pd, q: settledQris, va: settledVa });
  });
  after(async () => {
    await releaseTestStack(stack);
    await merchant?.close();
  });

  // ---- state, before and after ----

  const viewOf = async (id: string, key = API_KEY) => (await stack.api('GET', `/v1/payments/${id}`, undefined, { key })).json as PaymentView;
  const ledgers = async () =>
    Promise.all(OFFSETS.map(async (o) => ((await stack.sandbox('GET', '/_sandbox/ledger', undefined, o)).json.charges as LedgerEntry[]).sort((a, b) => a.reference.localeCompare(b.reference))));
  /** All of a merchant's payment ids, through the list endpoint (every page). */
  async function listIds(key: string, query = ''): Promise<string[]> {
    const ids: string[] = [];
    let token: string | undefined;
    do {
      const res = await stack.api('GET', `/v1/payments?limit=100${query}${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`, undefined, { key });
      assert.equal(res.status, 200, res.text);
      ids.push(...res.json.items.map((i: { id: string }) => i.id));
      token = res.json.nextPageToken;
    } while (token);
    return ids.sort();
  }
  /** Waits until visibility lists every payment in `expected` (it lags a second or so). */
  async function listed(key: string, expected: string[]): Promise<string[]> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const ids = await listIds(key);
      if (expected.every((id) => ids.includes(id)) || Date.now() > deadline) return ids;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  // Poll lines are bayar's own doing, not the input's; everything else must stay as it was.
  const summary = (p: PaymentView) => ({
    status: p.status,
    amounts: p.amounts,
    refunds: p.refunds.length,
    timeline: p.timeline.filter((t) => t.source !== 'poll').map((t) => `${t.source}:${t.type}:${t.detail ?? ''}`),
  });
  async function snapshot() {
    const views = Object.fromEntries(await Promise.all(Object.entries(witnesses).map(async ([k, p]) => [k, summary(await viewOf(p.id))] as const)));
    const other = summary(await viewOf(otherPending.id, OTHER_MERCHANT_KEY));
    return {
      views,
      other,
      ledgers: await ledgers(),
      mine: await listed(
        API_KEY,
        Object.values(witnesses).map((p) => p.id),
      ),
      theirs: await listed(OTHER_MERCHANT_KEY, [otherPending.id]),
    };
  }
  /** Runs `fuzz`, then checks that nothing anywhere changed (after visibility had time to catch up). */
  async function changesNothing(fuzz: () => Promise<void>): Promise<void> {
    const before = await snapshot();
    await fuzz();
    await new Promise((r) => setTimeout(r, 1500));
    const after = await snapshot();
    assert.deepEqual(after.views, before.views, 'payment views unchanged');
    assert.deepEqual(after.other, before.other, "the other merchant's payment unchanged");
    assert.deepEqual(after.ledgers, before.ledgers, 'nothing reached a provider');
    assert.deepEqual(after.mine, before.mine, 'no payment started');
    assert.deepEqual(after.theirs, before.theirs, 'no payment started for the other merchant');
  }

  // ================================ fuzzed HTTP ================================

  it('POST /v1/payments: fuzzed bodies, types, encodings, sizes and amounts are all 4xx problems, and start nothing', { timeout: 120_000 }, async () => {
    const validBase = fc.record({
      merchantReference: fc.stringMatching(/^fz-[a-z0-9]{6,20}$/),
      amount: fc.integer({ min: 10_000, max: 5_000_000 }),
      method: fc.constantFrom('VA_BCA', 'VA_BNI', 'QRIS', 'RETAIL_INDOMARET'),
    });
    const KNOWN = ['merchantReference', 'amount', 'currency', 'method', 'provider', 'customer', 'expiresInMinutes', 'expiresInSeconds', 'callbackUrl', 'description', 'items'];
    // Each corruption alone makes an otherwise valid body invalid.
    const corruption = fc.oneof(
      badAmount.map((amount) => ({ amount })),
      // Beyond a provider's own limit for the method (Xendit: QRIS ≤ 10,000,000, Alfamart 10,000–5,000,000).
      fc.integer({ min: 10_000_001, max: 1_000_000_000 }).map((amount) => ({ amount, method: 'QRIS', provider: 'xendit' })),
      fc.oneof(fc.integer({ min: 1, max: 9_999 }), fc.integer({ min: 5_000_001, max: 1_000_000_000 })).map((amount) => ({ amount, method: 'RETAIL_ALFAMART', provider: 'xendit' })),
      fc
        .record({ key: fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), unicode, fc.constantFrom('__proto__', 'constructor', 'prototype', 'Amount', 'amount ')), value: nested })
        .filter(({ key }) => !KNOWN.includes(key))
        .map(({ key, value }) => ({ [key]: value })),
      fc.oneof(wrongType, fc.constant(''), printable(65, 100), fc.constantFrom('with space', 'tab\there', 'ümlaut', '日本語')).map((merchantReference) => ({ merchantReference })),
      fc
        .oneof(
          wrongType,
          fc.string({ maxLength: 30 }).filter((m) => !(PAYMENT_METHODS as readonly string[]).includes(m)),
          fc.constantFrom('qris', 'QRIS ', 'BITCOIN', '__proto__'),
        )
        .map((method) => ({ method })),
      fc.oneof(wrongType, fc.constantFrom('idr', 'USD', '', 'IDR ')).map((currency) => ({ currency })),
      fc
        .oneof(
          wrongType,
          fc.string({ maxLength: 20 }).filter((p) => !(PROVIDER_NAMES as readonly string[]).includes(p)),
        )
        .map((provider) => ({ provider })),
      fc
        .oneof(
          wrongType.filter((v) => v !== null && (typeof v !== 'object' || Array.isArray(v))),
          fc.constantFrom({ email: 'not-an-email' }, { phone: '12' }, { phone: '+62 812 3456 7890' }, { name: '' }, { name: 'x'.repeat(101) }, { nik: '3171234567890123' }),
        )
        .map((customer) => ({ customer })),
      fc
        .oneof(
          fc.constantFrom(0, -1, 1.5, 60 * 24 * 180 + 1, '60'),
          wrongType.filter((v) => !Number.isInteger(v) || (v as number) <= 0),
        )
        .map((expiresInMinutes) => ({ expiresInMinutes })),
      fc.constant({ expiresInMinutes: 10, expiresInSeconds: 600 }),
      fc
        .oneof(fc.constantFrom('javascript:alert(1)', 'ftp://merchant.example/', 'file:///etc/passwd', 'http://', 'merchant.example.co.id/cb', `https://m.example/${'a'.repeat(2100)}`), wrongType)
        .map((callbackUrl) => ({ callbackUrl })),
      fc.string({ minLength: 256, maxLength: 400 }).map((description) => ({ description })),
      fc.integer({ min: 1, max: 1000 }).map((extra) => ({ items: [{ name: 'Item', quantity: 1, price: 10_000 + extra }], amount: 10_000 })),
      fc
        .oneof(wrongType, fc.constant([{ name: 'Item', quantity: 0, price: 10_000 }]), fc.constant([{ name: 'Item', quantity: 1, price: 10_000, sku: 'x' }]))
        .map((items) => ({ items, amount: 10_000 })),
    );
    const body = fc.oneof(
      { weight: 5, arbitrary: fc.tuple(validBase, corruption).map(([b, c]) => ({ ...b, ...c }) as unknown) },
      { weight: 2, arbitrary: hostileBytes as fc.Arbitrary<unknown> },
      { weight: 1, arbitrary: fc.oneof(nested, fc.jsonValue()) as fc.Arbitrary<unknown> },
      // A valid body sent the wrong way: not JSON, or a JSON document that is not an object.
      { weight: 1, arbitrary: validBase.map((b) => Buffer.from(new URLSearchParams(Object.entries(b).map(([k, v]) => [k, String(v)] as [string, string])).toString())) as fc.Arbitrary<unknown> },
    );
    const auth = fc.oneof({ weight: 8, arbitrary: fc.constant(`Bearer ${API_KEY}`) }, fc.constantFrom('', 'Bearer', `Basic ${API_KEY}`, `Bearer ${API_KEY}x`, 'Bearer sk_test_guess'));
    const idempotencyKey = fc.option(fc.oneof(printable(1, 64), fc.constantFrom('', ' ', 'x'.repeat(65), 'with space')), { nil: undefined });
    await changesNothing(async () => {
      await fc.assert(
        fc.asyncProperty(body, contentHeaders, extraHeaders, auth, idempotencyKey, async (b, content, extra, authorization, key) => {
          const headers: Record<string, string> = { ...extra, ...content, authorization, ...(key === undefined ? {} : { 'idempotency-key': key }) };
          const answer = await http(`${stack.apiUrl}/v1/payments`, 'POST', encode(b, headers), headers);
          assertRefused(answer, `create ${JSON.stringify(headers).slice(0, 200)} ${String(Buffer.isBuffer(b) ? `<${b.length} bytes>` : JSON.stringify(b)).slice(0, 300)}`);
        }),
        { numRuns: RUNS * 2 },
      );
    });
  });

  it('POST /v1/payments/:id/refunds: fuzzed bodies and ids are all 4xx problems, and refund nothing', { timeout: 120_000 }, async () => {
    const refundable = settledQris.amounts.refundable;
    // Against the refundable payment, only what must be refused; everywhere else, anything.
    const invalidRefund = fc.oneof(
      badAmount.map((amount) => ({ amount, reason: 'fuzz' })),
      fc.integer({ min: refundable + 1, max: 1_000_000_000 }).map((amount) => ({ amount, reason: 'more than was paid' })),
      fc.record({ amount: fc.integer({ min: 1, max: refundable }) }),
      fc.oneof(wrongType, fc.constant(''), fc.string({ minLength: 256, maxLength: 300 })).map((reason) => ({ reason })),
      fc.oneof(wrongType, fc.constant(''), fc.constantFrom('with space', 'ümlaut', 'a/b', '../x', 'x'.repeat(65))).map((refundId) => ({ reason: 'fuzz', refundId })),
      fc
        .record({ key: fc.string({ minLength: 1, maxLength: 20 }).filter((k) => !['amount', 'reason', 'refundId'].includes(k)), value: nested })
        .map(({ key, value }) => ({ reason: 'fuzz', [key]: value })),
    );
    const anyRefund = fc.oneof(
      invalidRefund,
      fc.record(
        { amount: fc.integer({ min: 1, max: 1_000_000_000 }), reason: fc.string({ minLength: 1, maxLength: 255 }), refundId: fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/) },
        { requiredKeys: ['reason'] },
      ),
    );
    const randomId = fc.stringMatching(/^[0-9a-f]{24}$/).map((hex) => `pay_${hex}`);
    const target = fc.oneof(
      fc.tuple(fc.constant(settledQris.id), fc.constant(API_KEY), fc.oneof(invalidRefund as fc.Arbitrary<unknown>, hostileBytes as fc.Arbitrary<unknown>)),
      fc.tuple(fc.constantFrom(settledVa.id, witnesses.px!.id, witnesses.pm!.id, witnesses.pd!.id), fc.constant(API_KEY), anyRefund as fc.Arbitrary<unknown>),
      // Another merchant's payment, or one that does not exist: the same 404.
      fc.tuple(fc.constantFrom(otherPending.id), fc.constant(API_KEY), anyRefund as fc.Arbitrary<unknown>),
      fc.tuple(fc.constantFrom(settledQris.id, settledVa.id), fc.constant(OTHER_MERCHANT_KEY), anyRefund as fc.Arbitrary<unknown>),
      fc.tuple(randomId, fc.constant(API_KEY), anyRefund as fc.Arbitrary<unknown>),
      // Ids that are not ids at all.
      fc.tuple(
        fc.oneof(
          fc.constantFrom(
            'pay_',
            'PAY_0123456789ABCDEF01234567',
            `${settledQris.id}x`,
            settledQris.id.toUpperCase(),
            '%',
            '%zz',
            '%E0%A4%A',
            '..%2F..%2Fhealth',
            '%00',
            'pay_%30123456789abcdef0123456',
          ),
          fc.string({ minLength: 1, maxLength: 60 }).map(encodeURIComponent),
        ),
        fc.constant(API_KEY),
        anyRefund as fc.Arbitrary<unknown>,
      ),
    );
    await changesNothing(async () => {
      await fc.assert(
        fc.asyncProperty(target, contentHeaders, fc.option(printable(1, 64), { nil: undefined }), async ([id, key, b], content, idem) => {
          const headers: Record<string, string> = { ...content, authorization: `Bearer ${key}`, ...(idem ? { 'idempotency-key': idem } : {}) };
          const answer = await http(`${stack.apiUrl}/v1/payments/${id}/refunds`, 'POST', encode(b, headers), headers);
          assertRefused(answer, `refund ${id} ${String(Buffer.isBuffer(b) ? `<${b.length} bytes>` : JSON.stringify(b)).slice(0, 200)}`);
          if (key === OTHER_MERCHANT_KEY || id === otherPending.id) {
            // Someone else's payment answers exactly what a payment that does not exist answers.
            const missing = `pay_${randomBytes(12).toString('hex')}`;
            const absent = await http(`${stack.apiUrl}/v1/payments/${missing}/refunds`, 'POST', encode(b, headers), headers);
            assert.deepEqual([answer.status, answer.json.code, answer.json.detail.replace(id, '<id>')], [absent.status, absent.json.code, absent.json.detail.replace(missing, '<id>')]);
          }
        }),
        { numRuns: RUNS * 2 },
      );
    });
    const after = await viewOf(settledQris.id);
    assert.deepEqual(after.refunds, [], 'no refund');
    assert.equal(after.amounts.refunded, 0);
  });

  it('GET /v1/payments: fuzzed queries are 200 with only your own payments, or a 4xx problem; page tokens only work for whom they were issued', { timeout: 60_000 }, async () => {
    const mine = new Set(
      await listed(
        API_KEY,
        Object.values(witnesses).map((p) => p.id),
      ),
    );
    // Paging one by one finds them all; the token is no use to another merchant or another filter.
    const paged: string[] = [];
    let first: string | undefined;
    for (let token: string | undefined, i = 0; i === 0 || token; i++) {
      const page = await stack.api('GET', `/v1/payments?limit=1${token ? `&pageToken=${token}` : ''}`);
      assert.equal(page.status, 200, page.text);
      paged.push(...page.json.items.map((x: { id: string }) => x.id));
      token = page.json.nextPageToken;
      first ??= token;
    }
    assert.deepEqual(paged.sort(), [...mine].sort());
    assert.ok(first);
    const stolen = await stack.api('GET', `/v1/payments?limit=1&pageToken=${first}`, undefined, { key: OTHER_MERCHANT_KEY });
    assert.equal(stolen.status, 422, stolen.text);
    assert.equal(stolen.json.code, 'UNKNOWN_PAGE_TOKEN');
    assert.equal((await stack.api('GET', `/v1/payments?limit=1&status=SETTLED&pageToken=${first}`)).status, 422);
    const param = fc.oneof(
      fc.tuple(
        fc.constantFrom('status', 'provider', 'method', 'reference', 'limit', 'pageToken'),
        fc.oneof(
          printable(0, 40),
          unicode,
          fc.constantFrom('SETTLED', 'PENDING', 'xendit', 'QRIS', '0', '101', '-1', '1e2', "x' OR MerchantId != 'demo", 'x\\', '"', 'AAAA', 'CgQIARAB', 'x'.repeat(2100)),
        ),
      ),
      fc.tuple(fc.string({ minLength: 1, maxLength: 12 }), printable(0, 20)),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(param, { maxLength: 4 }), fc.constantFrom(API_KEY, OTHER_MERCHANT_KEY), async (params, key) => {
        const query = params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
        const answer = await http(`${stack.apiUrl}/v1/payments?${query}`, 'GET', undefined, { authorization: `Bearer ${key}` });
        if (answer.status === 200) {
          for (const item of answer.json.items as { id: string }[]) {
            if (key === OTHER_MERCHANT_KEY) assert.ok(!mine.has(item.id), `${query}: merchant A's ${item.id} listed to B`);
            else assert.notEqual(item.id, otherPending.id, `${query}: merchant B's payment listed to A`);
          }
          return;
        }
        assertRefused(answer, `list ?${query}`);
      }),
      { numRuns: RUNS },
    );
  });

  it(
    'POST /webhooks/:provider: fuzzed, unsigned, wrongly signed or malformed notifications are 4xx; genuine ones about no payment of ours are acknowledged; nothing changes',
    { timeout: 120_000 },
    async () => {
      const foreignId = fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), fc.stringMatching(/^order-[0-9]{1,10}$/), unicode).filter((id) => !PAYMENT_ID.test(id) && id.length <= 50);
      const anyText = fc.oneof(fc.string({ maxLength: 60 }), unicode);
      const xenditBody = fc.oneof(
        fc.record({
          event: fc.constantFrom('payment.capture', 'payment.succeeded', 'payment.failed', 'payment_request.expiry', 'constructor'),
          data: fc.record({
            reference_id: foreignId,
            status: fc.constantFrom('SUCCEEDED', 'FAILED', 'EXPIRED'),
            amount: fc.integer({ min: 1, max: 1_000_000 }),
            payment_request_id: fc.string({ maxLength: 20 }),
          }),
        }),
        fc.record({ event: fc.oneof(anyText, wrongType), data: fc.oneof(nested, wrongType) }, { requiredKeys: [] }),
      );
      const midtransBody = fc.oneof(
        fc.record({
          order_id: foreignId,
          status_code: fc.constantFrom('200', '201', '202', '407'),
          gross_amount: fc.integer({ min: 1, max: 1_000_000 }).map((n) => `${n}.00`),
          transaction_status: fc.constantFrom('settlement', 'pending', 'expire', 'deny', 'refund', 'toString'),
        }),
        fc.record(
          {
            order_id: fc.oneof(anyText, wrongType),
            status_code: fc.oneof(anyText, wrongType),
            gross_amount: fc.oneof(anyText, wrongType),
            transaction_status: fc.oneof(anyText, wrongType),
            extra: nested,
          },
          { requiredKeys: [] },
        ),
      );
      const dokuBody = fc.oneof(
        fc.record({
          transaction: fc.record({ status: fc.constantFrom('SUCCESS', 'PENDING', 'FAILED', 'EXPIRED', 'REFUNDED', '__proto__') }),
          order: fc.record({ invoice_number: foreignId.filter((id) => id.length <= 64), amount: fc.integer({ min: 1, max: 1_000_000 }) }),
        }),
        fc.record({ transaction: fc.oneof(nested, wrongType), order: fc.oneof(nested, wrongType) }, { requiredKeys: [] }),
      );
      type Case = { path: string; headers: Record<string, string>; body: Buffer; genuine: boolean };
      const asBytes = (v: unknown) => Buffer.from(JSON.stringify(v) ?? 'null');
      const xendit: fc.Arbitrary<Case> = fc
        .tuple(
          fc.oneof(xenditBody.map(asBytes), hostileBytes),
          fc.oneof(fc.constant(XENDIT_TOKEN), fc.constant(undefined), printable(1, 60), fc.constant(XENDIT_TOKEN.toUpperCase()), fc.constant(`${XENDIT_TOKEN} `)),
          fc.option(printable(1, 40), { nil: undefined }),
        )
        // fetch trims header values, so a token with trailing blanks arrives as the token itself.
        .map(([body, token, id]) => ({
          path: '/webhooks/xendit',
          body,
          genuine: token?.trim() === XENDIT_TOKEN,
          headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { 'x-callback-token': token }), ...(id ? { 'webhook-id': id } : {}) },
        }));
      const midtrans: fc.Arbitrary<Case> = fc
        .tuple(midtransBody, fc.constantFrom('genuine', 'none', 'other-key', 'garbled'))
        .map(([n, how]) => {
          const fields = n as Record<string, unknown>;
          const signable = typeof fields.order_id === 'string' && typeof fields.status_code === 'string' && typeof fields.gross_amount === 'string';
          const signature_key =
            how === 'none' || !signable
              ? undefined
              : how === 'garbled'
                ? randomBytes(64).toString('hex')
                : midtransSignature(fields.order_id as string, fields.status_code as string, fields.gross_amount as string, how === 'other-key' ? 'SB-Mid-server-another-merchant' : MIDTRANS_KEY);
          return {
            path: '/webhooks/midtrans',
            headers: { 'content-type': 'application/json' },
            body: asBytes(signature_key ? { ...fields, signature_key } : fields),
            genuine: how === 'genuine' && signable,
          };
        })
        .chain((c) =>
          fc.oneof(
            { weight: 4, arbitrary: fc.constant(c) },
            hostileBytes.map((body) => ({ ...c, body, genuine: false })),
          ),
        );
      const doku: fc.Arbitrary<Case> = fc
        .tuple(fc.oneof(dokuBody.map(asBytes), hostileBytes), fc.constantFrom('genuine', 'stale', 'other-merchant', 'no-signature', 'no-timestamp', 'garbage'), extraHeaders)
        .map(([body, how, extra]) => {
          const genuine = dokuHeaders(body);
          const headers: Record<string, string> =
            how === 'genuine'
              ? genuine
              : how === 'stale'
                ? dokuHeaders(body, { timestamp: dokuStamp(Date.now() - 6 * 60_000) })
                : how === 'other-merchant'
                  ? dokuHeaders(body, { clientId: 'BRN-0002-another-merchant', key: 'SK-another-merchant' })
                  : how === 'garbage'
                    ? { ...extra }
                    : Object.fromEntries(Object.entries(genuine).filter(([k]) => k !== (how === 'no-signature' ? 'signature' : 'request-timestamp')));
          // 'stale' is still DOKU's signature: a retry stamped long ago is taken (providers/doku/README.md).
          return { path: '/webhooks/doku', headers: { 'content-type': 'application/json', ...headers }, body, genuine: how === 'genuine' || how === 'stale' };
        });
      const unknownProvider: fc.Arbitrary<Case> = fc
        .tuple(
          fc.oneof(
            fc.constantFrom('stripe', 'XENDIT', 'ecommpay', 'indodana', 'aggregator', '__proto__', 'constructor', '%', '%zz', '..%2Fv1%2Fpayments'),
            fc.string({ minLength: 1, maxLength: 20 }).map(encodeURIComponent),
          ),
          hostileBytes,
        )
        .filter(([name]) => !['xendit', 'midtrans', 'doku'].includes(name))
        .map(([name, body]) => ({ path: `/webhooks/${name}`, headers: { 'content-type': 'application/json' }, body, genuine: false }));

      await changesNothing(async () => {
        await fc.assert(
          fc.asyncProperty(fc.oneof(xendit, midtrans, doku, unknownProvider), async (c) => {
            const answer = await http(stack.apiUrl + c.path, 'POST', c.body, c.headers);
            const what = `${c.path} ${JSON.stringify(c.headers).slice(0, 200)} ${c.body.toString('utf8').slice(0, 200)}`;
            assert.ok(answer.status < 500, `${what} → ${answer.status} ${answer.text.slice(0, 200)}`);
            if (answer.status === 200) {
              // The provider's documented acknowledgement, for a verified notice we then set aside.
              assert.ok(c.genuine, `${what}: acknowledged without a genuine signature`);
              return;
            }
            assertRefused(answer, what);
            // Xendit and DOKU authenticate before reading the body (Midtrans' signature is inside it).
            // (A body over the 256 kB limit is refused with 413 before anything else.)
            if (!c.genuine && (c.path === '/webhooks/xendit' || c.path === '/webhooks/doku') && answer.status !== 413) assert.equal(answer.status, 401, `${what}: unauthenticated is 401`);
          }),
          { numRuns: RUNS * 3 },
        );
      });
    },
  );

  // ================================ replay and forgery ================================

  const statusEntries = (p: PaymentView, status: string) => p.timeline.filter((t) => t.type === `status:${status}`).length;
  /**
   * Sends `copies` of a notification and waits until each was absorbed as a copy — by the API with
   * no signal, or counted by the workflow — then returns the payment, whose timeline must not have grown.
   */
  async function replayAbsorbed(provider: ProviderName, id: string, copies: number, send: () => Promise<{ status: number }>): Promise<PaymentView> {
    const before = await stack.payment(id);
    const apiBefore = await webhookOutcomes(stack, provider, 'duplicate');
    for (let i = 0; i < copies; i++) assert.equal((await send()).status, 200, `copy ${i + 1}`);
    const absorbed = await eventually(
      () => duplicatesAbsorbed(stack, provider, id, apiBefore),
      (n) => n >= copies,
      WAIT_MS,
    );
    assert.ok(absorbed >= copies, `copies absorbed: ${absorbed}`);
    const after = await stack.payment(id);
    assert.deepEqual(after.timeline, before.timeline, 'copies add no timeline line');
    return after;
  }
  const paidCallbacks = (id: string) => merchant.received.filter((r) => JSON.parse(r.body).data.id === id && JSON.parse(r.body).type === 'payment.paid').length;
  const sentNotifications = async (offset: number) => (await stack.sandbox('GET', '/_sandbox/notifications', undefined, offset)).json as { body: string; status: number | 'error' }[];
  const create = async (body: Record<string, unknown>, key = API_KEY) => {
    const res = await stack.api('POST', '/v1/payments', { merchantReference: uniqueRef('fz'), callbackUrl: merchant.url, ...body }, { key });
    assert.equal(res.status, 201, res.text);
    return res.json as PaymentView;
  };
  /** Nothing reached the payment: same status, no webhook in its timeline, nothing paid. */
  async function untouched(id: string, key = API_KEY, status = 'PENDING'): Promise<void> {
    await new Promise((r) => setTimeout(r, 500));
    const view = await viewOf(id, key);
    assert.equal(view.status, status);
    assert.equal(view.amounts.paid, 0);
    assert.ok(!view.timeline.some((t) => t.source === 'webhook'), `${id}: ${JSON.stringify(view.timeline)}`);
  }
  const post = (provider: string, body: string | Buffer, headers: Record<string, string> = {}) =>
    http(`${stack.apiUrl}/webhooks/${provider}`, 'POST', body, { 'content-type': 'application/json', ...headers });

  it('midtrans: a genuine notification cannot be moved to another payment or relabelled; unsigned and foreign-key ones are 401; an identical replay is absorbed', { timeout: 90_000 }, async () => {
    const MIDTRANS = SANDBOX_PORT_OFFSETS.midtrans;
    const [paid, target] = await Promise.all([
      create({ amount: 90_000, method: 'VA_BNI', provider: 'midtrans' }),
      create({ amount: 90_000, method: 'VA_BNI', provider: 'midtrans' }, OTHER_MERCHANT_KEY),
    ]);
    await stack.pay(paid.id, {}, MIDTRANS);
    await stack.waitFor(paid.id, (p) => p.status === 'SETTLED', WAIT_MS);
    const genuine = (await sentNotifications(MIDTRANS)).map((n) => n.body).find((b) => JSON.parse(b).order_id === paid.id && JSON.parse(b).transaction_status === 'settlement');
    assert.ok(genuine, 'the sandbox sent the settlement notification');
    const n = JSON.parse(genuine) as Record<string, string>;

    // The same signature over another payment (merchant B's, same amount), another amount, another code.
    for (const forged of [
      { ...n, order_id: target.id },
      { ...n, order_id: target.id, transaction_id: target.providerReference },
      { ...n, gross_amount: '9000.00' },
      { ...n, status_code: '201' },
    ]) {
      const answer = await post('midtrans', JSON.stringify(forged));
      assert.equal(answer.status, 401, JSON.stringify(forged));
      assert.equal(answer.json.code, 'SIGNATURE_INVALID');
    }
    // A genuine *pending* notification for the target (signed for 201), relabelled: the unsigned
    // transaction_status must agree with the signed status_code.
    const pending = { order_id: target.id, status_code: '201', gross_amount: '90000.00', transaction_status: 'pending', transaction_id: target.providerReference, payment_type: 'bank_transfer' };
    const pendingSignature = midtransSignature(target.id, '201', '90000.00');
    for (const claim of ['settlement', 'capture', 'expire', 'deny', 'cancel']) {
      const answer = await post('midtrans', JSON.stringify({ ...pending, transaction_status: claim, signature_key: pendingSignature }));
      assert.equal(answer.status, 401, claim);
    }
    // Unsigned, signed by another Midtrans account, garbled.
    const settle = { ...pending, status_code: '200', transaction_status: 'settlement' };
    for (const signature_key of [undefined, midtransSignature(target.id, '200', '90000.00', 'SB-Mid-server-another-merchant'), '0'.repeat(128), 'x']) {
      const answer = await post('midtrans', JSON.stringify({ ...settle, signature_key }));
      assert.equal(answer.status, 401, String(signature_key));
    }
    await untouched(target.id, OTHER_MERCHANT_KEY);
    assert.equal((await stack.charges(target.id, MIDTRANS))[0]?.status, 'pending');

    // The genuine notification, replayed verbatim: acknowledged, absorbed as a copy, no second transition.
    const after = await replayAbsorbed('midtrans', paid.id, 3, () => post('midtrans', genuine));
    assert.equal(after.status, 'SETTLED');
    assert.equal(statusEntries(after, 'PAID'), 1);
    assert.equal(statusEntries(after, 'SETTLED'), 1);
    assert.equal(after.amounts.paid, 90_000);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(paidCallbacks(paid.id), 1, 'the merchant heard about it once');
  });

  it(
    'doku: a genuine notification cannot be moved to another payment; one stamped ahead, an unsigned one and another account’s are 401; a retry stamped hours ago is taken; an identical replay is absorbed',
    { timeout: 90_000 },
    async () => {
      const DOKU = SANDBOX_PORT_OFFSETS.doku;
      const [paid, target, late] = await Promise.all([
        // Non-SNAP notifications: Alfamart (DOKU's VAs are SNAP now, providers/doku/README.md).
        create({ amount: 70_000, method: 'RETAIL_ALFAMART', provider: 'doku' }),
        create({ amount: 70_000, method: 'RETAIL_ALFAMART', provider: 'doku' }, OTHER_MERCHANT_KEY),
        create({ amount: 71_000, method: 'RETAIL_ALFAMART', provider: 'doku' }),
      ]);
      await stack.pay(paid.id, {}, DOKU);
      await stack.waitFor(paid.id, (p) => p.status === 'SETTLED', WAIT_MS);
      const outbox = (await stack.sandbox('GET', '/_sandbox/doku/outbox', undefined, DOKU)).json as { headers: Record<string, string>; body: string }[];
      const genuine = outbox.find((x) => JSON.parse(x.body).order.invoice_number === paid.id);
      assert.ok(genuine, 'the sandbox sent the notification');

      // Its headers (and signature) over a body naming merchant B's payment, same amount.
      const moved = genuine.body.replaceAll(paid.id, target.id);
      assert.notEqual(moved, genuine.body);
      assert.equal((await post('doku', moved, genuine.headers)).status, 401);
      assert.equal((await post('doku', genuine.body.replace('70000', '700000'), genuine.headers)).status, 401);

      // A notification for the target, genuinely signed, but stamped six minutes ahead: DOKU cannot have sent it yet.
      const forTarget = JSON.stringify({
        ...JSON.parse(genuine.body),
        order: { invoice_number: target.id, amount: 70_000 },
        transaction: { ...JSON.parse(genuine.body).transaction, original_request_id: `${target.id}-create` },
      });
      const ahead = await post('doku', forTarget, dokuHeaders(forTarget, { timestamp: dokuStamp(Date.now() + 6 * 60_000) }));
      assert.equal(ahead.status, 401, 'too far ahead, too');
      // No signature, no timestamp, another DOKU account signing correctly with its own key.
      const fresh = dokuHeaders(forTarget);
      for (const drop of ['signature', 'request-timestamp', 'client-id', 'request-id']) {
        assert.equal((await post('doku', forTarget, Object.fromEntries(Object.entries(fresh).filter(([k]) => k !== drop)))).status, 401, `without ${drop}`);
      }
      assert.equal((await post('doku', forTarget, dokuHeaders(forTarget, { clientId: 'BRN-0002-another-merchant', key: 'SK-another-merchant' }))).status, 401);
      await untouched(target.id, OTHER_MERCHANT_KEY);
      assert.equal((await stack.charges(target.id, DOKU))[0]?.status, 'PENDING');

      // Whether DOKU re-stamps its retries is not published: one stamped 6 h ago (its second retry)
      // still carries DOKU's signature and is taken; what guards a replay is the Request-Id dedupe below.
      const forLate = JSON.stringify({
        ...JSON.parse(genuine.body),
        order: { invoice_number: late.id, amount: 71_000 },
        transaction: { ...JSON.parse(genuine.body).transaction, original_request_id: `${late.id}-create` },
      });
      await untouched(late.id);
      assert.equal((await post('doku', forLate, dokuHeaders(forLate, { timestamp: dokuStamp(Date.now() - 6 * 3_600_000) }))).status, 200);
      await stack.waitFor(late.id, (p) => p.status === 'SETTLED', WAIT_MS);

      // The genuine notification, replayed verbatim within the window: a copy, absorbed, no second transition.
      const after = await replayAbsorbed('doku', paid.id, 3, () => post('doku', genuine.body, genuine.headers));
      assert.equal(after.status, 'SETTLED');
      assert.equal(statusEntries(after, 'PAID'), 1);
      assert.equal(after.amounts.paid, 70_000);
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(paidCallbacks(paid.id), 1, 'the merchant heard about it once');
    },
  );

  it('xendit: without the callback token nothing is read; an identical replay (same webhook-id) is absorbed as a duplicate', { timeout: 60_000 }, async () => {
    const [paid, target] = await Promise.all([create({ amount: 60_000, method: 'QRIS', provider: 'xendit' }), create({ amount: 60_000, method: 'QRIS', provider: 'xendit' }, OTHER_MERCHANT_KEY)]);
    const notice = (p: PaymentView) =>
      JSON.stringify({
        event: 'payment.capture',
        created: new Date().toISOString(),
        data: { reference_id: p.id, payment_request_id: p.providerReference, payment_id: `py-${randomBytes(6).toString('hex')}`, status: 'SUCCEEDED', amount: 60_000 },
      });
    for (const token of [undefined, '', 'bayar-sandbox-callback-tokeN', `${XENDIT_TOKEN}x`, XENDIT_TOKEN.slice(0, -1)]) {
      const answer = await post('xendit', notice(target), { ...(token === undefined ? {} : { 'x-callback-token': token }), 'webhook-id': 'whk-forged' });
      assert.equal(answer.status, 401, String(token));
    }
    await untouched(target.id, OTHER_MERCHANT_KEY);

    // Paid at Xendit: the notice (whose token proves no body) wakes the payment, and Xendit's
    // answer settles it.
    await stack.pay(paid.id);
    const body = notice(paid);
    const headers = { 'x-callback-token': XENDIT_TOKEN, 'webhook-id': `whk-${randomBytes(8).toString('hex')}` };
    assert.equal((await post('xendit', body, headers)).status, 200);
    await stack.waitFor(paid.id, (p) => p.status === 'SETTLED', WAIT_MS);
    await stack.waitFor(paid.id, (p) => p.notifications.wakeUps >= 1, WAIT_MS);
    // The merchant is told beside the saga, after SETTLED: its timeline line must be in before
    // the copies are compared against the timeline.
    await stack.waitFor(paid.id, (p) => p.merchantNotified, WAIT_MS);
    const after = await replayAbsorbed('xendit', paid.id, 3, () => post('xendit', body, headers));
    assert.equal(statusEntries(after, 'PAID'), 1);
    assert.equal(statusEntries(after, 'SETTLED'), 1);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(paidCallbacks(paid.id), 1, 'the merchant heard about it once');
    await untouched(target.id, OTHER_MERCHANT_KEY);
  });

  // ================================ tenancy ================================

  it("tenancy: merchant B cannot read, list, cancel or refund merchant A's payments, even knowing the id; A's are unchanged", { timeout: 60_000 }, async () => {
    const pending = await create({ amount: 33_000, method: 'QRIS', provider: 'xendit' });
    const b = { key: OTHER_MERCHANT_KEY };
    const missing = `pay_${randomBytes(12).toString('hex')}`;
    const beforeSettled = await viewOf(settledQris.id);
    const beforePending = await viewOf(pending.id);

    for (const id of [pending.id, settledQris.id, settledVa.id]) {
      const read = await stack.api('GET', `/v1/payments/${id}`, undefined, b);
      const absent = await stack.api('GET', `/v1/payments/${missing}`, undefined, b);
      assert.equal(read.status, 404);
      assert.equal(read.json.code, absent.json.code, 'the same answer as for a payment that does not exist');
      assert.equal(read.text.replaceAll(id, '<id>'), absent.text.replaceAll(missing, '<id>'));
      assert.equal((await stack.api('POST', `/v1/payments/${id}/cancel`, {}, b)).status, 404);
      assert.equal((await stack.api('POST', `/v1/payments/${id}/cancel`, { reason: 'mine now' }, b)).status, 404);
      assert.equal((await stack.api('POST', `/v1/payments/${id}/refunds`, { reason: 'x' }, b)).status, 404);
      assert.equal((await stack.api('POST', `/v1/payments/${id}/refunds`, { amount: 1_000, reason: 'x', refundId: 'steal-1' }, { ...b, headers: { 'idempotency-key': 'steal-2' } })).status, 404);
    }

    // Listing: B sees its own payment and none of A's, whatever the filter.
    const theirs = await listed(OTHER_MERCHANT_KEY, [otherPending.id]);
    assert.ok(theirs.includes(otherPending.id));
    const mine = await listed(API_KEY, [pending.id, settledQris.id]);
    assert.ok(!mine.includes(otherPending.id), "A does not see B's payment");
    for (const query of [
      '',
      '&status=SETTLED',
      '&status=PENDING',
      '&provider=xendit',
      '&method=QRIS',
      `&reference=${encodeURIComponent(pending.merchantReference)}`,
      `&reference=${encodeURIComponent(settledQris.merchantReference)}`,
    ]) {
      const ids = await listIds(OTHER_MERCHANT_KEY, query);
      for (const id of [pending.id, settledQris.id, settledVa.id, ...Object.values(witnesses).map((p) => p.id)]) assert.ok(!ids.includes(id), `${query}: A's ${id} listed to B`);
    }

    // Knowing A's merchantReference gets B its own, different payment, never A's.
    const same = await create({ amount: 33_000, method: 'QRIS', provider: 'xendit', merchantReference: pending.merchantReference }, OTHER_MERCHANT_KEY);
    assert.notEqual(same.id, pending.id);

    const afterSettled = await viewOf(settledQris.id);
    assert.deepEqual(afterSettled.refunds, beforeSettled.refunds);
    assert.deepEqual(afterSettled.amounts, beforeSettled.amounts);
    assert.equal(afterSettled.status, 'SETTLED');
    const afterPending = await viewOf(pending.id);
    assert.equal(afterPending.status, 'PENDING');
    assert.deepEqual(afterPending.timeline, beforePending.timeline, 'no cancel was even attempted');
    assert.equal((await stack.charges(settledQris.id))[0]?.refundedAmount, 0, 'nothing refunded at Xendit');
    assert.equal((await stack.charges(pending.id))[0]?.status, 'PENDING', 'nothing cancelled at Xendit');
  });
});
