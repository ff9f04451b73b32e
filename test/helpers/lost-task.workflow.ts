// Workflows for test/integration/lost-activity-task.test.ts: one activity through
// redispatchingActivities, on a task queue of its own that the test serves only when it chooses.
import { redispatchingActivities } from '../../workflows/lost-activity-tasks.js';

export const ACTIVITY_QUEUE = 'lost-task-activities';
export const LOST_AFTER_MS = 1_000;

interface EchoActivities {
  echo(text: string): Promise<string>;
}

/** No schedule-to-close: the activity is scheduled again for as long as nobody takes it. */
export async function echoUntilServed(text: string): Promise<string> {
  return redispatchingActivities<EchoActivities>({ taskQueue: ACTIVITY_QUEUE, startToCloseTimeout: '10s' }, LOST_AFTER_MS).echo(text);
}

/** A schedule-to-close budget: it bounds the whole call, every re-dispatch included. */
export async function echoWithinBudget(text: string, budgetMs: number): Promise<string> {
  return redispatchingActivities<EchoActivities>({ taskQueue: ACTIVITY_QUEUE, startToCloseTimeout: '10s', scheduleToCloseTimeout: budgetMs }, LOST_AFTER_MS).echo(text);
}
