import type { ProviderCapabilities } from '../provider.js';

/**
 * Every Indodana path bayar calls or simulates, relative to the base URL
 * (`https://api.indodanafinance.co.id/chermes/merchant` in Indodana's QRIS reference).
 */
export const INDODANA_PATHS = {
  /** Published: QRIS API Integration, "Purchase Transaction Checkout" (POST, v3 with X-User-Token). */
  checkout: '/v3/checkout_url',
  /** Published: QRIS Transaction API, "QRIS Check Transaction Status" (GET, query merchantOrderId). */
  checkStatus: '/v1/transactions/qris/check_status',
  /** Published: QRIS Transaction API, "QRIS Transaction Metadata Callback" (merchant partner → Indodana; bayar never sends it). */
  metadata: '/v1/transactions/qris/metadata',
  /**
   * Not published for QRIS [?]. The QRIS API "complements the Online Transaction API and shares
   * its base URL and authentication", whose cancellation is POST /v3/order_cancellation
   * (indodana-paylater-sdk-php). Default for INDODANA_REFUND_PATH; see README.md.
   */
  defaultRefund: '/v3/order_cancellation',
} as const;

/** The cancellation reasons Indodana accepts (seed 001), spelled as published. */
export const INDODANA_REFUND_REASONS = ['Expired', 'Out of Stock', 'Items Returned', 'Others'] as const;
export type IndodanaRefundReason = (typeof INDODANA_REFUND_REASONS)[number];

/** "Others — any other reason beside the three above" (seed 001). */
export const OTHER_REASON: IndodanaRefundReason = 'Others';

export function isIndodanaRefundReason(reason: string): reason is IndodanaRefundReason {
  return (INDODANA_REFUND_REASONS as readonly string[]).includes(reason);
}

/**
 * bayar's payment id is `pay_` + 24 hex digits (28 characters). Indodana's merchantOrderId holds
 * at most 32 (Online Transaction API, <Transaction>); the order id is the payment id without its
 * `pay_` prefix: the 24 hex digits, nothing lost, and the same ids as before this adapter
 * created payments at Indodana.
 */
const PAYMENT_ID = /^pay_([0-9a-f]{24}(?:-c[1-9])?)$/;
// A checkout's later charge (`<payment id>-c<n>`) keeps its suffix: 27 characters, within 32.
const ORDER_ID = /^[0-9a-f]{24}(?:-c[1-9])?$/;

export function indodanaOrderId(paymentId: string): string {
  const m = PAYMENT_ID.exec(paymentId);
  if (!m) throw new Error(`not a bayar payment id: ${paymentId.slice(0, 40)}`);
  return m[1]!;
}

/** The payment id a merchantOrderId stands for; the order id itself when it is not one of ours. */
export function paymentIdFromOrderId(merchantOrderId: string): string {
  return ORDER_ID.test(merchantOrderId) ? `pay_${merchantOrderId}` : merchantOrderId;
}

/** Indodana accepts a cancellation within 30 calendar days of the transaction (Merchant Operations, "Getting Paid"). */
export const INDODANA_CANCELLATION_WINDOW_DAYS = 30;

export const indodanaCapabilities: ProviderCapabilities = {
  // Cancellation refundId: a string in Indodana's sample (egg-/indodana test/fixtures/cancellation.json)
  // with no published length; 64 characters of [A-Za-z0-9_-] like every other provider.
  refundKey: { maxLength: 64 },
  methods: ['QRIS'],
  // Full and partial cancellation of a paid transaction (seed 001).
  refunds: { QRIS: 'partial' },
  // No published way to close an open checkout, and Indodana's cancellation API is for completed
  // transactions only. The checkout carries bayar's deadline; then one final status check.
  cancel: false,
  // QRIS's per-transaction ceiling (IDR 10,000,000; Bank Indonesia, as Xendit's QRIS channel
  // page states it). The customer's Indodana credit limit may be lower; Indodana enforces that.
  amount: { min: 1, max: 10_000_000 },
  // bayar's deadline, sent to Indodana as expirationAt. 15 minutes by default, as QRIS payments
  // are made on the spot (Midtrans' QRIS default is the same).
  expirySeconds: { min: 1, max: 60 * 60 * 24 * 7, default: 15 * 60 },
  refundReasons: INDODANA_REFUND_REASONS,
};
