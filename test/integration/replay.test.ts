// Every recorded payment path replays against the current workflow code. A change that
// would break a running payment (non-determinism) fails here. Before v1.0.0 such a change is made
// in place and the fixtures are re-recorded (docs/testing.md, "Changing the workflow"); from v1.0.0 on it
// goes behind patched() with a retirement plan.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { HISTORY_DIR } from '../helpers/histories.js';
import { WORKFLOW_BUNDLE_PATH } from '../../src/worker.js';

// The production worker injects the metrics sink; a replay without it logs an error per call.
const REPLAY_SINKS = { bayarMetrics: { paymentStatus: { fn: () => undefined, callDuringReplay: false } } };

describe('replay of recorded payment histories', () => {
  const files = readdirSync(HISTORY_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort();

  it('has recorded histories of the saga paths', () => {
    // Re-recorded in place with the system-of-record projection (docs/testing.md, "Changing the workflow").
    assert.ok(files.length >= 30, `found ${files.length}`);
  });

  it('replays every one of them without a determinism error', async () => {
    const histories = files.map((f) => ({ workflowId: f.replace(/\.json$/, ''), history: JSON.parse(readFileSync(join(HISTORY_DIR, f), 'utf8')) }));
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath: WORKFLOW_BUNDLE_PATH }, sinks: REPLAY_SINKS }, histories)) {
      replayed += 1;
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    assert.equal(replayed, histories.length);
    assert.deepEqual(failures, []);
  });
});
