// One worker's record writes of a payment reach the database in version order, although the
// workflow schedules them without waiting for each other (activities/write-order.ts). The record
// is faked here (a map of what it holds); test/integration/records.test.ts covers the real one.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { PREDECESSOR_WAIT_MS, WriteOrder, type OrderedWrite } from '../../activities/write-order.js';

/** A record that holds one version per id, and the order the writes reached it in. */
function fakeRecord() {
  const held = new Map<string, { version: number; historyLength: number }>();
  const reached: number[] = [];
  let reads = 0;
  const order = new WriteOrder(async (id) => {
    reads += 1;
    return held.get(id);
  });
  const write = (w: OrderedWrite, ms = 0, fail = false) =>
    order.run(w, async () => {
      await new Promise((r) => setTimeout(r, ms));
      if (fail) throw new Error('database down');
      reached.push(w.version);
      held.set(w.id, { version: w.version, historyLength: w.historyLength });
    });
  return { held, reached, write, reads: () => reads };
}
const v = (version: number, afterVersion: number, historyLength = 10, id = 'pay_1'): OrderedWrite => ({ id, version, afterVersion, historyLength });

describe('one worker’s record writes of a payment, in version order', () => {
  it('a write waits for the one it follows while that one runs, however long it takes', async () => {
    const r = fakeRecord();
    await Promise.all([r.write(v(0, -1), 30), r.write(v(1, 0)), r.write(v(3, 1))]);
    assert.deepEqual(r.reached, [0, 1, 3]);
  });

  it('a write that starts before the one it follows waits for it to show up', async () => {
    const r = fakeRecord();
    const later = r.write(v(2, 1));
    await new Promise((res) => setTimeout(res, 20));
    await Promise.all([later, r.write(v(1, -1))]);
    assert.deepEqual(r.reached, [1, 2]);
  });

  it('goes ahead at once when the record already holds the version it follows (written before a restart)', async () => {
    const r = fakeRecord();
    r.held.set('pay_1', { version: 4, historyLength: 8 });
    await r.write(v(5, 4));
    assert.deepEqual(r.reached, [5]);
    assert.equal(r.reads(), 1);
  });

  it('goes ahead when the record was written from a longer history (the write is stale; the record refuses it)', async () => {
    const r = fakeRecord();
    r.held.set('pay_1', { version: 2, historyLength: 40 });
    await r.write(v(5, 4, 30));
    assert.deepEqual(r.reached, [5]);
  });

  it('fails, retryable, when the write it follows failed: the local activity retries both', async () => {
    const r = fakeRecord();
    const first = r.write(v(0, -1), 10, true);
    const second = r.write(v(1, 0));
    await assert.rejects(first, /database down/);
    await assert.rejects(second, (err: unknown) => err instanceof ApplicationFailure && err.type === 'RecordOutOfOrder' && !err.nonRetryable);
    assert.deepEqual(r.reached, []);
  });

  it(`fails, retryable, when the write it follows never shows up within ${PREDECESSOR_WAIT_MS} ms, reading the record only twice`, async () => {
    const r = fakeRecord();
    await assert.rejects(r.write(v(7, 6)), (err: unknown) => err instanceof ApplicationFailure && err.type === 'RecordOutOfOrder');
    assert.deepEqual(r.reached, []);
    assert.equal(r.reads(), 2);
  });

  it('keeps payments apart: one payment’s slow write does not hold up another’s', async () => {
    const r = fakeRecord();
    const slow = r.write(v(1, 0, 10, 'pay_a'), 50).catch(() => undefined);
    await r.write(v(0, -1, 10, 'pay_b'));
    assert.deepEqual(r.reached, [0]);
    await slow;
  });
});
