// Starting and stopping the local stack's child processes, shared by the dev stack
// (src/dev/stack.ts, the dev server in src/temporal/dev-server.ts) and the cluster
// (src/cluster/temporal-cluster.ts), so `npm start` and `npm run cluster` stop things the same way.
import type { ChildProcess } from 'node:child_process';

/** True once the process has exited or died of a signal. */
export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/**
 * Sends `signal` and waits for the exit; a process still alive after `killAfterMs` is SIGKILLed
 * (a stuck shutdown must not hang Ctrl-C or a test's teardown). SIGKILL itself simulates a crash.
 */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', killAfterMs = 15_000): Promise<void> {
  if (hasExited(child)) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  await exited;
  clearTimeout(timer);
}

/**
 * The foreground run of `npm start` and `npm run cluster`: start, and on Ctrl-C (or SIGTERM) stop
 * once and exit; a failed start stops what did start and exits 1.
 */
export async function runInForeground(options: { name: string; stopping: string; start: () => Promise<void>; stop: () => Promise<void> }): Promise<void> {
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${options.name}: ${signal} — ${options.stopping}…`);
    await options.stop();
    console.log(`${options.name}: stopped.`);
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  try {
    await options.start();
  } catch (err) {
    console.error(`${options.name}: could not start: ${(err as Error).message}`);
    await options.stop();
    process.exit(1);
  }
}
