// Activities of the daily statement workflow (workflows/statement.workflow.ts): every database
// read and write and every provider call of the statement and the reconciliation happens here.
import { ApplicationFailure, heartbeat, log } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { PaymentMethod, ProviderEvent, ProviderName } from '../src/domain/payment.js';
import { canPayOut, type PayoutSnapshot } from '../src/providers/payout.js';
import type { ChargeSnapshot, PaymentProvider } from '../src/providers/provider.js';
import type { Pool } from '../src/db/pool.js';
import type { CallbackPolicy } from '../src/common/outbound-guard.js';
import { deliverEvent, MerchantSecretMissing, recordEvent } from '../src/db/events.js';
import { canReport } from '../src/providers/reporting.js';
import { dayWindow, isDay } from '../src/statements/day.js';
import type { ReportedFee } from '../src/statements/statement.js';
import {
  knownPayments,
  currentVersion,
  isProduced,
  lastProducedDay,
  markWoken,
  readStatement,
  statementsForDay,
  touchedOn,
  unwokenDifferences,
  writeStatementDay,
  type FoundDifference,
} from '../src/db/statements.js';
import { comparePayment, comparePayout } from '../src/statements/reconcile.js';
import { daysToProduce } from '../src/statements/day.js';
import { providerEventSignal } from '../workflows/definitions.js';

export interface StatementActivityDeps {
  pool: Pool;
  providers: ReadonlyMap<ProviderName, PaymentProvider>;
  /** Signals payment workflows woken by a difference. */
  client: Client;
  dataKey: Buffer;
  httpTimeoutMs: number;
  callbackPolicy: CallbackPolicy;
  merchantWebhookSecrets: ReadonlyMap<string, string>;
  /** Counts each difference found (bayar_reconciliation_differences_total). */
  onDifference?: (provider: string, kind: string) => void;
}

export interface ProducedDay {
  day: string;
  /** false: the day was already produced; nothing was written. */
  produced: boolean;
  merchants: number;
  differences: number;
}

/** The id of a merchant's statement.ready event for a day: one per merchant and day, ever. */
export function statementEventId(merchantId: string, day: string): string {
  return `evt_statement_${day}_${merchantId}`;
}

/** The merchant of a difference about a charge bayar has no record of (never a merchant id: those match ^[A-Za-z0-9_-]+$). */
export const UNKNOWN_MERCHANT = '*';

/** At most this many provider look-ups at once (the provider's rate limits, the worker's slots). */
const LOOKUP_CONCURRENCY = 4;

export function createStatementActivities(deps: StatementActivityDeps) {
  const { pool } = deps;

  async function lookUpEach<T>(items: T[], fn: (item: T) => Promise<void>): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        const item = items[next++]!;
        await fn(item);
        heartbeat();
      }
    };
    await Promise.all(Array.from({ length: Math.min(LOOKUP_CONCURRENCY, items.length) }, worker));
  }

  /** Compares every payment and payout that changed that day with its provider's answer now. */
  async function reconcile(day: string): Promise<{ differences: FoundDifference[]; unchecked: Record<string, string>; fees: Map<string, ReportedFee> }> {
    const { payments, payouts } = await touchedOn(pool, day);
    const differences: FoundDifference[] = [];
    const failures = new Map<string, number>();
    const failed = (provider: string) => failures.set(provider, (failures.get(provider) ?? 0) + 1);
    const fees = new Map<string, ReportedFee>();
    // Providers that publish their day's transactions (Xendit GET /transactions): the fee and
    // VAT they took on each payment, and money they took under a reference bayar never made.
    for (const [name, provider] of deps.providers) {
      if (!canReport(provider)) continue;
      let listed;
      try {
        listed = await provider.listTransactions(dayWindow(day));
      } catch (err) {
        log.warn('reconciliation transaction list failed', { provider: name, error: (err as Error).message });
        failed(name);
        continue;
      }
      heartbeat();
      const paid = listed.filter((t) => t.type === 'PAYMENT' && t.status === 'SUCCESS' && t.referenceId);
      const known = await knownPayments(
        pool,
        paid.map((t) => t.referenceId!),
      );
      for (const t of paid) {
        if (t.fee && known.has(t.referenceId!)) fees.set(t.referenceId!, t.fee);
        if (!known.has(t.referenceId!)) {
          // No merchant can be named for a charge bayar never made: only operators see it.
          differences.push({
            kind: 'paid_unknown_to_bayar',
            action: 'review',
            merchantId: UNKNOWN_MERCHANT,
            provider: name,
            objectType: 'payment',
            objectId: t.referenceId!,
            bayar: { found: false },
            providerSays: { transaction: t.id, status: t.status, amount: t.amount, created: t.created },
          });
        }
      }
    }
    await lookUpEach(payments, async (p) => {
      if (p.status === 'CREATED' || p.status === 'PENDING') return;
      const provider = deps.providers.get(p.provider as ProviderName);
      if (!provider) return void failed(p.provider);
      let snapshot: ChargeSnapshot | null;
      try {
        // The same status look-up the workflow itself makes (Xendit GET /v3/payment_requests/{id},
        // Midtrans GET /v2/{order_id}/status, …: see each adapter's README).
        snapshot = await provider.findCharge({ paymentId: p.id, ...(p.provider_reference ? { providerReference: p.provider_reference } : {}), method: p.method as PaymentMethod });
      } catch (err) {
        log.warn('reconciliation look-up failed', { paymentId: p.id, provider: p.provider, error: (err as Error).message });
        return void failed(p.provider);
      }
      const found = comparePayment({ status: p.status, paid: p.amount_paid, refunded: p.amount_refunded, refundPending: p.view.amounts.refundPending }, snapshot);
      // A payment that changed while it was looked up is news the workflow has: not a difference.
      if (found.length === 0 || (await currentVersion(pool, 'payment', p.id)) !== p.version) return;
      for (const d of found) differences.push({ ...d, merchantId: p.merchant_id, provider: p.provider, objectType: 'payment', objectId: p.id });
    });
    await lookUpEach(payouts, async (po) => {
      if (po.status !== 'SUCCEEDED' && po.status !== 'FAILED') return;
      const provider = deps.providers.get(po.provider as ProviderName);
      if (!canPayOut(provider)) return void failed(po.provider);
      const answers = new Map<string, PayoutSnapshot | null>();
      try {
        for (const a of po.view.attempts) answers.set(a.providerPayoutId, await provider.findPayout(a.providerPayoutId));
      } catch (err) {
        log.warn('reconciliation payout look-up failed', { payoutId: po.id, provider: po.provider, error: (err as Error).message });
        return void failed(po.provider);
      }
      const found = comparePayout({ status: po.status, attempts: po.view.attempts }, answers);
      if (found.length === 0 || (await currentVersion(pool, 'payout', po.id)) !== po.version) return;
      for (const d of found) differences.push({ ...d, merchantId: po.merchant_id, provider: po.provider, objectType: 'payout', objectId: po.id });
    });
    const unchecked = Object.fromEntries([...failures].map(([provider, n]) => [provider, `${n} look-up(s) failed or not possible; compare by hand`]));
    return { differences, unchecked, fees };
  }

  return {
    /** The days this run must produce (see daysToProduce). */
    async statementDaysToProduce(input: { through: string; maxDays: number }): Promise<string[]> {
      return daysToProduce(await lastProducedDay(pool), input.through, input.maxDays);
    },

    /** Builds, reconciles and stores one day, once. */
    async produceStatementDay(input: { day: string; allowUnfinishedDay?: boolean }): Promise<ProducedDay> {
      const { day } = input;
      if (!isDay(day)) throw ApplicationFailure.nonRetryable(`not a calendar day: ${day}`, 'BadDay');
      // A produced day is final: one made before it ends would miss the rest of it for good.
      if (Date.now() < Date.parse(dayWindow(day).to) && !input.allowUnfinishedDay) {
        throw ApplicationFailure.nonRetryable(`${day} has not ended in Asia/Jakarta yet; its statement is made after midnight`, 'DayNotOver');
      }
      if (await isProduced(pool, day)) return { day, produced: false, merchants: 0, differences: 0 };
      const { differences, unchecked, fees } = await reconcile(day);
      const statements = await statementsForDay(pool, day, fees);
      const written = await writeStatementDay(pool, day, statements, differences, unchecked);
      if (!written) return { day, produced: false, merchants: 0, differences: 0 };
      for (const d of differences) deps.onDifference?.(d.provider, d.kind);
      if (differences.length > 0) log.warn('reconciliation differences', { day, count: differences.length, kinds: [...new Set(differences.map((d) => `${d.provider}:${d.kind}`))] });
      return { day, produced: true, merchants: new Set(statements.map((s) => s.merchantId)).size, differences: differences.length };
    },

    /**
     * Wakes the payment workflow of every difference that goes to the late-money or the
     * provider-refund path: an unsigned "look again" notice, exactly what Xendit's or Indodana's
     * notifications are. The workflow asks the provider itself and applies only that answer.
     */
    async wakeForDifferences(input: { day: string }): Promise<number> {
      let woken = 0;
      for (const d of await unwokenDifferences(pool, input.day)) {
        // The workflow refuses a notice that does not name the charge it knows.
        const row = await pool.query<{ provider_reference: string | null }>('SELECT provider_reference FROM payments WHERE id = $1', [d.objectId]);
        const providerReference = row.rows[0]?.provider_reference ?? undefined;
        const event: ProviderEvent = {
          provider: d.provider as ProviderName,
          eventId: `reconciliation:${input.day}:${d.kind}`,
          source: 'webhook',
          wakeOnly: true,
          chargeStatus: d.kind === 'refund_unknown_to_bayar' ? 'REFUNDED' : 'PAID',
          providerStatus: `reconciliation ${input.day}: ${d.kind}`,
          ...(providerReference ? { providerReference } : {}),
        };
        try {
          await deps.client.workflow.getHandle(d.objectId).signal(providerEventSignal, event);
          await markWoken(pool, input.day, d);
          woken++;
        } catch (err) {
          // Past its refund window the workflow is closed: nothing can look for it but a person.
          if (!(err instanceof WorkflowNotFoundError)) throw err;
          await markWoken(pool, input.day, d, 'the payment workflow is closed: review by hand');
        }
      }
      return woken;
    },

    /** Records each merchant's statement.ready event (once per merchant and day); returns their ids. */
    async recordStatementEvents(input: { day: string }): Promise<string[]> {
      const merchants = await pool.query<{ merchant_id: string }>('SELECT DISTINCT merchant_id FROM statements WHERE day = $1::date ORDER BY merchant_id', [input.day]);
      const ids: string[] = [];
      for (const { merchant_id: merchantId } of merchants.rows) {
        const statement = await readStatement(pool, merchantId, input.day);
        if (!statement) continue;
        const id = statementEventId(merchantId, input.day);
        await recordEvent(pool, {
          id,
          merchantId,
          type: 'statement.ready',
          payload: {
            date: input.day,
            providers: statement.providers.map((p) => ({ provider: p.provider, totals: p.totals.all })),
            differences: statement.differences.length,
            json: `/v1/statements/${input.day}`,
            csv: `/v1/statements/${input.day}.csv`,
          },
        });
        ids.push(id);
      }
      return ids;
    },

    /** Delivers one statement.ready event to the destinations still without a 2xx (retried by Temporal). */
    async deliverStatementEvent(input: { eventId: string }): Promise<void> {
      try {
        const outcome = await deliverEvent(pool, { dataKey: deps.dataKey, timeoutMs: deps.httpTimeoutMs, policy: deps.callbackPolicy, fallbackSecrets: deps.merchantWebhookSecrets }, input.eventId, {
          onlyPending: true,
        });
        if (!outcome.delivered) throw ApplicationFailure.retryable(`statement event not delivered: ${outcome.failures.join('; ')}`, 'MerchantUnreachable');
      } catch (err) {
        if (err instanceof MerchantSecretMissing) throw ApplicationFailure.nonRetryable(err.message, 'MerchantSecretMissing');
        throw err;
      }
    },
  };
}

export type StatementActivities = ReturnType<typeof createStatementActivities>;
