// The one place where workflows write to the system of record (PostgreSQL). Temporal decides,
// the database records: each time the state's version moves, the current view is written by a
// local activity, idempotent by (id, version) — a retry or a replay after a crash writes the
// same version again, which changes nothing. Nothing here is ever read back to decide.
//
// A local activity runs before its workflow task is committed: when the worker dies after the
// write but before the task completes, the write is speculative. The task is then run again from
// history (later workflow time, possibly more events), and its writes correct the record: the
// same version with other content replaces the speculative one, and versions the committed run
// skipped are removed (src/db/records.repository.ts). So the record converges on the history.
// A lost attempt's write may also land *after* the committed run's (its transaction was held
// up): each write carries the workflow's history length, which a task's later attempt always
// sees longer, and the record refuses a write from a shorter history than the one it holds.
import { condition, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { RecordActivities } from '../activities/record.activities.js';
import type { TimelineEntry } from '../src/domain/payment.js';
import { recordWrite } from './activity-options.js';

const record = proxyLocalActivities<RecordActivities>(recordWrite);

export interface Versioned<S> {
  /** Grows by one with every change the view shows (PaymentState / PayoutState). */
  readonly version: number;
  /** The view without its timeline. */
  summary(): S;
  /** The timeline's length; the timeline only grows. */
  readonly entryCount: number;
  entriesFrom(index: number): TimelineEntry[];
}

export interface Projection {
  /** Resolves once the record holds this version (default: the state's version now). */
  reached(version?: number): Promise<void>;
}

/** What one write carries: the version, the summary and only the timeline entries it added. */
export interface VersionDelta<S> {
  version: number;
  afterVersion: number;
  /** workflowInfo().historyLength now: orders this write against a lost attempt's (see the header). */
  historyLength: number;
  summary: S;
  entries: TimelineEntry[];
}

/**
 * Writes version 0 (the payment as created) at once, then the state after every change, one
 * write in flight at a time, so versions reach the database in order.
 *
 * Each write carries the summary (the view without its timeline) and only the timeline entries
 * added since the version this run wrote before (`afterVersion`): the record appends them
 * (src/db/records.repository.ts). Sending the whole view each time made the projection's cost
 * grow with the square of the timeline's length: building and serialising the view in the
 * workflow, through the SDK's core to the activity, and parsing it there. (The history never held
 * it: a local activity's marker records its result, not its input.)
 *
 * One local activity per version, never "one per batch of changes": a worker may run one
 * workflow task's events as one activation or as two (docs/chaos.md, finding 2), and a replay
 * may group them differently from the first run. Local activity markers are matched one by one
 * on replay, so their number must depend only on the sequence of changes, which is
 * deterministic, not on how the changes were grouped. A call whose version the record already
 * holds (several changes in one activation) carries nothing and touches no database. Fewer
 * versions mean fewer local activities: PaymentState.asOneVersion() counts one synchronous
 * transition as one version, a grouping by code that every replay repeats.
 */
function project<S>(state: Versioned<S>, write: (input: VersionDelta<S> | null) => Promise<void>): Projection {
  let calls = 0;
  let written = -1;
  let entriesWritten = 0;
  void (async () => {
    for (;;) {
      await condition(() => state.version >= calls);
      calls += 1;
      if (state.version <= written) {
        await write(null);
        continue;
      }
      const version = state.version;
      const entryCount = state.entryCount;
      await write({ version, afterVersion: written, historyLength: workflowInfo().historyLength, summary: state.summary(), entries: state.entriesFrom(entriesWritten) });
      written = version;
      entriesWritten = entryCount;
    }
  })();
  return { reached: (version = state.version) => condition(() => written >= version) };
}

/** The create request's hash travels with every write (the record keeps it for repeated creates). */
interface Created {
  readonly input: { readonly requestHash: string };
}
type Recorded<K extends keyof RecordActivities> = NonNullable<Parameters<RecordActivities[K]>[0]>;

export const projectPayment = (state: Versioned<Recorded<'recordPayment'>['summary']> & Created) => project(state, (w) => record.recordPayment(w && { ...w, requestHash: state.input.requestHash }));
export const projectPayout = (state: Versioned<Recorded<'recordPayout'>['summary']> & Created) => project(state, (w) => record.recordPayout(w && { ...w, requestHash: state.input.requestHash }));
