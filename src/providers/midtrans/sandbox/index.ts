// The development half of Midtrans: the published values its sandbox accepts, and the sandbox itself
// (loaded only when started, so the API and worker never load sandbox code). Not in the production image.
import type { SandboxDescriptor } from '../../descriptor.js';
import type { MidtransDevelopment, MidtransSettings } from '../descriptor.js';

export const midtransSandbox: SandboxDescriptor<MidtransSettings, MidtransDevelopment> = {
  defaults: { serverKey: 'SB-Mid-server-bayar-sandbox-dev' },
  create: async (settings) => new (await import('./sandbox.js')).MidtransSandbox(settings),
  // custom_expiry is at least 20 seconds (core-api/bank-transfer.md: "min 20 s, max 180 days"; the
  // sandbox refuses less, see sandbox.ts), longer than the suite's 1.5 s deadline.
  conformance: { method: 'QRIS', noShortExpiry: 'custom_expiry is at least 20 seconds' },
};
