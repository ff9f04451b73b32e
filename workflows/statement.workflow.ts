// The daily statement: started by the Temporal Schedule `bayar-daily-statement` once a day in
// Asia/Jakarta (src/statements/schedule.ts), or by hand. Produces every day since the last
// produced one up to `through` (default: yesterday in Jakarta), at most `maxDays`; each day is
// built, reconciled with the providers and stored once (activities/statement.activities.ts),
// then the payments with differences are woken and each merchant gets `statement.ready`.
import { ActivityFailure, log, proxyActivities } from '@temporalio/workflow';
import type { StatementActivities } from '../activities/statement.activities.js';
import { addDays, jakartaDay } from '../src/statements/day.js';
import type { StatementWorkflowInput } from './statement-definitions.js';

const work = proxyActivities<StatementActivities>({
  // A busy day is many look-ups (four at a time): hours, not minutes, are the bound.
  startToCloseTimeout: '6 hours',
  // The reconciliation heartbeats after each look-up: a worker lost mid-day is noticed soon.
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes', maximumAttempts: 20 },
});

export async function statementWorkflow(input: StatementWorkflowInput = {}): Promise<{ produced: string[]; differences: number }> {
  const through = input.through ?? addDays(jakartaDay(Date.now()), -1);
  const days = input.day ? [input.day] : await work.statementDaysToProduce({ through, maxDays: input.maxDays ?? 31 });
  const deliver = proxyActivities<StatementActivities>({
    startToCloseTimeout: '1 minute',
    scheduleToCloseTimeout: input.deliverForMs ?? 24 * 3600 * 1000,
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
  });
  const produced: string[] = [];
  const deliveries: Promise<void>[] = [];
  let differences = 0;
  for (const day of days) {
    const result = await work.produceStatementDay({ day, allowUnfinishedDay: input.allowUnfinishedDay === true });
    // Also for a day produced before (a re-run): wakes and events not finished then are now;
    // each is done once (woken_at, the event's fixed id).
    await work.wakeForDifferences({ day });
    const events = await work.recordStatementEvents({ day });
    if (result.produced) {
      produced.push(day);
      differences += result.differences;
    }
    // Delivery retries run side by side and never hold up the next day; a merchant who missed
    // one can find it with GET /v1/events?type=statement.ready and resend it.
    for (const eventId of events) {
      deliveries.push(
        deliver.deliverStatementEvent({ eventId }).catch((err: unknown) => {
          if (!(err instanceof ActivityFailure)) throw err;
          log.warn('statement.ready not delivered', { eventId, error: err.cause?.message ?? err.message });
        }),
      );
    }
  }
  await Promise.all(deliveries);
  return { produced, differences };
}
