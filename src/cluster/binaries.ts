// The Temporal server, its SQL schema tool and the Web UI server, built once from their Go
// modules into bayar's cache (next to the CLI, see src/temporal/cli.ts) and reused after.
// Versions: the ones the cached CLI v1.5.1 embeds, so the dev server and the cluster run the
// same server code; docker-compose.yml pins the same (test/unit/cluster-compose.test.ts).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { bayarCacheRoot, findOnPath, goInstall, isExecutable } from '../temporal/go-install.js';

export const TEMPORAL_SERVER_VERSION = '1.29.1';
export const TEMPORAL_UI_VERSION = '2.42.1';

const SERVER_MODULE = 'go.temporal.io/server';
const UI_MODULE = 'github.com/temporalio/ui-server/v2';

export interface ClusterBinaries {
  /** `temporal-server`: one process per service (`start --service frontend`, …). */
  server: string;
  /** `temporal-sql-tool`: creates the databases and applies the versioned schema. */
  sqlTool: string;
  /** The Web UI server (ui-server's cmd/server); absent when not asked for (tests, CI). */
  ui?: string;
  /** The server module's schema/postgresql/v12 folder (temporal/ and visibility/). */
  schemaDir: string;
}

type Log = (line: string) => void;

export function serverCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(bayarCacheRoot(env), `temporal-server-${TEMPORAL_SERVER_VERSION}`);
}

export function uiCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(bayarCacheRoot(env), `temporal-ui-${TEMPORAL_UI_VERSION}`);
}

/**
 * Builds what is missing (one `go install` at a time: the machine may be small) and returns the
 * paths. `ui: false` skips the Web UI server: nothing but `npm run cluster` shows the UI.
 */
export async function ensureClusterBinaries(log: Log = (l) => console.error(l), env: NodeJS.ProcessEnv = process.env, options: { ui?: boolean } = {}): Promise<ClusterBinaries> {
  const serverDir = serverCacheDir(env);
  const uiDir = uiCacheDir(env);
  const server = join(serverDir, 'server');
  const sqlTool = join(serverDir, 'sql');
  const ui = join(uiDir, 'server');
  const go = findGo(env);
  if (!isExecutable(server) || !isExecutable(sqlTool)) {
    await build(go, serverDir, [`${SERVER_MODULE}/cmd/server@v${TEMPORAL_SERVER_VERSION}`, `${SERVER_MODULE}/cmd/tools/sql@v${TEMPORAL_SERVER_VERSION}`], log, env);
  }
  if (options.ui === false) return { server, sqlTool, schemaDir: schemaDir(go, env) };
  if (!isExecutable(ui)) await build(go, uiDir, [`${UI_MODULE}/cmd/server@v${TEMPORAL_UI_VERSION}`], log, env);
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
  const go = findOnPath('go', env);
  if (!go) throw new Error(`the cluster builds the Temporal server ${TEMPORAL_SERVER_VERSION} from source and needs Go (https://go.dev/dl) on PATH`);
  return go;
}

async function build(go: string, dir: string, packages: string[], log: Log, env: NodeJS.ProcessEnv): Promise<void> {
  log(`bayar: building ${packages.join(' ')} with go install into ${dir} (first run only; several minutes)…`);
  const started = Date.now();
  if (!(await goInstall(go, dir, packages, env))) throw new Error(`go install ${packages.join(' ')} failed; see the output above`);
  log(`bayar: built in ${Math.round((Date.now() - started) / 1000)} s`);
}

// `node dist/src/cluster/binaries.js [--no-ui]` builds (or finds) them and prints the paths
// (.ci/run: --no-ui, the tests start no UI).
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) {
  ensureClusterBinaries(undefined, process.env, { ui: !process.argv.includes('--no-ui') })
    .then((b) => console.log(JSON.stringify(b, null, 2)))
    .catch((err: Error) => {
      console.error(err.message);
      process.exit(1);
    });
}
