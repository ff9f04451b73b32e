// The workflows of test/integration/la-resolution-order.test.ts: bayar's payment workflow cut
// down to the parts that decide when commands are issued (workflows/payment.workflow.ts,
// payment-handlers.ts, projection.ts):
// - a create update whose handler waits for the charge and, in the "awaits the record" shape,
//   for the local activity that writes the new version (bayar's `await recorded.reached()`);
// - the main coroutine, gated on every create having its answer, then emptying an inbox of
//   provider-event signals: paid → the refund window (a timer), else a poll timer;
// - one local activity per version, chained (bayar's projection).
// Both shapes issue the same commands when a local activity's resolution reaches the workflow in
// the task whose completion records its marker. Only the awaiting shape's commands depend on
// *which* task delivers it — the subject of the test.
import { condition, defineQuery, defineSignal, defineUpdate, proxyActivities, proxyLocalActivities, proxySinks, setHandler, sleep, workflowInfo, type Sinks } from '@temporalio/workflow';

export const createUpdate = defineUpdate<string>('create');
export const providerEventSignal = defineSignal('providerEvent');
/** The argument is how many loop rounds the handler spins (see LaOrderInput.querySpin). */
export const viewQuery = defineQuery<string, [number]>('view');

export interface LaOrderActivities {
  /** The provider call; an ordinary activity (bayar: createCharge). */
  charge(): Promise<void>;
  /** The record write; run as a local activity (bayar: recordPayment). */
  record(version: number, status: string): Promise<void>;
}

export interface LaOrderSinks extends Sinks {
  laOrder: {
    /** A record write's resolution reached the workflow code, at this history length. */
    recorded(version: number, historyLength: number): void;
  };
}

export interface LaOrderInput {
  /** The task queue of the worker that runs `charge`. */
  activityTaskQueue: string;
  /** The poll timer while unpaid (long: it must not fire during the test). */
  pollMs: number;
  /** The refund window after payment (short: the workflow ends after it). */
  refundWindowMs: number;
}

const { recorded } = proxySinks<LaOrderSinks>().laOrder;
const { record } = proxyLocalActivities<LaOrderActivities>({ startToCloseTimeout: '30s' });

function spin(rounds: number): number {
  // CPU work in the query handler: stands in for a loaded worker that is slow to answer.
  let x = 0;
  for (let i = 0; i < rounds; i++) x = (x * 31 + i) | 0;
  return x;
}

async function payment(input: LaOrderInput, awaitRecordBeforeAnswer: boolean): Promise<string> {
  let status = 'CREATED';
  let version = 0;
  let written = 0; // version 0, as started, needs no write here
  let createsReceived = 0;
  let answersOwed = 0;
  const inbox: string[] = [];

  // projection.ts: one local activity per version, one in flight at a time.
  void (async () => {
    for (;;) {
      await condition(() => version > written);
      const v = version;
      await record(v, status);
      written = v;
      recorded(v, workflowInfo().historyLength);
    }
  })();

  setHandler(viewQuery, (rounds) => `${status} v${version} (spun ${spin(rounds)})`);
  setHandler(providerEventSignal, () => void inbox.push('paid'));
  setHandler(createUpdate, async () => {
    createsReceived += 1;
    answersOwed += 1;
    try {
      await condition(() => status !== 'CREATED');
      if (awaitRecordBeforeAnswer) {
        const answered = version;
        await condition(() => written >= answered);
      }
      return status;
    } finally {
      answersOwed -= 1;
    }
  });

  const { charge } = proxyActivities<LaOrderActivities>({ taskQueue: input.activityTaskQueue, startToCloseTimeout: '5m' });
  await condition(() => createsReceived > 0);
  await charge();
  status = 'PENDING';
  version += 1;
  // payment.workflow.ts: the create calls get their answer before any webhook is applied.
  await condition(() => answersOwed === 0);
  for (;;) {
    if (inbox.length > 0) {
      inbox.length = 0;
      status = 'PAID';
      version += 1;
      break;
    }
    await condition(() => inbox.length > 0, input.pollMs);
  }
  await sleep(input.refundWindowMs);
  const last = version;
  await condition(() => written >= last);
  return status;
}

/** The create answer waits for the record write of the version it shows (bayar today). */
export async function laOrderAwaitsRecord(input: LaOrderInput): Promise<string> {
  return payment(input, true);
}

/** The create answer does not wait for the record write. */
export async function laOrderAnswersAtOnce(input: LaOrderInput): Promise<string> {
  return payment(input, false);
}
