// Finds payments and payouts whose workflow task Temporal scheduled and never handed to a worker,
// and has Temporal regenerate that execution's tasks (issue 17, docs/cluster.md "A first workflow
// task lost at a matching kill").
//
// Why it is needed: on the cluster, matching was SIGKILLed after sync-matching a payment's first
// workflow task to a waiting poll and before history recorded the task as started. History had
// already completed the transfer task that added it, so nothing sends it again: a task on the
// normal queue has no schedule-to-start timer (transfer_queue_task_executor_base.go pushWorkflowTask
// passes none), and a signal or update adds no task while one is pending. The workflow waits for
// ever, with no charge made. bayar's workflow code cannot reach that state; Temporal's admin
// RefreshWorkflowTasks can (src/temporal/admin-connection.ts).
//
// Where it runs: in every worker process, one pass at a time on a jittered timer. Not a Temporal
// schedule: a schedule's workflow runs on workflow tasks, which are what can be lost, and this
// repair must not depend on the dispatch it repairs. With two workers both may refresh the same
// execution in the same minute; that is harmless: a refresh only re-adds the pending task to
// matching, and the second copy is dropped when history refuses to start a task already started
// (service/history/workflow/task_refresher.go; no history event is written). Never touches money:
// the workflow, once it runs, decides everything as before.
//
// How it finds candidates cheaply: the API starts every payment and payout with the search
// attribute PaymentStatus = CREATED, and the workflow changes it in its first task. So a running
// payment or payout still CREATED after the threshold is the only place a lost first task can
// hide. Visibility, not the system of record: the record's first row is written by that same
// first task, so a payment whose first task was lost has no row at all. At most `maxPerPass`
// candidates are read per pass, continuing from the previous pass's page, and each is described
// (DescribeWorkflowExecution): only a workflow task in state SCHEDULED for longer than the
// threshold, while a worker polls the task queue and the queue has no backlog that old, is
// refreshed. A payment held in CREATED for another reason (a provider outage: createCharge
// retrying) has no pending workflow task and is left alone.
//
// Not covered: a *later* workflow task lost the same way (the payment has left CREATED). Those
// go to the sticky queue first, whose schedule-to-start timeout reschedules them; only one that
// falls back to the normal queue and is lost there would wait. Said in docs/cluster.md.
import proto from '@temporalio/proto';
import { z } from 'zod';
import { settingsFromEnv } from '../config/config.js';
import { PAYMENT_WORKFLOW_TYPE } from '../../workflows/definitions.js';
import { PAYOUT_WORKFLOW_TYPE } from '../../workflows/payout-definitions.js';
import type { AdminConnection, ExecutionRef } from './admin-connection.js';

const { PendingWorkflowTaskState, TaskQueueKind, TaskQueueType } = proto.temporal.api.enums.v1;

const schema = z.object({
  /** off: the worker does not look for lost workflow tasks (e.g. on Temporal Cloud: no admin service). */
  BAYAR_LOST_TASK_RECONCILER: z.enum(['on', 'off']).default('on'),
  /** A workflow task scheduled and not started for longer than this is taken as lost. */
  BAYAR_LOST_TASK_THRESHOLD_MS: z.coerce.number().int().min(1_000).max(86_400_000).default(60_000),
  /** Time between passes (each pass waits 80–120 % of it). */
  BAYAR_LOST_TASK_INTERVAL_MS: z.coerce.number().int().min(200).max(3_600_000).default(30_000),
  /** At most this many candidates are described per pass. */
  BAYAR_LOST_TASK_MAX_PER_PASS: z.coerce.number().int().min(1).max(1_000).default(20),
});

export type LostTaskSettings = z.infer<typeof schema>;

export function lostTaskSettings(env: NodeJS.ProcessEnv = process.env): LostTaskSettings {
  return settingsFromEnv(schema, 'lost workflow task settings', env);
}

export const RECONCILED_WORKFLOW_TYPES = [PAYMENT_WORKFLOW_TYPE, PAYOUT_WORKFLOW_TYPE] as const;

/**
 * Payments and payouts of this task queue still CREATED (by their search attribute) that started
 * before `before`. The task queue too: another deployment may share the namespace, and the
 * decision reads this queue's pollers and backlog.
 */
export function candidateQuery(taskQueue: string, before: Date, workflowTypes: readonly string[] = RECONCILED_WORKFLOW_TYPES): string {
  const quoted = (v: string) => `"${v.replace(/["\\]/g, '')}"`;
  return `WorkflowType IN (${workflowTypes.map(quoted).join(', ')}) AND TaskQueue = ${quoted(taskQueue)} AND ExecutionStatus = "Running" AND PaymentStatus = "CREATED" AND StartTime < "${before.toISOString()}"`;
}

/** What DescribeTaskQueue says about the workflow task queue, once per pass. */
export interface QueueState {
  /** Milliseconds since a poller was last seen; undefined when none is listed. */
  lastPollAgoMs: number | undefined;
  /** The oldest task waiting in the queue's backlog, in ms (0 when empty or not reported). */
  backlogAgeMs: number;
}

/** A candidate's pending workflow task as DescribeWorkflowExecution shows it. */
export interface PendingTask {
  state: 'SCHEDULED' | 'STARTED' | 'NONE';
  scheduledAtMs?: number;
}

/** matching.longPollExpirationInterval's default (common/dynamicconfig/constants.go) plus slack. */
const LONG_POLL_MS = 90_000;

export type Decision = 'refresh' | 'not-stuck' | 'no-poller' | 'backlog' | 'recently-refreshed';

/**
 * Whether to refresh one execution. Refreshing a task that is merely waiting would be harmless
 * (a duplicate that history drops), so the checks only keep the reconciler from adding load when
 * the task cannot be lost: nobody polls (the task waits for a worker, as it should), or the
 * queue's backlog is at least as old as the task (it may be in there).
 */
export function decide(task: PendingTask, queue: QueueState, nowMs: number, settings: Pick<LostTaskSettings, 'BAYAR_LOST_TASK_THRESHOLD_MS'>, lastRefreshedMs?: number): Decision {
  const threshold = settings.BAYAR_LOST_TASK_THRESHOLD_MS;
  if (task.state !== 'SCHEDULED' || task.scheduledAtMs === undefined || nowMs - task.scheduledAtMs <= threshold) return 'not-stuck';
  // A poller's lastAccessTime is when its poll began, and an idle poll lasts up to matching's
  // long-poll expiry (matching.longPollExpirationInterval, 1 min in server 1.29): a poller seen
  // within that (or the threshold, if longer) is a worker there now.
  if (queue.lastPollAgoMs === undefined || queue.lastPollAgoMs > Math.max(threshold, LONG_POLL_MS)) return 'no-poller';
  if (queue.backlogAgeMs >= nowMs - task.scheduledAtMs) return 'backlog';
  // One refresh per threshold: a refreshed task needs a moment to be dispatched.
  if (lastRefreshedMs !== undefined && nowMs - lastRefreshedMs <= threshold) return 'recently-refreshed';
  return 'refresh';
}

const timestampMs = (t: { seconds?: unknown; nanos?: number | null } | null | undefined): number | undefined =>
  t?.seconds == null ? undefined : Number(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6);

/** DescribeWorkflowExecution's pendingWorkflowTask → PendingTask. */
export function pendingTaskOf(pending: { state?: number | null; scheduledTime?: { seconds?: unknown; nanos?: number | null } | null } | null | undefined): PendingTask {
  if (!pending || !pending.state) return { state: 'NONE' };
  if (pending.state === PendingWorkflowTaskState.PENDING_WORKFLOW_TASK_STATE_SCHEDULED) return { state: 'SCHEDULED', scheduledAtMs: timestampMs(pending.scheduledTime) };
  return { state: 'STARTED' };
}

export interface PassReport {
  candidates: number;
  decisions: Array<{ workflowId: string; workflowType: string; decision: Decision | 'failed' }>;
}

export interface ReconcilerDeps {
  admin: AdminConnection;
  namespace: string;
  taskQueue: string;
  settings: LostTaskSettings;
  /** Counts one outcome (bounded: workflow type and decision). */
  count?: (workflowType: string, outcome: Decision | 'failed') => void;
  log?: (level: 'notice' | 'warn', message: string, fields: Record<string, unknown>) => void;
  workflowTypes?: readonly string[];
  now?: () => number;
}

const MAX_REMEMBERED = 10_000;

/** One pass at a time; keeps the page cursor and the recently refreshed executions between passes. */
export class LostWorkflowTaskReconciler {
  /** The sweep in progress: its query (fixed while paging) and the next page's token. */
  private sweep: { query: string; nextPageToken: Uint8Array } | undefined;
  private namespaceId: string | undefined;
  private readonly refreshedAt = new Map<string, number>();

  constructor(private readonly deps: ReconcilerDeps) {}

  async pass(): Promise<PassReport> {
    const { admin, namespace, settings } = this.deps;
    const now = (this.deps.now ?? Date.now)();
    // A sweep pages through one query (a page token belongs to the query that made it); the
    // next sweep starts with a query for the time it starts.
    const query = this.sweep?.query ?? candidateQuery(this.deps.taskQueue, new Date(now - settings.BAYAR_LOST_TASK_THRESHOLD_MS), this.deps.workflowTypes);
    const nextPageToken = this.sweep?.nextPageToken;
    this.sweep = undefined; // a failed list starts the next pass afresh
    const listed = await admin.workflowService.listWorkflowExecutions({ namespace, pageSize: settings.BAYAR_LOST_TASK_MAX_PER_PASS, query, nextPageToken });
    if (listed.nextPageToken?.length) this.sweep = { query, nextPageToken: listed.nextPageToken };
    const executions = (listed.executions ?? []).slice(0, settings.BAYAR_LOST_TASK_MAX_PER_PASS);
    const report: PassReport = { candidates: executions.length, decisions: [] };
    if (executions.length === 0) return report;

    const queue = await this.queueState(now);
    for (const info of executions) {
      const execution: ExecutionRef = { workflowId: info.execution?.workflowId ?? '', runId: info.execution?.runId ?? '' };
      const workflowType = info.type?.name ?? 'other';
      if (!execution.workflowId || !execution.runId) continue;
      let decision: Decision | 'failed';
      try {
        const described = await admin.workflowService.describeWorkflowExecution({ namespace, execution });
        const task = pendingTaskOf(described.pendingWorkflowTask);
        decision = decide(task, queue, now, settings, this.refreshedAt.get(execution.runId));
        if (decision === 'refresh') {
          this.namespaceId ??= await admin.namespaceId(namespace);
          await admin.refreshWorkflowTasks(this.namespaceId, execution);
          this.remember(execution.runId, now);
          this.deps.log?.('notice', 'workflow task scheduled and never started: tasks regenerated', {
            workflowId: execution.workflowId,
            runId: execution.runId,
            workflowType,
            scheduledForMs: now - (task.scheduledAtMs ?? now),
          });
        }
      } catch (err) {
        decision = 'failed';
        this.deps.log?.('warn', 'lost workflow task check failed', { workflowId: execution.workflowId, runId: execution.runId, error: err });
      }
      this.deps.count?.(workflowType, decision);
      report.decisions.push({ workflowId: execution.workflowId, workflowType, decision });
    }
    return report;
  }

  private async queueState(now: number): Promise<QueueState> {
    const { admin, namespace, taskQueue } = this.deps;
    // reportStats gives the backlog age.
    // With several partitions (the cluster's default 4) what this shows may be the root
    // partition's view, so both checks are approximate: a wrong "refresh" only adds a copy of a
    // task that history then refuses to start twice, a wrong skip waits for the next pass.
    const described = await admin.workflowService.describeTaskQueue({
      namespace,
      taskQueue: { name: taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      taskQueueType: TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      reportStats: true,
    });
    const lastPoll = Math.max(...(described.pollers ?? []).map((p) => timestampMs(p.lastAccessTime) ?? -Infinity));
    const backlogAge = described.stats?.approximateBacklogAge;
    return {
      lastPollAgoMs: Number.isFinite(lastPoll) ? Math.max(0, now - lastPoll) : undefined,
      backlogAgeMs: backlogAge ? (timestampMs(backlogAge) ?? 0) : 0,
    };
  }

  private remember(runId: string, at: number): void {
    const threshold = this.deps.settings.BAYAR_LOST_TASK_THRESHOLD_MS;
    for (const [id, when] of this.refreshedAt) if (at - when > threshold) this.refreshedAt.delete(id);
    if (this.refreshedAt.size >= MAX_REMEMBERED) this.refreshedAt.clear();
    this.refreshedAt.set(runId, at);
  }
}

/** Runs passes every interval (±20 % jitter) until stopped; a failed pass is logged and counted. */
export function startLostTaskReconciler(reconciler: LostWorkflowTaskReconciler, intervalMs: number, onPassError: (err: unknown) => void): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    if (!stopped) timer = setTimeout(tick, Math.round(intervalMs * (0.8 + Math.random() * 0.4))).unref();
  };
  const tick = async () => {
    try {
      await reconciler.pass();
    } catch (err) {
      onPassError(err);
    }
    schedule();
  };
  schedule();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
