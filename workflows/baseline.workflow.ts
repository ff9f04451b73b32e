// Benchmark baseline only: a bare workflow with the same Temporal work as one settled payment —
// started by update-with-start, two activities (create, notify), one signal raced against a
// timer, search-attribute upserts, a query — but no-op activities and no HTTP. Its throughput
// is the ceiling Temporal itself sets on the machine; `npm run bench` compares bayar to it.
import { condition, defineSignal, defineUpdate, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { BaselineActivities } from '../activities/baseline.activities.js';
import { SA } from '../src/temporal/search-attributes.js';

export const baselinePaidSignal = defineSignal('baselinePaid');
export const baselineStartedUpdate = defineUpdate<string, [string]>('baselineStarted');

const { noop } = proxyActivities<BaselineActivities>({ startToCloseTimeout: '30s' });

export async function baselineWorkflow(): Promise<void> {
  let started = false;
  let paid = false;
  setHandler(baselineStartedUpdate, async (hash) => {
    await condition(() => started);
    return hash;
  });
  setHandler(baselinePaidSignal, () => void (paid = true));
  await noop('create');
  started = true;
  upsertSearchAttributes([{ key: SA.status, value: 'PENDING' }]);
  await condition(() => paid, '15m');
  upsertSearchAttributes([{ key: SA.status, value: 'PAID' }]);
  await noop('notify');
  upsertSearchAttributes([{ key: SA.status, value: 'SETTLED' }]);
}
