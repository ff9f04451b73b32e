// The payouts service: API calls → payout workflow starts and updates; reads answer from the
// system of record (PostgreSQL), which the workflow writes at every change. Creates work like
// payments' (startOrJoin). Before a payout's workflow starts (and before a retry's new attempt),
// its amount is reserved from the merchant's ledger (src/db/ledger.ts): a payout the available
// balance does not cover is refused with 422 and nothing is sent.
import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Client, WithStartWorkflowOperation } from '@temporalio/client';
import { DB_POOL } from '../db/database.module.js';
import type { Pool } from '../db/pool.js';
import { findPayout } from '../db/reads.repository.js';
import { fromDatabase } from '../db/cursor.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.js';
import type { ProviderName } from '../domain/payment.js';
import type { PayoutView } from '../domain/payout.js';
import { ProblemException } from '../common/problem.js';
import { hashRequest } from '../common/request-hash.js';
import { callbackUrlRefusal } from '../common/outbound-guard.js';
import { seal } from '../common/sealed.js';
import { canPayOut, type PayoutProvider } from '../providers/payout.js';
import type { PaymentProvider } from '../providers/provider.js';
import { PROVIDERS } from '../providers/providers.tokens.js';
import { TEMPORAL_CLIENT } from '../temporal/temporal.module.js';
import { recordLedgerForPayoutView, releaseUnstartedPayout, reservePayout } from '../db/ledger.js';
import { audit } from '../db/merchants.js';
import { SA } from '../temporal/search-attributes.js';
import { justStarted, rejectionStatus, WorkflowCalls } from '../temporal/workflow-calls.js';
import { createOrGetPayoutUpdate, PAYOUT_REJECTION, PAYOUT_WORKFLOW_TYPE, retryPayoutUpdate, type PayoutWorkflowInput } from '../../workflows/payout-definitions.js';
import type { CreatePayoutBody, RetryPayoutBody } from './payouts.schemas.js';

export interface CreatePayoutOutcome {
  created: boolean;
  /** False when the first send has not been answered within the wait; poll GET. */
  answered: boolean;
  payout: PayoutView;
}

/** Derived, so the same (merchant, key) always names the same payout; a namespace apart from payment ids. */
export function payoutIdFor(merchantId: string, key: string): string {
  return 'payout_' + createHash('sha256').update(`${merchantId}\npayout\n${key}`).digest('hex').slice(0, 24);
}

/** Problem codes and HTTP statuses for the workflow's typed rejections. */
export const REJECTION_STATUS = rejectionStatus(
  { 409: [PAYOUT_REJECTION.idempotencyConflict, PAYOUT_REJECTION.notRetryable, PAYOUT_REJECTION.notInReview, PAYOUT_REJECTION.closed] },
  { [PAYOUT_REJECTION.tooManyAttempts]: [409, 'TOO_MANY_ATTEMPTS'] },
);

@Injectable()
export class PayoutsService {
  private readonly logger = new Logger('payouts');
  private readonly temporal: WorkflowCalls<PayoutView>;

  constructor(
    @Inject(TEMPORAL_CLIENT) private readonly client: Client,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(PROVIDERS) private readonly providers: Map<ProviderName, PaymentProvider>,
    @Inject(DB_POOL) private readonly pool: Pool | null,
  ) {
    this.temporal = new WorkflowCalls<PayoutView>(client, pool, this.logger, 'payout', REJECTION_STATUS);
  }

  async create(merchantId: string, body: CreatePayoutBody, idempotencyKey?: string, keyId?: string): Promise<CreatePayoutOutcome> {
    if (body.callbackUrl) {
      // What is already known to be refused is refused now; the worker checks again at call time.
      const refused = callbackUrlRefusal(body.callbackUrl, this.config.callbacks);
      if (refused) throw new ProblemException(422, 'CALLBACK_URL_REFUSED', `callbackUrl: ${refused}`);
    }
    const provider = this.payoutProvider(body);
    const payoutId = payoutIdFor(merchantId, idempotencyKey ?? body.merchantReference);
    // Keyed: the hash sits in the memo in clear, and an account number has few digits to guess.
    const requestHash = hashRequest(body, this.config.dataKey);
    const { accountNumber, accountName, bankCode } = body.destination;
    const input: PayoutWorkflowInput = {
      payoutId,
      merchantId,
      merchantReference: body.merchantReference,
      provider: provider.name,
      amount: body.amount,
      feeType: body.feeType,
      bankCode,
      sealedDestination: seal(this.config.dataKey, { accountNumber, accountName }),
      accountNumberLast4: accountNumber.slice(-4),
      description: body.description ?? `Payout ${body.merchantReference}`.slice(0, 100),
      createdAt: new Date().toISOString(),
      requestHash,
      creationId: randomUUID(),
      ...(body.callbackUrl ? { callbackUrl: body.callbackUrl } : {}),
      recordEvents: true,
      timing: {
        lookupScheduleMs: this.config.timing.payoutLookupScheduleMs,
        reviewAfterMs: this.config.timing.payoutReviewAfterMs,
        windowMs: this.config.timing.payoutWindowMs,
        merchantNotifyTimeoutMs: this.config.timing.merchantNotifyTimeoutMs,
      },
    };
    const startOperation = new WithStartWorkflowOperation(PAYOUT_WORKFLOW_TYPE, {
      workflowId: payoutId,
      taskQueue: this.config.temporal.taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      // A closed payout is never started again: that would be a second payout.
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      memo: { requestHash },
      staticSummary: `Payout ${body.amount.toLocaleString('en-US')} IDR to ${bankCode} ••${input.accountNumberLast4} via ${provider.name} — ${merchantId}/${body.merchantReference}`,
      // The payments' attributes, reused so operators find payouts beside payments in the Web
      // UI (WorkflowType = 'payoutWorkflow' tells them apart): PaymentMethod = PAYOUT_<bank>.
      typedSearchAttributes: [
        { key: SA.status, value: 'CREATED' },
        { key: SA.provider, value: provider.name },
        { key: SA.method, value: `PAYOUT_${bankCode}` },
        { key: SA.merchantId, value: merchantId },
        { key: SA.merchantReference, value: body.merchantReference },
        { key: SA.amount, value: body.amount },
      ],
    });
    const forgotten = await this.temporal.forgottenByTemporal(merchantId, payoutId, requestHash);
    if (forgotten) return { created: false, answered: true, payout: forgotten };
    const reservation = await this.reserve({ merchantId, payoutId, amount: body.amount });
    // Who moved money: the key, before the workflow starts (a lost answer still leaves the trace).
    if (reservation === 'reserved') await this.audit(keyId, merchantId, 'payout.create', payoutId, { amount: body.amount, provider: provider.name, bankCode: body.destination.bankCode });
    const outcome = await this.temporal.startOrJoin(payoutId, startOperation, createOrGetPayoutUpdate, requestHash, this.config.timing.createWaitMs).catch(async (translated: unknown) => {
      // Refused for good before anything was sent: give back what this request reserved. (A 5xx
      // may have started it: the reservation stays, and the same request again finds it.)
      if (reservation === 'reserved' && translated instanceof ProblemException && translated.status < 500) {
        await releaseUnstartedPayout(this.db(), { merchantId, payoutId, amount: body.amount });
      }
      throw translated;
    });
    if (outcome.kind === 'answered') return { created: outcome.result.creationId === input.creationId, answered: true, payout: outcome.result.payout };
    if (outcome.kind === 'closed') return { created: false, answered: true, payout: await this.get(merchantId, payoutId) };
    // From the record, not a query (payments.service.ts says why).
    const payout = (await fromDatabase(this.pool, this.logger, (pool) => findPayout(pool, merchantId, payoutId)).catch(() => undefined)) ?? pendingView(input);
    return { created: true, answered: false, payout };
  }

  async get(merchantId: string, payoutId: string): Promise<PayoutView> {
    // Another merchant's payout is indistinguishable from a missing one (the query names both).
    const view = await fromDatabase(this.pool, this.logger, (pool) => findPayout(pool, merchantId, payoutId));
    if (!view) throw new ProblemException(404, 'PAYOUT_NOT_FOUND', `no payout ${payoutId}`);
    return view;
  }

  /** A new attempt after a definite failure. `created` is false when the attempt already existed. */
  async retry(merchantId: string, payoutId: string, body: RetryPayoutBody, keyId?: string): Promise<{ created: boolean; payout: PayoutView }> {
    const before = await this.get(merchantId, payoutId);
    // The same retry again, its answer lost: that attempt exists, here it is.
    if (body.attempt !== undefined && body.attempt <= before.attempts.length) return { created: false, payout: before };
    if (before.completedAt) {
      // Closed workflows take no updates; say why rather than "not found".
      if (before.status === 'FAILED') throw new ProblemException(409, 'PAYOUT_CLOSED', 'the payout is closed (its retry window ended); create a new payout');
      throw new ProblemException(409, 'PAYOUT_NOT_RETRYABLE', `payout is ${before.status}; only a FAILED payout can be retried`);
    }
    // The failed attempt's reservation is released (if the worker has not yet), then the new
    // attempt reserves again: a retry is refused with 422 when the balance no longer covers it.
    await recordLedgerForPayoutView(this.db(), before);
    const reservation = await this.reserve({ merchantId, payoutId, amount: before.amount, again: true });
    if (reservation === 'reserved') await this.audit(keyId, merchantId, 'payout.retry', payoutId, { attempt: before.attempts.length + 1 });
    try {
      const payout = await this.temporal.handle(payoutId).executeUpdate(retryPayoutUpdate, { args: [{ ...(body.attempt !== undefined ? { attempt: body.attempt } : {}) }] });
      return { created: payout.attempts.length > before.attempts.length, payout };
    } catch (err) {
      const translated = this.temporal.translate(err);
      if (reservation === 'reserved' && translated instanceof ProblemException && translated.status < 500) {
        await releaseUnstartedPayout(this.db(), { merchantId, payoutId, amount: before.amount });
      }
      throw translated;
    }
  }

  private async audit(keyId: string | undefined, merchantId: string, action: string, payoutId: string, detail: unknown): Promise<void> {
    await audit(this.db(), { actor: 'api-key', ...(keyId ? { apiKeyId: keyId } : {}), merchantId, action, objectType: 'payout', objectId: payoutId, detail }).catch((err: Error) =>
      this.logger.error(`audit log write failed: ${err.message}`),
    );
  }

  private db(): Pool {
    if (!this.pool) throw new ProblemException(503, 'DATABASE_UNAVAILABLE', 'no database configured');
    return this.pool;
  }

  private async reserve(p: { merchantId: string; payoutId: string; amount: number; again?: boolean }): Promise<'reserved' | 'already'> {
    try {
      return await reservePayout(this.db(), p);
    } catch (err) {
      if (err instanceof ProblemException) throw err;
      this.logger.error(`payout reservation failed: ${(err as Error).message}`);
      throw new ProblemException(503, 'DATABASE_UNAVAILABLE', 'cannot reserve the payout amount right now; retry');
    }
  }

  private payoutProvider(body: CreatePayoutBody): PayoutProvider {
    const provider = this.providers.get(body.provider);
    if (!canPayOut(provider)) throw new ProblemException(422, 'PAYOUTS_NOT_SUPPORTED', `${body.provider} is not configured for payouts`);
    const caps = provider.payoutCapabilities;
    if (!caps.banks.includes(body.destination.bankCode)) {
      throw new ProblemException(422, 'BANK_NOT_SUPPORTED', `${provider.name} pays out to ${caps.banks.join(', ')}, not ${body.destination.bankCode}`);
    }
    if (!caps.feeTypes.includes(body.feeType)) {
      throw new ProblemException(422, 'FEE_TYPE_NOT_SUPPORTED', `${provider.name} supports feeType ${caps.feeTypes.join(', ')}, not ${body.feeType}`);
    }
    if (body.amount < caps.amount.min || body.amount > caps.amount.max) {
      throw new ProblemException(422, 'AMOUNT_OUT_OF_RANGE', `${provider.name} pays out amounts from ${caps.amount.min} to ${caps.amount.max} rupiah`);
    }
    return provider;
  }
}

/** A just-started payout before its workflow has run (no worker yet). */
function pendingView(input: PayoutWorkflowInput): PayoutView {
  return {
    ...justStarted(input.payoutId, input),
    amount: input.amount,
    feeType: input.feeType,
    destination: { bankCode: input.bankCode, accountNumberLast4: input.accountNumberLast4 },
    description: input.description,
    attempts: [],
  };
}
