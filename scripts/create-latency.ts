// Issue #17 item 6: create latency against offered rate, bayar next to the bare-Temporal baseline,
// on the dev server or on the cluster. Open loop (a create is sent when it is due, whatever the
// earlier ones are doing), a few seconds per rate, bayar and baseline alternating at each rate.
// bayar's create is the HTTP POST /v1/payments (update-with-start behind it, Xendit sandbox
// charge inside); the baseline's is the executeUpdateWithStart of workflows/baseline.workflow.ts
// (a no-op activity before the update answers). Small and bounded: meant for this 2-core machine.
//
//   node dist/scripts/create-latency.js [--cluster] [--rates 1,4,8,16] [--seconds 6] [--out file.json]
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Client, Connection, WithStartWorkflowOperation } from '@temporalio/client';
import { startTestStack, type TestStack } from '../test/helpers/stack.js';
import type { ClusterTestStack } from '../test/helpers/cluster-stack.js';
import { baselinePaidSignal, baselineStartedUpdate } from '../workflows/baseline.workflow.js';

const argv = process.argv.slice(2);
const cluster = argv.includes('--cluster');
const valued = argv.filter((a) => a !== '--cluster');
const args = new Map<string, string>();
for (let i = 0; i < valued.length; i += 2) args.set(valued[i]!.replace(/^--/, ''), valued[i + 1]!);
const RATES = (args.get('rates') ?? '1,4,8,16').split(',').map(Number);
const SECONDS = Number(args.get('seconds') ?? 6);
const OUT = args.get('out');

const pct = (v: number[], q: number) => {
  const s = [...v].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor(q * s.length))]! * 10) / 10;
};

async function openLoop(rate: number, one: (i: number) => Promise<number>): Promise<{ n: number; p50: number; p95: number; max: number }> {
  const n = Math.max(4, Math.round(rate * SECONDS));
  const t0 = performance.now();
  const runs: Promise<number>[] = [];
  for (let i = 0; i < n; i++) {
    const wait = t0 + (i * 1000) / rate - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    runs.push(one(i));
  }
  const ms = await Promise.all(runs);
  return { n, p50: pct(ms, 0.5), p95: pct(ms, 0.95), max: pct(ms, 1) };
}

type HistoryEvent = NonNullable<Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['fetchHistory']>>['events']>[number];
const at = (e: HistoryEvent | undefined) => (e?.eventTime ? Number(e.eventTime.seconds) * 1000 + (e.eventTime.nanos ?? 0) / 1e6 : NaN);

/**
 * Where a create waited inside Temporal: from each workflow's history up to the update's
 * completion, the schedule-to-start time of every workflow task and activity task (how long a
 * task sat in matching before a worker got it). A step in these is dispatch, not CPU.
 */
async function dispatchWaits(client: Client, ids: string[]): Promise<{ workflowTaskMs: ReturnType<typeof summary>; activityTaskMs: ReturnType<typeof summary> }> {
  const wft: number[] = [];
  const act: number[] = [];
  for (const id of ids) {
    const history = await client.workflow
      .getHandle(id)
      .fetchHistory()
      .catch(() => undefined);
    const events = history?.events ?? [];
    const byId = new Map(events.map((e) => [Number(e.eventId), e]));
    for (const e of events) {
      if (e.workflowExecutionUpdateCompletedEventAttributes) break;
      if (e.workflowTaskStartedEventAttributes) wft.push(at(e) - at(byId.get(Number(e.workflowTaskStartedEventAttributes.scheduledEventId))));
      if (e.activityTaskStartedEventAttributes) act.push(at(e) - at(byId.get(Number(e.activityTaskStartedEventAttributes.scheduledEventId))));
    }
  }
  return { workflowTaskMs: summary(wft), activityTaskMs: summary(act) };
}
const summary = (v: number[]) => (v.length ? { n: v.length, p50: pct(v, 0.5), p95: pct(v, 0.95), max: pct(v, 1) } : { n: 0 });

async function main(): Promise<void> {
  const watchdog = setTimeout(() => process.exit(2), 15 * 60_000);
  watchdog.unref();
  const stack: TestStack = await startTestStack({ cluster, env: { BAYAR_BENCH_BASELINE: '1', BAYAR_LOG_LEVEL: 'error', BAYAR_POLL_SCHEDULE: '1h', BAYAR_REFUND_WINDOW: '1h' } });
  const address = cluster ? (stack as ClusterTestStack).temporalAddress : stack.stack.temporal!.address;
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  const run = Date.now().toString(36);
  const opened: string[] = [];
  // The workflow ids created at the current rate, for the dispatch waits in their histories.
  let createdIds: { bayar: string[]; baseline: string[] } = { bayar: [], baseline: [] };
  const bayarCreate = async (tag: string) => {
    const s = performance.now();
    const res = await stack.api('POST', '/v1/payments', { merchantReference: tag, amount: 10_000, method: 'QRIS' });
    if (res.status !== 201 && res.status !== 202) throw new Error(`create ${res.status}: ${res.text}`);
    const ms = performance.now() - s;
    createdIds.bayar.push(res.json.id);
    return ms;
  };
  const baselineCreate = async (tag: string) => {
    const s = performance.now();
    const op = new WithStartWorkflowOperation('baselineWorkflow', {
      workflowId: `baseline-${tag}`,
      taskQueue: stack.stack.options.config.temporal.taskQueue,
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    await client.workflow.executeUpdateWithStart(baselineStartedUpdate, { args: ['h'], startWorkflowOperation: op });
    const ms = performance.now() - s;
    opened.push(`baseline-${tag}`);
    createdIds.baseline.push(`baseline-${tag}`);
    return ms;
  };
  const rows: Record<string, unknown>[] = [];
  try {
    // Warm-up: JIT, connections, workflow cache, both APIs.
    for (let i = 0; i < 6; i++) await Promise.all([bayarCreate(`warm-${run}-${i}`), baselineCreate(`warm-${run}-${i}`)]);
    for (const [k, rate] of RATES.entries()) {
      const order = k % 2 === 0 ? (['baseline', 'bayar'] as const) : (['bayar', 'baseline'] as const);
      const row: Record<string, unknown> = { rate };
      createdIds = { bayar: [], baseline: [] };
      for (const which of order) {
        row[which] = await openLoop(rate, (i) => (which === 'bayar' ? bayarCreate(`lat-${run}-${rate}-${i}`) : baselineCreate(`${run}-${rate}-${i}`)));
      }
      // Read after both loops, so the reads do not load the server during a measurement.
      row.dispatch = { bayar: await dispatchWaits(client, createdIds.bayar), baseline: await dispatchWaits(client, createdIds.baseline) };
      rows.push(row);
      console.log(`rate ${String(rate).padStart(3)}/s  bayar create ${JSON.stringify(row.bayar)}  baseline update-with-start ${JSON.stringify(row.baseline)}`);
      console.log(`          schedule-to-start before the create answered: ${JSON.stringify(row.dispatch)}`);
    }
  } finally {
    // Close the baseline workflows (they wait for a paid signal) before stopping.
    await Promise.all(
      opened.map((id) =>
        client.workflow
          .getHandle(id)
          .signal(baselinePaidSignal)
          .catch(() => undefined),
      ),
    );
    await connection.close();
    await stack.stop();
  }
  const report = {
    at: new Date().toISOString(),
    target: cluster ? 'cluster (4 services, 4 shards, PostgreSQL; 2 APIs, 2 workers)' : 'dev server (1 process, 1 shard, SQLite)',
    devServerTuning: cluster ? undefined : process.env.BAYAR_TEMPORAL_DEV_TUNING === 'off' ? 'stock' : 'bayar',
    devServerDynamicConfigOverride: process.env.BAYAR_TEMPORAL_DEV_DYNAMIC_CONFIG,
    load: (await import('node:os')).loadavg(),
    secondsPerRate: SECONDS,
    rows,
  };
  if (OUT) {
    mkdirSync(dirname(OUT), { recursive: true });
    writeFileSync(OUT, JSON.stringify(report, null, 2));
  }
  console.log(JSON.stringify(report));
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
