// Payouts end to end on the real stack (Temporal dev server, sandboxes, worker, API as processes):
// HTTP in → payout workflow → provider sandbox → look-ups → status out. The scenarios that
// matter run for every payout provider in PAYOUT_PROVIDERS (Xendit, the RSA aggregator, ecommpay) — add a
// row to run them against another one (its sandbox must be able to fail a payout and to lose a
// payout's answer).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import proto from '@temporalio/proto';
import { API_KEY, OTHER_MERCHANT_KEY, startMerchantReceiver, startTestStack, uniqueRef, type TestStack } from '../helpers/stack.js';
import { recordHistories } from '../helpers/histories.js';
import { RecordChecker } from '../helpers/records.js';
import { anyPayoutLike } from '../helpers/payout-bodies.js';
import { SANDBOX_PORT_OFFSETS } from '../../src/config/config.js';
import { DEV_DEFAULTS } from '../../src/sandbox/dev-defaults.js';
import type { ProviderName } from '../../src/domain/payment.js';
import type { PayoutBank, PayoutView } from '../../src/domain/payout.js';
import type { PayoutFeeType } from '../../src/providers/payout.js';
import { verifyMerchantWebhook } from '../../src/common/merchant-webhook.js';
import { createPayoutSchema, FEE_TYPE_DOC } from '../../src/payouts/payouts.schemas.js';
import { payoutIdFor } from '../../src/payouts/payouts.service.js';
import { resolvePayoutUpdate } from '../../workflows/payout-definitions.js';

const WAIT_MS = 20_000;
const FUZZ_KEY = 'sk_test_fuzz_merchant_key';

/** One provider's payout at its sandbox, as the ledger shows it. */
interface SandboxPayout {
  reference: string;
  providerId: string;
  /** SUCCEEDED, FAILED, or anything else while in flight. */
  status: string;
  sendRequests: number;
  /** Where the sandbox knows them: what reached the account, and the fee. */
  received?: number;
  fee?: number;
}

/** How to run the payout scenarios against one provider and its sandbox. */
interface PayoutProviderRow {
  provider: ProviderName;
  bankCode: PayoutBank;
  feeType: PayoutFeeType;
  /** The provider's own payout id, as the attempt reports it. */
  providerIdPattern: RegExp;
  /** The payout's amount as the provider sees it (the rows test both fee types between them). */
  amount: number;
  /** The next payout request to this provider ends in a definite failure. */
  failNext(stack: TestStack): Promise<void>;
  /** The next payout request is executed, but its answer never comes (UNKNOWN / timeout). */
  unknownNext(stack: TestStack): Promise<void>;
  /** Every payout the sandbox holds for one bayar payout (all its attempts). */
  ledger(stack: TestStack, payoutId: string): Promise<SandboxPayout[]>;
}

const xenditSandbox = (stack: TestStack, path: string, body: unknown) =>
  stack.sandbox('POST', path, body, SANDBOX_PORT_OFFSETS.xendit).then((r) => assert.equal(r.status, 200, JSON.stringify(r.json)));
const ecommpaySandbox = (stack: TestStack, path: string, body: unknown) =>
  stack.sandbox('POST', path, body, SANDBOX_PORT_OFFSETS.ecommpay).then((r) => assert.equal(r.status, 200, JSON.stringify(r.json)));
const aggregatorSandbox = (stack: TestStack, path: string, body: unknown) =>
  stack.sandbox('POST', path, body, SANDBOX_PORT_OFFSETS.aggregator).then((r) => assert.equal(r.status, 200, JSON.stringify(r.json)));

export const PAYOUT_PROVIDERS: PayoutProviderRow[] = [
  {
    provider: 'xendit',
    bankCode: 'BCA',
    feeType: 'CHARGE_TO_BALANCE',
    amount: 250_000,
    providerIdPattern: /^disb-[0-9a-f]{24}$/,
    // A payout the bank refuses after Xendit accepted it (FAILED with a failure_code).
    failNext: (stack) => xenditSandbox(stack, '/_sandbox/xendit/payouts/next', { outcome: 'FAILED', failureCode: 'INVALID_DESTINATION' }),
    unknownNext: (stack) => xenditSandbox(stack, '/_sandbox/xendit/payouts/next', { answer: 'TIMEOUT' }),
    ledger: async (stack, payoutId) => {
      const res = await stack.sandbox('GET', '/_sandbox/xendit/payouts', undefined, SANDBOX_PORT_OFFSETS.xendit);
      return (res.json.payouts as SandboxPayout[]).filter((p) => p.reference.startsWith(`${payoutId}-`));
    },
  },
  {
    provider: 'aggregator',
    bankCode: 'MANDIRI',
    feeType: 'DEDUCT_FROM_AMOUNT',
    amount: 150_000,
    providerIdPattern: /^CASH\d+$/,
    // platRespCode FAIL: refused at once, nothing executed (seed 003: only FAIL is a failure).
    failNext: (stack) => aggregatorSandbox(stack, '/_sandbox/aggregator/payouts/next', { answer: 'FAIL' }),
    // platRespCode UNKNOWN: executed, "needs to be inquired" — never resent.
    unknownNext: (stack) => aggregatorSandbox(stack, '/_sandbox/aggregator/payouts/next', { answer: 'UNKNOWN' }),
    ledger: async (stack, payoutId) => {
      const res = await stack.sandbox('GET', '/_sandbox/aggregator/payouts', undefined, SANDBOX_PORT_OFFSETS.aggregator);
      const payouts = res.json.payouts as { orderNum: string; platOrderNum: string; status: number; sendRequests: number; received: number; fee: number }[];
      return (
        payouts
          .filter((p) => p.orderNum.startsWith(`${payoutId}-`))
          // CASH_QUERY status: 2 success, 3 cancelled, 4 failed, else processing.
          .map((p) => ({
            reference: p.orderNum,
            providerId: p.platOrderNum,
            status: p.status === 2 ? 'SUCCEEDED' : p.status === 3 || p.status === 4 ? 'FAILED' : `PROCESSING_${p.status}`,
            sendRequests: p.sendRequests,
            received: p.received,
            fee: p.fee,
          }))
      );
    },
  },
  {
    provider: 'ecommpay',
    bankCode: 'PERMATA',
    feeType: 'CHARGE_TO_BALANCE',
    amount: 175_000,
    // ecommpay's operation id.
    providerIdPattern: /^\d+$/,
    // Accepted, then declined by the bank (payment status decline, 20101).
    failNext: (stack) => ecommpaySandbox(stack, '/_sandbox/ecommpay/payouts/next', { outcome: 'decline' }),
    // Taken, but the answer never comes: a timeout, looked up, never resent. No callback either:
    // the payout would end (and its callback arrive) while the send still hangs, deciding it
    // before the create answers (test/e2e/ecommpay-payouts.test.ts covers callbacks).
    unknownNext: (stack) => ecommpaySandbox(stack, '/_sandbox/ecommpay/payouts/next', { answer: 'TIMEOUT', callback: false }),
    ledger: async (stack, payoutId) => {
      const res = await stack.sandbox('GET', '/_sandbox/ecommpay/payouts', undefined, SANDBOX_PORT_OFFSETS.ecommpay);
      const payouts = res.json.payouts as { paymentId: string; operationId: number; status: string; sendRequests: number }[];
      return payouts
        .filter((p) => p.paymentId.startsWith(`${payoutId}-`))
        .map((p) => ({
          reference: p.paymentId,
          providerId: String(p.operationId),
          status: p.status === 'success' ? 'SUCCEEDED' : p.status === 'decline' ? 'FAILED' : p.status,
          sendRequests: p.sendRequests,
        }));
    },
  },
];

describe('payouts over HTTP (real Temporal, real sandboxes)', () => {
  let stack: TestStack;
  let temporal: Client;
  let connection: Connection;
  const recorded = new Map<string, string>();

  before(async () => {
    stack = await startTestStack({
      env: {
        BAYAR_API_KEYS: `demo:${API_KEY},other:${OTHER_MERCHANT_KEY},fuzz:${FUZZ_KEY}`,
        // A lost answer is known to be lost after 2 s; look-ups come quickly; review after 4 s.
        BAYAR_PROVIDER_TIMEOUT: '2s',
        BAYAR_PAYOUT_LOOKUP_SCHEDULE: '300ms,700ms,1s',
        BAYAR_PAYOUT_REVIEW_AFTER: '4s',
        BAYAR_PAYOUT_WINDOW: '2m',
      },
    });
    // These merchants collect nothing here: give them a balance to pay out of (issue 13 item 6;
    // the ledger's own limits are tested in merchants-ledger-events.test.ts).
    await stack.creditLedger({ demo: 1_000_000_000_000, other: 1_000_000_000_000, fuzz: 1_000_000_000_000 });
    connection = await Connection.connect({ address: stack.stack.temporal!.address });
    temporal = new Client({ connection });
  });
  after(async () => {
    if (stack && process.env.BAYAR_RECORD_HISTORIES) await recordHistories(stack.stack.temporal!.address, recorded);
    await connection?.close();
    await stack?.stop();
  });

  const body = (row: PayoutProviderRow, extra: Record<string, unknown> = {}) => ({
    merchantReference: uniqueRef('po'),
    provider: row.provider,
    amount: row.amount,
    feeType: row.feeType,
    destination: { bankCode: row.bankCode, accountNumber: '0012345678', accountName: 'Budi Santoso' },
    description: 'Seller payout week 12',
    ...extra,
  });
  const create = async (b: Record<string, unknown>, key?: string, headers: Record<string, string> = {}) => {
    const res = await stack.api('POST', '/v1/payouts', b, { key, headers });
    return { ...res, payout: res.json as PayoutView };
  };
  const get = async (id: string, key?: string) => {
    const res = await stack.api('GET', `/v1/payouts/${id}`, undefined, { key });
    assert.equal(res.status, 200, res.text);
    return res.json as PayoutView;
  };
  const waitFor = async (id: string, predicate: (p: PayoutView) => boolean, timeoutMs = WAIT_MS) => {
    const deadline = Date.now() + timeoutMs;
    let last: PayoutView | undefined;
    while (Date.now() < deadline) {
      last = await get(id);
      if (predicate(last)) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${id}; last: ${JSON.stringify(last)}`);
  };
  const notStarted = async (merchantId: string, key: string) => {
    await assert.rejects(temporal.workflow.getHandle(payoutIdFor(merchantId, key)).describe(), WorkflowNotFoundError, `no workflow for ${key}`);
  };

  for (const row of PAYOUT_PROVIDERS) {
    describe(`via ${row.provider}`, () => {
      it('success: one attempt, one payout at the provider, SUCCEEDED, merchant notified (signed)', async () => {
        const receiver = await startMerchantReceiver();
        try {
          const res = await create(body(row, { callbackUrl: receiver.url }));
          assert.equal(res.status, 201, res.text);
          assert.match(res.payout.id, /^payout_[0-9a-f]{24}$/);
          assert.equal(res.headers.get('location'), `/v1/payouts/${res.payout.id}`);
          assert.deepEqual(res.payout.destination, { bankCode: row.bankCode, accountNumberLast4: '5678' }, 'the account number never comes back in full');
          assert.ok(!res.text.includes('0012345678') && !res.text.includes('Budi Santoso'), 'no personal data in the answer');
          const done = await waitFor(res.payout.id, (p) => p.status === 'SUCCEEDED');
          assert.equal(done.attempts.length, 1);
          const [a1] = done.attempts;
          assert.equal(a1!.state, 'SUCCEEDED');
          assert.equal(a1!.providerPayoutId, `${done.id}-1`);
          assert.match(a1!.providerReference ?? '', row.providerIdPattern);
          assert.ok(done.completedAt);
          // The account number and holder name are sealed: history holds ciphertext only.
          const history = Buffer.from(proto.temporal.api.history.v1.History.encode(await temporal.workflow.getHandle(done.id).fetchHistory()).finish());
          assert.ok(history.includes('Payout') && !history.includes('0012345678') && !history.includes('Budi Santoso'), 'no personal data in history');
          const ledger = await row.ledger(stack, done.id);
          assert.equal(ledger.length, 1, JSON.stringify(ledger));
          assert.equal(ledger[0]!.status, 'SUCCEEDED');
          assert.equal(ledger[0]!.sendRequests, 1);
          const { received, fee } = ledger[0]!;
          if (received !== undefined && fee !== undefined) {
            // feeType as documented: DEDUCT_FROM_AMOUNT → amount − fee arrives; CHARGE_TO_BALANCE → amount arrives.
            assert.equal(received, row.feeType === 'DEDUCT_FROM_AMOUNT' ? row.amount - fee : row.amount);
            assert.equal(a1!.fee, fee, 'the fee the provider reported is on the attempt');
          }

          const deadline = Date.now() + WAIT_MS;
          while (!receiver.received.some((r) => r.body.includes('"payout.succeeded"')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
          const callback = receiver.received.find((r) => r.body.includes('"payout.succeeded"'));
          assert.ok(callback, 'payout.succeeded delivered');
          assert.ok(verifyMerchantWebhook(DEV_DEFAULTS.merchantWebhookSecret, callback.body, callback.headers['bayar-signature'] as string, Math.floor(Date.now() / 1000)));
          assert.equal((JSON.parse(callback.body) as { data: PayoutView }).data.id, done.id);
          recorded.set(`payout-${row.provider}-success`, done.id);
        } finally {
          await receiver.close();
        }
      });

      it('FAIL then a new attempt: two attempts, distinct provider ids, one successful payout', async () => {
        await row.failNext(stack);
        const res = await create(body(row));
        assert.equal(res.status, 201, res.text);
        const failed = await waitFor(res.payout.id, (p) => p.status === 'FAILED');
        assert.equal(failed.attempts.length, 1);
        assert.equal(failed.attempts[0]!.state, 'FAILED');
        assert.match(failed.statusReason ?? '', /attempt 1 failed/);

        const retry = await stack.api('POST', `/v1/payouts/${failed.id}/retry`, { attempt: 2 });
        assert.equal(retry.status, 201, retry.text);
        assert.equal((retry.json as PayoutView).attempts.length, 2);
        // The same retry again (its answer lost): the attempt exists, nothing new is sent.
        const again = await stack.api('POST', `/v1/payouts/${failed.id}/retry`, { attempt: 2 });
        assert.equal(again.status, 200, again.text);

        const done = await waitFor(failed.id, (p) => p.status === 'SUCCEEDED');
        assert.deepEqual(
          done.attempts.map((a) => [a.attempt, a.state, a.providerPayoutId]),
          [
            [1, 'FAILED', `${done.id}-1`],
            [2, 'SUCCEEDED', `${done.id}-2`],
          ],
        );
        assert.notEqual(done.attempts[0]!.providerReference, done.attempts[1]!.providerReference, 'distinct provider payouts');
        const ledger = await row.ledger(stack, done.id);
        // A failure after acceptance leaves the failed payout at the provider; a refusal leaves nothing.
        assert.ok(ledger.length === 1 || ledger.length === 2, JSON.stringify(ledger));
        assert.deepEqual(
          ledger.filter((p) => p.status === 'SUCCEEDED').map((p) => p.reference),
          [`${done.id}-2`],
          'exactly one payout paid: attempt 2',
        );
        assert.ok(
          ledger.every((p) => p.sendRequests === 1),
          'each attempt sent once',
        );
        assert.equal(new Set(ledger.map((p) => p.providerId)).size, ledger.length, 'distinct provider ids');

        const noMore = await stack.api('POST', `/v1/payouts/${done.id}/retry`, {});
        assert.equal(noMore.status, 409, noMore.text);
        assert.equal(noMore.json.code, 'PAYOUT_NOT_RETRYABLE');
        recorded.set(`payout-${row.provider}-fail-retry`, done.id);
      });

      it('UNKNOWN (no answer) → looked up → SUCCEEDED, with exactly one payout at the sandbox', async () => {
        await row.unknownNext(stack);
        const res = await create(body(row));
        assert.equal(res.status, 201, res.text);
        assert.equal(res.payout.status, 'PENDING');
        assert.equal(res.payout.attempts[0]!.state, 'UNKNOWN', 'the send answered nothing');
        // Nothing may be retried while the outcome is unknown.
        const early = await stack.api('POST', `/v1/payouts/${res.payout.id}/retry`, {});
        assert.equal(early.status, 409, early.text);

        const done = await waitFor(res.payout.id, (p) => p.status === 'SUCCEEDED');
        assert.equal(done.attempts.length, 1, 'never a second attempt');
        // Found by a look-up, or — where the provider sends signed payout callbacks (the
        // aggregator, ecommpay) — by the callback, whichever comes first. Never by sending again.
        const decidedBy = done.attempts[0]!.decidedBy;
        if (row.provider !== 'xendit') assert.ok(decidedBy === 'lookup' || decidedBy === 'callback', String(decidedBy));
        else assert.equal(decidedBy, 'lookup');
        if (decidedBy === 'lookup') assert.ok(done.attempts[0]!.lookups >= 1);
        assert.ok(
          done.timeline.some((t) => t.type === 'attempt-1:unknown'),
          JSON.stringify(done.timeline),
        );
        const ledger = await row.ledger(stack, done.id);
        assert.equal(ledger.length, 1, `exactly one payout at the sandbox: ${JSON.stringify(ledger)}`);
        assert.equal(ledger[0]!.sendRequests, 1, 'sent once, never resent');
        assert.equal(ledger[0]!.status, 'SUCCEEDED');
        recorded.set(`payout-${row.provider}-unknown`, done.id);
      });
    });
  }

  describe('xendit answers', () => {
    const xendit = PAYOUT_PROVIDERS.find((r) => r.provider === 'xendit')!;

    it('500 after executing is UNKNOWN: looked up, never resent; 503 is "not sent": the same attempt again', async () => {
      await xenditSandbox(stack, '/_sandbox/xendit/payouts/next', { answer: 'SERVER_ERROR' });
      const unknown = await create(body(xendit));
      assert.equal(unknown.status, 201, unknown.text);
      assert.equal(unknown.payout.attempts[0]!.state, 'UNKNOWN');

      await xenditSandbox(stack, '/_sandbox/xendit/payouts/next', { answer: 'UNAVAILABLE' });
      const resent = await create(body(xendit));
      assert.equal(resent.status, 201, resent.text);

      for (const id of [unknown.payout.id, resent.payout.id]) {
        const done = await waitFor(id, (p) => p.status === 'SUCCEEDED');
        assert.equal(done.attempts.length, 1);
        const ledger = await xendit.ledger(stack, id);
        assert.equal(ledger.length, 1, JSON.stringify(ledger));
        assert.equal(ledger[0]!.sendRequests, 1);
      }
      const notSent = (await get(resent.payout.id)).timeline.find((t) => t.type === 'attempt-1:not-sent');
      assert.match(notSent?.detail ?? '', /503.*sending the same attempt again/);
    });

    it('a 429 is "not sent" too: the same attempt is sent again no sooner than Xendit\'s Rate-Limit-Reset', async () => {
      // One payout send per 6 s (Xendit's quota is per endpoint per account, src/providers/xendit/README.md):
      // the first payout spends it, the second meets 429 RATE_LIMIT_EXCEEDED. The workflow's own
      // resend backoff starts at 1 s, which would meet the same window again.
      await xenditSandbox(stack, '/_sandbox/xendit/rate-limit', { perWindow: 1, windowMs: 6_000 });
      try {
        const first = await create(body(xendit));
        assert.equal(first.status, 201, first.text);
        const second = await create(body(xendit));
        assert.equal(second.status, 201, second.text);
        for (const id of [first.payout.id, second.payout.id]) {
          const done = await waitFor(id, (p) => p.status === 'SUCCEEDED', WAIT_MS + 10_000);
          assert.equal(done.attempts.length, 1);
          const ledger = await xendit.ledger(stack, id);
          assert.equal(ledger.length, 1, JSON.stringify(ledger));
          assert.equal(ledger[0]!.sendRequests, 1, 'a 429 took nothing; the resend is the one send');
        }
        const notSent = (await get(second.payout.id)).timeline.find((t) => t.type === 'attempt-1:not-sent');
        assert.match(notSent?.detail ?? '', /429 RATE_LIMIT_EXCEEDED.*sending the same attempt again/);
        const limit = await stack.sandbox('GET', '/_sandbox/xendit/rate-limit', undefined, SANDBOX_PORT_OFFSETS.xendit);
        const sends = (limit.json as { refused: { endpoint: string }[] }).refused.filter((r) => r.endpoint === 'POST /v2/payouts');
        assert.equal(sends.length, 1, `the resend waited for the reset: ${JSON.stringify(sends)}`);
        recorded.set('payout-xendit-rate-limited', second.payout.id);
      } finally {
        await xenditSandbox(stack, '/_sandbox/xendit/rate-limit', { perWindow: null });
      }
    });

    it('an answer that never comes and a payout the provider never saw → REVIEW_REQUIRED, never resent; an operator resolves it', async () => {
      await xenditSandbox(stack, '/_sandbox/xendit/payouts/next', { answer: 'LOST' });
      const res = await create(body(xendit));
      assert.equal(res.status, 201, res.text);
      const review = await waitFor(res.payout.id, (p) => p.status === 'REVIEW_REQUIRED');
      assert.equal(review.attempts.length, 1);
      assert.equal(review.attempts[0]!.state, 'UNKNOWN');
      assert.match(review.statusReason ?? '', /no definite answer.*never resent/);
      assert.deepEqual(await xendit.ledger(stack, review.id), [], 'nothing reached the provider');
      const refused = await stack.api('POST', `/v1/payouts/${review.id}/retry`, {});
      assert.equal(refused.status, 409, refused.text);
      assert.equal(refused.json.code, 'PAYOUT_NOT_RETRYABLE');

      // Operators only (the Temporal CLI or Web UI do the same): checked at Xendit, nothing there.
      const resolved = await temporal.workflow.getHandle(review.id).executeUpdate(resolvePayoutUpdate, { args: [{ outcome: 'FAILED', note: 'not in the Xendit dashboard' }] });
      assert.equal(resolved.status, 'FAILED');
      assert.equal(resolved.attempts[0]!.decidedBy, 'operator');
      const retry = await stack.api('POST', `/v1/payouts/${review.id}/retry`, {});
      assert.equal(retry.status, 201, retry.text);
      const done = await waitFor(review.id, (p) => p.status === 'SUCCEEDED');
      assert.equal(done.attempts.length, 2);
      assert.equal((await xendit.ledger(stack, review.id)).length, 1, 'one payout: attempt 2');
      recorded.set('payout-xendit-review-resolved', done.id);
    });
  });

  describe('the API', () => {
    const xendit = PAYOUT_PROVIDERS[0]!;

    it('repeats are idempotent: the same body → 200 and the same payout; another body → 409; Idempotency-Key wins', async () => {
      const b = body(xendit);
      const first = await create(b);
      assert.equal(first.status, 201, first.text);
      const repeat = await create({ ...b, destination: { ...b.destination } });
      assert.equal(repeat.status, 200, repeat.text);
      assert.equal(repeat.payout.id, first.payout.id);
      const conflict = await create({ ...b, amount: 260_000 });
      assert.equal(conflict.status, 409, conflict.text);
      assert.equal(conflict.json.code, 'IDEMPOTENCY_CONFLICT');
      assert.match(conflict.headers.get('content-type') ?? '', /application\/problem\+json/);

      const key = uniqueRef('key');
      const keyed = await create(body(xendit), undefined, { 'idempotency-key': key });
      assert.equal(keyed.status, 201, keyed.text);
      const otherRef = await create(body(xendit), undefined, { 'idempotency-key': key });
      assert.equal(otherRef.status, 409, 'same key, another merchantReference');

      await waitFor(first.payout.id, (p) => p.status === 'SUCCEEDED');
      const afterDone = await create(b);
      assert.equal(afterDone.status, 200);
      assert.equal(afterDone.payout.status, 'SUCCEEDED');
      assert.equal((await xendit.ledger(stack, first.payout.id)).length, 1, 'repeats sent nothing');
    });

    it('tenancy: another merchant cannot see or retry a payout', async () => {
      const res = await create(body(xendit));
      assert.equal(res.status, 201, res.text);
      const seen = await stack.api('GET', `/v1/payouts/${res.payout.id}`, undefined, { key: OTHER_MERCHANT_KEY });
      assert.equal(seen.status, 404, seen.text);
      assert.equal(seen.json.code, 'PAYOUT_NOT_FOUND');
      const retried = await stack.api('POST', `/v1/payouts/${res.payout.id}/retry`, {}, { key: OTHER_MERCHANT_KEY });
      assert.equal(retried.status, 404, retried.text);
      // Word for word what a payout that does not exist answers, but for the id.
      const missing = payoutIdFor('demo', uniqueRef('nothing'));
      const absent = await stack.api('GET', `/v1/payouts/${missing}`);
      assert.equal(absent.status, 404);
      assert.deepEqual({ ...absent.json, detail: absent.json.detail.replace(missing, 'ID'), instance: '' }, { ...seen.json, detail: seen.json.detail.replace(res.payout.id, 'ID'), instance: '' });
      const anonymous = await stack.api('GET', `/v1/payouts/${res.payout.id}`, undefined, { key: 'sk_not_a_key' });
      assert.equal(anonymous.status, 401);
      // The same merchantReference is another payout for another merchant.
      const theirs = await create({ ...body(xendit), merchantReference: res.payout.merchantReference }, OTHER_MERCHANT_KEY);
      assert.equal(theirs.status, 201, theirs.text);
      assert.notEqual(theirs.payout.id, res.payout.id);
    });

    it('refuses what a provider cannot do with 422, before anything starts', async () => {
      const cases: [Record<string, unknown>, string][] = [
        [body(xendit, { feeType: 'DEDUCT_FROM_AMOUNT' }), 'FEE_TYPE_NOT_SUPPORTED'],
        [body(xendit, { provider: 'midtrans' }), 'PAYOUTS_NOT_SUPPORTED'],
        [body(xendit, { amount: 5_000 }), 'AMOUNT_OUT_OF_RANGE'],
      ];
      for (const [b, code] of cases) {
        const res = await create(b);
        assert.equal(res.status, 422, res.text);
        assert.equal(res.json.code, code);
        await notStarted('demo', b.merchantReference as string);
      }
    });

    it('any invalid body → 400 problem+json naming the field, never a 5xx, and no workflow started', async () => {
      const sent: string[] = [];
      await fc.assert(
        fc.asyncProperty(
          anyPayoutLike.filter((b) => !createPayoutSchema.safeParse(b).success),
          async (b) => {
            const res = await stack.api('POST', '/v1/payouts', b, { key: FUZZ_KEY });
            assert.equal(res.status, 400, `${res.status} for ${JSON.stringify(b)}: ${res.text}`);
            assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
            // Not a JSON object at all is refused by the body parser; anything else names its fields.
            if (b === null || typeof b !== 'object') assert.equal(typeof res.json.code, 'string');
            else assert.ok(res.json.code === 'VALIDATION_FAILED' && Array.isArray(res.json.errors) && res.json.errors.length > 0, res.text);
            const ref = (b as { merchantReference?: unknown } | null)?.merchantReference;
            if (typeof ref === 'string') sent.push(ref);
          },
        ),
        { numRuns: 150 },
      );
      for (const raw of ['{', '[]', 'null', '"payout"', '{"amount":1e999}']) {
        const res = await stack.api('POST', '/v1/payouts', undefined, { key: FUZZ_KEY, raw });
        assert.ok(res.status === 400, `${raw}: ${res.status} ${res.text}`);
      }
      for (const ref of sent.slice(0, 40)) await notStarted('fuzz', ref);
      await new Promise((r) => setTimeout(r, 1500)); // visibility is eventually consistent
      assert.equal((await temporal.workflow.count(`MerchantId = 'fuzz'`)).count, 0, 'no payout workflow for the fuzzing merchant');
    });

    it('documents feeType in the OpenAPI document', async () => {
      const res = await fetch(`${stack.apiUrl}/docs/openapi.json`);
      const doc = (await res.json()) as { paths: Record<string, Record<string, unknown>> };
      const create = JSON.stringify(doc.paths['/v1/payouts']?.post);
      for (const text of ['DEDUCT_FROM_AMOUNT', 'CHARGE_TO_BALANCE', FEE_TYPE_DOC.slice(0, 60)]) assert.ok(create.includes(text), `${text} in ${create.slice(0, 400)}`);
      assert.ok(doc.paths['/v1/payouts/{id}/retry'], 'retry is documented');
    });
  });

  // Last: the system of record holds exactly what each payout workflow computed.
  it('the database equals the workflow for the payouts above', async () => {
    const checker = await RecordChecker.open(stack.databaseUrl, stack.stack.temporal!.address);
    try {
      assert.ok(recorded.size >= 5, `checked ${recorded.size} payouts`);
      assert.deepEqual(await checker.eventually('payouts', [...recorded.values()]), []);
    } finally {
      await checker.close();
    }
  });
});
