import type { ChargeStatus } from '../../domain/payment.js';

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
