// Production mode on the real stack (Temporal dev server, worker and API as separate processes;
// no sandboxes, which exist in development mode only): only the configured provider is live, the
// public development credentials open nothing, and a provider's notifications come only from its
// allow-listed sources. Xendit is "configured" against https://api.xendit.invalid (.invalid never
// resolves, RFC 2606), so nothing here ever leaves 127.0.0.1; no payment is sent to it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { httpCall } from '../../src/common/http-client.js';
import { loadConfig } from '../../src/config/config.js';
import { DEV_DEFAULTS } from '../../src/sandbox/dev-defaults.js';
import { Stack } from '../../src/dev/stack.js';
import { PROVIDER_NAMES } from '../../src/providers/index.js';
import { freePort, startTestStack, uniqueRef, type TestStack } from '../helpers/stack.js';

const KEY = 'sk_live_e2e_0123456789abcdef';
const OWN_TOKEN = 'own-dashboard-callback-token-e2e';
const PRODUCTION: Record<string, string> = {
  BAYAR_ENV: 'production',
  BAYAR_API_KEYS: `shop:${KEY}`,
  BAYAR_MERCHANT_WEBHOOK_SECRETS: 'shop:whsec_live_e2e_0123456789',
  BAYAR_DATA_KEY: Buffer.alloc(32, 5).toString('base64'),
  BAYAR_PUBLIC_URL: 'https://pay.example.test',
  XENDIT_SECRET_KEY: 'xnd_production_e2e_own_secret',
  XENDIT_CALLBACK_TOKEN: OWN_TOKEN,
  XENDIT_BASE_URL: 'https://api.xendit.invalid',
  // TEST-NET ranges (RFC 5737, RFC 3849): never the loopback the test sends from.
  BAYAR_WEBHOOK_ALLOW_XENDIT: '203.0.113.0/24, 2001:db8::/32',
};

const UNCONFIGURED = PROVIDER_NAMES.filter((p) => p !== 'xendit');

async function post(url: string, headers: Record<string, string>, body = '{}') {
  const res = await httpCall({ method: 'POST', url, headers: { 'content-type': 'application/json', ...headers }, body, timeoutMs: 10_000 });
  return { status: res.status, text: res.text };
}

/** Runs one bayar entrypoint with `env` and returns how it exited and what it said. */
function boot(entry: 'main' | 'worker' | 'sandbox/main', env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const file = fileURLToPath(new URL(`../../src/${entry}.js`, import.meta.url));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env, PORT: '1', TEMPORAL_ADDRESS: '127.0.0.1:1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('production mode: only configured providers are live (real Temporal, worker and API)', () => {
  let stack: TestStack;
  /** A second API on the same Temporal that trusts X-Forwarded-For from loopback (a local proxy). */
  let proxied: Stack;
  let proxiedUrl: string;

  before(async () => {
    stack = await startTestStack({ env: PRODUCTION });
    const port = await freePort();
    // The same database as the first API (the harness's embedded PostgreSQL).
    const env = { ...stack.stack.options.env, BAYAR_DATABASE_URL: stack.databaseUrl!, PORT: String(port), BAYAR_TRUSTED_PROXIES: '127.0.0.1/32, ::1/128' };
    proxied = new Stack({ env, config: loadConfig(env), ui: false, output: 'quiet' });
    await proxied.startPart('api');
    proxiedUrl = proxied.apiUrl;
  });
  after(async () => {
    await proxied?.stopPart('api');
    await stack?.stop();
  });

  it('runs no sandbox, and lists only the configured provider and routes only to it', async () => {
    assert.equal(stack.stack.pids().sandbox, undefined, 'no sandbox process in production');
    const res = await stack.api('GET', '/v1/providers', undefined, { key: KEY });
    assert.equal(res.status, 200, res.text);
    const body = res.json as { providers: { name: string }[]; routing: Record<string, string[]> };
    assert.deepEqual(
      body.providers.map((p) => p.name),
      ['xendit'],
    );
    assert.ok(Object.keys(body.routing).length > 0);
    for (const [method, route] of Object.entries(body.routing)) assert.deepEqual(route, ['xendit'], method);
    assert.equal(body.routing.EWALLET_GOPAY, undefined, 'GoPay is Midtrans-only: no route at all');
  });

  it('refuses the published demo API key', async () => {
    const res = await stack.api('GET', '/v1/providers', undefined, { key: DEV_DEFAULTS.apiKeys.split(':')[1]! });
    assert.equal(res.status, 401);
  });

  it('never routes a payment to an unconfigured provider: named or method-only, 422 and nothing starts', async () => {
    const base = { amount: 50_000, currency: 'IDR', customer: { name: 'Sari' } };
    for (const provider of UNCONFIGURED) {
      const ref = uniqueRef(`named-${provider}`);
      const res = await stack.api('POST', '/v1/payments', { ...base, method: 'QRIS', provider, merchantReference: ref }, { key: KEY });
      assert.equal(res.status, 422, `${provider}: ${res.text}`);
      assert.equal(res.json.code, 'METHOD_NOT_SUPPORTED');
    }
    const gopay = await stack.api('POST', '/v1/payments', { ...base, method: 'EWALLET_GOPAY', merchantReference: uniqueRef('gopay') }, { key: KEY });
    assert.equal(gopay.status, 422, gopay.text);
    assert.equal(gopay.json.code, 'METHOD_NOT_SUPPORTED');
  });

  it("answers 404 on every unconfigured provider's webhook path, whatever it carries", async () => {
    for (const provider of UNCONFIGURED) {
      for (const path of [`/webhooks/${provider}`, `/webhooks/${provider}/v1.0/debit/notify`, `/webhooks/${provider}/authorization/v1/access-token/b2b`]) {
        const res = await post(stack.apiUrl + path, { 'x-callback-token': DEV_DEFAULTS.xendit.callbackToken, authorization: 'Bearer x' });
        assert.equal(res.status, 404, `${path}: ${res.text}`);
      }
    }
  });

  it('refuses Xendit notifications from a source outside BAYAR_WEBHOOK_ALLOW_XENDIT, even with the real token or a forged X-Forwarded-For', async () => {
    const url = `${stack.apiUrl}/webhooks/xendit`;
    const attempts: Record<string, string>[] = [
      { 'x-callback-token': OWN_TOKEN },
      { 'x-callback-token': DEV_DEFAULTS.xendit.callbackToken },
      // No trusted proxy is configured: the header is the client's own word, and ignored.
      { 'x-callback-token': OWN_TOKEN, 'x-forwarded-for': '203.0.113.5' },
      { 'x-callback-token': OWN_TOKEN, 'x-forwarded-for': '2001:db8::5' },
    ];
    for (const headers of attempts) {
      const res = await post(url, headers);
      assert.equal(res.status, 403, `${JSON.stringify(headers)}: ${res.text}`);
      assert.match(res.text, /SOURCE_NOT_ALLOWED/);
    }
  });

  it('behind a trusted proxy: the forwarded client decides, the public development token is rejected, the real one gets through', async () => {
    const url = `${proxiedUrl}/webhooks/xendit`;
    // The proxy forwarded a client outside the list (or none at all): refused.
    for (const forwarded of ['', '198.51.100.7', '203.0.113.5, 198.51.100.7']) {
      const headers: Record<string, string> = { 'x-callback-token': OWN_TOKEN };
      if (forwarded) headers['x-forwarded-for'] = forwarded;
      const res = await post(url, headers);
      assert.equal(res.status, 403, `${forwarded}: ${res.text}`);
    }
    for (const client of ['203.0.113.5', '2001:db8::5', '198.51.100.7, 203.0.113.5']) {
      // An allowed client with the public development token: the token check refuses it.
      const forged = await post(url, { 'x-callback-token': DEV_DEFAULTS.xendit.callbackToken, 'x-forwarded-for': client });
      assert.equal(forged.status, 401, `${client}: ${forged.text}`);
      assert.match(forged.text, /SIGNATURE_INVALID/);
      // With the configured token it passes both fences (and this empty body is then malformed).
      const genuine = await post(url, { 'x-callback-token': OWN_TOKEN, 'x-forwarded-for': client });
      assert.equal(genuine.status, 400, `${client}: ${genuine.text}`);
    }
  });
});

describe('production mode: bayar refuses to boot, naming the variable and never the secret', () => {
  const cases: { name: string; env: Record<string, string>; variable: string; secret?: string }[] = [
    {
      name: 'the public Xendit development token',
      env: { ...PRODUCTION, XENDIT_CALLBACK_TOKEN: DEV_DEFAULTS.xendit.callbackToken },
      variable: 'XENDIT_CALLBACK_TOKEN',
      secret: DEV_DEFAULTS.xendit.callbackToken,
    },
    { name: 'real Xendit without its callback token', env: { ...PRODUCTION, XENDIT_CALLBACK_TOKEN: '' }, variable: 'XENDIT_CALLBACK_TOKEN', secret: PRODUCTION.XENDIT_SECRET_KEY },
    { name: 'Xendit pointed at the local sandbox', env: { ...PRODUCTION, XENDIT_BASE_URL: 'http://127.0.0.1:4101' }, variable: 'XENDIT_BASE_URL', secret: PRODUCTION.XENDIT_SECRET_KEY },
    {
      name: 'the demo API key',
      env: { ...PRODUCTION, BAYAR_API_KEYS: DEV_DEFAULTS.apiKeys, BAYAR_MERCHANT_WEBHOOK_SECRETS: 'demo:whsec_live_e2e_0123456789' },
      variable: 'BAYAR_API_KEYS',
      secret: DEV_DEFAULTS.apiKeys.split(':')[1],
    },
    { name: 'a route to an unconfigured provider', env: { ...PRODUCTION, BAYAR_ROUTING: 'QRIS=midtrans|xendit' }, variable: 'BAYAR_ROUTING' },
  ];
  for (const { name, env, variable, secret } of cases) {
    it(`API and worker refuse ${name}`, async () => {
      for (const entry of ['main', 'worker'] as const) {
        const { code, output } = await boot(entry, env);
        assert.equal(code, 1, `${entry}: ${output}`);
        assert.match(output, new RegExp(variable), `${entry} names ${variable}`);
        if (secret) assert.ok(!output.includes(secret), `${entry} does not echo the secret: ${output}`);
      }
    });
  }

  it('the provider sandboxes refuse to run outside development mode', async () => {
    const { code, output } = await boot('sandbox/main', PRODUCTION);
    assert.equal(code, 1, output);
    assert.match(output, /development mode/);
  });
});
