// workflows/lost-activity-tasks.ts on a real dev server. A task that matching lost cannot be made
// on demand here, but what bayar does about it can: an activity task that nobody starts within the
// lost-task time (here nobody serves its task queue yet) times out schedule-to-start, the workflow
// schedules it again, and once a worker serves the queue it runs — once. With a schedule-to-close
// budget the re-dispatches stop at the budget.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { ensureTemporalCli } from '../../src/temporal/cli.js';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server.js';
import { ACTIVITY_QUEUE, LOST_AFTER_MS } from '../helpers/lost-task.workflow.js';
import { freePort } from '../helpers/stack.js';
import { until } from '../helpers/wait.js';

const WORKFLOW_QUEUE = 'lost-task-workflows';

describe('activity tasks nobody starts are scheduled again (real Temporal)', () => {
  let server: DevServer;
  let client: Client;
  let connection: NativeConnection;
  let bundle: WorkflowBundleWithSourceMap;

  before(async () => {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    server = await startDevServer({ cliPath: await ensureTemporalCli(), port: await freePort(), namespace: 'default' });
    client = new Client({ connection: await Connection.connect({ address: server.address }) });
    connection = await NativeConnection.connect({ address: server.address });
    bundle = await bundleWorkflowCode({ workflowsPath: fileURLToPath(new URL('../helpers/lost-task.workflow.js', import.meta.url)), logger: new DefaultLogger('WARN') });
  });

  after(async () => {
    await connection?.close();
    await client?.connection.close();
    await server?.stop();
  });

  const events = async (workflowId: string) => (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];

  it('an activity left unstarted past the lost-task time is scheduled again and then runs once', async () => {
    const workflowWorker = await Worker.create({ connection, taskQueue: WORKFLOW_QUEUE, workflowBundle: bundle });
    let runs = 0;
    const activityWorker = await Worker.create({ connection, taskQueue: ACTIVITY_QUEUE, activities: { echo: async (text: string) => (runs++, `echo ${text}`) } });
    const workflowId = `lost-${randomUUID()}`;
    await workflowWorker.runUntil(async () => {
      const handle = await client.workflow.start('echoUntilServed', { taskQueue: WORKFLOW_QUEUE, workflowId, args: ['hi'] });
      // Two schedule-to-start timeouts: the first dispatch and one re-dispatch went unserved.
      await until(async () => ((await events(workflowId)).filter((e) => e.activityTaskTimedOutEventAttributes).length >= 2 ? true : undefined), 20 * LOST_AFTER_MS, 200);
      assert.equal(await activityWorker.runUntil(handle.result()), 'echo hi');
    });
    const history = await events(workflowId);
    const timedOut = history.filter((e) => e.activityTaskTimedOutEventAttributes);
    assert.ok(timedOut.length >= 2);
    for (const e of timedOut) assert.match(JSON.stringify(e.activityTaskTimedOutEventAttributes!.failure), /SCHEDULE_TO_START/);
    assert.equal(history.filter((e) => e.activityTaskScheduledEventAttributes).length, timedOut.length + 1, 'one more dispatch than timeouts');
    assert.equal(history.filter((e) => e.activityTaskCompletedEventAttributes).length, 1);
    assert.equal(runs, 1, 'the activity ran once');
  });

  it('a schedule-to-close budget bounds the whole call, re-dispatches included', async () => {
    const workflowWorker = await Worker.create({ connection, taskQueue: WORKFLOW_QUEUE, workflowBundle: bundle });
    const workflowId = `budget-${randomUUID()}`;
    const budgetMs = 3.5 * LOST_AFTER_MS;
    const started = Date.now();
    await workflowWorker.runUntil(async () => {
      const handle = await client.workflow.start('echoWithinBudget', { taskQueue: WORKFLOW_QUEUE, workflowId, args: ['hi', budgetMs] });
      await assert.rejects(handle.result(), WorkflowFailedError);
    });
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= budgetMs, `failed only after the budget (${elapsed} ms)`);
    assert.ok(elapsed < budgetMs + 15_000, `and not long after it (${elapsed} ms)`);
    assert.ok((await events(workflowId)).filter((e) => e.activityTaskScheduledEventAttributes).length >= 3, 'scheduled again while the budget lasted');
  });
});
