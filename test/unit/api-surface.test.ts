// The API's own surface, in-process (Temporal unreachable, nothing here needs it): /metrics and
// /docs closed by default in production, moved to an admin port when configured, open in
// development; security headers for a JSON API and no X-Powered-By.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { request, type IncomingMessage, type Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import { createApi, listenAdmin } from '../../src/api.js';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { freePort } from '../helpers/stack.js';

const BASE_ENV = { TEMPORAL_ADDRESS: '127.0.0.1:9', BAYAR_LOG_LEVEL: 'error' };
/** What production needs to boot at all (one configured provider, bayar's own secrets); none of it published. */
const PROD = {
  BAYAR_API_KEYS: 'shop:sk_live_0123456789abcdef',
  BAYAR_MERCHANT_WEBHOOK_SECRETS: 'shop:whsec_live_0123456789abcdef',
  BAYAR_DATA_KEY: Buffer.alloc(32, 7).toString('base64'),
  BAYAR_PUBLIC_URL: 'https://pay.example.co.id',
  XENDIT_SECRET_KEY: 'xnd_production_own_secret',
  XENDIT_CALLBACK_TOKEN: 'own-dashboard-callback-token',
  XENDIT_BASE_URL: 'https://api.xendit.co',
};

async function start(env: Record<string, string>) {
  const config = loadConfig({ ...BASE_ENV, ...(env.BAYAR_ENV === 'development' ? {} : PROD), ...env });
  const app = await createApi(config);
  await app.listen(0, '127.0.0.1');
  const admin = await listenAdmin(app, config);
  return { app, admin, url: `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}` };
}

describe('the API surface in-process', () => {
  const apps: { app: INestApplication; admin?: Server }[] = [];
  after(async () => {
    for (const a of apps) {
      a.admin?.closeAllConnections();
      await new Promise((r) => (a.admin ? a.admin.close(r) : r(undefined)));
      await a.app.close();
    }
  });

  describe('production defaults', () => {
    let url = '';
    before(async () => {
      const s = await start({});
      apps.push(s);
      url = s.url;
    });

    it('/metrics and /docs are closed: 404, like a route that does not exist', async () => {
      for (const path of ['/metrics', '/docs', '/docs/', '/docs/openapi.json', '/docs-yaml']) {
        const res = await fetch(url + path);
        assert.equal(res.status, 404, path);
        assert.doesNotMatch(await res.text(), /bayar_|openapi|swagger/i, path);
      }
    });

    it('every answer has JSON-API security headers, HSTS, and no X-Powered-By', async () => {
      for (const path of ['/v1/payments', '/nothing-here', '/metrics']) {
        const res = await fetch(url + path);
        assert.equal(res.headers.get('x-powered-by'), null, path);
        assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
        assert.equal(res.headers.get('x-frame-options'), 'DENY', path);
        assert.equal(res.headers.get('referrer-policy'), 'no-referrer', path);
        assert.equal(res.headers.get('cross-origin-resource-policy'), 'same-origin', path);
        assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'; frame-ancestors 'none'/, path);
        assert.match(res.headers.get('strict-transport-security') ?? '', /max-age=\d+/, path);
        assert.equal(res.headers.get('cache-control'), 'no-store', path);
      }
    });
    it('/health answers 503 as problem+json, like every other refusal, while Temporal is unreachable', async () => {
      const res = await fetch(`${url}/health`);
      assert.equal(res.status, 503);
      assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
      const body = (await res.json()) as Record<string, unknown>;
      assert.deepEqual([body.code, body.status, body.title, body.instance], ['TEMPORAL_UNAVAILABLE', 503, 'Service Unavailable', '/health']);
    });
  });

  describe('BAYAR_ADMIN_ENDPOINTS=<port>', () => {
    let url = '';
    let adminUrl = '';
    before(async () => {
      const port = await freePort();
      const s = await start({ BAYAR_ADMIN_ENDPOINTS: String(port) });
      apps.push(s);
      url = s.url;
      adminUrl = `http://127.0.0.1:${port}`;
    });

    it('serves /metrics and /docs on the admin port only, and nothing else there', async () => {
      const metrics = await fetch(`${adminUrl}/metrics`);
      assert.equal(metrics.status, 200);
      assert.match(await metrics.text(), /bayar_http_request_duration_seconds/);
      const doc = await fetch(`${adminUrl}/docs/openapi.json`);
      assert.equal(doc.status, 200);
      assert.ok(((await doc.json()) as { paths: Record<string, unknown> }).paths['/v1/payments']);
      assert.equal((await fetch(`${url}/metrics`)).status, 404, 'not on the public port');
      assert.equal((await fetch(`${url}/docs/openapi.json`)).status, 404, 'not on the public port');
      assert.equal((await fetch(`${adminUrl}/v1/payments`)).status, 404, 'the API is not on the admin port');
      assert.equal((await fetch(`${adminUrl}/health`)).status, 404);
    });
  });

  describe('development', () => {
    it('keeps /metrics and /docs on the API port, and sends no HSTS over plain http', async () => {
      const s = await start({ BAYAR_ENV: 'development' });
      apps.push(s);
      const metrics = await fetch(`${s.url}/metrics`);
      assert.equal(metrics.status, 200);
      assert.equal(metrics.headers.get('strict-transport-security'), null);
      assert.equal((await fetch(`${s.url}/docs/openapi.json`)).status, 200);
    });

    it('documents every answer as problem+json, and answers a method a documented path lacks 405 with Allow', async () => {
      const s = await start({ BAYAR_ENV: 'development' });
      apps.push(s);
      const doc = (await (await fetch(`${s.url}/docs/openapi.json`)).json()) as { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>> };
      const create = doc.paths['/v1/payments']!.post!.responses;
      for (const status of ['200', '201', '202', '400', '401', '403', '409', '422', '503']) assert.ok(create[status], `POST /v1/payments documents ${status}`);
      assert.ok(create['422']!.content!['application/problem+json'], 'refusals are problem+json');
      for (const [path, ops] of Object.entries(doc.paths)) {
        for (const [method, op] of Object.entries(ops)) {
          if (path.startsWith('/v1/')) assert.ok(op.responses['401'] && op.responses['403'], `${method} ${path}: 401 and 403`);
        }
      }
      // fetch refuses TRACE, so node:http asks.
      const trace = (path: string) =>
        new Promise<IncomingMessage>((resolve, reject) =>
          request(`${s.url}${path}`, { method: 'TRACE' }, (res) => resolve(res.resume()))
            .once('error', reject)
            .end(),
        );
      const answer = await trace('/v1/payments');
      assert.equal(answer.statusCode, 405);
      assert.match(answer.headers['content-type'] ?? '', /^application\/problem\+json/);
      assert.deepEqual(answer.headers.allow?.split(', ').sort(), ['GET', 'HEAD', 'POST']);
      assert.equal((await fetch(`${s.url}/v1/payments/pay_0123456789abcdef01234567`, { method: 'PUT' })).status, 405);
      assert.equal((await trace('/v1/nothing-here')).statusCode, 404, 'undocumented paths are not found, whatever the method');
    });
  });
});

describe('the mode switches in the config', () => {
  it('production by default: https callbacks, no loopback, /metrics and /docs closed', () => {
    const config = loadConfig(PROD);
    assert.equal(config.development, false);
    assert.deepEqual(config.callbacks, { requireHttps: true, allowLoopback: false });
    assert.deepEqual(config.adminEndpoints, { mode: 'closed' });
  });

  it('development: http callbacks, loopback only when switched on (all of it, or some ports), endpoints public', () => {
    assert.deepEqual(loadConfig({ BAYAR_ENV: 'development' }).callbacks, { requireHttps: false, allowLoopback: false });
    assert.deepEqual(loadConfig({ BAYAR_ENV: 'development', BAYAR_ALLOW_LOOPBACK_CALLBACKS: 'true' }).callbacks, { requireHttps: false, allowLoopback: true });
    assert.deepEqual(loadConfig({ BAYAR_ENV: 'development', BAYAR_ALLOW_LOOPBACK_CALLBACKS: '4101,4102' }).callbacks.allowLoopback, [4101, 4102]);
    assert.deepEqual(loadConfig({ BAYAR_ENV: 'development' }).adminEndpoints, { mode: 'public' });
    assert.deepEqual(loadConfig({ BAYAR_ENV: 'development', BAYAR_ADMIN_ENDPOINTS: 'closed' }).adminEndpoints, { mode: 'closed' });
  });

  it('refuses the loopback switch in production, and bad values, naming the variable', () => {
    assert.throws(
      () => loadConfig({ ...PROD, BAYAR_ALLOW_LOOPBACK_CALLBACKS: 'true' }),
      (err: Error) => err instanceof ConfigError && /BAYAR_ALLOW_LOOPBACK_CALLBACKS: development only/.test(err.message),
    );
    assert.throws(() => loadConfig({ BAYAR_ENV: 'development', BAYAR_ALLOW_LOOPBACK_CALLBACKS: 'yes' }), /BAYAR_ALLOW_LOOPBACK_CALLBACKS/);
    assert.throws(() => loadConfig({ ...PROD, BAYAR_ADMIN_ENDPOINTS: 'everywhere' }), /BAYAR_ADMIN_ENDPOINTS/);
    assert.throws(() => loadConfig({ ...PROD, BAYAR_ADMIN_ENDPOINTS: '70000' }), /BAYAR_ADMIN_ENDPOINTS/);
    assert.throws(() => loadConfig({ BAYAR_ENV: 'staging' }), /BAYAR_ENV/);
    assert.deepEqual(loadConfig({ ...PROD, BAYAR_ADMIN_ENDPOINTS: '9464', BAYAR_ADMIN_HOST: '10.0.0.2' }).adminEndpoints, { mode: 'port', port: 9464, host: '10.0.0.2' });
  });
});
