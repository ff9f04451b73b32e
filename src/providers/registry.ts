// Builds the live provider adapters, and routes a method to a provider.
import type { AppConfig } from '../config/config.js';
import type { PaymentMethod, ProviderName } from '../domain/payment.js';
import type { PaymentProvider } from './provider.js';
import { PROVIDERS } from './index.js';

/** Adapters that talk to bayar's local sandboxes (development mode), so routing can keep real money off them. */
const SANDBOXED = new WeakSet<PaymentProvider>();

/**
 * One adapter per live provider and nothing else: config.providers holds only the configured
 * providers in production (all six, mostly sandboxes, in development). A provider that is not
 * here answers no webhook, takes no payment and is not listed.
 */
export function buildProviders(config: AppConfig): Map<ProviderName, PaymentProvider> {
  const context = { timeoutMs: config.timing.providerTimeoutMs, publicUrl: config.publicUrl };
  const providers = new Map<ProviderName, PaymentProvider>();
  // List order (src/providers/index.ts) is the default routing order.
  for (const descriptor of PROVIDERS) {
    const settings = config.providers[descriptor.name];
    if (!settings) continue;
    const provider = descriptor.build(settings as never, context);
    providers.set(provider.name, provider);
    if (settings.sandbox) SANDBOXED.add(provider);
  }
  return providers;
}

/**
 * The providers to try for a method, in order: the configured route if there is one,
 * otherwise every live provider that offers the method, in registration order. A route that
 * holds a real provider never fails over to a sandbox: a real customer's payment must not end up
 * at a stand-in (only possible in development mode, where a provider may point at a real API).
 */
export function routeFor(method: PaymentMethod, providers: ReadonlyMap<ProviderName, PaymentProvider>, routing: ReadonlyMap<PaymentMethod, ProviderName[]>): ProviderName[] {
  const configured = routing.get(method);
  const candidates = (configured ?? [...providers.keys()]).filter((name) => providers.get(name)?.capabilities.methods.includes(method));
  const real = candidates.filter((name) => !SANDBOXED.has(providers.get(name)!));
  return real.length > 0 ? real : candidates;
}
