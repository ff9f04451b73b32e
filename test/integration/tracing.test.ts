// One trace from the API request to the provider's HTTP call: the API (in process, with its
// request spans and the Temporal client interceptor), a real Temporal dev server, the worker
// (Temporal's OpenTelemetry activity and workflow interceptors, the traced workflow bundle) and
// the Xendit sandbox over real HTTP, all exporting into one in-memory exporter. The payment is
// paid and its refund window is short, so the workflow ends and its RunWorkflow span is exported.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { INestApplication } from '@nestjs/common';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApi } from '../../src/api.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded.js';
import { importBootstrapMerchants } from '../../src/db/merchants.js';
import { migrate } from '../../src/db/migrations.js';
import { createPool, type Pool } from '../../src/db/pool.js';
import { SANDBOX_PORT_OFFSETS, loadConfig, type AppConfig } from '../../src/config/config.js';
import { DEV_DEFAULTS } from '../../src/sandbox/dev-defaults.js';
import { startTracing, type Tracing } from '../../src/observability/tracing.js';
import { SandboxKit } from '../../src/sandbox/kit.js';
import { XenditSandbox } from '../../src/providers/xendit/sandbox/sandbox.js';
import { ensureTemporalCli } from '../../src/temporal/cli.js';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server.js';
import { createWorker } from '../../src/worker.js';
import { freePort, uniqueRef } from '../helpers/stack.js';
import { until } from '../helpers/wait.js';

const API_KEY = DEV_DEFAULTS.apiKeys.split(':')[1]!;

describe('tracing: API request → workflow → activity → provider HTTP call', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  let server: DevServer;
  let connection: NativeConnection;
  let worker: Worker;
  let workerRun: Promise<void>;
  let app: INestApplication;
  let sandbox: SandboxKit;
  let config: AppConfig;
  let pgParent: string;
  let pg: EmbeddedPostgres;
  let pool: Pool;

  before(async () => {
    // The system of record: a real (embedded) PostgreSQL, migrated, with the demo merchant.
    pgParent = mkdtempSync(join(tmpdir(), 'bayar-tracing-pg-'));
    pg = await startEmbeddedPostgres({ dir: join(pgParent, 'data'), port: await freePort(), ephemeral: true });
    tracing = startTracing('api', { spanProcessor: new SimpleSpanProcessor(exporter) })!;
    Runtime.install({ logger: new DefaultLogger('WARN') });
    const [apiPort, temporalPort, xenditPort] = await Promise.all([freePort(), freePort(), freePort()]);
    config = loadConfig({
      BAYAR_ENV: 'development',
      PORT: String(apiPort),
      BAYAR_TEMPORAL_PORT: String(temporalPort),
      // The Xendit sandbox listens on base + its offset: choose the base that puts it on a free port.
      BAYAR_SANDBOX_PORT_BASE: String(xenditPort - SANDBOX_PORT_OFFSETS.xendit),
      BAYAR_SANDBOX_TIME_SCALE: '0.0001',
      BAYAR_POLL_SCHEDULE: '30s',
      BAYAR_REFUND_WINDOW: '1s',
      BAYAR_LOG_LEVEL: 'warn',
      BAYAR_DATABASE_URL: pg.url,
    });
    pool = createPool(pg.url, { name: 'tracing-test', max: 4 });
    await migrate(pool);
    await importBootstrapMerchants(pool, config.dataKey, config.apiKeys, config.merchantWebhookSecrets);
    server = await startDevServer({ cliPath: await ensureTemporalCli(), port: temporalPort, namespace: config.temporal.namespace });
    sandbox = new SandboxKit(new XenditSandbox(config.providers.xendit!), { callbackUrl: `${config.publicUrl}/webhooks/xendit`, timeScale: config.sandbox.timeScale });
    await sandbox.listen(xenditPort, '127.0.0.1');
    connection = await NativeConnection.connect({ address: config.temporal.address });
    worker = await createWorker(config, connection, pool, { tracing });
    workerRun = worker.run();
    app = await createApi(config);
    await app.listen(config.port, '127.0.0.1');
  });

  after(async () => {
    await app?.close();
    worker?.shutdown();
    await workerRun?.catch(() => undefined);
    await connection?.close();
    await sandbox?.close();
    await server?.stop();
    await tracing?.shutdown();
    await pool?.end();
    await pg?.stop();
    rmSync(pgParent, { recursive: true, force: true });
  });

  it('links every hop into one trace, the provider call a descendant of the API request', async () => {
    const res = await fetch(`${config.publicUrl}/v1/payments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ merchantReference: uniqueRef(), amount: 150_000, method: 'VA_BCA' }),
    });
    const created = (await res.json()) as { id: string; provider: string };
    assert.equal(res.status, 201, JSON.stringify(created));
    assert.equal(created.provider, 'xendit');
    const pay = await fetch(`http://127.0.0.1:${config.sandbox.portBase + SANDBOX_PORT_OFFSETS.xendit}/_sandbox/charges/${created.id}/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(pay.status, 200);

    // The workflow span is exported when the payment's workflow ends (after the short refund window).
    const spans = await until(
      () => {
        const all = exporter.getFinishedSpans();
        return all.some((s) => s.name === 'RunWorkflow:paymentWorkflow') ? all : undefined;
      },
      30_000,
      100,
    );

    const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
    const request = spans.find((s) => s.name === 'POST /v1/payments' && s.kind === SpanKind.SERVER);
    assert.ok(request, `no API request span among ${spans.map((s) => s.name).join(', ')}`);
    const trace = spans.filter((s) => s.spanContext().traceId === request.spanContext().traceId);

    /** The names from a span up to the root of its trace. */
    const ancestry = (span: ReadableSpan): string[] => {
      const names: string[] = [];
      for (let s: ReadableSpan | undefined = span; s; s = s.parentSpanId ? byId.get(s.parentSpanId) : undefined) names.push(s.name);
      return names;
    };
    const run = trace.find((s) => s.name === 'RunActivity:createCharge');
    assert.ok(run, `createCharge not in the request's trace: ${trace.map((s) => s.name).join(', ')}`);
    const http = trace.find((s) => s.kind === SpanKind.CLIENT && s.name === 'HTTP POST' && s.parentSpanId === run.spanContext().spanId);
    assert.ok(http, 'the provider HTTP call is a child of the createCharge activity');
    assert.equal(http.attributes['http.response.status_code'], 201, 'the sandbox answers a created charge with 201');
    assert.equal(http.attributes['server.address'], `http://127.0.0.1:${config.sandbox.portBase + SANDBOX_PORT_OFFSETS.xendit}`);
    // The root is this test's own fetch (Node's fetch is undici too): the API continues a
    // caller's trace from its traceparent header.
    assert.deepEqual(ancestry(http), [
      'HTTP POST',
      'RunActivity:createCharge',
      'StartActivity:createCharge',
      'RunWorkflow:paymentWorkflow',
      'UpdateWithStartWorkflow:createOrGet',
      'POST /v1/payments',
      'HTTP POST',
    ]);
    // No span name carries an id: names are routes and operations.
    for (const s of spans) assert.doesNotMatch(s.name, /pay_[0-9a-f]{24}/, s.name);
  });
});
