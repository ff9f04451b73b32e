// One descriptor per provider folder, listed once in src/providers/index.ts (the one line a new
// provider adds): each is complete and consistent, and the fingerprints production refuses
// (src/config/published.ts) are those of the published values.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PROVIDER_NAMES, PROVIDERS, type ProviderName } from '../../src/providers/index.js';
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

// ProviderName stays a union of string literals and PROVIDER_NAMES a tuple (z.enum, Records): a
// compile error here if either widens to `string` / `string[]`.
const namesAreLiterals: string extends ProviderName ? never : true = true;
const namesAreATuple: number extends (typeof PROVIDER_NAMES)['length'] ? never : true = true;

/** The provider folders (src/providers/<name>/) that hold a descriptor, read from the source tree. */
function foldersWithADescriptor(): string[] {
  const root = fileURLToPath(new URL('../../../src/providers/', import.meta.url));
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(`${root}${entry.name}/descriptor.ts`))
    .map((entry) => entry.name);
}

/** What defineProvider returns, told apart from the settings types and helpers a descriptor module also exports. */
function isDescriptor(value: unknown): value is { name: string } {
  const v = value as { name?: unknown; build?: unknown; sandbox?: unknown } | null;
  return typeof v === 'object' && v !== null && typeof v.name === 'string' && typeof v.build === 'function' && typeof v.sandbox === 'object';
}

describe('provider descriptors', () => {
  it('the one list holds every provider folder exactly once, and the names are derived from it', async () => {
    assert.ok(namesAreLiterals && namesAreATuple);
    const folders = foldersWithADescriptor();
    assert.ok(folders.length >= 6, folders.join(', '));
    for (const folder of folders) {
      // Built next to this test: dist/src/providers/<folder>/descriptor.js.
      const exported = Object.values(await import(`../../src/providers/${folder}/descriptor.js`)).filter(isDescriptor);
      assert.equal(exported.length, 1, `src/providers/${folder}/descriptor.ts exports one descriptor`);
      const listed = PROVIDERS.filter((d) => d === exported[0]).length;
      assert.equal(listed, 1, `${folder}'s descriptor is in PROVIDERS (src/providers/index.ts) exactly once, not ${listed} times`);
      assert.equal(exported[0]!.name, folder, 'a descriptor is named after its folder');
    }
    assert.equal(PROVIDERS.length, folders.length, 'PROVIDERS lists only descriptors of src/providers/<name>/ folders');
    assert.deepEqual(
      [...PROVIDER_NAMES],
      PROVIDERS.map((d) => d.name),
      'PROVIDER_NAMES is the list order',
    );
  });

  it('one sandbox and sandbox port each', () => {
    const offsets = PROVIDERS.map((d) => d.sandbox.portOffset);
    assert.equal(new Set(offsets).size, offsets.length);
    for (const d of PROVIDERS) assert.ok(SANDBOXES.has(d.name), `${d.name} has a sandbox`);
  });

  it('keep their sandbox in their own folder (src/providers/<name>/sandbox/), src/sandbox/ only what all share', async () => {
    for (const d of PROVIDERS) {
      // Built next to this test: dist/src/providers/<name>/sandbox/index.js.
      const exported = Object.values(await import(`../../src/providers/${d.name}/sandbox/index.js`));
      assert.ok(exported.includes(SANDBOXES.get(d.name)), `${d.name}'s sandbox.load() gives the sandbox of src/providers/${d.name}/sandbox/index.ts`);
      assert.ok(SANDBOXES.get(d.name)!.conformance.method, `${d.name}'s sandbox names the method the conformance suite exercises`);
    }
    const shared = fileURLToPath(new URL('../../../src/sandbox/', import.meta.url));
    const folders = readdirSync(shared, { withFileTypes: true }).filter((e) => e.isDirectory());
    assert.deepEqual(
      folders.map((e) => e.name),
      [],
      'no provider sandbox left in src/sandbox/',
    );
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
