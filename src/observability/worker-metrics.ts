// bayar's own Prometheus series from the worker, where every provider call and every state
// change happens. Labels are bounded sets only (provider, method, operation, outcome, status,
// event type): never payment, merchant or request ids, which would make one series per payment.
// Temporal's SDK metrics are exported separately by the Runtime (see worker-telemetry.ts).
import { createServer, type Server } from 'node:http';
import type { Context as ActivityContext } from '@temporalio/activity';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, InjectedSinks, Next } from '@temporalio/worker';
import { ApplicationFailure } from '@temporalio/common';
import { metricsRegistry } from './metric-factory.js';
import type { PaymentMetricsSinks } from '../../workflows/payment-metrics.js';
import { PAYMENT_METHODS, PAYMENT_STATUSES } from '../domain/payment.js';
import { PROVIDER_NAMES } from '../providers/index.js';
import { DIFFERENCE_KINDS } from '../statements/reconcile.js';
import { PAYMENT_WORKFLOW_TYPE } from '../../workflows/definitions.js';
import { PAYOUT_WORKFLOW_TYPE } from '../../workflows/payout-definitions.js';

/** Activities that call a provider, i.e. the provider boundary. */
const PROVIDER_OPERATIONS = new Set([
  'createCharge',
  'getChargeStatus',
  'cancelCharge',
  'refundPayment',
  'getRefundStatus',
  'sendPayout',
  'getPayoutStatus',
  'findPayout',
  'cancelPayout',
  'validateAccount',
]);

export const LOST_TASK_DECISIONS = ['refreshed', 'failed', 'not-stuck', 'no-poller', 'backlog', 'recently-refreshed'] as const;

/** Statuses counted in bayar_payments_total (the rest are visible through the gauges). */
const COUNTED_STATUSES = new Set(['SETTLED', 'EXPIRED', 'FAILED', 'CANCELLED', 'REVIEW_REQUIRED', 'REFUNDED', 'PARTIALLY_REFUNDED']);

export class WorkerMetrics {
  private readonly declare = metricsRegistry('bayar_worker_');
  readonly registry = this.declare.registry;

  readonly providerCallDuration = this.declare.histogram(
    'bayar_provider_call_duration_seconds',
    'Provider calls (one activity attempt each) by provider, operation and outcome (ok, rejected, unavailable, unknown, error)',
    ['provider', 'operation', 'outcome'],
    [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  );
  readonly payments = this.declare.counter(
    'bayar_payments_total',
    'Payment lifecycle events by provider and method: created (the provider accepted the charge), then the status reached (settled, expired, failed, ...)',
    ['provider', 'method', 'event'],
  );
  readonly paidToSettled = this.declare.histogram(
    'bayar_payment_settlement_seconds',
    'Seconds from the paid event (webhook or poll) being applied to the payment being SETTLED, by provider, method and the source of the paid event',
    ['provider', 'method', 'source'],
    [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 14400, 28800, 86400],
  );
  readonly merchantDeliveries = this.declare.counter('bayar_merchant_deliveries_total', 'Attempts to deliver a merchant event (signed callback) by event type and outcome (ok, failed)', [
    'type',
    'outcome',
  ]);
  readonly reconciliationDifferences = this.declare.counter(
    'bayar_reconciliation_differences_total',
    'Differences the daily reconciliation found between bayar and a provider, by provider and kind (see docs/operations.md)',
    ['provider', 'kind'],
  );

  readonly pending = this.declare.gauge('bayar_payments_pending', 'Payments waiting for the customer (status PENDING), from Temporal visibility');
  readonly pendingOverdue = this.declare.gauge('bayar_payments_pending_overdue', 'PENDING payments whose expiry time has passed: the expiry timer or the provider should have closed them');
  readonly paidUnsettled = this.declare.gauge('bayar_payments_paid_unsettled', 'Payments PAID but not yet SETTLED: the merchant has not been told yet (callback retrying)');
  readonly oldestPendingAge = this.declare.gauge('bayar_oldest_pending_payment_age_seconds', 'Age of the oldest PENDING payment (0 when none)');
  readonly reviewBacklog = this.declare.gauge('bayar_review_backlog', 'Payments in REVIEW_REQUIRED waiting for a person');
  readonly visibilityErrors = this.declare.counter('bayar_visibility_scrape_errors_total', 'Failed refreshes of the visibility gauges');
  // Decisions: refreshed, failed, not-stuck, no-poller, backlog, recently-refreshed (docs/operations.md).
  readonly lostWorkflowTasks = this.declare.counter('bayar_lost_workflow_tasks_total', 'Workflows the lost workflow task reconciler looked at, by workflow and decision', ['workflow', 'decision']);
  readonly lostTaskPassErrors = this.declare.counter('bayar_lost_workflow_task_pass_errors_total', 'Passes of the lost workflow task reconciler that failed (listing or describing the task queue)');
  readonly visibilityRefreshed = this.declare.gauge('bayar_visibility_last_refresh_timestamp_seconds', 'When the visibility gauges were last refreshed');

  constructor() {
    // Every (provider, kind) starts at 0, so the alert's increase() sees the first difference
    // (a series born at 1 has no increase) and the series exists before any difference.
    for (const provider of PROVIDER_NAMES) for (const kind of DIFFERENCE_KINDS) this.reconciliationDifferences.inc({ provider, kind }, 0);
    // Likewise a refreshed (or failed) lost task: the first one must be an increase.
    for (const workflow of ['payment', 'payout']) for (const decision of ['refreshed', 'failed']) this.lostWorkflowTasks.inc({ workflow, decision }, 0);
  }

  /** Counts one reconciliation difference (activities/statement.activities.ts); labels from closed sets. */
  countDifference = (provider: string, kind: string): void => {
    this.reconciliationDifferences.inc({ provider: bounded(provider, PROVIDER_NAMES), kind: bounded(kind, DIFFERENCE_KINDS) });
  };

  /** Counts one decision of the lost workflow task reconciler (src/temporal/lost-workflow-tasks.ts); labels from closed sets. */
  countLostTask = (workflowType: string, outcome: string): void => {
    const workflow = workflowType === PAYMENT_WORKFLOW_TYPE ? 'payment' : workflowType === PAYOUT_WORKFLOW_TYPE ? 'payout' : 'other';
    this.lostWorkflowTasks.inc({ workflow, decision: bounded(outcome === 'refresh' ? 'refreshed' : outcome, LOST_TASK_DECISIONS) });
  };

  /** The activity interceptor factory for Worker.create({ interceptors: { activity: [...] } }). */
  activityInterceptor = (ctx: ActivityContext): { inbound: ActivityInboundCallsInterceptor } => ({ inbound: new MeteredActivity(ctx, this) });

  /** The sink the payment workflow reports status changes to (workflows/payment-metrics.ts). */
  sinks(): InjectedSinks<PaymentMetricsSinks> {
    return {
      bayarMetrics: {
        paymentStatus: {
          callDuringReplay: false,
          fn: (_info, change) => {
            const provider = bounded(change.provider, PROVIDER_NAMES);
            const method = bounded(change.method, PAYMENT_METHODS);
            const status = bounded(change.status, PAYMENT_STATUSES);
            if (COUNTED_STATUSES.has(status)) this.payments.inc({ provider, method, event: status.toLowerCase() });
            if (status === 'SETTLED' && change.paidToSettledSeconds !== undefined) {
              this.paidToSettled.observe({ provider, method, source: bounded(change.paidSource ?? 'other', ['webhook', 'poll', 'api', 'timer', 'workflow']) }, change.paidToSettledSeconds);
            }
          },
        },
      },
    };
  }

  /** Serves GET /metrics on host:port; resolves once listening. */
  async serve(host: string, port: number): Promise<Server> {
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || req.url !== '/metrics') return void res.writeHead(404).end();
      this.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, resolve);
    });
    return server;
  }
}

class MeteredActivity implements ActivityInboundCallsInterceptor {
  constructor(
    private readonly ctx: ActivityContext,
    private readonly metrics: WorkerMetrics,
  ) {}

  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const operation = this.ctx.info.activityType;
    const arg = (input.args[0] ?? {}) as { provider?: unknown; method?: unknown; type?: unknown };
    const start = process.hrtime.bigint();
    let outcome = 'ok';
    try {
      const result = await next(input);
      if (operation === 'createCharge') this.metrics.payments.inc({ provider: bounded(arg.provider, PROVIDER_NAMES), method: bounded(arg.method, PAYMENT_METHODS), event: 'created' });
      return result;
    } catch (err) {
      outcome = outcomeOf(err);
      throw err;
    } finally {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (PROVIDER_OPERATIONS.has(operation)) {
        this.metrics.providerCallDuration.observe({ provider: bounded(arg.provider, PROVIDER_NAMES), operation, outcome }, seconds);
      } else if (operation === 'notifyMerchant') {
        this.metrics.merchantDeliveries.inc({ type: boundedEventType(arg.type), outcome: outcome === 'ok' ? 'ok' : 'failed' });
      }
    }
  }
}

/** The activities' typed failures (activities/*.ts translateErrors) name the outcome. */
function outcomeOf(err: unknown): string {
  if (err instanceof ApplicationFailure) {
    switch (err.type) {
      case 'ProviderRejected':
        return 'rejected';
      case 'ProviderUnavailable':
        return 'unavailable';
      case 'ProviderOutcomeUnknown':
        return 'unknown';
    }
  }
  return 'error';
}

/** A label value from a closed set; anything else (a bug or hostile input) collapses to "other". */
export function bounded(value: unknown, allowed: readonly string[]): string {
  return typeof value === 'string' && allowed.includes(value) ? value : 'other';
}

function boundedEventType(type: unknown): string {
  return typeof type === 'string' && /^payment\.[a-z_]{1,30}$|^payout\.[a-z_]{1,30}$/.test(type) ? type : 'other';
}
