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
//   - refunds follow the payment's version the same way;
//   - and above all these: a write from a shorter history than the one that last wrote the row
//     changes nothing at all (row, transitions, refunds). The workflow sends its history length
//     with every write (workflows/projection.ts); a task that runs again after a lost attempt
//     sees a longer history than that attempt, so the lost attempt's write can never undo the
//     committed one, even when it arrives later (migrations/005_write_history_length.sql says
//     how the chaos run found this: the row was protected by its version, the transition was not).
import type { PaymentSummary, TimelineEntry } from '../domain/payment.js';
import type { PayoutSummary } from '../domain/payout.js';
import { inTransaction, type Pool, type PoolClient } from './pool.js';

interface Version<S> {
  version: number;
  /** The create request's hash (written with the first version, never changed). */
  requestHash: string;
  /** The version this run of the workflow wrote before this one (-1: none yet). */
  afterVersion: number;
  /** workflowInfo().historyLength when the write was made: a later attempt of a task sees a longer history. */
  historyLength: number;
  /** The view without its timeline, as of this version. */
  summary: S;
  /** The timeline entries this version added: those after the ones written with `afterVersion`. */
  entries: TimelineEntry[];
}
export type PaymentVersion = Version<PaymentSummary>;
export type PayoutVersion = Version<PayoutSummary>;

// The row keeps the whole view (summary and timeline), so a GET reads one row as before. Each
// write sends only the new entries; the row's timeline is rebuilt from what the record holds:
//   - the common case: the row is at `afterVersion`, the version this run wrote before, so its
//     timeline is already the entries up to there and the new ones are appended;
//   - otherwise (a speculative version is in the row, a retry, a late older write): the
//     timeline is the transitions' entries up to `afterVersion`, in version order, then the new
//     ones. Those transitions are exactly this run's (the skipped ones are removed below), so
//     the row converges on the history as before.
// The timeline is then the concatenation of the transitions up to the row's version, which is
// what the "database equals workflow" checker (test/helpers/records.ts) verifies.
function nextViewSql(table: string, log: string, key: string): string {
  return `WITH cur AS (SELECT version, view, history_length FROM ${table} WHERE id = $1 FOR UPDATE),
    nv AS (SELECT cur.version AS old_version, cur.view AS old_view, cur.history_length AS old_history, $3::jsonb || jsonb_build_object('timeline',
        CASE WHEN cur.version = $4 THEN cur.view->'timeline'
          ELSE coalesce((SELECT jsonb_agg(x.entry ORDER BY t.version, x.n) FROM ${log} t CROSS JOIN LATERAL jsonb_array_elements(t.entries) WITH ORDINALITY AS x(entry, n)
                         WHERE t.${key} = $1 AND t.version <= $4), '[]'::jsonb) END || $5::jsonb) AS view
      FROM cur)`;
}
/**
 * The row moves to this version, or the same version with other content replaces it, and only
 * for a write from a history at least as long as the row's (see the header). `$h`: the
 * statement's parameter number of the write's history length.
 *
 * It also moves *back* to this version when the row holds a newer one written from a shorter
 * history: a run writes its versions in order, each from a history no shorter than the last, so a
 * newer version from a shorter history than this write's can only come from an attempt of a
 * workflow task that never committed (the chaos run's merchant refund accepted by a lost attempt,
 * shown as pending until the payment next changed). Its transitions and refunds go with it.
 */
const moves = (h: number) => `nv.old_history <= $${h} AND (nv.old_version < $2 OR (nv.old_version = $2 AND nv.old_view IS DISTINCT FROM nv.view) OR (nv.old_version > $2 AND nv.old_history < $${h}))`;
/** As updatedAt() below, from the row's new view. */
const UPDATED_AT = `coalesce((nv.view->'timeline'->-1->>'at')::timestamptz, p.created_at)`;

/** When the view last changed: its newest timeline entry, else its creation. */
function updatedAt(summary: { createdAt: string }, entries: TimelineEntry[]): string {
  return entries.at(-1)?.at ?? summary.createdAt;
}

/**
 * The transition (id, version) with the entries it added, and the removal of the versions this
 * run skipped. The transaction said it may correct when it began (WRITE_BEGIN; see the trigger in
 * migration 001): the upsert only changes an existing transition when the committed run replaces
 * a speculative one.
 */
async function writeTransition(db: PoolClient, log: string, key: string, columns: Record<string, unknown>, afterVersion: number, corrected: boolean): Promise<void> {
  // (Called only for a write that is not stale, so the versions deleted below were written from
  // a history no longer than this one.)
  const id = columns[key];
  const version = columns.version as number;
  if (version > afterVersion + 1) await db.query({ name: `${log}-skipped`, text: `DELETE FROM ${log} WHERE ${key} = $1 AND version > $2 AND version < $3`, values: [id, afterVersion, version] });
  if (corrected) await db.query({ name: `${log}-corrected`, text: `DELETE FROM ${log} WHERE ${key} = $1 AND version > $2 AND history_length < $3`, values: [id, version, columns.history_length] });
  const names = Object.keys(columns);
  const changed = names.filter((n) => n !== key && n !== 'version');
  await db.query({
    name: `${log}-upsert`,
    text: `INSERT INTO ${log} AS t (${names.join(', ')}) VALUES (${names.map((_, i) => `$${i + 1}`).join(', ')})
       ON CONFLICT (${key}, version) DO UPDATE SET ${changed.map((n) => `${n} = EXCLUDED.${n}`).join(', ')}, recorded_at = now()
       WHERE t.history_length <= EXCLUDED.history_length AND (t.entries IS DISTINCT FROM EXCLUDED.entries OR t.status IS DISTINCT FROM EXCLUDED.status)`,
    values: names.map((n) => columns[n]),
  });
}

/**
 * After a write that did not move the row: whether a row exists and whether the write is stale
 * (the row was last written from a longer history). A longer history than the row's is kept on
 * the row, so a lost attempt's late write after this one is refused too. Rare: a retry, a late
 * older version, a correction of a version the row has passed.
 */
async function historyCheck(db: PoolClient, table: string, id: string, historyLength: number): Promise<'missing' | 'stale' | 'current'> {
  const { rows } = await db.query<{ history_length: string }>({
    name: `${table}-history`,
    text: `WITH cur AS (SELECT history_length FROM ${table} WHERE id = $1 FOR UPDATE),
      bumped AS (UPDATE ${table} AS t SET history_length = $2 FROM cur WHERE t.id = $1 AND cur.history_length < $2)
      SELECT history_length::text FROM cur`,
    values: [id, historyLength],
  });
  if (rows.length === 0) return 'missing';
  return Number(rows[0]!.history_length) > historyLength ? 'stale' : 'current';
}

/**
 * Every write's transaction says at once that it may correct a speculative transition (the
 * trigger in migration 001 refuses any other change to the log): one round trip with BEGIN
 * rather than a statement of its own in every write (docs/performance.md).
 */
const WRITE_BEGIN = `BEGIN; SELECT set_config('bayar.correcting_speculative', 'on', true)`;

/**
 * How one kind of record (payments, payouts) is written: its table and transition log, the row's
 * own columns (besides id, version, view, timestamps, request hash and history length), and the
 * transition's.
 */
interface RecordKind<S> {
  table: 'payments' | 'payouts';
  log: 'payment_transitions' | 'payout_transitions';
  key: 'payment_id' | 'payout_id';
  /** Columns set when the row is created and never changed. */
  fixed(s: S): Record<string, unknown>;
  /** Columns each version may change (written on insert too). */
  moving(s: S): Record<string, unknown>;
  transition(s: S): Record<string, unknown>;
  /** Written in the same transaction after the transition (a payment's refunds). */
  alongside?(db: PoolClient, s: S, version: number, corrected: boolean): Promise<void>;
}

const PAYMENTS: RecordKind<PaymentSummary> = {
  table: 'payments',
  log: 'payment_transitions',
  key: 'payment_id',
  fixed: (s) => ({ merchant_id: s.merchantId, merchant_reference: s.merchantReference, method: s.method, currency: s.currency, amount_expected: s.amounts.expected, expires_at: s.expiresAt }),
  moving: (s) => ({
    provider: s.provider,
    status: s.status,
    amount_paid: s.amounts.paid,
    amount_refunded: s.amounts.refunded,
    provider_reference: s.providerReference ?? null,
    paid_at: s.paidAt ?? null,
    settled_at: s.settledAt ?? null,
  }),
  transition: (s) => ({ status: s.status, status_reason: s.statusReason ?? null, amount_paid: s.amounts.paid, amount_refunded: s.amounts.refunded }),
  alongside: async (db, s, version, corrected) => {
    // A correction replaces what a lost attempt wrote at this version or above: a refund only it
    // had accepted was never the payment's. The payment's own refunds are written again below.
    if (corrected) await db.query({ name: 'refunds-corrected', text: 'DELETE FROM refunds WHERE payment_id = $1 AND version >= $2', values: [s.id, version] });
    for (const r of s.refunds) {
      await db.query({
        name: 'refunds-upsert',
        text: `INSERT INTO refunds AS r (payment_id, refund_id, amount, reason, state, origin, provider_refund_id, failure_reason, requested_at, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (payment_id, refund_id) DO UPDATE SET state = EXCLUDED.state, provider_refund_id = EXCLUDED.provider_refund_id,
           failure_reason = EXCLUDED.failure_reason, version = EXCLUDED.version
         WHERE r.version <= EXCLUDED.version`,
        values: [s.id, r.refundId, r.amount, r.reason, r.state, r.origin, r.providerRefundId ?? null, r.failureReason ?? null, r.requestedAt, version],
      });
    }
  },
};

const PAYOUTS: RecordKind<PayoutSummary> = {
  table: 'payouts',
  log: 'payout_transitions',
  key: 'payout_id',
  fixed: (s) => ({ merchant_id: s.merchantId, merchant_reference: s.merchantReference, provider: s.provider, currency: s.currency, amount: s.amount, fee_type: s.feeType }),
  moving: (s) => ({ status: s.status, completed_at: s.completedAt ?? null }),
  transition: (s) => ({ status: s.status }),
};

/** Returns true when this version became the row (false: the record already had it or newer). */
export function recordPaymentVersion(pool: Pool, v: PaymentVersion): Promise<boolean> {
  return recordVersion(pool, PAYMENTS, v);
}

export function recordPayoutVersion(pool: Pool, v: PayoutVersion): Promise<boolean> {
  return recordVersion(pool, PAYOUTS, v);
}

async function recordVersion<S extends PaymentSummary | PayoutSummary>(
  pool: Pool,
  kind: RecordKind<S>,
  { version, requestHash, afterVersion, historyLength, summary: s, entries }: Version<S>,
): Promise<boolean> {
  return inTransaction(
    pool,
    async (db) => {
      const entriesJson = JSON.stringify(entries);
      const row: Record<string, unknown> = {
        id: s.id,
        ...kind.fixed(s),
        ...kind.moving(s),
        version,
        view: JSON.stringify(s),
        created_at: s.createdAt,
        updated_at: updatedAt(s, entries),
        request_hash: requestHash,
        history_length: historyLength,
      };
      const names = Object.keys(row);
      // The timeline's entries are the last parameter; `view` is the summary with them.
      const timeline = `$${names.length + 1}::jsonb`;
      const insert = () =>
        db.query({
          name: `${kind.table}-insert`,
          text: `INSERT INTO ${kind.table} (${names.join(', ')})
         VALUES (${names.map((n, i) => (n === 'view' ? `$${i + 1}::jsonb || jsonb_build_object('timeline', ${timeline})` : `$${i + 1}`)).join(', ')})
         ON CONFLICT (id) DO NOTHING`,
          values: [...names.map((n) => row[n]), entriesJson],
        });
      // The first write of a run usually creates the row; later ones update it.
      let moved = afterVersion < 0 && (await insert()).rowCount === 1;
      let stale = false;
      let corrected = false;
      if (!moved) {
        const changed = kind.moving(s);
        const set = Object.keys(changed).map((n, i) => `${n} = $${i + 6}`);
        const history = set.length + 6;
        const updated = await db.query({
          name: `${kind.table}-update`,
          text: `${nextViewSql(kind.table, kind.log, kind.key)}
          UPDATE ${kind.table} AS p SET ${set.join(', ')}, version = $2, view = nv.view, updated_at = ${UPDATED_AT}, history_length = $${history}, recorded_at = now()
          FROM nv WHERE p.id = $1 AND ${moves(history)}
          RETURNING nv.old_version`,
          values: [s.id, version, JSON.stringify(s), afterVersion, entriesJson, ...Object.values(changed), historyLength],
        });
        moved = updated.rowCount === 1;
        // A correction: the same version with other content, or back from a newer one (see `moves`).
        corrected = moved && Number((updated.rows[0] as { old_version: number | string }).old_version) >= version;
        if (!moved) {
          const found = await historyCheck(db, kind.table, s.id, historyLength);
          stale = found === 'stale';
          // Not expected (this run wrote `afterVersion` before), but a row must exist for the log.
          if (found === 'missing' && afterVersion >= 0) moved = (await insert()).rowCount === 1;
        }
      }
      // A lost attempt's late write: the record already holds what a longer history wrote.
      if (stale) return false;
      await writeTransition(db, kind.log, kind.key, { [kind.key]: s.id, version, ...kind.transition(s), entries: entriesJson, history_length: historyLength }, afterVersion, corrected);
      await kind.alongside?.(db, s, version, corrected);
      return moved;
    },
    WRITE_BEGIN,
  );
}

/**
 * What the record holds of a payment or payout now: its version and the history length that wrote
 * it (undefined: no row yet). Read by the record activities to keep one worker's writes in order
 * (activities/write-order.ts), never by a workflow.
 */
export async function recordedVersion(pool: Pool, table: 'payments' | 'payouts', id: string): Promise<{ version: number; historyLength: number } | undefined> {
  const { rows } = await pool.query<{ version: number; history_length: string }>({
    name: `${table}-recorded-version`,
    text: `SELECT version, history_length::text FROM ${table} WHERE id = $1`,
    values: [id],
  });
  return rows[0] && { version: Number(rows[0].version), historyLength: Number(rows[0].history_length) };
}
