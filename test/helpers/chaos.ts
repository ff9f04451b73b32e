// The chaos runner: payments through the real stack on loopback while processes are SIGKILLed
// and restarted, the Temporal server is restarted on its SQLite file, and the provider
// sandboxes misbehave on a schedule; then faults off, a bounded wait for things to settle,
// and the invariant checker (./invariants.ts) over every payment and every sandbox ledger.
// `npm run chaos` (scripts/chaos.ts) and test/e2e/chaos.test.ts both call runChaos().
import { SANDBOX_PORT_OFFSETS } from '../../src/config/config.js';
import type { PaymentView, ProviderName } from '../../src/domain/payment.js';
import type { Faults } from '../../src/sandbox/kit.js';
import { collectAndCheck, formatReport, paymentIdFor, readPayment, readPayments, type ClientRecord, type InvariantReport } from './invariants.js';
import { answerBody, attachEvidence, payAccepted, type PayCall } from './chaos-evidence.js';
import { API_KEY, startTestStack } from './stack.js';
import type { ClusterTestStack } from './cluster-stack.js';
import { API_REPLICAS, WORKER_REPLICAS } from '../../src/cluster/cluster.js';
import { TEMPORAL_SERVICES, type TemporalService } from '../../src/cluster/server-config.js';

export type FaultKind =
  | 'kill-worker'
  | 'kill-api'
  | 'restart-temporal'
  | 'provider-5xx'
  | 'provider-timeouts'
  | 'provider-latency'
  | 'notifications-dup-ooo'
  | 'webhooks-off'
  | 'provider-mixed'
  // Cluster mode only (test/helpers/cluster-stack.ts): one Temporal service SIGKILLed and
  // restarted, or PostgreSQL itself crashed (immediate shutdown) and restarted.
  | 'kill-history'
  | 'kill-matching'
  | 'crash-postgres';

/** One step of the schedule: a process down for `ms`, or a sandbox fault window of `ms`. */
export interface FaultStep {
  kind: FaultKind;
  ms: number;
}

const WINDOWS: Partial<Record<FaultKind, Partial<Faults>>> = {
  'provider-5xx': { errorRate: 0.3 },
  'provider-timeouts': { timeoutRate: 0.15, latencyMs: 100 },
  'provider-latency': { latencyMs: 700 },
  'notifications-dup-ooo': { duplicateRate: 1, outOfOrderRate: 0.3 },
  'webhooks-off': { webhooksEnabled: false },
  'provider-mixed': { errorRate: 0.2, timeoutRate: 0.1, latencyMs: 200, duplicateRate: 1, outOfOrderRate: 0.3 },
};

/** The full run's schedule, repeated while payments are being made. */
export const DEFAULT_SCHEDULE: FaultStep[] = [
  { kind: 'kill-worker', ms: 2_000 },
  { kind: 'provider-5xx', ms: 10_000 },
  { kind: 'kill-api', ms: 2_000 },
  { kind: 'notifications-dup-ooo', ms: 10_000 },
  { kind: 'restart-temporal', ms: 3_000 },
  { kind: 'provider-timeouts', ms: 10_000 },
  { kind: 'kill-worker', ms: 300 },
  { kind: 'provider-latency', ms: 8_000 },
  { kind: 'webhooks-off', ms: 8_000 },
  { kind: 'provider-mixed', ms: 10_000 },
];

/** The compressed schedule of the test: one of each kind of trouble, run once. */
export const SHORT_SCHEDULE: FaultStep[] = [
  { kind: 'kill-worker', ms: 1_000 },
  { kind: 'provider-mixed', ms: 5_000 },
  { kind: 'kill-api', ms: 1_000 },
  { kind: 'restart-temporal', ms: 1_500 },
];

/**
 * Cluster mode's schedule: one of two workers, one of two APIs (the other keeps answering), the
 * history service (its shards move back when it returns), the matching service, PostgreSQL under
 * all of it, and provider faults as on the dev server.
 */
export const CLUSTER_SCHEDULE: FaultStep[] = [
  { kind: 'kill-worker', ms: 2_000 },
  { kind: 'provider-5xx', ms: 8_000 },
  { kind: 'kill-api', ms: 2_000 },
  { kind: 'kill-history', ms: 3_000 },
  { kind: 'notifications-dup-ooo', ms: 8_000 },
  { kind: 'kill-matching', ms: 3_000 },
  { kind: 'crash-postgres', ms: 2_000 },
  { kind: 'provider-mixed', ms: 8_000 },
];

export interface ChaosOptions {
  payments: number;
  /** Hard cap on the whole run (stack start to report); it always ends by itself. */
  seconds: number;
  /** Payment journeys in flight at once. */
  concurrency: number;
  schedule: FaultStep[];
  /** Cycle through the schedule for as long as payments are being made (else run it once). */
  repeat: boolean;
  /** Pause between fault steps. */
  gapMs: number;
  /** Share of payments routed to Midtrans (the rest to Xendit). */
  midtransShare: number;
  log: (line: string) => void;
  seed?: number;
  /** On violations, copy the Temporal database here (stopped first) for a post-mortem. */
  keepDataIn?: string;
  /** Run on the cluster: two APIs, two workers, Temporal as four services over PostgreSQL. */
  cluster?: boolean;
}

export const DEFAULT_OPTIONS: ChaosOptions = {
  payments: 2000,
  seconds: 900,
  concurrency: 64,
  schedule: DEFAULT_SCHEDULE,
  repeat: true,
  gapMs: 4_000,
  midtransShare: 0.2,
  log: (line) => console.log(line),
};

export interface FaultRecord {
  kind: FaultKind;
  atMs: number;
  tookMs: number;
}

export interface ChaosResult {
  options: Omit<ChaosOptions, 'log'>;
  durationMs: number;
  loadMs: number;
  settleMs: number;
  faults: FaultRecord[];
  /** Processes that died without being killed by the schedule (a finding in itself). */
  unexpectedExits: string[];
  /** The worker's and API's last output, when there were violations. */
  tails?: Record<string, string>;
  /** Where the Temporal database was kept, when there were violations and keepDataIn was set. */
  keptDatabase?: string;
  plans: Record<string, number>;
  client: Record<string, number>;
  report: InvariantReport;
  table: string;
}

type PlanKind = 'pay' | 'refunds' | 'mismatch' | 'va-refund' | 'expire' | 'late' | 'last-second' | 'cancel' | 'pending';

/** Share of each journey; the rest of the mix (provider, method) is drawn per payment. */
const PLAN_WEIGHTS: [PlanKind, number][] = [
  ['pay', 0.41],
  ['last-second', 0.05],
  ['refunds', 0.16],
  ['mismatch', 0.04],
  ['va-refund', 0.05],
  ['expire', 0.09],
  ['late', 0.11],
  ['cancel', 0.06],
  ['pending', 0.03],
];

const REFUNDABLE: Record<'xendit' | 'midtrans', string[]> = {
  xendit: ['QRIS', 'QRIS', 'EWALLET_DANA', 'EWALLET_OVO', 'EWALLET_SHOPEEPAY'],
  midtrans: ['QRIS', 'EWALLET_GOPAY', 'EWALLET_SHOPEEPAY'],
};
const NOT_REFUNDABLE: Record<'xendit' | 'midtrans', string[]> = {
  xendit: ['VA_BCA', 'VA_BNI', 'VA_BRI', 'VA_MANDIRI', 'VA_PERMATA', 'RETAIL_ALFAMART'],
  midtrans: ['VA_BCA', 'VA_BNI', 'VA_PERMATA', 'VA_MANDIRI'],
};

interface Plan {
  kind: PlanKind;
  provider: 'xendit' | 'midtrans';
  method: string;
  amount: number;
  expiresInSeconds?: number;
}

/** Small deterministic PRNG, so a run's mix can be reproduced with --seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

export async function runChaos(partial: Partial<ChaosOptions> = {}): Promise<ChaosResult> {
  const options: ChaosOptions = { ...DEFAULT_OPTIONS, ...partial };
  const { log } = options;
  const started = Date.now();
  const hardStopAt = started + options.seconds * 1000;
  // Budget: load (with faults) until 65 %, settling until 85 %, the final read and check after.
  const loadEndsAt = started + options.seconds * 650;
  const settleEndsAt = started + options.seconds * 850;
  const random = prng(options.seed ?? Date.now());
  const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)]!;
  const run = Date.now().toString(36);

  log(
    options.cluster
      ? 'chaos: starting the cluster (PostgreSQL, Temporal frontend/history/matching/worker, sandboxes, 2 workers, 2 APIs)…'
      : `chaos: starting the stack (persistent Temporal, sandboxes, worker, API)…`,
  );
  const pollSchedule = options.payments > 200 ? '2s,4s,8s' : '1s,2s,4s';
  const stack = await startTestStack({
    persistent: true,
    cluster: options.cluster ?? false,
    env: {
      BAYAR_PROVIDER_TIMEOUT: '2s',
      BAYAR_CREATE_WAIT: '3s',
      BAYAR_POLL_SCHEDULE: pollSchedule,
      // Late money must land inside the refund window; the whole run fits in it.
      BAYAR_REFUND_WINDOW: `${Math.ceil(options.seconds / 60) + 10}m`,
      BAYAR_LOG_LEVEL: 'error',
      // A workflow task lost at a matching kill is regenerated well inside the settle wait
      // (src/temporal/lost-workflow-tasks.ts; the defaults, 60 s + 30 s, are longer than it).
      BAYAR_LOST_TASK_THRESHOLD_MS: '15000',
      BAYAR_LOST_TASK_INTERVAL_MS: '5000',
    },
  });
  const stackUpMs = Date.now() - started;

  // Every process the schedule did not kill must stay up: watch for unexpected exits.
  const unexpectedExits: string[] = [];
  const expectedDown = new Set<string>();
  const cluster = options.cluster ? (stack as ClusterTestStack).cluster : undefined;
  const watch = (part: string) => {
    const child =
      part === 'temporal' ? stack.stack.temporal?.process : part.startsWith('temporal-') ? cluster?.temporal?.process(part.slice('temporal-'.length) as TemporalService) : stack.stack.child(part);
    if (!child) return;
    let tail = '';
    if (part === 'temporal') child.stderr?.on('data', (d: Buffer) => (tail = (tail + d.toString()).slice(-3000)));
    child.once('exit', (code, signal) => {
      if (expectedDown.has(part)) return;
      const out = part === 'temporal' ? tail : stack.stack.output(part);
      const line = `${part} (pid ${child.pid}) exited unexpectedly at ${((Date.now() - started) / 1000).toFixed(1)} s: code ${code} signal ${signal}; last output: ${out.slice(-1500)}`;
      unexpectedExits.push(line);
      log(`chaos: ${line}`);
    });
  };
  const watched = cluster ? [...WORKER_REPLICAS, ...API_REPLICAS, 'sandbox', ...TEMPORAL_SERVICES.map((t) => `temporal-${t}`)] : ['temporal', 'worker', 'api', 'sandbox'];
  for (const part of watched) watch(part);
  const alive = (pid: number | undefined) => {
    if (!pid) return false;
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  /** Brings back whatever died on its own (after logging it above), so the run can go on. */
  const revive = async () => {
    if (cluster) {
      for (const t of TEMPORAL_SERVICES) {
        if (!alive(cluster.temporal?.pid(t))) {
          await cluster.killTemporal(t).catch(() => undefined);
          await cluster.restartTemporal(t);
          watch(`temporal-${t}`);
        }
      }
      for (const name of [...WORKER_REPLICAS, ...API_REPLICAS]) {
        if (!alive(stack.stack.child(name)?.pid)) {
          await stack.stack.stopPart(name).catch(() => undefined);
          if (name.startsWith('api')) await cluster.startApi(name as (typeof API_REPLICAS)[number]);
          else await cluster.startWorker(name as (typeof WORKER_REPLICAS)[number]);
          watch(name);
        }
      }
      return;
    }
    const pids = stack.stack.pids();
    if (!alive(pids.temporal)) {
      await stack.stack.stopTemporal().catch(() => undefined);
      await stack.stack.startTemporal();
      watch('temporal');
    }
    for (const part of ['worker', 'api'] as const) {
      if (!alive(stack.stack.pids()[part])) {
        await stack.stack.stopPart(part).catch(() => undefined);
        (stack.stack as unknown as { children: Map<string, unknown> }).children.delete(part);
        await stack.stack.startPart(part);
        watch(part);
      }
    }
  };
  log(`chaos: stack up in ${(stackUpMs / 1000).toFixed(1)} s; ${options.payments} payments, concurrency ${options.concurrency}, cap ${options.seconds} s`);

  const records = new Map<string, ClientRecord>();
  const client: Record<string, number> = {};
  const bump = (k: string) => (client[k] = (client[k] ?? 0) + 1);
  const faults: FaultRecord[] = [];
  const plans: Record<string, number> = {};
  let loadDone = false;
  let loadMs = 0;
  let settleMs = 0;

  try {
    // ---- the client: every call retried while the API (or Temporal behind it) is down ----
    const api = async (method: string, path: string, body: unknown, accept: (status: number, json: any) => boolean, until = loadEndsAt) => {
      let delay = 200;
      for (;;) {
        try {
          const res = await fetch(stack.apiUrl + path, {
            method,
            headers: { authorization: `Bearer ${API_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
            body: body === undefined ? undefined : JSON.stringify(body),
            signal: AbortSignal.timeout(15_000),
          });
          const text = await res.text();
          let json: any;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          if (accept(res.status, json)) return { status: res.status, json };
          bump(`retried ${method.toLowerCase()} after ${res.status}`);
        } catch {
          bump(`retried ${method.toLowerCase()} after network error`);
        }
        if (Date.now() + delay > until) return undefined;
        await sleep(delay);
        delay = Math.min(2_000, delay * 1.5);
      }
    };
    const transient = (status: number, json: any) => status >= 500 && !(status === 502 && json?.code === 'REFUND_FAILED');
    const waitFor = async (id: string, predicate: (p: PaymentView) => boolean, ms: number): Promise<PaymentView | undefined> => {
      const until = Math.min(Date.now() + ms, loadEndsAt);
      let last: PaymentView | undefined;
      while (Date.now() < until) {
        const got = await readPayment(stack, id, until);
        if (!('error' in got)) {
          last = got;
          if (predicate(got)) return got;
        }
        await sleep(750);
      }
      return last;
    };
    const sandbox = async (provider: ProviderName, path: string, body: unknown) => {
      const res = await fetch(stack.sandboxUrl(SANDBOX_PORT_OFFSETS[provider]) + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      return { status: res.status, body: answerBody(await res.text()) };
    };
    const setFaults = async (f: Partial<Faults>) => {
      for (const p of ['xendit', 'midtrans', 'doku'] as const) await sandbox(p, '/_sandbox/faults', f);
    };

    // ---- one payment's journey, by plan ----
    const journey = async (i: number) => {
      const roll = random();
      let acc = 0;
      const kind = PLAN_WEIGHTS.find(([, w]) => (acc += w) >= roll)?.[0] ?? 'pay';
      const provider = random() < options.midtransShare ? 'midtrans' : 'xendit';
      const refundable = kind === 'refunds' ? true : kind === 'va-refund' ? false : random() < 0.5;
      const plan: Plan = {
        kind,
        provider,
        method: pick(refundable ? REFUNDABLE[provider] : NOT_REFUNDABLE[provider]),
        amount: 10_000 + 1_000 * Math.floor(random() * 490),
        ...(kind === 'expire' || kind === 'late' || kind === 'last-second' ? { expiresInSeconds: 4 + Math.floor(random() * 8) } : {}),
      };
      plans[`${plan.kind} ${refundable ? 'refundable' : 'non-refundable'}`] = (plans[`${plan.kind} ${refundable ? 'refundable' : 'non-refundable'}`] ?? 0) + 1;
      const merchantReference = `chaos-${run}-${i}`;
      const id = paymentIdFor(merchantReference);
      const rec: ClientRecord = {
        id,
        merchantReference,
        provider,
        method: plan.method,
        amount: plan.amount,
        created: false,
        paidAfterExpiry: false,
        createDenials: [],
        confirmedRefunds: new Map(),
        payCalls: [],
      };
      records.set(id, rec);

      const created = await api(
        'POST',
        '/v1/payments',
        {
          merchantReference,
          amount: plan.amount,
          method: plan.method,
          provider,
          customer: { name: 'Budi Santoso', email: 'budi@example.com', phone: '+6281234567890' },
          ...(plan.expiresInSeconds ? { expiresInSeconds: plan.expiresInSeconds } : plan.kind === 'pending' ? { expiresInMinutes: 24 * 60 } : {}),
        },
        (status, json) => {
          if ([200, 201, 202].includes(status)) return true;
          // A careful client retries the same merchantReference until it gets an answer; a
          // 4xx is recorded (the checker flags a denied create whose payment exists anyway).
          if (!transient(status, json)) {
            bump(`create answered ${status} ${json?.code ?? ''}`.trim());
            rec.createDenials.push(`${new Date().toISOString().slice(11, 23)} ${status} ${json?.code ?? ''}`.trim());
            return status === 400 || status === 409 || status === 422 || rec.createDenials.length >= 5;
          }
          return false;
        },
      );
      if (!created || ![200, 201, 202].includes(created.status)) {
        bump(created ? 'create refused' : 'create gave up (deadline)');
        return;
      }
      rec.created = true;
      bump(`create ${created.status}`);
      if (created.json?.id !== id) bump('create answered another id');

      const waitPending = () => waitFor(id, (p) => p.status !== 'CREATED', 60_000);
      const deadline = Date.parse(created.json?.expiresAt ?? '');
      /**
       * Pays at the sandbox and keeps the call (rec.payCalls). Only an answer that took the money
       * counts (payAccepted: a refusal, e.g. a charge bayar has not made yet, is no payment); money
       * sent at or after the deadline is late money (ClientRecord.paidAfterDeadline). Answers the
       * HTTP status, or 'accepted' / 'refused' … as the counters show it.
       */
      const pay = async (body: { amount?: number; force?: boolean }): Promise<{ accepted: boolean; label: string }> => {
        const sentAt = Date.now();
        const call: PayCall = {
          journey: plan.kind,
          force: body.force === true,
          ...(body.amount !== undefined ? { amount: body.amount } : {}),
          sentAt: new Date(sentAt).toISOString(),
          answeredAt: '',
          ...(Number.isFinite(deadline) ? { deadline: new Date(deadline).toISOString() } : {}),
          status: 'error',
          answer: null,
          accepted: false,
        };
        rec.payCalls!.push(call);
        try {
          const answer = await sandbox(provider, `/_sandbox/charges/${id}/pay`, body);
          call.status = answer.status;
          call.answer = answer.body;
          call.accepted = payAccepted(answer.status, answer.body);
        } catch (err) {
          call.answer = (err as Error).message;
        }
        call.answeredAt = new Date().toISOString();
        if (call.accepted && sentAt >= deadline) rec.paidAfterDeadline = true;
        const code = call.answer && typeof call.answer === 'object' ? (call.answer as { status_code?: unknown }).status_code : undefined;
        return { accepted: call.accepted, label: `${call.status}${code !== undefined && String(code) !== String(call.status) ? `/${String(code)}` : ''}` };
      };
      switch (plan.kind) {
        case 'pay':
        case 'refunds':
        case 'mismatch':
        case 'va-refund': {
          const p = await waitPending();
          if (p?.status !== 'PENDING') return void bump(`not PENDING before pay: ${p?.status ?? 'unread'}`);
          const paid = await pay(plan.kind === 'mismatch' ? { amount: plan.amount - 1_000 } : {});
          bump(`sandbox pay ${paid.label}`);
          if (plan.kind !== 'refunds' && plan.kind !== 'va-refund') return;
          const settled = await waitFor(id, (x) => x.status === 'SETTLED' || x.status === 'REVIEW_REQUIRED', 60_000);
          if (settled?.status !== 'SETTLED') return void bump(`not SETTLED before refunds: ${settled?.status ?? 'unread'}`);
          // Two refunds that together exceed the payment, and the first one retried at once.
          const part = Math.ceil((plan.amount * 0.6) / 100) * 100;
          const refund = async (refundId: string) => {
            const res = await api('POST', `/v1/payments/${id}/refunds`, { amount: part, reason: 'chaos', refundId }, (s, j) => !transient(s, j));
            bump(`refund ${res?.status ?? 'gave up'} ${res?.json?.code ?? ''}`.trim());
            if (res?.status === 201 && res.json?.state === 'SUCCEEDED') rec.confirmedRefunds.set(refundId, res.json.amount);
          };
          await Promise.all([refund(`${id}-a`), refund(`${id}-b`), refund(`${id}-a`)]);
          return;
        }
        case 'late': {
          const p = await waitFor(id, (x) => x.status !== 'CREATED' && x.status !== 'PENDING', 90_000);
          if (p?.status !== 'EXPIRED') return void bump(`late: not EXPIRED: ${p?.status ?? 'unread'}`);
          const paid = await pay({ force: true });
          bump(`late pay ${paid.label}`);
          if (paid.accepted) rec.paidAfterExpiry = true;
          return;
        }
        case 'last-second': {
          // Money landing right around the deadline, while bayar is closing the payment:
          // it must end SETTLED, or refunded / flagged as late, never kept silently.
          const expiresAt = Date.parse(created.json?.expiresAt ?? '') || Date.now() + plan.expiresInSeconds! * 1000;
          await sleep(expiresAt - Date.now() + Math.floor(random() * 1_600) - 800);
          const paid = await pay({ force: true });
          bump(`last-second pay ${paid.label}`);
          return;
        }
        case 'cancel': {
          const p = await waitPending();
          if (p?.status !== 'PENDING') return void bump(`not PENDING before cancel: ${p?.status ?? 'unread'}`);
          const res = await api('POST', `/v1/payments/${id}/cancel`, { reason: 'chaos' }, (s, j) => !transient(s, j));
          bump(`cancel ${res?.status ?? 'gave up'}`);
          return;
        }
        case 'expire':
        case 'pending':
          return;
      }
    };

    // ---- faults, on a schedule, while the load runs ----
    const faultLoop = async () => {
      await sleep(Math.min(3_000, options.gapMs));
      let step = 0;
      for (;;) {
        if (options.repeat ? loadDone || Date.now() > loadEndsAt : step >= options.schedule.length) return;
        const f = options.schedule[step % options.schedule.length]!;
        step += 1;
        const t0 = Date.now();
        try {
          await revive();
          if (f.kind === 'kill-worker' || f.kind === 'kill-api') {
            const part = f.kind === 'kill-worker' ? 'worker' : 'api';
            expectedDown.add(part);
            await stack.stack.stopPart(part, 'SIGKILL');
            await sleep(f.ms);
            expectedDown.delete(part);
            await stack.stack.startPart(part);
            watch(part);
          } else if (f.kind === 'kill-history' || f.kind === 'kill-matching') {
            if (!cluster) throw new Error(`${f.kind} needs cluster mode`);
            const service = f.kind === 'kill-history' ? 'history' : 'matching';
            expectedDown.add(`temporal-${service}`);
            await cluster.killTemporal(service);
            await sleep(f.ms);
            expectedDown.delete(`temporal-${service}`);
            await cluster.restartTemporal(service);
            watch(`temporal-${service}`);
          } else if (f.kind === 'crash-postgres') {
            if (!cluster) throw new Error('crash-postgres needs cluster mode');
            await cluster.crashPostgres(f.ms);
          } else if (f.kind === 'restart-temporal') {
            expectedDown.add('temporal');
            await stack.stack.stopTemporal('SIGTERM');
            await sleep(f.ms);
            expectedDown.delete('temporal');
            await stack.stack.startTemporal();
            watch('temporal');
          } else {
            await setFaults(WINDOWS[f.kind]!);
            await sleep(f.ms);
            await setFaults({});
          }
        } catch (err) {
          log(`chaos: fault ${f.kind} failed: ${(err as Error).message.slice(0, 2000)}`);
          throw err;
        }
        faults.push({ kind: f.kind, atMs: t0 - started, tookMs: Date.now() - t0 });
        log(`chaos: ${((t0 - started) / 1000).toFixed(1).padStart(6)} s  ${f.kind.padEnd(22)} ${((Date.now() - t0) / 1000).toFixed(1)} s  (${records.size} payments so far)`);
        await sleep(options.gapMs);
      }
    };

    // ---- load ----
    const loadStart = Date.now();
    let next = 0;
    const lane = async () => {
      while (next < options.payments && Date.now() < loadEndsAt && !faultError) {
        const i = next++;
        try {
          await journey(i);
        } catch (err) {
          bump(`journey error: ${(err as Error).message.slice(0, 80)}`);
        }
      }
    };
    let faultError: Error | undefined;
    const faulting = faultLoop().catch((err: Error) => {
      faultError = err;
    });
    const progress = setInterval(() => log(`chaos: ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s  ${records.size}/${options.payments} payments started`), 30_000);
    try {
      await Promise.all(Array.from({ length: options.concurrency }, lane));
      loadDone = true;
      await faulting;
    } finally {
      loadDone = true;
      clearInterval(progress);
    }
    loadMs = Date.now() - loadStart;
    if (faultError) throw new Error(`a fault step could not be completed (the stack did not come back): ${faultError.message}`);

    // ---- faults off, everything up, then a bounded wait for things to settle ----
    await setFaults({});
    await revive();
    const settleStart = Date.now();
    const all = [...records.values()];
    log(`chaos: load done in ${(loadMs / 1000).toFixed(1)} s (${all.length} payments, ${faults.length} faults); settling…`);
    let views = await readPayments(
      stack,
      all.map((r) => r.id),
      16,
      Math.max(10_000, settleEndsAt - Date.now()),
    );
    const quiet = (rec: ClientRecord, v: PaymentView | { error: string } | undefined) => {
      if (!v || 'error' in v) return !rec.created;
      if (v.status === 'CREATED' || v.status === 'PAID' || v.amounts.refundPending > 0) return false;
      if (v.status === 'PENDING' && Date.parse(v.expiresAt) <= Date.now()) return false;
      if ((rec.paidAfterExpiry || rec.paidAfterDeadline) && v.status !== 'REFUNDED' && v.status !== 'REVIEW_REQUIRED') return false;
      return true;
    };
    // Money whose notification was lost while a process was down (or whose wake-only notice,
    // Xendit's, came in then) is found by the next status poll: wait at least one poll interval
    // at the schedule's cap before calling a PENDING payment quiet.
    const lastPollGapMs = Number(pollSchedule.split(',').at(-1)!.replace('s', '')) * 1000;
    const minSettleUntil = settleStart + lastPollGapMs + 1_000;
    for (;;) {
      const busy = all.filter((r) => !quiet(r, views.get(r.id)));
      if ((busy.length === 0 && Date.now() >= minSettleUntil) || Date.now() > settleEndsAt) {
        if (busy.length) log(`chaos: settle wait over with ${busy.length} payments still moving`);
        break;
      }
      await sleep(1_000);
      const again = await readPayments(
        stack,
        busy.map((r) => r.id),
        16,
        Math.max(5_000, settleEndsAt - Date.now()),
      );
      for (const [id, v] of again) views.set(id, v);
    }
    settleMs = Date.now() - settleStart;

    // ---- the final read of everything, and the check ----
    views = await readPayments(
      stack,
      all.map((r) => r.id),
      16,
      Math.max(15_000, hardStopAt - Date.now()),
    );
    // Closing an expired payment (cancel at the provider, then a final status check) takes a
    // moment; one read a few seconds past its deadline may still legitimately show PENDING.
    const { report } = await collectAndCheck(stack, all, { views, expiryGraceMs: 10_000 });
    // Kept next to each violation in the run's output, while the sandboxes still hold the charges.
    await attachEvidence(report.violations, all, {
      xendit: stack.sandboxUrl(SANDBOX_PORT_OFFSETS.xendit),
      midtrans: stack.sandboxUrl(SANDBOX_PORT_OFFSETS.midtrans),
    });
    const durationMs = Date.now() - started;
    const table = formatReport(report, {
      'duration (s)': (durationMs / 1000).toFixed(1),
      'load phase (s)': (loadMs / 1000).toFixed(1),
      'settle wait (s)': (settleMs / 1000).toFixed(1),
      faults: faults.length,
      'unexpected process exits': unexpectedExits.length,
      ...Object.fromEntries(Object.entries(faults.reduce<Record<string, number>>((a, f) => ((a[f.kind] = (a[f.kind] ?? 0) + 1), a), {})).map(([k, n]) => [`  ${k}`, n])),
    });
    const { log: _log, ...rest } = options;
    let tails: Record<string, string> | undefined;
    let keptDatabase: string | undefined;
    if (report.violations.length > 0) {
      tails = { worker: stack.stack.output('worker'), api: stack.stack.output('api') };
      const dir = (stack as unknown as { dir?: string }).dir;
      if (options.keepDataIn && cluster) {
        for (const part of watched) expectedDown.add(part);
        keptDatabase = await (stack as ClusterTestStack).stopAndKeep(`${options.keepDataIn}/cluster-${run}`);
        log(`chaos: cluster data (PostgreSQL, Temporal service logs) kept in ${keptDatabase}`);
      } else if (options.keepDataIn && dir) {
        expectedDown.add('temporal');
        await stack.stack.stopTemporal('SIGTERM');
        const { cpSync, mkdirSync } = await import('node:fs');
        keptDatabase = `${options.keepDataIn}/temporal-${run}`;
        mkdirSync(keptDatabase, { recursive: true });
        cpSync(dir, keptDatabase, { recursive: true });
        log(`chaos: Temporal database kept in ${keptDatabase} (temporal server start-dev --db-filename ${keptDatabase}/temporal.sqlite)`);
      }
    }
    return { options: rest, durationMs, loadMs, settleMs, faults, unexpectedExits, tails, keptDatabase, plans, client, report, table };
  } finally {
    for (const part of [...watched, 'temporal', 'worker', 'api', 'sandbox']) expectedDown.add(part);
    await stack.stop().catch(() => undefined);
  }
}
