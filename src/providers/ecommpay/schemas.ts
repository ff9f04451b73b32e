// Wire shapes of ecommpay's Gate as bayar uses it for Indonesian Virtual Accounts: the sale
// request, the bank list, the status request, the synchronous answers, the status answer and the
// callbacks. Shared by the adapter and the local sandbox. Requests are what bayar sends (strict
// about what matters); answers and callbacks are loose: ecommpay adds fields over time.
import { z } from 'zod';
import { IDR_MINOR_UNITS } from './capabilities.js';

// ---- shared pieces ----

const projectId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/** "Payment identifier unique within the project"; bayar sends its payment id. Length limit not published [?]. */
const paymentId = z.string().min(1).max(255);

/** Codes arrive as strings ("0", "20101"); a number is read the same way. */
const code = z.union([z.string().max(32), z.number().int()]).transform(String);

/** Identifiers ecommpay may send as a number or a string. */
const idText = z.union([z.string().max(255), z.number().int()]).transform(String);

/** Minor units; for IDR a multiple of 100 ("round the payment amount to an integer", seed 004). */
const idrMinorAmount = z
  .number()
  .int()
  .positive()
  .max(Number.MAX_SAFE_INTEGER)
  .refine((a) => a % IDR_MINOR_UNITS === 0, 'payment.amount: IDR amounts must be whole rupiah (a multiple of 100 minor units)');

/** "2024-07-04T10:53:53+00:00": ecommpay's date-time with an offset. */
export const ECOMMPAY_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:?\d{2}$/;

export const generalSchema = z
  .object({
    project_id: projectId,
    payment_id: paymentId,
    signature: z.string().optional(),
    /** Per-request callback URL instead of the project's (ecommpay's WooCommerce plugin sends it). */
    merchant_callback_url: z.url().optional(),
  })
  .loose();

/** The payment block of a sale and of a payout: whole-rupiah IDR in minor units (seed 004). */
const idrPayment = z.object({
  amount: idrMinorAmount,
  currency: z.literal('IDR'),
  description: z.string().max(255).optional(),
});

/** The customer every Gate request names: bayar's customer id and the payer's IP (seed 004). */
const gateCustomer = z.object({
  id: z.string().min(1).max(255),
  ip_address: z.union([z.ipv4(), z.ipv6()], { error: 'customer.ip_address: an IPv4 or IPv6 address' }),
});

// ---- requests ----

export const saleRequestSchema = z
  .object({
    general: generalSchema,
    payment: idrPayment
      .extend({
        /** When the payment stops being payable [? for this method; see README.md]. */
        best_before: z.string().regex(ECOMMPAY_DATETIME, 'payment.best_before: YYYY-MM-DDThh:mm:ss±hh:mm').optional(),
      })
      .loose(),
    customer: gateCustomer
      .extend({
        first_name: z.string().max(255).optional(),
        last_name: z.string().max(255).optional(),
      })
      .loose(),
    account: z.object({ bank_id: z.number().int().positive() }).loose(),
    return_url: z.object({ return: z.url().optional() }).loose().optional(),
  })
  .loose();
export type EcommpaySaleRequest = z.infer<typeof saleRequestSchema>;

/** "The request must contain the project and payment identifiers, signature, currency code, and payment amount" (seed 004). */
export const bankListRequestSchema = z
  .object({
    general: generalSchema,
    payment: z.object({ amount: z.number().int().positive().max(Number.MAX_SAFE_INTEGER), currency: z.string().length(3) }).loose(),
  })
  .loose();
export type EcommpayBankListRequest = z.infer<typeof bankListRequestSchema>;

/**
 * A payout to a bank account. The fields are those of the platform's published Gate payout
 * requests (the `/v2/payment/banks/{method}/payout` group: PHP/Python/JS samples and the method
 * pages' parameter tables, every one marked required): `customer{id, ip_address, email}`,
 * `account{number, bank_id, customer_name}`, `payment{amount, currency}` [? the VA method's own
 * payout page was not readable; see README.md].
 */
export const payoutRequestSchema = z
  .object({
    general: generalSchema,
    payment: idrPayment.loose(),
    customer: gateCustomer
      .extend({
        email: z.email({ error: 'customer.email: an e-mail address' }),
      })
      .loose(),
    account: z
      .object({
        number: z.string().regex(/^\d{5,34}$/, 'account.number: the account number, digits only'),
        bank_id: z.number().int().positive(),
        customer_name: z.string().min(1).max(255),
      })
      .loose(),
  })
  .loose();
export type EcommpayPayoutRequest = z.infer<typeof payoutRequestSchema>;

export const statusRequestSchema = z.object({ general: generalSchema }).loose();
export type EcommpayStatusRequest = z.infer<typeof statusRequestSchema>;

// ---- answers ----

/**
 * The synchronous answer to a request of the asynchronous model: `status` is about the request
 * ("success" = accepted for processing, "error" = cannot be processed), never about the payment
 * (en_faq_payment_result.html). Error answers add `code` and `message` [? exact fields].
 */
export const gateAnswerSchema = z
  .object({
    status: z.string(),
    request_id: z.string().optional(),
    project_id: idText.optional(),
    payment_id: idText.optional(),
    code: code.optional(),
    message: z.string().optional(),
  })
  .loose();
export type EcommpayGateAnswer = z.infer<typeof gateAnswerSchema>;

export const bankSchema = z
  .object({
    id: z.number().int().positive(),
    abbr: z.string().optional(),
    name: z.string().optional(),
    nativeName: z.string().optional(),
    currencies: z.array(z.object({ alpha_3_4217: z.string() }).loose()).optional(),
  })
  .loose();
export const bankListSchema = z.array(bankSchema);
export type EcommpayBankInfo = z.infer<typeof bankSchema>;

const sum = z.object({ amount: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER), currency: z.string() }).loose();

export const operationSchema = z
  .object({
    id: idText.optional(),
    type: z.string(),
    status: z.string(),
    date: z.string().optional(),
    created_date: z.string().optional(),
    request_id: z.string().optional(),
    sum_initial: sum.optional(),
    sum_converted: sum.optional(),
    code: code.optional(),
    message: z.string().optional(),
    provider: z.object({ id: idText.optional(), payment_id: idText.optional(), auth_code: z.string().optional(), date: z.string().optional() }).loose().optional(),
  })
  .loose();
export type EcommpayOperation = z.infer<typeof operationSchema>;

export const paymentSchema = z
  .object({
    id: idText,
    type: z.string().optional(),
    status: z.string().min(1).max(64),
    date: z.string().optional(),
    method: z.string().optional(),
    sum: sum.optional(),
    description: z.string().optional(),
  })
  .loose();

/** Where to send the customer: the VA page. "body—object with data to be sent in the request body; method—GET or POST; url" (seed 004). */
export const redirectDataSchema = z
  .object({
    body: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    method: z.string().optional(),
    url: z.url({ protocol: /^https?$/ }),
  })
  .loose();
export type EcommpayRedirectData = z.infer<typeof redirectDataSchema>;

const account = z.object({ number: idText.optional() }).loose();

/** A callback, intermediate (with redirect_data) or final; seed 004 and en_platform_callbacks.html. */
export const callbackSchema = z
  .object({
    project_id: idText,
    payment: paymentSchema,
    account: account.optional(),
    customer: z.object({ id: idText.optional() }).loose().optional(),
    operation: operationSchema.optional(),
    redirect_data: redirectDataSchema.optional(),
    signature: z.string(),
  })
  .loose();
export type EcommpayCallback = z.infer<typeof callbackSchema>;

/**
 * The answer to a status request: the payment, and its operations as an array (ecommpay's
 * WooCommerce plugin, common/models/EcpGatewayInfoStatus.php: account, customer, errors,
 * operations, payment, project_id). Signed like a callback when `signature` is present [?].
 */
export const statusAnswerSchema = z
  .object({
    project_id: idText.optional(),
    payment: paymentSchema,
    account: account.optional(),
    operations: z.array(operationSchema).optional(),
    errors: z.array(z.object({ code: code.optional(), message: z.string().optional(), field: z.string().optional(), description: z.string().optional() }).loose()).optional(),
    signature: z.string().optional(),
  })
  .loose();
export type EcommpayStatusAnswer = z.infer<typeof statusAnswerSchema>;

/** Minor units → whole rupiah; undefined when the amount has a fraction of a rupiah. */
export function minorToRupiah(minor: number): number | undefined {
  return Number.isSafeInteger(minor) && minor >= 0 && minor % IDR_MINOR_UNITS === 0 ? minor / IDR_MINOR_UNITS : undefined;
}

/** "2020-02-22T22:44:46+0000" → ISO 8601 UTC; undefined for anything else. */
export function isoFromEcommpay(text: string | undefined): string | undefined {
  const m = text === undefined ? null : /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.\d+)?([+-])(\d{2}):?(\d{2})$/.exec(text);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[2]}${m[3]}:${m[4]}`);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** ISO instant → ecommpay's "YYYY-MM-DDThh:mm:ss+00:00" (UTC). */
export function ecommpayDatetime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19) + '+00:00';
}
