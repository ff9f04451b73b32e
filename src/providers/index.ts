// Every provider bayar knows, one line each. Configuration, the registry, routing, the sandbox
// process and `npm start` all loop over this list; adding a provider is its folder
// (src/providers/<name>/descriptor.ts, its sandbox in src/sandbox/<name>/), its import and entry
// here, and its name in the domain's PROVIDER_NAMES (docs/providers.md, "Adding a provider").
//
// The order is the default routing order for a method several providers offer: xendit first,
// DOKU's e-wallets after xendit and midtrans, indodana's QRIS last unless BAYAR_ROUTING or the
// request says otherwise.
import type { ProviderName } from '../domain/payment.js';
import type { DevOf, SettingsOf } from './descriptor.js';
import { aggregator } from './aggregator/descriptor.js';
import { doku } from './doku/descriptor.js';
import { ecommpay } from './ecommpay/descriptor.js';
import { indodana } from './indodana/descriptor.js';
import { midtrans } from './midtrans/descriptor.js';
import { xendit } from './xendit/descriptor.js';

export const PROVIDERS = [xendit, midtrans, doku, ecommpay, indodana, aggregator] as const;

export type AnyProviderDescriptor = (typeof PROVIDERS)[number];

/** Each provider's settings; AppConfig.providers holds only the live (configured) ones. */
export type ProviderSettings = { [D in AnyProviderDescriptor as D['name']]: SettingsOf<D> };

/** Each provider's published development values (src/sandbox/<name>/index.ts). */
export type ProviderDevelopmentDefaults = { [D in AnyProviderDescriptor as D['name']]: DevOf<D> };

// Every name in the domain's list has exactly one descriptor (a compile error otherwise).
type Missing = Exclude<ProviderName, AnyProviderDescriptor['name']>;
const everyProviderHasADescriptor: [Missing] extends [never] ? true : Missing = true;
void everyProviderHasADescriptor;

export function descriptorOf(name: ProviderName): AnyProviderDescriptor {
  return PROVIDERS.find((d) => d.name === name)!;
}
