// The RSA aggregator adapter (seed 003, the TopPay family): pay-ins through /gateway/prepaidOrder,
// status through /gateway/query, form-encoded success callbacks, and pay-on-behalf (disbursements)
// through /gateway/cash — one class, so canPayOut(provider) holds. Our order number (`orderNum`) is
// bayar's payment id (or the payout attempt's providerPayoutId), so every look-up is addressed by
// it and nothing the platform assigns has to be remembered first.
import type { ProviderEvent } from '../../domain/payment.js';
import { ProviderOutcomeUnknown, ProviderRejected, shapeRefusal, ProviderUnavailable, SignatureInvalid, WebhookMalformed } from '../provider.js';
import type { ShapeRefusal, ChargeRef, ChargeSnapshot, CreateChargeRequest, CustomerDetails, ParsedWebhook, PaymentProvider, RawWebhook, RefundResult, WebhookReply } from '../provider.js';
import type { PayoutProvider, PayoutSnapshot, SendPayoutRequest } from '../payout.js';
import {
  CASH_PATH,
  EXPIRY_MINUTES,
  FEE_TYPE_CODES,
  OVO_APPROVAL_SECONDS,
  PREPAID_ORDER_PATH,
  QUERY_PATH,
  aggregatorCapabilities,
  aggregatorChannelFor,
  aggregatorPayoutCapabilities,
  payoutBankCodeFor,
  type AggregatorChannel,
} from './capabilities.js';
import { AggregatorClient, platMessage, throwForHttp, type AggregatorConfig, type PlatformAnswer, type WireParams } from './client.js';
import {
  EMAIL_PATTERN,
  NAME_PATTERN,
  OVO_PHONE_PATTERN,
  PHONE_PATTERN,
  cashResponseSchema,
  parseAmount,
  payCallbackSchema,
  payoutCallbackSchema,
  prepaidOrderResponseSchema,
  queryResponseSchema,
  type PrepaidOrderResponse,
  type QueryResponse,
  type QueryType,
} from './schemas.js';
import { PLATFORM_SIGN_FIELD } from './signature.js';
import { aggregatorPayoutStatusToState, aggregatorStatusToChargeStatus } from './status.js';

export type { AggregatorConfig } from './client.js';

/**
 * Used when bayar was given no customer detail: seed 003 says name, email and phone are "only
 * needed for upstream", never used to contact the customer, and "if not available, can be any"
 * as long as the format is right (document.bdpay.co.id, Create Payment Link). Never for OVO.
 */
export const PLACEHOLDER_CUSTOMER = { name: 'Customer', email: 'customer@example.com', phone: '080000000000' } as const;

export class AggregatorProvider implements PaymentProvider, PayoutProvider {
  readonly name = 'aggregator' as const;
  readonly capabilities = aggregatorCapabilities;
  readonly payoutCapabilities = aggregatorPayoutCapabilities;
  private readonly client: AggregatorClient;

  constructor(config: AggregatorConfig) {
    this.client = new AggregatorClient(config);
  }

  // ---- pay-in ----

  /** Seed 003's order rules (name: letters, digits, spaces, ≤ 30; email; phone; OVO's phone), as createCharge checks them. */
  validateCreate(request: CreateChargeRequest): ShapeRefusal | undefined {
    return shapeRefusal(() => {
      const channel = aggregatorChannelFor(request.method);
      if (!channel) throw new ProviderRejected(`aggregator does not offer ${request.method}`, 'aggregator', 'UNSUPPORTED_METHOD');
      orderParams(channel, request, Date.now(), this.client.notifyUrl);
    });
  }

  async createCharge(request: CreateChargeRequest): Promise<ChargeSnapshot> {
    const channel = aggregatorChannelFor(request.method);
    if (!channel) throw new ProviderRejected(`aggregator does not offer ${request.method}`, 'aggregator', 'UNSUPPORTED_METHOD');
    // The platform's input rules are checked here, before anything is sent: a payment that can
    // never be accepted fails at once with a reason the merchant can act on.
    const params = orderParams(channel, request, Date.now(), this.client.notifyUrl);
    const answer = await this.client.post(PREPAID_ORDER_PATH, params);
    if (answer.httpStatus !== 200) throwForHttp(answer, 'create order');
    const parsed = prepaidOrderResponseSchema.safeParse(answer.body);
    if (!parsed.success) throw new ProviderUnavailable('aggregator create order: unexpected answer shape', 'aggregator', 'BAD_RESPONSE');
    const r = parsed.data;
    if (r.platRespCode === 'SUCCESS') {
      if (answer.signature !== 'invalid') return fromOrderAnswer(r, channel, request);
      // platSign present but not matching (number formatting, a field the platform added…).
      // Retrying is no way out: the platform refuses a repeated orderNum, and its query answer
      // carries no VA number or QR, so the customer would be left with nothing to pay with. The
      // safe choice: show these instructions only once the platform's own SIGNED query confirms
      // an open order with this orderNum and this amount; otherwise, unavailable (retried).
      return this.confirmUnverifiedOrder(r, channel, request);
    }
    if (r.platRespCode === 'UNKNOWN' || r.platRespCode === 'ERROR') {
      // "System is abnormal": the order may or may not exist. The activity's retry looks it up first.
      throw new ProviderOutcomeUnknown(`aggregator create order: ${r.platRespCode} ${platMessage(answer.body)}`.trim(), 'aggregator', `AGGREGATOR_${r.platRespCode}`);
    }
    // FAIL. The platform refuses a repeated orderNum instead of replaying its first answer, so
    // when an earlier attempt of ours did create the order, this is that order's FAIL: look first.
    const existing = await this.query('ORDER_QUERY', request.paymentId).catch((err: unknown) => {
      if (err instanceof ProviderRejected) return null;
      throw err;
    });
    if (existing) return fromQueryAnswer(existing, request.paymentId);
    throw new ProviderRejected(`aggregator refused the order: ${r.platRespCode} ${platMessage(answer.body)}`.trim(), 'aggregator', `AGGREGATOR_${r.platRespCode}`);
  }

  /** A SUCCESS create answer whose platSign fails: trusted only as far as a signed query backs it. */
  private async confirmUnverifiedOrder(r: PrepaidOrderResponse, channel: AggregatorChannel, request: CreateChargeRequest): Promise<ChargeSnapshot> {
    const unverified = () => new ProviderUnavailable('aggregator create order: platSign does not verify, and no signed query confirms the order yet', 'aggregator', 'RESPONSE_SIGNATURE_INVALID');
    const existing = await this.query('ORDER_QUERY', request.paymentId).catch((err: unknown) => {
      if (err instanceof ProviderRejected || err instanceof ProviderUnavailable) return null;
      throw err;
    });
    if (!existing) throw unverified();
    const confirmed = fromQueryAnswer(existing, request.paymentId);
    const amount = parseAmount(existing.amount);
    const sameAmount = amount === undefined || amount === 0 || amount === request.amount;
    if (confirmed.chargeStatus !== 'PENDING' || !sameAmount || (existing.platOrderNum && r.platOrderNum && existing.platOrderNum !== r.platOrderNum)) {
      // Paid already, closed, or not the order this answer describes: the signed query is what counts.
      return confirmed;
    }
    const snapshot = fromOrderAnswer(r, channel, request);
    return { ...snapshot, providerStatus: `${snapshot.providerStatus} (create answer's platSign did not verify; order confirmed by signed query)` };
  }

  async findCharge(ref: ChargeRef): Promise<ChargeSnapshot | null> {
    const answer = await this.query('ORDER_QUERY', ref.paymentId);
    return answer ? fromQueryAnswer(answer, ref.paymentId) : null;
  }

  async cancelCharge(): Promise<void> {
    // No cancel API is documented (capabilities.cancel is false, so the saga never asks). bayar's
    // deadline and its final status check decide.
  }

  async refund(): Promise<RefundResult> {
    // Declared in capabilities (no method is refundable), so bayar refuses before calling this.
    throw new ProviderRejected('the aggregator has no refund API; refund the customer outside bayar', 'aggregator', 'REFUND_NOT_SUPPORTED');
  }

  parseWebhook(raw: RawWebhook): ParsedWebhook {
    const params = this.verifiedCallback(raw);
    if (params.payMoney === undefined && params.money !== undefined) {
      // A disbursement callback at the same URL (BDPay's payout callback page: status 2 success,
      // 4 failed, form post): verified above, applied to the payout attempt it names.
      const { providerPayoutId, snapshot } = payoutNoticeFrom(params);
      const payoutId = payoutIdOf(providerPayoutId);
      if (!payoutId) return { kind: 'ignored', reason: `disbursement callback for ${providerPayoutId.slice(0, 64)}: not an attempt bayar sent` };
      return { kind: 'payout', payoutId, providerPayoutId, snapshot };
    }
    const parsed = payCallbackSchema.safeParse(params);
    if (!parsed.success) throw new WebhookMalformed('aggregator', parsed.error.issues[0]?.message ?? 'bad callback');
    const n = parsed.data;
    if (n.code !== '00') {
      // Callbacks come "only after the user payment is successful"; anything else does not move an order.
      return { kind: 'ignored', reason: `callback code ${n.code.slice(0, 16)} for ${n.orderNum}: only code 00 (SUCCESS) means paid` };
    }
    const paidAmount = parseAmount(n.payMoney);
    if (paidAmount === undefined) throw new WebhookMalformed('aggregator', `payMoney ${JSON.stringify(n.payMoney)} is not whole rupiah`);
    const event: ProviderEvent = {
      provider: 'aggregator',
      // The platform retries the same notice up to six times and may repeat it anyway: every copy
      // of one order's success shares this id, so the workflow applies it once.
      eventId: `callback:${n.platOrderNum}:SUCCESS`,
      source: 'webhook',
      chargeStatus: 'PAID',
      paidAmount,
      providerReference: n.platOrderNum,
      providerStatus: 'SUCCESS',
    };
    return { kind: 'payment', paymentId: n.orderNum, event };
  }

  webhookAck(): WebhookReply {
    // The platform looks for the literal string SUCCESS; anything else is retried.
    return { status: 200, contentType: 'text/plain', body: 'SUCCESS' };
  }

  webhookRetryLater(): WebhookReply {
    // Anything but SUCCESS: retried at 1 s, 30 s, 60 s, 90 s, 1 h and 2 h.
    return { status: 503, contentType: 'text/plain', body: 'FAIL' };
  }

  // ---- pay on behalf ----

  async sendPayout(request: SendPayoutRequest): Promise<PayoutSnapshot> {
    const params = cashParams(request, this.client.notifyUrl);
    // Transport errors arrive typed: a refused connection never reached the platform
    // (ProviderUnavailable: the same attempt may be sent again); a timeout or a reset may have
    // (ProviderOutcomeUnknown: never resend, look it up).
    const answer = await this.client.post(CASH_PATH, params);
    const code = `HTTP_${answer.httpStatus}`;
    // A 5xx may come from behind a platform that already took the order: not safe to resend.
    if (answer.httpStatus >= 500) throw new ProviderOutcomeUnknown(`aggregator disbursement: HTTP ${answer.httpStatus}`, 'aggregator', code);
    if (answer.httpStatus !== 200) throwForHttp(answer, 'disbursement');
    // A platSign that is present but wrong makes the whole answer unknown, even a FAIL: a forged
    // refusal must not lead to a second disbursement. Refusals may come unsigned.
    if (answer.signature === 'invalid') throw new ProviderOutcomeUnknown('aggregator disbursement: platSign does not verify', 'aggregator', 'RESPONSE_SIGNATURE_INVALID');
    const parsed = cashResponseSchema.safeParse(answer.body);
    if (!parsed.success) throw new ProviderOutcomeUnknown('aggregator disbursement: unreadable answer', 'aggregator', 'BAD_RESPONSE');
    const r = parsed.data;
    switch (r.platRespCode) {
      case 'SUCCESS':
        if (answer.signature !== 'valid' || (r.orderNum !== undefined && r.orderNum !== request.providerPayoutId)) {
          throw new ProviderOutcomeUnknown('aggregator disbursement: acceptance not signed for this order', 'aggregator', 'RESPONSE_SIGNATURE_INVALID');
        }
        // Accepted, not done: the money moves later (query status 2, or the callback).
        return { state: 'PENDING', providerStatus: 'ACCEPTED', providerReference: r.platOrderNum, fee: parseAmount(r.fee) };
      case 'FAIL':
        throw new ProviderRejected(`aggregator refused the disbursement: ${platMessage(answer.body) || 'FAIL'}`, 'aggregator', 'AGGREGATOR_FAIL');
      default:
        // UNKNOWN ("system is abnormal and needs to be inquired"), ERROR, or a code we do not know:
        // "the order cannot be considered as a failure, and do not repeat the initiation".
        throw new ProviderOutcomeUnknown(`aggregator disbursement: ${r.platRespCode} ${platMessage(answer.body)}`.trim(), 'aggregator', `AGGREGATOR_${r.platRespCode.slice(0, 16)}`);
    }
  }

  async findPayout(providerPayoutId: string): Promise<PayoutSnapshot | null> {
    const answer = await this.query('CASH_QUERY', providerPayoutId);
    return answer ? fromPayoutStatus(String(answer.status ?? ''), answer.msg, answer.platOrderNum, answer.fee) : null;
  }

  // ---- shared ----

  /** POST /gateway/query; null when the platform does not know the order (NOTEXIST). */
  private async query(queryType: QueryType, orderNum: string): Promise<QueryResponse | null> {
    let answer: PlatformAnswer;
    try {
      answer = await this.client.post(QUERY_PATH, { queryType, orderNum });
    } catch (err) {
      // A look-up changes nothing at the platform, so a timeout is simply "try again".
      if (err instanceof ProviderOutcomeUnknown) throw new ProviderUnavailable(err.message, 'aggregator', err.code);
      throw err;
    }
    if (answer.httpStatus !== 200) throwForHttp(answer, `query ${queryType}`);
    const parsed = queryResponseSchema.safeParse(answer.body);
    if (!parsed.success) throw new ProviderUnavailable(`aggregator query ${queryType}: unexpected answer shape`, 'aggregator', 'BAD_RESPONSE');
    const q = parsed.data;
    if (q.platRespCode === 'NOTEXIST') return null;
    if (q.platRespCode === 'FAIL') throw new ProviderRejected(`aggregator query ${queryType} refused: ${platMessage(answer.body)}`.trim(), 'aggregator', 'AGGREGATOR_FAIL');
    if (q.platRespCode !== 'SUCCESS') throw new ProviderUnavailable(`aggregator query ${queryType}: ${q.platRespCode}`, 'aggregator', `AGGREGATOR_${q.platRespCode.slice(0, 16)}`);
    // What bayar acts on (paid, disbursed) must be the platform's word: the query answer is signed.
    if (answer.signature !== 'valid') throw new ProviderUnavailable(`aggregator query ${queryType}: platSign ${answer.signature}`, 'aggregator', 'RESPONSE_SIGNATURE_INVALID');
    if (q.orderNum !== undefined && q.orderNum !== orderNum) throw new ProviderUnavailable(`aggregator query ${queryType}: answer for another order`, 'aggregator', 'BAD_RESPONSE');
    return q;
  }

  /**
   * A callback's form fields with a valid platSign. Verified before anything else is read; the
   * form is decoded exactly once, and the decoded values are what the platform signed.
   */
  private verifiedCallback(raw: RawWebhook): WireParams {
    const params = parseForm(raw.rawBody);
    const signature = params[PLATFORM_SIGN_FIELD];
    if (typeof signature !== 'string' || signature.length === 0) throw new SignatureInvalid('aggregator', 'platSign missing');
    // Base64 has "+", which a form must send as %2B; a sender that does not arrives as a space.
    // Base64 has no spaces, so putting the "+" back is unambiguous (and the signature still decides).
    const normalized = { ...params, [PLATFORM_SIGN_FIELD]: signature.replace(/ /g, '+') };
    if (!this.client.verifyCallback(normalized)) throw new SignatureInvalid('aggregator', 'platSign does not verify');
    return params;
  }
}

// ---- request building ----

/** The order's parameters (merchantCode, dateTime and sign are added by the client). */
export function orderParams(channel: AggregatorChannel, request: CreateChargeRequest, now: number, notifyUrl: string): Record<string, string> {
  const customer = customerFields(channel, request.customer);
  return {
    orderNum: request.paymentId,
    method: channel.code,
    payMoney: String(request.amount),
    productDetail: productDetail(request.description),
    ...customer,
    notifyUrl,
    expiryPeriod: String(expiryMinutes(request.expiresAt, now)),
  };
}

/**
 * Whole minutes until bayar's deadline, rounded up and kept within the platform's 15–97,200.
 * bayar's deadline stays authoritative: a payment shorter than 15 minutes is closed by bayar, and
 * the order stays payable at the platform until its own minimum has passed (README.md).
 */
export function expiryMinutes(expiresAt: string, now: number): number {
  const minutes = Math.ceil((Date.parse(expiresAt) - now) / 60_000);
  return Math.min(EXPIRY_MINUTES.max, Math.max(EXPIRY_MINUTES.min, Number.isFinite(minutes) ? minutes : EXPIRY_MINUTES.default));
}

/** +6281234567890 / 6281234567890 → 081234567890: the platform wants digits, OVO the local 08… form. */
export function localPhone(phone: string): string {
  const digits = phone.trim().replace(/^\+/, '');
  return digits.startsWith('62') ? `0${digits.slice(2)}` : digits;
}

/** Seed 003's name, email and phone rules; a violation is a definite, explained refusal. */
export function customerFields(channel: AggregatorChannel, customer: CustomerDetails): { name: string; email: string; phone: string } {
  const refuse = (code: string, message: string): never => {
    throw new ProviderRejected(`aggregator: ${message}`, 'aggregator', code);
  };
  const name = customer.name?.trim().replace(/\s+/g, ' ');
  if (name !== undefined && !NAME_PATTERN.test(name)) {
    refuse('CUSTOMER_NAME_INVALID', 'customer.name must be letters, digits and spaces only, at most 30 characters (it is shown as the virtual account name)');
  }
  const email = customer.email?.trim();
  if (email !== undefined && !EMAIL_PATTERN.test(email)) refuse('CUSTOMER_EMAIL_INVALID', 'customer.email must be a plain ASCII address like name@example.com');
  const phone = customer.phone === undefined ? undefined : localPhone(customer.phone);
  if (channel.code === 'EWALLET_OVO') {
    // OVO pushes the payment to the app registered to this number; without it nothing can be paid.
    if (phone === undefined) {
      refuse(
        'OVO_PHONE_REQUIRED',
        `EWALLET_OVO needs customer.phone: the mobile number the customer registered with OVO (e.g. 082113086611); OVO pushes the payment to that app and it must be approved within ${OVO_APPROVAL_SECONDS} s`,
      );
    }
    if (!OVO_PHONE_PATTERN.test(phone!)) refuse('OVO_PHONE_INVALID', 'EWALLET_OVO needs customer.phone as an Indonesian mobile number (08…, +628… or 628…, 10–13 digits)');
  } else if (phone !== undefined && !PHONE_PATTERN.test(phone)) {
    refuse('CUSTOMER_PHONE_INVALID', 'customer.phone must be digits only (an optional leading + is dropped), 8–15 of them');
  }
  return { name: name ?? PLACEHOLDER_CUSTOMER.name, email: email ?? PLACEHOLDER_CUSTOMER.email, phone: phone ?? PLACEHOLDER_CUSTOMER.phone };
}

/**
 * productDetail: at most 32 characters, and the platform asks for no Chinese, emoji or other
 * special text. bayar's description is free text, so it is reduced to printable ASCII and cut.
 */
export function productDetail(description: string): string {
  const ascii = description
    .replace(/[^\x20-\x7e]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 32)
    .trim();
  return ascii || 'Payment';
}

export function cashParams(request: SendPayoutRequest, notifyUrl: string): Record<string, string> {
  const refuse = (code: string, message: string): never => {
    throw new ProviderRejected(`aggregator disbursement: ${message}`, 'aggregator', code);
  };
  const bankCode = payoutBankCodeFor(request.destination.bankCode);
  if (!bankCode) refuse('BANK_NOT_SUPPORTED', `bank ${request.destination.bankCode} is not one the aggregator pays out to (${aggregatorPayoutCapabilities.banks.join(', ')})`);
  const number = request.destination.accountNumber.trim();
  if (!/^\d{5,34}$/.test(number)) refuse('ACCOUNT_NUMBER_INVALID', 'the account number must be 5–34 digits');
  const name = request.destination.accountName.trim().replace(/\s+/g, ' ');
  // "must match each other, otherwise the transfer may fail"; case is ignored by the platform.
  if (!/^[A-Za-z0-9 .,'-]{1,32}$/.test(name)) refuse('ACCOUNT_NAME_INVALID', "the account name must be at most 32 letters, digits, spaces or . , ' -, as the bank has it");
  if (!Number.isSafeInteger(request.amount) || request.amount <= 0) refuse('AMOUNT_INVALID', 'the amount must be a positive whole number of rupiah');
  return {
    orderNum: request.providerPayoutId,
    money: String(request.amount),
    description: productDetail(request.description),
    name,
    bankCode: bankCode!,
    number,
    notifyUrl,
    feeType: FEE_TYPE_CODES[request.feeType],
    // What the published payout demos send (schemas.ts). bayar's payout carries no payee phone
    // or e-mail; the platform only passes them upstream, so the same well-formed placeholders as
    // for pay-ins are used.
    method: 'Transfer',
    orderType: '0',
    mobile: PLACEHOLDER_CUSTOMER.phone,
    email: PLACEHOLDER_CUSTOMER.email,
  };
}

// ---- answers → bayar ----

function fromOrderAnswer(r: PrepaidOrderResponse, channel: AggregatorChannel, request: CreateChargeRequest): ChargeSnapshot {
  // Integrity before trust: the order must be ours and for what we asked.
  if (r.orderNum !== undefined && r.orderNum !== request.paymentId) {
    throw new ProviderRejected(`aggregator answered for order ${r.orderNum.slice(0, 64)}, expected ${request.paymentId}`, 'aggregator', 'ORDER_MISMATCH');
  }
  if (r.payMoney !== undefined && parseAmount(r.payMoney) !== request.amount) {
    throw new ProviderRejected(`aggregator answered payMoney ${JSON.stringify(r.payMoney)}, expected ${request.amount}`, 'aggregator', 'AMOUNT_MISMATCH');
  }
  if (!r.platOrderNum) throw new ProviderUnavailable('aggregator create order: SUCCESS without platOrderNum', 'aggregator', 'BAD_RESPONSE');
  return {
    providerReference: r.platOrderNum,
    // The create answer carries no order status; a created order is INIT_ORDER ("successfully created").
    chargeStatus: 'PENDING',
    providerStatus: 'INIT_ORDER',
    instructions: instructionsFor(channel, r.vaNumber, r.url),
  };
}

/** What the customer needs, by kind of method. */
export function instructionsFor(channel: AggregatorChannel, vaNumber: string | undefined, url: string | undefined): ChargeSnapshot['instructions'] {
  switch (channel.kind) {
    case 'va':
      return { virtualAccountNumber: vaNumber, bankCode: channel.bank };
    case 'retail':
      // The Alfamart payment code comes in vaNumber [?]; the page URL if it does not.
      return vaNumber ? { payCode: vaNumber } : { payUrl: url };
    case 'qris':
      // The QR payload comes in vaNumber (an EMV string starting 000201) [?]; otherwise the QR page.
      return vaNumber ? { qrString: vaNumber } : { payUrl: url };
    case 'ewallet':
      return { payUrl: url };
  }
}

function fromQueryAnswer(q: QueryResponse, paymentId: string): ChargeSnapshot {
  const status = String(q.status ?? '');
  const chargeStatus = aggregatorStatusToChargeStatus(status);
  // `amount` is "the amount user has paid": read only for a paid order, and never assumed.
  const paidAmount = chargeStatus === 'PAID' ? parseAmount(q.amount) : undefined;
  if (chargeStatus === 'PAID' && paidAmount === undefined) {
    throw new ProviderUnavailable(`aggregator query: SUCCESS without a readable amount (${JSON.stringify(q.amount)})`, 'aggregator', 'BAD_RESPONSE');
  }
  return {
    providerReference: q.platOrderNum ?? paymentId,
    chargeStatus,
    providerStatus: status || 'UNKNOWN',
    paidAmount,
    // No paid time (ProviderEvent.paidAt): the query answer publishes none [?];
    // PaymentState.isLate uses the time bayar learned of the money.
    reason: chargeStatus === 'FAILED' || chargeStatus === 'CANCELLED' ? `${status}${q.msg ? `: ${q.msg.slice(0, 200)}` : ''}` : undefined,
    // The query answer does not repeat the VA number or QR [?]: a charge found by look-up (an
    // activity retry after a lost create answer) has no instructions to show.
    instructions: {},
  };
}

function fromPayoutStatus(status: string, msg: string | undefined, platOrderNum: string | undefined, fee: string | number | undefined): PayoutSnapshot {
  const state = aggregatorPayoutStatusToState(status);
  return {
    state,
    providerStatus: status || 'UNKNOWN',
    providerReference: platOrderNum,
    fee: parseAmount(fee),
    reason: state === 'FAILED' ? `status ${status}${msg ? `: ${msg.slice(0, 200)}` : ''}` : undefined,
  };
}

/** A verified disbursement callback's fields, as the snapshot of the attempt it names. */
function payoutNoticeFrom(params: WireParams): { providerPayoutId: string; snapshot: PayoutSnapshot } {
  const parsed = payoutCallbackSchema.safeParse(params);
  if (!parsed.success) throw new WebhookMalformed('aggregator', parsed.error.issues[0]?.message ?? 'bad disbursement callback');
  const n = parsed.data;
  return { providerPayoutId: n.orderNum, snapshot: fromPayoutStatus(n.status, n.statusMsg, n.platOrderNum, n.fee) };
}

/**
 * The payout an attempt belongs to: bayar's provider payout id is `${payoutId}-${attempt}`
 * (workflows/payout-state.ts). Anything else is not an attempt bayar sent.
 */
export function payoutIdOf(providerPayoutId: string): string | undefined {
  return /^(payout_[0-9a-f]{24})-[1-9]\d{0,2}$/.exec(providerPayoutId)?.[1];
}

/**
 * A form-encoded body as a flat map. Every name once: a repeated name would make "the" value
 * (and so the signed text) ambiguous.
 */
export function parseForm(rawBody: Buffer): WireParams {
  // No prototype: a field called "__proto__" or "constructor" is just a field.
  const params: WireParams = Object.create(null) as WireParams;
  for (const [name, value] of new URLSearchParams(rawBody.toString('utf8'))) {
    if (Object.hasOwn(params, name)) throw new WebhookMalformed('aggregator', `field ${JSON.stringify(name.slice(0, 40))} appears twice`);
    params[name] = value;
  }
  return params;
}
