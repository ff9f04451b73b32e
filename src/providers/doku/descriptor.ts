// DOKU (Non-SNAP checkout and SNAP VAs and e-wallets), in one value (src/providers/descriptor.ts).
import { z } from 'zod';
import { duration, credential } from '../../config/env-schemas.js';
import { defineProvider, type ProviderEndpoint } from '../descriptor.js';
import type { PaymentProvider } from '../provider.js';
import { publicHalf, rsaKey, rsaPemFromEnv } from '../rsa-key.js';
import { DOKU_SANDBOX_VA_PARTNER_SERVICE_IDS, dokuCapabilities } from './capabilities.js';
import { DokuProvider } from './index.js';

export interface DokuSettings extends ProviderEndpoint {
  clientId: string;
  secretKey: string;
  notificationToleranceMs: number;
  /** SNAP (VAs and e-wallets); undefined (not offered) for a real DOKU without SNAP keys. Keys as PEM. */
  snap?: { clientSecret: string; privateKey: string; dokuPublicKey: string; returnUrl?: string; vaPartnerServiceIds?: Partial<Record<string, string>> };
}

export interface DokuDevelopment {
  clientId: string;
  secretKey: string;
  /** SNAP: our RSA key and DOKU's public key; the SNAP client secret defaults to secretKey above. */
  snap: { privateKey: string; dokuPublicKey: string; returnUrl: string };
}

export const doku = defineProvider({
  name: 'doku',
  capabilities: dokuCapabilities,
  env: {
    DOKU_CLIENT_ID: credential,
    DOKU_SECRET_KEY: credential,
    DOKU_BASE_URL: z.url().optional(),
    /** DOKU SNAP (DANA, ShopeePay): our RSA private key, registered at DOKU; signs B2B token requests. */
    DOKU_SNAP_PRIVATE_KEY: rsaKey('private').optional(),
    /** DOKU SNAP: DOKU's RSA public key; verifies DOKU's token requests before its notifications. */
    DOKU_SNAP_DOKU_PUBLIC_KEY: rsaKey('public').optional(),
    /** DOKU SNAP client secret (HMAC-SHA512); defaults to DOKU_SECRET_KEY, the same Back Office secret. */
    DOKU_SNAP_CLIENT_SECRET: credential,
    /** Where DANA / ShopeePay send the customer back when the payment names no returnUrl (HTTPS). */
    DOKU_SNAP_RETURN_URL: z.url({ protocol: /^https$/ }).optional(),
    /**
     * DOKU SNAP VAs: the BIN (partnerServiceId) DOKU assigned per bank, "VA_BCA=19008,VA_BRI=13925";
     * only the banks listed are offered. The sandbox has its own defaults.
     */
    DOKU_SNAP_VA_PARTNER_SERVICE_IDS: z
      .string()
      .regex(
        /^(VA_(MANDIRI|BSI|BCA|BRI|PERMATA|BNI|CIMB|DANAMON)=\d{1,8})(,VA_(MANDIRI|BSI|BCA|BRI|PERMATA|BNI|CIMB|DANAMON)=\d{1,8})*$/,
        'VA_BANK=digits, comma-separated (VA_BCA=19008,VA_BRI=13925)',
      )
      .transform((text) => Object.fromEntries(text.split(',').map((pair) => pair.split('=') as [string, string])) as Record<string, string>)
      .optional(),
    /** Non-SNAP: how far ahead of now a DOKU notification's signed Request-Timestamp may be (older ones are taken: retries may keep their stamp). SNAP: the window both ways. */
    DOKU_NOTIFICATION_TOLERANCE: duration('5m'),
  },
  variables: {
    required: ['DOKU_CLIENT_ID', 'DOKU_SECRET_KEY', 'DOKU_BASE_URL'],
    optional: ['DOKU_SNAP_PRIVATE_KEY', 'DOKU_SNAP_DOKU_PUBLIC_KEY', 'DOKU_SNAP_CLIENT_SECRET', 'DOKU_SNAP_RETURN_URL', 'DOKU_SNAP_VA_PARTNER_SERVICE_IDS', 'BAYAR_WEBHOOK_ALLOW_DOKU'],
    baseUrl: 'DOKU_BASE_URL',
  },
  secretVariables: ['DOKU_CLIENT_ID', 'DOKU_SECRET_KEY', 'DOKU_SNAP_CLIENT_SECRET'],
  rsaKeyVariables: ['DOKU_SNAP_PRIVATE_KEY', 'DOKU_SNAP_DOKU_PUBLIC_KEY'],
  publishedFingerprints: [
    '53bc1d29254ffc1a7ec6b195baad49160f52d6144c439b2ea4f2a53a2c8888ab',
    'b02aa880c3ab841a9c8650638881d713e8e979b81d9c3dbd28a17615e2c94eb8',
    '1dedebc1628cbf3507d8549f87d33d34b8ab9ed5087081f393ae399b6d7a116c',
    '60d2e5f12feb6be41bcc7e8af1ee636a2731b1120c06b845ee8a718a3a347409',
  ],
  settings(e, development): DokuSettings {
    const common = { notificationToleranceMs: e.DOKU_NOTIFICATION_TOLERANCE };
    if (!development) {
      const snap =
        e.DOKU_SNAP_PRIVATE_KEY && e.DOKU_SNAP_DOKU_PUBLIC_KEY
          ? {
              clientSecret: e.DOKU_SNAP_CLIENT_SECRET ?? e.DOKU_SECRET_KEY!,
              privateKey: e.DOKU_SNAP_PRIVATE_KEY,
              dokuPublicKey: e.DOKU_SNAP_DOKU_PUBLIC_KEY,
              ...(e.DOKU_SNAP_RETURN_URL ? { returnUrl: e.DOKU_SNAP_RETURN_URL } : {}),
              ...(e.DOKU_SNAP_VA_PARTNER_SERVICE_IDS ? { vaPartnerServiceIds: e.DOKU_SNAP_VA_PARTNER_SERVICE_IDS } : {}),
            }
          : undefined;
      return { baseUrl: e.DOKU_BASE_URL!, sandbox: false, clientId: e.DOKU_CLIENT_ID!, secretKey: e.DOKU_SECRET_KEY!, ...common, ...(snap ? { snap } : {}) };
    }
    const dev = development.defaults;
    // SNAP against a sandbox (http): the development keys; against a real DOKU only when both RSA
    // keys are set (a Non-SNAP-only account keeps working, without e-wallets). The development keys
    // with a real DOKU are refused in realProviderProblems.
    const real = e.DOKU_BASE_URL?.startsWith('https://') === true;
    const snapOff = real && (e.DOKU_SNAP_PRIVATE_KEY === undefined || e.DOKU_SNAP_DOKU_PUBLIC_KEY === undefined);
    const returnUrl = e.DOKU_SNAP_RETURN_URL ?? (real ? undefined : dev.snap.returnUrl);
    const vaPartnerServiceIds = e.DOKU_SNAP_VA_PARTNER_SERVICE_IDS ?? (real ? undefined : DOKU_SANDBOX_VA_PARTNER_SERVICE_IDS);
    return {
      ...development.endpoint(e.DOKU_BASE_URL),
      clientId: e.DOKU_CLIENT_ID ?? dev.clientId,
      secretKey: e.DOKU_SECRET_KEY ?? dev.secretKey,
      ...common,
      ...(snapOff
        ? {}
        : {
            snap: {
              ...(vaPartnerServiceIds ? { vaPartnerServiceIds } : {}),
              clientSecret: e.DOKU_SNAP_CLIENT_SECRET ?? e.DOKU_SECRET_KEY ?? dev.secretKey,
              privateKey: e.DOKU_SNAP_PRIVATE_KEY ?? rsaPemFromEnv(dev.snap.privateKey, 'private')!,
              dokuPublicKey: e.DOKU_SNAP_DOKU_PUBLIC_KEY ?? rsaPemFromEnv(dev.snap.dokuPublicKey, 'public')!,
              ...(returnUrl ? { returnUrl } : {}),
            },
          }),
    };
  },
  productionProblems(e) {
    return (e.DOKU_SNAP_PRIVATE_KEY === undefined) !== (e.DOKU_SNAP_DOKU_PUBLIC_KEY === undefined)
      ? ['DOKU_SNAP_PRIVATE_KEY and DOKU_SNAP_DOKU_PUBLIC_KEY: set both (DANA and ShopeePay at DOKU) or neither']
      : [];
  },
  realProviderProblems(e, dev) {
    // Only when SNAP is on (both keys set). With DOKU's development key pair anyone could fetch a
    // notification token from bayar; with ours, anyone could mint one.
    const problems: string[] = [];
    if (e.DOKU_SNAP_PRIVATE_KEY !== undefined && publicHalf(e.DOKU_SNAP_PRIVATE_KEY) === publicHalf(dev.snap.privateKey)) problems.push('DOKU_SNAP_PRIVATE_KEY is the development key');
    if (e.DOKU_SNAP_DOKU_PUBLIC_KEY !== undefined && publicHalf(e.DOKU_SNAP_DOKU_PUBLIC_KEY) === publicHalf(dev.snap.dokuPublicKey)) problems.push('DOKU_SNAP_DOKU_PUBLIC_KEY is the development key');
    const snapOn = e.DOKU_SNAP_PRIVATE_KEY !== undefined && e.DOKU_SNAP_DOKU_PUBLIC_KEY !== undefined;
    if (snapOn && (e.DOKU_SNAP_CLIENT_SECRET ?? e.DOKU_SECRET_KEY ?? dev.secretKey) === dev.secretKey) {
      problems.push('DOKU SNAP would sign with the development secret (set DOKU_SECRET_KEY or DOKU_SNAP_CLIENT_SECRET)');
    }
    return problems;
  },
  build: (settings, { timeoutMs, publicUrl }): PaymentProvider =>
    // DOKU signs the path of the notification URL as configured at DOKU, i.e. the public one.
    // With SNAP keys it also offers EWALLET_DANA and EWALLET_SHOPEEPAY, after xendit and
    // midtrans in the default route (list order).
    new DokuProvider({ ...settings, timeoutMs, notificationPaths: [`${new URL(publicUrl).pathname.replace(/\/$/, '')}/webhooks/doku`] }),
  sandbox: { portOffset: 3, load: async () => (await import('./sandbox/index.js')).dokuSandbox },
});
