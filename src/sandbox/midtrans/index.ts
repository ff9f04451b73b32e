// The development half of Midtrans: the published values its sandbox accepts, and the sandbox itself
// (loaded only when started, so the API and worker never load sandbox code). Not in the production image.
import type { SandboxDescriptor } from '../../providers/descriptor.js';
import type { MidtransDevelopment, MidtransSettings } from '../../providers/midtrans/descriptor.js';

export const midtransSandbox: SandboxDescriptor<MidtransSettings, MidtransDevelopment> = {
  defaults: { serverKey: 'SB-Mid-server-bayar-sandbox-dev' },
  create: async (settings) => new (await import('./sandbox.js')).MidtransSandbox(settings),
};
