import type { ChargeStatus } from '../../domain/payment.js';
import type { ProviderPayoutState } from '../payout.js';
import type { RefundStatus } from '../provider.js';

/**
 * The one table: Xendit payment request status → bayar charge status.
 * Default to PENDING; only Xendit's explicit final answers are final.
 */
const TABLE: Record<string, ChargeStatus> = {
  PENDING: 'PENDING',
  REQUIRES_ACTION: 'PENDING',
  AWAITING_CAPTURE: 'PENDING',
  UNKNOWN: 'PENDING',
  SUCCEEDED: 'PAID',
  FAILED: 'FAILED',
  CANCELED: 'CANCELLED',
  VOIDED: 'CANCELLED',
  EXPIRED: 'EXPIRED',
};

export function xenditStatusToChargeStatus(status: string): ChargeStatus {
  // Own keys only: "constructor" or "__proto__" from the wire must not resolve to Object's members.
  return Object.hasOwn(TABLE, status) ? TABLE[status]! : 'PENDING';
}

/** Webhook event names → charge status; events not listed here are not about payment state. */
const EVENTS: Record<string, ChargeStatus> = {
  'payment.capture': 'PAID',
  'payment.succeeded': 'PAID',
  'payment.failure': 'FAILED',
  'payment.failed': 'FAILED',
  'payment.expiry': 'EXPIRED',
  'payment_request.expiry': 'EXPIRED',
};

export function xenditEventToChargeStatus(event: string): ChargeStatus | undefined {
  return Object.hasOwn(EVENTS, event) ? EVENTS[event] : undefined;
}

/**
 * Payouts: Xendit payout status → bayar payout state (docs.xendit.co/docs/payout-status-lifecycle).
 * Only the explicit end states are definite. REVERSED (the channel sent the money back after
 * SUCCEEDED, commonly an invalid or dormant account) and CANCELLED leave the money with the
 * merchant, so they count as FAILED: a new attempt would not double-pay. LOCKED, READY and
 * EXPIRED are cash-pickup states, never reached by bank payouts; mapped for completeness.
 */
const PAYOUT_TABLE: Record<string, ProviderPayoutState> = {
  ACCEPTED: 'PENDING',
  PENDING_COMPLIANCE_ASSESSMENT: 'PENDING',
  REQUESTED: 'PENDING',
  READY: 'PENDING',
  LOCKED: 'PENDING',
  SUCCEEDED: 'SUCCEEDED',
  FAILED: 'FAILED',
  CANCELLED: 'FAILED',
  REVERSED: 'FAILED',
  COMPLIANCE_REJECTED: 'FAILED',
  EXPIRED: 'FAILED',
};

export function xenditPayoutStatusToPayoutState(status: string): ProviderPayoutState {
  return Object.hasOwn(PAYOUT_TABLE, status) ? PAYOUT_TABLE[status]! : 'PENDING';
}

/**
 * Refunds: Xendit refund status → where bayar's refund stands. SUCCEEDED is the only money-moved
 * state. FAILED, and a refund cancelled before it completed (`POST /refunds/{id}/cancel`,
 * xendit-node refund/apis/Refund.js; spelt CANCELLED, CANCELED accepted too), moved nothing.
 * PENDING, REQUIRES_ACTION and any value Xendit adds later stay PENDING and are looked up again:
 * only an explicit answer is final. xendit-node types the field as a free string
 * (refund/models/RefundCallbackData.ts), so the set is not closed.
 */
const REFUND_TABLE: Record<string, RefundStatus['state']> = {
  SUCCEEDED: 'SUCCEEDED',
  FAILED: 'FAILED',
  CANCELLED: 'FAILED',
  CANCELED: 'FAILED',
  PENDING: 'PENDING',
  REQUIRES_ACTION: 'PENDING',
};

export function xenditRefundStatusToRefundState(status: string): RefundStatus['state'] {
  return Object.hasOwn(REFUND_TABLE, status) ? REFUND_TABLE[status]! : 'PENDING';
}
