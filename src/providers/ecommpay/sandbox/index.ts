// The development half of ecommpay: the published values its sandbox accepts, and the sandbox itself
// (loaded only when started, so the API and worker never load sandbox code). Not in the production image.
import type { SandboxDescriptor } from '../../descriptor.js';
import type { EcommpayDevelopment, EcommpaySettings } from '../descriptor.js';

export const ecommpaySandbox: SandboxDescriptor<EcommpaySettings, EcommpayDevelopment> = {
  defaults: { projectId: 9990, secretKey: 'ecommpay-bayar-sandbox-dev-secret' },
  create: async (settings) => new (await import('./sandbox.js')).EcommpaySandbox(settings),
  conformance: { method: 'VA_PERMATA', noShortExpiry: 'the VA stays open at ecommpay (best_before is not confirmed by its docs)' },
};
