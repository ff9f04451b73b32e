// ecommpay payouts end to end on the real stack (Temporal dev server, sandboxes, worker, API as
// processes): POST /v1/payouts → payout workflow → signed Gate payout request to the ecommpay
// sandbox → the signed payout callback (→ /webhooks/ecommpay → payoutNotification signal) or
// the status look-up → SUCCEEDED / FAILED. A send whose answer never comes is looked up and
// never sent again; a definite refusal or a bank's decline is FAILED, and only then may the
// merchant ask for a new attempt (a new payment_id).
import { Client, Connection } from '@temporalio/client';
import { payoutNotificationSignal, type PayoutNotification } from '../../workflows/payout-definitions.js';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { startTestStack, uniqueRef, type TestStack } from '../helpers/stack.js';
import { SANDBOX_PORT_OFFSETS } from '../../src/config/config.js';
import { DEV_DEFAULTS } from '../../src/sandbox/dev-defaults.js';
import type { PayoutView } from '../../src/domain/payout.js';

const ECOMMPAY = SANDBOX_PORT_OFFSETS.ecommpay;
const WAIT_MS = 20_000;

// The official package checks the callbacks the sandbox sent: independent of bayar's verifier.
const require = createRequire(import.meta.url);
const { Callback, signer } = require('ecommpay') as { Callback: new (secret: string, data: unknown) => { callback: Record<string, unknown> }; signer(obj: unknown, secret: string): string };

interface SandboxPayout {
  paymentId: string;
  operationId: number;
  amount: number;
  bankId: number;
  status: string;
  code?: string;
  sendRequests: number;
}

describe('ecommpay payouts over HTTP (real Temporal, real sandbox)', () => {
  let stack: TestStack;

  before(async () => {
    stack = await startTestStack({
      env: {
        // A lost answer is known to be lost after 2 s; look-ups come quickly.
        BAYAR_PROVIDER_TIMEOUT: '2s',
        BAYAR_PAYOUT_LOOKUP_SCHEDULE: '300ms,700ms,1s',
        BAYAR_PAYOUT_REVIEW_AFTER: '20s',
        BAYAR_PAYOUT_WINDOW: '2m',
      },
    });
    // Payouts spend the merchant's ledger balance: give the demo merchant one (admin CLI's adjust).
    await stack.creditLedger({ demo: 1_000_000_000_000 });
  });
  after(async () => {
    await stack?.stop();
  });

  const next = async (body: Record<string, unknown>) => {
    const res = await stack.sandbox('POST', '/_sandbox/ecommpay/payouts/next', body, ECOMMPAY);
    assert.equal(res.status, 200, JSON.stringify(res.json));
  };
  const ledger = async (payoutId: string): Promise<SandboxPayout[]> => {
    const res = await stack.sandbox('GET', '/_sandbox/ecommpay/payouts', undefined, ECOMMPAY);
    return (res.json.payouts as SandboxPayout[]).filter((p) => p.paymentId.startsWith(`${payoutId}-`));
  };
  const outbox = async (paymentId: string) => {
    const res = await stack.sandbox('GET', '/_sandbox/ecommpay/outbox', undefined, ECOMMPAY);
    return (res.json as { body: string }[]).map((n) => JSON.parse(n.body) as { payment: { id: string; type: string; status: string } }).filter((c) => c.payment.id === paymentId);
  };
  const create = async (extra: Record<string, unknown> = {}) => {
    const res = await stack.api('POST', '/v1/payouts', {
      merchantReference: uniqueRef('ecp-po'),
      provider: 'ecommpay',
      amount: 175_000,
      feeType: 'CHARGE_TO_BALANCE',
      destination: { bankCode: 'PERMATA', accountNumber: '0012345678', accountName: 'Budi Santoso' },
      description: 'Seller payout week 12',
      ...extra,
    });
    assert.equal(res.status, 201, res.text);
    return res.json as PayoutView;
  };
  const get = async (id: string) => {
    const res = await stack.api('GET', `/v1/payouts/${id}`);
    assert.equal(res.status, 200, res.text);
    return res.json as PayoutView;
  };
  const waitFor = async (id: string, predicate: (p: PayoutView) => boolean) => {
    const deadline = Date.now() + WAIT_MS;
    let last: PayoutView | undefined;
    while (Date.now() < deadline) {
      last = await get(id);
      if (predicate(last)) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${id}; last: ${JSON.stringify(last)}`);
  };

  it('GET /v1/providers lists ecommpay payouts: the seed-004 banks, CHARGE_TO_BALANCE', async () => {
    const res = await stack.api('GET', '/v1/providers');
    assert.equal(res.status, 200, res.text);
    const ecommpay = (res.json.providers as { name: string; payouts: { feeTypes: string[]; banks: string[] } }[]).find((p) => p.name === 'ecommpay');
    assert.ok(ecommpay, res.text);
    assert.deepEqual(ecommpay!.payouts.feeTypes, ['CHARGE_TO_BALANCE']);
    assert.ok(ecommpay!.payouts.banks.includes('PERMATA') && !ecommpay!.payouts.banks.includes('BCA'), JSON.stringify(ecommpay!.payouts));
  });

  it('succeeds via the signed payout callback: one request at ecommpay, the callback decides', async () => {
    // The status look-ups would find it too; a slow schedule leaves the callback first.
    const payout = await create();
    const done = await waitFor(payout.id, (p) => p.status === 'SUCCEEDED');
    const [a1] = done.attempts;
    assert.equal(done.attempts.length, 1);
    assert.equal(a1!.providerPayoutId, `${done.id}-1`);
    assert.ok(a1!.decidedBy === 'callback' || a1!.decidedBy === 'lookup', String(a1!.decidedBy));
    const held = await ledger(done.id);
    assert.equal(held.length, 1, JSON.stringify(held));
    assert.deepEqual([held[0]!.status, held[0]!.sendRequests, held[0]!.amount, held[0]!.bankId], ['success', 1, 175_000, 433]);
    assert.equal(a1!.providerReference, String(held[0]!.operationId), "ecommpay's operation id is the provider reference");
    // The callback the sandbox sent is a payout callback the official SDK accepts.
    const callbacks = await outbox(`${done.id}-1`);
    assert.equal(callbacks.length, 1);
    assert.equal(callbacks[0]!.payment.type, 'payout');
    assert.doesNotThrow(() => new Callback(DEV_DEFAULTS.ecommpay.secretKey, callbacks[0]));
    // …delivered to bayar, answered 200, and taken by the payout workflow (it decides, or — if a
    // look-up was quicker — it is recorded beside the definite answer).
    const sent = (await stack.sandbox('GET', '/_sandbox/notifications', undefined, ECOMMPAY)).json as { body: string; status: number | string }[];
    const delivery = sent.find((n) => n.body.includes(`"${done.id}-1"`));
    assert.equal(delivery?.status, 200, JSON.stringify(delivery));
    await waitFor(done.id, (p) => p.timeline.some((t) => t.source === 'webhook' && t.type.startsWith('attempt-1:')));
    const history = JSON.stringify(done);
    assert.ok(!history.includes('0012345678') && !history.includes('Budi Santoso'), 'no personal data in the view');
  });

  it('succeeds via look-up when no callback comes', async () => {
    await next({ callback: false });
    const payout = await create();
    const done = await waitFor(payout.id, (p) => p.status === 'SUCCEEDED');
    assert.equal(done.attempts[0]!.decidedBy, 'lookup');
    assert.ok(done.attempts[0]!.lookups >= 1);
    assert.deepEqual(await outbox(`${done.id}-1`), [], 'no callback was sent');
    assert.equal((await ledger(done.id))[0]!.sendRequests, 1);
  });

  it('a send that times out is looked up, never resent: exactly one payout at ecommpay', async () => {
    await next({ answer: 'TIMEOUT', callback: false });
    const payout = await create();
    assert.equal(payout.attempts[0]!.state, 'UNKNOWN', JSON.stringify(payout));
    // Nothing may be retried while the outcome is unknown.
    const early = await stack.api('POST', `/v1/payouts/${payout.id}/retry`, {});
    assert.equal(early.status, 409, early.text);
    const done = await waitFor(payout.id, (p) => p.status === 'SUCCEEDED');
    assert.equal(done.attempts.length, 1, 'never a second attempt');
    assert.equal(done.attempts[0]!.decidedBy, 'lookup');
    assert.ok(
      done.timeline.some((t) => t.type === 'attempt-1:unknown'),
      JSON.stringify(done.timeline),
    );
    const held = await ledger(done.id);
    assert.equal(held.length, 1, JSON.stringify(held));
    assert.equal(held[0]!.sendRequests, 1, 'sent once, never resent');
  });

  it('a send that times out while its payout callback already arrived: the callback decides, nothing is resent', async () => {
    // The payout ends (400 ms) and its callback comes while the send still hangs (2 s): the
    // workflow holds the notice until the send's answer (unknown), then applies it.
    await next({ answer: 'TIMEOUT' });
    const payout = await create();
    const done = await waitFor(payout.id, (p) => p.status === 'SUCCEEDED');
    assert.equal(done.attempts.length, 1);
    assert.ok(
      done.timeline.some((t) => t.type === 'attempt-1:unknown'),
      JSON.stringify(done.timeline),
    );
    assert.ok(done.attempts[0]!.decidedBy === 'callback' || done.attempts[0]!.decidedBy === 'lookup', String(done.attempts[0]!.decidedBy));
    assert.equal((await ledger(done.id))[0]!.sendRequests, 1, 'sent once, never resent');
  });

  it('a 500 after ecommpay took the payout is unknown too: looked up, never resent', async () => {
    await next({ answer: 'SERVER_ERROR' });
    const payout = await create();
    assert.equal(payout.attempts[0]!.state, 'UNKNOWN', JSON.stringify(payout));
    const done = await waitFor(payout.id, (p) => p.status === 'SUCCEEDED');
    assert.equal(done.attempts.length, 1);
    assert.equal((await ledger(done.id))[0]!.sendRequests, 1);
  });

  it('a definite refusal at send is FAILED at once; nothing is held at ecommpay', async () => {
    await next({ answer: 'REFUSE' });
    const payout = await create();
    const failed = await waitFor(payout.id, (p) => p.status === 'FAILED');
    assert.equal(failed.attempts[0]!.state, 'FAILED');
    assert.equal(failed.attempts[0]!.decidedBy, 'send');
    assert.match(failed.attempts[0]!.reason ?? '', /ECOMMPAY_400_502|refused/);
    assert.deepEqual(await ledger(failed.id), []);
  });

  it("the bank's decline (callback) is FAILED; a new attempt is a new payment_id and succeeds", async () => {
    await next({ outcome: 'decline', code: '20101', message: 'Decline due to amount or frequency limit' });
    const payout = await create();
    const failed = await waitFor(payout.id, (p) => p.status === 'FAILED');
    assert.equal(failed.attempts[0]!.providerStatus, 'decline');
    assert.match(failed.attempts[0]!.reason ?? '', /20101/);
    const retry = await stack.api('POST', `/v1/payouts/${failed.id}/retry`, { attempt: 2 });
    assert.equal(retry.status, 201, retry.text);
    const done = await waitFor(failed.id, (p) => p.status === 'SUCCEEDED');
    assert.deepEqual(
      done.attempts.map((a) => [a.providerPayoutId, a.state]),
      [
        [`${done.id}-1`, 'FAILED'],
        [`${done.id}-2`, 'SUCCEEDED'],
      ],
    );
    const held = await ledger(done.id);
    assert.deepEqual(
      held.map((p) => [p.paymentId, p.status, p.sendRequests]),
      [
        [`${done.id}-1`, 'decline', 1],
        [`${done.id}-2`, 'success', 1],
      ],
    );
  });

  it('payout callbacks: a forged one is refused 401; a genuine one for an attempt bayar never sent is acknowledged, not applied', async () => {
    const payout = await create();
    await waitFor(payout.id, (p) => p.status === 'SUCCEEDED');
    const body = {
      project_id: DEV_DEFAULTS.ecommpay.projectId,
      payment: { id: `${payout.id}-1`, type: 'payout', status: 'decline', method: 'indonesia-va', sum: { amount: 17_500_000, currency: 'IDR' } },
      operation: { id: 1, type: 'payout', status: 'decline', code: '20101', message: 'Decline due to amount or frequency limit' },
    };
    const forged = await stack.api('POST', '/webhooks/ecommpay', undefined, { raw: JSON.stringify({ ...body, signature: signer(body, 'not-the-secret') }) });
    assert.equal(forged.status, 401, forged.text);
    const foreign = { ...body, payment: { ...body.payment, id: 'someone-elses-payout' } };
    const ignored = await stack.api('POST', '/webhooks/ecommpay', undefined, { raw: JSON.stringify({ ...foreign, signature: signer(foreign, DEV_DEFAULTS.ecommpay.secretKey) }) });
    assert.equal(ignored.status, 200, ignored.text);
    // A genuine decline after the payout SUCCEEDED changes nothing: it is recorded for operators.
    const late = await stack.api('POST', '/webhooks/ecommpay', undefined, { raw: JSON.stringify({ ...body, signature: signer(body, DEV_DEFAULTS.ecommpay.secretKey) }) });
    assert.equal(late.status, 200, late.text);
    const after = await get(payout.id);
    assert.equal(after.status, 'SUCCEEDED');
    assert.equal(after.attempts[0]!.state, 'SUCCEEDED');
  });

  it("a notice verified by another provider's scheme never moves an ecommpay payout", async () => {
    // The attempt is open (its send's outcome unknown) when an aggregator-verified "failed"
    // naming it arrives: refused, so the look-up decides and nothing invites a second payout.
    await next({ answer: 'TIMEOUT', callback: false });
    const payout = await create();
    assert.equal(payout.attempts[0]!.state, 'UNKNOWN', JSON.stringify(payout));
    const temporal = new Client({ connection: await Connection.connect({ address: stack.stack.temporal!.address }) });
    try {
      const notice: PayoutNotification = { provider: 'aggregator', providerPayoutId: `${payout.id}-1`, snapshot: { state: 'FAILED', providerStatus: '4' } };
      await temporal.workflow.getHandle(payout.id).signal(payoutNotificationSignal, notice);
    } finally {
      await temporal.connection.close();
    }
    const done = await waitFor(payout.id, (p) => p.status === 'SUCCEEDED');
    assert.equal(done.attempts.length, 1);
    assert.equal(done.attempts[0]!.decidedBy, 'lookup');
  });

  it('refuses what ecommpay cannot do with 422 before anything starts', async () => {
    for (const [extra, code] of [
      [{ feeType: 'DEDUCT_FROM_AMOUNT' }, 'FEE_TYPE_NOT_SUPPORTED'],
      [{ destination: { bankCode: 'BCA', accountNumber: '0012345678', accountName: 'Budi Santoso' } }, 'BANK_NOT_SUPPORTED'],
    ] as const) {
      const base = {
        merchantReference: uniqueRef('ecp-po'),
        provider: 'ecommpay',
        amount: 175_000,
        feeType: 'CHARGE_TO_BALANCE',
        destination: { bankCode: 'PERMATA', accountNumber: '0012345678', accountName: 'Budi Santoso' },
      };
      const res = await stack.api('POST', '/v1/payouts', { ...base, ...extra });
      assert.equal(res.status, 422, res.text);
      assert.equal(res.json.code, code);
    }
  });
});
