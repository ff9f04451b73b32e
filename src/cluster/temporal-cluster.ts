// Temporal as a cluster on one host: the schema applied by Temporal's SQL tool, then history,
// matching, frontend and the internal worker as four `server start --service` processes, the
// namespace registered with an explicit retention, bayar's search attributes, and the Web UI
// server pointed at the frontend. Each service can be killed and restarted on its own (the
// cluster chaos drills do that to history and matching).
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import type { ClusterBinaries } from './binaries.js';
import { hasExited, stopChild } from '../dev/processes.js';
import { ensureRetention, ensureSearchAttributes } from '../temporal/setup.js';
import { frontendAddress, renderServerConfig, renderUiConfig, SETUP_SCHEMA_SCRIPT, TEMPORAL_SERVICES, type TemporalDatabase, type TemporalPorts, type TemporalService } from './server-config.js';

export interface TemporalClusterOptions {
  binaries: ClusterBinaries;
  /** Config files and service logs go here. */
  dir: string;
  ports: TemporalPorts;
  /** Omit for no Web UI (tests). */
  uiPort?: number;
  database: TemporalDatabase;
  namespace: string;
  retentionMs: number;
  logLevel?: string;
}

type Component = TemporalService | 'ui';

const CONFIG_ENV = 'cluster';

export class TemporalCluster {
  private readonly processes = new Map<Component, ChildProcess>();

  constructor(readonly options: TemporalClusterOptions) {}

  get address(): string {
    return frontendAddress(this.options.ports);
  }

  get uiUrl(): string | undefined {
    return this.options.uiPort ? `http://127.0.0.1:${this.options.uiPort}` : undefined;
  }

  logFile(component: Component | 'schema'): string {
    return join(this.options.dir, 'logs', `${component}.log`);
  }

  pid(component: Component): number | undefined {
    return this.processes.get(component)?.pid;
  }

  process(component: Component): ChildProcess | undefined {
    return this.processes.get(component);
  }

  async start(): Promise<void> {
    const { dir, ports, database, uiPort, namespace } = this.options;
    mkdirSync(join(dir, 'config'), { recursive: true });
    mkdirSync(join(dir, 'logs'), { recursive: true });
    writeFileSync(join(dir, 'config', `${CONFIG_ENV}.yaml`), renderServerConfig({ ports, database, logLevel: this.options.logLevel }), { mode: 0o600 });
    await this.setupSchema();
    // History alone first: every service writes the cluster metadata on its first boot and the
    // losers of that race exit ("SaveClusterMetadata encountered version mismatch"). Once history
    // listens the metadata exists, and the others start together.
    const [first, ...rest] = TEMPORAL_SERVICES;
    this.spawnService(first);
    await this.waitListening(first);
    for (const service of rest) this.spawnService(service);
    for (const service of rest) await this.waitListening(service);
    await this.setupNamespace();
    if (uiPort) {
      if (!this.options.binaries.ui) throw new Error('a Web UI port was given but the UI server was not built');
      mkdirSync(join(dir, 'ui-config'), { recursive: true });
      writeFileSync(join(dir, 'ui-config', `${CONFIG_ENV}.yaml`), renderUiConfig({ frontend: this.address, port: uiPort, namespace }));
      this.spawn('ui', this.options.binaries.ui, ['--root', '/', '--config', join(dir, 'ui-config'), '--env', CONFIG_ENV, 'start']);
      await this.waitPort('ui', uiPort);
    }
  }

  /** Kills one service (SIGKILL: a crash, no drain) — the chaos drills. */
  async kill(component: Component, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.processes.get(component);
    if (!child || hasExited(child)) return;
    await stopChild(child, signal);
    this.processes.delete(component);
  }

  /** Starts a service again after kill() and waits until it listens. */
  async restart(service: TemporalService): Promise<void> {
    this.spawnService(service);
    await this.waitListening(service);
  }

  async stop(): Promise<void> {
    // The reverse of start: nothing new reaches history once the frontend is gone.
    for (const c of ['ui', 'worker', 'frontend', 'matching', 'history'] as const) await this.kill(c, 'SIGTERM');
  }

  private async setupSchema(): Promise<void> {
    const { binaries, database } = this.options;
    const out = createWriteStream(this.logFile('schema'), { flags: 'a' });
    const code = await new Promise<number>((resolve) => {
      const child = spawn('sh', [SETUP_SCHEMA_SCRIPT], {
        env: {
          PATH: process.env.PATH,
          SQL_TOOL: binaries.sqlTool,
          SCHEMA_DIR: binaries.schemaDir,
          SQL_HOST: database.host,
          SQL_PORT: String(database.port),
          SQL_USER: database.user,
          SQL_PASSWORD: database.password,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let tail = '';
      const keep = (d: Buffer) => {
        out.write(d);
        tail = (tail + d.toString()).slice(-4000);
      };
      child.stdout!.on('data', keep);
      child.stderr!.on('data', keep);
      child.on('exit', (c) => {
        out.end();
        if (c !== 0) console.error(tail);
        resolve(c ?? 1);
      });
    });
    if (code !== 0) throw new Error(`Temporal schema setup failed (exit ${code}); see ${this.logFile('schema')}`);
  }

  private spawnService(service: TemporalService): void {
    // --root / makes the absolute --config folder usable as is (the server joins root and config).
    this.spawn(service, this.options.binaries.server, ['--root', '/', '--config', join(this.options.dir, 'config'), '--env', CONFIG_ENV, '--allow-no-auth', 'start', '--service', service]);
  }

  private spawn(component: Component, binary: string, args: string[]): void {
    const log = createWriteStream(this.logFile(component), { flags: 'a' });
    // Own process group: a Ctrl-C in the terminal reaches only `npm run cluster`, which then stops
    // the APIs and workers first and Temporal after them (not all at once).
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH, HOME: process.env.HOME }, detached: true });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    this.processes.set(component, child);
  }

  private async waitListening(service: TemporalService): Promise<void> {
    // The internal worker serves no gRPC; like every service it joins the ring on its membership port.
    const ports = this.options.ports.services[service];
    await this.waitPort(service, service === 'worker' ? ports.membership : ports.grpc);
  }

  private async waitPort(component: Component, port: number, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const child = this.processes.get(component);
      if (!child || child.exitCode !== null) throw new Error(`Temporal ${component} exited (${child?.exitCode}); see ${this.logFile(component)}`);
      if (await canConnect(port)) return;
      if (Date.now() > deadline) throw new Error(`Temporal ${component} not listening on ${port} after ${timeoutMs / 1000} s; see ${this.logFile(component)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /**
   * Registers the namespace (a cluster has none but the system one), sets its retention and
   * bayar's search attributes, then waits until a workflow carrying them can be started: the
   * frontend and history learn of a new namespace from their caches, a few seconds later.
   */
  private async setupNamespace(): Promise<void> {
    const { namespace, retentionMs } = this.options;
    const deadline = Date.now() + 120_000;
    let lastError: unknown;
    while (Date.now() < deadline) {
      let connection: Connection | undefined;
      try {
        connection = await Connection.connect({ address: this.address, connectTimeout: 2000 });
        await connection.workflowService.getSystemInfo({});
        await registerNamespace(connection, namespace, retentionMs);
        await ensureRetention(connection, namespace, retentionMs);
        await ensureSearchAttributes(connection, namespace);
        await probeWorkflowStart(connection, namespace);
        return;
      } catch (err) {
        lastError = err;
        await new Promise((r) => setTimeout(r, 1000));
      } finally {
        await connection?.close();
      }
    }
    throw new Error(`Temporal cluster: namespace ${namespace} not usable after 120 s: ${(lastError as Error)?.message}; logs in ${join(this.options.dir, 'logs')}`);
  }
}

async function registerNamespace(connection: Connection, namespace: string, retentionMs: number): Promise<void> {
  try {
    await connection.workflowService.describeNamespace({ namespace });
    return;
  } catch (err) {
    if ((err as { code?: number }).code !== 5 /* NOT_FOUND */) throw err;
  }
  try {
    await connection.workflowService.registerNamespace({
      namespace,
      description: 'bayar payments',
      workflowExecutionRetentionPeriod: { seconds: proto.google.protobuf.Duration.fromObject({ seconds: Math.round(retentionMs / 1000) }).seconds },
    });
  } catch (err) {
    if ((err as { code?: number }).code !== 6 /* ALREADY_EXISTS */) throw err;
  }
}

/** Starts and terminates a throwaway workflow: proves frontend → history → persistence works for the namespace. */
async function probeWorkflowStart(connection: Connection, namespace: string): Promise<void> {
  const client = new Client({ connection, namespace });
  const handle = await client.workflow.start('bayar-cluster-probe', { taskQueue: 'bayar-cluster-probe', workflowId: `bayar-cluster-probe-${Date.now()}-${Math.random().toString(36).slice(2)}` });
  await handle.terminate('cluster readiness probe');
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
