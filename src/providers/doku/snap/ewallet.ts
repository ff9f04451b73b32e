// DOKU SNAP e-wallets (DANA, ShopeePay) behind bayar's provider interface: the DokuProvider hands
// EWALLET_* methods, SNAP notifications and DOKU's token requests to this class. partnerReferenceNo
// is bayar's payment id, so every look-up is addressed by it and a resent create is the same
// request (DOKU/DANA: a consistent repeat of a partnerReferenceNo answers the first result again).
import { createHash, type KeyObject } from 'node:crypto';
import type { ProviderEvent, ProviderRefunds } from '../../../domain/payment.js';
import { z } from 'zod';
import { parseJson } from '../../http.js';
import { ProviderRejected, ProviderUnavailable, SignatureInvalid, WebhookMalformed } from '../../provider.js';
import type { ChargeRef, ChargeSnapshot, CreateChargeRequest, ParsedWebhook, RawWebhook, RefundRequest, RefundResult, RefundStatus, WebhookReply } from '../../provider.js';
import { DOKU_SNAP_NOTIFY_PATHS, DOKU_SNAP_PATHS, dokuSnapChannelFor } from '../capabilities.js';
import { dokuSnapRefundStatusToRefundState, dokuSnapStatusToChargeStatus } from '../status.js';
import { signedHeaders } from '../notification-headers.js';
import { DokuSnapClient, snapThrowFor, type DokuSnapConfig } from './client.js';
import {
  notificationSchema,
  parseSnapValue,
  paymentResponseSchema,
  refundHistoryEntrySchema,
  refundHistoryIdsSchema,
  refundResponseSchema,
  statusResponseSchema,
  toSnapValue,
  tokenRequestSchema,
  type SnapPaymentRequest,
  type SnapRefundRequest,
  type SnapStatusRequest,
  type SnapStatusResponse,
} from './schemas.js';
import { asymmetricSignatureMatches, issueNotificationToken, parseSnapTimestamp, publicKeyOf, snapTimestamp, symmetricSignatureMatches, verifyNotificationToken } from './signature.js';

export interface DokuSnapEwalletConfig {
  clientId: string;
  baseUrl: string;
  timeoutMs: number;
  snap: DokuSnapConfig;
  /** Public paths of bayar's DOKU notification URL (behind a proxy, DOKU signs those). */
  notificationPaths?: readonly string[];
  /** How far X-TIMESTAMP of a token request or a notification may be from now, either way. */
  notificationToleranceMs: number;
}

/** Lifetime of the tokens bayar issues to DOKU, as DOKU's own (900 s). */
export const NOTIFICATION_TOKEN_TTL_SECONDS = 900;

/** What DOKU expects back for a notification it may stop sending [? service 56, "debit notify", by the SNAP code scheme]. */
export const SNAP_NOTIFY_ACK = { responseCode: '2005600', responseMessage: 'Successful' } as const;

/**
 * X-DEVICE-ID, mandatory for DANA and ShopeePay ("device identification … can't contain symbols").
 * bayar never sees the customer's device, so it sends a stable, symbol-free id derived from the
 * payment id: the same on every resend, meaningless to anyone else [?].
 */
export function deviceIdFor(paymentId: string): string {
  return createHash('sha256').update(`bayar-device:${paymentId}`).digest('hex').slice(0, 32);
}

/**
 * validUpTo: bayar's deadline in Jakarta time, rounded *up* to the second, so DOKU's page never
 * closes before bayar's own deadline (bayar decides expiry; DOKU's is the backstop).
 */
export function validUpTo(expiresAt: string): string {
  return snapTimestamp(Math.ceil(Date.parse(expiresAt) / 1000) * 1000);
}

const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)$/;

export class DokuSnapEwallets {
  /** Shared with the VA half (snap/va.ts): one B2B token per account. */
  readonly client: DokuSnapClient;
  private readonly ourPublicKey: KeyObject;

  constructor(private readonly config: DokuSnapEwalletConfig) {
    this.client = new DokuSnapClient(config);
    this.ourPublicKey = publicKeyOf(config.snap.privateKey);
  }

  /** The return page DOKU's e-wallet redirect needs; throws ProviderRejected without one. */
  checkCreate(request: CreateChargeRequest): string {
    const returnUrl = request.returnUrl ?? this.config.snap.returnUrl;
    if (!returnUrl) throw new ProviderRejected(`doku ${request.method} needs a returnUrl (or DOKU_SNAP_RETURN_URL)`, 'doku', 'RETURN_URL_REQUIRED');
    return returnUrl;
  }

  async createCharge(request: CreateChargeRequest): Promise<ChargeSnapshot> {
    const channel = channelOf(request.method);
    const returnUrl = this.checkCreate(request);
    const body: SnapPaymentRequest = {
      partnerReferenceNo: request.paymentId,
      amount: { value: toSnapValue(request.amount), currency: 'IDR' },
      urlParam: [{ url: returnUrl.slice(0, 255), type: 'PAY_RETURN', isDeepLink: 'N' }],
      validUpTo: validUpTo(request.expiresAt),
      // app / pc / mweb: bayar cannot know; the customer opens a web page either way [?].
      pointOfInitiation: 'mweb',
      additionalInfo: { channel, ...(channel === 'EMONEY_DANA_SNAP' ? { orderTitle: request.description.slice(0, 64) || 'Payment' } : {}) },
    };
    const res = await this.client.post(DOKU_SNAP_PATHS.payment, body, this.customerHeaders(request.paymentId, request.customer.ipAddress));
    if (res.status === 200) {
      const parsed = paymentResponseSchema.safeParse(parseJson(res.text));
      if (!parsed.success || !parsed.data.responseCode.startsWith('200')) throw new ProviderUnavailable('doku snap payment: unexpected response shape', 'doku', 'BAD_RESPONSE');
      const answer = parsed.data;
      if (answer.partnerReferenceNo && answer.partnerReferenceNo !== request.paymentId) {
        throw new ProviderRejected(`doku snap answered for ${answer.partnerReferenceNo}, expected ${request.paymentId}`, 'doku', 'REFERENCE_MISMATCH');
      }
      const payUrl = answer.webRedirectUrl ?? answer.additionalInfo?.webRedirectUrl;
      if (!payUrl) throw new ProviderUnavailable('doku snap payment: no webRedirectUrl in the answer', 'doku', 'BAD_RESPONSE');
      return {
        providerReference: answer.referenceNo ?? request.paymentId,
        chargeStatus: 'PENDING',
        providerStatus: answer.responseCode,
        instructions: { payUrl },
      };
    }
    if (res.status === 409) {
      // partnerReferenceNo already used with another body: if DOKU has a charge under our payment
      // id, it is ours (same amount, checked), and bayar carries on with it.
      const existing = await this.findCharge({ paymentId: request.paymentId, method: request.method });
      if (existing) {
        if (existing.paidAmount !== undefined && existing.paidAmount !== request.amount) {
          throw new ProviderRejected(`doku snap has ${request.paymentId} for ${existing.paidAmount}, expected ${request.amount}`, 'doku', 'AMOUNT_MISMATCH');
        }
        return existing;
      }
    }
    snapThrowFor(res, 'payment');
  }

  /**
   * POST /orders/v1.0/debit/status by partnerReferenceNo (findCharge and findRefund ask the same
   * question): the answer, bound to this charge. A payment look-up takes 404 as "DOKU has never
   * seen it" (null); for a refund look-up the charge must exist, so 404 is an error like any other.
   */
  private statusAnswer(ref: ChargeRef, what: 'status'): Promise<SnapStatusResponse | null>;
  private statusAnswer(ref: ChargeRef, what: 'refund lookup'): Promise<SnapStatusResponse>;
  private async statusAnswer(ref: ChargeRef, what: 'status' | 'refund lookup'): Promise<SnapStatusResponse | null> {
    const body: SnapStatusRequest = {
      originalPartnerReferenceNo: ref.paymentId,
      ...(ref.providerReference && ref.providerReference !== ref.paymentId ? { originalReferenceNo: ref.providerReference } : {}),
      serviceCode: '55',
      additionalInfo: { channel: channelOf(ref.method) },
    };
    const res = await this.client.post(DOKU_SNAP_PATHS.status, body);
    if (res.status === 404 && what === 'status') return null;
    if (res.status !== 200) snapThrowFor(res, what);
    const parsed = statusResponseSchema.safeParse(parseJson(res.text));
    if (!parsed.success || (parsed.data.originalPartnerReferenceNo && parsed.data.originalPartnerReferenceNo !== ref.paymentId)) {
      throw new ProviderUnavailable(`doku snap ${what}: unexpected response shape`, 'doku', 'BAD_RESPONSE');
    }
    return parsed.data;
  }

  /** The charge as DOKU's status answer describes it; null when DOKU has never seen it. */
  async findCharge(ref: ChargeRef): Promise<ChargeSnapshot | null> {
    const channel = channelOf(ref.method);
    const s = await this.statusAnswer(ref, 'status');
    if (s === null || s.latestTransactionStatus === '07') return null;
    const chargeStatus = dokuSnapStatusToChargeStatus(s.latestTransactionStatus);
    let paidAmount: number | undefined;
    if (chargeStatus === 'PAID') {
      paidAmount = s.transAmount ? parseSnapValue(s.transAmount.value) : undefined;
      if (paidAmount === undefined) throw new ProviderRejected(`doku snap status: transAmount ${JSON.stringify(s.transAmount?.value)} is not whole rupiah`, 'doku', 'AMOUNT_INVALID');
    }
    const providerRefunds = refundsOf((s as { refundHistory?: unknown }).refundHistory);
    return {
      providerReference: s.originalReferenceNo ?? ref.providerReference ?? ref.paymentId,
      chargeStatus,
      ...(providerRefunds ? { providerRefunds } : {}),
      providerStatus: describeStatus(s.latestTransactionStatus, s.transactionStatusDesc),
      paidAmount,
      // No paid time read yet (ProviderEvent.paidAt): SNAP BI's status inquiry defines `paidTime`,
      // but DOKU's e-wallet samples and the sandbox do not show it [?]; PaymentState.isLate then
      // uses the time bayar learned of the money.
      reason: chargeStatus === 'FAILED' || chargeStatus === 'CANCELLED' ? `${channel} ${describeStatus(s.latestTransactionStatus, s.transactionStatusDesc)}` : undefined,
      // The status answer does not repeat the wallet page; the create answer carried it.
      instructions: {},
    };
  }

  /**
   * Where a refund DOKU accepted with 202 stands: the same status call as findCharge, whose answer
   * lists the charge's refunds (refundHistory). The entry is the one whose refundNo is the id
   * refund() recorded (DOKU's refundNo), or whose partnerReferenceNo is (the partnerRefundNo bayar
   * sent, recorded when the answer carried no refundNo). Not listed (yet) is not an answer: PENDING,
   * and the workflow looks again until its follow-up window ends.
   */
  async findRefund(charge: ChargeRef, providerRefundId: string): Promise<RefundStatus> {
    const answer = await this.statusAnswer(charge, 'refund lookup');
    const history = refundHistoryIdsSchema.safeParse((answer as { refundHistory?: unknown }).refundHistory ?? []);
    if (!history.success) throw new ProviderUnavailable('doku snap refund lookup: refundHistory is not a list of refunds', 'doku', 'BAD_RESPONSE');
    let matches = history.data.filter((entry) => entry.refundNo === providerRefundId);
    if (matches.length === 0) matches = history.data.filter((entry) => entry.partnerReferenceNo === providerRefundId);
    if (matches.length === 0) return { state: 'PENDING', providerStatus: 'not in refundHistory' };
    if (matches.length > 1) throw new ProviderRejected(`doku snap refund lookup: ${matches.length} refunds answer to ${providerRefundId}`, 'doku', 'REFUND_AMBIGUOUS');
    const entry = refundHistoryEntrySchema.safeParse(matches[0]);
    if (!entry.success) {
      if (entry.error.issues.some((issue) => issue.path[0] === 'refundAmount')) {
        const value = (matches[0] as { refundAmount?: { value?: unknown } }).refundAmount?.value;
        throw new ProviderRejected(`doku snap refund lookup: refundAmount ${JSON.stringify(value)} is not whole rupiah`, 'doku', 'AMOUNT_INVALID');
      }
      throw new ProviderUnavailable('doku snap refund lookup: unexpected refundHistory entry', 'doku', 'BAD_RESPONSE');
    }
    const { refundStatus } = entry.data;
    const state = dokuSnapRefundStatusToRefundState(refundStatus);
    return { state, providerStatus: refundStatus, ...(state === 'FAILED' ? { reason: `DOKU_SNAP_REFUND_FAILED: refundStatus ${refundStatus}` } : {}) };
  }

  async refund(request: RefundRequest): Promise<RefundResult> {
    const channel = channelOf(request.charge.method);
    // partnerRefundNo is DOKU's idempotency key for the refund: ≤ 64, stable across retries.
    const partnerRefundNo = request.idempotencyKey.length <= 64 ? request.idempotencyKey : createHash('sha256').update(request.idempotencyKey).digest('hex');
    const body: SnapRefundRequest = {
      originalPartnerReferenceNo: request.charge.paymentId,
      ...(request.charge.providerReference && request.charge.providerReference !== request.charge.paymentId ? { originalReferenceNo: request.charge.providerReference } : {}),
      partnerRefundNo,
      refundAmount: { value: toSnapValue(request.amount), currency: 'IDR' },
      reason: request.reason.slice(0, 255),
      additionalInfo: { channel },
    };
    const res = await this.client.post(DOKU_SNAP_PATHS.refund, body, this.customerHeaders(request.charge.paymentId));
    if (res.status !== 200 && res.status !== 202) snapThrowFor(res, 'refund');
    const parsed = refundResponseSchema.safeParse(parseJson(res.text));
    if (!parsed.success) throw new ProviderUnavailable('doku snap refund: unexpected response shape', 'doku', 'BAD_RESPONSE');
    const answer = parsed.data;
    if (answer.refundAmount && parseSnapValue(answer.refundAmount.value) !== request.amount) {
      throw new ProviderRejected(`doku snap refunded ${answer.refundAmount.value}, expected ${request.amount}`, 'doku', 'AMOUNT_MISMATCH');
    }
    // 200 "Successful" is final; 202 "Request In Progress" is accepted and not done yet.
    return { providerRefundId: answer.refundNo ?? partnerRefundNo, state: res.status === 200 ? 'SUCCEEDED' : 'PENDING' };
  }

  /**
   * DOKU's B2B token request to bayar, before it notifies (SDK: validateSignature +
   * generateTokenB2B): X-CLIENT-KEY is our client id, X-SIGNATURE is DOKU's RSA signature over
   * `clientId|X-TIMESTAMP`, checked with DOKU's public key. The answer is an RS256 JWT of ours.
   */
  issueToken(raw: RawWebhook, now = Date.now()): WebhookReply {
    const timestamp = raw.headers['x-timestamp'];
    const clientKey = raw.headers['x-client-key'];
    const refused = (why: string): WebhookReply => ({
      status: 401,
      contentType: 'application/json',
      body: JSON.stringify({ responseCode: '4017300', responseMessage: `Unauthorized. ${why}` }),
    });
    if (!timestamp || !clientKey || !raw.headers['x-signature']) return refused('Missing header');
    if (clientKey !== this.config.clientId) return refused('Unknown client');
    if (!asymmetricSignatureMatches(this.config.snap.dokuPublicKey, clientKey, timestamp, raw.headers['x-signature'])) return refused('Invalid Signature');
    const stampedAt = parseSnapTimestamp(timestamp);
    if (stampedAt === undefined || Math.abs(now - stampedAt) > this.config.notificationToleranceMs) return refused('Invalid Timestamp');
    const body = tokenRequestSchema.safeParse(parseJson(raw.rawBody.toString('utf8')));
    if (!body.success) {
      return { status: 400, contentType: 'application/json', body: JSON.stringify({ responseCode: '4007300', responseMessage: 'Invalid Field Format grantType' }) };
    }
    const accessToken = issueNotificationToken(this.config.snap.privateKey, this.config.clientId, now, NOTIFICATION_TOKEN_TTL_SECONDS);
    return {
      status: 200,
      contentType: 'application/json',
      body: JSON.stringify({ responseCode: '2007300', responseMessage: 'Successful', accessToken, tokenType: 'Bearer', expiresIn: String(NOTIFICATION_TOKEN_TTL_SECONDS), additionalInfo: '' }),
    };
  }

  /**
   * A SNAP e-wallet notification, verified before anything is parsed: the Bearer token must be
   * one bayar issued (RS256, ours, unexpired, our client id), X-PARTNER-ID ours, and X-SIGNATURE
   * the HMAC-SHA512 over `POST:path:token:hash(minified raw body):X-TIMESTAMP` — constant-time —
   * with X-TIMESTAMP within the tolerance.
   */
  parseNotification(raw: RawWebhook, now = Date.now()): ParsedWebhook {
    this.verifyNotification(raw, now);
    return this.parseVerifiedNotification(raw);
  }

  /**
   * The checks every SNAP notification passes before its body is read (e-wallets and VAs alike):
   * throws SignatureInvalid unless it is genuine, for us, and fresh.
   */
  verifyNotification(raw: RawWebhook, now = Date.now()): void {
    const [received, timestamp, partnerId, authorization] = signedHeaders(raw, 'X-SIGNATURE', ['X-TIMESTAMP', 'X-PARTNER-ID', 'Authorization']);
    if (partnerId !== this.config.clientId) throw new SignatureInvalid('doku', 'X-PARTNER-ID is not ours');
    const token = /^Bearer (\S+)$/i.exec(authorization)?.[1];
    if (!token || !verifyNotificationToken(token, this.ourPublicKey, this.config.clientId, now)) throw new SignatureInvalid('doku', 'Bearer token is not one bayar issued, or it expired');
    const paths = new Set([raw.path, ...(this.config.notificationPaths ?? []).flatMap((p) => [p, ...DOKU_SNAP_NOTIFY_PATHS.map((suffix) => p + suffix)])]);
    const genuine = [...paths].some((path) => symmetricSignatureMatches({ method: 'POST', path, accessToken: token, body: raw.rawBody, timestamp }, received, this.config.snap.clientSecret));
    if (!genuine) throw new SignatureInvalid('doku', 'X-SIGNATURE does not match');
    const stampedAt = parseSnapTimestamp(timestamp);
    if (stampedAt === undefined) throw new SignatureInvalid('doku', 'X-TIMESTAMP is not an ISO 8601 time with a zone');
    if (Math.abs(now - stampedAt) > this.config.notificationToleranceMs) {
      throw new SignatureInvalid('doku', `X-TIMESTAMP ${timestamp} is more than ${Math.round(this.config.notificationToleranceMs / 1000)} s away from now`);
    }
  }

  /** An e-wallet notification whose headers verifyNotification has checked. */
  parseVerifiedNotification(raw: RawWebhook): ParsedWebhook {
    const parsed = notificationSchema.safeParse(parseJson(raw.rawBody.toString('utf8')));
    if (!parsed.success) throw new WebhookMalformed('doku', parsed.error.issues[0]?.message ?? 'bad body');
    const n = parsed.data;
    const ack: WebhookReply = { status: 200, contentType: 'application/json', body: JSON.stringify(SNAP_NOTIFY_ACK) };
    const chargeStatus = dokuSnapStatusToChargeStatus(n.latestTransactionStatus);
    const status = describeStatus(n.latestTransactionStatus, n.transactionStatusDesc);
    if (chargeStatus === 'REFUNDED') {
      // A refund (bayar's, or one made at DOKU without bayar). The notification names no refund
      // and no refunded total [? DOKU publishes no refund notification sample], so it only wakes
      // the payment; the status look-up's refundHistory says what was refunded (findCharge).
      return {
        kind: 'payment',
        paymentId: n.originalPartnerReferenceNo,
        ack,
        event: {
          provider: 'doku',
          eventId: `doku-snap:${n.originalReferenceNo ?? n.originalPartnerReferenceNo}:${n.latestTransactionStatus}:${n.amount.value.slice(0, 32)}`,
          source: 'webhook',
          wakeOnly: true,
          chargeStatus,
          providerReference: n.originalReferenceNo ?? undefined,
          providerStatus: status,
        },
      };
    }
    const amount = parseSnapValue(n.amount.value);
    if (chargeStatus === 'PAID' && amount === undefined) throw new WebhookMalformed('doku', `amount.value ${JSON.stringify(n.amount.value)} is not whole rupiah`);
    const event: ProviderEvent = {
      provider: 'doku',
      // DOKU's X-EXTERNAL-ID is per request (a retry is a new request with a new token), so the
      // dedupe key is what the notification says: this charge reached this status. A duplicate
      // or a retry of it is the same event; a different status is a different one.
      eventId: `doku-snap:${n.originalReferenceNo ?? n.originalPartnerReferenceNo}:${n.latestTransactionStatus}`,
      source: 'webhook',
      chargeStatus,
      paidAmount: chargeStatus === 'PAID' ? amount : undefined,
      providerReference: n.originalReferenceNo ?? undefined,
      providerStatus: status,
      reason: chargeStatus === 'FAILED' || chargeStatus === 'CANCELLED' ? `DOKU SNAP ${status}` : undefined,
    };
    return { kind: 'payment', paymentId: n.originalPartnerReferenceNo, event, ack };
  }

  /** X-DEVICE-ID (mandatory for DANA and ShopeePay payments and refunds), X-IP-ADDRESS when known. */
  private customerHeaders(paymentId: string, ipAddress?: string): Record<string, string> {
    return { 'x-device-id': deviceIdFor(paymentId), ...(ipAddress && IPV4.test(ipAddress) ? { 'x-ip-address': ipAddress } : {}) };
  }
}

/** The reply to a notification bayar cannot take now: any non-2xx makes DOKU retry. */
export const SNAP_NOTIFY_RETRY_LATER: WebhookReply = {
  status: 503,
  contentType: 'application/json',
  body: JSON.stringify({ responseCode: '5035600', responseMessage: 'Service Unavailable' }),
};

function channelOf(method: ChargeRef['method']): string {
  const channel = dokuSnapChannelFor(method);
  if (!channel) throw new ProviderRejected(`doku snap does not offer ${method}`, 'doku', 'UNSUPPORTED_METHOD');
  return channel.channel;
}

function describeStatus(code: string, desc: string | null | undefined): string {
  return desc ? `${code} ${desc}` : code;
}

/**
 * The refunds DOKU lists on the charge (status answer `refundHistory`, RefundHistoryDTO of
 * doku-nodejs-library 1.0.52: refundNo, partnerReferenceNo, refundAmount, refundStatus), those
 * made at DOKU without bayar included: only succeeded ones count (status.ts
 * dokuSnapRefundStatusToRefundState). Each is named by DOKU's refundNo, or the merchant's
 * partnerReferenceNo, the id bayar's own refund recorded. A history that cannot be read as money
 * is left out rather than guessed at, so it never stands in the way of a payment look-up.
 */
function refundsOf(history: unknown): ProviderRefunds | undefined {
  if (history === undefined || history === null) return undefined;
  const entries = z.array(refundHistoryEntrySchema).safeParse(history);
  if (!entries.success || entries.data.length === 0) return undefined;
  const refunds: { providerRefundId: string; amount: number }[] = [];
  for (const entry of entries.data) {
    if (dokuSnapRefundStatusToRefundState(entry.refundStatus) !== 'SUCCEEDED') continue;
    refunds.push({ providerRefundId: entry.refundNo ?? entry.partnerReferenceNo ?? '', amount: entry.refundAmount.value });
  }
  if (refunds.length === 0) return undefined;
  const total = refunds.reduce((sum, r) => sum + r.amount, 0);
  return refunds.every((r) => r.providerRefundId !== '') ? { total, refunds } : { total };
}
