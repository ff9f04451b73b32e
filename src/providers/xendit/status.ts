import type { ChargeStatus } from '../../domain/payment.js';
import type { ProviderPayoutState } from '../payout.js';
import type { RefundStatus } from '../provider.js';
import { statusMap } from '../lookup.js';

/**
 * The one table: Xendit payment request status → bayar charge status.
 * Default to PENDING; only Xendit's explicit final answers are final.
 */
export const xenditStatusToChargeStatus = statusMap<ChargeStatus>(
  { PENDING: ['PENDING', 'REQUIRES_ACTION', 'AWAITING_CAPTURE', 'UNKNOWN'], PAID: ['SUCCEEDED'], FAILED: ['FAILED'], CANCELLED: ['CANCELED', 'VOIDED'], EXPIRED: ['EXPIRED'] },
  'PENDING',
);

/** Webhook event names → charge status; events not listed here are not about payment state. */
export const xenditEventToChargeStatus = statusMap<ChargeStatus>({
  PAID: ['payment.capture', 'payment.succeeded'],
  FAILED: ['payment.failure', 'payment.failed'],
  EXPIRED: ['payment.expiry', 'payment_request.expiry'],
});

/**
 * Payouts: Xendit payout status → bayar payout state (docs.xendit.co/docs/payout-status-lifecycle).
 * Only the explicit end states are definite. REVERSED (the channel sent the money back after
 * SUCCEEDED, commonly an invalid or dormant account) and CANCELLED leave the money with the
 * merchant, so they count as FAILED: a new attempt would not double-pay. LOCKED, READY and
 * EXPIRED are cash-pickup states, never reached by bank payouts; mapped for completeness.
 */
export const xenditPayoutStatusToPayoutState = statusMap<ProviderPayoutState>(
  {
    PENDING: ['ACCEPTED', 'PENDING_COMPLIANCE_ASSESSMENT', 'REQUESTED', 'READY', 'LOCKED'],
    SUCCEEDED: ['SUCCEEDED'],
    FAILED: ['FAILED', 'CANCELLED', 'REVERSED', 'COMPLIANCE_REJECTED', 'EXPIRED'],
  },
  'PENDING',
);

/**
 * Refunds: Xendit refund status → where bayar's refund stands. SUCCEEDED is the only money-moved
 * state. FAILED, and a refund cancelled before it completed (`POST /refunds/{id}/cancel`,
 * xendit-node refund/apis/Refund.js; spelt CANCELLED, CANCELED accepted too), moved nothing.
 * PENDING, REQUIRES_ACTION and any value Xendit adds later stay PENDING and are looked up again:
 * only an explicit answer is final. xendit-node types the field as a free string
 * (refund/models/RefundCallbackData.ts), so the set is not closed.
 */
export const xenditRefundStatusToRefundState = statusMap<RefundStatus['state']>(
  { SUCCEEDED: ['SUCCEEDED'], FAILED: ['FAILED', 'CANCELLED', 'CANCELED'], PENDING: ['PENDING', 'REQUIRES_ACTION'] },
  'PENDING',
);
