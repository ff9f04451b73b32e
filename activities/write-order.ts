// Puts one worker's record writes of a payment (or payout) in version order. The workflow
// schedules a write as soon as its version moves, without waiting for the write before it
// (workflows/projection.ts says why), so two writes of one payment may run at once here, and
// even start in the other order. Each write appends to the one it follows (`afterVersion`,
// src/db/records.repository.ts), so it must not reach the database before that one:
//   - the one it follows is running on this worker: wait for it (it runs in the same workflow
//     task, moments ahead); if it fails, fail too, and the local activity's retry comes back here;
//   - this worker wrote it, or the record holds it (written before a restart, by another worker,
//     or from a longer history that this write cannot change anyway): go ahead;
//   - else it is about to start here (it was scheduled with this one): wait a little for it, then
//     fail with a retryable error, so the local activity tries again after its backoff.
import { ApplicationFailure } from '@temporalio/activity';

/** How long a write waits for the write it follows to show up on this worker before it retries. */
export const PREDECESSOR_WAIT_MS = 2_000;
const PREDECESSOR_POLL_MS = 5;
/** Payments whose newest written version this worker remembers (a miss costs one read of the record). */
const REMEMBERED = 10_000;

export interface OrderedWrite {
  id: string;
  version: number;
  afterVersion: number;
  historyLength: number;
}

export class WriteOrder {
  private readonly running = new Map<string, Map<number, Promise<unknown>>>();
  private readonly written = new Map<string, number>();

  /** `recorded` reads what the record holds (recordedVersion in src/db/records.repository.ts). */
  constructor(private readonly recorded: (id: string) => Promise<{ version: number; historyLength: number } | undefined>) {}

  async run<T>(w: OrderedWrite, write: () => Promise<T>): Promise<T> {
    const mine = this.afterPredecessor(w).then(write);
    const versions = this.running.get(w.id) ?? new Map<number, Promise<unknown>>();
    this.running.set(w.id, versions);
    versions.set(w.version, mine);
    try {
      const result = await mine;
      this.remember(w.id, w.version);
      return result;
    } finally {
      if (versions.get(w.version) === mine) versions.delete(w.version);
      if (versions.size === 0 && this.running.get(w.id) === versions) this.running.delete(w.id);
    }
  }

  private async afterPredecessor(w: OrderedWrite): Promise<void> {
    if (w.afterVersion < 0) return;
    const deadline = Date.now() + PREDECESSOR_WAIT_MS;
    for (let read = false; ; read = true) {
      const predecessor = this.running.get(w.id)?.get(w.afterVersion);
      if (predecessor) {
        await predecessor.catch(() => {
          throw ApplicationFailure.retryable(`version ${w.afterVersion} of ${w.id} was not written; version ${w.version} waits for its retry`, 'RecordOutOfOrder');
        });
        return;
      }
      if ((this.written.get(w.id) ?? -1) >= w.afterVersion) return;
      // The record is read first and once more at the deadline; in between only this worker is watched.
      const late = Date.now() >= deadline;
      if (!read || late) {
        const held = await this.recorded(w.id);
        if (held && (held.version >= w.afterVersion || held.historyLength > w.historyLength)) return;
        if (late) throw ApplicationFailure.retryable(`version ${w.afterVersion} of ${w.id} is not recorded yet; version ${w.version} follows it`, 'RecordOutOfOrder');
      }
      await new Promise((resolve) => setTimeout(resolve, PREDECESSOR_POLL_MS));
    }
  }

  private remember(id: string, version: number): void {
    if (version <= (this.written.get(id) ?? -1)) return;
    this.written.delete(id); // re-inserted last: the oldest entries go first
    this.written.set(id, version);
    if (this.written.size > REMEMBERED) this.written.delete(this.written.keys().next().value!);
  }
}
