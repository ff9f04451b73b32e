// Xendit payouts (/v2/payouts): the status table, the wire body, and the adapter against the
// sandbox in-process — every way a send can end, and which of the three it is: definite refusal
// (ProviderRejected), definitely not delivered (ProviderUnavailable), perhaps taken
// (ProviderOutcomeUnknown). Then xendit-node 7.0.0's Payout client as an independent oracle:
// what it sends our sandbox takes, what our sandbox answers its models read, and the adapter's
// body survives its request model field for field.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { ProviderOutcomeUnknown, ProviderRejected, ProviderUnavailable } from '../../src/providers/provider.js';
import type { SendPayoutRequest } from '../../src/providers/payout.js';
import { XenditProvider } from '../../src/providers/xendit/index.js';
import { toCreatePayout } from '../../src/providers/xendit/payouts.js';
import { XENDIT_PAYOUT_CHANNELS } from '../../src/providers/xendit/capabilities.js';
import { createPayoutRequestSchema } from '../../src/providers/xendit/schemas.js';
import { xenditPayoutStatusToPayoutState } from '../../src/providers/xendit/status.js';
import { xenditInProcess } from '../helpers/xendit-in-process.js';
import type { PayoutBehaviour, PayoutLedgerEntry } from '../../src/providers/xendit/sandbox/sandbox.js';
import { freePort } from '../helpers/stack.js';

const SECRET_KEY = 'xnd_development_bayar_payouts_0123456789';
const TOKEN = 'payouts-callback-token-0123456789';

type PayoutModels = typeof import('xendit-node/payout/models/index.js');
type XenditSdk = typeof import('xendit-node');
const require = createRequire(import.meta.url);
let sdk: XenditSdk | undefined;
let models: PayoutModels | undefined;
try {
  sdk = require('xendit-node') as XenditSdk;
  models = require('xendit-node/payout/models/index.js') as PayoutModels;
} catch {
  sdk = undefined;
}

let counter = 0;
function request(extra: Partial<SendPayoutRequest> = {}): SendPayoutRequest {
  counter += 1;
  const payoutId = `payout_${randomBytes(12).toString('hex')}`;
  return {
    payoutId,
    attempt: 1,
    providerPayoutId: `${payoutId}-1`,
    amount: 250_000 + counter,
    feeType: 'CHARGE_TO_BALANCE',
    destination: { bankCode: 'BCA', accountNumber: '0012345678', accountName: 'Budi Santoso' },
    description: 'Seller payout week 12',
    ...extra,
  };
}

describe('xendit payout status table', () => {
  it('maps every documented status; only explicit end states are definite', () => {
    const expected: Record<string, string> = {
      ACCEPTED: 'PENDING',
      REQUESTED: 'PENDING',
      PENDING_COMPLIANCE_ASSESSMENT: 'PENDING',
      LOCKED: 'PENDING',
      READY: 'PENDING',
      SUCCEEDED: 'SUCCEEDED',
      FAILED: 'FAILED',
      CANCELLED: 'FAILED',
      REVERSED: 'FAILED',
      COMPLIANCE_REJECTED: 'FAILED',
      EXPIRED: 'FAILED',
    };
    for (const [status, state] of Object.entries(expected)) assert.equal(xenditPayoutStatusToPayoutState(status), state, status);
    for (const odd of ['', 'succeeded', 'UNKNOWN', 'constructor', '__proto__', 'toString']) assert.equal(xenditPayoutStatusToPayoutState(odd), 'PENDING', odd);
  });
});

describe('xendit payout request body', () => {
  it('is the documented shape: reference_id = idempotency key = provider payout id, ID_ channel, IDR', () => {
    const r = request();
    assert.deepEqual(toCreatePayout(r), {
      reference_id: r.providerPayoutId,
      channel_code: 'ID_BCA',
      channel_properties: { account_holder_name: 'Budi Santoso', account_number: '0012345678' },
      amount: r.amount,
      description: 'Seller payout week 12',
      currency: 'IDR',
      metadata: { bayar_payout_id: r.payoutId, bayar_attempt: '1' },
    });
    assert.ok(createPayoutRequestSchema.safeParse(toCreatePayout(r)).success);
    for (const [bank, channel] of Object.entries(XENDIT_PAYOUT_CHANNELS))
      assert.equal(toCreatePayout(request({ destination: { bankCode: bank, accountNumber: '123456', accountName: 'A B' } })).channel_code, channel);
  });

  it('refuses what Xendit cannot do before sending: another fee type, an unknown bank', () => {
    assert.throws(
      () => toCreatePayout(request({ feeType: 'DEDUCT_FROM_AMOUNT' })),
      (e: unknown) => e instanceof ProviderRejected && e.code === 'UNSUPPORTED_FEE_TYPE',
    );
    assert.throws(
      () => toCreatePayout(request({ destination: { bankCode: 'JAGO', accountNumber: '123456', accountName: 'A B' } })),
      (e: unknown) => e instanceof ProviderRejected && e.code === 'UNSUPPORTED_BANK',
    );
  });
});

describe('xendit payouts adapter against the sandbox (in-process)', () => {
  const sandbox = xenditInProcess(SECRET_KEY, TOKEN, 400);

  const plan = async (behaviour: PayoutBehaviour & { completeAfterMs?: number }) => {
    const res = await fetch(`${sandbox.base}/_sandbox/xendit/payouts/next`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(behaviour) });
    assert.equal(res.status, 200, await res.text());
  };
  const ledger = async (reference: string): Promise<PayoutLedgerEntry[]> => {
    const body = (await (await fetch(`${sandbox.base}/_sandbox/xendit/payouts`)).json()) as { payouts: PayoutLedgerEntry[] };
    return body.payouts.filter((p) => p.reference === reference);
  };
  const isA = (cls: new (...a: never[]) => Error, code?: string) => (e: unknown) => e instanceof cls && (code === undefined || (e as ProviderRejected).code === code);

  it('accepted → PENDING (ACCEPTED) with the disb- id; looked up later → SUCCEEDED', async () => {
    const r = request();
    const sent = await sandbox.xendit.sendPayout(r);
    assert.equal(sent.state, 'PENDING');
    assert.equal(sent.providerStatus, 'ACCEPTED');
    assert.match(sent.providerReference ?? '', /^disb-[0-9a-f]{24}$/);
    await new Promise((resolve) => setTimeout(resolve, 400));
    const found = await sandbox.xendit.findPayout(r.providerPayoutId);
    assert.deepEqual(found, { state: 'SUCCEEDED', providerStatus: 'SUCCEEDED', providerReference: sent.providerReference });
    assert.equal(await sandbox.xendit.findPayout(`${r.payoutId}-2`), null, 'another attempt id is another payout');
  });

  it('a payout that fails at the bank: FAILED with the failure_code', async () => {
    await plan({ outcome: 'FAILED', failureCode: 'INSUFFICIENT_BALANCE' });
    const r = request();
    assert.equal((await sandbox.xendit.sendPayout(r)).state, 'PENDING');
    await new Promise((resolve) => setTimeout(resolve, 400));
    const found = await sandbox.xendit.findPayout(r.providerPayoutId);
    assert.equal(found?.state, 'FAILED');
    assert.equal(found?.reason, 'INSUFFICIENT_BALANCE');
  });

  it('no answer after executing (timeout) → ProviderOutcomeUnknown; the payout exists and is found', async () => {
    await plan({ answer: 'TIMEOUT' });
    const r = request();
    await assert.rejects(sandbox.xendit.sendPayout(r), isA(ProviderOutcomeUnknown, 'TIMEOUT'));
    assert.equal((await ledger(r.providerPayoutId)).length, 1);
    assert.ok(await sandbox.xendit.findPayout(r.providerPayoutId));
  });

  it('500 after executing → ProviderOutcomeUnknown', async () => {
    await plan({ answer: 'SERVER_ERROR' });
    const r = request();
    await assert.rejects(sandbox.xendit.sendPayout(r), isA(ProviderOutcomeUnknown, 'SERVER_ERROR'));
    assert.equal((await ledger(r.providerPayoutId)).length, 1);
  });

  it('a request that never arrives → ProviderOutcomeUnknown, and the look-up finds nothing', async () => {
    await plan({ answer: 'LOST' });
    const r = request();
    await assert.rejects(sandbox.xendit.sendPayout(r), isA(ProviderOutcomeUnknown));
    assert.equal(await sandbox.xendit.findPayout(r.providerPayoutId), null);
  });

  it('503 → ProviderUnavailable (nothing done); the same attempt sent again makes one payout', async () => {
    await plan({ answer: 'UNAVAILABLE' });
    const r = request();
    await assert.rejects(sandbox.xendit.sendPayout(r), isA(ProviderUnavailable));
    assert.deepEqual(await ledger(r.providerPayoutId), []);
    assert.equal((await sandbox.xendit.sendPayout(r)).state, 'PENDING');
    assert.equal((await ledger(r.providerPayoutId)).length, 1);
  });

  it('the same attempt twice: Xendit answers with the same payout (idempotency key), one payout', async () => {
    const r = request();
    const first = await sandbox.xendit.sendPayout(r);
    const second = await sandbox.xendit.sendPayout(r);
    assert.equal(second.providerReference, first.providerReference);
    const [entry, ...more] = await ledger(r.providerPayoutId);
    assert.deepEqual(more, []);
    assert.equal(entry!.sendRequests, 2);
  });

  it('the key with another body: 400 DUPLICATE_ERROR → the existing payout is looked up and checked against the request', async () => {
    const r = request();
    const first = await sandbox.xendit.sendPayout(r);
    // Same key, another description: the payout that exists is this attempt's, amount and all.
    const same = await sandbox.xendit.sendPayout({ ...r, description: 'another description' });
    assert.equal(same.providerReference, first.providerReference);
    // Same key, another amount: what exists is not what we asked for; never trusted, never resent.
    await assert.rejects(sandbox.xendit.sendPayout({ ...r, amount: r.amount + 1 }), isA(ProviderOutcomeUnknown, 'ANSWER_MISMATCH'));
    assert.equal((await ledger(r.providerPayoutId)).length, 1);
  });

  it("definite refusals → ProviderRejected with Xendit's code: below the minimum, a wrong key", async () => {
    await assert.rejects(sandbox.xendit.sendPayout(request({ amount: 5_000 })), isA(ProviderRejected, 'MINIMUM_TRANSFER_LIMIT_ERROR'));
    const wrongKey = new XenditProvider({ secretKey: 'xnd_development_wrong_key_000000', callbackToken: TOKEN, baseUrl: sandbox.base, timeoutMs: 400 });
    await assert.rejects(wrongKey.sendPayout(request()), isA(ProviderRejected, 'INVALID_API_KEY'));
    await assert.rejects(wrongKey.findPayout('payout_x-1'), isA(ProviderRejected, 'INVALID_API_KEY'));
  });

  it('nobody listening → ProviderUnavailable (the request never left)', async () => {
    const port = await freePort(); // free, and nobody listens on it
    const closed = new XenditProvider({ secretKey: SECRET_KEY, callbackToken: TOKEN, baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 400 });
    await assert.rejects(closed.sendPayout(request()), isA(ProviderUnavailable));
    await assert.rejects(closed.findPayout('payout_x-1'), isA(ProviderUnavailable));
  });

  it('the sandbox requires the Idempotency-key, as Xendit does', async () => {
    const res = await fetch(`${sandbox.base}/v2/payouts`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${SECRET_KEY}:`).toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify(toCreatePayout(request())),
    });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { error_code: string }).error_code, 'API_VALIDATION_ERROR');
  });

  describe('official xendit-node 7.0.0 Payout client against the sandbox', { skip: sdk ? false : 'xendit-node is not installed' }, () => {
    const client = () => {
      const warn = console.warn;
      console.warn = () => {};
      try {
        return new sdk!.Xendit({ secretKey: SECRET_KEY, xenditURL: sandbox.base }).Payout;
      } finally {
        console.warn = warn;
      }
    };

    it('creates, reads by id and by reference; every required field of its Payout model is there', async () => {
      const payouts = client();
      const referenceId = `payout_${randomBytes(12).toString('hex')}-1`;
      const created = await payouts.createPayout({
        idempotencyKey: referenceId,
        data: {
          referenceId,
          channelCode: 'ID_MANDIRI',
          channelProperties: { accountNumber: '1234567890123', accountHolderName: 'Siti Rahma' },
          amount: 90_000,
          currency: 'IDR',
          description: 'SDK payout',
        },
      });
      const required = ['referenceId', 'channelCode', 'channelProperties', 'amount', 'currency', 'id', 'created', 'updated', 'businessId', 'status'] as const;
      for (const field of required) assert.notEqual(created[field], undefined, field);
      assert.equal(created.status, 'ACCEPTED');
      assert.equal(created.channelProperties.accountNumber, '1234567890123');
      assert.ok(!Number.isNaN(created.created.getTime()) && created.estimatedArrivalTime instanceof Date);

      const byId = await payouts.getPayoutById({ id: created.id });
      assert.equal(byId.referenceId, referenceId);
      const byRef = await payouts.getPayouts({ referenceId });
      assert.deepEqual(
        byRef.data?.map((p) => p.id),
        [created.id],
      );
      assert.equal(byRef.hasMore, false);

      // Our adapter reads what the SDK's client made.
      assert.equal((await sandbox.xendit.findPayout(referenceId))?.providerReference, created.id);
    });

    it("reads the sandbox's errors as XenditSdkError with Xendit's code", async () => {
      const payouts = client();
      await assert.rejects(
        payouts.getPayoutById({ id: 'disb-000000000000000000000000' }),
        (e: unknown) => e instanceof sdk!.XenditSdkError && Number(e.status) === 404 && e.errorCode === 'DATA_NOT_FOUND',
      );
      const referenceId = `payout_${randomBytes(12).toString('hex')}-1`;
      const data = { referenceId, channelCode: 'ID_BNI', channelProperties: { accountNumber: '0987654321', accountHolderName: 'Siti Rahma' }, amount: 90_000, currency: 'IDR' };
      await payouts.createPayout({ idempotencyKey: referenceId, data });
      await assert.rejects(
        payouts.createPayout({ idempotencyKey: referenceId, data: { ...data, amount: 95_000 } }),
        (e: unknown) => e instanceof sdk!.XenditSdkError && e.errorCode === 'DUPLICATE_ERROR',
      );
    });

    it("the adapter's request body goes through the SDK's request model and back unchanged", () => {
      const body = toCreatePayout(request());
      const roundTrip = JSON.parse(JSON.stringify(models!.CreatePayoutRequestToJSON(models!.CreatePayoutRequestFromJSON(body))));
      assert.deepEqual(roundTrip, body);
    });
  });
});
