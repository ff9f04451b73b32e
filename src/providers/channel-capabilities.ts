// An adapter offers exactly the methods of its channel table (bayar method → what the provider
// calls it): the capabilities take their method list from the table's keys, so a method is
// offered where, and only where, the adapter knows how to send it.
import type { PaymentMethod } from '../domain/payment.js';
import type { ProviderCapabilities } from './provider.js';

export function capabilitiesOf<M extends PaymentMethod>(channels: Partial<Record<M, unknown>>, rest: Omit<ProviderCapabilities, 'methods'>): ProviderCapabilities & { methods: readonly M[] } {
  return { methods: Object.keys(channels) as M[], ...rest };
}
