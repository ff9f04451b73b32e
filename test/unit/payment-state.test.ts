// The payment's one transition function and its refund rules, driven directly: PaymentState is
// pure (the caller passes `now`), so every rule the workflow relies on is checked here without
// Temporal.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChargeStatus, PaymentStatus, ProviderEvent } from '../../src/domain/payment.js';
import { paymentInput } from '../helpers/payment-input.js';
import { REJECTION, type PaymentWorkflowInput } from '../../workflows/definitions.js';
import { PaymentState, Rejection } from '../../workflows/payment-state.js';

const T0 = Date.parse('2025-03-01T08:00:00.000Z');
const AMOUNT = 100_000;

function input(capabilities: PaymentWorkflowInput['capabilities'] = { refund: 'partial', cancel: true }): PaymentWorkflowInput {
  return paymentInput(T0, AMOUNT, { capabilities });
}

function event(eventId: string, chargeStatus: ChargeStatus, extra: Partial<ProviderEvent> = {}): ProviderEvent {
  return { provider: 'xendit', providerReference: 'pr-1', eventId, source: 'webhook', chargeStatus, providerStatus: `xendit/${chargeStatus}`, ...extra };
}

/** A payment with a charge at the provider, waiting for money. */
function pending(capabilities?: PaymentWorkflowInput['capabilities']): { state: PaymentState; changes: PaymentStatus[] } {
  const changes: PaymentStatus[] = [];
  const state = new PaymentState(input(capabilities), (s) => changes.push(s));
  state.chargeCreated(T0, { providerReference: 'pr-1', instructions: { qrString: 'QR-DATA' } });
  return { state, changes };
}

/** A paid and settled payment, as the workflow leaves it before the refund window. */
function settled(capabilities?: PaymentWorkflowInput['capabilities'], paid = AMOUNT): PaymentState {
  const { state } = pending(capabilities);
  state.apply(T0 + 1000, event('paid-1', 'PAID', { paidAmount: paid }));
  state.setStatus(T0 + 2000, 'SETTLED', 'workflow');
  return state;
}

function assertRejected(fn: () => unknown, type: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof Rejection, `expected a Rejection, got ${String(err)}`);
    assert.equal(err.type, type, err.message);
    return true;
  });
}

const lastEntry = (state: PaymentState) => state.view().timeline.at(-1)!;

describe('PaymentState.apply', () => {
  it('moves PENDING to PAID with the paid amount, time and provider reference', () => {
    const changes: PaymentStatus[] = [];
    const state = new PaymentState(input(), (s) => changes.push(s));
    state.chargeCreated(T0, { providerReference: 'pr-1', instructions: { qrString: 'QR' } });
    assert.equal(state.status, 'PENDING');
    state.apply(T0 + 5000, event('e1', 'PAID', { paidAmount: AMOUNT, occurredAt: '2025-03-01T08:00:04.000Z' }));
    assert.equal(state.status, 'PAID');
    assert.equal(state.paid, AMOUNT);
    assert.equal(state.paidAt, '2025-03-01T08:00:04.000Z');
    assert.deepEqual(changes, ['PENDING', 'PAID']);
  });

  it('never assumes the expected amount when a PAID event carries none: the amount check sends it to a person', () => {
    const { state } = pending();
    state.apply(T0 + 7000, event('e1', 'PAID'));
    assert.equal(state.status, 'PAID');
    assert.equal(state.paid, 0, 'nothing is booked that the provider did not report');
    assert.equal(state.paidAt, new Date(T0 + 7000).toISOString(), 'the event time when it has no occurredAt');
    assert.match(state.amountProblem() ?? '', /^AMOUNT_UNCONFIRMED: /);
  });

  it('finds the amount right only when the provider reported exactly the amount asked for', () => {
    assert.equal(settled().amountProblem(), undefined);
    const { state } = pending();
    state.apply(T0, event('e1', 'PAID', { paidAmount: AMOUNT - 1 }));
    assert.equal(state.amountProblem(), `AMOUNT_MISMATCH: paid ${AMOUNT - 1}, expected ${AMOUNT}`);
  });

  it('adopts the provider reference from an event only when it has none yet', () => {
    const fresh = new PaymentState(input());
    fresh.apply(T0, event('e0', 'PENDING', { providerReference: 'pr-from-webhook' }));
    assert.equal(fresh.providerReference, 'pr-from-webhook');
    const { state } = pending();
    state.apply(T0, event('e1', 'PAID', { providerReference: 'pr-other' }));
    assert.equal(state.providerReference, 'pr-1');
  });

  it('is idempotent per event id: a redelivered event is counted, not recorded, and applied once', () => {
    const { state, changes } = pending();
    state.apply(T0 + 1000, event('same', 'PAID', { paidAmount: 40_000 }));
    const lines = state.view().timeline.length;
    for (let i = 0; i < 200; i++) state.apply(T0 + 2000 + i, event('same', 'PAID', { paidAmount: 60_000 }));
    assert.equal(state.paid, 40_000);
    assert.deepEqual(changes, ['PENDING', 'PAID']);
    assert.equal(state.view().timeline.length, lines, 'copies add no line');
    assert.equal(state.view().notifications.duplicates, 200);
  });

  it('dedupes across sources: a poll repeating a webhook id is a duplicate', () => {
    const { state } = pending();
    state.apply(T0, event('n-1', 'EXPIRED'));
    state.apply(T0, { ...event('n-1', 'PAID'), source: 'poll' });
    assert.equal(state.status, 'EXPIRED');
    assert.equal(state.latePayments.length, 0, 'a duplicate is not a late payment');
  });

  it('records a PENDING webhook but stays quiet about PENDING polls', () => {
    const { state } = pending();
    const before = state.view().timeline.length;
    state.apply(T0, { ...event('p1', 'PENDING'), source: 'poll' });
    assert.equal(state.view().timeline.length, before);
    state.apply(T0, event('w1', 'PENDING'));
    assert.equal(state.view().timeline.length, before + 1);
    assert.equal(state.status, 'PENDING');
  });

  it('takes payment instructions a PENDING event brings when the charge had none, once', () => {
    const changes: PaymentStatus[] = [];
    const state = new PaymentState(input(), (s) => changes.push(s));
    state.chargeCreated(T0, { providerReference: 'ref', instructions: {} });
    state.apply(T0, event('intermediate', 'PENDING', { providerReference: 'ref', instructions: { payUrl: 'https://va.example/page' } }));
    assert.deepEqual(state.view().instructions, { payUrl: 'https://va.example/page' });
    state.apply(T0, event('again', 'PENDING', { providerReference: 'ref', instructions: { payUrl: 'https://other.example/' } }));
    assert.deepEqual(state.view().instructions, { payUrl: 'https://va.example/page' }, 'first answer wins');
    assert.equal(state.view().timeline.filter((t) => t.type === 'instructions').length, 1);
    state.apply(T0, event('paid', 'PAID', { providerReference: 'ref' }));
    assert.deepEqual(state.view().instructions, {}, 'a closed payment shows nothing to pay into');
    assert.deepEqual(changes, ['PENDING', 'PAID']);
  });

  it('keeps instructions a callback brought before the create call answered with none', () => {
    const state = new PaymentState(input());
    state.apply(T0, event('intermediate', 'PENDING', { instructions: { payUrl: 'https://va.example/page' } }));
    state.chargeCreated(T0, { providerReference: 'ref', instructions: {} });
    assert.deepEqual(state.view().instructions, { payUrl: 'https://va.example/page' });
  });

  it('keeps the instructions the create call returned', () => {
    const { state } = pending();
    const before = state.view().instructions;
    state.apply(T0, event('intermediate', 'PENDING', { instructions: { payUrl: 'https://va.example/page' } }));
    assert.deepEqual(state.view().instructions, before);
  });

  for (const final of ['EXPIRED', 'CANCELLED', 'FAILED'] as const) {
    it(`moves PENDING to ${final} with the provider's words as reason`, () => {
      const { state } = pending();
      state.apply(T0, event('f', final, { reason: 'CHANNEL_DOWN' }));
      assert.equal(state.status, final);
      assert.match(state.statusReason ?? '', /CHANNEL_DOWN/);
    });
  }

  it('ignores a REFUNDED event on an unpaid payment', () => {
    const { state } = pending();
    state.apply(T0, event('r', 'REFUNDED'));
    assert.equal(state.status, 'PENDING');
    assert.equal(lastEntry(state).ignored, true);
  });

  it('ignores an out-of-order PENDING after PAID', () => {
    const { state } = pending();
    state.apply(T0 + 2000, event('paid', 'PAID', { paidAmount: AMOUNT }));
    state.apply(T0 + 3000, event('older-pending', 'PENDING'));
    assert.equal(state.status, 'PAID');
    assert.equal(state.paid, AMOUNT);
    assert.equal(lastEntry(state).ignored, true);
    assert.match(lastEntry(state).detail ?? '', /ignored: payment is PAID/);
  });

  for (const closed of ['SETTLED', 'PARTIALLY_REFUNDED', 'REFUNDED', 'REVIEW_REQUIRED'] as const) {
    it(`a ${closed} payment absorbs later provider events without changing`, () => {
      const state = settled();
      state.setStatus(T0 + 3000, closed, 'workflow');
      const paidBefore = state.paid;
      // A FAILED about a settled payment is a reversal, not absorbed (notification-binding.test.ts).
      const later = closed === 'SETTLED' || closed === 'PARTIALLY_REFUNDED' ? (['EXPIRED', 'CANCELLED', 'PAID', 'PENDING'] as const) : (['FAILED', 'EXPIRED', 'CANCELLED', 'PAID', 'PENDING'] as const);
      for (const [i, status] of later.entries()) {
        state.apply(T0 + 4000 + i, event(`late-${i}`, status, { paidAmount: 1 }));
        assert.equal(state.status, closed);
        assert.equal(lastEntry(state).ignored, true, `${status} event is recorded as ignored`);
      }
      assert.equal(state.paid, paidBefore);
      assert.equal(state.latePayments.length, 0);
    });
  }

  for (const closed of ['EXPIRED', 'CANCELLED', 'FAILED'] as const) {
    it(`a PAID event after ${closed} becomes a late payment, never silently dropped`, () => {
      const { state } = pending();
      state.apply(T0, event('close', closed));
      state.apply(T0 + 1000, event('money', 'PAID', { paidAmount: 99_000 }));
      assert.equal(state.status, closed, 'the status stays; the saga handles the money');
      assert.deepEqual(state.latePayments, [{ amount: 99_000, eventId: 'money' }]);
      assert.equal(lastEntry(state).type, 'late-payment');
      assert.notEqual(lastEntry(state).ignored, true);
      state.apply(T0 + 2000, event('money', 'PAID', { paidAmount: 99_000 }));
      assert.equal(state.latePayments.length, 1, 'a redelivered late payment is queued once');
      state.apply(T0 + 3000, event('money-2', 'PAID'));
      assert.deepEqual(state.latePayments[1], { amount: undefined, eventId: 'money-2' }, 'an amount the provider did not report is not made up');
    });

    it(`other events after ${closed} are ignored`, () => {
      const { state } = pending();
      state.apply(T0, event('close', closed));
      state.apply(T0, event('again', 'FAILED'));
      state.apply(T0, event('pend', 'PENDING'));
      assert.equal(state.status, closed);
      assert.equal(lastEntry(state).ignored, true);
    });
  }
});

describe('PaymentState refunds', () => {
  it('concludes a PENDING refund: success counts it, failure frees the amount and restores SETTLED', () => {
    const state = settled();
    const ok = state.reserveRefund(T0, { refundId: 'a', reason: 'r' }, 'merchant', 40_000);
    state.refundFinished(T0, ok, { providerRefundId: 'p-a', state: 'PENDING' });
    assert.equal(state.refundable, AMOUNT - 40_000);
    state.refundConcluded(T0, ok, { state: 'SUCCEEDED', providerStatus: 'SUCCEEDED' });
    assert.equal(state.refunded, 40_000);
    assert.equal(state.status, 'PARTIALLY_REFUNDED');
    state.refundConcluded(T0, ok, { state: 'FAILED', providerStatus: 'FAILED' });
    assert.equal(ok.state, 'SUCCEEDED', 'a final refund never changes again');

    const other = settled();
    const bad = other.reserveRefund(T0, { refundId: 'b', reason: 'r' }, 'merchant', AMOUNT);
    other.refundFinished(T0, bad, { providerRefundId: 'p-b', state: 'PENDING' });
    other.refundConcluded(T0, bad, { state: 'FAILED', providerStatus: 'FAILED', reason: 'REFUND_FAILED' });
    assert.equal(other.status, 'SETTLED');
    assert.equal(other.refundable, AMOUNT);
    assert.equal(bad.failureReason, 'REFUND_FAILED');
  });

  it('flags late money whose automatic refund fails after being accepted', () => {
    const state = settled();
    const auto = state.reserveRefund(T0, { refundId: 'late', reason: 'late' }, 'auto', 10_000);
    state.refundFinished(T0, auto, { providerRefundId: 'p', state: 'PENDING' });
    state.refundConcluded(T0, auto, { state: 'FAILED', providerStatus: 'FAILED' });
    assert.equal(state.status, 'REVIEW_REQUIRED');
  });

  it('rejects refunds on a method the provider cannot refund, even when settled', () => {
    const state = settled({ refund: 'none', cancel: true });
    assertRejected(() => state.validateRefund({ refundId: 'r1', reason: 'customer asked' }), REJECTION.refundNotSupported);
  });

  for (const status of ['PENDING', 'PAID', 'EXPIRED', 'REFUNDED', 'REVIEW_REQUIRED'] as const) {
    it(`rejects refunds while the payment is ${status}`, () => {
      const { state } = pending();
      if (status !== 'PENDING') state.apply(T0, event('paid', 'PAID', { paidAmount: AMOUNT }));
      state.setStatus(T0, status, 'workflow');
      assertRejected(() => state.validateRefund({ refundId: 'r1', amount: 1000, reason: 'x' }), REJECTION.notRefundable);
    });
  }

  it('rejects an amount above what is refundable', () => {
    const state = settled();
    assertRejected(() => state.validateRefund({ refundId: 'r1', amount: AMOUNT + 1, reason: 'x' }), REJECTION.refundExceedsRefundable);
    assert.equal(state.validateRefund({ refundId: 'r1', amount: AMOUNT, reason: 'x' }), undefined);
  });

  for (const amount of [0, -1, 10.5, Number.NaN]) {
    it(`rejects the amount ${amount}`, () => {
      const state = settled();
      assertRejected(() => state.validateRefund({ refundId: 'r1', amount, reason: 'x' }), REJECTION.invalidAmount);
    });
  }

  it('a full-only provider rejects a partial amount and a second refund, and accepts the whole payment', () => {
    const state = settled({ refund: 'full', cancel: true });
    assertRejected(() => state.validateRefund({ refundId: 'r1', amount: AMOUNT - 1, reason: 'x' }), REJECTION.partialRefundNotSupported);
    assert.equal(state.validateRefund({ refundId: 'r1', reason: 'x' }), undefined, 'omitted amount = everything refundable');
    assert.equal(state.validateRefund({ refundId: 'r1', amount: AMOUNT, reason: 'x' }), undefined);
  });

  it('a full-only provider allows retrying the full refund under a new id after a failed one', () => {
    const state = settled({ refund: 'full', cancel: true });
    const first = state.reserveRefund(T0, { refundId: 'r1', reason: 'x' }, 'merchant', AMOUNT);
    state.refundFinished(T0, first, { failure: 'INSUFFICIENT_BALANCE' });
    assert.equal(state.refundable, AMOUNT);
    assert.equal(state.validateRefund({ refundId: 'r2', amount: AMOUNT, reason: 'x' }), undefined);
  });

  it('checks the reason against the provider list when there is one', () => {
    const state = settled({ refund: 'partial', cancel: true, refundReasons: ['DUPLICATE', 'FRAUDULENT'] });
    assertRejected(() => state.validateRefund({ refundId: 'r1', amount: 1000, reason: 'customer changed mind' }), REJECTION.invalidRefundReason);
    assert.equal(state.validateRefund({ refundId: 'r1', amount: 1000, reason: 'DUPLICATE' }), undefined);
    const free = settled();
    assert.equal(free.validateRefund({ refundId: 'r1', amount: 1000, reason: 'anything at all' }), undefined);
  });

  it('a repeated refund id returns the existing record; another amount under it is a conflict', () => {
    const state = settled();
    const record = state.reserveRefund(T0, { refundId: 'r1', amount: 30_000, reason: 'x' }, 'merchant', 30_000);
    assert.equal(state.validateRefund({ refundId: 'r1', amount: 30_000, reason: 'x' }), record);
    assert.equal(state.validateRefund({ refundId: 'r1', reason: 'x' }), record, 'no amount: a plain retry');
    assertRejected(() => state.validateRefund({ refundId: 'r1', amount: 30_001, reason: 'x' }), REJECTION.idempotencyConflict);
  });

  it('a retried refund id still answers after the payment became REFUNDED', () => {
    const state = settled();
    const record = state.reserveRefund(T0, { refundId: 'r1', reason: 'x' }, 'merchant', AMOUNT);
    state.refundFinished(T0, record, { providerRefundId: 'rfd-1', state: 'SUCCEEDED' });
    assert.equal(state.status, 'REFUNDED');
    assert.equal(state.validateRefund({ refundId: 'r1', reason: 'x' }), record);
  });

  it('reserveRefund takes the amount off refundable at once, so two reservations cannot exceed paid', () => {
    const state = settled();
    state.reserveRefund(T0, { refundId: 'a', amount: 70_000, reason: 'x' }, 'merchant', 70_000);
    assert.equal(state.refundable, 30_000);
    assert.equal(state.refundPending, 70_000);
    assertRejected(() => state.validateRefund({ refundId: 'b', amount: 70_000, reason: 'x' }), REJECTION.refundExceedsRefundable);
    assert.equal(state.validateRefund({ refundId: 'b', amount: 30_000, reason: 'x' }), undefined);
    state.reserveRefund(T0, { refundId: 'b', amount: 30_000, reason: 'x' }, 'merchant', 30_000);
    assert.equal(state.refundable, 0);
    assertRejected(() => state.validateRefund({ refundId: 'c', amount: 1, reason: 'x' }), REJECTION.refundExceedsRefundable);
    assert.deepEqual(state.view().amounts, { expected: AMOUNT, paid: AMOUNT, refunded: 0, refundPending: AMOUNT, refundable: 0 });
  });

  it('refundFinished moves the payment to PARTIALLY_REFUNDED, then REFUNDED', () => {
    const state = settled();
    const a = state.reserveRefund(T0, { refundId: 'a', amount: 40_000, reason: 'x' }, 'merchant', 40_000);
    state.refundFinished(T0 + 1, a, { providerRefundId: 'rfd-a', state: 'SUCCEEDED' });
    assert.equal(state.status, 'PARTIALLY_REFUNDED');
    assert.equal(state.refunded, 40_000);
    assert.equal(state.refundable, 60_000);
    assert.equal(a.providerRefundId, 'rfd-a');

    const b = state.reserveRefund(T0 + 2, { refundId: 'b', reason: 'x' }, 'merchant', state.refundable);
    state.refundFinished(T0 + 3, b, { providerRefundId: 'rfd-b', state: 'SUCCEEDED' });
    assert.equal(state.status, 'REFUNDED');
    assert.equal(state.refunded, AMOUNT);
    assert.equal(state.refundable, 0);
  });

  it('a failed refund releases its reservation and leaves the status alone', () => {
    const state = settled();
    const record = state.reserveRefund(T0, { refundId: 'a', amount: 40_000, reason: 'x' }, 'merchant', 40_000);
    state.refundFinished(T0, record, { failure: 'INELIGIBLE_TRANSACTION' });
    assert.equal(record.state, 'FAILED');
    assert.equal(record.failureReason, 'INELIGIBLE_TRANSACTION');
    assert.equal(state.status, 'SETTLED');
    assert.equal(state.refundable, AMOUNT);
  });

  it('an automatic refund does not move the status (the saga decides)', () => {
    const { state } = pending();
    state.apply(T0, event('exp', 'EXPIRED'));
    state.paid += AMOUNT;
    const record = state.reserveRefund(T0, { refundId: 'late-x', reason: 'late' }, 'auto', AMOUNT);
    state.refundFinished(T0, record, { providerRefundId: 'rfd', state: 'SUCCEEDED' });
    assert.equal(state.status, 'EXPIRED');
  });
});

describe('PaymentState.view', () => {
  it('shows the instructions only while the payment can still be paid', () => {
    const { state } = pending();
    assert.deepEqual(state.view().instructions, { qrString: 'QR-DATA' });
    state.apply(T0, event('paid', 'PAID', { paidAmount: AMOUNT }));
    assert.deepEqual(state.view().instructions, {});
  });

  for (const closed of ['EXPIRED', 'CANCELLED', 'FAILED'] as const) {
    it(`hides the instructions after ${closed}`, () => {
      const { state } = pending();
      state.apply(T0, event('close', closed));
      assert.deepEqual(state.view().instructions, {});
    });
  }

  it('hands out copies: changing a view does not change the state', () => {
    const state = settled();
    state.reserveRefund(T0, { refundId: 'a', amount: 1000, reason: 'x' }, 'merchant', 1000);
    const view = state.view();
    view.refunds[0]!.amount = 999_999;
    view.timeline.length = 0;
    assert.equal(state.refunds[0]!.amount, 1000);
    assert.ok(state.view().timeline.length > 0);
  });
});

describe('PaymentState versions (one per synchronous transition: one write to the record each)', () => {
  it('a charge created (entry + PENDING) and a paid event (entry + PAID) are one version each; entries are all kept', () => {
    const state = new PaymentState(input());
    assert.equal(state.version, 0);
    state.chargeCreated(T0, { providerReference: 'pr-1', instructions: { qrString: 'QR' } });
    assert.equal(state.version, 1);
    assert.deepEqual(
      state.view().timeline.map((e) => e.type),
      ['charge-created', 'status:PENDING'],
    );
    state.apply(T0 + 1000, event('paid-1', 'PAID', { paidAmount: AMOUNT }));
    assert.equal(state.version, 2);
    assert.deepEqual(
      state.entriesFrom(2).map((e) => e.type),
      ['provider-event', 'status:PAID'],
    );
    // A change outside a transition method is a version of its own, as before.
    state.setStatus(T0 + 2000, 'SETTLED', 'workflow');
    assert.equal(state.version, 3);
  });

  it('an event that changes nothing adds no version; a counted duplicate adds one', () => {
    const { state } = pending();
    state.apply(T0 + 1000, event('paid-1', 'PAID', { paidAmount: AMOUNT }));
    const before = state.version;
    state.apply(T0 + 2000, { ...event('paid-1', 'PAID', { paidAmount: AMOUNT }), source: 'poll' });
    assert.equal(state.version, before, 'a poll repeating what it said is not news');
    state.apply(T0 + 3000, event('paid-1', 'PAID', { paidAmount: AMOUNT }));
    assert.equal(state.notifications.duplicates, 1);
    assert.equal(state.version, before + 1);
  });

  it('nested transitions count once, and a throwing one still counts what it changed', () => {
    const state = new PaymentState(input());
    state.asOneVersion(() => {
      state.record(T0, 'workflow', 'a');
      state.asOneVersion(() => state.record(T0, 'workflow', 'b'));
      state.record(T0, 'workflow', 'c');
    });
    assert.equal(state.version, 1);
    assert.throws(() =>
      state.asOneVersion(() => {
        state.record(T0, 'workflow', 'd');
        throw new Error('boom');
      }),
    );
    assert.equal(state.version, 2);
    assert.equal(state.entryCount, 4);
  });
});
