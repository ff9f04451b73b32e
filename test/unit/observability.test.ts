// The pieces of bayar's observability that need no stack: tracing is off unless asked for,
// the JSON log scrubs secrets (also as JSON escapes them) and finds payment ids, the Nest and
// Temporal adapters keep the shape, and metric labels collapse unknown values.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JsonLog, withLogScope } from '../../src/observability/log.js';
import { JsonNestLogger } from '../../src/observability/nest-logger.js';
import { JsonTemporalLogger } from '../../src/observability/temporal-logger.js';
import { tracesExporter } from '../../src/observability/tracing.js';
import { bounded } from '../../src/observability/worker-metrics.js';
import { configuredSecrets } from '../../src/observability/secrets.js';
import { loadConfig } from '../../src/config/config.js';

function capture(level: 'debug' | 'info' = 'debug') {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const log = new JsonLog('worker', level, (line) => {
    raw.push(line);
    lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  return { log, lines, raw };
}

describe('observability units', () => {
  it('tracing is off by default and follows OTEL_TRACES_EXPORTER', () => {
    assert.equal(tracesExporter({}), undefined);
    assert.equal(tracesExporter({ OTEL_TRACES_EXPORTER: 'none' }), undefined);
    assert.equal(tracesExporter({ OTEL_TRACES_EXPORTER: 'otlp' }), 'otlp');
    assert.equal(tracesExporter({ OTEL_TRACES_EXPORTER: 'console' }), 'console');
    assert.equal(tracesExporter({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' }), undefined);
    assert.throws(() => tracesExporter({ OTEL_TRACES_EXPORTER: 'zipkin' }), /not supported/);
  });

  it('scrubs every secret, also inside JSON escapes (PEM keys hold newlines)', () => {
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----';
    const { log, raw } = capture();
    log.redact(['sk_live_abcdefgh12345678', pem, 'short']);
    log.log('error', 'provider said sk_live_abcdefgh12345678', { key: pem, nested: { again: 'x sk_live_abcdefgh12345678 y' }, note: 'short' });
    assert.equal(raw.length, 1);
    assert.doesNotMatch(raw[0]!, /sk_live_abcdefgh12345678|MIIEvQIBADANBgkqhkiG9w0BAQEFAASC/);
    assert.match(raw[0]!, /\[REDACTED\]/);
    assert.match(raw[0]!, /"note":"short"/, 'values under 8 characters are not treated as secrets');
  });

  it('every line in a scope carries its request and payment ids; an id in the text becomes a field', () => {
    const { log, lines } = capture();
    withLogScope({ requestId: 'req-1' }, () => {
      withLogScope({ paymentId: 'pay_0123456789abcdef01234567' }, () => log.log('info', 'inner'));
      log.log('info', 'about pay_aaaaaaaaaaaaaaaaaaaaaaaa');
    });
    log.log('debug', 'outside');
    assert.deepEqual(
      lines.map((l) => [l.requestId, l.paymentId, l.message]),
      [
        ['req-1', 'pay_0123456789abcdef01234567', 'inner'],
        ['req-1', 'pay_aaaaaaaaaaaaaaaaaaaaaaaa', 'about pay_aaaaaaaaaaaaaaaaaaaaaaaa'],
        [undefined, undefined, 'outside'],
      ],
    );
  });

  it('filters by level', () => {
    const { log, lines } = capture('info');
    log.log('debug', 'dropped');
    log.log('warn', 'kept');
    log.notice('worker polling');
    assert.deepEqual(
      lines.map((l) => l.message),
      ['kept', 'worker polling'],
      'lifecycle lines are written whatever the level',
    );
  });

  it("Nest's logger calls keep their context and stack; Temporal's keep their metadata without activation dumps", () => {
    const { log, lines } = capture();
    const nest = new JsonNestLogger(log);
    nest.log('listening', 'api');
    nest.error('boom', 'Error: boom\n    at x', 'ExceptionsHandler');
    const temporal = new JsonTemporalLogger(log);
    temporal.debug('activation', { workflowId: 'pay_0123456789abcdef01234567', jobs: [{ payloads: 'c2VjcmV0' }], taskQueue: 'q' });
    assert.deepEqual([lines[0]!.context, lines[0]!.level], ['api', 'info']);
    assert.deepEqual([lines[1]!.context, lines[1]!.stack, lines[1]!.level], ['ExceptionsHandler', 'Error: boom\n    at x', 'error']);
    assert.deepEqual([lines[2]!.paymentId, lines[2]!.jobs, lines[2]!.taskQueue], ['pay_0123456789abcdef01234567', '[omitted]', 'q']);
  });

  it('metric labels take values from closed sets only', () => {
    assert.equal(bounded('xendit', ['xendit', 'doku']), 'xendit');
    assert.equal(bounded('pay_0123456789abcdef01234567', ['xendit', 'doku']), 'other');
    assert.equal(bounded(undefined, ['xendit']), 'other');
  });

  it('the configured secrets include API keys, webhook secrets, the data key and every provider key', () => {
    const config = loadConfig({ BAYAR_ENV: 'development' });
    const secrets = configuredSecrets(config);
    assert.ok(secrets.includes([...config.apiKeys.values()][0]!));
    assert.ok(secrets.includes(config.dataKey.toString('base64')));
    assert.ok(secrets.includes(config.providers.xendit!.secretKey));
    assert.ok(secrets.includes(config.providers.xendit!.callbackToken));
    assert.ok(secrets.includes(config.providers.aggregator!.privateKey));
    assert.ok(!secrets.includes(config.providers.aggregator!.platformPublicKey), 'public keys are not secrets');
  });
});
