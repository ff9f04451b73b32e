// POST /webhooks/:provider — verify on the raw body, signal the payment's workflow, and answer
// exactly what that provider expects. 2xx only after Temporal accepted the signal, so the
// provider retries anything we could not take. Before signalling, what is cheap to know is
// checked here: a copy of a notification already signalled is acknowledged without a signal, and
// a notification for a payment another provider holds (or already signalled to another payment)
// is refused. The workflow checks the same binding again, and the charge reference besides.
import { Controller, Inject, Logger, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import type { Request, Response } from 'express';
import type { ProviderName } from '../domain/payment.js';
import { PROVIDER_NAMES } from '../providers/index.js';
import { ProblemException } from '../common/problem.js';
import { PROVIDERS } from '../providers/providers.module.js';
import { SignatureInvalid, WebhookMalformed, type ParsedWebhook, type PaymentProvider, type WebhookReply } from '../providers/provider.js';
import { TEMPORAL_CLIENT } from '../temporal/temporal.module.js';
import { PAYMENT_WORKFLOW_TYPE, providerEventSignal } from '../../workflows/definitions.js';
import { payoutNotificationSignal } from '../../workflows/payout-definitions.js';
import { paymentIdSchema } from '../payments/payments.schemas.js';
import { paymentIdOfCharge } from '../domain/payment.js';
import { Metrics } from '../health/metrics.js';
import { SA } from '../temporal/search-attributes.js';
import { SourceAllowListGuard } from './source-allow-list.guard.js';
import { SIGNALLED_NOTIFICATIONS, type SignalledNotifications } from './signalled-notifications.js';
import { DB_POOL } from '../db/database.module.js';
import type { Pool } from '../db/pool.js';
import { findPaymentByProviderReference } from '../db/provider-references.js';

const SIGNAL_DEADLINE_MS = 3_000;

@ApiExcludeController()
@UseGuards(SourceAllowListGuard)
@Controller('webhooks')
export class WebhooksController {
  private readonly logger = new Logger('webhooks');

  constructor(
    @Inject(TEMPORAL_CLIENT) private readonly client: Client,
    @Inject(PROVIDERS) private readonly providers: Map<ProviderName, PaymentProvider>,
    private readonly metrics: Metrics,
    @Inject(SIGNALLED_NOTIFICATIONS) private readonly signalled: SignalledNotifications,
    @Inject(DB_POOL) private readonly pool: Pool | null,
  ) {}

  /**
   * DOKU SNAP asks for an access token (B2B, RSA-signed) before each notification; the token
   * endpoint lives under the provider's webhook base, at SNAP's own path.
   */
  @Post(':provider/authorization/v1/access-token/b2b')
  token(@Param('provider') name: string, @Req() req: Request, @Res() res: Response): void {
    const provider = PROVIDER_NAMES.includes(name as ProviderName) ? this.providers.get(name as ProviderName) : undefined;
    if (!provider?.webhookToken) throw new ProblemException(404, 'UNKNOWN_PROVIDER', `no provider ${name} issues notification tokens`);
    const reply = provider.webhookToken({ headers: headersOf(req), rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0), path: req.path });
    this.metrics.webhooks.inc({ provider: name, outcome: reply.status === 200 ? 'token-issued' : 'token-refused' });
    send(res, reply);
  }

  /**
   * SNAP's notification paths under the webhook base (DOKU: e-wallets /v1.0/debit/notify; VA
   * payments /v1.1, /v1.0 or /v1 transfer-va/payment, see providers/doku/capabilities.ts); same handling.
   */
  @Post([':provider/v1.0/debit/notify', ':provider/v1.1/transfer-va/payment', ':provider/v1.0/transfer-va/payment', ':provider/v1/transfer-va/payment'])
  receiveSnap(@Param('provider') name: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.receive(name, req, res);
  }

  @Post(':provider')
  async receive(@Param('provider') name: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const provider = PROVIDER_NAMES.includes(name as ProviderName) ? this.providers.get(name as ProviderName) : undefined;
    if (!provider) throw new ProblemException(404, 'UNKNOWN_PROVIDER', `no provider ${name} is configured`);
    const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const headers = headersOf(req);

    let parsed: ParsedWebhook;
    try {
      parsed = provider.parseWebhook({ headers, rawBody, path: req.path });
    } catch (err) {
      this.metrics.webhooks.inc({ provider: name, outcome: 'rejected' });
      if (err instanceof SignatureInvalid) throw new ProblemException(401, 'SIGNATURE_INVALID', 'webhook signature or token did not verify');
      if (err instanceof WebhookMalformed) throw new ProblemException(400, 'WEBHOOK_MALFORMED', err.message);
      throw err;
    }

    if (parsed.kind === 'ignored') {
      this.logger.log(`${name}: acknowledged without action (${parsed.reason})`);
      this.metrics.webhooks.inc({ provider: name, outcome: 'ignored' });
      return send(res, provider.webhookAck(parsed));
    }

    if (parsed.kind === 'payout') return this.receivePayout(name, provider, parsed, res);

    if (parsed.kind === 'charge-reference') {
      // Named by the provider's charge reference only: the system of record says which payment
      // holds it, and the notice goes on as one about that payment (bound to it by the workflow).
      let paymentId: string | undefined;
      try {
        paymentId = this.pool ? await findPaymentByProviderReference(this.pool, provider.name, parsed.providerReference) : undefined;
      } catch (err) {
        this.logger.warn(`${name}: could not look up the payment holding a charge reference (${(err as Error).message}); asking the provider to retry`);
        this.metrics.webhooks.inc({ provider: name, outcome: 'retry-later' });
        return send(res, provider.webhookRetryLater(parsed));
      }
      if (paymentId === undefined) {
        // Answered as an ignored notice (a refusal would be resent for a day), and counted, not
        // logged one by one: the reference is the sender's to choose.
        this.metrics.webhooks.inc({ provider: name, outcome: 'unknown-reference' });
        return send(res, provider.webhookAck(parsed));
      }
      parsed = { kind: 'payment', paymentId, event: parsed.event, ...(parsed.ack ? { ack: parsed.ack } : {}) };
    }

    // A checkout's later charge is known to its provider as `<payment id>-c<n>`: same payment.
    const paymentId = paymentIdOfCharge(parsed.paymentId);
    if (!paymentIdSchema.safeParse(paymentId).success) {
      // Not one of ours and never will be: acknowledge so the provider stops, but say so loudly.
      this.logger.warn(`${name}: notification for foreign reference ${JSON.stringify(parsed.paymentId.slice(0, 80))}; acknowledged, not applied`);
      this.metrics.webhooks.inc({ provider: name, outcome: 'foreign' });
      return send(res, provider.webhookAck(parsed));
    }

    // A replay costs nothing: the copy of a notification already signalled is answered as taken
    // without a signal; one already signalled to another payment is never signalled again.
    const { event } = parsed;
    const signalledTo = this.signalled.paymentFor(provider.name, event.eventId);
    if (signalledTo === paymentId) {
      this.metrics.webhooks.inc({ provider: name, outcome: 'duplicate' });
      return send(res, provider.webhookAck(parsed));
    }
    if (signalledTo !== undefined) {
      this.metrics.webhooks.inc({ provider: name, outcome: 'bound-elsewhere' });
      return this.refuse(provider, parsed, res, 'NOTIFICATION_BOUND_ELSEWHERE', 'this notification was already applied to another payment');
    }

    let verdict: 'signalled' | 'unknown-payment' | 'wrong-provider';
    try {
      // Bounded: some providers (Xendit) never retry a notification that timed out, so a
      // quick "retry later" beats waiting on an unreachable Temporal.
      verdict = await this.client.connection.withDeadline(Date.now() + SIGNAL_DEADLINE_MS, async () => {
        const handle = this.client.workflow.getHandle(paymentId);
        // Who holds the payment is the workflow's PaymentProvider search attribute (kept current
        // on failover): read from Temporal, so it needs no worker and no workflow task.
        const description = await handle.describe();
        if (description.type !== PAYMENT_WORKFLOW_TYPE) return 'unknown-payment';
        if (description.typedSearchAttributes.get(SA.provider) !== provider.name) return 'wrong-provider';
        await handle.signal(providerEventSignal, event);
        return 'signalled';
      });
    } catch (err) {
      const unknown = err instanceof WorkflowNotFoundError;
      this.logger.warn(`${name}: could not signal ${paymentId} (${unknown ? 'no open payment' : (err as Error).message}); asking the provider to retry`);
      this.metrics.webhooks.inc({ provider: name, outcome: unknown ? 'unknown-payment' : 'retry-later' });
      return send(res, provider.webhookRetryLater(parsed));
    }
    if (verdict === 'unknown-payment') {
      this.metrics.webhooks.inc({ provider: name, outcome: 'unknown-payment' });
      return send(res, provider.webhookRetryLater(parsed));
    }
    if (verdict === 'wrong-provider') {
      // Counted, not logged one by one: anyone holding a weak scheme's secret could fill the log.
      this.metrics.webhooks.inc({ provider: name, outcome: 'wrong-provider' });
      return this.refuse(provider, parsed, res, 'NOTIFICATION_NOT_FOR_PROVIDER', `payment ${paymentId} is not held by ${provider.name}`);
    }
    this.signalled.remember(provider.name, event.eventId, paymentId);
    this.metrics.webhooks.inc({ provider: name, outcome: 'signalled' });
    send(res, provider.webhookAck(parsed));
  }

  /** A verified notice about a payout attempt: signal its payout workflow, then acknowledge. */
  private async receivePayout(name: string, provider: PaymentProvider, parsed: Extract<ParsedWebhook, { kind: 'payout' }>, res: Response): Promise<void> {
    try {
      await this.client.connection.withDeadline(Date.now() + SIGNAL_DEADLINE_MS, () =>
        this.client.workflow.getHandle(parsed.payoutId).signal(payoutNotificationSignal, { provider: provider.name, providerPayoutId: parsed.providerPayoutId, snapshot: parsed.snapshot }),
      );
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        // A closed (or foreign) payout cannot take it, now or on a retry: acknowledge, say so.
        this.logger.warn(`${name}: payout notice for ${parsed.providerPayoutId} but no open payout ${parsed.payoutId}; acknowledged, not applied`);
        this.metrics.webhooks.inc({ provider: name, outcome: 'unknown-payout' });
        return send(res, provider.webhookAck(parsed));
      }
      this.logger.warn(`${name}: could not signal payout ${parsed.payoutId} (${(err as Error).message}); asking the provider to retry`);
      this.metrics.webhooks.inc({ provider: name, outcome: 'retry-later' });
      return send(res, provider.webhookRetryLater(parsed));
    }
    this.metrics.webhooks.inc({ provider: name, outcome: 'signalled-payout' });
    send(res, provider.webhookAck(parsed));
  }

  /**
   * A verified notification that will not be applied. A genuine one has nothing left to deliver,
   * so the answer only decides how long the provider resends it: a 409 where it gives up after a
   * few attempts (it shows in its dashboard), its own "taken" answer where a refusal would be
   * resent for days (PaymentProvider.refusedNotificationAnswer; each provider's README says why).
   */
  private refuse(provider: PaymentProvider, parsed: ParsedWebhook, res: Response, code: string, detail: string): void {
    if (provider.refusedNotificationAnswer === 'ack') return send(res, provider.webhookAck(parsed));
    throw new ProblemException(409, code, detail);
  }
}

function headersOf(req: Request): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]));
}

function send(res: Response, reply: WebhookReply): void {
  res.status(reply.status).type(reply.contentType).send(reply.body);
}
