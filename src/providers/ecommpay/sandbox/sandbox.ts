// A local stand-in for ecommpay's Gate, Indonesian Virtual Accounts: the sale, the live bank
// list and the payment status, each checked for ecommpay's signature (general.signature) and
// answered with ecommpay's error shape when it is wrong; payment_id as the idempotency key
// (3041 "Payment ID already exists"); charges held with ecommpay's payment statuses; the
// intermediate callback with redirect_data (the VA page, served here too) soon after the sale;
// the final success / decline callback on pay, on a simulated decline, and at the 48 h threshold
// (at best_before only when switched on: unconfirmed); callbacks signed at the top level and resent on ecommpay's documented schedule
// (× BAYAR_SANDBOX_TIME_SCALE) until answered 200. It reuses the adapter's schemas and
// signature functions; the unit tests check both against the official ecommpay package.
// Payouts (`/v2/payment/banks/indonesia-va/payout`): the same signature and error answers, the
// same payment_id namespace and idempotency (3041), `processing` until the bank answers, then
// `success` or `decline`, a signed payout callback, and the payout in the status answer.
// Switches make the next payout decline, be refused outright, time out or answer 500 after
// being taken, or send no callback (README.md).
import { randomBytes, randomInt } from 'node:crypto';
import { ECOMMPAY_BANKS, ECOMMPAY_METHOD, ECOMMPAY_PATHS, ECOMMPAY_THRESHOLD_SECONDS, IDR_MINOR_UNITS } from '../capabilities.js';
import { bankListRequestSchema, payoutRequestSchema, saleRequestSchema, statusRequestSchema, type EcommpayPayoutRequest, type EcommpaySaleRequest } from '../schemas.js';
import { signCallback, signatureMatches, withoutSignatures, type JsonValue } from '../signature.js';
import { jsonBody, ProviderSandbox, ledgerEntry, keepNext } from '../../../sandbox/kit.js';
import type { Handler, LedgerEntry, Notification, SandboxProvider, SandboxRequest, SandboxResponse } from '../../../sandbox/kit.js';
import { z } from 'zod';

const SECOND = 1000;
const HOUR = 3600 * SECOND;
const DAY = 24 * HOUR;

/**
 * When ecommpay resends a callback that was not answered 200 (en_PP_Callbacks.html; PROVIDERS.md
 * §4): 6 times every 10 s, then at growing intervals of about 70 + 10·1.12^(n−4) s for the n-th
 * resend, capped at 4 h, then every 4 h — at most 120 attempts (the first delivery and 119
 * resends), over at most 11 days. Each delay counts from the previous attempt, as the kit wants.
 */
export const ECOMMPAY_CALLBACK_RETRIES_MS: number[] = (() => {
  const delays: number[] = [];
  let total = 0;
  for (let n = 1; n <= 119; n++) {
    const seconds = n <= 6 ? 10 : Math.min(4 * 3600, 70 + 10 * 1.12 ** (n - 4));
    const ms = Math.round(seconds * SECOND);
    if (total + ms > 11 * DAY) break;
    delays.push(ms);
    total += ms;
  }
  return delays;
})();

/**
 * The intermediate callback follows the sale "soon" (the bank opens the VA, then ecommpay
 * relays the page): 3 s here, scaled, but never under a second, so that — as on the real
 * platform — the synchronous answer is back well before its callback.
 */
export const INTERMEDIATE_CALLBACK_DELAY_MS = 3 * SECOND;
const INTERMEDIATE_CALLBACK_MIN_MS = SECOND;

/** Decline codes the sandbox uses (en_platform_payment_info_codes.html). */
export const SANDBOX_DECLINES = {
  /** The default for a simulated decline; the code of seed 004's decline example. */
  limit: { code: '20101', message: 'Decline due to amount or frequency limit' },
  /** Not paid by best_before or the 48 h threshold [? code of the threshold decline not published]. */
  timeout: { code: '20602', message: 'Time-out' },
} as const;

/** VA number prefixes per bank (16 digits in all): Permata's from seed 004's example, the rest made up. */
const VA_PREFIX: Record<number, string> = { 4391: '5241', 433: '8856', 434: '8860', 2831: '7828', 2931: '9880', 499: '2626', 562: '7125' };

/** Abbreviations as the bank list shows them: PMBVA, MDRIVA, BNIVA from seed 004, the rest made up. */
const BANK_ABBR: Record<number, string> = { 4391: 'SMPRNVA', 433: 'PMBVA', 434: 'MDRIVA', 2831: 'MBBVA', 2931: 'BNIVA', 499: 'BRIVA', 562: 'SNRMSVA' };

type PaymentStatus = 'processing' | 'awaiting redirect result' | 'success' | 'decline';
const PENDING_STATUSES: readonly PaymentStatus[] = ['processing', 'awaiting redirect result'];

interface Charge {
  paymentId: string;
  requestId: string;
  operationId: number;
  providerPaymentId: string;
  /** Minor units, as ecommpay counts. */
  amount: number;
  bankId: number;
  customerId: string;
  description?: string;
  createdAt: number;
  /** The 48 h threshold (or best_before, when the sandbox is told to honour it). */
  expiresAt: number;
  status: PaymentStatus;
  code?: string;
  message?: string;
  paidAmount: number;
  paidAt?: number;
  virtualAccountNumber: string;
  pageToken: string;
  pageUrl: string;
  notifyUrl: string;
  createRequests: number;
  /** The intermediate callback as sent; the out-of-order fault redelivers it after the final one. */
  intermediate?: Notification;
}

type PayoutStatus = 'processing' | 'success' | 'decline';

interface Payout {
  paymentId: string;
  requestId: string;
  operationId: number;
  /** Minor units. */
  amount: number;
  bankId: number;
  accountNumber: string;
  customerName: string;
  customerId: string;
  description?: string;
  createdAt: number;
  finishedAt?: number;
  status: PayoutStatus;
  code?: string;
  message?: string;
  notifyUrl: string;
  callback: boolean;
  /** Every payout request that carried this payment_id, the first included. */
  sendRequests: number;
}

/** One-shot switches for the next payout request (`POST /_sandbox/ecommpay/payouts/next`). */
/** POST /_sandbox/ecommpay/payouts/next (test control). */
const nextPayoutSchema = z.object({
  answer: z.enum(['ACCEPT', 'REFUSE', 'TIMEOUT', 'SERVER_ERROR']).optional(),
  outcome: z.enum(['success', 'decline']).optional(),
  callback: z.boolean().optional(),
  code: z.string().optional(),
  message: z.string().optional(),
});

export interface NextPayout {
  /**
   * ACCEPT (default): answered `success`, then processed. REFUSE: a 400 error answer, nothing
   * created. TIMEOUT: taken, but no answer ever comes. SERVER_ERROR: taken, answered 500.
   */
  answer?: 'ACCEPT' | 'REFUSE' | 'TIMEOUT' | 'SERVER_ERROR';
  /** How the bank ends it: success (default) or decline. */
  outcome?: 'success' | 'decline';
  /** false: no payout callback is sent (the result is only in the status answer). */
  callback?: boolean;
  code?: string;
  message?: string;
}

/**
 * How long an accepted payout stays `processing` before the bank answers (× time scale, ≥ 100 ms).
 * Made up for tests: the platform publishes "up to 10 minutes" basic time and a 48 h threshold
 * for Indonesian bank payouts (developers.ecommpay.com/en/pm_indonesia.html, Banks of Indonesia).
 */
export const PAYOUT_PROCESSING_MS = 400;

export interface EcommpaySandboxOptions {
  projectId: number;
  secretKey: string;
}

export class EcommpaySandbox extends ProviderSandbox<EcommpaySandboxOptions> implements SandboxProvider {
  readonly name = 'ecommpay';
  private readonly charges = new Map<string, Charge>();
  private readonly byPageToken = new Map<string, Charge>();
  /** Every callback as first sent (the kit's log keeps bodies and answers; this keeps headers too). */
  private readonly outbox: Notification[] = [];
  /** Banks switched off in the live list (control endpoint), to test an unavailable bank. */
  private readonly disabledBanks = new Set<number>();
  /**
   * Whether `payment.best_before` closes the VA. ecommpay publishes best_before as the time limit
   * for working with the payment form (en_pp_time_limit.html, a Payment Page page) and nothing
   * about it bounding a VA at the bank; seed 004 only says the payment is declined at the 48 h
   * threshold. So by default the VA stays payable until the threshold — the worst case bayar's
   * deadline and late-money path must hold against [?]. `POST /_sandbox/ecommpay/best-before
   * {"honoured": true}` switches to the other reading (declined 20602 at best_before).
   */
  private honourBestBefore = false;
  private readonly payouts = new Map<string, Payout>();
  private next: NextPayout = {};
  private operations = 0;

  protected endpoints(): [string, string, Handler][] {
    return [
      ['POST', ECOMMPAY_PATHS.sale, (r) => this.signed(r, (body) => this.sale(r, body))],
      ['POST', ECOMMPAY_PATHS.banks, (r) => this.signed(r, (body) => this.bankList(body))],
      ['POST', ECOMMPAY_PATHS.status, (r) => this.signed(r, (body) => this.status(body))],
      ['POST', ECOMMPAY_PATHS.payout, (r) => this.signed(r, (body) => this.payout(body))],
      // Sandbox only: every payout held, and a one-shot switch for the next payout request.
      ['GET', '/_sandbox/ecommpay/payouts', () => ({ status: 200, body: { payouts: this.payoutLedger() } })],
      ['POST', '/_sandbox/ecommpay/payouts/next', (r) => keepNext(r, nextPayoutSchema, (next) => (this.next = next))],
      // The VA page redirect_data points at: what the customer would see at the provider.
      ['GET', '/payment-page/indonesia-va/:token', (r) => this.vaPage(r.params.token!)],
      // Sandbox only: callbacks as sent, so tests can redeliver one verbatim.
      ['GET', '/_sandbox/ecommpay/outbox', () => ({ status: 200, body: this.outbox })],
      // Sandbox only: the bank declines the payment, e.g. {"code":"20101","message":"…"}.
      ['POST', '/_sandbox/ecommpay/charges/:reference/decline', (r) => this.simulateDecline(r)],
      // Sandbox only: banks missing from the live list, e.g. {"disabled":[562]}.
      ['POST', '/_sandbox/ecommpay/banks', (r) => this.setDisabledBanks(r)],
      // Sandbox only: whether best_before closes the VA (unconfirmed; off by default), {"honoured":true}.
      ['POST', '/_sandbox/ecommpay/best-before', (r) => this.setBestBefore(r)],
    ];
  }

  /** The customer transfers to the VA. `amount` is in rupiah, as everywhere in bayar. */
  pay(reference: string, options: { amount?: number; force?: boolean }): SandboxResponse {
    const charge = this.charges.get(reference);
    if (!charge) return failure(404, ECOMMPAY_ERRORS.notFound, { payment_id: reference });
    this.refresh(charge);
    const late = options.force === true && charge.status === 'decline';
    if (!PENDING_STATUSES.includes(charge.status) && !late) {
      return failure(400, { code: '3060', message: `Current payment status (${charge.status}) does not allow this action` }, { payment_id: reference });
    }
    // Nobody pays a VA they were never shown: the page is issued first if it was not yet.
    this.issueRedirect(charge);
    charge.status = 'success';
    charge.code = '0';
    charge.message = 'Success';
    charge.paidAt = Date.now();
    charge.paidAmount = (options.amount ?? charge.amount / IDR_MINOR_UNITS) * IDR_MINOR_UNITS;
    this.sendFinal(charge);
    return { status: 200, body: this.statusBody(charge) };
  }

  ledger(): LedgerEntry[] {
    // ecommpay counts in minor units; the ledger, like bayar, in rupiah.
    return [...this.charges.values()].map((c) =>
      ledgerEntry(c, { reference: c.paymentId, providerId: c.requestId, status: this.refresh(c).status, amount: c.amount / IDR_MINOR_UNITS, paidAmount: c.paidAmount / IDR_MINOR_UNITS }),
    );
  }

  reset(): void {
    this.charges.clear();
    this.byPageToken.clear();
    this.outbox.length = 0;
    this.disabledBanks.clear();
    this.honourBestBefore = false;
    this.payouts.clear();
    this.next = {};
  }

  /**
   * Gate's request checks, in ecommpay's order of concern: a JSON body, general.project_id, a
   * non-empty signature, and the signature over everything but itself.
   */
  private signed(r: SandboxRequest, next: (body: Record<string, unknown>) => SandboxResponse): SandboxResponse {
    const body = jsonBody(r);
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return failure(400, ECOMMPAY_ERRORS.invalidJson);
    const general = (body as { general?: unknown }).general;
    const g = (general !== null && typeof general === 'object' ? general : {}) as Record<string, unknown>;
    const ids = { project_id: g.project_id, payment_id: g.payment_id };
    if (g.project_id === undefined) return failure(400, ECOMMPAY_ERRORS.projectNotFound, ids);
    if (typeof g.signature !== 'string' || g.signature === '') return failure(400, ECOMMPAY_ERRORS.emptySignature, ids);
    // This sandbox hosts one project: another project's requests cannot be verified here.
    if (g.project_id !== this.options.projectId) return failure(400, ECOMMPAY_ERRORS.invalidSignature, ids);
    if (!signatureMatches(withoutSignatures(body as JsonValue), g.signature, this.options.secretKey)) return failure(400, ECOMMPAY_ERRORS.invalidSignature, ids);
    return next(body as Record<string, unknown>);
  }

  /**
   * What a sale and a payout check first: the request's shape, its bank among the method's banks
   * (seed 004's table, taken as the payout banks too [? see the adapter's capabilities.ts]; another
   * id is "Invalid Bank Code or Currency", 2641), and its payment_id. payment_id is the idempotency
   * key and "unique within the project" across operations: a repeat is refused and counted on the
   * operation it repeats (unified code 3041 "Payment ID already exists",
   * en_platform_payment_info_codes.html), and another operation's id is taken too.
   */
  private admit<T extends EcommpaySaleRequest | EcommpayPayoutRequest, O>(
    body: Record<string, unknown>,
    schema: z.ZodType<T>,
    own: Map<string, O>,
    countRepeat: (existing: O) => void,
    other: Map<string, unknown>,
  ): { request: T; ids: { project_id: number; payment_id: string } } | { refusal: SandboxResponse } {
    const parsed = schema.safeParse(body);
    if (!parsed.success) return { refusal: validationFailure(body, parsed.error) };
    const request = parsed.data;
    const ids = { project_id: request.general.project_id, payment_id: request.general.payment_id };
    if (!this.enabledBanks().some((b) => b.bankId === request.account.bank_id)) return { refusal: failure(400, ECOMMPAY_ERRORS.invalidBank, ids) };
    const existing = own.get(request.general.payment_id);
    if (existing) countRepeat(existing);
    if (existing || other.has(request.general.payment_id)) return { refusal: failure(400, ECOMMPAY_ERRORS.paymentIdExists, ids) };
    return { request, ids };
  }

  private sale(r: SandboxRequest, body: Record<string, unknown>): SandboxResponse {
    const admitted = this.admit(body, saleRequestSchema, this.charges, (c) => (c.createRequests += 1), this.payouts);
    if ('refusal' in admitted) return admitted.refusal;
    const { request } = admitted;
    const charge = this.createCharge(request, `http://${r.headers.host ?? '127.0.0.1'}`);
    const scale = this.kit.options.timeScale;
    this.kit.later(Math.max(INTERMEDIATE_CALLBACK_MIN_MS, INTERMEDIATE_CALLBACK_DELAY_MS * scale), () => {
      if (this.charges.get(charge.paymentId) === charge) this.issueRedirect(charge);
    });
    this.kit.at(charge.expiresAt, () => {
      if (this.charges.get(charge.paymentId) === charge) this.refresh(charge);
    });
    return { status: 200, body: { status: 'success', request_id: charge.requestId, project_id: this.options.projectId, payment_id: charge.paymentId } };
  }

  private createCharge(request: EcommpaySaleRequest, base: string): Charge {
    const now = Date.now();
    const bestBefore = request.payment.best_before ? Date.parse(request.payment.best_before.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')) : Number.NaN;
    const threshold = now + ECOMMPAY_THRESHOLD_SECONDS * SECOND;
    const pageToken = randomBytes(12).toString('hex');
    this.operations += 1;
    const charge: Charge = {
      paymentId: request.general.payment_id,
      requestId: `${randomBytes(8).toString('hex')}-${String(this.operations).padStart(8, '0')}`,
      operationId: 52_084_000_000_000 + this.operations,
      providerPaymentId: String(randomInt(100_000, 999_999)),
      amount: request.payment.amount,
      bankId: request.account.bank_id,
      customerId: request.customer.id,
      description: request.payment.description,
      createdAt: now,
      expiresAt: Number.isNaN(bestBefore) || !this.honourBestBefore ? threshold : Math.min(bestBefore, threshold),
      status: 'processing',
      paidAmount: 0,
      virtualAccountNumber: VA_PREFIX[request.account.bank_id]! + digits(12),
      pageToken,
      pageUrl: `${base}/payment-page/indonesia-va/${pageToken}`,
      notifyUrl: request.general.merchant_callback_url ?? this.kit.options.callbackUrl,
      createRequests: 1,
    };
    this.charges.set(charge.paymentId, charge);
    this.byPageToken.set(pageToken, charge);
    return charge;
  }

  /** The live bank list: every enabled bank, with IDR. */
  private bankList(body: Record<string, unknown>): SandboxResponse {
    const parsed = bankListRequestSchema.safeParse(body);
    if (!parsed.success) return validationFailure(body, parsed.error);
    const currencies = [{ id: 982, alpha_3_4217: 'IDR', number_3_4217: '360', exponent: 2 }];
    const banks = this.enabledBanks().map((b) => ({ id: b.bankId, abbr: BANK_ABBR[b.bankId], name: b.name, nativeName: b.name, currencies }));
    return { status: 200, body: banks };
  }

  /** POST /v2/payment/status by general.payment_id; "not registered" as 404 with code 3061 [? status code]. */
  private status(body: Record<string, unknown>): SandboxResponse {
    const parsed = statusRequestSchema.safeParse(body);
    if (!parsed.success) return validationFailure(body, parsed.error);
    const payout = this.payouts.get(parsed.data.general.payment_id);
    if (payout) return { status: 200, body: signCallback(this.payoutStatusBody(payout), this.options.secretKey) };
    const charge = this.charges.get(parsed.data.general.payment_id);
    if (!charge) return failure(404, ECOMMPAY_ERRORS.notFound, { project_id: this.options.projectId, payment_id: parsed.data.general.payment_id });
    return { status: 200, body: signCallback(this.statusBody(this.refresh(charge)), this.options.secretKey) };
  }

  private simulateDecline(r: SandboxRequest): SandboxResponse {
    const charge = this.charges.get(r.params.reference!);
    if (!charge) return failure(404, ECOMMPAY_ERRORS.notFound, { payment_id: r.params.reference });
    if (!PENDING_STATUSES.includes(this.refresh(charge).status)) {
      return failure(400, { code: '3060', message: `Current payment status (${charge.status}) does not allow this action` }, { payment_id: charge.paymentId });
    }
    const given = (jsonBody(r) ?? {}) as { code?: unknown; message?: unknown };
    const code = typeof given.code === 'string' ? given.code : SANDBOX_DECLINES.limit.code;
    const message = typeof given.message === 'string' ? given.message : code === SANDBOX_DECLINES.limit.code ? SANDBOX_DECLINES.limit.message : 'Declined';
    this.decline(charge, code, message);
    return { status: 200, body: this.statusBody(charge) };
  }

  private setBestBefore(r: SandboxRequest): SandboxResponse {
    const given = (jsonBody(r) ?? {}) as { honoured?: unknown };
    if (typeof given.honoured !== 'boolean') return { status: 400, body: { error: 'honoured: true or false' } };
    this.honourBestBefore = given.honoured;
    return { status: 200, body: { honoured: this.honourBestBefore } };
  }

  private setDisabledBanks(r: SandboxRequest): SandboxResponse {
    const given = (jsonBody(r) ?? {}) as { disabled?: unknown };
    this.disabledBanks.clear();
    if (Array.isArray(given.disabled)) for (const id of given.disabled) if (typeof id === 'number') this.disabledBanks.add(id);
    return { status: 200, body: { disabled: [...this.disabledBanks] } };
  }

  private enabledBanks() {
    return Object.values(ECOMMPAY_BANKS).filter((b) => !this.disabledBanks.has(b.bankId));
  }

  /** Past best_before / the threshold and still unpaid: ecommpay declines it, and says so. */
  private refresh(charge: Charge): Charge {
    if (PENDING_STATUSES.includes(charge.status) && Date.now() >= charge.expiresAt) {
      this.decline(charge, SANDBOX_DECLINES.timeout.code, SANDBOX_DECLINES.timeout.message);
    }
    return charge;
  }

  private decline(charge: Charge, code: string, message: string): void {
    charge.status = 'decline';
    charge.code = code;
    charge.message = message;
    this.sendFinal(charge);
  }

  /** The intermediate callback: the provider has opened the VA and redirect_data says where its page is. */
  private issueRedirect(charge: Charge): void {
    if (charge.status !== 'processing') return;
    charge.status = 'awaiting redirect result';
    const notification = this.signedCallback(charge, this.callbackBody(charge, true));
    charge.intermediate = notification;
    this.send(notification);
  }

  private sendFinal(charge: Charge): void {
    this.send(this.signedCallback(charge, this.callbackBody(charge, false)), charge.intermediate);
  }

  private send(notification: Notification, stale?: Notification): void {
    this.outbox.push(notification);
    // For the out-of-order fault: the intermediate callback delivered again after the final one.
    this.kit.notify(notification, ECOMMPAY_CALLBACK_RETRIES_MS, stale ? { final: true, stale } : {});
  }

  private signedCallback(charge: Charge, body: Record<string, unknown>): Notification {
    return { url: charge.notifyUrl, headers: { 'content-type': 'application/json' }, body: JSON.stringify(signCallback(body, this.options.secretKey)) };
  }

  private operation(charge: Charge, at: number): Record<string, unknown> {
    const paid = charge.status === 'success';
    const amount = { amount: paid ? charge.paidAmount : charge.amount, currency: 'IDR' };
    return {
      id: charge.operationId,
      type: 'sale',
      status: charge.status,
      date: callbackDate(at),
      created_date: callbackDate(charge.createdAt),
      request_id: charge.requestId,
      sum_initial: amount,
      sum_converted: amount,
      ...(charge.code !== undefined ? { code: charge.code, message: charge.message } : {}),
      ...(paid ? { provider: { id: 1164, payment_id: charge.providerPaymentId, auth_code: '', date: callbackDate(charge.paidAt!) } } : {}),
    };
  }

  /** Seed 004's callback, intermediate (with redirect_data) or final. A simulated over/under-payment shows in the sums. */
  private callbackBody(charge: Charge, intermediate: boolean): Record<string, unknown> {
    const now = Date.now();
    return {
      project_id: this.options.projectId,
      payment: paymentObject(charge, now),
      // Seed 004 shows the VA number in final callbacks; whether the intermediate one has it is not published [?].
      ...(intermediate ? {} : { account: { number: charge.virtualAccountNumber } }),
      customer: { id: charge.customerId },
      operation: this.operation(charge, now),
      ...(intermediate ? { redirect_data: { body: {}, method: 'GET', url: charge.pageUrl } } : {}),
    };
  }

  /** A status answer: the payment and its operations (signed by the caller). */
  private statusBody(charge: Charge): Record<string, unknown> {
    return {
      project_id: this.options.projectId,
      payment: paymentObject(charge, charge.paidAt ?? charge.createdAt),
      ...(charge.status !== 'processing' ? { account: { number: charge.virtualAccountNumber } } : {}),
      customer: { id: charge.customerId },
      operations: [this.operation(charge, charge.paidAt ?? charge.createdAt)],
    };
  }

  // ---- payouts ----

  private payout(body: Record<string, unknown>): SandboxResponse {
    // A repeated payment_id pays nothing a second time (admit()).
    const admitted = this.admit(body, payoutRequestSchema, this.payouts, (p) => (p.sendRequests += 1), this.charges);
    if ('refusal' in admitted) return admitted.refusal;
    const { request, ids } = admitted;
    const switches = this.next;
    this.next = {};
    // Refused at once (e.g. the project's payout balance is short) [? code: the platform's
    // unified list has no payout-specific one readable here; 502 "Validation error" stands in].
    if (switches.answer === 'REFUSE') return failure(400, { code: switches.code ?? '502', message: switches.message ?? 'Payout refused: insufficient balance' }, ids);
    const payout = this.createPayout(request, switches.callback !== false);
    const outcome = switches.outcome ?? 'success';
    this.kit.later(Math.max(100, PAYOUT_PROCESSING_MS * this.kit.options.timeScale), () => this.finishPayout(payout, outcome, switches));
    // Taken and executed, but the answer never comes / is a 500: the caller cannot know.
    if (switches.answer === 'TIMEOUT') return { status: 200, body: {}, hang: true };
    if (switches.answer === 'SERVER_ERROR') return failure(500, { code: '1', message: 'Internal error' }, ids);
    return { status: 200, body: { status: 'success', request_id: payout.requestId, project_id: this.options.projectId, payment_id: payout.paymentId } };
  }

  private createPayout(request: EcommpayPayoutRequest, callback: boolean): Payout {
    this.operations += 1;
    const payout: Payout = {
      paymentId: request.general.payment_id,
      requestId: `${randomBytes(8).toString('hex')}-${String(this.operations).padStart(8, '0')}`,
      operationId: 52_084_000_000_000 + this.operations,
      amount: request.payment.amount,
      bankId: request.account.bank_id,
      accountNumber: request.account.number,
      customerName: request.account.customer_name,
      customerId: request.customer.id,
      description: request.payment.description,
      createdAt: Date.now(),
      status: 'processing',
      notifyUrl: request.general.merchant_callback_url ?? this.kit.options.callbackUrl,
      callback,
      sendRequests: 1,
    };
    this.payouts.set(payout.paymentId, payout);
    return payout;
  }

  private finishPayout(payout: Payout, outcome: 'success' | 'decline', switches: NextPayout): void {
    if (this.payouts.get(payout.paymentId) !== payout || payout.status !== 'processing') return;
    payout.status = outcome;
    payout.finishedAt = Date.now();
    if (outcome === 'success') {
      payout.code = '0';
      payout.message = 'Success';
    } else {
      payout.code = switches.code ?? SANDBOX_DECLINES.limit.code;
      payout.message = switches.message ?? (payout.code === SANDBOX_DECLINES.limit.code ? SANDBOX_DECLINES.limit.message : 'Declined');
    }
    if (!payout.callback) return;
    const body = { ...this.payoutBody(payout), operation: this.payoutOperation(payout) };
    this.send({ url: payout.notifyUrl, headers: { 'content-type': 'application/json' }, body: JSON.stringify(signCallback(body, this.options.secretKey)) });
  }

  /**
   * A payout as callbacks and status answers describe it: seed 004's callback shape (the platform's
   * standard callback format, en_platform_callbacks.html) with `type` "payout" for the payment and
   * the operation [? a payout callback of this method was not readable; the status answer's
   * `operations[]` as the WooCommerce plugin reads it].
   */
  private payoutBody(payout: Payout): Record<string, unknown> {
    return {
      project_id: this.options.projectId,
      payment: {
        id: payout.paymentId,
        type: 'payout',
        status: payout.status,
        date: callbackDate(payout.finishedAt ?? payout.createdAt),
        method: ECOMMPAY_METHOD,
        sum: { amount: payout.amount, currency: 'IDR' },
        ...(payout.description ? { description: payout.description } : {}),
      },
      account: { number: payout.accountNumber },
      customer: { id: payout.customerId },
    };
  }

  private payoutOperation(payout: Payout): Record<string, unknown> {
    const amount = { amount: payout.amount, currency: 'IDR' };
    return {
      id: payout.operationId,
      type: 'payout',
      status: payout.status,
      date: callbackDate(payout.finishedAt ?? payout.createdAt),
      created_date: callbackDate(payout.createdAt),
      request_id: payout.requestId,
      sum_initial: amount,
      sum_converted: amount,
      ...(payout.code !== undefined ? { code: payout.code, message: payout.message } : {}),
    };
  }

  private payoutStatusBody(payout: Payout): Record<string, unknown> {
    return { ...this.payoutBody(payout), operations: [this.payoutOperation(payout)] };
  }

  private payoutLedger() {
    return [...this.payouts.values()].map((p) => ({
      paymentId: p.paymentId,
      operationId: p.operationId,
      amount: p.amount / IDR_MINOR_UNITS,
      bankId: p.bankId,
      status: p.status,
      code: p.code,
      sendRequests: p.sendRequests,
    }));
  }

  private vaPage(token: string): SandboxResponse {
    const charge = this.byPageToken.get(token);
    if (!charge) return { status: 404, contentType: 'text/html; charset=utf-8', body: '<!doctype html><title>Not found</title><p>No such payment.</p>' };
    this.refresh(charge);
    const bank = Object.values(ECOMMPAY_BANKS).find((b) => b.bankId === charge.bankId)!;
    const rupiah = (charge.amount / IDR_MINOR_UNITS).toLocaleString('id-ID');
    const html = [
      '<!doctype html><meta charset="utf-8"><title>Virtual Account</title>',
      `<h1>${escapeHtml(bank.name)}</h1>`,
      `<p>Transfer <strong>Rp ${rupiah}</strong> to virtual account</p>`,
      `<p id="va" style="font-size:2em;font-family:monospace">${charge.virtualAccountNumber}</p>`,
      `<p>Pay before ${new Date(charge.expiresAt).toISOString()} · status: <span id="status">${charge.status}</span></p>`,
    ].join('\n');
    return { status: 200, contentType: 'text/html; charset=utf-8', body: html };
  }
}

// ---- ecommpay's error answers ----

interface EcommpayError {
  code: string;
  message: string;
}

/** Unified codes (en_platform_payment_info_codes.html) for what the sandbox refuses. */
const ECOMMPAY_ERRORS = {
  invalidJson: { code: '2003', message: 'Invalid JSON string' },
  requiredField: { code: '2004', message: 'Required field not provided' },
  projectNotFound: { code: '2442', message: 'Project ID not found' },
  invalidBank: { code: '2641', message: 'Invalid Bank Code or Currency' },
  bankRequired: { code: '3244', message: 'Bank id must be defined' },
  paymentIdExists: { code: '3041', message: 'Payment ID already exists' },
  notFound: { code: '3061', message: 'Transaction not found' },
  invalidSignature: { code: '3261', message: 'Invalid signature' },
  emptySignature: { code: '3262', message: 'Empty signature' },
  validation: { code: '502', message: 'Validation error' },
} as const satisfies Record<string, EcommpayError>;

/**
 * The synchronous error answer: status "error" with the unified code and message, and the ids the
 * request carried [? exact shape and HTTP status of Gate's error answers are not published in
 * what was readable; see README.md].
 */
/** The `payment` object of a callback and of a status answer (seed 004), dated `at`; a paid one shows the sum paid. */
function paymentObject(charge: Charge, at: number): Record<string, unknown> {
  return {
    id: charge.paymentId,
    type: 'purchase',
    status: charge.status,
    date: callbackDate(at),
    method: ECOMMPAY_METHOD,
    sum: { amount: charge.status === 'success' ? charge.paidAmount : charge.amount, currency: 'IDR' },
    ...(charge.description ? { description: charge.description } : {}),
  };
}

function failure(status: number, error: EcommpayError, ids: { project_id?: unknown; payment_id?: unknown } = {}): SandboxResponse {
  return {
    status,
    body: {
      status: 'error',
      request_id: `${randomBytes(8).toString('hex')}-00000000`,
      ...(ids.project_id !== undefined ? { project_id: ids.project_id } : {}),
      ...(ids.payment_id !== undefined ? { payment_id: ids.payment_id } : {}),
      code: error.code,
      message: error.message,
    },
  };
}

/** A schema failure as ecommpay would word it: a missing field, a bad bank or currency, or anything else invalid. */
function validationFailure(body: Record<string, unknown>, error: z.ZodError): SandboxResponse {
  const issue = error.issues[0]!;
  const path = issue.path.map(String);
  const general = (body.general ?? {}) as Record<string, unknown>;
  const ids = { project_id: general.project_id, payment_id: general.payment_id };
  const missing = valueAt(body, path) === undefined;
  const where = path.join('.');
  const known =
    where === 'account.bank_id' || where === 'account'
      ? missing
        ? ECOMMPAY_ERRORS.bankRequired
        : ECOMMPAY_ERRORS.invalidBank
      : where === 'payment.currency'
        ? ECOMMPAY_ERRORS.invalidBank
        : missing
          ? ECOMMPAY_ERRORS.requiredField
          : ECOMMPAY_ERRORS.validation;
  return failure(400, { code: known.code, message: `${known.message}: ${where || '(body)'}: ${issue.message}` }, ids);
}

function valueAt(body: unknown, path: string[]): unknown {
  let value = body;
  for (const key of path) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** "2020-02-22T22:44:46+0000", as seed 004's callbacks write dates. */
function callbackDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19) + '+0000';
}

function digits(n: number): string {
  let out = '';
  while (out.length < n) out += String(randomInt(0, 10));
  return out;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
