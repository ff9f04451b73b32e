// Wire shapes of Xendit's /payment_requests API (the generation xendit-node 7 calls),
// /refunds, and its payment webhooks. Shared by the adapter and the local sandbox.
import { z } from 'zod';

const channelProperties = z
  .object({
    customer_name: z.string().optional(),
    virtual_account_number: z.string().optional(),
    payment_code: z.string().optional(),
    qr_string: z.string().optional(),
    expires_at: z.string().optional(),
    success_return_url: z.string().optional(),
    failure_return_url: z.string().optional(),
    mobile_number: z.string().optional(),
  })
  .loose();

const channel = z.object({ channel_code: z.string(), channel_properties: channelProperties.optional() }).loose();

export const paymentMethodTypeSchema = z.enum(['VIRTUAL_ACCOUNT', 'QR_CODE', 'EWALLET', 'OVER_THE_COUNTER']);

export const createPaymentRequestSchema = z.object({
  reference_id: z.string().min(1).max(255),
  amount: z.number().int().positive(),
  currency: z.literal('IDR'),
  description: z.string().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  payment_method: z.object({
    type: paymentMethodTypeSchema,
    reusability: z.enum(['ONE_TIME_USE', 'MULTIPLE_USE']),
    reference_id: z.string().optional(),
    virtual_account: channel.optional(),
    qr_code: channel.optional(),
    ewallet: channel.optional(),
    over_the_counter: channel.optional(),
  }),
});
export type XenditCreatePaymentRequest = z.infer<typeof createPaymentRequestSchema>;

/** What Xendit's payment request and payout objects both open with: Xendit's id, ours (reference_id), and the money. */
const xenditObject = z.object({
  id: z.string(),
  reference_id: z.string(),
  amount: z.number(),
  currency: z.string(),
});

export const paymentRequestSchema = xenditObject
  .extend({
    status: z.string(),
    payment_method: z
      .object({
        id: z.string(),
        type: z.string(),
        status: z.string().optional(),
        virtual_account: channel.nullish(),
        qr_code: channel.nullish(),
        ewallet: channel.nullish(),
        over_the_counter: channel.nullish(),
      })
      .loose(),
    actions: z.array(z.object({ action: z.string(), url_type: z.string().optional(), method: z.string().optional(), url: z.string().nullish(), qr_code: z.string().nullish() }).loose()).nullish(),
    failure_code: z.string().nullish(),
    /** When the request last changed (xendit-node PaymentRequest.updated); see xenditPaidAt. */
    updated: z.string().max(64).optional(),
  })
  .loose();
export type XenditPaymentRequest = z.infer<typeof paymentRequestSchema>;

export const paymentRequestListSchema = z.object({ data: z.array(paymentRequestSchema), has_more: z.boolean().optional() }).loose();

export const errorSchema = z.object({ error_code: z.string(), message: z.string().optional() }).loose();

/** POST /refunds. Xendit requires only payment_request_id and reason; no amount = what is left. */
export const refundRequestSchema = z.object({
  payment_request_id: z.string(),
  reference_id: z.string().min(1).max(255).optional(),
  amount: z.number().int().positive().optional(),
  currency: z.literal('IDR').optional(),
  reason: z.enum(['FRAUDULENT', 'DUPLICATE', 'REQUESTED_BY_CUSTOMER', 'CANCELLATION', 'OTHERS']),
  metadata: z.record(z.string(), z.unknown()).nullish(),
});
export type XenditRefundRequest = z.infer<typeof refundRequestSchema>;

/**
 * A refund object. `status` is a plain string: xendit-node 7.0.0 types it as `string`
 * (refund/models/RefundCallbackData.ts) and names no closed set, and a refund Xendit accepted can
 * still be cancelled (`POST /refunds/{id}/cancel`, refund/apis/Refund.js). status.ts decides what
 * each value means; an unknown one is "not final yet", never a parse failure.
 */
export const refundSchema = z.object({ id: z.string(), payment_request_id: z.string().nullish(), amount: z.number(), status: z.string().min(1).max(50), reference_id: z.string().nullish() }).loose();

/**
 * GET /refunds?payment_request_id=… (xendit-node 7.0.0 refund/apis/Refund.js getAllRefunds: query
 * payment_request_id, limit, after_id, before_id; answer RefundList `{data: Refund[], has_more}`,
 * docs/refund/RefundList.md). Entries are read leniently here; the adapter decides what counts.
 */
export const refundListSchema = z.object({ data: z.array(refundSchema).max(1000), has_more: z.boolean().nullish() }).loose();

/**
 * `refund.succeeded` / `refund.failed` (xendit-node refund/models/RefundCallback + RefundCallbackData;
 * docs.xendit.co/apidocs/refund-webhook-notification): `data.id` is the refund, `data.payment_id`
 * names what was refunded — for the /payment_requests generation the payment request (xendit-php
 * docs/Refund/RefundCallbackData.md shows `pr-…` there). `payment_request_id` is the Refund
 * object's own name for it (xendit-node refund/models/Refund): taken too, where a callback carries it.
 */
export const refundCallbackSchema = z
  .object({
    event: z.string().max(100),
    created: z.string().max(64).optional(),
    data: z
      .object({
        id: z.string().min(1).max(255),
        payment_id: z.string().min(1).max(255).nullish(),
        payment_request_id: z.string().min(1).max(255).nullish(),
        status: z.string().max(50).optional(),
      })
      .loose(),
  })
  .loose();

/** Just the event name: what decides whether bayar reads the rest at all. */
export const webhookEnvelopeSchema = z.object({ event: z.string().max(100) }).loose();

export const webhookSchema = z
  .object({
    event: z.string().max(100),
    business_id: z.string().optional(),
    created: z.string().optional(),
    data: z
      .object({
        id: z.string().optional(),
        payment_id: z.string().optional(),
        payment_request_id: z.string().optional(),
        // Optional: `payment_method.*` callbacks may carry none (xendit-node
        // docs/payment_method/PaymentMethod.md: reference_id not required). The adapter
        // acknowledges such notices without effect; a payment notice without it is refused.
        reference_id: z.string().min(1).max(255).optional(),
        status: z.string().max(50),
        // Optional here because failure and expiry notices may omit it; a PAID notice without
        // it is refused by the adapter (bayar never assumes the full amount was paid).
        amount: z.number().int().nonnegative().optional(),
        // v3 Payments API (`api-version: 2024-11-11`): `payment.capture` names what was asked as
        // `request_amount` and what was captured as `captured_amount` (docs.xendit.co
        // payment-webhook-notification sample). See status.ts / README for how each is read.
        request_amount: z.number().int().nonnegative().optional(),
        captured_amount: z.number().int().nonnegative().optional(),
        currency: z.string().optional(),
        failure_code: z.string().nullish(),
      })
      .loose(),
  })
  .loose();
export type XenditWebhook = z.infer<typeof webhookSchema>;

// ---- Payouts: POST /v2/payouts, GET /v2/payouts/{id}, GET /v2/payouts?reference_id= ----
// (docs.xendit.co/apidocs/create-payout, get-payout, get-all-payouts; xendit-node 7.0.0 payout/).

/** POST /v2/payouts. The `Idempotency-key` header is required as well. */
export const createPayoutRequestSchema = z.object({
  reference_id: z.string().min(1).max(255),
  channel_code: z.string().min(1),
  channel_properties: z.object({
    account_holder_name: z.string().min(1).max(100),
    account_number: z.string().min(1).max(100),
    account_type: z.string().optional(),
  }),
  amount: z.number().nonnegative(),
  description: z.string().min(1).max(100).optional(),
  currency: z.string().length(3),
  receipt_notification: z.object({ email_to: z.array(z.string()).optional(), email_cc: z.array(z.string()).optional(), email_bcc: z.array(z.string()).optional() }).optional(),
  metadata: z.record(z.string(), z.unknown()).nullish(),
});
export type XenditCreatePayoutRequest = z.infer<typeof createPayoutRequestSchema>;

/** The Payout object (create answer, get by id, list entries). */
export const payoutSchema = xenditObject
  .extend({
    channel_code: z.string(),
    status: z.string(),
    failure_code: z.string().nullish(),
    created: z.string().optional(),
    updated: z.string().optional(),
    estimated_arrival_time: z.string().nullish(),
  })
  .loose();
export type XenditPayout = z.infer<typeof payoutSchema>;

/**
 * GET /v2/payouts?reference_id=. The API reference shows a bare array; xendit-node's model
 * (GetPayouts200Response) reads `{data, has_more, links}`. Both are accepted.
 */
export const payoutListSchema = z.union([z.array(payoutSchema), z.object({ data: z.array(payoutSchema), has_more: z.boolean().optional() }).loose()]);
