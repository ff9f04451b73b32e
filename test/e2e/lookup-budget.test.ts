// The status look-up budget (BAYAR_LOOKUP_BUDGET_<PROVIDER>, activities/lookup-budget.ts) on the
// real stack: payments that poll Xendit every second, against a Xendit sandbox holding its
// published per-endpoint quota (src/providers/xendit/README.md, "Retries"), here shrunk to one
// status call per 3 s. The worker's budget (one look-up per 4 s) keeps every poll under the
// quota: the sandbox refuses none, though the payments ask four times a second, and paid payments
// still settle by polling alone.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { paidEntries } from '../helpers/provider-suite.js';
import { acquireTestStack, releaseTestStack, uniqueRef, type TestStack } from '../helpers/stack.js';
import type { PaymentView } from '../../src/domain/payment.js';

const OBSERVE_MS = 12_000;

describe('status look-ups held to a budget per provider (real Temporal, real sandbox)', () => {
  let stack: TestStack;
  before(async () => {
    stack = await acquireTestStack({ env: { BAYAR_POLL_SCHEDULE: '1s', BAYAR_CREATE_WAIT: '30s', BAYAR_LOOKUP_BUDGET_XENDIT: '15' } });
  });
  after(async () => {
    await releaseTestStack(stack);
  });

  type Refused = { at: number; endpoint: string; path: string; resetMs: number };
  const refused = async () => ((await stack.sandbox('GET', '/_sandbox/xendit/rate-limit')).json as { refused: Refused[] }).refused;

  it('four payments polling every second never exceed a quota of one status call per 3 s, and still settle by polling', async () => {
    await stack.withFaults({ webhooksEnabled: false }, async () => {
      const payments: PaymentView[] = [];
      // Created before the quota is switched on: creates are not look-ups, and have no budget.
      for (let i = 0; i < 4; i++) {
        const res = await stack.api('POST', '/v1/payments', { merchantReference: uniqueRef('budget'), provider: 'xendit', amount: 41_000 + i, method: 'VA_BNI', customer: { name: 'Budi Santoso' } });
        assert.equal(res.status, 201, res.text);
        payments.push(res.json as PaymentView);
      }
      const on = await stack.sandbox('POST', '/_sandbox/xendit/rate-limit', { perWindow: 1, windowMs: 3_000 });
      assert.equal(on.status, 200, JSON.stringify(on.json));
      try {
        await new Promise((r) => setTimeout(r, OBSERVE_MS));
        assert.deepEqual(await refused(), [], 'no status call met the quota');
        await stack.pay(payments[0]!.id);
        await stack.pay(payments[1]!.id);
        for (const p of payments.slice(0, 2)) {
          const settled = await stack.waitFor(p.id, (x) => x.status === 'SETTLED', 30_000);
          assert.equal(paidEntries(settled)[0]?.source, 'poll');
          assert.ok(!settled.timeline.some((t) => t.source === 'webhook'));
        }
        assert.deepEqual(await refused(), [], 'settling by polling did not meet the quota either (the paid look-up also lists refunds: another endpoint)');
        for (const p of payments.slice(2)) assert.equal((await stack.payment(p.id)).status, 'PENDING');
      } finally {
        const off = await stack.sandbox('POST', '/_sandbox/xendit/rate-limit', { perWindow: null });
        assert.equal(off.status, 200, JSON.stringify(off.json));
      }
    });
  });
});
