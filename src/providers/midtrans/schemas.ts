// Wire shapes of Midtrans' Core API (/v2/charge, /v2/{id}/status, cancel/expire, refund) and of its
// HTTP notifications, plus the two wire formats it uses for money and time. Shared by the adapter
// and the local sandbox. Midtrans says to parse notifications non-strictly (new fields appear), so
// response and notification objects are loose.
import { z } from 'zod';

// ---- wire formats ----

/** Midtrans answers amounts as strings with two decimals: "44000.00". IDR has no minor unit here. */
export function formatGrossAmount(rupiah: number): string {
  return `${rupiah}.00`;
}

/** "44000.00" → 44000; undefined for anything that is not a whole number of rupiah. */
export function parseGrossAmount(text: string): number | undefined {
  const m = /^(\d{1,15})(?:\.(\d{1,2}))?$/.exec(text);
  if (!m || (m[2] !== undefined && !/^0+$/.test(m[2]))) return undefined;
  const value = Number(m[1]);
  return Number.isSafeInteger(value) ? value : undefined;
}

const WIB_OFFSET_MS = 7 * 60 * 60 * 1000;

/** Midtrans' timestamps are Western Indonesian Time without a zone: "2024-07-04 10:53:53". */
export function toWibTime(ms: number): string {
  const iso = new Date(ms + WIB_OFFSET_MS).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

/** `custom_expiry.order_time` carries its offset: "2024-07-04 10:53:53 +0700". */
export function toOrderTime(ms: number): string {
  return `${toWibTime(ms)} +0700`;
}

const TIME = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?: ([+-])(\d{2})(\d{2}))?$/;

/** Parses "YYYY-MM-DD HH:MM:SS" (WIB) or "YYYY-MM-DD HH:MM:SS +0700" to epoch ms. */
export function parseMidtransTime(text: string): number | undefined {
  const m = TIME.exec(text);
  if (!m) return undefined;
  const offset = m[3] ? `${m[3]}${m[4]}:${m[5]}` : '+07:00';
  const ms = Date.parse(`${m[1]}T${m[2]}${offset}`);
  return Number.isNaN(ms) ? undefined : ms;
}

export const EXPIRY_UNITS = { second: 1, minute: 60, hour: 3600, day: 86400 } as const;

// ---- charge request ----

/** order_id: up to 50 characters; letters, digits, dash, underscore, tilde and dot. */
const orderId = z
  .string()
  .min(1)
  .max(50)
  .regex(/^[A-Za-z0-9\-_~.]+$/, 'order_id: letters, digits, - _ ~ . only');

const chargeBase = z.object({
  transaction_details: z.object({ order_id: orderId, gross_amount: z.number().int().positive() }),
  customer_details: z
    .object({ first_name: z.string().max(255).optional(), last_name: z.string().max(255).optional(), email: z.string().max(255).optional(), phone: z.string().max(255).optional() })
    .loose()
    .optional(),
  item_details: z.array(z.object({ id: z.string().optional(), price: z.number().int(), quantity: z.number().int().positive(), name: z.string() }).loose()).optional(),
  custom_expiry: z
    .object({
      order_time: z.string().regex(TIME, 'order_time: "YYYY-MM-DD HH:MM:SS +0700"').optional(),
      expiry_duration: z.number().int().positive(),
      unit: z.enum(['second', 'minute', 'hour', 'day']),
    })
    .optional(),
});

export const VA_BANKS = ['bca', 'bni', 'bri', 'cimb', 'permata'] as const;

export const chargeRequestSchema = z.discriminatedUnion('payment_type', [
  chargeBase.extend({
    payment_type: z.literal('bank_transfer'),
    bank_transfer: z.object({ bank: z.enum(VA_BANKS), va_number: z.string().regex(/^\d+$/).optional() }).loose(),
  }),
  chargeBase.extend({
    payment_type: z.literal('echannel'),
    // Mandiri Bill: both labels are required and shown on the customer's ATM screen.
    echannel: z.object({ bill_info1: z.string().min(1).max(10), bill_info2: z.string().min(1).max(30) }).loose(),
  }),
  chargeBase.extend({ payment_type: z.literal('qris'), qris: z.object({ acquirer: z.enum(['gopay', 'airpay shopee']).optional() }).optional() }),
  chargeBase.extend({ payment_type: z.literal('gopay'), gopay: z.object({ enable_callback: z.boolean().optional(), callback_url: z.string().optional() }).loose().optional() }),
  chargeBase.extend({ payment_type: z.literal('shopeepay'), shopeepay: z.object({ callback_url: z.string().optional() }).loose().optional() }),
  chargeBase.extend({ payment_type: z.literal('cstore'), cstore: z.object({ store: z.enum(['alfamart', 'indomaret']), message: z.string().optional() }).loose() }),
]);
export type MidtransChargeRequest = z.infer<typeof chargeRequestSchema>;
export type MidtransPaymentType = MidtransChargeRequest['payment_type'];

// ---- answers ----

/** Every answer carries `status_code` as a string; accept a number too and normalise. */
const statusCode = z.union([z.string(), z.number()]).transform(String);

/** What every Core API answer has, errors included. */
export const answerSchema = z.object({ status_code: statusCode, status_message: z.string().optional(), validation_messages: z.array(z.string()).optional() }).loose();

const refundEntry = z
  .object({
    refund_chargeback_id: z.union([z.number(), z.string()]).optional(),
    refund_amount: z.string(),
    created_at: z.string().optional(),
    reason: z.string().nullish(),
    refund_key: z.string().nullish(),
  })
  .loose();

/** A transaction as the charge and status endpoints describe it. */
export const transactionSchema = z
  .object({
    status_code: statusCode,
    status_message: z.string().optional(),
    transaction_id: z.string(),
    order_id: z.string(),
    gross_amount: z.string(),
    currency: z.string().optional(),
    payment_type: z.string(),
    transaction_time: z.string().optional(),
    transaction_status: z.string(),
    fraud_status: z.string().optional(),
    va_numbers: z.array(z.object({ bank: z.string(), va_number: z.string() }).loose()).optional(),
    permata_va_number: z.string().optional(),
    biller_code: z.string().optional(),
    bill_key: z.string().optional(),
    qr_string: z.string().optional(),
    acquirer: z.string().optional(),
    actions: z.array(z.object({ name: z.string(), method: z.string().optional(), url: z.string() }).loose()).optional(),
    payment_code: z.string().optional(),
    store: z.string().optional(),
    expiry_time: z.string().optional(),
    settlement_time: z.string().optional(),
    refund_amount: z.string().optional(),
    refunds: z.array(refundEntry).optional(),
  })
  .loose();
export type MidtransTransaction = z.infer<typeof transactionSchema>;

// ---- refund ----

export const refundRequestSchema = z.object({
  /**
   * The merchant's refund id: the same key again is a retry, not a second refund. Midtrans takes
   * letters, digits, "-" and "_" only (docs.midtrans.com/reference/refund-transactions-card,
   * refund_key: "alphanumeric, dash (-), underscore (_)"); anything else is a 400 there, so the
   * sandbox refuses it too. The length limit is not published; 100 is the sandbox's guess [?].
   */
  refund_key: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9_-]+$/, 'refund_key: only letters, digits, - and _')
    .optional(),
  /** Omitted = the full gross amount. */
  amount: z.number().int().positive().optional(),
  reason: z.string().max(255).optional(),
});
export type MidtransRefundRequest = z.infer<typeof refundRequestSchema>;

export const refundResponseSchema = z
  .object({
    status_code: statusCode,
    status_message: z.string().optional(),
    transaction_id: z.string().optional(),
    order_id: z.string().optional(),
    transaction_status: z.string().optional(),
    refund_chargeback_id: z.union([z.number(), z.string()]).optional(),
    refund_amount: z.string().optional(),
    refund_key: z.string().optional(),
  })
  .loose();

// ---- notification ----

/**
 * An HTTP notification. The three signed fields must be strings: the signature covers them as
 * sent, so a number here could not be verified without guessing its original spelling.
 * `signature_key` is optional in the shape so that a missing one is a signature failure (401),
 * not a malformed body (400).
 */
export const notificationSchema = z
  .object({
    order_id: z.string().min(1).max(100),
    status_code: z.string().regex(/^\d{3}$/),
    gross_amount: z.string().max(32),
    signature_key: z.string().optional(),
    transaction_status: z.string().min(1).max(50),
    transaction_id: z.string().max(100).optional(),
    fraud_status: z.string().max(50).optional(),
    payment_type: z.string().max(50).optional(),
    transaction_time: z.string().optional(),
    settlement_time: z.string().optional(),
    status_message: z.string().optional(),
    currency: z.string().optional(),
    // Present on refund / partial_refund notifications. Not covered by signature_key, so only
    // used to tell two refund notifications apart (each wakes a status look-up), never as money.
    refund_amount: z.string().max(32).optional(),
  })
  .loose();
export type MidtransNotification = z.infer<typeof notificationSchema>;
