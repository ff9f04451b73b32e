// Every provider bayar knows. Configuration, the registry, routing, the sandbox process and
// `npm start` all loop over PROVIDERS, and the provider names every other module uses
// (PROVIDER_NAMES, ProviderName) are derived from it: adding a provider is its folder
// (src/providers/<name>/: descriptor.ts, the adapter, its sandbox in sandbox/) and ONE line below
// (docs/providers.md, "Adding a provider"; test/unit/descriptors.test.ts fails on a folder with a
// descriptor that is not listed, or listed twice).
//
// Why `(await import(…)).name` and not an `import` statement plus a list entry: an ES module's
// namespace has no source order, so a static import needs a second line to place the descriptor in
// the list; the awaited import is both at once, with the descriptor's full type. These imports are
// part of the production image (scripts/production-files.ts follows every import() outside a
// sandbox/ folder). The domain cannot hold the names itself: it would need a second list, and it
// cannot import this one at run time (the workflow bundle imports the domain, and the descriptors
// import the domain), so it takes ProviderName from here as a type only (erased, no cycle).
//
// The order is the default routing order for a method several providers offer: xendit first,
// DOKU's e-wallets after xendit and midtrans, indodana's QRIS last unless BAYAR_ROUTING or the
// request says otherwise.
import type { DevOf, SettingsOf } from './descriptor.js';

export const PROVIDERS = [
  (await import('./xendit/descriptor.js')).xendit,
  (await import('./midtrans/descriptor.js')).midtrans,
  (await import('./doku/descriptor.js')).doku,
  (await import('./ecommpay/descriptor.js')).ecommpay,
  (await import('./indodana/descriptor.js')).indodana,
  (await import('./aggregator/descriptor.js')).aggregator,
] as const;

export type AnyProviderDescriptor = (typeof PROVIDERS)[number];

/** Each descriptor's name, in list order: a tuple of string literals (for z.enum and Records). */
type NamesOf<List extends readonly { name: string }[]> = { readonly [I in keyof List]: List[I]['name'] };

/** Every provider's name, in list order (the default routing order). */
export const PROVIDER_NAMES = PROVIDERS.map((d) => d.name) as unknown as NamesOf<typeof PROVIDERS>;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

/** Each provider's settings; AppConfig.providers holds only the live (configured) ones. */
export type ProviderSettings = { [D in AnyProviderDescriptor as D['name']]: SettingsOf<D> };

/** Each provider's published development values (src/providers/<name>/sandbox/index.ts). */
export type ProviderDevelopmentDefaults = { [D in AnyProviderDescriptor as D['name']]: DevOf<D> };

export function descriptorOf(name: ProviderName): AnyProviderDescriptor {
  return PROVIDERS.find((d) => d.name === name)!;
}
