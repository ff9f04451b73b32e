// The Indodana adapter: bayar's provider interface over Indodana's merchant QRIS integration.
// Indodana has no "create" call for QRIS (seed 001): bayar presents a dynamic QR made from the
// merchant's own QRIS, Indodana creates the transaction when its customer pays that QR, and bayar
// follows it by merchantOrderId (check status, notifications) and refunds it (cancellation).
import type { ProviderEvent } from '../../domain/payment.js';
import { parseJson } from '../http.js';
import {
  ProviderRejected,
  ProviderUnavailable,
  SignatureInvalid,
  WebhookMalformed,
  type ChargeRef,
  type ChargeSnapshot,
  type CreateChargeRequest,
  type ParsedWebhook,
  type PaymentProvider,
  type RawWebhook,
  type RefundRequest,
  type RefundResult,
  type WebhookReply,
} from '../provider.js';
import { INDODANA_PATHS, OTHER_REASON, indodanaCapabilities, indodanaOrderId, isIndodanaRefundReason, paymentIdFromOrderId } from './capabilities.js';
import { IndodanaClient, throwFor, type IndodanaConfig } from './client.js';
import { dynamicQris } from './qris.js';
import {
  cancellationResponseSchema,
  checkStatusSchema,
  jakartaTime,
  notificationSchema,
  parseIndodanaTime,
  type IndodanaCancellationRequest,
  type IndodanaTransaction,
} from './schemas.js';
import { verifyAuthorization } from './signature.js';
import { indodanaStatusToChargeStatus } from './status.js';

export type { IndodanaConfig } from './client.js';

/** bayar's own status for a QR no one has paid yet: Indodana has no transaction until then. */
export const AWAITING_PAYMENT = 'AWAITING_PAYMENT';

/** Who Indodana's cancellation record names as the canceller. */
const CANCELLED_BY = 'bayar';

export class IndodanaProvider implements PaymentProvider {
  readonly name = 'indodana' as const;
  readonly capabilities = indodanaCapabilities;
  private readonly client: IndodanaClient;
  private readonly now: () => number;

  constructor(
    private readonly config: IndodanaConfig,
    options: { now?: () => number } = {},
  ) {
    this.client = new IndodanaClient(config);
    this.now = options.now ?? Date.now;
  }

  async createCharge(request: CreateChargeRequest): Promise<ChargeSnapshot> {
    if (request.method !== 'QRIS') throw new ProviderRejected(`indodana does not offer ${request.method}`, 'indodana', 'UNSUPPORTED_METHOD');
    const orderId = indodanaOrderId(request.paymentId);
    // No call to Indodana: the QR is ours. Made from the payment's id and amount only, so a
    // retried create yields the very same QR, and Indodana one transaction for it.
    return {
      providerReference: orderId,
      chargeStatus: 'PENDING',
      providerStatus: AWAITING_PAYMENT,
      instructions: { qrString: this.qrFor(orderId, request.amount) },
    };
  }

  async findCharge(ref: ChargeRef): Promise<ChargeSnapshot | null> {
    const orderId = indodanaOrderId(ref.paymentId);
    const res = await this.client.call('GET', INDODANA_PATHS.checkStatus, { query: { merchantOrderId: orderId } });
    // No transaction yet: nobody has paid the QR. [? status code for an unknown order]
    if (res.status === 404) return null;
    if (res.status !== 200) throwFor(res, 'check status');
    const parsed = checkStatusSchema.safeParse(parseJson(res.text));
    // An answer about another order is as unusable as an unreadable one: try again later.
    if (!parsed.success || parsed.data.merchantOrderId !== orderId) {
      throw new ProviderUnavailable('indodana check status: unexpected response shape', 'indodana', 'BAD_RESPONSE');
    }
    return this.fromTransaction(parsed.data, orderId);
  }

  async cancelCharge(): Promise<void> {
    // Nothing to cancel (capabilities.cancel is false, so the saga never asks): the QR is bayar's,
    // and Indodana's cancellation is for completed transactions. bayar's deadline and its final
    // status check decide; money that still arrives is refunded as a late payment.
  }

  async refund(request: RefundRequest): Promise<RefundResult> {
    const body: IndodanaCancellationRequest = {
      // Stable across retries: Indodana sees one cancellation however often the activity runs.
      refundId: request.idempotencyKey,
      merchantOrderId: indodanaOrderId(request.charge.paymentId),
      // FULL or PARTIAL is Indodana's reading of this amount against the transaction's (seed 001).
      cancellationAmount: request.amount,
      // Merchants can only ask with one of Indodana's reasons (the refund validator checks
      // capabilities.refundReasons). bayar's own automatic refunds of late money carry a text of
      // their own, which is exactly Indodana's "Others — any other reason".
      cancellationReason: isIndodanaRefundReason(request.reason) ? request.reason : OTHER_REASON,
      cancelledBy: CANCELLED_BY,
      cancellationDate: jakartaTime(this.now()),
    };
    const res = await this.client.call('POST', this.config.refundPath, { body });
    if (res.status !== 200 && res.status !== 201) throwFor(res, 'cancellation');
    const parsed = cancellationResponseSchema.safeParse(parseJson(res.text));
    if (!parsed.success) throw new ProviderUnavailable('indodana cancellation: unexpected response shape', 'indodana', 'BAD_RESPONSE');
    return { providerRefundId: parsed.data.refundId ?? request.idempotencyKey, state: 'SUCCEEDED' };
  }

  parseWebhook(raw: RawWebhook): ParsedWebhook {
    // The same Bearer scheme as our requests, with our key and secret. It signs only key:nonce,
    // never the body, so it proves little: every notification only wakes the payment, which asks
    // Indodana's check-status API and applies that answer (README, "Notifications"). The nonce's
    // age is not checked: with verify-by-fetch a replay cannot move money, and Indodana's genuine
    // resends of an old notification must not be refused.
    const verdict = verifyAuthorization(raw.headers['authorization'], { apiKey: this.config.apiKey, secret: this.config.secretKey });
    if (!verdict.ok) throw new SignatureInvalid('indodana', verdict.reason);

    const parsed = notificationSchema.safeParse(parseJson(raw.rawBody.toString('utf8')));
    if (!parsed.success) throw new WebhookMalformed('indodana', parsed.error.issues[0]?.message ?? 'bad body');
    const n = parsed.data;
    const chargeStatus = indodanaStatusToChargeStatus(n.transactionStatus);
    if (chargeStatus === 'REFUNDED') return { kind: 'ignored', reason: `${n.transactionStatus} notification; refunds are tracked by bayar's refund update` };
    if (chargeStatus === 'PAID' && n.amount === undefined) {
      // What was paid is what the notification says, never what was asked.
      throw new WebhookMalformed('indodana', 'PAID notification without amount');
    }
    const occurred = n.transactionTime === undefined ? undefined : parseIndodanaTime(n.transactionTime);
    const event: ProviderEvent = {
      provider: 'indodana',
      // No notification id is published: one transaction's status is one event, so Indodana's
      // retries and duplicates of it share this id, and a later status gets a new one. Nothing
      // here is signed; the id only dedupes wake-ups.
      eventId: `${n.merchantOrderId}:${n.transactionId ?? '-'}:${chargeStatus}`,
      source: 'webhook',
      wakeOnly: true,
      chargeStatus,
      paidAmount: chargeStatus === 'PAID' ? n.amount : undefined,
      // bayar's reference for an Indodana charge is the merchantOrderId it made the QR for
      // (createCharge); the transactionId is only learned from check-status.
      providerReference: n.merchantOrderId,
      providerStatus: n.transactionStatus,
      reason: chargeStatus === 'FAILED' ? rejectionReason(n) : undefined,
      occurredAt: occurred === undefined ? undefined : new Date(occurred).toISOString(),
    };
    return { kind: 'payment', paymentId: paymentIdFromOrderId(n.merchantOrderId), event };
  }

  webhookAck(): WebhookReply {
    // What Indodana's own plugins answer once a notification is taken.
    return { status: 200, contentType: 'application/json', body: '{"status":"OK","message":"OK"}' };
  }

  webhookRetryLater(): WebhookReply {
    // Indodana's plugins refuse with status REJECTED; the retry rule is not published [?], so the
    // answer is a refusal both ways: a non-2xx status and a REJECTED body.
    return { status: 503, contentType: 'application/json', body: '{"status":"REJECTED","message":"temporarily unavailable, retry later"}' };
  }

  private qrFor(orderId: string, amount: number): string {
    try {
      return dynamicQris(this.config.qrisPayload, { amount, billNumber: orderId });
    } catch (err) {
      throw new ProviderRejected(`indodana: cannot make the QR: ${(err as Error).message}`, 'indodana', 'QRIS_INVALID');
    }
  }

  private fromTransaction(t: IndodanaTransaction, orderId: string): ChargeSnapshot {
    const chargeStatus = indodanaStatusToChargeStatus(t.transactionStatus);
    const amount = Number.isSafeInteger(t.amount) ? t.amount : undefined;
    if (amount === undefined) {
      throw new ProviderUnavailable(`indodana check status: amount ${t.amount} is not whole rupiah`, 'indodana', 'BAD_RESPONSE');
    }
    return {
      providerReference: t.transactionId ?? orderId,
      chargeStatus,
      providerStatus: t.transactionStatus,
      paidAmount: chargeStatus === 'PAID' ? amount : undefined,
      reason: chargeStatus === 'FAILED' ? rejectionReason(t) : undefined,
      // While the transaction is open the same QR is still the way to pay it (e.g. when a retried
      // create finds the transaction before it has shown the QR).
      instructions: chargeStatus === 'PENDING' && amount > 0 ? { qrString: this.qrFor(orderId, amount) } : {},
    };
  }
}

/** REJECTED is final "with its reason": Indodana's message when it gives one, else the seed's definition. */
function rejectionReason(t: { fraudStatus?: string; message?: string }): string {
  // An empty or blank message is no reason: fall back rather than fail a payment with nothing to say why.
  const message = t.message?.trim() || 'identified as fraudulent, or the merchant is blacklisted';
  return t.fraudStatus && t.fraudStatus !== 'ACCEPT' ? `${message} (fraudStatus ${t.fraudStatus})` : message;
}
