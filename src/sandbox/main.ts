// Runs every provider sandbox in one process: `node dist/src/sandbox/main.js`.
// Each listens on its own port and delivers notifications to bayar's webhook endpoint.
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig, type AppConfig } from '../config/config.js';
import { PROVIDERS } from '../providers/index.js';
import { SANDBOXES } from './dev-defaults.js';
import { SandboxKit } from './kit.js';

/** Every provider's sandbox (its src/providers/<name>/sandbox/index.ts), on BAYAR_SANDBOX_PORT_BASE + its offset. */
export async function startSandboxes(config: AppConfig): Promise<SandboxKit[]> {
  // The sandboxes accept the published development keys: they exist in development mode only.
  if (!config.development || PROVIDERS.some((d) => !config.providers[d.name])) {
    throw new ConfigError('bayar: the provider sandboxes run only in development mode (BAYAR_ENV=development)');
  }
  const kits: SandboxKit[] = [];
  const webhookBase = `${config.publicUrl.replace(/\/$/, '')}/webhooks`;
  for (const descriptor of PROVIDERS) {
    const sandbox = await SANDBOXES.get(descriptor.name)!.create(config.providers[descriptor.name] as never);
    const kit = new SandboxKit(sandbox, { callbackUrl: `${webhookBase}/${descriptor.name}`, timeScale: config.sandbox.timeScale });
    // Same bind address as the API (BAYAR_HOST): in a container the API and worker reach the
    // sandbox over the network, so loopback-only would make it unreachable.
    try {
      await kit.listen(config.sandbox.portBase + descriptor.sandbox.portOffset, config.host);
    } catch (err) {
      // A port of the range is taken: close the ones already listening, or a caller that tries
      // another range (the conformance test) keeps servers it cannot close, and never exits.
      await Promise.all([kit, ...kits].map((k) => k.close()));
      throw err;
    }
    kits.push(kit);
  }
  return kits;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  let config: AppConfig;
  let kits: SandboxKit[];
  try {
    config = loadConfig();
    kits = await startSandboxes(config);
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  }
  console.log(`bayar sandboxes: ${kits.map((k) => k.provider.name).join(', ')} (ports from ${config.sandbox.portBase + 1})`);
  const stop = async () => {
    await Promise.all(kits.map((k) => k.close()));
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
