// Refunds a provider reports that bayar did not make (its dashboard), issue #12 item 5: counted
// once, amounts as the provider reports them, never past what was paid. PaymentState is pure,
// so the rules are driven directly, including a property over random report sequences.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ChargeStatus, ProviderEvent, ProviderRefunds } from '../../src/domain/payment.js';
import { paymentInput } from '../helpers/payment-input.js';
import type { PaymentWorkflowInput } from '../../workflows/definitions.js';
import { PaymentState } from '../../workflows/payment-state.js';

const T0 = Date.parse('2026-12-01T08:00:00.000Z');
const AMOUNT = 100_000;

function input(): PaymentWorkflowInput {
  return paymentInput(T0, AMOUNT, { provider: 'midtrans' });
}

/** What bayar's own status look-up answers once the provider lists refunds. */
function report(total: number, refunds?: ProviderRefunds['refunds'], chargeStatus: ChargeStatus = 'REFUNDED'): ProviderEvent {
  return {
    provider: 'midtrans',
    eventId: `final-check:poll:refund:${chargeStatus}:refunded=${total}`,
    source: 'poll',
    chargeStatus,
    providerStatus: total >= AMOUNT ? 'refund' : 'partial_refund',
    providerReference: 'tx-1',
    providerRefunds: { total, ...(refunds ? { refunds } : {}) },
  };
}

function settled(): PaymentState {
  const state = new PaymentState(input());
  state.chargeCreated(T0, { providerReference: 'tx-1', instructions: {} });
  state.apply(T0 + 1, { provider: 'midtrans', eventId: 'paid', source: 'webhook', chargeStatus: 'PAID', providerStatus: 'settlement', paidAmount: AMOUNT, providerReference: 'tx-1' });
  state.setStatus(T0 + 2, 'SETTLED', 'workflow');
  return state;
}

const amounts = (s: PaymentState) => s.view().amounts;

describe('refunds made at the provider, not through bayar', () => {
  it('a partial dashboard refund, then the rest: PARTIALLY_REFUNDED, then REFUNDED, one record and one notice each', () => {
    const state = settled();
    const versionBefore = state.version;
    state.apply(T0 + 10, report(30_000, [{ providerRefundId: '7', amount: 30_000 }]));
    assert.equal(state.status, 'PARTIALLY_REFUNDED');
    assert.deepEqual({ refunded: amounts(state).refunded, refundable: amounts(state).refundable }, { refunded: 30_000, refundable: 70_000 });
    assert.ok(state.version > versionBefore, 'the view changed, so the record must be written again');
    const first = state.refunds[0]!;
    assert.deepEqual(
      { refundId: first.refundId, origin: first.origin, state: first.state, amount: first.amount, providerRefundId: first.providerRefundId },
      { refundId: 'provider:7', origin: 'provider', state: 'SUCCEEDED', amount: 30_000, providerRefundId: '7' },
    );
    assert.deepEqual(
      state.providerRefundsToNotify.splice(0).map((r) => r.refundId),
      ['provider:7'],
    );

    state.apply(
      T0 + 20,
      report(AMOUNT, [
        { providerRefundId: '7', amount: 30_000 },
        { providerRefundId: '8', amount: 70_000 },
      ]),
    );
    assert.equal(state.status, 'REFUNDED');
    assert.deepEqual({ refunded: amounts(state).refunded, refundable: amounts(state).refundable }, { refunded: AMOUNT, refundable: 0 });
    assert.deepEqual(
      state.refunds.map((r) => [r.refundId, r.amount]),
      [
        ['provider:7', 30_000],
        ['provider:8', 70_000],
      ],
    );
    assert.deepEqual(
      state.providerRefundsToNotify.map((r) => r.refundId),
      ['provider:8'],
      'refund.succeeded once per refund',
    );
  });

  it('the same report twice (a notification and a look-up, or a redelivery) is counted once', () => {
    const state = settled();
    state.apply(T0 + 10, report(40_000));
    // Same figures under another event id: the look-up after a second notification.
    state.apply(T0 + 20, { ...report(40_000), eventId: 'another-look-up' });
    state.apply(T0 + 30, report(40_000));
    assert.equal(amounts(state).refunded, 40_000);
    assert.equal(state.refunds.length, 1);
    assert.equal(state.refunds[0]!.refundId, 'provider:total-40000', 'without refund ids, named by the total that revealed it');
    assert.equal(state.status, 'PARTIALLY_REFUNDED');
  });

  it('a refund bayar made, reported back by the provider, is not counted twice (by id or by total)', () => {
    const state = settled();
    const ours = state.reserveRefund(T0 + 5, { refundId: 'r-1', reason: 'customer' }, 'merchant', 25_000);
    // The provider's notification overtakes the refund call's answer: still PENDING here.
    state.apply(T0 + 6, report(25_000, [{ providerRefundId: '11', amount: 25_000 }]));
    assert.equal(state.refunds.length, 1, 'matched by the total while bayar has no provider id yet');
    state.refundFinished(T0 + 7, ours, { providerRefundId: '11', state: 'SUCCEEDED' });
    assert.equal(state.status, 'PARTIALLY_REFUNDED');
    // A dashboard refund next to it: only the unknown id is new.
    state.apply(
      T0 + 8,
      report(35_000, [
        { providerRefundId: '11', amount: 25_000 },
        { providerRefundId: '12', amount: 10_000 },
      ]),
    );
    assert.deepEqual(
      state.refunds.map((r) => [r.refundId, r.origin, r.amount]),
      [
        ['r-1', 'merchant', 25_000],
        ['provider:12', 'provider', 10_000],
      ],
    );
    assert.equal(amounts(state).refunded, 35_000);
    assert.equal(amounts(state).refundable, 65_000);
  });

  it('a provider reporting more refunded than was paid sends the payment to review; refundable never goes negative', () => {
    const state = settled();
    state.apply(T0 + 10, report(20_000));
    state.apply(T0 + 20, report(AMOUNT + 1));
    assert.equal(state.status, 'REVIEW_REQUIRED');
    assert.match(state.statusReason ?? '', /^PROVIDER_OVER_REFUND: /);
    assert.equal(state.reviewToNotify, true);
    assert.equal(amounts(state).refunded, 20_000, 'the impossible figure is not booked');
    assert.equal(amounts(state).refundable, 0);
  });

  it('a report while the payment is PAID is counted; the status follows once it settles', () => {
    const state = new PaymentState(input());
    state.chargeCreated(T0, { providerReference: 'tx-1', instructions: {} });
    state.apply(T0 + 1, { provider: 'midtrans', eventId: 'paid', source: 'webhook', chargeStatus: 'PAID', providerStatus: 'settlement', paidAmount: AMOUNT, providerReference: 'tx-1' });
    state.apply(T0 + 2, report(10_000));
    assert.equal(state.status, 'PAID');
    state.setStatus(T0 + 3, 'SETTLED', 'workflow');
    state.followRefunds(T0 + 3, 'workflow');
    assert.equal(state.status, 'PARTIALLY_REFUNDED');
    assert.equal(amounts(state).refundable, 90_000);
  });

  it("an unpaid payment ignores refund reports, and another provider's report is refused", () => {
    const state = new PaymentState(input());
    state.chargeCreated(T0, { providerReference: 'tx-1', instructions: {} });
    state.apply(T0 + 1, report(10_000));
    assert.equal(state.status, 'PENDING');
    assert.equal(state.refunds.length, 0);
    const paid = settled();
    paid.apply(T0 + 10, { ...report(10_000), provider: 'xendit' });
    assert.equal(paid.refunds.length, 0);
    assert.equal(paid.notifications.refused, 1);
  });

  it('an unsigned (wake-only) refund notice moves no money: it only asks for a look-up; a repeated "paid" asks for none', () => {
    const state = settled();
    const notice = (eventId: string, chargeStatus: ChargeStatus): ProviderEvent => ({
      provider: 'midtrans',
      eventId,
      source: 'webhook',
      wakeOnly: true,
      chargeStatus,
      providerStatus: 'refund',
      providerReference: 'tx-1',
      // Whatever it claims, nothing in it is applied.
      providerRefunds: { total: 99_000 },
    });
    state.apply(T0 + 10, notice('paid-again', 'PAID'));
    assert.equal(state.takeRefundClaim(), false, 'a repeated paid notice is no refund claim');
    state.takeWake();
    state.apply(T0 + 20, notice('refund-claim', 'REFUNDED'));
    assert.equal(state.refunds.length, 0);
    assert.equal(amounts(state).refunded, 0);
    assert.equal(state.notifications.wakeUps, 2);
    assert.equal(state.takeRefundClaim(), true);
    assert.equal(state.takeWake(), true);
  });

  it('property: whatever the order and repetition of reports, refunded is the highest total reported (≤ paid), never double-counted', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: AMOUNT }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat({ max: 7 }), { maxLength: 12 }),
        fc.option(fc.integer({ min: 1, max: AMOUNT }), { nil: undefined }),
        (totals, replays, ownRefund) => {
          const state = settled();
          if (ownRefund !== undefined) {
            const r = state.reserveRefund(T0 + 3, { refundId: 'own', reason: 'r' }, 'merchant', ownRefund);
            state.refundFinished(T0 + 4, r, { providerRefundId: 'own-1', state: 'SUCCEEDED' });
          }
          // A provider's total only grows: what it reports is the running maximum.
          const running = totals.map((_, i) => Math.max(ownRefund ?? 0, ...totals.slice(0, i + 1)));
          const sequence = [...running, ...replays.map((i) => running[i % running.length]!)];
          sequence.forEach((total, i) => state.apply(T0 + 10 + i, { ...report(total), eventId: `e-${i}` }));
          const expected = Math.max(ownRefund ?? 0, ...running);
          const a = amounts(state);
          assert.equal(a.refunded, expected);
          assert.equal(a.refundable, AMOUNT - expected);
          assert.ok(a.refundable >= 0);
          assert.equal(new Set(state.refunds.map((r) => r.refundId)).size, state.refunds.length, 'refund ids (and so event ids) are unique');
          if (expected === 0) assert.equal(state.status, 'SETTLED');
          else assert.equal(state.status, expected >= AMOUNT ? 'REFUNDED' : 'PARTIALLY_REFUNDED');
        },
      ),
      { numRuns: 300 },
    );
  });
});
