// The gauges no single event can maintain (how many payments wait, for how long, how many need
// a person) come from Temporal visibility, refreshed on an interval. Only COUNT queries are used:
// their cost does not grow with the number of payments returned, and the age of the oldest
// PENDING payment is found by bisecting StartTime with counts (about 20 counts per refresh,
// to a precision of a few seconds over a 30-day window), since SQL visibility cannot ORDER BY.
import type { Client } from '@temporalio/client';
import { PAYMENT_WORKFLOW_TYPE } from '../../workflows/definitions.js';
import type { WorkerMetrics } from './worker-metrics.js';

const PENDING = `WorkflowType="${PAYMENT_WORKFLOW_TYPE}" AND ExecutionStatus="Running" AND PaymentStatus="PENDING"`;
const PAID = `WorkflowType="${PAYMENT_WORKFLOW_TYPE}" AND ExecutionStatus="Running" AND PaymentStatus="PAID"`;
const REVIEW = `WorkflowType="${PAYMENT_WORKFLOW_TYPE}" AND PaymentStatus="REVIEW_REQUIRED"`;
/** Older pending payments than this are reported as this old (a payment expires long before). */
const MAX_AGE_MS = 30 * 24 * 3600_000;
const PRECISION_MS = 5_000;

export async function refreshVisibilityGauges(client: Client, metrics: WorkerMetrics, now = Date.now()): Promise<void> {
  const count = async (query: string) => (await client.workflow.count(query)).count;
  const iso = (ms: number) => new Date(ms).toISOString();
  const [pending, overdue, paid, review] = await Promise.all([count(PENDING), count(`${PENDING} AND PaymentExpiresAt < "${iso(now)}"`), count(PAID), count(REVIEW)]);
  metrics.paidUnsettled.set(paid);
  metrics.pending.set(pending);
  metrics.pendingOverdue.set(overdue);
  metrics.reviewBacklog.set(review);
  metrics.oldestPendingAge.set(pending === 0 ? 0 : (now - (await oldestStart(count, now))) / 1000);
  metrics.visibilityRefreshed.set(now / 1000);
}

/** The earliest StartTime among PENDING payments, within PRECISION_MS (bisection over counts). */
async function oldestStart(count: (q: string) => Promise<number>, now: number): Promise<number> {
  let lo = now - MAX_AGE_MS; // no pending payment started before lo (or we report the cap)
  let hi = now; // at least one pending payment started before hi
  if ((await count(`${PENDING} AND StartTime < "${new Date(lo).toISOString()}"`)) > 0) return lo;
  while (hi - lo > PRECISION_MS) {
    const mid = Math.floor((lo + hi) / 2);
    if ((await count(`${PENDING} AND StartTime < "${new Date(mid).toISOString()}"`)) > 0) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** Refreshes every `intervalMs` until stopped; failures count in a metric and are retried next time. */
export function startVisibilityGauges(client: Client, metrics: WorkerMetrics, intervalMs: number, onError: (err: unknown) => void): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = async () => {
    try {
      await refreshVisibilityGauges(client, metrics);
    } catch (err) {
      metrics.visibilityErrors.inc();
      onError(err);
    }
    if (!stopped) timer = setTimeout(tick, intervalMs).unref();
  };
  void tick();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
