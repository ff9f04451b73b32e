// A hosted checkout's phases (src/checkout/): the payment waits for the customer's choice of
// method before any charge exists, and a change of method compensates the current charge as
// an expiry does (cancel at its provider, one final status check) before the next is created.
// The rules (what may be chosen, how often, what an abandoned charge's news means) are in
// PaymentState; these functions only order them and make the calls.
import { condition, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { SA } from '../src/temporal/search-attributes.js';
import { chooseMethodUpdate, type ProviderRoute } from './definitions.js';
import { guard } from './failures.js';
import { applyInbox, cancelThenCheck, type Payment } from './payment-context.js';

/** The page's choice (or change) of method: validated, recorded, answered once it is charged. */
export function setChooseMethodHandler(p: Payment): void {
  const { state } = p;
  setHandler(
    chooseMethodUpdate,
    async (choice) => {
      state.chooseMethod(Date.now(), choice);
      // Answered when this method's charge exists, a later choice replaced it, or the payment ended.
      await condition(
        () =>
          (state.methodChoice === undefined && !state.awaitingMethod && (state.providerReference !== undefined || state.method !== choice.method)) ||
          (state.status !== 'CREATED' && state.status !== 'PENDING'),
      );
      return state.view();
    },
    { validator: (choice) => void guard(() => state.validateMethodChoice(choice)) },
  );
}

/**
 * A checkout waits for the customer's first choice. False when it closed first (deadline or
 * merchant cancel): no charge exists anywhere, so nothing is cancelled or looked up.
 */
export async function awaitMethodChoice(p: Payment): Promise<boolean> {
  const { input, state } = p;
  if (!state.awaitingMethod) return true;
  await condition(() => state.methodChoice !== undefined || state.cancelRequested, Math.max(1, Date.parse(input.expiresAt) - Date.now()));
  applyInbox(p);
  if (state.methodChoice !== undefined && !state.cancelRequested) return true;
  const target = state.cancelRequested ? 'CANCELLED' : 'EXPIRED';
  state.closing = target;
  state.setStatus(Date.now(), target, target === 'EXPIRED' ? 'timer' : 'api', target === 'EXPIRED' ? 'deadline passed before a method was chosen' : 'cancelled by merchant');
  return false;
}

/** The fallbacks to charge with: the chosen method's (now the route), else those given. */
export function takeMethodChoice(p: Payment, fallbacks: ProviderRoute[]): ProviderRoute[] {
  const choice = p.state.takeMethodChoice();
  if (!choice) return fallbacks;
  upsertSearchAttributes([
    { key: SA.method, value: p.state.method },
    { key: SA.provider, value: p.state.route.provider },
  ]);
  return choice.fallbacks;
}

/**
 * After awaitPayment: true when the customer changed method and the current charge was set
 * aside (cancelled at its provider, a final check found no money), so the next is to be made.
 * Money found by that check makes the payment PAID and drops the change.
 */
export async function changedMethod(p: Payment): Promise<boolean> {
  const { state } = p;
  if (state.methodChoice === undefined || state.status !== 'PENDING') return false;
  state.abandoning = true;
  await cancelThenCheck(p);
  if (state.status === 'PENDING') {
    state.abandonCharge(Date.now());
    return true;
  }
  state.abandoning = false;
  state.methodChoice = undefined;
  state.record(Date.now(), 'workflow', 'method-change-dropped', `the ${state.method} charge is ${state.status}`);
  return false;
}
