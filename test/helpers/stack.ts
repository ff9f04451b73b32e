// Test harness: the real stack (Temporal dev server, sandboxes, worker, API as separate
// processes) on free loopback ports, stopped at the end. Durations are shortened through
// configuration, since the time-skipping test server cannot be had here.
import { createServer as createNetServer } from 'node:net';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { appendFileSync, chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, SANDBOX_PORT_OFFSETS } from '../../src/config/config.js';
import { DEV_DEFAULTS } from '../../src/sandbox/dev-defaults.js';
import { ensureTemporalCli } from '../../src/temporal/cli.js';
import { Stack } from '../../src/dev/stack.js';
import type { PaymentView } from '../../src/domain/payment.js';
import type { LedgerEntry } from '../../src/sandbox/kit.js';
import { httpCall, type HttpCall } from '../../src/common/http-client.js';
import { parseJson } from '../../src/providers/http.js';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { adjustBalance } from '../../src/db/ledger.js';
import { createPool } from '../../src/db/pool.js';

const ADMIN_CLI = fileURLToPath(new URL('../../src/admin/cli.js', import.meta.url));

export const API_KEY = DEV_DEFAULTS.apiKeys.split(':')[1]!;
export const OTHER_MERCHANT_KEY = 'sk_test_other_merchant_key';

// Ports are picked below the kernel's ephemeral range (ip_local_port_range starts at 32768 on
// Linux): a port the kernel handed out with listen(0) and we released can be taken again at once
// as the source port of any outgoing connection — by another test lane's HTTP traffic — before
// the child process that was given it binds it (one CI run lost its worker to EADDRINUSE so).
// Below 32768 only another listener can take it, and listeners here pick at random too.
const PICK_FROM = 10_000;
const PICK_BELOW = 32_700;
const handedOut = new Set<number>();

/** A free loopback port for a child process to listen on, never handed out twice by this process. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = PICK_FROM + Math.floor(Math.random() * (PICK_BELOW - PICK_FROM));
    if (handedOut.has(port) || !(await isFree(port))) continue;
    handedOut.add(port);
    return port;
  }
}

/** A base port whose next few ports are free too (sandboxes listen on base + offset). */
async function freePortBase(): Promise<number> {
  const span = Math.max(...Object.values(SANDBOX_PORT_OFFSETS)) + 1;
  for (;;) {
    const base = PICK_FROM + Math.floor(Math.random() * (PICK_BELOW - PICK_FROM - span));
    const ports = Object.values(SANDBOX_PORT_OFFSETS).map((o) => base + o);
    if (ports.some((p) => handedOut.has(p))) continue;
    const ok = await Promise.all(ports.map(isFree));
    if (!ok.every(Boolean)) continue;
    for (const p of ports) handedOut.add(p);
    return base;
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createNetServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

export interface TestStackOptions {
  env?: Record<string, string>;
  ui?: boolean;
  /** Use a SQLite file (needed to restart Temporal without losing data). */
  persistent?: boolean;
  /** Every chunk of the children's output (see Stack's capture). */
  capture?: (part: 'sandbox' | 'worker' | 'api', chunk: string) => void;
  /** Run on the cluster (test/helpers/cluster-stack.ts); default: BAYAR_TEST_TARGET=cluster. */
  cluster?: boolean;
}

export class TestStack {
  private dir?: string;
  constructor(
    readonly stack: Stack,
    readonly sandboxBase: number,
    readonly uiPort: number,
    dir?: string,
    private readonly postgresParent?: string,
    readonly env: NodeJS.ProcessEnv = {},
  ) {
    this.dir = dir;
  }

  /** bayar's database (the stack's embedded PostgreSQL). */
  get databaseUrl(): string {
    return this.stack.databaseUrl!;
  }

  get apiUrl(): string {
    return this.stack.apiUrl;
  }

  /** Every API process (the cluster runs two): per-process state such as /metrics is summed over them. */
  get apiUrls(): string[] {
    return [this.stack.apiUrl];
  }

  /** The Temporal frontend: the dev server's, or the configured one (the cluster's frontend). */
  get temporalAddress(): string {
    return this.stack.temporal?.address ?? this.stack.options.config.temporal.address;
  }

  sandboxUrl(offset = SANDBOX_PORT_OFFSETS.xendit): string {
    return `http://127.0.0.1:${this.sandboxBase + offset}`;
  }

  async api(method: string, path: string, body?: unknown, options: { key?: string; headers?: Record<string, string>; raw?: string } = {}) {
    // bayar's own HTTP client (cheap on CPU, which the benchmark shares with the stack).
    const res = await httpCall({
      method: method as HttpCall['method'],
      url: this.apiUrl + path,
      headers: { authorization: `Bearer ${options.key ?? API_KEY}`, ...(body !== undefined || options.raw ? { 'content-type': 'application/json' } : {}), ...options.headers },
      body: options.raw ?? (body === undefined ? undefined : JSON.stringify(body)),
      timeoutMs: 120_000,
    });
    return { status: res.status, headers: new Headers(res.headers), json: parseJson(res.text) as any, text: res.text };
  }

  async createPayment(body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<PaymentView> {
    const res = await this.api('POST', '/v1/payments', body, { headers });
    if (res.status !== 201 && res.status !== 200 && res.status !== 202) throw new Error(`create failed: ${res.status} ${res.text}`);
    return res.json as PaymentView;
  }

  async payment(id: string): Promise<PaymentView> {
    const res = await this.api('GET', `/v1/payments/${id}`);
    if (res.status !== 200) throw new Error(`get failed: ${res.status} ${res.text}`);
    return res.json as PaymentView;
  }

  /** Waits until the payment satisfies `predicate`, polling the API. */
  async waitFor(id: string, predicate: (p: PaymentView) => boolean, timeoutMs = 20_000): Promise<PaymentView> {
    const deadline = Date.now() + timeoutMs;
    let last: PaymentView | undefined;
    while (Date.now() < deadline) {
      try {
        last = await this.payment(id);
        if (predicate(last)) return last;
      } catch {
        // the API may be restarting in fault tests
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${id}; last: ${JSON.stringify(last)}`);
  }

  async sandbox(method: string, path: string, body?: unknown, offset?: number) {
    const res = await httpCall({
      method: method as HttpCall['method'],
      url: this.sandboxUrl(offset) + path,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      timeoutMs: 60_000,
    });
    return { status: res.status, json: parseJson(res.text) as any };
  }

  /** The sandbox ledger's charges for one payment (normally exactly one). */
  /** Runs `fn` with a sandbox's fault switches set, and switches them all off after, whatever happens. */
  async withFaults<T>(faults: Record<string, unknown>, fn: () => Promise<T>, offset?: number): Promise<T> {
    const set = await this.sandbox('POST', '/_sandbox/faults', faults, offset);
    if (set.status !== 200) throw new Error(`sandbox refused the faults ${JSON.stringify(faults)}: ${set.status}`);
    try {
      return await fn();
    } finally {
      await this.sandbox('POST', '/_sandbox/faults', {}, offset);
    }
  }

  async charges(reference: string, offset?: number): Promise<LedgerEntry[]> {
    const ledger = await this.sandbox('GET', '/_sandbox/ledger', undefined, offset);
    return (ledger.json.charges as LedgerEntry[]).filter((c) => c.reference === reference);
  }

  pay(reference: string, options: { amount?: number; force?: boolean } = {}, offset?: number) {
    return this.sandbox('POST', `/_sandbox/charges/${reference}/pay`, options, offset);
  }

  /** Runs `npm run admin -- …` (the built CLI) against this stack's database, as an operator would. */
  admin(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(process.execPath, [ADMIN_CLI, ...args], { env: { ...this.env, BAYAR_DATABASE_URL: this.databaseUrl } }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  /**
   * Gives merchants money to pay out without collecting payments first: an ADJUSTMENT entry
   * each (what the admin CLI's `ledger adjust` writes). For the payout tests, whose merchants
   * collect nothing.
   */
  async creditLedger(amounts: Record<string, number>): Promise<void> {
    const pool = createPool(this.databaseUrl, { name: 'bayar-test', max: 1 });
    try {
      for (const [merchantId, amount] of Object.entries(amounts)) await adjustBalance(pool, { merchantId, amount, reason: 'test setup' });
    } finally {
      await pool.end();
    }
  }

  async stop(): Promise<void> {
    await this.stack.stop();
    for (const dir of [this.dir, this.postgresParent]) if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const [apiPort, temporalPort, uiPort, databasePort, sandboxBase] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePortBase()]);
  const dir = options.persistent ? mkdtempSync(join(tmpdir(), 'bayar-test-')) : undefined;
  // A fresh embedded PostgreSQL per stack. As root it runs as "postgres", which must reach it.
  const pgParent = mkdtempSync(join(tmpdir(), 'bayar-pg-'));
  chmodSync(pgParent, 0o755);
  const env: NodeJS.ProcessEnv = {
    // Development mode: sandboxes and the published development keys. A test of production mode
    // overrides it (and then configures its providers and secrets itself).
    BAYAR_ENV: 'development',
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PORT: String(apiPort),
    BAYAR_TEMPORAL_PORT: String(temporalPort),
    BAYAR_TEMPORAL_UI_PORT: String(uiPort),
    BAYAR_DATABASE_PORT: String(databasePort),
    BAYAR_SANDBOX_PORT_BASE: String(sandboxBase),
    BAYAR_SANDBOX_TIME_SCALE: '0.0001',
    BAYAR_API_KEYS: `demo:${API_KEY},other:${OTHER_MERCHANT_KEY}`,
    BAYAR_POLL_SCHEDULE: '30s',
    BAYAR_REFUND_WINDOW: '5m',
    BAYAR_MERCHANT_NOTIFY_TIMEOUT: '20s',
    BAYAR_LOG_LEVEL: 'warn',
    // The tests' merchant receivers listen on 127.0.0.1 (test/e2e/outgoing-and-surface narrows
    // this); a stack started in production mode gets no such switch (it would refuse to boot).
    ...(options.env?.BAYAR_ENV !== undefined && options.env.BAYAR_ENV !== 'development' ? {} : { BAYAR_ALLOW_LOOPBACK_CALLBACKS: 'true' }),
    ...options.env,
  };
  // npm run test:cluster: the same tests on the cluster (test/helpers/cluster-stack.ts).
  if (options.cluster ?? process.env.BAYAR_TEST_TARGET === 'cluster') {
    rmSync(pgParent, { recursive: true, force: true });
    if (dir) rmSync(dir, { recursive: true, force: true });
    const { startClusterTestStack } = await import('./cluster-stack.js');
    return startClusterTestStack(env, { ui: options.ui, sandboxBase });
  }
  const config = loadConfig(env);
  const cliPath = await ensureTemporalCli();
  const stack = new Stack({
    env,
    config,
    cliPath,
    ui: options.ui ?? false,
    dbFile: dir ? join(dir, 'temporal.sqlite') : undefined,
    postgresDir: join(pgParent, 'data'),
    ephemeralPostgres: true,
    output: 'quiet',
    capture: options.capture,
  });
  const startedAt = Date.now();
  try {
    await stack.start();
    // `npm test` counts the run's stack start-ups (scripts/run-tests.ts).
    if (process.env.BAYAR_TEST_STACK_LOG) appendFileSync(process.env.BAYAR_TEST_STACK_LOG, JSON.stringify({ file: process.argv[1], ms: Date.now() - startedAt }) + '\n');
  } catch (err) {
    await stack.stop();
    rmSync(pgParent, { recursive: true, force: true });
    throw err;
  }
  return new TestStack(stack, sandboxBase, uiPort, dir, pgParent, env);
}

/**
 * The standard e2e stack: development mode, polls from 4 s after a charge (long enough that a
 * notification sent right after paying always wins; a payment nobody notifies is still found
 * within seconds), the API waiting up to 30 s for a charge before it answers 202 instead of 201
 * (on a saturated machine 10 s was not always enough, and the tests expect the charge in the
 * create's answer), and the Temporal Web UI (part of the dev server's process, so nearly free;
 * not on the cluster, where it is a process of its own and `npm run test:cluster` has no UI test).
 * QRIS is routed to Xendit, then Midtrans (BAYAR_ROUTING; routing.test.ts checks the configured route
 * and the failover; a merchant that names its provider bypasses the route). Every suite that asks
 * for it shares one stack in `npm test` (test/e2e/shared-stack-suites.ts).
 */
export const STANDARD_STACK: TestStackOptions = {
  ui: process.env.BAYAR_TEST_TARGET !== 'cluster',
  env: { BAYAR_POLL_SCHEDULE: '4s', BAYAR_CREATE_WAIT: '30s', BAYAR_ROUTING: 'QRIS=xendit|midtrans' },
};

// Stacks shared by the suites of one process (test/e2e/shared-*.test.ts): one per set of
// options, started by the first suite that asks and stopped once, after the last. Off unless
// shareTestStacks() was called, so an e2e file run alone starts and stops its own stack.
let sharing = false;
const sharedStacks = new Map<string, Promise<TestStack>>();

/** From now on, suites asking for the same options share one stack; stopSharedTestStacks() at the end. */
export function shareTestStacks(): void {
  sharing = true;
}

/** A stack for one suite: a fresh one, or (when sharing) the one started for the same options. */
export function acquireTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  if (!sharing || options.capture || options.persistent) return startTestStack(options);
  const key = JSON.stringify({ ...options, env: Object.entries(options.env ?? {}).sort() });
  let stack = sharedStacks.get(key);
  if (!stack) {
    stack = startTestStack(options);
    sharedStacks.set(key, stack);
  }
  return stack;
}

/** The end of a suite: stops its stack unless it is shared (those stop in stopSharedTestStacks). */
export async function releaseTestStack(stack: TestStack | undefined): Promise<void> {
  if (!sharing) await stack?.stop();
}

export async function stopSharedTestStacks(): Promise<void> {
  const stacks = [...sharedStacks.values()];
  sharedStacks.clear();
  for (const stack of await Promise.allSettled(stacks)) if (stack.status === 'fulfilled') await stack.value.stop();
}

/** A merchant's callback endpoint that records what bayar sends it. */
export async function startMerchantReceiver(answer: (n: number) => number = () => 200) {
  const received: { headers: IncomingMessage['headers']; body: string }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(answer(received.length)).end();
    });
  });
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
  return { url: `http://127.0.0.1:${port}/bayar-events`, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

export function uniqueRef(prefix = 'order'): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
