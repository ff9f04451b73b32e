// The development half of Indodana: the published values its sandbox accepts, and the sandbox itself
// (loaded only when started, so the API and worker never load sandbox code). Not in the production image.
import type { SandboxDescriptor } from '../../descriptor.js';
import type { IndodanaDevelopment, IndodanaSettings } from '../descriptor.js';

export const indodanaSandbox: SandboxDescriptor<IndodanaSettings, IndodanaDevelopment> = {
  defaults: { apiKey: 'bayar-sandbox-indodana-key', secretKey: 'bayar-sandbox-indodana-secret' },
  create: async (settings) => new (await import('./sandbox.js')).IndodanaSandbox(settings),
  // Indodana's create knows bayar's order id; its transaction id comes later (the adapter's
  // findCharge: `t.transactionId ?? orderId`).
  conformance: { method: 'QRIS', referenceChangesAfterCreate: true },
};
