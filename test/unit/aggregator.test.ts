// The RSA aggregator (seed 003), tested from outside the code it tests where possible: signatures
// against vectors computed with the openssl CLI (`openssl rsautl -sign -pkcs`, block by block — an
// independent PKCS#1 v1.5 implementation) and against the formula restated here; round trips,
// tampering and wrong keys; a fast-check fuzz of the callback parser; the input rules; the status
// tables; configuration of the keys; and the adapter — pay-in and pay-on-behalf — against the
// in-process sandbox, including the callback schedule.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { constants, createPrivateKey, createPublicKey, generateKeyPairSync, privateEncrypt, publicDecrypt, type KeyObject } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { AggregatorClient } from '../../src/providers/aggregator/client.js';
import {
  AggregatorProvider,
  cashParams,
  payoutIdOf,
  customerFields,
  expiryMinutes,
  localPhone,
  orderParams,
  parseForm,
  productDetail,
  PLACEHOLDER_CUSTOMER,
} from '../../src/providers/aggregator/index.js';
import { AGGREGATOR_METHODS, aggregatorCapabilities, PAYOUT_BANK_CODES } from '../../src/providers/aggregator/capabilities.js';
import { aggregatorPayoutStatusToState, aggregatorStatusToChargeStatus } from '../../src/providers/aggregator/status.js';
import { rsaRecover, rsaSign, rsaVerify, signParams, stringToSign, verifyParams } from '../../src/providers/aggregator/signature.js';
import { canPayOut, type SendPayoutRequest } from '../../src/providers/payout.js';
import { ProviderOutcomeUnknown, ProviderRejected, ProviderUnavailable, SignatureInvalid, WebhookMalformed, type CreateChargeRequest, type RawWebhook } from '../../src/providers/provider.js';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { DEV_DEFAULTS } from '../../src/sandbox/dev-defaults.js';
import {
  DEV_AGGREGATOR_MERCHANT_PRIVATE_KEY,
  DEV_AGGREGATOR_MERCHANT_PUBLIC_KEY,
  DEV_AGGREGATOR_PLATFORM_PRIVATE_KEY,
  DEV_AGGREGATOR_PLATFORM_PUBLIC_KEY,
} from '../../src/providers/aggregator/sandbox/dev-keys.js';
import { SandboxKit } from '../../src/sandbox/kit.js';
import { AggregatorSandbox, CALLBACK_INTERVALS_MS, SANDBOX_PAYOUT_FEE, type CallbackDelivery } from '../../src/providers/aggregator/sandbox/sandbox.js';
import type { PaymentMethod } from '../../src/domain/payment.js';
import { randomPaymentId as paymentId, until } from '../helpers/wait.js';

const MERCHANT_ID = 'S-BAYAR-UNIT-TEST';
const merchantPrivate = createPrivateKey(DEV_AGGREGATOR_MERCHANT_PRIVATE_KEY);
const merchantPublic = createPublicKey(DEV_AGGREGATOR_MERCHANT_PUBLIC_KEY);
const platformPrivate = createPrivateKey(DEV_AGGREGATOR_PLATFORM_PRIVATE_KEY);
const platformPublic = createPublicKey(DEV_AGGREGATOR_PLATFORM_PUBLIC_KEY);
/** Someone else's key: signs nothing we should accept. */
const stranger = generateKeyPairSync('rsa', { modulusLength: 1024 });

// ---- an independent restatement of the formula (seed 003 / TopPay sample code) ----

/** Names ascending, values only, the signature field left out; private-encrypt 117-byte blocks; Base64. */
function referenceSign(params: Record<string, string>, key: KeyObject, exclude: string): string {
  const text = Object.keys(params)
    .filter((k) => k !== exclude)
    .sort()
    .map((k) => params[k])
    .join('');
  const data = Buffer.from(text, 'utf8');
  const blocks: Buffer[] = [];
  for (let i = 0; i < data.length; i += 117) blocks.push(privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, data.subarray(i, i + 117)));
  return Buffer.concat(blocks).toString('base64');
}

/** A realistic order request (every field the adapter sends), and its signature computed with openssl. */
const ORDER_PARAMS = {
  merchantCode: 'S-BAYAR-SANDBOX-DEV',
  orderNum: 'pay_0123456789abcdef01234567',
  method: 'VA_BCA',
  payMoney: '150000',
  productDetail: 'Order 42',
  name: 'Budi Santoso',
  email: 'budi@example.com',
  phone: '081234567890',
  notifyUrl: 'https://bayar.example.com/webhooks/aggregator',
  expiryPeriod: '4320',
  dateTime: '20250101120000',
};
const ORDER_TEXT =
  '20250101120000' +
  'budi@example.com' +
  '4320' +
  'S-BAYAR-SANDBOX-DEV' +
  'VA_BCA' +
  'Budi Santoso' +
  'https://bayar.example.com/webhooks/aggregator' +
  'pay_0123456789abcdef01234567' +
  '150000' +
  '081234567890' +
  'Order 42';
/** `printf %s "$ORDER_TEXT"`, split at 117 bytes, each block `openssl rsautl -sign -pkcs -inkey <dev merchant key>`, concatenated, base64. */
const ORDER_SIGN_OPENSSL =
  'G/r7ObUZXfJub1ubqiWKlVj/9pJTCVIScFGSPC+loKTQsxBO7wbElJixIDtcOBW3lL7C2EDHlFB+Z4Z/mxDtu5cXvkO+B+s7RciAy+3LueCpiHVKosZ1e8Z3+4ThVO9ZXOxdnez7OIDswUd7mVMwDaPLGybfyztyVwtq7P8Etw8C0akRnE2Hb1M2HpCat7C5sfbLmY43oeLQYdaBvvvFOifG/nRoaD1ObEtg600jDkk2DAWeiRhIV/EdUjchpCDk3lRQeji2Z4fSbhIK6in2smdWprhrKtiddwmm2shSNsvzOPU7TO/8iXlgFqE15WcdsZHyapiOcU9lMOHRwBs7eA==';

/** A payment callback as the platform would send it, signed with openssl and the dev platform key. */
const CALLBACK_FIELDS = {
  code: '00',
  email: 'budi@example.com',
  method: 'VA_BCA',
  msg: 'SUCCESS',
  name: 'Budi Santoso',
  orderNum: 'pay_0123456789abcdef01234567',
  payFee: '0',
  payMoney: '150000',
  platOrderNum: 'PRE20250101120000123456',
  vaNumber: '3901012345678901',
};
const CALLBACK_SIGN_OPENSSL =
  'p6+37JqXYdwoYFs9/cLcUOWiKA/163yFR8wR3VZYjVZBzv7TC3a5sjUwKoHhdgILbvNrpqYMm9RvXDhelhhzsmcEB4xxTh94YxRTx+jX8I/uT7Yk+2TkgY9hrH27jVApzBaHDl+P2k70kZdqV7KsHMGvQdSBNCDb7GrHVXLJ3jw=';

function formBody(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

function raw(body: string, contentType = 'application/x-www-form-urlencoded'): RawWebhook {
  return { headers: { 'content-type': contentType }, rawBody: Buffer.from(body), path: '/webhooks/aggregator' };
}

function signedCallback(fields: Record<string, string>, key: KeyObject = platformPrivate): string {
  return formBody({ ...fields, platSign: referenceSign(fields, key, 'platSign') });
}

/** The adapter with the development keys; `baseUrl` and `notifyUrl` as given. */
function adapter(baseUrl = 'http://127.0.0.1:9', notifyUrl = 'http://127.0.0.1:9/webhooks/aggregator', overrides: Partial<{ privateKey: string; platformPublicKey: string; timeoutMs: number }> = {}) {
  return new AggregatorProvider({
    merchantId: MERCHANT_ID,
    privateKey: DEV_AGGREGATOR_MERCHANT_PRIVATE_KEY,
    platformPublicKey: DEV_AGGREGATOR_PLATFORM_PUBLIC_KEY,
    baseUrl,
    timeoutMs: 5000,
    notifyUrl,
    ...overrides,
  });
}

function chargeRequest(method: PaymentMethod, overrides: Partial<CreateChargeRequest> = {}): CreateChargeRequest {
  return {
    paymentId: paymentId(),
    method,
    amount: 150_000,
    expiresAt: new Date(Date.now() + 3600_000).toISOString(),
    description: 'Order 42',
    customer: { name: 'Budi Santoso', email: 'budi@example.com', phone: '+6281234567890' },
    ...overrides,
  };
}

async function rejection(promise: Promise<unknown> | (() => unknown)): Promise<Error> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (err) {
    return err as Error;
  }
  assert.fail('expected a rejection');
}

// ---------------------------------------------------------------------------------------------

describe('aggregator signature', () => {
  it('signs the values of the sorted parameter names, concatenated, without the sign field', () => {
    assert.equal(stringToSign({ orderNum: 'T1', merchantCode: 'S1', payMoney: '10000', sign: 'x' }, 'sign'), 'S1T110000');
    assert.equal(stringToSign({ b: '2', a: '1', platSign: 'x', sign: 'kept' }, 'platSign'), '12kept', 'only the named signature field is left out');
    // JSON answers carry numbers; absent values add nothing, like empty ones.
    assert.equal(stringToSign({ amount: 10000, fee: 0, msg: null, z: undefined, y: '' }, 'platSign'), '100000');
    // Names sort by code unit (uppercase before lowercase), as Java's sort and PHP's ksort order ASCII.
    assert.equal(stringToSign({ b: 'b', B: 'B', a: 'a', A: 'A' }, 'sign'), 'ABab');
    assert.equal(stringToSign(ORDER_PARAMS, 'sign'), ORDER_TEXT);
  });

  it('matches the openssl-computed signature of a full order request (two 117-byte blocks)', () => {
    assert.equal(Buffer.byteLength(ORDER_TEXT), 170);
    const sign = signParams({ ...ORDER_PARAMS, sign: 'anything' }, merchantPrivate);
    assert.equal(sign, ORDER_SIGN_OPENSSL);
    assert.equal(Buffer.from(sign, 'base64').length, 256, 'two 128-byte blocks');
    assert.equal(sign, referenceSign(ORDER_PARAMS, merchantPrivate, 'sign'), 'and the restated formula');
  });

  it('verifies the openssl-computed platSign of a callback with the platform public key', () => {
    assert.equal(verifyParams({ ...CALLBACK_FIELDS, platSign: CALLBACK_SIGN_OPENSSL }, platformPublic), true);
  });

  it('chunks by the key size: 117 bytes for 1024-bit keys, 245 for 2048-bit', () => {
    const big = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const text = 'x'.repeat(300);
    const small = Buffer.from(rsaSign(text, merchantPrivate), 'base64');
    assert.equal(small.length, 3 * 128, '300 bytes = 117 + 117 + 66');
    const large = Buffer.from(rsaSign(text, big.privateKey), 'base64');
    assert.equal(large.length, 2 * 256, '300 bytes = 245 + 55');
    // Each block is PKCS#1 v1.5 type 1, recoverable with the public key alone.
    assert.equal(publicDecrypt({ key: big.publicKey, padding: constants.RSA_PKCS1_PADDING }, large.subarray(0, 256)).length, 245);
    assert.equal(rsaRecover(rsaSign(text, big.privateKey), big.publicKey)?.toString(), text);
    assert.equal(rsaVerify(text, rsaSign(text, big.privateKey), big.publicKey), true);
  });

  it('round-trips any parameters, including multi-byte text across block boundaries', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 90 }), { maxKeys: 8 }), (params) => {
        const signed = { ...params, platSign: signParams(params, platformPrivate, 'platSign') };
        return verifyParams(signed, platformPublic);
      }),
      { numRuns: 60 },
    );
  });

  it('detects tampering: a changed, added or removed value, or a changed signature', () => {
    const signed = { ...CALLBACK_FIELDS, platSign: CALLBACK_SIGN_OPENSSL };
    assert.equal(verifyParams({ ...signed, payMoney: '1500000' }, platformPublic), false);
    assert.equal(verifyParams({ ...signed, extra: 'x' }, platformPublic), false);
    const { vaNumber: _dropped, ...withoutVa } = signed;
    assert.equal(verifyParams(withoutVa, platformPublic), false);
    // Moving characters between fields keeps the concatenation; moving a field's NAME does not.
    assert.equal(verifyParams({ ...signed, payFee: '01', payMoney: '50000' }, platformPublic), true, 'values-only concatenation is the documented formula');
    const bytes = Buffer.from(CALLBACK_SIGN_OPENSSL, 'base64');
    bytes[10] = bytes[10]! ^ 0x01;
    assert.equal(verifyParams({ ...signed, platSign: bytes.toString('base64') }, platformPublic), false);
    assert.equal(verifyParams({ ...signed, platSign: CALLBACK_SIGN_OPENSSL.slice(0, -4) }, platformPublic), false, 'truncated');
    assert.equal(verifyParams({ ...signed, platSign: CALLBACK_SIGN_OPENSSL + CALLBACK_SIGN_OPENSSL }, platformPublic), false, 'one block too many');
    assert.equal(verifyParams({ ...signed, platSign: '' }, platformPublic), false);
    assert.equal(verifyParams({ ...signed, platSign: '%%%not base64%%%' }, platformPublic), false);
    assert.equal(verifyParams({ ...CALLBACK_FIELDS }, platformPublic), false, 'no signature at all');
  });

  it('refuses a signature made with the wrong key', () => {
    const fields = { ...CALLBACK_FIELDS };
    assert.equal(verifyParams({ ...fields, platSign: signParams(fields, merchantPrivate, 'platSign') }, platformPublic), false, 'our own key');
    assert.equal(verifyParams({ ...fields, platSign: signParams(fields, stranger.privateKey, 'platSign') }, platformPublic), false, 'a stranger');
    assert.equal(verifyParams({ ...fields, platSign: CALLBACK_SIGN_OPENSSL }, merchantPublic), false, 'checked with the wrong public key');
  });
});

describe('aggregator input rules (seed 003), checked before anything is sent', () => {
  const va = AGGREGATOR_METHODS.VA_BCA;
  const ovo = AGGREGATOR_METHODS.EWALLET_OVO;
  const refused = (fn: () => unknown, code: RegExp) => {
    assert.throws(fn, (err: unknown) => err instanceof ProviderRejected && code.test(err.code) && err.message.startsWith('aggregator'));
  };

  it('accepts names of letters, digits and spaces up to 30; refuses anything else', () => {
    assert.equal(customerFields(va, { name: '  Budi   Santoso 2 ' }).name, 'Budi Santoso 2');
    assert.equal(customerFields(va, { name: 'A'.repeat(30) }).name.length, 30);
    for (const name of ['A'.repeat(31), "Budi O'Neil", 'José', '张伟', 'Budi 😀', '   ', 'Budi-Santoso']) refused(() => customerFields(va, { name }), /^CUSTOMER_NAME_INVALID$/);
  });

  it('accepts xxx@xx.xx emails; refuses others', () => {
    assert.equal(customerFields(va, { email: 'budi.s+shop@mail.example.co.id' }).email, 'budi.s+shop@mail.example.co.id');
    for (const email of ['budi', 'budi@example', 'budi@@example.com', 'bü@example.com', 'budi @example.com']) refused(() => customerFields(va, { email }), /^CUSTOMER_EMAIL_INVALID$/);
  });

  it('sends phones as pure digits in the local 08… form', () => {
    assert.equal(localPhone('+6281234567890'), '081234567890');
    assert.equal(localPhone('6281234567890'), '081234567890');
    assert.equal(localPhone('081234567890'), '081234567890');
    assert.equal(customerFields(va, { phone: '+6281234567890' }).phone, '081234567890');
    assert.equal(customerFields(va, { phone: '+14155550100' }).phone, '14155550100', 'digits only for non-OVO methods');
    refused(() => customerFields(va, { phone: '0812-3456-7890' }), /^CUSTOMER_PHONE_INVALID$/);
  });

  it("OVO needs the customer's OVO phone: missing or not an Indonesian mobile number is refused, clearly", () => {
    const err = (() => {
      try {
        customerFields(ovo, { name: 'Budi' });
      } catch (e) {
        return e as ProviderRejected;
      }
      return undefined;
    })();
    assert.ok(err instanceof ProviderRejected);
    assert.equal(err.code, 'OVO_PHONE_REQUIRED');
    assert.match(err.message, /EWALLET_OVO needs customer\.phone.*registered with OVO.*30 s/);
    refused(() => customerFields(ovo, { phone: '+14155550100' }), /^OVO_PHONE_INVALID$/);
    refused(() => customerFields(ovo, { phone: '0215550100' }), /^OVO_PHONE_INVALID$/);
    assert.equal(customerFields(ovo, { phone: '+6282113086611' }).phone, '082113086611');
  });

  it('fills what bayar was not given with well-formed placeholders (the platform allows "any")', () => {
    assert.deepEqual(customerFields(va, {}), { ...PLACEHOLDER_CUSTOMER });
  });

  it('sends expiryPeriod in whole minutes within 15–97,200, rounded up', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    const at = (ms: number) => new Date(now + ms).toISOString();
    assert.equal(expiryMinutes(at(2_000), now), 15, 'below the minimum: 15, bayar closes at its own deadline');
    assert.equal(expiryMinutes(at(20 * 60_000 + 1), now), 21);
    assert.equal(expiryMinutes(at(4_320 * 60_000), now), 4_320);
    assert.equal(expiryMinutes(at(200_000 * 60_000), now), 97_200);
    assert.equal(aggregatorCapabilities.expirySeconds.default, 4_320 * 60);
    assert.equal(aggregatorCapabilities.expirySeconds.max, 97_200 * 60);
  });

  it('reduces the description to 32 printable ASCII characters', () => {
    assert.equal(productDetail('Pembayaran pesanan #123 — kopi ☕ dan roti'), 'Pembayaran pesanan #123 kopi dan');
    assert.equal(productDetail('订单'), 'Payment');
  });

  it('builds the documented order fields', () => {
    const request = chargeRequest('VA_BCA', { expiresAt: new Date(Date.parse('2025-01-01T00:00:00Z') + 3 * 86_400_000).toISOString() });
    const params = orderParams(va, request, Date.parse('2025-01-01T00:00:00Z'), 'https://bayar.example.com/webhooks/aggregator');
    assert.deepEqual(params, {
      orderNum: request.paymentId,
      method: 'VA_BCA',
      payMoney: '150000',
      productDetail: 'Order 42',
      name: 'Budi Santoso',
      email: 'budi@example.com',
      phone: '081234567890',
      notifyUrl: 'https://bayar.example.com/webhooks/aggregator',
      expiryPeriod: '4320',
    });
  });
});

describe('aggregator status tables', () => {
  for (const [status, expected] of [
    ['INIT_ORDER', 'PENDING'],
    ['NO_PAY', 'PENDING'],
    ['OPEN_PAY_URL', 'PENDING'],
    ['SUCCESS', 'PAID'],
    ['PAY_CANCEL', 'CANCELLED'],
    ['PAY_ERROR', 'FAILED'],
    ['SOMETHING_NEW', 'PENDING'],
    ['', 'PENDING'],
    ['__proto__', 'PENDING'],
    ['constructor', 'PENDING'],
    ['success', 'PENDING'],
  ] as const) {
    it(`order ${JSON.stringify(status)} → ${expected}`, () => assert.equal(aggregatorStatusToChargeStatus(status), expected));
  }
  for (const [status, expected] of [
    ['0', 'PENDING'],
    ['1', 'PENDING'],
    ['5', 'PENDING'],
    ['2', 'SUCCEEDED'],
    ['3', 'FAILED'],
    ['4', 'FAILED'],
    ['9', 'PENDING'],
    ['constructor', 'PENDING'],
  ] as const) {
    it(`disbursement status ${status} → ${expected}`, () => assert.equal(aggregatorPayoutStatusToState(status), expected));
  }
});

describe('aggregator parseWebhook', () => {
  const provider = adapter();

  it('accepts a genuine form-encoded callback and turns it into a PAID event keyed by the platform order', () => {
    const parsed = provider.parseWebhook(raw(formBody({ ...CALLBACK_FIELDS, platSign: CALLBACK_SIGN_OPENSSL })));
    assert.equal(parsed.kind, 'payment');
    if (parsed.kind !== 'payment') return;
    assert.equal(parsed.paymentId, CALLBACK_FIELDS.orderNum);
    assert.deepEqual(parsed.event, {
      provider: 'aggregator',
      eventId: 'callback:PRE20250101120000123456:SUCCESS',
      source: 'webhook',
      chargeStatus: 'PAID',
      paidAmount: 150_000,
      providerReference: 'PRE20250101120000123456',
      providerStatus: 'SUCCESS',
    });
  });

  it('gives every copy of one success the same event id (the six notices dedupe)', () => {
    const body = formBody({ ...CALLBACK_FIELDS, platSign: CALLBACK_SIGN_OPENSSL });
    const ids = new Set(Array.from({ length: 6 }, () => provider.parseWebhook(raw(body))).map((p) => (p.kind === 'payment' ? p.event.eventId : p.kind)));
    assert.equal(ids.size, 1);
  });

  it("accepts a platSign whose '+' arrived unencoded (as spaces)", () => {
    assert.ok(CALLBACK_SIGN_OPENSSL.includes('+'));
    const body = formBody(CALLBACK_FIELDS) + '&platSign=' + CALLBACK_SIGN_OPENSSL.replace(/\//g, '%2F').replace(/=/g, '%3D');
    assert.equal(provider.parseWebhook(raw(body)).kind, 'payment');
  });

  it('refuses a forged, tampered, unsigned or re-keyed callback with SignatureInvalid', () => {
    const cases = {
      forged: signedCallback(CALLBACK_FIELDS, stranger.privateKey),
      'signed with the merchant key': signedCallback(CALLBACK_FIELDS, merchantPrivate),
      tampered: formBody({ ...CALLBACK_FIELDS, payMoney: '15000000', platSign: CALLBACK_SIGN_OPENSSL }),
      'another order': formBody({ ...CALLBACK_FIELDS, orderNum: 'pay_ffffffffffffffffffffffff', platSign: CALLBACK_SIGN_OPENSSL }),
      unsigned: formBody(CALLBACK_FIELDS),
      'empty platSign': formBody({ ...CALLBACK_FIELDS, platSign: '' }),
      'JSON instead of a form': JSON.stringify({ ...CALLBACK_FIELDS, platSign: CALLBACK_SIGN_OPENSSL }),
      empty: '',
    };
    for (const [label, body] of Object.entries(cases)) {
      assert.throws(() => provider.parseWebhook(raw(body)), SignatureInvalid, label);
    }
  });

  it('refuses a genuine signature over something that is not a callback with WebhookMalformed', () => {
    const { orderNum: _o, ...withoutOrder } = CALLBACK_FIELDS;
    assert.throws(() => provider.parseWebhook(raw(signedCallback(withoutOrder))), WebhookMalformed);
    assert.throws(() => provider.parseWebhook(raw(signedCallback({ ...CALLBACK_FIELDS, payMoney: '150000.5' }))), WebhookMalformed);
    assert.throws(() => provider.parseWebhook(raw(signedCallback(CALLBACK_FIELDS) + '&orderNum=pay_x')), WebhookMalformed, 'a field twice');
  });

  it('acknowledges without acting a non-00 callback, and a disbursement callback for no attempt of ours', () => {
    const failed = provider.parseWebhook(raw(signedCallback({ ...CALLBACK_FIELDS, code: '01', msg: 'FAIL' })));
    assert.equal(failed.kind, 'ignored');
    const payout = provider.parseWebhook(raw(signedCallback({ bankCode: '014', money: '200000', orderNum: 'po_1-1', platOrderNum: 'CASH1', status: '2', statusMsg: 'SUCCESS' })));
    assert.equal(payout.kind, 'ignored');
  });

  it('turns a signed disbursement callback into a notice for the payout attempt it names (status 2 success, 4 failed)', () => {
    // BDPay's published payout callback (document.bdpay.co.id, the TopPay family): a form post with
    // bankCode, description, fee, feeType, money, name, number, orderNum, platOrderNum, status,
    // statusMsg and platSign. No SDK exists for this platform; it is signed with the formula.
    const fields = {
      bankCode: '014',
      description: 'Seller payout March',
      fee: '4000',
      feeType: '0',
      money: '200000',
      name: 'Budi Santoso',
      number: '1234567890',
      orderNum: 'payout_0123456789abcdef01234567-2',
      platOrderNum: 'CASH20250101120000123456',
      status: '2',
      statusMsg: 'SUCCESS',
    };
    const succeeded = provider.parseWebhook(raw(signedCallback(fields)));
    assert.deepEqual(succeeded, {
      kind: 'payout',
      payoutId: 'payout_0123456789abcdef01234567',
      providerPayoutId: 'payout_0123456789abcdef01234567-2',
      snapshot: { state: 'SUCCEEDED', providerStatus: '2', providerReference: 'CASH20250101120000123456', fee: 4000, reason: undefined },
    });
    const failed = provider.parseWebhook(raw(signedCallback({ ...fields, status: '4', statusMsg: 'account closed' })));
    assert.equal(failed.kind === 'payout' && failed.snapshot.state, 'FAILED');
    // Only the platform's signature makes it count.
    assert.throws(() => provider.parseWebhook(raw(signedCallback(fields).replace('status=2', 'status=4'))), SignatureInvalid);
    assert.throws(() => provider.parseWebhook(raw(signedCallback(fields, stranger.privateKey))), SignatureInvalid);
    assert.equal(payoutIdOf('payout_0123456789abcdef01234567-1'), 'payout_0123456789abcdef01234567');
    for (const other of ['payout_0123456789abcdef01234567', 'pay_0123456789abcdef01234567-1', 'payout_0123456789abcdef01234567-0', 'payout_XYZ-1']) assert.equal(payoutIdOf(other), undefined, other);
  });

  it("verifies like TopPay's verifySign: double quotes in values do not break a genuine platSign, nothing else is relaxed", () => {
    // The platform signed `"150000"` (a value it serialised with quotes); the form carries 150000.
    const signedText = { ...CALLBACK_FIELDS, payMoney: '"150000"' };
    const body = formBody({ ...CALLBACK_FIELDS, platSign: referenceSign(signedText, platformPrivate, 'platSign') });
    const parsed = provider.parseWebhook(raw(body));
    assert.equal(parsed.kind === 'payment' && parsed.event.paidAmount, 150_000);
    assert.ok(verifyParams({ ...CALLBACK_FIELDS, platSign: referenceSign(signedText, platformPrivate, 'platSign') }, platformPublic));
    assert.ok(!verifyParams({ ...CALLBACK_FIELDS, payMoney: '150001', platSign: referenceSign(signedText, platformPrivate, 'platSign') }, platformPublic));
  });

  it('answers the literal SUCCESS as text/plain to take a callback, anything else to have it retried', () => {
    assert.deepEqual(provider.webhookAck(), { status: 200, contentType: 'text/plain', body: 'SUCCESS' });
    const retry = provider.webhookRetryLater();
    assert.notEqual(retry.body, 'SUCCESS');
    assert.ok(retry.status >= 500);
  });

  it('parses disbursement callbacks for the payout flow', () => {
    const attempt = 'payout_0123456789abcdef01234567-1';
    const body = signedCallback({
      bankCode: '014',
      description: 'x',
      fee: '4000',
      feeType: '0',
      money: '200000',
      name: 'Budi',
      number: '1234567890',
      orderNum: attempt,
      platOrderNum: 'CASH1',
      status: '4',
      statusMsg: 'account closed',
    });
    assert.deepEqual(provider.parseWebhook(raw(body)), {
      kind: 'payout',
      payoutId: 'payout_0123456789abcdef01234567',
      providerPayoutId: attempt,
      snapshot: { state: 'FAILED', providerStatus: '4', providerReference: 'CASH1', fee: 4000, reason: 'status 4: account closed' },
    });
    assert.throws(() => provider.parseWebhook(raw(body.replace('status=4', 'status=2'))), SignatureInvalid);
  });

  it('treats odd field names as fields, not as object machinery', () => {
    const params = parseForm(Buffer.from('__proto__=x&constructor=y&a=1'));
    assert.deepEqual(Object.keys(params).sort(), ['__proto__', 'a', 'constructor']);
    // Signed over, and so verified over, like any other field.
    const withOdd = Object.fromEntries([...Object.entries(CALLBACK_FIELDS), ['__proto__', 'x'], ['constructor', 'y']]) as Record<string, string>;
    assert.equal(provider.parseWebhook(raw(signedCallback(withOdd))).kind, 'payment');
    assert.throws(() => provider.parseWebhook(raw(signedCallback(CALLBACK_FIELDS) + '&__proto__=x')), SignatureInvalid, 'an unsigned extra field');
  });
});

describe('aggregator callback parser fuzz', () => {
  const provider = adapter();
  const name = fc.oneof(fc.constantFrom('code', 'orderNum', 'payMoney', 'platOrderNum', 'platSign', 'method', 'money', 'status', '__proto__', 'constructor', ''), fc.string({ maxLength: 12 }));
  const value = fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), fc.constantFrom('00', '150000', '-1', '1e3', 'SUCCESS', CALLBACK_SIGN_OPENSSL, ''), fc.base64String({ maxLength: 400 }));
  const fields = fc.array(fc.tuple(name, value), { maxLength: 12 });
  const expectedOnly = (fn: () => unknown) => {
    try {
      const out = fn() as { kind: string };
      assert.ok(out.kind === 'payment' || out.kind === 'ignored' || out.kind === 'payout');
    } catch (err) {
      if (!(err instanceof SignatureInvalid || err instanceof WebhookMalformed)) throw err;
    }
  };

  it('answers arbitrary bodies with SignatureInvalid or WebhookMalformed, never another exception', () => {
    const body = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 500 }),
      fields.map((f) => new URLSearchParams(f).toString()),
      fields.map((f) => f.map(([k, v]) => `${k}=${v}`).join('&')),
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('latin1')),
    );
    fc.assert(
      fc.property(body, (b) => {
        try {
          provider.parseWebhook(raw(b));
          return false; // nothing unsigned by the platform may pass
        } catch (err) {
          return err instanceof SignatureInvalid || err instanceof WebhookMalformed;
        }
      }),
      { numRuns: 400 },
    );
  });

  it('parses arbitrary GENUINELY signed forms into an event, an acknowledgement or WebhookMalformed', () => {
    const signedFields = fc
      .record(
        {
          code: fc.oneof(fc.constant('00'), fc.string({ maxLength: 4 })),
          orderNum: fc.oneof(fc.constant('pay_0123456789abcdef01234567'), fc.string({ maxLength: 80 })),
          platOrderNum: fc.string({ maxLength: 80 }),
          payMoney: fc.oneof(fc.integer({ min: 0, max: 1e12 }).map(String), fc.string({ maxLength: 30 })),
          method: fc.string({ maxLength: 40 }),
          money: fc.string({ maxLength: 10 }),
          status: fc.string({ maxLength: 10 }),
        },
        { requiredKeys: [] },
      )
      .chain((known) => fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 20 }), { maxKeys: 3 }).map((extra) => ({ ...extra, ...known })));
    fc.assert(
      fc.property(signedFields, (f) => {
        expectedOnly(() => provider.parseWebhook(raw(signedCallback(f))));
      }),
      { numRuns: 150 },
    );
  });
});

describe('aggregator configuration', () => {
  const pemOneLine = (pem: string) => pem.trim().replace(/\n/g, '\\n');
  const bareBase64 = (pem: string) => pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  const own = generateKeyPairSync('rsa', { modulusLength: 1024, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const ownPlatform = generateKeyPairSync('rsa', { modulusLength: 1024, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const REAL = {
    BAYAR_API_KEYS: 'shop:sk_live_0123456789',
    BAYAR_MERCHANT_WEBHOOK_SECRETS: 'shop:whsec_live_0123456789',
    BAYAR_DATA_KEY: Buffer.alloc(32, 7).toString('base64'),
    AGGREGATOR_BASE_URL: 'https://id-openapi.toppay.asia',
    AGGREGATOR_MERCHANT_ID: 'S820211021094748000001',
  };

  it('defaults to the local sandbox with the development keys', () => {
    const config = loadConfig({ BAYAR_ENV: 'development' });
    assert.equal(config.providers.aggregator!.baseUrl, 'http://127.0.0.1:4106');
    assert.equal(config.providers.aggregator!.sandbox, true);
    assert.equal(config.providers.aggregator!.merchantId, DEV_DEFAULTS.aggregator.merchantId);
    assert.equal(createPublicKey(config.providers.aggregator!.privateKey).export({ type: 'spki', format: 'pem' }), merchantPublic.export({ type: 'spki', format: 'pem' }));
    assert.equal(config.providers.aggregator!.platformPublicKey, platformPublic.export({ type: 'spki', format: 'pem' }));
  });

  it('takes keys as PEM, as one-line PEM with literal \\n, or as the bare base64 the dashboard shows', () => {
    for (const form of [own.privateKey, pemOneLine(own.privateKey), bareBase64(own.privateKey)]) {
      const config = loadConfig({ BAYAR_ENV: 'development', ...REAL, AGGREGATOR_PRIVATE_KEY: form, AGGREGATOR_PLATFORM_PUBLIC_KEY: ownPlatform.publicKey });
      assert.equal(config.providers.aggregator!.privateKey, own.privateKey);
    }
    for (const form of [ownPlatform.publicKey, pemOneLine(ownPlatform.publicKey), bareBase64(ownPlatform.publicKey)]) {
      const config = loadConfig({ BAYAR_ENV: 'development', ...REAL, AGGREGATOR_PRIVATE_KEY: own.privateKey, AGGREGATOR_PLATFORM_PUBLIC_KEY: form });
      assert.equal(config.providers.aggregator!.platformPublicKey, ownPlatform.publicKey);
      assert.equal(config.providers.aggregator!.sandbox, false);
    }
  });

  it('refuses a key that is not one, or a private key where the public one belongs, without echoing it', () => {
    const secret = bareBase64(own.privateKey);
    for (const [variable, value] of [
      ['AGGREGATOR_PRIVATE_KEY', 'not-a-key-at-all'],
      ['AGGREGATOR_PRIVATE_KEY', secret.slice(0, 200)],
      ['AGGREGATOR_PLATFORM_PUBLIC_KEY', own.privateKey],
      [
        'AGGREGATOR_PRIVATE_KEY',
        generateKeyPairSync('ec', { namedCurve: 'P-256', privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey,
      ],
    ] as const) {
      assert.throws(
        () => loadConfig({ BAYAR_ENV: 'development', [variable]: value }),
        (err: unknown) => err instanceof ConfigError && err.message.includes(variable) && !err.message.includes(secret.slice(20, 60)),
      );
    }
  });

  it('refuses the development keys (or no merchant id) once AGGREGATOR_BASE_URL is a real https:// platform', () => {
    assert.throws(
      () => loadConfig({ BAYAR_ENV: 'development', ...REAL }),
      (err: Error) => err instanceof ConfigError && /AGGREGATOR_PRIVATE_KEY is the development key/.test(err.message) && /AGGREGATOR_PLATFORM_PUBLIC_KEY is the development key/.test(err.message),
    );
    assert.throws(
      () => loadConfig({ BAYAR_ENV: 'development', ...REAL, AGGREGATOR_PRIVATE_KEY: DEV_AGGREGATOR_MERCHANT_PRIVATE_KEY, AGGREGATOR_PLATFORM_PUBLIC_KEY: ownPlatform.publicKey }),
      /AGGREGATOR_PRIVATE_KEY is the development key/,
    );
    assert.throws(
      () => loadConfig({ BAYAR_ENV: 'development', ...REAL, AGGREGATOR_PRIVATE_KEY: own.privateKey, AGGREGATOR_PLATFORM_PUBLIC_KEY: pemOneLine(DEV_AGGREGATOR_PLATFORM_PUBLIC_KEY) }),
      /AGGREGATOR_PLATFORM_PUBLIC_KEY is the development key/,
      'however the dev key is spelled',
    );
    assert.throws(
      () =>
        loadConfig({
          BAYAR_ENV: 'development',
          ...REAL,
          AGGREGATOR_MERCHANT_ID: undefined as unknown as string,
          AGGREGATOR_PRIVATE_KEY: own.privateKey,
          AGGREGATOR_PLATFORM_PUBLIC_KEY: ownPlatform.publicKey,
        }),
      /AGGREGATOR_MERCHANT_ID is not set/,
    );
    assert.doesNotThrow(() => loadConfig({ BAYAR_ENV: 'development', ...REAL, AGGREGATOR_PRIVATE_KEY: own.privateKey, AGGREGATOR_PLATFORM_PUBLIC_KEY: ownPlatform.publicKey }));
  });
});

// ---------------------------------------------------------------------------------------------

/** A callback endpoint that records what arrives and answers `answer(n)` (body text). */
async function startReceiver(answer: (n: number) => { status: number; body: string } = () => ({ status: 200, body: 'SUCCESS' })) {
  const received: { body: string; headers: IncomingHttpHeaders; at: number }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers, at: Date.now() });
      const a = answer(received.length);
      res.writeHead(a.status, { 'content-type': 'text/plain' }).end(a.body);
    });
  });
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
  return { url: `http://127.0.0.1:${port}/webhooks/aggregator`, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** A loopback port nothing listens on: connecting is refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

async function startSandbox(timeScale = 0.0001) {
  const kit = new SandboxKit(new AggregatorSandbox({ merchantId: MERCHANT_ID, merchantPublicKey: merchantPublic, platformPrivateKey: platformPrivate }), {
    callbackUrl: 'http://127.0.0.1:9/unused',
    timeScale,
  });
  const url = `http://127.0.0.1:${await kit.listen(0)}`;
  const control = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(url + path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return (await res.json()) as any;
  };
  return { kit, url, control };
}

describe('aggregator adapter against the local sandbox: pay-in', () => {
  let sandbox: Awaited<ReturnType<typeof startSandbox>>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let provider: AggregatorProvider;

  before(async () => {
    receiver = await startReceiver();
    sandbox = await startSandbox();
    provider = adapter(sandbox.url, receiver.url);
  });
  after(async () => {
    await sandbox?.kit.close();
    await receiver?.close();
  });
  beforeEach(async () => {
    await sandbox.control('POST', '/_sandbox/reset');
  });

  const ledger = async () => (await sandbox.control('GET', '/_sandbox/ledger')).charges as { reference: string; providerId: string; status: string; createRequests: number; paidAmount: number }[];

  it('creates an order for every method with the right payment instructions', async () => {
    const expectations: [PaymentMethod, (i: Record<string, string | undefined>) => void][] = [
      ['VA_BCA', (i) => (assert.match(i.virtualAccountNumber!, /^39010\d{11}$/), assert.equal(i.bankCode, 'BCA'))],
      ['VA_MANDIRI', (i) => assert.equal(i.bankCode, 'MANDIRI')],
      ['VA_PERMATA', (i) => assert.equal(i.bankCode, 'PERMATA')],
      ['VA_CIMB', (i) => assert.equal(i.bankCode, 'CIMB')],
      ['VA_BNI', (i) => assert.equal(i.bankCode, 'BNI')],
      ['VA_BRI', (i) => assert.equal(i.bankCode, 'BRI')],
      ['VA_BNC', (i) => assert.equal(i.bankCode, 'BNC')],
      ['VA_SAMPOERNA', (i) => assert.equal(i.bankCode, 'SAMPOERNA')],
      ['VA_MAYBANK', (i) => assert.equal(i.bankCode, 'MAYBANK')],
      ['VA_DANAMON', (i) => assert.equal(i.bankCode, 'DANAMON')],
      ['RETAIL_ALFAMART', (i) => assert.deepEqual(Object.keys(i), ['payCode'])],
      ['QRIS', (i) => (assert.deepEqual(Object.keys(i), ['qrString']), assert.match(i.qrString!, /^000201.*6304[0-9A-F]{4}$/))],
      ['EWALLET_DANA', (i) => assert.match(i.payUrl!, /^http:\/\/127\.0\.0\.1:\d+\/pay\/PRE\d+$/)],
      ['EWALLET_OVO', (i) => assert.ok(i.payUrl)],
    ];
    assert.deepEqual(expectations.map(([m]) => m).sort(), [...aggregatorCapabilities.methods].sort(), 'every method is covered');
    for (const [method, check] of expectations) {
      const request = chargeRequest(method);
      const snapshot = await provider.createCharge(request);
      assert.equal(snapshot.chargeStatus, 'PENDING', method);
      assert.equal(snapshot.providerStatus, 'INIT_ORDER');
      assert.match(snapshot.providerReference, /^PRE\d{20}$/);
      check(snapshot.instructions as Record<string, string | undefined>);
    }
    assert.equal((await ledger()).length, expectations.length);
  });

  it('refuses OVO without a phone before anything reaches the platform', async () => {
    const err = await rejection(provider.createCharge(chargeRequest('EWALLET_OVO', { customer: { name: 'Budi' } })));
    assert.ok(err instanceof ProviderRejected);
    assert.equal(err.code, 'OVO_PHONE_REQUIRED');
    assert.equal((await ledger()).length, 0);
  });

  it('takes a repeated create (the platform refuses the orderNum) as the order it already has', async () => {
    const request = chargeRequest('VA_BRI');
    const first = await provider.createCharge(request);
    const again = await provider.createCharge(request);
    assert.equal(again.providerReference, first.providerReference);
    assert.equal(again.chargeStatus, 'PENDING');
    const entry = (await ledger()).find((c) => c.reference === request.paymentId);
    assert.equal(entry?.createRequests, 2, 'the second call reached the platform and was refused there');
    assert.equal((await ledger()).length, 1, 'one order');
  });

  it('finds nothing for an unknown order, and the order with its status once created', async () => {
    assert.equal(await provider.findCharge({ paymentId: paymentId(), method: 'VA_BCA' }), null);
    const request = chargeRequest('QRIS');
    const created = await provider.createCharge(request);
    const found = await provider.findCharge({ paymentId: request.paymentId, method: 'QRIS' });
    assert.equal(found?.providerReference, created.providerReference);
    assert.equal(found?.providerStatus, 'NO_PAY');
    assert.equal(found?.chargeStatus, 'PENDING');
  });

  it('records OPEN_PAY_URL once the wallet page is opened', async () => {
    const request = chargeRequest('EWALLET_DANA');
    const created = await provider.createCharge(request);
    assert.equal((await provider.findCharge({ paymentId: request.paymentId, method: 'EWALLET_DANA' }))?.providerStatus, 'INIT_ORDER');
    assert.match(await (await fetch(created.instructions.payUrl!)).text(), /sandbox payment page/);
    assert.equal((await provider.findCharge({ paymentId: request.paymentId, method: 'EWALLET_DANA' }))?.providerStatus, 'OPEN_PAY_URL');
  });

  it('pays: a signed form callback reaches the notify URL, parses as PAID, and the query says SUCCESS', async () => {
    const request = chargeRequest('VA_MANDIRI', { amount: 275_000 });
    const created = await provider.createCharge(request);
    const paid = await fetch(`${sandbox.url}/_sandbox/charges/${request.paymentId}/pay`, { method: 'POST', body: '{}' });
    assert.equal(paid.status, 200);
    const callback = await until(() => receiver.received.find((r) => new URLSearchParams(r.body).get('orderNum') === request.paymentId));
    assert.equal(callback.headers['content-type'], 'application/x-www-form-urlencoded');
    const parsed = provider.parseWebhook({ headers: {}, rawBody: Buffer.from(callback.body), path: '/webhooks/aggregator' });
    assert.equal(parsed.kind, 'payment');
    if (parsed.kind === 'payment') {
      assert.equal(parsed.paymentId, request.paymentId);
      assert.equal(parsed.event.paidAmount, 275_000);
      assert.equal(parsed.event.providerReference, created.providerReference);
    }
    // The callback was signed with the platform key: checked here by the restated formula too.
    const fields = Object.fromEntries(new URLSearchParams(callback.body));
    const { platSign, ...rest } = fields;
    assert.equal(platSign, referenceSign(rest, platformPrivate, 'platSign'));
    const found = await provider.findCharge({ paymentId: request.paymentId, method: 'VA_MANDIRI' });
    assert.deepEqual([found?.chargeStatus, found?.providerStatus, found?.paidAmount], ['PAID', 'SUCCESS', 275_000]);
  });

  it('reports an under-payment as paid with what was paid, for bayar to compare', async () => {
    const request = chargeRequest('VA_BNI', { amount: 100_000 });
    await provider.createCharge(request);
    await fetch(`${sandbox.url}/_sandbox/charges/${request.paymentId}/pay`, { method: 'POST', body: JSON.stringify({ amount: 90_000 }) });
    assert.equal((await provider.findCharge({ paymentId: request.paymentId, method: 'VA_BNI' }))?.paidAmount, 90_000);
  });

  it('shows the VA number of a create answer whose platSign fails only once a signed query confirms the order', async () => {
    await sandbox.control('POST', '/_sandbox/aggregator/faults', { unverifiableCreateAnswer: true });
    try {
      const request = chargeRequest('VA_BCA');
      const snapshot = await provider.createCharge(request);
      assert.equal(snapshot.chargeStatus, 'PENDING');
      assert.match(snapshot.instructions.virtualAccountNumber ?? '', /^39010\d{11}$/, 'the customer has a VA number to pay to');
      assert.match(snapshot.providerStatus, /confirmed by signed query/);
      assert.equal((await ledger()).find((c) => c.reference === request.paymentId)?.createRequests, 1, 'created once, not retried into a duplicate');
    } finally {
      await sandbox.control('POST', '/_sandbox/aggregator/faults', {});
    }
  });

  it('is refused by the platform when our signature is wrong, and refuses answers signed by someone else', async () => {
    const wrongKey = adapter(sandbox.url, receiver.url, { privateKey: stranger.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() });
    const err = await rejection(wrongKey.createCharge(chargeRequest('VA_BCA')));
    assert.ok(err instanceof ProviderRejected, String(err));
    assert.match(err.message, /sign/);
    assert.equal((await ledger()).length, 0);

    const wrongPlatform = adapter(sandbox.url, receiver.url, { platformPublicKey: stranger.publicKey.export({ type: 'spki', format: 'pem' }).toString() });
    const answer = await rejection(wrongPlatform.createCharge(chargeRequest('VA_BCA')));
    assert.ok(answer instanceof ProviderUnavailable);
    assert.equal((answer as ProviderUnavailable).code, 'RESPONSE_SIGNATURE_INVALID');
    const lookup = await rejection(wrongPlatform.findCharge({ paymentId: (await ledger())[0]!.reference, method: 'VA_BCA' }));
    assert.ok(lookup instanceof ProviderUnavailable, 'a status answer we cannot verify is never acted on');
  });

  it('turns a 5xx into ProviderUnavailable and a lost answer into ProviderOutcomeUnknown', async () => {
    await sandbox.control('POST', '/_sandbox/faults', { errorRate: 1 });
    assert.ok((await rejection(provider.createCharge(chargeRequest('VA_BCA')))) instanceof ProviderUnavailable);
    await sandbox.control('POST', '/_sandbox/faults', { timeoutRate: 1 });
    const quick = adapter(sandbox.url, receiver.url, { timeoutMs: 300 });
    const request = chargeRequest('VA_BCA');
    assert.ok((await rejection(quick.createCharge(request))) instanceof ProviderOutcomeUnknown);
    // A look-up that times out is only "try again".
    assert.ok((await rejection(quick.findCharge({ paymentId: request.paymentId, method: 'VA_BCA' }))) instanceof ProviderUnavailable);
    await sandbox.control('POST', '/_sandbox/faults', {});
    assert.equal((await provider.findCharge({ paymentId: request.paymentId, method: 'VA_BCA' }))?.chargeStatus, 'PENDING', 'the lost create did happen');
  });

  it('has no refund and no cancel at the platform', async () => {
    assert.deepEqual(aggregatorCapabilities.refunds, {});
    assert.equal(aggregatorCapabilities.cancel, false);
    const err = await rejection(provider.refund());
    assert.ok(err instanceof ProviderRejected);
    assert.equal(err.code, 'REFUND_NOT_SUPPORTED');
  });
});

// The cases wait on the sandbox's (scaled) schedule, each with its own sandbox and receiver: run together.
describe('aggregator sandbox callback schedule', { concurrency: true }, () => {
  it('documents six notices: 1 s after the payment, then 30 s, 60 s, 90 s, 1 h, 2 h apart', () => {
    assert.deepEqual(CALLBACK_INTERVALS_MS, [1_000, 30_000, 60_000, 90_000, 3_600_000, 7_200_000]);
  });

  // Scaled by 0.0001: notices at ≈ +0.1, +3, +6, +9, +360, +720 ms from one another.
  for (const [label, answer, expected, deliverAll] of [
    ['a receiver that never says SUCCESS gets all six notices', () => ({ status: 200, body: 'OK' }), 6, false],
    ['an HTTP error counts as no answer', () => ({ status: 500, body: 'SUCCESS?' }), 6, false],
    ['the literal SUCCESS at the third notice stops there', (n: number) => ({ status: 200, body: n >= 3 ? 'SUCCESS' : 'FAIL' }), 3, false],
    ['SUCCESS at once: one notice', () => ({ status: 200, body: 'SUCCESS' }), 1, false],
    ['with deliverAllCallbacks, six notices even though each was acknowledged', () => ({ status: 200, body: 'SUCCESS' }), 6, true],
  ] as const) {
    it(label, async () => {
      const receiver = await startReceiver(answer);
      const sandbox = await startSandbox(0.0001);
      try {
        if (deliverAll) await sandbox.control('POST', '/_sandbox/aggregator/faults', { deliverAllCallbacks: true });
        const provider = adapter(sandbox.url, receiver.url);
        const request = chargeRequest('VA_BCA');
        await provider.createCharge(request);
        await fetch(`${sandbox.url}/_sandbox/charges/${request.paymentId}/pay`, { method: 'POST', body: '{}' });
        await until(() => (receiver.received.length >= expected ? true : undefined), 10_000);
        // Longer than the largest scaled gap (720 ms): a notice too many would have arrived.
        await new Promise((r) => setTimeout(r, 1200));
        assert.equal(receiver.received.length, expected);
        assert.ok(
          receiver.received.every((r) => r.body === receiver.received[0]!.body),
          'every notice is the same callback',
        );
        const log = (await sandbox.control('GET', '/_sandbox/aggregator/callbacks')) as CallbackDelivery[];
        assert.deepEqual(
          log.map((d) => d.attempt),
          Array.from({ length: expected }, (_, i) => i + 1),
        );
        if (expected === 6) {
          const at = receiver.received.map((r) => r.at - receiver.received[0]!.at);
          let sum = 0;
          CALLBACK_INTERVALS_MS.slice(1).forEach((gap, i) => {
            sum += gap * 0.0001;
            assert.ok(at[i + 1]! >= sum * 0.9, `notice ${i + 2} at +${at[i + 1]} ms, expected ≥ ${sum}`);
          });
        }
      } finally {
        await sandbox.kit.close();
        await receiver.close();
      }
    });
  }
});

describe('aggregator adapter against the local sandbox: pay on behalf', () => {
  let sandbox: Awaited<ReturnType<typeof startSandbox>>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let provider: AggregatorProvider;
  let counter = 0;

  before(async () => {
    receiver = await startReceiver();
    sandbox = await startSandbox();
    provider = adapter(sandbox.url, receiver.url);
  });
  after(async () => {
    await sandbox?.kit.close();
    await receiver?.close();
  });
  beforeEach(async () => {
    await sandbox.control('POST', '/_sandbox/reset');
    await sandbox.control('POST', '/_sandbox/aggregator/faults', { payoutDelayMs: 150 });
  });

  const payoutRequest = (overrides: Partial<SendPayoutRequest> = {}): SendPayoutRequest => {
    counter += 1;
    const payoutId = `po_${Date.now().toString(36)}${counter}`;
    return {
      payoutId,
      attempt: 1,
      providerPayoutId: `${payoutId}-1`,
      amount: 200_000,
      feeType: 'DEDUCT_FROM_AMOUNT',
      destination: { bankCode: 'BCA', accountNumber: '1234567890', accountName: 'Budi Santoso' },
      description: 'Seller payout March',
      ...overrides,
    };
  };
  type LedgerPayout = { orderNum: string; status: number; sendRequests: number; received: number; balanceDebit: number; bankCode: string; feeType: string };
  const payouts = async () => (await sandbox.control('GET', '/_sandbox/aggregator/payouts')).payouts as LedgerPayout[];

  it('is a payout provider (same adapter class)', () => {
    assert.equal(canPayOut(provider), true);
    assert.ok(provider.payoutCapabilities.banks.includes('BCA'));
  });

  it('SUCCESS → PENDING, then the query says success (status 2); one payout at the platform', async () => {
    const request = payoutRequest();
    const sent = await provider.sendPayout(request);
    assert.equal(sent.state, 'PENDING');
    assert.equal(sent.providerStatus, 'ACCEPTED');
    assert.match(sent.providerReference ?? '', /^CASH\d+$/);
    assert.equal(sent.fee, SANDBOX_PAYOUT_FEE);
    assert.equal((await provider.findPayout(request.providerPayoutId))?.state, 'PENDING', 'processing (status 1)');
    await new Promise((r) => setTimeout(r, 300));
    const found = await provider.findPayout(request.providerPayoutId);
    assert.deepEqual([found?.state, found?.providerStatus, found?.providerReference], ['SUCCEEDED', '2', sent.providerReference]);
    const ledger = await payouts();
    assert.equal(ledger.length, 1);
    assert.deepEqual([ledger[0]!.bankCode, ledger[0]!.feeType, ledger[0]!.received, ledger[0]!.sendRequests], [PAYOUT_BANK_CODES.BCA, '0', 200_000 - SANDBOX_PAYOUT_FEE, 1]);
    // The disbursement callback arrives too, signed (parseWebhook verifies before anything else).
    const callback = await until(() => receiver.received.find((r) => new URLSearchParams(r.body).get('orderNum') === request.providerPayoutId));
    assert.equal(new URLSearchParams(callback.body).get('status'), '2');
    // po_… is not a bayar payout id, so parseWebhook has no payout to send it to.
    assert.equal(provider.parseWebhook({ headers: {}, rawBody: Buffer.from(callback.body), path: '/webhooks/aggregator' }).kind, 'ignored');
  });

  it("sends the payout fields the platform's published demos send (method Transfer, orderType 0, mobile, email), signed with the rest", async () => {
    const params = cashParams(payoutRequest(), 'https://bayar.example.com/webhooks/aggregator');
    assert.equal(params.method, 'Transfer');
    assert.equal(params.orderType, '0');
    assert.match(params.mobile!, /^\d{8,15}$/);
    assert.match(params.email!, /^[^@\s]+@[^@\s]+\.[a-z]{2,}$/);
    // They are part of the signed text, and the sandbox (which checks their format) takes the payout.
    const request = payoutRequest();
    const sent = await provider.sendPayout(request);
    assert.equal(sent.state, 'PENDING');
    const sandboxClient = new AggregatorClient({
      merchantId: MERCHANT_ID,
      privateKey: DEV_AGGREGATOR_MERCHANT_PRIVATE_KEY,
      platformPublicKey: DEV_AGGREGATOR_PLATFORM_PUBLIC_KEY,
      baseUrl: sandbox.url,
      timeoutMs: 5000,
      notifyUrl: receiver.url,
    });
    const badMobile = await sandboxClient.post('/gateway/cash', { ...cashParams(payoutRequest(), receiver.url), mobile: '+62 812' });
    assert.equal(badMobile.body?.platRespCode, 'FAIL');
    assert.match(String(badMobile.body?.platRespMessage), /mobile/);
  });

  it('sends feeType 1 when the fee is charged to the balance', async () => {
    const request = payoutRequest({ feeType: 'CHARGE_TO_BALANCE' });
    await provider.sendPayout(request);
    const [entry] = await payouts();
    assert.equal(entry!.feeType, '1');
    assert.equal(entry!.balanceDebit, 200_000 + SANDBOX_PAYOUT_FEE);
  });

  it('FAIL → ProviderRejected; nothing was disbursed and the platform has never seen it', async () => {
    await sandbox.control('POST', '/_sandbox/aggregator/payouts/next', { answer: 'FAIL' });
    const request = payoutRequest();
    const err = await rejection(provider.sendPayout(request));
    assert.ok(err instanceof ProviderRejected, String(err));
    assert.match(err.message, /insufficient balance/);
    assert.equal(await provider.findPayout(request.providerPayoutId), null);
    assert.equal((await payouts()).length, 0);
  });

  it('UNKNOWN → ProviderOutcomeUnknown; findPayout then finds it (it did execute), and exactly one payout exists', async () => {
    await sandbox.control('POST', '/_sandbox/aggregator/payouts/next', { answer: 'UNKNOWN' });
    const request = payoutRequest();
    const err = await rejection(provider.sendPayout(request));
    assert.ok(err instanceof ProviderOutcomeUnknown, String(err));
    assert.equal((await provider.findPayout(request.providerPayoutId))?.state, 'PENDING');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await provider.findPayout(request.providerPayoutId))?.state, 'SUCCEEDED');
    const ledger = await payouts();
    assert.equal(ledger.length, 1);
    assert.equal(ledger[0]!.sendRequests, 1, 'sent once, never again');
  });

  it('a timeout → ProviderOutcomeUnknown; the disbursement is found by looking it up', async () => {
    await sandbox.control('POST', '/_sandbox/faults', { timeoutRate: 1 });
    const quick = adapter(sandbox.url, receiver.url, { timeoutMs: 300 });
    const request = payoutRequest();
    assert.ok((await rejection(quick.sendPayout(request))) instanceof ProviderOutcomeUnknown);
    await sandbox.control('POST', '/_sandbox/faults', {});
    assert.ok(await provider.findPayout(request.providerPayoutId));
    assert.equal((await payouts()).length, 1);
  });

  it('a 5xx on a disbursement is an unknown outcome too (never resent), unlike a refused connection', async () => {
    await sandbox.control('POST', '/_sandbox/faults', { errorRate: 1 });
    assert.ok((await rejection(provider.sendPayout(payoutRequest()))) instanceof ProviderOutcomeUnknown);
    await sandbox.control('POST', '/_sandbox/faults', {});
    const nowhere = adapter(`http://127.0.0.1:${await closedPort()}`, receiver.url);
    assert.ok((await rejection(nowhere.sendPayout(payoutRequest()))) instanceof ProviderUnavailable);
  });

  for (const outcome of [3, 4] as const) {
    it(`ends FAILED with a reason when the query says ${outcome}`, async () => {
      await sandbox.control('POST', '/_sandbox/aggregator/payouts/next', { outcome });
      const request = payoutRequest();
      assert.equal((await provider.sendPayout(request)).state, 'PENDING');
      await new Promise((r) => setTimeout(r, 300));
      const found = await provider.findPayout(request.providerPayoutId);
      assert.equal(found?.state, 'FAILED');
      assert.equal(found?.providerStatus, String(outcome));
      assert.match(found?.reason ?? '', new RegExp(`^status ${outcome}: `));
    });
  }

  it('refuses what the platform cannot take before sending: unknown bank, bad account number or name', async () => {
    for (const [destination, code] of [
      [{ bankCode: 'BANK_OF_NOWHERE', accountNumber: '1234567890', accountName: 'Budi' }, 'BANK_NOT_SUPPORTED'],
      [{ bankCode: 'BRI', accountNumber: '12-34', accountName: 'Budi' }, 'ACCOUNT_NUMBER_INVALID'],
      [{ bankCode: 'BRI', accountNumber: '1234567890', accountName: 'Budi 😀' }, 'ACCOUNT_NAME_INVALID'],
    ] as const) {
      const err = await rejection(provider.sendPayout(payoutRequest({ destination })));
      assert.ok(err instanceof ProviderRejected);
      assert.equal(err.code, code);
    }
    assert.equal((await payouts()).length, 0);
  });

  it('finds nothing for an attempt the platform has never seen', async () => {
    assert.equal(await provider.findPayout('po_never_sent-1'), null);
  });
});
