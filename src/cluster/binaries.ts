// The Temporal server, its SQL schema tool and the Web UI server, built once from their Go
// modules into bayar's cache (next to the CLI, see src/temporal/cli.ts) and reused after.
// Versions: the ones the cached CLI v1.5.1 embeds, so the dev server and the cluster run the
// same server code; docker-compose.yml pins the same (test/unit/cluster-compose.test.ts).
import { execFileSync, spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { temporalCacheDir } from '../temporal/cli.js';

export const TEMPORAL_SERVER_VERSION = '1.29.1';
export const TEMPORAL_UI_VERSION = '2.42.1';

const SERVER_MODULE = 'go.temporal.io/server';
const UI_MODULE = 'github.com/temporalio/ui-server/v2';

export interface ClusterBinaries {
  /** `temporal-server`: one process per service (`start --service frontend`, …). */
  server: string;
  /** `temporal-sql-tool`: creates the databases and applies the versioned schema. */
  sqlTool: string;
  /** The Web UI server (ui-server's cmd/server). */
  ui: string;
  /** The server module's schema/postgresql/v12 folder (temporal/ and visibility/). */
  schemaDir: string;
}

type Log = (line: string) => void;

/** The cache root: BAYAR_CACHE_DIR or ~/.cache/bayar (the CLI's folder's parent). */
function cacheRoot(env: NodeJS.ProcessEnv): string {
  return dirname(temporalCacheDir(env));
}

export function serverCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), `temporal-server-${TEMPORAL_SERVER_VERSION}`);
}

export function uiCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), `temporal-ui-${TEMPORAL_UI_VERSION}`);
}

/** Builds what is missing (one `go install` at a time: the machine may be small) and returns the paths. */
export async function ensureClusterBinaries(log: Log = (l) => console.error(l), env: NodeJS.ProcessEnv = process.env): Promise<ClusterBinaries> {
  const serverDir = serverCacheDir(env);
  const uiDir = uiCacheDir(env);
  const server = join(serverDir, 'server');
  const sqlTool = join(serverDir, 'sql');
  const ui = join(uiDir, 'server');
  const go = findGo(env);
  if (!isExecutable(server) || !isExecutable(sqlTool)) {
    await goInstall(go, serverDir, [`${SERVER_MODULE}/cmd/server@v${TEMPORAL_SERVER_VERSION}`, `${SERVER_MODULE}/cmd/tools/sql@v${TEMPORAL_SERVER_VERSION}`], log, env);
  }
  if (!isExecutable(ui)) await goInstall(go, uiDir, [`${UI_MODULE}/cmd/server@v${TEMPORAL_UI_VERSION}`], log, env);
  return { server, sqlTool, ui, schemaDir: schemaDir(go, env) };
}

/** The schema files ship in the server module's source, which `go install` left in the module cache. */
function schemaDir(go: string, env: NodeJS.ProcessEnv): string {
  const modCache = execFileSync(go, ['env', 'GOMODCACHE'], { encoding: 'utf8', env }).trim();
  const dir = join(modCache, `${SERVER_MODULE}@v${TEMPORAL_SERVER_VERSION}`, 'schema', 'postgresql', 'v12');
  if (!existsSync(join(dir, 'temporal', 'versioned'))) {
    // The binaries may be cached while the module cache was cleaned: fetch the module source again.
    execFileSync(go, ['mod', 'download', `${SERVER_MODULE}@v${TEMPORAL_SERVER_VERSION}`], { stdio: 'inherit', env: { ...env, GOFLAGS: '-mod=mod' } });
  }
  return dir;
}

function findGo(env: NodeJS.ProcessEnv): string {
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, 'go');
    if (isExecutable(candidate)) return candidate;
  }
  throw new Error(`the cluster builds the Temporal server ${TEMPORAL_SERVER_VERSION} from source and needs Go (https://go.dev/dl) on PATH`);
}

async function goInstall(go: string, dir: string, packages: string[], log: Log, env: NodeJS.ProcessEnv): Promise<void> {
  mkdirSync(dir, { recursive: true });
  log(`bayar: building ${packages.join(' ')} with go install into ${dir} (first run only; several minutes)…`);
  const started = Date.now();
  const code = await new Promise<number>((resolve) => {
    // Pure Go (the server's SQL drivers need no cgo), as Temporal's own release builds.
    const child = spawn(go, ['install', ...packages], { env: { ...env, GOBIN: dir, CGO_ENABLED: '0' }, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('exit', (c) => resolve(c ?? 1));
    child.on('error', () => resolve(1));
  });
  if (code !== 0) throw new Error(`go install ${packages.join(' ')} failed (exit ${code}); see the output above`);
  log(`bayar: built in ${Math.round((Date.now() - started) / 1000)} s`);
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

// `node dist/src/cluster/binaries.js` builds (or finds) them and prints the paths (used by .ci/run).
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) {
  ensureClusterBinaries()
    .then((b) => console.log(JSON.stringify(b, null, 2)))
    .catch((err: Error) => {
      console.error(err.message);
      process.exit(1);
    });
}
