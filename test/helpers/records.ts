// "The database equals the workflow": one checker for the e2e tests (and the chaos invariants).
// The row must hold exactly the view the workflow computes, and the transition log must be that
// view's history without gaps or duplicates: the entries of every transition, in version order,
// are the timeline, and the highest version is the timeline's length.
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { paymentQuery } from '../../workflows/definitions.js';
import { payoutQuery } from '../../workflows/payout-definitions.js';
import type { PaymentView } from '../../src/domain/payment.js';
import type { PayoutView } from '../../src/domain/payout.js';

export interface RecordMismatch {
  id: string;
  problem: string;
}

export class RecordChecker {
  private constructor(
    private readonly pool: pg.Pool,
    private readonly connection: Connection,
    private readonly client: Client,
  ) {}

  static async open(databaseUrl: string, temporalAddress: string): Promise<RecordChecker> {
    const connection = await Connection.connect({ address: temporalAddress });
    return new RecordChecker(new pg.Pool({ connectionString: databaseUrl, max: 2 }), connection, new Client({ connection }));
  }

  /** The mismatches between the workflow's view and the record of these payments (empty: equal). */
  async payments(ids: string[]): Promise<RecordMismatch[]> {
    return this.check('payments', 'payment_transitions', 'payment_id', ids, (id) => this.client.workflow.getHandle(id).query(paymentQuery));
  }

  async payouts(ids: string[]): Promise<RecordMismatch[]> {
    return this.check('payouts', 'payout_transitions', 'payout_id', ids, (id) => this.client.workflow.getHandle(id).query(payoutQuery));
  }

  /**
   * The same, allowing the projection to catch up: mismatched ids are checked again until they
   * match or `timeoutMs` runs out (a payment may still be moving when the check starts).
   */
  async eventually(kind: 'payments' | 'payouts', ids: string[], timeoutMs = 15_000): Promise<RecordMismatch[]> {
    const deadline = Date.now() + timeoutMs;
    let left = ids;
    for (;;) {
      const problems = await this[kind](left);
      if (problems.length === 0 || Date.now() > deadline) return problems;
      left = [...new Set(problems.map((p) => p.id))];
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
    await this.connection.close();
  }

  private async check(table: string, log: string, key: string, ids: string[], query: (id: string) => Promise<PaymentView | PayoutView>): Promise<RecordMismatch[]> {
    const problems: RecordMismatch[] = [];
    for (const id of ids) {
      let workflow: PaymentView | PayoutView;
      try {
        workflow = await query(id);
      } catch (err) {
        // A workflow that cannot answer (its workflow task failing, say) is a finding, not a crash of the check.
        problems.push({ id, problem: `the workflow cannot be queried: ${(err as Error).message}${(err as { cause?: Error }).cause ? ` (${(err as { cause: Error }).cause.message})` : ''}` });
        continue;
      }
      const row = (await this.pool.query(`SELECT view, version FROM ${table} WHERE id = $1`, [id])).rows[0] as { view: unknown; version: number } | undefined;
      if (!row) {
        problems.push({ id, problem: 'no row in the record' });
        continue;
      }
      if (JSON.stringify(sorted(row.view)) !== JSON.stringify(sorted(workflow)))
        problems.push({ id, problem: `row (version ${row.version}) differs from the workflow's view: ${difference(row.view, workflow)}` });
      const transitions = (await this.pool.query(`SELECT version, entries FROM ${log} WHERE ${key} = $1 ORDER BY version`, [id])).rows as { version: number; entries: unknown[] }[];
      const replayed = transitions.flatMap((t) => t.entries);
      if (JSON.stringify(sorted(replayed)) !== JSON.stringify(sorted(workflow.timeline)))
        problems.push({ id, problem: `transitions (${transitions.map((t) => t.version).join(',')}) do not add up to the timeline (${workflow.timeline.length} entries)` });
    }
    return problems;
  }
}

/** Where two views differ: each differing field, and for the timeline the entries from the first that differs. */
function difference(record: unknown, workflow: unknown): string {
  const a = (record ?? {}) as Record<string, unknown>;
  const b = (workflow ?? {}) as Record<string, unknown>;
  const json = (v: unknown) => JSON.stringify(sorted(v));
  const parts: string[] = [];
  for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    if (json(a[key]) === json(b[key])) continue;
    if (key === 'timeline' && Array.isArray(a[key]) && Array.isArray(b[key])) {
      const [ra, rb] = [a[key] as unknown[], b[key] as unknown[]];
      let i = 0;
      while (i < ra.length && i < rb.length && json(ra[i]) === json(rb[i])) i++;
      parts.push(`timeline from entry ${i}: record ${json(ra.slice(i))} / workflow ${json(rb.slice(i))}`);
    } else parts.push(`${key}: record ${json(a[key])} / workflow ${json(b[key])}`);
  }
  return parts.join('; ');
}

/** JSON with object keys sorted: jsonb does not keep key order. */
function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => [k, sorted(v)]),
    );
  return value;
}
