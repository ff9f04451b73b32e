// Finds (or provisions) the `temporal` CLI that runs the embedded dev server.
// Order: TEMPORAL_CLI_PATH → PATH → bayar's cache → `go install` into the cache → Temporal's
// CDN → a clear error. Nothing is downloaded when the cached binary is already there.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { bayarCacheRoot, findOnPath, goInstall, isExecutable } from './go-install.js';

/** The one place the CLI version is pinned. v1.5.1 is the newest `go install`-able release. */
export const TEMPORAL_CLI_VERSION = '1.5.1';
export const TEMPORAL_CLI_MODULE = `github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`;

type Log = (line: string) => void;

export function temporalCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(bayarCacheRoot(env), `temporal-${TEMPORAL_CLI_VERSION}`);
}

export async function ensureTemporalCli(log: Log = (l) => console.error(l), env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (env.TEMPORAL_CLI_PATH) {
    if (!isExecutable(env.TEMPORAL_CLI_PATH)) throw new Error(`TEMPORAL_CLI_PATH=${env.TEMPORAL_CLI_PATH} is not an executable file`);
    return env.TEMPORAL_CLI_PATH;
  }
  const onPath = findOnPath('temporal', env);
  if (onPath) return onPath;
  const dir = temporalCacheDir(env);
  const cached = join(dir, 'temporal');
  if (isExecutable(cached)) return cached;

  mkdirSync(dir, { recursive: true });
  const goInstall = await tryGoInstall(dir, log, env);
  if (goInstall && isExecutable(cached)) return cached;
  const downloaded = await tryDownload(dir, log);
  if (downloaded && isExecutable(cached)) return cached;

  throw new Error(
    [
      'bayar needs the Temporal CLI and could not provision it.',
      `  - Install Go (https://go.dev/dl) and run: GOBIN=${dir} go install ${TEMPORAL_CLI_MODULE}`,
      '  - or install the CLI (https://docs.temporal.io/cli#install) and put `temporal` on PATH,',
      '  - or set TEMPORAL_CLI_PATH to an existing temporal binary.',
      goInstall === false ? '  (go install was tried and failed; see the output above)' : '  (no `go` on PATH)',
    ].join('\n'),
  );
}

/** Returns undefined when Go is absent, false when it failed, true when it built. */
async function tryGoInstall(dir: string, log: Log, env: NodeJS.ProcessEnv): Promise<boolean | undefined> {
  const go = findOnPath('go', env);
  if (!go) return undefined;
  log(`bayar: building the Temporal CLI v${TEMPORAL_CLI_VERSION} with go install (first run only; a few minutes)…`);
  return goInstall(go, dir, [TEMPORAL_CLI_MODULE], env);
}

async function tryDownload(dir: string, log: Log): Promise<boolean> {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  const url = `https://temporal.download/cli/archive/v${TEMPORAL_CLI_VERSION}?platform=${process.platform}&arch=${arch}`;
  log(`bayar: downloading the Temporal CLI from ${url} …`);
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(60_000) });
    if (!res.ok) return false;
    const archive = join(dir, 'temporal.tar.gz.partial');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(archive, Buffer.from(await res.arrayBuffer()));
    await promisify(execFile)('tar', ['-xzf', archive, '-C', dir, 'temporal']);
    rmSync(archive, { force: true });
    return existsSync(join(dir, 'temporal'));
  } catch (err) {
    log(`bayar: download failed (${(err as Error).message})`);
    return false;
  }
}

// `node dist/src/temporal/cli.js` provisions the CLI and prints its path (used by .ci/run).
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) {
  ensureTemporalCli()
    .then((path) => console.log(path))
    .catch((err: Error) => {
      console.error(err.message);
      process.exit(1);
    });
}
