// ecommpay, in one value (src/providers/descriptor.ts): its variables, settings, adapter and sandbox.
import { z } from 'zod';
import { credential } from '../../config/env-schemas.js';
import { defineProvider, type ProviderEndpoint } from '../descriptor.js';
import type { PaymentProvider } from '../provider.js';
import { ecommpayCapabilities } from './capabilities.js';
import { EcommpayProvider } from './index.js';

export interface EcommpaySettings extends ProviderEndpoint {
  projectId: number;
  secretKey: string;
}

export interface EcommpayDevelopment {
  projectId: number;
  secretKey: string;
}

export const ecommpay = defineProvider({
  name: 'ecommpay',
  capabilities: ecommpayCapabilities,
  env: {
    /** The numeric project id ecommpay issued; it signs with the project's secret key. */
    ECOMMPAY_PROJECT_ID: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
    ECOMMPAY_SECRET_KEY: credential,
    ECOMMPAY_BASE_URL: z.url().optional(),
  },
  variables: { required: ['ECOMMPAY_PROJECT_ID', 'ECOMMPAY_SECRET_KEY', 'ECOMMPAY_BASE_URL'], optional: ['BAYAR_WEBHOOK_ALLOW_ECOMMPAY'], baseUrl: 'ECOMMPAY_BASE_URL' },
  secretVariables: ['ECOMMPAY_SECRET_KEY'],
  publishedFingerprints: ['a798f822e54f7a1c7ceb16cb9f8660ae971d2e82e798726bd4c23f8edaf835c5'],
  settings(e, development): EcommpaySettings {
    if (!development) return { baseUrl: e.ECOMMPAY_BASE_URL!, sandbox: false, projectId: e.ECOMMPAY_PROJECT_ID!, secretKey: e.ECOMMPAY_SECRET_KEY! };
    return {
      ...development.endpoint(e.ECOMMPAY_BASE_URL),
      projectId: e.ECOMMPAY_PROJECT_ID ?? development.defaults.projectId,
      secretKey: e.ECOMMPAY_SECRET_KEY ?? development.defaults.secretKey,
    };
  },
  realProviderProblems(e) {
    // A real ecommpay project signs with its own secret: the development one would only produce
    // "Invalid signature" answers there, so say so at boot instead.
    return e.ECOMMPAY_PROJECT_ID === undefined || e.ECOMMPAY_SECRET_KEY === undefined ? ['ECOMMPAY_BASE_URL points at ecommpay, but ECOMMPAY_PROJECT_ID and ECOMMPAY_SECRET_KEY are not both set'] : [];
  },
  build: (settings, { timeoutMs }): PaymentProvider => new EcommpayProvider({ ...settings, timeoutMs }),
  sandbox: { portOffset: 4, load: async () => (await import('./sandbox/index.js')).ecommpaySandbox },
});
