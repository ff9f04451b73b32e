// Builds the live provider adapters, and routes a method to a provider.
import type { AppConfig } from '../config/config.js';
import type { PaymentMethod, ProviderName } from '../domain/payment.js';
import type { PaymentProvider } from './provider.js';
import { AggregatorProvider } from './aggregator/index.js';
import { DokuProvider } from './doku/index.js';
import { EcommpayProvider } from './ecommpay/index.js';
import { IndodanaProvider } from './indodana/index.js';
import { MidtransProvider } from './midtrans/index.js';
import { XenditProvider } from './xendit/index.js';

/** Adapters that talk to bayar's local sandboxes (development mode), so routing can keep real money off them. */
const SANDBOXED = new WeakSet<PaymentProvider>();

/**
 * One adapter per live provider and nothing else: config.providers holds only the configured
 * providers in production (all six, mostly sandboxes, in development). A provider that is not
 * here answers no webhook, takes no payment and is not listed.
 */
export function buildProviders(config: AppConfig): Map<ProviderName, PaymentProvider> {
  const timeoutMs = config.timing.providerTimeoutMs;
  const { xendit, midtrans, doku, ecommpay, indodana, aggregator } = config.providers;
  const providers = new Map<ProviderName, PaymentProvider>();
  const add = (settings: { sandbox: boolean }, provider: PaymentProvider) => {
    providers.set(provider.name, provider);
    if (settings.sandbox) SANDBOXED.add(provider);
  };
  // Registration order is the default routing order: xendit stays first for shared methods.
  if (xendit) add(xendit, new XenditProvider({ ...xendit, timeoutMs }));
  if (midtrans) add(midtrans, new MidtransProvider({ ...midtrans, timeoutMs }));
  if (doku) {
    // DOKU signs the path of the notification URL as configured at DOKU, i.e. the public one.
    // With SNAP keys (doku.snap) it also offers EWALLET_DANA and EWALLET_SHOPEEPAY, after xendit
    // and midtrans in the default route (registration order).
    const publicWebhookPath = `${new URL(config.publicUrl).pathname.replace(/\/$/, '')}/webhooks/doku`;
    add(doku, new DokuProvider({ ...doku, timeoutMs, notificationPaths: [publicWebhookPath] }));
  }
  if (ecommpay) add(ecommpay, new EcommpayProvider({ ...ecommpay, timeoutMs }));
  // Last: QRIS routes to xendit and midtrans first unless BAYAR_ROUTING or the request says indodana.
  if (indodana) add(indodana, new IndodanaProvider({ ...indodana, timeoutMs, notificationUrl: `${config.publicUrl.replace(/\/$/, '')}/webhooks/indodana` }));
  if (aggregator) {
    // The aggregator takes its callback URL with every order and disbursement (notifyUrl).
    const aggregatorNotifyUrl = `${config.publicUrl.replace(/\/$/, '')}/webhooks/aggregator`;
    add(aggregator, new AggregatorProvider({ ...aggregator, timeoutMs, notifyUrl: aggregatorNotifyUrl }));
  }
  return providers;
}

/**
 * The providers to try for a method, in order: the configured route if there is one,
 * otherwise every live provider that offers the method, in registration order. A route that
 * holds a real provider never fails over to a sandbox: a real customer's payment must not end up
 * at a stand-in (only possible in development mode, where a provider may point at a real API).
 */
export function routeFor(
  method: PaymentMethod,
  providers: ReadonlyMap<ProviderName, PaymentProvider>,
  routing: ReadonlyMap<PaymentMethod, ProviderName[]>,
): ProviderName[] {
  const configured = routing.get(method);
  const candidates = (configured ?? [...providers.keys()]).filter((name) => providers.get(name)?.capabilities.methods.includes(method));
  const real = candidates.filter((name) => !SANDBOXED.has(providers.get(name)!));
  return real.length > 0 ? real : candidates;
}
