// The payment workflow's query, signal and updates (payment.workflow.ts registers them first).
// Handlers only queue, wait and validate; the phases decide.
import { condition, setHandler } from '@temporalio/workflow';
import { cancelUpdate, createOrGetUpdate, paymentQuery, providerEventSignal, refundUpdate, REJECTION } from './definitions.js';
import { guard, reject } from './failures.js';
import type { Payment } from './payment-context.js';
import { runRefund } from './payment-refund-window.js';

/** The query, the provider-event signal and the three updates: they queue, wait and validate; the phases decide. */
export function setHandlers(p: Payment): void {
  const { input, state } = p;
  setHandler(paymentQuery, () => state.view());

  // No handler waits for the record write (projection.ts) before it answers. An answer is a
  // command, and the create answers gate the main coroutine; a local activity's resolution is
  // not a history event, and a cluster chaos run showed a worker seeing one a workflow task
  // later than its marker says, while replay resolves it in the marker's task
  // (docs/cluster.md, "Run 13": two payments that no worker could replay any more). So what a
  // handler answers, and when, depends only on history events. The answer still reaches the
  // caller after the write: the write for the state an answer shows is scheduled in the same
  // activation, and a worker completes a workflow task only once its local activities have
  // resolved (unless one runs past the task's heartbeat, 80 % of its timeout: a database
  // down, when a GET right after may show the version before for as long).

  // The same commands however the charge's result and the first webhooks are split into
  // activations. The chaos run recorded a payment whose charge result and paid webhooks, all in
  // one workflow task, were run as two activations (the result, then the webhooks), and whose
  // replay ran them as one and applied the webhooks first: a nondeterminism error on every
  // replay (docs/chaos.md, finding 2). So webhooks wait in an inbox (a handler that only queues
  // issues no command), and the main coroutine empties it at fixed points, the first one only
  // once every create call waiting for the charge has had its answer. One activation or two,
  // the commands come out as PENDING, the answer, then the webhooks' effect.
  setHandler(providerEventSignal, (event) => {
    p.inbox.push({ at: Date.now(), event });
  });

  setHandler(
    createOrGetUpdate,
    async () => {
      p.createAnswersOwed += 1;
      try {
        await condition(() => state.status !== 'CREATED' || state.awaitingMethod); // a checkout: at once
        return { payment: state.view(), creationId: input.creationId };
      } finally {
        p.createAnswersOwed -= 1;
      }
    },
    {
      validator: ({ requestHash }) => {
        if (requestHash !== input.requestHash) throw reject(REJECTION.idempotencyConflict, 'this idempotency key was already used for a different payment request');
      },
    },
  );

  const unpaid = () => state.status === 'CREATED' || state.status === 'PENDING';
  setHandler(
    cancelUpdate,
    async ({ reason }) => {
      if (!state.cancelRequested) {
        state.cancelRequested = true;
        state.record(Date.now(), 'api', 'cancel-requested', reason);
      }
      await condition(() => !unpaid());
      return state.view();
    },
    {
      validator: (_command) => {
        if (!unpaid()) throw reject(REJECTION.notCancellable, `payment is ${state.status}; only unpaid payments can be cancelled`);
      },
    },
  );

  setHandler(
    refundUpdate,
    async (command) => {
      const existing = state.validateRefund(command);
      if (existing) {
        await condition(() => existing.state !== 'PENDING' || existing.providerRefundId !== undefined);
        return existing;
      }
      // Reserve before the first await: a concurrent refund's validator must already see it.
      const record = state.reserveRefund(Date.now(), command, 'merchant', command.amount ?? state.refundable);
      await runRefund(p, record);
      if (record.state === 'FAILED') throw reject(REJECTION.refundFailed, record.failureReason ?? 'refund failed');
      return record;
    },
    { validator: (command) => void guard(() => state.validateRefund(command)) },
  );
}
