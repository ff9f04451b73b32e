// The payout's attempts and the never-resend rule, driven directly: PayoutState is pure (the
// caller passes `now`), so every rule the payout workflow relies on is checked without Temporal.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PayoutStatus } from '../../src/domain/payout.js';
import type { PayoutSnapshot } from '../../src/providers/payout.js';
import { MAX_PAYOUT_ATTEMPTS, PAYOUT_REJECTION, type PayoutWorkflowInput } from '../../workflows/payout-definitions.js';
import { PayoutState, Rejection } from '../../workflows/payout-state.js';

const T0 = Date.parse('2025-03-01T08:00:00.000Z');

const input: PayoutWorkflowInput = {
  payoutId: 'payout_0123456789abcdef01234567',
  merchantId: 'demo',
  merchantReference: 'seller-42-week-12',
  provider: 'xendit',
  amount: 250_000,
  feeType: 'CHARGE_TO_BALANCE',
  bankCode: 'BCA',
  sealedDestination: 'v1.sealed',
  accountNumberLast4: '5678',
  description: 'Seller payout',
  createdAt: new Date(T0).toISOString(),
  requestHash: 'hash',
  creationId: 'creation',
  timing: { lookupScheduleMs: [5_000], reviewAfterMs: 3_600_000, windowMs: 86_400_000, merchantNotifyTimeoutMs: 60_000 },
};

const snap = (state: PayoutSnapshot['state'], providerStatus: string, extra: Partial<PayoutSnapshot> = {}): PayoutSnapshot => ({ state, providerStatus, providerReference: 'disb-1', ...extra });

function fresh(): { state: PayoutState; changes: PayoutStatus[] } {
  const changes: PayoutStatus[] = [];
  return { state: new PayoutState(input, (s) => changes.push(s)), changes };
}

function rejected(fn: () => unknown, type: string): void {
  assert.throws(fn, (err: unknown) => err instanceof Rejection && err.type === type);
}

describe('PayoutState', () => {
  it('an attempt accepted then succeeded: PENDING → SUCCEEDED, one attempt, provider id derived from the payout', () => {
    const { state, changes } = fresh();
    const a1 = state.startAttempt(T0);
    assert.equal(a1.providerPayoutId, 'payout_0123456789abcdef01234567-1');
    assert.equal(state.status, 'PENDING');
    state.apply(T0 + 1, a1, snap('PENDING', 'ACCEPTED'), 'send');
    assert.equal(a1.state, 'PENDING');
    state.apply(T0 + 2, a1, snap('SUCCEEDED', 'SUCCEEDED'), 'lookup');
    assert.equal(state.status, 'SUCCEEDED');
    assert.equal(a1.decidedBy, 'lookup');
    assert.equal(a1.lookups, 1);
    assert.deepEqual(changes, ['PENDING', 'SUCCEEDED']);
    assert.ok(state.view().completedAt);
  });

  it("a provider's signed callback decides an attempt like a look-up, from the webhook, without counting as one", () => {
    const { state } = fresh();
    const a1 = state.startAttempt(T0);
    state.sendUnknown(T0 + 1, a1, 'timeout');
    state.apply(T0 + 2, a1, snap('SUCCEEDED', '2'), 'callback');
    assert.equal(state.status, 'SUCCEEDED');
    assert.equal(a1.decidedBy, 'callback');
    assert.equal(a1.lookups, 0);
    assert.ok(state.view().timeline.some((t) => t.source === 'webhook' && t.type === 'attempt-1:2'));
    // A later look-up saying otherwise is recorded for operators, not applied.
    state.apply(T0 + 3, a1, snap('FAILED', '4'), 'lookup');
    assert.equal(state.status, 'SUCCEEDED');
  });

  it('never starts a new attempt unless the previous one definitely failed', () => {
    const { state } = fresh();
    const a1 = state.startAttempt(T0);
    assert.throws(() => state.startAttempt(T0 + 1), /second payout/, 'SENDING');
    state.sendUnknown(T0 + 2, a1, 'TIMEOUT');
    assert.throws(() => state.startAttempt(T0 + 3), /second payout/, 'UNKNOWN');
    state.apply(T0 + 4, a1, snap('PENDING', 'REQUESTED'), 'lookup');
    assert.throws(() => state.startAttempt(T0 + 5), /second payout/, 'PENDING');
    state.apply(T0 + 6, a1, snap('FAILED', 'FAILED', { reason: 'INVALID_DESTINATION' }), 'lookup');
    assert.equal(state.status, 'FAILED');
    assert.match(state.statusReason ?? '', /attempt 1 failed: INVALID_DESTINATION/);
    const a2 = state.startAttempt(T0 + 7);
    assert.equal(a2.providerPayoutId, 'payout_0123456789abcdef01234567-2');
  });

  it('a definite answer is kept: a later different one is recorded, not applied', () => {
    const { state } = fresh();
    const a1 = state.startAttempt(T0);
    state.apply(T0 + 1, a1, snap('SUCCEEDED', 'SUCCEEDED'), 'send');
    state.apply(T0 + 2, a1, snap('FAILED', 'REVERSED'), 'lookup');
    assert.equal(state.status, 'SUCCEEDED');
    assert.equal(a1.state, 'SUCCEEDED');
    const last = state.view().timeline.at(-1)!;
    assert.equal(last.type, 'attempt-1:REVERSED');
    assert.equal(last.ignored, true);
  });

  it('not found is recorded once, however many look-ups say so', () => {
    const { state } = fresh();
    const a1 = state.startAttempt(T0);
    state.sendUnknown(T0 + 1, a1, 'xendit: POST /v2/payouts failed (TIMEOUT)');
    for (let i = 0; i < 5; i++) state.apply(T0 + 2 + i, a1, null, 'lookup');
    assert.equal(a1.lookups, 5);
    assert.equal(a1.state, 'UNKNOWN');
    assert.equal(state.view().timeline.filter((t) => t.type === 'attempt-1:not-found').length, 1);
  });

  it('retry: only after FAILED, once per attempt number, idempotent when the number is given', () => {
    const { state } = fresh();
    rejected(() => state.validateRetry({}), PAYOUT_REJECTION.notRetryable);
    const a1 = state.startAttempt(T0);
    rejected(() => state.validateRetry({}), PAYOUT_REJECTION.notRetryable);
    state.sendFailed(T0 + 1, a1, 'xendit payout: HTTP 400 API_VALIDATION_ERROR');
    assert.equal(state.validateRetry({}), 'new');
    assert.equal(state.validateRetry({ attempt: 2 }), 'new');
    rejected(() => state.validateRetry({ attempt: 3 }), PAYOUT_REJECTION.notRetryable);
    assert.equal(state.validateRetry({ attempt: 1 }), 'existing');
    state.requestRetry(T0 + 2);
    assert.equal(state.status, 'PENDING');
    // A concurrent or repeated retry while attempt 2 is about to be sent:
    rejected(() => state.validateRetry({}), PAYOUT_REJECTION.notRetryable);
    assert.equal(state.validateRetry({ attempt: 2 }), 'existing');
    const a2 = state.startAttempt(T0 + 3);
    assert.equal(state.retryRequested, false);
    assert.equal(a2.attempt, 2);
    assert.equal(state.validateRetry({ attempt: 2 }), 'existing');
    rejected(() => state.validateRetry({ attempt: 0 }), PAYOUT_REJECTION.notRetryable);
    rejected(() => state.validateRetry({ attempt: 2.5 }), PAYOUT_REJECTION.notRetryable);
  });

  it(`at most ${MAX_PAYOUT_ATTEMPTS} attempts`, () => {
    const { state } = fresh();
    for (let n = 1; n <= MAX_PAYOUT_ATTEMPTS; n++) {
      if (n > 1) state.requestRetry(T0 + n);
      state.sendFailed(T0 + n, state.startAttempt(T0 + n), 'REJECTED_BY_CHANNEL');
    }
    rejected(() => state.validateRetry({}), PAYOUT_REJECTION.tooManyAttempts);
  });

  it('review: flagged only while the current attempt has no definite answer; a late answer still settles it', () => {
    const { state, changes } = fresh();
    const a1 = state.startAttempt(T0);
    state.sendUnknown(T0 + 1, a1, 'TIMEOUT');
    state.flagForReview(T0 + 2, 'no definite answer');
    assert.equal(state.status, 'REVIEW_REQUIRED');
    rejected(() => state.validateRetry({}), PAYOUT_REJECTION.notRetryable);
    state.apply(T0 + 3, a1, snap('SUCCEEDED', 'SUCCEEDED'), 'lookup');
    assert.equal(state.status, 'SUCCEEDED');
    assert.deepEqual(changes, ['PENDING', 'REVIEW_REQUIRED', 'SUCCEEDED']);
    state.flagForReview(T0 + 4, 'late');
    assert.equal(state.status, 'SUCCEEDED', 'nothing to review once definite');
  });

  it('an operator resolves a payout in review; never one that is not', () => {
    const { state } = fresh();
    const a1 = state.startAttempt(T0);
    state.sendUnknown(T0 + 1, a1, 'TIMEOUT');
    rejected(() => state.validateResolve({ outcome: 'FAILED', note: 'checked' }), PAYOUT_REJECTION.notInReview);
    state.flagForReview(T0 + 2, 'no definite answer');
    rejected(() => state.validateResolve({ outcome: 'FAILED', note: '  ' }), PAYOUT_REJECTION.invalidResolution);
    rejected(() => state.validateResolve({ outcome: 'MAYBE' as 'FAILED', note: 'x' }), PAYOUT_REJECTION.invalidResolution);
    state.validateResolve({ outcome: 'FAILED', note: 'not in the dashboard' });
    state.resolve(T0 + 3, { outcome: 'FAILED', note: 'not in the dashboard' });
    assert.equal(state.status, 'FAILED');
    assert.equal(a1.decidedBy, 'operator');
    assert.equal(state.validateRetry({}), 'new');
  });

  it('closing: a payout with no definite answer closes REVIEW_REQUIRED; a FAILED one stays FAILED', () => {
    const open = fresh().state;
    open.sendUnknown(T0 + 1, open.startAttempt(T0), 'TIMEOUT');
    open.close(T0 + 2);
    assert.equal(open.status, 'REVIEW_REQUIRED');
    assert.ok(open.view().completedAt);

    const failed = fresh().state;
    failed.sendFailed(T0 + 1, failed.startAttempt(T0), 'INSUFFICIENT_BALANCE');
    failed.close(T0 + 2);
    assert.equal(failed.status, 'FAILED');
  });

  it('a closing payout takes no retry and no resolve (nothing would run them), but answers a repeated retry', () => {
    const failed = fresh().state;
    failed.sendFailed(T0 + 1, failed.startAttempt(T0), 'INSUFFICIENT_BALANCE');
    failed.close(T0 + 2);
    rejected(() => failed.validateRetry({}), PAYOUT_REJECTION.closed);
    rejected(() => failed.validateRetry({ attempt: 2 }), PAYOUT_REJECTION.closed);
    assert.equal(failed.validateRetry({ attempt: 1 }), 'existing');
    const review = fresh().state;
    review.sendUnknown(T0 + 1, review.startAttempt(T0), 'TIMEOUT');
    review.close(T0 + 2);
    rejected(() => review.validateResolve({ outcome: 'FAILED', note: 'checked' }), PAYOUT_REJECTION.closed);
  });

  it('the view carries no account number or holder name', () => {
    const { state } = fresh();
    state.startAttempt(T0);
    const view = state.view();
    assert.deepEqual(view.destination, { bankCode: 'BCA', accountNumberLast4: '5678' });
    assert.ok(!JSON.stringify(view).includes('sealed'), 'not even the sealed form');
  });
});
