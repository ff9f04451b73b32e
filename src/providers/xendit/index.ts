// The Xendit adapter: bayar's provider interface over Xendit's /payment_requests API, and its
// payout interface over /v2/payouts (payouts.ts).
import type { ProviderTransaction } from '../reporting.js';
import { listXenditTransactions } from './transactions.js';
import type { ProviderEvent, ProviderRefunds } from '../../domain/payment.js';
import { parseJson } from '../http.js';
import { ProviderRejected, shapeRefusal, ProviderUnavailable, SignatureInvalid, WebhookMalformed } from '../provider.js';
import type { ShapeRefusal, ChargeRef, ChargeSnapshot, CreateChargeRequest, ParsedWebhook, PaymentProvider, RawWebhook, RefundRequest, RefundResult, RefundStatus, WebhookReply } from '../provider.js';
import type { PayoutProvider, PayoutSnapshot, SendPayoutRequest } from '../payout.js';
import { XENDIT_CHANNELS, xenditCapabilities, xenditPayoutCapabilities, type XenditMethod } from './capabilities.js';
import { XenditPayouts } from './payouts.js';
import { XenditClient, throwForStatus, xenditErrorCode, type XenditConfig } from './client.js';
import {
  paymentRequestListSchema,
  paymentRequestSchema,
  refundCallbackSchema,
  refundListSchema,
  refundSchema,
  webhookEnvelopeSchema,
  webhookSchema,
  type XenditCreatePaymentRequest,
  type XenditPaymentRequest,
  type XenditRefundRequest,
} from './schemas.js';
import { callbackTokenMatches } from './signature.js';
import { xenditEventToChargeStatus, xenditRefundStatusToRefundState, xenditStatusToChargeStatus } from './status.js';

export type { XenditConfig } from './client.js';

export class XenditProvider implements PaymentProvider, PayoutProvider {
  readonly name = 'xendit' as const;
  readonly capabilities = xenditCapabilities;
  readonly payoutCapabilities = xenditPayoutCapabilities;
  private readonly client: XenditClient;
  private readonly payouts: XenditPayouts;

  constructor(private readonly config: XenditConfig) {
    this.client = new XenditClient(config);
    this.payouts = new XenditPayouts(this.client);
  }

  sendPayout(request: SendPayoutRequest): Promise<PayoutSnapshot> {
    return this.payouts.sendPayout(request);
  }

  findPayout(providerPayoutId: string): Promise<PayoutSnapshot | null> {
    return this.payouts.findPayout(providerPayoutId);
  }

  /** The payment request's own rules (channel, the return page DANA/LinkAja/ShopeePay require), as createCharge builds it. */
  validateCreate(request: CreateChargeRequest): ShapeRefusal | undefined {
    return shapeRefusal(() => toPaymentRequest(request, this.config.defaultReturnUrl));
  }

  async createCharge(request: CreateChargeRequest): Promise<ChargeSnapshot> {
    const body = toPaymentRequest(request, this.config.defaultReturnUrl);
    // The idempotency key is bayar's payment id: a retried create returns the same charge.
    const res = await this.client.call('POST', '/payment_requests', body, request.paymentId);
    if (res.status === 409) {
      // Same reference seen before (DUPLICATE_ERROR / IDEMPOTENCY_ERROR): the charge exists.
      const existing = await this.findCharge({ paymentId: request.paymentId, method: request.method });
      if (existing) return existing;
      throw new ProviderUnavailable(`xendit create: 409 ${xenditErrorCode(res)} but no charge found yet`, 'xendit', xenditErrorCode(res));
    }
    if (res.status !== 200 && res.status !== 201) throwForStatus(res, 'create payment request');
    return fromPaymentRequest(parsePaymentRequest(res.text), request.amount);
  }

  /** The day's transactions for the reconciliation (src/providers/reporting.ts; ./transactions.ts). */
  listTransactions(window: { from: string; to: string }): Promise<ProviderTransaction[]> {
    return listXenditTransactions(this.client, window);
  }

  async findCharge(ref: ChargeRef): Promise<ChargeSnapshot | null> {
    const charge = await this.lookup(ref);
    if (!charge) return null;
    const snapshot = fromPaymentRequest(charge);
    if (snapshot.chargeStatus !== 'PAID') return snapshot;
    // A paid charge may have been refunded in Xendit's dashboard, not through bayar: the payment
    // request does not say so, its refunds list does (README, "Refunds made outside bayar").
    const providerRefunds = await this.refundsOf(charge.id);
    return providerRefunds ? { ...snapshot, providerRefunds } : snapshot;
  }

  /**
   * What Xendit has refunded on one payment request: GET /refunds?payment_request_id=… (xendit-node
   * 7.0.0 refund/apis/Refund.js getAllRefunds; answer `{data, has_more}`, paged with after_id).
   * Only SUCCEEDED refunds moved money (status.ts); bayar's own refunds are in the list too and
   * the workflow counts them once (PaymentState.applyProviderRefunds). Undefined when none
   * succeeded. An answer that is not a refund list fails the look-up (it is retried), as any
   * unexpected answer in this adapter does; a list longer than MAX_REFUND_PAGES pages is not
   * summed at all: a total from part of it would be wrong.
   */
  private async refundsOf(paymentRequestId: string): Promise<ProviderRefunds | undefined> {
    const succeeded: { providerRefundId: string; amount: number }[] = [];
    let afterId: string | undefined;
    for (let page = 0; page < MAX_REFUND_PAGES; page++) {
      const query = new URLSearchParams({ payment_request_id: paymentRequestId, limit: String(REFUND_PAGE_SIZE), ...(afterId ? { after_id: afterId } : {}) });
      const res = await this.client.call('GET', `/refunds?${query.toString()}`);
      if (res.status !== 200) throwForStatus(res, 'list refunds');
      const list = refundListSchema.safeParse(parseJson(res.text));
      if (!list.success) throw new ProviderUnavailable('xendit list refunds: unexpected response shape', 'xendit', 'BAD_RESPONSE');
      for (const refund of list.data.data) {
        // The filter is Xendit's; an entry for another request would be someone else's money.
        if (refund.payment_request_id != null && refund.payment_request_id !== paymentRequestId) {
          throw new ProviderUnavailable('xendit list refunds: entry for another payment request', 'xendit', 'BAD_RESPONSE');
        }
        if (xenditRefundStatusToRefundState(refund.status) !== 'SUCCEEDED') continue;
        if (!Number.isSafeInteger(refund.amount) || refund.amount <= 0) {
          throw new ProviderUnavailable(`xendit list refunds: amount ${String(refund.amount).slice(0, 20)} is not whole rupiah`, 'xendit', 'BAD_RESPONSE');
        }
        if (!succeeded.some((r) => r.providerRefundId === refund.id)) succeeded.push({ providerRefundId: refund.id, amount: refund.amount });
      }
      const last = list.data.data.at(-1);
      if (list.data.has_more !== true || !last) {
        if (succeeded.length === 0) return undefined;
        return { total: succeeded.reduce((sum, r) => sum + r.amount, 0), refunds: succeeded };
      }
      afterId = last.id;
    }
    return undefined;
  }

  async cancelCharge(ref: ChargeRef): Promise<void> {
    const charge = await this.lookup(ref);
    if (!charge) return;
    const res = await this.client.call('POST', `/v2/payment_methods/${encodeURIComponent(charge.payment_method.id)}/expire`, {});
    // 409/400 on an already-final method means there is nothing left to cancel; the final
    // status check that follows a cancel decides what really happened.
    if (res.status === 200 || res.status === 400 || res.status === 409 || res.status === 404) return;
    throwForStatus(res, 'expire payment method');
  }

  async refund(request: RefundRequest): Promise<RefundResult> {
    const providerReference = request.charge.providerReference;
    if (!providerReference) throw new ProviderRejected('xendit refund: charge has no payment request id', 'xendit', 'NO_REFERENCE');
    const body: XenditRefundRequest = {
      payment_request_id: providerReference,
      reference_id: request.idempotencyKey,
      amount: request.amount,
      currency: 'IDR',
      reason: toRefundReason(request.reason),
      metadata: { note: request.reason.slice(0, 250) },
    };
    const res = await this.client.call('POST', '/refunds', body, request.idempotencyKey);
    if (res.status !== 200 && res.status !== 201) throwForStatus(res, 'refund');
    const refund = refundSchema.safeParse(parseJson(res.text));
    if (!refund.success) throw new ProviderUnavailable('xendit refund: unexpected response shape', 'xendit', 'BAD_RESPONSE');
    const state = xenditRefundStatusToRefundState(refund.data.status);
    if (state === 'FAILED') throw new ProviderRejected(`xendit refund ${refund.data.status.slice(0, 50)}`, 'xendit', `REFUND_${refund.data.status.slice(0, 30)}`);
    return { providerRefundId: refund.data.id, state };
  }
  async findRefund(_charge: ChargeRef, providerRefundId: string): Promise<RefundStatus> {
    const res = await this.client.call('GET', `/refunds/${encodeURIComponent(providerRefundId)}`);
    if (res.status !== 200) throwForStatus(res, 'refund lookup');
    const refund = refundSchema.safeParse(parseJson(res.text));
    if (!refund.success) throw new ProviderUnavailable('xendit refund lookup: unexpected response shape', 'xendit', 'BAD_RESPONSE');
    const failure = (refund.data as { failure_code?: unknown }).failure_code;
    const state = xenditRefundStatusToRefundState(refund.data.status);
    const reason = typeof failure === 'string' ? failure : state === 'FAILED' ? `refund ${refund.data.status}` : undefined;
    return { state, providerStatus: refund.data.status, ...(reason ? { reason } : {}) };
  }

  parseWebhook(raw: RawWebhook): ParsedWebhook {
    if (!callbackTokenMatches(raw.headers['x-callback-token'], this.config.callbackToken)) {
      throw new SignatureInvalid('xendit', 'x-callback-token does not match');
    }
    const json = parseJson(raw.rawBody.toString('utf8'));
    const envelope = webhookEnvelopeSchema.safeParse(json);
    if (!envelope.success) throw new WebhookMalformed('xendit', envelope.error.issues[0]?.message ?? 'bad body');
    if (envelope.data.event === 'refund.succeeded') return parseRefundCallback(raw, json);
    const chargeStatus = xenditEventToChargeStatus(envelope.data.event);
    // Everything else bayar does not act on (refund.failed, payment_method.*, payout and other products'
    // events, whatever their data looks like) is acknowledged (2xx) and has no effect: a 4xx
    // makes Xendit retry it for a day (docs.xendit.co/webhook/delivery-attempts-and-retries).
    if (!chargeStatus) return { kind: 'ignored', reason: `event ${envelope.data.event.slice(0, 100)} is not about payment state` };
    const parsed = webhookSchema.safeParse(json);
    if (!parsed.success) throw new WebhookMalformed('xendit', parsed.error.issues[0]?.message ?? 'bad body');
    const { event, data } = parsed.data;
    if (data.reference_id === undefined) {
      // `payment_method.*` and other notices may name no reference_id (xendit-node
      // docs/payment_method/PaymentMethod.md); bayar's charges always carry one.
      return { kind: 'ignored', reason: `${event} without data.reference_id: not a charge bayar made` };
    }
    if (chargeStatus === 'PAID' && data.amount === undefined) {
      if (data.request_amount !== undefined) {
        // The v3 Payments API shape (docs.xendit.co/apidocs/payment-webhook-notification): only
        // the amount asked for. bayar talks to the /payment_requests generation (xendit-node
        // 7.0.0), and settles only on an amount Xendit says was paid: acknowledged, and the
        // status look-up (GET /payment_requests/{id}) that follows settles it (README.md).
        return { kind: 'ignored', reason: `${event} in the v3 shape (request_amount, no amount): left to the status look-up` };
      }
      // What was paid is what the notice says, never what was asked: a PAID notice without an
      // amount cannot be checked against the charge, so it is refused (and Xendit retries it).
      throw new WebhookMalformed('xendit', `${event} without data.amount`);
    }
    // bayar charges in rupiah only: a notice about money in another currency is not about ours.
    if (data.currency !== undefined && data.currency !== 'IDR') throw new WebhookMalformed('xendit', `currency ${JSON.stringify(data.currency.slice(0, 8))} is not IDR`);
    const providerEvent: ProviderEvent = {
      provider: 'xendit',
      // Xendit's `webhook-id` header identifies one notification across its retries. An empty
      // header is no id: taken as one, every later notice would look like its duplicate. Nothing
      // in a Xendit notice is signed (the token proves only that the sender knows it), so the id
      // is only a dedupe key: what the notice claims is never applied (wakeOnly below).
      eventId: raw.headers['webhook-id'] || `${event}:${data.payment_id ?? data.id ?? data.payment_request_id ?? data.reference_id}`,
      source: 'webhook',
      // A static token does not prove the body: the notice wakes the payment, which reads the
      // payment request from Xendit's API and applies that (README, "Notifications").
      wakeOnly: true,
      chargeStatus,
      paidAmount: chargeStatus === 'PAID' ? data.amount : undefined,
      // The payment request (pr-…) is what createCharge answered with; payment_request.* events
      // carry it as data.id, payment.* events as data.payment_request_id (data.id is the payment).
      providerReference: data.payment_request_id ?? (event.startsWith('payment_request.') ? data.id : undefined),
      providerStatus: `${event}/${data.status}`,
      reason: data.failure_code ?? undefined,
      occurredAt: parsed.data.created,
    };
    return { kind: 'payment', paymentId: data.reference_id, event: providerEvent };
  }

  webhookAck(): WebhookReply {
    return { status: 200, contentType: 'application/json', body: '{"received":true}' };
  }

  webhookRetryLater(): WebhookReply {
    // Xendit retries non-2xx answers (+15m, +45m, +2h …); timeouts it does not retry.
    return { status: 503, contentType: 'application/json', body: '{"received":false}' };
  }

  private async lookup(ref: ChargeRef): Promise<XenditPaymentRequest | null> {
    const path = ref.providerReference ? `/payment_requests/${encodeURIComponent(ref.providerReference)}` : `/payment_requests?reference_id=${encodeURIComponent(ref.paymentId)}`;
    const res = await this.client.call('GET', path);
    if (res.status === 404) return null;
    if (res.status !== 200) throwForStatus(res, 'get payment request');
    if (ref.providerReference) return parsePaymentRequest(res.text);
    const list = paymentRequestListSchema.safeParse(parseJson(res.text));
    if (!list.success) throw new ProviderUnavailable('xendit list: unexpected response shape', 'xendit', 'BAD_RESPONSE');
    return list.data.data.find((pr) => pr.reference_id === ref.paymentId) ?? null;
  }
}

const XENDIT_ID = /^[A-Za-z0-9_-]{1,255}$/;

/** GET /refunds pages: 100 refunds a page (the limit bayar asks for), at most 10 pages. */
const REFUND_PAGE_SIZE = 100;
const MAX_REFUND_PAGES = 10;

/**
 * `refund.succeeded`: Xendit refunded money on a payment request — through bayar, or in Xendit's
 * dashboard. The callback names the payment request (`payment_id`, or `payment_request_id`; see
 * schemas.ts), never bayar's payment id, so it is handed over by that reference: the webhook
 * controller finds the payment that holds it in the system of record. Like every Xendit notice it
 * is proven only by the static token, so it only wakes that payment (a claim of a refund), which
 * then lists the request's refunds itself (findCharge). `refund.failed` moved no money and needs
 * nothing: it is acknowledged as not about payment state (bayar follows its own refunds by look-up).
 * A `payment_id` that is not a payment request (`py-…`, `ddpy-…`) cannot be mapped: acknowledged,
 * no effect (README, "Refunds made outside bayar").
 */
function parseRefundCallback(raw: RawWebhook, json: unknown): ParsedWebhook {
  const parsed = refundCallbackSchema.safeParse(json);
  // Not a shape bayar can map: acknowledged like every notice it does not act on (a 4xx would be
  // resent for a day, unchanged).
  if (!parsed.success) return { kind: 'ignored', reason: `refund callback in an unknown shape (${(parsed.error.issues[0]?.message ?? '').slice(0, 80)})` };
  const { event, data, created } = parsed.data;
  const named = data.payment_request_id ?? (data.payment_id?.startsWith('pr-') ? data.payment_id : undefined);
  // Xendit's ids are `pr-` and a UUID; anything outside letters, digits, - and _ names no request of ours.
  const paymentRequestId = named !== undefined && XENDIT_ID.test(named) ? named : undefined;
  if (!paymentRequestId) return { kind: 'ignored', reason: `${event} names no payment request (payment_id ${JSON.stringify((data.payment_id ?? '').slice(0, 40))})` };
  const providerEvent: ProviderEvent = {
    provider: 'xendit',
    eventId: raw.headers['webhook-id'] || `${event}:${data.id}`,
    source: 'webhook',
    wakeOnly: true,
    // A claim that something was refunded: what a settled payment looks up (payment.workflow.ts).
    chargeStatus: 'REFUNDED',
    providerReference: paymentRequestId,
    providerStatus: `${event}/${(data.status ?? 'SUCCEEDED').slice(0, 50)}`,
    ...(created ? { occurredAt: created } : {}),
  };
  return { kind: 'charge-reference', providerReference: paymentRequestId, event: providerEvent };
}

/** E-wallets that send the customer to the app and back: Xendit requires success_return_url. */
const REDIRECT_EWALLETS = new Set(['DANA', 'LINKAJA', 'SHOPEEPAY']);

function toPaymentRequest(request: CreateChargeRequest, defaultReturnUrl?: string): XenditCreatePaymentRequest {
  const mapping = XENDIT_CHANNELS[request.method as XenditMethod];
  if (!mapping) throw new ProviderRejected(`xendit does not offer ${request.method}`, 'xendit', 'UNSUPPORTED_METHOD');
  const customerName = (request.customer.name ?? 'Customer').slice(0, 50);
  const channel = { channel_code: mapping.channel, channel_properties: {} as Record<string, string> };
  switch (mapping.type) {
    case 'VIRTUAL_ACCOUNT':
    case 'OVER_THE_COUNTER':
      channel.channel_properties = { customer_name: customerName, expires_at: request.expiresAt };
      break;
    case 'QR_CODE':
      channel.channel_properties = { expires_at: request.expiresAt };
      break;
    case 'EWALLET': {
      channel.channel_properties = request.customer.phone ? { mobile_number: request.customer.phone } : {};
      if (REDIRECT_EWALLETS.has(mapping.channel)) {
        const returnUrl = request.returnUrl ?? defaultReturnUrl;
        if (!returnUrl) {
          throw new ProviderRejected(`xendit ${mapping.channel} needs a return page: give returnUrl or set XENDIT_RETURN_URL`, 'xendit', 'RETURN_URL_REQUIRED');
        }
        channel.channel_properties.success_return_url = returnUrl;
        channel.channel_properties.failure_return_url = returnUrl;
      }
      break;
    }
  }
  const key = { VIRTUAL_ACCOUNT: 'virtual_account', QR_CODE: 'qr_code', EWALLET: 'ewallet', OVER_THE_COUNTER: 'over_the_counter' }[mapping.type];
  return {
    reference_id: request.paymentId,
    amount: request.amount,
    currency: 'IDR',
    description: request.description.slice(0, 255),
    payment_method: { type: mapping.type, reusability: 'ONE_TIME_USE', [key]: channel },
  };
}

function parsePaymentRequest(text: string): XenditPaymentRequest {
  const parsed = paymentRequestSchema.safeParse(parseJson(text));
  if (!parsed.success) throw new ProviderUnavailable('xendit: unexpected payment request shape', 'xendit', 'BAD_RESPONSE');
  return parsed.data;
}

function fromPaymentRequest(pr: XenditPaymentRequest, expectedAmount?: number): ChargeSnapshot {
  // Integrity check before trusting the answer: the charge must be for what we asked.
  if (expectedAmount !== undefined && pr.amount !== expectedAmount) {
    throw new ProviderRejected(`xendit answered amount ${pr.amount}, expected ${expectedAmount}`, 'xendit', 'AMOUNT_MISMATCH');
  }
  const method = pr.payment_method;
  const props = (method.virtual_account ?? method.qr_code ?? method.over_the_counter ?? method.ewallet)?.channel_properties ?? {};
  const payAction = pr.actions?.find((a) => a.url);
  const chargeStatus = xenditStatusToChargeStatus(pr.status);
  const paidAt = chargeStatus === 'PAID' ? xenditPaidAt(pr.updated) : undefined;
  return {
    providerReference: pr.id,
    chargeStatus,
    providerStatus: pr.status,
    paidAmount: chargeStatus === 'PAID' ? pr.amount : undefined,
    ...(paidAt ? { paidAt } : {}),
    reason: pr.failure_code ?? undefined,
    instructions: {
      virtualAccountNumber: props.virtual_account_number,
      bankCode: method.virtual_account?.channel_code,
      qrString: props.qr_string ?? pr.actions?.find((a) => a.qr_code)?.qr_code ?? undefined,
      payCode: props.payment_code,
      payUrl: payAction?.url ?? undefined,
    },
  };
}

/**
 * When Xendit took the money (ProviderEvent.paidAt). The Payment Request object has no paid-at
 * field: xendit-node's PaymentRequest model has `created` and `updated` (ISO 8601) and nothing
 * else with a time; the payment (py-…) of the payment.succeeded webhook has the same two. A
 * request that SUCCEEDED changes no more (refunds are objects of their own), so its `updated` is
 * when it succeeded: the paid time, or a little after it, which errs towards late money
 * (PaymentState.isLate). Unreadable: undefined.
 */
function xenditPaidAt(updated: string | undefined): string | undefined {
  const ms = updated === undefined ? Number.NaN : Date.parse(updated);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** bayar's refund reason is free text; Xendit wants one of its codes. The text goes in metadata. */
const XENDIT_REFUND_REASONS: readonly XenditRefundRequest['reason'][] = ['FRAUDULENT', 'DUPLICATE', 'REQUESTED_BY_CUSTOMER', 'CANCELLATION', 'OTHERS'];

function toRefundReason(reason: string): XenditRefundRequest['reason'] {
  const code = reason.toUpperCase().replace(/[\s-]+/g, '_');
  return XENDIT_REFUND_REASONS.find((r) => r === code) ?? 'OTHERS';
}
