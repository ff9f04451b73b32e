// Wire shapes of DOKU SNAP as bayar uses it for e-wallets: B2B token, Direct Debit "jump app"
// payment (DANA, ShopeePay), status, refund, notifications, and SNAP error answers. Field names
// from doku-nodejs-library 1.0.52 (_models/paymentJumpAppRequestDTO.js, paymentResponseDirectDebitDTO.js,
// checkStatusDirectDebitRequestDTO.js, checkStatusDirectDebitResponseDTO.js, refundRequestDTO.js,
// refundResponseDTO.js, paymentNotificationDirectDebitRequestDTO.js, tokenB2BResponseDTO.js) and
// the official doku-java-library DTOs. Shared by the adapter and the local sandbox. Answers and
// notifications are parsed loosely (new fields appear); requests are what bayar sends.
import { z } from 'zod';
import type { Rupiah } from '../../../domain/payment.js';

/** SNAP money: a decimal string with exactly two decimals ("10000.00"), ≤ 16 integer digits, and a currency. */
export const SNAP_VALUE = /^(0|[1-9]\d{0,15})\.\d{2}$/;

export const snapAmount = z.object({ value: z.string().regex(SNAP_VALUE), currency: z.literal('IDR') }).loose();
export type SnapAmount = z.infer<typeof snapAmount>;

/** Whole rupiah → SNAP's "10000.00". Exact: integers only, no float formatting involved. */
export function toSnapValue(amount: Rupiah): string {
  if (!Number.isSafeInteger(amount) || amount < 0) throw new RangeError(`not whole rupiah: ${amount}`);
  return `${amount}.00`;
}

/** SNAP's "10000.00" → 10000; undefined for anything that is not whole rupiah ("10000.50", "1e4", "10000"). */
export function parseSnapValue(value: string): Rupiah | undefined {
  if (!SNAP_VALUE.test(value) || !value.endsWith('.00')) return undefined;
  const n = Number(value.slice(0, -3));
  return Number.isSafeInteger(n) ? n : undefined;
}

/** SNAP's String(64) that an answer or a notification may leave out or send as null: reference numbers and times (the SDK's DTOs). */
export const snapText64 = z.string().max(64).nullish();

/** responseCode = HTTP status (3) + service code (2) + case code (2), e.g. "2005400". */
export const responseCode = z.string().regex(/^\d{7}$/);

/** What every SNAP answer starts with: the response code and its message (the SDK's response DTOs). */
export const snapAnswer = z.object({ responseCode, responseMessage: z.string().optional() });

export const snapErrorSchema = z.object({ responseCode: z.string().optional(), responseMessage: z.string().optional() }).loose();

// ---- B2B token: POST /authorization/v1/access-token/b2b ----

export const tokenRequestSchema = z.object({ grantType: z.literal('client_credentials') }).loose();

export const tokenResponseSchema = z
  .object({
    responseCode: responseCode.optional(),
    accessToken: z.string().min(1).max(4096),
    tokenType: z.string().optional(),
    // "900" in DOKU's sample, a number in some SDK paths: seconds either way.
    expiresIn: z.union([z.number(), z.string().regex(/^\d{1,9}$/)]).transform(Number),
  })
  .loose();

// ---- Payment (jump app, no account binding): POST /direct-debit/core/v1/debit/payment-host-to-host ----

export const SNAP_EWALLET_CHANNELS = ['EMONEY_DANA_SNAP', 'EMONEY_SHOPEE_PAY_SNAP'] as const;
export type SnapEwalletChannel = (typeof SNAP_EWALLET_CHANNELS)[number];

export const paymentRequestSchema = z.object({
  /** bayar's payment id; DOKU's idempotency key for the payment (1–64). */
  partnerReferenceNo: z.string().min(1).max(64),
  amount: snapAmount,
  urlParam: z
    .array(
      z.object({
        url: z.string().max(255),
        /** Always PAY_RETURN. */
        type: z.literal('PAY_RETURN'),
        isDeepLink: z.enum(['Y', 'N']),
      }),
    )
    .min(1),
  /** When the payment page stops taking the payment, yyyy-MM-ddTHH:mm:ss+07:00. */
  validUpTo: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/),
  /** app / pc / mweb (doku-java-library validates exactly these). */
  pointOfInitiation: z.enum(['app', 'pc', 'mweb']),
  additionalInfo: z
    .object({
      channel: z.string(),
      /** DANA: shown on DANA's page. */
      orderTitle: z.string().max(64).optional(),
      /** ShopeePay. */
      metadata: z.string().optional(),
      supportDeepLinkCheckoutUrl: z.union([z.boolean(), z.string()]).optional(),
    })
    .loose(),
});
export type SnapPaymentRequest = z.infer<typeof paymentRequestSchema>;

export const paymentResponseSchema = snapAnswer
  .extend({
    webRedirectUrl: z.string().min(1).max(2048).optional(),
    partnerReferenceNo: z.string().max(64).optional(),
    referenceNo: snapText64,
    additionalInfo: z
      .object({ webRedirectUrl: z.string().max(2048).optional() })
      .loose()
      .nullish(),
  })
  .loose();
export type SnapPaymentResponse = z.infer<typeof paymentResponseSchema>;

// ---- Status: POST /orders/v1.0/debit/status ----

export const statusRequestSchema = z.object({
  originalPartnerReferenceNo: z.string().min(1).max(64).optional(),
  originalReferenceNo: z.string().max(64).optional(),
  originalExternalId: z.string().max(64).optional(),
  /** The SDK insists on "55" (this inquiry's own service code). */
  serviceCode: z.literal('55'),
  additionalInfo: z.object({ channel: z.string().optional() }).loose().optional(),
});
export type SnapStatusRequest = z.infer<typeof statusRequestSchema>;

export const statusResponseSchema = snapAnswer
  .extend({
    originalPartnerReferenceNo: snapText64,
    originalReferenceNo: snapText64,
    /** SNAP: 00 success, 01 initiated, 02 paying, 03 pending, 04 refunded, 05 cancelled, 06 failed, 07 not found. */
    latestTransactionStatus: z.string().max(2),
    transactionStatusDesc: z.string().max(256).nullish(),
    transAmount: snapAmount.nullish(),
    paidTime: snapText64,
    additionalInfo: z.object({ channel: z.string().nullish() }).loose().nullish(),
    // refundHistory is passed through untouched (loose): only a refund look-up reads it, with
    // the schemas below, so an odd history never stands in the way of a payment look-up.
  })
  .loose();
export type SnapStatusResponse = z.infer<typeof statusResponseSchema>;

/** SNAP money read as whole rupiah: {value:"10000.00"} → 10000; "10000.50" (or "10000") is refused. */
export const snapRupiahAmount = z
  .object({
    value: z
      .string()
      .regex(SNAP_VALUE, 'not a SNAP amount')
      .refine((v) => parseSnapValue(v) !== undefined, 'not whole rupiah')
      .transform((v) => parseSnapValue(v)!),
    currency: z.literal('IDR'),
  })
  .loose();

/**
 * The status answer's refundHistory, read just far enough to find one refund by its ids: a list
 * of entries (RefundHistoryDTO of doku-nodejs-library 1.0.52: refundNo, partnerReferenceNo,
 * refundAmount, refundStatus, refundDate, reason).
 */
export const refundHistoryIdsSchema = z.array(z.object({ refundNo: snapText64, partnerReferenceNo: snapText64 }).loose());

/** One refundHistory entry, in full: the one bayar's refund look-up found. */
export const refundHistoryEntrySchema = z
  .object({
    /** DOKU's refund id (the refund answer's refundNo). */
    refundNo: snapText64,
    /** The merchant's refund number: bayar's partnerRefundNo. */
    partnerReferenceNo: snapText64,
    refundAmount: snapRupiahAmount,
    /** See status.ts, dokuSnapRefundStatusToRefundState. */
    refundStatus: z.string().min(1).max(32),
    refundDate: snapText64,
    reason: z.string().max(256).nullish(),
  })
  .loose();
export type SnapRefundHistoryEntry = z.infer<typeof refundHistoryEntrySchema>;

// ---- Refund: POST /direct-debit/core/v1/debit/refund (DANA and ShopeePay per the SDK) ----

export const refundRequestSchema = z.object({
  originalPartnerReferenceNo: z.string().min(1).max(64),
  originalReferenceNo: z.string().max(64).optional(),
  originalExternalId: z.string().max(36).optional(),
  /** bayar's refund key; DOKU's idempotency key for the refund (1–64). */
  partnerRefundNo: z.string().min(1).max(64),
  refundAmount: snapAmount,
  reason: z.string().max(255).optional(),
  additionalInfo: z.object({ channel: z.string() }).loose(),
});
export type SnapRefundRequest = z.infer<typeof refundRequestSchema>;

export const refundResponseSchema = snapAnswer
  .extend({
    refundAmount: snapAmount.nullish(),
    originalPartnerReferenceNo: snapText64,
    originalReferenceNo: snapText64,
    refundNo: snapText64,
    partnerRefundNo: snapText64,
    refundTime: snapText64,
  })
  .loose();

// ---- Notification: POST {notification URL} (DOKU → bayar) ----

export const notificationSchema = z
  .object({
    originalPartnerReferenceNo: z.string().min(1).max(64),
    originalReferenceNo: snapText64,
    originalExternalId: snapText64,
    latestTransactionStatus: z.string().regex(/^\d{2}$/),
    transactionStatusDesc: z.string().max(256).nullish(),
    amount: snapAmount,
    // channelId (Node SDK) or channel (Java SDK), acquirerId, custIdMerchant, accountType EMONEY: read, never relied on.
    additionalInfo: z.object({}).loose().nullish(),
  })
  .loose();
export type SnapNotification = z.infer<typeof notificationSchema>;
