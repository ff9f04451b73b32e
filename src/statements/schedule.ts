// The Temporal Schedule that runs the daily statement, created or brought up to date at every
// worker start (idempotent: one schedule id; a second worker finds it and updates it to the
// same spec). Temporal evaluates the calendar in Asia/Jakarta itself, so the run time does not
// depend on the worker's clock or zone.
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import { z } from 'zod';
import { settingsFromEnv } from '../config/config.js';
import { STATEMENT_WORKFLOW_TYPE, type StatementWorkflowInput } from '../../workflows/statement-definitions.js';

export const STATEMENT_SCHEDULE_ID = 'bayar-daily-statement';
export const STATEMENT_TIME_ZONE = 'Asia/Jakarta';

const schema = z.object({
  /** HH:MM in Jakarta time; a few minutes after midnight leaves late ledger writes of the day time to land. */
  BAYAR_STATEMENT_TIME: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM (24 h, Asia/Jakarta)')
    .default('00:30'),
  /** Days one run catches up at most (bayar was down longer: produce older days by hand). */
  BAYAR_STATEMENT_CATCH_UP_DAYS: z.coerce.number().int().min(1).max(366).default(31),
  /** "false": do not create or update the schedule from this worker. */
  BAYAR_STATEMENT_SCHEDULE: z.enum(['true', 'false']).default('true'),
});
export type StatementSettings = z.infer<typeof schema>;

export function statementSettings(env: NodeJS.ProcessEnv = process.env): StatementSettings {
  return settingsFromEnv(schema, 'statement settings', env);
}

export function statementSchedule(settings: StatementSettings, taskQueue: string, deliverForMs: number): ScheduleOptions {
  const [hour, minute] = settings.BAYAR_STATEMENT_TIME.split(':').map(Number) as [number, number];
  const args: [StatementWorkflowInput] = [{ maxDays: settings.BAYAR_STATEMENT_CATCH_UP_DAYS, deliverForMs }];
  return {
    scheduleId: STATEMENT_SCHEDULE_ID,
    spec: { calendars: [{ hour, minute }], timezone: STATEMENT_TIME_ZONE },
    action: { type: 'startWorkflow', workflowType: STATEMENT_WORKFLOW_TYPE, workflowId: 'bayar-statement', taskQueue, args },
    // One run at a time; a run missed while Temporal was down is made up within a day. A run
    // missed for longer is caught up by the next one (it produces every day since the last).
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
  };
}

/** Creates the schedule, or updates it to this spec when it exists. */
export async function ensureStatementSchedule(client: Client, options: ScheduleOptions): Promise<void> {
  try {
    await client.schedule.create(options);
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(options.scheduleId).update((previous) => ({ ...previous, spec: options.spec, action: options.action, policies: options.policies }));
  }
}
