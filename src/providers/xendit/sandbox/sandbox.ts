// A local stand-in for Xendit's test mode: /payment_requests, /refunds, simulate endpoints,
// payment webhooks with `x-callback-token` on Xendit's documented retry schedule, and payouts
// (/v2/payouts) with a payout ledger and switches for failed, lost and unanswered payouts.
// It reuses the adapter's zod schemas, but its behaviour comes from Xendit's docs, and the
// official xendit-node client is run against it in the tests as an independent check.
import { XenditTransactions } from './transactions.js';
import { rateLimitSettingsSchema, XenditRateLimit } from './rate-limit.js';
import { createHash, randomBytes } from 'node:crypto';
import { basicAuthHeader } from '../signature.js';
import { XENDIT_CHANNELS } from '../capabilities.js';
import { XENDIT_PAYOUT_CHANNELS } from '../capabilities.js';
import { createPaymentRequestSchema, createPayoutRequestSchema, refundRequestSchema, type XenditCreatePaymentRequest, type XenditCreatePayoutRequest } from '../schemas.js';
import { jsonBody, ProviderSandbox, ledgerEntry, clearAll } from '../../../sandbox/kit.js';
import type { Handler, LedgerEntry, SandboxProvider, SandboxRequest, SandboxResponse } from '../../../sandbox/kit.js';

/** +15m, +45m, +2h, +3h, +6h, +12h (docs.xendit.co/webhook/delivery-attempts-and-retries). */
export const XENDIT_WEBHOOK_RETRIES_MS = [15, 45, 120, 180, 360, 720].map((m) => m * 60_000);

interface Charge {
  request: XenditCreatePaymentRequest;
  id: string;
  paymentMethodId: string;
  status: 'PENDING' | 'REQUIRES_ACTION' | 'SUCCEEDED' | 'FAILED' | 'CANCELED' | 'EXPIRED';
  methodStatus: 'ACTIVE' | 'EXPIRED' | 'INACTIVE';
  created: string;
  updated: string;
  paidAmount: number;
  /** The payment (py-…) that settled this request; refund notices name it. */
  paymentId?: string;
  refunded: number;
  createRequests: number;
  channelProperties: Record<string, string>;
}

interface Payout {
  request: XenditCreatePayoutRequest;
  id: string;
  idempotencyKey: string;
  status: 'ACCEPTED' | 'REQUESTED' | 'SUCCEEDED' | 'FAILED';
  failureCode?: string;
  created: string;
  updated: string;
  /** POSTs that carried this payout's idempotency key (the first, and any replays). */
  sendRequests: number;
}

/** What the next payout request(s) meet, set through POST /_sandbox/xendit/payouts/next. */
export interface PayoutBehaviour {
  /** How the request is answered. TIMEOUT: executed, no answer; SERVER_ERROR: executed, 500;
   *  LOST: never arrives (nothing executed, no answer); UNAVAILABLE: 503, nothing executed. */
  answer?: 'NORMAL' | 'TIMEOUT' | 'SERVER_ERROR' | 'LOST' | 'UNAVAILABLE';
  /** How an executed payout ends. */
  outcome?: 'SUCCEEDED' | 'FAILED';
  /** Xendit's failure_code for a FAILED payout. */
  failureCode?: string;
}

/** Xendit's documented payout failure codes (docs.xendit.co/apidocs/get-payout, failure_code). */
export const XENDIT_PAYOUT_FAILURE_CODES = [
  'INSUFFICIENT_BALANCE',
  'INVALID_DESTINATION',
  'REJECTED_BY_CHANNEL',
  'TEMPORARY_TRANSFER_ERROR',
  'TRANSFER_ERROR',
  'UNKNOWN_BANK_NETWORK_ERROR',
  'DESTINATION_MAXIMUM_LIMIT',
] as const;

export interface PayoutLedgerEntry {
  reference: string;
  providerId: string;
  amount: number;
  channelCode: string;
  accountNumber: string;
  status: string;
  failureCode?: string;
  sendRequests: number;
}

export interface XenditSandboxOptions {
  secretKey: string;
  callbackToken: string;
}

/** E-wallet channels the Payments API does not refund (channel table, "Refund" ❌). */
const XENDIT_UNREFUNDABLE_EWALLETS = new Set(['DANA', 'OVO']);

export class XenditSandbox extends ProviderSandbox<XenditSandboxOptions> implements SandboxProvider {
  readonly name = 'xendit';
  private readonly charges = new Map<string, Charge>();
  private readonly byReference = new Map<string, Charge>();
  private readonly idempotency = new Map<string, { hash: string; response: SandboxResponse }>();
  private readonly refunds = new Map<string, Record<string, unknown> & { id: string; reference_id: string | null }>();
  /** Channel codes this account has not activated (Xendit answers 403 CHANNEL_NOT_ACTIVATED). */
  private readonly inactiveChannels = new Set<string>();
  /** Real e-wallet refunds can stay PENDING for a while; tests switch that on and finish them by hand. */
  private refundsStayPending = false;
  private readonly payouts = new Map<string, Payout>();
  /** GET /transactions (the daily reconciliation's list; ./transactions.ts). */
  private readonly transactions = new XenditTransactions();
  /** Off until a test switches it on (./rate-limit.ts says why). */
  private readonly rateLimit = new XenditRateLimit();
  private readonly payoutKeys = new Map<string, { hash: string; payout?: Payout }>();
  private payoutPlan: PayoutBehaviour[] = [];
  /** How long an accepted payout takes to finish (half of it as REQUESTED). */
  private payoutCompleteAfterMs = 300;

  protected endpoints(): [string, string, Handler][] {
    const api: [string, string, Handler][] = [
      ['POST', '/payment_requests', (r) => this.authed(r, () => this.idempotent(r, () => this.create(r)))],
      ['GET', '/payment_requests', (r) => this.authed(r, () => this.list(r))],
      ['GET', '/payment_requests/:id', (r) => this.authed(r, () => this.get(r.params.id!))],
      ['POST', '/payment_requests/:id/payments/simulate', (r) => this.authed(r, () => this.simulate(r))],
      ['POST', '/v2/payment_methods/:id/payments/simulate', (r) => this.authed(r, () => this.simulateByMethod(r))],
      ['POST', '/v2/payment_methods/:id/expire', (r) => this.authed(r, () => this.expire(r.params.id!))],
      ['POST', '/refunds', (r) => this.authed(r, () => this.idempotent(r, () => this.refund(r)))],
      // xendit-node refund/apis/Refund.js getAllRefunds: GET /refunds?payment_request_id=…&limit=&after_id=.
      ['GET', '/refunds', (r) => this.authed(r, () => this.listRefunds(r))],
      ['GET', '/refunds/:id', (r) => this.authed(r, () => this.getRefund(r.params.id!))],
      // xendit-node refund/apis/Refund.js cancelRefund: POST /refunds/{refundID}/cancel.
      ['POST', '/refunds/:id/cancel', (r) => this.authed(r, () => this.cancelRefund(r.params.id!))],
      ['GET', '/transactions', (r) => this.authed(r, () => this.transactions.list(r))],
      ['POST', '/v2/payouts', (r) => this.authed(r, () => this.createPayout(r))],
      ['GET', '/v2/payouts', (r) => this.authed(r, () => this.listPayouts(r))],
      ['GET', '/v2/payouts/:id', (r) => this.authed(r, () => this.getPayout(r.params.id!))],
    ];
    return [
      ...api.map(([method, pattern, handler]): [string, string, Handler] => [method, pattern, this.rateLimited(`${method} ${pattern}`, handler)]),
      // Control: which channels this sandbox account has not activated, e.g. {"inactive":["QRIS"]}.
      ['POST', '/_sandbox/xendit/channels', (r) => this.setInactiveChannels(r)],
      // Control: {"pending":true} makes new refunds answer PENDING until completed below.
      ['POST', '/_sandbox/xendit/refunds', (r) => this.setRefundMode(r)],
      ['POST', '/_sandbox/xendit/refunds/:id/complete', (r) => this.completeRefund(r.params.id!, r)],
      ['POST', '/_sandbox/xendit/transactions', (r) => this.transactions.inject(r)],
      // Control: Xendit's rate limit, {"perWindow":60} (per endpoint per account per minute) or
      // {"perWindow":2,"windowMs":3000}; {"perWindow":null} switches it off. GET: the refused requests.
      ['POST', '/_sandbox/xendit/rate-limit', (r) => this.setRateLimit(r)],
      ['GET', '/_sandbox/xendit/rate-limit', () => ({ status: 200, body: { enabled: this.rateLimit.enabled, refused: this.rateLimit.refused } })],
      // Control: the payout ledger, and what the next payout requests meet.
      ['GET', '/_sandbox/xendit/payouts', () => ({ status: 200, body: { payouts: this.payoutLedger() } })],
      ['POST', '/_sandbox/xendit/payouts/next', (r) => this.planPayouts(r)],
    ];
  }

  pay(reference: string, options: { amount?: number; force?: boolean }): SandboxResponse {
    const charge = this.byReference.get(reference) ?? this.charges.get(reference);
    if (!charge) return error(404, 'DATA_NOT_FOUND', 'payment request not found');
    return this.settle(charge, options.amount, options.force === true);
  }

  /** See SandboxProvider.record: the payment request as kept (no lazy expiry applied), for evidence. */
  record(reference: string): unknown {
    const charge = this.byReference.get(reference) ?? this.charges.get(reference);
    return charge && structuredClone(charge);
  }

  ledger(): LedgerEntry[] {
    return [...this.charges.values()].map((c) =>
      ledgerEntry(c, { reference: c.request.reference_id, providerId: c.id, status: this.refresh(c).status, amount: c.request.amount, refundedAmount: c.refunded }),
    );
  }

  reset(): void {
    this.transactions.reset();
    this.rateLimit.configure({ perWindow: null, windowMs: 60_000 });
    clearAll(this.charges, this.byReference, this.idempotency, this.refunds, this.inactiveChannels, this.payouts, this.payoutKeys);
    this.refundsStayPending = false;
    this.payoutPlan = [];
    this.payoutCompleteAfterMs = 300;
  }

  payoutLedger(): PayoutLedgerEntry[] {
    return [...this.payouts.values()].map((p) => ({
      reference: p.request.reference_id,
      providerId: p.id,
      amount: p.request.amount,
      channelCode: p.request.channel_code,
      accountNumber: p.request.channel_properties.account_number,
      status: p.status,
      ...(p.failureCode ? { failureCode: p.failureCode } : {}),
      sendRequests: p.sendRequests,
    }));
  }

  /**
   * `{"answer":"TIMEOUT"}`, `{"outcome":"FAILED","failureCode":"INVALID_DESTINATION"}`, … for the
   * next payout request; `{"count":n}` for the next n; `{"completeAfterMs":m}` sets how long
   * accepted payouts take from now on; `{"clear":true}` drops what is planned.
   */
  private planPayouts(r: SandboxRequest): SandboxResponse {
    const body = (jsonBody(r) ?? {}) as PayoutBehaviour & { count?: unknown; completeAfterMs?: unknown; clear?: unknown };
    if (body.clear === true) this.payoutPlan = [];
    if (body.completeAfterMs !== undefined) {
      if (typeof body.completeAfterMs !== 'number' || !(body.completeAfterMs >= 0)) return error(400, 'API_VALIDATION_ERROR', 'completeAfterMs must be a number ≥ 0');
      this.payoutCompleteAfterMs = body.completeAfterMs;
    }
    const answers = ['NORMAL', 'TIMEOUT', 'SERVER_ERROR', 'LOST', 'UNAVAILABLE'];
    if (body.answer !== undefined && !answers.includes(body.answer)) return error(400, 'API_VALIDATION_ERROR', `answer must be one of ${answers.join(', ')}`);
    if (body.outcome !== undefined && body.outcome !== 'SUCCEEDED' && body.outcome !== 'FAILED') return error(400, 'API_VALIDATION_ERROR', 'outcome must be SUCCEEDED or FAILED');
    if (body.failureCode !== undefined && !(XENDIT_PAYOUT_FAILURE_CODES as readonly string[]).includes(body.failureCode)) {
      return error(400, 'API_VALIDATION_ERROR', `failureCode must be one of ${XENDIT_PAYOUT_FAILURE_CODES.join(', ')}`);
    }
    const count = body.count === undefined ? 1 : body.count;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > 100) return error(400, 'API_VALIDATION_ERROR', 'count must be a whole number 0–100');
    if (body.answer !== undefined || body.outcome !== undefined) {
      const behaviour: PayoutBehaviour = {
        ...(body.answer ? { answer: body.answer } : {}),
        ...(body.outcome ? { outcome: body.outcome } : {}),
        ...(body.outcome === 'FAILED' ? { failureCode: body.failureCode ?? 'INVALID_DESTINATION' } : {}),
      };
      for (let i = 0; i < count; i++) this.payoutPlan.push(behaviour);
    }
    return { status: 200, body: { planned: this.payoutPlan, completeAfterMs: this.payoutCompleteAfterMs } };
  }

  /**
   * POST /v2/payouts. `Idempotency-key` is required; the same key with the same body gets the
   * payout back (as the v3 reference documents; the v2 reference only shows the conflict case),
   * with another body 400 DUPLICATE_ERROR. `reference_id` need not be unique at Xendit: the same
   * reference under a new key is a second payout, which is what the ledger would show if bayar
   * ever resent one.
   */
  private createPayout(r: SandboxRequest): SandboxResponse {
    const key = r.headers['idempotency-key'];
    if (!key) return error(400, 'API_VALIDATION_ERROR', 'Should have required header "Idempotency-key"');
    // Length limit: not published for /v2/payouts [?]; 100 is the sandbox's bound, above anything bayar sends.
    if (key.length > 100) return error(400, 'API_VALIDATION_ERROR', '"Idempotency-key" must be at most 100 characters');
    const hash = createHash('sha256').update(r.rawBody).digest('hex');
    const seen = this.payoutKeys.get(key);
    if (seen) {
      if (seen.hash !== hash)
        return error(400, 'DUPLICATE_ERROR', 'A payout with this idempotency key already exists. If you meant to execute a different request, please use another idempotency key');
      if (seen.payout) {
        seen.payout.sendRequests += 1;
        return { status: 200, body: this.renderPayout(seen.payout) };
      }
      // A request under this key was refused before anything was created: judge it again.
    }
    const behaviour = this.payoutPlan.shift() ?? {};
    if (behaviour.answer === 'LOST') return { status: 0, body: null, hang: true };
    if (behaviour.answer === 'UNAVAILABLE') return error(503, 'SERVER_ERROR', 'sandbox: service unavailable, nothing was done');
    const parsed = createPayoutRequestSchema.safeParse(jsonBody(r));
    if (!parsed.success) return this.refusePayout(key, hash, error(400, 'API_VALIDATION_ERROR', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')));
    const body = parsed.data;
    if (!(Object.values(XENDIT_PAYOUT_CHANNELS) as string[]).includes(body.channel_code)) {
      return this.refusePayout(key, hash, error(400, 'CHANNEL_CODE_NOT_SUPPORTED', `"channel_code" ${body.channel_code} is not supported`));
    }
    // IDR only, whole rupiah (docs.xendit.co/apidocs/create-payout: currency per channel; IDR has no minor unit).
    if (body.currency !== 'IDR') return this.refusePayout(key, hash, error(400, 'API_VALIDATION_ERROR', `"currency" must be IDR for ${body.channel_code}`));
    if (!Number.isInteger(body.amount)) return this.refusePayout(key, hash, error(400, 'API_VALIDATION_ERROR', '"amount" must be an integer for IDR'));
    // MINIMUM_TRANSFER_LIMIT_ERROR is Xendit's code (create-payout errors); the 10,000 floor is the
    // sandbox's stand-in for the per-channel minimums Xendit does not publish in one table [?].
    if (body.amount < 10_000) return this.refusePayout(key, hash, error(400, 'MINIMUM_TRANSFER_LIMIT_ERROR', '"amount" is under the minimum amount supported for the channel'));
    const now = new Date().toISOString();
    const payout: Payout = { request: body, id: `disb-${randomBytes(12).toString('hex')}`, idempotencyKey: key, status: 'ACCEPTED', created: now, updated: now, sendRequests: 1 };
    this.payouts.set(payout.id, payout);
    this.payoutKeys.set(key, { hash, payout });
    this.finishPayoutLater(payout, behaviour.outcome ?? 'SUCCEEDED', behaviour.failureCode);
    if (behaviour.answer === 'TIMEOUT') return { status: 0, body: null, hang: true };
    if (behaviour.answer === 'SERVER_ERROR') return error(500, 'SERVER_ERROR', 'Error connecting to our server. Retry safely using Idempotency-key header when available');
    // Xendit answers every accepted payout with status ACCEPTED; the outcome comes later.
    return { status: 200, body: this.renderPayout(payout) };
  }

  private refusePayout(key: string, hash: string, response: SandboxResponse): SandboxResponse {
    this.payoutKeys.set(key, { hash });
    return response;
  }

  private finishPayoutLater(payout: Payout, outcome: 'SUCCEEDED' | 'FAILED', failureCode = 'INVALID_DESTINATION'): void {
    const move = (status: Payout['status']) => {
      payout.status = status;
      payout.updated = new Date().toISOString();
      if (status === 'FAILED') payout.failureCode = failureCode;
    };
    this.kit.later(this.payoutCompleteAfterMs / 2, () => move('REQUESTED'));
    this.kit.later(this.payoutCompleteAfterMs, () => move(outcome));
  }

  private listPayouts(r: SandboxRequest): SandboxResponse {
    const ref = r.query.get('reference_id');
    if (!ref) return error(400, 'API_VALIDATION_ERROR', 'Should have required property "reference_id"');
    const data = [...this.payouts.values()].filter((p) => p.request.reference_id === ref).map((p) => this.renderPayout(p));
    // xendit-node's GetPayouts200Response shape; the API reference's example shows a bare array.
    return { status: 200, body: { data, has_more: false, links: [] } };
  }

  private getPayout(id: string): SandboxResponse {
    const payout = this.payouts.get(id);
    return payout ? { status: 200, body: this.renderPayout(payout) } : error(404, 'DATA_NOT_FOUND', 'Could not find payout with the corresponding ID. Please try again with a valid Id');
  }

  private renderPayout(p: Payout) {
    return {
      id: p.id,
      amount: p.request.amount,
      channel_code: p.request.channel_code,
      currency: p.request.currency,
      description: p.request.description,
      reference_id: p.request.reference_id,
      status: p.status,
      created: p.created,
      updated: p.updated,
      estimated_arrival_time: new Date(Date.parse(p.created) + 15 * 60_000).toISOString(),
      business_id: 'bayar-sandbox-business',
      channel_properties: p.request.channel_properties,
      ...(p.request.metadata ? { metadata: p.request.metadata } : {}),
      ...(p.failureCode ? { failure_code: p.failureCode } : {}),
    };
  }

  private setInactiveChannels(r: SandboxRequest): SandboxResponse {
    const inactive = (jsonBody(r) as { inactive?: unknown } | undefined)?.inactive;
    if (!Array.isArray(inactive) || !inactive.every((c) => typeof c === 'string')) return error(400, 'API_VALIDATION_ERROR', 'inactive must be a list of channel codes');
    this.inactiveChannels.clear();
    for (const c of inactive) this.inactiveChannels.add(c);
    return { status: 200, body: { inactive } };
  }

  /** Xendit's per-endpoint, per-account quota (./rate-limit.ts) in front of an API endpoint, when switched on. */
  private rateLimited(endpoint: string, handler: Handler): Handler {
    return async (r) => {
      const verdict = this.rateLimit.take(endpoint, r.headers.authorization ?? '', r.path, Date.now());
      if (!verdict) return handler(r);
      if (verdict.limited) return { ...error(429, 'RATE_LIMIT_EXCEEDED', 'rate limit exceeded for this endpoint'), headers: verdict.headers };
      const answer = await handler(r);
      return { ...answer, headers: { ...answer.headers, ...verdict.headers } };
    };
  }

  private setRateLimit(r: SandboxRequest): SandboxResponse {
    const parsed = rateLimitSettingsSchema.safeParse(jsonBody(r));
    if (!parsed.success) return error(400, 'API_VALIDATION_ERROR', `rate limit: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    this.rateLimit.configure(parsed.data);
    return { status: 200, body: parsed.data };
  }

  /** Basic base64(secretKey + ":") (xendit-node runtime; PROVIDERS.md §3); anything else 401 INVALID_API_KEY. */
  private authed(r: SandboxRequest, next: () => SandboxResponse): SandboxResponse {
    if (r.headers.authorization !== basicAuthHeader(this.options.secretKey)) {
      return error(401, 'INVALID_API_KEY', 'API key is invalid');
    }
    return next();
  }

  /**
   * Xendit's idempotency-key: same key + same body → same answer; other body → 409
   * IDEMPOTENCY_ERROR (PROVIDERS.md §3, "409 DUPLICATE_ERROR / IDEMPOTENCY_ERROR"; xendit-node
   * CreateRefund409Response). Answers ≥ 500 are not remembered: nothing was done, a retry may act.
   */
  private idempotent(r: SandboxRequest, next: () => SandboxResponse): SandboxResponse {
    const key = r.headers['idempotency-key'];
    if (!key) return next();
    const hash = createHash('sha256').update(r.path).update(r.rawBody).digest('hex');
    const seen = this.idempotency.get(key);
    if (seen) {
      if (seen.hash !== hash) return error(409, 'IDEMPOTENCY_ERROR', 'idempotency key was used with a different request');
      const ref = (jsonBody(r) as { reference_id?: string } | undefined)?.reference_id;
      const charge = ref ? this.byReference.get(ref) : undefined;
      if (charge) charge.createRequests += 1;
      return seen.response;
    }
    const response = next();
    if (response.status < 500) this.idempotency.set(key, { hash, response });
    return response;
  }

  private create(r: SandboxRequest): SandboxResponse {
    const parsed = createPaymentRequestSchema.safeParse(jsonBody(r));
    if (!parsed.success) return error(400, 'API_VALIDATION_ERROR', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const body = parsed.data;
    const existing = this.byReference.get(body.reference_id);
    if (existing) {
      // A reference_id seen before under another key: 409 DUPLICATE_ERROR (PROVIDERS.md §3).
      existing.createRequests += 1;
      return error(409, 'DUPLICATE_ERROR', 'reference_id already used');
    }
    const pm = body.payment_method;
    const channel = pm.virtual_account ?? pm.qr_code ?? pm.ewallet ?? pm.over_the_counter;
    const known = Object.values(XENDIT_CHANNELS).some((c) => c.type === pm.type && c.channel === channel?.channel_code);
    // Only the channels bayar maps (capabilities.ts, from docs.xendit.co channel pages); Xendit
    // knows more, so this is narrower than Xendit, on purpose: bayar never sends another.
    if (!channel || !known) return error(400, 'API_VALIDATION_ERROR', `unsupported channel for ${pm.type}`);
    // Redirect e-wallets need success_return_url (xendit-node docs EWalletChannelProperties.md).
    if (pm.type === 'EWALLET' && ['DANA', 'LINKAJA', 'SHOPEEPAY'].includes(channel.channel_code) && !(channel.channel_properties as Record<string, string> | undefined)?.success_return_url) {
      return error(400, 'API_VALIDATION_ERROR', 'channel_properties.success_return_url is required');
    }
    // A channel not activated on the account: 403 CHANNEL_NOT_ACTIVATED (Xendit error code; a test switch here).
    if (this.inactiveChannels.has(channel.channel_code)) {
      return error(403, 'CHANNEL_NOT_ACTIVATED', 'Payment channel requested has not been activated in Xendit');
    }
    // Per-channel limits from Xendit's channel pages: QRIS 1–10,000,000; Alfamart 10,000–5,000,000.
    if (pm.type === 'QR_CODE' && body.amount > 10_000_000) return error(400, 'API_VALIDATION_ERROR', 'QRIS amount must be at most 10000000');
    if (channel.channel_code === 'ALFAMART' && (body.amount < 10_000 || body.amount > 5_000_000)) {
      return error(400, 'API_VALIDATION_ERROR', 'ALFAMART amount must be between 10000 and 5000000');
    }
    // OVO pushes the payment to the customer's app, so it cannot go without their number.
    if (channel.channel_code === 'OVO' && !channel.channel_properties?.mobile_number) {
      return error(400, 'API_VALIDATION_ERROR', 'channel_properties.mobile_number is required for OVO');
    }
    // customer_name is required for VA and OTC (xendit-node docs VirtualAccountChannelProperties.md,
    // OverTheCounterChannelProperties.md).
    if ((pm.type === 'VIRTUAL_ACCOUNT' || pm.type === 'OVER_THE_COUNTER') && !channel.channel_properties?.customer_name) {
      return error(400, 'API_VALIDATION_ERROR', 'channel_properties.customer_name is required');
    }
    const now = new Date().toISOString();
    const digits = BigInt('0x' + randomBytes(8).toString('hex'))
      .toString()
      .padStart(16, '0')
      .slice(0, 12);
    const props: Record<string, string> = { ...(channel.channel_properties as Record<string, string> | undefined) };
    if (pm.type === 'VIRTUAL_ACCOUNT') props.virtual_account_number = `8808${digits}`;
    if (pm.type === 'OVER_THE_COUNTER') props.payment_code = `TEST${digits.slice(0, 8)}`;
    if (pm.type === 'QR_CODE')
      props.qr_string = `00020101021226660014ID.CO.QRIS.WWW0118936009180000000000215ID10200000000000303UMI51440014ID.CO.QRIS.WWW0215ID10200000000000303UMI5204599953033605406${body.amount}5802ID5907BAYAR6007JAKARTA6105123406304${digits.slice(0, 4)}`;
    const charge: Charge = {
      request: body,
      id: `pr-${randomBytes(12).toString('hex')}`,
      paymentMethodId: `pm-${randomBytes(12).toString('hex')}`,
      status: pm.type === 'EWALLET' ? 'REQUIRES_ACTION' : 'PENDING',
      methodStatus: 'ACTIVE',
      created: now,
      updated: now,
      paidAmount: 0,
      refunded: 0,
      createRequests: 1,
      channelProperties: props,
    };
    this.charges.set(charge.id, charge);
    this.byReference.set(body.reference_id, charge);
    return { status: 201, body: this.render(charge) };
  }

  private list(r: SandboxRequest): SandboxResponse {
    const ref = r.query.get('reference_id');
    const data = [...this.charges.values()].filter((c) => !ref || c.request.reference_id === ref).map((c) => this.render(c));
    return { status: 200, body: { data, has_more: false } };
  }

  private get(id: string): SandboxResponse {
    const charge = this.charges.get(id);
    return charge ? { status: 200, body: this.render(charge) } : error(404, 'DATA_NOT_FOUND', 'payment request not found');
  }

  private simulate(r: SandboxRequest): SandboxResponse {
    const charge = this.charges.get(r.params.id!);
    if (!charge) return error(404, 'DATA_NOT_FOUND', 'payment request not found');
    // xendit-node's simulatePaymentRequestPayment sends no body: the request's own amount is paid.
    const amount = (jsonBody(r) as { amount?: number } | undefined)?.amount;
    return this.settle(charge, amount, false);
  }

  /** The older per-payment-method simulation (xendit-node PaymentMethod.simulatePayment, body `{amount}`). */
  private simulateByMethod(r: SandboxRequest): SandboxResponse {
    const charge = [...this.charges.values()].find((c) => c.paymentMethodId === r.params.id);
    if (!charge) return error(404, 'DATA_NOT_FOUND', 'payment method not found');
    const amount = (jsonBody(r) as { amount?: number } | undefined)?.amount;
    return this.settle(charge, amount, false);
  }

  private settle(charge: Charge, amount: number | undefined, force: boolean): SandboxResponse {
    this.refresh(charge);
    const payable = charge.status === 'PENDING' || charge.status === 'REQUIRES_ACTION';
    // Xendit's simulate pays only a request still awaiting payment [? error code]; `force` is the
    // sandbox's own late-money control (money arriving after expiry), not a Xendit feature.
    if (!payable && !(force && (charge.status === 'EXPIRED' || charge.status === 'CANCELED'))) {
      return error(400, 'INVALID_PAYMENT_STATUS', `payment request is ${charge.status}`);
    }
    charge.status = 'SUCCEEDED';
    charge.paidAmount = amount ?? charge.request.amount;
    charge.updated = new Date().toISOString();
    charge.paymentId = `py-${randomBytes(12).toString('hex')}`;
    this.transactions.payment({ id: charge.id, referenceId: charge.request.reference_id, channelType: charge.request.payment_method.type, amount: charge.paidAmount });
    this.sendPaymentWebhook(charge);
    return { status: 200, body: { status: 'PENDING', message: 'Payment simulation is being processed. A webhook will follow.' } };
  }

  private expire(paymentMethodId: string): SandboxResponse {
    const charge = [...this.charges.values()].find((c) => c.paymentMethodId === paymentMethodId);
    if (!charge) return error(404, 'DATA_NOT_FOUND', 'payment method not found');
    this.refresh(charge);
    // Only an active method can be expired (xendit-node PaymentMethod.expirePaymentMethod); the
    // error code for an inactive one is not published [?] — the adapter treats 400/404/409 alike.
    if (charge.status !== 'PENDING' && charge.status !== 'REQUIRES_ACTION') return error(409, 'INVALID_PAYMENT_METHOD_STATUS', `payment request is ${charge.status}`);
    charge.status = 'EXPIRED';
    charge.methodStatus = 'EXPIRED';
    charge.updated = new Date().toISOString();
    // Xendit answers with the payment method itself (xendit-node reads it as a PaymentMethod).
    return { status: 200, body: this.renderPaymentMethod(charge) };
  }

  private refund(r: SandboxRequest): SandboxResponse {
    const parsed = refundRequestSchema.safeParse(jsonBody(r));
    if (!parsed.success) return error(400, 'API_VALIDATION_ERROR', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const body = parsed.data;
    const charge = this.charges.get(body.payment_request_id);
    if (!charge) return error(404, 'DATA_NOT_FOUND', 'payment request not found');
    // reference_id is optional at Xendit; when given it must be new.
    if (body.reference_id !== undefined && [...this.refunds.values()].some((x) => x.reference_id === body.reference_id)) {
      return error(409, 'DUPLICATE_ERROR', 'reference_id already used');
    }
    const type = charge.request.payment_method.type;
    // VA and OTC: no refund rail (Payments API channel table: VA ❌, retail outlets ❌; PROVIDERS.md §3).
    if (type === 'VIRTUAL_ACCOUNT' || type === 'OVER_THE_COUNTER') return error(400, 'REFUND_NOT_SUPPORTED', `${type} payments cannot be refunded`);
    // Payments API channel table (developers.xendit.co/api-reference/payments-api, "Refund"):
    // DANA ❌ and OVO ❌ (LinkAja, ShopeePay ✅). Xendit refuses them, so the sandbox does.
    const channel = channelOf(charge.request);
    if (type === 'EWALLET' && channel !== undefined && XENDIT_UNREFUNDABLE_EWALLETS.has(channel))
      return error(400, 'REFUND_NOT_SUPPORTED', `${channel} payments cannot be refunded through the Payments API`);
    // Error codes from xendit-node CreateRefund400Response / PROVIDERS.md §3: an unpaid request is
    // INELIGIBLE_TRANSACTION; more than is left MAXIMUM_REFUND_AMOUNT_REACHED; no amount = the rest.
    if (charge.status !== 'SUCCEEDED') return error(400, 'INELIGIBLE_TRANSACTION', `payment request is ${charge.status}`);
    return this.makeRefund(charge, body.amount, { reference_id: body.reference_id ?? null, reason: body.reason, metadata: body.metadata ?? null }, this.refundsStayPending);
  }

  /**
   * A refund made in Xendit's dashboard (Transactions → the payment → Refund), not through the
   * API: the same rules as an API refund (refundable channels, a paid request, no more than is
   * left), no reference_id (only API callers give one), listed by GET /refunds like any other,
   * and the same `refund.succeeded` callback (refund webhook notification).
   */
  dashboardRefund(reference: string, options: { amount?: number }): SandboxResponse {
    const charge = this.byReference.get(reference) ?? this.charges.get(reference);
    if (!charge) return error(404, 'DATA_NOT_FOUND', 'payment request not found');
    const type = charge.request.payment_method.type;
    const channel = channelOf(charge.request);
    if (type === 'VIRTUAL_ACCOUNT' || type === 'OVER_THE_COUNTER' || (type === 'EWALLET' && channel !== undefined && XENDIT_UNREFUNDABLE_EWALLETS.has(channel))) {
      return error(400, 'REFUND_NOT_SUPPORTED', `${channel ?? type} payments cannot be refunded`);
    }
    if (charge.status !== 'SUCCEEDED') return error(400, 'INELIGIBLE_TRANSACTION', `payment request is ${charge.status}`);
    if (options.amount !== undefined && (!Number.isSafeInteger(options.amount) || options.amount <= 0)) return error(400, 'API_VALIDATION_ERROR', 'amount must be a whole number above 0');
    return this.makeRefund(charge, options.amount, { reference_id: null, reason: 'OTHERS', metadata: null }, false);
  }

  private makeRefund(charge: Charge, requested: number | undefined, fields: { reference_id: string | null; reason: string; metadata: unknown }, pending: boolean): SandboxResponse {
    const amount = requested ?? charge.paidAmount - charge.refunded;
    if (amount <= 0 || charge.refunded + amount > charge.paidAmount) return error(400, 'MAXIMUM_REFUND_AMOUNT_REACHED', 'refund exceeds the refundable amount');
    charge.refunded += amount;
    const now = new Date().toISOString();
    // The fields of Xendit's refund object (xendit-node Refund model), plus its status and reason.
    const refund = {
      id: `rfd-${randomBytes(12).toString('hex')}`,
      payment_request_id: charge.id,
      invoice_id: null,
      payment_method_type: charge.request.payment_method.type,
      amount,
      channel_code: channelOf(charge.request),
      country: 'ID',
      currency: 'IDR',
      reference_id: fields.reference_id,
      status: pending ? 'PENDING' : 'SUCCEEDED',
      reason: fields.reason,
      failure_code: null,
      refund_fee_amount: null,
      created: now,
      updated: now,
      metadata: fields.metadata,
    };
    this.refunds.set(refund.id, refund);
    if (refund.status === 'SUCCEEDED') this.kit.notify(this.webhook('refund.succeeded', refundCallbackData(refund)), XENDIT_WEBHOOK_RETRIES_MS);
    return { status: 200, body: refund };
  }

  /**
   * GET /refunds: newest first, filtered by payment_request_id when given, `limit` (1–100, default
   * 10 [? Xendit's default is not published; 10 as in its other list APIs]) and `after_id`
   * paging; answer `{data, has_more}` (xendit-node refund/models/RefundList).
   */
  private listRefunds(r: SandboxRequest): SandboxResponse {
    const requestId = r.query.get('payment_request_id');
    const limitText = r.query.get('limit');
    const limit = limitText === null ? 10 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) return error(400, 'API_VALIDATION_ERROR', 'limit must be a whole number from 1 to 100');
    const all = [...this.refunds.values()].filter((x) => requestId === null || x.payment_request_id === requestId).reverse();
    const afterId = r.query.get('after_id');
    const start = afterId === null ? 0 : all.findIndex((x) => x.id === afterId) + 1;
    if (afterId !== null && start === 0) return error(400, 'API_VALIDATION_ERROR', 'after_id is not a refund in this list');
    const data = all.slice(start, start + limit);
    return { status: 200, body: { data, has_more: start + limit < all.length } };
  }

  private setRefundMode(r: SandboxRequest): SandboxResponse {
    const pending = (jsonBody(r) as { pending?: unknown } | undefined)?.pending;
    if (typeof pending !== 'boolean') return error(400, 'API_VALIDATION_ERROR', 'pending must be true or false');
    this.refundsStayPending = pending;
    return { status: 200, body: { pending } };
  }

  /** Finishes a PENDING refund as Xendit would: SUCCEEDED, or FAILED (the money goes back to the merchant). */
  private completeRefund(id: string, r: SandboxRequest): SandboxResponse {
    const refund = this.refunds.get(id);
    if (!refund) return error(404, 'DATA_NOT_FOUND', 'refund not found');
    if (refund.status !== 'PENDING') return error(409, 'INVALID_REFUND_STATUS', `refund is ${String(refund.status)}`);
    const status = (jsonBody(r) as { status?: unknown } | undefined)?.status;
    if (status !== 'SUCCEEDED' && status !== 'FAILED') return error(400, 'API_VALIDATION_ERROR', 'status must be SUCCEEDED or FAILED');
    const charge = this.charges.get(String(refund.payment_request_id));
    if (status === 'FAILED' && charge) charge.refunded -= Number(refund.amount);
    Object.assign(refund, { status, updated: new Date().toISOString(), ...(status === 'FAILED' ? { failure_code: 'REFUND_FAILED' } : {}) });
    this.kit.notify(this.webhook(status === 'SUCCEEDED' ? 'refund.succeeded' : 'refund.failed', refundCallbackData(refund)), XENDIT_WEBHOOK_RETRIES_MS);
    return { status: 200, body: refund };
  }

  /** Cancels a refund that has not completed (only a PENDING one); no money moved, the amount is refundable again. */
  private cancelRefund(id: string): SandboxResponse {
    const refund = this.refunds.get(id);
    if (!refund) return error(404, 'DATA_NOT_FOUND', 'refund not found');
    if (refund.status !== 'PENDING') return error(409, 'INVALID_REFUND_STATUS', `refund is ${String(refund.status)}`);
    const charge = this.charges.get(String(refund.payment_request_id));
    if (charge) charge.refunded -= Number(refund.amount);
    Object.assign(refund, { status: 'CANCELLED', updated: new Date().toISOString() });
    return { status: 200, body: refund };
  }

  private getRefund(id: string): SandboxResponse {
    const refund = this.refunds.get(id);
    return refund ? { status: 200, body: refund } : error(404, 'DATA_NOT_FOUND', 'refund not found');
  }

  /**
   * `payment.succeeded`, the event name of the /payment_requests generation (xendit-node's
   * PaymentCallback); its `data` is the payment: `id` is the payment (py-…), not the request.
   */
  private sendPaymentWebhook(charge: Charge): void {
    const payment = (status: string) => ({
      id: charge.paymentId,
      payment_request_id: charge.id,
      reference_id: charge.request.reference_id,
      customer_id: null,
      currency: 'IDR',
      amount: charge.paidAmount,
      country: 'ID',
      status,
      description: charge.request.description ?? null,
      payment_method: this.renderPaymentMethod(charge),
      channel_properties: null,
      payment_detail: null,
      failure_code: null,
      created: charge.updated,
      updated: charge.updated,
      metadata: charge.request.metadata ?? null,
    });
    const notification = this.webhook('payment.succeeded', payment('SUCCEEDED'));
    // A stale "still pending" notice, for the out-of-order fault.
    const stale = this.webhook('payment.pending', payment('PENDING'));
    this.kit.notify(notification, XENDIT_WEBHOOK_RETRIES_MS, { final: true, stale });
  }

  private webhook(event: string, data: Record<string, unknown>) {
    return {
      url: this.kit.options.callbackUrl,
      headers: { 'content-type': 'application/json', 'x-callback-token': this.options.callbackToken, 'webhook-id': `whk-${randomBytes(10).toString('hex')}` },
      body: JSON.stringify({ event, business_id: 'bayar-sandbox-business', created: new Date().toISOString(), data }),
    };
  }

  /** Unpaid charges expire on their own at expires_at, as at Xendit. */
  private refresh(charge: Charge): Charge {
    const expiresAt = charge.channelProperties.expires_at;
    if ((charge.status === 'PENDING' || charge.status === 'REQUIRES_ACTION') && expiresAt && Date.parse(expiresAt) <= Date.now()) {
      charge.status = 'EXPIRED';
      charge.methodStatus = 'EXPIRED';
    }
    return charge;
  }

  private render(charge: Charge) {
    this.refresh(charge);
    const pm = charge.request.payment_method;
    const actions =
      pm.type === 'EWALLET'
        ? [{ action: 'AUTH', url_type: 'DEEPLINK', method: 'GET', url: `${this.kit.options.callbackUrl.replace(/\/webhooks.*$/, '')}/sandbox/xendit/ewallet/${charge.id}`, qr_code: null }]
        : [];
    return {
      id: charge.id,
      business_id: 'bayar-sandbox-business',
      reference_id: charge.request.reference_id,
      customer_id: null,
      amount: charge.request.amount,
      currency: 'IDR',
      country: 'ID',
      description: charge.request.description ?? null,
      status: charge.status,
      failure_code: null,
      capture_method: 'AUTOMATIC',
      initiator: null,
      card_verification_results: null,
      created: charge.created,
      updated: charge.updated,
      metadata: charge.request.metadata ?? null,
      actions,
      payment_method: this.renderPaymentMethod(charge),
    };
  }

  private renderPaymentMethod(charge: Charge) {
    this.refresh(charge);
    const pm = charge.request.payment_method;
    const key = { VIRTUAL_ACCOUNT: 'virtual_account', QR_CODE: 'qr_code', EWALLET: 'ewallet', OVER_THE_COUNTER: 'over_the_counter' }[pm.type];
    return {
      id: charge.paymentMethodId,
      type: pm.type,
      reusability: pm.reusability,
      status: charge.methodStatus,
      reference_id: pm.reference_id ?? charge.request.reference_id,
      created: charge.created,
      updated: charge.updated,
      description: null,
      metadata: null,
      virtual_account: null,
      qr_code: null,
      ewallet: null,
      over_the_counter: null,
      card: null,
      direct_debit: null,
      [key]: { channel_code: channelOf(charge.request), channel_properties: charge.channelProperties, amount: charge.request.amount, currency: 'IDR' },
    };
  }
}

/**
 * A refund callback's `data` (xendit-node refund/models/RefundCallbackData; docs.xendit.co/apidocs/
 * refund-webhook-notification): the refund's fields, with what was refunded named `payment_id`
 * and no `payment_request_id`. For the /payment_requests generation `payment_id` is the payment
 * request (xendit-php docs/Refund/RefundCallbackData.md gives `pr-…` as its example).
 */
function refundCallbackData(refund: Record<string, unknown>): Record<string, unknown> {
  const { payment_request_id: paymentRequestId, ...rest } = refund;
  return {
    id: rest.id,
    payment_id: paymentRequestId,
    invoice_id: rest.invoice_id,
    payment_method_type: rest.payment_method_type,
    amount: rest.amount,
    channel_code: rest.channel_code,
    status: rest.status,
    reason: rest.reason,
    country: rest.country,
    currency: rest.currency,
    reference_id: rest.reference_id,
    failure_code: rest.failure_code,
    refund_fee_amount: rest.refund_fee_amount,
    created: rest.created,
    updated: rest.updated,
    metadata: rest.metadata,
  };
}

function channelOf(request: XenditCreatePaymentRequest): string | undefined {
  const pm = request.payment_method;
  return (pm.virtual_account ?? pm.qr_code ?? pm.ewallet ?? pm.over_the_counter)?.channel_code;
}

function error(status: number, code: string, message: string): SandboxResponse {
  return { status, body: { error_code: code, message } };
}
