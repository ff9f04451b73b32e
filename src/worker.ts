// Worker entrypoint: runs the payment workflows and their activities.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createPaymentActivities, createPayoutActivities, createRecordActivities } from '../activities/index.js';
import { baselineActivities } from '../activities/baseline.activities.js';
import { ConfigError, loadConfig, type AppConfig } from './config/config.js';
import { buildProviders } from './providers/registry.js';
import { temporalConnectionOptions } from './temporal/connection.js';
import { openCheckedPool } from './db/boot.js';
import { SchemaBehindError } from './db/migrations.js';
import type { Pool } from './db/pool.js';

/** Prebuilt by `npm run build`; without it the worker bundles the workflows at start (slower). */
export const WORKFLOW_BUNDLE_PATH = fileURLToPath(new URL('../workflow-bundle.js', import.meta.url));
export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.js', import.meta.url));

export async function createWorker(config: AppConfig, connection: NativeConnection, pool: Pool): Promise<Worker> {
  const providers = buildProviders(config);
  const activities = createPaymentActivities({
    providers,
    dataKey: config.dataKey,
    merchantWebhookSecrets: config.merchantWebhookSecrets,
    httpTimeoutMs: config.timing.providerTimeoutMs,
    callbackPolicy: config.callbacks,
    pool,
  });
  return Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    ...(existsSync(WORKFLOW_BUNDLE_PATH) ? { workflowBundle: { codePath: WORKFLOW_BUNDLE_PATH } } : { workflowsPath: WORKFLOWS_PATH }),
    // Memory stays flat however many payments wait: at most this many workflows stay cached.
    maxCachedWorkflows: config.workerCacheSize,
    maxConcurrentWorkflowTaskExecutions: Math.min(40, config.workerCacheSize),
    // The benchmark baseline's no-op activity rides along; it is never called by payments.
    activities: { ...activities, ...createPayoutActivities({ providers, dataKey: config.dataKey }), ...createRecordActivities(pool), ...baselineActivities },
  });
}

async function main(): Promise<void> {
  const config = loadConfig();
  // Refuse to run workflows on a schema older than this code.
  const pool = await openCheckedPool(config, 'bayar-worker');
  Runtime.install({ logger: undefined });
  const { address, ...rest } = temporalConnectionOptions(config);
  const connection = await NativeConnection.connect({ address, tls: rest.tls, apiKey: rest.apiKey, metadata: rest.metadata });
  try {
    const worker = await createWorker(config, connection, pool);
    console.log(`bayar worker polling ${config.temporal.taskQueue} on ${config.temporal.address}`);
    await worker.run();
  } finally {
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
