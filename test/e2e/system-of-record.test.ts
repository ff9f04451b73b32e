// PostgreSQL as the system of record, end to end on the real stack (embedded PostgreSQL,
// Temporal dev server, sandbox, worker, API): the record equals the workflow's view after a
// saga path; reads work with every worker down and after Temporal has lost all its data; a
// worker killed between a transition and its write leaves a record that catches up, with no
// duplicate transitions.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { Client, Connection } from '@temporalio/client';
import { startTestStack, uniqueRef, type TestStack } from '../helpers/stack.js';
import { RecordChecker } from '../helpers/records.js';
import { eventually, until } from '../helpers/wait.js';
import type { PaymentView } from '../../src/domain/payment.js';

describe('system of record (PostgreSQL)', () => {
  let stack: TestStack;
  let db: pg.Pool;
  let checker: RecordChecker;

  before(async () => {
    // A short refund window, so a settled payment's workflow closes within the test.
    stack = await startTestStack({ env: { BAYAR_REFUND_WINDOW: '3s' } });
    db = new pg.Pool({ connectionString: stack.databaseUrl, max: 3 });
    checker = await RecordChecker.open(stack.databaseUrl, stack.stack.temporal!.address);
  });
  after(async () => {
    await checker?.close();
    await db?.end();
    await stack?.stop();
  });

  const create = async (amount = 75_000, method = 'VA_BNI') => {
    const res = await stack.api('POST', '/v1/payments', { merchantReference: uniqueRef('sor'), amount, method });
    assert.equal(res.status, 201, res.text);
    return res.json as PaymentView;
  };
  const settle = async (p: PaymentView) => {
    assert.equal((await stack.pay(p.id)).status, 200);
    return stack.waitFor(p.id, (v) => v.status === 'SETTLED');
  };
  const transitions = async (id: string) => (await db.query('SELECT version FROM payment_transitions WHERE payment_id = $1 ORDER BY version', [id])).rows.map((r) => Number(r.version));

  it('a GET right after the 201 finds the payment; after settling, the row equals the workflow view', async () => {
    const created = await create();
    const got = await stack.api('GET', `/v1/payments/${created.id}`);
    assert.equal(got.status, 200);
    assert.equal(got.json.status, 'PENDING');
    const settled = await settle(created);
    assert.equal(settled.amounts.paid, 75_000);
    // The merchant is told after SETTLED, beside the saga: the last version comes with that.
    const told = await stack.waitFor(created.id, (p) => p.merchantNotified);
    assert.deepEqual(await checker.payments([created.id]), []);
    const versions = await transitions(created.id);
    assert.equal(versions[0], 0, 'the payment as created is version 0');
    // One version per synchronous transition (PaymentState.asOneVersion): the charge created
    // with PENDING, and the paid event with PAID, are one write each, so a settled payment has
    // fewer versions than timeline entries; the checker above found every entry in the log.
    const counted = told.notifications.duplicates + told.notifications.refused + told.notifications.wakeUps;
    assert.ok(versions.at(-1)! < told.timeline.length + counted, `versions ${versions.join(',')} for ${told.timeline.length} entries`);
    assert.ok(
      versions.every((v, i) => i === 0 || v > versions[i - 1]!),
      'each version once, in order',
    );
  });

  it('GET, list, filters and batch lookups answer with every worker down', async () => {
    const a = await settle(await create(41_000));
    const b = await create(42_000);
    await stack.stack.stopPart('worker');
    try {
      const one = await stack.api('GET', `/v1/payments/${a.id}`);
      assert.equal(one.status, 200);
      assert.equal(one.json.status, 'SETTLED');
      const settledList = await stack.api('GET', '/v1/payments?status=SETTLED&amountMin=41000&amountMax=41000');
      assert.equal(settledList.status, 200);
      assert.deepEqual(
        settledList.json.items.map((p: { id: string }) => p.id),
        [a.id],
      );
      const batch = await stack.api('GET', `/v1/payments?ids=${a.id},${b.id}`);
      assert.deepEqual(batch.json.items.map((p: { id: string }) => p.id).sort(), [a.id, b.id].sort());
      const byRef = await stack.api('GET', `/v1/payments?references=${a.merchantReference},${b.merchantReference}&status=PENDING`);
      assert.deepEqual(
        byRef.json.items.map((p: { id: string }) => p.id),
        [b.id],
      );
      // Pagination: two pages of one, newest first, then nothing more.
      const first = await stack.api('GET', `/v1/payments?ids=${a.id},${b.id}&limit=1`);
      const second = await stack.api('GET', `/v1/payments?ids=${a.id},${b.id}&limit=1&pageToken=${first.json.nextPageToken}`);
      assert.deepEqual([first.json.items[0].id, second.json.items[0].id], [b.id, a.id]);
      assert.equal(second.json.nextPageToken, undefined);
      assert.equal((await stack.api('GET', '/v1/payments?pageToken=bm90LWEtdG9rZW4')).status, 422, 'a well-formed token this API never issued');
      // Another merchant sees none of it.
      assert.equal((await stack.api('GET', `/v1/payments/${a.id}`, undefined, { key: 'sk_test_other_merchant_key' })).status, 404);
    } finally {
      await stack.stack.startPart('worker');
    }
  });

  it('a worker killed between a transition and its write: the row catches up, no transition twice', async () => {
    const p = await create(43_000);
    // Hold the payment's row: the projection's next write blocks on it, after the transition.
    const blocker = await db.connect();
    let killed = false;
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT 1 FROM payments WHERE id = $1 FOR UPDATE', [p.id]);
      assert.equal((await stack.pay(p.id)).status, 200);
      await until(
        async () => {
          const waiting = await db.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = 'bayar-worker' AND wait_event_type = 'Lock'`);
          return waiting.rowCount! > 0 ? true : undefined;
        },
        20_000,
        100,
      );
      await stack.stack.stopPart('worker', 'SIGKILL');
      killed = true;
    } finally {
      await blocker.query('ROLLBACK');
      blocker.release();
    }
    assert.ok(killed);
    await stack.stack.startPart('worker');
    const settled = await stack.waitFor(p.id, (v) => v.status === 'SETTLED', 60_000);
    assert.equal(settled.amounts.paid, 43_000);
    // The merchant is told after SETTLED (more versions follow); the record must converge on the
    // workflow's view, the speculative write of the killed worker corrected.
    assert.deepEqual(
      await eventually(
        () => checker.payments([p.id]),
        (problems) => problems.length === 0,
        20_000,
      ),
      [],
    );
    const versions = await transitions(p.id);
    assert.equal(new Set(versions).size, versions.length);
  });

  it('Temporal loses all its data: a closed payment still answers GET with its full record, and is never created twice', async () => {
    const p = await settle(await create(44_000));
    // The 3 s refund window ends; the workflow completes.
    const connection = await Connection.connect({ address: stack.stack.temporal!.address });
    const closed = await until(
      async () => {
        const info = await new Client({ connection }).workflow.getHandle(p.id).describe();
        return info.status.name === 'COMPLETED' ? info : undefined;
      },
      30_000,
      250,
    ).finally(() => connection.close());
    assert.equal(closed.status.name, 'COMPLETED');
    const before = (await stack.api('GET', `/v1/payments/${p.id}`)).json as PaymentView;
    // The test stack's Temporal keeps its data in memory: stopping it deletes everything.
    await stack.stack.stopPart('worker');
    await stack.stack.stopTemporal();
    await stack.stack.startTemporal();
    const after = await stack.api('GET', `/v1/payments/${p.id}`);
    assert.equal(after.status, 200);
    assert.deepEqual(after.json, before);
    assert.equal(after.json.status, 'SETTLED');
    assert.ok(after.json.timeline.length >= 4);
    const list = await stack.api('GET', `/v1/payments?reference=${p.merchantReference}`);
    assert.deepEqual(
      list.json.items.map((i: { id: string }) => i.id),
      [p.id],
    );
    // The same create again: Temporal would start the payment afresh (a second charge); the
    // record answers it instead, and another body under the same reference is still a 409.
    const again = await stack.api('POST', '/v1/payments', { merchantReference: p.merchantReference, amount: 44_000, method: 'VA_BNI' });
    assert.equal(again.status, 200, again.text);
    assert.deepEqual(again.json, before);
    const other = await stack.api('POST', '/v1/payments', { merchantReference: p.merchantReference, amount: 45_000, method: 'VA_BNI' });
    assert.equal(other.status, 409, other.text);
    assert.equal(other.json.code, 'IDEMPOTENCY_CONFLICT');
    assert.equal((await stack.charges(p.id)).length, 1, 'one charge at the provider, never a second');
  });
});
