// How rows read from PostgreSQL become values: the payments and payouts tables' columns, described once (each
// read picks the ones it selects), and the snake_case row → camelCase object every read returns.
import { z } from 'zod';
import { PAYMENT_METHODS, PAYMENT_STATUSES } from '../domain/payment.js';
import { PROVIDER_NAMES } from '../providers/index.js';
import { PAYOUT_STATUSES } from '../domain/payout.js';

const int = z.number().int();

/** A payments row as node-postgres returns it (migrations/001); bayar writes only these values. */
export const paymentColumns = z.object({
  id: z.string(),
  merchant_id: z.string(),
  merchant_reference: z.string(),
  provider: z.enum(PROVIDER_NAMES),
  method: z.enum(PAYMENT_METHODS),
  status: z.enum(PAYMENT_STATUSES),
  amount_expected: int,
  amount_paid: int,
  amount_refunded: int,
  provider_reference: z.string().nullable(),
  version: int,
  created_at: z.date(),
  updated_at: z.date(),
  expires_at: z.date(),
});

/** A payouts row likewise (migrations/001). */
export const payoutColumns = z.object({
  id: z.string(),
  merchant_id: z.string(),
  merchant_reference: z.string(),
  provider: z.enum(PROVIDER_NAMES),
  amount: int,
  status: z.enum(PAYOUT_STATUSES),
  version: int,
  created_at: z.date(),
  updated_at: z.date(),
});

type Camel<S extends string> = S extends `${infer Head}_${infer Tail}` ? `${Head}${Capitalize<Camel<Tail>>}` : S;
type Value<V> = V extends Date ? string : V;
type Required<R> = { [K in keyof R as null extends R[K] ? never : Camel<K & string>]: Value<R[K]> };
type Optional<R> = { [K in keyof R as null extends R[K] ? Camel<K & string> : never]?: Value<Exclude<R[K], null>> };
export type CamelRow<R> = Required<R> & Optional<R>;

/** The row under camelCase names, timestamps as ISO strings; a NULL column is left out (the API's optional fields). */
export function camelRow<R extends Record<string, unknown>>(row: R): CamelRow<R> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(row)) {
    if (value === null) continue;
    out[name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())] = value instanceof Date ? value.toISOString() : value;
  }
  return out as CamelRow<R>;
}
