import type { ChargeStatus } from '../../domain/payment.js';
import { statusMap } from '../lookup.js';

/**
 * The one table: Midtrans transaction_status (refined by fraud_status where it matters) → bayar
 * charge status. Keys are `status` or `status/fraud`; the more specific key wins.
 *
 * Midtrans' rule (after-payment/http-notification.md): a transaction is paid when
 * transaction_status is settlement (or capture, for cards) and fraud_status, if present, is
 * accept. challenge waits for a merchant decision; deny is final. Everything not listed here
 * (authorize, chargeback, anything new) stays PENDING: only an explicit answer is final.
 */
const lookup = statusMap<ChargeStatus>({
  PENDING: ['pending', 'settlement/challenge', 'capture/challenge'],
  PAID: ['settlement', 'settlement/accept', 'capture', 'capture/accept'],
  FAILED: ['settlement/deny', 'capture/deny', 'deny', 'failure'],
  CANCELLED: ['cancel'],
  EXPIRED: ['expire'],
  // Money went back, through bayar or Midtrans' dashboard. A notification only wakes the payment;
  // the status look-up's refund_amount / refunds[] say how much (index.ts refundsOf).
  REFUNDED: ['refund', 'partial_refund'],
});

export function midtransStatusToChargeStatus(transactionStatus: string, fraudStatus?: string): ChargeStatus {
  return (fraudStatus ? lookup(`${transactionStatus}/${fraudStatus}`) : undefined) ?? lookup(transactionStatus) ?? 'PENDING';
}

/** The provider status string bayar shows operators: "settlement" or "capture/challenge". */
export function midtransProviderStatus(transactionStatus: string, fraudStatus?: string): string {
  return fraudStatus && fraudStatus !== 'accept' ? `${transactionStatus}/${fraudStatus}` : transactionStatus;
}
