// The DOKU adapter: bayar's provider interface over DOKU's Non-SNAP API (Alfamart payment codes,
// Indodana generate-order, check status, signed HTTP notifications) and DOKU SNAP (snap/: virtual
// accounts and e-wallets). order.invoice_number is bayar's
// payment id, so every lookup is addressed by it and no DOKU id has to be remembered first.
import { randomUUID } from 'node:crypto';
import type { ProviderEvent } from '../../domain/payment.js';
import { parseJson } from '../http.js';
import { ProviderRejected, shapeRefusal, ProviderUnavailable, SignatureInvalid, WebhookMalformed } from '../provider.js';
import type {
  ShapeRefusal,
  ChargeRef,
  ChargeSnapshot,
  CreateChargeRequest,
  ParsedWebhook,
  PaymentProvider,
  RawWebhook,
  ProviderCapabilities,
  RefundRequest,
  RefundResult,
  RefundStatus,
  WebhookReply,
} from '../provider.js';
import { DOKU_MAX_EXPIRY_MINUTES, dokuCapabilitiesFor, dokuChannelFor, dokuSnapChannelFor, dokuSnapVaFor, dokuStatusPath, type DokuChannel } from './capabilities.js';
import { signedHeaders } from './notification-headers.js';
import { DokuSnapEwallets, SNAP_NOTIFY_RETRY_LATER } from './snap/ewallet.js';
import { DokuSnapVas, SNAP_VA_NOTIFY_RETRY_LATER } from './snap/va.js';
import { DOKU_NOTIFICATION_TOLERANCE_MS, DokuClient, throwFor, type DokuConfig } from './client.js';
import {
  DOKU_CALLBACK_URL_PATTERN,
  notificationSchema,
  o2oResponseSchema,
  parseAmount,
  paylaterResponseSchema,
  transactionSchema,
  type DokuO2oRequest,
  type DokuPaylaterRequest,
  type DokuTransaction,
} from './schemas.js';
import { parseDokuTimestamp, signatureMatches } from './signature.js';
import { dokuStatusToChargeStatus } from './status.js';

export type { DokuConfig } from './client.js';

/**
 * The Request-Id of the call that creates a charge. DOKU's idempotency key is the Request-Id, so
 * it is derived from the payment id: a resent create (same id, same body) gets the first answer
 * back as HTTP 409 instead of making a second charge. DOKU echoes it as transaction.original_request_id.
 */
export function createRequestId(paymentId: string): string {
  return `${paymentId}-create`;
}

export class DokuProvider implements PaymentProvider {
  readonly name = 'doku' as const;
  readonly capabilities: ProviderCapabilities;
  private readonly client: DokuClient;
  /** DOKU SNAP, for the e-wallets (snap/): the same account, host and client id, another protocol. */
  private readonly snap?: DokuSnapEwallets;
  /** DOKU SNAP virtual accounts (snap/va.ts), on the e-wallets' token and signing. */
  private readonly vas?: DokuSnapVas;

  constructor(private readonly config: DokuConfig) {
    this.client = new DokuClient(config);
    if (config.snap) {
      this.snap = new DokuSnapEwallets({
        clientId: config.clientId,
        baseUrl: config.baseUrl,
        timeoutMs: config.timeoutMs,
        snap: config.snap,
        notificationPaths: config.notificationPaths,
        notificationToleranceMs: config.notificationToleranceMs ?? DOKU_NOTIFICATION_TOLERANCE_MS,
      });
    }
    if (this.snap) this.vas = new DokuSnapVas(this.snap.client, config.snap?.vaPartnerServiceIds);
    this.capabilities = dokuCapabilitiesFor(this.snap !== undefined, this.vas?.methods() ?? []);
  }

  /**
   * Seed 002's request rules as createCharge applies them (Indodana via DOKU needs name, email and
   * phone), and for SNAP e-wallets the keys and a return page.
   */
  validateCreate(request: CreateChargeRequest): ShapeRefusal | undefined {
    return shapeRefusal(() => {
      if (dokuSnapChannelFor(request.method)) return this.snapOrRefuse(request.method).checkCreate(request);
      if (dokuSnapVaFor(request.method)) return this.vasOrRefuse(request.method).checkCreate(request);
      const channel = dokuChannelFor(request.method);
      if (!channel) throw new ProviderRejected(`doku does not offer ${request.method}`, 'doku', 'UNSUPPORTED_METHOD');
      toChargeRequest(channel, request, Date.now(), this.config.snap?.returnUrl);
    });
  }

  async createCharge(request: CreateChargeRequest): Promise<ChargeSnapshot> {
    if (dokuSnapChannelFor(request.method)) return this.snapOrRefuse(request.method).createCharge(request);
    if (dokuSnapVaFor(request.method)) return this.vasOrRefuse(request.method).createCharge(request);
    const channel = dokuChannelFor(request.method);
    if (!channel) throw new ProviderRejected(`doku does not offer ${request.method}`, 'doku', 'UNSUPPORTED_METHOD');
    const requestId = createRequestId(request.paymentId);
    const res = await this.client.call('POST', channel.path, requestId, toChargeRequest(channel, request, Date.now(), this.config.snap?.returnUrl));
    if (res.status === 200 || res.status === 201 || res.status === 409) {
      // 409 is DOKU replaying the first answer to this Request-Id and body: the charge exists,
      // and this is its answer. It passes the same integrity check as a fresh one.
      const snapshot = fromChargeAnswer(channel, parseJson(res.text), request, requestId);
      if (snapshot) return snapshot;
      if (res.status !== 409) throw new ProviderUnavailable(`doku create: HTTP ${res.status} with an unexpected body`, 'doku', 'BAD_RESPONSE');
    }
    if (res.status === 409 || res.status === 400) {
      // A resend whose body differs from the first (expired_time counts minutes from now, so a
      // retry a minute later is a different body), or an invoice_number DOKU has already seen:
      // whatever DOKU calls it, if a charge exists for this invoice it is ours. Otherwise a 400
      // is a real validation error.
      const existing = await this.lookup(request.paymentId);
      if (existing) return fromTransaction(existing, channel, request);
      if (res.status === 409) throw new ProviderUnavailable('doku create: 409 but no charge found yet', 'doku', 'DOKU_409');
    }
    throwFor(res, 'create');
  }

  async findCharge(ref: ChargeRef): Promise<ChargeSnapshot | null> {
    if (dokuSnapChannelFor(ref.method)) return this.snapOrRefuse(ref.method).findCharge(ref);
    if (dokuSnapVaFor(ref.method)) return this.vasOrRefuse(ref.method).findCharge(ref);
    const transaction = await this.lookup(ref.paymentId);
    return transaction ? fromTransaction(transaction, dokuChannelFor(ref.method)) : null;
  }

  async cancelCharge(ref: ChargeRef): Promise<void> {
    // SNAP VAs are deleted at DOKU (delete-va). DOKU documents no way to void an unpaid Non-SNAP
    // payment code or Indodana order, nor a jump-app e-wallet order: bayar's deadline and its
    // final status check decide.
    if (dokuSnapVaFor(ref.method)) return this.vasOrRefuse(ref.method).cancelCharge(ref);
  }

  async refund(request: RefundRequest): Promise<RefundResult> {
    // SNAP e-wallets refund; Non-SNAP methods are declared unrefundable, so bayar refuses first.
    if (dokuSnapChannelFor(request.charge.method)) return this.snapOrRefuse(request.charge.method).refund(request);
    throw new ProviderRejected('doku Non-SNAP has no refund API for these methods', 'doku', 'REFUND_NOT_SUPPORTED');
  }

  /** E-wallet refunds DOKU accepted as in progress (202); Non-SNAP methods have no refunds to look up. */
  async findRefund(charge: ChargeRef, providerRefundId: string): Promise<RefundStatus> {
    if (dokuSnapChannelFor(charge.method)) return this.snapOrRefuse(charge.method).findRefund(charge, providerRefundId);
    throw new ProviderRejected('doku Non-SNAP has no refunds to look up', 'doku', 'REFUND_NOT_SUPPORTED');
  }

  /** DOKU's token request before a SNAP notification (POST /webhooks/doku/authorization/v1/access-token/b2b). */
  webhookToken(raw: RawWebhook): WebhookReply {
    if (!this.snap) return { status: 404, contentType: 'application/json', body: JSON.stringify({ responseCode: '4047300', responseMessage: 'DOKU SNAP is not configured' }) };
    return this.snap.issueToken(raw);
  }

  parseWebhook(raw: RawWebhook): ParsedWebhook {
    // Two protocols arrive here. SNAP notifications carry X-SIGNATURE / X-PARTNER-ID; Non-SNAP
    // ones Signature / Client-Id. Each is then verified by its own rules, nothing shared.
    if (raw.headers['x-signature'] !== undefined || raw.headers['x-partner-id'] !== undefined) {
      if (!this.snap) throw new SignatureInvalid('doku', 'a SNAP notification, but DOKU SNAP is not configured');
      this.snap.verifyNotification(raw);
      // Verified: now the body says which kind it is. A VA payment carries virtualAccountNo.
      const body = parseJson(raw.rawBody.toString('utf8')) as { virtualAccountNo?: unknown } | undefined;
      if (body && typeof body === 'object' && 'virtualAccountNo' in body) {
        if (!this.vas || this.vas.methods().length === 0) throw new WebhookMalformed('doku', 'a SNAP VA notification, but no DOKU VA is configured');
        return this.vas.parseVerifiedNotification(raw);
      }
      return this.snap.parseVerifiedNotification(raw);
    }
    const [received, clientId, requestId, timestamp] = signedHeaders(raw, 'Signature', ['Client-Id', 'Request-Id', 'Request-Timestamp']);
    // Client-Id is not secret; a notification for another DOKU account is not for us either way.
    if (clientId !== this.config.clientId) throw new SignatureInvalid('doku', 'Client-Id is not ours');
    // DOKU signs the path of the notification URL it posted to. The digest covers the raw bytes,
    // so the body is verified before it is parsed, and never re-serialised.
    const targets = new Set([raw.path, ...(this.config.notificationPaths ?? [])]);
    const genuine = [...targets].some((target) => signatureMatches({ clientId, requestId, timestamp, target, body: raw.rawBody }, received, this.config.secretKey));
    if (!genuine) throw new SignatureInvalid('doku', 'Signature does not match');
    // Freshness. DOKU retries a notification 30 min, 6 h and 12 h after the original, and an
    // operator can resend one from the Back Office at any time (developers.doku.com, Retry
    // Notification); whether a retry is re-stamped is not published. A correctly signed
    // notification stamped in the past is therefore taken however old it is: what protects a
    // replay is the binding to the payment's own DOKU reference and the workflow's dedupe by
    // Request-Id, not its age (README.md, "Retries and Request-Timestamp"). Only a stamp from
    // the future beyond the tolerance is refused: DOKU cannot have sent it yet.
    const stampedAt = parseDokuTimestamp(timestamp);
    if (stampedAt === undefined) throw new SignatureInvalid('doku', 'Request-Timestamp is not an ISO 8601 time with a zone');
    const tolerance = this.config.notificationToleranceMs ?? DOKU_NOTIFICATION_TOLERANCE_MS;
    if (stampedAt - Date.now() > tolerance) {
      throw new SignatureInvalid('doku', `Request-Timestamp ${timestamp} is more than ${Math.round(tolerance / 1000)} s ahead of now`);
    }

    if (requestId.length > 128) throw new WebhookMalformed('doku', 'Request-Id longer than 128 characters');
    const parsed = notificationSchema.safeParse(parseJson(raw.rawBody.toString('utf8')));
    if (!parsed.success) throw new WebhookMalformed('doku', parsed.error.issues[0]?.message ?? 'bad body');
    const n = parsed.data;
    const status = n.transaction.status;
    const chargeStatus = dokuStatusToChargeStatus(status);
    if (chargeStatus === 'REFUNDED') return { kind: 'ignored', reason: `${status} notification; refunds are tracked by bayar's refund update` };
    const amount = parseAmount(n.order.amount);
    if (chargeStatus === 'PAID' && amount === undefined) throw new WebhookMalformed('doku', `order.amount ${JSON.stringify(n.order.amount)} is not whole rupiah`);
    const event: ProviderEvent = {
      provider: 'doku',
      // DOKU's Request-Id names one notification ("to make sure no duplicate notification") and
      // stays with it through DOKU's retries, so duplicates and retries share this id.
      eventId: requestId,
      source: 'webhook',
      chargeStatus,
      paidAmount: chargeStatus === 'PAID' ? amount : undefined,
      providerReference: n.transaction.original_request_id,
      providerStatus: status,
      // FAILED is not final at DOKU (status.ts): the event says so and changes nothing yet.
      reason: status === 'FAILED' ? `${n.channel?.id ?? 'DOKU'} ${status} (not final at DOKU)` : undefined,
      occurredAt: isoTime(n.transaction.date),
      // The paid time: transaction.date of a SUCCESS notification, as in the status answer (fromTransaction).
      ...paidAtOf(chargeStatus, n.transaction.date),
    };
    return { kind: 'payment', paymentId: n.order.invoice_number, event };
  }

  webhookAck(parsed?: ParsedWebhook): WebhookReply {
    // SNAP: the SNAP answer chosen at parse time. Non-SNAP: DOKU takes any 2xx; the body is not read.
    return parsed?.ack ?? { status: 200, contentType: 'application/json', body: '{}' };
  }

  webhookRetryLater(parsed?: ParsedWebhook): WebhookReply {
    // Any non-2xx: DOKU retries 30 min, 6 h and 12 h after the original.
    if (parsed?.ack) return parsed.kind === 'payment' && 'dokuVa' in parsed ? SNAP_VA_NOTIFY_RETRY_LATER : SNAP_NOTIFY_RETRY_LATER;
    return { status: 503, contentType: 'application/json', body: '{}' };
  }

  private vasOrRefuse(method: string): DokuSnapVas {
    if (!this.vas)
      throw new ProviderRejected(
        `doku ${method} goes through DOKU SNAP: it needs the SNAP keys (DOKU_SNAP_PRIVATE_KEY, DOKU_SNAP_DOKU_PUBLIC_KEY) and DOKU_SNAP_VA_PARTNER_SERVICE_IDS`,
        'doku',
        'UNSUPPORTED_METHOD',
      );
    return this.vas;
  }

  private snapOrRefuse(method: string): DokuSnapEwallets {
    if (!this.snap) throw new ProviderRejected(`doku ${method} needs DOKU SNAP keys (DOKU_SNAP_PRIVATE_KEY, DOKU_SNAP_DOKU_PUBLIC_KEY)`, 'doku', 'UNSUPPORTED_METHOD');
    return this.snap;
  }

  /** GET /orders/v1/status/{invoice_number}; null when DOKU has never seen the invoice. */
  private async lookup(invoiceNumber: string): Promise<DokuTransaction | null> {
    // A fresh Request-Id per look-up: DOKU replays a known Request-Id's first answer, which for a
    // status check would be a stale status.
    const res = await this.client.call('GET', dokuStatusPath(invoiceNumber), `${invoiceNumber}-status-${randomUUID()}`);
    if (res.status === 404) return null;
    if (res.status !== 200) throwFor(res, 'check status');
    const parsed = transactionSchema.safeParse(parseJson(res.text));
    // A status answer for another invoice is as unusable as an unreadable one: try again later.
    if (!parsed.success || parsed.data.order.invoice_number !== invoiceNumber) {
      throw new ProviderUnavailable('doku check status: unexpected response shape', 'doku', 'BAD_RESPONSE');
    }
    return parsed.data;
  }
}

function toChargeRequest(channel: DokuChannel, request: CreateChargeRequest, now: number, fallbackReturnUrl?: string): DokuO2oRequest | DokuPaylaterRequest {
  // expired_time is whole minutes. bayar's deadline is authoritative (it ends the payment itself
  // and checks the status once more), so DOKU's is a backstop: rounded up, at least 1 minute.
  const minutes = Math.min(DOKU_MAX_EXPIRY_MINUTES, Math.max(1, Math.ceil((Date.parse(request.expiresAt) - now) / 60_000)));
  const order = { invoice_number: request.paymentId, amount: request.amount };
  const { name, email } = request.customer;
  const customer = { ...(name ? { name: name.slice(0, 255) } : {}), ...(email ? { email } : {}) };
  const withCustomer = Object.keys(customer).length > 0 ? { customer } : {};
  // Shown on the ATM / store receipt; DOKU's length limit is not published [?].
  const info = request.description.slice(0, 20) || 'bayar';
  switch (channel.kind) {
    case 'o2o':
      return { order, online_to_offline_info: { expired_time: minutes, reusable_status: false, info }, ...withCustomer };
    case 'paylater':
      return toPaylaterRequest(request, minutes, fallbackReturnUrl);
  }
}

/**
 * Indodana via DOKU (seed 002, "Request Body Explanation"; developers.doku.com …/non-snap/paylater/indodana).
 * Mandatory there: order.invoice_number, amount, line_items (name, price, quantity, id,
 * category), callback_url_cancel, peer_to_peer_info.merchant_unique_reference, customer
 * first_name / email / phone, and billing_address (first_name, address, city, postal_code,
 * phone, country_code). bayar passes no items to providers, so the whole payment is one line of
 * category "others" (DOKU: "If cannot find, you can use others"). The customer comes back to
 * the merchant's returnUrl whether the order completes (callback_url) or is cancelled
 * (callback_url_cancel): bayar's create has one return page, and its status says which.
 */
function toPaylaterRequest(request: CreateChargeRequest, minutes: number, fallbackReturnUrl: string | undefined): DokuPaylaterRequest {
  const { name, email, phone, address } = request.customer;
  if (!name || !email || !phone) {
    throw new ProviderRejected("doku PAYLATER_INDODANA needs the customer's name, email and phone", 'doku', 'CUSTOMER_DETAILS_REQUIRED');
  }
  if (!address) {
    throw new ProviderRejected("doku PAYLATER_INDODANA needs the customer's billing address (customer.address: line, city, postalCode)", 'doku', 'CUSTOMER_ADDRESS_REQUIRED');
  }
  const returnUrl = request.returnUrl ?? fallbackReturnUrl;
  if (!returnUrl) {
    throw new ProviderRejected('doku PAYLATER_INDODANA needs a returnUrl: DOKU requires order.callback_url_cancel', 'doku', 'RETURN_URL_REQUIRED');
  }
  if (!DOKU_CALLBACK_URL_PATTERN.test(returnUrl)) {
    // Refused here with a reason the merchant can act on, rather than as DOKU's 400.
    throw new ProviderRejected(
      'doku PAYLATER_INDODANA: returnUrl has characters DOKU does not take in callback_url (letters, digits and ( ) - = \\ . ? ; , + / : & _ % # and space)',
      'doku',
      'RETURN_URL_INVALID',
    );
  }
  const [first = name, ...rest] = name.trim().split(/\s+/);
  const firstName = first.slice(0, 16);
  const last = rest.join(' ').slice(0, 16);
  const lastName = last ? { last_name: last } : {};
  const customerPhone = dokuPhone(phone);
  return {
    order: {
      invoice_number: request.paymentId,
      amount: request.amount,
      line_items: [{ id: request.paymentId, name: request.description.slice(0, 128) || 'Payment', price: request.amount, quantity: 1, category: 'others' }],
      callback_url: returnUrl,
      callback_url_cancel: returnUrl,
    },
    peer_to_peer_info: { expired_time: minutes, merchant_unique_reference: request.paymentId },
    customer: { first_name: firstName, ...lastName, email, phone: customerPhone },
    billing_address: {
      first_name: firstName,
      ...lastName,
      address: address.line,
      city: address.city,
      postal_code: address.postalCode,
      phone: customerPhone,
      // ISO 3166-1 alpha-3, as in DOKU's sample ("IDN").
      country_code: address.countryCode ?? 'IDN',
    },
  };
}

/** "+6281122334455" or "081122334455" → "6281122334455" ({calling code}{number}). */
export function dokuPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  return digits.startsWith('0') ? `62${digits.slice(1)}` : digits;
}

/** The answer to a create (fresh or a 409 replay); undefined when it is not one. */
function fromChargeAnswer(channel: DokuChannel, body: unknown, request: CreateChargeRequest, requestId: string): ChargeSnapshot | undefined {
  const pending = { providerReference: requestId, chargeStatus: 'PENDING' as const, providerStatus: 'PENDING' };
  switch (channel.kind) {
    case 'o2o': {
      const parsed = o2oResponseSchema.safeParse(body);
      if (!parsed.success) return undefined;
      checkIntegrity(parsed.data.order, request);
      return { ...pending, instructions: { payCode: parsed.data.online_to_offline_info.payment_code } };
    }
    case 'paylater': {
      const parsed = paylaterResponseSchema.safeParse(body);
      if (!parsed.success) return undefined;
      checkIntegrity(parsed.data.order, request);
      // Indodana answers payment.status PENDING or FAILED, and the page to send the customer to.
      // Here FAILED means no order was made (seed 002: "The current payment status Possible
      // value: PENDING, FAILED"): nothing to pay, so the charge fails at once, unlike a FAILED
      // transaction status (status.ts).
      const { status, url } = parsed.data.payment;
      const chargeStatus = status === 'FAILED' ? 'FAILED' : dokuStatusToChargeStatus(status);
      return {
        providerReference: requestId,
        chargeStatus,
        providerStatus: status,
        reason: chargeStatus === 'FAILED' ? 'Indodana refused the order' : undefined,
        instructions: chargeStatus === 'PENDING' && url ? { payUrl: url } : {},
      };
    }
  }
}

/** Integrity check before trusting an answer: it must be for our invoice and our amount. */
function checkIntegrity(order: { invoice_number: string; amount: number | string }, expected: CreateChargeRequest): void {
  const amount = parseAmount(order.amount);
  if (order.invoice_number !== expected.paymentId || amount !== expected.amount) {
    throw new ProviderRejected(`doku answered ${order.invoice_number} ${JSON.stringify(order.amount)}, expected ${expected.paymentId} ${expected.amount}`, 'doku', 'AMOUNT_MISMATCH');
  }
}

function fromTransaction(t: DokuTransaction, channel: DokuChannel | undefined, expected?: CreateChargeRequest): ChargeSnapshot {
  const amount = parseAmount(t.order.amount);
  if (amount === undefined) throw new ProviderRejected(`doku answered order.amount ${JSON.stringify(t.order.amount)}`, 'doku', 'AMOUNT_INVALID');
  if (expected) checkIntegrity(t.order, expected);
  const chargeStatus = dokuStatusToChargeStatus(t.transaction.status);
  const vaNumber = t.virtual_account_info?.virtual_account_number;
  return {
    providerReference: t.transaction.original_request_id ?? createRequestId(t.order.invoice_number),
    chargeStatus,
    providerStatus: t.transaction.status,
    paidAmount: chargeStatus === 'PAID' ? amount : undefined,
    // The paid time (ProviderEvent.paidAt): Check Status (Non-SNAP) answers "similar to HTTP
    // notification", whose transaction.date is when the transaction reached its status
    // ("2021-01-27T03:24:23Z"); for SUCCESS, when the money was taken.
    ...paidAtOf(chargeStatus, t.transaction.date),
    reason: t.transaction.status === 'FAILED' ? `${t.channel?.id ?? 'DOKU'} FAILED (not final at DOKU)` : undefined,
    // The status answer repeats the VA number / payment code; Indodana's page URL is not in it [?].
    instructions: {
      virtualAccountNumber: vaNumber,
      bankCode: vaNumber ? channel?.bank : undefined,
      payCode: t.online_to_offline_info?.payment_code,
    },
  };
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

/** transaction.date is ISO 8601 ("2021-01-27T03:24:23Z"); anything else is left out. */
/** `{ paidAt }` for a PAID status with a readable transaction.date, else nothing (the workflow then uses when it learned of the money). */
function paidAtOf(chargeStatus: string, date: string | undefined): { paidAt?: string } {
  const paidAt = chargeStatus === 'PAID' ? isoTime(date) : undefined;
  return paidAt ? { paidAt } : {};
}

function isoTime(text: string | undefined): string | undefined {
  if (!text || !ISO_UTC.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}
