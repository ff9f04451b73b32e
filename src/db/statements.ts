// The daily statement and reconciliation in the system of record (migration 003). A produced
// day is written once, in one transaction with its statement_days row: producing it again finds
// that row and writes nothing. Every row read back is parsed with zod.
import { z } from 'zod';
import { dayWindow } from '../statements/day.js';
import { feeBreakdown, sortLines, totalsOf, type ReportedFee, type StatementLine, type StatementTotals } from '../statements/statement.js';
import type { Difference } from '../statements/reconcile.js';
import { inTransaction, type Pool } from './pool.js';
import { camelRow, paymentColumns, payoutColumns } from './rows.js';

export async function lastProducedDay(pool: Pool): Promise<string | null> {
  const r = await pool.query<{ day: string | null }>('SELECT max(day)::text AS day FROM statement_days');
  return r.rows[0]?.day ?? null;
}

export async function isProduced(pool: Pool, day: string): Promise<boolean> {
  return ((await pool.query('SELECT 1 FROM statement_days WHERE day = $1::date', [day])).rowCount ?? 0) > 0;
}

export interface MerchantProviderStatement {
  merchantId: string;
  provider: string;
  lines: StatementLine[];
  totals: StatementTotals;
}

const ledgerRow = z.object({
  merchant_id: z.string(),
  kind: z.enum(['COLLECTED', 'REFUNDED', 'ADJUSTMENT', 'PAID_OUT']),
  amount: z.number().int(),
  payment_id: z.string().nullable(),
  payout_id: z.string().nullable(),
  refund_id: z.string().nullable(),
  created_at: z.date(),
  provider: z.string().nullable(),
  method: z.string().nullable(),
  status: z.string().nullable(),
  merchant_reference: z.string().nullable(),
  provider_reference: z.string().nullable(),
  view: z.looseObject({}).nullable(),
});

const changeRow = z.object({
  kind: z.enum(['payment', 'payout']),
  id: z.string(),
  merchant_id: z.string(),
  provider: z.string(),
  method: z.string(),
  status: z.string(),
  merchant_reference: z.string(),
  provider_reference: z.string().nullable(),
  at: z.date(),
});

const payoutViewFields = z.looseObject({
  feeType: z.string().optional(),
  attempts: z.array(z.looseObject({ state: z.string(), fee: z.number().int().optional(), providerReference: z.string().optional() })).default([]),
});

/**
 * The day's lines, per merchant and provider: every money movement in the ledger that day
 * (collected, refunded, a refund given back after it failed, paid out) and every payment or
 * payout that changed that day without moving money (a change line with gross 0). Operator
 * adjustments and payout reservations are not provider money and are left out.
 */
export async function statementsForDay(pool: Pool, day: string, paymentFees: ReadonlyMap<string, ReportedFee> = new Map()): Promise<MerchantProviderStatement[]> {
  const { from, to } = dayWindow(day);
  const ledger = await pool.query(
    `SELECT l.merchant_id, l.kind, l.amount, l.payment_id, l.payout_id, l.refund_id, l.created_at,
            coalesce(p.provider, po.provider) AS provider, CASE WHEN po.id IS NOT NULL THEN 'PAYOUT' ELSE p.method END AS method,
            coalesce(p.status, po.status) AS status, coalesce(p.merchant_reference, po.merchant_reference) AS merchant_reference,
            p.provider_reference, po.view
       FROM ledger_entries l
       LEFT JOIN payments p ON p.id = l.payment_id
       LEFT JOIN payouts po ON po.id = l.payout_id
      WHERE l.created_at >= $1 AND l.created_at < $2
        AND (l.kind IN ('COLLECTED', 'REFUNDED', 'PAID_OUT') OR (l.kind = 'ADJUSTMENT' AND l.refund_id IS NOT NULL))`,
    [from, to],
  );
  // Ledger rows come back in no fixed order; the fee goes on the earliest collection of a payment.
  ledger.rows.sort((a, b) => (a.created_at as Date).getTime() - (b.created_at as Date).getTime());
  const lines = new Map<string, { merchantId: string; provider: string; lines: StatementLine[] }>();
  const push = (merchantId: string, provider: string, line: StatementLine) => {
    const key = `${merchantId}\u0000${provider}`;
    let s = lines.get(key);
    if (!s) lines.set(key, (s = { merchantId, provider, lines: [] }));
    s.lines.push(line);
  };
  const moved = new Set<string>();
  const feeTaken = new Set<string>();
  for (const raw of ledger.rows) {
    const r = ledgerRow.parse(raw);
    const type = r.kind === 'COLLECTED' ? 'payment' : r.kind === 'REFUNDED' ? 'refund' : r.kind === 'ADJUSTMENT' ? 'refund_reversal' : 'payout';
    let fees = feeBreakdown(r.amount);
    // The fee the provider's transaction list reported on this payment, on its (first) collection line.
    const reported = type === 'payment' && r.payment_id && !feeTaken.has(r.payment_id) ? paymentFees.get(r.payment_id) : undefined;
    if (reported) {
      fees = feeBreakdown(r.amount, reported);
      feeTaken.add(r.payment_id!);
    }
    if (type === 'payout' && r.view) {
      // The fee the provider reported on the attempt that paid out (PayoutAttempt.fee).
      const v = payoutViewFields.parse(r.view);
      const paid = v.attempts.find((a) => a.state === 'SUCCEEDED');
      if (paid?.fee !== undefined) fees = feeBreakdown(r.amount, { fee: paid.fee }, { feeInsideGross: v.feeType === 'DEDUCT_FROM_AMOUNT' });
    }
    moved.add(r.payment_id ?? r.payout_id ?? '');
    push(r.merchant_id, r.provider ?? 'unknown', {
      type,
      at: r.created_at.toISOString(),
      ...(r.payment_id ? { paymentId: r.payment_id } : {}),
      ...(r.refund_id ? { refundId: r.refund_id } : {}),
      ...(r.payout_id ? { payoutId: r.payout_id } : {}),
      merchantReference: r.merchant_reference ?? '',
      method: r.method ?? 'unknown',
      status: r.status ?? 'unknown',
      ...(r.provider_reference ? { providerReference: r.provider_reference } : {}),
      gross: r.amount,
      ...fees,
    });
  }
  const changed = await pool.query(
    `SELECT 'payment' AS kind, p.id, p.merchant_id, p.provider, p.method, p.status, p.merchant_reference, p.provider_reference, max(t.recorded_at) AS at
       FROM payment_transitions t JOIN payments p ON p.id = t.payment_id
      WHERE t.recorded_at >= $1 AND t.recorded_at < $2 GROUP BY p.id
     UNION ALL
     SELECT 'payout', po.id, po.merchant_id, po.provider, 'PAYOUT', po.status, po.merchant_reference, NULL, max(t.recorded_at)
       FROM payout_transitions t JOIN payouts po ON po.id = t.payout_id
      WHERE t.recorded_at >= $1 AND t.recorded_at < $2 GROUP BY po.id`,
    [from, to],
  );
  for (const raw of changed.rows) {
    const r = changeRow.parse(raw);
    if (moved.has(r.id)) continue;
    push(r.merchant_id, r.provider, {
      type: 'change',
      at: r.at.toISOString(),
      ...(r.kind === 'payment' ? { paymentId: r.id } : { payoutId: r.id }),
      merchantReference: r.merchant_reference,
      method: r.method,
      status: r.status,
      ...(r.provider_reference ? { providerReference: r.provider_reference } : {}),
      gross: 0,
      ...feeBreakdown(0),
    });
  }
  return [...lines.values()]
    .sort((a, b) => (a.merchantId + a.provider < b.merchantId + b.provider ? -1 : 1))
    .map((s) => {
      const sorted = sortLines(s.lines);
      return { ...s, lines: sorted, totals: totalsOf(sorted) };
    });
}

const touchedPayment = paymentColumns
  .pick({ id: true, merchant_id: true, provider: true, method: true, status: true, amount_paid: true, amount_refunded: true, provider_reference: true, version: true })
  .extend({ view: z.looseObject({ amounts: z.looseObject({ refundPending: z.number().int().default(0) }) }) });
export type TouchedPayment = z.infer<typeof touchedPayment>;

const touchedPayout = payoutColumns
  .pick({ id: true, merchant_id: true, provider: true, status: true, version: true })
  .extend({ view: z.looseObject({ attempts: z.array(z.looseObject({ providerPayoutId: z.string(), state: z.string() })).default([]) }) });
export type TouchedPayout = z.infer<typeof touchedPayout>;

/** Payments and payouts that changed that day (a transition recorded), as bayar records them now. */
export async function touchedOn(pool: Pool, day: string): Promise<{ payments: TouchedPayment[]; payouts: TouchedPayout[] }> {
  const { from, to } = dayWindow(day);
  const payments = await pool.query(
    `SELECT id, merchant_id, provider, method, status, amount_paid, amount_refunded, provider_reference, version, view FROM payments
      WHERE id IN (SELECT payment_id FROM payment_transitions WHERE recorded_at >= $1 AND recorded_at < $2) ORDER BY id`,
    [from, to],
  );
  const payouts = await pool.query(
    `SELECT id, merchant_id, provider, status, version, view FROM payouts
      WHERE id IN (SELECT payout_id FROM payout_transitions WHERE recorded_at >= $1 AND recorded_at < $2) ORDER BY id`,
    [from, to],
  );
  return { payments: payments.rows.map((r) => touchedPayment.parse(r)), payouts: payouts.rows.map((r) => touchedPayout.parse(r)) };
}

/** Which of these payment ids bayar has a record of. */
export async function knownPayments(pool: Pool, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const r = await pool.query<{ id: string }>('SELECT id FROM payments WHERE id = ANY($1::text[])', [ids]);
  return new Set(r.rows.map((x) => x.id));
}

/** The record's version of a payment or payout now (a change since the look-up voids a difference). */
export async function currentVersion(pool: Pool, type: 'payment' | 'payout', id: string): Promise<number | undefined> {
  const r = await pool.query<{ version: number }>(`SELECT version FROM ${type === 'payment' ? 'payments' : 'payouts'} WHERE id = $1`, [id]);
  return r.rows[0]?.version;
}

export interface FoundDifference extends Difference {
  merchantId: string;
  provider: string;
  objectType: 'payment' | 'payout';
  objectId: string;
}

/**
 * Writes a produced day: its statements and differences with the statement_days row, all or
 * nothing. false when the day was already produced (nothing is written then).
 */
export async function writeStatementDay(pool: Pool, day: string, statements: MerchantProviderStatement[], differences: FoundDifference[], unchecked: Record<string, string>): Promise<boolean> {
  return inTransaction(pool, async (db) => {
    const claimed = await db.query('INSERT INTO statement_days (day, unchecked) VALUES ($1::date, $2) ON CONFLICT (day) DO NOTHING', [day, JSON.stringify(unchecked)]);
    if (claimed.rowCount !== 1) return false;
    for (const s of statements) {
      await db.query('INSERT INTO statements (day, merchant_id, provider, lines, totals) VALUES ($1::date, $2, $3, $4, $5)', [
        day,
        s.merchantId,
        s.provider,
        JSON.stringify(s.lines),
        JSON.stringify(s.totals),
      ]);
    }
    for (const d of differences) {
      await db.query(
        `INSERT INTO reconciliation_differences (day, merchant_id, provider, kind, object_type, object_id, bayar, provider_says, action)
         VALUES ($1::date, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`,
        [day, d.merchantId, d.provider, d.kind, d.objectType, d.objectId, JSON.stringify(d.bayar), JSON.stringify(d.providerSays), d.action],
      );
    }
    return true;
  });
}

const differenceRow = z.object({
  merchant_id: z.string(),
  provider: z.string(),
  kind: z.string(),
  object_type: z.enum(['payment', 'payout']),
  object_id: z.string(),
  bayar: z.record(z.string(), z.unknown()),
  provider_says: z.record(z.string(), z.unknown()),
  action: z.enum(['wake', 'review']),
  woken_at: z.date().nullable(),
  wake_error: z.string().nullable(),
});

export interface StoredDifference {
  provider: string;
  kind: string;
  objectType: 'payment' | 'payout';
  objectId: string;
  bayar: Record<string, unknown>;
  providerSays: Record<string, unknown>;
  action: 'wake' | 'review';
  wokenAt?: string;
  wakeError?: string;
}

function toDifference(raw: unknown): StoredDifference & { merchantId: string } {
  return camelRow(differenceRow.parse(raw));
}

/** Differences whose payment has not been woken yet (the wake activity's work list). */
export async function unwokenDifferences(pool: Pool, day: string): Promise<(StoredDifference & { merchantId: string })[]> {
  const r = await pool.query(`SELECT * FROM reconciliation_differences WHERE day = $1::date AND action = 'wake' AND woken_at IS NULL AND wake_error IS NULL ORDER BY provider, kind, object_id`, [day]);
  return r.rows.map(toDifference);
}

export async function markWoken(pool: Pool, day: string, d: { provider: string; kind: string; objectId: string }, error?: string): Promise<void> {
  await pool.query(
    `UPDATE reconciliation_differences SET ${error ? 'wake_error = $5' : 'woken_at = now()'} WHERE day = $1::date AND provider = $2 AND kind = $3 AND object_id = $4`,
    error ? [day, d.provider, d.kind, d.objectId, error.slice(0, 500)] : [day, d.provider, d.kind, d.objectId],
  );
}

const statementRow = z.object({ provider: z.string(), lines: z.array(z.looseObject({})), totals: z.looseObject({}) });

export interface MerchantStatement {
  date: string;
  producedAt: string;
  providers: { provider: string; lines: StatementLine[]; totals: StatementTotals }[];
  differences: StoredDifference[];
}

/** A merchant's statement for a day; undefined when the day has not been produced yet. */
export async function readStatement(pool: Pool, merchantId: string, day: string): Promise<MerchantStatement | undefined> {
  const produced = await pool.query<{ produced_at: Date }>('SELECT produced_at FROM statement_days WHERE day = $1::date', [day]);
  if (!produced.rows[0]) return undefined;
  const rows = await pool.query('SELECT provider, lines, totals FROM statements WHERE day = $1::date AND merchant_id = $2 ORDER BY provider', [day, merchantId]);
  const diffs = await pool.query('SELECT * FROM reconciliation_differences WHERE day = $1::date AND merchant_id = $2 ORDER BY provider, kind, object_id', [day, merchantId]);
  return {
    date: day,
    producedAt: produced.rows[0].produced_at.toISOString(),
    providers: rows.rows.map((raw) => {
      const r = statementRow.parse(raw);
      return { provider: r.provider, lines: r.lines as unknown as StatementLine[], totals: r.totals as unknown as StatementTotals };
    }),
    differences: diffs.rows.map((raw) => {
      const { merchantId: _m, ...d } = toDifference(raw);
      return d;
    }),
  };
}
