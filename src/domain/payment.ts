// The payment domain, shared by the API, the workflow and the activities.
// This file must stay free of Node built-ins and of any runtime dependency:
// the workflow bundle imports it, and workflow code runs in Temporal's deterministic sandbox.
// The one import below is a type (erased at build): provider names come from the provider list.
import type { ProviderName } from '../providers/index.js';

export const PAYMENT_STATUSES = [
  'CREATED',
  'PENDING',
  'PAID',
  'SETTLED',
  'PARTIALLY_REFUNDED',
  'REFUNDED',
  'EXPIRED',
  'CANCELLED',
  'FAILED',
  // Money arrived but bayar will not settle it on its own: amount mismatch, or a payment
  // that landed after expiry at a provider that cannot refund. An operator decides.
  'REVIEW_REQUIRED',
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** Statuses after which no provider event may move the payment anywhere else. */
export const CLOSED_FOR_PROVIDER_EVENTS: readonly PaymentStatus[] = ['SETTLED', 'PARTIALLY_REFUNDED', 'REFUNDED', 'EXPIRED', 'CANCELLED', 'FAILED', 'REVIEW_REQUIRED'];

export const PAYMENT_METHODS = [
  'VA_BCA',
  'VA_MANDIRI',
  'VA_BNI',
  'VA_BRI',
  'VA_PERMATA',
  'VA_CIMB',
  'VA_DANAMON',
  'VA_MAYBANK',
  'VA_BSI',
  'VA_BNC',
  'VA_SAMPOERNA',
  'VA_SINARMAS',
  'QRIS',
  'EWALLET_OVO',
  'EWALLET_DANA',
  'EWALLET_SHOPEEPAY',
  'EWALLET_LINKAJA',
  'EWALLET_GOPAY',
  'RETAIL_ALFAMART',
  'RETAIL_INDOMARET',
  'PAYLATER_INDODANA',
] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

/**
 * A provider's name: a union of string literals derived from the one provider list
 * (src/providers/index.ts), so adding a provider is one line there. A type only: the workflow
 * bundle imports this file, and it must not load provider code (the import is erased). The names
 * at run time (PROVIDER_NAMES) are exported by src/providers/index.ts.
 */
export type { ProviderName };

/** An amount of Indonesian rupiah. Always a safe, non-negative integer: rupiah have no minor unit in practice. */
export type Rupiah = number;

/** What the customer needs to pay: exactly one of these is usually set. */
export interface PaymentInstructions {
  virtualAccountNumber?: string;
  bankCode?: string;
  qrString?: string;
  payUrl?: string;
  payCode?: string;
  billerCode?: string;
}

/** Where an event that touched a payment came from; shown in the timeline. */
export type EventSource = 'api' | 'webhook' | 'poll' | 'timer' | 'workflow';

/**
 * A provider's statement about a charge, already translated into bayar's vocabulary by the
 * provider's own status table. Webhooks and status polls both produce these, and the workflow
 * applies both through the same transition.
 */
export interface ProviderEvent {
  /**
   * The provider that verified this event (its signature, token or our own authenticated call).
   * The workflow applies an event only when this is the provider that holds the payment.
   */
  provider: ProviderName;
  /**
   * The provider's own dedupe key (notification id), or a key derived from the event's content.
   * Built only from fields the provider's scheme verifies, so a replayed copy cannot be renamed.
   */
  eventId: string;
  source: 'webhook' | 'poll';
  /**
   * Set by adapters whose scheme does not sign the body (Xendit's static token, Indodana's
   * key:nonce header): what the notification claims proves nothing, so it only wakes the
   * payment, which asks the provider's status API and applies that answer instead.
   */
  wakeOnly?: boolean;
  /** PENDING means "nothing final yet"; only an explicit provider answer is ever final. */
  chargeStatus: ChargeStatus;
  paidAmount?: Rupiah;
  /**
   * The provider's own identifier of the charge, in the same terms createCharge answered with,
   * taken only from verified fields. Once a payment knows its reference, a notification that
   * does not name it is refused.
   */
  providerReference?: string;
  /** Provider's own status string, kept for operators. */
  providerStatus: string;
  reason?: string;
  occurredAt?: string;
  /**
   * When the provider took the money, by the provider's own clock, as its status answer or signed
   * notification publishes it (ISO 8601, UTC). Only on a PAID event, and only where the provider
   * publishes such a time (each adapter's status mapping cites the field). Decides whether money
   * that bayar learns of while closing the payment is on time or late (PaymentState.isLate).
   */
  paidAt?: string;
  /**
   * How to pay, when the provider only tells it after the create call answered (ecommpay's
   * intermediate callback carries the VA page). Applied once, to a payment still waiting.
   */
  instructions?: PaymentInstructions;
  /**
   * What the provider says was refunded on this charge, from a verified source only (bayar's
   * own status look-up, or a notification whose signature covers the amounts). Refunds made
   * at the provider without bayar (its dashboard) are counted from this; see PaymentState.
   */
  providerRefunds?: ProviderRefunds;
}

/** The refunds a provider reports on one charge: its running total, and each refund where it lists them. */
export interface ProviderRefunds {
  total: Rupiah;
  refunds?: { providerRefundId: string; amount: Rupiah }[];
}

export type ChargeStatus = 'PENDING' | 'PAID' | 'EXPIRED' | 'CANCELLED' | 'FAILED' | 'REFUNDED';

export interface TimelineEntry {
  at: string;
  source: EventSource;
  type: string;
  detail?: string;
  /** Set when the entry was recorded but deliberately not applied (duplicate, late, stale). */
  ignored?: boolean;
}

export type RefundState = 'PENDING' | 'SUCCEEDED' | 'FAILED';

export interface RefundRecord {
  refundId: string;
  amount: Rupiah;
  reason: string;
  state: RefundState;
  /**
   * Automatic refunds (a payment that landed after expiry) have origin 'auto'; refunds the
   * provider reports that bayar did not make (its dashboard) have origin 'provider'.
   */
  origin: 'merchant' | 'auto' | 'provider';
  providerRefundId?: string;
  failureReason?: string;
  requestedAt: string;
}

export interface PaymentView {
  id: string;
  merchantId: string;
  merchantReference: string;
  provider: ProviderName;
  method: PaymentMethod;
  currency: 'IDR';
  status: PaymentStatus;
  statusReason?: string;
  amounts: {
    expected: Rupiah;
    paid: Rupiah;
    refunded: Rupiah;
    /** Refunds accepted but not finished yet; already subtracted from refundable. */
    refundPending: Rupiah;
    refundable: Rupiah;
  };
  instructions: PaymentInstructions;
  providerReference?: string;
  expiresAt: string;
  createdAt: string;
  paidAt?: string;
  settledAt?: string;
  refunds: RefundRecord[];
  timeline: TimelineEntry[];
  merchantNotified: boolean;
  /**
   * Notifications counted instead of written to the timeline, so replays and forgeries cannot
   * grow it: copies of an event already applied, events refused because they are not bound to
   * this payment (another provider, another charge reference), and unsigned notifications that
   * only woke the payment for a status check.
   */
  notifications: { duplicates: number; refused: number; wakeUps: number };
  /** Set on payments created through POST /v1/checkouts (the hosted checkout page). */
  checkout?: CheckoutView;
}

/**
 * A hosted checkout's side of its payment. Until the customer picks a method the payment is
 * CREATED with `awaitingMethod` true, and its `method` / `provider` are only the first offered
 * method's route (provisional); the choice makes them real and creates the charge.
 */
export interface CheckoutView {
  awaitingMethod: boolean;
  /** The methods the page offers (those the amount fits at a configured provider). */
  methods: PaymentMethod[];
  /** Method changes after the first choice, and how many are allowed. */
  methodChanges: number;
  maxMethodChanges: number;
  /** Charges given up when the customer changed method: cancelled at their provider. */
  abandonedCharges: AbandonedCharge[];
  /** Where the page sends the customer when the payment is done (the merchant's). */
  returnUrl?: string;
}

export interface AbandonedCharge {
  provider: ProviderName;
  method: PaymentMethod;
  /** The id the provider knows the charge by (the payment id, or `<payment id>-c<n>`). */
  chargeId: string;
  providerReference: string;
  /** Whether that provider can refund money that still lands on it (late money). */
  refundable: boolean;
  at: string;
}

/**
 * The payment a provider-side charge id belongs to. A checkout whose customer changes method
 * makes a new charge under `<payment id>-c<n>` (providers refuse an order id twice); any other
 * id is returned unchanged (and then checked as a payment id by the caller).
 */
export function paymentIdOfCharge(chargeId: string): string {
  const m = /^(pay_[0-9a-f]{24})-c[1-9]$/.exec(chargeId);
  return m ? m[1]! : chargeId;
}

/** A payment's view without its timeline: what each write to the record carries besides the new entries. */
export type PaymentSummary = Omit<PaymentView, 'timeline'>;
