// Issue 11, items 4, 5, 7 and 9, on the real stack (Temporal dev server, sandboxes, worker, API as
// processes), in development mode with loopback callbacks refused except on one port (the
// redirector's), so the guard is the one production runs:
//   - merchant callbacks cannot be aimed inside: refused at create (422) where the URL says so,
//     refused at call time where only DNS tells, and a redirect is never followed;
//   - refunds never collide: ids that differ only after character 40 are two refunds at Midtrans,
//     a retried id is one, two identical partial refunds without an id are two, and bayar's
//     numbers equal the sandbox's;
//   - the API surface: unknown paths and ids create no metric series; security headers, no
//     X-Powered-By;
//   - provider rules before the workflow: a name the aggregator refuses is a 422 and the merchant
//     reference stays usable.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';
import { startTestStack, uniqueRef, type TestStack } from '../helpers/stack.js';
import { eventually } from '../helpers/wait.js';
import { SANDBOX_PORT_OFFSETS } from '../../src/config/config.js';
import { DEV_DEFAULTS } from '../../src/sandbox/dev-defaults.js';
import { classifyAddress } from '../../src/common/outbound-guard.js';
import { httpCall } from '../../src/common/http-client.js';
import { basicAuthHeader } from '../../src/providers/midtrans/signature.js';
import type { PaymentView } from '../../src/domain/payment.js';

const WAIT_MS = 30_000;
const MIDTRANS = SANDBOX_PORT_OFFSETS.midtrans;

/** A listener that counts what reaches it; `answer` decides the reply. */
async function listener(answer: (res: import('node:http').ServerResponse) => void) {
  const hits: string[] = [];
  let connections = 0;
  const server: Server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    req.resume();
    req.on('end', () => answer(res));
  });
  server.on('connection', () => (connections += 1));
  // On every interface: whatever address a callback might be sent to, this would hear it.
  await new Promise<void>((r) => server.listen(0, r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    hits,
    connections: () => connections,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe('outgoing calls and the API surface (issue 11: items 4, 5, 7, 9)', () => {
  let stack: TestStack;
  let target: Awaited<ReturnType<typeof listener>>;
  let redirector: Awaited<ReturnType<typeof listener>>;

  before(async () => {
    target = await listener((res) => res.writeHead(200).end('ok'));
    redirector = await listener((res) => res.writeHead(307, { location: `http://127.0.0.1:${target.port}/cb` }).end());
    stack = await startTestStack({
      // Only the redirector's loopback port may be called back; every other loopback port, and
      // every private/link-local/… address, is refused as in production.
      env: { BAYAR_ALLOW_LOOPBACK_CALLBACKS: String(redirector.port), BAYAR_POLL_SCHEDULE: '4s' },
    });
  });
  after(async () => {
    await stack?.stop();
    await target?.close();
    await redirector?.close();
  });

  const qris = (callbackUrl?: string, extra: Record<string, unknown> = {}) => ({
    merchantReference: uniqueRef('sf'),
    amount: 100_000,
    method: 'QRIS',
    provider: 'xendit',
    ...(callbackUrl ? { callbackUrl } : {}),
    ...extra,
  });

  describe('merchant callbacks cannot be aimed inside', () => {
    it('a callbackUrl whose host is an internal address is refused at create with 422, for payments and payouts', async () => {
      const inside = [
        `http://127.0.0.1:${target.port}/cb`,
        `http://[::1]:${target.port}/cb`,
        `http://[::ffff:127.0.0.1]:${target.port}/cb`,
        `http://[::ffff:7f00:1]:${target.port}/cb`,
        `http://0.0.0.0:${target.port}/cb`,
        `http://localhost:${target.port}/cb`,
        `http://2130706433:${target.port}/cb`,
        'http://10.0.0.1/cb',
        'http://172.16.5.4/cb',
        'http://192.168.1.10/cb',
        'http://169.254.169.254/latest/meta-data/',
        'http://[fe80::1]/cb',
        'http://[fd00::1]/cb',
        'http://100.64.0.1/cb',
        'http://224.0.0.1/cb',
      ];
      for (const url of inside) {
        const body = qris(url);
        const res = await stack.api('POST', '/v1/payments', body);
        assert.equal(res.status, 422, `${url}: ${res.text}`);
        assert.equal(res.json.code, 'CALLBACK_URL_REFUSED', url);
        // Nothing was started: the reference is free for the corrected request.
        const fixed = await stack.api('POST', '/v1/payments', { ...body, callbackUrl: undefined });
        assert.equal(fixed.status, 201, `${url}: the reference stayed usable: ${fixed.text}`);
      }
      const payout = await stack.api('POST', '/v1/payouts', {
        merchantReference: uniqueRef('sfp'),
        provider: 'xendit',
        amount: 50_000,
        feeType: 'CHARGE_TO_BALANCE',
        destination: { bankCode: 'BCA', accountNumber: '1234567890', accountName: 'Budi Santoso' },
        callbackUrl: 'http://169.254.169.254/latest/meta-data/',
      });
      assert.equal(payout.status, 422, payout.text);
      assert.equal(payout.json.code, 'CALLBACK_URL_REFUSED');
      assert.equal(target.hits.length, 0);
    });

    it('a name that resolves to loopback passes create but is refused at call time: nothing reaches the target', async (t) => {
      // This machine's own name: not an IP literal nor "localhost", so only DNS says where it goes.
      const name = hostname();
      const resolved = await lookup(name, { all: true }).catch(() => []);
      if (resolved.length === 0 || resolved.some((a) => classifyAddress(a.address) === 'public')) {
        t.skip(`${name} does not resolve to an internal address here`);
        return;
      }
      const created = await stack.createPayment(qris(`http://${name}:${target.port}/cb`));
      const paid = await stack.pay(created.id);
      assert.equal(paid.status, 200, JSON.stringify(paid.json));
      // Settled first; the merchant is told beside the saga, and that call is refused.
      const settled = await stack.waitFor(created.id, (p) => p.status === 'SETTLED' && p.timeline.some((e) => e.type === 'merchant-notify-failed'), WAIT_MS);
      const failed = settled.timeline.find((e) => e.type === 'merchant-notify-failed');
      assert.ok(failed, `the refusal is in the timeline: ${JSON.stringify(settled.timeline)}`);
      assert.match(failed.detail ?? '', /refused/);
      assert.match(failed.detail ?? '', /loopback|private/);
      assert.equal(settled.merchantNotified, false);
      assert.equal(target.hits.length, 0, 'the target saw no request');
      assert.equal(target.connections(), 0, 'nor a connection: the lookup refused before connecting');
    });

    it('a redirect to loopback is not followed: the allowed first hop is called, the target never', async () => {
      const created = await stack.createPayment(qris(`http://127.0.0.1:${redirector.port}/cb`));
      await stack.pay(created.id);
      // The 307 is a failed call, retried by Temporal (after 2 s): two calls, and still nothing behind it.
      const hits = await eventually(
        async () => redirector.hits.length,
        (n) => n >= 2,
        WAIT_MS,
      );
      assert.ok(hits >= 2, `the redirector was called and retried (${hits})`);
      assert.equal(target.hits.length, 0, 'the redirect target saw nothing');
      const view = await stack.payment(created.id);
      assert.equal(view.merchantNotified, false);
    });
  });

  describe('refunds never collide (Midtrans QRIS)', () => {
    /** The sandbox's own record of the refunds, read as bayar would with its server key. */
    const providerRefunds = async (orderId: string): Promise<{ refund_key: string; refund_amount: string }[]> => {
      const res = await httpCall({
        method: 'GET',
        url: `${stack.sandboxUrl(MIDTRANS)}/v2/${orderId}/status`,
        headers: { authorization: basicAuthHeader(DEV_DEFAULTS.midtrans.serverKey), accept: 'application/json' },
        timeoutMs: 10_000,
      });
      return (JSON.parse(res.text) as { refunds?: { refund_key: string; refund_amount: string }[] }).refunds ?? [];
    };

    const settledQris = async (amount: number): Promise<PaymentView> => {
      const created = await stack.createPayment({ merchantReference: uniqueRef('sfr'), amount, method: 'QRIS', provider: 'midtrans' });
      await stack.pay(created.id, {}, MIDTRANS);
      return stack.waitFor(created.id, (p) => p.status === 'SETTLED', WAIT_MS);
    };
    const refund = (id: string, body: Record<string, unknown>, headers: Record<string, string> = {}) => stack.api('POST', `/v1/payments/${id}/refunds`, body, { headers });

    it('refund ids that differ only after character 40 are two refunds at Midtrans; the same id retried is one; bayar and the sandbox agree', async () => {
      const payment = await settledQris(100_000);
      const prefix = 'order-2026-12-05-return-' + 'x'.repeat(16); // 40 characters
      assert.equal(prefix.length, 40);
      const a = `${prefix}-first-item-${randomBytes(4).toString('hex')}`;
      const b = `${prefix}-other-item-${randomBytes(4).toString('hex')}`;

      // By body refundId (now up to 64 characters) and by Idempotency-Key header.
      const first = await refund(payment.id, { amount: 10_000, reason: 'item returned', refundId: a });
      assert.equal(first.status, 201, first.text);
      const second = await refund(payment.id, { amount: 10_000, reason: 'item returned', refundId: b });
      assert.equal(second.status, 201, second.text);
      const c = `${prefix}${'h'.repeat(20)}-1`;
      const d = `${prefix}${'h'.repeat(20)}-2`;
      const third = await refund(payment.id, { amount: 7_000, reason: 'late delivery' }, { 'idempotency-key': c });
      assert.equal(third.status, 201, third.text);
      const fourth = await refund(payment.id, { amount: 7_000, reason: 'late delivery' }, { 'idempotency-key': d });
      assert.equal(fourth.status, 201, fourth.text);
      // A retry of the first is the first, not a fifth.
      const again = await refund(payment.id, { amount: 10_000, reason: 'item returned', refundId: a });
      assert.ok(again.status === 200 || again.status === 201, again.text);
      assert.equal(again.json.refundId, first.json.refundId);

      const view = await stack.waitFor(payment.id, (p) => p.refunds.length === 4 && p.refunds.every((r) => r.state === 'SUCCEEDED'), WAIT_MS);
      assert.equal(view.amounts.refunded, 34_000);
      const atMidtrans = await providerRefunds(payment.id);
      assert.equal(atMidtrans.length, 4, `four refunds at Midtrans: ${JSON.stringify(atMidtrans)}`);
      assert.equal(new Set(atMidtrans.map((r) => r.refund_key)).size, 4);
      for (const r of atMidtrans) assert.match(r.refund_key, /^[A-Za-z0-9_-]{1,64}$/, 'Midtrans refund_key charset');
      const ledger = (await stack.charges(payment.id, MIDTRANS))[0];
      assert.equal(ledger?.refundedAmount, view.amounts.refunded, 'bayar and the sandbox ledger agree');
    });

    it('two identical partial refunds without refundId or Idempotency-Key are two refunds', async () => {
      const payment = await settledQris(50_000);
      const one = await refund(payment.id, { amount: 5_000, reason: 'one bottle broken' });
      assert.equal(one.status, 201, one.text);
      const two = await refund(payment.id, { amount: 5_000, reason: 'one bottle broken' });
      assert.equal(two.status, 201, two.text);
      assert.notEqual(one.json.refundId, two.json.refundId);
      const view = await stack.waitFor(payment.id, (p) => p.refunds.length === 2 && p.refunds.every((r) => r.state === 'SUCCEEDED'), WAIT_MS);
      assert.equal(view.amounts.refunded, 10_000);
      assert.equal((await providerRefunds(payment.id)).length, 2);
      assert.equal((await stack.charges(payment.id, MIDTRANS))[0]?.refundedAmount, 10_000);
    });
  });

  describe('the API surface', () => {
    const series = async () => {
      const res = await stack.api('GET', '/metrics');
      assert.equal(res.status, 200);
      return res.text.split('\n').filter((l) => l.startsWith('bayar_http_request_duration_seconds_count{'));
    };

    it('50 random unknown paths and ids create no new metric series', async () => {
      const randomRequests = () => [
        stack.api('GET', `/${randomUUID()}`),
        stack.api('GET', `/v1/payments/pay_${randomBytes(12).toString('hex')}`),
        stack.api('GET', `/v1/payouts/payout_${randomBytes(12).toString('hex')}`),
        stack.api('POST', `/v1/${randomBytes(6).toString('hex')}/refunds`, {}),
        stack.api('GET', `/webhooks/${randomBytes(5).toString('hex')}/x/${randomUUID()}`),
      ];
      // Warm-up: the first of each kind may add its one series (route pattern × status), and so
      // does the first read of /metrics itself.
      await Promise.all(randomRequests());
      await series();
      const before = await series();
      for (let i = 0; i < 10; i += 1) await Promise.all(randomRequests());
      const after = await series();
      const added = after.map((l) => l.replace(/\} .*$/, '}')).filter((l) => !before.some((b) => b.startsWith(l)));
      assert.deepEqual(added, [], 'no new series');
      for (const line of after) assert.doesNotMatch(line, /pay_[0-9a-f]{24}|payout_[0-9a-f]{24}|[0-9a-f]{8}-[0-9a-f]{4}-/, 'no id in any label');
      assert.ok(
        after.some((l) => l.includes('route="/v1/payments/:id"')),
        'matched routes are labelled by pattern',
      );
    });

    it('answers carry security headers for a JSON API and no X-Powered-By', async () => {
      for (const [method, path] of [
        ['GET', '/health'],
        ['GET', '/v1/payments'],
        ['GET', '/no-such-route'],
      ] as const) {
        const res = await stack.api(method, path);
        assert.equal(res.headers.get('x-powered-by'), null, `${path}: no X-Powered-By`);
        assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
        assert.equal(res.headers.get('x-frame-options'), 'DENY', path);
        assert.equal(res.headers.get('referrer-policy'), 'no-referrer', path);
        assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/, path);
        assert.equal(res.headers.get('cache-control'), 'no-store', path);
      }
    });
  });

  describe('provider rules before the workflow starts', () => {
    it('a customer name the aggregator refuses is a 422 naming the rule; the same reference works once corrected', async () => {
      const reference = uniqueRef('sfa');
      const body = { merchantReference: reference, provider: 'aggregator', amount: 60_000, method: 'VA_BCA', customer: { name: 'Budi 🙂 Santoso' } };
      const refused = await stack.api('POST', '/v1/payments', body);
      assert.equal(refused.status, 422, refused.text);
      assert.equal(refused.json.code, 'PROVIDER_RULE');
      assert.equal(refused.json.rule, 'CUSTOMER_NAME_INVALID');
      assert.match(refused.json.detail, /letters, digits and spaces only, at most 30 characters/);
      const tooLong = await stack.api('POST', '/v1/payments', { ...body, customer: { name: 'A'.repeat(31) } });
      assert.equal(tooLong.status, 422, tooLong.text);

      const fixed = await stack.api('POST', '/v1/payments', { ...body, customer: { name: 'Budi Santoso' } });
      assert.equal(fixed.status, 201, `the reference was not used up: ${fixed.text}`);
      assert.equal(fixed.json.status, 'PENDING');
      assert.equal(fixed.json.merchantReference, reference);
    });
  });
});
