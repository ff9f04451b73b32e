// The projection's activities (run as local activities, see workflows/projection.ts): write one
// version of a payment or payout to the system of record: its summary and the timeline entries it
// added (src/db/records.repository.ts rebuilds the whole view). Idempotent by (id, version).
import type { Pool } from '../src/db/pool.js';
import { recordPaymentVersion, recordPayoutVersion, type PaymentVersion, type PayoutVersion } from '../src/db/records.repository.js';

export function createRecordActivities(pool: Pool) {
  return {
    /** null: a version the record already holds (see workflows/projection.ts); nothing to do. */
    async recordPayment(input: PaymentVersion | null): Promise<void> {
      if (input) await recordPaymentVersion(pool, input);
    },
    async recordPayout(input: PayoutVersion | null): Promise<void> {
      if (input) await recordPayoutVersion(pool, input);
    },
  };
}

export type RecordActivities = ReturnType<typeof createRecordActivities>;
