// `npm run cluster`: bayar in its production topology on one machine — PostgreSQL, Temporal's
// frontend, history, matching and internal worker as separate processes, the Web UI, the
// sandboxes, two workers and two APIs (src/cluster/cluster.ts). Ctrl-C stops it all.
import { join } from 'node:path';
import { ConfigError } from '../config/config.js';
import { DEV_DEFAULTS } from '../sandbox/dev-defaults.js';
import { BayarCluster, DEFAULT_CLUSTER_PORTS } from './cluster.js';
import { NUM_HISTORY_SHARDS, TEMPORAL_SERVICES } from './server-config.js';
import { TEMPORAL_SERVER_VERSION, TEMPORAL_UI_VERSION } from './binaries.js';
import { runInForeground } from '../dev/processes.js';

async function main(): Promise<void> {
  const dir = join(process.env.BAYAR_DATA_DIR ?? '.bayar-data', 'cluster');
  const cluster = new BayarCluster({
    env: process.env,
    dir,
    ports: DEFAULT_CLUSTER_PORTS,
    databaseUrl: process.env.BAYAR_CLUSTER_DATABASE_URL || undefined,
    output: 'inherit',
    log: (line) => console.log(`bayar cluster: ${line}`),
  });

  await runInForeground({ name: 'bayar cluster', stopping: 'stopping APIs, workers, sandboxes, Temporal services and PostgreSQL', start: () => cluster.start(), stop: () => cluster.stop() });

  const { config, temporal } = cluster;
  const p = DEFAULT_CLUSTER_PORTS;
  const demoKey = [...config.apiKeys].find(([m, k]) => `${m}:${k}` === DEV_DEFAULTS.apiKeys);
  console.log(
    [
      '',
      `  bayar cluster is running (Temporal server ${TEMPORAL_SERVER_VERSION}, ${NUM_HISTORY_SHARDS} history shards)`,
      `  API 1           ${cluster.apiUrl(0)}   (sandbox webhooks arrive here)`,
      `  API 2           ${cluster.apiUrl(1)}`,
      `  OpenAPI docs    ${cluster.apiUrl(0)}/docs`,
      `  Workers         2 on task queue ${config.temporal.taskQueue}`,
      `  Temporal        ${cluster.temporalAddress} (frontend), namespace ${config.temporal.namespace}`,
      ...TEMPORAL_SERVICES.map((s) => `    ${s.padEnd(13)} 127.0.0.1:${p.temporal.services[s].grpc}  log ${temporal!.logFile(s)}`),
      `  Temporal Web UI ${temporal!.uiUrl} (ui-server ${TEMPORAL_UI_VERSION})`,
      `  Sandboxes       http://127.0.0.1:${p.sandboxBase + 1} … (Xendit, Midtrans, DOKU, ecommpay, Indodana, aggregator)`,
      process.env.BAYAR_CLUSTER_DATABASE_URL
        ? '  PostgreSQL      BAYAR_CLUSTER_DATABASE_URL (external): temporal, temporal_visibility' + (process.env.BAYAR_DATABASE_URL ? '; bayar at BAYAR_DATABASE_URL' : ', bayar')
        : `  PostgreSQL      ${join(dir, 'postgres')} (embedded, 127.0.0.1:${p.postgres}): databases bayar, temporal, temporal_visibility`,
      demoKey ? `  Demo API key    ${demoKey[1]}   (merchant "demo")` : '  API keys        from BAYAR_API_KEYS',
      '',
      '  Ctrl-C stops everything; the next start reuses the data.',
      '',
    ].join('\n'),
  );
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
