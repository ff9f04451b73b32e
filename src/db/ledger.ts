// A merchant's ledger: append-only signed entries in integer rupiah (credits positive, debits
// negative); the available balance is their sum. Every entry carries a source_key naming what
// made it (unique in the table), so writing the same fact twice adds nothing: the workflow's
// activities, the projection and a retried write can all call these functions freely.
//
// Payouts reserve before anything is sent: in one transaction that holds the merchant's row
// (SELECT … FOR UPDATE), the balance is summed and a PAYOUT_RESERVED debit written. Two
// concurrent payouts for one merchant queue on that row lock, so the second one sees the
// first one's reservation and cannot overdraw.
import type { PaymentView } from '../domain/payment.js';
import type { PayoutView } from '../domain/payout.js';
import { ProblemException } from '../common/problem.js';
import { inTransaction, type Pool, type PoolClient } from './pool.js';

export type LedgerKind = 'COLLECTED' | 'REFUNDED' | 'FEE' | 'PAYOUT_RESERVED' | 'PAYOUT_RELEASED' | 'PAID_OUT' | 'ADJUSTMENT';

export interface LedgerEntryInput {
  merchantId: string;
  kind: LedgerKind;
  amount: number;
  sourceKey: string;
  paymentId?: string;
  payoutId?: string;
  refundId?: string;
}

type Queryable = Pick<PoolClient, 'query'>;

/** Inserts the entry unless one with its source key exists; true when it was new. */
export async function appendEntry(db: Queryable, e: LedgerEntryInput): Promise<boolean> {
  if (!Number.isSafeInteger(e.amount) || e.amount === 0) throw new Error(`ledger: amount must be a non-zero integer (rupiah), got ${e.amount}`);
  const res = await db.query(
    `INSERT INTO ledger_entries (merchant_id, kind, amount, payment_id, payout_id, refund_id, source_key)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (source_key) DO NOTHING`,
    [e.merchantId, e.kind, e.amount, e.paymentId ?? null, e.payoutId ?? null, e.refundId ?? null, e.sourceKey],
  );
  return res.rowCount === 1;
}

// ---- payments: collected and refunded, derived from the workflow's view ----

/** The entries a payment view implies, given what is already recorded for it (pure, unit-tested). */
export function paymentEntries(view: PaymentView, recorded: { collected: number; refunded: Set<string>; refundFailed: Set<string> }): LedgerEntryInput[] {
  const entries: LedgerEntryInput[] = [];
  const base = { merchantId: view.merchantId, paymentId: view.id };
  // Money received so far; a late payment raises it, and the difference is a new entry keyed by
  // the new total (so the same total is never credited twice).
  const paid = view.amounts.paid;
  if (paid > recorded.collected) entries.push({ ...base, kind: 'COLLECTED', amount: paid - recorded.collected, sourceKey: `collected:${view.id}:${paid}` });
  for (const r of view.refunds) {
    const key = `refunded:${view.id}:${r.refundId}`;
    // Debited as soon as the provider has it (PENDING), not only once it succeeds: money on its
    // way back to the customer must not be paid out meanwhile.
    if ((r.state === 'PENDING' || r.state === 'SUCCEEDED') && !recorded.refunded.has(r.refundId)) {
      entries.push({ ...base, kind: 'REFUNDED', amount: -r.amount, refundId: r.refundId, sourceKey: key });
    }
    // A refund debited while PENDING that then failed gives the money back.
    if (r.state === 'FAILED' && recorded.refunded.has(r.refundId) && !recorded.refundFailed.has(r.refundId)) {
      entries.push({ ...base, kind: 'ADJUSTMENT', amount: r.amount, refundId: r.refundId, sourceKey: `refund-failed:${view.id}:${r.refundId}` });
    }
  }
  return entries;
}

/**
 * Writes the ledger entries a payment's view implies (collected, refunded), idempotently: call it
 * with every view the workflow produces, in any order, any number of times. `client` may be in
 * a transaction (the projection's); a per-payment advisory lock serialises two writers.
 * Fees: no provider reports a per-payment fee in the view yet, so none is written (FEE exists
 * in the schema for when one does).
 */
export async function recordLedgerForPayment(client: Queryable, view: PaymentView): Promise<number> {
  await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`ledger:${view.id}`]);
  const rows = await client.query<{ kind: string; amount: number; refund_id: string | null }>(`SELECT kind, amount, refund_id FROM ledger_entries WHERE payment_id = $1`, [view.id]);
  const recorded = { collected: 0, refunded: new Set<string>(), refundFailed: new Set<string>() };
  for (const r of rows.rows) {
    if (r.kind === 'COLLECTED') recorded.collected += r.amount;
    else if (r.kind === 'REFUNDED' && r.refund_id) recorded.refunded.add(r.refund_id);
    else if (r.kind === 'ADJUSTMENT' && r.refund_id) recorded.refundFailed.add(r.refund_id);
  }
  let written = 0;
  for (const e of paymentEntries(view, recorded)) if (await appendEntry(client, e)) written++;
  return written;
}

/** The same, in its own transaction (the advisory lock needs one). */
export function recordLedgerForPaymentView(pool: Pool, view: PaymentView): Promise<number> {
  return inTransaction(pool, (client) => recordLedgerForPayment(client, view));
}

// ---- payouts: reserve, release, paid out ----

export interface Balance {
  available: number;
  collected: number;
  refunded: number;
  fees: number;
  reserved: number;
  paidOut: number;
  adjustments: number;
}

/** Totals by kind (pure): `reserved` is what open payouts hold now. */
export function balanceOf(entries: { kind: string; amount: number }[]): Balance {
  const b: Balance = { available: 0, collected: 0, refunded: 0, fees: 0, reserved: 0, paidOut: 0, adjustments: 0 };
  for (const { kind, amount } of entries) {
    b.available += amount;
    if (kind === 'COLLECTED') b.collected += amount;
    else if (kind === 'REFUNDED') b.refunded -= amount;
    else if (kind === 'FEE') b.fees -= amount;
    else if (kind === 'PAYOUT_RESERVED') b.reserved -= amount;
    else if (kind === 'PAYOUT_RELEASED') b.reserved -= amount;
    else if (kind === 'PAID_OUT') b.paidOut -= amount;
    else if (kind === 'ADJUSTMENT') b.adjustments += amount;
  }
  return b;
}

export async function balance(db: Queryable, merchantId: string): Promise<Balance> {
  const rows = await db.query<{ kind: string; amount: number }>(`SELECT kind, sum(amount)::bigint AS amount FROM ledger_entries WHERE merchant_id = $1 GROUP BY kind`, [merchantId]);
  return balanceOf(rows.rows);
}

export class InsufficientBalance extends ProblemException {
  constructor(amount: number, available: number) {
    super(422, 'INSUFFICIENT_BALANCE', `the payout of ${amount} rupiah is more than the available balance of ${available}`, { available });
  }
}

interface ReservationState {
  reserved: number;
  released: number;
}

async function reservations(db: Queryable, payoutId: string): Promise<ReservationState> {
  const rows = await db.query<{ kind: string; n: number }>(
    `SELECT kind, count(*)::bigint AS n FROM ledger_entries WHERE payout_id = $1 AND kind IN ('PAYOUT_RESERVED', 'PAYOUT_RELEASED') GROUP BY kind`,
    [payoutId],
  );
  const n = (kind: string) => rows.rows.find((r) => r.kind === kind)?.n ?? 0;
  return { reserved: n('PAYOUT_RESERVED'), released: n('PAYOUT_RELEASED') };
}

/**
 * Holds `amount` of the merchant's balance for a payout, before anything is sent. Idempotent per
 * payout: a payout that already holds a reservation (the same request again) gets true without a
 * second one. `again` (a retry after a definite failure) reserves anew once the previous
 * reservation was released. Throws InsufficientBalance (422) when the balance does not cover it.
 */
export async function reservePayout(pool: Pool, p: { merchantId: string; payoutId: string; amount: number; again?: boolean }): Promise<'reserved' | 'already'> {
  return inTransaction(pool, async (client) => {
    // The merchant's row is the lock every reservation for this merchant queues on.
    const merchant = await client.query('SELECT 1 FROM merchants WHERE id = $1 FOR UPDATE', [p.merchantId]);
    if (merchant.rowCount !== 1) throw new ProblemException(422, 'MERCHANT_UNKNOWN', 'this merchant has no ledger');
    const held = await reservations(client, p.payoutId);
    if (held.reserved > held.released || (held.reserved > 0 && !p.again)) return 'already';
    const { available } = await balance(client, p.merchantId);
    if (p.amount > available) throw new InsufficientBalance(p.amount, available);
    await appendEntry(client, { merchantId: p.merchantId, kind: 'PAYOUT_RESERVED', amount: -p.amount, payoutId: p.payoutId, sourceKey: `payout-reserved:${p.payoutId}:${held.reserved + 1}` });
    return 'reserved';
  });
}

/** Gives a reservation back when the payout could not start at all (nothing was sent). */
export async function releaseUnstartedPayout(pool: Pool, p: { merchantId: string; payoutId: string; amount: number }): Promise<void> {
  await inTransaction(pool, async (client) => {
    const held = await reservations(client, p.payoutId);
    if (held.reserved <= held.released) return;
    await appendEntry(client, { merchantId: p.merchantId, kind: 'PAYOUT_RELEASED', amount: p.amount, payoutId: p.payoutId, sourceKey: `payout-released:${p.payoutId}:${held.reserved}` });
  });
}

/**
 * The entries a payout's view implies: FAILED releases its open reservation (a retry reserves
 * again); SUCCEEDED turns the reservation into PAID_OUT (a release and a debit, together).
 * PENDING / REVIEW_REQUIRED keep holding it: the money may still leave.
 */
export async function recordLedgerForPayout(client: Queryable, view: PayoutView): Promise<number> {
  await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`ledger:${view.id}`]);
  const held = await reservations(client, view.id);
  const base = { merchantId: view.merchantId, payoutId: view.id };
  let written = 0;
  if (view.status === 'FAILED' && held.reserved > held.released) {
    if (await appendEntry(client, { ...base, kind: 'PAYOUT_RELEASED', amount: view.amount, sourceKey: `payout-released:${view.id}:${held.reserved}` })) written++;
  }
  if (view.status === 'SUCCEEDED' && held.reserved > held.released) {
    if (await appendEntry(client, { ...base, kind: 'PAYOUT_RELEASED', amount: view.amount, sourceKey: `payout-released:${view.id}:${held.reserved}` })) written++;
    if (await appendEntry(client, { ...base, kind: 'PAID_OUT', amount: -view.amount, sourceKey: `payout-paid:${view.id}` })) written++;
  }
  return written;
}

export function recordLedgerForPayoutView(pool: Pool, view: PayoutView): Promise<number> {
  return inTransaction(pool, (client) => recordLedgerForPayout(client, view));
}

/** An operator's manual entry (admin CLI `ledger adjust`), either sign; the caller audits it. */
export async function adjustBalance(pool: Pool, p: { merchantId: string; amount: number; reason: string }): Promise<{ entryId: number; available: number }> {
  return inTransaction(pool, async (client) => {
    await client.query('SELECT 1 FROM merchants WHERE id = $1 FOR UPDATE', [p.merchantId]);
    const res = await client.query<{ id: number }>(
      `INSERT INTO ledger_entries (merchant_id, kind, amount, source_key) VALUES ($1, 'ADJUSTMENT', $2, 'adjustment:' || gen_random_uuid()) RETURNING id`,
      [p.merchantId, p.amount],
    );
    return { entryId: res.rows[0]!.id, available: (await balance(client, p.merchantId)).available };
  });
}
