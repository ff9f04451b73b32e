// Configuration: defaults that make `npm start` work with no settings, parsing of each kind of
// variable, and errors that name the variable without echoing a secret.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { ConfigError, loadConfig, PROVIDER_VARIABLES } from '../../src/config/config.js';
import { DEV_DEFAULTS } from '../../src/sandbox/dev-defaults.js';
import { DEV_AGGREGATOR_MERCHANT_PRIVATE_KEY, DEV_AGGREGATOR_PLATFORM_PRIVATE_KEY, DEV_AGGREGATOR_PLATFORM_PUBLIC_KEY } from '../../src/providers/aggregator/sandbox/dev-keys.js';
import { DEV_DOKU_SNAP_DOKU_PUBLIC_KEY, DEV_DOKU_SNAP_MERCHANT_PRIVATE_KEY } from '../../src/providers/doku/sandbox/dev-keys.js';
import { buildProviders, routeFor } from '../../src/providers/registry.js';
import { PROVIDER_NAMES } from '../../src/providers/index.js';
import { parseDuration, parseDurationList } from '../../src/config/duration.js';

/** Asserts loadConfig refuses `env` with a message naming `variable` and not containing any of `secrets`. */
function assertRefused(env: NodeJS.ProcessEnv, variable: string, secrets: string[] = []): void {
  assert.throws(
    () => loadConfig(env),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
      assert.ok(err.message.includes(variable), `message names ${variable}: ${err.message}`);
      for (const secret of secrets) assert.ok(!err.message.includes(secret), `message leaks "${secret}": ${err.message}`);
      return true;
    },
  );
}

/** Development mode: what `npm start`, the tests, the bench and chaos set. */
const DEV = { BAYAR_ENV: 'development' };

const OWN_SECRETS = {
  BAYAR_API_KEYS: 'shop:sk_live_0123456789',
  BAYAR_MERCHANT_WEBHOOK_SECRETS: 'shop:whsec_live_0123456789',
  BAYAR_DATA_KEY: Buffer.alloc(32, 7).toString('base64'),
};

describe("development mode (BAYAR_ENV=development): today's defaults", () => {
  it('runs the local stack with nothing else set', () => {
    const config = loadConfig(DEV);
    assert.equal(config.development, true);
    assert.equal(config.port, 3000);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.publicUrl, 'http://127.0.0.1:3000');
    assert.deepEqual(config.temporal, { address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'bayar-payments', embedded: true, port: 7233, uiPort: 8233, retentionMs: 7 * 24 * 3_600_000 });
    // No BAYAR_DATABASE_URL: the dev and test stacks run an embedded PostgreSQL on 5433.
    assert.deepEqual(config.database, { url: undefined, embedded: true, port: 5433 });
    assert.deepEqual(config.sandbox, { portBase: 4100, timeScale: 1 });
    assert.deepEqual([...config.apiKeys], [['demo', 'sk_test_bayar_demo_key']]);
    assert.equal(`demo:${config.apiKeys.get('demo')}`, DEV_DEFAULTS.apiKeys);
    assert.equal(config.merchantWebhookSecrets.get('demo'), DEV_DEFAULTS.merchantWebhookSecret);
    assert.equal(config.dataKey.length, 32);
    assert.deepEqual(config.providers.xendit!, {
      baseUrl: 'http://127.0.0.1:4101',
      sandbox: true,
      secretKey: DEV_DEFAULTS.xendit.secretKey,
      callbackToken: DEV_DEFAULTS.xendit.callbackToken,
      defaultReturnUrl: 'https://merchant.example/payment/return',
    });
    assert.deepEqual(config.timing, {
      pollScheduleMs: [15_000, 30_000, 60_000, 120_000, 300_000, 900_000],
      pollScheduleByProvider: {},
      lookupBudgetPerMinute: {},
      refundWindowMs: 30 * 86_400_000,
      merchantNotifyTimeoutMs: 86_400_000,
      createWaitMs: 10_000,
      providerTimeoutMs: 15_000,
      payoutLookupScheduleMs: [5_000, 15_000, 30_000, 60_000, 120_000, 300_000, 900_000],
      payoutReviewAfterMs: 86_400_000,
      payoutWindowMs: 7 * 86_400_000,
    });
    assert.equal(config.logLevel, 'info');
    assert.equal(config.workerCacheSize, 1000);
    assert.equal(config.routing.size, 0);
  });

  it('moves the sandbox URLs with the port base, and stops using them once a real URL is set', () => {
    assert.equal(loadConfig({ BAYAR_ENV: 'development', BAYAR_SANDBOX_PORT_BASE: '5000' }).providers.xendit!.baseUrl, 'http://127.0.0.1:5001');
    const real = loadConfig({
      BAYAR_ENV: 'development',
      ...OWN_SECRETS,
      XENDIT_BASE_URL: 'https://api.xendit.co',
      XENDIT_SECRET_KEY: 'xnd_production_abcdef',
      XENDIT_CALLBACK_TOKEN: 'token-from-dashboard',
    });
    assert.equal(real.providers.xendit!.baseUrl, 'https://api.xendit.co');
    assert.equal(real.providers.xendit!.sandbox, false);
    assert.equal(real.providers.xendit!.secretKey, 'xnd_production_abcdef');
  });

  it('takes a poll schedule per provider, falling back to the global one', () => {
    const config = loadConfig({ BAYAR_ENV: 'development', BAYAR_POLL_SCHEDULE: '10s,1m', BAYAR_POLL_SCHEDULE_MIDTRANS: '5s,20s,2m' });
    assert.deepEqual(config.timing.pollScheduleMs, [10_000, 60_000]);
    assert.deepEqual(config.timing.pollScheduleByProvider, { midtrans: [5_000, 20_000, 120_000] });
    assert.throws(() => loadConfig({ BAYAR_ENV: 'development', BAYAR_POLL_SCHEDULE_XENDIT: 'soon' }), /BAYAR_POLL_SCHEDULE_XENDIT/);
  });

  it('takes a status look-up budget per provider, a whole number a minute, none by default', () => {
    assert.deepEqual(loadConfig({ BAYAR_ENV: 'development' }).timing.lookupBudgetPerMinute, {});
    assert.deepEqual(loadConfig({ BAYAR_ENV: 'development', BAYAR_LOOKUP_BUDGET_XENDIT: '500' }).timing.lookupBudgetPerMinute, { xendit: 500 });
    for (const bad of ['0', '-1', '2.5', 'lots', '1000001']) {
      assert.throws(() => loadConfig({ BAYAR_ENV: 'development', BAYAR_LOOKUP_BUDGET_XENDIT: bad }), /BAYAR_LOOKUP_BUDGET_XENDIT/, bad);
    }
  });

  it('refuses the public development secrets once a real (HTTPS) provider is configured', () => {
    const realXendit = { XENDIT_BASE_URL: 'https://api.xendit.co', XENDIT_SECRET_KEY: 'xnd_production_abcdef', XENDIT_CALLBACK_TOKEN: 'token-from-dashboard' };
    assert.throws(
      () => loadConfig({ ...DEV, ...realXendit }),
      (err: Error) => err instanceof ConfigError && /XENDIT_BASE_URL/.test(err.message) && /BAYAR_API_KEYS/.test(err.message) && /BAYAR_DATA_KEY/.test(err.message),
    );
    assert.throws(() => loadConfig({ BAYAR_ENV: 'development', ...realXendit, ...OWN_SECRETS, BAYAR_MERCHANT_WEBHOOK_SECRETS: undefined as unknown as string }), /BAYAR_MERCHANT_WEBHOOK_SECRETS/);
    assert.doesNotThrow(() => loadConfig({ BAYAR_ENV: 'development', ...realXendit, ...OWN_SECRETS }));
  });

  it('takes the circuit threshold and open period, with defaults, and refuses nonsense', () => {
    assert.deepEqual(loadConfig({ BAYAR_ENV: 'development' }).circuit, { threshold: 5, openForMs: 30_000 });
    assert.deepEqual(loadConfig({ BAYAR_ENV: 'development', BAYAR_CIRCUIT_THRESHOLD: '3', BAYAR_CIRCUIT_OPEN_FOR: '2m' }).circuit, { threshold: 3, openForMs: 120_000 });
    assertRefused({ BAYAR_ENV: 'development', BAYAR_CIRCUIT_THRESHOLD: '0' }, 'BAYAR_CIRCUIT_THRESHOLD');
    assertRefused({ BAYAR_ENV: 'development', BAYAR_CIRCUIT_THRESHOLD: '2.5' }, 'BAYAR_CIRCUIT_THRESHOLD');
    assertRefused({ BAYAR_ENV: 'development', BAYAR_CIRCUIT_OPEN_FOR: '0s' }, 'BAYAR_CIRCUIT_OPEN_FOR');
    assertRefused({ BAYAR_ENV: 'development', BAYAR_CIRCUIT_OPEN_FOR: 'soon' }, 'BAYAR_CIRCUIT_OPEN_FOR');
  });

  it('uses an external Temporal when TEMPORAL_ADDRESS is set', () => {
    const config = loadConfig({ BAYAR_ENV: 'development', TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_NAMESPACE: 'payments' });
    assert.equal(config.temporal.address, 'temporal:7233');
    assert.equal(config.temporal.namespace, 'payments');
    assert.equal(config.temporal.embedded, false);
  });

  it('treats an empty variable as unset (docker-compose passes "" for ${VAR:-})', () => {
    const config = loadConfig({
      BAYAR_ENV: 'development',
      PORT: '',
      TEMPORAL_ADDRESS: '',
      BAYAR_API_KEYS: '',
      XENDIT_SECRET_KEY: '',
      XENDIT_BASE_URL: '',
      BAYAR_PUBLIC_URL: '',
      BAYAR_DATA_KEY: '',
      BAYAR_ROUTING: '',
    });
    const defaults = loadConfig(DEV);
    assert.equal(config.port, 3000, 'not port 0');
    assert.deepEqual(config.temporal, defaults.temporal);
    assert.deepEqual(config.apiKeys, defaults.apiKeys);
    assert.deepEqual(config.providers, defaults.providers);
    assert.deepEqual(config.dataKey, defaults.dataKey);
  });
});

describe('BAYAR_API_KEYS and BAYAR_MERCHANT_WEBHOOK_SECRETS', () => {
  it('parses merchantId:key pairs, trimming blanks and keeping colons inside keys', () => {
    const config = loadConfig({ BAYAR_ENV: 'development', BAYAR_API_KEYS: ' shop-1:sk_live_aaaaaaaa , shop_2:sk:with:colons,, ' });
    assert.deepEqual(
      [...config.apiKeys],
      [
        ['shop-1', 'sk_live_aaaaaaaa'],
        ['shop_2', 'sk:with:colons'],
      ],
    );
    assert.equal(config.apiKeys.has('demo'), false, 'configured keys replace the development key');
  });

  it('gives every merchant a webhook secret: its own, else the development one', () => {
    const config = loadConfig({ BAYAR_ENV: 'development', BAYAR_API_KEYS: 'a:key-aaaaaaaa,b:key-bbbbbbbb', BAYAR_MERCHANT_WEBHOOK_SECRETS: 'a:whsec_for_a_only' });
    assert.equal(config.merchantWebhookSecrets.get('a'), 'whsec_for_a_only');
    assert.equal(config.merchantWebhookSecrets.get('b'), DEV_DEFAULTS.merchantWebhookSecret);
  });

  it('refuses a short key without echoing it', () => {
    assertRefused({ ...DEV, BAYAR_API_KEYS: 'shop:sh0rt' }, 'BAYAR_API_KEYS', ['sh0rt']);
  });

  it('refuses an entry without a merchant id without echoing the secret', () => {
    const secret = 'sk_live_0123456789abcdef';
    assertRefused({ BAYAR_API_KEYS: secret }, 'BAYAR_API_KEYS', [secret, secret.slice(0, 12)]);
    assertRefused({ BAYAR_API_KEYS: `:${secret}` }, 'BAYAR_API_KEYS', [secret]);
    assertRefused({ BAYAR_MERCHANT_WEBHOOK_SECRETS: 'whsec_live_0123456789' }, 'BAYAR_MERCHANT_WEBHOOK_SECRETS', ['whsec_live_01234']);
  });

  it('refuses a merchant id with characters outside [A-Za-z0-9_-]', () => {
    assertRefused({ BAYAR_API_KEYS: 'shop 1:sk_live_aaaaaaaa' }, 'BAYAR_API_KEYS', ['sk_live_aaaaaaaa']);
  });
});

describe('bad values', () => {
  const cases: { env: NodeJS.ProcessEnv; variable: string; secrets?: string[] }[] = [
    { env: { XENDIT_SECRET_KEY: 'xnd_12' }, variable: 'XENDIT_SECRET_KEY', secrets: ['xnd_12'] },
    { env: { XENDIT_CALLBACK_TOKEN: 'tok_123' }, variable: 'XENDIT_CALLBACK_TOKEN', secrets: ['tok_123'] },
    { env: { BAYAR_DATA_KEY: Buffer.alloc(16, 9).toString('base64') }, variable: 'BAYAR_DATA_KEY', secrets: [Buffer.alloc(16, 9).toString('base64')] },
    { env: { XENDIT_BASE_URL: 'api.xendit.co' }, variable: 'XENDIT_BASE_URL' },
    { env: { BAYAR_PUBLIC_URL: 'not a url' }, variable: 'BAYAR_PUBLIC_URL' },
    { env: { PORT: 'http' }, variable: 'PORT' },
    { env: { PORT: '70000' }, variable: 'PORT' },
    { env: { PORT: '3000.5' }, variable: 'PORT' },
    { env: { BAYAR_SANDBOX_TIME_SCALE: '2' }, variable: 'BAYAR_SANDBOX_TIME_SCALE' },
    { env: { BAYAR_LOG_LEVEL: 'verbose' }, variable: 'BAYAR_LOG_LEVEL' },
  ];
  for (const { env, variable, secrets } of cases) {
    it(`refuses ${variable}=${JSON.stringify(Object.values(env)[0])} with a message naming it`, () => assertRefused(env, variable, secrets));
  }

  it('reports every bad variable at once', () => {
    assert.throws(
      () => loadConfig({ BAYAR_ENV: 'development', PORT: 'x', BAYAR_LOG_LEVEL: 'loud' }),
      (err: unknown) => err instanceof ConfigError && /PORT/.test(err.message) && /BAYAR_LOG_LEVEL/.test(err.message),
    );
  });
});

describe('durations', () => {
  it('parses ms, s, m, h and d', () => {
    assert.equal(parseDuration('200ms'), 200);
    assert.equal(parseDuration('15s'), 15_000);
    assert.equal(parseDuration('2m'), 120_000);
    assert.equal(parseDuration('1h'), 3_600_000);
    assert.equal(parseDuration('30d'), 2_592_000_000);
    assert.equal(parseDuration(' 5 s '), 5000);
  });

  it('refuses what is not a whole number with a unit', () => {
    for (const bad of ['', '15', '1.5s', '-1s', '1w', 's', '1 h 2 m', '1S']) assert.equal(parseDuration(bad), undefined, bad);
  });

  it('parses lists of positive durations only', () => {
    assert.deepEqual(parseDurationList('1s,2s, 1m'), [1000, 2000, 60_000]);
    assert.equal(parseDurationList('1s,0s'), undefined);
    assert.equal(parseDurationList('1s,,2s'), undefined);
  });

  it('reads the duration variables', () => {
    const config = loadConfig({
      BAYAR_ENV: 'development',
      BAYAR_POLL_SCHEDULE: '1s,5s',
      BAYAR_REFUND_WINDOW: '2h',
      BAYAR_MERCHANT_NOTIFY_TIMEOUT: '10m',
      BAYAR_CREATE_WAIT: '500ms',
      BAYAR_PROVIDER_TIMEOUT: '3s',
    });
    const { payoutLookupScheduleMs: _l, payoutReviewAfterMs: _r, payoutWindowMs: _w, ...paymentTiming } = config.timing;
    assert.deepEqual(paymentTiming, {
      pollScheduleMs: [1000, 5000],
      pollScheduleByProvider: {},
      lookupBudgetPerMinute: {},
      refundWindowMs: 7_200_000,
      merchantNotifyTimeoutMs: 600_000,
      createWaitMs: 500,
      providerTimeoutMs: 3000,
    });
  });

  it('reads the payout timings, with defaults', () => {
    const defaults = loadConfig(DEV).timing;
    assert.deepEqual(defaults.payoutLookupScheduleMs, [5_000, 15_000, 30_000, 60_000, 120_000, 300_000, 900_000]);
    assert.equal(defaults.payoutReviewAfterMs, 86_400_000);
    assert.equal(defaults.payoutWindowMs, 7 * 86_400_000);
    const set = loadConfig({ BAYAR_ENV: 'development', BAYAR_PAYOUT_LOOKUP_SCHEDULE: '300ms,1s', BAYAR_PAYOUT_REVIEW_AFTER: '4s', BAYAR_PAYOUT_WINDOW: '2m' }).timing;
    assert.deepEqual([set.payoutLookupScheduleMs, set.payoutReviewAfterMs, set.payoutWindowMs], [[300, 1000], 4000, 120_000]);
    assertRefused({ BAYAR_PAYOUT_LOOKUP_SCHEDULE: '5s,later' }, 'BAYAR_PAYOUT_LOOKUP_SCHEDULE');
    assertRefused({ BAYAR_PAYOUT_WINDOW: 'a week' }, 'BAYAR_PAYOUT_WINDOW');
  });

  it('refuses a bad duration naming the variable', () => {
    assertRefused({ BAYAR_REFUND_WINDOW: 'a month' }, 'BAYAR_REFUND_WINDOW');
    assertRefused({ BAYAR_POLL_SCHEDULE: '15s,soon' }, 'BAYAR_POLL_SCHEDULE');
  });
});

describe('BAYAR_ROUTING', () => {
  it('parses ordered providers per method', () => {
    const routing = loadConfig({ BAYAR_ENV: 'development', BAYAR_ROUTING: 'QRIS=xendit|midtrans; VA_BCA = doku ;' }).routing;
    assert.deepEqual(routing.get('QRIS'), ['xendit', 'midtrans']);
    assert.equal(routing.size, 2);
  });

  it('refuses an unknown method, an unknown provider or an empty list', () => {
    for (const bad of ['BITCOIN=xendit', 'QRIS=paypal', 'QRIS=', 'QRIS', 'QRIS=xendit|', 'QRIS=xendit=doku']) {
      assertRefused({ BAYAR_ROUTING: bad }, 'BAYAR_ROUTING');
    }
  });
});

// ---- production mode: the default ----------------------------------------------------------

const rsa = () => generateKeyPairSync('rsa', { modulusLength: 1024, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
const [ownAggregator, ownPlatform, ownSnap, ownDoku] = [rsa(), rsa(), rsa(), rsa()];

/** bayar's own production secrets: none of them published. */
const PRODUCTION = {
  BAYAR_API_KEYS: 'shop:sk_live_0123456789abcdef',
  BAYAR_MERCHANT_WEBHOOK_SECRETS: 'shop:whsec_live_0123456789abcdef',
  BAYAR_DATA_KEY: Buffer.alloc(32, 7).toString('base64'),
  BAYAR_PUBLIC_URL: 'https://pay.example.co.id',
};

/** Each provider, fully configured with its own (made-up, unpublished) credentials. */
const REAL: Record<(typeof PROVIDER_NAMES)[number], Record<string, string>> = {
  xendit: { XENDIT_SECRET_KEY: 'xnd_production_own_secret', XENDIT_CALLBACK_TOKEN: 'own-dashboard-callback-token', XENDIT_BASE_URL: 'https://api.xendit.co' },
  midtrans: { MIDTRANS_SERVER_KEY: 'Mid-server-own-key-123', MIDTRANS_BASE_URL: 'https://api.midtrans.com' },
  doku: {
    DOKU_CLIENT_ID: 'BRN-0202-own-client',
    DOKU_SECRET_KEY: 'SK-own-doku-secret',
    DOKU_BASE_URL: 'https://api.doku.com',
    DOKU_SNAP_PRIVATE_KEY: ownSnap.privateKey,
    DOKU_SNAP_DOKU_PUBLIC_KEY: ownDoku.publicKey,
  },
  ecommpay: { ECOMMPAY_PROJECT_ID: '2990', ECOMMPAY_SECRET_KEY: 'own-ecommpay-secret', ECOMMPAY_BASE_URL: 'https://api.ecommpay.com' },
  indodana: {
    INDODANA_API_KEY: 'own-indodana-key',
    INDODANA_SECRET_KEY: 'own-indodana-secret',
    INDODANA_BASE_URL: 'https://api.indodanafinance.co.id/chermes/merchant',
  },
  aggregator: {
    AGGREGATOR_MERCHANT_ID: 'S-OWN-MERCHANT-01',
    AGGREGATOR_PRIVATE_KEY: ownAggregator.privateKey,
    AGGREGATOR_PLATFORM_PUBLIC_KEY: ownPlatform.publicKey,
    AGGREGATOR_BASE_URL: 'https://id-openapi.toppay.asia',
  },
};

describe('production mode (the default: anything but BAYAR_ENV=development)', () => {
  it('boots with one configured provider, and only that provider is live', () => {
    for (const mode of [undefined, 'production', 'prod', 'Development', 'dev']) {
      const config = loadConfig({ ...PRODUCTION, ...REAL.xendit, ...(mode ? { BAYAR_ENV: mode } : {}) });
      assert.equal(config.development, false, String(mode));
      assert.deepEqual(Object.keys(config.providers), ['xendit']);
    }
    const config = loadConfig({ ...PRODUCTION, ...REAL.xendit });
    const providers = buildProviders(config);
    assert.deepEqual([...providers.keys()], ['xendit']);
    // QRIS is offered by four providers; only the live one is routed to. GoPay only by Midtrans: nobody.
    assert.deepEqual(routeFor('QRIS', providers, config.routing), ['xendit']);
    assert.deepEqual(routeFor('EWALLET_GOPAY', providers, config.routing), []);
    assert.deepEqual([...config.apiKeys], [['shop', 'sk_live_0123456789abcdef']]);
    assert.equal(config.apiKeys.has('demo'), false);
    assert.deepEqual(config.dataKey, Buffer.alloc(32, 7));
  });

  it('boots with all six configured, none of them a sandbox', () => {
    const config = loadConfig({ ...PRODUCTION, ...Object.assign({}, ...Object.values(REAL)) });
    assert.deepEqual(Object.keys(config.providers).sort(), [...PROVIDER_NAMES].sort());
    for (const p of PROVIDER_NAMES) assert.equal(config.providers[p]!.sandbox, false, p);
    assert.ok(config.providers.doku!.snap, 'SNAP with both keys');
    assert.equal(config.providers.doku!.snap.clientSecret, 'SK-own-doku-secret');
  });

  it('refuses to boot with nothing configured, naming what is missing', () => {
    assert.throws(
      () => loadConfig({}),
      (err: unknown) => err instanceof ConfigError && /no provider is configured/.test(err.message) && /BAYAR_DATA_KEY is not set/.test(err.message) && /BAYAR_PUBLIC_URL/.test(err.message),
    );
  });

  // Every published development value, in every variable that could carry it.
  const published: [string, string, Record<string, string>][] = [
    ['XENDIT_SECRET_KEY', DEV_DEFAULTS.xendit.secretKey, REAL.xendit!],
    ['XENDIT_CALLBACK_TOKEN', DEV_DEFAULTS.xendit.callbackToken, REAL.xendit!],
    ['MIDTRANS_SERVER_KEY', DEV_DEFAULTS.midtrans.serverKey, REAL.midtrans!],
    ['DOKU_CLIENT_ID', DEV_DEFAULTS.doku.clientId, REAL.doku!],
    ['DOKU_SECRET_KEY', DEV_DEFAULTS.doku.secretKey, REAL.doku!],
    ['DOKU_SNAP_CLIENT_SECRET', DEV_DEFAULTS.doku.secretKey, REAL.doku!],
    ['DOKU_SNAP_PRIVATE_KEY', DEV_DOKU_SNAP_MERCHANT_PRIVATE_KEY, REAL.doku!],
    ['DOKU_SNAP_DOKU_PUBLIC_KEY', DEV_DOKU_SNAP_DOKU_PUBLIC_KEY, REAL.doku!],
    ['ECOMMPAY_SECRET_KEY', DEV_DEFAULTS.ecommpay.secretKey, REAL.ecommpay!],
    ['INDODANA_API_KEY', DEV_DEFAULTS.indodana.apiKey, REAL.indodana!],
    ['INDODANA_SECRET_KEY', DEV_DEFAULTS.indodana.secretKey, REAL.indodana!],
    ['AGGREGATOR_MERCHANT_ID', DEV_DEFAULTS.aggregator.merchantId, REAL.aggregator!],
    ['AGGREGATOR_PRIVATE_KEY', DEV_AGGREGATOR_MERCHANT_PRIVATE_KEY, REAL.aggregator!],
    // The other half of a development pair, or the other pair's key, is just as public.
    ['AGGREGATOR_PRIVATE_KEY', DEV_AGGREGATOR_PLATFORM_PRIVATE_KEY, REAL.aggregator!],
    ['AGGREGATOR_PLATFORM_PUBLIC_KEY', DEV_AGGREGATOR_PLATFORM_PUBLIC_KEY, REAL.aggregator!],
    ['XENDIT_SECRET_KEY', DEV_DEFAULTS.midtrans.serverKey, REAL.xendit!],
    ['BAYAR_DATA_KEY', DEV_DEFAULTS.dataKey, {}],
    ['BAYAR_API_KEYS', DEV_DEFAULTS.apiKeys, {}],
    ['BAYAR_API_KEYS', `shop:${DEV_DEFAULTS.apiKeys.split(':')[1]}`, {}],
    ['BAYAR_MERCHANT_WEBHOOK_SECRETS', `shop:${DEV_DEFAULTS.merchantWebhookSecret}`, {}],
  ];
  for (const [variable, value, provider] of published) {
    it(`refuses a published development value in ${variable}, without echoing it`, () => {
      const secret = value.includes(':') && variable.startsWith('BAYAR_') ? value.slice(value.indexOf(':') + 1) : value;
      const env = {
        ...PRODUCTION,
        ...REAL.xendit,
        ...provider,
        [variable]: value,
        ...(variable === 'BAYAR_API_KEYS' && value.startsWith('demo:') ? { BAYAR_MERCHANT_WEBHOOK_SECRETS: `${PRODUCTION.BAYAR_MERCHANT_WEBHOOK_SECRETS},demo:whsec_live_demo_own_123` } : {}),
      };
      // A PEM is checked by a slice of its body (the message must not hold any of it).
      assertRefused(env, variable, [secret.includes('-----') ? secret.split('\n')[2]! : secret]);
      assert.throws(() => loadConfig(env), /published development/);
    });
  }

  const badUrls: [string, string][] = [
    ['http://127.0.0.1:4101', 'the local sandbox'],
    ['http://sandbox:4101', 'the compose sandbox (http)'],
    ['https://127.0.0.1:4101', 'loopback over https'],
    ['https://localhost:4101', 'localhost'],
    ['https://[::1]:4101', 'IPv6 loopback'],
    ['https://0.0.0.0', 'unspecified'],
    ['http://api.xendit.co', 'the real host without TLS'],
    ['https://user:pw@api.xendit.co', 'credentials in the URL'],
  ];
  for (const [url, what] of badUrls) {
    it(`refuses a provider base URL that is ${what}`, () => {
      assertRefused({ ...PRODUCTION, ...REAL.xendit, XENDIT_BASE_URL: url }, 'XENDIT_BASE_URL', ['pw', REAL.xendit!.XENDIT_SECRET_KEY!]);
    });
  }

  it('refuses a half-configured provider, naming the missing variable and no secret', () => {
    const { XENDIT_CALLBACK_TOKEN: _token, ...xenditWithoutToken } = REAL.xendit!;
    assertRefused({ ...PRODUCTION, ...xenditWithoutToken }, 'XENDIT_CALLBACK_TOKEN', [REAL.xendit!.XENDIT_SECRET_KEY!, DEV_DEFAULTS.xendit.callbackToken]);
    assertRefused({ ...PRODUCTION, ...REAL.xendit, MIDTRANS_SERVER_KEY: 'Mid-server-own-key-123' }, 'MIDTRANS_BASE_URL', ['Mid-server-own-key-123']);
    assertRefused({ ...PRODUCTION, ...REAL.xendit, MIDTRANS_BASE_URL: 'https://api.midtrans.com' }, 'MIDTRANS_SERVER_KEY');
    // An optional variable alone turns the provider on: a forgotten provider is not silently off.
    assertRefused({ ...PRODUCTION, ...REAL.midtrans, XENDIT_RETURN_URL: 'https://shop.example/return' }, 'XENDIT_SECRET_KEY');
    assertRefused({ ...PRODUCTION, ...REAL.xendit, BAYAR_WEBHOOK_ALLOW_MIDTRANS: '203.0.113.0/24' }, 'MIDTRANS_SERVER_KEY');
    // Indodana needs no QRIS of the merchant's any more (it issues what the customer pays): key,
    // secret and base URL are the whole of it, and a missing secret is refused without echoing the key.
    const { INDODANA_SECRET_KEY: _secret, ...indodanaWithoutSecret } = REAL.indodana!;
    assertRefused({ ...PRODUCTION, ...indodanaWithoutSecret }, 'INDODANA_SECRET_KEY', [REAL.indodana!.INDODANA_API_KEY!]);
    const { DOKU_SNAP_DOKU_PUBLIC_KEY: _doku, ...dokuHalfSnap } = REAL.doku!;
    assertRefused({ ...PRODUCTION, ...dokuHalfSnap }, 'DOKU_SNAP_DOKU_PUBLIC_KEY', [ownSnap.privateKey.split('\n')[2]!]);
    for (const p of PROVIDER_NAMES) {
      for (const missing of PROVIDER_VARIABLES[p].required) {
        const { [missing]: _gone, ...rest } = REAL[p]!;
        if (Object.keys(rest).length === 0) continue;
        assertRefused(
          { ...PRODUCTION, ...rest },
          missing,
          Object.values(rest)
            .filter((v) => !v.startsWith('https://') && !/^\d+$/.test(v))
            .map((v) => (v.includes('-----') ? v.split('\n')[2]! : v)),
        );
      }
    }
  });

  it('refuses missing bayar secrets and a routing rule to a provider that is not live', () => {
    const { BAYAR_DATA_KEY: _k, ...noDataKey } = PRODUCTION;
    assertRefused({ ...noDataKey, ...REAL.xendit }, 'BAYAR_DATA_KEY');
    assertRefused({ ...PRODUCTION, ...REAL.xendit, BAYAR_API_KEYS: 'shop:sk_live_0123456789abcdef,other:sk_live_other_456789' }, 'BAYAR_MERCHANT_WEBHOOK_SECRETS', ['sk_live_other_456789']);
    assertRefused({ ...PRODUCTION, ...REAL.xendit, BAYAR_PUBLIC_URL: 'http://pay.example.co.id' }, 'BAYAR_PUBLIC_URL');
    assertRefused({ ...PRODUCTION, ...REAL.xendit, BAYAR_ROUTING: 'QRIS=midtrans|xendit' }, 'BAYAR_ROUTING');
    assert.doesNotThrow(() => loadConfig({ ...PRODUCTION, ...REAL.xendit, BAYAR_ROUTING: 'QRIS=xendit' }));
  });

  it('reads the webhook source allow-lists and trusted proxies (IPv4 and IPv6)', () => {
    const config = loadConfig({ ...PRODUCTION, ...REAL.xendit, BAYAR_WEBHOOK_ALLOW_XENDIT: '203.0.113.0/24, 2001:db8::/32 198.51.100.7', BAYAR_TRUSTED_PROXIES: '10.0.0.0/8' });
    assert.deepEqual(config.webhookSources.allow.xendit, [
      { address: '203.0.113.0', prefix: 24, family: 'ipv4' },
      { address: '2001:db8::', prefix: 32, family: 'ipv6' },
      { address: '198.51.100.7', prefix: 32, family: 'ipv4' },
    ]);
    assert.deepEqual(config.webhookSources.trustedProxies, [{ address: '10.0.0.0', prefix: 8, family: 'ipv4' }]);
    assert.deepEqual(loadConfig({ ...PRODUCTION, ...REAL.xendit }).webhookSources, { allow: {}, trustedProxies: [] });
    for (const bad of ['203.0.113.0/33', 'example.com', '2001:db8::/129', '1.2.3.4/8/1', ',']) {
      assertRefused({ ...PRODUCTION, ...REAL.xendit, BAYAR_WEBHOOK_ALLOW_XENDIT: bad }, 'BAYAR_WEBHOOK_ALLOW_XENDIT');
    }
  });
});

describe('development mode keeps a real provider off the sandboxes', () => {
  it('lists all six, sandboxes unless pointed elsewhere, and never fails over from a real one to a sandbox', () => {
    const all = loadConfig(DEV);
    assert.deepEqual(Object.keys(all.providers).sort(), [...PROVIDER_NAMES].sort());
    for (const p of PROVIDER_NAMES) assert.equal(all.providers[p]!.sandbox, true, p);
    assert.ok(routeFor('QRIS', buildProviders(all), all.routing).length > 1, 'sandboxes fail over to sandboxes');
    const mixed = loadConfig({ ...DEV, ...OWN_SECRETS, BAYAR_PUBLIC_URL: 'https://pay.example.co.id', ...REAL.xendit });
    assert.equal(mixed.providers.xendit!.sandbox, false);
    assert.deepEqual(routeFor('QRIS', buildProviders(mixed), mixed.routing), ['xendit']);
    assert.deepEqual(routeFor('QRIS', buildProviders(mixed), new Map([['QRIS', ['midtrans', 'xendit']]])), ['xendit']);
  });
});

describe('loadConfig: the system of record', () => {
  it('takes a postgres:// BAYAR_DATABASE_URL and turns the embedded server off', () => {
    const config = loadConfig({ ...DEV, BAYAR_DATABASE_URL: 'postgres://bayar:pw@db.internal:5432/bayar' });
    assert.deepEqual(config.database, { url: 'postgres://bayar:pw@db.internal:5432/bayar', embedded: false, port: 5433 });
  });

  it('refuses anything else, without echoing the value (it holds a password)', () => {
    assert.throws(
      () => loadConfig({ ...DEV, BAYAR_DATABASE_URL: 'mysql://root:hunter2@db/bayar' }),
      (err: Error) => err instanceof ConfigError && /BAYAR_DATABASE_URL: a postgres:\/\/ connection URL/.test(err.message) && !err.message.includes('hunter2'),
    );
  });
});
