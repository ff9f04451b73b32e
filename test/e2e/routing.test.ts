// Provider routing on the real stack: GET /v1/providers, and failover when the first provider
// on a method's route refuses the charge outright (Xendit's 403 CHANNEL_NOT_ACTIVATED).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { recordHistories } from '../helpers/histories.js';
import { acquireTestStack, releaseTestStack, STANDARD_STACK, uniqueRef, type TestStack } from '../helpers/stack.js';
import { SANDBOX_PORT_OFFSETS } from '../../src/config/config.js';
import type { PaymentView } from '../../src/domain/payment.js';

const XENDIT = SANDBOX_PORT_OFFSETS.xendit;
const MIDTRANS = SANDBOX_PORT_OFFSETS.midtrans;

describe('provider routing (real Temporal, real sandboxes)', () => {
  let stack: TestStack;
  const recorded = new Map<string, string>();

  before(async () => {
    // The standard stack routes QRIS to Xendit, then Midtrans.
    stack = await acquireTestStack(STANDARD_STACK);
  });
  after(async () => {
    await stack?.sandbox('POST', '/_sandbox/xendit/channels', { inactive: [] }, XENDIT);
    if (stack && process.env.BAYAR_RECORD_HISTORIES) await recordHistories(stack.stack.temporal!.address, recorded);
    await releaseTestStack(stack);
  });

  it('GET /v1/providers serves each provider’s capabilities and the route per method', async () => {
    const res = await stack.api('GET', '/v1/providers');
    assert.equal(res.status, 200, res.text);
    const body = res.json as {
      providers: { name: string; methods: { method: string; refund: string }[]; amount: { min: number; max: number }; expirySeconds: { max: number } }[];
      routing: Record<string, string[]>;
    };
    const names = body.providers.map((p) => p.name);
    for (const name of ['xendit', 'midtrans', 'doku']) assert.ok(names.includes(name), `${name} listed`);
    const xendit = body.providers.find((p) => p.name === 'xendit')!;
    assert.deepEqual(
      xendit.methods.find((m) => m.method === 'QRIS'),
      { method: 'QRIS', refund: 'partial' },
    );
    assert.equal(xendit.methods.find((m) => m.method === 'VA_BCA')?.refund, 'none');
    assert.ok(Number.isSafeInteger(xendit.amount.max) && xendit.amount.max > xendit.amount.min);
    assert.deepEqual(body.routing.QRIS, ['xendit', 'midtrans'], 'the configured route');
    assert.ok(body.routing.VA_BCA!.length >= 2, 'unconfigured methods route to every provider that offers them');

    const anonymous = await stack.api('GET', '/v1/providers', undefined, { key: 'not-a-key' });
    assert.equal(anonymous.status, 401);
  });

  it('fails over to the next provider when the first refuses the method, and records it', async () => {
    const refused = await stack.sandbox('POST', '/_sandbox/xendit/channels', { inactive: ['QRIS'] }, XENDIT);
    assert.equal(refused.status, 200);
    const res = await stack.api('POST', '/v1/payments', { merchantReference: uniqueRef('route'), amount: 75_000, method: 'QRIS' });
    assert.ok(res.status === 201 || res.status === 202, res.text);
    const created = await stack.waitFor((res.json as PaymentView).id, (p) => p.status === 'PENDING');
    assert.equal(created.provider, 'midtrans');
    assert.ok(created.instructions.qrString || created.instructions.payUrl, 'instructions come from the provider that took the charge');
    const failover = created.timeline.find((t) => t.type === 'provider-failover');
    assert.match(failover?.detail ?? '', /xendit refused .*CHANNEL_NOT_ACTIVATED.*trying midtrans/);
    assert.equal((await stack.charges(created.id, XENDIT)).length, 0, 'no charge at the provider that refused');
    assert.equal((await stack.charges(created.id, MIDTRANS)).length, 1, 'exactly one charge at the fallback');

    const paid = await stack.pay(created.id, {}, MIDTRANS);
    assert.equal(paid.status, 200, JSON.stringify(paid.json));
    const settled = await stack.waitFor(created.id, (p) => p.status === 'SETTLED', 30_000);
    assert.equal(settled.amounts.paid, 75_000);
    recorded.set('failover', created.id);
    // Operators find it under the provider that took it.
    const listed = await stack.api('GET', `/v1/payments?provider=midtrans&reference=${encodeURIComponent(created.merchantReference)}`);
    assert.equal(listed.status, 200, listed.text);
  });

  it('does not fail over when the merchant named the provider', async () => {
    await stack.sandbox('POST', '/_sandbox/xendit/channels', { inactive: ['QRIS'] }, XENDIT);
    const res = await stack.api('POST', '/v1/payments', { merchantReference: uniqueRef('route'), amount: 75_000, method: 'QRIS', provider: 'xendit' });
    const failed = await stack.waitFor((res.json as PaymentView).id, (p) => p.status === 'FAILED');
    assert.equal(failed.provider, 'xendit');
    assert.match(failed.statusReason ?? '', /CHANNEL_NOT_ACTIVATED/);
    assert.equal(failed.timeline.filter((t) => t.type === 'provider-failover').length, 0);
    assert.equal((await stack.charges(failed.id, MIDTRANS)).length, 0);
  });
});
