import type { ChargeStatus } from '../../domain/payment.js';
import type { ProviderPayoutState } from '../payout.js';
import { statusMap } from '../lookup.js';

/**
 * The one table: the platform's order status (ORDER_QUERY answers) → bayar charge status.
 * Seed 003 "Transaction status description": INIT_ORDER (created), NO_PAY / OPEN_PAY_URL (waiting
 * for the customer), SUCCESS — "only when the order status is SUCCESS" is it paid — and PAY_CANCEL
 * (cancelled; for an order that had been paid it means the money went back). The query page adds
 * PAY_ERROR ("failed to pay due to an error"). Anything else stays PENDING: only an explicit
 * answer is final. PAY_CANCEL after a payment cannot move bayar back: a paid payment is closed
 * to provider events.
 */
export const aggregatorStatusToChargeStatus = statusMap<ChargeStatus>(
  { PENDING: ['INIT_ORDER', 'NO_PAY', 'OPEN_PAY_URL'], PAID: ['SUCCESS'], CANCELLED: ['PAY_CANCEL'], FAILED: ['PAY_ERROR'] },
  'PENDING',
);

/**
 * Disbursements (CASH_QUERY `status` and the disbursement callback): "2 means payment is
 * successful; 3 and 4 mean payment failure; other means that the order is being processed and you
 * need to continue to query later" (seed 003). The query page names them: 0 new, 1 and 5
 * processing, 2 success, 3 cancelled, 4 failed.
 */
export const aggregatorPayoutStatusToState = statusMap<ProviderPayoutState>({ SUCCEEDED: ['2'], FAILED: ['3', '4'] }, 'PENDING');
