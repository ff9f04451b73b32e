import type { ChargeStatus } from '../../domain/payment.js';

/**
 * The one table: Midtrans transaction_status (refined by fraud_status where it matters) → bayar
 * charge status. Keys are `status` or `status/fraud`; the more specific key wins.
 *
 * Midtrans' rule (after-payment/http-notification.md): a transaction is paid when
 * transaction_status is settlement (or capture, for cards) and fraud_status, if present, is
 * accept. challenge waits for a merchant decision; deny is final. Everything not listed here
 * (authorize, chargeback, anything new) stays PENDING: only an explicit answer is final.
 */
const TABLE: Record<string, ChargeStatus> = {
  pending: 'PENDING',
  settlement: 'PAID',
  'settlement/accept': 'PAID',
  'settlement/challenge': 'PENDING',
  'settlement/deny': 'FAILED',
  capture: 'PAID',
  'capture/accept': 'PAID',
  'capture/challenge': 'PENDING',
  'capture/deny': 'FAILED',
  deny: 'FAILED',
  failure: 'FAILED',
  cancel: 'CANCELLED',
  expire: 'EXPIRED',
  // Money went back, through bayar or Midtrans' dashboard. A notification only wakes the payment;
  // the status look-up's refund_amount / refunds[] say how much (index.ts refundsOf).
  refund: 'REFUNDED',
  partial_refund: 'REFUNDED',
};

export function midtransStatusToChargeStatus(transactionStatus: string, fraudStatus?: string): ChargeStatus {
  // Own keys only: "constructor", "__proto__" or "toString" from the wire must not resolve to
  // Object's members (they would come back as a function, not a charge status).
  const lookup = (key: string) => (Object.hasOwn(TABLE, key) ? TABLE[key] : undefined);
  return (fraudStatus ? lookup(`${transactionStatus}/${fraudStatus}`) : undefined) ?? lookup(transactionStatus) ?? 'PENDING';
}

/** The provider status string bayar shows operators: "settlement" or "capture/challenge". */
export function midtransProviderStatus(transactionStatus: string, fraudStatus?: string): string {
  return fraudStatus && fraudStatus !== 'accept' ? `${transactionStatus}/${fraudStatus}` : transactionStatus;
}
