// Reads of the system of record for the merchant API: one payment or payout, and the payment
// list (filters, batch by ids or references, keyset pagination). Every statement names the
// merchant, so a merchant can only ever read its own rows; every row is parsed with zod.
import { z } from 'zod';
import { PAYMENT_METHODS, PAYMENT_STATUSES, type PaymentView } from '../domain/payment.js';
import { PROVIDER_NAMES } from '../providers/index.js';
import type { PayoutView } from '../domain/payout.js';
import type { Pool } from './pool.js';
import { paymentColumns } from './rows.js';

// The stored views are bayar's own JSON; the check is that they are what the API promises.
const paymentViewSchema = z.looseObject({
  id: z.string(),
  merchantId: z.string(),
  status: z.enum(PAYMENT_STATUSES),
  provider: z.enum(PROVIDER_NAMES),
  method: z.enum(PAYMENT_METHODS),
  amounts: z.looseObject({ expected: z.number().int(), paid: z.number().int(), refunded: z.number().int() }),
  timeline: z.array(z.unknown()),
});
/** paymentViewSchema, for a view whose timeline PostgreSQL checked (findPaymentJson). */
const storedViewCheck = z.object({ summary: paymentViewSchema.omit({ timeline: true }), timeline_type: z.literal('array') });
const payoutViewSchema = z.looseObject({ id: z.string(), merchantId: z.string(), status: z.string(), amount: z.number().int(), timeline: z.array(z.unknown()) });

const summaryRow = paymentColumns.pick({
  id: true,
  status: true,
  provider: true,
  method: true,
  merchant_reference: true,
  amount_expected: true,
  amount_paid: true,
  amount_refunded: true,
  created_at: true,
  updated_at: true,
  expires_at: true,
});

export interface PaymentFilter {
  status?: string;
  provider?: string;
  method?: string;
  reference?: string;
  ids?: string[];
  references?: string[];
  createdFrom?: string;
  createdTo?: string;
  updatedFrom?: string;
  updatedTo?: string;
  amountMin?: number;
  amountMax?: number;
}

/** Where the next page starts: after this (created_at, id), newest first. */
export interface Cursor {
  createdAt: string;
  id: string;
}

export async function findPayment(pool: Pool, merchantId: string, id: string): Promise<PaymentView | undefined> {
  // Named: each pooled connection parses and plans it once, then only binds and runs it (a
  // primary-key probe, whose plan never depends on the values).
  const { rows } = await pool.query({ name: 'bayar-find-payment', text: 'SELECT view FROM payments WHERE id = $1 AND merchant_id = $2', values: [id, merchantId] });
  return rows[0] ? (paymentViewSchema.parse(rows[0].view) as unknown as PaymentView) : undefined;
}

/**
 * GET /v1/payments/:id's answer: the stored view as JSON text (jsonb's own text form: the same
 * JSON value the parsed view serialises to, with jsonb's key order and spacing), held to the same
 * check as findPayment's parse without parsing, copying and re-serialising the whole view (its
 * timeline) per GET: PostgreSQL hands over the view without its timeline (small, parsed and
 * checked by paymentViewSchema's other fields) and the timeline's JSON type. Three expressions, not
 * one per checked field: a view over ~2 kB is stored compressed, and each expression on it
 * decompresses it again (docs/performance.md). Undefined when the merchant has no such payment.
 */
export async function findPaymentJson(pool: Pool, merchantId: string, id: string): Promise<string | undefined> {
  const { rows } = await pool.query({
    name: 'bayar-find-payment-json',
    text: `SELECT view::text AS view, view - 'timeline' AS summary, jsonb_typeof(view->'timeline') AS timeline_type FROM payments WHERE id = $1 AND merchant_id = $2`,
    values: [id, merchantId],
  });
  if (!rows[0]) return undefined;
  storedViewCheck.parse(rows[0]);
  return z.string().parse(rows[0].view);
}

/** What a repeated create needs: the recorded view and the request hash it was created with. */
export async function findRecordedCreate(pool: Pool, kind: 'payment' | 'payout', merchantId: string, id: string): Promise<{ view: PaymentView | PayoutView; requestHash: string } | undefined> {
  const { rows } = await pool.query(`SELECT view, request_hash FROM ${kind === 'payment' ? 'payments' : 'payouts'} WHERE id = $1 AND merchant_id = $2`, [id, merchantId]);
  if (!rows[0]) return undefined;
  const view = (kind === 'payment' ? paymentViewSchema : payoutViewSchema).parse(rows[0].view) as unknown as PaymentView | PayoutView;
  return { view, requestHash: z.string().parse(rows[0].request_hash) };
}

export async function findPayout(pool: Pool, merchantId: string, id: string): Promise<PayoutView | undefined> {
  const { rows } = await pool.query('SELECT view FROM payouts WHERE id = $1 AND merchant_id = $2', [id, merchantId]);
  return rows[0] ? (payoutViewSchema.parse(rows[0].view) as unknown as PayoutView) : undefined;
}

export async function listPayments(pool: Pool, merchantId: string, filter: PaymentFilter, limit: number, after?: Cursor) {
  const params: unknown[] = [merchantId];
  const where = ['merchant_id = $1'];
  // Every value is a parameter; only these fixed column names and operators are spliced in.
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (filter.status) add('status = ?', filter.status);
  if (filter.provider) add('provider = ?', filter.provider);
  if (filter.method) add('method = ?', filter.method);
  if (filter.reference) add('merchant_reference = ?', filter.reference);
  if (filter.ids) add('id = ANY(?::text[])', filter.ids);
  if (filter.references) add('merchant_reference = ANY(?::text[])', filter.references);
  if (filter.createdFrom) add('created_at >= ?', filter.createdFrom);
  if (filter.createdTo) add('created_at < ?', filter.createdTo);
  if (filter.updatedFrom) add('updated_at >= ?', filter.updatedFrom);
  if (filter.updatedTo) {
    add('updated_at < ?', filter.updatedTo);
    // A payment is updated after it is created, so it was created before updatedTo too. Said
    // outright, the newest-first scan starts there instead of reading every newer payment first
    // (the planner cannot know that the two times go together: 660 ms → under 1 ms over 100,000
    // payments, docs/performance.md). The hour's margin covers clock skew between the API, which
    // stamps createdAt, and the workflow, which stamps the timeline that updated_at comes from.
    params.push(filter.updatedTo);
    where.push(`created_at < $${params.length}::timestamptz + interval '1 hour'`);
  }
  if (filter.amountMin !== undefined) add('amount_expected >= ?', filter.amountMin);
  if (filter.amountMax !== undefined) add('amount_expected <= ?', filter.amountMax);
  if (after) {
    params.push(after.createdAt, after.id);
    where.push(`(created_at, id) < ($${params.length - 1}::timestamptz, $${params.length})`);
  }
  params.push(limit + 1);
  const { rows } = await pool.query(
    `SELECT id, status, provider, method, merchant_reference, amount_expected, amount_paid, amount_refunded, created_at, updated_at, expires_at
       FROM payments WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
    params,
  );
  const parsed = rows.map((r) => summaryRow.parse(r));
  const page = parsed.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map((r) => ({
      id: r.id,
      status: r.status,
      provider: r.provider,
      method: r.method,
      merchantReference: r.merchant_reference,
      amount: r.amount_expected,
      amounts: { expected: r.amount_expected, paid: r.amount_paid, refunded: r.amount_refunded },
      createdAt: r.created_at.toISOString(),
      updatedAt: r.updated_at.toISOString(),
      expiresAt: r.expires_at.toISOString(),
    })),
    next: parsed.length > limit && last ? { createdAt: last.created_at.toISOString(), id: last.id } : undefined,
  };
}
