// There is no Docker engine in CI, so the deployment files are checked as data: the services and
// their wiring, the environment against what loadConfig actually reads, the search attributes
// against the ones the workflow sets, and the Dockerfile against the build.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes.js';
import { CONFIG_ENV_KEYS, loadConfig, SANDBOX_PORT_OFFSETS } from '../../src/config/config.js';
import { DEV_DEFAULTS } from '../../src/sandbox/dev-defaults.js';

// Compiled to dist/test/unit/: the repository root is three levels up.
const ROOT = new URL('../../../', import.meta.url);
const read = (name: string) => readFileSync(fileURLToPath(new URL(name, ROOT)), 'utf8');

interface Service {
  image?: string;
  build?: unknown;
  command?: string | string[];
  entrypoint?: string | string[];
  ports?: string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  environment?: Record<string, string | number | boolean | null>;
  healthcheck?: { test: string | string[] };
}

// `merge: true`: the file shares environment blocks through YAML merge keys (<<), as Compose does.
const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
const service = (name: string): Service => {
  const found = services[name];
  assert.ok(found, `service ${name} exists`);
  return found;
};

/** depends_on in either form, as name → condition (the list form means service_started). */
function dependsOn(s: Service): Map<string, string> {
  const deps = s.depends_on ?? [];
  if (Array.isArray(deps)) return new Map(deps.map((d) => [d, 'service_started']));
  return new Map(Object.entries(deps).map(([d, v]) => [d, v?.condition ?? 'service_started']));
}

const commandOf = (s: Service) => (Array.isArray(s.command) ? s.command.join(' ') : (s.command ?? ''));

/**
 * Compose's variable interpolation: ${VAR}, ${VAR:-default} (unset or empty), ${VAR-default}
 * (unset only), ${VAR:?message} (an error when unset or empty), and $$ for a literal $.
 */
function interpolate(value: string, host: NodeJS.ProcessEnv): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}/g, (match, name?: string, colon?: string, op?: string, arg?: string) => {
    if (match === '$$') return '$';
    const v = host[name!];
    if (op === undefined) return v ?? '';
    const missing = colon ? !v : v === undefined;
    if (op === '?') {
      if (missing) throw new Error(`compose: required variable ${name} is missing a value: ${arg}`);
      return v!;
    }
    return missing ? arg! : v!;
  });
}

/** The host of a developer trying bayar: development mode, nothing else set. */
const DEVELOPMENT_HOST = { BAYAR_ENV: 'development' };

/** The environment a container would see, given the host's variables. */
function containerEnv(name: string, host: NodeJS.ProcessEnv = DEVELOPMENT_HOST): NodeJS.ProcessEnv {
  const env = service(name).environment ?? {};
  assert.ok(!Array.isArray(env), `${name}: environment is a map`);
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, interpolate(v === null ? '' : String(v), host)]));
}

const BAYAR_SERVICES = ['api', 'worker', 'sandbox'];

describe('docker-compose.yml: services', () => {
  it('has the Temporal services, the one-shot jobs, two APIs, the worker and the sandbox', () => {
    for (const name of [
      'postgresql',
      'temporal-schema',
      'temporal-history',
      'temporal-matching',
      'temporal',
      'temporal-worker',
      'temporal-ui',
      'temporal-admin',
      'bayar-migrate',
      'api',
      'api-2',
      'worker',
      'sandbox',
    ])
      service(name);
  });

  it('runs Temporal on PostgreSQL 16 as four services, once the schema job succeeded', () => {
    const pg = service('postgresql');
    assert.match(pg.image ?? '', /^postgres:16(\b|$)/);
    assert.ok(pg.healthcheck, 'postgresql has a healthcheck');
    assert.equal(dependsOn(service('temporal-schema')).get('postgresql'), 'service_healthy');
    const pgEnv = containerEnv('postgresql');
    for (const [name, role] of Object.entries({ 'temporal-history': 'history', 'temporal-matching': 'matching', temporal: 'frontend', 'temporal-worker': 'worker' })) {
      const s = service(name);
      assert.match(s.image ?? '', /^temporalio\/server:/, name);
      assert.equal(dependsOn(s).get('temporal-schema'), 'service_completed_successfully', name);
      const env = containerEnv(name);
      assert.equal(env.SERVICES, role, name);
      assert.equal(env.DB, 'postgres12');
      assert.equal(env.DB_PORT, '5432');
      assert.equal(env.POSTGRES_SEEDS, 'postgresql', 'seeds point at the postgresql service');
      assert.equal(env.POSTGRES_USER, pgEnv.POSTGRES_USER);
      assert.equal(env.POSTGRES_PWD, pgEnv.POSTGRES_PASSWORD);
    }
  });

  it("publishes the two APIs on 3000 and 3001, the UI on loopback only, and never Temporal's gRPC port", () => {
    assert.deepEqual(service('api').ports, ['3000:3000']);
    assert.deepEqual(service('api-2').ports, ['3001:3000']);
    // Anyone reaching Temporal or the UI could signal, terminate or update payments.
    assert.equal(service('temporal').ports, undefined, 'Temporal gRPC is not published');
    assert.deepEqual(service('temporal-ui').ports, ['127.0.0.1:8233:8080']);
    for (const name of Object.keys(services)) {
      for (const mapping of services[name]!.ports ?? []) {
        if (name !== 'api' && name !== 'api-2') assert.match(mapping, /^127\.0\.0\.1:/, `${name} publishes ${mapping} on loopback only`);
      }
    }
    assert.match(service('temporal-ui').image ?? '', /^temporalio\/ui:/);
    assert.equal(containerEnv('temporal-ui').TEMPORAL_ADDRESS, 'temporal:7233');
  });

  it('starts the APIs after Temporal and the migrations, and the worker after Temporal, the migrations and the admin job', () => {
    for (const api of ['api', 'api-2']) {
      assert.ok(dependsOn(service(api)).has('temporal'));
      assert.equal(dependsOn(service(api)).get('bayar-migrate'), 'service_completed_successfully');
    }
    const worker = dependsOn(service('worker'));
    assert.ok(worker.has('temporal'));
    assert.equal(worker.get('temporal-admin'), 'service_completed_successfully');
    assert.equal(worker.get('bayar-migrate'), 'service_completed_successfully');
    assert.ok(dependsOn(service('temporal-admin')).has('temporal'));
  });

  it('runs the API, the worker and the sandbox from one image', () => {
    const [api, worker, sandbox] = BAYAR_SERVICES.map(service);
    assert.ok(api!.build, 'the API builds the image');
    assert.deepEqual(worker!.build, api!.build);
    assert.deepEqual(sandbox!.build, api!.build);
    assert.ok(api!.image);
    assert.equal(worker!.image, api!.image);
    assert.equal(sandbox!.image, api!.image);
  });

  it('starts each process from an entrypoint the build produces', () => {
    const expected = { api: 'node dist/src/main.js', worker: 'node dist/src/worker.js', sandbox: 'node dist/src/sandbox/main.js' };
    for (const [name, command] of Object.entries(expected)) {
      assert.equal(commandOf(service(name)), command);
      const file = command.split(' ')[1]!;
      assert.ok(existsSync(fileURLToPath(new URL(file, ROOT))), `${file} exists after the build`);
    }
  });
});

describe('docker-compose.yml: environment', () => {
  it('gives the API and the worker what each needs', () => {
    const shared = ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'BAYAR_TASK_QUEUE', 'BAYAR_API_KEYS', 'BAYAR_DATA_KEY', 'XENDIT_SECRET_KEY', 'XENDIT_CALLBACK_TOKEN', 'XENDIT_BASE_URL'];
    const needs: Record<string, string[]> = {
      // The API listens on all interfaces inside its container, on the published port.
      // It answers webhooks: the source allow-lists and the trusted proxies are its settings.
      api: [...shared, 'PORT', 'BAYAR_HOST', 'BAYAR_PUBLIC_URL', 'BAYAR_ENV', 'BAYAR_TRUSTED_PROXIES', ...CONFIG_ENV_KEYS.filter((k) => k.startsWith('BAYAR_WEBHOOK_ALLOW_'))],
      // The worker signs merchant callbacks.
      worker: [...shared, 'BAYAR_ENV', 'BAYAR_MERCHANT_WEBHOOK_SECRETS'],
    };
    for (const [name, keys] of Object.entries(needs)) {
      const env = service(name).environment ?? {};
      for (const key of keys) assert.ok(key in env, `${name} sets ${key}`);
    }
  });

  it('points both at the compose Temporal service, and lets the API listen where it is published', () => {
    for (const name of ['api', 'worker']) {
      const env = containerEnv(name);
      assert.equal(env.TEMPORAL_ADDRESS, 'temporal:7233');
      assert.equal(env.TEMPORAL_NAMESPACE, 'default');
    }
    const api = containerEnv('api');
    assert.equal(api.BAYAR_HOST, '0.0.0.0');
    assert.equal(service('api').ports![0]!.split(':')[1], api.PORT);
  });

  it('gives the API and the worker the same values wherever they must agree', () => {
    const host = { BAYAR_ENV: 'production', XENDIT_SECRET_KEY: 'xnd_production_x', BAYAR_DATA_KEY: 'k', BAYAR_API_KEYS: 'shop:sk_live_aaaaaaaa' };
    const api = containerEnv('api', host);
    const worker = containerEnv('worker', host);
    for (const key of [
      'BAYAR_ENV',
      'BAYAR_PUBLIC_URL',
      'TEMPORAL_ADDRESS',
      'TEMPORAL_NAMESPACE',
      'BAYAR_TASK_QUEUE',
      'BAYAR_API_KEYS',
      'BAYAR_DATA_KEY',
      'XENDIT_SECRET_KEY',
      'XENDIT_CALLBACK_TOKEN',
      'XENDIT_BASE_URL',
    ]) {
      assert.equal(api[key], worker[key], key);
    }
    // The sandbox checks the same credentials the adapters send.
    const sandbox = containerEnv('sandbox', host);
    assert.equal(sandbox.XENDIT_SECRET_KEY, api.XENDIT_SECRET_KEY);
    assert.equal(sandbox.XENDIT_CALLBACK_TOKEN, api.XENDIT_CALLBACK_TOKEN);
  });

  it('uses only variables loadConfig reads, or Temporal conventions', () => {
    // BAYAR_ENV (development mode) is read by the configuration of the dev-mode branch (issue #17 sets it).
    const known = new Set([...CONFIG_ENV_KEYS, 'BAYAR_ENV']);
    assert.ok(known.has('BAYAR_API_KEYS') && known.has('XENDIT_BASE_URL'), 'CONFIG_ENV_KEYS lists the schema');
    for (const name of [...BAYAR_SERVICES, 'api-2', 'bayar-migrate']) {
      for (const key of Object.keys(service(name).environment ?? {})) {
        assert.ok(known.has(key) || key.startsWith('TEMPORAL_'), `${name}: ${key} is not a bayar setting`);
      }
    }
  });

  it('makes the operator choose the mode: no BAYAR_ENV on the host, no start', () => {
    for (const name of ['api', 'worker']) {
      assert.throws(() => containerEnv(name, {}), /BAYAR_ENV/);
      assert.equal(containerEnv(name, { BAYAR_ENV: 'production' }).BAYAR_ENV, 'production');
    }
    // The sandbox is development-only and not started unless asked for (profile).
    assert.equal(containerEnv('sandbox', {}).BAYAR_ENV, 'development');
    assert.deepEqual((service('sandbox') as Service & { profiles?: string[] }).profiles, ['sandbox']);
  });

  it('leaves no provider on a sandbox in production: unset providers are off, and nothing configured refuses to boot', () => {
    const host = {
      BAYAR_ENV: 'production',
      BAYAR_API_KEYS: 'shop:sk_live_aaaaaaaa',
      BAYAR_MERCHANT_WEBHOOK_SECRETS: 'shop:whsec_live_bbbbbbbb',
      BAYAR_DATA_KEY: Buffer.alloc(32, 3).toString('base64'),
      BAYAR_PUBLIC_URL: 'https://pay.example.co.id',
    };
    for (const name of ['api', 'worker']) {
      const env = containerEnv(name, host);
      for (const [key, value] of Object.entries(env)) {
        if (key.endsWith('_BASE_URL')) assert.equal(value, '', `${name}: ${key} has no default`);
      }
      assert.throws(() => loadConfig(env), /no provider is configured/);
    }
  });

  it('boots every bayar process in development mode with nothing else set: the sandbox, with development keys', () => {
    const api = loadConfig(containerEnv('api'));
    const worker = loadConfig(containerEnv('worker'));
    const sandbox = loadConfig(containerEnv('sandbox'));
    for (const config of [api, worker, sandbox]) assert.equal(config.development, true);
    assert.equal(api.temporal.embedded, false);
    assert.equal(api.temporal.address, 'temporal:7233');
    assert.equal(api.port, 3000);
    assert.deepEqual(api.apiKeys, worker.apiKeys);
    assert.deepEqual(api.dataKey, worker.dataKey);
    assert.equal(api.providers.xendit!.secretKey, DEV_DEFAULTS.xendit.secretKey);
    // The adapters reach the sandbox where the sandbox listens, and it calls back the API.
    const sandboxPort = sandbox.sandbox.portBase + SANDBOX_PORT_OFFSETS.xendit;
    assert.equal(api.providers.xendit!.baseUrl, `http://sandbox:${sandboxPort}`);
    assert.equal(worker.providers.xendit!.baseUrl, api.providers.xendit!.baseUrl);
    assert.equal(sandbox.host, '0.0.0.0', 'reachable from the other containers');
    assert.equal(sandbox.publicUrl, `http://api:${api.port}`);
    assert.equal(sandbox.providers.xendit!.callbackToken, api.providers.xendit!.callbackToken);
  });

  it('passes real settings from the host through, and only the configured provider is live', () => {
    const host = {
      BAYAR_ENV: 'production',
      BAYAR_API_KEYS: 'shop:sk_live_aaaaaaaa',
      BAYAR_DATA_KEY: Buffer.alloc(32, 3).toString('base64'),
      BAYAR_MERCHANT_WEBHOOK_SECRETS: 'shop:whsec_live_bbbbbbbb',
      XENDIT_SECRET_KEY: 'xnd_production_cccccccc',
      XENDIT_CALLBACK_TOKEN: 'dashboard-token-dddd',
      XENDIT_BASE_URL: 'https://api.xendit.co',
      BAYAR_PUBLIC_URL: 'https://pay.example.co.id',
    };
    const api = loadConfig(containerEnv('api', host));
    const worker = loadConfig(containerEnv('worker', host));
    assert.equal(api.apiKeys.get('shop'), 'sk_live_aaaaaaaa');
    assert.equal(api.publicUrl, 'https://pay.example.co.id');
    assert.deepEqual(worker.dataKey, Buffer.alloc(32, 3));
    assert.equal(worker.merchantWebhookSecrets.get('shop'), 'whsec_live_bbbbbbbb');
    for (const config of [api, worker]) {
      assert.equal(config.development, false);
      assert.deepEqual(config.providers, { xendit: { baseUrl: 'https://api.xendit.co', sandbox: false, secretKey: 'xnd_production_cccccccc', callbackToken: 'dashboard-token-dddd' } });
    }
  });
});

describe('docker-compose.yml: search attributes', () => {
  // The CLI's names for the SDK's SearchAttributeType values.
  const CLI_TYPE: Record<string, string> = {
    TEXT: 'Text',
    KEYWORD: 'Keyword',
    INT: 'Int',
    DOUBLE: 'Double',
    BOOL: 'Bool',
    DATETIME: 'Datetime',
    KEYWORD_LIST: 'KeywordList',
  };

  const admin = service('temporal-admin');
  const script = [admin.entrypoint, admin.command].flat().filter(Boolean).join('\n');
  const creates = script.split('\n').filter((line) => /\btemporal operator search-attribute create\b/.test(line));

  const flag = (line: string, name: string) => new RegExp(`--${name}[ =](\\S+)`).exec(line)?.[1];

  it('runs temporal operator from admin-tools against the compose Temporal, in the namespace bayar uses', () => {
    assert.match(admin.image ?? '', /^temporalio\/admin-tools:/);
    assert.ok(creates.length > 0);
    const namespace = containerEnv('worker').TEMPORAL_NAMESPACE;
    for (const line of creates) {
      assert.equal(flag(line, 'address'), 'temporal:7233', line);
      assert.equal(flag(line, 'namespace'), namespace, line);
    }
  });

  it('registers exactly the attributes the workflow sets, with their types', () => {
    const registered = creates.map((line) => [flag(line, 'name'), flag(line, 'type')]);
    const expected = ALL_SEARCH_ATTRIBUTES.map((key) => [key.name, CLI_TYPE[key.type]]);
    const byName = (a: (string | undefined)[], b: (string | undefined)[]) => String(a[0]).localeCompare(String(b[0]));
    assert.equal(expected.length, 7);
    assert.deepEqual(registered.sort(byName), expected.sort(byName));
  });

  it('waits for Temporal before registering, and fails if it cannot', () => {
    assert.match(script, /set -e/);
    assert.match(script, /until temporal operator/);
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const froms = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);

  it('is a multi-stage build on node:20-slim', () => {
    assert.ok(froms.length >= 2, 'build and runtime stages');
    for (const image of froms) assert.equal(image, 'node:20-slim');
  });

  it('installs from the lockfile, builds, and drops dev dependencies', () => {
    assert.match(dockerfile, /COPY package\.json package-lock\.json/);
    assert.match(dockerfile, /npm ci\b/);
    assert.match(dockerfile, /npm run build\b/);
    assert.match(dockerfile, /npm prune --omit=dev/);
  });

  it('copies every source folder the TypeScript build compiles (tests aside)', () => {
    const tsconfig = JSON.parse(read('tsconfig.json')) as { include: string[] };
    const folders = new Set(tsconfig.include.map((pattern) => pattern.split('/')[0]!).filter((f) => f !== 'test'));
    for (const folder of folders) assert.match(dockerfile, new RegExp(`^COPY ${folder} \\./${folder}$`, 'm'), folder);
  });

  it("ships the checkout page's stylesheet and script (read at runtime from src/checkout/assets)", () => {
    assert.match(dockerfile, /^COPY --from=build \/app\/src\/checkout\/assets \.\/src\/checkout\/assets$/m);
  });

  it('runs the API by default', () => {
    assert.match(dockerfile, /^CMD \["node", "dist\/src\/main\.js"\]$/m);
  });

  it('keeps local installs, builds and state out of the build context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim());
    for (const entry of ['node_modules', 'dist', '.git', '.bayar-data', 'test']) assert.ok(ignored.includes(entry), entry);
  });
});
