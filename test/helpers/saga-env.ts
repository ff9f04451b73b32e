// The payment saga in-process: Temporal's own test environment (a dev server from the CLI bayar
// already provisioned, `existing-path`), a Worker running the real workflow bundle, and fake
// provider activities at the activity boundary. No HTTP, no sandboxes, no database: the paths of
// the saga run in seconds. Only the workflow's external interface is used (its input type, the
// updates, signal and query in workflows/definitions.ts, the activity names and their failure
// shapes from activities/payment.activities.ts), so the workflow's internals can change freely.
//
// Durations are shortened through the workflow input's timing fields and expiresAt: the
// time-skipping test server cannot be had here.
import { randomUUID } from 'node:crypto';
import { activityInfo } from '@temporalio/activity';
import { WithStartWorkflowOperation, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import type { ChargeStatus, PaymentView, ProviderEvent, ProviderName, Rupiah } from '../../src/domain/payment.js';
import { ensureTemporalCli } from '../../src/temporal/cli.js';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes.js';
import { WORKFLOW_BUNDLE_PATH } from '../../src/worker.js';
import type { ChargeRefInput, ChargeResult, CreateChargeInput, MerchantNotification, PaymentActivities, RecordActivities, RefundInput, RefundLookupInput } from '../../activities/index.js';
import { createOrGetUpdate, PAYMENT_WORKFLOW_TYPE, paymentQuery, providerEventSignal, type PaymentWorkflowInput } from '../../workflows/definitions.js';
import { until } from './wait.js';

const TASK_QUEUE = 'saga-in-process';

/** One charge at one fake provider, as its ledger would hold it. */
export interface FakeCharge {
  provider: ProviderName;
  paymentId: string;
  providerReference: string;
  status: ChargeStatus;
  paid?: Rupiah;
  /** Create calls that reached the provider (a lost answer still made the charge). */
  createRequests: number;
  cancelRequests: number;
  refunds: { providerRefundId: string; amount: Rupiah; state: 'PENDING' | 'SUCCEEDED' | 'FAILED' }[];
  /** When the customer paid, by the provider's clock (its status answer's paid time). */
  paidAt?: string;
  /** What the provider's status answer says was refunded (refunds made at its dashboard). */
  providerRefunds?: { total: Rupiah; refunds?: { providerRefundId: string; amount: Rupiah }[] };
}

/** How a fake provider behaves for one payment; everything defaults to "works". */
export interface Behaviour {
  /** Creates refused outright at this provider (a definite refusal: no charge exists there). */
  refuseCreate?: { at: ProviderName; code: string };
  /** This many create attempts make the charge but lose the answer (outcome unknown, retried). */
  loseCreateAnswers?: number;
  /** The customer pays just as bayar cancels (the cancel then finds the charge paid). */
  payWhileCancelling?: boolean;
  /** Refunds are accepted as PENDING; the look-ups answer these states in turn (the last repeats). */
  pendingRefunds?: ('PENDING' | 'SUCCEEDED' | 'FAILED')[];
  /** The provider has no refund look-up (a PENDING refund cannot be followed). */
  noRefundLookup?: boolean;
  /** The provider answers the create with an already expired charge (a slow create past a short expiry). */
  expiredAtCreate?: boolean;
  /** The cancel call answers only once this settles (a slow or re-dispatched cancel). */
  cancelHeldUntil?: Promise<void>;
  /**
   * A cancel of a paid charge answers as if there were nothing to cancel, as bayar's Midtrans
   * adapter does with /expire's 412 (src/providers/midtrans/index.ts cancelCharge); otherwise it
   * is refused outright ("already paid"), as at Xendit.
   */
  cancelQuietWhenPaid?: boolean;
  /**
   * Status look-ups made while this is set answer only once it settles (a look-up whose task was
   * lost in a Temporal restart, or a provider that hangs); tests set it mid-payment.
   */
  lookupsHeldUntil?: Promise<void>;
}

/**
 * The providers as the activities see them: charges, refunds, and every call made. The fakes
 * throw what the real activities throw (translateErrors in activities/payment.activities.ts):
 * ProviderRejected non-retryable, an unknown outcome retryable.
 */
export class FakeProviders {
  readonly charges = new Map<string, FakeCharge>();
  readonly behaviour = new Map<string, Behaviour>();
  readonly calls: { activity: string; paymentId: string; provider: ProviderName }[] = [];
  readonly merchantEvents: MerchantNotification[] = [];
  /** The highest version the projection wrote per payment (the system of record's stand-in). */
  readonly recordedVersions = new Map<string, number>();

  charge(paymentId: string, provider?: ProviderName): FakeCharge | undefined {
    return [...this.charges.values()].find((c) => c.paymentId === paymentId && (!provider || c.provider === provider));
  }

  callsOf(activity: string, paymentId: string): { activity: string; paymentId: string; provider: ProviderName }[] {
    return this.calls.filter((c) => c.activity === activity && c.paymentId === paymentId);
  }

  eventsOf(paymentId: string, type?: string): MerchantNotification[] {
    return this.merchantEvents.filter((e) => (e.payment as PaymentView).id === paymentId && (!type || e.type === type));
  }

  /**
   * The customer pays at the provider (after expiry too: `force`, like the sandboxes). `paidAt`:
   * the provider's stamp, when a test sets it rather than measures it (ms since the epoch).
   */
  pay(paymentId: string, amount?: Rupiah, paidAt: number = Date.now()): FakeCharge {
    const c = this.charge(paymentId);
    if (!c) throw new Error(`no charge for ${paymentId}`);
    c.status = 'PAID';
    c.paid = amount ?? c.paid;
    c.paidAt = new Date(paidAt).toISOString();
    return c;
  }

  private key(provider: ProviderName, paymentId: string): string {
    return `${provider}:${paymentId}`;
  }

  private snapshot(c: FakeCharge): ChargeResult {
    return {
      providerReference: c.providerReference,
      instructions: { qrString: `qr-${c.paymentId}` },
      chargeStatus: c.status,
      providerStatus: c.status,
      ...(c.status === 'PAID' ? { paidAmount: c.paid } : {}),
    };
  }

  activities(): PaymentActivities & RecordActivities {
    return {
      createCharge: async (input: CreateChargeInput) => {
        this.calls.push({ activity: 'createCharge', paymentId: input.paymentId, provider: input.provider });
        const b = this.behaviour.get(input.paymentId) ?? {};
        if (b.refuseCreate?.at === input.provider) {
          throw ApplicationFailure.create({ type: 'ProviderRejected', message: `${input.provider} refused: ${b.refuseCreate.code}`, nonRetryable: true, details: [b.refuseCreate.code] });
        }
        const key = this.key(input.provider, input.paymentId);
        // The provider is idempotent on the payment id: a retry finds the charge an earlier attempt made.
        let c = this.charges.get(key);
        if (!c) {
          c = {
            provider: input.provider,
            paymentId: input.paymentId,
            providerReference: `${input.provider}-ref-${input.paymentId}`,
            status: b.expiredAtCreate ? 'EXPIRED' : 'PENDING',
            paid: input.amount,
            createRequests: 1,
            cancelRequests: 0,
            refunds: [],
          };
          this.charges.set(key, c);
        }
        if (activityInfo().attempt <= (b.loseCreateAnswers ?? 0)) {
          throw ApplicationFailure.create({ type: 'ProviderOutcomeUnknown', message: `${input.provider} did not answer in time`, nonRetryable: false, details: ['TIMEOUT'] });
        }
        return this.snapshot(c);
      },
      getChargeStatus: async (input: ChargeRefInput): Promise<ProviderEvent> => {
        this.calls.push({ activity: 'getChargeStatus', paymentId: input.paymentId, provider: input.provider });
        await this.behaviour.get(input.paymentId)?.lookupsHeldUntil;
        const c = this.charges.get(this.key(input.provider, input.paymentId));
        if (!c) return { provider: input.provider, eventId: `poll:${randomUUID()}`, source: 'poll', chargeStatus: 'PENDING', providerStatus: 'NOT_FOUND' };
        return {
          provider: input.provider,
          eventId: `poll:${c.status}${c.providerRefunds ? `:refunded=${c.providerRefunds.total}` : ''}`,
          source: 'poll',
          chargeStatus: c.status,
          providerStatus: c.status,
          providerReference: c.providerReference,
          ...(c.status === 'PAID' || c.providerRefunds ? { paidAmount: c.paid } : {}),
          ...(c.status === 'PAID' && c.paidAt ? { paidAt: c.paidAt } : {}),
          ...(c.providerRefunds ? { providerRefunds: c.providerRefunds } : {}),
        };
      },
      cancelCharge: async (input: ChargeRefInput) => {
        this.calls.push({ activity: 'cancelCharge', paymentId: input.paymentId, provider: input.provider });
        const c = this.charges.get(this.key(input.provider, input.paymentId))!;
        c.cancelRequests += 1;
        await this.behaviour.get(input.paymentId)?.cancelHeldUntil;
        if (this.behaviour.get(input.paymentId)?.payWhileCancelling) {
          c.status = 'PAID';
          c.paidAt = new Date().toISOString();
        }
        if (c.status === 'PAID') {
          if (this.behaviour.get(input.paymentId)?.cancelQuietWhenPaid) return;
          throw ApplicationFailure.create({ type: 'ProviderRejected', message: 'charge is already paid', nonRetryable: true });
        }
        c.status = 'EXPIRED';
      },
      refundPayment: async (input: RefundInput) => {
        this.calls.push({ activity: 'refundPayment', paymentId: input.paymentId, provider: input.provider });
        const c = this.charges.get(this.key(input.provider, input.paymentId))!;
        const providerRefundId = `rf-${input.refundId}`;
        // The refund key makes a retried refund the same refund at the provider.
        const existing = c.refunds.find((r) => r.providerRefundId === providerRefundId);
        if (existing) return { providerRefundId, state: existing.state === 'PENDING' ? 'PENDING' : 'SUCCEEDED' };
        const pending = this.behaviour.get(input.paymentId)?.pendingRefunds !== undefined;
        c.refunds.push({ providerRefundId, amount: input.amount, state: pending ? 'PENDING' : 'SUCCEEDED' });
        return { providerRefundId, state: pending ? 'PENDING' : 'SUCCEEDED' };
      },
      getRefundStatus: async (input: RefundLookupInput) => {
        this.calls.push({ activity: 'getRefundStatus', paymentId: input.charge.paymentId, provider: input.provider });
        if (this.behaviour.get(input.charge.paymentId)?.noRefundLookup) {
          throw ApplicationFailure.create({ type: 'RefundLookupUnsupported', message: `${input.provider} has no refund lookup`, nonRetryable: true });
        }
        const c = this.charges.get(this.key(input.provider, input.charge.paymentId))!;
        const refund = c.refunds.find((r) => r.providerRefundId === input.providerRefundId)!;
        const answers = this.behaviour.get(input.charge.paymentId)?.pendingRefunds ?? ['SUCCEEDED'];
        const looked = this.callsOf('getRefundStatus', input.charge.paymentId).length;
        refund.state = answers[Math.min(looked - 1, answers.length - 1)]!;
        return { state: refund.state, providerStatus: refund.state };
      },
      notifyMerchant: async (n: MerchantNotification) => {
        this.merchantEvents.push(n);
      },
      recordPayment: async (input) => {
        if (input) this.recordedVersions.set(input.summary.id, Math.max(input.version, this.recordedVersions.get(input.summary.id) ?? -1));
      },
      recordPayout: async () => undefined,
    };
  }
}

export interface SagaEnv {
  readonly env: TestWorkflowEnvironment;
  readonly providers: FakeProviders;
  /** Starts a payment the way the API does (update-with-start createOrGet) and returns its first answer. */
  start(input: PaymentWorkflowInput): Promise<{ handle: WorkflowHandle; view: PaymentView }>;
  /** Waits until the payment's query satisfies `done`; returns that view. */
  waitFor(handle: WorkflowHandle, done: (p: PaymentView) => boolean, timeoutMs?: number): Promise<PaymentView>;
  /** A verified (signed) notification from the provider holding the charge. */
  webhook(handle: WorkflowHandle, event: Partial<ProviderEvent> & Pick<ProviderEvent, 'chargeStatus'>): Promise<void>;
  stop(): Promise<void>;
}

export async function startSagaEnv(): Promise<SagaEnv> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const env = await TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: await ensureTemporalCli() }, searchAttributes: ALL_SEARCH_ATTRIBUTES, log: { format: 'pretty', level: 'error' } },
  });
  const providers = new FakeProviders();
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: TASK_QUEUE,
    workflowBundle: { codePath: WORKFLOW_BUNDLE_PATH },
    activities: providers.activities(),
    // The workflow reports status changes to the worker's metrics (workflows/payment-metrics.ts).
    sinks: { bayarMetrics: { paymentStatus: { fn: () => undefined } } },
  });
  const running = worker.run();
  const query = (handle: WorkflowHandle) => handle.query(paymentQuery);
  return {
    env,
    providers,
    async start(input) {
      const handle = env.client.workflow.getHandle(input.paymentId);
      const answer = await env.client.workflow.executeUpdateWithStart(createOrGetUpdate, {
        args: [{ requestHash: input.requestHash }],
        startWorkflowOperation: new WithStartWorkflowOperation(PAYMENT_WORKFLOW_TYPE, {
          workflowId: input.paymentId,
          taskQueue: TASK_QUEUE,
          args: [input],
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        }),
      });
      return { handle, view: answer.payment };
    },
    async waitFor(handle, done, timeoutMs = 20_000) {
      let last: PaymentView | undefined;
      try {
        return await until(
          async () => {
            last = await query(handle);
            return done(last) ? last : undefined;
          },
          timeoutMs,
          50,
        );
      } catch (err) {
        throw new Error(`${(err as Error).message} waiting for ${handle.workflowId}; last: ${JSON.stringify(last)}`);
      }
    },
    async webhook(handle, event) {
      const view = await query(handle);
      await handle.signal(providerEventSignal, {
        provider: view.provider,
        providerReference: view.providerReference,
        eventId: `wh-${randomUUID()}`,
        source: 'webhook',
        providerStatus: event.chargeStatus,
        ...event,
      });
    },
    async stop() {
      worker.shutdown();
      await running;
      await env.teardown();
    },
  };
}

/** A payment's workflow input with short timings; override anything. */
export function sagaInput(over: Partial<PaymentWorkflowInput> & { expiresInMs?: number } = {}): PaymentWorkflowInput {
  const { expiresInMs = 3_600_000, ...rest } = over;
  const now = Date.now();
  const paymentId = `pay_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
  return {
    paymentId,
    merchantId: 'demo',
    merchantReference: `order-${paymentId}`,
    provider: 'xendit',
    method: 'QRIS',
    amount: 50_000,
    description: 'saga in-process',
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + expiresInMs).toISOString(),
    requestHash: `hash-${paymentId}`,
    creationId: randomUUID(),
    recordEvents: true,
    capabilities: { refund: 'partial', cancel: true },
    // Polls rare unless a test wants them; the refund window outlives every test.
    timing: { pollScheduleMs: [600_000], refundWindowMs: 120_000, merchantNotifyTimeoutMs: 10_000 },
    ...rest,
  };
}

/** The failure type a rejected update carries (the API maps it to a problem+json code). */
export async function rejectionOf(update: Promise<unknown>): Promise<string> {
  try {
    await update;
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) return err.cause.type ?? 'untyped';
    throw err;
  }
  throw new Error('the update was accepted');
}
