// The API's problem codes for the workflows' typed rejections are a contract with merchants: the
// tables derived by rejectionStatus() must say exactly what the written-out tables said before.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { REJECTION_STATUS as PAYMENT_STATUS } from '../../src/payments/payments.service.js';
import { REJECTION_STATUS as PAYOUT_STATUS } from '../../src/payouts/payouts.service.js';

describe('rejection → problem code', () => {
  it('payments', () => {
    assert.deepEqual(PAYMENT_STATUS, {
      IdempotencyConflict: [409, 'IDEMPOTENCY_CONFLICT'],
      NotCancellable: [409, 'NOT_CANCELLABLE'],
      NotRefundable: [409, 'NOT_REFUNDABLE'],
      RefundNotSupported: [422, 'REFUND_NOT_SUPPORTED'],
      PartialRefundNotSupported: [422, 'PARTIAL_REFUND_NOT_SUPPORTED'],
      RefundExceedsRefundable: [422, 'REFUND_EXCEEDS_REFUNDABLE'],
      InvalidRefundReason: [422, 'INVALID_REFUND_REASON'],
      InvalidAmount: [422, 'INVALID_AMOUNT'],
      RefundFailed: [502, 'REFUND_FAILED'],
      NotACheckout: [404, 'CHECKOUT_NOT_FOUND'],
      MethodNotOffered: [422, 'METHOD_NOT_OFFERED'],
      MethodChangesExhausted: [429, 'METHOD_CHANGES_EXHAUSTED'],
      NotAwaitingPayment: [409, 'CHECKOUT_CLOSED'],
    });
  });

  it('payouts', () => {
    assert.deepEqual(PAYOUT_STATUS, {
      IdempotencyConflict: [409, 'IDEMPOTENCY_CONFLICT'],
      PayoutNotRetryable: [409, 'PAYOUT_NOT_RETRYABLE'],
      PayoutTooManyAttempts: [409, 'TOO_MANY_ATTEMPTS'],
      PayoutNotInReview: [409, 'PAYOUT_NOT_IN_REVIEW'],
      PayoutClosed: [409, 'PAYOUT_CLOSED'],
    });
  });
});
