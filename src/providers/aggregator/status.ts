import type { ChargeStatus } from '../../domain/payment.js';
import type { ProviderPayoutState } from '../payout.js';

/**
 * The one table: the platform's order status (ORDER_QUERY answers) → bayar charge status.
 * Seed 003 "Transaction status description": INIT_ORDER (created), NO_PAY / OPEN_PAY_URL (waiting
 * for the customer), SUCCESS — "only when the order status is SUCCESS" is it paid — and PAY_CANCEL
 * (cancelled; for an order that had been paid it means the money went back). The query page adds
 * PAY_ERROR ("failed to pay due to an error"). Anything else stays PENDING: only an explicit
 * answer is final. PAY_CANCEL after a payment cannot move bayar back: a paid payment is closed
 * to provider events.
 */
const TABLE: Record<string, ChargeStatus> = {
  INIT_ORDER: 'PENDING',
  NO_PAY: 'PENDING',
  OPEN_PAY_URL: 'PENDING',
  SUCCESS: 'PAID',
  PAY_CANCEL: 'CANCELLED',
  PAY_ERROR: 'FAILED',
};

export function aggregatorStatusToChargeStatus(status: string): ChargeStatus {
  // Own keys only: "constructor" or "__proto__" from the wire must not resolve to Object's members.
  return Object.hasOwn(TABLE, status) ? TABLE[status]! : 'PENDING';
}

/**
 * Disbursements (CASH_QUERY `status` and the disbursement callback): "2 means payment is
 * successful; 3 and 4 mean payment failure; other means that the order is being processed and you
 * need to continue to query later" (seed 003). The query page names them: 0 new, 1 and 5
 * processing, 2 success, 3 cancelled, 4 failed.
 */
const PAYOUT_TABLE: Record<string, ProviderPayoutState> = {
  '2': 'SUCCEEDED',
  '3': 'FAILED',
  '4': 'FAILED',
};

export function aggregatorPayoutStatusToState(status: string): ProviderPayoutState {
  return Object.hasOwn(PAYOUT_TABLE, status) ? PAYOUT_TABLE[status]! : 'PENDING';
}
