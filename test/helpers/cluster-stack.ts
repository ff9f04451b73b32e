// The test harness on the cluster (npm run test:cluster): the same TestStack the e2e files use,
// backed by src/cluster/cluster.ts — PostgreSQL, Temporal as four services with 4 history shards,
// two workers and two APIs — on free loopback ports. Requests alternate between the two APIs and
// the sandboxes send every webhook to the first, so half the payments are created on one API
// and settled through the other.
import { chmodSync, cpSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { BayarCluster, type ClusterPorts } from '../../src/cluster/cluster.js';
import { TEMPORAL_SERVICES, type TemporalService, type ServicePorts } from '../../src/cluster/server-config.js';
import { createServer } from 'node:net';
import { freePort, TestStack } from './stack.js';

export class ClusterTestStack extends TestStack {
  private next = 0;

  constructor(
    readonly cluster: BayarCluster,
    sandboxBase: number,
    uiPort: number,
    private readonly root: string,
  ) {
    super(cluster.stack, sandboxBase, uiPort);
  }

  /** Round robin over the two APIs: every call (create, read, webhook) may land on either. */
  override get apiUrl(): string {
    const url = this.cluster.apiUrl((this.next % 2) as 0 | 1);
    this.next++;
    return url;
  }

  override get apiUrls(): string[] {
    return [this.cluster.apiUrl(0), this.cluster.apiUrl(1)];
  }

  override get temporalAddress(): string {
    return this.cluster.temporalAddress;
  }

  override async stop(): Promise<void> {
    try {
      await this.cluster.stop();
    } finally {
      if (!this.kept) rmSync(this.root, { recursive: true, force: true });
    }
  }

  private kept = false;

  /**
   * Post-mortem: stops the cluster and moves its data (PostgreSQL with Temporal's databases and
   * bayar's, the service logs) to `to` instead of deleting it. Start it again with the same ports
   * to inspect workflows with `temporal workflow show`.
   */
  async stopAndKeep(to: string): Promise<string> {
    await this.cluster.stop();
    mkdirSync(dirname(to), { recursive: true });
    this.kept = true;
    try {
      // A move keeps the data directory's owner ("postgres" when run as root), so it starts again.
      renameSync(this.root, to);
    } catch {
      cpSync(this.root, to, { recursive: true });
      rmSync(this.root, { recursive: true, force: true });
    }
    return to;
  }
}

/**
 * A free port below 32768: Temporal records each host's ports in cluster_membership as smallint,
 * so the ephemeral range the OS hands out (from 32768) makes the service exit at boot.
 */
async function freeLowPort(): Promise<number> {
  for (;;) {
    const port = 10000 + Math.floor(Math.random() * 22000);
    const free = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

export async function freeClusterPorts(options: { ui?: boolean; sandboxBase: number }): Promise<ClusterPorts> {
  const pair = async (): Promise<ServicePorts> => ({ grpc: await freeLowPort(), membership: await freeLowPort() });
  const services = {} as Record<TemporalService, ServicePorts>;
  for (const s of TEMPORAL_SERVICES) services[s] = await pair();
  return {
    postgres: await freePort(),
    temporal: { services, frontendHttp: await freeLowPort() },
    ui: options.ui ? await freePort() : undefined,
    apis: [await freePort(), await freePort()],
    sandboxBase: options.sandboxBase,
  };
}

/** env: the test's BAYAR_* settings (already merged with the harness's defaults). */
export async function startClusterTestStack(env: NodeJS.ProcessEnv, options: { ui?: boolean; sandboxBase: number }): Promise<ClusterTestStack> {
  const ports = await freeClusterPorts(options);
  // As root the embedded PostgreSQL runs as "postgres", which must reach its data directory.
  const root = mkdtempSync(join(tmpdir(), 'bayar-cluster-'));
  chmodSync(root, 0o755);
  const cluster = new BayarCluster({
    env,
    dir: root,
    ports,
    databaseUrl: process.env.BAYAR_CLUSTER_DATABASE_URL || undefined,
    ephemeralPostgres: true,
    output: 'quiet',
    temporalLogLevel: process.env.BAYAR_CLUSTER_LOG_LEVEL ?? 'error',
  });
  try {
    await cluster.start();
  } catch (err) {
    await cluster.stop();
    rmSync(root, { recursive: true, force: true });
    throw err;
  }
  return new ClusterTestStack(cluster, ports.sandboxBase, ports.ui ?? 0, root);
}
