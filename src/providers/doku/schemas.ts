// Wire shapes of DOKU's Non-SNAP API as bayar uses it: VA payment codes, Alfa payment codes,
// Indodana generate-order, check status, HTTP notifications and error answers. Shared by the
// adapter and the local sandbox. DOKU asks merchants to parse notifications non-strictly (new
// fields appear), so answers and notifications are loose; requests are what bayar sends.
import { z } from 'zod';
import { DOKU_MAX_EXPIRY_MINUTES, type DokuChannelKind } from './capabilities.js';

// ---- shared pieces ----

/** order.invoice_number: "alphabetic, numeric, special chars", up to 64 (bayar sends its payment id). */
const invoiceNumber = z.string().min(1).max(64);

/** Whole rupiah: DOKU sends amounts as JSON numbers without decimals. */
const amount = z.number().int().positive().max(999_999_999_999);

const expiredTime = z.number().int().positive().max(DOKU_MAX_EXPIRY_MINUTES);

const customer = z
  .object({ name: z.string().min(1).max(255).optional(), email: z.string().max(254).optional() })
  .loose()
  .optional();

const additionalInfo = z
  .object({
    /** Per-request notification URL, instead of the one configured in the Back Office (seed 002). */
    override_notification_url: z.url().optional(),
  })
  .loose()
  .optional();

// ---- payment code requests: /{bank}-virtual-account/v2/payment-code ----

export const vaRequestSchema = z.object({
  order: z.object({ invoice_number: invoiceNumber, amount }).loose(),
  virtual_account_info: z
    .object({
      /** Minutes from now. */
      expired_time: expiredTime,
      /** false = one payment only (closed, fixed amount). */
      reusable_status: z.boolean(),
      info1: z.string().max(64).optional(),
      info2: z.string().max(64).optional(),
      info3: z.string().max(64).optional(),
    })
    .loose(),
  customer,
  additional_info: additionalInfo,
});
export type DokuVaRequest = z.infer<typeof vaRequestSchema>;

/** Alfa group payment code: the VA shape with `online_to_offline_info` [? field names from integrations, see README]. */
export const o2oRequestSchema = z.object({
  order: z.object({ invoice_number: invoiceNumber, amount }).loose(),
  online_to_offline_info: z.object({ expired_time: expiredTime, reusable_status: z.boolean(), info: z.string().max(64).optional() }).loose(),
  customer,
  additional_info: additionalInfo,
});
export type DokuO2oRequest = z.infer<typeof o2oRequestSchema>;

// ---- Indodana paylater: /indodana-peer-to-peer/v2/generate-order (seed 002) ----

/** order.line_items.category: DOKU's enum for Indodana ("If cannot find, you can use others"), seed 002. */
export const DOKU_PAYLATER_CATEGORIES = [
  'airlines',
  'arts-crafts-and-collectibles',
  'automotive',
  'baby',
  'beauty-and-fragrances',
  'biller',
  'books-and-magazines',
  'business-to-business-including-mlm',
  'charity-and-non-profit',
  'clothing',
  'community',
  'digital-content',
  'electronics-and-telecom',
  'entertainment-and-media',
  'financial-services-and-products',
  'financial-services-and-technology',
  'food-and-beverage',
  'food-retail-and-service',
  'games-voucher',
  'gifts-and-flowers',
  'government',
  'health-and-personal-care',
  'home-and-garden',
  'hotel-and-travel',
  'insurance',
  'marketplace',
  'nonprofit',
  'offline-store',
  'others',
  'over-the-air',
  'overseas',
  'pets-and-animals',
  'property',
  'public-services',
  'religion-and-spirituality',
  'retail',
  'services',
  'sports-and-outdoors',
  'telco',
  'ticketing',
  'toys-and-hobbies',
  'transportation',
  'travel',
  'vehicle-sales',
  'vehicles-service-and-accessories',
] as const;

/**
 * callback_url / callback_url_cancel: "Only support: ^[a-zA-Z0-9()\\-=\\\\.\\?;,+\\/:&_ %]$#" (seed 002).
 * Read as a character class; "#" is taken as allowed (the published pattern ends with it).
 */
export const DOKU_CALLBACK_URL_PATTERN = /^[a-zA-Z0-9()\-=\\.?;,+/:&_ %#]+$/;
const callbackUrl = z.string().min(1).max(2048).regex(DOKU_CALLBACK_URL_PATTERN, "callback URL: characters outside DOKU's allowed set");

const lineItem = z
  .object({
    name: z.string().min(1).max(128),
    price: z.number().nonnegative(),
    quantity: z.number().int().positive().max(99_999_999),
    id: z.string().min(1).max(64),
    // Mandatory. Not checked against DOKU_PAYLATER_CATEGORIES: DOKU's own sample request sends
    // "ELECTRONIC", which is not in its enum, so whether DOKU enforces the list is not settled.
    // bayar sends "others", which is in the list (and the unit tests hold it to that).
    category: z.string().min(1).max(64),
    url: z.string().max(256).optional(),
    image_url: z.string().max(256).optional(),
    type: z.string().optional(),
  })
  .loose();

/** billing_address / shipping_address: first_name, address, city, postal_code, phone, country_code Mandatory; last_name Optional (seed 002). */
const address = z
  .object({
    first_name: z.string().min(1),
    last_name: z.string().optional(),
    address: z.string().min(1),
    city: z.string().min(1),
    postal_code: z.string().min(1),
    phone: z.string().min(1),
    country_code: z.string().min(1),
  })
  .loose();

export const paylaterRequestSchema = z
  .object({
    order: z
      .object({
        invoice_number: invoiceNumber,
        amount,
        line_items: z.array(lineItem).min(1),
        // Optional in DOKU's table: where the customer goes after the order completed.
        callback_url: callbackUrl.optional(),
        // Mandatory in DOKU's table: where the customer goes if the order is cancelled.
        callback_url_cancel: callbackUrl,
      })
      .loose(),
    peer_to_peer_info: z.object({ expired_time: expiredTime.optional(), merchant_unique_reference: z.string().min(1).max(64) }).loose(),
    customer: z
      .object({
        first_name: z.string().min(1).max(16),
        last_name: z.string().max(16).optional(),
        email: z.string().min(3).max(254),
        /** {calling code}{number}: 6281122334455. */
        phone: z.string().regex(/^\d{8,16}$/, 'customer.phone: digits with the calling code, e.g. 6281122334455'),
      })
      .loose(),
    // Mandatory in DOKU's table.
    billing_address: address,
    shipping_address: address.optional(),
    additional_info: additionalInfo,
  })
  .refine((b) => b.order.line_items.reduce((sum, i) => sum + i.price * i.quantity, 0) === b.order.amount, {
    message: 'order.line_items: price × quantity must add up to order.amount',
    path: ['order', 'line_items'],
  });
export type DokuPaylaterRequest = z.infer<typeof paylaterRequestSchema>;

export const REQUEST_SCHEMAS = {
  va: vaRequestSchema,
  o2o: o2oRequestSchema,
  paylater: paylaterRequestSchema,
} as const satisfies Record<DokuChannelKind, z.ZodType>;

// ---- answers ----

/** Amounts come back as numbers; a numeric string is accepted and read the same way. */
export const wireAmount = z.union([z.number(), z.string().max(32)]);

/** 150000, "150000" or "150000.00" → 150000; undefined for fractions and anything else. */
export function parseAmount(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  const m = /^(\d{1,15})(?:\.(0{1,2}))?$/.exec(value);
  return m ? Number(m[1]) : undefined;
}

const answerOrder = z.object({ invoice_number: z.string(), amount: wireAmount }).loose();

export const o2oResponseSchema = z
  .object({
    order: answerOrder,
    online_to_offline_info: z.object({ payment_code: z.string().min(1), how_to_pay_page: z.string().optional(), expired_date: z.string().optional() }).loose(),
  })
  .loose();
export type DokuO2oResponse = z.infer<typeof o2oResponseSchema>;

export const paylaterResponseSchema = z
  .object({
    order: answerOrder,
    payment: z.object({ status: z.string(), url: z.string().optional() }).loose(),
    peer_to_peer_info: z
      .object({
        identifier: z.array(z.object({ name: z.string(), value: z.string() }).loose()).optional(),
        expired_date_utc: z.string().optional(),
        merchant_unique_reference: z.string().optional(),
      })
      .loose()
      .optional(),
  })
  .loose();
export type DokuPaylaterResponse = z.infer<typeof paylaterResponseSchema>;

/**
 * A transaction as the check status API answers it and as notifications carry it: "the response
 * will be similar to HTTP notification" (Check Status API — Non-SNAP).
 */
export const transactionSchema = z
  .object({
    service: z.object({ id: z.string() }).loose().optional(),
    acquirer: z.object({ id: z.string() }).loose().optional(),
    channel: z.object({ id: z.string() }).loose().optional(),
    transaction: z
      .object({
        status: z.string().min(1).max(50),
        date: z.string().max(64).optional(),
        /** The Request-Id of the call that created the charge. */
        original_request_id: z.string().max(128).optional(),
      })
      .loose(),
    order: z.object({ invoice_number: invoiceNumber, amount: wireAmount }).loose(),
    virtual_account_info: z.object({ virtual_account_number: z.string().optional() }).loose().optional(),
    online_to_offline_info: z.object({ payment_code: z.string().optional() }).loose().optional(),
  })
  .loose();
export type DokuTransaction = z.infer<typeof transactionSchema>;

/** Notifications carry the same body as a status answer. */
export const notificationSchema = transactionSchema;
export type DokuNotification = DokuTransaction;

/** Error answers: `{error: {code, message}}` [? exact fields]; some carry only `message`. */
export const errorSchema = z
  .object({
    error: z.object({ code: z.string().optional(), message: z.string().optional() }).loose().optional(),
    message: z.string().optional(),
  })
  .loose();
