// Xendit, in one value (src/providers/descriptor.ts): its variables, settings, adapter and sandbox.
import { z } from 'zod';
import { credential } from '../../config/env-schemas.js';
import { defineProvider, type ProviderEndpoint } from '../descriptor.js';
import type { PaymentProvider } from '../provider.js';
import { xenditCapabilities } from './capabilities.js';
import { XenditProvider } from './index.js';

export interface XenditSettings extends ProviderEndpoint {
  secretKey: string;
  callbackToken: string;
  defaultReturnUrl?: string;
}

export interface XenditDevelopment {
  secretKey: string;
  callbackToken: string;
}

export const xendit = defineProvider({
  name: 'xendit',
  capabilities: xenditCapabilities,
  env: {
    XENDIT_SECRET_KEY: credential,
    XENDIT_CALLBACK_TOKEN: credential,
    XENDIT_BASE_URL: z.url().optional(),
    /** Where DANA/LinkAja/ShopeePay send the customer back when the payment names no returnUrl. */
    XENDIT_RETURN_URL: z.url({ protocol: /^https$/ }).optional(),
  },
  variables: { required: ['XENDIT_SECRET_KEY', 'XENDIT_CALLBACK_TOKEN', 'XENDIT_BASE_URL'], optional: ['XENDIT_RETURN_URL', 'BAYAR_WEBHOOK_ALLOW_XENDIT'], baseUrl: 'XENDIT_BASE_URL' },
  secretVariables: ['XENDIT_SECRET_KEY', 'XENDIT_CALLBACK_TOKEN'],
  publishedFingerprints: ['39b67c7c7a0f20d6f72b810c70dba1a0bdc3be09787e75329dfe6ca3692d33c4', '51cd5183a1eb44dc9edea7d47df4805594915a48ba716d786837d28e32e834ce'],
  settings(e, development): XenditSettings {
    if (!development) {
      return {
        baseUrl: e.XENDIT_BASE_URL!,
        sandbox: false,
        secretKey: e.XENDIT_SECRET_KEY!,
        callbackToken: e.XENDIT_CALLBACK_TOKEN!,
        ...(e.XENDIT_RETURN_URL ? { defaultReturnUrl: e.XENDIT_RETURN_URL } : {}),
      };
    }
    return {
      ...development.endpoint(e.XENDIT_BASE_URL),
      secretKey: e.XENDIT_SECRET_KEY ?? development.defaults.secretKey,
      callbackToken: e.XENDIT_CALLBACK_TOKEN ?? development.defaults.callbackToken,
      // Against the local sandbox a placeholder page will do; a real account needs a real page.
      ...(e.XENDIT_RETURN_URL || e.XENDIT_BASE_URL === undefined ? { defaultReturnUrl: e.XENDIT_RETURN_URL ?? 'https://merchant.example/payment/return' } : {}),
    };
  },
  build: (settings, { timeoutMs }): PaymentProvider => new XenditProvider({ ...settings, timeoutMs }),
  sandbox: { portOffset: 1, load: async () => (await import('./sandbox/index.js')).xenditSandbox },
});
