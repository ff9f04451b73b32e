// One descriptor per provider (src/providers/index.ts): each is complete and consistent, and the
// fingerprints production refuses (src/config/published.ts) are those of the published values.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PROVIDER_NAMES } from '../../src/domain/payment.js';
import { PROVIDERS } from '../../src/providers/index.js';
import { BAYAR_PUBLISHED_FINGERPRINTS, CONFIG_ENV_KEYS, loadConfig } from '../../src/config/config.js';
import { keyFingerprint, valueFingerprint } from '../../src/config/published.js';
import { buildProviders } from '../../src/providers/registry.js';
import { BAYAR_DEV_DEFAULTS, DEV_DEFAULTS, SANDBOXES } from '../../src/sandbox/dev-defaults.js';

/** A published value's fingerprint: an RSA key by its public half, anything else as text. */
function fingerprints(value: unknown): string[] {
  if (typeof value === 'string') return [value.startsWith('-----BEGIN') ? keyFingerprint(value) : valueFingerprint(value)];
  if (value && typeof value === 'object') return Object.values(value).flatMap(fingerprints);
  return [];
}

describe('provider descriptors', () => {
  it('one per provider name, each with its own sandbox port', () => {
    assert.deepEqual(PROVIDERS.map((d) => d.name).sort(), [...PROVIDER_NAMES].sort());
    const offsets = PROVIDERS.map((d) => d.sandbox.portOffset);
    assert.equal(new Set(offsets).size, offsets.length);
    for (const d of PROVIDERS) assert.ok(SANDBOXES.has(d.name), `${d.name} has a sandbox`);
  });

  it('declare only variables of their own schema, all read by loadConfig', () => {
    for (const d of PROVIDERS) {
      const own = Object.keys(d.env);
      for (const k of [...d.variables.required, d.variables.baseUrl, ...d.secretVariables, ...(d.rsaKeyVariables ?? [])]) assert.ok(own.includes(k), `${d.name}: ${k}`);
      for (const k of [...own, ...d.variables.optional]) assert.ok(CONFIG_ENV_KEYS.includes(k), `${d.name}: ${k}`);
    }
  });

  it('carry the fingerprints of exactly their published development values', () => {
    for (const d of PROVIDERS) {
      const published = fingerprints(DEV_DEFAULTS[d.name]).filter((f) => f !== valueFingerprint('https://merchant.example/payment/return'));
      // ecommpay's project id is a number, not a secret.
      assert.deepEqual(new Set(d.publishedFingerprints), new Set(published), d.name);
    }
    const own = [BAYAR_DEV_DEFAULTS.apiKeys.split(':')[1]!, BAYAR_DEV_DEFAULTS.merchantWebhookSecret, BAYAR_DEV_DEFAULTS.dataKey];
    assert.deepEqual(new Set(BAYAR_PUBLISHED_FINGERPRINTS), new Set(own.map(valueFingerprint)));
  });

  it('build the adapter named after them, in list order (the default route)', () => {
    const providers = buildProviders(loadConfig({ BAYAR_ENV: 'development' }));
    assert.deepEqual(
      [...providers.keys()],
      PROVIDERS.map((d) => d.name),
    );
    for (const d of PROVIDERS) assert.equal(providers.get(d.name)!.name, d.name);
  });
});
