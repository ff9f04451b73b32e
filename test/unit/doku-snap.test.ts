// DOKU SNAP (e-wallets): the signatures against the published body hash and against the official
// doku-nodejs-library 1.0.52 as an independent oracle (symmetric HMAC-SHA512, RSA token
// signature, its JWT check of the tokens bayar issues, and its Joi validation of the request DTOs
// bayar sends); amounts; the status table; and the adapter against the SNAP sandbox in-process,
// with a small receiver playing bayar's webhook routes for the token-then-notification flow.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPublicKey, randomBytes } from 'node:crypto';
import diagnostics from 'node:diagnostics_channel';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { loadConfig, ConfigError } from '../../src/config/config.js';
import { DEV_DEFAULTS } from '../../src/sandbox/dev-defaults.js';
import { DEV_DOKU_SNAP_DOKU_PRIVATE_KEY, DEV_DOKU_SNAP_DOKU_PUBLIC_KEY, DEV_DOKU_SNAP_MERCHANT_PRIVATE_KEY, DEV_DOKU_SNAP_MERCHANT_PUBLIC_KEY } from '../../src/providers/doku/sandbox/dev-keys.js';
import type { PaymentMethod } from '../../src/domain/payment.js';
import { DokuProvider } from '../../src/providers/doku/index.js';
import { DOKU_SNAP_PATHS } from '../../src/providers/doku/capabilities.js';
import { dokuSnapRefundStatusToRefundState, dokuSnapStatusToChargeStatus } from '../../src/providers/doku/status.js';
import { externalId } from '../../src/providers/doku/snap/client.js';
import { deviceIdFor, validUpTo } from '../../src/providers/doku/snap/ewallet.js';
import { notificationSchema, parseSnapValue, paymentResponseSchema, refundHistoryEntrySchema, toSnapValue } from '../../src/providers/doku/snap/schemas.js';
import {
  asymmetricSignature,
  asymmetricSignatureMatches,
  issueNotificationToken,
  minifyJson,
  snapBodyHash,
  snapTimestamp,
  symmetricSignature,
  symmetricSignatureMatches,
  verifyNotificationToken,
} from '../../src/providers/doku/snap/signature.js';
import { ProviderRejected, ProviderUnavailable, SignatureInvalid, WebhookMalformed, type ParsedWebhook, type RawWebhook } from '../../src/providers/provider.js';
import { DokuSandbox } from '../../src/providers/doku/sandbox/sandbox.js';
import { SandboxKit } from '../../src/sandbox/kit.js';

const require = createRequire(import.meta.url);
interface SdkTokenService {
  generateSymmetricSignature(method: string, path: string, token: string, body: unknown, ts: string, secret: string): string;
  generateSignature(privateKey: string, clientId: string, ts: string): string;
  compareSignatures(sig: string, publicKey: string, clientId: string, ts: string): boolean;
  validateTokenB2B(token: string, publicKey: string): false | Record<string, unknown>;
  generateToken(expiredIn: number, issuer: string, privateKey: string, clientId: string): string;
  minifyString(s: string): string;
}
const sdk = require('doku-nodejs-library/_services/tokenService') as SdkTokenService;
const PaymentJumpAppRequestDto = require('doku-nodejs-library/_models/paymentJumpAppRequestDTO') as new (...a: unknown[]) => { validate(): void };
const RefundRequestDto = require('doku-nodejs-library/_models/refundRequestDTO') as new (...a: unknown[]) => { validateRefundRequestDto(): void };
const CheckStatusDirectDebitDTO = require('doku-nodejs-library/_models/checkStatusDirectDebitRequestDTO') as new (...a: unknown[]) => { validateCheckStatusRequestDto(): void };
const PaymentResponseDirectDebitDTO = require('doku-nodejs-library/_models/paymentResponseDirectDebitDTO') as new (d: unknown) => Record<string, unknown>;
const { RefundHistoryDTO } = require('doku-nodejs-library/_models/checkStatusDirectDebitResponseDTO') as { RefundHistoryDTO: new (...a: unknown[]) => Record<string, unknown> };
const DD_CHANNELS = require('doku-nodejs-library/_commons/ddChannelEnum') as Record<string, string>;
const SDK_CONFIG = require('doku-nodejs-library/_commons/config') as Record<string, string>;

const { clientId: CLIENT_ID, secretKey: SECRET } = DEV_DEFAULTS.doku;
const newPaymentId = () => 'pay_' + randomBytes(12).toString('hex');

// Published (PROVIDERS.md §6a item 3): the body hash of DOKU's SNAP example.
const PUBLISHED_BODY =
  '{"partnerServiceId":"  088899","customerNo":"12345678901234567890","virtualAccountNo":"  08889912345678901234567890","virtualAccountName":"Jokul Doe","virtualAccountEmail":"jokul@email.com","virtualAccountPhone":"6281828384858","trxId":"abcdefgh1234","totalAmount":{"value":"12345678.00","currency":"IDR"}}';
const PUBLISHED_HASH = '3274fab8dac896837b106a16da2a974e7e65142dcecb4b768ef0294102838977';

describe('DOKU SNAP signatures', () => {
  it('hashes the published body to the published value, pretty-printed or not; spaces inside strings stay', () => {
    assert.equal(snapBodyHash(PUBLISHED_BODY), PUBLISHED_HASH);
    const pretty = JSON.stringify(JSON.parse(PUBLISHED_BODY), null, 2);
    assert.equal(minifyJson(pretty), PUBLISHED_BODY);
    assert.equal(snapBodyHash(pretty), PUBLISHED_HASH);
    // The SDK's minifyString strips the spaces of "  088899" and "Jokul Doe": not DOKU's hash.
    assert.notEqual(createHash('sha256').update(sdk.minifyString(PUBLISHED_BODY)).digest('hex'), PUBLISHED_HASH);
    // Escapes are kept as sent, quotes inside strings do not end them.
    assert.equal(minifyJson('{ "a" : "x \\" y" , "b" : [ 1 , 2 ] }'), '{"a":"x \\" y","b":[1,2]}');
    assert.equal(snapBodyHash(undefined), createHash('sha256').update('').digest('hex'));
  });

  it('symmetric X-SIGNATURE equals the SDK (generateSymmetricSignature) for every SNAP call bayar makes', () => {
    const token = 'eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjE2OTgwNTA3NDN9.c2ln';
    const ts = '2020-12-21T14:56:11+07:00';
    const bodies: [string, unknown][] = [
      [
        DOKU_SNAP_PATHS.payment,
        {
          partnerReferenceNo: 'pay_0123456789abcdef01234567',
          amount: { value: '10000.00', currency: 'IDR' },
          urlParam: [{ url: 'https://merchant.example/r', type: 'PAY_RETURN', isDeepLink: 'N' }],
          validUpTo: ts,
          pointOfInitiation: 'mweb',
          additionalInfo: { channel: 'EMONEY_DANA_SNAP', orderTitle: 'Kopi susu' },
        },
      ],
      [DOKU_SNAP_PATHS.status, { originalPartnerReferenceNo: 'pay_0123456789abcdef01234567', serviceCode: '55', additionalInfo: { channel: 'EMONEY_SHOPEE_PAY_SNAP' } }],
      [
        DOKU_SNAP_PATHS.refund,
        {
          originalPartnerReferenceNo: 'pay_0123456789abcdef01234567',
          partnerRefundNo: 'rf_1',
          refundAmount: { value: '2500.00', currency: 'IDR' },
          reason: 'customer asked',
          additionalInfo: { channel: 'EMONEY_DANA_SNAP' },
        },
      ],
    ];
    for (const [path, body] of bodies) {
      const ours = symmetricSignature({ method: 'POST', path, accessToken: token, body: JSON.stringify(body), timestamp: ts }, SECRET);
      assert.equal(ours, sdk.generateSymmetricSignature('POST', path, token, body, ts, SECRET), path);
      assert.ok(symmetricSignatureMatches({ method: 'POST', path, accessToken: token, body: JSON.stringify(body), timestamp: ts }, ours, SECRET));
      assert.ok(!symmetricSignatureMatches({ method: 'POST', path, accessToken: token, body: JSON.stringify(body), timestamp: ts }, ours, 'another-secret'));
      assert.ok(!symmetricSignatureMatches({ method: 'POST', path: path + '/x', accessToken: token, body: JSON.stringify(body), timestamp: ts }, ours, SECRET));
      assert.ok(!symmetricSignatureMatches({ method: 'POST', path, accessToken: token + 'x', body: JSON.stringify(body), timestamp: ts }, ours, SECRET));
    }
    assert.ok(!symmetricSignatureMatches({ method: 'POST', path: '/', accessToken: 't', body: '{}', timestamp: ts }, 'not base64!', SECRET));
    assert.ok(!symmetricSignatureMatches({ method: 'POST', path: '/', accessToken: 't', body: '{}', timestamp: ts }, undefined, SECRET));
  });

  it('asymmetric token-request signature equals the SDK (generateSignature), and the SDK verifies ours (compareSignatures)', () => {
    const ts = snapTimestamp(Date.UTC(2020, 11, 21, 7, 56, 11));
    assert.equal(ts, '2020-12-21T14:56:11+07:00');
    const ours = asymmetricSignature(DEV_DOKU_SNAP_MERCHANT_PRIVATE_KEY, CLIENT_ID, ts);
    assert.equal(ours, sdk.generateSignature(DEV_DOKU_SNAP_MERCHANT_PRIVATE_KEY, CLIENT_ID, ts));
    assert.equal(sdk.compareSignatures(ours, DEV_DOKU_SNAP_MERCHANT_PUBLIC_KEY, CLIENT_ID, ts), true);
    assert.equal(asymmetricSignatureMatches(DEV_DOKU_SNAP_MERCHANT_PUBLIC_KEY, CLIENT_ID, ts, ours), true);
    // DOKU's own, as the sandbox signs before notifying: the SDK accepts it with DOKU's public key.
    const doku = asymmetricSignature(DEV_DOKU_SNAP_DOKU_PRIVATE_KEY, CLIENT_ID, ts);
    assert.equal(sdk.compareSignatures(doku, DEV_DOKU_SNAP_DOKU_PUBLIC_KEY, CLIENT_ID, ts), true);
    assert.equal(asymmetricSignatureMatches(DEV_DOKU_SNAP_MERCHANT_PUBLIC_KEY, CLIENT_ID, ts, doku), false, 'the wrong key');
    assert.equal(asymmetricSignatureMatches(DEV_DOKU_SNAP_DOKU_PUBLIC_KEY, CLIENT_ID, ts.replace('11+', '12+'), doku), false, 'another timestamp');
    assert.equal(asymmetricSignatureMatches(DEV_DOKU_SNAP_DOKU_PUBLIC_KEY, 'BRN-other', ts, doku), false, 'another client');
  });

  it("the tokens bayar issues are RS256 JWTs the SDK's validateTokenB2B accepts, and bayar accepts the SDK's", () => {
    const now = Date.now();
    const ours = issueNotificationToken(DEV_DOKU_SNAP_MERCHANT_PRIVATE_KEY, CLIENT_ID, now, 900);
    const claims = sdk.validateTokenB2B(ours, DEV_DOKU_SNAP_MERCHANT_PUBLIC_KEY);
    assert.ok(claims && claims.clientId === CLIENT_ID);
    assert.ok(verifyNotificationToken(ours, DEV_DOKU_SNAP_MERCHANT_PUBLIC_KEY, CLIENT_ID, now));
    const theirs = sdk.generateToken(900, 'DOKU', DEV_DOKU_SNAP_MERCHANT_PRIVATE_KEY, CLIENT_ID);
    assert.ok(verifyNotificationToken(theirs, DEV_DOKU_SNAP_MERCHANT_PUBLIC_KEY, CLIENT_ID, now));
    // Refused: expired, another client, another key, alg none, a MAC-signed one, tampered claims.
    assert.equal(verifyNotificationToken(ours, DEV_DOKU_SNAP_MERCHANT_PUBLIC_KEY, CLIENT_ID, now + 901_000), undefined);
    assert.equal(verifyNotificationToken(ours, DEV_DOKU_SNAP_MERCHANT_PUBLIC_KEY, 'BRN-other', now), undefined);
    assert.equal(verifyNotificationToken(ours, DEV_DOKU_SNAP_DOKU_PUBLIC_KEY, CLIENT_ID, now), undefined);
    const [, payload, sig] = ours.split('.');
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    assert.equal(verifyNotificationToken(`${none}.${payload}.`, DEV_DOKU_SNAP_MERCHANT_PUBLIC_KEY, CLIENT_ID, now), undefined);
    const hs = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
    assert.equal(verifyNotificationToken(`${hs}.${payload}.${sig}`, DEV_DOKU_SNAP_MERCHANT_PUBLIC_KEY, CLIENT_ID, now), undefined);
    const longer = Buffer.from(JSON.stringify({ exp: Math.floor(now / 1000) + 99_999, iat: 0, iss: 'bayar', clientId: CLIENT_ID })).toString('base64url');
    assert.equal(verifyNotificationToken(`${ours.split('.')[0]}.${longer}.${sig}`, DEV_DOKU_SNAP_MERCHANT_PUBLIC_KEY, CLIENT_ID, now), undefined);
    assert.equal(verifyNotificationToken('a.b', DEV_DOKU_SNAP_MERCHANT_PUBLIC_KEY, CLIENT_ID, now), undefined);
  });

  it('X-TIMESTAMP is Jakarta time with +07:00; X-EXTERNAL-ID is numeric and unique', () => {
    assert.match(snapTimestamp(Date.now()), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+07:00$/);
    assert.equal(snapTimestamp(Date.UTC(2024, 0, 31, 20, 0, 0)), '2024-02-01T03:00:00+07:00');
    // Many in one millisecond (the same clock value) are still unique.
    const now = Date.now();
    const ids = new Set(Array.from({ length: 100_000 }, () => externalId(now)));
    assert.equal(ids.size, 100_000);
    for (const id of ids) assert.match(id, /^\d{27}$/);
    // validUpTo never closes before bayar's deadline: rounded up to the second.
    assert.equal(validUpTo('2024-02-01T03:00:00.001Z'), '2024-02-01T10:00:01+07:00');
    assert.equal(validUpTo('2024-02-01T03:00:00.000Z'), '2024-02-01T10:00:00+07:00');
    assert.match(deviceIdFor('pay_0123456789abcdef01234567'), /^[0-9a-f]{32}$/);
  });
});

describe('DOKU SNAP wire shapes', () => {
  it('channels and paths are the SDK’s', () => {
    assert.equal(DD_CHANNELS.EMONEY_DANA_SNAP, 'EMONEY_DANA_SNAP');
    assert.equal(DD_CHANNELS.EMONEY_SHOPEE_PAY_SNAP, 'EMONEY_SHOPEE_PAY_SNAP');
    assert.equal(SDK_CONFIG.ACCESS_TOKEN, DOKU_SNAP_PATHS.token);
    assert.equal(SDK_CONFIG.DIRECT_DEBIT_PAYMENT_URL, DOKU_SNAP_PATHS.payment);
    assert.equal(SDK_CONFIG.DIRECT_DEBIT_CHECK_STATUS_URL, DOKU_SNAP_PATHS.status);
    assert.equal(SDK_CONFIG.DIRECT_DEBIT_REFUND_URL, DOKU_SNAP_PATHS.refund);
  });

  it('amounts: whole rupiah ↔ "10000.00", exactly; anything else is refused', () => {
    assert.equal(toSnapValue(10_000), '10000.00');
    assert.equal(toSnapValue(0), '0.00');
    assert.equal(toSnapValue(9_007_199_254_740_991), '9007199254740991.00');
    assert.throws(() => toSnapValue(1.5));
    assert.throws(() => toSnapValue(-1));
    assert.equal(parseSnapValue('10000.00'), 10_000);
    for (const bad of ['10000.50', '10000', '10000.0', '1e4', '-1.00', '010.00', ' 1.00', '1.00 ', '99999999999999999.00']) assert.equal(parseSnapValue(bad), undefined, bad);
  });

  it("the requests bayar sends pass the SDK's own Joi validation (jump-app payment, refund, check status)", async () => {
    const { kit, url, provider, close } = await sandboxAndProvider();
    try {
      const seen: Record<string, unknown> = {};
      // Capture what goes over the wire from undici's own diagnostics channel (bayar's HTTP client).
      const capture = ({ request }: { request: { path: string; body?: unknown } }) => {
        const path = request.path.split('?')[0]!;
        // Node's own fetch publishes here too, with a stream for a body: only bayar's string bodies count.
        const sent = typeof request.body === 'string' || Buffer.isBuffer(request.body);
        if (sent && path !== DOKU_SNAP_PATHS.token) seen[path] = JSON.parse(String(request.body));
      };
      diagnostics.subscribe('undici:request:create', capture as (message: unknown) => void);
      try {
        const id = newPaymentId();
        await provider.createCharge({ paymentId: id, method: 'EWALLET_DANA', amount: 25_000, expiresAt: new Date(Date.now() + 600_000).toISOString(), description: 'Kopi susu', customer: {} });
        await provider.findCharge({ paymentId: id, method: 'EWALLET_DANA' });
        await fetch(`${url}/_sandbox/charges/${id}/pay`, { method: 'POST', body: '{}' });
        await provider.refund({ charge: { paymentId: id, method: 'EWALLET_DANA' }, idempotencyKey: `${id}:rf_1`, amount: 5_000, full: false, reason: 'customer asked' });
      } finally {
        diagnostics.unsubscribe('undici:request:create', capture as (message: unknown) => void);
      }
      const pay = seen[DOKU_SNAP_PATHS.payment] as Record<string, never>;
      assert.doesNotThrow(() => new PaymentJumpAppRequestDto(pay.partnerReferenceNo, pay.amount, pay.urlParam, pay.validUpTo, pay.pointOfInitiation, pay.additionalInfo).validate());
      assert.deepEqual(Object.keys(pay).sort(), ['additionalInfo', 'amount', 'partnerReferenceNo', 'pointOfInitiation', 'urlParam', 'validUpTo']);
      const refund = seen[DOKU_SNAP_PATHS.refund] as Record<string, never>;
      assert.doesNotThrow(() =>
        new RefundRequestDto(
          refund.originalPartnerReferenceNo,
          refund.refundAmount,
          refund.partnerRefundNo,
          refund.originalExternalId,
          refund.reason,
          refund.additionalInfo,
        ).validateRefundRequestDto(),
      );
      const status = seen[DOKU_SNAP_PATHS.status] as Record<string, never>;
      assert.doesNotThrow(() =>
        new CheckStatusDirectDebitDTO(
          status.originalPartnerReferenceNo,
          status.originalReferenceNo,
          status.originalExternalId,
          status.serviceCode,
          undefined,
          undefined,
          undefined,
          undefined,
          undefined,
          status.additionalInfo,
        ).validateCheckStatusRequestDto(),
      );
      // And the sandbox's payment answer reads through the SDK's response DTO the same way ours does.
      const answer = { responseCode: '2005400', responseMessage: 'Successful', webRedirectUrl: 'http://x/snap/checkout/1', partnerReferenceNo: 'pay_1', referenceNo: '123' };
      const dto = new PaymentResponseDirectDebitDTO(answer);
      const parsed = paymentResponseSchema.parse(answer);
      assert.equal(dto.webRedirectUrl, parsed.webRedirectUrl);
      assert.equal(dto.referenceNo, parsed.referenceNo);
    } finally {
      await close();
      void kit;
    }
  });

  it('notifications parse loosely (both SDKs’ additionalInfo spellings) and refuse what is not one', () => {
    const base = { originalPartnerReferenceNo: 'pay_1', originalReferenceNo: '1234', latestTransactionStatus: '00', transactionStatusDesc: 'Success', amount: { value: '10000.00', currency: 'IDR' } };
    assert.ok(notificationSchema.safeParse({ ...base, additionalInfo: { channelId: 'EMONEY_DANA_SNAP', acquirerId: 'DANA', accountType: 'EMONEY', extra: 1 } }).success);
    assert.ok(notificationSchema.safeParse({ ...base, additionalInfo: { channel: 'EMONEY_DANA_SNAP' }, lineItems: [] }).success);
    assert.ok(!notificationSchema.safeParse({ ...base, amount: { value: 10000, currency: 'IDR' } }).success);
    assert.ok(!notificationSchema.safeParse({ ...base, amount: { value: '10000.00', currency: 'USD' } }).success);
    assert.ok(!notificationSchema.safeParse({ ...base, latestTransactionStatus: 'SUCCESS' }).success);
    assert.ok(!notificationSchema.safeParse({ ...base, originalPartnerReferenceNo: '' }).success);
  });
});

describe('DOKU SNAP status table', () => {
  it('only 00 is paid; 05 cancelled, 06 failed; refunds acknowledged; the rest (and anything unknown) pending', () => {
    const expected: Record<string, string> = { '00': 'PAID', '01': 'PENDING', '02': 'PENDING', '03': 'PENDING', '04': 'REFUNDED', '05': 'CANCELLED', '06': 'FAILED', '07': 'PENDING' };
    for (const [code, status] of Object.entries(expected)) assert.equal(dokuSnapStatusToChargeStatus(code), status, code);
    for (const odd of ['', '0', '000', '99', 'SUCCESS', 'constructor', '__proto__', 'toString']) assert.equal(dokuSnapStatusToChargeStatus(odd), 'PENDING', odd);
  });
});

describe('DOKU SNAP refund status table', () => {
  it('only an explicit success (00 / SUCCESS) or failure (06 / FAILED) is final; everything else is pending', () => {
    const expected: Record<string, string> = { '00': 'SUCCEEDED', SUCCESS: 'SUCCEEDED', '06': 'FAILED', FAILED: 'FAILED', '03': 'PENDING', PENDING: 'PENDING' };
    for (const [code, state] of Object.entries(expected)) assert.equal(dokuSnapRefundStatusToRefundState(code), state, code);
    for (const odd of ['', '0', '01', '04', '05', '07', '99', 'success', 'REFUNDED', 'PROCESSING', 'constructor', '__proto__', 'toString']) {
      assert.equal(dokuSnapRefundStatusToRefundState(odd), 'PENDING', odd);
    }
  });

  it('a refundHistory entry is read with zod: SNAP amounts become whole rupiah, a fraction is refused', () => {
    const entry = {
      refundNo: '1234567890123456',
      partnerReferenceNo: 'pay_1:rf_1',
      refundAmount: { value: '10000.00', currency: 'IDR' },
      refundStatus: '00',
      refundDate: '2020-12-21T14:56:11+07:00',
      reason: 'x',
    };
    const ok = refundHistoryEntrySchema.safeParse(entry);
    assert.ok(ok.success);
    assert.equal(ok.data.refundAmount.value, 10_000);
    for (const value of ['10000.50', '10000', '1e4', '-1.00']) {
      const bad = refundHistoryEntrySchema.safeParse({ ...entry, refundAmount: { value, currency: 'IDR' } });
      assert.ok(!bad.success, value);
      assert.deepEqual(bad.error.issues[0]?.path, ['refundAmount', 'value'], value);
    }
    assert.ok(!refundHistoryEntrySchema.safeParse({ ...entry, refundAmount: { value: '10000.00', currency: 'USD' } }).success);
    assert.ok(!refundHistoryEntrySchema.safeParse({ ...entry, refundStatus: undefined }).success);
    // The fields are the SDK's RefundHistoryDTO, nothing more.
    assert.deepEqual(Object.keys(new RefundHistoryDTO('a', 'b', 'c', 'd', 'e', 'f')), Object.keys(entry));
  });
});

/** The DOKU sandbox in-process, a DokuProvider against it, and a receiver playing bayar's webhook routes. */
async function sandboxAndProvider(options: { clientSecret?: string; tokenTtlSeconds?: number } = {}) {
  const parsed: ParsedWebhook[] = [];
  const refusedNotifications: string[] = [];
  let provider!: DokuProvider;
  const receiver: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw: RawWebhook = {
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v])),
        rawBody: Buffer.concat(chunks),
        path: new URL(req.url ?? '/', 'http://x').pathname,
      };
      if (raw.path.endsWith(DOKU_SNAP_PATHS.token)) {
        const reply = provider.webhookToken(raw);
        res.writeHead(reply.status, { 'content-type': reply.contentType }).end(reply.body);
        return;
      }
      try {
        const p = provider.parseWebhook(raw);
        parsed.push(p);
        const reply = provider.webhookAck(p);
        res.writeHead(reply.status, { 'content-type': reply.contentType }).end(reply.body);
      } catch (err) {
        refusedNotifications.push((err as Error).message);
        res.writeHead(err instanceof SignatureInvalid ? 401 : 400).end();
      }
    });
  });
  const receiverPort = await new Promise<number>((r) => receiver.listen(0, '127.0.0.1', () => r((receiver.address() as AddressInfo).port)));
  const sandbox = new DokuSandbox({
    clientId: CLIENT_ID,
    secretKey: SECRET,
    snap: { clientSecret: SECRET, merchantPublicKey: createPublicKey(DEV_DOKU_SNAP_MERCHANT_PRIVATE_KEY), dokuPrivateKey: DEV_DOKU_SNAP_DOKU_PRIVATE_KEY, tokenTtlSeconds: options.tokenTtlSeconds },
  });
  const kit = new SandboxKit(sandbox, { callbackUrl: `http://127.0.0.1:${receiverPort}/webhooks/doku`, timeScale: 0.0001 });
  const url = `http://127.0.0.1:${await kit.listen(0)}`;
  provider = new DokuProvider({
    clientId: CLIENT_ID,
    secretKey: SECRET,
    baseUrl: url,
    timeoutMs: 5000,
    snap: { clientSecret: options.clientSecret ?? SECRET, privateKey: DEV_DOKU_SNAP_MERCHANT_PRIVATE_KEY, dokuPublicKey: DEV_DOKU_SNAP_DOKU_PUBLIC_KEY, returnUrl: 'https://merchant.example/return' },
  });
  const close = async () => {
    await kit.close();
    await new Promise<void>((r) => receiver.close(() => r()));
  };
  return { kit, url, provider, parsed, refusedNotifications, close };
}

describe('DOKU SNAP adapter against the sandbox', () => {
  let env: Awaited<ReturnType<typeof sandboxAndProvider>>;
  before(async () => {
    env = await sandboxAndProvider();
  });
  after(async () => env?.close());
  const charge = (method: PaymentMethod, amount: number, extra: { expiresInMs?: number; paymentId?: string } = {}) =>
    env.provider.createCharge({
      paymentId: extra.paymentId ?? newPaymentId(),
      method,
      amount,
      expiresAt: new Date(Date.now() + (extra.expiresInMs ?? 600_000)).toISOString(),
      description: 'Pesanan 42',
      customer: { ipAddress: '203.0.113.7' },
    });
  const ledger = async (ref: string) =>
    ((await (await fetch(`${env.url}/_sandbox/ledger`)).json()) as { charges: { reference: string; status: string; createRequests: number; refundedAmount: number }[] }).charges.find(
      (c) => c.reference === ref,
    );
  const until = async (check: () => boolean, ms = 5000) => {
    const end = Date.now() + ms;
    while (!check()) {
      if (Date.now() > end) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it('offers DANA and ShopeePay (partial refunds), not OVO', () => {
    const caps = env.provider.capabilities;
    assert.ok(caps.methods.includes('EWALLET_DANA') && caps.methods.includes('EWALLET_SHOPEEPAY'));
    assert.ok(!caps.methods.includes('EWALLET_OVO'));
    assert.equal(caps.refunds.EWALLET_DANA, 'partial');
    assert.equal(caps.refunds.VA_BCA, undefined);
    const nonSnap = new DokuProvider({ clientId: CLIENT_ID, secretKey: SECRET, baseUrl: env.url, timeoutMs: 1000 });
    assert.ok(!nonSnap.capabilities.methods.includes('EWALLET_DANA'), 'without SNAP keys, no e-wallets');
  });

  it('creates a DANA charge: the wallet page as payUrl; a resend is the same charge; the status says pending', async () => {
    const id = newPaymentId();
    const first = await charge('EWALLET_DANA', 25_000, { paymentId: id });
    assert.equal(first.chargeStatus, 'PENDING');
    assert.match(first.instructions.payUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+\/snap\/checkout\/\d{12}$/);
    assert.match(first.providerReference, /^\d{12}$/);
    // A different validUpTo is an inconsistent repeat: DOKU refuses it (409), and bayar finds its charge.
    const again = await env.provider.createCharge({ paymentId: id, method: 'EWALLET_DANA', amount: 25_000, expiresAt: new Date(Date.now() + 900_000).toISOString(), description: 'x', customer: {} });
    assert.equal(again.providerReference, first.providerReference);
    assert.equal(again.chargeStatus, 'PENDING');
    const found = await env.provider.findCharge({ paymentId: id, method: 'EWALLET_DANA', providerReference: first.providerReference });
    assert.equal(found?.chargeStatus, 'PENDING');
    assert.equal(found?.providerReference, first.providerReference);
    assert.equal(await env.provider.findCharge({ paymentId: newPaymentId(), method: 'EWALLET_DANA' }), null, 'never seen → null');
  });

  it('an identical resend gets the first answer again (idempotent on partnerReferenceNo)', async () => {
    const id = newPaymentId();
    const expiresAt = new Date(Date.now() + 600_000).toISOString();
    const req = { paymentId: id, method: 'EWALLET_SHOPEEPAY' as const, amount: 40_000, expiresAt, description: 'x', customer: {} };
    const a = await env.provider.createCharge(req);
    const b = await env.provider.createCharge(req);
    assert.deepEqual(a, b);
    assert.equal((await ledger(id))?.createRequests, 2);
  });

  it('pay → signed notification via bayar’s token endpoint → parsed PAID with the amount; SNAP ack', async () => {
    const id = newPaymentId();
    await charge('EWALLET_DANA', 30_000, { paymentId: id });
    const paid = await fetch(`${env.url}/_sandbox/charges/${id}/pay`, { method: 'POST', body: '{}' });
    assert.equal(paid.status, 200);
    await until(() => env.parsed.some((p) => p.kind === 'payment' && p.paymentId === id));
    const p = env.parsed.find((x) => x.kind === 'payment' && x.paymentId === id)!;
    assert.ok(p.kind === 'payment');
    assert.equal(p.event.chargeStatus, 'PAID');
    assert.equal(p.event.paidAmount, 30_000);
    assert.match(p.event.eventId, /^doku-snap:\d{12}:00$/);
    assert.deepEqual(JSON.parse(env.provider.webhookAck(p).body), { responseCode: '2005600', responseMessage: 'Successful' });
    const sent = (await (await fetch(`${env.url}/_sandbox/notifications`)).json()) as { body: string; status: number }[];
    assert.ok(sent.some((n) => n.status === 200 && JSON.parse(n.body).originalPartnerReferenceNo === id));
    const found = await env.provider.findCharge({ paymentId: id, method: 'EWALLET_DANA' });
    assert.equal(found?.chargeStatus, 'PAID');
    assert.equal(found?.paidAmount, 30_000);
  });

  it('refunds partially, then the rest; more than what is left is refused; a resend refunds once', async () => {
    const id = newPaymentId();
    await charge('EWALLET_SHOPEEPAY', 50_000, { paymentId: id });
    await fetch(`${env.url}/_sandbox/charges/${id}/pay`, { method: 'POST', body: '{}' });
    const ref = { paymentId: id, method: 'EWALLET_SHOPEEPAY' as const };
    const part = await env.provider.refund({ charge: ref, idempotencyKey: `${id}:rf_a`, amount: 20_000, full: false, reason: 'one item returned' });
    assert.equal(part.state, 'SUCCEEDED');
    // The status answer's refundHistory is what the provider reports refunded, named by the id the
    // refund recorded, so bayar matches its own refund instead of counting it again.
    const listed = await env.provider.findCharge(ref);
    assert.deepEqual(listed?.providerRefunds, { total: 20_000, refunds: [{ providerRefundId: part.providerRefundId, amount: 20_000 }] });
    const again = await env.provider.refund({ charge: ref, idempotencyKey: `${id}:rf_a`, amount: 20_000, full: false, reason: 'one item returned' });
    assert.equal(again.providerRefundId, part.providerRefundId, 'same partnerRefundNo → same refund');
    await assert.rejects(
      env.provider.refund({ charge: ref, idempotencyKey: `${id}:rf_b`, amount: 30_001, full: false, reason: 'too much' }),
      (e: unknown) => e instanceof ProviderRejected && e.code === 'DOKU_SNAP_4045813',
    );
    const rest = await env.provider.refund({ charge: ref, idempotencyKey: `${id}:rf_c`, amount: 30_000, full: true, reason: 'the rest' });
    assert.equal(rest.state, 'SUCCEEDED');
    assert.equal((await ledger(id))?.refundedAmount, 50_000);
    assert.equal((await env.provider.findCharge(ref))?.chargeStatus, 'REFUNDED');
    const unpaid = newPaymentId();
    await charge('EWALLET_DANA', 10_000, { paymentId: unpaid });
    await assert.rejects(env.provider.refund({ charge: { paymentId: unpaid, method: 'EWALLET_DANA' }, idempotencyKey: 'k', amount: 1, full: false, reason: 'x' }), ProviderRejected);
  });

  it('caches the B2B token, and fetches a new one when DOKU no longer knows it', async () => {
    const id = newPaymentId();
    await charge('EWALLET_DANA', 11_000, { paymentId: id });
    const expired = await fetch(`${env.url}/_sandbox/doku/snap/tokens/expire`, { method: 'POST' });
    assert.equal(expired.status, 200);
    // The cached token is now unknown at DOKU: 4015501 → drop it, fetch another, succeed.
    assert.equal((await env.provider.findCharge({ paymentId: id, method: 'EWALLET_DANA' }))?.chargeStatus, 'PENDING');
  });

  it('expires at validUpTo at DOKU (05) when unpaid', async () => {
    const id = newPaymentId();
    await charge('EWALLET_DANA', 12_000, { paymentId: id, expiresInMs: 1200 });
    await new Promise((r) => setTimeout(r, 2300));
    const found = await env.provider.findCharge({ paymentId: id, method: 'EWALLET_DANA' });
    assert.equal(found?.chargeStatus, 'CANCELLED');
    assert.equal((await ledger(id))?.status, 'EXPIRED');
    const paid = await fetch(`${env.url}/_sandbox/charges/${id}/pay`, { method: 'POST', body: '{}' });
    assert.equal(paid.status, 403, 'the wallet page is closed');
  });

  it('maps errors: wrong secret → rejected 4015400; 503 → unavailable; OVO not offered', async () => {
    const wrong = await sandboxAndProvider({ clientSecret: 'not-the-secret' });
    try {
      await assert.rejects(
        wrong.provider.createCharge({ paymentId: newPaymentId(), method: 'EWALLET_DANA', amount: 1000, expiresAt: new Date(Date.now() + 60_000).toISOString(), description: 'x', customer: {} }),
        (e: unknown) => e instanceof ProviderRejected && e.code === 'DOKU_SNAP_4015400',
      );
    } finally {
      await wrong.close();
    }
    await fetch(`${env.url}/_sandbox/faults`, { method: 'POST', body: JSON.stringify({ errorRate: 1 }) });
    try {
      await assert.rejects(charge('EWALLET_DANA', 1000), ProviderUnavailable);
    } finally {
      await fetch(`${env.url}/_sandbox/faults`, { method: 'POST', body: '{}' });
    }
    await assert.rejects(charge('EWALLET_OVO', 1000), (e: unknown) => e instanceof ProviderRejected && e.code === 'UNSUPPORTED_METHOD');
  });
});

describe('DOKU SNAP refunds in progress (202) and findRefund', () => {
  let env: Awaited<ReturnType<typeof sandboxAndProvider>>;
  before(async () => {
    env = await sandboxAndProvider();
  });
  after(async () => env?.close());
  const refundMode = async (mode: Record<string, unknown>) => assert.equal((await fetch(`${env.url}/_sandbox/doku/snap/refunds`, { method: 'POST', body: JSON.stringify(mode) })).status, 200);
  const paidCharge = async (method: PaymentMethod, amount: number) => {
    const paymentId = newPaymentId();
    await env.provider.createCharge({ paymentId, method, amount, expiresAt: new Date(Date.now() + 600_000).toISOString(), description: 'Pesanan 43', customer: {} });
    assert.equal((await fetch(`${env.url}/_sandbox/charges/${paymentId}/pay`, { method: 'POST', body: '{}' })).status, 200);
    return { paymentId, method };
  };
  const refundedAtDoku = async (ref: string) =>
    ((await (await fetch(`${env.url}/_sandbox/ledger`)).json()) as { charges: { reference: string; refundedAmount: number }[] }).charges.find((c) => c.reference === ref)?.refundedAmount;

  it('202 → PENDING; findRefund follows it (PENDING while in progress) → SUCCEEDED once DOKU concludes it', async () => {
    const ref = await paidCharge('EWALLET_DANA', 50_000);
    await refundMode({ pending: true });
    try {
      const accepted = await env.provider.refund({ charge: ref, idempotencyKey: `${ref.paymentId}:rf_p`, amount: 20_000, full: false, reason: 'one item returned' });
      assert.equal(accepted.state, 'PENDING');
      assert.match(accepted.providerRefundId, /^\d{16}$/, "DOKU's refundNo is what bayar records");
      const resent = await env.provider.refund({ charge: ref, idempotencyKey: `${ref.paymentId}:rf_p`, amount: 20_000, full: false, reason: 'one item returned' });
      assert.deepEqual(resent, accepted, 'a resend is the same refund, still in progress');
      assert.deepEqual(await env.provider.findRefund(ref, accepted.providerRefundId), { state: 'PENDING', providerStatus: '03' });
      // In progress, its amount is taken: more than the rest is refused.
      await assert.rejects(
        env.provider.refund({ charge: ref, idempotencyKey: `${ref.paymentId}:rf_x`, amount: 30_001, full: false, reason: 'x' }),
        (e: unknown) => e instanceof ProviderRejected && e.code === 'DOKU_SNAP_4045813',
      );
      const done = await fetch(`${env.url}/_sandbox/doku/snap/refunds/${accepted.providerRefundId}/complete`, { method: 'POST', body: JSON.stringify({ status: 'SUCCEEDED' }) });
      assert.equal(done.status, 200);
      assert.deepEqual(await env.provider.findRefund(ref, accepted.providerRefundId), { state: 'SUCCEEDED', providerStatus: '00' });
      // Found by the partnerRefundNo bayar sent as well (what refund() records when DOKU names no refundNo).
      assert.equal((await env.provider.findRefund(ref, `${ref.paymentId}:rf_p`)).state, 'SUCCEEDED');
      assert.equal(await refundedAtDoku(ref.paymentId), 20_000);
      assert.equal(
        (await fetch(`${env.url}/_sandbox/doku/snap/refunds/${accepted.providerRefundId}/complete`, { method: 'POST', body: JSON.stringify({ status: 'FAILED' }) })).status,
        409,
        'concluded once',
      );
    } finally {
      await refundMode({ pending: false });
    }
  });

  it('an in-progress refund that fails → FAILED with a reason; its amount is refundable again', async () => {
    const ref = await paidCharge('EWALLET_SHOPEEPAY', 40_000);
    // Concluded after the next status look-up: that look-up still sees it in progress.
    await refundMode({ pending: true, concludeOnLookup: 'FAILED' });
    let accepted;
    try {
      accepted = await env.provider.refund({ charge: ref, idempotencyKey: `${ref.paymentId}:rf_f`, amount: 40_000, full: true, reason: 'order cancelled' });
    } finally {
      await refundMode({ pending: false });
    }
    assert.equal(accepted.state, 'PENDING');
    assert.equal((await env.provider.findRefund(ref, accepted.providerRefundId)).state, 'PENDING');
    const failed = await env.provider.findRefund(ref, accepted.providerRefundId);
    assert.equal(failed.state, 'FAILED');
    assert.equal(failed.providerStatus, '06');
    assert.match(failed.reason ?? '', /DOKU_SNAP_REFUND_FAILED/);
    assert.equal(await refundedAtDoku(ref.paymentId), 0);
    assert.equal((await env.provider.findCharge(ref))?.chargeStatus, 'PAID', 'nothing went back');
    const again = await env.provider.refund({ charge: ref, idempotencyKey: `${ref.paymentId}:rf_g`, amount: 40_000, full: true, reason: 'order cancelled' });
    assert.equal(again.state, 'SUCCEEDED');
    assert.equal((await env.provider.findCharge(ref))?.chargeStatus, 'REFUNDED');
  });

  it('concludeOnLookup SUCCEEDED: PENDING at the first look-up, SUCCEEDED at the next', async () => {
    const ref = await paidCharge('EWALLET_DANA', 15_000);
    await refundMode({ pending: true, concludeOnLookup: 'SUCCEEDED' });
    try {
      const accepted = await env.provider.refund({ charge: ref, idempotencyKey: `${ref.paymentId}:rf_s`, amount: 15_000, full: true, reason: 'x' });
      assert.equal(accepted.state, 'PENDING');
      assert.equal((await env.provider.findRefund(ref, accepted.providerRefundId)).state, 'PENDING');
      assert.equal((await env.provider.findRefund(ref, accepted.providerRefundId)).state, 'SUCCEEDED');
      assert.equal((await env.provider.findCharge(ref))?.chargeStatus, 'REFUNDED');
    } finally {
      await refundMode({ pending: false });
    }
  });

  it('an unknown refund id is not an answer (PENDING); an unknown charge or a Non-SNAP method is refused', async () => {
    const ref = await paidCharge('EWALLET_DANA', 10_000);
    const done = await env.provider.refund({ charge: ref, idempotencyKey: `${ref.paymentId}:rf_k`, amount: 1_000, full: false, reason: 'x' });
    assert.equal(done.state, 'SUCCEEDED');
    assert.deepEqual(await env.provider.findRefund(ref, '9999999999999999'), { state: 'PENDING', providerStatus: 'not in refundHistory' });
    assert.deepEqual(await env.provider.findRefund(ref, ref.paymentId), { state: 'PENDING', providerStatus: 'not in refundHistory' }, 'the payment id is no refund id');
    await assert.rejects(
      env.provider.findRefund({ paymentId: newPaymentId(), method: 'EWALLET_DANA' }, done.providerRefundId),
      (e: unknown) => e instanceof ProviderRejected && e.code === 'DOKU_SNAP_4045501',
    );
    await assert.rejects(
      env.provider.findRefund({ paymentId: ref.paymentId, method: 'VA_BCA' }, done.providerRefundId),
      (e: unknown) => e instanceof ProviderRejected && e.code === 'REFUND_NOT_SUPPORTED',
    );
    await assert.rejects(
      env.provider.findRefund({ paymentId: ref.paymentId, method: 'EWALLET_OVO' }, done.providerRefundId),
      (e: unknown) => e instanceof ProviderRejected && e.code === 'REFUND_NOT_SUPPORTED',
      'OVO is not a SNAP wallet here',
    );
    await fetch(`${env.url}/_sandbox/faults`, { method: 'POST', body: JSON.stringify({ errorRate: 1 }) });
    try {
      await assert.rejects(env.provider.findRefund(ref, done.providerRefundId), ProviderUnavailable);
    } finally {
      await fetch(`${env.url}/_sandbox/faults`, { method: 'POST', body: '{}' });
    }
  });

  it('the sandbox refuses a bad refund mode or completion; a refund not in progress cannot be completed', async () => {
    const post = (path: string, body: unknown) => fetch(`${env.url}${path}`, { method: 'POST', body: JSON.stringify(body) });
    assert.equal((await post('/_sandbox/doku/snap/refunds', { pending: 'yes' })).status, 400);
    assert.equal((await post('/_sandbox/doku/snap/refunds', { pending: true, concludeOnLookup: 'MAYBE' })).status, 400);
    assert.equal((await post('/_sandbox/doku/snap/refunds/123/complete', { status: 'SUCCEEDED' })).status, 404);
    const ref = await paidCharge('EWALLET_DANA', 10_000);
    const done = await env.provider.refund({ charge: ref, idempotencyKey: `${ref.paymentId}:rf_d`, amount: 1_000, full: false, reason: 'x' });
    assert.equal((await post(`/_sandbox/doku/snap/refunds/${done.providerRefundId}/complete`, { status: 'SUCCEEDED' })).status, 409);
    assert.equal((await post(`/_sandbox/doku/snap/refunds/${done.providerRefundId}/complete`, { status: 'DONE' })).status, 400);
  });

  it("refuses a fractional refundAmount in DOKU's answer (AMOUNT_INVALID); an odd history is BAD_RESPONSE; two matches are ambiguous", async () => {
    // A stand-in DOKU that answers the token and the status call with a history of our choosing.
    let history: unknown = [];
    const fake: Server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        if (req.url === DOKU_SNAP_PATHS.token) return void res.end(JSON.stringify({ responseCode: '2007300', accessToken: 'tok', tokenType: 'Bearer', expiresIn: '900' }));
        res.end(
          JSON.stringify({
            responseCode: '2005500',
            responseMessage: 'Successful',
            originalPartnerReferenceNo: 'pay_f',
            originalReferenceNo: '123456789012',
            latestTransactionStatus: '00',
            transAmount: { value: '10000.00', currency: 'IDR' },
            refundHistory: history,
          }),
        );
      });
    });
    const port = await new Promise<number>((r) => fake.listen(0, '127.0.0.1', () => r((fake.address() as AddressInfo).port)));
    try {
      const p = new DokuProvider({
        clientId: CLIENT_ID,
        secretKey: SECRET,
        baseUrl: `http://127.0.0.1:${port}`,
        timeoutMs: 5000,
        snap: { clientSecret: SECRET, privateKey: DEV_DOKU_SNAP_MERCHANT_PRIVATE_KEY, dokuPublicKey: DEV_DOKU_SNAP_DOKU_PUBLIC_KEY },
      });
      const ref = { paymentId: 'pay_f', method: 'EWALLET_DANA' as const };
      const entry = {
        refundNo: '1111222233334444',
        partnerReferenceNo: 'pay_f:rf_1',
        refundAmount: { value: '5000.00', currency: 'IDR' },
        refundStatus: '00',
        refundDate: '2020-12-21T14:56:11+07:00',
      };
      history = [entry];
      assert.equal((await p.findRefund(ref, '1111222233334444')).state, 'SUCCEEDED');
      history = [{ ...entry, refundAmount: { value: '5000.50', currency: 'IDR' } }];
      await assert.rejects(p.findRefund(ref, '1111222233334444'), (e: unknown) => e instanceof ProviderRejected && e.code === 'AMOUNT_INVALID' && /5000\.50/.test(e.message));
      history = [{ ...entry, refundStatus: 7 }];
      await assert.rejects(p.findRefund(ref, '1111222233334444'), (e: unknown) => e instanceof ProviderUnavailable && e.code === 'BAD_RESPONSE');
      history = { refundNo: '1111222233334444' };
      await assert.rejects(p.findRefund(ref, '1111222233334444'), (e: unknown) => e instanceof ProviderUnavailable && e.code === 'BAD_RESPONSE');
      history = [entry, { ...entry, refundStatus: '06' }];
      await assert.rejects(p.findRefund(ref, '1111222233334444'), (e: unknown) => e instanceof ProviderRejected && e.code === 'REFUND_AMBIGUOUS');
      // Another refund's fractional amount does not stand in the way of this one; null history is none.
      history = [entry, { ...entry, refundNo: '5555', partnerReferenceNo: 'pay_f:rf_2', refundAmount: { value: '1.50', currency: 'IDR' } }];
      assert.equal((await p.findRefund(ref, '1111222233334444')).state, 'SUCCEEDED');
      history = null;
      assert.equal((await p.findRefund(ref, '1111222233334444')).state, 'PENDING');
      // findCharge is not bothered by an odd history.
      history = 'odd';
      assert.equal((await p.findCharge(ref))?.chargeStatus, 'PAID');
    } finally {
      await new Promise<void>((r) => fake.close(() => r()));
    }
  });
});

describe('DOKU SNAP notifications and the token endpoint', () => {
  const provider = new DokuProvider({
    clientId: CLIENT_ID,
    secretKey: SECRET,
    baseUrl: 'http://127.0.0.1:9',
    timeoutMs: 1000,
    notificationPaths: ['/bayar/webhooks/doku'],
    snap: { clientSecret: SECRET, privateKey: DEV_DOKU_SNAP_MERCHANT_PRIVATE_KEY, dokuPublicKey: DEV_DOKU_SNAP_DOKU_PUBLIC_KEY },
  });
  const tokenRequest = (ts = snapTimestamp(Date.now()), key = DEV_DOKU_SNAP_DOKU_PRIVATE_KEY, clientId: string = CLIENT_ID): RawWebhook => ({
    headers: { 'x-client-key': clientId, 'x-timestamp': ts, 'x-signature': asymmetricSignature(key, clientId, ts) },
    rawBody: Buffer.from('{"grantType":"client_credentials"}'),
    path: '/webhooks/doku/authorization/v1/access-token/b2b',
  });
  const token = () => (JSON.parse(provider.webhookToken(tokenRequest()).body) as { accessToken: string }).accessToken;
  const body = (over: Record<string, unknown> = {}) =>
    JSON.stringify({
      originalPartnerReferenceNo: 'pay_0123456789abcdef01234567',
      originalReferenceNo: '123456789012',
      latestTransactionStatus: '00',
      transactionStatusDesc: 'Success',
      amount: { value: '30000.00', currency: 'IDR' },
      ...over,
    });
  const notification = (b: string, o: { token?: string; path?: string; signedPath?: string; ts?: string; secret?: string; partner?: string } = {}): RawWebhook => {
    const t = o.token ?? token();
    const ts = o.ts ?? snapTimestamp(Date.now());
    const path = o.path ?? '/webhooks/doku/v1.0/debit/notify';
    return {
      headers: {
        authorization: `Bearer ${t}`,
        'x-timestamp': ts,
        'x-partner-id': o.partner ?? CLIENT_ID,
        'x-external-id': externalId(),
        'x-signature': symmetricSignature({ method: 'POST', path: o.signedPath ?? path, accessToken: t, body: b, timestamp: ts }, o.secret ?? SECRET),
      },
      rawBody: Buffer.from(b),
      path,
    };
  };

  it('issues a token only to DOKU: its RSA signature, our client id, a fresh timestamp', () => {
    const ok = provider.webhookToken(tokenRequest());
    assert.equal(ok.status, 200);
    const answer = JSON.parse(ok.body) as Record<string, string>;
    assert.equal(answer.responseCode, '2007300');
    assert.equal(answer.tokenType, 'Bearer');
    assert.equal(answer.expiresIn, '900');
    for (const bad of [
      tokenRequest(undefined, DEV_DOKU_SNAP_MERCHANT_PRIVATE_KEY),
      tokenRequest(undefined, undefined, 'BRN-someone-else'),
      tokenRequest(snapTimestamp(Date.now() - 10 * 60_000)),
      { ...tokenRequest(), headers: { ...tokenRequest().headers, 'x-signature': undefined } },
    ]) {
      const refused = provider.webhookToken(bad);
      assert.equal(refused.status, 401);
      assert.equal(JSON.parse(refused.body).responseCode, '4017300');
    }
    assert.equal(provider.webhookToken({ ...tokenRequest(), rawBody: Buffer.from('{"grantType":"password"}') }).status, 400);
  });

  it('takes a genuine notification on the SNAP path, on the base path and on the public path behind a proxy', () => {
    for (const n of [notification(body()), notification(body(), { path: '/webhooks/doku' }), notification(body(), { path: '/webhooks/doku', signedPath: '/bayar/webhooks/doku/v1.0/debit/notify' })]) {
      const p = provider.parseWebhook(n);
      assert.ok(p.kind === 'payment');
      assert.equal(p.paymentId, 'pay_0123456789abcdef01234567');
      assert.equal(p.event.chargeStatus, 'PAID');
      assert.equal(p.event.paidAmount, 30_000);
      assert.equal(p.event.providerReference, '123456789012');
      assert.equal(JSON.parse(provider.webhookAck(p).body).responseCode, '2005600');
      assert.equal(provider.webhookRetryLater(p).status, 503);
    }
    // A refund notice names no refund and no total: it only wakes the payment for a look-up.
    const refunded = provider.parseWebhook(notification(body({ latestTransactionStatus: '04' })));
    assert.ok(refunded.kind === 'payment');
    assert.equal(refunded.event.wakeOnly, true);
    assert.equal(refunded.event.chargeStatus, 'REFUNDED');
  });

  it('refuses forged, tampered, replayed-elsewhere, stale, foreign and token-less notifications', () => {
    const b = body();
    const t = token();
    const cases: [string, RawWebhook][] = [
      ['wrong secret', notification(b, { secret: 'guessed' })],
      ['tampered body', { ...notification(b, { token: t }), rawBody: Buffer.from(b.replace('30000.00', '3000000.00')) }],
      ['other path', notification(b, { signedPath: '/elsewhere' })],
      ['stale', notification(b, { ts: snapTimestamp(Date.now() - 10 * 60_000) })],
      ['foreign partner', notification(b, { partner: 'BRN-other' })],
      ['token not ours', notification(b, { token: issueNotificationToken(DEV_DOKU_SNAP_DOKU_PRIVATE_KEY, CLIENT_ID, Date.now(), 900) })],
      ['expired token', notification(b, { token: issueNotificationToken(DEV_DOKU_SNAP_MERCHANT_PRIVATE_KEY, CLIENT_ID, Date.now() - 1000_000, 900) })],
      [
        'no token',
        (() => {
          const n = notification(b);
          delete n.headers.authorization;
          return n;
        })(),
      ],
      [
        'no signature',
        (() => {
          const n = notification(b);
          n.headers['x-signature'] = undefined;
          n.headers['x-partner-id'] = CLIENT_ID;
          return n;
        })(),
      ],
    ];
    for (const [what, raw] of cases) assert.throws(() => provider.parseWebhook(raw), SignatureInvalid, what);
    // Whitespace between tokens is not content: a re-indented body still verifies (minified before hashing).
    const pretty = JSON.stringify(JSON.parse(b), null, 2);
    const n = notification(b, { token: t });
    assert.equal(provider.parseWebhook({ ...n, rawBody: Buffer.from(pretty) }).kind, 'payment');
    // Genuinely signed but not a notification: 400, not 401.
    assert.throws(() => provider.parseWebhook(notification('{"hello":"world"}')), WebhookMalformed);
    assert.throws(() => provider.parseWebhook(notification(body({ amount: { value: '30000.50', currency: 'IDR' } }))), WebhookMalformed);
  });

  it('a Non-SNAP notification still goes the Non-SNAP way; SNAP without keys is refused', () => {
    const nonSnapOnly = new DokuProvider({ clientId: CLIENT_ID, secretKey: SECRET, baseUrl: 'http://127.0.0.1:9', timeoutMs: 1000 });
    assert.throws(() => nonSnapOnly.parseWebhook(notification(body())), SignatureInvalid);
    assert.equal(nonSnapOnly.webhookToken(tokenRequest()).status, 404);
    assert.throws(() => provider.parseWebhook({ headers: { 'client-id': CLIENT_ID }, rawBody: Buffer.from('{}'), path: '/webhooks/doku' }), SignatureInvalid);
  });
});

describe('DOKU SNAP configuration', () => {
  it('uses the development keys against the sandbox, and checks keys at boot', () => {
    const config = loadConfig({ BAYAR_ENV: 'development' });
    assert.ok(config.providers.doku!.snap);
    assert.equal(config.providers.doku!.snap.clientSecret, SECRET);
    assert.throws(
      () => loadConfig({ BAYAR_ENV: 'development', DOKU_SNAP_PRIVATE_KEY: 'not a key' }),
      (e: unknown) => e instanceof ConfigError && /DOKU_SNAP_PRIVATE_KEY/.test(e.message) && !e.message.includes('not a key'),
    );
    assert.throws(() => loadConfig({ BAYAR_ENV: 'development', DOKU_SNAP_DOKU_PUBLIC_KEY: DEV_DOKU_SNAP_MERCHANT_PRIVATE_KEY }), /DOKU_SNAP_DOKU_PUBLIC_KEY/);
  });

  it('with a real DOKU: no SNAP keys → no e-wallets; development keys or secret → refused', () => {
    const real = {
      DOKU_BASE_URL: 'https://api.doku.com',
      DOKU_CLIENT_ID: 'BRN-0211-1234567890',
      DOKU_SECRET_KEY: 'SK-real-secret-123',
      BAYAR_API_KEYS: 'm1:sk_live_0123456789',
      BAYAR_MERCHANT_WEBHOOK_SECRETS: 'm1:whsec_live_0123456789',
      BAYAR_DATA_KEY: randomBytes(32).toString('base64'),
    };
    assert.equal(loadConfig({ BAYAR_ENV: 'development', ...real }).providers.doku!.snap, undefined);
    assert.throws(
      () => loadConfig({ BAYAR_ENV: 'development', ...real, DOKU_SNAP_PRIVATE_KEY: DEV_DOKU_SNAP_MERCHANT_PRIVATE_KEY, DOKU_SNAP_DOKU_PUBLIC_KEY: DEV_DOKU_SNAP_DOKU_PUBLIC_KEY }),
      /DOKU_SNAP_PRIVATE_KEY is the development key[\s\S]*DOKU_SNAP_DOKU_PUBLIC_KEY is the development key/,
    );
    const ownPair = DEV_DOKU_SNAP_DOKU_PRIVATE_KEY; // any other valid keys will do for the check
    const theirs = DEV_DOKU_SNAP_MERCHANT_PUBLIC_KEY;
    const ok = loadConfig({ BAYAR_ENV: 'development', ...real, DOKU_SNAP_PRIVATE_KEY: ownPair, DOKU_SNAP_DOKU_PUBLIC_KEY: theirs });
    assert.equal(ok.providers.doku!.snap?.clientSecret, 'SK-real-secret-123');
    assert.equal(ok.providers.doku!.snap?.returnUrl, undefined, 'no placeholder return page with a real DOKU');
    const { DOKU_SECRET_KEY: _s, ...withoutSecret } = real;
    assert.throws(() => loadConfig({ BAYAR_ENV: 'development', ...withoutSecret, DOKU_SNAP_PRIVATE_KEY: ownPair, DOKU_SNAP_DOKU_PUBLIC_KEY: theirs }), /development secret/);
  });
});
