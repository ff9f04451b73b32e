// Writes of the system of record: one payment or payout version at a time, from the workflow's
// projection activity. Each write is one transaction and idempotent by (id, version):
//   - the row is replaced only by a higher version (a retried or late older write changes nothing),
//   - the transition (id, version) is inserted once (ON CONFLICT DO NOTHING),
//   - refunds follow the payment's version the same way.
import type { PaymentView, TimelineEntry } from '../domain/payment.js';
import type { PayoutView } from '../domain/payout.js';
import { inTransaction, type Pool } from './pool.js';

export interface PaymentVersion {
  version: number;
  /** Timeline entries already written with earlier versions: the ones after are this transition's. */
  fromEntry: number;
  view: PaymentView;
}

export interface PayoutVersion {
  version: number;
  fromEntry: number;
  view: PayoutView;
}

/** When the view last changed: its newest timeline entry, else its creation. */
function updatedAt(view: { createdAt: string; timeline: TimelineEntry[] }): string {
  return view.timeline.at(-1)?.at ?? view.createdAt;
}

/** Returns true when this version became the row (false: the record already had it or newer). */
export async function recordPaymentVersion(pool: Pool, { version, fromEntry, view }: PaymentVersion): Promise<boolean> {
  return inTransaction(pool, async (db) => {
    const row = await db.query(
      `INSERT INTO payments AS p (id, merchant_id, merchant_reference, provider, method, currency, status, amount_expected, amount_paid,
         amount_refunded, provider_reference, version, view, created_at, updated_at, expires_at, paid_at, settled_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
       ON CONFLICT (id) DO UPDATE SET
         provider = EXCLUDED.provider, status = EXCLUDED.status, amount_paid = EXCLUDED.amount_paid,
         amount_refunded = EXCLUDED.amount_refunded, provider_reference = EXCLUDED.provider_reference,
         version = EXCLUDED.version, view = EXCLUDED.view, updated_at = EXCLUDED.updated_at,
         paid_at = EXCLUDED.paid_at, settled_at = EXCLUDED.settled_at, recorded_at = now()
       WHERE p.version < EXCLUDED.version`,
      [
        view.id, view.merchantId, view.merchantReference, view.provider, view.method, view.currency, view.status,
        view.amounts.expected, view.amounts.paid, view.amounts.refunded, view.providerReference ?? null, version,
        JSON.stringify(view), view.createdAt, updatedAt(view), view.expiresAt, view.paidAt ?? null, view.settledAt ?? null,
      ],
    );
    await db.query(
      `INSERT INTO payment_transitions (payment_id, version, status, status_reason, amount_paid, amount_refunded, entries)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (payment_id, version) DO NOTHING`,
      [view.id, version, view.status, view.statusReason ?? null, view.amounts.paid, view.amounts.refunded, JSON.stringify(view.timeline.slice(fromEntry))],
    );
    for (const r of view.refunds) {
      await db.query(
        `INSERT INTO refunds AS r (payment_id, refund_id, amount, reason, state, origin, provider_refund_id, failure_reason, requested_at, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (payment_id, refund_id) DO UPDATE SET state = EXCLUDED.state, provider_refund_id = EXCLUDED.provider_refund_id,
           failure_reason = EXCLUDED.failure_reason, version = EXCLUDED.version
         WHERE r.version < EXCLUDED.version`,
        [view.id, r.refundId, r.amount, r.reason, r.state, r.origin, r.providerRefundId ?? null, r.failureReason ?? null, r.requestedAt, version],
      );
    }
    return row.rowCount === 1;
  });
}

export async function recordPayoutVersion(pool: Pool, { version, fromEntry, view }: PayoutVersion): Promise<boolean> {
  return inTransaction(pool, async (db) => {
    const row = await db.query(
      `INSERT INTO payouts AS p (id, merchant_id, merchant_reference, provider, currency, amount, fee_type, status, version, view, created_at, updated_at, completed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
       ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, version = EXCLUDED.version, view = EXCLUDED.view,
         updated_at = EXCLUDED.updated_at, completed_at = EXCLUDED.completed_at, recorded_at = now()
       WHERE p.version < EXCLUDED.version`,
      [view.id, view.merchantId, view.merchantReference, view.provider, view.currency, view.amount, view.feeType, view.status, version,
        JSON.stringify(view), view.createdAt, updatedAt(view), view.completedAt ?? null],
    );
    await db.query(
      `INSERT INTO payout_transitions (payout_id, version, status, entries) VALUES ($1, $2, $3, $4) ON CONFLICT (payout_id, version) DO NOTHING`,
      [view.id, version, view.status, JSON.stringify(view.timeline.slice(fromEntry))],
    );
    return row.rowCount === 1;
  });
}
