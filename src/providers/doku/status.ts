import type { ChargeStatus } from '../../domain/payment.js';

/**
 * The one table: DOKU Non-SNAP `transaction.status` (check status API and notifications) → bayar
 * charge status (developers.doku.com, Check Status API — Non-SNAP, "Transaction Status Mapping").
 *
 * SUCCESS, EXPIRED and REFUNDED are final at DOKU. FAILED is listed as not final there, with the
 * merchant action "generate new payment request": this charge will not be paid, so bayar ends it
 * (money arriving afterwards still becomes a late payment, never lost). TIMEOUT (e-money: check
 * again) and REDIRECT (cards: waiting for the acquirer) are "not yet". Anything else stays
 * PENDING: only an explicit answer is final.
 */
const TABLE: Record<string, ChargeStatus> = {
  PENDING: 'PENDING',
  SUCCESS: 'PAID',
  FAILED: 'FAILED',
  EXPIRED: 'EXPIRED',
  // Money went back. Refunds are driven by bayar's refund update; this never moves a payment.
  REFUNDED: 'REFUNDED',
  TIMEOUT: 'PENDING',
  REDIRECT: 'PENDING',
};

export function dokuStatusToChargeStatus(status: string): ChargeStatus {
  // Own keys only: "constructor" or "__proto__" from the wire must not resolve to Object's members.
  return Object.hasOwn(TABLE, status) ? TABLE[status]! : 'PENDING';
}
