// Starts and stops the embedded Temporal dev server (`temporal server start-dev`), used by
// `npm start` and by the test harness. SQLite file → payments survive a restart.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Connection } from '@temporalio/client';
import { ensureRetention, ensureSearchAttributes } from './setup.js';
import { stopChild } from '../dev/processes.js';

/**
 * Dynamic config bayar gives the dev server (issue 17 item 6, docs/performance.md "The step in
 * every create"). Server 1.29's defaults suit a cluster with many workers, not one dev server
 * with one worker:
 * - every task queue has 4 partitions; a task added to a partition where no poll waits is
 *   forwarded to the root partition at most 10 times a second, one at a time
 *   (matching.forwarderMaxRatePerSecond / forwarderMaxOutstandingTasks), and otherwise waits in
 *   the backlog until a poll reaches that partition. One worker's pollers spread over 4
 *   partitions, so from a few creates a second on, tasks wait for a poll: the ~100 ms step.
 *   One partition has nowhere to forward to.
 * - eager activity execution is off on the server by default, though the TypeScript SDK asks
 *   for it (maxEagerActivityReservationsPerWorkflowTask 3): with it on, an activity scheduled by
 *   a workflow task comes back in that task's completion response instead of through matching.
 * BAYAR_TEMPORAL_DEV_TUNING=off starts the dev server with the stock values (benchmarks only,
 * to measure the difference); BAYAR_TEMPORAL_DEV_DYNAMIC_CONFIG (a JSON object of key → value)
 * adds to or overrides these.
 */
export const DEV_SERVER_DYNAMIC_CONFIG: Record<string, unknown> = {
  'matching.numTaskqueueReadPartitions': 1,
  'matching.numTaskqueueWritePartitions': 1,
  'system.enableActivityEagerExecution': true,
};

export function devServerDynamicConfigArgs(env: NodeJS.ProcessEnv = process.env): string[] {
  const extra = env.BAYAR_TEMPORAL_DEV_DYNAMIC_CONFIG ? (JSON.parse(env.BAYAR_TEMPORAL_DEV_DYNAMIC_CONFIG) as Record<string, unknown>) : {};
  const values = { ...(env.BAYAR_TEMPORAL_DEV_TUNING === 'off' ? {} : DEV_SERVER_DYNAMIC_CONFIG), ...extra };
  return Object.entries(values).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${JSON.stringify(value)}`]);
}

export interface DevServerOptions {
  cliPath: string;
  port: number;
  /** Omit for a headless server (tests). */
  uiPort?: number;
  /** Omit for an in-memory database. */
  dbFile?: string;
  namespace: string;
  /** The namespace's retention of closed workflows, set explicitly at every start. */
  retentionMs?: number;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  readyTimeoutMs?: number;
}

export interface DevServer {
  address: string;
  process: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(options.port), '--namespace', options.namespace, '--log-level', options.logLevel ?? 'error'];
  args.push(...devServerDynamicConfigArgs());
  if (options.uiPort) args.push('--ui-port', String(options.uiPort));
  else args.push('--headless');
  if (options.dbFile) {
    mkdirSync(dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile, '--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=NORMAL');
  }
  const child = spawn(options.cliPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const address = `127.0.0.1:${options.port}`;
  const stop = (signal: NodeJS.Signals = 'SIGTERM') => stopChild(child, signal, 10_000);

  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`temporal dev server exited with ${child.exitCode}: ${stderr}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.getSystemInfo({});
        await ensureSearchAttributes(connection, options.namespace);
        if (options.retentionMs !== undefined) await ensureRetention(connection, options.namespace, options.retentionMs);
      } finally {
        await connection.close();
      }
      return { address, process: child, stop };
    } catch (err) {
      if (Date.now() > deadline) {
        await stop('SIGKILL');
        throw new Error(`temporal dev server not ready after ${options.readyTimeoutMs ?? 60_000} ms: ${(err as Error).message}\n${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
