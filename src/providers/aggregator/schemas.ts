// Wire shapes of the RSA aggregator as bayar uses it: pay-in orders (/gateway/prepaidOrder),
// disbursements (/gateway/cash), status queries (/gateway/query), their answers, and the two
// form-encoded callbacks. Shared by the adapter and the local sandbox. Field names: seed 003 and
// the same platform family's published API pages (document.bdpay.co.id: "Create Payment Link",
// "Create Disbursement", "Query order status", "Payment and disbursement callback instructions").
// Requests are what bayar sends (strict); answers and callbacks are loose (new fields appear).
import { z } from 'zod';
import { AGGREGATOR_METHOD_CODES, EXPIRY_MINUTES } from './capabilities.js';

// ---- the customer rules of seed 003 ("Payment interface parameter description") ----

/** "composed of letters, numbers and spaces, and no more than 30" — and not only spaces. */
export const NAME_PATTERN = /^(?=.*[A-Za-z0-9])[A-Za-z0-9 ]{1,30}$/;
/** "the email format must be xxx@xx.xx"; ASCII only, since the platform refuses non-Latin text. */
export const EMAIL_PATTERN = /^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+$/;
/** "the mobile phone number must be a pure number". */
export const PHONE_PATTERN = /^\d{8,15}$/;
/** OVO: the mobile number the customer registered OVO with, "general form 082113086611". */
export const OVO_PHONE_PATTERN = /^08\d{8,11}$/;

/** `dateTime`: "format yyyyMMddHHmmss". */
export const DATE_TIME_PATTERN = /^\d{14}$/;

/** Whole rupiah as the platform writes them: "10000" (a number in some answers, "10000.00" tolerated). */
export const wireAmount = z.union([z.string().max(24), z.number()]);

export function parseAmount(value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  const m = /^(\d{1,15})(?:\.0{1,2})?$/.exec(value);
  return m ? Number(m[1]) : undefined;
}

/** The platform's free text (platRespMessage, msg, statusMsg): up to 512 characters, often left out. */
const platformMessage = z.string().max(512).optional();

/** An amount in a form-encoded callback: text, read by parseAmount. */
const callbackAmount = z.string().max(24);

/** The account holder's name as callbacks carry it. */
const callbackName = z.string().max(128).optional();

const orderNum = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'orderNum: letters, digits, - and _');
const integerText = (what: string) => z.string().regex(/^[1-9]\d{0,14}$/, `${what}: a positive whole number of rupiah, as text`);
const common = {
  merchantCode: z.string().min(5).max(50),
  dateTime: z.string().regex(DATE_TIME_PATTERN, 'dateTime: yyyyMMddHHmmss'),
  sign: z.string().min(1).max(4096),
};

// ---- POST /gateway/prepaidOrder ----

export const prepaidOrderRequestSchema = z
  .strictObject({
    ...common,
    orderNum,
    method: z.enum(AGGREGATOR_METHOD_CODES as [string, ...string[]]),
    payMoney: integerText('payMoney'),
    productDetail: z.string().min(1).max(32),
    name: z.string().regex(NAME_PATTERN, 'name: letters, digits and spaces, at most 30'),
    email: z.string().regex(EMAIL_PATTERN, 'email: must look like xxx@xx.xx'),
    phone: z.string().regex(PHONE_PATTERN, 'phone: digits only'),
    notifyUrl: z.url({ protocol: /^https?$/ }).max(512),
    redirectUrl: z
      .url({ protocol: /^https?$/ })
      .max(512)
      .optional(),
    expiryPeriod: z
      .string()
      .regex(/^\d{1,6}$/, 'expiryPeriod: whole minutes')
      .refine((v) => Number(v) >= EXPIRY_MINUTES.min && Number(v) <= EXPIRY_MINUTES.max, `expiryPeriod: ${EXPIRY_MINUTES.min}–${EXPIRY_MINUTES.max} minutes`)
      .optional(),
  })
  .refine((r) => r.method !== 'EWALLET_OVO' || OVO_PHONE_PATTERN.test(r.phone), {
    message: 'phone: EWALLET_OVO needs the mobile number registered with OVO, e.g. 082113086611',
    path: ['phone'],
  });
export type PrepaidOrderRequest = z.infer<typeof prepaidOrderRequestSchema>;

/** What every synchronous answer carries (order, disbursement and query alike, seed 003): the platform's verdict, the order's two numbers and its signature. */
const platformAnswer = z.object({
  platRespCode: z.string().max(32),
  platRespMessage: platformMessage,
  platOrderNum: z.string().max(64).optional(),
  orderNum: z.string().max(64).optional(),
  /** The client verifies it over the answer as it arrived (client.ts), before this parse. */
  platSign: z.string().max(4096).optional(),
});

/**
 * The answer. platRespCode: SUCCESS, FAIL, UNKNOWN, NOTEXIST or ERROR. What the customer needs is
 * in `vaNumber` (VA number; store payment code; for QRIS the QR payload itself [?]) and `url`
 * (the platform's payment page; the only instruction for e-wallets).
 */
export const prepaidOrderResponseSchema = platformAnswer
  .extend({
    method: z.string().max(32).optional(),
    name: z.string().max(64).optional(),
    email: z.string().max(254).optional(),
    vaNumber: z.string().max(1024).optional(),
    url: z.string().max(2048).optional(),
    payMoney: wireAmount.optional(),
    payFee: wireAmount.optional(),
    productDetail: z.string().max(64).optional(),
  })
  .loose();
export type PrepaidOrderResponse = z.infer<typeof prepaidOrderResponseSchema>;

// ---- POST /gateway/cash ----

export const cashRequestSchema = z.strictObject({
  ...common,
  orderNum,
  money: integerText('money'),
  description: z.string().min(1).max(32),
  /** "real name of user that left in bank": must match the account (case ignored). */
  name: z
    .string()
    .min(1)
    .max(32)
    .regex(/^[A-Za-z0-9 .,'-]+$/, "name: letters, digits, spaces and . , ' -"),
  bankCode: z.string().min(1).max(16),
  number: z.string().regex(/^\d{5,34}$/, 'number: the account number, digits only'),
  notifyUrl: z.url({ protocol: /^https?$/ }).max(512),
  feeType: z.enum(['0', '1']),
  // Sent by the platform's published payout demos (TopPay PHP `transfer()`, IdPayUtils): method
  // "Transfer", orderType "0", and the payee's mobile and email ("only needed for upstream … must
  // conform to the format", seed 003). Another family member's published client (Mongopay's
  // CashReq, a C# integration of /gateway/cash) sends none of them, so whether the platform
  // requires them is not settled: the sandbox takes a payout without them and checks their format
  // when present; bayar always sends them.
  method: z.string().min(1).max(16).optional(),
  orderType: z
    .string()
    .regex(/^\d{1,2}$/)
    .optional(),
  mobile: z
    .string()
    .regex(/^\d{8,15}$/, 'mobile: digits only')
    .optional(),
  email: z
    .string()
    .regex(/^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/, 'email: name@example.com')
    .optional(),
});
export type CashRequest = z.infer<typeof cashRequestSchema>;

/** The synchronous answer only says whether the disbursement was ACCEPTED (platRespCode). */
export const cashResponseSchema = platformAnswer
  .extend({
    name: z.string().max(64).optional(),
    bankCode: z.string().max(16).optional(),
    number: z.string().max(64).optional(),
    money: wireAmount.optional(),
    fee: wireAmount.optional(),
    feeType: z.union([z.string().max(4), z.number()]).optional(),
  })
  .loose();
export type CashResponse = z.infer<typeof cashResponseSchema>;

// ---- POST /gateway/query ----

export const QUERY_TYPES = ['ORDER_QUERY', 'CASH_QUERY', 'REFUND_QUERY'] as const;
export type QueryType = (typeof QUERY_TYPES)[number];

export const queryRequestSchema = z.strictObject({
  ...common,
  queryType: z.enum(QUERY_TYPES),
  orderNum,
});
export type QueryRequest = z.infer<typeof queryRequestSchema>;

/**
 * `status` depends on queryType: ORDER_QUERY → INIT_ORDER, NO_PAY, OPEN_PAY_URL, SUCCESS,
 * PAY_CANCEL, PAY_ERROR; CASH_QUERY → 0 new, 1/5 processing, 2 success, 3 cancelled, 4 failed.
 * `amount` is "the amount user has paid". platRespCode NOTEXIST: no such order.
 */
export const queryResponseSchema = platformAnswer
  .extend({
    amount: wireAmount.optional(),
    fee: wireAmount.optional(),
    status: z.union([z.string().max(32), z.number()]).optional(),
    msg: platformMessage,
  })
  .loose();
export type QueryResponse = z.infer<typeof queryResponseSchema>;

// ---- callbacks: form-encoded POSTs, sent only for a successful payment / a finished disbursement ----

/** What every callback carries, payment and disbursement alike (seed 003): the order's two numbers and the platform's signature. */
const signedCallback = z.object({
  orderNum: z.string().min(1).max(64),
  platOrderNum: z.string().min(1).max(64),
  platSign: z.string().max(4096),
});

/** Payment callback: code=00&email=…&method=…&msg=SUCCESS&name=…&orderNum=…&payFee=…&payMoney=…&platOrderNum=…&platSign=…&vaNumber=… */
export const payCallbackSchema = signedCallback
  .extend({
    /** "00 means success, other failures". */
    code: z.string().max(16),
    msg: platformMessage,
    method: z.string().max(32),
    payMoney: callbackAmount,
    payFee: callbackAmount.optional(),
    name: callbackName,
    email: z.string().max(254).optional(),
    vaNumber: z.string().max(1024).optional(),
  })
  .loose();
export type PayCallback = z.infer<typeof payCallbackSchema>;

/** Disbursement callback: bankCode, description, fee, feeType, money, name, number, orderNum, platOrderNum, platSign, status (2 success, 4 fail), statusMsg. */
export const payoutCallbackSchema = signedCallback
  .extend({
    status: z.string().max(8),
    statusMsg: platformMessage,
    money: callbackAmount,
    fee: callbackAmount.optional(),
    feeType: z.string().max(4).optional(),
    bankCode: z.string().max(16).optional(),
    number: z.string().max(64).optional(),
    name: callbackName,
    description: z.string().max(256).optional(),
  })
  .loose();
export type PayoutCallback = z.infer<typeof payoutCallbackSchema>;

/** The platform's dateTime: yyyyMMddHHmmss in Jakarta time (WIB, UTC+7) [? zone not stated]. */
export function aggregatorDateTime(ms: number): string {
  return new Date(ms + 7 * 3_600_000).toISOString().slice(0, 19).replace(/\D/g, '');
}
