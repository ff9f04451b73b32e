// DOKU SNAP virtual accounts: the create-va, transfer-va status and delete-va bodies bayar puts on
// the wire, validated with doku-nodejs-library 1.0.52's own DTO validation; a VA payment
// notification built from DOKU's published sample (dashboard.doku.com bank-mandiri-va-http-sample-snap),
// signed with the SDK's signer, accepted and parsed; tampered, foreign or unbound ones refused;
// and the adapter against the SNAP sandbox in-process (create → pay → notification; delete-va).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { DEV_DEFAULTS } from '../../src/sandbox/dev-defaults.js';
import { DEV_DOKU_SNAP_DOKU_PRIVATE_KEY, DEV_DOKU_SNAP_DOKU_PUBLIC_KEY, DEV_DOKU_SNAP_MERCHANT_PRIVATE_KEY } from '../../src/providers/doku/sandbox/dev-keys.js';
import { DokuProvider } from '../../src/providers/doku/index.js';
import { DOKU_SANDBOX_VA_PARTNER_SERVICE_IDS, DOKU_SNAP_PATHS, DOKU_SNAP_VAS } from '../../src/providers/doku/capabilities.js';
import { externalId } from '../../src/providers/doku/snap/client.js';
import { snapTimestamp } from '../../src/providers/doku/snap/signature.js';
import { customerNoFor } from '../../src/providers/doku/snap/va.js';
import { SignatureInvalid, WebhookMalformed, type CreateChargeRequest, type ParsedWebhook, type RawWebhook } from '../../src/providers/provider.js';
import { DokuSandbox } from '../../src/providers/doku/sandbox/sandbox.js';
import { SandboxKit } from '../../src/sandbox/kit.js';

const require = createRequire(import.meta.url);
const sdk = require('doku-nodejs-library/_services/tokenService') as {
  generateSymmetricSignature(method: string, path: string, token: string, body: unknown, ts: string, secret: string): string;
  generateSignature(privateKey: string, clientId: string, ts: string): string;
};
const CreateVARequestDtoClass = require('doku-nodejs-library/_models/createVaRequestDto') as new (...a: unknown[]) => { validateVaRequestDto(): void; freeText?: unknown };
/**
 * The SDK's DTO, built from what bayar sent. Its constructor turns an absent freeText into null,
 * which its own Joi rule (an optional array) then refuses, and its toObject() drops: an absent
 * freeText is left absent here, as on the wire.
 */
class CreateVARequestDto {
  private readonly dto: { validateVaRequestDto(): void; freeText?: unknown };
  constructor(...args: unknown[]) {
    this.dto = new CreateVARequestDtoClass(...args);
    if (this.dto.freeText === null) delete this.dto.freeText;
  }
  validateVaRequestDto(): void {
    this.dto.validateVaRequestDto();
  }
}
const DeleteVaRequestDto = require('doku-nodejs-library/_models/deleteVaRequestDTO') as new (...a: unknown[]) => { validateDeleteVaRequest(): void };
const CheckStatusVARequestDto = require('doku-nodejs-library/_models/checkStatusVARequestDTO') as new (...a: unknown[]) => { validateCheckStatusVaRequestDto(): void };
const VA_CHANNELS = require('doku-nodejs-library/_commons/vaChannelEnum') as Record<string, string>;
const SDK_CONFIG = require('doku-nodejs-library/_commons/config') as Record<string, string>;

const { clientId: CLIENT_ID, secretKey: SECRET } = DEV_DEFAULTS.doku;
const newPaymentId = () => 'pay_' + randomBytes(12).toString('hex');
const SNAP = { clientSecret: SECRET, privateKey: DEV_DOKU_SNAP_MERCHANT_PRIVATE_KEY, dokuPublicKey: DEV_DOKU_SNAP_DOKU_PUBLIC_KEY, vaPartnerServiceIds: DOKU_SANDBOX_VA_PARTNER_SERVICE_IDS };

function chargeRequest(method: CreateChargeRequest['method'], customer: CreateChargeRequest['customer'] = {}): CreateChargeRequest {
  return { paymentId: newPaymentId(), method, amount: 150_000, expiresAt: new Date(Date.now() + 3_600_000).toISOString(), description: 'Pesanan #42', customer };
}

/** A stand-in for DOKU that records what bayar sends and answers like DOKU's published samples. */
async function recordingDoku() {
  const calls: { method: string; path: string; body: Record<string, unknown> }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      calls.push({ method: req.method!, path, body });
      const json = (status: number, b: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(b));
      if (path === DOKU_SNAP_PATHS.token) return json(200, { responseCode: '2007300', accessToken: 'tok', tokenType: 'Bearer', expiresIn: 900 });
      if (path === DOKU_SNAP_PATHS.createVa) return json(200, { responseCode: '2002700', responseMessage: 'Successful', virtualAccountData: body });
      if (path === DOKU_SNAP_PATHS.vaStatus) return json(200, { responseCode: '2002600', responseMessage: 'Successful', virtualAccountData: { ...body, paymentFlagStatus: '01' } });
      if (path === DOKU_SNAP_PATHS.deleteVa) return json(200, { responseCode: '2003100', responseMessage: 'Successful' });
      json(404, { responseCode: '4040000' });
    });
  });
  const port = await new Promise<number>((r) => server.listen(0, '127.0.0.1', () => r((server.address() as AddressInfo).port)));
  return { url: `http://127.0.0.1:${port}`, calls, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('DOKU SNAP VA requests, checked with the SDK', () => {
  let doku: Awaited<ReturnType<typeof recordingDoku>>;
  before(async () => void (doku = await recordingDoku()));
  after(async () => doku?.close());

  it('paths and channels are the SDK’s', () => {
    assert.equal(DOKU_SNAP_PATHS.createVa, SDK_CONFIG.CREATE_VA);
    assert.equal(DOKU_SNAP_PATHS.deleteVa, SDK_CONFIG.DELETE_VA);
    assert.equal(DOKU_SNAP_PATHS.vaStatus, SDK_CONFIG.CHECK_STATUS_VA);
    for (const { channel } of Object.values(DOKU_SNAP_VAS)) assert.equal(VA_CHANNELS[channel], channel);
  });

  it('create-va, status and delete-va as sent pass the SDK’s Joi validation, for every bank', async () => {
    const provider = new DokuProvider({ clientId: CLIENT_ID, secretKey: SECRET, baseUrl: doku.url, timeoutMs: 5000, snap: SNAP });
    assert.equal(provider.capabilities.cancel, true, 'SNAP VAs can be deleted');
    for (const method of Object.keys(DOKU_SNAP_VAS) as (keyof typeof DOKU_SNAP_VAS)[]) {
      assert.ok(provider.capabilities.methods.includes(method), method);
      const request = chargeRequest(method, { name: 'Budi Santoso (VIP)', email: 'budi@example.com', phone: '0811-2233-4455' });
      const created = await provider.createCharge(request);
      assert.equal(created.chargeStatus, 'PENDING');
      assert.equal(created.instructions?.bankCode, DOKU_SNAP_VAS[method].bank);
      const digits = created.instructions?.virtualAccountNumber ?? '';
      assert.match(digits, /^\d{16}$/, 'BIN + customerNo, 16 digits, no padding');
      await provider.findCharge({ paymentId: request.paymentId, method, providerReference: created.providerReference });
      await provider.cancelCharge({ paymentId: request.paymentId, method, providerReference: created.providerReference });
      const [create, status, del] = doku.calls.slice(-3);
      assert.equal(create!.path, DOKU_SNAP_PATHS.createVa);
      assert.equal(del!.method, 'DELETE');
      const c = create!.body as Record<string, unknown> & { totalAmount: unknown; additionalInfo: unknown };
      const dto = new CreateVARequestDto(
        c.partnerServiceId,
        c.customerNo,
        c.virtualAccountNo,
        c.virtualAccountName,
        c.virtualAccountEmail,
        c.virtualAccountPhone,
        c.trxId,
        c.totalAmount,
        c.additionalInfo,
        c.virtualAccountTrxType,
        c.expiredDate,
      );
      if (method === 'VA_BSI') {
        // The SDK's own BSI channel name (vaChannelEnum, 36 characters) breaks its own 30-character
        // rule: that, and nothing else, is what it objects to (README: an SDK inconsistency).
        assert.throws(() => dto.validateVaRequestDto(), /^Error: Validation failed: "additionalInfo.channel" length must be less than or equal to 30 characters long$/);
      } else dto.validateVaRequestDto();
      assert.equal(c.trxId, request.paymentId);
      assert.equal(c.virtualAccountTrxType, 'C');
      assert.deepEqual(c.totalAmount, { value: '150000.00', currency: 'IDR' });
      assert.equal(c.virtualAccountName, 'Budi Santoso VIP');
      assert.equal(c.virtualAccountPhone, '6281122334455');
      assert.equal(String(c.virtualAccountNo).replace(/ /g, ''), digits);
      assert.equal(String(c.partnerServiceId).length, 8);
      const s = status!.body;
      new CheckStatusVARequestDto(s.partnerServiceId, s.customerNo, s.virtualAccountNo, s.inquiryRequestId ?? null, s.paymentRequestId ?? null, s.additionalInfo).validateCheckStatusVaRequestDto();
      const d = del!.body;
      const deleteDto = new DeleteVaRequestDto(d.partnerServiceId, d.customerNo, d.virtualAccountNo, d.trxId, (d.additionalInfo as { channel: string }).channel);
      if (method === 'VA_BSI') assert.throws(() => deleteDto.validateDeleteVaRequest(), /^Error: Validation failed: "additionalInfo.channel" length must be less than or equal to 30 characters long$/);
      else deleteDto.validateDeleteVaRequest();
      assert.equal(d.trxId, request.paymentId);
    }
  });

  it('without a customer email and phone the SDK objects to those two only (optional in its README table)', async () => {
    const provider = new DokuProvider({ clientId: CLIENT_ID, secretKey: SECRET, baseUrl: doku.url, timeoutMs: 5000, snap: SNAP });
    await provider.createCharge(chargeRequest('VA_BCA'));
    const c = doku.calls.at(-1)!.body as Record<string, unknown>;
    assert.equal(c.virtualAccountName, 'Pesanan 42', 'the description when there is no name');
    assert.throws(
      () =>
        new CreateVARequestDto(
          c.partnerServiceId,
          c.customerNo,
          c.virtualAccountNo,
          c.virtualAccountName,
          c.virtualAccountEmail,
          c.virtualAccountPhone,
          c.trxId,
          c.totalAmount,
          c.additionalInfo,
          c.virtualAccountTrxType,
          c.expiredDate,
        ).validateVaRequestDto(),
      (e: Error) => /virtualAccountEmail/.test(e.message) && /virtualAccountPhone/.test(e.message) && e.message.split(',').length === 2,
    );
  });

  it('the VA number is derived from the payment id: stable, and different for another payment', () => {
    assert.equal(customerNoFor('pay_a', 11), customerNoFor('pay_a', 11));
    assert.notEqual(customerNoFor('pay_a', 11), customerNoFor('pay_b', 11));
    assert.match(customerNoFor('pay_a', 11), /^\d{11}$/);
  });
});

describe('DOKU SNAP VA payment notification', () => {
  const provider = new DokuProvider({ clientId: CLIENT_ID, secretKey: SECRET, baseUrl: 'http://127.0.0.1:9', timeoutMs: 1000, notificationPaths: ['/webhooks/doku'], snap: SNAP });
  const token = () => {
    const ts = snapTimestamp(Date.now());
    const reply = provider.webhookToken({
      headers: { 'x-client-key': CLIENT_ID, 'x-timestamp': ts, 'x-signature': sdk.generateSignature(DEV_DOKU_SNAP_DOKU_PRIVATE_KEY, CLIENT_ID, ts) },
      rawBody: Buffer.from('{"grantType":"client_credentials"}'),
      path: '/webhooks/doku/authorization/v1/access-token/b2b',
    });
    assert.equal(reply.status, 200, reply.body);
    return (JSON.parse(reply.body) as { accessToken: string }).accessToken;
  };
  /** DOKU's published Mandiri VA sample, with this payment's trxId and VA. */
  const sample = (paymentId: string, over: Record<string, unknown> = {}) => {
    const bin = DOKU_SANDBOX_VA_PARTNER_SERVICE_IDS.VA_MANDIRI;
    const customerNo = customerNoFor(paymentId, 16 - bin.length);
    return {
      trxDateTime: '2023-08-14T19:06:12+07:00',
      channelCode: '6011',
      referenceNo: '20230814190612379',
      hashedSourceAccountNo: '7e2abdb908c885c5fee1b21d37915e02',
      paidAmount: { value: '10000.00', currency: 'IDR' },
      paymentRequestId: 'R_1692014768',
      paidBills: 'FFFFFF',
      flagAdvise: 'N',
      trxId: paymentId,
      partnerServiceId: bin,
      customerNo,
      virtualAccountNo: bin + customerNo,
      virtualAccountName: 'Jokul Doe 001',
      ...over,
    };
  };
  const signed = (body: unknown, o: { path?: string; secret?: string; text?: string } = {}): RawWebhook => {
    const t = token();
    const ts = snapTimestamp(Date.now());
    const path = o.path ?? '/webhooks/doku/v1.1/transfer-va/payment';
    const signature = sdk.generateSymmetricSignature('POST', path, t, body, ts, o.secret ?? SECRET);
    return {
      headers: { authorization: `Bearer ${t}`, 'x-timestamp': ts, 'x-partner-id': CLIENT_ID, 'x-external-id': externalId(), 'channel-id': 'VA004', 'x-signature': signature },
      rawBody: Buffer.from(o.text ?? JSON.stringify(body)),
      path,
    };
  };

  it('accepts the published sample signed with the SDK, on every published path; parses PAID, the amount and the verified ids; SNAP ack 2002500', () => {
    for (const suffix of DOKU_SNAP_PATHS.vaNotify) {
      const id = newPaymentId();
      const body = sample(id);
      const parsed = provider.parseWebhook(signed(body, { path: `/webhooks/doku${suffix}` })) as ParsedWebhook & { dokuVa?: { virtualAccountNo: string; trxId: string } };
      assert.equal(parsed.kind, 'payment');
      assert.ok(parsed.kind === 'payment');
      assert.equal(parsed.paymentId, id);
      assert.equal(parsed.event.chargeStatus, 'PAID');
      assert.equal(parsed.event.paidAmount, 10_000);
      assert.equal(parsed.event.eventId, `doku-snap-va:${body.virtualAccountNo}:R_1692014768`);
      assert.equal(parsed.event.providerReference, body.virtualAccountNo);
      assert.equal(parsed.event.occurredAt, '2023-08-14T12:06:12.000Z');
      assert.deepEqual(parsed.dokuVa, { virtualAccountNo: body.virtualAccountNo, trxId: id, paymentRequestId: 'R_1692014768' });
      const ack = JSON.parse(provider.webhookAck(parsed).body) as { responseCode: string; virtualAccountData: { trxId: string } };
      assert.equal(ack.responseCode, '2002500');
      assert.equal(ack.virtualAccountData.trxId, id);
      assert.equal(JSON.parse(provider.webhookRetryLater(parsed).body).responseCode, '5032500');
    }
    // DOKU's BNC sample writes the amount without decimals: the same whole rupiah.
    const id = newPaymentId();
    const bnc = provider.parseWebhook(signed(sample(id, { paidAmount: { value: '12500', currency: 'IDR' } })));
    assert.ok(bnc.kind === 'payment');
    assert.equal(bnc.event.paidAmount, 12_500);
  });

  it('refuses a tampered, foreign-secret or wrong-path one (401), and a genuine one for a VA that is not this payment’s (400)', () => {
    const id = newPaymentId();
    const body = sample(id);
    const good = signed(body);
    const tampered: RawWebhook = { ...good, rawBody: Buffer.from(JSON.stringify({ ...body, paidAmount: { value: '1000000.00', currency: 'IDR' } })) };
    assert.throws(() => provider.parseWebhook(tampered), SignatureInvalid);
    assert.throws(() => provider.parseWebhook(signed(body, { secret: 'another-secret' })), SignatureInvalid);
    assert.throws(() => provider.parseWebhook({ ...signed(body, { path: '/elsewhere/v1.1/transfer-va/payment' }), path: '/webhooks/doku/v1.1/transfer-va/payment' }), SignatureInvalid);
    // Signed correctly, but the VA paid is not the one bayar made for this trxId: not believed.
    const other = sample(newPaymentId());
    assert.throws(() => provider.parseWebhook(signed({ ...body, virtualAccountNo: other.virtualAccountNo, customerNo: other.customerNo })), WebhookMalformed);
    assert.throws(() => provider.parseWebhook(signed(sample(id, { paidAmount: { value: '10000.50', currency: 'IDR' } }))), WebhookMalformed);
    assert.throws(() => provider.parseWebhook(signed(sample(id, { trxId: undefined }))), WebhookMalformed);
  });
});

describe('DOKU SNAP VA adapter against the sandbox', () => {
  let env: { url: string; provider: DokuProvider; parsed: ParsedWebhook[]; close: () => Promise<void> };
  before(async () => {
    const parsed: ParsedWebhook[] = [];
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
        const reply = raw.path.endsWith(DOKU_SNAP_PATHS.token)
          ? provider.webhookToken(raw)
          : (() => {
              const p = provider.parseWebhook(raw);
              parsed.push(p);
              return provider.webhookAck(p);
            })();
        res.writeHead(reply.status, { 'content-type': reply.contentType }).end(reply.body);
      });
    });
    const port = await new Promise<number>((r) => receiver.listen(0, '127.0.0.1', () => r((receiver.address() as AddressInfo).port)));
    const sandbox = new DokuSandbox({
      clientId: CLIENT_ID,
      secretKey: SECRET,
      snap: { clientSecret: SECRET, merchantPublicKey: createPublicKey(DEV_DOKU_SNAP_MERCHANT_PRIVATE_KEY), dokuPrivateKey: DEV_DOKU_SNAP_DOKU_PRIVATE_KEY },
    });
    const kit = new SandboxKit(sandbox, { callbackUrl: `http://127.0.0.1:${port}/webhooks/doku`, timeScale: 0.0001 });
    const url = `http://127.0.0.1:${await kit.listen(0)}`;
    provider = new DokuProvider({ clientId: CLIENT_ID, secretKey: SECRET, baseUrl: url, timeoutMs: 5000, snap: SNAP });
    env = {
      url,
      provider,
      parsed,
      close: async () => {
        await kit.close();
        await new Promise<void>((r) => receiver.close(() => r()));
      },
    };
  });
  after(async () => env?.close());
  const until = async (check: () => boolean, ms = 5000) => {
    const end = Date.now() + ms;
    while (!check()) {
      if (Date.now() > end) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it('create → a resend is the same VA → pay → signed VA notification → PAID; status says paid; delete refused once paid', async () => {
    const request = chargeRequest('VA_BRI', { name: 'Siti' });
    const created = await env.provider.createCharge(request);
    assert.deepEqual(await env.provider.createCharge(request), created, 'the same request again: the same VA');
    assert.equal((await env.provider.findCharge({ paymentId: request.paymentId, method: 'VA_BRI' }))?.chargeStatus, 'PENDING');
    const paid = await fetch(`${env.url}/_sandbox/charges/${request.paymentId}/pay`, { method: 'POST', body: '{}' });
    assert.equal(paid.status, 200);
    await until(() => env.parsed.some((p) => p.kind === 'payment' && p.paymentId === request.paymentId));
    const p = env.parsed.find((x) => x.kind === 'payment' && x.paymentId === request.paymentId)!;
    assert.ok(p.kind === 'payment');
    assert.equal(p.event.paidAmount, 150_000);
    const found = await env.provider.findCharge({ paymentId: request.paymentId, method: 'VA_BRI' });
    assert.equal(found?.chargeStatus, 'PAID');
    assert.equal(found?.paidAmount, 150_000);
    await assert.rejects(env.provider.cancelCharge({ paymentId: request.paymentId, method: 'VA_BRI' }), (e: Error & { code?: string }) => e.code === 'DOKU_SNAP_4033100');
  });

  it('delete-va closes an unpaid VA: it cannot be paid any more; deleting again is done; an unknown VA looks up as null', async () => {
    const request = chargeRequest('VA_CIMB');
    await env.provider.createCharge(request);
    await env.provider.cancelCharge({ paymentId: request.paymentId, method: 'VA_CIMB' });
    await env.provider.cancelCharge({ paymentId: request.paymentId, method: 'VA_CIMB' });
    const refused = await fetch(`${env.url}/_sandbox/charges/${request.paymentId}/pay`, { method: 'POST', body: '{}' });
    assert.equal(refused.status, 403);
    assert.equal((await env.provider.findCharge({ paymentId: request.paymentId, method: 'VA_CIMB' }))?.chargeStatus, 'PENDING');
    assert.equal(await env.provider.findCharge({ paymentId: newPaymentId(), method: 'VA_CIMB' }), null);
  });
});

describe('DOKU SNAP VA configuration', () => {
  it('the sandbox BINs in development; a real DOKU offers only the banks DOKU_SNAP_VA_PARTNER_SERVICE_IDS lists; a bad list is refused at boot', () => {
    assert.deepEqual(loadConfig({ BAYAR_ENV: 'development' }).providers.doku!.snap?.vaPartnerServiceIds, DOKU_SANDBOX_VA_PARTNER_SERVICE_IDS);
    const real = {
      DOKU_BASE_URL: 'https://api.doku.com',
      DOKU_CLIENT_ID: 'BRN-0211-1234567890',
      DOKU_SECRET_KEY: 'SK-real-secret-123',
      BAYAR_API_KEYS: 'm1:sk_live_0123456789',
      BAYAR_MERCHANT_WEBHOOK_SECRETS: 'm1:whsec_live_0123456789',
      BAYAR_DATA_KEY: randomBytes(32).toString('base64'),
      DOKU_SNAP_PRIVATE_KEY: DEV_DOKU_SNAP_DOKU_PRIVATE_KEY,
      DOKU_SNAP_DOKU_PUBLIC_KEY: createPublicKey(DEV_DOKU_SNAP_MERCHANT_PRIVATE_KEY).export({ type: 'spki', format: 'pem' }).toString(),
    };
    const withBins = loadConfig({ BAYAR_ENV: 'development', ...real, DOKU_SNAP_VA_PARTNER_SERVICE_IDS: 'VA_BCA=19008,VA_BRI=13925' }).providers.doku!;
    assert.deepEqual(withBins.snap?.vaPartnerServiceIds, { VA_BCA: '19008', VA_BRI: '13925' });
    const provider = new DokuProvider({ ...withBins, timeoutMs: 1000 });
    assert.deepEqual(provider.capabilities.methods.filter((m) => m.startsWith('VA_')).sort(), ['VA_BCA', 'VA_BRI']);
    const noBins = new DokuProvider({ ...loadConfig({ BAYAR_ENV: 'development', ...real }).providers.doku!, timeoutMs: 1000 });
    assert.ok(!noBins.capabilities.methods.some((m) => m.startsWith('VA_')), 'no BIN, no VA');
    assert.equal(noBins.capabilities.cancel, false);
    assert.throws(
      () => loadConfig({ BAYAR_ENV: 'development', ...real, DOKU_SNAP_VA_PARTNER_SERVICE_IDS: 'VA_BCA=19008;VA_XYZ=1' }),
      (e: unknown) => e instanceof ConfigError && /DOKU_SNAP_VA_PARTNER_SERVICE_IDS/.test(e.message),
    );
  });
});
