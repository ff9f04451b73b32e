// Temporal activities: thin wrappers that call provider adapters and turn their typed errors
// into Temporal failures. All I/O of a payment happens here, never in workflow code.
import { ApplicationFailure, Context, activityInfo, log } from '@temporalio/activity';
import { LOOKUP_WAIT_IN_PROCESS_MS, type LookupBudget } from './lookup-budget.js';
import type { ChargeStatus, PaymentInstructions, PaymentMethod, ProviderEvent, ProviderName, Rupiah } from '../src/domain/payment.js';
import { ProviderOutcomeUnknown, ProviderRejected, ProviderUnavailable, type ChargeRef, type ChargeSnapshot, type PaymentProvider, type RefundStatus } from '../src/providers/provider.js';
import { unsealCustomer } from '../src/common/sealed.js';
import { signMerchantWebhook } from '../src/common/merchant-webhook.js';
import { HttpCallFailed, httpCall, type HttpAnswer } from '../src/common/http-client.js';
import { callbackUrlRefusal, guardedDispatcher, type CallbackPolicy } from '../src/common/outbound-guard.js';
import { refundKeyFor } from '../src/providers/refund-key.js';
import type { Pool } from '../src/db/pool.js';
import { notifyMerchantRecorded, type MerchantNotification } from './merchant-events.js';

export type { MerchantNotification };

export interface ActivityDeps {
  providers: ReadonlyMap<ProviderName, PaymentProvider>;
  dataKey: Buffer;
  merchantWebhookSecrets: ReadonlyMap<string, string>;
  httpTimeoutMs: number;
  /** Where merchant callbacks may go (https in production, never internal addresses). */
  callbackPolicy: CallbackPolicy;
  /** bayar's database: events and their attempts are recorded there (absent in some unit tests). */
  pool?: Pool;
  /** Spaces status look-ups per provider (BAYAR_LOOKUP_BUDGET_<PROVIDER>); absent: none. */
  lookupBudget?: LookupBudget;
}

export interface CreateChargeInput {
  provider: ProviderName;
  paymentId: string;
  method: PaymentMethod;
  amount: Rupiah;
  expiresAt: string;
  description: string;
  sealedCustomer?: string;
  returnUrl?: string;
}

export interface ChargeResult {
  providerReference: string;
  instructions: PaymentInstructions;
  chargeStatus: ChargeStatus;
  providerStatus: string;
  paidAmount?: Rupiah;
}

export interface ChargeRefInput {
  provider: ProviderName;
  paymentId: string;
  providerReference?: string;
  method: PaymentMethod;
}

export interface RefundInput {
  provider: ProviderName;
  charge: ChargeRefInput;
  paymentId: string;
  refundId: string;
  amount: Rupiah;
  full: boolean;
  reason: string;
}

export interface RefundLookupInput {
  provider: ProviderName;
  charge: ChargeRefInput;
  providerRefundId: string;
}

export function createPaymentActivities(deps: ActivityDeps) {
  const notifyThroughDatabase = (pool: Pool, n: MerchantNotification) => notifyMerchantRecorded(pool, deps, n);
  const provider = (name: ProviderName): PaymentProvider => {
    const p = deps.providers.get(name);
    if (!p) throw ApplicationFailure.nonRetryable(`provider ${name} is not configured on this worker`, 'ProviderNotConfigured');
    return p;
  };
  // One connection pool for all merchant callbacks, every socket from the guarded lookup.
  const callbackDispatcher = guardedDispatcher(deps.callbackPolicy);

  return {
    /**
     * Creates the charge. A retry never creates blind: if an earlier attempt may have reached
     * the provider, look the charge up first and return it when it exists.
     */
    async createCharge(input: CreateChargeInput): Promise<ChargeResult> {
      const p = provider(input.provider);
      const ref: ChargeRef = { paymentId: input.paymentId, method: input.method };
      return translateErrors(async () => {
        if (activityInfo().attempt > 1) {
          const existing = await p.findCharge(ref);
          if (existing) {
            log.info('createCharge: found the charge an earlier attempt made', { paymentId: input.paymentId });
            return toResult(existing);
          }
        }
        const snapshot = await p.createCharge({
          paymentId: input.paymentId,
          method: input.method,
          amount: input.amount,
          expiresAt: input.expiresAt,
          description: input.description,
          customer: input.sealedCustomer ? unsealCustomer(deps.dataKey, input.sealedCustomer) : {},
          ...(input.returnUrl ? { returnUrl: input.returnUrl } : {}),
        });
        return toResult(snapshot);
      });
    },

    /** A status poll, phrased as a provider event so the workflow applies it like a webhook. */
    async getChargeStatus(input: ChargeRefInput): Promise<ProviderEvent> {
      const p = provider(input.provider);
      if (deps.lookupBudget) await waitForLookupSlot(deps.lookupBudget, input.provider);
      return translateErrors(async () => {
        const snapshot = await p.findCharge(input);
        if (!snapshot) {
          return {
            provider: input.provider,
            eventId: `poll:${activityInfo().workflowExecution?.runId}:${activityInfo().activityId}`,
            source: 'poll',
            chargeStatus: 'PENDING',
            providerStatus: 'NOT_FOUND',
          };
        }
        return {
          // bayar's own authenticated call to the provider holding the charge.
          provider: input.provider,
          // Polls of the same state share an id, so repeated "still PAID" answers are deduped;
          // a new refund total at the provider is a new state.
          eventId: `poll:${snapshot.providerStatus}:${snapshot.chargeStatus}${snapshot.providerRefunds ? `:refunded=${snapshot.providerRefunds.total}` : ''}`,
          source: 'poll',
          chargeStatus: snapshot.chargeStatus,
          providerStatus: snapshot.providerStatus,
          paidAmount: snapshot.paidAmount,
          ...(snapshot.chargeStatus === 'PAID' && snapshot.paidAt ? { paidAt: snapshot.paidAt } : {}),
          providerReference: snapshot.providerReference,
          reason: snapshot.reason,
          ...(snapshot.providerRefunds ? { providerRefunds: snapshot.providerRefunds } : {}),
        };
      });
    },

    async cancelCharge(input: ChargeRefInput): Promise<void> {
      await translateErrors(() => provider(input.provider).cancelCharge(input));
    },

    async refundPayment(input: RefundInput): Promise<{ providerRefundId: string; state: 'SUCCEEDED' | 'PENDING' }> {
      const p = provider(input.provider);
      return translateErrors(() =>
        p.refund({
          charge: input.charge,
          idempotencyKey: refundKeyFor(deps.dataKey, input.paymentId, input.refundId, p.capabilities.refundKey),
          amount: input.amount,
          full: input.full,
          reason: input.reason,
        }),
      );
    },

    /** Where a refund the provider accepted as PENDING stands now. */
    async getRefundStatus(input: RefundLookupInput): Promise<RefundStatus> {
      const p = provider(input.provider);
      if (!p.findRefund) throw ApplicationFailure.nonRetryable(`${input.provider} has no refund lookup`, 'RefundLookupUnsupported');
      const lookup = p.findRefund.bind(p);
      return translateErrors(() => lookup(input.charge, input.providerRefundId));
    },

    /**
     * An event to the merchant: written to the database first (idempotent by event id, with the
     * ledger entries the view implies), then delivered, signed, to its payment's callbackUrl and
     * the merchant's registered endpoints, each attempt recorded. A destination that does not
     * answer 2xx throws, so Temporal retries with backoff; one that already did is not sent again.
     */
    async notifyMerchant(n: MerchantNotification): Promise<void> {
      if (deps.pool) return notifyThroughDatabase(deps.pool, n);
      if (!n.callbackUrl) return;
      const secret = deps.merchantWebhookSecrets.get(n.merchantId);
      if (!secret) throw ApplicationFailure.nonRetryable(`no webhook secret for merchant ${n.merchantId}`, 'MerchantSecretMissing');
      // Checked again at call time (the URL was checked at create, but policy or DNS may have changed).
      const refused = callbackUrlRefusal(n.callbackUrl, deps.callbackPolicy);
      if (refused) throw ApplicationFailure.nonRetryable(`merchant callback refused: ${refused}`, 'CallbackRefused');
      const body = JSON.stringify({ id: n.eventId, type: n.type, data: n.payment });
      const headers = signMerchantWebhook(secret, body, n.eventId, Math.floor(Date.now() / 1000));
      let res: HttpAnswer;
      try {
        res = await httpCall({ method: 'POST', url: n.callbackUrl, headers: { ...headers, 'content-type': 'application/json' }, body, timeoutMs: deps.httpTimeoutMs, dispatcher: callbackDispatcher });
      } catch (err) {
        // The host resolves to (or connected to) an address callbacks may never reach: not retried.
        if (err instanceof HttpCallFailed && err.code === 'OUTBOUND_REFUSED') throw ApplicationFailure.nonRetryable(`merchant callback refused: ${err.message}`, 'CallbackRefused');
        throw ApplicationFailure.retryable(`merchant callback unreachable: ${err instanceof HttpCallFailed ? err.code : (err as Error).name}`, 'MerchantUnreachable');
      }
      // A 3xx is not followed (a redirect could point anywhere): it fails like any non-2xx.
      if (res.status < 200 || res.status >= 300) {
        throw ApplicationFailure.retryable(`merchant callback answered HTTP ${res.status}`, 'MerchantRejected');
      }
    },
  };
}

export type PaymentActivities = ReturnType<typeof createPaymentActivities>;

function toResult(s: ChargeSnapshot): ChargeResult {
  return { providerReference: s.providerReference, instructions: s.instructions, chargeStatus: s.chargeStatus, providerStatus: s.providerStatus, paidAmount: s.paidAmount };
}

/**
 * Holds a status look-up to the provider's budget (./lookup-budget.ts): a short wait is slept here;
 * a longer one goes back to Temporal as a retry at the slot kept for this activity, so no worker
 * slot is held meanwhile and the payment's history is unchanged (retries are not events).
 */
async function waitForLookupSlot(budget: LookupBudget, provider: ProviderName): Promise<void> {
  const info = activityInfo();
  const caller = `${info.workflowExecution?.runId ?? info.activityType}/${info.activityId}`;
  for (;;) {
    const wait = budget.waitFor(provider, caller, Date.now());
    if (wait === 0) return;
    if (wait > LOOKUP_WAIT_IN_PROCESS_MS) {
      throw ApplicationFailure.create({
        message: `${provider}: this worker's status look-up budget is spent; the next slot is in ${wait} ms`,
        type: 'LookupBudgetSpent',
        nonRetryable: false,
        nextRetryDelay: wait,
      });
    }
    await Context.current().sleep(wait);
  }
}

/** ProviderRejected → non-retryable; unavailable and unknown outcomes → retried by Temporal. */
async function translateErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ProviderRejected) {
      throw ApplicationFailure.create({ message: err.message, type: 'ProviderRejected', nonRetryable: true, details: [err.code] });
    }
    if (err instanceof ProviderUnavailable || err instanceof ProviderOutcomeUnknown) {
      // A provider that said how long to wait (429/503) is asked again no sooner: Temporal's own
      // backoff starts at 1 s and would spend the quota again before it is back.
      const wait = err instanceof ProviderUnavailable ? err.retryAfterMs : undefined;
      throw ApplicationFailure.create({ message: err.message, type: err.name, nonRetryable: false, details: [err.code], ...(wait ? { nextRetryDelay: wait } : {}) });
    }
    throw err;
  }
}
