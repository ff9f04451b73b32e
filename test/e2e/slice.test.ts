// The thin slice through every layer, as a newcomer's walk-through does it: HTTP create →
// workflow → Xendit sandbox over HTTP → simulate payment → signed webhook → signal →
// SETTLED → GET, plus the signed callback to the merchant.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startMerchantReceiver, acquireTestStack, releaseTestStack, uniqueRef, type TestStack } from '../helpers/stack.js';
import { verifyMerchantWebhook } from '../../src/common/merchant-webhook.js';
import { DEV_DEFAULTS } from '../../src/sandbox/dev-defaults.js';

describe('payment slice over HTTP (real Temporal, real sandbox)', () => {
  let stack: TestStack;
  let merchant: Awaited<ReturnType<typeof startMerchantReceiver>>;

  before(async () => {
    stack = await acquireTestStack({ env: { BAYAR_POLL_SCHEDULE: '1h' } });
    merchant = await startMerchantReceiver();
  });
  after(async () => {
    await releaseTestStack(stack);
    await merchant?.close();
  });

  it('creates a VA payment, settles it from the sandbox webhook, and notifies the merchant', async () => {
    const ref = uniqueRef();
    const created = await stack.api('POST', '/v1/payments', { merchantReference: ref, amount: 150_000, method: 'VA_BCA', customer: { name: 'Budi Santoso' }, callbackUrl: merchant.url });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.json.status, 'PENDING');
    assert.match(created.json.instructions.virtualAccountNumber, /^\d{16}$/);
    assert.equal(created.json.amounts.expected, 150_000);
    assert.equal(created.headers.get('location'), `/v1/payments/${created.json.id}`);
    assert.ok(Number(created.headers.get('x-bayar-latency')) > 0);

    const paid = await stack.pay(created.json.id);
    assert.equal(paid.status, 200);
    const settled = await stack.waitFor(created.json.id, (p) => p.status === 'SETTLED');
    assert.equal(settled.amounts.paid, 150_000);
    assert.deepEqual(settled.instructions, {}, 'a settled payment no longer shows where to pay');
    // Xendit's notice (a static token, no body signature) woke the payment, and Xendit's own
    // answer to the status look-up settled it — long before the first scheduled poll (an hour).
    assert.ok(settled.timeline.some((t) => t.source === 'poll' && t.type === 'status:PAID'));
    assert.equal(settled.notifications.wakeUps, 1);
    // Settled first, then the merchant is told (a slow merchant never holds up settling).
    assert.equal((await stack.waitFor(created.json.id, (p) => p.merchantNotified)).status, 'SETTLED');

    await stack.waitFor(created.json.id, (x) => x.merchantNotified); // told after SETTLED, beside the saga
    const callback = merchant.received.find((r) => JSON.parse(r.body).type === 'payment.paid');
    assert.ok(callback, 'merchant received payment.paid');
    assert.ok(verifyMerchantWebhook(DEV_DEFAULTS.merchantWebhookSecret, callback.body, callback.headers['bayar-signature'] as string, Math.floor(Date.now() / 1000)));
    assert.ok(!verifyMerchantWebhook(DEV_DEFAULTS.merchantWebhookSecret, callback.body + ' ', callback.headers['bayar-signature'] as string, Math.floor(Date.now() / 1000)));
    assert.equal(JSON.parse(callback.body).data.id, created.json.id);
  });

  it('returns the same payment for the same request, and 409 for the same key with another body', async () => {
    const body = { merchantReference: uniqueRef(), amount: 20_000, method: 'QRIS' };
    const first = await stack.api('POST', '/v1/payments', body);
    const again = await stack.api('POST', '/v1/payments', { ...body });
    assert.equal(first.status, 201);
    assert.equal(again.status, 200);
    assert.equal(again.json.id, first.json.id);
    const conflict = await stack.api('POST', '/v1/payments', { ...body, amount: 20_001 });
    assert.equal(conflict.status, 409);
    assert.equal(conflict.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    assert.equal(conflict.json.code, 'IDEMPOTENCY_CONFLICT');
    const ledger = await stack.sandbox('GET', '/_sandbox/ledger');
    assert.equal(ledger.json.charges.filter((c: { reference: string }) => c.reference === first.json.id).length, 1, 'one charge at the provider');
  });

  it('uses the Idempotency-Key header as the key when given', async () => {
    const key = uniqueRef('idem');
    const a = await stack.api('POST', '/v1/payments', { merchantReference: uniqueRef(), amount: 10_000, method: 'QRIS' }, { headers: { 'idempotency-key': key } });
    const b = await stack.api('POST', '/v1/payments', { merchantReference: uniqueRef(), amount: 10_000, method: 'QRIS' }, { headers: { 'idempotency-key': key } });
    assert.equal(a.status, 201);
    assert.equal(b.status, 409, 'same key, different body');
  });

  it('answers bad requests with problem+json and starts nothing', async () => {
    const ref = uniqueRef();
    const cases = [
      { body: { merchantReference: ref, amount: 1000.5, method: 'QRIS' }, code: 'VALIDATION_FAILED' },
      { body: { merchantReference: ref, amount: -5, method: 'QRIS' }, code: 'VALIDATION_FAILED' },
      { body: { merchantReference: ref, amount: 1000, method: 'BITCOIN' }, code: 'VALIDATION_FAILED' },
      { body: { merchantReference: ref, amount: 1000, method: 'QRIS', currency: 'USD' }, code: 'VALIDATION_FAILED' },
      { body: { merchantReference: ref, amount: 1000, method: 'QRIS', surprise: true }, code: 'VALIDATION_FAILED' },
      { body: { merchantReference: ref, amount: 1000, method: 'PAYLATER_INDODANA', provider: 'xendit' }, code: 'METHOD_NOT_SUPPORTED' },
    ];
    for (const c of cases) {
      const res = await stack.api('POST', '/v1/payments', c.body);
      assert.ok(res.status === 400 || res.status === 422, `${JSON.stringify(c.body)} → ${res.status}`);
      assert.equal(res.json.code, c.code);
      assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
    }
    const malformed = await stack.api('POST', '/v1/payments', undefined, { raw: '{"merchantReference":' });
    assert.equal(malformed.status, 400);
    assert.match(malformed.headers.get('content-type') ?? '', /application\/problem\+json/);
    const unauthenticated = await stack.api('POST', '/v1/payments', { merchantReference: ref, amount: 1000, method: 'QRIS' }, { key: 'wrong-key' });
    assert.equal(unauthenticated.status, 401);
    assert.equal(unauthenticated.json.code, 'UNAUTHENTICATED');
    const ledger = await stack.sandbox('GET', '/_sandbox/ledger');
    assert.ok(!ledger.json.charges.some((c: { reference: string }) => c.reference.includes(ref)));
    const id = (await stack.api('GET', `/v1/payments?reference=${ref}`)).json;
    assert.deepEqual(id.items, []);
  });

  it('serves health, metrics and OpenAPI docs', async () => {
    assert.equal((await stack.api('GET', '/health')).status, 200);
    const metrics = await stack.api('GET', '/metrics');
    assert.match(metrics.text, /bayar_http_request_duration_seconds_bucket/);
    const docs = await stack.api('GET', '/docs/openapi.json');
    assert.ok(docs.json.paths['/v1/payments']);
  });
});
