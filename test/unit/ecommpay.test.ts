// ecommpay (Gate, Indonesian Virtual Accounts), tested from outside the code it tests: the
// signature against the published vectors and against the official `ecommpay` npm package
// (signer, converter and Callback) as an independent oracle, on fixed and on random objects;
// callback verification (genuine, tampered, forged, missing, misplaced); the status table; the
// schemas against seed 004's examples; the adapter against the in-process sandbox, wire-exact;
// the bank list cache and its fallback; and the sandbox's callback retry schedule.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { ECOMMPAY_BANKS, ECOMMPAY_PATHS, ecommpayCapabilities } from '../../src/providers/ecommpay/capabilities.js';
import { BANK_LIST_REFRESH_MS, BANK_LIST_RETRY_MS, BANK_LIST_TTL_MS, EcommpayProvider, toInstructions } from '../../src/providers/ecommpay/index.js';
import { callbackSchema, isoFromEcommpay, minorToRupiah, saleRequestSchema, statusAnswerSchema } from '../../src/providers/ecommpay/schemas.js';
import { sign, signCallback, signRequest, signatureMatches, signingString, withoutSignatures, type JsonValue } from '../../src/providers/ecommpay/signature.js';
import { ecommpayStatusToChargeStatus } from '../../src/providers/ecommpay/status.js';
import { ProviderRejected, ProviderUnavailable, SignatureInvalid, WebhookMalformed, type CreateChargeRequest, type RawWebhook } from '../../src/providers/provider.js';
import { SandboxKit } from '../../src/sandbox/kit.js';
import { ECOMMPAY_CALLBACK_RETRIES_MS, EcommpaySandbox } from '../../src/providers/ecommpay/sandbox/sandbox.js';
import type { PaymentMethod } from '../../src/domain/payment.js';
import { ConfigError, SANDBOX_PORT_OFFSETS, loadConfig } from '../../src/config/config.js';
import { DEV_DEFAULTS } from '../../src/sandbox/dev-defaults.js';
import { until, randomPaymentId as paymentId } from '../helpers/wait.js';

const PROJECT_ID = 2990;
const SECRET = 'ecommpay-unit-test-secret';
const WEBHOOK_PATH = '/webhooks/ecommpay';

// ---- the official package, as an oracle ----

const require = createRequire(import.meta.url);
const official = require('ecommpay') as {
  signer(obj: unknown, secret: string): string;
  Callback: new (secret: string, data: unknown) => { isPaymentSuccess(): boolean; getPaymentId(): string };
};
const officialConverter = require('ecommpay/src/converter') as (obj: unknown, ignored?: string[]) => string;

// ---- seed 004's callbacks (the decline example's trailing comma removed) ----

const SEED_SUCCESS = {
  project_id: 200,
  payment: { id: '9770802', type: 'purchase', status: 'success', date: '2020-02-22T22:44:46+0000', method: 'indonesia-va', sum: { amount: 20000000, currency: 'IDR' }, description: 'test' },
  account: { number: '8856113600001045' },
  customer: { id: '1' },
  operation: {
    id: 52084000029401,
    type: 'sale',
    status: 'success',
    date: '2020-02-22T22:44:46+0000',
    created_date: '2020-02-22T17:30:42+0000',
    request_id: '59b48b4c2d0a2b6a-00052085',
    sum_initial: { amount: 20000000, currency: 'IDR' },
    sum_converted: { amount: 20000000, currency: 'IDR' },
    code: '0',
    message: 'Success',
    provider: { id: 1164, payment_id: '644206', auth_code: '', date: '2020-02-22T22:44:45+0000' },
  },
  signature: 'Hekd6+86S592dGuYCHNLADZ8LaBC5/JSKObUxTvkUuCZL4phAiFQA==',
};
const SEED_DECLINE = {
  ...SEED_SUCCESS,
  payment: { ...SEED_SUCCESS.payment, status: 'decline', sum: { amount: 1000, currency: 'IDR' } },
  account: { number: '8856113600001046' },
  operation: {
    id: 52084000029401,
    type: 'sale',
    status: 'decline',
    date: '2020-02-22T22:44:46+0000',
    created_date: '2020-02-22T17:30:42+0000',
    request_id: '59b48b4c2d0a2b6a-00052085',
    sum_initial: { amount: 1000, currency: 'IDR' },
    sum_converted: { amount: 1000, currency: 'IDR' },
    code: '20101',
    message: 'Decline due to amount or frequency limit',
  },
};

/** A callback for our project, signed as ecommpay would (with the official signer, not ours). */
function officialCallback(body: Record<string, unknown>, secret = SECRET): string {
  const { signature: _drop, ...rest } = body;
  // Signed as it will be read: JSON (an undefined field is not sent, so not signed either).
  const unsigned = JSON.parse(JSON.stringify(rest)) as Record<string, unknown>;
  return JSON.stringify({ ...unsigned, signature: official.signer(unsigned, secret) });
}

function raw(body: string | Buffer): RawWebhook {
  return { headers: { 'content-type': 'application/json' }, rawBody: Buffer.isBuffer(body) ? body : Buffer.from(body), path: WEBHOOK_PATH };
}

function ourCallback(overrides: { payment?: Record<string, unknown>; operation?: Record<string, unknown> | undefined; extra?: Record<string, unknown> } = {}) {
  return {
    ...SEED_SUCCESS,
    project_id: PROJECT_ID,
    payment: { ...SEED_SUCCESS.payment, id: 'pay_0123456789abcdef01234567', ...overrides.payment },
    ...(overrides.operation === undefined && 'operation' in overrides ? { operation: undefined } : { operation: { ...SEED_SUCCESS.operation, ...overrides.operation } }),
    ...overrides.extra,
  };
}

describe('ecommpay signature', () => {
  it('reproduces the published vectors (paymentpage-sdk-js __tests__), as the official signer does', () => {
    const card = { customer: { project_id: 0, id: 'sutm_id' }, card: { pan: '4242424242424242', year: 2020, month: 8, card_holder: 'John Smith', cvv: '123', save: true } };
    assert.equal(signingString(card), 'card:card_holder:John Smith;card:cvv:123;card:month:8;card:pan:4242424242424242;card:save:1;card:year:2020;customer:id:sutm_id;customer:project_id:0');
    const cardSignature = 'lY0LTSAzpR7zGce5qfYGacOuYlHGWqkMcQlqmjlsDDZI2gVcE1qVeWANnkIR7mdOqRXJnL1kO0lUmkQ0YYLWRg==';
    assert.equal(sign(card, 'secret'), cardSignature);
    assert.equal(official.signer(card, 'secret'), cardSignature);

    const callback = { payment: { id: '000049', status: 'success' } };
    const callbackSignature = '/3TrhHVz9BHaLfgLyhoxO7dsQNzbzZa/TdO3pxQocXWwgVM6tGlzMLVfpOxFNTnkR9iiFVK/77ZedMcbkCjmng==';
    assert.equal(sign(callback, 'secret'), callbackSignature);
    assert.equal(official.signer(callback, 'secret'), callbackSignature);
    assert.ok(signatureMatches(callback, callbackSignature, 'secret'));

    const flattening = { 0: null, a: { b: 1, c: 2 }, d: false, f: ['g', { h: 7, i: { k: 8 } }], e: [4, 5] };
    assert.equal(signingString(flattening), '0:;a:b:1;a:c:2;d:0;e:0:4;e:1:5;f:0:g;f:1:h:7;f:1:i:k:8');
    assert.equal(officialConverter(flattening), '0:;a:b:1;a:c:2;d:0;e:0:4;e:1:5;f:0:g;f:1:h:7;f:1:i:k:8');
  });

  it('is HMAC-SHA512 over the signing string, Base64 (restated with node:crypto)', () => {
    const body = { general: { project_id: PROJECT_ID, payment_id: 'pay_1' }, payment: { amount: 15000000, currency: 'IDR' } };
    const text = 'general:payment_id:pay_1;general:project_id:2990;payment:amount:15000000;payment:currency:IDR';
    assert.equal(signingString(body), text);
    assert.equal(sign(body, SECRET), createHmac('sha512', SECRET).update(text).digest('base64'));
  });

  it('keeps the official signer’s order: array index 10 after 9, numeric keys first, frame_mode skipped, empty containers silent', () => {
    const tricky = { b: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], '10': 'x', '9': 'y', a: {}, c: [], frame_mode: 'iframe', d: { frame_mode: 1, e: true } };
    assert.equal(signingString(tricky), officialConverter(tricky, ['frame_mode']));
    assert.match(signingString(tricky), /^9:y;10:x;b:0:0;b:1:1;b:2:2;.*b:9:9;b:10:10;b:11:11;d:e:1$/);
  });

  it('agrees with the official signer on random objects (fast-check)', () => {
    // "__proto__" is left out: the official signer copies keys into a plain object, where that
    // key sets the prototype instead (a JS artefact; bayar signs it as a plain key).
    const key = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('0', '1', '2', '9', '10', '11', '01', '-1', '1.5', 'frame_mode', 'signature', 'a:b', 'ä', '😀')).filter((k) => k !== '__proto__');
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        fc.string({ unit: 'grapheme', maxLength: 12 }),
        fc.integer(),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('node'), { maxLength: 13 }),
        fc.dictionary(key, tie('node'), { maxKeys: 6 }),
      ),
    })).node;
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 8 }), fc.string({ minLength: 1, maxLength: 40 }), (obj, secret) => {
        // What bayar signs is always JSON: compare on the JSON form of the value.
        const json = JSON.parse(JSON.stringify(obj)) as JsonValue;
        assert.equal(signingString(json), officialConverter(json, ['frame_mode']));
        assert.equal(sign(json, secret), official.signer(json, secret));
      }),
      { numRuns: 400 },
    );
  });

  it('verifies in constant time only the exact Base64 of the HMAC', () => {
    const params = { payment: { id: 'p', status: 'success' } };
    const good = sign(params, SECRET);
    assert.ok(signatureMatches(params, good, SECRET));
    assert.equal(signatureMatches(params, sign(params, 'another-secret'), SECRET), false);
    assert.equal(signatureMatches({ payment: { id: 'p', status: 'decline' } }, good, SECRET), false);
    assert.equal(signatureMatches(params, good.slice(0, -2), SECRET), false, 'truncated');
    assert.equal(signatureMatches(params, good.replace(/==$/, ''), SECRET), false, 'without padding');
    assert.equal(signatureMatches(params, ` ${good}`, SECRET), false, 'with a blank');
    assert.equal(signatureMatches(params, good.replace(/\+/g, '-').replace(/\//g, '_'), SECRET) && /[+/]/.test(good), false, 'base64url spelling');
    assert.equal(signatureMatches(params, undefined, SECRET), false);
    assert.equal(signatureMatches(params, 42, SECRET), false);
  });

  it('signs requests in general.signature and callbacks at the top level, over everything else', () => {
    const request = signRequest({ general: { project_id: PROJECT_ID, payment_id: 'pay_x', signature: 'stale' }, payment: { amount: 100, currency: 'IDR', skipped: undefined } }, SECRET);
    assert.deepEqual(Object.keys(request.payment), ['amount', 'currency'], 'undefined is not JSON: neither signed nor sent');
    const { signature, ...general } = request.general as { signature: string; project_id: number; payment_id: string };
    assert.equal(signature, official.signer({ ...request, general }, SECRET));
    const callback = signCallback({ project_id: PROJECT_ID, payment: { id: 'pay_x', status: 'success', signature: 'nested' } }, SECRET);
    assert.equal(callback.signature, official.signer({ project_id: PROJECT_ID, payment: { id: 'pay_x', status: 'success' } }, SECRET));
    assert.doesNotThrow(() => new official.Callback(SECRET, JSON.parse(JSON.stringify(callback))), 'the official Callback accepts it');
  });

  it('drops every signature key, at any depth, as the official SDKs do', () => {
    assert.deepEqual(withoutSignatures({ signature: 'a', general: { signature: 'b', x: 1 }, list: [{ signature: 'c', y: 2 }] }), { general: { x: 1 }, list: [{ y: 2 }] });
  });
});

describe('ecommpay status table', () => {
  const cases: [string, string | undefined, string][] = [
    ['success', '0', 'PAID'],
    ['decline', '20101', 'FAILED'],
    ['decline', undefined, 'FAILED'],
    ['decline', '20602', 'EXPIRED'],
    ['error', '3061', 'FAILED'],
    ['internal error', undefined, 'FAILED'],
    ['external error', undefined, 'FAILED'],
    ['expired', undefined, 'EXPIRED'],
    ['cancelled', undefined, 'CANCELLED'],
    ['refunded', undefined, 'REFUNDED'],
    ['reversed', undefined, 'REFUNDED'],
    ['processing', undefined, 'PENDING'],
    ['awaiting redirect result', undefined, 'PENDING'],
    ['awaiting customer', undefined, 'PENDING'],
    ['external processing', undefined, 'PENDING'],
    ['partially paid', undefined, 'PENDING'],
    ['success', '20602', 'PAID'],
    ['something new', undefined, 'PENDING'],
    ['constructor', undefined, 'PENDING'],
    ['__proto__', undefined, 'PENDING'],
    ['SUCCESS', undefined, 'PENDING'],
  ];
  for (const [status, code, expected] of cases) {
    it(`${status}${code ? ` (${code})` : ''} → ${expected}`, () => assert.equal(ecommpayStatusToChargeStatus(status, code), expected));
  }
});

describe('ecommpay schemas', () => {
  it("reads seed 004's success and decline callbacks", () => {
    const success = callbackSchema.parse(SEED_SUCCESS);
    assert.equal(success.payment.id, '9770802');
    assert.equal(success.operation?.code, '0');
    assert.equal(success.operation?.id, '52084000029401');
    assert.equal(success.account?.number, '8856113600001045');
    const decline = callbackSchema.parse(SEED_DECLINE);
    assert.equal(decline.operation?.code, '20101');
    assert.equal(minorToRupiah(success.payment.sum!.amount), 200_000, '20000000 minor units = Rp 200.000');
  });

  it('accepts a sale body like seed 004’s and refuses fractions of a rupiah, other currencies, bad IPs and a missing bank', () => {
    const good = {
      general: { project_id: 2990, payment_id: 'pay_1', signature: 'x' },
      payment: { amount: 35000000, currency: 'IDR' },
      customer: { id: '12345', ip_address: '192.0.2.0', first_name: 'John', last_name: 'Doe' },
      account: { bank_id: 2931 },
      return_url: { return: 'https://example.com/return' },
    };
    assert.ok(saleRequestSchema.safeParse(good).success);
    assert.equal(saleRequestSchema.safeParse({ ...good, payment: { amount: 35000050, currency: 'IDR' } }).success, false, 'Rp 350.000,50');
    assert.equal(saleRequestSchema.safeParse({ ...good, payment: { amount: 35000000, currency: 'USD' } }).success, false);
    assert.equal(saleRequestSchema.safeParse({ ...good, customer: { id: '1', ip_address: '999.1.1.1' } }).success, false);
    assert.equal(saleRequestSchema.safeParse({ ...good, customer: { id: '1', ip_address: '2001:db8::1' } }).success, true);
    const { account: _a, ...noBank } = good;
    assert.equal(saleRequestSchema.safeParse(noBank).success, false);
  });

  it('reads status answers with an operations array, and ecommpay dates', () => {
    const answer = statusAnswerSchema.parse({ project_id: 200, payment: SEED_SUCCESS.payment, operations: [SEED_SUCCESS.operation], errors: [] });
    assert.equal(answer.operations?.[0]?.type, 'sale');
    assert.equal(isoFromEcommpay('2020-02-22T22:44:46+0000'), '2020-02-22T22:44:46.000Z');
    assert.equal(isoFromEcommpay('2020-02-22T22:44:46+07:00'), '2020-02-22T15:44:46.000Z');
    assert.equal(isoFromEcommpay('22/02/2020'), undefined);
    assert.equal(minorToRupiah(150), undefined);
  });

  it('turns redirect_data into a pay link: GET with its body as the query; POST only without a body', () => {
    assert.deepEqual(toInstructions({ body: {}, method: 'GET', url: 'https://www.example.com/pay' }), { payUrl: 'https://www.example.com/pay' });
    assert.deepEqual(toInstructions({ body: { token: 'a b', n: 1 }, method: 'get', url: 'https://va.example/p?x=1' }, '8856113600001045'), {
      payUrl: 'https://va.example/p?x=1&token=a+b&n=1',
      virtualAccountNumber: '8856113600001045',
    });
    assert.deepEqual(toInstructions({ method: 'POST', url: 'https://va.example/p' }), { payUrl: 'https://va.example/p' });
    assert.deepEqual(toInstructions({ body: { t: 'x' }, method: 'POST', url: 'https://va.example/p' }), {});
  });

  it('declares no refunds, no cancel, and the 48 h threshold as the longest expiry', () => {
    assert.deepEqual(ecommpayCapabilities.refunds, {});
    assert.equal(ecommpayCapabilities.cancel, false);
    assert.equal(ecommpayCapabilities.expirySeconds.max, 48 * 3600);
    assert.deepEqual([...ecommpayCapabilities.methods].sort(), ['VA_BNI', 'VA_BRI', 'VA_MANDIRI', 'VA_MAYBANK', 'VA_PERMATA', 'VA_SAMPOERNA', 'VA_SINARMAS']);
    assert.deepEqual(
      Object.values(ECOMMPAY_BANKS).map((b) => b.bankId),
      [4391, 433, 434, 2831, 2931, 499, 562],
      'seed 004, Table 1',
    );
  });
});

describe('ecommpay parseWebhook', () => {
  const provider = new EcommpayProvider({ projectId: PROJECT_ID, secretKey: SECRET, baseUrl: 'http://127.0.0.1:9', timeoutMs: 1000 });

  it('accepts a final success callback signed with the official signer: PAID, whole rupiah, keyed by the operation state', () => {
    const parsed = provider.parseWebhook(raw(officialCallback(ourCallback())));
    assert.equal(parsed.kind, 'payment');
    if (parsed.kind !== 'payment') return;
    assert.equal(parsed.paymentId, 'pay_0123456789abcdef01234567');
    assert.equal(parsed.event.chargeStatus, 'PAID');
    assert.equal(parsed.event.paidAmount, 200_000);
    assert.equal(parsed.event.providerReference, 'pay_0123456789abcdef01234567');
    assert.equal(parsed.event.eventId, 'pay_0123456789abcdef01234567:52084000029401:success:success');
    assert.equal(parsed.event.occurredAt, '2020-02-22T22:44:46.000Z');
    assert.equal(parsed.event.instructions, undefined);
  });

  it('turns the intermediate callback into PENDING with the VA page as instructions', () => {
    const body = ourCallback({
      payment: { status: 'awaiting redirect result' },
      operation: { status: 'awaiting redirect result', code: undefined, message: undefined },
      extra: { redirect_data: { body: {}, method: 'GET', url: 'https://va.example/pay/123' }, account: undefined },
    });
    const parsed = provider.parseWebhook(raw(officialCallback(body)));
    assert.ok(parsed.kind === 'payment');
    assert.equal(parsed.event.chargeStatus, 'PENDING');
    assert.deepEqual(parsed.event.instructions, { payUrl: 'https://va.example/pay/123' });
    const final = provider.parseWebhook(raw(officialCallback(ourCallback())));
    assert.ok(final.kind === 'payment');
    assert.notEqual(parsed.event.eventId, final.event.eventId, 'the intermediate and the final callback are different events');
  });

  it('maps a decline to FAILED with its code and message, and the time-out decline to EXPIRED', () => {
    const declined = provider.parseWebhook(raw(officialCallback({ ...SEED_DECLINE, project_id: PROJECT_ID })));
    assert.ok(declined.kind === 'payment');
    assert.equal(declined.event.chargeStatus, 'FAILED');
    assert.equal(declined.event.reason, '20101 Decline due to amount or frequency limit');
    assert.equal(declined.event.paidAmount, undefined);
    const timedOut = provider.parseWebhook(raw(officialCallback(ourCallback({ payment: { status: 'decline' }, operation: { status: 'decline', code: '20602', message: 'Time-out' } }))));
    assert.ok(timedOut.kind === 'payment');
    assert.equal(timedOut.event.chargeStatus, 'EXPIRED');
  });

  it('verifies values, not bytes: the same callback re-serialised with other spacing and key order still verifies', () => {
    const text = officialCallback(ourCallback());
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(text) as object).reverse()), null, 2);
    assert.equal(provider.parseWebhook(raw(reordered)).kind, 'payment');
  });

  it('refuses a forged, tampered, unsigned or misplaced signature (SignatureInvalid)', () => {
    const genuine = JSON.parse(officialCallback(ourCallback())) as Record<string, unknown>;
    const forged = officialCallback(ourCallback(), 'guessed-secret');
    assert.throws(() => provider.parseWebhook(raw(forged)), SignatureInvalid);
    const tampered = { ...genuine, payment: { ...(genuine.payment as object), sum: { amount: 2000000000, currency: 'IDR' } } };
    assert.throws(() => provider.parseWebhook(raw(JSON.stringify(tampered))), SignatureInvalid);
    const otherPayment = { ...genuine, payment: { ...(genuine.payment as object), id: 'pay_ffffffffffffffffffffffff' } };
    assert.throws(() => provider.parseWebhook(raw(JSON.stringify(otherPayment))), SignatureInvalid);
    const { signature, ...unsigned } = genuine;
    assert.throws(() => provider.parseWebhook(raw(JSON.stringify(unsigned))), SignatureInvalid);
    assert.throws(() => provider.parseWebhook(raw(JSON.stringify({ ...unsigned, signature: '' }))), SignatureInvalid);
    assert.throws(() => provider.parseWebhook(raw(JSON.stringify({ ...unsigned, signature: 42 }))), SignatureInvalid);
    assert.throws(() => provider.parseWebhook(raw(JSON.stringify({ ...unsigned, general: { signature } }))), SignatureInvalid, 'callbacks carry it at the top level');
    // The official Callback agrees on the forged one.
    assert.throws(() => new official.Callback(SECRET, JSON.parse(forged)), /Invalid signature/);
  });

  it('refuses a genuine signature for another project (SignatureInvalid) and a genuine body that is no callback (WebhookMalformed)', () => {
    assert.throws(() => provider.parseWebhook(raw(officialCallback(SEED_SUCCESS))), SignatureInvalid, 'project 200 is not ours');
    assert.throws(() => provider.parseWebhook(raw(officialCallback({ project_id: PROJECT_ID, hello: 'world' }))), WebhookMalformed);
    assert.throws(
      () => provider.parseWebhook(raw(officialCallback(ourCallback({ operation: { sum_initial: { amount: 15000050, currency: 'IDR' } } })))),
      WebhookMalformed,
      'Rp 150.000,50 is not whole rupiah',
    );
    assert.throws(
      () => provider.parseWebhook(raw(officialCallback(ourCallback({ payment: { sum: { amount: 100, currency: 'USD' } }, operation: { sum_initial: { amount: 100, currency: 'USD' } } })))),
      WebhookMalformed,
    );
    assert.throws(() => provider.parseWebhook(raw('not json')), WebhookMalformed);
    assert.throws(() => provider.parseWebhook(raw('[1,2]')), WebhookMalformed);
    assert.throws(() => provider.parseWebhook(raw('null')), WebhookMalformed);
  });

  it('acknowledges refund callbacks, and payout callbacks for no attempt bayar sent, without acting', () => {
    const refund = provider.parseWebhook(raw(officialCallback(ourCallback({ payment: { status: 'refunded' }, operation: { type: 'refund' } }))));
    assert.equal(refund.kind, 'ignored');
    const payout = provider.parseWebhook(raw(officialCallback(ourCallback({ payment: { type: 'payout' } }))));
    assert.equal(payout.kind, 'ignored');
  });

  it('answers 200 to take a callback and 503 to have it resent', () => {
    assert.equal(provider.webhookAck().status, 200);
    assert.equal(provider.webhookRetryLater().status, 503);
  });
});

// ---- the adapter against the in-process sandbox ----

async function startReceiver(answer: (body: string) => number = () => 200) {
  const received: { body: string; headers: IncomingHttpHeaders; at: number }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ body, headers: req.headers, at: Date.now() });
      res.writeHead(answer(body)).end();
    });
  });
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
  return { url: `http://127.0.0.1:${port}${WEBHOOK_PATH}`, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** A pass-through to the sandbox that records what bayar sends, and can answer a path itself. */
async function startProxy(target: string, intercept: (path: string) => { status: number; body: string } | undefined = () => undefined) {
  const seen: { path: string; body: string }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ path: req.url ?? '', body });
      const own = intercept(req.url ?? '');
      if (own) return void res.writeHead(own.status, { 'content-type': 'application/json' }).end(own.body);
      const forward = httpRequest(target + (req.url ?? ''), { method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      forward.end(body);
    });
  });
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
  return { url: `http://127.0.0.1:${port}`, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

function chargeRequest(method: PaymentMethod, overrides: Partial<CreateChargeRequest> = {}): CreateChargeRequest {
  return {
    paymentId: paymentId(),
    method,
    amount: 150_000,
    expiresAt: new Date(Date.now() + 3600_000).toISOString(),
    description: 'Order 42',
    customer: { name: 'Budi Santoso Putra', email: 'Budi@Example.com', phone: '+6281122334455', ipAddress: '203.0.113.7' },
    ...overrides,
  };
}

const asRaw = (r: { body: string }): RawWebhook => raw(r.body);

describe('ecommpay adapter against the local sandbox', () => {
  let kit: SandboxKit;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let url: string;
  let provider: EcommpayProvider;
  const callbacksFor = (id: string) => receiver.received.filter((r) => (JSON.parse(r.body) as { payment: { id: string } }).payment.id === id);

  before(async () => {
    receiver = await startReceiver();
    kit = new SandboxKit(new EcommpaySandbox({ projectId: PROJECT_ID, secretKey: SECRET }), { callbackUrl: receiver.url, timeScale: 0.0001 });
    url = `http://127.0.0.1:${await kit.listen(0)}`;
    provider = new EcommpayProvider({ projectId: PROJECT_ID, secretKey: SECRET, baseUrl: url, timeoutMs: 5000 });
  });
  after(async () => {
    await kit.close();
    await receiver.close();
  });

  it('sends the documented sale body, signed in general.signature (checked with the official signer)', async () => {
    const proxy = await startProxy(url);
    try {
      const viaProxy = new EcommpayProvider({ projectId: PROJECT_ID, secretKey: SECRET, baseUrl: proxy.url, timeoutMs: 5000 });
      const request = chargeRequest('VA_BNI', { returnUrl: 'https://shop.example/thanks' });
      const snapshot = await viaProxy.createCharge(request);
      assert.deepEqual(snapshot, { providerReference: request.paymentId, chargeStatus: 'PENDING', providerStatus: 'accepted', instructions: {} });
      const paths = proxy.seen.map((s) => s.path);
      assert.deepEqual(paths, [ECOMMPAY_PATHS.banks, ECOMMPAY_PATHS.sale], 'the bank list first (then cached), then the sale');
      const sale = JSON.parse(proxy.seen[1]!.body) as { general: Record<string, unknown> } & Record<string, unknown>;
      const { signature, ...general } = sale.general;
      assert.equal(signature, official.signer({ ...sale, general }, SECRET), 'the official signer computes the same signature');
      assert.deepEqual(general, { payment_id: request.paymentId, project_id: PROJECT_ID });
      assert.deepEqual(sale.payment, { amount: 15_000_000, currency: 'IDR', description: 'Order 42', best_before: request.expiresAt.slice(0, 19) + '+00:00' });
      const customer = sale.customer as Record<string, string>;
      assert.match(customer.id!, /^cust_[0-9a-f]{32}$/);
      assert.deepEqual({ ...customer, id: undefined }, { id: undefined, ip_address: '203.0.113.7', first_name: 'Budi', last_name: 'Santoso Putra' });
      assert.deepEqual(sale.account, { bank_id: 2931 });
      assert.deepEqual(sale.return_url, { return: 'https://shop.example/thanks' });
      const list = JSON.parse(proxy.seen[0]!.body) as { general: Record<string, unknown>; payment: unknown };
      assert.deepEqual(list.payment, { amount: 15_000_000, currency: 'IDR' });
      assert.equal(list.general.payment_id, `${request.paymentId}-banks`, 'the sale’s payment_id stays unused');

      // The same customer gets the same id on the next payment; no e-mail or phone: the payment id.
      const again = chargeRequest('VA_BRI', { customer: { email: 'budi@example.com', ipAddress: '203.0.113.7' } });
      await viaProxy.createCharge(again);
      const anonymous = chargeRequest('VA_BRI', { customer: { ipAddress: '2001:db8::7' } });
      await viaProxy.createCharge(anonymous);
      const sales = proxy.seen.filter((s) => s.path === ECOMMPAY_PATHS.sale).map((s) => JSON.parse(s.body) as { customer: { id: string; ip_address: string } });
      assert.equal(sales[1]!.customer.id, customer.id, 'e-mail compared case-insensitively');
      assert.equal(sales[2]!.customer.id, anonymous.paymentId);
      assert.equal(sales[2]!.customer.ip_address, '2001:db8::7');
      assert.equal(proxy.seen.filter((s) => s.path === ECOMMPAY_PATHS.banks).length, 1, 'the bank list is cached');
    } finally {
      await proxy.close();
    }
  });

  it('create → intermediate callback with the VA page → pay → final callback → PAID, and the status lookup agrees', async () => {
    const request = chargeRequest('VA_MANDIRI');
    await provider.createCharge(request);
    const intermediate = await until(() => callbacksFor(request.paymentId)[0], 10_000);
    assert.doesNotThrow(() => new official.Callback(SECRET, intermediate.body), 'the official Callback accepts the sandbox’s signature');
    const first = provider.parseWebhook(asRaw(intermediate));
    assert.ok(first.kind === 'payment');
    assert.equal(first.event.chargeStatus, 'PENDING');
    const payUrl = first.event.instructions?.payUrl;
    assert.match(payUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+\/payment-page\/indonesia-va\/[0-9a-f]{24}$/);
    const page = await fetch(payUrl!);
    assert.equal(page.status, 200);
    const html = await page.text();
    const va = /<p id="va"[^>]*>(\d{16})<\/p>/.exec(html)?.[1];
    assert.ok(va, 'the VA page shows a 16-digit VA number');
    assert.match(html, /Rp 150\.000/);
    assert.equal((await provider.findCharge({ paymentId: request.paymentId, method: 'VA_MANDIRI' }))?.chargeStatus, 'PENDING');

    const paid = await fetch(`${url}/_sandbox/charges/${request.paymentId}/pay`, { method: 'POST', body: '{}' });
    assert.equal(paid.status, 200);
    const final = await until(() => callbacksFor(request.paymentId)[1]);
    const last = provider.parseWebhook(asRaw(final));
    assert.ok(last.kind === 'payment');
    assert.equal(last.event.chargeStatus, 'PAID');
    assert.equal(last.event.paidAmount, 150_000);
    assert.equal(new official.Callback(SECRET, final.body).isPaymentSuccess(), true);
    assert.equal((JSON.parse(final.body) as { account: { number: string } }).account.number, va);
    const snapshot = await provider.findCharge({ paymentId: request.paymentId, method: 'VA_MANDIRI' });
    assert.equal(snapshot?.chargeStatus, 'PAID');
    assert.equal(snapshot?.paidAmount, 150_000);
    // The paid time: the sale operation's date, the same in the status answer and the final callback.
    assert.ok(snapshot?.paidAt && Math.abs(Date.parse(snapshot.paidAt) - Date.now()) < 60_000, `paidAt ${snapshot?.paidAt}`);
    assert.equal(last.event.paidAt, snapshot?.paidAt);
    const twice = await fetch(`${url}/_sandbox/charges/${request.paymentId}/pay`, { method: 'POST', body: '{}' });
    assert.equal(twice.status, 400);
  });

  it('a resent sale (same payment_id) gets 3041, which the adapter resolves to the existing payment — once', async () => {
    const request = chargeRequest('VA_PERMATA');
    await provider.createCharge(request);
    const again = await provider.createCharge(request);
    assert.equal(again.providerReference, request.paymentId);
    assert.equal(again.chargeStatus, 'PENDING');
    const entry = (await (await fetch(`${url}/_sandbox/ledger`)).json()) as { charges: { reference: string; createRequests: number }[] };
    const charges = entry.charges.filter((c) => c.reference === request.paymentId);
    assert.equal(charges.length, 1);
    assert.equal(charges[0]!.createRequests, 2);
    await assert.rejects(provider.createCharge({ ...request, amount: 1_000 }), (err: unknown) => err instanceof ProviderRejected && err.code === 'AMOUNT_MISMATCH');
  });

  it('refuses what ecommpay would not take, with its codes; 5xx is retryable', async () => {
    const wrongKey = new EcommpayProvider({ projectId: PROJECT_ID, secretKey: 'wrong-secret-key', baseUrl: url, timeoutMs: 5000 });
    await assert.rejects(wrongKey.findCharge({ paymentId: paymentId(), method: 'VA_BNI' }), (err: unknown) => err instanceof ProviderRejected && err.code === 'ECOMMPAY_400_3261');
    const otherProject = new EcommpayProvider({ projectId: 1, secretKey: SECRET, baseUrl: url, timeoutMs: 5000 });
    await assert.rejects(otherProject.findCharge({ paymentId: paymentId(), method: 'VA_BNI' }), (err: unknown) => err instanceof ProviderRejected && err.code === 'ECOMMPAY_400_3261');
    const unsigned = await fetch(url + ECOMMPAY_PATHS.sale, { method: 'POST', body: JSON.stringify({ general: { project_id: PROJECT_ID, payment_id: 'x' } }) });
    assert.equal(unsigned.status, 400);
    assert.deepEqual(pick(await unsigned.json(), ['status', 'code', 'message']), { status: 'error', code: '3262', message: 'Empty signature' });
    const notJson = await fetch(url + ECOMMPAY_PATHS.sale, { method: 'POST', body: '{' });
    assert.equal(((await notJson.json()) as { code: string }).code, '2003');
    // Signed bodies that are no valid sale: no customer; a fraction of a rupiah.
    const noCustomer = signRequest({ general: { project_id: PROJECT_ID, payment_id: paymentId() }, payment: { amount: 100, currency: 'IDR' }, account: { bank_id: 2931 } }, SECRET);
    const missing = await fetch(url + ECOMMPAY_PATHS.sale, { method: 'POST', body: JSON.stringify(noCustomer) });
    assert.equal(((await missing.json()) as { code: string }).code, '2004');
    const fraction = signRequest(
      { general: { project_id: PROJECT_ID, payment_id: paymentId() }, payment: { amount: 150, currency: 'IDR' }, customer: { id: 'c', ip_address: '192.0.2.1' }, account: { bank_id: 2931 } },
      SECRET,
    );
    const invalid = (await (await fetch(url + ECOMMPAY_PATHS.sale, { method: 'POST', body: JSON.stringify(fraction) })).json()) as { code: string; message: string };
    assert.equal(invalid.code, '502');
    assert.match(invalid.message, /whole rupiah/);
    const unknownBank = signRequest(
      { general: { project_id: PROJECT_ID, payment_id: paymentId() }, payment: { amount: 100, currency: 'IDR' }, customer: { id: 'c', ip_address: '192.0.2.1' }, account: { bank_id: 2961 } },
      SECRET,
    );
    const bank = await fetch(url + ECOMMPAY_PATHS.sale, { method: 'POST', body: JSON.stringify(unknownBank) });
    assert.equal(((await bank.json()) as { code: string }).code, '2641', 'seed 004’s example bank 2961 is not in its own table');

    await assert.rejects(provider.createCharge(chargeRequest('VA_BNI', { customer: { name: 'No IP' } })), (err: unknown) => err instanceof ProviderRejected && err.code === 'CUSTOMER_IP_REQUIRED');
    await assert.rejects(provider.createCharge(chargeRequest('QRIS')), (err: unknown) => err instanceof ProviderRejected && err.code === 'UNSUPPORTED_METHOD');
    await fetch(`${url}/_sandbox/faults`, { method: 'POST', body: JSON.stringify({ errorRate: 1 }) });
    try {
      await assert.rejects(provider.findCharge({ paymentId: paymentId(), method: 'VA_BNI' }), ProviderUnavailable);
      await assert.rejects(provider.createCharge(chargeRequest('VA_BNI')), ProviderUnavailable);
    } finally {
      await fetch(`${url}/_sandbox/faults`, { method: 'POST', body: '{}' });
    }
    const down = new EcommpayProvider({ projectId: PROJECT_ID, secretKey: SECRET, baseUrl: `http://127.0.0.1:${await closedPort()}`, timeoutMs: 2000 });
    await assert.rejects(down.findCharge({ paymentId: paymentId(), method: 'VA_BNI' }), ProviderUnavailable);
  });

  it('finds nothing for a payment ecommpay never registered', async () => {
    assert.equal(await provider.findCharge({ paymentId: paymentId(), method: 'VA_BNI' }), null);
  });

  it('a simulated decline reaches bayar as FAILED with the code; best_before passing as EXPIRED (20602), by callback and by lookup', async () => {
    const declined = chargeRequest('VA_MAYBANK');
    await provider.createCharge(declined);
    const res = await fetch(`${url}/_sandbox/ecommpay/charges/${declined.paymentId}/decline`, { method: 'POST', body: '{}' });
    assert.equal(res.status, 200);
    const notice = await until(() => callbacksFor(declined.paymentId).find((r) => (JSON.parse(r.body) as { payment: { status: string } }).payment.status === 'decline'));
    const parsed = provider.parseWebhook(asRaw(notice));
    assert.ok(parsed.kind === 'payment');
    assert.equal(parsed.event.chargeStatus, 'FAILED');
    assert.equal(parsed.event.reason, '20101 Decline due to amount or frequency limit');

    // The reading where best_before closes the VA (unconfirmed, so switched on here only).
    await fetch(`${url}/_sandbox/ecommpay/best-before`, { method: 'POST', body: JSON.stringify({ honoured: true }) });
    const expiring = chargeRequest('VA_SINARMAS', { expiresAt: new Date(Date.now() + 1500).toISOString() });
    try {
      await provider.createCharge(expiring);
    } finally {
      await fetch(`${url}/_sandbox/ecommpay/best-before`, { method: 'POST', body: JSON.stringify({ honoured: false }) });
    }
    const timeout = await until(() => callbacksFor(expiring.paymentId).find((r) => (JSON.parse(r.body) as { payment: { status: string } }).payment.status === 'decline'), 10_000);
    const expired = provider.parseWebhook(asRaw(timeout));
    assert.ok(expired.kind === 'payment');
    assert.equal(expired.event.chargeStatus, 'EXPIRED');
    assert.equal(expired.event.reason, '20602 Time-out');
    const snapshot = await provider.findCharge({ paymentId: expiring.paymentId, method: 'VA_SINARMAS' });
    assert.equal(snapshot?.chargeStatus, 'EXPIRED');
    // A late transfer (forced) is still reported, so bayar can see money after the close.
    await fetch(`${url}/_sandbox/charges/${expiring.paymentId}/pay`, { method: 'POST', body: JSON.stringify({ force: true }) });
    assert.equal((await provider.findCharge({ paymentId: expiring.paymentId, method: 'VA_SINARMAS' }))?.chargeStatus, 'PAID');
  });

  const refusedForBank = (err: unknown) => err instanceof ProviderRejected && err.code === 'BANK_UNAVAILABLE';
  const setDisabled = (disabled: number[]) => fetch(`${url}/_sandbox/ecommpay/banks`, { method: 'POST', body: JSON.stringify({ disabled }) });

  it('takes the live bank list: a bank missing from it is refused before any sale (BANK_UNAVAILABLE); after an hour the list is refreshed beside a sale, which does not wait for it', async () => {
    let now = Date.now();
    const proxy = await startProxy(url);
    const listRequests = () => proxy.seen.filter((x) => x.path === ECOMMPAY_PATHS.banks).length;
    const clocked = new EcommpayProvider({ projectId: PROJECT_ID, secretKey: SECRET, baseUrl: proxy.url, timeoutMs: 5000 }, () => now);
    await setDisabled([562]);
    try {
      const refused = chargeRequest('VA_SINARMAS');
      await assert.rejects(clocked.createCharge(refused), refusedForBank);
      assert.equal(
        ((await (await fetch(`${url}/_sandbox/ledger`)).json()) as { charges: { reference: string }[] }).charges.some((c) => c.reference === refused.paymentId),
        false,
        'no sale was sent',
      );
      await setDisabled([]);
      now += BANK_LIST_REFRESH_MS - 1;
      await assert.rejects(clocked.createCharge(chargeRequest('VA_SINARMAS')), refusedForBank, 'still cached');
      assert.equal(listRequests(), 1, 'not asked again within the hour');

      // Past the hour: the sale is judged on the list it has, and the list is refreshed beside it.
      now += 2;
      await assert.rejects(clocked.createCharge(chargeRequest('VA_SINARMAS')), refusedForBank, 'served while it is refreshed');
      const status = await until(async () => {
        try {
          return (await clocked.createCharge(chargeRequest('VA_SINARMAS'))).chargeStatus;
        } catch (err) {
          if (refusedForBank(err)) return undefined;
          throw err;
        }
      }, 10_000);
      assert.equal(status, 'PENDING', 'the refreshed list offers the bank again');
      assert.equal(listRequests(), 2, 'one refresh, however many sales asked meanwhile');
    } finally {
      await setDisabled([]);
      await proxy.close();
    }
  });

  it('keeps the list it has when a refresh fails (tried again a minute later) and serves it for 24 h at most; then the documented table, and ecommpay decides', async () => {
    let now = Date.now();
    const start = now;
    let listDown = false;
    const proxy = await startProxy(url, (path) => (path === ECOMMPAY_PATHS.banks && listDown ? { status: 500, body: '{"status":"error","code":"501","message":"Internal error"}' } : undefined));
    const listRequests = () => proxy.seen.filter((x) => x.path === ECOMMPAY_PATHS.banks).length;
    const clocked = new EcommpayProvider({ projectId: PROJECT_ID, secretKey: SECRET, baseUrl: proxy.url, timeoutMs: 5000 }, () => now);
    await setDisabled([562]);
    try {
      await assert.rejects(clocked.createCharge(chargeRequest('VA_SINARMAS')), refusedForBank);
      listDown = true;
      now += BANK_LIST_REFRESH_MS + 1;
      await assert.rejects(clocked.createCharge(chargeRequest('VA_SINARMAS')), refusedForBank);
      // The failed refresh is tried again a minute later; a second attempt can only start once the
      // first has finished (one fetch at a time), and the bank is still refused: the list was kept.
      now += BANK_LIST_RETRY_MS + 1;
      await until(async () => {
        await assert.rejects(clocked.createCharge(chargeRequest('VA_SINARMAS')), refusedForBank, 'the old list stands while refreshes fail');
        return listRequests() >= 3 ? true : undefined;
      }, 10_000);
      await assert.rejects(clocked.createCharge(chargeRequest('VA_SINARMAS')), refusedForBank);

      // 24 h after it was fetched the list is no longer served; with no list to be had, the
      // documented table stands in, the sale is sent, and ecommpay's own refusal of the disabled
      // bank (2641 "Invalid Bank Code or Currency") is the final word.
      now = start + BANK_LIST_TTL_MS - 1;
      await assert.rejects(clocked.createCharge(chargeRequest('VA_SINARMAS')), refusedForBank, 'served up to its 24 h');
      now = start + BANK_LIST_TTL_MS + 1;
      const sent = chargeRequest('VA_SINARMAS');
      await assert.rejects(
        clocked.createCharge(sent),
        (err: unknown) => err instanceof ProviderRejected && err.code === 'ECOMMPAY_400_2641',
        'past 24 h the old list is not used: ecommpay refuses the sale itself',
      );
      assert.ok(
        proxy.seen.some((x) => x.path === ECOMMPAY_PATHS.sale && x.body.includes(sent.paymentId)),
        'the sale reached ecommpay',
      );
    } finally {
      await setDisabled([]);
      await proxy.close();
    }
  });

  it('falls back to the documented banks when the list cannot be had, and asks again a minute later', async () => {
    let listDown = true;
    const proxy = await startProxy(url, (path) => (path === ECOMMPAY_PATHS.banks && listDown ? { status: 500, body: '{"status":"error","code":"501","message":"Internal error"}' } : undefined));
    let now = Date.now();
    try {
      const viaProxy = new EcommpayProvider({ projectId: PROJECT_ID, secretKey: SECRET, baseUrl: proxy.url, timeoutMs: 5000 }, () => now);
      assert.equal((await viaProxy.createCharge(chargeRequest('VA_SINARMAS'))).chargeStatus, 'PENDING', 'the documented table stands in');
      await viaProxy.createCharge(chargeRequest('VA_BRI'));
      assert.equal(proxy.seen.filter((s) => s.path === ECOMMPAY_PATHS.banks).length, 1, 'not asked again at once');
      listDown = false;
      now += BANK_LIST_RETRY_MS + 1;
      await viaProxy.createCharge(chargeRequest('VA_BRI'));
      assert.equal(proxy.seen.filter((s) => s.path === ECOMMPAY_PATHS.banks).length, 2);
    } finally {
      await proxy.close();
    }
  });

  it('follows general.merchant_callback_url for one payment', async () => {
    const other = await startReceiver();
    try {
      const id = paymentId();
      const body = signRequest(
        {
          general: { project_id: PROJECT_ID, payment_id: id, merchant_callback_url: other.url },
          payment: { amount: 1_000_000, currency: 'IDR' },
          customer: { id: 'c1', ip_address: '192.0.2.1' },
          account: { bank_id: 433 },
        },
        SECRET,
      );
      assert.equal((await fetch(url + ECOMMPAY_PATHS.sale, { method: 'POST', body: JSON.stringify(body) })).status, 200);
      const delivered = await until(() => other.received[0], 10_000);
      assert.equal(provider.parseWebhook(asRaw(delivered)).kind, 'payment');
      assert.equal(callbacksFor(id).length, 0);
    } finally {
      await other.close();
    }
  });
});

describe('ecommpay configuration', () => {
  it('defaults to the local sandbox with the development project and secret', () => {
    const config = loadConfig({ BAYAR_ENV: 'development', BAYAR_SANDBOX_PORT_BASE: '5100' });
    assert.deepEqual(config.providers.ecommpay!, {
      baseUrl: `http://127.0.0.1:${5100 + SANDBOX_PORT_OFFSETS.ecommpay}`,
      sandbox: true,
      projectId: DEV_DEFAULTS.ecommpay.projectId,
      secretKey: DEV_DEFAULTS.ecommpay.secretKey,
    });
  });

  it('takes a real project, and refuses a real base URL without its project id and secret, or a non-numeric project id', () => {
    const real = {
      ECOMMPAY_BASE_URL: 'https://api.ecommpay.com',
      ECOMMPAY_PROJECT_ID: '2990',
      ECOMMPAY_SECRET_KEY: 'live-secret-key-xyz',
      BAYAR_API_KEYS: 'shop:sk_live_aaaaaaaa',
      BAYAR_MERCHANT_WEBHOOK_SECRETS: 'shop:whsec_live_bbbbbbbb',
      BAYAR_DATA_KEY: Buffer.alloc(32, 7).toString('base64'),
    };
    assert.deepEqual(loadConfig({ BAYAR_ENV: 'development', ...real }).providers.ecommpay!, { baseUrl: 'https://api.ecommpay.com', sandbox: false, projectId: 2990, secretKey: 'live-secret-key-xyz' });
    assert.throws(
      () => loadConfig({ BAYAR_ENV: 'development', ...real, ECOMMPAY_SECRET_KEY: undefined }),
      (err: unknown) => err instanceof ConfigError && /ECOMMPAY_PROJECT_ID and ECOMMPAY_SECRET_KEY/.test(err.message),
    );
    assert.throws(
      () => loadConfig({ BAYAR_ENV: 'development', ...real, ECOMMPAY_PROJECT_ID: 'abc' }),
      (err: unknown) => err instanceof ConfigError && /ECOMMPAY_PROJECT_ID/.test(err.message),
    );
    assert.throws(
      () => loadConfig({ BAYAR_ENV: 'development', ECOMMPAY_SECRET_KEY: 'short' }),
      (err: unknown) => err instanceof ConfigError && /ECOMMPAY_SECRET_KEY/.test(err.message) && !err.message.includes('"short"'),
    );
  });
});

describe('ecommpay sandbox callback retries', () => {
  it('documents 6 resends every 10 s, then growing intervals up to 4 h, at most 120 attempts over 11 days', () => {
    const s = ECOMMPAY_CALLBACK_RETRIES_MS;
    assert.deepEqual(s.slice(0, 6), [10_000, 10_000, 10_000, 10_000, 10_000, 10_000]);
    assert.ok(s[6]! > 70_000 && s[6]! < 90_000, `7th resend after ${s[6]} ms`);
    for (let i = 7; i < s.length; i++) assert.ok(s[i]! >= s[i - 1]!, 'never shorter than the one before');
    assert.equal(Math.max(...s), 4 * 3600_000);
    assert.ok(s.length + 1 <= 120, `${s.length + 1} attempts`);
    const total = s.reduce((a, b) => a + b, 0);
    assert.ok(total <= 11 * 24 * 3600_000 && total > 9 * 24 * 3600_000, `spans ${(total / 86_400_000).toFixed(1)} days`);
  });

  const isFinal = (body: string) => (JSON.parse(body) as { payment: { status: string } }).payment.status === 'success';

  // Scaled by 0.0001: resends 1 ms apart at first, then ≈ 8.4 ms, 8.6 ms, …
  for (const [label, answer, attempts] of [
    ['a 500 every time is resent on the schedule', () => 500, 12],
    ['a 200 at the third attempt stops there', (n: number) => (n >= 3 ? 200 : 503), 3],
    ['a 200 at once is enough', () => 200, 1],
  ] as const) {
    it(label, async () => {
      let finalsSeen = 0;
      // Only the final callback's attempts are counted and answered by the rule; the intermediate one is taken.
      const receiver = await startReceiver((body) => (isFinal(body) ? answer(++finalsSeen) : 200));
      const kit = new SandboxKit(new EcommpaySandbox({ projectId: PROJECT_ID, secretKey: SECRET }), { callbackUrl: receiver.url, timeScale: 0.0001 });
      const url = `http://127.0.0.1:${await kit.listen(0)}`;
      try {
        const provider = new EcommpayProvider({ projectId: PROJECT_ID, secretKey: SECRET, baseUrl: url, timeoutMs: 5000 });
        const request = chargeRequest('VA_BNI');
        await provider.createCharge(request);
        // Paying at once issues the intermediate callback first; only the final one is counted here.
        await fetch(`${url}/_sandbox/charges/${request.paymentId}/pay`, { method: 'POST', body: '{}' });
        const finals = () => receiver.received.filter((r) => isFinal(r.body));
        await until(() => (finals().length >= attempts ? true : undefined), 15_000);
        await new Promise((r) => setTimeout(r, attempts === 12 ? 0 : 300));
        if (attempts !== 12) assert.equal(finals().length, attempts);
        const first = finals()[0]!;
        for (const r of finals()) assert.equal(r.body, first.body, 'every resend is the same callback, same signature');
        if (attempts === 12) {
          const at = finals().map((r) => r.at - first.at);
          // The 7th resend waits ≈ 84 s × 0.0001 after the 6th.
          assert.ok(at[7]! - at[6]! >= ECOMMPAY_CALLBACK_RETRIES_MS[6]! * 0.0001 * 0.9, `gap ${at[7]! - at[6]!} ms`);
        }
      } finally {
        await kit.close();
        await receiver.close();
      }
    });
  }
});

/** A loopback port nothing listens on (connection refused). */
async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

function pick(value: unknown, keys: string[]): Record<string, unknown> {
  const v = value as Record<string, unknown>;
  return Object.fromEntries(keys.map((k) => [k, v[k]]));
}
