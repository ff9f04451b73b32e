// The development half of the aggregator: the published values its sandbox accepts, and the sandbox itself
// (loaded only when started, so the API and worker never load sandbox code). Not in the production image.
import { createPublicKey } from 'node:crypto';
import type { SandboxDescriptor } from '../../descriptor.js';
import type { AggregatorDevelopment, AggregatorSettings } from '../descriptor.js';
import { DEV_AGGREGATOR_MERCHANT_PRIVATE_KEY, DEV_AGGREGATOR_PLATFORM_PRIVATE_KEY, DEV_AGGREGATOR_PLATFORM_PUBLIC_KEY } from './dev-keys.js';

export const aggregatorSandbox: SandboxDescriptor<AggregatorSettings, AggregatorDevelopment> = {
  // RSA keys (./dev-keys.ts): ours to sign with, and the sandbox platform's public key.
  defaults: { merchantId: 'S-BAYAR-SANDBOX-DEV', privateKey: DEV_AGGREGATOR_MERCHANT_PRIVATE_KEY, platformPublicKey: DEV_AGGREGATOR_PLATFORM_PUBLIC_KEY },
  // The sandbox platform verifies with the public half of the merchant key bayar signs with, and
  // signs with the development platform key (its public half is bayar's default platform key).
  create: async (settings) =>
    new (await import('./sandbox.js')).AggregatorSandbox({
      merchantId: settings.merchantId,
      merchantPublicKey: createPublicKey(settings.privateKey),
      platformPrivateKey: DEV_AGGREGATOR_PLATFORM_PRIVATE_KEY,
    }),
  // The platform's minimum expiryPeriod is 15 minutes.
  conformance: { method: 'VA_BCA', noShortExpiry: 'the platform keeps an order open for at least 15 minutes' },
};
