// The open-payments part of `npm run bench` (issue 17 item 5): how bayar's cost grows with the
// number of payments held open (created, unpaid, waiting for the customer).
//
// Payments are created through the real API (POST /v1/payments: the create path, update-with-start,
// the charge at the provider sandbox, the record in bayar's database), `concurrency` in flight,
// in `steps` steps. After each step the bulk load stops and a quiet window follows, in which
//   - a paced probe of creates (e.g. 20 at 2/s) and of GETs of held payments measures the latency
//     a merchant sees at that many open payments, not the bulk load's queueing;
//   - the workers' counters (bayar's provider calls, the SDK's workflow tasks) give the polling
//     load per minute: status look-ups at the provider and workflow tasks.
// Then memory (each worker, each Temporal service, the APIs), PostgreSQL's three databases, and
// bytes per open payment (growth since the first step began, over the payments made).
//
// The workers' metrics listen on ports the OS picks (BAYAR_WORKER_METRICS_PORT=0,
// BAYAR_WORKER_SDK_METRICS_PORT=0, set by bench.ts); they are found from /proc: the listening
// sockets each worker process holds.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import pg from 'pg';
import type { TestStack } from '../test/helpers/stack.js';
import { ProcessMeter, round, rssMiB, stats, type ProcessUse, type Stats } from './bench-meter.js';

export interface OpenOptions {
  /** Payments to hold open in all. */
  total: number;
  steps: number;
  /** Bulk creates in flight. */
  concurrency: number;
  /** Each held payment's expiry: long enough that none expires during the run. */
  expiresInMinutes: number;
  /** Paced probe at each step: creates (and as many GETs per second) at probeRate/s. */
  probeCreates: number;
  probeRate: number;
  /** The quiet window's length (at least the probe's): the polling counters' window. */
  windowSeconds: number;
  /**
   * Wall-clock end (epoch ms): no step starts that would not finish by then (judged by the last
   * step's length), and a step's bulk load stops there; the steps so far are the result.
   */
  stopAt?: number;
  /** Tag for merchant references. */
  run: string;
  /** Every process of the stack by name (worker, worker-2, temporal-history, …). */
  pids: () => Record<string, number | undefined>;
  /** The cluster's PostgreSQL URL: database sizes (none on the dev server's SQLite). */
  databaseUrl?: string;
  /** Called after each step with the steps so far (the bench saves its report). */
  onStep: (steps: OpenStep[]) => void;
  log?: (line: string) => void;
}

export interface OpenStep {
  openPayments: number;
  at: string;
  loadAverage: number[];
  bulk: { creates: number; seconds: number; createsPerSecond: number; createMs: Stats; cpuMsPerCreate: Record<string, number> };
  probe: { createMs: Stats; getMs: Stats; failures: number };
  /** Counted over the quiet window (which includes the probe's creates and GETs), per minute. */
  perMinute: { providerStatusCalls: number; workflowTasks: number; activityTasks: number; windowSeconds: number };
  /** CPU seconds per minute by process during the quiet window (60 = one core busy). */
  quietCpuSecondsPerMinute: Record<string, number>;
  rssMiB: Record<string, number>;
  databaseMiB?: Record<string, number>;
  /** Growth since the first step began, over the payments made since. */
  bytesPerOpenPayment?: Record<string, number>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function benchOpen(stack: TestStack, o: OpenOptions): Promise<OpenStep[]> {
  const log = o.log ?? console.log;
  const meter = new ProcessMeter(o.pids());
  const held: string[] = [];
  const steps: OpenStep[] = [];
  const dbAtStart = o.databaseUrl ? await databaseBytes(o.databaseUrl) : undefined;
  const create = async (i: number, into: number[]): Promise<boolean> => {
    const s = performance.now();
    const res = await stack.api('POST', '/v1/payments', { merchantReference: `held-${o.run}-${i}`, amount: 10_000, method: 'VA_BCA', expiresInMinutes: o.expiresInMinutes });
    into.push(performance.now() - s);
    if (res.status !== 201 && res.status !== 202) {
      log(`  open create ${res.status}: ${res.text.slice(0, 200)}`);
      return false;
    }
    held.push(res.json.id as string);
    return true;
  };
  let next = 0;
  // Creates of the bulk load under way: a step's target counts them before they return.
  const inflight = { n: 0 };
  const perStep = Math.max(1, Math.ceil(o.total / o.steps));
  let lastStepMs = 0;
  while (held.length < o.total) {
    if (o.stopAt !== undefined && Date.now() + lastStepMs > o.stopAt) {
      log(`  open: stopping at ${held.length} open payments, the time given (--open-until) would not fit another step`);
      break;
    }
    const stepStart = performance.now();
    // 1. Bulk load, `concurrency` in flight.
    const target = Math.min(o.total, held.length + perStep);
    const bulkMs: number[] = [];
    let failures = 0;
    meter.start();
    const b0 = performance.now();
    await Promise.all(
      Array.from({ length: o.concurrency }, async () => {
        while (held.length + inflight.n < target && failures < 50 && (o.stopAt === undefined || Date.now() < o.stopAt)) {
          inflight.n++;
          try {
            if (!(await create(next++, bulkMs))) failures++;
          } catch (err) {
            failures++;
            log(`  open create failed: ${(err as Error).message}`);
          } finally {
            inflight.n--;
          }
        }
      }),
    );
    const bulkSeconds = (performance.now() - b0) / 1000;
    const bulkUse = meter.stop();
    if (failures >= 50) throw new Error('bench open: 50 creates failed in one step, stopping');
    const bulkCreates = bulkMs.length;

    // 2. Quiet window: the paced probe, and the polling counters.
    const before = await workerCounters(o.pids());
    meter.start();
    const w0 = performance.now();
    const probeCreate: number[] = [];
    const probeGet: number[] = [];
    let probeFailures = 0;
    const paced: Promise<void>[] = [];
    const windowMs = Math.max(o.windowSeconds * 1000, (o.probeCreates / o.probeRate) * 1000);
    for (let i = 0; ; i++) {
      const due = w0 + (i * 1000) / o.probeRate;
      if (due - w0 >= windowMs) break;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      if (i < o.probeCreates)
        paced.push(
          create(next++, probeCreate).then(
            (ok) => void (ok || probeFailures++),
            () => void probeFailures++,
          ),
        );
      const id = held[Math.floor(Math.random() * held.length)]!;
      paced.push(
        (async () => {
          const s = performance.now();
          const res = await stack.api('GET', `/v1/payments/${id}`);
          probeGet.push(performance.now() - s);
          if (res.status !== 200) probeFailures++;
        })().catch(() => void probeFailures++),
      );
    }
    await Promise.all(paced);
    const rest = windowMs - (performance.now() - w0);
    if (rest > 0) await sleep(rest);
    const windowSeconds = (performance.now() - w0) / 1000;
    const quietUse = meter.stop();
    const after = await workerCounters(o.pids());
    const perMinute = (k: keyof Counters) => round(((after[k] - before[k]) * 60) / windowSeconds);

    // 3. Sizes.
    const rss: Record<string, number> = {};
    for (const [name, pid] of Object.entries(o.pids())) if (pid && name !== 'postgres') rss[name] = round(rssMiB(pid));
    rss['temporal (all services)'] = round(Object.entries(rss).reduce((n, [name, v]) => n + (name.startsWith('temporal') ? v : 0), 0));
    rss['workers (all)'] = round(Object.entries(rss).reduce((n, [name, v]) => n + (name.startsWith('worker') ? v : 0), 0));
    const db = o.databaseUrl ? await databaseBytes(o.databaseUrl) : undefined;
    const step: OpenStep = {
      openPayments: held.length,
      at: new Date().toISOString(),
      loadAverage: (await import('node:os')).loadavg().map(round),
      bulk: {
        creates: bulkCreates,
        seconds: round(bulkSeconds),
        createsPerSecond: round(bulkCreates / bulkSeconds),
        createMs: stats(bulkMs),
        cpuMsPerCreate: cpuMsPer(bulkUse, bulkCreates),
      },
      probe: { createMs: stats(probeCreate), getMs: stats(probeGet), failures: probeFailures },
      perMinute: { providerStatusCalls: perMinute('statusCalls'), workflowTasks: perMinute('workflowTasks'), activityTasks: perMinute('activityTasks'), windowSeconds: round(windowSeconds) },
      quietCpuSecondsPerMinute: Object.fromEntries(Object.entries(quietUse).map(([n, u]) => [n, round((u.cpuSeconds * 60) / windowSeconds)])),
      rssMiB: rss,
      ...(db && dbAtStart
        ? {
            databaseMiB: Object.fromEntries(Object.entries(db).map(([n, v]) => [n, round(v / 1048576)])),
            bytesPerOpenPayment: Object.fromEntries(Object.entries(db).map(([n, v]) => [n, Math.round((v - (dbAtStart[n] ?? 0)) / held.length)])),
          }
        : {}),
    };
    steps.push(step);
    log(
      `  open ${held.length}/${o.total}: bulk ${step.bulk.createsPerSecond}/s, probe create p50/p99 ${step.probe.createMs.p50}/${step.probe.createMs.p99} ms, GET p99 ${step.probe.getMs.p99} ms, ` +
        `status calls/min ${step.perMinute.providerStatusCalls}, workers ${rss['workers (all)']} MiB, load ${step.loadAverage.join(' ')}`,
    );
    o.onStep(steps);
    lastStepMs = performance.now() - stepStart;
  }
  return steps;
}

function cpuMsPer(use: Record<string, ProcessUse>, n: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, u] of Object.entries(use)) out[name] = n ? round((u.cpuSeconds * 1000) / n) : 0;
  out.total = round(Object.entries(out).reduce((a, [name, v]) => a + (name === 'bench' ? 0 : v), 0));
  return out;
}

/** The cluster's PostgreSQL: bayar's and Temporal's two databases, in bytes. */
async function databaseBytes(url: string): Promise<Record<string, number>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string; bytes: string }>(
      `SELECT datname, pg_database_size(datname)::text AS bytes FROM pg_database WHERE datname IN ('bayar', 'temporal', 'temporal_visibility')`,
    );
    return Object.fromEntries(rows.map((r) => [r.datname, Number(r.bytes)]));
  } finally {
    await client.end();
  }
}

interface Counters {
  statusCalls: number;
  workflowTasks: number;
  activityTasks: number;
}

/** Summed over the workers: bayar's status look-ups and the SDK's workflow and activity tasks. */
async function workerCounters(pids: Record<string, number | undefined>): Promise<Counters> {
  const total: Counters = { statusCalls: 0, workflowTasks: 0, activityTasks: 0 };
  for (const [name, pid] of Object.entries(pids)) {
    if (!pid || !name.startsWith('worker')) continue;
    for (const port of listeningPorts(pid)) {
      const text = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(10_000) })
        .then((r) => (r.ok ? r.text() : ''))
        .catch(() => '');
      for (const line of text.split('\n')) {
        const value = Number(line.slice(line.lastIndexOf(' ') + 1));
        if (!Number.isFinite(value)) continue;
        if (line.startsWith('bayar_provider_call_duration_seconds_count{') && line.includes('operation="getChargeStatus"')) total.statusCalls += value;
        // The SDK's histograms: one count per workflow task / activity task executed.
        else if (/^temporal_workflow_task_execution_latency(_seconds)?_count[{ ]/.test(line)) total.workflowTasks += value;
        else if (/^temporal_activity_execution_latency(_seconds)?_count[{ ]/.test(line)) total.activityTasks += value;
      }
    }
  }
  return total;
}

/** TCP ports a process listens on: its socket inodes matched against /proc/<pid>/net/tcp{,6}. */
function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) inodes.add(m[1]!);
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    return [];
  }
  const ports: number[] = [];
  for (const table of ['tcp', 'tcp6']) {
    let text = '';
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const row of text.split('\n').slice(1)) {
      const f = row.trim().split(/\s+/);
      // f[1] local address:port (hex), f[3] state (0A = LISTEN), f[9] inode
      if (f[3] === '0A' && inodes.has(f[9]!)) ports.push(parseInt(f[1]!.split(':').pop()!, 16));
    }
  }
  return ports;
}
