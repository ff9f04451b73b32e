// The payments service: turns API calls into workflow starts and updates, and answers reads
// from the system of record (PostgreSQL), which the workflow writes at every transition: reads
// work while every worker is down and after Temporal's retention has deleted the workflow.
import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Client, WithStartWorkflowOperation } from '@temporalio/client';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.js';
import type { PaymentMethod, PaymentView, ProviderName, RefundRecord } from '../domain/payment.js';
import { CIRCUITS, PROVIDERS } from '../providers/providers.module.js';
import type { CircuitBreakers } from '../providers/circuit.js';
import { amountLimitsFor, refundSupportFor, type PaymentProvider } from '../providers/provider.js';
import { routeFor } from '../providers/registry.js';
import { sealCustomer } from '../common/sealed.js';
import { ProblemException } from '../common/problem.js';
import { hashRequest } from '../common/request-hash.js';
import { callbackUrlRefusal } from '../common/outbound-guard.js';
import { paymentIdFor } from './payment-id.js';
import { TEMPORAL_CLIENT } from '../temporal/temporal.module.js';
import { SA } from '../temporal/search-attributes.js';
import { justStarted, rejectionStatus, WorkflowCalls } from '../temporal/workflow-calls.js';
import {
  cancelUpdate,
  chooseMethodUpdate,
  createOrGetUpdate,
  PAYMENT_WORKFLOW_TYPE,
  refundUpdate,
  REJECTION,
  type PaymentWorkflowInput,
  type ProviderRoute,
  type RouteCapabilities,
} from '../../workflows/definitions.js';
import type { CreatePaymentBody, ListQuery, RefundBody } from './payments.schemas.js';
import { DB_POOL } from '../db/database.module.js';
import type { Pool } from '../db/pool.js';
import { findPayment, findPaymentJson, listPayments, type Cursor } from '../db/reads.repository.js';
import { cursorBytes, cursorFromBytes, fromDatabase } from '../db/cursor.js';
import { PageTokens } from './page-token.js';

/** A hosted checkout's start (src/checkout/checkout.service.ts). */
export interface CheckoutStart {
  methods: PaymentMethod[];
  routes: NonNullable<PaymentWorkflowInput['checkout']>['routes'];
  maxMethodChanges: number;
  /** The checkout request as received: what idempotency compares. */
  requestBody: unknown;
}

export interface CreateOutcome {
  created: boolean;
  /** False when the provider has not answered the create within the wait (202); poll GET. */
  answered: boolean;
  payment: PaymentView;
}

/** Unanswered creates one API process follows at a time for the circuits (each a describe() a second). */
const MAX_FOLLOWED_CREATES = 32;

/** Problem codes and HTTP statuses for the workflow's typed rejections. */
export const REJECTION_STATUS = rejectionStatus(
  {
    409: [REJECTION.idempotencyConflict, REJECTION.notCancellable, REJECTION.notRefundable],
    422: [REJECTION.refundNotSupported, REJECTION.partialRefundNotSupported, REJECTION.refundExceedsRefundable, REJECTION.invalidRefundReason, REJECTION.invalidAmount, REJECTION.methodNotOffered],
    429: [REJECTION.methodChangesExhausted],
    502: [REJECTION.refundFailed],
  },
  { [REJECTION.notACheckout]: [404, 'CHECKOUT_NOT_FOUND'], [REJECTION.notAwaitingPayment]: [409, 'CHECKOUT_CLOSED'] },
);

@Injectable()
export class PaymentsService {
  private readonly logger = new Logger('payments');
  private readonly pageTokens: PageTokens;
  private readonly temporal: WorkflowCalls<PaymentView>;
  /** Payments whose unanswered create is (or was) followed for the circuit; bounded, oldest dropped. */
  private readonly followed = new Set<string>();
  private following = 0;

  constructor(
    @Inject(TEMPORAL_CLIENT) private readonly client: Client,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(PROVIDERS) private readonly providers: Map<ProviderName, PaymentProvider>,
    @Inject(DB_POOL) private readonly pool: Pool | null,
    @Inject(CIRCUITS) private readonly circuits: CircuitBreakers,
  ) {
    this.pageTokens = new PageTokens(config.dataKey);
    this.temporal = new WorkflowCalls<PaymentView>(client, pool, this.logger, 'payment', REJECTION_STATUS);
  }

  /** Payment ids are derived (keyed), so the same (merchant, key) always names the same payment. */
  paymentIdFor(merchantId: string, key: string): string {
    return paymentIdFor(this.config.dataKey, merchantId, key);
  }

  /**
   * `checkout`: a hosted checkout (src/checkout/): the payment starts awaiting the customer's
   * choice among `checkout.methods`; `body.method` is only the first of them (provisional), and
   * `checkout.requestBody` (the checkout request) is what idempotency compares.
   */
  async create(merchantId: string, body: CreatePaymentBody, idempotencyKey?: string, checkout?: CheckoutStart): Promise<CreateOutcome> {
    const paymentId = this.paymentIdFor(merchantId, idempotencyKey ?? body.merchantReference);
    // Keyed: the memo is readable in Temporal's Web UI, and the body holds the customer's details.
    const requestHash = hashRequest(checkout ? { checkout: checkout.requestBody } : body, this.config.dataKey);
    if (body.callbackUrl) {
      const refused = callbackUrlRefusal(body.callbackUrl, this.config.callbacks);
      if (refused) throw new ProblemException(422, 'CALLBACK_URL_REFUSED', `callbackUrl: ${refused}`);
    }
    const now = Date.now();
    const { provider, routedAround, expirySeconds, fallbacks } = this.planRoute(body, paymentId, now);
    if (!checkout) this.circuits.admit(provider.name, body.method);
    const input: PaymentWorkflowInput = {
      paymentId,
      merchantId,
      merchantReference: body.merchantReference,
      provider: provider.name,
      method: body.method,
      amount: body.amount,
      description: body.description ?? `Payment ${body.merchantReference}`,
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + expirySeconds * 1000).toISOString(),
      requestHash,
      creationId: randomUUID(),
      callbackUrl: body.callbackUrl,
      recordEvents: true,
      ...(body.returnUrl ? { returnUrl: body.returnUrl } : {}),
      sealedCustomer: body.customer ? sealCustomer(this.config.dataKey, body.customer) : undefined,
      capabilities: routeCapabilities(provider, body.method),
      ...(routedAround.length ? { routedAround } : {}),
      ...(fallbacks.length ? { fallbacks: fallbacks.map((p) => this.providerRoute(p, body.method)) } : {}),
      timing: {
        pollScheduleMs: this.pollSchedule(provider.name),
        refundWindowMs: this.config.timing.refundWindowMs,
        merchantNotifyTimeoutMs: this.config.timing.merchantNotifyTimeoutMs,
      },
      ...(checkout ? { checkout: { methods: checkout.methods, routes: checkout.routes, maxMethodChanges: checkout.maxMethodChanges } } : {}),
    };
    const summary = checkout
      ? `CHECKOUT ${body.amount.toLocaleString('en-US')} IDR (${checkout.methods.length} methods) — ${merchantId}/${body.merchantReference}`
      : `${body.method} ${body.amount.toLocaleString('en-US')} IDR via ${provider.name} — ${merchantId}/${body.merchantReference}`;
    return this.start(merchantId, input, summary);
  }

  /**
   * Where a payment of `body` is charged: the first provider on the method's route that takes
   * it (amount, expiry, its own field rules), the later ones that take it too as fallbacks, and
   * the providers skipped for an open circuit. Throws the 422 of the first provider when none
   * takes it. `expiresAt`: a deadline already fixed (a checkout's), instead of the body's expiry.
   */
  planRoute(body: CreatePaymentBody, paymentId: string, now: number, expiresAt?: number) {
    const allRoutes = this.chooseRoutes(body);
    // Health-aware routing: providers whose circuit is open are left out while another can take
    // the payment. A merchant who named the provider gets it whatever its health.
    const healthy = body.provider ? allRoutes : allRoutes.filter((p) => this.circuits.accepts(p.name, body.method));
    const expiryAt = (p: PaymentProvider) =>
      expiresAt !== undefined ? Math.floor((expiresAt - now) / 1000) : (body.expiresInSeconds ?? (body.expiresInMinutes ? body.expiresInMinutes * 60 : p.capabilities.expirySeconds.default));
    // The first provider on the route that takes this request (amount, expiry, and its own field
    // rules) is charged; the later ones that take it too are its fallbacks. A provider that would
    // refuse the request's shape is skipped; when none takes it, the first one's reason is the 422,
    // before any workflow starts, so the merchant reference stays free for the corrected request.
    const refusal = (p: PaymentProvider, expirySeconds: number) => fits(p, body, paymentId, expirySeconds, now);
    const takes = (p: PaymentProvider) => refusal(p, expiryAt(p)) === undefined;
    // When no healthy provider takes the request, the whole route is tried as before: a failing
    // provider may still answer, and the circuit must never turn a valid request into a 422.
    const routes = healthy.some(takes) ? healthy : allRoutes;
    const provider = routes.find(takes);
    if (!provider) throw refusal(routes[0]!, expiryAt(routes[0]!))!;
    const routedAround = allRoutes
      .slice(0, allRoutes.indexOf(provider))
      .filter((p) => !routes.includes(p))
      .map((p) => ({
        provider: p.name,
        reason: `circuit ${this.circuits.state(p.name, body.method)}: ${this.circuits.views().find((c) => c.provider === p.name && c.method === body.method)?.lastFailure ?? 'probe in flight'}`,
      }));
    const expirySeconds = expiryAt(provider);
    const fallbacks = routes.filter((p) => p !== provider && routes.indexOf(p) > routes.indexOf(provider) && refusal(p, expirySeconds) === undefined);
    return { provider, routedAround, expirySeconds, fallbacks };
  }

  /** What the workflow must know of one provider to charge `method` there. */
  providerRoute(p: PaymentProvider, method: PaymentMethod): ProviderRoute {
    return { provider: p.name, capabilities: routeCapabilities(p, method), pollScheduleMs: this.pollSchedule(p.name) };
  }

  /** Admits one create of `method` at `provider` through its circuit (health-aware routing). */
  admit(provider: ProviderName, method: PaymentMethod): void {
    this.circuits.admit(provider, method);
  }

  /** Starts the payment workflow (or joins the one already there) and answers like POST /v1/payments. */
  private async start(merchantId: string, input: PaymentWorkflowInput, staticSummary: string): Promise<CreateOutcome> {
    const { paymentId, requestHash, provider: providerName } = input;
    const provider = { name: providerName };
    const body = { method: input.method, amount: input.amount, merchantReference: input.merchantReference };

    const startOperation = new WithStartWorkflowOperation(PAYMENT_WORKFLOW_TYPE, {
      workflowId: paymentId,
      taskQueue: this.config.temporal.taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      // A closed payment is never started again: that would be a second charge.
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      memo: { requestHash },
      staticSummary,
      typedSearchAttributes: [
        { key: SA.status, value: 'CREATED' },
        { key: SA.provider, value: provider.name },
        { key: SA.method, value: body.method },
        { key: SA.merchantId, value: merchantId },
        { key: SA.merchantReference, value: body.merchantReference },
        { key: SA.amount, value: body.amount },
        { key: SA.expiresAt, value: new Date(input.expiresAt) },
      ],
    });

    const forgotten = await this.temporal.forgottenByTemporal(merchantId, paymentId, requestHash);
    if (forgotten) return { created: false, answered: true, payment: forgotten };

    const outcome = await this.temporal.startOrJoin(paymentId, startOperation, createOrGetUpdate, requestHash, this.config.timing.createWaitMs);
    if (outcome.kind === 'answered') {
      const created = outcome.result.creationId === input.creationId;
      // A checkout's answer says nothing of any provider: no charge exists yet.
      if (created && !input.checkout) this.learnFromAnswer(provider.name, outcome.result.payment);
      return { created, answered: true, payment: outcome.result.payment };
    }
    if (outcome.kind === 'closed') return { created: false, answered: true, payment: await this.get(merchantId, paymentId) };
    // No answer within the wait: find out in the background whether the create is failing.
    this.followCreate(merchantId, paymentId, provider.name, body.method);
    // Started, but the provider has not answered within the wait: 202, poll GET for the rest.
    // From the record, not a query: a query sent while the workflow's task waits on its record
    // write makes the worker see that write's result a task late (docs/cluster.md, run 13), and
    // the record is what a GET answers from anyway.
    const payment = (await fromDatabase(this.pool, this.logger, (pool) => findPayment(pool, merchantId, paymentId)).catch(() => undefined)) ?? pendingView(input);
    return { created: true, answered: false, payment };
  }

  /** A checkout customer's choice (src/checkout/): the workflow creates (or changes) the charge. */
  async chooseMethod(paymentId: string, method: PaymentMethod): Promise<PaymentView> {
    try {
      return await this.temporal.handle(paymentId).executeUpdate(chooseMethodUpdate, { args: [{ method }] });
    } catch (err) {
      throw this.temporal.translate(err);
    }
  }

  async get(merchantId: string, paymentId: string): Promise<PaymentView> {
    // Another merchant's payment is indistinguishable from a missing one (the query names both).
    const view = await fromDatabase(this.pool, this.logger, (pool) => findPayment(pool, merchantId, paymentId));
    if (!view) throw notFound(paymentId);
    return view;
  }

  /** GET /v1/payments/:id: the same view as get(), as the stored JSON text (checked, not re-serialised). */
  async getJson(merchantId: string, paymentId: string): Promise<string> {
    const json = await fromDatabase(this.pool, this.logger, (pool) => findPaymentJson(pool, merchantId, paymentId));
    if (json === undefined) throw notFound(paymentId);
    return json;
  }

  async list(merchantId: string, q: ListQuery) {
    const { limit, pageToken, ...filter } = q;
    // A page token works only for the merchant and the filter it was issued for (anything else
    // is a 400), so a listing cannot be continued under other conditions than it started with.
    const filterKey = JSON.stringify(
      Object.entries(filter)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : 1)),
    );
    let after: Cursor | undefined;
    if (pageToken) {
      const opened = this.pageTokens.open(merchantId, filterKey, pageToken);
      after = opened && cursorFromBytes(opened);
      if (!after) throw new ProblemException(422, 'UNKNOWN_PAGE_TOKEN', 'pageToken: not a page token issued for this listing');
    }
    const page = await fromDatabase(this.pool, this.logger, (pool) => listPayments(pool, merchantId, filter, limit, after));
    return { items: page.items, nextPageToken: page.next ? this.pageTokens.seal(merchantId, filterKey, cursorBytes(page.next)) : undefined };
  }

  async cancel(merchantId: string, paymentId: string, reason?: string): Promise<PaymentView> {
    await this.get(merchantId, paymentId);
    try {
      return await this.temporal.handle(paymentId).executeUpdate(cancelUpdate, { args: [{ reason }] });
    } catch (err) {
      throw this.temporal.translate(err);
    }
  }

  async refund(merchantId: string, paymentId: string, body: RefundBody, idempotencyKey?: string): Promise<RefundRecord> {
    const view = await this.get(merchantId, paymentId);
    // The refund's identity is the merchant's: refundId, else the Idempotency-Key header; a retry
    // with either is the same refund. With neither, every request is a new refund (as Stripe
    // does): two genuine, identical partial refunds are two refunds, never merged into one.
    const refundId = body.refundId ?? idempotencyKey ?? `rf_${randomUUID()}`;
    try {
      return await this.temporal.handle(paymentId).executeUpdate(refundUpdate, { args: [{ refundId, amount: body.amount, reason: body.reason }] });
    } catch (err) {
      const problem = this.temporal.translate(err);
      // A provider that takes only its own reasons (Indodana): the problem lists them, machine-readably.
      const reasons = this.providers.get(view.provider)?.capabilities.refundReasons;
      if (problem instanceof ProblemException && problem.code === 'INVALID_REFUND_REASON' && reasons) {
        throw new ProblemException(problem.status, problem.code, problem.detail, { ...problem.extra, allowedReasons: [...reasons] });
      }
      throw problem;
    }
  }

  /**
   * What a new payment's create says about its provider's health, once it has answered: a failover
   * or a FAILED payment means a definite refusal (the provider is up), anything else a success.
   */
  private learnFromAnswer(chosen: ProviderName, view: PaymentView): void {
    if (view.provider !== chosen && view.timeline.some((t) => t.type === 'provider-failover')) this.circuits.record(chosen, view.method, 'refused');
    if (view.timeline.some((t) => t.type === 'create-unknown')) this.circuits.record(view.provider, view.method, 'failure', view.statusReason ?? 'create outcome unknown');
    else this.circuits.record(view.provider, view.method, view.status === 'FAILED' ? 'refused' : 'success');
  }

  /**
   * A create that did not answer within the wait is watched (best effort, in the background) until
   * its first attempt fails or it answers: Temporal keeps the create activity's last failure
   * (a 5xx, a timeout, a refused connection), so one describe() tells a failing provider from a
   * slow one. One payment counts once, however often its create is retried.
   */
  private followCreate(merchantId: string, paymentId: string, chosen: ProviderName, method: PaymentMethod): void {
    // Bounded: when many creates go unanswered at once (an overloaded worker, say), the extra
    // describe() calls must not add to the load; the few followed suffice to open a circuit.
    if (this.followed.has(paymentId) || this.following >= MAX_FOLLOWED_CREATES) return;
    this.followed.add(paymentId);
    this.following += 1;
    if (this.followed.size > 10_000) this.followed.delete(this.followed.values().next().value!);
    const giveUpAt = Date.now() + this.config.timing.providerTimeoutMs + 5_000;
    const check = async (): Promise<void> => {
      const description = await this.temporal.withDeadline(() => this.temporal.handle(paymentId).describe());
      // The provider the create is at now (a definite refusal may have moved it on).
      const current = (description.typedSearchAttributes.get(SA.provider) as ProviderName | undefined) ?? chosen;
      const create = description.raw.pendingActivities?.find((a) => a.activityType?.name === 'createCharge');
      if (create?.lastFailure) return this.circuits.record(current, method, 'failure', create.lastFailure.message ?? 'create failed');
      if (!create) {
        // The record, not a query (see create()); a row not written yet reads as not answered.
        const view = await fromDatabase(this.pool, this.logger, (pool) => findPayment(pool, merchantId, paymentId));
        if (!view) return retry();
        if (view.status !== 'CREATED' || view.timeline.some((t) => t.type === 'create-unknown')) return this.learnFromAnswer(chosen, view);
      }
      return retry();
    };
    const retry = async (): Promise<void> => {
      if (Date.now() >= giveUpAt) return; // still the first attempt: nothing learnt (a lost probe is replaced later)
      await new Promise((r) => setTimeout(r, 1_000).unref());
      return check();
    };
    void check()
      .catch((err) => this.logger.debug(`circuit: could not follow ${paymentId}: ${(err as Error).message}`))
      .finally(() => (this.following -= 1));
  }

  /**
   * The providers to charge at, in order: the one the request names, or the configured route
   * for the method (BAYAR_ROUTING), whose later entries are failovers.
   */
  private chooseRoutes(body: CreatePaymentBody): PaymentProvider[] {
    const names = body.provider ? [body.provider] : routeFor(body.method, this.providers, this.config.routing);
    const routes = names.map((n) => this.providers.get(n)).filter((p): p is PaymentProvider => p?.capabilities.methods.includes(body.method) === true);
    if (routes.length === 0) {
      throw new ProblemException(422, 'METHOD_NOT_SUPPORTED', body.provider ? `${body.provider} is not configured or does not offer ${body.method}` : `no configured provider offers ${body.method}`);
    }
    return routes;
  }

  private pollSchedule(provider: ProviderName): number[] {
    return this.config.timing.pollScheduleByProvider[provider] ?? this.config.timing.pollScheduleMs;
  }
}

/** Why a provider cannot take this request (amount, expiry, its own field rules); undefined when it can. */
function fits(provider: PaymentProvider, body: CreatePaymentBody, paymentId: string, expirySeconds: number, now: number): ProblemException | undefined {
  const { amount, method } = body;
  const caps = provider.capabilities;
  const limits = amountLimitsFor(caps, method);
  if (amount < limits.min || amount > limits.max) {
    return new ProblemException(422, 'AMOUNT_OUT_OF_RANGE', `${provider.name} accepts ${method} amounts from ${limits.min} to ${limits.max} rupiah`);
  }
  if (expirySeconds < caps.expirySeconds.min || expirySeconds > caps.expirySeconds.max) {
    return new ProblemException(422, 'EXPIRY_OUT_OF_RANGE', `${provider.name} accepts expiries from ${caps.expirySeconds.min} to ${caps.expirySeconds.max} seconds`);
  }
  const rule = provider.validateCreate?.({
    paymentId,
    method,
    amount,
    expiresAt: new Date(now + expirySeconds * 1000).toISOString(),
    description: body.description ?? `Payment ${body.merchantReference}`,
    customer: body.customer ?? {},
    ...(body.returnUrl ? { returnUrl: body.returnUrl } : {}),
  });
  if (rule) return new ProblemException(422, 'PROVIDER_RULE', `${provider.name}: ${rule.message}`, { provider: provider.name, rule: rule.code });
  return undefined;
}

function routeCapabilities(provider: PaymentProvider, method: CreatePaymentBody['method']): RouteCapabilities {
  const caps = provider.capabilities;
  return {
    refund: refundSupportFor(caps, method),
    cancel: caps.cancel,
    ...(caps.refundReasons ? { refundReasons: [...caps.refundReasons] } : {}),
  };
}

/** What a just-started payment looks like before its workflow has run (no worker yet). */
function pendingView(input: PaymentWorkflowInput): PaymentView {
  return {
    ...justStarted(input.paymentId, input),
    method: input.method,
    amounts: { expected: input.amount, paid: 0, refunded: 0, refundPending: 0, refundable: 0 },
    instructions: {},
    expiresAt: input.expiresAt,
    refunds: [],
    merchantNotified: false,
    notifications: { duplicates: 0, refused: 0, wakeUps: 0 },
  };
}

function notFound(paymentId: string): ProblemException {
  return new ProblemException(404, 'PAYMENT_NOT_FOUND', `no payment ${paymentId}`);
}
