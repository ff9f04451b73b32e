// The development half of Xendit: the published values its sandbox accepts, and the sandbox itself
// (loaded only when started, so the API and worker never load sandbox code). Not in the production image.
import type { SandboxDescriptor } from '../../descriptor.js';
import type { XenditDevelopment, XenditSettings } from '../descriptor.js';

export const xenditSandbox: SandboxDescriptor<XenditSettings, XenditDevelopment> = {
  defaults: { secretKey: 'xnd_development_bayar_sandbox', callbackToken: 'bayar-sandbox-callback-token' },
  create: async (settings) => new (await import('./sandbox.js')).XenditSandbox(settings),
  conformance: { method: 'QRIS' },
};
