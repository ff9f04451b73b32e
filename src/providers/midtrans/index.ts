// The Midtrans adapter: bayar's provider interface over Midtrans' Core API (/v2/charge and friends).
// order_id is bayar's payment id, so every lookup, cancel and refund is addressed by it.
import type { ChargeStatus, ProviderEvent, ProviderRefunds } from '../../domain/payment.js';
import { parseJson } from '../http.js';
import { ProviderRejected, ProviderUnavailable, SignatureInvalid, WebhookMalformed } from '../provider.js';
import type { ChargeRef, ChargeSnapshot, CreateChargeRequest, ParsedWebhook, PaymentProvider, RawWebhook, RefundRequest, RefundResult, WebhookReply } from '../provider.js';
import { MIDTRANS_CHANNELS, MIDTRANS_MIN_EXPIRY_SECONDS, midtransCapabilities, type MidtransMethod } from './capabilities.js';
import { MidtransClient, throwFor, type MidtransAnswer, type MidtransConfig } from './client.js';
import { notificationSchema, parseGrossAmount, parseMidtransTime, refundResponseSchema, toOrderTime, transactionSchema, type MidtransChargeRequest, type MidtransTransaction } from './schemas.js';
import { notificationSignatureMatches } from './signature.js';
import { midtransProviderStatus, midtransStatusToChargeStatus } from './status.js';

export type { MidtransConfig } from './client.js';

/**
 * Body status codes that describe a transaction rather than an error: 200 success, 201 pending,
 * 202 denied, 407 expired (midtrans-client treats 407 as a normal answer for the same reason).
 */
const TRANSACTION_CODES = new Set(['200', '201', '202', '407']);

export class MidtransProvider implements PaymentProvider {
  readonly name = 'midtrans' as const;
  readonly capabilities = midtransCapabilities;
  private readonly client: MidtransClient;

  constructor(private readonly config: MidtransConfig) {
    this.client = new MidtransClient(config);
  }

  async createCharge(request: CreateChargeRequest): Promise<ChargeSnapshot> {
    const answer = await this.client.call('POST', '/v2/charge', toChargeRequest(request, Date.now()));
    if (TRANSACTION_CODES.has(answer.code)) return fromTransaction(parseTransaction(answer, 'charge'), request);
    if (answer.code === '406') {
      // order_id already used: an earlier attempt of this very create got through. The charge
      // exists; answer with it (after the same integrity check), never with a failure.
      const existing = await this.lookup(request.paymentId);
      if (existing) return fromTransaction(existing, request);
      throw new ProviderUnavailable(`midtrans charge: 406 (${answer.message}) but no transaction found yet`, 'midtrans', 'MIDTRANS_406');
    }
    throwFor(answer, 'charge');
  }

  async findCharge(ref: ChargeRef): Promise<ChargeSnapshot | null> {
    const transaction = await this.lookup(ref.paymentId);
    return transaction ? fromTransaction(transaction) : null;
  }

  async cancelCharge(ref: ChargeRef): Promise<void> {
    // A pending charge is expired rather than cancelled: /cancel is for card captures and
    // authorizations, /expire is Midtrans' way of closing an unpaid VA, QR or pay code.
    const answer = await this.client.call('POST', `/v2/${encodeURIComponent(ref.paymentId)}/expire`);
    // 407 = now expired. 404 = never created. 412 = no longer pending (paid, already closed):
    // nothing to cancel; the final status check that follows a cancel decides what happened.
    if (answer.code === '200' || answer.code === '407' || answer.code === '404' || answer.code === '412') return;
    throwFor(answer, 'expire');
  }

  async refund(request: RefundRequest): Promise<RefundResult> {
    const path = `/v2/${encodeURIComponent(request.charge.paymentId)}/refund`;
    // refund_key is bayar's idempotency key: a retried activity repeats the same refund, and
    // Midtrans answers a known refund_key with that refund instead of making a second one.
    const body = { refund_key: request.idempotencyKey, amount: request.amount, reason: request.reason.slice(0, 255) };
    const answer = await this.client.call('POST', path, body);
    if (answer.code === '200' || answer.code === '201') {
      const parsed = refundResponseSchema.safeParse(answer.body);
      if (!parsed.success) throw new ProviderUnavailable('midtrans refund: unexpected response shape', 'midtrans', 'BAD_RESPONSE');
      const refunded = parsed.data.refund_amount === undefined ? undefined : parseGrossAmount(parsed.data.refund_amount);
      if (refunded !== undefined && refunded !== request.amount) {
        throw new ProviderRejected(`midtrans refunded ${parsed.data.refund_amount}, asked for ${request.amount}`, 'midtrans', 'AMOUNT_MISMATCH');
      }
      return { providerRefundId: String(parsed.data.refund_chargeback_id ?? parsed.data.refund_key ?? request.idempotencyKey), state: answer.code === '200' ? 'SUCCEEDED' : 'PENDING' };
    }
    if (answer.code === '406') {
      // Duplicate refund_key: find that refund on the transaction and report it as done.
      const transaction = await this.lookup(request.charge.paymentId);
      const earlier = transaction?.refunds?.find((r) => r.refund_key === request.idempotencyKey);
      if (earlier) return { providerRefundId: String(earlier.refund_chargeback_id ?? request.idempotencyKey), state: 'SUCCEEDED' };
    }
    throwFor(answer, 'refund');
  }

  parseWebhook(raw: RawWebhook): ParsedWebhook {
    const parsed = notificationSchema.safeParse(parseJson(raw.rawBody.toString('utf8')));
    if (!parsed.success) throw new WebhookMalformed('midtrans', parsed.error.issues[0]?.message ?? 'bad body');
    const n = parsed.data;
    // gross_amount is verified as the exact string Midtrans sent ("100000.00"); it is parsed
    // into rupiah only after the signature has proved it genuine.
    if (!notificationSignatureMatches(n, n.signature_key, this.config.serverKey)) {
      throw new SignatureInvalid('midtrans', n.signature_key === undefined ? 'signature_key missing' : 'signature_key does not match');
    }
    const chargeStatus = midtransStatusToChargeStatus(n.transaction_status, n.fraud_status);
    if (!signedCodeAllows(chargeStatus, n.status_code)) {
      throw new SignatureInvalid('midtrans', `transaction_status ${JSON.stringify(n.transaction_status.slice(0, 50))} is not what the signed status_code ${n.status_code} says`);
    }
    if (chargeStatus === 'REFUNDED') {
      // A refund notification (bayar's own refund, or one made in Midtrans' dashboard). Its
      // refund_amount is outside what signature_key covers (order_id + status_code +
      // gross_amount), so a captured settlement notification relabelled "refund" with any
      // amount would still verify: the notification only wakes the payment, and the amounts
      // come from bayar's own GET /v2/{order_id}/status (refund_amount and refunds[]).
      return {
        kind: 'payment',
        paymentId: n.order_id,
        event: {
          provider: 'midtrans',
          // Each refund raises the refund total, so each refund notification is a new wake-up.
          eventId: `${n.order_id}:${n.status_code}:${n.gross_amount}:REFUNDED:${(n.refund_amount ?? '').slice(0, 32)}`,
          source: 'webhook',
          wakeOnly: true,
          chargeStatus,
          providerReference: n.transaction_id,
          providerStatus: midtransProviderStatus(n.transaction_status, n.fraud_status),
        },
      };
    }
    const amount = parseGrossAmount(n.gross_amount);
    if (chargeStatus === 'PAID' && amount === undefined) throw new WebhookMalformed('midtrans', `gross_amount ${JSON.stringify(n.gross_amount)} is not whole rupiah`);
    // bayar charges in rupiah only: a notification about money in another currency is not ours.
    if (n.currency !== undefined && n.currency !== 'IDR') throw new WebhookMalformed('midtrans', `currency ${JSON.stringify(n.currency.slice(0, 8))} is not IDR`);
    const occurred = parseMidtransTime(n.settlement_time ?? n.transaction_time ?? '');
    const paidAt = chargeStatus === 'PAID' ? midtransPaidAt(n) : undefined;
    const event: ProviderEvent = {
      provider: 'midtrans',
      // One notification and all its retries and duplicates share this key; a later state of
      // the same transaction (pending → settlement) gets a new one. Built from what the
      // signature covers (order_id, status_code, gross_amount) and the bayar status the signed
      // code allows: an edited transaction_id or transaction_status cannot mint a new event.
      eventId: `${n.order_id}:${n.status_code}:${n.gross_amount}:${chargeStatus}`,
      source: 'webhook',
      chargeStatus,
      paidAmount: chargeStatus === 'PAID' ? amount : undefined,
      // Not covered by the signature, but only ever a further restriction: the signed order_id
      // already ties the notification to one payment, and a changed transaction_id is refused.
      providerReference: n.transaction_id,
      providerStatus: midtransProviderStatus(n.transaction_status, n.fraud_status),
      reason: chargeStatus === 'FAILED' ? n.status_message : undefined,
      occurredAt: occurred === undefined ? undefined : new Date(occurred).toISOString(),
      ...(paidAt ? { paidAt } : {}),
    };
    return { kind: 'payment', paymentId: n.order_id, event };
  }

  webhookAck(): WebhookReply {
    // Midtrans wants HTTP 200; the body is not read.
    return { status: 200, contentType: 'application/json', body: '{"received":true}' };
  }

  webhookRetryLater(): WebhookReply {
    // 503 is Midtrans' "try again" (4 more attempts: ≈2m, 10m, 30m, 90m).
    return { status: 503, contentType: 'application/json', body: '{"received":false}' };
  }

  /** GET /v2/{order_id}/status; null when Midtrans has never seen the order. */
  private async lookup(orderId: string): Promise<MidtransTransaction | null> {
    const answer = await this.client.call('GET', `/v2/${encodeURIComponent(orderId)}/status`);
    if (answer.code === '404') return null;
    if (!TRANSACTION_CODES.has(answer.code)) throwFor(answer, 'status');
    return parseTransaction(answer, 'status');
  }
}

/**
 * Midtrans signs order_id, status_code and gross_amount, not transaction_status: the status a
 * notification claims must agree with the signed code before bayar acts on it. Money only with
 * 200 ("transaction is successful/settlement", docs.midtrans.com code-statuses), and a final
 * "not paid" (deny, expire, cancel, failure) never with 201, the pending code. Otherwise a genuine
 * pending notification relabelled "settlement" or "expire" would settle or end a payment on a
 * signature that never said so. The other codes are not pinned: Midtrans' own samples send an
 * expire notification with 202, its expire API answers 407.
 */
export function signedCodeAllows(chargeStatus: ChargeStatus, statusCode: string): boolean {
  if (chargeStatus === 'PAID') return statusCode === '200';
  if (chargeStatus === 'FAILED' || chargeStatus === 'EXPIRED' || chargeStatus === 'CANCELLED') return statusCode !== '201';
  return true;
}

function toChargeRequest(request: CreateChargeRequest, now: number): MidtransChargeRequest {
  const channel = MIDTRANS_CHANNELS[request.method as MidtransMethod];
  if (!channel) throw new ProviderRejected(`midtrans does not offer ${request.method}`, 'midtrans', 'UNSUPPORTED_METHOD');
  // bayar's deadline is authoritative (it expires the charge itself when it passes); Midtrans'
  // own expiry is a backstop and must respect its 20 s minimum.
  const seconds = Math.max(MIDTRANS_MIN_EXPIRY_SECONDS, Math.ceil((Date.parse(request.expiresAt) - now) / 1000));
  const { name, email, phone } = request.customer;
  const customer = { ...(name ? { first_name: name.slice(0, 255) } : {}), ...(email ? { email } : {}), ...(phone ? { phone } : {}) };
  const base = {
    transaction_details: { order_id: request.paymentId, gross_amount: request.amount },
    ...(Object.keys(customer).length > 0 ? { customer_details: customer } : {}),
    custom_expiry: { order_time: toOrderTime(now), expiry_duration: seconds, unit: 'second' as const },
  };
  switch (channel.payment_type) {
    case 'bank_transfer':
      return { ...base, payment_type: 'bank_transfer', bank_transfer: { bank: channel.bank } };
    case 'echannel':
      return { ...base, payment_type: 'echannel', echannel: { bill_info1: 'Payment:', bill_info2: request.description.slice(0, 30) || 'bayar' } };
    case 'qris':
      return { ...base, payment_type: 'qris', qris: { acquirer: channel.acquirer } };
    case 'gopay':
      return { ...base, payment_type: 'gopay' };
    case 'shopeepay':
      return { ...base, payment_type: 'shopeepay' };
    case 'cstore':
      return { ...base, payment_type: 'cstore', cstore: { store: channel.store } };
  }
}

function parseTransaction(answer: MidtransAnswer, what: string): MidtransTransaction {
  const parsed = transactionSchema.safeParse(answer.body);
  if (!parsed.success) throw new ProviderUnavailable(`midtrans ${what}: unexpected response shape`, 'midtrans', 'BAD_RESPONSE');
  return parsed.data;
}

function fromTransaction(t: MidtransTransaction, expected?: CreateChargeRequest): ChargeSnapshot {
  const amount = parseGrossAmount(t.gross_amount);
  if (amount === undefined) throw new ProviderRejected(`midtrans answered gross_amount ${JSON.stringify(t.gross_amount)}`, 'midtrans', 'AMOUNT_INVALID');
  // Integrity check before trusting a charge answer: it must be for our order and our amount.
  if (expected && (t.order_id !== expected.paymentId || amount !== expected.amount || (t.currency !== undefined && t.currency !== 'IDR'))) {
    throw new ProviderRejected(`midtrans answered ${t.order_id} ${t.gross_amount} ${t.currency ?? ''}, expected ${expected.paymentId} ${expected.amount} IDR`, 'midtrans', 'AMOUNT_MISMATCH');
  }
  const chargeStatus = midtransStatusToChargeStatus(t.transaction_status, t.fraud_status);
  const va = t.va_numbers?.[0];
  const action = (name: string) => t.actions?.find((a) => a.name === name)?.url;
  const providerRefunds = refundsOf(t);
  const paidAt = chargeStatus === 'PAID' ? midtransPaidAt(t) : undefined;
  return {
    providerReference: t.transaction_id,
    chargeStatus,
    ...(providerRefunds ? { providerRefunds } : {}),
    providerStatus: midtransProviderStatus(t.transaction_status, t.fraud_status),
    paidAmount: chargeStatus === 'PAID' ? amount : undefined,
    ...(paidAt ? { paidAt } : {}),
    reason: chargeStatus === 'FAILED' ? t.status_message : undefined,
    instructions: {
      virtualAccountNumber: va?.va_number ?? t.permata_va_number,
      bankCode: va ? va.bank.toUpperCase() : t.permata_va_number ? 'PERMATA' : t.bill_key ? 'MANDIRI' : undefined,
      billerCode: t.biller_code,
      payCode: t.bill_key ?? t.payment_code,
      qrString: t.qr_string,
      // Deeplink for e-wallets; for QR-only answers, the QR image.
      payUrl: action('deeplink-redirect') ?? action('generate-qr-code'),
    },
  };
}

/**
 * When Midtrans took the money (ProviderEvent.paidAt), from a status answer or a notification.
 * GET /v2/{order_id}/status and the HTTP notification carry `settlement_time` once a transaction
 * is `settlement` and `transaction_time` always (docs.midtrans.com docs/get-status-api-requests,
 * docs/https-notification-webhooks, reference/get-transaction-status: "YYYY-MM-DD HH:MM:SS" in
 * GMT+7, whole seconds; parseMidtransTime). For bank transfer, e-money and store payments the
 * settlement is the payment, so `settlement_time` is the paid time. A card is paid at its
 * `capture` (transaction_time) and settles with the bank a day later (docs/transaction-status-cycle:
 * "settled on the next day"), so for cards the settlement time is not when the money was taken.
 * None readable: undefined (PaymentState.isLate then takes the time bayar learned of it).
 */
function midtransPaidAt(t: { payment_type?: string; transaction_status: string; transaction_time?: string; settlement_time?: string }): string | undefined {
  const card = t.payment_type === 'credit_card' || t.transaction_status === 'capture';
  const text = card ? t.transaction_time : t.settlement_time;
  const ms = text === undefined ? undefined : parseMidtransTime(text);
  return ms === undefined ? undefined : new Date(ms).toISOString();
}

/**
 * The refunds Midtrans lists on a transaction (GET /v2/{order_id}/status answers `refund_amount`,
 * the total, and `refunds[]` with `refund_chargeback_id`, `refund_amount`, `refund_key` once a
 * settled transaction moved to `refund` or `partial_refund`: docs.midtrans.com
 * docs/transaction-status-cycle, reference/get-transaction-status). Refunds made in the
 * dashboard are listed too. A figure that is not whole rupiah cannot be trusted as money: the
 * answer is refused (the look-up retries, and a person sees the failing activity).
 */
function refundsOf(t: MidtransTransaction): ProviderRefunds | undefined {
  const listed = t.refunds ?? [];
  if (t.refund_amount === undefined && listed.length === 0) {
    // A refund status with no figure at all: Midtrans' full refund is the whole gross amount;
    // a partial refund without an amount cannot be counted.
    if (t.transaction_status === 'refund') return { total: parseGrossAmount(t.gross_amount) ?? badAmount(t.gross_amount) };
    if (t.transaction_status === 'partial_refund') throw new ProviderUnavailable('midtrans status: partial_refund without refund_amount', 'midtrans', 'BAD_RESPONSE');
    return undefined;
  }
  const refunds = listed.map((r) => ({
    providerRefundId: String(r.refund_chargeback_id ?? r.refund_key ?? ''),
    amount: parseGrossAmount(r.refund_amount) ?? badAmount(r.refund_amount),
  }));
  const listedTotal = refunds.reduce((sum, r) => sum + r.amount, 0);
  const total = t.refund_amount === undefined ? listedTotal : (parseGrossAmount(t.refund_amount) ?? badAmount(t.refund_amount));
  const named = refunds.filter((r) => r.providerRefundId !== '');
  // The list is used to name refunds only when it adds up to the total Midtrans states.
  return named.length === refunds.length && listedTotal === total && refunds.length > 0 ? { total, refunds } : { total };
}

function badAmount(value: string): never {
  throw new ProviderUnavailable(`midtrans status: refund amount ${JSON.stringify(value.slice(0, 32))} is not whole rupiah`, 'midtrans', 'BAD_RESPONSE');
}
