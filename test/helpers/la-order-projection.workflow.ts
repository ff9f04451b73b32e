// More workflows for test/integration/la-resolution-order.test.ts: the record writes of
// bayar's projection (workflows/projection.ts) under the late local-activity resolution, in the
// payment shape bayar has since commit c33374a: the create answer does not wait for any write.
// The two workflows differ only in the projection:
// - laOrderChainedProjection: the projection before c33374a (copied below), which scheduled a
//   version's write only after the write before it resolved, one local activity per version;
// - laOrderRealProjection: bayar's projectPayment itself, which schedules a write as soon as
//   the version moves.
// The charge's result moves the version twice (a pile-up: in bayar a charge result can add more
// than one version, and any version that moves while a write is in flight does the same), and
// the next task's webhooks pay the payment and make the workflow schedule an ordinary activity
// (the merchant notification, as bayar's settle() does). Local activities take their sequence
// numbers from the same counter as activities, so a write scheduled a task later than on replay
// takes another number among the activities than the replay does.
//
// Live, in the task that brings the late resolution, sdk-core puts the webhook signals before the
// local activity's resolution (worker/workflow/mod.rs prepare_to_ship_activation), and the main
// coroutine, woken by the webhooks, schedules the notification before the chained loop, woken by
// the resolution, schedules the write it owes for the skipped version (the live history shows
// it: the notification is activity 4, the replay gives 4 to that write). The divergence needs
// both: a write owed when the resolution comes, and an activity scheduled in that task.
//
// The resolutions of the record writes are reported by the interceptor below (the real projection
// never looks at them): bundle this module with workflowInterceptorModules: [this module].
import { condition, proxyActivities, proxyLocalActivities, proxySinks, setHandler, sleep, workflowInfo, type WorkflowInterceptorsFactory } from '@temporalio/workflow';
import type { RecordActivities } from '../../activities/record.activities.js';
import type { PaymentSummary, TimelineEntry } from '../../src/domain/payment.js';
import { recordWrite } from '../../workflows/activity-options.js';
import { projectPayment, type VersionDelta, type Versioned } from '../../workflows/projection.js';
import { createUpdate, providerEventSignal, viewQuery, type LaOrderInput, type LaOrderSinks } from './la-order.workflow.js';

export interface LaOrderProjectionActivities {
  /** The provider call (bayar: createCharge), on LaOrderInput.activityTaskQueue. */
  charge(): Promise<void>;
  /** The merchant notification (bayar: notifyMerchant), an ordinary activity on the same queue. */
  notifyMerchant(type: string): Promise<void>;
}

const { recorded } = proxySinks<LaOrderSinks>().laOrder;

/** Reports each record write's resolution (its version; none for a write that carries nothing) and the history length the workflow sees then. */
export const interceptors: WorkflowInterceptorsFactory = () => ({
  outbound: [
    {
      scheduleLocalActivity(input, next) {
        const resolution = next(input);
        const write = input.args[0] as { version?: number } | null | undefined;
        // A branch beside the caller's: the workflow's own continuation is not delayed by it.
        if (typeof write?.version === 'number')
          void resolution.then(
            () => recorded(write.version!, workflowInfo().historyLength),
            () => undefined,
          );
        return resolution;
      },
    },
  ],
});

/** The payment as the projection sees it: a version, a summary and a timeline. */
class HarnessPayment implements Versioned<PaymentSummary> {
  status = 'CREATED';
  version = 0;
  private readonly timeline: TimelineEntry[] = [];

  constructor(
    readonly id: string,
    readonly input: { readonly requestHash: string },
  ) {}

  /** One change the view shows: one version. */
  change(type: string, status = this.status): void {
    this.status = status;
    this.timeline.push({ at: new Date().toISOString(), source: 'workflow', type });
    this.version += 1;
  }

  summary(): PaymentSummary {
    // The fake record activity reads only the id and the status; the rest of a real summary plays no part in when writes are scheduled.
    return { id: this.id, status: this.status } as unknown as PaymentSummary;
  }

  get entryCount(): number {
    return this.timeline.length;
  }

  entriesFrom(index: number): TimelineEntry[] {
    return this.timeline.slice(index);
  }
}

const record = proxyLocalActivities<RecordActivities>(recordWrite);

/**
 * workflows/projection.ts as of commit c33374a^ (the write function as projectPayment's), without
 * its `reached()`: the create answer here does not wait for a write, as in bayar now. One write in
 * flight at a time: the next version's write is scheduled when the one before it resolves.
 */
function chainedProjection(state: HarnessPayment): { drained(): Promise<void> } {
  const write = (w: VersionDelta<PaymentSummary> | null) => record.recordPayment(w && { ...w, requestHash: state.input.requestHash });
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
  return { drained: () => condition(() => written >= state.version) }; // was reached()
}

function spin(rounds: number): number {
  // CPU work in the query handler: stands in for a loaded worker that is slow to answer (as in la-order.workflow.ts).
  let x = 0;
  for (let i = 0; i < rounds; i++) x = (x * 31 + i) | 0;
  return x;
}

async function payment(input: LaOrderInput, project: (state: HarnessPayment) => { drained(): Promise<void> }, chargeVersions = 2): Promise<string> {
  const state = new HarnessPayment(workflowInfo().workflowId, { requestHash: 'la-order' });
  const recordedState = project(state);
  let createsReceived = 0;
  let answersOwed = 0;
  const inbox: string[] = [];

  setHandler(viewQuery, (rounds) => `${state.status} v${state.version} (spun ${spin(rounds)})`);
  // payment-handlers.ts: a webhook only queues; the main coroutine applies it.
  setHandler(providerEventSignal, () => void inbox.push('paid'));
  // payment-handlers.ts since c33374a: the create answer waits for the charge, never for a write.
  setHandler(createUpdate, async () => {
    createsReceived += 1;
    answersOwed += 1;
    try {
      await condition(() => state.status !== 'CREATED');
      return state.status;
    } finally {
      answersOwed -= 1;
    }
  });

  const { charge, notifyMerchant } = proxyActivities<LaOrderProjectionActivities>({ taskQueue: input.activityTaskQueue, startToCloseTimeout: '5m' });
  await condition(() => createsReceived > 0);
  await charge();
  // Two versions in the charge result's activation: the write of the newest is scheduled now,
  // and the chained projection owes one more call (for the version it skipped) once it resolves.
  state.change('charge-created', 'PENDING');
  if (chargeVersions > 1) state.change('instructions-ready');
  await condition(() => answersOwed === 0);
  while (state.status === 'PENDING') {
    // payment.workflow.ts awaitPayment(): a webhook, or the poll timer (long: it never fires here).
    await condition(() => inbox.length > 0, input.pollMs);
    if (inbox.length > 0) {
      inbox.length = 0;
      state.change('paid', 'PAID');
    }
  }
  // payment.workflow.ts settle(): the merchant hears it, an ordinary activity.
  const notified = notifyMerchant('payment.paid');
  await sleep(input.refundWindowMs);
  await notified;
  await recordedState.drained();
  return state.status;
}

/** The projection before c33374a: a write is scheduled when the one before it resolves. */
export async function laOrderChainedProjection(input: LaOrderInput): Promise<string> {
  return payment(input, chainedProjection);
}

/**
 * The control: one version in the charge result's activation, so the chained projection owes no
 * write when the late resolution comes, and its next write waits for the next version, which the
 * main coroutine makes before it schedules the notification, live and on replay alike.
 */
export async function laOrderChainedProjectionOneVersion(input: LaOrderInput): Promise<string> {
  return payment(input, chainedProjection, 1);
}

/** bayar's projection (workflows/projection.ts projectPayment): a write is scheduled when the version moves. */
export async function laOrderRealProjection(input: LaOrderInput): Promise<string> {
  return payment(input, projectPayment);
}
