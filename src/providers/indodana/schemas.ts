// Wire shapes of Indodana's merchant API as bayar uses it for QRIS: checkout, check status, order
// cancellation (refund), the QRIS metadata callback, error answers and notifications. Shared by
// the adapter and the local sandbox. Answers and notifications are parsed loosely (Indodana may
// add fields); requests strictly, since we write them.
import { z } from 'zod';
import { INDODANA_REFUND_REASONS } from './capabilities.js';

// ---- wire formats ----

/**
 * Indodana's timestamps: "2019-09-26T06:24:26+0000" (UTC, offset without colon) in the
 * check-status sample. bayar writes the same form.
 */
export function indodanaTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19) + '+0000';
}

/** cancellationDate as in Indodana's cancellation samples: Jakarta time with offset, "2019-09-12T18:18:18+07:00". */
export function jakartaTime(ms: number): string {
  return new Date(ms + 7 * 3_600_000).toISOString().slice(0, 19) + '+07:00';
}

/** Parses "…+0000", "…+07:00" or "…Z" to epoch ms; undefined for anything else. */
export function parseIndodanaTime(text: string): number | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?)(Z|[+-]\d{2}:?\d{2})$/.exec(text);
  if (!m) return undefined;
  const zone = m[2] === 'Z' ? 'Z' : `${m[2]!.slice(0, 3)}:${m[2]!.slice(-2)}`;
  const ms = Date.parse(m[1]! + zone);
  return Number.isNaN(ms) ? undefined : ms;
}

// ---- the four QRIS transaction statuses (seed 001) ----

export const TRANSACTION_STATUSES = ['INITIATED', 'EXPIRED', 'PAID', 'REJECTED'] as const;
export type IndodanaTransactionStatus = (typeof TRANSACTION_STATUSES)[number];

// ---- check status: GET {base}/v1/transactions/qris/check_status?merchantOrderId= ----

/** The published sample's fields; `message` appears in Indodana's clients (go-indodana-wrapper) [?]. */
export const checkStatusSchema = z
  .object({
    status: z.literal('OK'),
    fraudStatus: z.string().max(50).optional(),
    legalName: z.string().optional(),
    amount: z.number().nonnegative(),
    indodanaUserId: z.string().optional(),
    paymentType: z.string().optional(),
    transactionStatus: z.string().min(1).max(50),
    merchantOrderId: z.string().min(1).max(100),
    transactionTime: z.string().optional(),
    transactionId: z.string().max(100).optional(),
    message: z.string().max(500).optional(),
  })
  .loose();
export type IndodanaTransaction = z.infer<typeof checkStatusSchema>;

// ---- checkout: POST {base}/v3/checkout_url (QRIS API Integration, "Purchase Transaction Checkout") ----

/**
 * merchantOrderId as the Online Transaction API's <Transaction> defines it: at most 32 characters
 * of a-z, A-Z, 0-9 and = . - _ + @ : & ^ % ! $. bayar's order ids (24 hex digits) always fit.
 */
const MERCHANT_ORDER_ID = /^[A-Za-z0-9=.\-_+@:&^%!$]{1,32}$/;

/** <Item>: id ≤ 64, name ≤ 128, price, type ≤ 64, quantity (Online Transaction API); parentType/parentId as the plugins send them. */
const itemSchema = z.strictObject({
  id: z.string().min(1).max(64),
  name: z.string().min(1).max(128),
  price: z.number().int().nonnegative(),
  type: z.string().min(1).max(64),
  quantity: z.number().int().positive(),
  parentType: z.literal('SELLER').optional(),
  parentId: z.string().min(1).max(64).optional(),
});

/** <Seller>: the plugins send one, with url (required by their config check), id = md5(url), name. */
const sellerSchema = z.strictObject({ id: z.string().min(1).max(64), name: z.string().min(1).max(128), url: z.url() });

const addressSchema = z.strictObject({
  firstName: z.string().max(100).optional(),
  address: z.string().max(500).optional(),
  city: z.string().max(100).optional(),
  postalCode: z.string().max(10),
  countryCode: z.string().max(3).optional(),
});

/**
 * One checkout. Fields: the QRIS page's v3 body (merchantUserKey) plus the Online Transaction API's
 * checkout body as Indodana's PHP plugins build it (IndodanaService::generateCheckoutPayload:
 * transactionDetails{merchantOrderId, amount, items}, customerDetails, sellers, billingAddress,
 * shippingAddress, approvedNotificationUrl, cancellationRedirectUrl, backToStoreUrl) and
 * expirationAt (go-indodana-wrapper RequestCheckoutPayment) [?].
 */
export const checkoutRequestSchema = z.strictObject({
  merchantUserKey: z.string().min(1).max(100),
  transactionDetails: z.strictObject({
    merchantOrderId: z.string().regex(MERCHANT_ORDER_ID, 'merchantOrderId: at most 32 of a-z A-Z 0-9 = . - _ + @ : & ^ % ! $'),
    amount: z.number().int().positive(),
    items: z.array(itemSchema).min(1),
  }),
  customerDetails: z.strictObject({
    firstName: z.string().max(100).optional(),
    lastName: z.string().max(100).optional(),
    email: z.string().max(254).optional(),
    phone: z.string().max(30).optional(),
  }),
  sellers: z.array(sellerSchema).min(1),
  billingAddress: addressSchema.optional(),
  shippingAddress: addressSchema.optional(),
  approvedNotificationUrl: z.url(),
  cancellationRedirectUrl: z.url().optional(),
  backToStoreUrl: z.url().optional(),
  expirationAt: z
    .string()
    .refine((v) => parseIndodanaTime(v) !== undefined, 'expirationAt: ISO 8601 with an offset')
    .optional(),
});
export type IndodanaCheckoutRequest = z.infer<typeof checkoutRequestSchema>;

/** The answer: Indodana's plugins read `redirectUrl` (IndodanaService::checkout returns $result['redirectUrl']). */
export const checkoutResponseSchema = z.object({ status: z.literal('OK'), redirectUrl: z.url() }).loose();

// ---- refund / cancellation ----

/**
 * One cancellation. Fields as in Indodana's cancellation sample (egg-/indodana test fixture for
 * order_cancellation): refundId, merchantOrderId, cancellationAmount, cancellationReason,
 * cancelledBy, cancellationDate. FULL or PARTIAL is not a field: it follows from the amount
 * (seed 001). The reason is required and one of Indodana's four.
 */
export const cancellationRequestSchema = z.strictObject({
  refundId: z.string().min(1).max(64),
  merchantOrderId: z.string().min(1).max(100),
  cancellationAmount: z.number().int().positive(),
  cancellationReason: z.enum(INDODANA_REFUND_REASONS),
  cancelledBy: z.string().min(1).max(100),
  cancellationDate: z.string().refine((v) => parseIndodanaTime(v) !== undefined, 'cancellationDate: ISO 8601 with an offset'),
});
export type IndodanaCancellationRequest = z.infer<typeof cancellationRequestSchema>;

/** The answer's shape is not published [?]: bayar needs only status OK. */
export const cancellationResponseSchema = z.object({ status: z.literal('OK'), refundId: z.string().optional() }).loose();

// ---- QRIS metadata callback: POST {base}/v1/transactions/qris/metadata (merchant partner → Indodana) ----
// Sent by a QRIS merchant partner to Indodana after the QRIS payment succeeded on the partner's side
// (customerPan, acquirer, switcher referenceNumber). bayar holds none of these and never sends it;
// the sandbox accepts it as published (README, "The metadata callback").

export const metadataRequestSchema = z.object({
  merchantOrderId: z.string().min(1).max(100),
  paidAt: z.string().refine((v) => parseIndodanaTime(v) !== undefined, 'paidAt: ISO 8601'),
  customerPan: z.string().min(1).max(25),
  acquirer: z.string().min(1).max(100),
  referenceNumber: z.string().min(1).max(100),
});

// ---- errors: {status: "ERROR", error: {kind, message}} (egg-/indodana client; go-indodana-wrapper) ----

export const errorSchema = z.object({ status: z.literal('ERROR'), error: z.object({ kind: z.string().optional(), message: z.unknown().optional() }).loose().optional() }).loose();

// ---- notifications (Indodana → merchant) ----

/**
 * The fields Indodana's own clients read from a notification: transactionStatus and
 * merchantOrderId (paylater-ecommerce-plugin-php Notify.php), plus amount, paymentType,
 * transactionTime, transactionId (go-indodana-wrapper RequestNotification). `amount` is optional
 * in the shape; a PAID notification without it is refused by the adapter (bayar never assumes the
 * full amount was paid).
 */
export const notificationSchema = z
  .object({
    transactionStatus: z.string().min(1).max(50),
    merchantOrderId: z.string().min(1).max(100),
    amount: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional(),
    paymentType: z.string().max(100).optional(),
    transactionTime: z.string().max(40).optional(),
    transactionId: z.string().min(1).max(100).optional(),
    fraudStatus: z.string().max(50).optional(),
    message: z.string().max(500).optional(),
  })
  .loose();
export type IndodanaNotification = z.infer<typeof notificationSchema>;
