// The development half of DOKU: the published values its sandbox accepts, and the sandbox itself
// (loaded only when started, so the API and worker never load sandbox code). Not in the production image.
import { createPublicKey } from 'node:crypto';
import type { SandboxDescriptor } from '../../descriptor.js';
import type { DokuDevelopment, DokuSettings } from '../descriptor.js';
import { DEV_DOKU_SNAP_DOKU_PRIVATE_KEY, DEV_DOKU_SNAP_DOKU_PUBLIC_KEY, DEV_DOKU_SNAP_MERCHANT_PRIVATE_KEY } from './dev-keys.js';

export const dokuSandbox: SandboxDescriptor<DokuSettings, DokuDevelopment> = {
  defaults: {
    clientId: 'BRN-0001-bayar-sandbox-dev',
    secretKey: 'SK-bayar-sandbox-dev-secret',
    // SNAP: our RSA key and DOKU's public key (./dev-keys.ts).
    snap: { privateKey: DEV_DOKU_SNAP_MERCHANT_PRIVATE_KEY, dokuPublicKey: DEV_DOKU_SNAP_DOKU_PUBLIC_KEY, returnUrl: 'https://merchant.example/payment/return' },
  },
  // SNAP: the merchant key bayar signs with (its public half checks token requests), and the
  // development DOKU key (its public half is bayar's default DOKU_SNAP_DOKU_PUBLIC_KEY).
  create: async ({ clientId, secretKey, snap }) =>
    new (await import('./sandbox.js')).DokuSandbox({
      clientId,
      secretKey,
      ...(snap ? { snap: { clientSecret: snap.clientSecret, merchantPublicKey: createPublicKey(snap.privateKey), dokuPrivateKey: DEV_DOKU_SNAP_DOKU_PRIVATE_KEY } } : {}),
    }),
  // DOKU voids only SNAP VAs (delete-va): see its adapter's cancelCharge.
  conformance: { method: 'EWALLET_SHOPEEPAY', cancelMethod: 'VA_MANDIRI' },
};
