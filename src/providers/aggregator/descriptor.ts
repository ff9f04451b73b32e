// The aggregator platform (TopPay family), in one value (src/providers/descriptor.ts).
import { z } from 'zod';
import { defineProvider, type ProviderEndpoint } from '../descriptor.js';
import type { PaymentProvider } from '../provider.js';
import { publicHalf, rsaKey, rsaPemFromEnv } from '../rsa-key.js';
import { aggregatorCapabilities } from './capabilities.js';
import { AggregatorProvider } from './index.js';

/** Keys as PEM (normalised at boot). */
export interface AggregatorSettings extends ProviderEndpoint {
  merchantId: string;
  privateKey: string;
  platformPublicKey: string;
}

export interface AggregatorDevelopment {
  merchantId: string;
  /** Ours to sign with, and the sandbox platform's public key. */
  privateKey: string;
  platformPublicKey: string;
}

export const aggregator = defineProvider({
  name: 'aggregator',
  capabilities: aggregatorCapabilities,
  env: {
    /** The merchant number (`merchantCode`) the platform issued. */
    AGGREGATOR_MERCHANT_ID: z.string().min(5).max(50).optional(),
    /** Our RSA private key: signs every request. */
    AGGREGATOR_PRIVATE_KEY: rsaKey('private').optional(),
    /** The platform's RSA public key: verifies its answers and callbacks. */
    AGGREGATOR_PLATFORM_PUBLIC_KEY: rsaKey('public').optional(),
    AGGREGATOR_BASE_URL: z.url().optional(),
  },
  variables: {
    required: ['AGGREGATOR_MERCHANT_ID', 'AGGREGATOR_PRIVATE_KEY', 'AGGREGATOR_PLATFORM_PUBLIC_KEY', 'AGGREGATOR_BASE_URL'],
    optional: ['BAYAR_WEBHOOK_ALLOW_AGGREGATOR'],
    baseUrl: 'AGGREGATOR_BASE_URL',
  },
  secretVariables: ['AGGREGATOR_MERCHANT_ID'],
  rsaKeyVariables: ['AGGREGATOR_PRIVATE_KEY', 'AGGREGATOR_PLATFORM_PUBLIC_KEY'],
  publishedFingerprints: [
    '4b52c22fa91851f920d89e9e6df3d201ca8f318aa639b20b0755ac5a517bf907',
    '8067f8982a864646b04be0afd2cba4c66f0f7071f48c35ac7bb682e8bffc5293',
    '62d358a28969d48befe5de36459920ca985f4fc5a078a31cb07c0b6d70032081',
  ],
  settings(e, development): AggregatorSettings {
    if (!development) {
      return { baseUrl: e.AGGREGATOR_BASE_URL!, sandbox: false, merchantId: e.AGGREGATOR_MERCHANT_ID!, privateKey: e.AGGREGATOR_PRIVATE_KEY!, platformPublicKey: e.AGGREGATOR_PLATFORM_PUBLIC_KEY! };
    }
    const dev = development.defaults;
    return {
      ...development.endpoint(e.AGGREGATOR_BASE_URL),
      merchantId: e.AGGREGATOR_MERCHANT_ID ?? dev.merchantId,
      privateKey: e.AGGREGATOR_PRIVATE_KEY ?? rsaPemFromEnv(dev.privateKey, 'private')!,
      platformPublicKey: e.AGGREGATOR_PLATFORM_PUBLIC_KEY ?? rsaPemFromEnv(dev.platformPublicKey, 'public')!,
    };
  },
  realProviderProblems(e, dev) {
    // The development private keys of both pairs are in this repository: with the platform's,
    // anyone could sign callbacks; with ours, anyone could sign orders and disbursements.
    const problems: string[] = [];
    if (publicHalf(e.AGGREGATOR_PRIVATE_KEY ?? dev.privateKey) === publicHalf(dev.privateKey)) problems.push('AGGREGATOR_PRIVATE_KEY is the development key');
    if (publicHalf(e.AGGREGATOR_PLATFORM_PUBLIC_KEY ?? dev.platformPublicKey) === publicHalf(dev.platformPublicKey)) problems.push('AGGREGATOR_PLATFORM_PUBLIC_KEY is the development key');
    if (e.AGGREGATOR_MERCHANT_ID === undefined) problems.push('AGGREGATOR_MERCHANT_ID is not set');
    return problems;
  },
  // The aggregator takes its callback URL with every order and disbursement (notifyUrl).
  build: (settings, { timeoutMs, publicUrl }): PaymentProvider => new AggregatorProvider({ ...settings, timeoutMs, notifyUrl: `${publicUrl.replace(/\/$/, '')}/webhooks/aggregator` }),
  sandbox: { portOffset: 6, load: async () => (await import('./sandbox/index.js')).aggregatorSandbox },
});
