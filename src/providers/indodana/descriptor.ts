// Indodana, in one value (src/providers/descriptor.ts): its variables, settings, adapter and sandbox.
import { z } from 'zod';
import { credential } from '../../config/env-schemas.js';
import { defineProvider, type ProviderEndpoint } from '../descriptor.js';
import type { PaymentProvider } from '../provider.js';
import { INDODANA_PATHS, indodanaCapabilities } from './capabilities.js';
import { IndodanaProvider } from './index.js';

export interface IndodanaSettings extends ProviderEndpoint {
  apiKey: string;
  secretKey: string;
  refundPath: string;
}

export interface IndodanaDevelopment {
  apiKey: string;
  secretKey: string;
}

export const indodana = defineProvider({
  name: 'indodana',
  capabilities: indodanaCapabilities,
  env: {
    // ':' separates the parts of Indodana's Authorization (apiKey:nonce:signature), so a key cannot contain one.
    INDODANA_API_KEY: z
      .string()
      .min(8)
      .regex(/^[^:\s]+$/, 'INDODANA_API_KEY: no colons or spaces')
      .optional(),
    INDODANA_SECRET_KEY: credential,
    INDODANA_BASE_URL: z.url().optional(),
    INDODANA_REFUND_PATH: z
      .string()
      .regex(/^\/[A-Za-z0-9/_.-]{1,200}$/, 'INDODANA_REFUND_PATH: a path like /v3/order_cancellation')
      .optional(),
  },
  variables: {
    // Indodana creates the payment and issues what the customer pays (/v3/checkout_url): key,
    // secret and where Indodana is are all bayar needs.
    required: ['INDODANA_API_KEY', 'INDODANA_SECRET_KEY', 'INDODANA_BASE_URL'],
    optional: ['INDODANA_REFUND_PATH', 'BAYAR_WEBHOOK_ALLOW_INDODANA'],
    baseUrl: 'INDODANA_BASE_URL',
  },
  secretVariables: ['INDODANA_API_KEY', 'INDODANA_SECRET_KEY'],
  publishedFingerprints: ['5a615b12c66762b5369f4ea4c0050309feaa8be09d1fba5742094787078e24af', '609531fe83200a1bb19d401c03a9d7d215a356eb0e35ba9558bfda36294f7d30'],
  settings(e, development): IndodanaSettings {
    const refundPath = e.INDODANA_REFUND_PATH ?? INDODANA_PATHS.defaultRefund;
    if (!development) return { baseUrl: e.INDODANA_BASE_URL!, sandbox: false, apiKey: e.INDODANA_API_KEY!, secretKey: e.INDODANA_SECRET_KEY!, refundPath };
    return {
      // Indodana's paths live under /chermes/merchant; the sandbox serves them there too.
      ...development.endpoint(e.INDODANA_BASE_URL, '/chermes/merchant'),
      apiKey: e.INDODANA_API_KEY ?? development.defaults.apiKey,
      secretKey: e.INDODANA_SECRET_KEY ?? development.defaults.secretKey,
      refundPath,
    };
  },
  build: (settings, { timeoutMs, publicUrl }): PaymentProvider => new IndodanaProvider({ ...settings, timeoutMs, notificationUrl: `${publicUrl.replace(/\/$/, '')}/webhooks/indodana` }),
  sandbox: { portOffset: 5, load: async () => (await import('./sandbox/index.js')).indodanaSandbox },
});
