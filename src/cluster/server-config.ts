// The Temporal server's static configuration for the native cluster: PostgreSQL persistence and
// SQL visibility, `numHistoryShards` shards, and one port pair (gRPC + membership) per service so
// that frontend, history, matching and the internal worker run as separate processes on one host
// and find each other through the cluster_membership table (ringpop), as on separate machines.
// Shape: the server's own config/development-postgres12.yaml at v1.29.1.
import { fileURLToPath } from 'node:url';

/** The services the cluster runs, each its own `server start --service <name>` process. */
export const TEMPORAL_SERVICES = ['history', 'matching', 'frontend', 'worker'] as const;
export type TemporalService = (typeof TEMPORAL_SERVICES)[number];

/**
 * Fixed at schema setup: a cluster can never change it. 4 rather than the dev server's 1 so that
 * shard ownership, per-shard queues and shard movement on a history restart are exercised;
 * docker-compose.yml sets the same (NUM_HISTORY_SHARDS).
 */
export const NUM_HISTORY_SHARDS = 4;

/** The one dynamic config file, shared with docker-compose.yml. */
export const DYNAMIC_CONFIG_FILE = fileURLToPath(new URL('../../../deploy/temporal/dynamicconfig.yaml', import.meta.url));
/** The one schema script, shared with docker-compose.yml. */
export const SETUP_SCHEMA_SCRIPT = fileURLToPath(new URL('../../../deploy/temporal/setup-schema.sh', import.meta.url));

export const TEMPORAL_DATABASES = { persistence: 'temporal', visibility: 'temporal_visibility' } as const;

export interface ServicePorts {
  grpc: number;
  membership: number;
}

export interface TemporalPorts {
  services: Record<TemporalService, ServicePorts>;
  /** The frontend's HTTP API. */
  frontendHttp: number;
}

export interface TemporalDatabase {
  host: string;
  port: number;
  user: string;
  password: string;
}

export function frontendAddress(ports: TemporalPorts): string {
  return `127.0.0.1:${ports.services.frontend.grpc}`;
}

/** YAML is a superset of JSON: the config is written as JSON, with nothing to escape by hand. */
export function renderServerConfig(options: { ports: TemporalPorts; database: TemporalDatabase; logLevel?: string }): string {
  const { ports, database } = options;
  const datastore = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${database.host}:${database.port}`,
      connectProtocol: 'tcp',
      user: database.user,
      password: database.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const rpc = (s: TemporalService) => ({
    rpc: {
      grpcPort: ports.services[s].grpc,
      membershipPort: ports.services[s].membership,
      bindOnLocalHost: true,
      ...(s === 'frontend' ? { httpPort: ports.frontendHttp } : {}),
    },
  });
  const config = {
    log: { stdout: true, level: options.logLevel ?? 'warn' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: NUM_HISTORY_SHARDS,
      datastores: {
        'postgres-default': datastore(TEMPORAL_DATABASES.persistence, 20),
        'postgres-visibility': datastore(TEMPORAL_DATABASES.visibility, 4),
      },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
    },
    services: Object.fromEntries(TEMPORAL_SERVICES.map((s) => [s, rpc(s)])),
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: frontendAddress(ports) } },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    // The internal worker (system workflows: namespace deletion, scavengers) reaches the frontend here.
    publicClient: { hostPort: frontendAddress(ports) },
    dynamicConfigClient: { filepath: DYNAMIC_CONFIG_FILE, pollInterval: '10s' },
  };
  return JSON.stringify(config, null, 2) + '\n';
}

/** The Web UI server's config (ui-server's config/base.yaml keys). */
export function renderUiConfig(options: { frontend: string; port: number; namespace: string }): string {
  return (
    JSON.stringify(
      {
        temporalGrpcAddress: options.frontend,
        host: '127.0.0.1',
        port: options.port,
        enableUi: true,
        defaultNamespace: options.namespace,
        refreshInterval: '1m',
        notifyOnNewVersion: false,
        cors: { cookieInsecure: true, allowOrigins: [`http://127.0.0.1:${options.port}`, `http://localhost:${options.port}`] },
      },
      null,
      2,
    ) + '\n'
  );
}
