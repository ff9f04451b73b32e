// The development half of Midtrans: the published values its sandbox accepts, and the sandbox itself
// (loaded only when started, so the API and worker never load sandbox code). Not in the production image.
import type { SandboxDescriptor } from '../../descriptor.js';
import type { MidtransDevelopment, MidtransSettings } from '../descriptor.js';

export const midtransSandbox: SandboxDescriptor<MidtransSettings, MidtransDevelopment> = {
  defaults: { serverKey: 'SB-Mid-server-bayar-sandbox-dev' },
  create: async (settings) => new (await import('./sandbox.js')).MidtransSandbox(settings),
  // Midtrans' custom_expiry counts whole minutes.
  conformance: { method: 'QRIS', noShortExpiry: 'custom_expiry is counted in whole minutes' },
};
