// bayar in its production shape on one machine: PostgreSQL (bayar's database and Temporal's two),
// Temporal as four services over it (src/cluster/temporal-cluster.ts), the sandboxes, two workers
// on one task queue and two API processes. The bayar processes are the dev stack's own parts
// (src/dev/stack.ts) — the same entrypoints, readiness checks and database start — with a second
// API and worker as replicas, so `npm run cluster`, `npm run test:cluster` and the cluster chaos
// drills run exactly what `npm start` runs, only spread out.
import { join } from 'node:path';
import { loadConfig, type AppConfig } from '../config/config.js';
import { Stack } from '../dev/stack.js';
import { ensureClusterBinaries, type ClusterBinaries } from './binaries.js';
import { TEMPORAL_SERVICES, frontendAddress, type TemporalDatabase, type TemporalPorts, type TemporalService } from './server-config.js';
import { TemporalCluster } from './temporal-cluster.js';

export interface ClusterPorts {
  postgres: number;
  temporal: TemporalPorts;
  /** Omit: no Web UI. */
  ui?: number;
  /** The two API processes: the first is where the sandboxes send their webhooks. */
  apis: [number, number];
  sandboxBase: number;
}

/** `npm run cluster`: Temporal's usual ports, so tools find it where they expect it. */
export const DEFAULT_CLUSTER_PORTS: ClusterPorts = {
  postgres: 5434,
  temporal: {
    services: {
      frontend: { grpc: 7233, membership: 6933 },
      history: { grpc: 7234, membership: 6934 },
      matching: { grpc: 7235, membership: 6935 },
      worker: { grpc: 7239, membership: 6939 },
    },
    frontendHttp: 7243,
  },
  ui: 8233,
  apis: [3000, 3001],
  sandboxBase: 4100,
};

export interface BayarClusterOptions {
  /** Base environment for every bayar process (BAYAR_* settings); ports and addresses are added. */
  env: NodeJS.ProcessEnv;
  /** Data, config and logs. */
  dir: string;
  ports: ClusterPorts;
  /**
   * A PostgreSQL of the machine's own (BAYAR_CLUSTER_DATABASE_URL): Temporal's databases are created
   * there and bayar uses it too, unless env has BAYAR_DATABASE_URL. Default: the embedded server.
   */
  databaseUrl?: string;
  /** Tests: embedded PostgreSQL without fsync. */
  ephemeralPostgres?: boolean;
  output: 'inherit' | 'quiet';
  temporalLogLevel?: string;
  log?: (line: string) => void;
  binaries?: ClusterBinaries;
}

export const API_REPLICAS = ['api', 'api-2'] as const;
export const WORKER_REPLICAS = ['worker', 'worker-2'] as const;

export class BayarCluster {
  readonly stack: Stack;
  readonly config: AppConfig;
  temporal?: TemporalCluster;
  private readonly childEnv: NodeJS.ProcessEnv;

  constructor(readonly options: BayarClusterOptions) {
    const { ports } = options;
    this.childEnv = {
      ...options.env,
      // Development mode: sandboxes and development keys, as `npm start` (another branch reads it).
      BAYAR_ENV: options.env.BAYAR_ENV ?? 'development',
      TEMPORAL_ADDRESS: frontendAddress(ports.temporal),
      PORT: String(ports.apis[0]),
      BAYAR_DATABASE_PORT: String(ports.postgres),
      BAYAR_SANDBOX_PORT_BASE: String(ports.sandboxBase),
      ...(options.databaseUrl && !options.env.BAYAR_DATABASE_URL ? { BAYAR_DATABASE_URL: options.databaseUrl } : {}),
    };
    this.config = loadConfig(this.childEnv);
    this.stack = new Stack({
      env: this.childEnv,
      config: this.config,
      ui: false,
      postgresDir: join(options.dir, 'postgres'),
      ephemeralPostgres: options.ephemeralPostgres,
      output: options.output,
      log: options.log,
    });
  }

  apiUrl(replica: 0 | 1 = 0): string {
    return `http://127.0.0.1:${this.options.ports.apis[replica]}`;
  }

  get temporalAddress(): string {
    return frontendAddress(this.options.ports.temporal);
  }

  async start(): Promise<void> {
    const log = this.options.log ?? (() => {});
    const binaries = this.options.binaries ?? (await ensureClusterBinaries(log, process.env, { ui: this.options.ports.ui !== undefined }));
    log('starting PostgreSQL');
    await this.stack.startDatabase();
    log('setting up Temporal schema and starting frontend, history, matching, worker');
    this.temporal = new TemporalCluster({
      binaries,
      dir: join(this.options.dir, 'temporal'),
      ports: this.options.ports.temporal,
      uiPort: this.options.ports.ui,
      database: temporalDatabase(this.options.databaseUrl ?? this.stack.databaseUrl!),
      namespace: this.config.temporal.namespace,
      retentionMs: this.config.temporal.retentionMs,
      logLevel: this.options.temporalLogLevel,
    });
    await this.temporal.start();
    log('starting sandboxes, two workers, two APIs');
    await this.stack.startPart('sandbox');
    for (const name of WORKER_REPLICAS) await this.startWorker(name);
    for (const name of API_REPLICAS) await this.startApi(name);
  }

  async startApi(name: (typeof API_REPLICAS)[number]): Promise<void> {
    await this.stack.startPart('api', { name, env: { PORT: String(this.options.ports.apis[API_REPLICAS.indexOf(name)]) } });
  }

  async startWorker(name: (typeof WORKER_REPLICAS)[number]): Promise<void> {
    await this.stack.startPart('worker', { name });
  }

  async killTemporal(service: TemporalService): Promise<void> {
    await this.temporal!.kill(service);
  }

  async restartTemporal(service: TemporalService): Promise<void> {
    await this.temporal!.restart(service);
  }

  /**
   * PostgreSQL crashes (embedded only), then the same server comes back on the same data after
   * crash recovery. SIGQUIT is PostgreSQL's immediate shutdown — no checkpoint, every connection
   * cut, recovery from the WAL at the next start, as after a crash; a SIGKILL of the postmaster
   * alone would leave its backends holding the shared memory and block the restart.
   */
  async crashPostgres(downMs: number): Promise<void> {
    if (!this.stack.postgres) throw new Error('only the embedded PostgreSQL can be crashed');
    await this.stack.stopDatabase('SIGQUIT');
    await new Promise((r) => setTimeout(r, downMs));
    await this.stack.startDatabase();
  }

  pids(): Record<string, number | undefined> {
    const out: Record<string, number | undefined> = { postgres: this.stack.postgres?.process.pid };
    for (const s of TEMPORAL_SERVICES) out[`temporal-${s}`] = this.temporal?.pid(s);
    for (const n of [...API_REPLICAS, ...WORKER_REPLICAS, 'sandbox']) out[n] = this.stack.child(n)?.pid;
    return out;
  }

  async stop(): Promise<void> {
    // bayar first (stop taking requests, drain workers), then Temporal, PostgreSQL last.
    for (const name of [...API_REPLICAS, ...WORKER_REPLICAS, 'sandbox']) await this.stack.stopPart(name);
    await this.temporal?.stop();
    await this.stack.stopDatabase();
  }
}

/** Temporal's connection to PostgreSQL, from a postgres:// URL (the embedded server's or the machine's). */
export function temporalDatabase(url: string): TemporalDatabase {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || 5432), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
}
