// The lost workflow task reconciler's selection (src/temporal/lost-workflow-tasks.ts): which
// executions it refreshes, and its settings. The refresh itself runs against a real dev server in
// test/integration/lost-workflow-task.test.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeRefreshWorkflowTasksRequest } from '../../src/temporal/admin-connection.js';
import type { AdminConnection } from '../../src/temporal/admin-connection.js';
import { candidateQuery, decide, LostWorkflowTaskReconciler, lostTaskSettings, pendingTaskOf, type QueueState } from '../../src/temporal/lost-workflow-tasks.js';
import { ConfigError } from '../../src/config/config.js';
import protobuf from 'protobufjs';

const settings = { BAYAR_LOST_TASK_THRESHOLD_MS: 60_000 };
const now = Date.parse('2026-12-05T16:00:00Z');
const polled: QueueState = { lastPollAgoMs: 2_000, backlogAgeMs: 0 };
const scheduledAgo = (ms: number) => ({ state: 'SCHEDULED' as const, scheduledAtMs: now - ms });

describe('lost workflow tasks: which executions are refreshed', () => {
  it('a task scheduled longer than the threshold while a worker polls and nothing waits is refreshed', () => {
    assert.equal(decide(scheduledAgo(61_000), polled, now, settings), 'refresh');
  });

  it('a task scheduled for less than the threshold (or exactly it) is left alone', () => {
    assert.equal(decide(scheduledAgo(59_000), polled, now, settings), 'not-stuck');
    assert.equal(decide(scheduledAgo(60_000), polled, now, settings), 'not-stuck');
  });

  it('a started task or no pending task is not stuck, however old', () => {
    assert.equal(decide({ state: 'STARTED' }, polled, now, settings), 'not-stuck');
    assert.equal(decide({ state: 'NONE' }, polled, now, settings), 'not-stuck');
    assert.equal(decide({ state: 'SCHEDULED' }, polled, now, settings), 'not-stuck', 'no scheduled time: nothing to measure');
  });

  it('with no worker polling the task waits for one, as it should', () => {
    assert.equal(decide(scheduledAgo(600_000), { lastPollAgoMs: undefined, backlogAgeMs: 0 }, now, settings), 'no-poller');
    assert.equal(decide(scheduledAgo(600_000), { lastPollAgoMs: 91_000, backlogAgeMs: 0 }, now, settings), 'no-poller');
    // An idle long poll began up to a minute ago: that worker is still there.
    assert.equal(decide(scheduledAgo(600_000), { lastPollAgoMs: 70_000, backlogAgeMs: 0 }, now, settings), 'refresh');
  });

  it('a backlog at least as old as the task may still hold it: not refreshed', () => {
    assert.equal(decide(scheduledAgo(90_000), { lastPollAgoMs: 1_000, backlogAgeMs: 90_000 }, now, settings), 'backlog');
    assert.equal(decide(scheduledAgo(90_000), { lastPollAgoMs: 1_000, backlogAgeMs: 89_000 }, now, settings), 'refresh', 'the backlog is younger than the task: the task is not in it');
  });

  it('an execution refreshed within the threshold is not refreshed again', () => {
    assert.equal(decide(scheduledAgo(120_000), polled, now, settings, now - 30_000), 'recently-refreshed');
    assert.equal(decide(scheduledAgo(120_000), polled, now, settings, now - 61_000), 'refresh');
  });

  it('reads DescribeWorkflowExecution’s pending task (enum numbers of temporal.api.enums.v1)', () => {
    assert.deepEqual(pendingTaskOf({ state: 1, scheduledTime: { seconds: 1796486060, nanos: 981_639_209 } }), { state: 'SCHEDULED', scheduledAtMs: 1796486060981 });
    assert.deepEqual(pendingTaskOf({ state: 2 }), { state: 'STARTED' });
    assert.deepEqual(pendingTaskOf(null), { state: 'NONE' });
    assert.deepEqual(pendingTaskOf({ state: 0 }), { state: 'NONE' });
  });

  it('candidates: running payments and payouts of the task queue still CREATED that started before the threshold', () => {
    assert.equal(
      candidateQuery('bayar-payments', new Date(now - 60_000)),
      'WorkflowType IN ("paymentWorkflow", "payoutWorkflow") AND TaskQueue = "bayar-payments" AND ExecutionStatus = "Running" AND PaymentStatus = "CREATED" AND StartTime < "2026-12-05T15:59:00.000Z"',
    );
    assert.match(candidateQuery('q"x\\', new Date(now)), /TaskQueue = "qx" AND/, 'a quote in a queue name cannot end the string');
  });
});

describe('lost workflow tasks: settings and the admin request', () => {
  it('defaults, and zod refuses what cannot work', () => {
    assert.deepEqual(lostTaskSettings({}), {
      BAYAR_LOST_TASK_RECONCILER: 'on',
      BAYAR_LOST_TASK_THRESHOLD_MS: 60_000,
      BAYAR_LOST_TASK_INTERVAL_MS: 30_000,
      BAYAR_LOST_TASK_MAX_PER_PASS: 20,
    });
    assert.equal(lostTaskSettings({ BAYAR_LOST_TASK_RECONCILER: 'off' }).BAYAR_LOST_TASK_RECONCILER, 'off');
    for (const bad of [{ BAYAR_LOST_TASK_THRESHOLD_MS: '10' }, { BAYAR_LOST_TASK_MAX_PER_PASS: '0' }, { BAYAR_LOST_TASK_INTERVAL_MS: 'soon' }, { BAYAR_LOST_TASK_RECONCILER: 'yes' }]) {
      assert.throws(() => lostTaskSettings(bad), ConfigError, JSON.stringify(bad));
    }
  });

  it('encodes RefreshWorkflowTasksRequest as the server’s proto declares it', () => {
    // Decoded with a schema written from request_response.proto (server v1.29.1), independently of the encoder.
    const root = protobuf.Root.fromJSON({
      nested: {
        WorkflowExecution: { fields: { workflowId: { type: 'string', id: 1 }, runId: { type: 'string', id: 2 } } },
        RefreshWorkflowTasksRequest: { fields: { execution: { type: 'WorkflowExecution', id: 2 }, namespaceId: { type: 'string', id: 3 } } },
      },
    });
    const bytes = encodeRefreshWorkflowTasksRequest('ns-uuid', { workflowId: 'pay_1', runId: 'run-1' });
    const decoded = root.lookupType('RefreshWorkflowTasksRequest').decode(bytes).toJSON();
    assert.deepEqual(decoded, { execution: { workflowId: 'pay_1', runId: 'run-1' }, namespaceId: 'ns-uuid' });
  });
});

/** A stand-in for the admin connection's calls, recording what a pass asks of Temporal. */
function fakeTemporal(options: { pages: Array<{ runIds: string[]; next?: string }>; pending: Record<string, { state: number; scheduledAgoMs?: number } | 'throws'>; nowMs: () => number }) {
  const calls = { lists: [] as Array<{ query: string; token?: string; pageSize: number }>, describes: [] as string[], refreshes: [] as Array<{ namespaceId: string; runId: string }> };
  let page = 0;
  const toTime = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 });
  const admin = {
    workflowService: {
      listWorkflowExecutions: async (req: { query: string; nextPageToken?: Uint8Array; pageSize: number }) => {
        calls.lists.push({ query: req.query, token: req.nextPageToken ? Buffer.from(req.nextPageToken).toString() : undefined, pageSize: req.pageSize });
        const p = options.pages[page++ % options.pages.length]!;
        return {
          executions: p.runIds.map((runId) => ({ execution: { workflowId: `pay_${runId}`, runId }, type: { name: 'paymentWorkflow' } })),
          nextPageToken: p.next ? Buffer.from(p.next) : new Uint8Array(),
        };
      },
      describeWorkflowExecution: async (req: { execution: { runId: string } }) => {
        calls.describes.push(req.execution.runId);
        const p = options.pending[req.execution.runId];
        if (p === 'throws') throw new Error('describe failed');
        return { pendingWorkflowTask: p ? { state: p.state, scheduledTime: p.scheduledAgoMs === undefined ? null : toTime(options.nowMs() - p.scheduledAgoMs) } : null };
      },
      describeTaskQueue: async () => ({ pollers: [{ lastAccessTime: toTime(options.nowMs() - 1_000) }], stats: { approximateBacklogAge: null } }),
    },
    namespaceId: async () => 'ns-id',
    refreshWorkflowTasks: async (namespaceId: string, execution: { runId: string }) => void calls.refreshes.push({ namespaceId, runId: execution.runId }),
  };
  return { admin: admin as unknown as AdminConnection, calls };
}

describe('lost workflow tasks: one pass', () => {
  const base = { ...lostTaskSettings({}), BAYAR_LOST_TASK_MAX_PER_PASS: 2 };

  it('refreshes only the stuck task, counts every decision, and does not refresh it again within the threshold', async () => {
    let clock = now;
    const { admin, calls } = fakeTemporal({
      pages: [{ runIds: ['lost', 'busy'] }],
      pending: { lost: { state: 1, scheduledAgoMs: 120_000 }, busy: { state: 2 } },
      nowMs: () => clock,
    });
    const counted: string[] = [];
    const reconciler = new LostWorkflowTaskReconciler({ admin, namespace: 'default', taskQueue: 'bayar-payments', settings: base, now: () => clock, count: (type, d) => counted.push(`${type}:${d}`) });
    const first = await reconciler.pass();
    assert.deepEqual(
      first.decisions.map((d) => d.decision),
      ['refresh', 'not-stuck'],
    );
    assert.deepEqual(calls.refreshes, [{ namespaceId: 'ns-id', runId: 'lost' }]);
    clock += 30_000;
    const second = await reconciler.pass();
    assert.deepEqual(
      second.decisions.map((d) => d.decision),
      ['recently-refreshed', 'not-stuck'],
    );
    assert.equal(calls.refreshes.length, 1, 'one refresh per threshold');
    assert.deepEqual(counted, ['paymentWorkflow:refresh', 'paymentWorkflow:not-stuck', 'paymentWorkflow:recently-refreshed', 'paymentWorkflow:not-stuck']);
  });

  it('a failed describe is counted and the others are still checked', async () => {
    const { admin, calls } = fakeTemporal({ pages: [{ runIds: ['broken', 'lost'] }], pending: { broken: 'throws', lost: { state: 1, scheduledAgoMs: 61_000 } }, nowMs: () => now });
    const report = await new LostWorkflowTaskReconciler({ admin, namespace: 'default', taskQueue: 'q', settings: base, now: () => now }).pass();
    assert.deepEqual(
      report.decisions.map((d) => d.decision),
      ['failed', 'refresh'],
    );
    assert.deepEqual(
      calls.refreshes.map((r) => r.runId),
      ['lost'],
    );
  });

  it('reads at most one page per pass and pages on through the same query; the next sweep asks afresh', async () => {
    let clock = now;
    const { admin, calls } = fakeTemporal({ pages: [{ runIds: ['a', 'b'], next: 'page-2' }, { runIds: ['c'] }], pending: {}, nowMs: () => clock });
    const reconciler = new LostWorkflowTaskReconciler({ admin, namespace: 'default', taskQueue: 'q', settings: base, now: () => clock });
    for (let i = 0; i < 3; i++) {
      await reconciler.pass();
      clock += 30_000;
    }
    assert.deepEqual(
      calls.lists.map((l) => [l.token, l.pageSize]),
      [
        [undefined, 2],
        ['page-2', 2],
        [undefined, 2],
      ],
    );
    assert.equal(calls.lists[1]!.query, calls.lists[0]!.query, 'the second page belongs to the first query');
    assert.notEqual(calls.lists[2]!.query, calls.lists[0]!.query, 'a new sweep looks up to its own start');
    assert.deepEqual(calls.describes, ['a', 'b', 'c', 'a', 'b'], 'every candidate is reached, two per pass');
  });
});
