// The Indodana adapter: bayar's provider interface over Indodana's merchant QRIS integration.
// The payment is created at Indodana (POST /v3/checkout_url, the QRIS page's "Purchase Transaction
// Checkout"), the customer is handed the URL Indodana answers with and pays on Indodana's own page,
// and bayar follows the transaction by merchantOrderId (check status, notifications) and refunds it
// (cancellation). bayar never makes a QR of its own: only Indodana, which holds the payment, issues
// what the customer pays (README, "Creating the payment").
import { createHash } from 'node:crypto';
import type { ProviderEvent } from '../../domain/payment.js';
import { parseJson } from '../http.js';
import { ProviderRejected, ProviderUnavailable, SignatureInvalid, WebhookMalformed } from '../provider.js';
import type { ChargeRef, ChargeSnapshot, CreateChargeRequest, ParsedWebhook, PaymentProvider, RawWebhook, RefundRequest, RefundResult, WebhookReply } from '../provider.js';
import { INDODANA_PATHS, OTHER_REASON, indodanaCapabilities, indodanaOrderId, isIndodanaRefundReason, paymentIdFromOrderId } from './capabilities.js';
import { IndodanaClient, throwFor, type IndodanaConfig } from './client.js';
import {
  cancellationResponseSchema,
  checkStatusSchema,
  checkoutResponseSchema,
  indodanaTime,
  type IndodanaCheckoutRequest,
  jakartaTime,
  notificationSchema,
  parseIndodanaTime,
  type IndodanaCancellationRequest,
  type IndodanaTransaction,
} from './schemas.js';
import { verifyAuthorization } from './signature.js';
import { indodanaStatusToChargeStatus } from './status.js';

export type { IndodanaConfig } from './client.js';

/** Who Indodana's cancellation record names as the canceller. */
const CANCELLED_BY = 'bayar';

export class IndodanaProvider implements PaymentProvider {
  readonly name = 'indodana' as const;
  readonly capabilities = indodanaCapabilities;
  /** Indodana's retry schedule for a refused notification is not published (README, "Notifications"). */
  readonly refusedNotificationAnswer = 'ack' as const;
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
    const body = this.checkoutBody(request, orderId);
    // X-User-Token is Indodana's QuickPay user token; "you can pass null if user account not
    // connected yet" (QRIS page). bayar keeps no user tokens, so it is always null (README).
    const res = await this.client.call('POST', INDODANA_PATHS.checkout, { body, headers: { 'x-user-token': 'null' } });
    if (res.status !== 200 && res.status !== 201) throwFor(res, 'checkout');
    const parsed = checkoutResponseSchema.safeParse(parseJson(res.text));
    // Only a page Indodana issued is ever shown. An answer we cannot read is "try again"; the retry
    // looks the order up first and, if Indodana made the transaction, finds it without a URL (check
    // status carries none): the payment then waits out its deadline with nowhere to pay, which
    // moves no money (README, "A lost checkout answer").
    if (!parsed.success || !this.isCheckoutPage(parsed.data.redirectUrl)) {
      throw new ProviderUnavailable('indodana checkout: unexpected response shape', 'indodana', 'BAD_RESPONSE');
    }
    return {
      providerReference: orderId,
      chargeStatus: 'PENDING',
      // "INITIATED — Transaction has been created by Indodana" (seed 001).
      providerStatus: 'INITIATED',
      instructions: { payUrl: parsed.data.redirectUrl },
    };
  }

  /** The checkout body: the QRIS page's v3 fields and the Online Transaction API's, as Indodana's plugins send them. */
  private checkoutBody(request: CreateChargeRequest, orderId: string): IndodanaCheckoutRequest {
    const seller = this.seller();
    const { name, email, phone, address } = request.customer;
    const [firstName, ...rest] = (name ?? '').trim().split(/\s+/).filter(Boolean);
    const billing = address
      ? { firstName, address: address.line.slice(0, 500), city: address.city.slice(0, 100), postalCode: address.postalCode.slice(0, 10), countryCode: address.countryCode ?? 'IDN' }
      : undefined;
    return {
      // "User identifier in merchant's platform"; Indodana sends a QuickPay token back for it.
      // bayar knows payments, not users: the order id, so no token can ever link two customers.
      merchantUserKey: orderId,
      transactionDetails: {
        merchantOrderId: orderId,
        amount: request.amount,
        // One line for the whole payment: bayar carries no basket, and Indodana wants the items to
        // add up to the amount (payment_calculation: "equal to the sum of all the <Item>s' costs").
        items: [{ id: orderId, name: (request.description.trim() || 'Payment').slice(0, 128), price: request.amount, type: 'payment', quantity: 1, parentType: 'SELLER', parentId: seller.id }],
      },
      customerDetails: {
        ...(firstName ? { firstName: firstName.slice(0, 100) } : {}),
        ...(rest.length ? { lastName: rest.join(' ').slice(0, 100) } : {}),
        ...(email ? { email } : {}),
        ...(phone ? { phone } : {}),
      },
      sellers: [seller],
      ...(billing ? { billingAddress: billing, shippingAddress: billing } : {}),
      approvedNotificationUrl: this.config.notificationUrl,
      ...(request.returnUrl ? { cancellationRedirectUrl: request.returnUrl, backToStoreUrl: request.returnUrl } : {}),
      // Indodana closes the transaction at bayar's deadline too (go-indodana-wrapper sends
      // expirationAt; not in Indodana's own reference [?]).
      expirationAt: indodanaTime(Date.parse(request.expiresAt)),
    };
  }

  /**
   * Indodana's checkout page is https. Plain http only from a local Indodana (the sandbox) and on
   * loopback, so a real Indodana's answer can never send a customer to an unencrypted page.
   */
  private isCheckoutPage(redirectUrl: string): boolean {
    const page = new URL(redirectUrl);
    if (page.protocol === 'https:') return true;
    return page.protocol === 'http:' && isLoopback(page) && isLoopback(new URL(this.config.baseUrl));
  }

  /**
   * The one seller the plugins send: the shop's URL and its md5 as id (IndodanaService::setSeller).
   * bayar's public address stands for the shop, its host name for the seller's name [?].
   */
  private seller(): { id: string; name: string; url: string } {
    const { origin, hostname } = new URL(this.config.notificationUrl);
    return { id: createHash('md5').update(origin).digest('hex'), name: hostname.slice(0, 128), url: origin };
  }

  async findCharge(ref: ChargeRef): Promise<ChargeSnapshot | null> {
    const orderId = indodanaOrderId(ref.paymentId);
    const res = await this.client.call('GET', INDODANA_PATHS.checkStatus, { query: { merchantOrderId: orderId } });
    // Indodana has no transaction for this order (the checkout never reached it). [? status code for an unknown order]
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
    // Nothing to call (capabilities.cancel is false, so the saga never asks): Indodana publishes no
    // way to close an open checkout, and its cancellation is for completed transactions. The
    // checkout carries bayar's deadline (expirationAt); bayar's final status check decides, and
    // money that still arrives is refunded as a late payment.
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
      // bayar's reference for an Indodana charge is the merchantOrderId it checked out with
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
      // No paid time (ProviderEvent.paidAt): check_status's transactionTime is not defined as the
      // time of the approval or payment [?] (the samples show it on PENDING answers too), so it
      // is not taken as one; PaymentState.isLate uses the time bayar learned of the money.
      reason: chargeStatus === 'FAILED' ? rejectionReason(t) : undefined,
      // check_status does not return the checkout URL, and bayar never makes a QR of its own: a
      // retried create that finds the transaction has nothing to show (README, "A lost checkout answer").
      instructions: {},
    };
  }
}

/** REJECTED is final "with its reason": Indodana's message when it gives one, else the seed's definition. */
function rejectionReason(t: { fraudStatus?: string; message?: string }): string {
  // An empty or blank message is no reason: fall back rather than fail a payment with nothing to say why.
  const message = t.message?.trim() || 'identified as fraudulent, or the merchant is blacklisted';
  return t.fraudStatus && t.fraudStatus !== 'ACCEPT' ? `${message} (fraudStatus ${t.fraudStatus})` : message;
}

function isLoopback(url: URL): boolean {
  return url.hostname === '127.0.0.1' || url.hostname === 'localhost';
}
