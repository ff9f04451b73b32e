// The projection's activities (run as local activities, see workflows/projection.ts): write one
// version of a payment or payout to the system of record: its summary and the timeline entries it
// added (src/db/records.repository.ts rebuilds the whole view). Idempotent by (id, version); one
// worker's writes of one payment reach the database in version order (write-order.ts).
import type { Pool } from '../src/db/pool.js';
import { recordedVersion, recordPaymentVersion, recordPayoutVersion, type PaymentVersion, type PayoutVersion } from '../src/db/records.repository.js';
import { WriteOrder } from './write-order.js';

export function createRecordActivities(pool: Pool) {
  const payments = new WriteOrder((id) => recordedVersion(pool, 'payments', id));
  const payouts = new WriteOrder((id) => recordedVersion(pool, 'payouts', id));
  return {
    /** null: a version written by a newer version's call (see workflows/projection.ts); nothing to do. */
    async recordPayment(input: PaymentVersion | null): Promise<void> {
      if (input) await payments.run({ id: input.summary.id, ...input }, () => recordPaymentVersion(pool, input));
    },
    async recordPayout(input: PayoutVersion | null): Promise<void> {
      if (input) await payouts.run({ id: input.summary.id, ...input }, () => recordPayoutVersion(pool, input));
    },
  };
}

export type RecordActivities = ReturnType<typeof createRecordActivities>;
