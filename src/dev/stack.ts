// The whole local stack as child processes: Temporal dev server, sandboxes, worker, API.
// `npm start` uses it, and so do the end-to-end and fault tests (which kill and restart
// pieces of it), so what is tested is what a newcomer runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { AppConfig } from '../config/config.js';
import { startDevServer, type DevServer } from '../temporal/dev-server.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../db/embedded.js';
import { createPool } from '../db/pool.js';
import { migrate } from '../db/migrations.js';
import { importBootstrapMerchants } from '../db/merchants.js';
import { hasExited, stopChild } from './processes.js';

export type Part = 'sandbox' | 'worker' | 'api';

/** A second API or worker (the cluster runs two of each): its own name, port and environment. */
export interface Replica {
  /** Key for stopPart/output, e.g. 'api-2'; default: the part's name. */
  name?: string;
  /** Extra environment on top of the stack's (e.g. another PORT). */
  env?: NodeJS.ProcessEnv;
}

const ENTRYPOINTS: Record<Part, string> = {
  sandbox: fileURLToPath(new URL('../sandbox/main.js', import.meta.url)),
  worker: fileURLToPath(new URL('../worker.js', import.meta.url)),
  api: fileURLToPath(new URL('../main.js', import.meta.url)),
};

export interface StackOptions {
  /** Environment for every child; must parse to `config`. */
  env: NodeJS.ProcessEnv;
  config: AppConfig;
  /** Path of the temporal CLI; required when config.temporal.embedded. */
  cliPath?: string;
  ui: boolean;
  /** Embedded server's SQLite file; in-memory when omitted. */
  dbFile?: string;
  /** Embedded PostgreSQL's data directory (used when config.database.embedded). */
  postgresDir?: string;
  /** Tests: the embedded PostgreSQL skips fsync (its data is thrown away). */
  ephemeralPostgres?: boolean;
  /** Where children's output goes: 'inherit' for `npm start`, 'quiet' keeps the last lines for errors. */
  output: 'inherit' | 'quiet';
  log?: (line: string) => void;
  /** Receives every chunk a child writes (with output 'quiet'); tests that read whole logs use it. */
  capture?: (part: Part, chunk: string) => void;
}

export class Stack {
  temporal?: DevServer;
  postgres?: EmbeddedPostgres;
  /** What the children get: the options' env plus the database URL once it is known. */
  private childEnv: NodeJS.ProcessEnv;
  private readonly children = new Map<string, ChildProcess>();
  private readonly tails = new Map<string, string>();

  constructor(readonly options: StackOptions) {
    this.childEnv = options.env;
  }

  /** bayar's database: the embedded one once started, else BAYAR_DATABASE_URL. */
  get databaseUrl(): string | undefined {
    return this.childEnv.BAYAR_DATABASE_URL ?? this.options.config.database.url;
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${this.options.config.port}`;
  }

  async start(): Promise<void> {
    // The parts that need nothing of each other start together (each test file starts a whole
    // stack, so this is most of the suite's time): Temporal first, whose server runs on while
    // initdb (a blocking spawnSync) does, then the sandboxes and the database; the worker and
    // the API need Temporal and the database, not each other. Every start is awaited, failed or
    // not, before a failure is thrown, so stop() finds each process that was started.
    await settleAll([
      this.options.config.temporal.embedded ? this.startTemporal() : undefined,
      // The sandboxes accept only the published development keys: production has none to talk to.
      this.options.config.development ? this.startPart('sandbox') : undefined,
      this.startDatabase(),
    ]);
    await settleAll([this.startPart('worker'), this.startPart('api')]);
  }

  async startTemporal(): Promise<void> {
    const { config, cliPath } = this.options;
    if (!cliPath) throw new Error('an embedded Temporal server needs the temporal CLI path');
    this.temporal = await startDevServer({
      cliPath,
      port: config.temporal.port,
      uiPort: this.options.ui ? config.temporal.uiPort : undefined,
      dbFile: this.options.dbFile,
      namespace: config.temporal.namespace,
      retentionMs: config.temporal.retentionMs,
    });
  }

  /** Starts the embedded PostgreSQL (unless BAYAR_DATABASE_URL is set) and applies the migrations. */
  async startDatabase(): Promise<void> {
    const { config, postgresDir } = this.options;
    if (config.database.embedded) {
      if (!postgresDir) throw new Error('an embedded PostgreSQL needs a data directory');
      this.postgres = await startEmbeddedPostgres({ dir: postgresDir, port: config.database.port, ephemeral: this.options.ephemeralPostgres });
      this.childEnv = { ...this.options.env, BAYAR_DATABASE_URL: this.postgres.url };
    }
    const url = this.databaseUrl;
    if (!url) throw new Error('no database: set BAYAR_DATABASE_URL');
    const pool = createPool(url, { name: 'bayar-migrate', max: 1 });
    try {
      const applied = await migrate(pool);
      if (applied.length > 0) this.options.log?.(`database: applied migrations ${applied.join(', ')}`);
      // Development and tests only (this stack): BAYAR_API_KEYS / BAYAR_MERCHANT_WEBHOOK_SECRETS
      // (by default the README's demo merchant) become merchants, keys and secrets in the
      // database. Production creates them with the admin CLI (npm run admin).
      await importBootstrapMerchants(pool, config.dataKey, config.apiKeys, config.merchantWebhookSecrets);
    } finally {
      await pool.end();
    }
  }

  async stopDatabase(signal?: NodeJS.Signals): Promise<void> {
    await this.postgres?.stop(signal);
    this.postgres = undefined;
  }

  async stopTemporal(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await this.temporal?.stop(signal);
    this.temporal = undefined;
  }

  async startPart(part: Part, replica: Replica = {}): Promise<void> {
    const name = replica.name ?? part;
    const env = replica.env ? { ...this.childEnv, ...replica.env } : this.childEnv;
    // BAYAR_PROFILE_DIR (benchmarks only): each part writes V8 CPU profiles to <dir>/<part> when
    // it exits, one per thread (the worker's workflow threads included), named by Node.
    const profileDir = this.options.env.BAYAR_PROFILE_DIR;
    const nodeArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, name)}`] : [];
    const child = spawn(process.execPath, [...nodeArgs, ENTRYPOINTS[part]], {
      env,
      stdio: ['ignore', this.options.output === 'inherit' ? 'inherit' : 'pipe', this.options.output === 'inherit' ? 'inherit' : 'pipe'],
    });
    this.children.set(name, child);
    const keep = (d: Buffer) => {
      this.tails.set(name, ((this.tails.get(name) ?? '') + d.toString()).slice(-8000));
      this.options.capture?.(part, d.toString());
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const port = Number(env.PORT ?? this.options.config.port);
    await this.waitReady(part, name, child, `http://127.0.0.1:${port}`);
  }

  /** Stops a part; SIGKILL simulates a crash (no graceful shutdown at all). */
  async stopPart(part: Part | string, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.children.get(part);
    if (!child || hasExited(child)) return;
    await stopChild(child, signal);
    this.children.delete(part);
  }

  /** Process ids, for measuring CPU and memory from outside. */
  pids(): Record<Part | 'temporal' | 'postgres', number | undefined> {
    return {
      api: this.children.get('api')?.pid,
      worker: this.children.get('worker')?.pid,
      sandbox: this.children.get('sandbox')?.pid,
      temporal: this.temporal?.process.pid,
      postgres: this.postgres?.process.pid,
    };
  }

  /** A replica's process (the cluster's chaos drills kill them by name). */
  child(name: string): ChildProcess | undefined {
    return this.children.get(name);
  }

  /** A part's recent output; for 'api' or 'worker', every replica's (the cluster runs two). */
  output(part: Part | string): string {
    return [...this.tails.entries()]
      .filter(([name]) => name === part || name.startsWith(`${part}-`))
      .map(([, tail]) => tail)
      .join('');
  }

  async stop(): Promise<void> {
    // Reverse order: stop taking requests first, the database last.
    // Replicas (api-2, worker-2) with their part.
    for (const part of ['api', 'worker', 'sandbox']) {
      for (const name of [...this.children.keys()].filter((n) => n === part || n.startsWith(`${part}-`))) await this.stopPart(name);
    }
    await this.stopTemporal();
    await this.stopDatabase();
  }

  private async waitReady(part: Part, name: string, child: ChildProcess, apiUrl: string): Promise<void> {
    const deadline = Date.now() + 60_000;
    const { config } = this.options;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${this.tails.get(name) ?? ''}`);
      if (Date.now() > deadline) throw new Error(`${name} not ready after 60 s:\n${this.tails.get(name) ?? ''}`);
      try {
        if (part === 'api') {
          const res = await fetch(`${apiUrl}/health`, { signal: AbortSignal.timeout(2000) });
          if (res.status === 200) return;
        } else if (part === 'sandbox') {
          const res = await fetch(`http://127.0.0.1:${config.sandbox.portBase + 1}/_sandbox/ledger`, { signal: AbortSignal.timeout(2000) });
          if (res.status === 200) return;
        } else if (/polling/.test(this.tails.get(name) ?? '') || (this.options.output === 'inherit' && child.pid)) {
          // The worker prints "polling" once it has connected; with inherited output we cannot see it.
          if (this.options.output === 'inherit') await new Promise((r) => setTimeout(r, 1500));
          return;
        }
      } catch {
        // not up yet
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  }
}

/** Awaits every start, then throws the first failure, if any. */
async function settleAll(starts: (Promise<void> | undefined)[]): Promise<void> {
  const results = await Promise.allSettled(starts);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

export function dataFile(config: AppConfig): string {
  return join(config.dataDir, 'temporal.sqlite');
}

export function postgresDir(config: AppConfig): string {
  return join(config.dataDir, 'postgres');
}
