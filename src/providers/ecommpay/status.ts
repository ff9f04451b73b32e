import type { ChargeStatus } from '../../domain/payment.js';
import type { ProviderPayoutState } from '../payout.js';
import { statusMap } from '../lookup.js';

/**
 * The one table: ecommpay `payment.status` (callbacks and status answers) → bayar charge status.
 * Status names: developers.ecommpay.com "Payment and operation statuses"; the same list is in
 * ecommpay's own WooCommerce plugin (common/helpers/EcpGatewayPaymentStatus.php).
 *
 * Only explicit outcomes are final: `success` is paid; `decline` and the error statuses mean this
 * payment will not be paid (money arriving anyway becomes a late payment, never lost). Every
 * "awaiting …", "processing" and "partially paid" state is still in flight, and anything unknown
 * stays PENDING.
 */
const toChargeStatus = statusMap<ChargeStatus>(
  {
    PAID: ['success'],
    FAILED: ['decline', 'error', 'internal error', 'external error'],
    EXPIRED: ['expired'],
    CANCELLED: ['cancelled'],
    // Money went back. Refunds are bayar's refund update's business; this never moves a payment.
    REFUNDED: ['refunded', 'reversed', 'partially refunded', 'partially reversed'],
    PENDING: [
      'processing',
      'external processing',
      'awaiting redirect result',
      'awaiting customer',
      'awaiting customer action',
      'awaiting clarification',
      'awaiting confirmation',
      'awaiting payment',
      'awaiting retry',
      // Part of the money is there; the rest may follow. Only the final status is acted on.
      'partially paid',
    ],
  },
  'PENDING',
);

/**
 * Decline codes that mean "not paid in time" rather than "refused": the 48 h threshold (or the
 * payment's best_before) passed. ecommpay's unified code 20602 is "Time-out: operation was
 * declined due to time-out" (en_platform_payment_info_codes.html); that the threshold decline
 * carries it is not published [?] — see README.md.
 */
const EXPIRY_DECLINE_CODES: ReadonlySet<string> = new Set(['20602']);

export function ecommpayStatusToChargeStatus(paymentStatus: string, operationCode?: string): ChargeStatus {
  const status = toChargeStatus(paymentStatus);
  if (status === 'FAILED' && operationCode !== undefined && EXPIRY_DECLINE_CODES.has(operationCode)) return 'EXPIRED';
  return status;
}

/**
 * A payout's `payment.status` → bayar's payout state. Same status names as for purchases.
 * Only `success` (money sent) and `decline` (refused, nothing sent) are definite. The error
 * statuses are not taken as "nothing was paid out": a wrong FAILED would let the merchant send a
 * second payout, so they stay PENDING — bayar keeps looking and, without a definite answer, puts
 * the payout to review [? whether a payout in `error` / `external error` can still have moved
 * money is not published]. Every other status (processing, awaiting …, unknown) is PENDING too.
 */
export const ecommpayPayoutStatusToState = statusMap<ProviderPayoutState>({ SUCCEEDED: ['success'], FAILED: ['decline'] }, 'PENDING');
