// Configuration: defaults that make `npm start` work with no settings, parsing of each kind of
// variable, and errors that name the variable without echoing a secret.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, DEV_DEFAULTS, loadConfig } from '../../src/config/config.js';
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

const OWN_SECRETS = {
  BAYAR_API_KEYS: 'shop:sk_live_0123456789',
  BAYAR_MERCHANT_WEBHOOK_SECRETS: 'shop:whsec_live_0123456789',
  BAYAR_DATA_KEY: Buffer.alloc(32, 7).toString('base64'),
};

describe('loadConfig defaults', () => {
  it('runs the local stack with no settings at all', () => {
    const config = loadConfig({});
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
    assert.deepEqual(config.providers.xendit, {
      baseUrl: 'http://127.0.0.1:4101',
      sandbox: true,
      secretKey: DEV_DEFAULTS.xendit.secretKey,
      callbackToken: DEV_DEFAULTS.xendit.callbackToken,
      defaultReturnUrl: 'https://merchant.example/payment/return',
    });
    assert.deepEqual(config.timing, {
      pollScheduleMs: [15_000, 30_000, 60_000, 120_000, 300_000, 900_000],
      pollScheduleByProvider: {},
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
    assert.equal(loadConfig({ BAYAR_SANDBOX_PORT_BASE: '5000' }).providers.xendit.baseUrl, 'http://127.0.0.1:5001');
    const real = loadConfig({ ...OWN_SECRETS, XENDIT_BASE_URL: 'https://api.xendit.co', XENDIT_SECRET_KEY: 'xnd_production_abcdef', XENDIT_CALLBACK_TOKEN: 'token-from-dashboard' });
    assert.equal(real.providers.xendit.baseUrl, 'https://api.xendit.co');
    assert.equal(real.providers.xendit.sandbox, false);
    assert.equal(real.providers.xendit.secretKey, 'xnd_production_abcdef');
  });

  it('takes a poll schedule per provider, falling back to the global one', () => {
    const config = loadConfig({ BAYAR_POLL_SCHEDULE: '10s,1m', BAYAR_POLL_SCHEDULE_MIDTRANS: '5s,20s,2m' });
    assert.deepEqual(config.timing.pollScheduleMs, [10_000, 60_000]);
    assert.deepEqual(config.timing.pollScheduleByProvider, { midtrans: [5_000, 20_000, 120_000] });
    assert.throws(() => loadConfig({ BAYAR_POLL_SCHEDULE_XENDIT: 'soon' }), /BAYAR_POLL_SCHEDULE_XENDIT/);
  });

  it('refuses the public development secrets once a real (HTTPS) provider is configured', () => {
    const realXendit = { XENDIT_BASE_URL: 'https://api.xendit.co', XENDIT_SECRET_KEY: 'xnd_production_abcdef', XENDIT_CALLBACK_TOKEN: 'token-from-dashboard' };
    assert.throws(() => loadConfig(realXendit), (err: Error) => err instanceof ConfigError && /XENDIT_BASE_URL/.test(err.message) && /BAYAR_API_KEYS/.test(err.message) && /BAYAR_DATA_KEY/.test(err.message));
    assert.throws(() => loadConfig({ ...realXendit, ...OWN_SECRETS, BAYAR_MERCHANT_WEBHOOK_SECRETS: undefined as unknown as string }), /BAYAR_MERCHANT_WEBHOOK_SECRETS/);
    assert.doesNotThrow(() => loadConfig({ ...realXendit, ...OWN_SECRETS }));
  });

  it('uses an external Temporal when TEMPORAL_ADDRESS is set', () => {
    const config = loadConfig({ TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_NAMESPACE: 'payments' });
    assert.equal(config.temporal.address, 'temporal:7233');
    assert.equal(config.temporal.namespace, 'payments');
    assert.equal(config.temporal.embedded, false);
  });

  it('treats an empty variable as unset (docker-compose passes "" for ${VAR:-})', () => {
    const config = loadConfig({ PORT: '', TEMPORAL_ADDRESS: '', BAYAR_API_KEYS: '', XENDIT_SECRET_KEY: '', XENDIT_BASE_URL: '', BAYAR_PUBLIC_URL: '', BAYAR_DATA_KEY: '', BAYAR_ROUTING: '' });
    const defaults = loadConfig({});
    assert.equal(config.port, 3000, 'not port 0');
    assert.deepEqual(config.temporal, defaults.temporal);
    assert.deepEqual(config.apiKeys, defaults.apiKeys);
    assert.deepEqual(config.providers, defaults.providers);
    assert.deepEqual(config.dataKey, defaults.dataKey);
  });
});

describe('BAYAR_API_KEYS and BAYAR_MERCHANT_WEBHOOK_SECRETS', () => {
  it('parses merchantId:key pairs, trimming blanks and keeping colons inside keys', () => {
    const config = loadConfig({ BAYAR_API_KEYS: ' shop-1:sk_live_aaaaaaaa , shop_2:sk:with:colons,, ' });
    assert.deepEqual([...config.apiKeys], [
      ['shop-1', 'sk_live_aaaaaaaa'],
      ['shop_2', 'sk:with:colons'],
    ]);
    assert.equal(config.apiKeys.has('demo'), false, 'configured keys replace the development key');
  });

  it('gives every merchant a webhook secret: its own, else the development one', () => {
    const config = loadConfig({ BAYAR_API_KEYS: 'a:key-aaaaaaaa,b:key-bbbbbbbb', BAYAR_MERCHANT_WEBHOOK_SECRETS: 'a:whsec_for_a_only' });
    assert.equal(config.merchantWebhookSecrets.get('a'), 'whsec_for_a_only');
    assert.equal(config.merchantWebhookSecrets.get('b'), DEV_DEFAULTS.merchantWebhookSecret);
  });

  it('refuses a short key without echoing it', () => {
    assertRefused({ BAYAR_API_KEYS: 'shop:sh0rt' }, 'BAYAR_API_KEYS', ['sh0rt']);
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
    assert.throws(() => loadConfig({ PORT: 'x', BAYAR_LOG_LEVEL: 'loud' }), (err: unknown) => err instanceof ConfigError && /PORT/.test(err.message) && /BAYAR_LOG_LEVEL/.test(err.message));
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
    const config = loadConfig({ BAYAR_POLL_SCHEDULE: '1s,5s', BAYAR_REFUND_WINDOW: '2h', BAYAR_MERCHANT_NOTIFY_TIMEOUT: '10m', BAYAR_CREATE_WAIT: '500ms', BAYAR_PROVIDER_TIMEOUT: '3s' });
    const { payoutLookupScheduleMs: _l, payoutReviewAfterMs: _r, payoutWindowMs: _w, ...paymentTiming } = config.timing;
    assert.deepEqual(paymentTiming, { pollScheduleMs: [1000, 5000], pollScheduleByProvider: {}, refundWindowMs: 7_200_000, merchantNotifyTimeoutMs: 600_000, createWaitMs: 500, providerTimeoutMs: 3000 });
  });

  it('reads the payout timings, with defaults', () => {
    const defaults = loadConfig({}).timing;
    assert.deepEqual(defaults.payoutLookupScheduleMs, [5_000, 15_000, 30_000, 60_000, 120_000, 300_000, 900_000]);
    assert.equal(defaults.payoutReviewAfterMs, 86_400_000);
    assert.equal(defaults.payoutWindowMs, 7 * 86_400_000);
    const set = loadConfig({ BAYAR_PAYOUT_LOOKUP_SCHEDULE: '300ms,1s', BAYAR_PAYOUT_REVIEW_AFTER: '4s', BAYAR_PAYOUT_WINDOW: '2m' }).timing;
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
    const routing = loadConfig({ BAYAR_ROUTING: 'QRIS=xendit|midtrans; VA_BCA = doku ;' }).routing;
    assert.deepEqual(routing.get('QRIS'), ['xendit', 'midtrans']);
    assert.equal(routing.size, 2);
  });

  it('refuses an unknown method, an unknown provider or an empty list', () => {
    for (const bad of ['BITCOIN=xendit', 'QRIS=paypal', 'QRIS=', 'QRIS', 'QRIS=xendit|', 'QRIS=xendit=doku']) {
      assertRefused({ BAYAR_ROUTING: bad }, 'BAYAR_ROUTING');
    }
  });
});

describe('loadConfig: the system of record', () => {
  it('takes a postgres:// BAYAR_DATABASE_URL and turns the embedded server off', () => {
    const config = loadConfig({ BAYAR_DATABASE_URL: 'postgres://bayar:pw@db.internal:5432/bayar' });
    assert.deepEqual(config.database, { url: 'postgres://bayar:pw@db.internal:5432/bayar', embedded: false, port: 5433 });
  });

  it('refuses anything else, without echoing the value (it holds a password)', () => {
    assert.throws(
      () => loadConfig({ BAYAR_DATABASE_URL: 'mysql://root:hunter2@db/bayar' }),
      (err: Error) => err instanceof ConfigError && /BAYAR_DATABASE_URL: a postgres:\/\/ connection URL/.test(err.message) && !err.message.includes('hunter2'),
    );
  });
});
