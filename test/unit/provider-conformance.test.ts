// One conformance suite for every provider (like Hyperswitch's ConnectorActions): the same
// scenarios run over each adapter bayar builds (src/providers/registry.ts) against its sandbox,
// started in-process from the same entrypoint the stack uses (src/sandbox/main.ts), with bayar's
// webhook side played by a small receiver that answers as the webhook controller does (the
// adapter's token answer and ack). What every provider must do the same way is here; what is
// specific to one provider (its signature vectors, status tables, field rules, SDK oracles) stays
// in its own unit file.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { loadConfig, SANDBOX_PORT_OFFSETS, type AppConfig } from '../../src/config/config.js';
import type { ProviderEvent, ProviderName } from '../../src/domain/payment.js';
import { PROVIDER_NAMES } from '../../src/providers/index.js';
import { buildProviders } from '../../src/providers/registry.js';
import { SignatureInvalid, WebhookMalformed, type CreateChargeRequest, type PaymentProvider, type RawWebhook } from '../../src/providers/provider.js';
import { refundKeyFor } from '../../src/providers/refund-key.js';
import type { SandboxKit } from '../../src/sandbox/kit.js';
import { SANDBOXES } from '../../src/sandbox/dev-defaults.js';
import { startSandboxes } from '../../src/sandbox/main.js';
import { randomPaymentId, until } from '../helpers/wait.js';

/**
 * What each provider is exercised with (the method, where cancelling is method by method, whether
 * its status answer renames the charge, why its expiry cannot be short) is its own: the
 * `conformance` profile of its sandbox descriptor (src/providers/<name>/sandbox/index.ts), so a new
 * provider runs here with no line added to this file.
 */
const profile = (name: ProviderName) => SANDBOXES.get(name)!.conformance;
const AMOUNT = 150_000;
const CUSTOMER = {
  name: 'Budi Santoso',
  email: 'budi@example.com',
  phone: '+6281234567890',
  ipAddress: '203.0.113.7',
  address: { line: 'Jl. Sudirman 1', city: 'Jakarta', postalCode: '10210' },
};

interface Received {
  provider: ProviderName;
  raw: RawWebhook;
  parsed?: ReturnType<PaymentProvider['parseWebhook']>;
}

/** bayar's webhook side: verifies with the adapter and answers as the controller would. */
async function startWebhookReceiver(providers: () => Map<ProviderName, PaymentProvider>): Promise<{ port: number; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]!;
      const name = path.split('/')[2] as ProviderName;
      const provider = providers().get(name);
      const raw: RawWebhook = { headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v])), rawBody: Buffer.concat(chunks), path };
      if (!provider) return void res.writeHead(404).end();
      const answer = (reply: { status: number; contentType: string; body: string }) => void res.writeHead(reply.status, { 'content-type': reply.contentType }).end(reply.body);
      if (provider.webhookToken && /access-token/.test(path)) return answer(provider.webhookToken(raw));
      const entry: Received = { provider: name, raw };
      received.push(entry);
      try {
        entry.parsed = provider.parseWebhook(raw);
        answer(entry.parsed.ack ?? provider.webhookAck(entry.parsed));
      } catch {
        answer(provider.webhookRetryLater());
      }
    });
  });
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
  return { port, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('provider conformance: every adapter against its sandbox, the same scenarios', () => {
  let config: AppConfig;
  let kits: SandboxKit[] = [];
  let providers = new Map<ProviderName, PaymentProvider>();
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;

  before(async () => {
    receiver = await startWebhookReceiver(() => providers);
    let base = 0;
    for (let tries = 0; tries < 5 && kits.length === 0; tries++) {
      base = 20_000 + Math.floor(Math.random() * 30_000);
      config = loadConfig({ BAYAR_ENV: 'development', PORT: String(receiver.port), BAYAR_SANDBOX_PORT_BASE: String(base), BAYAR_SANDBOX_TIME_SCALE: '0.0001', BAYAR_LOG_LEVEL: 'warn' });
      try {
        kits = await startSandboxes(config);
      } catch {
        kits = []; // a port of the range was taken: another range
      }
    }
    providers = buildProviders(config);
  });
  after(async () => {
    for (const kit of kits) await kit.close();
    await receiver?.close();
  });

  const request = (name: ProviderName, over: Partial<CreateChargeRequest> = {}): CreateChargeRequest => ({
    paymentId: randomPaymentId(),
    method: profile(name).method,
    amount: AMOUNT,
    expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    description: 'conformance',
    customer: CUSTOMER,
    ...over,
  });
  const sandboxUrl = (name: ProviderName) => `http://127.0.0.1:${config.sandbox.portBase + SANDBOX_PORT_OFFSETS[name]}`;
  /** The customer pays at the sandbox; returns its HTTP status (200: the money was taken). */
  const tryPay = async (name: ProviderName, paymentId: string) =>
    (await fetch(`${sandboxUrl(name)}/_sandbox/charges/${paymentId}/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status;
  const pay = async (name: ProviderName, paymentId: string) => assert.equal(await tryPay(name, paymentId), 200);
  /** The notifications of one payment that the adapter verified as being about it. */
  const paymentEvents = (name: ProviderName, paymentId: string): { raw: RawWebhook; event: ProviderEvent }[] =>
    receiver.received.flatMap((r) => (r.provider === name && r.parsed?.kind === 'payment' && r.parsed.paymentId === paymentId ? [{ raw: r.raw, event: r.parsed.event }] : []));

  // Every provider in the list (src/providers/index.ts): a new one runs here too (its sandbox
  // descriptor cannot compile without a conformance profile).
  for (const name of PROVIDER_NAMES) {
    describe(name, () => {
      const adapter = () => providers.get(name)!;
      const { method, cancelMethod = method, referenceChangesAfterCreate, noShortExpiry } = profile(name);

      it(`offers ${method}, and checks a request's shape without I/O`, () => {
        assert.ok(adapter().capabilities.methods.includes(method));
        assert.ok(adapter().capabilities.methods.includes(cancelMethod), `the cancel method ${cancelMethod} is offered too`);
        assert.equal(adapter().validateCreate?.(request(name)), undefined);
      });

      it('creates a charge that a look-up finds by bayar’s payment id, and finds nothing for an unknown one', async () => {
        const r = request(name);
        const created = await adapter().createCharge(r);
        assert.equal(created.chargeStatus, 'PENDING');
        assert.ok(created.providerReference.length > 0);
        const found = await adapter().findCharge({ paymentId: r.paymentId, method });
        assert.equal(found?.chargeStatus, 'PENDING');
        if (!referenceChangesAfterCreate) assert.equal(found?.providerReference, created.providerReference, 'the reference a retried create is resolved by');
        assert.equal(await adapter().findCharge({ paymentId: randomPaymentId(), method }), null);
      });

      it('pays: the look-up says PAID with the amount, and the notification verifies, names the payment and its charge', async () => {
        const r = request(name);
        const created = await adapter().createCharge(r);
        await pay(name, r.paymentId);
        const found = await adapter().findCharge({ paymentId: r.paymentId, method, providerReference: created.providerReference });
        assert.equal(found?.chargeStatus, 'PAID');
        assert.equal(found?.paidAmount, AMOUNT);
        const paid = await until(() => paymentEvents(name, r.paymentId).find((e) => e.event.chargeStatus === 'PAID'), 10_000);
        assert.equal(paid.event.provider, name);
        assert.equal(paid.event.source, 'webhook');
        if (!paid.event.wakeOnly) {
          // A signed notification is applied as it is: it must say how much and which charge.
          assert.equal(paid.event.paidAmount, AMOUNT);
          assert.equal(paid.event.providerReference, created.providerReference);
        }
        // The same notification again is the same event (so the workflow counts it as a copy).
        const again = adapter().parseWebhook(paid.raw);
        assert.equal(again.kind === 'payment' && again.event.eventId, paid.event.eventId);
      });

      it('refuses a notification whose amount was altered, or trusts nothing in it (wake-up only)', async () => {
        const r = request(name);
        await adapter().createCharge(r);
        await pay(name, r.paymentId);
        const paid = await until(() => paymentEvents(name, r.paymentId).find((e) => e.event.chargeStatus === 'PAID'), 10_000);
        const body = paid.raw.rawBody.toString('utf8');
        assert.ok(body.includes(String(AMOUNT)), 'the notification carries the amount');
        const tampered: RawWebhook = { ...paid.raw, rawBody: Buffer.from(body.replace(String(AMOUNT), String(AMOUNT + 1)), 'utf8') };
        try {
          const parsed = adapter().parseWebhook(tampered);
          assert.ok(parsed.kind === 'payment' && parsed.event.wakeOnly, `an altered ${name} notification was trusted: ${JSON.stringify(parsed)}`);
        } catch (err) {
          assert.ok(err instanceof SignatureInvalid || err instanceof WebhookMalformed, String(err));
        }
        const stripped: RawWebhook = { ...paid.raw, headers: { 'content-type': paid.raw.headers['content-type'] } };
        try {
          const parsed = adapter().parseWebhook(stripped);
          // Only schemes that sign inside the body (the signature travels with it) may pass.
          assert.equal(parsed.kind === 'payment' && parsed.event.paidAmount, paid.event.paidAmount);
        } catch (err) {
          assert.ok(err instanceof SignatureInvalid || err instanceof WebhookMalformed, String(err));
        }
      });

      const refunds = () => adapter().capabilities.refunds[method] ?? 'none';
      it('refunds part of a paid charge where the method allows it, once per refund key', async (t) => {
        if (refunds() !== 'partial') return t.skip(`${name} cannot refund ${method} in part`);
        const r = request(name);
        const created = await adapter().createCharge(r);
        await pay(name, r.paymentId);
        const charge = { paymentId: r.paymentId, method, providerReference: created.providerReference };
        const refundRequest = {
          charge,
          idempotencyKey: refundKeyFor(config.dataKey, r.paymentId, 'r-1', adapter().capabilities.refundKey),
          amount: 40_000,
          full: false,
          reason: adapter().capabilities.refundReasons?.[0] ?? 'returned',
        };
        const first = await adapter().refund(refundRequest);
        assert.ok(['SUCCEEDED', 'PENDING'].includes(first.state));
        const retried = await adapter().refund(refundRequest);
        assert.equal(retried.providerRefundId, first.providerRefundId, 'a retried refund is the same refund');
        if (first.state === 'PENDING' && adapter().findRefund) {
          const settled = await until(async () => {
            const s = await adapter().findRefund!(charge, first.providerRefundId);
            return s.state === 'PENDING' ? undefined : s;
          }, 10_000);
          assert.equal(settled.state, 'SUCCEEDED');
        }
      });

      it('cancels an unpaid charge where the provider can: it takes no money after, and no look-up says PAID', async (t) => {
        if (!adapter().capabilities.cancel) return t.skip(`${name} has no cancel; bayar's deadline closes the payment`);
        const r = request(name, { method: cancelMethod });
        const created = await adapter().createCharge(r);
        const ref = { paymentId: r.paymentId, method: cancelMethod, providerReference: created.providerReference };
        await adapter().cancelCharge(ref);
        // The customer tries to pay anyway (a refusal is a 4xx, SandboxProvider.pay; the look-up decides).
        await tryPay(name, r.paymentId);
        // Most say EXPIRED or CANCELLED; DOKU's status inquiry still says pending for a deleted VA.
        const found = await adapter().findCharge(ref);
        assert.ok(found && ['EXPIRED', 'CANCELLED', 'PENDING'].includes(found.chargeStatus), `after cancel: ${found?.chargeStatus}`);
        await adapter().cancelCharge(ref); // a closed charge: nothing to do, no error
      });

      it('expires a charge at its deadline: the look-up says so, and it takes no money after', async (t) => {
        if (noShortExpiry) return t.skip(`${name}: ${noShortExpiry}`);
        const r = request(name, { expiresAt: new Date(Date.now() + 1_500).toISOString() });
        const created = await adapter().createCharge(r);
        const ref = { paymentId: r.paymentId, method, providerReference: created.providerReference };
        const found = await until(async () => {
          const f = await adapter().findCharge(ref);
          return f && f.chargeStatus !== 'PENDING' ? f : undefined;
        }, 8_000);
        assert.ok(['EXPIRED', 'CANCELLED', 'FAILED'].includes(found.chargeStatus), found.chargeStatus);
        await tryPay(name, r.paymentId);
        assert.notEqual((await adapter().findCharge(ref))?.chargeStatus, 'PAID', 'an expired charge takes no money');
      });
    });
  }
});

describe('startSandboxes when a port of its range is taken', () => {
  it('closes the sandboxes it had started and throws, so a caller can try another range and still exit', async () => {
    // The last provider's port is taken: every sandbox before it was already listening.
    const offsets = Object.values(SANDBOX_PORT_OFFSETS);
    const lastOffset = Math.max(...offsets);
    let base = 0;
    let blocker: Server | undefined;
    for (let tries = 0; tries < 5 && !blocker; tries++) {
      base = 20_000 + Math.floor(Math.random() * 30_000);
      const candidate = createServer();
      blocker = await new Promise<Server | undefined>((resolve) => {
        candidate.once('error', () => resolve(undefined));
        candidate.listen(base + lastOffset, '127.0.0.1', () => resolve(candidate));
      });
    }
    assert.ok(blocker, 'a port to block');
    try {
      const config = loadConfig({ BAYAR_ENV: 'development', BAYAR_SANDBOX_PORT_BASE: String(base), BAYAR_LOG_LEVEL: 'warn' });
      await assert.rejects(startSandboxes(config), /EADDRINUSE/);
      // Every other port of the range is free again: nothing is left listening.
      for (const offset of offsets.filter((o) => o !== lastOffset)) {
        const probe = createServer();
        await new Promise<void>((resolve, reject) => {
          probe.once('error', reject);
          probe.listen(base + offset, '127.0.0.1', () => resolve());
        });
        await new Promise<void>((resolve) => probe.close(() => resolve()));
      }
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});
