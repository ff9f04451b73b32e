// `npm run bench`: payments through the whole real stack (HTTP create → workflow → Xendit
// sandbox over HTTP → sandbox pays at once → signed webhook → signal → SETTLED), against a
// bare-Temporal baseline with the same Temporal work per run, on the same dev server.
// Everything runs on loopback, is bounded in count and time, and stops by itself.
//
//   node dist/scripts/bench.js [--cluster] [--payments 300] [--rate 8] [--concurrency 16] [--rounds 4] [--open 10000]
//                              [--seed 100000] [--read-requests 400] [--reads] [--out bench-results/latest.json]
//                              [--open-only] [--open-steps 10] [--open-concurrency 24] [--open-expiry-minutes 720]
//                              [--probe-creates 20] [--probe-rate 2] [--window-seconds 30] [--poll-schedule 1h]
//                              [--open-until HH:MM] [--time-limit-minutes 30]
//
// --cluster: the same on the native cluster (docs/cluster.md: Temporal as four services with 4
// shards over PostgreSQL, two APIs taking turns, two workers); the baseline runs on the same
// cluster. Per-process use is reported for every service; the open-payments steps add the
// PostgreSQL database sizes.
//
// The system of record is on, as in `npm start` and the tests (the stack's embedded PostgreSQL):
// every payment is written to it, and GET/list read from it. --reads runs only the reads part
// (scripts/bench-reads.ts: seed --seed payments, GET and list at --rate, bytes per payment).
// --open-only runs only the open-payments steps (scripts/bench-open.ts: --open payments held
// open in --open-steps steps, each followed by a paced probe and the polling counters).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Client, Connection, WithStartWorkflowOperation } from '@temporalio/client';
import { startMerchantReceiver, startTestStack, type TestStack } from '../test/helpers/stack.js';
import type { ClusterTestStack } from '../test/helpers/cluster-stack.js';
import proto from '@temporalio/proto';
import { baselinePaidSignal, baselineStartedUpdate } from '../workflows/baseline.workflow.js';
import { API_KEY } from '../test/helpers/stack.js';
import { BENCH_MERCHANT, BENCH_MERCHANT_KEY, benchReads } from './bench-reads.js';
import { ProcessMeter, perRun, round, stats, sumAll, type ProcessUse, type Stats } from './bench-meter.js';
import { benchOpen, type OpenStep } from './bench-open.js';

const CLUSTER = process.argv.includes('--cluster');
const valued = process.argv.slice(2).filter((a) => a !== '--cluster');
const args = new Map<string, string>();
for (let i = 0; i < valued.length; i++) {
  const next = valued[i + 1];
  // A flag without a value (--reads) is "true".
  if (next === undefined || next.startsWith('--')) args.set(valued[i]!.replace(/^--/, ''), 'true');
  else args.set(valued[i]!.replace(/^--/, ''), valued[++i]!);
}
const READS_ONLY = args.get('reads') === 'true';
const SEED = Number(args.get('seed') ?? 100_000);
const READ_REQUESTS = Number(args.get('read-requests') ?? 400);
const N = Number(args.get('payments') ?? 300);
const RATE = Number(args.get('rate') ?? 8);
const CONCURRENCY = Number(args.get('concurrency') ?? 16);
const OPEN = Number(args.get('open') ?? 10_000);
const ROUNDS = Math.max(1, Number(args.get('rounds') ?? 4));
const OUT = args.get('out') ?? 'bench-results/latest.json';
// --open-only: just the warm-up and the open-payments steps (scripts/bench-open.ts).
const OPEN_ONLY = args.get('open-only') === 'true';
const OPEN_STEPS = Math.max(1, Number(args.get('open-steps') ?? 10));
const OPEN_CONCURRENCY = Number(args.get('open-concurrency') ?? 24);
const OPEN_EXPIRY_MINUTES = Number(args.get('open-expiry-minutes') ?? 720);
const PROBE_CREATES = Number(args.get('probe-creates') ?? 20);
const PROBE_RATE = Number(args.get('probe-rate') ?? 2);
const WINDOW_SECONDS = Number(args.get('window-seconds') ?? 30);
// The status-poll gaps of every payment (BAYAR_POLL_SCHEDULE; the last repeats). 1h keeps the
// other phases about holding payments; the open-payments run chooses its own (docs/cluster.md).
const POLL_SCHEDULE = args.get('poll-schedule') ?? '1h';
// --open-until HH:MM (UTC, today): the open-payments steps end by then (the stack still stops cleanly).
const OPEN_UNTIL = args.get('open-until');
const HARD_LIMIT_MS = Number(args.get('time-limit-minutes') ?? 30) * 60_000;

/** Runs `count` jobs with CONCURRENCY of them in flight at any moment (a closed loop). */
async function inFlight(count: number, job: () => Promise<void>): Promise<void> {
  let left = count;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (left > 0) {
        left -= 1;
        await job();
      }
    }),
  );
}

interface PaymentTiming {
  id: string;
  create: number;
  webhookToSettled: number;
  createToSettled: number;
}

async function onePayment(stack: TestStack, receiver: Awaited<ReturnType<typeof startMerchantReceiver>>, waiters: Map<string, (t: number) => void>, tag: string): Promise<PaymentTiming> {
  const t0 = performance.now();
  const created = await stack.api('POST', '/v1/payments', { merchantReference: tag, amount: 10_000, method: 'QRIS', callbackUrl: receiver.url });
  const t1 = performance.now();
  if (created.status === 202) {
    // Accepted before the provider answered (overload): do what a client does, poll GET.
    await stack.waitFor(created.json.id, (p) => p.status === 'PENDING', 120_000);
  } else if (created.status !== 201) throw new Error(`create ${created.status}: ${created.text}`);
  const settled = new Promise<number>((resolve) => waiters.set(created.json.id, resolve));
  const paid = await stack.pay(created.json.id);
  const t2 = performance.now(); // the sandbox sends the signed webhook right after answering
  if (paid.status !== 200) throw new Error(`pay ${paid.status}`);
  const t3 = await settled;
  return { id: created.json.id, create: t1 - t0, webhookToSettled: t3 - t2, createToSettled: t3 - t0 };
}

async function main(): Promise<void> {
  const deadline = setTimeout(() => {
    console.error('bench: hard time limit reached, stopping');
    process.exit(2);
  }, HARD_LIMIT_MS);
  const receiver = await startMerchantReceiver();
  const waiters = new Map<string, (t: number) => void>();
  // Settlement is observed where a merchant sees it: the payment.paid callback, sent just
  // before the workflow marks the payment SETTLED.
  const originalPush = receiver.received.push.bind(receiver.received);
  receiver.received.push = (...items) => {
    const now = performance.now();
    for (const item of items) {
      const body = JSON.parse(item.body) as { type: string; data: { id: string } };
      if (body.type === 'payment.paid') waiters.get(body.data.id)?.(now);
    }
    return originalPush(...items);
  };

  console.log(`bench: starting the stack (${CLUSTER ? 'the cluster: PostgreSQL, four Temporal services, sandboxes, two workers, two APIs' : 'Temporal dev server, sandboxes, worker, API'})…`);
  // Paid payments settle from the webhook at once, so polling never fires in the loops; the poll
  // schedule (--poll-schedule) is what the open payments cost in polling.
  // The workers' metrics on ports the OS picks: the open-payments steps read their counters.
  // The reads' merchant is a development merchant of its own (bench data only, see bench-reads.ts).
  const stack = await startTestStack({
    cluster: CLUSTER,
    env: {
      BAYAR_ENV: 'development',
      BAYAR_BENCH_BASELINE: '1',
      BAYAR_API_KEYS: `demo:${API_KEY},${BENCH_MERCHANT}:${BENCH_MERCHANT_KEY}`,
      BAYAR_LOG_LEVEL: 'error',
      BAYAR_POLL_SCHEDULE: POLL_SCHEDULE,
      BAYAR_WORKER_METRICS_PORT: '0',
      BAYAR_WORKER_SDK_METRICS_PORT: '0',
      BAYAR_WORKER_GAUGE_INTERVAL_MS: '3600000',
      BAYAR_REFUND_WINDOW: '1h',
      ...(process.env.BAYAR_PROFILE_DIR ? { BAYAR_PROFILE_DIR: process.env.BAYAR_PROFILE_DIR } : {}),
    },
  });
  const run = Date.now().toString(36);
  const save = () => {
    mkdirSync(dirname(OUT), { recursive: true });
    writeFileSync(OUT, JSON.stringify(report, null, 2));
  };
  const os = await import('node:os');
  const report: Record<string, unknown> = {
    at: new Date().toISOString(),
    machine: { cpus: os.cpus().length, node: process.version, loadAtStart: os.loadavg() },
    params: {
      N,
      RATE,
      CONCURRENCY,
      OPEN,
      SEED,
      READ_REQUESTS,
      READS_ONLY,
      OPEN_ONLY,
      OPEN_STEPS,
      OPEN_CONCURRENCY,
      OPEN_EXPIRY_MINUTES,
      PROBE_CREATES,
      PROBE_RATE,
      WINDOW_SECONDS,
      POLL_SCHEDULE,
      OPEN_UNTIL,
    },
    target: CLUSTER ? 'cluster (4 Temporal services, 4 shards, PostgreSQL; 2 APIs, 2 workers)' : 'dev server (1 process, 1 shard, SQLite)',
  };
  const openPayments = async () => {
    if (OPEN <= 0) return;
    report.openPayments = {
      steps: await benchOpen(stack, {
        total: OPEN,
        steps: OPEN_STEPS,
        concurrency: OPEN_CONCURRENCY,
        expiresInMinutes: OPEN_EXPIRY_MINUTES,
        probeCreates: PROBE_CREATES,
        probeRate: PROBE_RATE,
        windowSeconds: WINDOW_SECONDS,
        run,
        ...(OPEN_UNTIL ? { stopAt: new Date(`${new Date().toISOString().slice(0, 10)}T${OPEN_UNTIL}:00Z`).getTime() } : {}),
        pids: () => processIds(stack),
        databaseUrl: CLUSTER ? stack.databaseUrl : undefined,
        onStep: (steps) => {
          report.openPayments = { steps };
          save();
        },
      }),
    };
    save();
  };
  const reads = async () => {
    report.reads = await benchReads(stack, { seed: SEED, rate: RATE, requests: READ_REQUESTS, meter: new ProcessMeter(processIds(stack)) });
    save();
  };
  try {
    const meter = new ProcessMeter(processIds(stack));
    // Warm-up: JIT, connection pools, workflow cache.
    await Promise.all(Array.from({ length: 20 }, (_, i) => onePayment(stack, receiver, waiters, `warm-${run}-${i}`)));
    if (READS_ONLY) await reads();
    else if (OPEN_ONLY) await openPayments();
    // The other phases (--reads skips them and still reaches the report below).
    else {
      // 1. Open loop at a target rate: latency is not hidden by back-pressure.
      meter.start();
      const open: Promise<PaymentTiming>[] = [];
      const t0 = performance.now();
      for (let i = 0; i < N; i++) {
        const due = t0 + (i * 1000) / RATE;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        open.push(onePayment(stack, receiver, waiters, `open-${run}-${i}`));
      }
      const openResults = await Promise.all(open);
      const openSeconds = (performance.now() - t0) / 1000;
      const openResources = meter.stop();
      report.openLoop = {
        targetRate: RATE,
        achievedPaymentsPerSecond: round(N / openSeconds),
        createMs: stats(openResults.map((r) => r.create)),
        webhookToSettledMs: stats(openResults.map((r) => r.webhookToSettled)),
        createToSettledMs: stats(openResults.map((r) => r.createToSettled)),
        resources: openResources,
      };
      save();

      // 2 and 3. Closed loop, as fast as it goes, and the baseline: the same Temporal work per run,
      // no-op activities, no HTTP, same server. The dev server slows down as its SQLite file grows
      // and the machine's speed drifts, so the two alternate in ROUNDS rounds (ABBA order: baseline
      // first in even rounds, bayar first in odd ones), and the ratio compares like with like. The
      // per-round ratios show how much one comparison can move on this machine.
      const connection = await Connection.connect({ address: stack.temporalAddress });
      const client = new Client({ connection });
      let baselineRun = 0;
      const runBaseline = (count: number, into: number[]) =>
        inFlight(count, async () => {
          const i = baselineRun++;
          const s = performance.now();
          const op = new WithStartWorkflowOperation('baselineWorkflow', { workflowId: `baseline-${run}-${i}`, taskQueue: 'bayar-payments', workflowIdConflictPolicy: 'USE_EXISTING' });
          await client.workflow.executeUpdateWithStart(baselineStartedUpdate, { args: ['h'], startWorkflowOperation: op });
          const handle = await op.workflowHandle();
          await handle.signal(baselinePaidSignal);
          await handle.result();
          into.push(performance.now() - s);
        });
      let closedRun = 0;
      let lastSettledId = '';
      const runBayar = (count: number, into: PaymentTiming[]) =>
        inFlight(count, async () => {
          const timing = await onePayment(stack, receiver, waiters, `closed-${run}-${closedRun++}`);
          lastSettledId = timing.id;
          into.push(timing);
        });
      /** Runs one segment under the meter: its wall-clock seconds and the processes' use. */
      const measured = async (segment: () => Promise<void>) => {
        meter.start();
        const s = performance.now();
        await segment();
        return { seconds: (performance.now() - s) / 1000, use: meter.stop() };
      };
      const closed: PaymentTiming[] = [];
      const baseline: number[] = [];
      let closedSeconds = 0;
      let baselineSeconds = 0;
      let closedUse: Record<string, ProcessUse> = {};
      let baselineUse: Record<string, ProcessUse> = {};
      const rounds: { paymentsPerSecond: number; baselineRunsPerSecond: number; ratio: number }[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        const count = Math.floor(N / ROUNDS) + (r < N % ROUNDS ? 1 : 0);
        const bayarSegment = () => measured(() => runBayar(count, closed));
        const baselineSegment = () => measured(() => runBaseline(count, baseline));
        const [first, second] = r % 2 === 0 ? [await baselineSegment(), await bayarSegment()] : [await bayarSegment(), await baselineSegment()];
        const [b, p] = r % 2 === 0 ? [first, second] : [second, first];
        closedSeconds += p.seconds;
        baselineSeconds += b.seconds;
        closedUse = sumAll(closedUse, p.use);
        baselineUse = sumAll(baselineUse, b.use);
        rounds.push({ paymentsPerSecond: round(count / p.seconds), baselineRunsPerSecond: round(count / b.seconds), ratio: Number((b.seconds / p.seconds).toFixed(2)) });
        console.log(`  round ${r + 1}/${ROUNDS}: bayar ${rounds[r]!.paymentsPerSecond}/s, baseline ${rounds[r]!.baselineRunsPerSecond}/s, ratio ${rounds[r]!.ratio}`);
      }
      report.closedLoop = {
        concurrency: CONCURRENCY,
        paymentsPerSecond: round(N / closedSeconds),
        createToSettledMs: stats(closed.map((t) => t.createToSettled)),
        resources: closedUse,
        cpuMsPerPayment: perRun(closedUse, N),
      };
      report.baseline = { concurrency: CONCURRENCY, runsPerSecond: round(N / baselineSeconds), startToDoneMs: stats(baseline), resources: baselineUse, cpuMsPerRun: perRun(baselineUse, N) };
      report.ratio = Number((baselineSeconds / closedSeconds).toFixed(2));
      report.rounds = rounds;
      // History events per run, by type (the server's work grows with them): a settled bayar
      // payment (still open in its refund window) and a finished baseline run.
      report.historyEvents = {
        bayar: await historyEvents(client, lastSettledId),
        baseline: await historyEvents(client, `baseline-${run}-${baselineRun - 1}`),
      };
      console.log(
        `  history events per run: bayar ${(report.historyEvents as Record<string, { total: number }>).bayar.total}, baseline ${(report.historyEvents as Record<string, { total: number }>).baseline.total}`,
      );
      await connection.close();
      save();

      // bayar's own time per webhook (x-bayar-latency: verify, parse, signal), provider excluded.
      const sent = (await stack.sandbox('GET', '/_sandbox/notifications')).json as { receiverLatencyMs?: number; ms?: number }[];
      report.webhookHandlingMs = {
        bayar: stats(sent.flatMap((s) => (s.receiverLatencyMs === undefined ? [] : [s.receiverLatencyMs]))),
        roundTrip: stats(sent.flatMap((s) => (s.ms === undefined ? [] : [s.ms]))),
      };

      // The reads, over SEED more stored payments (before the open payments, whose creates would
      // otherwise share the machine with them).
      await reads();

      // 4. Many open (unpaid) payments: what each costs as the count grows.
      await openPayments();
    }
  } finally {
    await stack.stop();
    await receiver.close();
    clearTimeout(deadline);
    report.machine = { ...(report.machine as object), loadAtEnd: (await import('node:os')).loadavg() };
  }

  save();
  printTable(report);
  console.log(`\nbench: full results in ${OUT}`);
}

/** A workflow's history events so far, by type, and their total. */
async function historyEvents(client: Client, workflowId: string): Promise<Record<string, number>> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const byType: Record<string, number> = { total: history.events?.length ?? 0 };
  for (const e of history.events ?? []) {
    const type = (typeof e.eventType === 'number' ? proto.temporal.api.enums.v1.EventType[e.eventType] : String(e.eventType)).replace(/^EVENT_TYPE_/, '');
    byType[type] = (byType[type] ?? 0) + 1;
  }
  return byType;
}

/** Every process of the stack by name: the dev stack's, or the cluster's (api-2, worker-2, temporal-history, …). */
function processIds(stack: TestStack): Record<string, number | undefined> {
  return CLUSTER ? (stack as ClusterTestStack).cluster.pids() : stack.stack.pids();
}

function printTable(r: Record<string, any>): void {
  const rows: [string, string][] = r.openLoop
    ? [
        ['open loop: target / achieved payments/s', `${r.openLoop.targetRate} / ${r.openLoop.achievedPaymentsPerSecond}`],
        ['open loop: POST /v1/payments p50/p95/p99 ms', fmt(r.openLoop.createMs)],
        ['open loop: webhook→SETTLED p50/p95/p99 ms', fmt(r.openLoop.webhookToSettledMs)],
        ['open loop: create→SETTLED p50/p95/p99 ms', fmt(r.openLoop.createToSettledMs)],
        ['closed loop: payments/s (concurrency ' + r.closedLoop.concurrency + ')', String(r.closedLoop.paymentsPerSecond)],
        ['baseline (bare Temporal): runs/s', String(r.baseline.runsPerSecond)],
        ['bayar / baseline throughput', String(r.ratio)],
        ['  per round (alternating order)', (r.rounds as { ratio: number }[]).map((x) => x.ratio).join(', ')],
        ['webhook handling in bayar (x-bayar-latency) ms', fmt(r.webhookHandlingMs.bayar)],
      ]
    : [];
  if (r.reads) {
    const x = r.reads;
    rows.push([`reads: ${x.storedPayments} stored payments (${x.seed.payments} seeded in ${x.seed.seconds} s); rate target / achieved`, `${x.rate.target} / ${x.rate.achieved}`]);
    rows.push(['reads: GET /v1/payments/:id p50/p95/p99 ms', fmt(x.getMs)]);
    rows.push(['reads: GET, time inside the API (x-bayar-latency) p50/p95/p99 ms', fmt(x.getInApiMs)]);
    rows.push(['reads: floor: the same GETs from a bare Node server, same rows, p50/p95/p99 ms', fmt(x.floorGetMs)]);
    rows.push(['reads: load average (1 min) before / after the requests', `${x.loadAverageDuringRequests.before[0]} / ${x.loadAverageDuringRequests.after[0]}`]);
    rows.push(['reads: PostgreSQL transactions per GET + list pair', String(x.postgresTransactionsPerGetAndListPair)]);
    rows.push([
      'reads: CPU ms per GET + list pair, by process',
      Object.entries(x.cpuMsPerGetAndListPair ?? {})
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
    ]);
    rows.push(['reads: list (all kinds) p50/p95/p99 ms', fmt(x.listMs)]);
    rows.push(['reads: list, time inside the API p50/p95/p99 ms', fmt(x.listInApiMs)]);
    for (const [kind, s] of Object.entries(x.listByKindMs as Record<string, Stats>)) rows.push([`  list ${kind} p50/p95/p99 ms`, fmt(s)]);
    rows.push([
      'database bytes per payment (estimate; row + transitions seeded)',
      `${x.databaseBytesPerPayment.estimate} (${x.databaseBytesPerPayment.seeded.byTable.payments} + ${x.databaseBytesPerPayment.seeded.byTable.payment_transitions})`,
    ]);
  }
  for (const [name, res] of Object.entries((r.closedLoop?.resources ?? {}) as Record<string, ProcessUse>)) {
    rows.push([`closed loop: ${name} CPU ms per payment (baseline: per run) / peak RSS MiB`, `${r.closedLoop.cpuMsPerPayment[name]} (${r.baseline.cpuMsPerRun[name] ?? 0}) / ${res.peakRssMiB}`]);
  }
  if (r.openPayments) {
    rows.push(['open payments: workers / Temporal RSS MiB; probe create p50/p99, GET p99 ms; status calls, workflow tasks per min; bulk creates/s', '']);
    for (const s of r.openPayments.steps as OpenStep[]) {
      rows.push([
        `  ${s.openPayments} open`,
        `${s.rssMiB['workers (all)']} / ${s.rssMiB['temporal (all services)']}; ${s.probe.createMs.p50}/${s.probe.createMs.p99}, ${s.probe.getMs.p99}; ${s.perMinute.providerStatusCalls}, ${s.perMinute.workflowTasks}; ${s.bulk.createsPerSecond}` +
          (s.bytesPerOpenPayment
            ? `; bytes/open ${Object.entries(s.bytesPerOpenPayment)
                .map(([d, b]) => `${d} ${b}`)
                .join(', ')}`
            : ''),
      ]);
    }
  }
  const width = Math.max(...rows.map(([a]) => a.length));
  console.log('\n' + rows.map(([a, b]) => `${a.padEnd(width)}  ${b}`).join('\n'));
}
const fmt = (s: Stats) => `${s.p50} / ${s.p95} / ${s.p99}`;

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
