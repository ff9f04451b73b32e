// docker-compose.yml and `npm run cluster` are the same deployment in two shapes (issue #17): the
// same Temporal server and UI versions, schema script, dynamic config, shard count, databases,
// namespace retention, search attributes and bayar environment. Checked as data: there is no
// container engine here, and the native side is what test:cluster exercises for real.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/config.js';
import { TEMPORAL_SERVER_VERSION, TEMPORAL_UI_VERSION } from '../../src/cluster/binaries.js';
import { BayarCluster, DEFAULT_CLUSTER_PORTS } from '../../src/cluster/cluster.js';
import { DYNAMIC_CONFIG_FILE, NUM_HISTORY_SHARDS, SETUP_SCHEMA_SCRIPT, TEMPORAL_DATABASES, renderServerConfig } from '../../src/cluster/server-config.js';
import { parseDuration } from '../../src/config/duration.js';

const ROOT = new URL('../../../', import.meta.url);
const rootPath = (p: string) => resolve(fileURLToPath(ROOT), p);
const compose = parse(readFileSync(rootPath('docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, { image?: string; environment?: Record<string, string>; volumes?: string[]; entrypoint?: string[]; command?: string[] }>;
};
const services = compose.services;
const TEMPORAL_SERVICES = ['temporal-history', 'temporal-matching', 'temporal', 'temporal-worker'];
/** Compose's ${VAR:-default} with nothing set on the host. */
const defaulted = (v: string) => v.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');
const env = (name: string) => Object.fromEntries(Object.entries(services[name]!.environment ?? {}).map(([k, v]) => [k, defaulted(String(v))]));
/** The host path of the volume mounted at `target`. */
const mounted = (name: string, target: string) => {
  const volume = services[name]!.volumes?.find((v) => v.split(':')[1] === target);
  assert.ok(volume, `${name} mounts ${target}`);
  return rootPath(volume.split(':')[0]!);
};

describe('docker-compose.yml agrees with npm run cluster', () => {
  it('runs the server version the native cluster builds, and the UI version it builds', () => {
    for (const name of TEMPORAL_SERVICES) assert.equal(services[name]!.image, `temporalio/server:${TEMPORAL_SERVER_VERSION}`, name);
    assert.equal(services['temporal-ui']!.image, `temporalio/ui:${TEMPORAL_UI_VERSION}`);
    for (const name of ['temporal-schema', 'temporal-admin'])
      assert.match(services[name]!.image ?? '', new RegExp(`^temporalio/admin-tools:${TEMPORAL_SERVER_VERSION.replace(/\./g, '\\.')}\\b`), name);
  });

  it('applies the schema with the same script, from the same release schema folder', () => {
    const schema = services['temporal-schema']!;
    assert.equal(mounted('temporal-schema', '/deploy/setup-schema.sh'), SETUP_SCHEMA_SCRIPT);
    assert.deepEqual(schema.entrypoint, ['sh', '/deploy/setup-schema.sh']);
    assert.match(env('temporal-schema').SCHEMA_DIR!, /\/schema\/postgresql\/v12$/);
    const script = readFileSync(SETUP_SCHEMA_SCRIPT, 'utf8');
    for (const db of Object.values(TEMPORAL_DATABASES)) assert.match(script, new RegExp(`\\b${db}:`), `the script sets up ${db}`);
  });

  it('uses the same databases, shard count and dynamic config file', () => {
    const native = JSON.parse(renderServerConfig({ ports: DEFAULT_CLUSTER_PORTS.temporal, database: { host: 'h', port: 1, user: 'u', password: 'p' } }));
    for (const name of TEMPORAL_SERVICES) {
      const e = env(name);
      assert.equal(Number(e.NUM_HISTORY_SHARDS), NUM_HISTORY_SHARDS, name);
      assert.equal(e.DBNAME, TEMPORAL_DATABASES.persistence);
      assert.equal(e.VISIBILITY_DBNAME, TEMPORAL_DATABASES.visibility);
      assert.equal(mounted(name, e.DYNAMIC_CONFIG_FILE_PATH!), DYNAMIC_CONFIG_FILE, `${name} reads deploy/temporal/dynamicconfig.yaml`);
    }
    assert.equal(native.persistence.numHistoryShards, NUM_HISTORY_SHARDS);
    assert.ok(NUM_HISTORY_SHARDS > 1, 'more than one history shard');
    assert.equal(native.dynamicConfigClient.filepath, DYNAMIC_CONFIG_FILE);
    assert.equal(native.persistence.datastores['postgres-default'].sql.databaseName, TEMPORAL_DATABASES.persistence);
    assert.equal(native.persistence.datastores['postgres-visibility'].sql.databaseName, TEMPORAL_DATABASES.visibility);
    assert.equal(native.persistence.datastores['postgres-default'].sql.pluginName, env('temporal').DB);
  });

  it('registers the namespace bayar uses with the retention bayar configures', () => {
    const script = (services['temporal-admin']!.command ?? []).join('\n');
    // Compose makes the mode a choice (BAYAR_ENV has no default); the cluster runs development.
    const worker = loadConfig({ ...env('worker'), BAYAR_ENV: 'development' });
    const native = new BayarCluster({ env: {}, dir: '/nonexistent', ports: DEFAULT_CLUSTER_PORTS, output: 'quiet' }).config;
    const retentions = [...script.matchAll(/--retention (\S+)/g)].map((m) => parseDuration(m[1]!));
    assert.ok(retentions.length >= 2, 'created with a retention and updated to it');
    for (const r of retentions) assert.equal(r, native.temporal.retentionMs);
    assert.equal(worker.temporal.retentionMs, native.temporal.retentionMs);
    for (const m of script.matchAll(/--namespace (\S+)/g)) assert.equal(m[1], native.temporal.namespace);
    assert.equal(worker.temporal.namespace, native.temporal.namespace);
  });

  it('gives bayar the same environment: development mode, task queue, namespace', () => {
    const native = new BayarCluster({ env: {}, dir: '/nonexistent', ports: DEFAULT_CLUSTER_PORTS, output: 'quiet' });
    const nativeEnv = (native as unknown as { childEnv: NodeJS.ProcessEnv }).childEnv;
    for (const name of ['api', 'api-2', 'worker']) {
      const e = env(name);
      // Compose makes the mode a choice (BAYAR_ENV has no default, see its header); the native
      // cluster runs development mode, and in that mode both configure bayar alike.
      assert.equal(nativeEnv.BAYAR_ENV, 'development');
      const config = loadConfig({ ...e, BAYAR_ENV: nativeEnv.BAYAR_ENV });
      assert.equal(config.temporal.taskQueue, native.config.temporal.taskQueue);
      assert.equal(config.temporal.namespace, native.config.temporal.namespace);
      assert.equal(config.database.embedded, false, `${name} uses the compose PostgreSQL`);
    }
  });

  it('runs two APIs and two workers, as the native cluster', () => {
    assert.deepEqual(services['api-2']!.environment, services.api!.environment);
    assert.equal((services.worker as { deploy?: { replicas?: number } }).deploy?.replicas, 2);
    assert.equal(DEFAULT_CLUSTER_PORTS.apis.length, 2);
  });
});
