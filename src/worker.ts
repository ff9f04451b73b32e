// Worker entrypoint: runs the payment workflows and their activities.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { z } from 'zod';
import { Client } from '@temporalio/client';
import { createPaymentActivities, createPayoutActivities, createRecordActivities } from '../activities/index.js';
import { createStatementActivities } from '../activities/statement.activities.js';
import { ensureStatementSchedule, statementSchedule, statementSettings } from './statements/schedule.js';
import { baselineActivities } from '../activities/baseline.activities.js';
import { LookupBudget } from '../activities/lookup-budget.js';
import { ConfigError, loadConfig, type AppConfig } from './config/config.js';
import { buildProviders } from './providers/registry.js';
import { temporalConnectionOptions } from './temporal/connection.js';
import { openCheckedPool } from './db/boot.js';
import { SchemaBehindError } from './db/migrations.js';
import type { Pool } from './db/pool.js';
import { JsonLog } from './observability/log.js';
import { JsonTemporalLogger } from './observability/temporal-logger.js';
import { configuredSecrets } from './observability/secrets.js';
import { startTracing } from './observability/tracing.js';
import { WorkerMetrics } from './observability/worker-metrics.js';
import { observedWorkerOptions, type WorkerObservability } from './observability/worker-observability.js';
import { workerObservabilitySettings } from './observability/worker-settings.js';
import { startVisibilityGauges } from './observability/visibility-gauges.js';
import { AdminConnection } from './temporal/admin-connection.js';
import { LostWorkflowTaskReconciler, lostTaskSettings, startLostTaskReconciler } from './temporal/lost-workflow-tasks.js';

/** Prebuilt by `npm run build`; without it the worker bundles the workflows at start (slower). */
export const WORKFLOW_BUNDLE_PATH = fileURLToPath(new URL('../workflow-bundle.js', import.meta.url));
/** The same workflows with Temporal's OpenTelemetry workflow interceptors, used when tracing is on. */
export const WORKFLOW_TRACED_BUNDLE_PATH = fileURLToPath(new URL('../workflow-bundle-traced.js', import.meta.url));
export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.js', import.meta.url));
/** The production workflows plus the benchmark's bare-Temporal baseline (bundled at start). */
export const BENCH_WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/bench.index.js', import.meta.url));

/**
 * BAYAR_BENCH_BASELINE=1 (set by `npm run bench` only): the worker also runs the benchmark's
 * baseline workflow and its no-op activity. A production worker never registers them.
 */
export function benchBaselineRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  const parsed = z.enum(['0', '1']).optional().safeParse(env.BAYAR_BENCH_BASELINE);
  if (!parsed.success) throw new ConfigError('bayar: BAYAR_BENCH_BASELINE must be 0 or 1');
  return parsed.data === '1';
}

export async function createWorker(config: AppConfig, connection: NativeConnection, pool: Pool, observe: WorkerObservability = {}, benchBaseline = false): Promise<Worker> {
  const providers = buildProviders(config);
  const activities = createPaymentActivities({
    providers,
    dataKey: config.dataKey,
    merchantWebhookSecrets: config.merchantWebhookSecrets,
    httpTimeoutMs: config.timing.providerTimeoutMs,
    callbackPolicy: config.callbacks,
    pool,
    lookupBudget: new LookupBudget(config.timing.lookupBudgetPerMinute),
  });
  const bundle = observe.tracing ? WORKFLOW_TRACED_BUNDLE_PATH : WORKFLOW_BUNDLE_PATH;
  // The bench's extra workflow is not in the prebuilt bundles: its worker bundles at start.
  const prebuilt = !benchBaseline && existsSync(bundle);
  return Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    ...(prebuilt ? { workflowBundle: { codePath: bundle } } : { workflowsPath: benchBaseline ? BENCH_WORKFLOWS_PATH : WORKFLOWS_PATH }),
    ...observedWorkerOptions(observe, prebuilt),
    // Memory stays flat however many payments wait: at most this many workflows stay cached.
    maxCachedWorkflows: config.workerCacheSize,
    maxConcurrentWorkflowTaskExecutions: Math.min(40, config.workerCacheSize),
    activities: {
      ...activities,
      ...createPayoutActivities({ providers, dataKey: config.dataKey }),
      ...createRecordActivities(pool),
      ...createStatementActivities({
        pool,
        providers,
        client: new Client({ connection, namespace: config.temporal.namespace }),
        dataKey: config.dataKey,
        httpTimeoutMs: config.timing.providerTimeoutMs,
        callbackPolicy: config.callbacks,
        merchantWebhookSecrets: config.merchantWebhookSecrets,
        ...(observe.metrics ? { onDifference: observe.metrics.countDifference } : {}),
      }),
      ...(benchBaseline ? baselineActivities : {}),
    },
  });
}

async function main(): Promise<void> {
  const config = loadConfig();
  const benchBaseline = benchBaselineRequested();
  // Refuse to run workflows on a schema older than this code.
  const pool = await openCheckedPool(config, 'bayar-worker');
  const settings = workerObservabilitySettings();
  const statements = statementSettings();
  const lostTasks = lostTaskSettings();
  const log = new JsonLog('worker', config.logLevel).redact(configuredSecrets(config));
  const tracing = startTracing('worker');
  const host = settings.BAYAR_WORKER_METRICS_HOST;
  Runtime.install({
    logger: new JsonTemporalLogger(log),
    telemetryOptions: {
      // Core's own (Rust) log lines go through the same JSON logger instead of plain stderr.
      logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} },
      ...(settings.BAYAR_WORKER_SDK_METRICS_PORT !== undefined ? { metrics: { prometheus: { bindAddress: `${host}:${settings.BAYAR_WORKER_SDK_METRICS_PORT}` } } } : {}),
    },
  });
  const metrics = new WorkerMetrics();
  const server = settings.BAYAR_WORKER_METRICS_PORT !== undefined ? await metrics.serve(host, settings.BAYAR_WORKER_METRICS_PORT) : undefined;
  const { address, ...rest } = temporalConnectionOptions(config);
  const connection = await NativeConnection.connect({ address, tls: rest.tls, apiKey: rest.apiKey, metadata: rest.metadata });
  // The visibility counts cost Temporal queries: only made when someone can scrape them.
  const stopGauges = server
    ? startVisibilityGauges(new Client({ connection, namespace: config.temporal.namespace }), metrics, settings.BAYAR_WORKER_GAUGE_INTERVAL_MS, (err) =>
        log.log('warn', 'visibility gauges not refreshed', { error: err }),
      )
    : () => undefined;
  // Its own (gRPC-js) connection: the admin service is not reachable through NativeConnection.
  const admin = lostTasks.BAYAR_LOST_TASK_RECONCILER === 'on' ? AdminConnection.lazy({ ...rest, address }) : undefined;
  const stopLostTasks = admin
    ? startLostTaskReconciler(
        new LostWorkflowTaskReconciler({
          admin,
          namespace: config.temporal.namespace,
          taskQueue: config.temporal.taskQueue,
          settings: lostTasks,
          count: metrics.countLostTask,
          log: (level, message, fields) => (level === 'notice' ? log.notice(message, fields) : log.log(level, message, fields)),
        }),
        lostTasks.BAYAR_LOST_TASK_INTERVAL_MS,
        (err) => {
          metrics.lostTaskPassErrors.inc();
          log.log('warn', 'lost workflow task pass failed', { error: err });
        },
      )
    : () => undefined;
  try {
    const worker = await createWorker(config, connection, pool, { metrics, tracing }, benchBaseline);
    if (statements.BAYAR_STATEMENT_SCHEDULE === 'true') {
      // Not fatal: payments must not stop because the schedule could not be written (a Temporal
      // key without schedule permissions); the statement then waits for an operator.
      await ensureStatementSchedule(
        new Client({ connection, namespace: config.temporal.namespace }),
        statementSchedule(statements, config.temporal.taskQueue, config.timing.merchantNotifyTimeoutMs),
      ).catch((err: unknown) => log.log('error', 'daily statement schedule not created or updated', { error: err }));
    }
    log.notice(`bayar worker polling ${config.temporal.taskQueue} on ${config.temporal.address}`);
    await worker.run();
  } finally {
    stopGauges();
    stopLostTasks();
    await admin?.close();
    server?.close();
    await tracing?.shutdown();
    await connection.close();
    await pool.end();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(err instanceof ConfigError || err instanceof SchemaBehindError ? err.message : err);
    process.exit(1);
  });
}
