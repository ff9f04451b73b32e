// Activity tasks the matching service loses when it dies, dispatched again.
//
// Found by the cluster chaos drills (docs/cluster.md, run 4): history hands an activity task to
// matching, matching sync-matches it to a waiting poller and answers history "taken"
// (service/matching/task_queue_partition_manager.go AddTask: a sync-matched task is never written
// to the task queue's backlog), and only then asks history to record the start. A matching crash
// between the two loses the task: history believes it dispatched, no worker ever runs it, and
// nothing dispatches it again until the activity's schedule-to-close timeout — which bayar's
// provider status polls did not have at all (start-to-close alone never fires for a task that never
// started). Temporal's guard for a task that never starts is the schedule-to-start timeout, and the
// server does not retry an activity on it (service/history/workflow/retry.go isRetryable: only
// start-to-close and heartbeat timeouts are retryable), so the workflow schedules the activity
// again itself. That is safe for every activity, sendPayout's at-most-once included: a worker gets
// a task only after history has recorded its start, so an activity that timed out schedule-to-start
// never ran anywhere.
import { ActivityFailure, TimeoutFailure, proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import { msToNumber } from '@temporalio/common/lib/time.js';

/**
 * How long a scheduled activity may wait unstarted before it counts as lost. Far above any
 * healthy queue wait (milliseconds; seconds on a saturated two-core machine): a task that merely
 * waited this long in a backlog is scheduled again too, which costs two history events and no
 * duplicate run (see above).
 */
export const LOST_TASK_AFTER_MS = 60_000;

function lostTask(err: unknown): boolean {
  return err instanceof ActivityFailure && err.cause instanceof TimeoutFailure && err.cause.timeoutType === 'SCHEDULE_TO_START';
}

/**
 * proxyActivities with a schedule-to-start timeout on every call and the call scheduled again when
 * it fires. A schedule-to-close timeout stays one budget for the whole call, lost tasks included.
 * `lostTaskAfterMs`: shorter only in tests.
 */
export function redispatchingActivities<A extends object>(options: ActivityOptions, lostTaskAfterMs = LOST_TASK_AFTER_MS): A {
  const scheduleToCloseMs = options.scheduleToCloseTimeout === undefined ? undefined : msToNumber(options.scheduleToCloseTimeout);
  return new Proxy({} as A, {
    get(_target, name) {
      if (typeof name !== 'string') return undefined;
      return async (...args: unknown[]) => {
        const deadline = scheduleToCloseMs === undefined ? undefined : Date.now() + scheduleToCloseMs;
        for (;;) {
          const remaining = deadline === undefined ? undefined : Math.max(1_000, deadline - Date.now());
          const activities = proxyActivities<Record<string, (...a: unknown[]) => Promise<unknown>>>({
            ...options,
            ...(remaining === undefined ? {} : { scheduleToCloseTimeout: remaining }),
            scheduleToStartTimeout: Math.min(lostTaskAfterMs, remaining ?? lostTaskAfterMs),
          });
          try {
            return await activities[name]!(...args);
          } catch (err) {
            if (!lostTask(err) || (deadline !== undefined && Date.now() >= deadline)) throw err;
          }
        }
      };
    },
  });
}
