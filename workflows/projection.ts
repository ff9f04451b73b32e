// The one place where workflows write to the system of record (PostgreSQL). Temporal decides,
// the database records: each time the state's version moves, the current view is written by a
// local activity, idempotent by (id, version) — a retry or a replay after a crash writes the
// same version again, which changes nothing. Nothing here is ever read back to decide, and
// nothing the workflow does waits for a write, except its very end (Projection.drained).
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
  /** Resolves once every version so far has been written (the workflow's last step). */
  drained(): Promise<void>;
}

/** What one write carries: the version, the summary and only the timeline entries it added. */
export interface VersionDelta<S> {
  version: number;
  /** The version of the write this run scheduled before (-1: none): src/db/records.repository.ts appends to it. */
  afterVersion: number;
  /** workflowInfo().historyLength now: orders this write against a lost attempt's (see the header). */
  historyLength: number;
  summary: S;
  entries: TimelineEntry[];
}

/**
 * Writes version 0 (the payment as created) at once, then the state after every change.
 *
 * When a write is scheduled depends only on when the version changes, never on when an earlier
 * write's local activity resolved: a local activity's resolution is not a history event, and a
 * cluster chaos run showed a worker seeing one a workflow task later than its marker says, while
 * replay resolves it in the marker's task (docs/cluster.md, "Run 13"). A loop that waited for each
 * write before scheduling the next would then schedule it at another point among the workflow's
 * other commands on replay than live: local activities share their sequence numbers with
 * activities, so the next activity would carry another id than in history, and the payment could
 * not be replayed. So writes are scheduled as soon as the version moves, several may be in flight,
 * and the worker puts them in order (activities/record.activities.ts: a version's write waits
 * for the one it follows).
 *
 * Each write carries the summary (the view without its timeline) and only the timeline entries
 * added since the write before it (`afterVersion`): the record appends them
 * (src/db/records.repository.ts). Sending the whole view each time made the projection's cost
 * grow with the square of the timeline's length. (The history never held it: a local activity's
 * marker records its result, not its input.)
 *
 * One local activity per version, never "one per batch of changes": a worker may run one
 * workflow task's events as one activation or as two (docs/chaos.md, finding 2), and a replay
 * may group them differently from the first run. Local activity markers are matched one by one
 * on replay, so their number must depend only on the sequence of changes, which is
 * deterministic, not on how the changes were grouped. When several versions are new at once, the
 * newest is written and the calls for the others carry nothing and touch no database. Fewer
 * versions mean fewer local activities: PaymentState.asOneVersion() counts one synchronous
 * transition as one version, a grouping by code that every replay repeats.
 */
function project<S>(state: Versioned<S>, write: (input: VersionDelta<S> | null) => Promise<void>): Projection {
  let scheduled = -1;
  let entriesScheduled = 0;
  let inFlight = 0;
  const send = (input: VersionDelta<S> | null) => {
    inFlight += 1;
    // A write that fails for good fails the workflow task (an unhandled rejection), as an awaited one would.
    void write(input).finally(() => (inFlight -= 1));
  };
  void (async () => {
    for (;;) {
      await condition(() => state.version > scheduled);
      const version = state.version;
      const entryCount = state.entryCount;
      send({ version, afterVersion: scheduled, historyLength: workflowInfo().historyLength, summary: state.summary(), entries: state.entriesFrom(entriesScheduled) });
      for (let covered = scheduled + 1; covered < version; covered++) send(null);
      scheduled = version;
      entriesScheduled = entryCount;
    }
  })();
  return { drained: () => condition(() => inFlight === 0 && scheduled >= state.version) };
}

/** The create request's hash travels with every write (the record keeps it for repeated creates). */
interface Created {
  readonly input: { readonly requestHash: string };
}
type Recorded<K extends keyof RecordActivities> = NonNullable<Parameters<RecordActivities[K]>[0]>;

export const projectPayment = (state: Versioned<Recorded<'recordPayment'>['summary']> & Created) => project(state, (w) => record.recordPayment(w && { ...w, requestHash: state.input.requestHash }));
export const projectPayout = (state: Versioned<Recorded<'recordPayout'>['summary']> & Created) => project(state, (w) => record.recordPayout(w && { ...w, requestHash: state.input.requestHash }));
