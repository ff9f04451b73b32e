// What every provider sandbox shares: a tiny HTTP router, fault switches, a notification
// sender with the provider's retry schedule, and the control endpoints tests use.
// Provider-specific behaviour lives in each provider's folder, src/providers/<name>/sandbox/.
import { z } from 'zod';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpCall } from '../common/http-client.js';

export interface SandboxRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: Record<string, string | undefined>;
  rawBody: Buffer;
}

export interface SandboxResponse {
  status: number;
  body: unknown;
  contentType?: string;
  headers?: Record<string, string>;
  /** Never answer (the caller times out), whatever was or was not done: a targeted timeout fault. */
  hang?: boolean;
}

export type Handler = (req: SandboxRequest) => SandboxResponse | Promise<SandboxResponse>;

export interface Faults {
  /** Added to every provider API answer. */
  latencyMs: number;
  /** Share of provider API calls answered 503 before doing anything. */
  errorRate: number;
  /** Share of provider API calls that do their work but never answer (the caller times out). */
  timeoutRate: number;
  /** Share of notifications delivered twice. */
  duplicateRate: number;
  /** Share of final notifications followed by a stale earlier one (out of order). */
  outOfOrderRate: number;
  /** Notifications off: only polling can find out. */
  webhooksEnabled: boolean;
}

export const NO_FAULTS: Faults = { latencyMs: 0, errorRate: 0, timeoutRate: 0, duplicateRate: 0, outOfOrderRate: 0, webhooksEnabled: true };

export interface Notification {
  url: string;
  headers: Record<string, string>;
  body: string;
  /**
   * Headers made anew for every delivery attempt, for providers whose signature covers a nonce or
   * timestamp the receiver checks for freshness (Indodana): a retry hours later is signed then.
   * May be async (DOKU SNAP first fetches an access token from the receiver); if it fails, the
   * attempt counts as a transport error and is retried on the schedule.
   */
  freshHeaders?: () => Record<string, string> | Promise<Record<string, string>>;
}

export interface SandboxOptions {
  /** Where notifications go (the provider dashboard's callback URL setting). */
  callbackUrl: string;
  /** Multiplies every documented retry delay; tests use e.g. 0.001. */
  timeScale: number;
}

export interface LedgerEntry {
  reference: string;
  providerId: string;
  amount: number;
  status: string;
  paidAmount: number;
  refundedAmount: number;
  createRequests: number;
}

/** What a sandbox's reset() mostly does: forget every charge, index and answer it keeps. */
export function clearAll(...collections: { clear(): void }[]): void {
  for (const c of collections) c.clear();
}

/**
 * A /_sandbox control that sets what the next request gets (e.g. how the next payout answers):
 * its JSON body parsed with `schema` and handed to `keep`, answered back; else a 400 that says
 * what is wrong, and nothing kept.
 */
export function keepNext<T>(req: SandboxRequest, schema: z.ZodType<T>, keep: (next: T) => void): SandboxResponse {
  const parsed = schema.safeParse(jsonBody(req) ?? {});
  if (!parsed.success) return { status: 400, body: { error: z.prettifyError(parsed.error) } };
  keep(parsed.data);
  return { status: 200, body: parsed.data };
}

/**
 * A charge's ledger row: its own amount, paid amount and create count unless the sandbox names
 * others (a provider that counts in minor units, or keeps the amount elsewhere), no refund unless
 * it says how much.
 */
export function ledgerEntry(
  charge: { amount?: number; paidAmount: number; createRequests?: number },
  row: Pick<LedgerEntry, 'reference' | 'providerId' | 'status'> & Partial<LedgerEntry>,
): LedgerEntry {
  return { amount: charge.amount ?? 0, paidAmount: charge.paidAmount, createRequests: charge.createRequests ?? 0, refundedAmount: 0, ...row };
}

/** The customer pays a charge: now, the whole amount unless the test names another. */
export function markPaid(charge: { amount: number; paidAmount: number; paidAt?: number }, amount: number | undefined): void {
  charge.paidAt = Date.now();
  charge.paidAmount = amount ?? charge.amount;
}

/** Test injection only (POST /_sandbox/charges/:reference/amend-record); see SandboxProvider.amendRecord. */
export interface AmendRecord {
  paidAmount?: number;
  unpaid?: boolean;
  forgetRefund?: boolean;
}

/** Hooks a provider sandbox gives the kit for the shared control endpoints. */
export interface SandboxProvider {
  readonly name: string;
  routes(kit: SandboxKit): [method: string, pattern: string, handler: Handler][];
  /**
   * Pays a charge as the customer would; `force` pays even an expired charge (a late bank transfer).
   * A control, not the provider's API: HTTP 200 means the money was taken, and a refusal (no such
   * charge, not payable) answers a 4xx whatever the provider's own API does with errors, so a
   * caller can judge the outcome by the HTTP status alone (the chaos client does).
   */
  pay(reference: string, options: { amount?: number; force?: boolean }): SandboxResponse;
  /** Refunds a paid charge as the merchant's staff would in the provider's dashboard (not through its API). */
  dashboardRefund?(reference: string, options: { amount?: number }): SandboxResponse;
  /**
   * Reconciliation tests only: changes what the provider's own record says about a charge,
   * silently (no notification), so the daily reconciliation finds a difference bayar cannot
   * know of: `paidAmount` (amounts differ), `unpaid` (the provider has no payment) or
   * `forgetRefund` (the provider no longer lists its newest refund: one bayar recorded).
   */
  amendRecord?(reference: string, change: AmendRecord): SandboxResponse;
  /**
   * Evidence only (GET /_sandbox/charges/:reference): everything the sandbox keeps about one
   * charge, as it is (reading it changes nothing, not even a lazy expiry), with each status change
   * and its cause where the sandbox records them; undefined when it holds no such charge.
   */
  record?(reference: string): unknown;
  ledger(): LedgerEntry[];
  reset(): void;
}

/**
 * What every provider sandbox shares: its options, and the kit it is given when the kit takes its
 * routes (the kit keeps time, faults and the notification log; a sandbox calls it to notify).
 */
export abstract class ProviderSandbox<Options> {
  protected kit!: SandboxKit;

  constructor(protected readonly options: Options) {}

  routes(kit: SandboxKit): [method: string, pattern: string, handler: Handler][] {
    this.kit = kit;
    return this.endpoints();
  }

  /** The provider's own endpoints, as published (the kit adds its /_sandbox controls). */
  protected abstract endpoints(): [method: string, pattern: string, handler: Handler][];
}

/** One call of a /_sandbox/charges/:reference/… control (pay, dashboard-refund, amend-record), kept as evidence. */
export interface ControlCall {
  action: string;
  /** ISO times: when the request arrived, when it was answered. */
  at: string;
  answeredAt: string;
  request: unknown;
  status: number;
  answer: unknown;
}

export class SandboxKit {
  faults: Faults = { ...NO_FAULTS };
  readonly sent: { url: string; body: string; status: number | 'error'; at: number; ms?: number; receiverLatencyMs?: number }[] = [];
  /** Every charge control call by reference: what a customer or the dashboard did to a charge, and what it was told. */
  private readonly controlCalls = new Map<string, ControlCall[]>();
  private server?: Server;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Set by close(): nothing is scheduled after it (see later()). */
  private closed = false;
  private readonly hanging = new Set<ServerResponse>();

  constructor(
    readonly provider: SandboxProvider,
    readonly options: SandboxOptions,
  ) {}

  async listen(port: number, host = '127.0.0.1'): Promise<number> {
    const routes = this.provider.routes(this).map(([method, pattern, handler]) => ({ method, ...compile(pattern), handler, control: false }));
    routes.push(...this.controlRoutes().map(([method, pattern, handler]) => ({ method, ...compile(pattern), handler, control: true })));
    this.server = createServer((req, res) => void this.dispatch(routes, req, res));
    this.server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, resolve);
    });
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    for (const r of this.hanging) r.destroy();
    // Stop listening, then drop every connection at once: server.close() alone waits for
    // connections with a request in progress (an aborted client's half-dead socket can hold it
    // for a minute), and the kit's job here is to stop, not to drain.
    const closed = new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections?.();
    await closed;
  }

  /**
   * Sends a notification, then retries on a non-2xx answer or a transport error after each
   * delay of the provider's documented schedule (scaled by timeScale). `retriesFor` caps the
   * number of retries by the last answer, for providers whose policy depends on it (Midtrans:
   * 500 → 1 retry, 503 → 4, …); without it every failure may use the whole schedule.
   */
  notify(notification: Notification, retryScheduleMs: number[], options: { final?: boolean; stale?: Notification; retriesFor?: (answer: number | 'error') => number } = {}): void {
    if (!this.faults.webhooksEnabled) return;
    const attempt = async (index: number): Promise<void> => {
      const answer = await this.deliver(notification);
      if (answer !== 'error' && answer >= 200 && answer < 300) return;
      const allowed = Math.min(retryScheduleMs.length, options.retriesFor?.(answer) ?? retryScheduleMs.length);
      if (index < allowed) this.later(retryScheduleMs[index]! * this.options.timeScale, () => attempt(index + 1));
    };
    void attempt(0);
    if (Math.random() < this.faults.duplicateRate) this.later(5, () => void this.deliver(notification));
    if (options.final && options.stale && Math.random() < this.faults.outOfOrderRate) this.later(10, () => void this.deliver(options.stale!));
  }

  /** One delivery attempt; the receiver's HTTP status, or 'error' when there was none. */
  private async deliver(n: Notification): Promise<number | 'error'> {
    const start = performance.now();
    try {
      const fresh = await n.freshHeaders?.();
      const res = await httpCall({ method: 'POST', url: n.url, headers: { ...n.headers, ...fresh }, body: n.body, timeoutMs: 15_000 });
      // bayar reports its own handling time in x-bayar-latency; the benchmark reads it here.
      const receiverLatencyMs = Number(res.headers['x-bayar-latency'] ?? NaN);
      this.sent.push({ url: n.url, body: n.body, status: res.status, at: Date.now(), ms: performance.now() - start, ...(Number.isFinite(receiverLatencyMs) ? { receiverLatencyMs } : {}) });
      return res.status;
    } catch {
      this.sent.push({ url: n.url, body: n.body, status: 'error', at: Date.now() });
      return 'error';
    }
  }

  /**
   * Runs `fn` once the wall clock reaches `deadline` (ms since the epoch). Node's timers run on a
   * monotonic clock and can fire a millisecond before `Date.now()` reaches the deadline, so a
   * handler that re-checks `Date.now() >= deadline` would find nothing due and never run again.
   */
  at(deadline: number, fn: () => void): void {
    const left = deadline - Date.now();
    if (left <= 0) return this.later(0, fn);
    this.later(Math.min(left, 2 ** 31 - 1), () => this.at(deadline, fn));
  }

  later(ms: number, fn: () => void): void {
    // A notification in flight when the sandbox closed would otherwise schedule its retry after
    // close() cleared the timers, and keep the process alive for the retry's delay.
    if (this.closed) return;
    const t = setTimeout(
      () => {
        this.timers.delete(t);
        fn();
      },
      Math.max(0, ms),
    );
    this.timers.add(t);
  }

  private controlRoutes(): [string, string, Handler][] {
    return [
      ['GET', '/_sandbox/ledger', () => ({ status: 200, body: { provider: this.provider.name, charges: this.provider.ledger(), notificationsSent: this.sent.length } })],
      ['GET', '/_sandbox/notifications', () => ({ status: 200, body: this.sent })],
      [
        'POST',
        '/_sandbox/faults',
        (req) => {
          this.faults = { ...NO_FAULTS, ...(JSON.parse(req.rawBody.toString('utf8') || '{}') as Partial<Faults>) };
          return { status: 200, body: this.faults };
        },
      ],
      [
        'POST',
        '/_sandbox/charges/:reference/pay',
        (req) =>
          this.kept(req, 'pay', () => {
            const body = JSON.parse(req.rawBody.toString('utf8') || '{}') as { amount?: number; force?: boolean };
            return this.provider.pay(req.params.reference!, body);
          }),
      ],
      [
        'POST',
        '/_sandbox/charges/:reference/dashboard-refund',
        (req) =>
          this.kept(req, 'dashboard-refund', () => {
            if (!this.provider.dashboardRefund) return { status: 404, body: { error: `${this.provider.name} sandbox has no dashboard refund` } };
            const body = JSON.parse(req.rawBody.toString('utf8') || '{}') as { amount?: number };
            return this.provider.dashboardRefund(req.params.reference!, body);
          }),
      ],
      // Evidence for one charge (the chaos run keeps it with every violation): its ledger row, the
      // sandbox's own record of it, and every control call made on it with its answer.
      [
        'GET',
        '/_sandbox/charges/:reference',
        (req) => {
          const reference = req.params.reference!;
          const ledger = this.provider.ledger().filter((c) => c.reference === reference || c.providerId === reference);
          const record = this.provider.record?.(reference);
          const calls = this.controlCalls.get(reference) ?? [];
          if (ledger.length === 0 && record === undefined && calls.length === 0) return { status: 404, body: { error: `${this.provider.name} sandbox holds no charge ${reference}` } };
          return { status: 200, body: { provider: this.provider.name, reference, ledger, record: record ?? null, controlCalls: calls } };
        },
      ],
      // Injects reconciliation differences: pay with webhooks off (/_sandbox/faults, then
      // /charges/:reference/pay, force for a closed charge) = paid and bayar does not know;
      // dashboard-refund with webhooks off = a refund bayar does not know; this one = amounts
      // differ, bayar counted money the provider does not have, or a refund bayar recorded that
      // the provider no longer lists. Test injection, not provider behaviour.
      [
        'POST',
        '/_sandbox/charges/:reference/amend-record',
        (req) =>
          this.kept(req, 'amend-record', () => {
            if (!this.provider.amendRecord) return { status: 404, body: { error: `${this.provider.name} sandbox cannot amend its record` } };
            const body = JSON.parse(req.rawBody.toString('utf8') || '{}') as AmendRecord;
            return this.provider.amendRecord(req.params.reference!, body);
          }),
      ],
      [
        'POST',
        '/_sandbox/reset',
        () => {
          this.provider.reset();
          this.sent.length = 0;
          this.controlCalls.clear();
          this.faults = { ...NO_FAULTS };
          return { status: 200, body: { reset: true } };
        },
      ],
    ];
  }

  /** Runs a charge control and keeps the call with its answer (a thrown error is kept as the 500 it becomes). */
  private kept(req: SandboxRequest, action: string, run: () => SandboxResponse): SandboxResponse {
    const at = new Date().toISOString();
    let response: SandboxResponse;
    try {
      response = run();
    } catch (err) {
      response = { status: 500, body: { error_code: 'SANDBOX_ERROR', message: (err as Error).message } };
    }
    const reference = req.params.reference!;
    const calls = this.controlCalls.get(reference) ?? [];
    calls.push({ action, at, answeredAt: new Date().toISOString(), request: jsonBody(req) ?? null, status: response.status, answer: response.body });
    this.controlCalls.set(reference, calls);
    return response;
  }

  private async dispatch(routes: Route[], req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const route = routes.find((r) => r.method === req.method && r.regex.test(url.pathname));
    if (!route) return write(res, { status: 404, body: { error_code: 'NOT_FOUND', message: `no route ${req.method} ${url.pathname}` } });
    const match = route.regex.exec(url.pathname)!;
    const params = Object.fromEntries(route.keys.map((k, i) => [k, decodeURIComponent(match[i + 1]!)]));
    const request: SandboxRequest = {
      method: req.method!,
      path: url.pathname,
      params,
      query: url.searchParams,
      headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v])),
      rawBody: Buffer.concat(chunks),
    };
    if (!route.control) {
      if (this.faults.latencyMs > 0) await new Promise((r) => setTimeout(r, this.faults.latencyMs));
      if (Math.random() < this.faults.errorRate) return write(res, { status: 503, body: { error_code: 'SERVER_ERROR', message: 'sandbox fault: injected 503' } });
    }
    let response: SandboxResponse;
    try {
      response = await route.handler(request);
    } catch (err) {
      response = { status: 500, body: { error_code: 'SANDBOX_ERROR', message: (err as Error).message } };
    }
    if (response.hang || (!route.control && Math.random() < this.faults.timeoutRate)) {
      // The work is done but the answer never comes: the caller sees a timeout.
      this.hanging.add(res);
      res.on('close', () => this.hanging.delete(res));
      return;
    }
    write(res, response);
  }
}

interface Route {
  method: string;
  regex: RegExp;
  keys: string[];
  handler: Handler;
  control: boolean;
}

function compile(pattern: string): { regex: RegExp; keys: string[] } {
  const keys: string[] = [];
  const source = pattern.replace(/:([A-Za-z_]+)/g, (_, k: string) => {
    keys.push(k);
    return '([^/]+)';
  });
  return { regex: new RegExp(`^${source}$`), keys };
}

function write(res: ServerResponse, r: SandboxResponse): void {
  const body = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
  res.writeHead(r.status, { 'content-type': r.contentType ?? 'application/json', ...r.headers });
  res.end(body);
}

export function jsonBody(req: SandboxRequest): unknown {
  try {
    return JSON.parse(req.rawBody.toString('utf8'));
  } catch {
    return undefined;
  }
}
