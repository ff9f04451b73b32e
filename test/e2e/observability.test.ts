// Metrics, logs and secrets on the real stack: a short run (one payment settled through the
// sandbox webhook with a merchant callback, one left pending), then the worker's two metrics
// endpoints are scraped and both processes' whole output is read.
import { DIFFERENCE_KINDS } from '../../src/statements/reconcile.js';
import { LOST_TASK_DECISIONS } from '../../src/observability/worker-metrics.js';
import { SANDBOX_PORT_OFFSETS } from '../../src/config/config.js';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, startMerchantReceiver, startTestStack, uniqueRef, API_KEY, type TestStack } from '../helpers/stack.js';
import { loadConfig } from '../../src/config/config.js';
import { configuredSecrets } from '../../src/observability/secrets.js';
import { until } from '../helpers/wait.js';
import { parseExposition, type Sample } from '../helpers/prometheus.js';
import { PAYMENT_METHODS, PAYMENT_STATUSES } from '../../src/domain/payment.js';
import { PROVIDER_NAMES } from '../../src/providers/index.js';
import { FUTURE_SERIES, dashboardPanels, rules, seriesIn } from '../helpers/series.js';

/** Every label bayar's worker may use, with the closed set of values each may take. */
const OUTCOMES = ['ok', 'rejected', 'unavailable', 'unknown', 'error', 'failed'];
const BOUNDED: Record<string, (v: string) => boolean> = {
  provider: (v) => [...PROVIDER_NAMES, 'other'].includes(v as never),
  method: (v) => [...PAYMENT_METHODS, 'other'].includes(v as never),
  operation: (v) => /^[a-z][A-Za-z]{2,30}$/.test(v),
  outcome: (v) => OUTCOMES.includes(v),
  event: (v) => ['created', ...PAYMENT_STATUSES.map((s) => s.toLowerCase())].includes(v),
  source: (v) => ['webhook', 'poll', 'api', 'timer', 'workflow', 'other'].includes(v),
  type: (v) => /^(payment|payout)\.[a-z_]+$|^other$/.test(v),
  kind: (v) => [...DIFFERENCE_KINDS, 'other'].includes(v as never),
  workflow: (v) => ['payment', 'payout', 'other'].includes(v),
  decision: (v) => [...LOST_TASK_DECISIONS, 'other'].includes(v as never),
  le: () => true,
  quantile: () => true,
};

describe('observability on the real stack', () => {
  let stack: TestStack;
  let merchant: Awaited<ReturnType<typeof startMerchantReceiver>>;
  const output = { api: '', worker: '', sandbox: '' };
  let metricsPort: number;
  let sdkMetricsPort: number;
  let env: Record<string, string>;
  let settledId: string;
  let pendingId: string;
  let pendingCreatedAt: number;

  before(async () => {
    [metricsPort, sdkMetricsPort] = await Promise.all([freePort(), freePort()]);
    env = {
      BAYAR_WORKER_METRICS_PORT: String(metricsPort),
      BAYAR_WORKER_SDK_METRICS_PORT: String(sdkMetricsPort),
      BAYAR_WORKER_GAUGE_INTERVAL_MS: '300',
      // Everything the processes can say, so a leak at any level is caught.
      BAYAR_LOG_LEVEL: 'debug',
    };
    stack = await startTestStack({ env, capture: (part, chunk) => (output[part] += chunk) });
    merchant = await startMerchantReceiver();

    const settled = await stack.api(
      'POST',
      '/v1/payments',
      { merchantReference: uniqueRef(), amount: 150_000, method: 'VA_BCA', customer: { name: 'Budi Santoso', email: 'budi@example.com' }, callbackUrl: merchant.url },
      { headers: { 'x-request-id': 'req-observe-1' } },
    );
    assert.equal(settled.status, 201, settled.text);
    settledId = settled.json.id;
    assert.equal((await stack.pay(settledId)).status, 200);
    await stack.waitFor(settledId, (p) => p.status === 'SETTLED' && p.merchantNotified === true);
    // Paid short: the amount mismatch sends it to review.
    // At Midtrans, whose signed notification carries the paid amount (Xendit's unsigned notice only wakes the payment).
    const short = await stack.api('POST', '/v1/payments', { merchantReference: uniqueRef(), amount: 90_000, method: 'VA_BNI', provider: 'midtrans' });
    assert.equal(short.status, 201, short.text);
    assert.equal((await stack.pay(short.json.id, { amount: 50_000 }, SANDBOX_PORT_OFFSETS.midtrans)).status, 200);
    await stack.waitFor(short.json.id, (p) => p.status === 'REVIEW_REQUIRED');
    const pending = await stack.api('POST', '/v1/payments', { merchantReference: uniqueRef(), amount: 20_000, method: 'QRIS' });
    assert.equal(pending.status, 201, pending.text);
    pendingId = pending.json.id;
    pendingCreatedAt = Date.parse(pending.json.createdAt);
    // A refused request and an unknown one: error paths log too.
    assert.equal((await stack.api('GET', '/v1/payments', undefined, { key: 'sk_wrong_key_0000000000' })).status, 401);
    assert.equal((await stack.api('GET', `/v1/payments/pay_${'0'.repeat(24)}`)).status, 404);
  });
  after(async () => {
    await stack?.stop();
    await merchant?.close();
  });

  async function scrape(port: number): Promise<Sample[]> {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    assert.equal(res.status, 200);
    return parseExposition(await res.text());
  }
  const sum = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
    samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((a, s) => a + s.value, 0);

  it('the worker exports provider calls, the payment lifecycle, settlement latency, deliveries and the visibility gauges', async () => {
    let samples: Sample[] = [];
    await until(
      async () => {
        samples = await scrape(metricsPort);
        return sum(samples, 'bayar_payments_pending') >= 1 && sum(samples, 'bayar_oldest_pending_payment_age_seconds') > 0 && sum(samples, 'bayar_review_backlog') >= 1 ? true : undefined;
      },
      20_000,
      200,
    );
    assert.ok(sum(samples, 'bayar_payments_total', { provider: 'xendit', method: 'VA_BCA', event: 'created' }) >= 1);
    assert.ok(sum(samples, 'bayar_payments_total', { provider: 'xendit', method: 'VA_BCA', event: 'settled' }) >= 1);
    assert.ok(sum(samples, 'bayar_provider_call_duration_seconds_count', { provider: 'xendit', operation: 'createCharge', outcome: 'ok' }) >= 1);
    // Xendit's notice only wakes the payment; the status look-up (source poll) settles it.
    assert.ok(sum(samples, 'bayar_payment_settlement_seconds_count', { provider: 'xendit', method: 'VA_BCA', source: 'poll' }) >= 1);
    assert.ok(sum(samples, 'bayar_merchant_deliveries_total', { type: 'payment.paid', outcome: 'ok' }) >= 1);
    assert.equal(sum(samples, 'bayar_review_backlog'), 1);
    assert.equal(sum(samples, 'bayar_payments_total', { provider: 'midtrans', method: 'VA_BNI', event: 'review_required' }), 1);
    assert.equal(sum(samples, 'bayar_payments_pending'), 1);
    assert.equal(sum(samples, 'bayar_payments_pending_overdue'), 0);
    // The bisection reports the oldest start to within 5 s, never older than it is.
    const pendingAge = sum(samples, 'bayar_oldest_pending_payment_age_seconds');
    const trueAge = (Date.now() - pendingCreatedAt) / 1000;
    assert.ok(pendingAge <= trueAge + 1 && pendingAge >= trueAge - 7, `oldest pending age ${pendingAge} s, the pending payment is ${trueAge} s old`);
  });

  it('labels are bounded: only known label names, only values from closed sets, never an id', async () => {
    const samples = (await scrape(metricsPort)).filter((s) => s.name.startsWith('bayar_') && !s.name.startsWith('bayar_worker_'));
    assert.ok(samples.length > 20);
    for (const s of samples) {
      for (const [label, value] of Object.entries(s.labels)) {
        assert.ok(BOUNDED[label], `${s.name} has an unbounded label ${label}`);
        assert.ok(BOUNDED[label]!(value), `${s.name}{${label}="${value}"} is not in its closed set`);
        assert.ok(!value.includes(settledId) && !value.includes(pendingId) && !/^(pay|po)_|demo|req-/.test(value), `${s.name}{${label}="${value}"} carries an id`);
      }
    }
  });

  it("the worker's Temporal SDK metrics are exported by the Runtime", async () => {
    const samples = await scrape(sdkMetricsPort);
    assert.ok(
      samples.some((s) => s.name.startsWith('temporal_workflow_task') || s.name.startsWith('temporal_activity')),
      samples
        .map((s) => s.name)
        .slice(0, 20)
        .join(', '),
    );
    assert.ok(
      samples.some((s) => s.name.startsWith('temporal_request')),
      'client RPC metrics',
    );
  });

  it('every series the rules and each dashboard panel read is exported by a live API or worker', async () => {
    const api = parseExposition((await stack.api('GET', '/metrics')).text);
    const live = new Set([...api, ...(await scrape(metricsPort)), ...(await scrape(sdkMetricsPort))].map((s) => s.name));
    const recorded = new Set(rules().flatMap((r) => (r.record ? [r.record] : [])));
    const read = [...rules().map((r) => ({ where: r.alert ?? r.record!, expr: r.expr })), ...dashboardPanels().flatMap((p) => p.targets.map((t) => ({ where: `panel "${p.title}"`, expr: t.expr })))];
    for (const { where, expr } of read) {
      for (const series of seriesIn(expr)) {
        if (recorded.has(series) || FUTURE_SERIES.has(series)) continue;
        assert.ok(live.has(series), `${where} reads ${series}; live series like it: ${[...live].filter((n) => n.startsWith(series.slice(0, 18))).join(', ')}`);
      }
    }
  });

  it('both processes write JSON lines; request lines carry the request id, payment lines the payment id', () => {
    for (const part of ['api', 'worker'] as const) {
      const lines = output[part].split('\n').filter((l) => l.trim() !== '');
      assert.ok(lines.length > 3, `${part} wrote ${lines.length} lines`);
      for (const line of lines) {
        const entry = JSON.parse(line) as Record<string, unknown>;
        assert.equal(entry.service, part);
        assert.match(String(entry.time), /^\d{4}-\d\d-\d\dT/);
        assert.ok(['debug', 'info', 'warn', 'error'].includes(String(entry.level)));
        // A line that names a payment anywhere carries it as a field.
        const named = /\b(pay_[0-9a-f]{24})\b/.exec(line)?.[1];
        if (named) assert.ok(typeof entry.paymentId === 'string', `${part} line without paymentId: ${line.slice(0, 300)}`);
      }
    }
    const api = output.api
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const created = api.find((e) => e.requestId === 'req-observe-1');
    assert.ok(created, 'the caller-supplied request id is on the create line');
    assert.equal(created.paymentId, settledId, 'the create line names the payment it created');
    assert.ok(api.filter((e) => (e.http as { route?: string } | undefined)?.route !== undefined).every((e) => typeof e.requestId === 'string'));
    const worker = output.worker
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(
      worker.some((e) => e.paymentId === settledId),
      'worker lines about the settled payment carry its id',
    );
  });

  it('no configured secret appears in any process output', () => {
    const secrets = configuredSecrets(loadConfig({ ...process.env, BAYAR_ENV: 'development', BAYAR_API_KEYS: `demo:${API_KEY}`, ...env }));
    assert.ok(secrets.length >= 10, `secrets found in the configuration: ${secrets.length}`);
    const all = output.api + output.worker + output.sandbox;
    for (const secret of secrets) {
      assert.ok(!all.includes(secret), `a configured secret (${secret.slice(0, 4)}…) was logged`);
      for (const line of secret.split('\n').filter((l) => l.length >= 16 && !l.startsWith('-----'))) assert.ok(!all.includes(line), 'a line of a PEM key was logged');
    }
  });
});
