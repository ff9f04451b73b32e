// One payment, start to finish. Reads like the lifecycle in docs/lifecycle.md:
//   create the charge → await the money (webhook signal | status poll | deadline)
//   → expire/cancel with compensation, or settle → stay open for refunds and late money.
// The rules live in PaymentState (pure, unit-tested); the phases only order them and make the
// calls, each a function of one small context (Payment, payment-context.ts). The refund window
// and the refunds themselves are in payment-refund-window.ts, the query, signal and updates in
// payment-handlers.ts; activity options in activity-options.ts.
import { allHandlersFinished, condition, upsertSearchAttributes } from '@temporalio/workflow';
import type { PaymentView } from '../src/domain/payment.js';
import { SA } from '../src/temporal/search-attributes.js';
import type { PaymentWorkflowInput, ProviderRoute } from './definitions.js';
import { failureMessage, isDefiniteRejection } from './failures.js';
import { MerchantEvents } from './merchant-events.js';
import { awaitMethodChoice, changedMethod, setChooseMethodHandler, takeMethodChoice } from './payment-checkout.js';
import { applyInbox, cancelThenCheck, chargeCreator, lookUpCharge, notifyMerchant, tellProviderRefunds, WAKE_LOOKUP_GAP_MS, type Payment } from './payment-context.js';
import { reportPaymentStatus } from './payment-metrics.js';
import { refundWindow } from './payment-refund-window.js';
import { PaymentState } from './payment-state.js';
import { projectPayment } from './projection.js';
import { setHandlers } from './payment-handlers.js';

export async function paymentWorkflow(input: PaymentWorkflowInput): Promise<PaymentView> {
  const state: PaymentState = new PaymentState(input, (status) => {
    upsertSearchAttributes([{ key: SA.status, value: status }]);
    reportPaymentStatus(state.method, status, { route: state.route, timeline: () => state.view().timeline });
  });
  for (const skipped of input.routedAround ?? []) state.record(Date.now(), 'api', 'routed-around', `${skipped.provider}: ${skipped.reason}`);
  const p: Payment = {
    input,
    state,
    recorded: projectPayment(state),
    merchant: new MerchantEvents(input.timing.merchantNotifyTimeoutMs, (type, detail) => state.record(Date.now(), 'workflow', type, detail)),
    inbox: [],
    createAnswersOwed: 0,
    lastLookupAt: -Infinity,
    refundQueue: Promise.resolve(),
    refundFollowUps: [],
    lateHandled: false,
    lateHandledOn: new Set<string>(),
  };
  setHandlers(p);
  setChooseMethodHandler(p);

  // A checkout charges only once the customer chose, and again after each change of method.
  if (await awaitMethodChoice(p)) {
    for (let fallbacks = input.fallbacks ?? []; ;) {
      await createCharge(p, (fallbacks = takeMethodChoice(p, fallbacks)));
      // The create calls get their answer before any webhook is applied (see the inbox in payment-handlers.ts).
      await condition(() => p.createAnswersOwed === 0);
      applyInbox(p);
      await awaitPayment(p);
      if (!(await changedMethod(p))) break;
    }
  }
  settle(p);
  await refundWindow(p);

  applyInbox(p); // the timeline keeps what came in during the window's last moments
  await condition(allHandlersFinished);
  await p.refundQueue;
  await Promise.all(p.refundFollowUps);
  await p.merchant.drained();
  await p.recorded.drained();
  return state.view();
}

/** Creates the charge, failing over to the next provider while the refusal is definite. */
async function createCharge(p: Payment, routes: ProviderRoute[]): Promise<void> {
  const { input, state } = p;
  const fallbacks = [...routes];
  for (;;) {
    try {
      const charge = await chargeCreator(input.expiresAt).createCharge({
        provider: state.route.provider,
        paymentId: state.chargeId,
        method: state.method,
        amount: input.amount,
        expiresAt: input.expiresAt,
        description: input.description,
        sealedCustomer: input.sealedCustomer,
        ...(input.returnUrl ? { returnUrl: input.returnUrl } : {}),
      });
      state.chargeCreated(Date.now(), charge);
      if (charge.chargeStatus !== 'PENDING') {
        state.apply(Date.now(), {
          provider: state.route.provider,
          eventId: `create:${charge.providerStatus}`,
          source: 'poll',
          chargeStatus: charge.chargeStatus,
          providerStatus: charge.providerStatus,
          paidAmount: charge.paidAmount,
        });
      }
    } catch (err) {
      if (isDefiniteRejection(err)) {
        const next = fallbacks.shift();
        if (next) {
          // A definite refusal means no charge exists there, so trying elsewhere cannot double-charge.
          state.failover(Date.now(), next, failureMessage(err));
          upsertSearchAttributes([{ key: SA.provider, value: next.provider }]);
          continue;
        }
        state.setStatus(Date.now(), 'FAILED', 'workflow', failureMessage(err));
      } else {
        // We gave up without knowing whether a charge exists: compensate as for an expiry.
        state.record(Date.now(), 'workflow', 'create-unknown', failureMessage(err));
        await closeUnpaid(p, 'FAILED', 'provider did not confirm the charge');
      }
    }
    return;
  }
}

/** Waits for the money: a provider event, a status poll on the route's schedule, a cancel, or the deadline. */
async function awaitPayment(p: Payment): Promise<void> {
  const { input, state } = p;
  const schedule = state.route.pollScheduleMs;
  const deadline = Date.parse(input.expiresAt);
  let polls = 0;
  let nextPollAt = Date.now() + schedule[0]!;
  while (state.status === 'PENDING') {
    const wakeAt = Math.min(nextPollAt, deadline);
    const woke = await condition(
      () => p.inbox.length > 0 || state.wakePending || state.status !== 'PENDING' || state.cancelRequested || state.methodChoice !== undefined,
      Math.max(1, wakeAt - Date.now()),
    );
    applyInbox(p);
    if (state.status !== 'PENDING') return;
    // An unsigned notification claimed news: verify by fetch, by bringing the next poll forward.
    if (state.takeWake()) nextPollAt = Math.min(nextPollAt, Math.max(Date.now(), p.lastLookupAt + WAKE_LOOKUP_GAP_MS));
    // Only events came in, and none ended it: wait on for the rest of this interval.
    if (woke && !state.cancelRequested && state.methodChoice === undefined && Date.now() < Math.min(nextPollAt, deadline)) continue;
    if (state.cancelRequested) return closeUnpaid(p, 'CANCELLED', 'cancelled by merchant');
    if (Date.now() >= deadline) return closeUnpaid(p, 'EXPIRED', 'deadline passed unpaid');
    if (state.methodChoice !== undefined) return; // a checkout's new method: changedMethod() follows
    state.apply(Date.now(), await lookUpCharge(p));
    polls += 1;
    nextPollAt = Date.now() + schedule[Math.min(polls, schedule.length - 1)]!;
  }
}

/**
 * Compensation for an unpaid close: cancel at the provider, then one final status check,
 * so a payment that landed in the last second ends PAID, not EXPIRED.
 */
async function closeUnpaid(p: Payment, target: 'EXPIRED' | 'CANCELLED' | 'FAILED', reason: string): Promise<void> {
  const { state } = p;
  state.closing = target;
  state.record(Date.now(), target === 'EXPIRED' ? 'timer' : target === 'CANCELLED' ? 'api' : 'workflow', `closing:${target}`, reason);
  await cancelThenCheck(p);
  if (state.status === 'PENDING' || state.status === 'CREATED') state.setStatus(Date.now(), target, target === 'EXPIRED' ? 'timer' : 'api', reason);
}

/** A paid payment settles if the amount is right; either way the merchant hears how it ended. */
function settle(p: Payment): void {
  const { state } = p;
  if (state.status === 'PAID') {
    const amountProblem = state.amountProblem();
    if (amountProblem) {
      state.setStatus(Date.now(), 'REVIEW_REQUIRED', 'workflow', amountProblem);
    } else {
      state.settledAt = new Date().toISOString();
      state.setStatus(Date.now(), 'SETTLED', 'workflow');
      notifyMerchant(p, 'payment.paid');
      // Refunded at the provider in the same batch of news that paid it.
      state.followRefunds(Date.now(), 'workflow');
    }
  }
  tellProviderRefunds(p);
  if (state.status !== 'SETTLED') {
    // Paid and taken back in one batch of notifications: the merchant hears "reversed", once.
    const type = state.reversalToNotify ? 'payment.reversed' : `payment.${state.status.toLowerCase()}`;
    state.reversalToNotify = false;
    notifyMerchant(p, type);
  }
}
