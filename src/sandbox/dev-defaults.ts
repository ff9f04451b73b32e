// The published development values, in one place: bayar's own (the demo merchant's API key and
// webhook secret, the data key) and each provider's (from its src/providers/<name>/sandbox/index.ts).
// Development mode falls back to them (src/config/development.ts loads this module); production
// never has them: the production image leaves every sandbox/ folder out and refuses them by fingerprint
// (src/config/published.ts).
import { PROVIDERS, type ProviderDevelopmentDefaults } from '../providers/index.js';

export const BAYAR_DEV_DEFAULTS = {
  apiKeys: 'demo:sk_test_bayar_demo_key',
  merchantWebhookSecret: 'whsec_bayar_demo_secret',
  // 32 bytes, base64: seals customer personal data before it enters workflow history.
  dataKey: 'YmF5YXItZGV2LW9ubHktZGF0YS1rZXktMzJieXRlcyE=',
} as const;

export type DevDefaults = typeof BAYAR_DEV_DEFAULTS & ProviderDevelopmentDefaults;

const sandboxes = await Promise.all(PROVIDERS.map(async (d) => [d.name, await d.sandbox.load()] as const));

/** Each provider's sandbox (src/providers/<name>/sandbox/index.ts), by name. */
export const SANDBOXES = new Map(sandboxes);

/** Development credentials: the local sandboxes accept exactly these. Never valid at a real provider. */
export const DEV_DEFAULTS = { ...BAYAR_DEV_DEFAULTS, ...Object.fromEntries(sandboxes.map(([name, sandbox]) => [name, sandbox.defaults])) } as DevDefaults;
