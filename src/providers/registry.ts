// Builds the configured provider adapters, and routes a method to a provider.
import type { AppConfig } from '../config/config.js';
import type { PaymentMethod, ProviderName } from '../domain/payment.js';
import type { PaymentProvider } from './provider.js';
import { AggregatorProvider } from './aggregator/index.js';
import { DokuProvider } from './doku/index.js';
import { EcommpayProvider } from './ecommpay/index.js';
import { IndodanaProvider } from './indodana/index.js';
import { MidtransProvider } from './midtrans/index.js';
import { XenditProvider } from './xendit/index.js';

export function buildProviders(config: AppConfig): Map<ProviderName, PaymentProvider> {
  const timeoutMs = config.timing.providerTimeoutMs;
  const providers = new Map<ProviderName, PaymentProvider>();
  // Registration order is the default routing order: xendit stays first for shared methods.
  providers.set('xendit', new XenditProvider({ ...config.providers.xendit, timeoutMs }));
  providers.set('midtrans', new MidtransProvider({ ...config.providers.midtrans, timeoutMs }));
  // DOKU signs the path of the notification URL as configured at DOKU, i.e. the public one.
  // With SNAP keys (config.providers.doku.snap) it also offers EWALLET_DANA and EWALLET_SHOPEEPAY,
  // after xendit and midtrans in the default route (registration order).
  const publicWebhookPath = `${new URL(config.publicUrl).pathname.replace(/\/$/, '')}/webhooks/doku`;
  providers.set('doku', new DokuProvider({ ...config.providers.doku, timeoutMs, notificationPaths: [publicWebhookPath] }));
  providers.set('ecommpay', new EcommpayProvider({ ...config.providers.ecommpay, timeoutMs }));
  // Last: QRIS routes to xendit and midtrans first unless BAYAR_ROUTING or the request says indodana.
  providers.set('indodana', new IndodanaProvider({ ...config.providers.indodana, timeoutMs }));
  // The aggregator takes its callback URL with every order and disbursement (notifyUrl).
  const aggregatorNotifyUrl = `${config.publicUrl.replace(/\/$/, '')}/webhooks/aggregator`;
  providers.set('aggregator', new AggregatorProvider({ ...config.providers.aggregator, timeoutMs, notifyUrl: aggregatorNotifyUrl }));
  return providers;
}

/**
 * The providers to try for a method, in order: the configured route if there is one,
 * otherwise every provider that offers the method, in registration order.
 */
export function routeFor(
  method: PaymentMethod,
  providers: ReadonlyMap<ProviderName, PaymentProvider>,
  routing: ReadonlyMap<PaymentMethod, ProviderName[]>,
): ProviderName[] {
  const configured = routing.get(method);
  const candidates = configured ?? [...providers.keys()];
  return candidates.filter((name) => providers.get(name)?.capabilities.methods.includes(method));
}
