// Writes of the system of record: one payment or payout version at a time, from the workflow's
// projection activity (workflows/projection.ts). Each write is one transaction and idempotent by
// (id, version):
//   - an older version never overwrites a newer one; the same version again with the same content
//     (a retried write) changes nothing;
//   - the same version with other content replaces it: the first was written by a workflow task
//     that never committed (the worker died after the write), the second by the committed run
//     of that task — the record follows the history, not the lost attempt;
//   - each transition (id, version) is there once; transitions the committed run skipped (it
//     went from `afterVersion` straight to `version`) are removed as speculative. Nothing else
//     may change the log: the trigger refuses it unless the transaction says it is correcting.
//   - refunds follow the payment's version the same way.
import type { PaymentView, TimelineEntry } from '../domain/payment.js';
import type { PayoutView } from '../domain/payout.js';
import { inTransaction, type Pool, type PoolClient } from './pool.js';

export interface PaymentVersion {
  version: number;
  /** The create request's hash (written with the first version, never changed). */
  requestHash: string;
  /** The version this run of the workflow wrote before this one (-1: none yet). */
  afterVersion: number;
  /** Timeline entries already written with earlier versions: the ones after are this transition's. */
  fromEntry: number;
  view: PaymentView;
}

export interface PayoutVersion {
  version: number;
  requestHash: string;
  afterVersion: number;
  fromEntry: number;
  view: PayoutView;
}

/** When the view last changed: its newest timeline entry, else its creation. */
function updatedAt(view: { createdAt: string; timeline: TimelineEntry[] }): string {
  return view.timeline.at(-1)?.at ?? view.createdAt;
}

/** Lets this transaction correct speculative transitions (see the trigger in migration 001). */
async function correcting(db: PoolClient): Promise<void> {
  await db.query(`SELECT set_config('bayar.correcting_speculative', 'on', true)`);
}

/** Returns true when this version became the row (false: the record already had it or newer). */
export async function recordPaymentVersion(pool: Pool, { version, requestHash, afterVersion, fromEntry, view }: PaymentVersion): Promise<boolean> {
  return inTransaction(pool, async (db) => {
    const row = await db.query(
      `INSERT INTO payments AS p (id, merchant_id, merchant_reference, provider, method, currency, status, amount_expected, amount_paid,
         amount_refunded, provider_reference, version, view, created_at, updated_at, expires_at, paid_at, settled_at, request_hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
       ON CONFLICT (id) DO UPDATE SET
         provider = EXCLUDED.provider, status = EXCLUDED.status, amount_paid = EXCLUDED.amount_paid,
         amount_refunded = EXCLUDED.amount_refunded, provider_reference = EXCLUDED.provider_reference,
         version = EXCLUDED.version, view = EXCLUDED.view, updated_at = EXCLUDED.updated_at,
         paid_at = EXCLUDED.paid_at, settled_at = EXCLUDED.settled_at, recorded_at = now()
       WHERE p.version < EXCLUDED.version OR (p.version = EXCLUDED.version AND p.view IS DISTINCT FROM EXCLUDED.view)`,
      [
        view.id, view.merchantId, view.merchantReference, view.provider, view.method, view.currency, view.status,
        view.amounts.expected, view.amounts.paid, view.amounts.refunded, view.providerReference ?? null, version,
        JSON.stringify(view), view.createdAt, updatedAt(view), view.expiresAt, view.paidAt ?? null, view.settledAt ?? null, requestHash,
      ],
    );
    await correcting(db);
    await db.query('DELETE FROM payment_transitions WHERE payment_id = $1 AND version > $2 AND version < $3', [view.id, afterVersion, version]);
    await db.query(
      `INSERT INTO payment_transitions AS t (payment_id, version, status, status_reason, amount_paid, amount_refunded, entries)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (payment_id, version) DO UPDATE SET status = EXCLUDED.status, status_reason = EXCLUDED.status_reason,
         amount_paid = EXCLUDED.amount_paid, amount_refunded = EXCLUDED.amount_refunded, entries = EXCLUDED.entries, recorded_at = now()
       WHERE t.entries IS DISTINCT FROM EXCLUDED.entries OR t.status IS DISTINCT FROM EXCLUDED.status`,
      [view.id, version, view.status, view.statusReason ?? null, view.amounts.paid, view.amounts.refunded, JSON.stringify(view.timeline.slice(fromEntry))],
    );
    for (const r of view.refunds) {
      await db.query(
        `INSERT INTO refunds AS r (payment_id, refund_id, amount, reason, state, origin, provider_refund_id, failure_reason, requested_at, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (payment_id, refund_id) DO UPDATE SET state = EXCLUDED.state, provider_refund_id = EXCLUDED.provider_refund_id,
           failure_reason = EXCLUDED.failure_reason, version = EXCLUDED.version
         WHERE r.version <= EXCLUDED.version`,
        [view.id, r.refundId, r.amount, r.reason, r.state, r.origin, r.providerRefundId ?? null, r.failureReason ?? null, r.requestedAt, version],
      );
    }
    return row.rowCount === 1;
  });
}

export async function recordPayoutVersion(pool: Pool, { version, requestHash, afterVersion, fromEntry, view }: PayoutVersion): Promise<boolean> {
  return inTransaction(pool, async (db) => {
    const row = await db.query(
      `INSERT INTO payouts AS p (id, merchant_id, merchant_reference, provider, currency, amount, fee_type, status, version, view, created_at, updated_at, completed_at, request_hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
       ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, version = EXCLUDED.version, view = EXCLUDED.view,
         updated_at = EXCLUDED.updated_at, completed_at = EXCLUDED.completed_at, recorded_at = now()
       WHERE p.version < EXCLUDED.version OR (p.version = EXCLUDED.version AND p.view IS DISTINCT FROM EXCLUDED.view)`,
      [view.id, view.merchantId, view.merchantReference, view.provider, view.currency, view.amount, view.feeType, view.status, version,
        JSON.stringify(view), view.createdAt, updatedAt(view), view.completedAt ?? null, requestHash],
    );
    await correcting(db);
    await db.query('DELETE FROM payout_transitions WHERE payout_id = $1 AND version > $2 AND version < $3', [view.id, afterVersion, version]);
    await db.query(
      `INSERT INTO payout_transitions AS t (payout_id, version, status, entries) VALUES ($1, $2, $3, $4)
       ON CONFLICT (payout_id, version) DO UPDATE SET status = EXCLUDED.status, entries = EXCLUDED.entries, recorded_at = now()
       WHERE t.entries IS DISTINCT FROM EXCLUDED.entries OR t.status IS DISTINCT FROM EXCLUDED.status`,
      [view.id, version, view.status, JSON.stringify(view.timeline.slice(fromEntry))],
    );
    return row.rowCount === 1;
  });
}
