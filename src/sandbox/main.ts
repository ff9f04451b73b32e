// Runs every provider sandbox in one process: `node dist/src/sandbox/main.js`.
// Each listens on its own port and delivers notifications to bayar's webhook endpoint.
import { fileURLToPath } from 'node:url';
import { createPublicKey } from 'node:crypto';
import { ConfigError, loadConfig, SANDBOX_PORT_OFFSETS, type AppConfig, type ProviderSettings } from '../config/config.js';
import { DEV_AGGREGATOR_PLATFORM_PRIVATE_KEY, DEV_DOKU_SNAP_DOKU_PRIVATE_KEY } from '../config/dev-keys.js';
import { AggregatorSandbox } from './aggregator/sandbox.js';
import { DokuSandbox } from './doku/sandbox.js';
import { EcommpaySandbox } from './ecommpay/sandbox.js';
import { IndodanaSandbox } from './indodana/sandbox.js';
import { SandboxKit } from './kit.js';
import { MidtransSandbox } from './midtrans/sandbox.js';
import { XenditSandbox } from './xendit/sandbox.js';

/** The sandboxes accept the published development keys: they exist in development mode only. */
function sandboxSettings(config: AppConfig): ProviderSettings {
  const p = config.providers;
  if (!config.development || !p.xendit || !p.midtrans || !p.doku || !p.ecommpay || !p.indodana || !p.aggregator) {
    throw new ConfigError('bayar: the provider sandboxes run only in development mode (BAYAR_ENV=development)');
  }
  return { xendit: p.xendit, midtrans: p.midtrans, doku: p.doku, ecommpay: p.ecommpay, indodana: p.indodana, aggregator: p.aggregator };
}

export async function startSandboxes(config: AppConfig): Promise<SandboxKit[]> {
  const providers = sandboxSettings(config);
  const kits: SandboxKit[] = [];
  const webhookBase = `${config.publicUrl.replace(/\/$/, '')}/webhooks`;
  const xendit = new SandboxKit(new XenditSandbox(providers.xendit), { callbackUrl: `${webhookBase}/xendit`, timeScale: config.sandbox.timeScale });
  // Same bind address as the API (BAYAR_HOST): in a container the API and worker reach the
  // sandbox over the network, so loopback-only would make it unreachable.
  await xendit.listen(config.sandbox.portBase + SANDBOX_PORT_OFFSETS.xendit, config.host);
  kits.push(xendit);
  const midtrans = new SandboxKit(new MidtransSandbox(providers.midtrans), { callbackUrl: `${webhookBase}/midtrans`, timeScale: config.sandbox.timeScale });
  await midtrans.listen(config.sandbox.portBase + SANDBOX_PORT_OFFSETS.midtrans, config.host);
  kits.push(midtrans);
  // DOKU SNAP: the merchant key bayar signs with (its public half checks token requests), the
  // development DOKU key (its public half is bayar's default DOKU_SNAP_DOKU_PUBLIC_KEY).
  const dokuSnap = providers.doku.snap;
  const doku = new SandboxKit(
    new DokuSandbox({
      clientId: providers.doku.clientId,
      secretKey: providers.doku.secretKey,
      ...(dokuSnap ? { snap: { clientSecret: dokuSnap.clientSecret, merchantPublicKey: createPublicKey(dokuSnap.privateKey), dokuPrivateKey: DEV_DOKU_SNAP_DOKU_PRIVATE_KEY } } : {}),
    }),
    { callbackUrl: `${webhookBase}/doku`, timeScale: config.sandbox.timeScale });
  await doku.listen(config.sandbox.portBase + SANDBOX_PORT_OFFSETS.doku, config.host);
  kits.push(doku);
  const ecommpay = new SandboxKit(new EcommpaySandbox(providers.ecommpay), { callbackUrl: `${webhookBase}/ecommpay`, timeScale: config.sandbox.timeScale });
  await ecommpay.listen(config.sandbox.portBase + SANDBOX_PORT_OFFSETS.ecommpay, config.host);
  kits.push(ecommpay);
  const indodana = new SandboxKit(new IndodanaSandbox(providers.indodana), { callbackUrl: `${webhookBase}/indodana`, timeScale: config.sandbox.timeScale });
  await indodana.listen(config.sandbox.portBase + SANDBOX_PORT_OFFSETS.indodana, config.host);
  kits.push(indodana);
  // The sandbox platform verifies with the public half of the merchant key bayar signs with, and
  // signs with the development platform key (its public half is bayar's default platform key).
  const aggregator = new SandboxKit(
    new AggregatorSandbox({
      merchantId: providers.aggregator.merchantId,
      merchantPublicKey: createPublicKey(providers.aggregator.privateKey),
      platformPrivateKey: DEV_AGGREGATOR_PLATFORM_PRIVATE_KEY,
    }),
    { callbackUrl: `${webhookBase}/aggregator`, timeScale: config.sandbox.timeScale },
  );
  await aggregator.listen(config.sandbox.portBase + SANDBOX_PORT_OFFSETS.aggregator, config.host);
  kits.push(aggregator);
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
