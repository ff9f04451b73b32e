// The development half of Indodana: the published values its sandbox accepts, and the sandbox itself
// (loaded only when started, so the API and worker never load sandbox code). Not in the production image.
import type { SandboxDescriptor } from '../../providers/descriptor.js';
import type { IndodanaDevelopment, IndodanaSettings } from '../../providers/indodana/descriptor.js';

export const indodanaSandbox: SandboxDescriptor<IndodanaSettings, IndodanaDevelopment> = {
  defaults: { apiKey: 'bayar-sandbox-indodana-key', secretKey: 'bayar-sandbox-indodana-secret' },
  create: async (settings) => new (await import('./sandbox.js')).IndodanaSandbox(settings),
};
