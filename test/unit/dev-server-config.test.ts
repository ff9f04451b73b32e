// The dev server's dynamic config (src/temporal/dev-server.ts): bayar's values by default, the
// stock server with BAYAR_TEMPORAL_DEV_TUNING=off, and overrides from BAYAR_TEMPORAL_DEV_DYNAMIC_CONFIG.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { devServerDynamicConfigArgs } from '../../src/temporal/dev-server.js';

const values = (args: string[]) => Object.fromEntries(args.filter((_, i) => i % 2 === 1).map((kv) => [kv.slice(0, kv.indexOf('=')), JSON.parse(kv.slice(kv.indexOf('=') + 1))]));

describe('dev server dynamic config', () => {
  it('by default: one task-queue partition and eager activities, as --dynamic-config-value KEY=JSON pairs', () => {
    const args = devServerDynamicConfigArgs({});
    assert.ok(args.every((a, i) => (i % 2 === 0 ? a === '--dynamic-config-value' : /^[a-zA-Z.]+=/.test(a))));
    assert.deepEqual(values(args), { 'matching.numTaskqueueReadPartitions': 1, 'matching.numTaskqueueWritePartitions': 1, 'system.enableActivityEagerExecution': true });
  });

  it('BAYAR_TEMPORAL_DEV_TUNING=off: the stock server; BAYAR_TEMPORAL_DEV_DYNAMIC_CONFIG adds and overrides', () => {
    assert.deepEqual(devServerDynamicConfigArgs({ BAYAR_TEMPORAL_DEV_TUNING: 'off' }), []);
    const v = values(devServerDynamicConfigArgs({ BAYAR_TEMPORAL_DEV_DYNAMIC_CONFIG: '{"system.enableActivityEagerExecution":false,"matching.forwarderMaxRatePerSecond":100}' }));
    assert.equal(v['system.enableActivityEagerExecution'], false);
    assert.equal(v['matching.forwarderMaxRatePerSecond'], 100);
    assert.equal(v['matching.numTaskqueueReadPartitions'], 1);
  });
});
