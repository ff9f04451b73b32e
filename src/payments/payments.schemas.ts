// The HTTP contract's request shapes. Strict: an unknown field is a 400, not silently dropped.
import { z } from 'zod';
import { ProblemException } from '../common/problem.js';
import { PAYMENT_METHODS, PAYMENT_STATUSES } from '../domain/payment.js';
import { PROVIDER_NAMES } from '../providers/index.js';

/** bayar's own ceiling per payment; each provider's capability may be lower. */
export const MAX_PAYMENT_IDR = 1_000_000_000;

const PRINTABLE_SOURCE = '^[\\x21-\\x7e]+$';
const printable = new RegExp(PRINTABLE_SOURCE);

export const rupiah = z
  .number({ error: 'amount must be a number of rupiah' })
  .int('amount must be a whole number of rupiah (IDR has no minor unit here)')
  .positive('amount must be positive')
  .max(MAX_PAYMENT_IDR, `amount must not exceed ${MAX_PAYMENT_IDR} rupiah`);

export const createPaymentSchema = z
  .strictObject({
    merchantReference: z.string().min(1).max(64).regex(printable, 'merchantReference: printable ASCII without spaces'),
    amount: rupiah,
    currency: z.literal('IDR').default('IDR'),
    method: z.enum(PAYMENT_METHODS),
    provider: z.enum(PROVIDER_NAMES).optional(),
    customer: z
      .strictObject({
        name: z.string().min(1).max(100).optional(),
        email: z.email().max(254).optional(),
        phone: z
          .string()
          .regex(/^\+?[0-9]{8,15}$/, 'phone: 8–15 digits, optional leading +')
          .optional(),
        /** The customer's IP address; ecommpay's Gate requires it for a purchase. */
        ipAddress: z.union([z.ipv4(), z.ipv6()], { error: 'ipAddress: an IPv4 or IPv6 address' }).optional(),
        /** Billing address; DOKU's Indodana paylater requires one (billing_address). */
        address: z
          .strictObject({
            line: z.string().min(1).max(255),
            city: z.string().min(1).max(100),
            postalCode: z.string().regex(/^[0-9A-Za-z -]{3,10}$/, 'postalCode: 3–10 letters, digits, spaces or -'),
            countryCode: z
              .string()
              .regex(/^[A-Z]{3}$/, 'countryCode: ISO 3166-1 alpha-3, e.g. IDN')
              .optional(),
          })
          .optional(),
      })
      .optional(),
    expiresInMinutes: z
      .number()
      .int()
      .positive()
      .max(60 * 24 * 180)
      .optional(),
    /** Finer control than minutes, mainly for tests and short QR payments. */
    expiresInSeconds: z
      .number()
      .int()
      .positive()
      .max(60 * 60 * 24 * 180)
      .optional(),
    /** https in production, and never an internal address (checked at create with 422, and again at call time). */
    callbackUrl: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .optional(),
    /** Where a provider's hosted page (e-wallet app redirect, VA page) sends the customer back to. */
    returnUrl: z
      .url({ protocol: /^https$/ })
      .max(2048)
      .optional(),
    description: z.string().max(255).optional(),
    items: z
      .array(z.strictObject({ name: z.string().min(1).max(100), quantity: z.number().int().positive().max(10_000), price: rupiah }))
      .max(100)
      .optional(),
  })
  .refine((b) => !(b.expiresInMinutes && b.expiresInSeconds), { message: 'give expiresInMinutes or expiresInSeconds, not both', path: ['expiresInSeconds'] })
  .refine((b) => !b.items || b.items.reduce((s, i) => s + i.price * i.quantity, 0) === b.amount, { message: 'items must add up to amount', path: ['items'] });
export type CreatePaymentBody = z.infer<typeof createPaymentSchema>;

export const refundSchema = z.strictObject({
  amount: rupiah.optional(),
  reason: z.string().min(1).max(255),
  refundId: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/, 'refundId: letters, digits, - and _')
    .optional(),
});
export type RefundBody = z.infer<typeof refundSchema>;

export const cancelSchema = z.strictObject({ reason: z.string().max(255).optional() }).default({});

export const paymentIdSchema = z.string().regex(/^pay_[0-9a-f]{24}$/, 'not a payment id');

/** The Idempotency-Key header in the OpenAPI document: the same rule as idempotencyKeySchema. */
export const IDEMPOTENCY_KEY_HEADER = {
  name: 'Idempotency-Key',
  required: false,
  description: 'Makes a retried request the same request: 1–64 printable ASCII characters, no spaces',
  schema: { type: 'string', minLength: 1, maxLength: 64, pattern: PRINTABLE_SOURCE },
} as const;

export const idempotencyKeySchema = z.string().min(1).max(64).regex(printable, 'Idempotency-Key: printable ASCII without spaces').optional();

/** The Idempotency-Key header, checked; a bad one is a 400 before anything happens. */
export function parseIdempotencyKey(header: string | undefined): string | undefined {
  const parsed = idempotencyKeySchema.safeParse(header);
  if (!parsed.success) throw new ProblemException(400, 'VALIDATION_FAILED', parsed.error.issues[0]?.message ?? 'bad Idempotency-Key');
  return parsed.data;
}

/**
 * A comma-separated batch (seed 000's batch_status): 1 to 100 values, no spaces. The whole list is
 * one pattern, so the OpenAPI document states exactly what is accepted (schemathesis checks it).
 */
const batchOf = (item: string, message: string) =>
  z
    .string()
    .max(100 * 65)
    .regex(new RegExp(`^${item}(,${item}){0,99}$`), message)
    .transform((v) => [...new Set(v.split(','))]);

// Normalised to UTC here: any ISO offset is valid (-17:32 too), but PostgreSQL takes at most ±15:59,
// and a filter must never reach the database as something it may refuse (schemathesis found a 503).
const instant = z.iso.datetime({ offset: true, error: 'an ISO 8601 date-time, e.g. 2026-12-01T00:00:00Z' }).transform((s) => new Date(s).toISOString());

export const listQuerySchema = z
  .strictObject({
    status: z.enum(PAYMENT_STATUSES).optional(),
    provider: z.enum(PROVIDER_NAMES).optional(),
    method: z.enum(PAYMENT_METHODS).optional(),
    reference: z.string().min(1).max(64).regex(printable).optional(),
    /** Batch lookup: these payment ids (comma-separated). */
    ids: batchOf('pay_[0-9a-f]{24}', 'ids: 1 to 100 payment ids, comma-separated').optional(),
    /** Batch lookup: these merchant references (comma-separated). */
    references: batchOf('[\\x21-\\x2b\\x2d-\\x7e]{1,64}', 'references: 1 to 100 merchant references (printable ASCII, no spaces), comma-separated').optional(),
    createdFrom: instant.optional(),
    createdTo: instant.optional(),
    updatedFrom: instant.optional(),
    updatedTo: instant.optional(),
    amountMin: z.coerce.number().int().min(0).max(MAX_PAYMENT_IDR).optional(),
    amountMax: z.coerce.number().int().min(0).max(MAX_PAYMENT_IDR).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    pageToken: z
      .string()
      .max(2048)
      .regex(/^[A-Za-z0-9+/=_-]*$/)
      .optional(),
  })
  .refine((q) => q.amountMin === undefined || q.amountMax === undefined || q.amountMin <= q.amountMax, { message: 'amountMin must not exceed amountMax', path: ['amountMin'] });
export type ListQuery = z.infer<typeof listQuerySchema>;
