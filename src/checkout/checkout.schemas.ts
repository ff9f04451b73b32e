// The checkout API's request shapes (POST /v1/checkouts, the page's method choice). Strict, as
// the payments API: an unknown field is a 400.
import { z } from 'zod';
import { PAYMENT_METHODS } from '../domain/payment.js';
import { createPaymentSchema } from '../payments/payments.schemas.js';

/**
 * A checkout is a payment whose method the customer picks: the create body without `method`
 * and `provider`, plus the methods the merchant allows (default: every method bayar routes).
 */
// The payment's own field shapes (documented in OpenAPI as they are); `method` and `provider`
// are the customer's and bayar's to decide.
const { method: _method, provider: _provider, ...sharedFields } = createPaymentSchema.shape;

export const createCheckoutSchema = z
  .strictObject({
    ...sharedFields,
    methods: z.array(z.enum(PAYMENT_METHODS)).min(1).max(PAYMENT_METHODS.length).optional(),
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

/** The page's form post: the method, nothing else. */
export const chooseMethodSchema = z.strictObject({ method: z.enum(PAYMENT_METHODS) });

function stripUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
