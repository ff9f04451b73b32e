// The checkout API's request shapes (POST /v1/checkouts, the page's method choice). Strict, as
// the payments API: an unknown field is a 400.
import { z } from 'zod';
import { PAYMENT_METHODS } from '../domain/payment.js';
import { createPaymentSchema } from '../payments/payments.schemas.js';

/**
 * A checkout is a payment whose method the customer picks: the create body without `method`
 * and `provider`, plus the methods the merchant allows (default: every method bayar routes).
 */
export const createCheckoutSchema = z
  .strictObject({
    merchantReference: z.string().min(1).max(64).regex(/^[\x21-\x7e]+$/, 'merchantReference: printable ASCII without spaces'),
    amount: z.number().int().positive(),
    currency: z.literal('IDR').default('IDR'),
    methods: z.array(z.enum(PAYMENT_METHODS)).min(1).max(PAYMENT_METHODS.length).optional(),
    customer: z.unknown().optional(),
    expiresInMinutes: z.number().int().positive().max(60 * 24 * 180).optional(),
    expiresInSeconds: z.number().int().positive().max(60 * 60 * 24 * 180).optional(),
    callbackUrl: z.unknown().optional(),
    returnUrl: z.unknown().optional(),
    description: z.unknown().optional(),
    items: z.unknown().optional(),
  })
  .transform((b, ctx) => {
    // Every shared field is checked by the payment's own schema (one set of rules), with the
    // first allowed method standing in for `method` until the customer chooses.
    const { methods, ...rest } = b;
    const parsed = createPaymentSchema.safeParse({ ...stripUndefined(rest), method: methods?.[0] ?? 'QRIS' });
    if (!parsed.success) {
      for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path as (string | number)[] });
      return z.NEVER;
    }
    return { payment: parsed.data, methods: methods ? [...new Set(methods)] : undefined };
  });
export type CreateCheckoutBody = z.output<typeof createCheckoutSchema>;

export const chooseMethodSchema = z.strictObject({ method: z.enum(PAYMENT_METHODS) });

function stripUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
