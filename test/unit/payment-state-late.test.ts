// Late money by the provider's clock (PaymentState.isLate): money the provider took after bayar's
// deadline is late money however soon bayar learns of it — during the close's slow cancel or
// final check, or before a late timer fired — and is refunded or sent to a person as after an
// expiry, never settled. Pure: the caller passes `now`, so the clock cases are exact.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ProviderEvent } from '../../src/domain/payment.js';
import { paymentInput } from '../helpers/payment-input.js';
import { PAID_TIME_SLACK_MS, PaymentState } from '../../workflows/payment-state.js';

const T0 = Date.parse('2025-03-01T08:00:00.000Z');
const AMOUNT = 100_000;
/** paymentInput's deadline: an hour after creation. */
const DEADLINE = T0 + 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

function paid(eventId: string, extra: Partial<ProviderEvent> = {}): ProviderEvent {
  return { provider: 'xendit', providerReference: 'pr-1', eventId, source: 'poll', chargeStatus: 'PAID', providerStatus: 'SUCCEEDED', paidAmount: AMOUNT, ...extra };
}

/** A payment waiting for money; `closing` as closeUnpaid leaves it while its cancel and final check run. */
function waiting(closing?: 'EXPIRED' | 'CANCELLED'): PaymentState {
  const state = new PaymentState(paymentInput(T0, AMOUNT, { capabilities: { refund: 'partial', cancel: true } }));
  state.chargeCreated(T0, { providerReference: 'pr-1', instructions: { qrString: 'QR' } });
  if (closing) {
    state.closing = closing;
    state.record(DEADLINE + 100, 'timer', `closing:${closing}`);
  }
  return state;
}

function assertLate(state: PaymentState): void {
  assert.equal(state.status, 'PENDING', 'the close decides the status; the money waits as late money');
  assert.equal(state.paid, 0);
  assert.deepEqual(
    state.latePayments.map((l) => l.amount),
    [AMOUNT],
  );
  const entry = state.view().timeline.at(-1)!;
  assert.equal(entry.type, 'late-payment');
  assert.match(entry.detail ?? '', /after the deadline/);
}

describe('PaymentState: money taken after the deadline is late money', () => {
  it('while closing: paid after the deadline by the provider’s paid time → late, the close still ends EXPIRED', () => {
    const state = waiting('EXPIRED');
    state.apply(DEADLINE + 60_000, paid('final-check:poll:SUCCEEDED:PAID', { paidAt: iso(DEADLINE + 12_000) }));
    assertLate(state);
    assert.match(state.view().timeline.at(-1)!.detail!, new RegExp(iso(DEADLINE + 12_000)));
    state.setStatus(DEADLINE + 60_001, 'EXPIRED', 'timer', 'deadline passed unpaid');
    assert.equal(state.status, 'EXPIRED');
    assert.equal(state.paidAt, undefined);
  });

  it('while closing: paid before the deadline by the provider’s clock → an on-time payment, PAID at the provider’s time', () => {
    const state = waiting('EXPIRED');
    state.apply(DEADLINE + 60_000, paid('final-check:poll:SUCCEEDED:PAID', { paidAt: iso(DEADLINE - 5_000) }));
    assert.equal(state.status, 'PAID');
    assert.equal(state.paid, AMOUNT);
    assert.equal(state.paidAt, iso(DEADLINE - 5_000));
    assert.equal(state.latePayments.length, 0);
  });

  it('the last second before the deadline counts as late (whole-second stamps, clock skew)', () => {
    const stampedInLastSecond = waiting('EXPIRED');
    stampedInLastSecond.apply(DEADLINE + 500, paid('p1', { paidAt: iso(DEADLINE - PAID_TIME_SLACK_MS + 1) }));
    assertLate(stampedInLastSecond);
    const stampedJustBefore = waiting('EXPIRED');
    stampedJustBefore.apply(DEADLINE + 500, paid('p1', { paidAt: iso(DEADLINE - PAID_TIME_SLACK_MS) }));
    assert.equal(stampedJustBefore.status, 'PAID');
  });

  it('a Midtrans stamp truncated to its second still counts as late for money taken after the deadline', () => {
    // Deadline 09:00:00.140; paid at 09:00:00.900, which Midtrans stamps "16:00:00" (WIB): 0.14 s before the deadline.
    const state = new PaymentState(paymentInput(T0, AMOUNT, { expiresAt: iso(DEADLINE + 140) }));
    state.chargeCreated(T0, { providerReference: 'pr-1', instructions: {} });
    state.closing = 'EXPIRED';
    state.apply(DEADLINE + 2_000, paid('m1', { paidAt: iso(Math.floor((DEADLINE + 900) / 1000) * 1000) }));
    assertLate(state);
  });

  it('no paid time published: the time bayar learned of the money decides (before the deadline → on time)', () => {
    const onTime = waiting();
    onTime.apply(DEADLINE - 10_000, paid('w1', { source: 'webhook' }));
    assert.equal(onTime.status, 'PAID');
    assert.equal(onTime.paidAt, iso(DEADLINE - 10_000));
    const duringClose = waiting('EXPIRED');
    duringClose.apply(DEADLINE + 3_000, paid('final-check:poll:SUCCESS:PAID'));
    assertLate(duringClose);
    assert.match(duringClose.view().timeline.at(-1)!.detail!, /no paid time published/);
  });

  it('an unreadable paid time counts as none', () => {
    const state = waiting('EXPIRED');
    state.apply(DEADLINE + 3_000, paid('x1', { paidAt: 'yesterday-ish' }));
    assertLate(state);
  });

  it('not closing yet (the deadline timer fired late): money stamped after the deadline is late too', () => {
    const state = waiting();
    state.apply(DEADLINE + 4_000, paid('w2', { source: 'webhook', paidAt: iso(DEADLINE + 2_000) }));
    assertLate(state);
  });

  it('a merchant’s cancel before the deadline: money paid meanwhile settles as before', () => {
    const state = waiting('CANCELLED');
    state.apply(T0 + 60_000, paid('final-check:poll:SUCCEEDED:PAID', { paidAt: iso(T0 + 59_000) }));
    assert.equal(state.status, 'PAID');
  });

  it('a second report of the same late money is queued once more and handled once (the workflow’s lateHandled)', () => {
    const state = waiting('EXPIRED');
    state.apply(DEADLINE + 20_000, paid('wh-1', { source: 'webhook', paidAt: iso(DEADLINE + 12_000) }));
    state.apply(DEADLINE + 60_000, paid('final-check:poll:SUCCEEDED:PAID', { paidAt: iso(DEADLINE + 12_000) }));
    assert.equal(state.latePayments.length, 2);
    assert.equal(state.status, 'PENDING');
    assert.equal(state.paid, 0);
  });

  it('a close after a create whose answer never came learns the charge from its own final check, so late money is looked for', () => {
    const state = new PaymentState(paymentInput(T0, AMOUNT, { capabilities: { refund: 'partial', cancel: true } }));
    state.closing = 'FAILED';
    state.record(T0 + 60_000, 'workflow', 'create-unknown', 'provider did not answer');
    state.apply(T0 + 61_000, { provider: 'xendit', providerReference: 'pr-found', eventId: 'final-check:poll:PENDING:PENDING', source: 'poll', chargeStatus: 'PENDING', providerStatus: 'PENDING' });
    assert.equal(state.providerReference, 'pr-found');
    assert.equal(state.status, 'CREATED', 'the close decides the status');
    // A notification naming another reference still does not teach it anything.
    const other = new PaymentState(paymentInput(T0, AMOUNT));
    other.closing = 'FAILED';
    other.apply(T0 + 61_000, { provider: 'xendit', providerReference: 'pr-claimed', eventId: 'wh-1', source: 'webhook', chargeStatus: 'EXPIRED', providerStatus: 'EXPIRED' });
    assert.equal(other.providerReference, undefined);
  });

  it('a checkout changing method is not an unpaid close: money on the charge being set aside keeps its old rule', () => {
    const state = waiting();
    state.abandoning = true;
    state.apply(DEADLINE + 2_000, paid('c1', { paidAt: iso(DEADLINE + 1_000) }));
    assert.equal(state.status, 'PAID');
  });
});
