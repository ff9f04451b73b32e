// The one interface every provider adapter implements. Everything a provider knows lives in
// src/providers/<name>/; the saga only ever talks to this interface.
import type { ChargeStatus, PaymentInstructions, PaymentMethod, ProviderEvent, ProviderName, ProviderRefunds, Rupiah } from '../domain/payment.js';
import type { PayoutSnapshot } from './payout.js';
import type { RefundKeyRules } from './refund-key.js';

export type RefundSupport = 'none' | 'full' | 'partial';

export interface ProviderCapabilities {
  methods: readonly PaymentMethod[];
  /** Refund support per method; a method missing here cannot be refunded. */
  refunds: Partial<Record<PaymentMethod, RefundSupport>>;
  /** Whether an unpaid charge can be cancelled/expired at the provider. */
  cancel: boolean;
  amount: { min: Rupiah; max: Rupiah };
  /** A method's own narrower limits (a channel's published ceiling), where it has them. */
  amountByMethod?: Partial<Record<PaymentMethod, { min: Rupiah; max: Rupiah }>>;
  expirySeconds: { min: number; max: number; default: number };
  /** Refund reasons the provider accepts; undefined = free text. */
  refundReasons?: readonly string[];
  /** What the provider takes as a refund key (src/providers/refund-key.ts); default 64 characters. */
  refundKey?: RefundKeyRules;
}

export interface CustomerDetails {
  name?: string;
  email?: string;
  phone?: string;
  ipAddress?: string;
  /** Billing address; DOKU's Indodana paylater requires one (seed 002, billing_address). */
  address?: CustomerAddress;
}

export interface CustomerAddress {
  line: string;
  city: string;
  postalCode: string;
  /** ISO 3166-1 alpha-3; IDN when left out. */
  countryCode?: string;
}

export interface CreateChargeRequest {
  /** bayar's payment id; the provider's idempotency key / order id is derived from it. */
  paymentId: string;
  method: PaymentMethod;
  amount: Rupiah;
  expiresAt: string;
  description: string;
  customer: CustomerDetails;
  /** HTTPS page the provider sends the customer back to after a redirect flow, if the merchant gave one. */
  returnUrl?: string;
}

export interface ChargeSnapshot {
  providerReference: string;
  chargeStatus: ChargeStatus;
  providerStatus: string;
  instructions: PaymentInstructions;
  paidAmount?: Rupiah;
  /** When the provider took the money, by its own clock (ISO, UTC), where its status answer says (ProviderEvent.paidAt). */
  paidAt?: string;
  reason?: string;
  /** Refunds on the charge as the provider's status answer lists them (see ProviderEvent). */
  providerRefunds?: ProviderRefunds;
}

export interface ChargeRef {
  paymentId: string;
  providerReference?: string;
  method: PaymentMethod;
}

export interface RefundRequest {
  charge: ChargeRef;
  /**
   * The provider's refund key: an HMAC of (payment id, refund id), stable across retries, distinct
   * for distinct refunds, within capabilities.refundKey (src/providers/refund-key.ts).
   */
  idempotencyKey: string;
  amount: Rupiah;
  /** Whether this refund covers the whole paid amount (some providers distinguish). */
  full: boolean;
  reason: string;
}

export interface RefundResult {
  providerRefundId: string;
  state: 'SUCCEEDED' | 'PENDING';
}

/** Where an accepted (PENDING) refund stands now. FAILED means no money moved. */
export interface RefundStatus {
  state: 'PENDING' | 'SUCCEEDED' | 'FAILED';
  providerStatus: string;
  reason?: string;
}

/** What arrived at POST /webhooks/:provider, untouched. */
export interface RawWebhook {
  headers: Record<string, string | undefined>;
  rawBody: Buffer;
  /** Path the provider posted to; some signatures cover it. */
  path: string;
}

export interface WebhookReply {
  status: number;
  contentType: string;
  body: string;
}

export type ParsedWebhook =
  | { kind: 'payment'; paymentId: string; event: ProviderEvent; ack?: WebhookReply }
  /**
   * Verified, and about one payout attempt (the aggregator's disbursement callback): the webhook
   * controller signals the payout workflow `payoutId` with the attempt's snapshot.
   */
  | { kind: 'payout'; payoutId: string; providerPayoutId: string; snapshot: PayoutSnapshot; ack?: WebhookReply }
  /**
   * Verified, about a charge the notice names only by the provider's own reference (Xendit's
   * refund callback names the payment request, never bayar's payment id): the webhook controller
   * finds the payment holding that reference in the system of record and goes on as for
   * 'payment' with it; a reference no payment holds is acknowledged and counted, as 'ignored'.
   * `event.providerReference` is that reference.
   */
  | { kind: 'charge-reference'; providerReference: string; event: ProviderEvent; ack?: WebhookReply }
  /** Verified, but not about a payment's state (e.g. a refund notice); acknowledged and logged. */
  | { kind: 'ignored'; reason: string; ack?: WebhookReply };
// `ack`: for a provider that speaks two notification protocols (DOKU Non-SNAP and SNAP), the
// answer this particular notification expects, chosen when it was parsed.

/** A provider's published field rule that a request breaks: `code` names the rule. */
export interface ShapeRefusal {
  code: string;
  message: string;
}

export interface PaymentProvider {
  readonly name: ProviderName;
  readonly capabilities: ProviderCapabilities;
  /**
   * How to answer a verified notification bayar will not apply (another provider holds the payment
   * it names, or it was applied to another payment): 'ack' = the provider's own "taken" answer,
   * with no effect, where a refusal would be resent for days; default: a 409 problem.
   */
  readonly refusedNotificationAnswer?: 'ack' | 'error';
  /**
   * The provider's own field rules (charsets, lengths, required fields), checked by the API before
   * a workflow starts, so a request the provider would refuse for its shape is a 422 and does not
   * use up the merchant reference on a FAILED payment. No I/O; the same checks createCharge makes.
   * Amount and expiry limits are capabilities and are checked beside it.
   */
  validateCreate?(request: CreateChargeRequest): ShapeRefusal | undefined;
  createCharge(request: CreateChargeRequest): Promise<ChargeSnapshot>;
  /** Looks a charge up by bayar's payment id; null when the provider has never seen it. */
  findCharge(ref: ChargeRef): Promise<ChargeSnapshot | null>;
  cancelCharge(ref: ChargeRef): Promise<void>;
  refund(request: RefundRequest): Promise<RefundResult>;
  /**
   * Looks up a refund the provider accepted as PENDING. Providers whose refunds are always
   * final at once leave it out; a PENDING refund there stays PENDING and is said so.
   */
  findRefund?(charge: ChargeRef, providerRefundId: string): Promise<RefundStatus>;
  /** Verifies the signature on the raw body and parses it; throws SignatureInvalid / WebhookMalformed. */
  parseWebhook(raw: RawWebhook): ParsedWebhook;
  /** Exactly what this provider expects back once we have taken the notification. */
  webhookAck(parsed: ParsedWebhook): WebhookReply;
  /** What to answer when we cannot take it now, so the provider retries. */
  webhookRetryLater(parsed?: ParsedWebhook): WebhookReply;
  /**
   * For providers that ask bayar for an access token before they notify (DOKU SNAP:
   * POST /webhooks/:provider/authorization/v1/access-token/b2b). Verifies and answers in full.
   */
  webhookToken?(raw: RawWebhook): WebhookReply;
}

// --- Typed errors. Activities translate these into Temporal failures. ---

export class ProviderError extends Error {
  constructor(
    message: string,
    readonly provider: ProviderName,
    readonly code: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The provider said no, definitively: validation, auth, unsupported. Never retried. */
export class ProviderRejected extends ProviderError {}

/** The provider is down or overloaded (5xx, 429, connection refused). Safe to retry. */
export class ProviderUnavailable extends ProviderError {
  constructor(
    message: string,
    provider: ProviderName,
    code: string,
    /**
     * How long the provider asked bayar to wait before the next call (a 429's or 503's
     * Retry-After, retryAfterMs in ./http.ts; Xendit's Rate-Limit-Reset, xendit/rate-limit.ts). The activity retries no
     * sooner, instead of on its own backoff, which would spend the quota again before it is back.
     */
    readonly retryAfterMs?: number,
  ) {
    super(message, provider, code);
  }
}

/** We do not know whether the call took effect (timeout, reset mid-request). Resolve by looking up. */
export class ProviderOutcomeUnknown extends ProviderError {}

export class SignatureInvalid extends Error {
  constructor(
    readonly provider: ProviderName,
    detail: string,
  ) {
    super(`invalid ${provider} webhook signature: ${detail}`);
    this.name = 'SignatureInvalid';
  }
}

export class WebhookMalformed extends Error {
  constructor(
    readonly provider: ProviderName,
    detail: string,
  ) {
    super(`malformed ${provider} webhook: ${detail}`);
    this.name = 'WebhookMalformed';
  }
}

/** Runs a provider's local checks (which throw ProviderRejected) and returns the refusal, if any. */
export function shapeRefusal(check: () => unknown): ShapeRefusal | undefined {
  try {
    check();
    return undefined;
  } catch (err) {
    if (err instanceof ProviderRejected) return { code: err.code, message: err.message };
    throw err;
  }
}

/** The amounts a provider takes for a method: its own limits within the provider's envelope. */
export function amountLimitsFor(capabilities: ProviderCapabilities, method: PaymentMethod): { min: Rupiah; max: Rupiah } {
  const own = capabilities.amountByMethod?.[method];
  if (!own) return capabilities.amount;
  return { min: Math.max(own.min, capabilities.amount.min), max: Math.min(own.max, capabilities.amount.max) };
}

export function refundSupportFor(capabilities: ProviderCapabilities, method: PaymentMethod): RefundSupport {
  return capabilities.refunds[method] ?? 'none';
}
