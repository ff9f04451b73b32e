// The chaos run found payments stuck for good on a replay nondeterminism error when the charge's
// creation and its paid webhooks landed in ONE workflow task: the first execution had run the
// charge result and the webhooks as two activations (PENDING, the create's answer, PAID), the
// replay as one (PAID first, the answer last). This builds that task on a real dev server — the
// workflow worker is stopped (or cut off, keeping its cache) while createCharge runs, the
// activity completes and two paid webhooks are signalled, then a worker takes the single task
// holding all three — with the SDK's job order and with activity results dispatched first; and
// the usual two-task path. Each history must replay cleanly, the payment must settle once, and
// the one-task and two-task runs must issue the same commands (the inbox in
// workflows/payment.workflow.ts).
//
// Activities are stubbed here (a boundary, on purpose): the point is the workflow's own
// determinism, and the stub lets the test hold the charge open for as long as it needs.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { Client, Connection, WithStartWorkflowOperation, WorkflowUpdateStage } from '@temporalio/client';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { bundleWorkflowCode, NativeConnection, Runtime, Worker, DefaultLogger } from '@temporalio/worker';
import type { ProviderEvent } from '../../src/domain/payment.js';
import { ensureTemporalCli } from '../../src/temporal/cli.js';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server.js';
import { WORKFLOW_BUNDLE_PATH, WORKFLOWS_PATH } from '../../src/worker.js';
import { createOrGetUpdate, PAYMENT_WORKFLOW_TYPE, paymentQuery, providerEventSignal, type PaymentWorkflowInput } from '../../workflows/definitions.js';
import { HISTORY_DIR } from '../helpers/histories.js';
import { freePort } from '../helpers/stack.js';
import { until } from '../helpers/wait.js';

const TASK_QUEUE = 'one-task-test';

/**
 * A TCP proxy between the workflow worker and Temporal that can cut the worker off. While cut,
 * the worker keeps its workflow cache but cannot poll, so new events pile up into one task.
 */
async function cuttableProxy(target: string): Promise<{ address: string; cut(): void; restore(): void; close(): Promise<void> }> {
  const [host, port] = target.split(':');
  const sockets = new Set<Socket>();
  let open = true;
  const server: Server = createServer((client) => {
    if (!open) return client.destroy();
    const upstream = connect(Number(port), host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as { port: number }).port}`,
    cut() {
      open = false;
      for (const s of sockets) s.destroy();
    },
    restore() {
      open = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

type History = Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['fetchHistory']>>;

/**
 * The commands a workflow issued after its charge's result, as readable lines: search-attribute
 * upserts with their values, update completions, activities, timers that were not cancelled
 * (a timer cancelled later is dropped with its cancel), and how the run ended.
 */
function commandsAfterCharge(history: History): string[] {
  const events = history.events!;
  const from = events.findIndex((e) => e.activityTaskCompletedEventAttributes);
  const cancelled = new Set(events.map((e) => e.timerCanceledEventAttributes?.timerId).filter(Boolean));
  const lines: string[] = [];
  for (const e of events.slice(from + 1)) {
    const upsert = e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields;
    if (upsert) {
      for (const [key, payload] of Object.entries(upsert)) lines.push(`upsert ${key}=${JSON.parse(Buffer.from(payload.data!).toString('utf8'))}`);
    } else if (e.workflowExecutionUpdateCompletedEventAttributes) lines.push('update completed');
    else if (e.activityTaskScheduledEventAttributes) lines.push(`activity ${e.activityTaskScheduledEventAttributes.activityType?.name}`);
    else if (e.timerStartedEventAttributes && !cancelled.has(e.timerStartedEventAttributes.timerId)) lines.push('timer');
    else if (e.markerRecordedEventAttributes) lines.push(`marker ${e.markerRecordedEventAttributes.markerName}`);
    else if (e.workflowExecutionCompletedEventAttributes) lines.push('completed');
  }
  return lines;
}

/** Waits until `check` holds; throws when `timeoutMs` runs out. */
const eventually = (check: () => boolean | Promise<boolean>, timeoutMs: number) => until(async () => (await check()) || undefined, timeoutMs, 50);

describe('a charge and its paid webhooks handled in one workflow task', () => {
  let server: DevServer;
  let nativeConnection: NativeConnection;
  let client: Client;

  before(async () => {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    server = await startDevServer({ cliPath: await ensureTemporalCli(), port: await freePort(), namespace: 'default' });
    nativeConnection = await NativeConnection.connect({ address: server.address });
    client = new Client({ connection: await Connection.connect({ address: server.address }) });
  });

  after(async () => {
    await client?.connection.close();
    await nativeConnection?.close();
    await server?.stop();
  });

  type Mode = 'fresh worker' | 'cached workflow' | 'activity result first' | 'two tasks';
  const histories = new Map<Mode, History>();

  /** The workflow code with the test interceptor that dispatches activity results first. */
  let activityFirstBundle: { code: string } | undefined;
  const bundleFor = async (mode: Mode) => {
    if (mode !== 'activity result first') return { codePath: WORKFLOW_BUNDLE_PATH };
    activityFirstBundle ??= await bundleWorkflowCode({
      workflowsPath: WORKFLOWS_PATH,
      workflowInterceptorModules: [fileURLToPath(new URL('../helpers/activity-results-first.interceptor.js', import.meta.url))],
      logger: new DefaultLogger('WARN'),
    });
    return activityFirstBundle;
  };

  async function scenario(mode: Mode) {
    let releaseCharge!: () => void;
    const chargeGate = new Promise<void>((resolve) => (releaseCharge = resolve));
    let chargeStarted = false;
    const activities = {
      async createCharge() {
        chargeStarted = true;
        await chargeGate;
        return { providerReference: 'ref-one-task', instructions: { qrString: 'qr' }, chargeStatus: 'PENDING', providerStatus: 'PENDING' };
      },
      async getChargeStatus(): Promise<ProviderEvent> {
        return { provider: 'xendit', eventId: 'poll:pending', source: 'poll', chargeStatus: 'PENDING', providerStatus: 'PENDING' };
      },
      async cancelCharge() {},
      async refundPayment() {
        return { providerRefundId: 'r', state: 'SUCCEEDED' as const };
      },
      async notifyMerchant() {},
    };
    const activityWorker = await Worker.create({ connection: nativeConnection, taskQueue: TASK_QUEUE, activities });
    const activityRun = activityWorker.run();
    const proxy = await cuttableProxy(server.address);
    const proxiedConnection = await NativeConnection.connect({ address: proxy.address });
    const startWorkflowWorker = async () => {
      const worker = await Worker.create({
        connection: proxiedConnection,
        taskQueue: TASK_QUEUE,
        workflowBundle: await bundleFor(mode),
        // The projection's local activities run here, beside the workflow: no database in this test.
        activities: { async recordPayment() {}, async recordPayout() {} },
        // Long enough that the task goes to this worker's cache, not to the normal queue.
        stickyQueueScheduleToStartTimeout: '60s',
      });
      return { worker, run: worker.run() };
    };

    const paymentId = `pay_onetask_${mode.replace(' ', '_')}_${randomUUID().slice(0, 8)}`;
    const now = Date.now();
    const input: PaymentWorkflowInput = {
      paymentId,
      merchantId: 'merchant_one_task',
      merchantReference: paymentId,
      provider: 'xendit',
      method: 'QRIS',
      amount: 150_000,
      description: 'one task',
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + 3_600_000).toISOString(),
      requestHash: 'hash',
      creationId: randomUUID(),
      capabilities: { refund: 'partial', cancel: true },
      timing: { pollScheduleMs: [600_000], refundWindowMs: 5_000, merchantNotifyTimeoutMs: 10_000 },
    };

    const first = await startWorkflowWorker();
    let second = first;
    try {
      await client.workflow.startUpdateWithStart(createOrGetUpdate, {
        args: [{ requestHash: 'hash' }],
        waitForStage: WorkflowUpdateStage.ACCEPTED,
        startWorkflowOperation: new WithStartWorkflowOperation(PAYMENT_WORKFLOW_TYPE, {
          workflowId: paymentId,
          taskQueue: TASK_QUEUE,
          args: [input],
          workflowIdConflictPolicy: 'USE_EXISTING',
        }),
      });
      await eventually(() => chargeStarted, 10_000);
    } finally {
      if (mode === 'two tasks') {
        // The usual way: the worker stays, takes the charge's result in a task of its own, and
        // the webhooks in the next.
      } else
        // The workflow worker goes away (or is cut off, keeping its cache) while the charge is in flight...
        if (mode === 'fresh worker' || mode === 'activity result first') {
          first.worker.shutdown();
          await first.run;
        } else {
          proxy.cut();
        }
    }

    // ...the charge completes and two paid webhooks arrive, all before any worker looks.
    const handle = client.workflow.getHandle(paymentId);
    releaseCharge();
    await eventually(async () => (await handle.fetchHistory()).events!.some((e) => e.activityTaskCompletedEventAttributes), 10_000);
    if (mode === 'two tasks') await eventually(async () => (await handle.fetchHistory()).events!.some((e) => e.workflowExecutionUpdateCompletedEventAttributes), 10_000);
    const paid: ProviderEvent = {
      provider: 'xendit',
      providerReference: 'ref-one-task',
      eventId: 'wh:paid-1',
      source: 'webhook',
      chargeStatus: 'PAID',
      paidAmount: 150_000,
      providerStatus: 'SUCCEEDED',
    };
    await handle.signal(providerEventSignal, paid);
    await handle.signal(providerEventSignal, paid);

    // The worker gets one task with the activity result and both signals (or, in two tasks,
    // just the signals).
    if (mode === 'fresh worker' || mode === 'activity result first') second = await startWorkflowWorker();
    else if (mode === 'cached workflow') proxy.restore();
    try {
      await eventually(async () => (await handle.query(paymentQuery)).status === 'SETTLED', 15_000);
      const view = await handle.query(paymentQuery);
      assert.equal(view.amounts.paid, 150_000);
      assert.equal(view.timeline.filter((t) => t.type === 'status:SETTLED').length, 1);
    } finally {
      second.worker.shutdown();
      await second.run;
    }

    const history = await handle.fetchHistory();
    histories.set(mode, history);
    // `BAYAR_RECORD_HISTORIES=1` keeps them as replay fixtures (see test/helpers/histories.ts).
    if (process.env.BAYAR_RECORD_HISTORIES === '1' && (mode === 'fresh worker' || mode === 'two tasks')) {
      writeFileSync(join(HISTORY_DIR, `one-order-${mode.replace(' ', '-')}.json`), historyToJSON(history));
    }
    // The situation under test really happened: no workflow task between the activity's
    // completion and the two signals (and, in two tasks, one between them).
    const events = history.events!;
    const completedAt = events.findIndex((e) => e.activityTaskCompletedEventAttributes);
    const nextTaskStarted = events.findIndex((e, i) => i > completedAt && e.workflowTaskStartedEventAttributes);
    const signalsBetween = events.slice(completedAt, nextTaskStarted).filter((e) => e.workflowExecutionSignaledEventAttributes).length;
    assert.equal(signalsBetween, mode === 'two tasks' ? 0 : 2, 'the signals landed in the task that carries the charge result, or (two tasks) in the next');

    // Replayed by the plain workflow code, in whatever order the SDK dispatches the jobs now.
    await Worker.runReplayHistory({ workflowBundle: { codePath: WORKFLOW_BUNDLE_PATH } }, history, paymentId);

    activityWorker.shutdown();
    await activityRun;
    await proxiedConnection.close();
    await proxy.close();
  }

  it('settles once and replays cleanly when a fresh worker takes that task', () => scenario('fresh worker'));
  it('settles once and replays cleanly when the worker had the payment cached', () => scenario('cached workflow'));
  it('settles once and replays cleanly when the first execution took the activity result before the webhooks', () => scenario('activity result first'));
  it('settles once and replays cleanly when the charge result and the webhooks come in two tasks', () => scenario('two tasks'));

  // A worker may run one task's events as two activations (the chaos run recorded one that did:
  // the charge result, then the webhooks) while a replay runs them as one. The commands must
  // not depend on that split: two tasks (two activations, by construction) and one task must
  // issue the same commands, but for a poll timer started in the first task and cancelled in
  // the second, which a worker running both activations in one task never sends.
  it('issues the same commands whether the charge result and the webhooks come in one task or two', () => {
    const one = histories.get('fresh worker');
    const two = histories.get('two tasks');
    assert.ok(one && two, 'both scenarios ran');
    // The projection's local activity markers (one per version, workflows/projection.ts) are
    // matched on replay one by one, not by their place among the other commands: the same
    // number, and the other commands in the same order.
    const markers = (c: string[]) => c.filter((x) => x === 'marker core_local_activity').length;
    const others = (c: string[]) => c.filter((x) => x !== 'marker core_local_activity');
    assert.equal(markers(commandsAfterCharge(two)), markers(commandsAfterCharge(one)));
    assert.deepEqual(others(commandsAfterCharge(two)), others(commandsAfterCharge(one)));
    assert.deepEqual(others(commandsAfterCharge(one)).slice(0, 3), ['upsert PaymentStatus=PENDING', 'update completed', 'upsert PaymentStatus=PAID']);
  });
});
