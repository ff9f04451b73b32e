// Building Temporal's Go programs into bayar's cache with `go install`: the CLI (src/temporal/cli.ts)
// and the cluster's server, SQL tool and UI server (src/cluster/binaries.ts). One cache root and one
// way to run the build, so both land side by side and share Go's module and build caches.
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

/** BAYAR_CACHE_DIR, else $XDG_CACHE_HOME/bayar, else ~/.cache/bayar: outside the clone, kept across clones. */
export function bayarCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.BAYAR_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'bayar');
}

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * `go install <packages>` with GOBIN=dir; the build's output goes to this process's terminal.
 * Pure Go (CGO_ENABLED=0: the SQLite and PostgreSQL drivers need no cgo), as Temporal's own
 * release builds. Resolves true when it built.
 */
export async function goInstall(go: string, dir: string, packages: string[], env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  mkdirSync(dir, { recursive: true });
  const code = await new Promise<number>((resolve) => {
    const child = spawn(go, ['install', ...packages], { env: { ...env, GOBIN: dir, CGO_ENABLED: '0' }, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('exit', (c) => resolve(c ?? 1));
    child.on('error', () => resolve(1));
  });
  return code === 0;
}
