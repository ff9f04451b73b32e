// A local activity's resolution can reach the workflow code one workflow task after the task whose
// completion recorded its marker; a replay delivers it from the marker inside that earlier task.
// Workflow code whose commands depend on *when* the resolution arrives then issues other commands
// on replay than it did live: cluster chaos run 13's two payments that no worker could replay any
// more (docs/cluster.md, "Runs 11–13"; their histories are in git at aa89522).
//
// The mechanism, in sdk-core (the Rust core of @temporalio/worker 1.24.0,
// node_modules/@temporalio/core-bridge/sdk-core/crates/sdk-core/src/worker/workflow/managed_run.rs):
// 1. A workflow task arrives carrying a query (the server attaches queries that came in while the
//    task was scheduled). The activation schedules a local activity; `_process_completion` sees
//    it outstanding and waits (`waiting_on_la`), answering nothing yet.
// 2. `_check_more_activations` has no jobs and an outstanding local activity, so it hands lang the
//    queries alone (`ReadyForQueries`).
// 3. The local activity completes while lang is busy with the query: `_local_resolution` applies
//    the result to the machines (the local activity machine now holds its RecordMarker command and
//    a `resolveActivity` job) but sends no activation, because one is outstanding.
// 4. Lang answers the query. `_process_completion` finds no outstanding local activity and calls
//    `prepare_complete_resp`: the pending `resolveActivity` job makes `should_respond` false, but
//    `should_respond || has_query_responses` reports the task anyway — with every command the
//    machines hold, the new marker included — and `force_new_wft` because of
//    `have_pending_la_resolutions`.
// 5. The task is marked complete; `more_pending_work` is false without a task, so the job waits
//    for the next task and lang gets it there, with whatever else that task brings (signals).
// On replay, the marker is found in the first task and the local activity resolves there.
//
// The reproduction builds exactly that order with a real dev server and real workers:
// - the charge activity runs on its own worker while the workflow worker is shut down, so the task
//   that delivers the charge's result waits in matching with no poller; a query sent then is
//   buffered by the server and attached to that task when a new workflow worker polls it;
// - the query handler spins for about a second (a loaded worker's slow activation), the record
//   write of the new version completes meanwhile, and sends two provider-event signals first
//   (webhooks arriving during the write), which land in the next task.
// The test first checks that this order happened (the write's marker is in an earlier task than
// the one whose activation delivered its resolution), then replays the history.
//
// Each case names a workflow of a module with the same update, signal, query and sink (the
// modules below) and whether its history must replay:
// - test/helpers/la-order.workflow.ts: the create answer waits for the write (bayar before
//   c33374a) and diverges; the one that answers at once replays;
// - test/helpers/la-order-projection.workflow.ts: bayar since c33374a (no handler waits for a
//   write) with two versions in the charge result's activation and a merchant notification (an
//   ordinary activity) in the next task. With the projection before c33374a, which scheduled a
//   write only once the write before it resolved, the late resolution moves the next write to
//   the next task live, so it takes its sequence number (shared with activities) after the
//   notification's, while the replay schedules it in the earlier task, before the notification:
//   the activity ids differ and the history does not replay. With one version only (the control)
//   no write is owed when the resolution comes, and it replays. bayar's projection
//   (workflows/projection.ts projectPayment) schedules writes when the version moves and replays.
import { after, before, describe, it } from 'node:test';
import { Context } from '@temporalio/activity';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { DeterminismViolationError } from '@temporalio/workflow';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { ensureTemporalCli } from '../../src/temporal/cli.js';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server.js';
import { freePort } from '../helpers/stack.js';
import { until } from '../helpers/wait.js';
import { createUpdate, providerEventSignal, viewQuery, type LaOrderInput } from '../helpers/la-order.workflow.js';

interface LaOrderCase {
  /** The module of test/helpers that exports the workflow (and, if any, the interceptors it needs). */
  module: 'la-order.workflow.js' | 'la-order-projection.workflow.js';
  /** A workflow function exported by that module. */
  workflowType: string;
  /** 'replays': the history must replay; 'diverges': the replay must fail with a nondeterminism error. */
  expect: 'replays' | 'diverges';
  /** For 'diverges': what the nondeterminism error must say (the command that moved). */
  divergence?: RegExp;
}

const CASES: LaOrderCase[] = [
  // Live, the answer and the webhooks come in one activation and the refund window's timer is the
  // first; the replay answers a task earlier, and the poll timer comes first.
  { module: 'la-order.workflow.js', workflowType: 'laOrderAwaitsRecord', expect: 'diverges', divergence: /Timer fired event did not have expected timer id/ },
  { module: 'la-order.workflow.js', workflowType: 'laOrderAnswersAtOnce', expect: 'replays' },
  // Live, the notification takes the sequence number that the replay gives the write it schedules a task earlier.
  {
    module: 'la-order-projection.workflow.js',
    workflowType: 'laOrderChainedProjection',
    expect: 'diverges',
    divergence: /Activity id of scheduled event '\d+' does not match activity id of activity command '\d+'/,
  },
  // The control: without a version piling up during the write, the chained projection owes no write when the resolution comes late.
  { module: 'la-order-projection.workflow.js', workflowType: 'laOrderChainedProjectionOneVersion', expect: 'replays' },
  { module: 'la-order-projection.workflow.js', workflowType: 'laOrderRealProjection', expect: 'replays' },
];
const NAMESPACE = 'default';
/** How long the query handler should keep lang busy: far longer than the record write takes. */
const QUERY_SPIN_TARGET_MS = 2_000;
/** Runs of the scenario before the test gives up on producing the condition. */
const ATTEMPTS = 3;
const MARKER_RECORDED = 'markerRecordedEventAttributes';
const noSinks = { laOrder: { recorded: { fn: () => undefined, callDuringReplay: false } } };

/** The local activity id in a local activity marker's details (sdk-core's LocalActivityMarkerData, JSON). */
function markerActivityId(event: temporal.api.history.v1.IHistoryEvent): string | undefined {
  const data = event[MARKER_RECORDED]?.details?.['data']?.payloads?.[0]?.data;
  return data ? (JSON.parse(Buffer.from(data).toString('utf8')) as { activity_id?: string }).activity_id : undefined;
}

/** Loop rounds of the query handler's spin (the same loop) that take about `ms` here. */
function calibrateSpin(ms: number): number {
  const rounds = 20_000_000;
  const started = process.hrtime.bigint();
  let x = 0;
  for (let i = 0; i < rounds; i++) x = (x * 31 + i) | 0;
  const took = Number(process.hrtime.bigint() - started) / 1e6 + (x === 0.5 ? 1 : 0);
  return Math.ceil((rounds * ms) / Math.max(took, 1));
}

describe('a local activity resolved while lang answers a query reaches the workflow one task late (real Temporal)', () => {
  let server: DevServer;
  let client: Client;
  let connection: Connection;
  let workerConnection: NativeConnection;
  const bundles = new Map<LaOrderCase['module'], WorkflowBundleWithSourceMap>();
  let spinRounds: number;

  before(async () => {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    server = await startDevServer({ cliPath: await ensureTemporalCli(), port: await freePort(), namespace: NAMESPACE });
    connection = await Connection.connect({ address: server.address });
    client = new Client({ connection, namespace: NAMESPACE });
    workerConnection = await NativeConnection.connect({ address: server.address });
    for (const module of new Set(CASES.map((c) => c.module))) {
      const path = fileURLToPath(new URL(`../helpers/${module}`, import.meta.url));
      bundles.set(module, await bundleWorkflowCode({ workflowsPath: path, workflowInterceptorModules: [path], logger: new DefaultLogger('WARN') }));
    }
    spinRounds = calibrateSpin(QUERY_SPIN_TARGET_MS);
  });

  after(async () => {
    try {
      await workerConnection?.close().catch(() => undefined); // refused while a failed run's worker still holds it
      await connection?.close();
    } finally {
      await server?.stop();
    }
  });

  /** One run of the workflow under the condition; `late` tells whether the condition happened. */
  async function produce({ module, workflowType }: LaOrderCase): Promise<{ workflowId: string; history: temporal.api.history.v1.IHistory; late: boolean; detail: string }> {
    const taskQueue = `la-order-${randomUUID()}`;
    const activityTaskQueue = `${taskQueue}-charge`;
    const workflowId = `la-order-${randomUUID()}`;
    const input: LaOrderInput = { activityTaskQueue, pollMs: 10 * 60_000, refundWindowMs: 1_000 };
    const handle = client.workflow.getHandle(workflowId);

    let chargeStarted = false;
    let releaseCharge!: () => void;
    const chargeReleased = new Promise<void>((resolve) => (releaseCharge = resolve));
    const resolutions: Array<{ version: number; historyLength: number }> = [];
    // The record write of PENDING (the first version after 0): two provider webhooks arrive while
    // it runs (in bayar the write makes PENDING readable, the customer pays, the provider's
    // webhooks follow).
    let webhooksFrom: { version: number; activityId: string } | undefined;
    const writeRuns = async (version: number | undefined) => {
      if (webhooksFrom || version === undefined || version < 1) return;
      webhooksFrom = { version, activityId: Context.current().info.activityId };
      await handle.signal(providerEventSignal);
      await handle.signal(providerEventSignal);
    };
    const workflowWorker = () =>
      Worker.create({
        connection: workerConnection,
        namespace: NAMESPACE,
        taskQueue,
        workflowBundle: bundles.get(module)!,
        activities: {
          record: (version: number) => writeRuns(version), // la-order.workflow.ts
          recordPayment: (write: { version: number } | null) => writeRuns(write?.version), // the projection's (in memory: the real one writes PostgreSQL)
        },
        sinks: { laOrder: { recorded: { fn: (_info, version: number, historyLength: number) => void resolutions.push({ version, historyLength }), callDuringReplay: false } } },
      });
    const chargeWorker = await Worker.create({
      connection: workerConnection,
      namespace: NAMESPACE,
      taskQueue: activityTaskQueue,
      activities: {
        charge: async () => {
          chargeStarted = true;
          await chargeReleased;
        },
        notifyMerchant: async () => undefined,
      },
    });

    await chargeWorker.runUntil(async () => {
      // 1. The first worker runs the first task: the create update is accepted, the charge starts.
      const first = await workflowWorker();
      const firstRun = first.run();
      let answer: Promise<unknown> = Promise.resolve();
      try {
        await client.workflow.start(workflowType, { taskQueue, workflowId, args: [input] });
        answer = handle.executeUpdate(createUpdate);
        answer.catch(() => undefined); // awaited below; a failure must not go unhandled meanwhile
        await until(() => (chargeStarted ? true : undefined), 60_000, 50);
      } finally {
        // Stopped whatever happened: a worker left running would keep the test file from ending.
        first.shutdown();
        await firstRun;
      }

      // 2. The charge's result schedules a task nobody polls; a query sent now waits for it.
      releaseCharge();
      await until(async () => ((await handle.describe()).raw.pendingActivities?.length === 0 ? true : undefined), 30_000, 50);
      // Its answer does not matter, only that it came with the task: on a loaded machine the
      // spinning handler can outlast the query's deadline, which must not fail the run (the check
      // after it tells whether the condition happened).
      const view = handle.query(viewQuery, spinRounds).then(
        (answer) => answer,
        (err: unknown) => `query failed: ${(err as Error).message}`,
      );
      // The server shows no buffered query, so there is no condition to await: the query RPC only
      // has to reach it before the second worker polls, and the check after the run tells
      // whether it did.
      await new Promise((r) => setTimeout(r, 500));

      // 3. A second worker takes the task with the query attached and runs the workflow to its end.
      const second = await workflowWorker();
      await second.runUntil(async () => {
        assert.equal(await handle.result(), 'PAID');
        await answer;
        assert.match(await view, /^(CREATED|PENDING|query failed)/);
      });
    });

    // The order under test happened when the marker of the record write that the webhooks came
    // in during is in the history before the task whose activation gave the workflow that
    // write's resolution.
    const history = await handle.fetchHistory();
    assert.ok(webhooksFrom, 'the record write of PENDING ran');
    const { version, activityId } = webhooksFrom;
    const marker = (history.events ?? []).find((e) => e[MARKER_RECORDED] && markerActivityId(e) === activityId);
    const seen = resolutions.find((r) => r.version === version);
    assert.ok(marker && seen, `the record write of version ${version} (local activity ${activityId}) has a marker and a resolution: ${JSON.stringify(resolutions)}`);
    const detail = `version ${version}: marker at event ${marker.eventId}, resolution seen at history length ${seen.historyLength}`;
    return { workflowId, history, late: Number(marker.eventId) < seen.historyLength, detail };
  }

  for (const c of CASES) {
    it(`${c.workflowType}: its history ${c.expect === 'replays' ? 'replays' : 'does not replay'}`, async (t) => {
      // The condition depends on timing (the query must reach the server before the worker polls,
      // the record write must end while the query handler spins): a run that missed it is run again.
      let run = await produce(c);
      for (let attempt = 2; !run.late && attempt <= ATTEMPTS; attempt++) {
        t.diagnostic(`attempt ${attempt - 1} did not produce the condition (${run.detail}); again`);
        run = await produce(c);
      }
      assert.ok(run.late, `the condition under test did not happen in ${ATTEMPTS} runs (the resolution should reach the workflow a task after its marker): ${run.detail}`);
      t.diagnostic(`the condition happened: ${run.detail}`);

      const replay = Worker.runReplayHistory({ workflowBundle: bundles.get(c.module)!, sinks: noSinks }, run.history, run.workflowId);
      if (c.expect === 'replays') await replay;
      else {
        await assert.rejects(replay, (err) => {
          t.diagnostic(`replay: ${String(err)}`);
          return err instanceof DeterminismViolationError && (!c.divergence || c.divergence.test(err.message));
        });
      }
    });
  }
});
