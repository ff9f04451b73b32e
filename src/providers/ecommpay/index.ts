// The ecommpay adapter: bayar's provider interface over ecommpay's Gate for Indonesian Virtual
// Accounts. general.payment_id is bayar's payment id, so every look-up is addressed by it.
//
// The synchronous answer to a sale only says the request was accepted. How to pay (the VA page)
// comes later, in an intermediate callback with redirect_data; the result comes in the final
// callback (success / decline). So createCharge returns a PENDING charge with no instructions,
// and parseWebhook turns the intermediate callback into a PENDING event that carries them.
import { createHmac } from 'node:crypto';
import type { PaymentInstructions, ProviderEvent } from '../../domain/payment.js';
import { parseJson } from '../http.js';
import { ProviderError, ProviderRejected, shapeRefusal, ProviderUnavailable, SignatureInvalid, WebhookMalformed } from '../provider.js';
import type { ShapeRefusal, ChargeRef, ChargeSnapshot, CreateChargeRequest, ParsedWebhook, PaymentProvider, RawWebhook, RefundResult, WebhookReply } from '../provider.js';
import type { PayoutProvider, PayoutSnapshot, SendPayoutRequest } from '../payout.js';
import { ECOMMPAY_PATHS, IDR_MINOR_UNITS, ecommpayBankFor, ecommpayCapabilities, ecommpayPayoutCapabilities, type EcommpayBank } from './capabilities.js';
import { EcommpayPayouts, payoutNotice } from './payouts.js';
import { ECOMMPAY_CODES, EcommpayClient, throwFor, type EcommpayConfig, type UnsignedRequest } from './client.js';
import {
  bankListSchema,
  callbackSchema,
  ecommpayDatetime,
  gateAnswerSchema,
  isoFromEcommpay,
  minorToRupiah,
  type EcommpayOperation,
  type EcommpayRedirectData,
  type EcommpaySaleRequest,
  type EcommpayStatusAnswer,
} from './schemas.js';
import { SignatureInputTooDeep, signatureMatches, withoutSignatures, type JsonValue } from './signature.js';
import { ecommpayStatusToChargeStatus } from './status.js';

export type { EcommpayConfig } from './client.js';

export { ECOMMPAY_CODES } from './client.js';

/**
 * The bank list is static provider data (seed 000: cache it 24 h, refresh it in the background).
 * A fetched list is served for at most BANK_LIST_TTL_MS; from BANK_LIST_REFRESH_MS on, the sale
 * that uses it also starts a refresh beside it (stale-while-revalidate), so no sale waits for the
 * list after the first, a bank ecommpay disables is refused before a sale within about an hour,
 * and a refresh that fails keeps the list it has (tried again BANK_LIST_RETRY_MS later) until the
 * TTL runs out. Whatever the cached list says, ecommpay's own answer to the sale is final: a sale
 * to a bank it has just disabled is refused there (README, "The bank list").
 */
export const BANK_LIST_TTL_MS = 24 * 60 * 60_000;
export const BANK_LIST_REFRESH_MS = 60 * 60_000;
/** How soon a failed fetch (or failed refresh) is tried again. */
export const BANK_LIST_RETRY_MS = 60_000;

interface BankCache {
  /** Bank ids offered for IDR right now; undefined = the list could not be had, use the documented table. */
  ids?: ReadonlySet<number>;
  /** Served until then. */
  until: number;
  /** A list: refreshed in the background from then on. */
  refreshAt?: number;
}

export class EcommpayProvider implements PaymentProvider, PayoutProvider {
  readonly name = 'ecommpay' as const;
  readonly capabilities = ecommpayCapabilities;
  /** ecommpay resends a callback not answered 200 up to 119 times over ≈ 10 days (README, "Notifications"). */
  readonly refusedNotificationAnswer = 'ack' as const;
  readonly payoutCapabilities = ecommpayPayoutCapabilities;
  private readonly client: EcommpayClient;
  private readonly payouts: EcommpayPayouts;
  private banks?: BankCache;
  private banksInFlight?: Promise<BankCache>;

  constructor(
    private readonly config: EcommpayConfig,
    private readonly now: () => number = Date.now,
  ) {
    this.client = new EcommpayClient(config);
    this.payouts = new EcommpayPayouts(this.client, config.secretKey);
  }

  // ---- payouts (payouts.ts) ----

  sendPayout(request: SendPayoutRequest): Promise<PayoutSnapshot> {
    return this.payouts.sendPayout(request);
  }

  findPayout(providerPayoutId: string): Promise<PayoutSnapshot | null> {
    return this.payouts.findPayout(providerPayoutId);
  }

  // ---- pay-in ----

  /** The Gate's purchase needs customer.ip_address (seed 004; the SDKs' required fields), as createCharge checks. */
  validateCreate(request: CreateChargeRequest): ShapeRefusal | undefined {
    return shapeRefusal(() => saleFields(request));
  }

  async createCharge(request: CreateChargeRequest): Promise<ChargeSnapshot> {
    const { bank, ip } = saleFields(request);
    const available = await this.availableBanks(request);
    if (available && !available.has(bank.bankId)) {
      // Refused before anything exists at ecommpay, so bayar may fail over to another provider.
      throw new ProviderRejected(`ecommpay does not offer ${bank.name} (bank ${bank.bankId}) right now`, 'ecommpay', 'BANK_UNAVAILABLE');
    }

    const res = await this.client.post(ECOMMPAY_PATHS.sale, toSaleRequest(request, bank, ip, this.customerId(request)));
    const answer = gateAnswerSchema.safeParse(parseJson(res.text));
    if (res.status === 200 && answer.success && answer.data.status === 'success') {
      if (answer.data.payment_id !== undefined && answer.data.payment_id !== request.paymentId) {
        // Not the answer to our request: whether ours was taken is unknown, so it is retried,
        // and a retry looks the payment up before sending anything.
        throw new ProviderUnavailable(`ecommpay sale: answer is for payment ${answer.data.payment_id}`, 'ecommpay', 'BAD_RESPONSE');
      }
      // Accepted for processing; the VA page follows in a callback.
      return { providerReference: request.paymentId, chargeStatus: 'PENDING', providerStatus: 'accepted', instructions: {} };
    }
    if (answer.success && answer.data.code === ECOMMPAY_CODES.paymentIdExists) {
      // A resent sale (a retry after a lost answer): payment_id is ecommpay's idempotency key, so
      // the payment exists and this is it — after the same amount check as any answer.
      const existing = await this.lookup(request.paymentId);
      if (existing) return fromStatus(existing, request.amount);
      throw new ProviderUnavailable('ecommpay sale: payment id exists but the payment is not found yet', 'ecommpay', 'ECOMMPAY_3041');
    }
    if (res.status === 200 && !(answer.success && answer.data.status === 'error')) {
      throw new ProviderUnavailable(`ecommpay sale: HTTP 200 with an unexpected body`, 'ecommpay', 'BAD_RESPONSE');
    }
    throwFor(res, 'sale');
  }

  async findCharge(ref: ChargeRef): Promise<ChargeSnapshot | null> {
    const answer = await this.lookup(ref.paymentId);
    return answer ? fromStatus(answer) : null;
  }

  async cancelCharge(): Promise<void> {
    // Gate documents no cancel for Indonesian VA (capabilities.cancel is false, so the saga never
    // asks). payment.best_before makes ecommpay decline the payment at bayar's deadline itself.
  }

  async refund(): Promise<RefundResult> {
    // Declared in capabilities (no refunds for this method), so bayar refuses before calling this.
    throw new ProviderRejected('ecommpay Indonesian Virtual Accounts support no refunds', 'ecommpay', 'REFUND_NOT_SUPPORTED');
  }

  parseWebhook(raw: RawWebhook): ParsedWebhook {
    const body = parseJson(raw.rawBody.toString('utf8'));
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new WebhookMalformed('ecommpay', 'body is not a JSON object');
    const received = (body as Record<string, unknown>).signature;
    if (typeof received !== 'string' || received === '') throw new SignatureInvalid('ecommpay', 'signature missing');
    // The signature covers the callback as parsed, minus its signature (as the official SDKs
    // check it); it is verified before anything in the body is believed.
    let genuine: boolean;
    try {
      genuine = signatureMatches(withoutSignatures(body as JsonValue), received, this.config.secretKey);
    } catch (err) {
      if (err instanceof SignatureInputTooDeep) throw new WebhookMalformed('ecommpay', err.message);
      throw err;
    }
    if (!genuine) throw new SignatureInvalid('ecommpay', 'signature does not match');

    const parsed = callbackSchema.safeParse(body);
    if (!parsed.success) throw new WebhookMalformed('ecommpay', describeIssue(parsed.error.issues[0]));
    const c = parsed.data;
    // Signed with our secret but for another project: not ours to act on.
    if (c.project_id !== String(this.config.projectId)) throw new SignatureInvalid('ecommpay', 'project_id is not ours');
    // A payout's callback (same signature, same URL: the project's callback URL) goes to the
    // payout workflow of the attempt it names.
    if (c.payment.type === 'payout' || c.operation?.type === 'payout') return payoutNotice(c);
    if (c.payment.type !== undefined && c.payment.type !== 'purchase') return { kind: 'ignored', reason: `${c.payment.type.slice(0, 32)} payment` };
    if (c.operation && c.operation.type !== 'sale') return { kind: 'ignored', reason: `${c.operation.type.slice(0, 32)} operation; refunds are not payment state` };

    const code = c.operation?.code;
    const chargeStatus = ecommpayStatusToChargeStatus(c.payment.status, code);
    if (chargeStatus === 'REFUNDED') return { kind: 'ignored', reason: `${c.payment.status} callback; refunds are tracked by bayar's refund update` };
    let paidAmount: number | undefined;
    if (chargeStatus === 'PAID') {
      paidAmount = paidRupiah(c.operation, c.payment.sum);
      if (paidAmount === undefined) throw new WebhookMalformed('ecommpay', 'success without a whole-rupiah IDR amount');
    }
    // bayar charges in rupiah only: a callback about money in another currency is not ours.
    const currency = c.payment.sum?.currency;
    if (currency !== undefined && currency !== 'IDR') throw new WebhookMalformed('ecommpay', `payment.sum currency ${JSON.stringify(currency.slice(0, 8))} is not IDR`);
    const instructions = chargeStatus === 'PENDING' && c.redirect_data ? toInstructions(c.redirect_data, c.account?.number) : undefined;
    const event: ProviderEvent = {
      provider: 'ecommpay',
      // A callback names no notification id. Its retries are the same callback, and each state
      // of the payment's sale operation is sent once, so the state is the key: the intermediate
      // callback, the final one and any resend of either dedupe on it.
      eventId: `${c.payment.id}:${c.operation?.id ?? '-'}:${c.operation?.status ?? '-'}:${c.payment.status}`,
      source: 'webhook',
      chargeStatus,
      ...(paidAmount !== undefined ? { paidAmount } : {}),
      providerReference: c.payment.id,
      providerStatus: c.payment.status,
      ...(chargeStatus === 'FAILED' || chargeStatus === 'EXPIRED' ? { reason: reasonOf(c.operation) } : {}),
      ...(instructions && Object.keys(instructions).length > 0 ? { instructions } : {}),
      occurredAt: isoFromEcommpay(c.operation?.date ?? c.payment.date),
      // The paid time: the sale operation's date, as in the status answer (fromStatus).
      ...(chargeStatus === 'PAID' && isoFromEcommpay(c.operation?.date) ? { paidAt: isoFromEcommpay(c.operation?.date) } : {}),
    };
    return { kind: 'payment', paymentId: c.payment.id, event };
  }

  webhookAck(): WebhookReply {
    // ecommpay needs HTTP 200; anything else is resent (en_PP_Callbacks.html).
    return { status: 200, contentType: 'application/json', body: '{}' };
  }

  webhookRetryLater(): WebhookReply {
    // Not 200: ecommpay resends, 6 times 10 s apart, then further and further apart for 11 days.
    return { status: 503, contentType: 'application/json', body: '{}' };
  }

  private lookup(paymentId: string): Promise<EcommpayStatusAnswer | null> {
    return this.client.lookup(paymentId);
  }

  /**
   * The banks ecommpay offers for IDR, from the live list (see BANK_LIST_TTL_MS). When there is
   * no list to serve (the first sale, or the list outlived its TTL) the sale waits for one; when
   * it cannot be had, undefined: the documented table stands in, and the list is tried again a
   * minute later.
   */
  private async availableBanks(request: CreateChargeRequest): Promise<ReadonlySet<number> | undefined> {
    const now = this.now();
    if (this.banks && now < this.banks.until) {
      if (this.banks.refreshAt !== undefined && now >= this.banks.refreshAt) this.refreshBanks(request, now);
      return this.banks.ids;
    }
    this.banks = await this.fetchBanksOnce(request);
    return this.banks.ids;
  }

  /** Fetches the list beside the sale; a list that cannot be had leaves the one served in place. */
  private refreshBanks(request: CreateChargeRequest, now: number): void {
    if (this.banksInFlight || !this.banks) return;
    const served = this.banks;
    served.refreshAt = now + BANK_LIST_RETRY_MS;
    this.fetchBanksOnce(request).then(
      (fresh) => {
        if (fresh.ids && this.banks === served) this.banks = fresh;
      },
      // Only a programming error gets here (fetchBanks turns every provider failure into "no
      // list"); nothing awaits a background refresh, so it must not become an unhandled rejection.
      () => undefined,
    );
  }

  /** One fetch at a time: concurrent sales (and a background refresh) share it. */
  private fetchBanksOnce(request: CreateChargeRequest): Promise<BankCache> {
    this.banksInFlight ??= this.fetchBanks(request).finally(() => (this.banksInFlight = undefined));
    return this.banksInFlight;
  }

  private async fetchBanks(request: CreateChargeRequest): Promise<BankCache> {
    try {
      // "Specify real payment data if possible. However, random values are also allowed" (seed 004):
      // the real amount, and an id of its own so the sale's payment_id stays unused.
      const res = await this.client.post(ECOMMPAY_PATHS.banks, {
        general: { payment_id: `${request.paymentId}-banks` },
        payment: { amount: request.amount * IDR_MINOR_UNITS, currency: 'IDR' },
      });
      const list = res.status === 200 ? bankListSchema.safeParse(parseJson(res.text)) : undefined;
      if (list?.success) {
        const ids = list.data.filter((b) => !b.currencies || b.currencies.some((c) => c.alpha_3_4217 === 'IDR')).map((b) => b.id);
        const at = this.now();
        return { ids: new Set(ids), until: at + BANK_LIST_TTL_MS, refreshAt: at + BANK_LIST_REFRESH_MS };
      }
    } catch (err) {
      if (!(err instanceof ProviderError)) throw err;
    }
    return { until: this.now() + BANK_LIST_RETRY_MS };
  }

  /**
   * customer.id is "unique within the project" and identifies the customer across payments, for
   * ecommpay's risk checks. bayar keeps no customer records, so it is derived from the e-mail or
   * phone, keyed so the id cannot be turned back into either; without them, the payment id.
   */
  private customerId(request: CreateChargeRequest): string {
    const who = request.customer.email?.toLowerCase() ?? request.customer.phone?.replace(/\D/g, '');
    if (!who) return request.paymentId;
    return 'cust_' + createHmac('sha256', this.config.secretKey).update(`bayar-customer-id:${who}`).digest('hex').slice(0, 32);
  }
}

function toSaleRequest(request: CreateChargeRequest, bank: EcommpayBank, ip: string, customerId: string): UnsignedRequest<EcommpaySaleRequest> {
  const [first, ...rest] = (request.customer.name ?? '').trim().split(/\s+/).filter(Boolean);
  const description = request.description.slice(0, 255);
  return {
    general: { payment_id: request.paymentId },
    payment: {
      amount: request.amount * IDR_MINOR_UNITS,
      currency: 'IDR',
      ...(description ? { description } : {}),
      // bayar's deadline is authoritative (it ends the payment and checks once more); this makes
      // ecommpay decline the payment then as well, instead of at its 48 h threshold.
      best_before: ecommpayDatetime(Date.parse(request.expiresAt)),
    },
    customer: {
      id: customerId,
      ip_address: ip,
      ...(first ? { first_name: first.slice(0, 255) } : {}),
      ...(rest.length > 0 ? { last_name: rest.join(' ').slice(0, 255) } : {}),
    },
    account: { bank_id: bank.bankId },
    ...(request.returnUrl ? { return_url: { return: request.returnUrl } } : {}),
  };
}

/** The sale operation the payment's state comes from: the latest one. */
function saleOperation(answer: EcommpayStatusAnswer): EcommpayOperation | undefined {
  return answer.operations?.filter((o) => o.type === 'sale').at(-1);
}

function fromStatus(answer: EcommpayStatusAnswer, expectedAmount?: number): ChargeSnapshot {
  if (expectedAmount !== undefined) {
    // Integrity check before trusting an existing payment as ours: same amount, in IDR.
    const sum = answer.payment.sum;
    if (sum && (sum.currency !== 'IDR' || sum.amount !== expectedAmount * IDR_MINOR_UNITS)) {
      throw new ProviderRejected(`ecommpay has payment ${answer.payment.id} for ${sum.amount} ${sum.currency}, expected ${expectedAmount * IDR_MINOR_UNITS} IDR`, 'ecommpay', 'AMOUNT_MISMATCH');
    }
  }
  const operation = saleOperation(answer);
  const chargeStatus = ecommpayStatusToChargeStatus(answer.payment.status, operation?.code);
  let paidAmount: number | undefined;
  if (chargeStatus === 'PAID') {
    paidAmount = paidRupiah(operation, answer.payment.sum);
    // Money is there but its amount cannot be read: ask again rather than guess.
    if (paidAmount === undefined) throw new ProviderUnavailable('ecommpay payment status: success without a whole-rupiah IDR amount', 'ecommpay', 'AMOUNT_INVALID');
  }
  // The paid time (ProviderEvent.paidAt): the sale operation's `date` (Payment status request,
  // operations[]: "date and time of the operation", as in its callback; isoFromEcommpay).
  const paidAt = chargeStatus === 'PAID' ? isoFromEcommpay(operation?.date) : undefined;
  return {
    providerReference: answer.payment.id,
    chargeStatus,
    providerStatus: answer.payment.status,
    paidAmount,
    ...(paidAt ? { paidAt } : {}),
    reason: chargeStatus === 'FAILED' || chargeStatus === 'EXPIRED' ? reasonOf(operation) : undefined,
    // The VA page comes only in the intermediate callback; the status answer does not repeat it.
    instructions: {},
  };
}

/** What was paid: the sale operation's amount (the payment's when there is none), whole rupiah, IDR only. */
function paidRupiah(operation: EcommpayOperation | undefined, paymentSum: { amount: number; currency: string } | undefined): number | undefined {
  const sum = operation?.sum_initial ?? paymentSum;
  if (!sum || sum.currency !== 'IDR') return undefined;
  return minorToRupiah(sum.amount);
}

function reasonOf(operation: EcommpayOperation | undefined): string | undefined {
  if (!operation || (operation.code === undefined && operation.message === undefined)) return undefined;
  return [operation.code, operation.message].filter(Boolean).join(' ');
}

/**
 * redirect_data → where the customer pays. A GET redirect is a link (its body, if any, becomes
 * the query string, as a browser submits a GET form). A POST with a body cannot be expressed as
 * a link, so it gives no payUrl [? the VA method's documented example is a GET]. The VA number
 * is added when the callback carries it in account.number.
 */
export function toInstructions(redirect: EcommpayRedirectData, accountNumber?: string): PaymentInstructions {
  const instructions: PaymentInstructions = {};
  const method = (redirect.method ?? 'GET').toUpperCase();
  const fields = Object.entries(redirect.body ?? {});
  if (method === 'GET') {
    const url = new URL(redirect.url);
    for (const [k, v] of fields) url.searchParams.set(k, String(v));
    instructions.payUrl = url.toString();
  } else if (fields.length === 0) {
    instructions.payUrl = redirect.url;
  }
  if (accountNumber && /^\d{6,32}$/.test(accountNumber)) instructions.virtualAccountNumber = accountNumber;
  return instructions;
}

function describeIssue(issue: { path: PropertyKey[]; message: string } | undefined): string {
  return issue ? `${issue.path.map(String).join('.') || '(body)'}: ${issue.message}` : 'bad body';
}

/** The bank for the method and the customer's IP, or the rule the request breaks. */
function saleFields(request: CreateChargeRequest) {
  const bank = ecommpayBankFor(request.method);
  if (!bank) throw new ProviderRejected(`ecommpay does not offer ${request.method}`, 'ecommpay', 'UNSUPPORTED_METHOD');
  const ip = request.customer.ipAddress;
  if (!ip) throw new ProviderRejected("ecommpay needs the customer's IP address (customer.ipAddress)", 'ecommpay', 'CUSTOMER_IP_REQUIRED');
  return { bank, ip };
}
