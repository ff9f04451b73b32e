// A local stand-in for DOKU's SNAP sandbox: virtual accounts (create-va, status, delete-va, the VA
// payment notification; see "SNAP virtual accounts" below) and the e-wallet part (DANA, ShopeePay "jump app"): the B2B
// token endpoint (RSA signature checked with the merchant's public key), HMAC-SHA512 on every
// call with SNAP responseCodes (401xx00 bad signature, 401xx01 bad token, 409xx00 reused
// X-EXTERNAL-ID), idempotency on partnerReferenceNo and partnerRefundNo, charges in memory with
// status and validUpTo, full and partial refunds, and notifications the way DOKU sends them: first
// a token request to bayar (RSA-signed with DOKU's key), then the notification with that Bearer
// token and an HMAC-SHA512 X-SIGNATURE, fresh for every attempt, retried 30 min, 6 h and 12 h
// later (× BAYAR_SANDBOX_TIME_SCALE). Served by the DOKU sandbox, on DOKU's one host.
// Refunds can be switched to answer 202 "Request In Progress" and stay in progress (refundHistory
// status 03) until a control call, or the next status look-up, concludes them (00 or 06).
// Service codes in responseCode: 73 token, 54 payment, 55 status, 58 refund.
import { randomBytes, randomInt, type KeyObject } from 'node:crypto';
import { DOKU_SNAP_PATHS } from '../capabilities.js';
import { externalId } from '../snap/client.js';
import { paymentRequestSchema, parseSnapValue, refundRequestSchema, SNAP_EWALLET_CHANNELS, statusRequestSchema, toSnapValue, tokenRequestSchema, type SnapEwalletChannel } from '../snap/schemas.js';
import { createVaRequestSchema, deleteVaRequestSchema, vaDigits, vaStatusRequestSchema } from '../snap/va-schemas.js';
import { asymmetricSignature, asymmetricSignatureMatches, parseSnapTimestamp, snapTimestamp, symmetricSignature, symmetricSignatureMatches } from '../snap/signature.js';
import { DOKU_NOTIFICATION_RETRIES_MS } from './retries.js';
import { jsonBody, ProviderSandbox, markPaid, ledgerEntry, clearAll } from '../../../sandbox/kit.js';
import type { Handler, LedgerEntry, Notification, SandboxRequest, SandboxResponse } from '../../../sandbox/kit.js';
import { httpCall } from '../../../common/http-client.js';
import { parseJson } from '../../http.js';

/** SNAP latestTransactionStatus values the sandbox uses. */
type SnapStatus = '03' | '00' | '04' | '05';
const STATUS_DESC: Record<SnapStatus, string> = { '00': 'Success', '03': 'Pending', '04': 'Refunded', '05': 'Canceled' };
const LEDGER_STATUS: Record<SnapStatus, string> = { '00': 'SUCCESS', '03': 'PENDING', '04': 'REFUNDED', '05': 'EXPIRED' };

const ACQUIRER: Record<SnapEwalletChannel, string> = { EMONEY_DANA_SNAP: 'DANA', EMONEY_SHOPEE_PAY_SNAP: 'SHOPEE_PAY' };

const MAX_TIMER_MS = 2 ** 31 - 1;

/** doku-nodejs-library _commons/vaChannelEnum.js. */
const VA_CHANNELS = new Set([
  'VIRTUAL_ACCOUNT_BCA',
  'VIRTUAL_ACCOUNT_BANK_MANDIRI',
  'VIRTUAL_ACCOUNT_BANK_SYARIAH_MANDIRI',
  'VIRTUAL_ACCOUNT_BRI',
  'VIRTUAL_ACCOUNT_BNI',
  'VIRTUAL_ACCOUNT_DOKU',
  'VIRTUAL_ACCOUNT_PERMATA',
  'VIRTUAL_ACCOUNT_CIMB',
  'VIRTUAL_ACCOUNT_DANAMON',
]);

/** refundHistory[].refundStatus: SNAP's codes, 00 success, 03 in progress, 06 failed [? see status.ts]. */
type SnapRefundStatus = '00' | '03' | '06';

interface SnapRefund {
  partnerRefundNo: string;
  refundNo: string;
  amount: number;
  reason?: string;
  at: number;
  status: SnapRefundStatus;
  /** Set while in progress when the refund mode says so: concluded this way after the next status look-up. */
  concludeOnLookup?: '00' | '06';
  answer: SandboxResponse;
}

/** How new refunds are answered: at once (200), or 202 and kept in progress. */
interface RefundMode {
  pending: boolean;
  /** While pending: conclude each such refund (SUCCEEDED → 00, FAILED → 06) after the next status look-up; else only the control call does. */
  concludeOnLookup?: 'SUCCEEDED' | 'FAILED';
}

interface SnapCharge {
  partnerReferenceNo: string;
  referenceNo: string;
  externalId: string;
  channel: SnapEwalletChannel;
  amount: number;
  validUpTo: string;
  validUntil: number;
  createdAt: number;
  status: SnapStatus;
  paidAmount: number;
  paidAt?: number;
  refunds: SnapRefund[];
  createRequests: number;
  answer: SandboxResponse;
}

/**
 * A SNAP virtual account as the sandbox keeps it. Sources: doku-nodejs-library 1.0.52
 * (createVaRequestDto.js validateVaRequestDto and its simulator answers: 2002700 created,
 * 4092700 conflict; deleteVaRequestDTO.js: 2003100; checkStatusVARequestDTO.js: 2002600) and
 * DOKU's published VA notification samples (…/bank-mandiri-va-http-sample-snap).
 */
interface SnapVa {
  partnerServiceId: string;
  customerNo: string;
  virtualAccountNo: string;
  digits: string;
  name: string;
  trxId: string;
  channel: string;
  amount: number;
  expiredDate: string;
  expiresAt: number;
  createdAt: number;
  /** open: payable; paid; deleted (delete-va); expired (past expiredDate) [? DOKU's own states are not published]. */
  state: 'open' | 'paid' | 'deleted' | 'expired';
  paidAmount: number;
  paidAt?: number;
  paymentRequestId?: string;
  createRequests: number;
  answer: SandboxResponse;
}

const VA_LEDGER_STATUS: Record<SnapVa['state'], string> = { open: 'PENDING', paid: 'SUCCESS', deleted: 'DELETED', expired: 'EXPIRED' };

export interface DokuSnapSandboxOptions {
  clientId: string;
  /** The merchant's SNAP client secret (HMAC-SHA512). */
  clientSecret: string;
  /** The merchant's public key: checks its B2B token requests. */
  merchantPublicKey: string | KeyObject;
  /** DOKU's private key: signs the token requests DOKU makes before notifying. */
  dokuPrivateKey: string;
  /** B2B token lifetime in seconds (DOKU: 900). */
  tokenTtlSeconds?: number;
}

export class DokuSnapSandbox extends ProviderSandbox<DokuSnapSandboxOptions> {
  private readonly charges = new Map<string, SnapCharge>();
  private readonly byReferenceNo = new Map<string, SnapCharge>();
  /** SNAP VAs by their digits, and by trxId (bayar's payment id). */
  private readonly vas = new Map<string, SnapVa>();
  private readonly vasByTrxId = new Map<string, SnapVa>();
  private readonly tokens = new Map<string, number>();
  /** X-EXTERNAL-ID → the day it was used: unique per day, as SNAP requires. */
  private readonly externalIds = new Map<string, string>();
  private readonly outbox: { url: string; body: string }[] = [];
  /** Real e-wallet refunds can stay in progress for a while; tests switch that on and conclude them. */
  private refundMode: RefundMode = { pending: false };

  protected endpoints(): [string, string, Handler][] {
    return [
      ['POST', DOKU_SNAP_PATHS.token, (r) => this.issueToken(r)],
      ['POST', DOKU_SNAP_PATHS.payment, (r) => this.authed(r, '54', () => this.payment(r))],
      ['POST', DOKU_SNAP_PATHS.status, (r) => this.authed(r, '55', () => this.status(r))],
      ['POST', DOKU_SNAP_PATHS.refund, (r) => this.authed(r, '58', () => this.refund(r))],
      // SNAP VA: create 27, status 26, delete 31 (SNAP BI service codes, as the SDK's simulator answers use).
      ['POST', DOKU_SNAP_PATHS.createVa, (r) => this.authed(r, '27', () => this.createVa(r))],
      ['POST', DOKU_SNAP_PATHS.vaStatus, (r) => this.authed(r, '26', () => this.vaStatus(r))],
      ['DELETE', DOKU_SNAP_PATHS.deleteVa, (r) => this.authed(r, '31', () => this.deleteVa(r))],
      // The wallet's page the customer is sent to (webRedirectUrl); the sandbox only names it.
      [
        'GET',
        '/snap/checkout/:referenceNo',
        (r) => {
          const c = this.byReferenceNo.get(r.params.referenceNo!);
          return c
            ? { status: 200, contentType: 'text/plain', body: `${ACQUIRER[c.channel]} sandbox checkout: ${c.partnerReferenceNo} IDR ${c.amount}` }
            : { status: 404, contentType: 'text/plain', body: 'not found' };
        },
      ],
      // Sandbox only: forget every issued token (DOKU restarted, or the token expired early), so
      // the next call is refused 401xx01 and a client must fetch a new one.
      [
        'POST',
        '/_sandbox/doku/snap/tokens/expire',
        () => {
          const dropped = this.tokens.size;
          this.tokens.clear();
          return { status: 200, body: { dropped } };
        },
      ],
      ['GET', '/_sandbox/doku/snap/outbox', () => ({ status: 200, body: this.outbox })],
      // Control: {"pending":true} makes new refunds answer 202 and stay in progress until concluded
      // below, or — with "concludeOnLookup":"SUCCEEDED"|"FAILED" — after the next status look-up.
      ['POST', '/_sandbox/doku/snap/refunds', (r) => this.setRefundMode(r)],
      ['POST', '/_sandbox/doku/snap/refunds/:refundNo/complete', (r) => this.completeRefund(r.params.refundNo!, r)],
    ];
  }

  has(reference: string): boolean {
    return this.find(reference) !== undefined || this.findVa(reference) !== undefined;
  }

  pay(reference: string, options: { amount?: number; force?: boolean }): SandboxResponse {
    const va = this.findVa(reference);
    if (va) return this.payVa(va, options);
    const charge = this.find(reference);
    if (!charge) return snapError(404, '4045401', 'Transaction Not Found');
    this.refresh(charge);
    if (charge.status !== '03' && !(options.force === true && charge.status === '05')) {
      return snapError(403, '4035415', `Transaction Not Permitted: it is ${STATUS_DESC[charge.status]}`);
    }
    charge.status = '00';
    markPaid(charge, options.amount);
    this.notify(charge);
    return { status: 200, body: this.statusBody(charge) };
  }

  ledger(): LedgerEntry[] {
    const vas = [...this.vas.values()].map((v) => ledgerEntry(v, { reference: v.trxId, providerId: v.digits, status: VA_LEDGER_STATUS[this.refreshVa(v).state] }));
    const charges = [...this.charges.values()].map((c) =>
      ledgerEntry(c, { reference: c.partnerReferenceNo, providerId: c.referenceNo, status: LEDGER_STATUS[this.refresh(c).status], refundedAmount: refunded(c) }),
    );
    return vas.concat(charges);
  }

  reset(): void {
    clearAll(this.vas, this.vasByTrxId, this.charges, this.byReferenceNo, this.tokens, this.externalIds);
    this.outbox.length = 0;
    this.refundMode = { pending: false };
  }

  // ---- B2B token (merchant → DOKU) ----

  /**
   * POST /authorization/v1/access-token/b2b (doku-nodejs-library _services/tokenService.js,
   * _commons/config.js): X-CLIENT-KEY, X-TIMESTAMP, and X-SIGNATURE = SHA256withRSA over
   * `clientId|X-TIMESTAMP`; body `{"grantType":"client_credentials"}`; 900 s tokens (the SDK's
   * assumption). responseCodes follow SNAP's HTTP(3)+service(2)+case(2) form (PROVIDERS.md §1.4).
   */
  private issueToken(r: SandboxRequest): SandboxResponse {
    const clientKey = r.headers['x-client-key'];
    const timestamp = r.headers['x-timestamp'];
    const signature = r.headers['x-signature'];
    if (!clientKey || !timestamp || !signature) return snapError(400, '4007302', 'Invalid Mandatory Field X-CLIENT-KEY, X-TIMESTAMP, X-SIGNATURE');
    if (parseSnapTimestamp(timestamp) === undefined) return snapError(400, '4007301', 'Invalid Field Format X-TIMESTAMP');
    if (clientKey !== this.options.clientId) return snapError(401, '4017300', 'Unauthorized. Unknown client');
    if (!asymmetricSignatureMatches(this.options.merchantPublicKey, clientKey, timestamp, signature)) return snapError(401, '4017300', 'Unauthorized. Invalid Signature');
    if (!tokenRequestSchema.safeParse(jsonBody(r)).success) return snapError(400, '4007302', 'Invalid Mandatory Field grantType');
    const ttl = this.options.tokenTtlSeconds ?? 900;
    const accessToken = randomBytes(32).toString('base64url');
    this.tokens.set(accessToken, Date.now() + ttl * 1000);
    return { status: 200, body: { responseCode: '2007300', responseMessage: 'Successful', accessToken, tokenType: 'Bearer', expiresIn: String(ttl), additionalInfo: '' } };
  }

  /**
   * SNAP's request authentication: a live B2B token, our partner id, the X-TIMESTAMP and
   * X-EXTERNAL-ID headers, the HMAC-SHA512 signature over this path, the token and the received
   * bytes, and an X-EXTERNAL-ID not used before today. Sources: developers.doku.com SNAP
   * Symmetric Signature (`METHOD:path:token:hex(SHA-256(minified body)):X-TIMESTAMP`, HMAC-SHA512);
   * X-EXTERNAL-ID "numeric, unique in the same day" (SNAP notification header table); codes
   * 4012700/4012701 style from the SDK's sandbox shortcuts (PROVIDERS.md §1.4).
   */
  private authed(r: SandboxRequest, service: string, next: () => SandboxResponse): SandboxResponse {
    const token = /^Bearer (\S+)$/i.exec(r.headers['authorization'] ?? '')?.[1];
    const expiresAt = token ? this.tokens.get(token) : undefined;
    if (!token || expiresAt === undefined || expiresAt <= Date.now()) return snapError(401, `401${service}01`, 'Invalid Token (B2B)');
    if (r.headers['x-partner-id'] !== this.options.clientId) return snapError(401, `401${service}00`, 'Unauthorized. Unknown client');
    const timestamp = r.headers['x-timestamp'];
    if (!timestamp || parseSnapTimestamp(timestamp) === undefined) return snapError(400, `400${service}02`, 'Invalid Mandatory Field X-TIMESTAMP');
    const external = r.headers['x-external-id'];
    if (!external || !/^\d{1,36}$/.test(external)) return snapError(400, `400${service}02`, 'Invalid Mandatory Field X-EXTERNAL-ID');
    if (!symmetricSignatureMatches({ method: r.method, path: r.path, accessToken: token, body: r.rawBody, timestamp }, r.headers['x-signature'], this.options.clientSecret)) {
      return snapError(401, `401${service}00`, 'Unauthorized. Invalid Signature');
    }
    const today = snapTimestamp(Date.now()).slice(0, 10);
    if (this.externalIds.get(external) === today) return snapError(409, `409${service}00`, 'Conflict');
    this.externalIds.set(external, today);
    return next();
  }

  // ---- payment (jump app) ----

  /**
   * Direct Debit payment-host-to-host, jump app (doku-nodejs-library _models/paymentRequestDirectDebitDTO.js and
   * ddChannelEnum.js): DANA and ShopeePay only; OVO through DOKU needs account binding
   * (capabilities.ts), refused here as 403 Feature Not Allowed [? DOKU's exact code]. X-DEVICE-ID
   * is mandatory for these channels (the SDK sends it: _services/directDebitService.js, _commons/validateHeader.js); validUpTo must be
   * a zoned time in the future.
   */
  private payment(r: SandboxRequest): SandboxResponse {
    const parsed = paymentRequestSchema.safeParse(jsonBody(r));
    if (!parsed.success) return snapError(400, '4005401', `Invalid Field Format ${parsed.error.issues[0]?.path.join('.') ?? ''}`.trim());
    const req = parsed.data;
    const channel = req.additionalInfo.channel;
    if (channel === 'EMONEY_OVO_SNAP') return snapError(403, '4035401', 'Feature Not Allowed. OVO needs account binding');
    if (!(SNAP_EWALLET_CHANNELS as readonly string[]).includes(channel)) return snapError(400, '4005401', 'Invalid Field Format additionalInfo.channel');
    if (!r.headers['x-device-id'] || !/^[A-Za-z0-9]{1,64}$/.test(r.headers['x-device-id'])) return snapError(400, '4005402', 'Invalid Mandatory Field X-DEVICE-ID');
    const amount = parseSnapValue(req.amount.value);
    if (amount === undefined || amount < 1) return snapError(400, '4005401', 'Invalid Field Format amount.value');
    const validUntil = parseSnapTimestamp(req.validUpTo);
    if (validUntil === undefined) return snapError(400, '4005401', 'Invalid Field Format validUpTo');

    const existing = this.charges.get(req.partnerReferenceNo);
    if (existing) {
      // DANA's rule, passed through by DOKU: the same partnerReferenceNo with consistent details
      // answers the first result again; with other details it is refused [? DOKU's exact code].
      if (existing.amount === amount && existing.channel === channel && existing.validUpTo === req.validUpTo) {
        existing.createRequests += 1;
        return existing.answer;
      }
      existing.createRequests += 1;
      return snapError(409, '4095401', 'Duplicate partnerReferenceNo');
    }
    if (validUntil <= Date.now()) return snapError(400, '4005401', 'Invalid Field Format validUpTo');
    const referenceNo = digits(12);
    const base = `http://${r.headers.host ?? '127.0.0.1'}`;
    const webRedirectUrl = `${base}/snap/checkout/${referenceNo}`;
    const charge: SnapCharge = {
      partnerReferenceNo: req.partnerReferenceNo,
      referenceNo,
      externalId: r.headers['x-external-id']!,
      channel: channel as SnapEwalletChannel,
      amount,
      validUpTo: req.validUpTo,
      validUntil,
      createdAt: Date.now(),
      status: '03',
      paidAmount: 0,
      refunds: [],
      createRequests: 1,
      answer: {
        status: 200,
        body: { responseCode: '2005400', responseMessage: 'Successful', webRedirectUrl, partnerReferenceNo: req.partnerReferenceNo, referenceNo, additionalInfo: { webRedirectUrl } },
      },
    };
    this.charges.set(charge.partnerReferenceNo, charge);
    this.byReferenceNo.set(referenceNo, charge);
    const delay = validUntil - Date.now();
    if (delay <= MAX_TIMER_MS) this.kit.at(validUntil, () => void (this.charges.get(charge.partnerReferenceNo) === charge && this.refresh(charge)));
    return charge.answer;
  }

  // ---- status ----

  private status(r: SandboxRequest): SandboxResponse {
    const parsed = statusRequestSchema.safeParse(jsonBody(r));
    if (!parsed.success) return snapError(400, '4005501', `Invalid Field Format ${parsed.error.issues[0]?.path.join('.') ?? ''}`.trim());
    const { originalPartnerReferenceNo, originalReferenceNo } = parsed.data;
    const charge = (originalPartnerReferenceNo ? this.charges.get(originalPartnerReferenceNo) : undefined) ?? (originalReferenceNo ? this.byReferenceNo.get(originalReferenceNo) : undefined);
    if (!charge) return snapError(404, '4045501', 'Transaction Not Found');
    const answer: SandboxResponse = { status: 200, body: this.statusBody(this.refresh(charge)) };
    // This look-up saw them in progress; the next one sees them concluded.
    for (const f of charge.refunds) if (f.status === '03' && f.concludeOnLookup) this.conclude(charge, f, f.concludeOnLookup);
    return answer;
  }

  private statusBody(c: SnapCharge): Record<string, unknown> {
    return {
      responseCode: '2005500',
      responseMessage: 'Successful',
      originalPartnerReferenceNo: c.partnerReferenceNo,
      originalReferenceNo: c.referenceNo,
      originalExternalId: c.externalId,
      serviceCode: '54',
      latestTransactionStatus: c.status,
      transactionStatusDesc: c.status === '05' ? 'Expired' : STATUS_DESC[c.status],
      transAmount: { value: toSnapValue(c.status === '03' || c.status === '05' ? c.amount : c.paidAmount), currency: 'IDR' },
      feeAmount: { value: '0.00', currency: 'IDR' },
      ...(c.paidAt ? { paidTime: snapTimestamp(c.paidAt) } : {}),
      // RefundHistoryDTO (doku-nodejs-library 1.0.52): partnerReferenceNo is the merchant's refund number.
      refundHistory: c.refunds.map((f) => ({
        refundNo: f.refundNo,
        partnerReferenceNo: f.partnerRefundNo,
        refundAmount: { value: toSnapValue(f.amount), currency: 'IDR' },
        refundStatus: f.status,
        refundDate: snapTimestamp(f.at),
        ...(f.reason ? { reason: f.reason } : {}),
      })),
      additionalInfo: { channel: c.channel, acquirer: { id: ACQUIRER[c.channel] } },
    };
  }

  // ---- refund ----

  private refund(r: SandboxRequest): SandboxResponse {
    const parsed = refundRequestSchema.safeParse(jsonBody(r));
    if (!parsed.success) return snapError(400, '4005801', `Invalid Field Format ${parsed.error.issues[0]?.path.join('.') ?? ''}`.trim());
    const req = parsed.data;
    if (!(SNAP_EWALLET_CHANNELS as readonly string[]).includes(req.additionalInfo.channel)) return snapError(403, '4035801', 'Feature Not Allowed. Refund is for DANA and ShopeePay');
    if (!r.headers['x-device-id']) return snapError(400, '4005802', 'Invalid Mandatory Field X-DEVICE-ID');
    const charge = this.charges.get(req.originalPartnerReferenceNo);
    if (!charge || charge.channel !== req.additionalInfo.channel) return snapError(404, '4045801', 'Transaction Not Found');
    const amount = parseSnapValue(req.refundAmount.value);
    const earlier = charge.refunds.find((f) => f.partnerRefundNo === req.partnerRefundNo);
    if (earlier) return earlier.amount === amount ? earlier.answer : snapError(409, '4095801', 'Duplicate partnerRefundNo');
    if (charge.status !== '00') return snapError(403, '4035815', `Transaction Not Permitted: it is ${STATUS_DESC[this.refresh(charge).status]}`);
    if (amount === undefined || amount < 1 || amount > charge.paidAmount - refunded(charge)) return snapError(404, '4045813', 'Invalid Amount');
    const refundNo = digits(16);
    const at = Date.now();
    const pending = this.refundMode.pending;
    const answer: SandboxResponse = {
      // 202 "Request In Progress": accepted, not done; the status look-up's refundHistory says when it is.
      status: pending ? 202 : 200,
      body: {
        responseCode: pending ? '2025800' : '2005800',
        responseMessage: pending ? 'Request In Progress' : 'Successful',
        refundAmount: { value: toSnapValue(amount), currency: 'IDR' },
        originalPartnerReferenceNo: charge.partnerReferenceNo,
        originalReferenceNo: charge.referenceNo,
        refundNo,
        partnerRefundNo: req.partnerRefundNo,
        refundTime: snapTimestamp(at),
      },
    };
    const concludeOnLookup = pending && this.refundMode.concludeOnLookup ? (this.refundMode.concludeOnLookup === 'SUCCEEDED' ? '00' : '06') : undefined;
    charge.refunds.push({ partnerRefundNo: req.partnerRefundNo, refundNo, amount, reason: req.reason, at, status: pending ? '03' : '00', concludeOnLookup, answer });
    if (refunded(charge, '00') >= charge.paidAmount) charge.status = '04';
    return answer;
  }

  private setRefundMode(r: SandboxRequest): SandboxResponse {
    const body = jsonBody(r) as { pending?: unknown; concludeOnLookup?: unknown } | undefined;
    if (typeof body?.pending !== 'boolean') return { status: 400, body: { error: 'pending must be true or false' } };
    const conclude = body.concludeOnLookup;
    if (conclude !== undefined && conclude !== 'SUCCEEDED' && conclude !== 'FAILED') return { status: 400, body: { error: 'concludeOnLookup must be SUCCEEDED or FAILED' } };
    this.refundMode = { pending: body.pending, ...(conclude ? { concludeOnLookup: conclude } : {}) };
    return { status: 200, body: this.refundMode };
  }

  /** Concludes an in-progress refund (by refundNo or partnerRefundNo): {"status":"SUCCEEDED"|"FAILED"}. */
  private completeRefund(id: string, r: SandboxRequest): SandboxResponse {
    const status = (jsonBody(r) as { status?: unknown } | undefined)?.status;
    if (status !== 'SUCCEEDED' && status !== 'FAILED') return { status: 400, body: { error: 'status must be SUCCEEDED or FAILED' } };
    for (const charge of this.charges.values()) {
      const refund = charge.refunds.find((f) => f.refundNo === id || f.partnerRefundNo === id);
      if (!refund) continue;
      if (refund.status !== '03') return snapError(409, '4095800', `refund is ${refund.status}, not in progress`);
      this.conclude(charge, refund, status === 'SUCCEEDED' ? '00' : '06');
      return { status: 200, body: { refundNo: refund.refundNo, partnerRefundNo: refund.partnerRefundNo, refundStatus: refund.status } };
    }
    return snapError(404, '4045801', 'Refund Not Found');
  }

  /** An in-progress refund done (00: the money went back; fully refunded → 04) or failed (06: its amount is refundable again). */
  private conclude(charge: SnapCharge, refund: SnapRefund, status: '00' | '06'): void {
    refund.status = status;
    refund.concludeOnLookup = undefined;
    if (status === '00') {
      // A resend of the same partnerRefundNo now gets the final answer.
      refund.answer = { status: 200, body: { ...(refund.answer.body as Record<string, unknown>), responseCode: '2005800', responseMessage: 'Successful' } };
      if (refunded(charge, '00') >= charge.paidAmount) charge.status = '04';
    }
  }

  // ---- SNAP virtual accounts ----

  /**
   * create-va: the SDK's validateVaRequestDto rules (partnerServiceId 8 characters left-padded,
   * customerNo digits ≤ 20, virtualAccountNo = partnerServiceId + customerNo, name charset, trxId
   * 1–64, totalAmount "n.00", channel, C/O type, expiredDate with offset); a VA channel from the
   * SDK's vaChannelEnum. The same VA number again: the first answer if the request is the same
   * (trxId, amount), else 409 4092700 "Conflict" (the SDK simulator's code) [? DOKU's rule for a
   * resend is not published]. virtualAccountEmail / Phone are optional, as the SDK README's table says.
   */
  private createVa(r: SandboxRequest): SandboxResponse {
    const parsed = createVaRequestSchema.safeParse(jsonBody(r));
    if (!parsed.success) return snapError(400, '4002701', `Invalid Field Format ${parsed.error.issues[0]?.path.join('.') ?? ''}`.trim());
    const req = parsed.data;
    if (!VA_CHANNELS.has(req.additionalInfo.channel)) return snapError(400, '4002701', 'Invalid Field Format additionalInfo.channel');
    if (req.virtualAccountTrxType !== 'C') return snapError(400, '4002701', 'Invalid Field Format virtualAccountTrxType [sandbox: closed amount only]');
    const amount = parseSnapValue(req.totalAmount.value);
    if (amount === undefined || amount < 1) return snapError(400, '4002701', 'Invalid Field Format totalAmount.value');
    const expiresAt = parseSnapTimestamp(req.expiredDate);
    if (expiresAt === undefined) return snapError(400, '4002701', 'Invalid Field Format expiredDate');
    const digitsOnly = vaDigits(req.virtualAccountNo);
    const existing = this.vas.get(digitsOnly);
    if (existing) {
      existing.createRequests += 1;
      if (existing.trxId === req.trxId && existing.amount === amount && existing.state === 'open') return existing.answer;
      return snapError(409, '4092700', 'Conflict');
    }
    if (expiresAt <= Date.now()) return snapError(400, '4002701', 'Invalid Field Format expiredDate');
    const va: SnapVa = {
      partnerServiceId: req.partnerServiceId,
      customerNo: req.customerNo,
      virtualAccountNo: req.virtualAccountNo,
      digits: digitsOnly,
      name: req.virtualAccountName,
      trxId: req.trxId,
      channel: req.additionalInfo.channel,
      amount,
      expiredDate: req.expiredDate,
      expiresAt,
      createdAt: Date.now(),
      state: 'open',
      paidAmount: 0,
      createRequests: 1,
      answer: {
        status: 200,
        body: {
          responseCode: '2002700',
          responseMessage: 'Successful',
          virtualAccountData: {
            partnerServiceId: req.partnerServiceId,
            customerNo: req.customerNo,
            virtualAccountNo: req.virtualAccountNo,
            virtualAccountName: req.virtualAccountName,
            virtualAccountEmail: req.virtualAccountEmail ?? '',
            virtualAccountPhone: req.virtualAccountPhone ?? '',
            trxId: req.trxId,
            totalAmount: req.totalAmount,
            virtualAccountTrxType: 'C',
            expiredDate: req.expiredDate,
            additionalInfo: { channel: req.additionalInfo.channel },
          },
        },
      },
    };
    this.vas.set(digitsOnly, va);
    this.vasByTrxId.set(va.trxId, va);
    return va.answer;
  }

  /**
   * transfer-va/status by VA number (the SDK's CheckStatusVARequestDto): virtualAccountData with
   * paymentFlagStatus "00" and paidAmount once paid (SNAP BI's inquiry-status fields, as the SDK's
   * CheckStatusVirtualAccountData reads them). 404 4042601 for a VA it never made [? DOKU's code].
   * An unpaid VA (open, deleted or expired) answers without a payment [? DOKU publishes no state
   * for a deleted or expired VA].
   */
  private vaStatus(r: SandboxRequest): SandboxResponse {
    const parsed = vaStatusRequestSchema.safeParse(jsonBody(r));
    if (!parsed.success) return snapError(400, '4002601', `Invalid Field Format ${parsed.error.issues[0]?.path.join('.') ?? ''}`.trim());
    if (parsed.data.virtualAccountNo !== parsed.data.partnerServiceId + parsed.data.customerNo) return snapError(400, '4002601', 'Invalid Field Format virtualAccountNo');
    const va = this.vas.get(vaDigits(parsed.data.virtualAccountNo));
    if (!va) return snapError(404, '4042601', 'Transaction Not Found');
    this.refreshVa(va);
    const paid = va.state === 'paid';
    return {
      status: 200,
      body: {
        responseCode: '2002600',
        responseMessage: 'Successful',
        virtualAccountData: {
          partnerServiceId: va.partnerServiceId,
          customerNo: va.customerNo,
          virtualAccountNo: va.virtualAccountNo,
          trxId: va.trxId,
          inquiryRequestId: null,
          paymentRequestId: va.paymentRequestId ?? null,
          totalAmount: { value: toSnapValue(va.amount), currency: 'IDR' },
          ...(paid ? { paidAmount: { value: toSnapValue(va.paidAmount), currency: 'IDR' }, trxDateTime: snapTimestamp(va.paidAt!) } : {}),
          paymentFlagStatus: paid ? '00' : '01',
          paymentFlagReason: paid ? { english: 'Success', indonesia: 'Sukses' } : { english: `Not paid (${va.state})`, indonesia: 'Belum dibayar' },
          billDetails: [],
        },
        additionalInfo: { acquirer: va.channel.replace(/^VIRTUAL_ACCOUNT_/, '') },
      },
    };
  }

  /**
   * delete-va (the SDK's DeleteVaRequestDto; DELETE with a JSON body): an open VA can no longer be
   * paid; 2003100. A paid one is refused 403 4033100 [? DOKU's code]; an unknown one 404 4043100.
   * The VA number, partnerServiceId and trxId must all match what was created.
   */
  private deleteVa(r: SandboxRequest): SandboxResponse {
    const parsed = deleteVaRequestSchema.safeParse(jsonBody(r));
    if (!parsed.success) return snapError(400, '4003101', `Invalid Field Format ${parsed.error.issues[0]?.path.join('.') ?? ''}`.trim());
    const req = parsed.data;
    const va = this.vas.get(vaDigits(req.virtualAccountNo));
    if (!va || va.trxId !== req.trxId || va.virtualAccountNo !== req.virtualAccountNo) return snapError(404, '4043100', 'Virtual Account Not Found');
    if (this.refreshVa(va).state === 'paid') return snapError(403, '4033100', 'Transaction Not Permitted: the VA is paid');
    va.state = 'deleted';
    return {
      status: 200,
      body: {
        responseCode: '2003100',
        responseMessage: 'Successful',
        virtualAccountData: { partnerServiceId: va.partnerServiceId, customerNo: va.customerNo, virtualAccountNo: va.virtualAccountNo, trxId: va.trxId, additionalInfo: { channel: va.channel } },
      },
    };
  }

  /**
   * The customer pays at the bank. A closed VA takes exactly its amount at a real bank; the control
   * call may say otherwise to simulate an odd payment. A deleted or expired VA cannot be paid,
   * unless forced (the late-money path: money that arrives anyway).
   */
  private payVa(va: SnapVa, options: { amount?: number; force?: boolean }): SandboxResponse {
    this.refreshVa(va);
    if (va.state !== 'open' && !(options.force === true && (va.state === 'deleted' || va.state === 'expired'))) {
      return snapError(403, '4032500', `Transaction Not Permitted: the VA is ${va.state}`);
    }
    va.state = 'paid';
    markPaid(va, options.amount);
    va.paymentRequestId = digits(12);
    this.notifyVa(va);
    return { status: 200, body: { virtualAccountNo: va.virtualAccountNo, trxId: va.trxId, paidAmount: va.paidAmount } };
  }

  /**
   * DOKU's VA payment notification: token request to bayar first, then POST
   * {base}/v1.1/transfer-va/payment with SNAP headers (CHANNEL-ID, X-EXTERNAL-ID, X-SIGNATURE
   * HMAC-SHA512 over that path). Body as DOKU's published Mandiri sample (trxDateTime,
   * channelCode, referenceNo, paidAmount "n.00", paymentRequestId, paidBills, flagAdvise, trxId,
   * partnerServiceId, customerNo, virtualAccountNo, virtualAccountName) plus additionalInfo.channel.
   * Retried on DOKU's schedule, re-signed each time.
   */
  private notifyVa(va: SnapVa): void {
    const base = this.kit.options.callbackUrl.replace(/\/$/, '');
    const url = base + DOKU_SNAP_PATHS.vaNotify[0];
    const body = JSON.stringify({
      trxDateTime: snapTimestamp(va.paidAt!),
      channelCode: '6011',
      referenceNo: digits(17),
      paidAmount: { value: toSnapValue(va.paidAmount), currency: 'IDR' },
      paymentRequestId: va.paymentRequestId,
      paidBills: 'FFFFFF',
      flagAdvise: 'N',
      trxId: va.trxId,
      partnerServiceId: va.partnerServiceId,
      customerNo: va.customerNo,
      virtualAccountNo: va.virtualAccountNo,
      virtualAccountName: va.name,
      additionalInfo: { channel: va.channel },
    });
    const sent: Notification = {
      url,
      headers: { 'content-type': 'application/json', 'channel-id': 'VA004' },
      body,
      freshHeaders: () => this.notificationHeaders(base, new URL(url).pathname, body),
    };
    this.outbox.push({ url, body });
    this.kit.notify(sent, DOKU_NOTIFICATION_RETRIES_MS, { final: true });
  }

  private findVa(reference: string): SnapVa | undefined {
    return this.vasByTrxId.get(reference) ?? this.vas.get(vaDigits(reference));
  }

  /** Unpaid past expiredDate: the bank no longer takes it. */
  private refreshVa(va: SnapVa): SnapVa {
    if (va.state === 'open' && Date.now() >= va.expiresAt) va.state = 'expired';
    return va;
  }

  // ---- notifications (DOKU → bayar) ----

  /**
   * Token first, then the notification: DOKU asks the merchant's token endpoint (under the
   * notification base) for a B2B token with an RSA signature of its own, and signs the
   * notification with that token. Both are done again for every attempt — a retry 30 minutes
   * later could not use a 15-minute token.
   */
  private notify(charge: SnapCharge): void {
    const base = this.kit.options.callbackUrl.replace(/\/$/, '');
    const sent = this.notification(base, charge, charge.status);
    this.outbox.push({ url: sent.url, body: sent.body });
    // For the out-of-order fault only: the charge as it was before it was paid, after the payment's.
    const stale = charge.status === '00' ? this.notification(base, charge, '03') : undefined;
    // SNAP notifications follow DOKU's one retry policy: 30 min, 6 h, 12 h after the original.
    this.kit.notify(sent, DOKU_NOTIFICATION_RETRIES_MS, { final: true, stale });
  }

  private notification(base: string, c: SnapCharge, status: SnapStatus): Notification {
    const url = base + DOKU_SNAP_PATHS.notify;
    const body = JSON.stringify({
      originalPartnerReferenceNo: c.partnerReferenceNo,
      originalReferenceNo: c.referenceNo,
      originalExternalId: c.externalId,
      latestTransactionStatus: status,
      transactionStatusDesc: STATUS_DESC[status],
      // A simulated over- or under-payment shows up here, as bayar must notice.
      amount: { value: toSnapValue(status === '00' ? c.paidAmount : c.amount), currency: 'IDR' },
      additionalInfo: { channelId: c.channel, acquirerId: ACQUIRER[c.channel], accountType: 'EMONEY' },
    });
    return { url, headers: { 'content-type': 'application/json' }, body, freshHeaders: () => this.notificationHeaders(base, new URL(url).pathname, body) };
  }

  private async notificationHeaders(base: string, path: string, body: string): Promise<Record<string, string>> {
    const tokenTimestamp = snapTimestamp(Date.now());
    const res = await httpCall({
      method: 'POST',
      url: base + DOKU_SNAP_PATHS.token,
      headers: {
        'content-type': 'application/json',
        'x-client-key': this.options.clientId,
        'x-timestamp': tokenTimestamp,
        'x-signature': asymmetricSignature(this.options.dokuPrivateKey, this.options.clientId, tokenTimestamp),
      },
      body: JSON.stringify({ grantType: 'client_credentials' }),
      timeoutMs: 15_000,
    });
    const answer = (parseJson(res.text) ?? {}) as { accessToken?: string };
    if (res.status !== 200 || !answer.accessToken) throw new Error(`token endpoint answered ${res.status}`);
    const timestamp = snapTimestamp(Date.now());
    return {
      authorization: `Bearer ${answer.accessToken}`,
      'x-timestamp': timestamp,
      'x-partner-id': this.options.clientId,
      'x-external-id': externalId(),
      'x-signature': symmetricSignature({ method: 'POST', path, accessToken: answer.accessToken, body, timestamp }, this.options.clientSecret),
    };
  }

  private find(reference: string): SnapCharge | undefined {
    return this.charges.get(reference) ?? this.byReferenceNo.get(reference);
  }

  /** Unpaid past validUpTo: the wallet closed the order (05) [? DOKU's code for an expired jump-app order]. */
  private refresh(c: SnapCharge): SnapCharge {
    if (c.status === '03' && Date.now() >= c.validUntil) c.status = '05';
    return c;
  }
}

/** What the charge's refunds take: done and in progress (failed ones gave theirs back), or only those with one status. */
function refunded(c: SnapCharge, only?: SnapRefundStatus): number {
  return c.refunds.reduce((sum, f) => sum + (f.status === '06' || (only && f.status !== only) ? 0 : f.amount), 0);
}

/** A SNAP error answer: HTTP status, and responseCode = HTTP + service + case. */
function snapError(status: number, responseCode: string, responseMessage: string): SandboxResponse {
  return { status, body: { responseCode, responseMessage } };
}

function digits(n: number): string {
  let out = String(randomInt(1, 10));
  while (out.length < n) out += String(randomInt(0, 10));
  return out;
}
