// Midtrans, in one value (src/providers/descriptor.ts): its variables, settings, adapter and sandbox.
import { z } from 'zod';
import { credential } from '../../config/env-schemas.js';
import { defineProvider, type ProviderEndpoint } from '../descriptor.js';
import type { PaymentProvider } from '../provider.js';
import { midtransCapabilities } from './capabilities.js';
import { MidtransProvider } from './index.js';

export interface MidtransSettings extends ProviderEndpoint {
  serverKey: string;
}

export interface MidtransDevelopment {
  serverKey: string;
}

export const midtrans = defineProvider({
  name: 'midtrans',
  capabilities: midtransCapabilities,
  env: { MIDTRANS_SERVER_KEY: credential, MIDTRANS_BASE_URL: z.url().optional() },
  variables: { required: ['MIDTRANS_SERVER_KEY', 'MIDTRANS_BASE_URL'], optional: ['BAYAR_WEBHOOK_ALLOW_MIDTRANS'], baseUrl: 'MIDTRANS_BASE_URL' },
  secretVariables: ['MIDTRANS_SERVER_KEY'],
  publishedFingerprints: ['c02c8ced30af566e9fc0357bc19d2fdcf4bf309908776e6cdbd41be7dd79a1f6'],
  settings(e, development): MidtransSettings {
    if (!development) return { baseUrl: e.MIDTRANS_BASE_URL!, sandbox: false, serverKey: e.MIDTRANS_SERVER_KEY! };
    return { ...development.endpoint(e.MIDTRANS_BASE_URL), serverKey: e.MIDTRANS_SERVER_KEY ?? development.defaults.serverKey };
  },
  build: (settings, { timeoutMs }): PaymentProvider => new MidtransProvider({ ...settings, timeoutMs }),
  sandbox: { portOffset: 2, load: async () => (await import('./sandbox/index.js')).midtransSandbox },
});
