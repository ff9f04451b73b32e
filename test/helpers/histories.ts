// Recorded workflow histories for the replay test. `BAYAR_RECORD_HISTORIES` on a saga run
// writes one file per path into test/fixtures/histories/, to be committed with the change.
// The CLI's JSON is exactly what Worker.runReplayHistories accepts.
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ensureTemporalCli } from '../../src/temporal/cli.js';

export const HISTORY_DIR = fileURLToPath(new URL('../../../test/fixtures/histories/', import.meta.url));

/**
 * `BAYAR_RECORD_HISTORIES=1` writes `<path>.json` (before v1.0.0, the only kind: workflow changes
 * are made in place and the fixtures re-recorded). Any other value writes `<path>.<value>.json`, so
 * that after v1.0.0 a recording made after a patch can sit beside the histories of the code before
 * it, which running payments still replay (e.g. `BAYAR_RECORD_HISTORIES=v3`).
 */
function recordingSuffix(): string {
  const tag = process.env.BAYAR_RECORD_HISTORIES;
  return tag && tag !== '1' ? `.${tag.replace(/[^A-Za-z0-9_-]/g, '')}` : '';
}

export async function recordHistories(address: string, payments: Map<string, string>): Promise<void> {
  const cli = await ensureTemporalCli();
  mkdirSync(HISTORY_DIR, { recursive: true });
  for (const [name, id] of payments) {
    const { stdout } = await promisify(execFile)(cli, ['workflow', 'show', '--workflow-id', id, '--address', address, '--namespace', 'default', '--output', 'json'], { maxBuffer: 64 << 20 });
    writeFileSync(join(HISTORY_DIR, `${name}${recordingSuffix()}.json`), endingOnACompletedTask(stdout));
  }
}

/**
 * A history fetched while a workflow task is in flight ends with events no completed task has
 * seen yet (an activity's result, the task scheduled or started): replaying it would run that
 * task, whose new commands (a local activity) the replayer has no worker for. A fixture is the
 * history up to the last completed task and the commands it issued (the events that name it as
 * their `workflowTaskCompletedEventId`), as if fetched a moment earlier.
 */
export function endingOnACompletedTask(historyJson: string): string {
  type Event = { eventId: string; eventType: string } & Record<string, unknown>;
  const history = JSON.parse(historyJson) as { events: Event[] };
  let completed = history.events.length - 1;
  while (completed >= 0 && !['EVENT_TYPE_WORKFLOW_TASK_COMPLETED', 'WorkflowTaskCompleted'].includes(history.events[completed]!.eventType)) completed -= 1;
  if (completed < 0) return historyJson;
  const taskId = history.events[completed]!.eventId;
  const issuedBy = (e: Event) => Object.values(e).some((v) => typeof v === 'object' && v !== null && String((v as { workflowTaskCompletedEventId?: unknown }).workflowTaskCompletedEventId) === taskId);
  let end = completed + 1;
  while (end < history.events.length && issuedBy(history.events[end]!)) end += 1;
  if (end === history.events.length) return historyJson;
  return JSON.stringify({ ...history, events: history.events.slice(0, end) }, null, 2);
}

/** Writes one history (already fetched, e.g. from an in-process test environment) as `<path>.json`. */
export function writeHistory(name: string, historyJson: string): void {
  mkdirSync(HISTORY_DIR, { recursive: true });
  writeFileSync(join(HISTORY_DIR, `${name}${recordingSuffix()}.json`), endingOnACompletedTask(historyJson));
}
