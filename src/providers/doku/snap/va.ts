// DOKU SNAP virtual accounts behind bayar's provider interface: create VA (closed amount, bayar's
// payment id as trxId), VA status, delete VA as the saga's compensation, and DOKU's VA payment
// notification (verified like every SNAP notification by DokuSnapEwallets.verifyNotification,
// then parsed and bound here). The B2B token and signing are the e-wallets' (one DokuSnapClient).
//
// The VA number is derived from the payment id, never stored first: partnerServiceId is the
// account's BIN for the bank (configured), customerNo is a hash of the payment id in decimal
// digits. So every look-up, the delete and the notification's binding are computed from bayar's
// own payment id — a notification whose virtualAccountNo is not the one bayar made for its trxId
// is refused.
import { createHash } from 'node:crypto';
import type { PaymentMethod, ProviderEvent } from '../../../domain/payment.js';
import { parseJson } from '../../http.js';
import { ProviderRejected, ProviderUnavailable, WebhookMalformed } from '../../provider.js';
import type { ChargeRef, ChargeSnapshot, CreateChargeRequest, ParsedWebhook, RawWebhook, WebhookReply } from '../../provider.js';
import { DOKU_SNAP_PATHS, DOKU_SNAP_VAS, dokuSnapVaFor, type DokuVaMethod } from '../capabilities.js';
import { type DokuSnapClient, snapThrowFor } from './client.js';
import { toSnapValue, parseSnapValue } from './schemas.js';
import { validUpTo } from './ewallet.js';
import {
  createVaResponseSchema,
  parseVaPaidValue,
  toPartnerServiceId,
  VA_NAME_CHARS,
  vaDigits,
  vaNotificationSchema,
  vaStatusResponseSchema,
  type SnapCreateVaRequest,
  type SnapDeleteVaRequest,
  type SnapVaStatusRequest,
} from './va-schemas.js';

/**
 * Digits of the whole VA number (BIN + customerNo) bayar aims for. Banks print 16-digit VAs
 * (DOKU's samples: "8889912345678980003" is 19, BCA's company code 5 + 11); SNAP allows up to 28
 * [? the per-bank maximum is not published]. customerNo gets what the BIN leaves, at least 8.
 */
export const VA_TOTAL_DIGITS = 16;

export interface DokuVa {
  method: DokuVaMethod;
  channel: string;
  bank: string;
  partnerServiceId: string;
  customerNo: string;
  /** partnerServiceId + customerNo, with SNAP's padding spaces, as sent. */
  virtualAccountNo: string;
  /** What the customer types: the digits only. */
  digits: string;
}

/** A verified VA payment notification: ParsedWebhook plus the identifiers it was bound by. */
export type DokuVaParsedWebhook = Extract<ParsedWebhook, { kind: 'payment' }> & {
  /** Verified: this VA number is the one bayar derived for this trxId (= bayar's payment id). */
  dokuVa: { virtualAccountNo: string; trxId: string; paymentRequestId: string };
};

/** SNAP's answer to a VA payment notification bayar took: service 25 (transfer-va payment) [? DOKU's own; the SDK answers 2002700]. */
export const SNAP_VA_NOTIFY_ACK_CODE = '2002500';

/** customerNo for a payment: sha-256 of the payment id, in decimal, `length` digits. */
export function customerNoFor(paymentId: string, length: number): string {
  const hash = BigInt('0x' + createHash('sha256').update(`bayar-doku-va:${paymentId}`).digest('hex'));
  return (hash % 10n ** BigInt(length)).toString().padStart(length, '0');
}

export class DokuSnapVas {
  /** method → BIN, only for the VAs the account has. */
  private readonly bins: Map<DokuVaMethod, string>;

  constructor(
    private readonly client: DokuSnapClient,
    partnerServiceIds: Partial<Record<string, string>> = {},
  ) {
    this.bins = new Map(
      (Object.keys(DOKU_SNAP_VAS) as DokuVaMethod[]).flatMap((m) => {
        const bin = partnerServiceIds[m];
        return bin && /^\d{1,8}$/.test(bin) ? [[m, bin] as const] : [];
      }),
    );
  }

  /** The VA methods this account can offer (a BIN is configured for them). */
  methods(): DokuVaMethod[] {
    return [...this.bins.keys()];
  }

  /** The VA bayar uses for this payment and method; throws ProviderRejected when the bank is not configured. */
  vaFor(method: PaymentMethod, paymentId: string): DokuVa {
    const spec = dokuSnapVaFor(method);
    const bin = spec ? this.bins.get(method as DokuVaMethod) : undefined;
    if (!spec || !bin) throw new ProviderRejected(`doku ${method}: no DOKU SNAP VA partnerServiceId configured for this bank`, 'doku', 'UNSUPPORTED_METHOD');
    const partnerServiceId = toPartnerServiceId(bin);
    const customerNo = customerNoFor(paymentId, Math.min(20, Math.max(8, VA_TOTAL_DIGITS - bin.length)));
    const virtualAccountNo = partnerServiceId + customerNo;
    return { method: method as DokuVaMethod, channel: spec.channel, bank: spec.bank, partnerServiceId, customerNo, virtualAccountNo, digits: vaDigits(virtualAccountNo) };
  }

  /** Everything createCharge would refuse before sending. */
  checkCreate(request: CreateChargeRequest): SnapCreateVaRequest {
    return this.createBody(request, this.vaFor(request.method, request.paymentId));
  }

  /** The create-va body (doku-nodejs-library CreateVARequestDto; closed amount, not reusable). */
  createBody(request: CreateChargeRequest, va: DokuVa): SnapCreateVaRequest {
    if (request.paymentId.length > 64) throw new ProviderRejected('doku VA: the payment id is longer than trxId allows (64)', 'doku', 'REFERENCE_TOO_LONG');
    const { email, phone } = request.customer;
    return {
      partnerServiceId: va.partnerServiceId,
      customerNo: va.customerNo,
      virtualAccountNo: va.virtualAccountNo,
      virtualAccountName: vaName(request),
      // Optional in DOKU's table (SDK README: ❌); sent when the customer gave them.
      ...(email && email.length <= 255 ? { virtualAccountEmail: email } : {}),
      ...(phone ? phonePart(phone) : {}),
      trxId: request.paymentId,
      totalAmount: { value: toSnapValue(request.amount), currency: 'IDR' },
      additionalInfo: { channel: va.channel, virtualAccountConfig: { reusableStatus: false } },
      virtualAccountTrxType: 'C',
      // bayar's deadline, rounded up to the second: DOKU's closes no earlier than bayar's own.
      expiredDate: validUpTo(request.expiresAt),
    };
  }

  async createCharge(request: CreateChargeRequest): Promise<ChargeSnapshot> {
    const va = this.vaFor(request.method, request.paymentId);
    const body = this.createBody(request, va);
    const res = await this.client.post(DOKU_SNAP_PATHS.createVa, body);
    if (res.status === 200) {
      const parsed = createVaResponseSchema.safeParse(parseJson(res.text));
      if (!parsed.success || !parsed.data.responseCode.startsWith('200')) throw new ProviderUnavailable('doku snap create-va: unexpected response shape', 'doku', 'BAD_RESPONSE');
      const data = parsed.data.virtualAccountData;
      // Integrity: the answer must be for our VA, our trxId and our amount before anyone is told to pay it.
      if (vaDigits(data.virtualAccountNo) !== va.digits || (data.trxId && data.trxId !== request.paymentId)) {
        throw new ProviderRejected(
          `doku snap create-va answered ${data.trxId ?? '?'} / ${vaDigits(data.virtualAccountNo)}, expected ${request.paymentId} / ${va.digits}`,
          'doku',
          'REFERENCE_MISMATCH',
        );
      }
      if (data.totalAmount && parseSnapValue(data.totalAmount.value) !== request.amount) {
        throw new ProviderRejected(`doku snap create-va answered ${data.totalAmount.value}, expected ${request.amount}`, 'doku', 'AMOUNT_MISMATCH');
      }
      return { providerReference: va.digits, chargeStatus: 'PENDING', providerStatus: parsed.data.responseCode, instructions: { virtualAccountNumber: va.digits, bankCode: va.bank } };
    }
    if (res.status === 409) {
      // The VA number exists already. It is derived from our payment id, so it is this payment's
      // own from an earlier attempt whose answer was lost — if DOKU's status says so.
      const existing = await this.findCharge({ paymentId: request.paymentId, method: request.method });
      if (existing) {
        if (existing.paidAmount !== undefined && existing.paidAmount !== request.amount) {
          throw new ProviderRejected(`doku snap has ${va.digits} paid ${existing.paidAmount}, expected ${request.amount}`, 'doku', 'AMOUNT_MISMATCH');
        }
        return { ...existing, instructions: existing.chargeStatus === 'PENDING' ? { virtualAccountNumber: va.digits, bankCode: va.bank } : {} };
      }
    }
    snapThrowFor(res, 'create-va');
  }

  /** POST /orders/v1.0/transfer-va/status by the VA number; null when DOKU does not know it. */
  async findCharge(ref: ChargeRef): Promise<ChargeSnapshot | null> {
    const va = this.vaFor(ref.method, ref.paymentId);
    const body: SnapVaStatusRequest = { partnerServiceId: va.partnerServiceId, customerNo: va.customerNo, virtualAccountNo: va.virtualAccountNo, additionalInfo: { channel: va.channel } };
    const res = await this.client.post(DOKU_SNAP_PATHS.vaStatus, body);
    if (res.status === 404) return null;
    if (res.status !== 200) snapThrowFor(res, 'transfer-va status');
    const parsed = vaStatusResponseSchema.safeParse(parseJson(res.text));
    if (!parsed.success || vaDigits(parsed.data.virtualAccountData.virtualAccountNo) !== va.digits) {
      throw new ProviderUnavailable('doku snap transfer-va status: unexpected response shape', 'doku', 'BAD_RESPONSE');
    }
    const data = parsed.data.virtualAccountData;
    const trxId = data.trxId ?? parsed.data.additionalInfo?.trxId;
    if (trxId && trxId !== ref.paymentId) throw new ProviderRejected(`doku snap VA ${va.digits} belongs to ${trxId}, not ${ref.paymentId}`, 'doku', 'REFERENCE_MISMATCH');
    const flag = data.paymentFlagStatus ?? parsed.data.additionalInfo?.paymentFlagStatus ?? undefined;
    const reason = data.paymentFlagReason?.english ?? undefined;
    if (flag === '00' && data.paidAmount) {
      const paid = parseVaPaidValue(data.paidAmount.value);
      if (paid === undefined) throw new ProviderRejected(`doku snap transfer-va status: paidAmount ${JSON.stringify(data.paidAmount.value)} is not whole rupiah`, 'doku', 'AMOUNT_INVALID');
      // The paid time (ProviderEvent.paidAt): SNAP BI's transfer-va status answers the payment's
      // trxDateTime (ISO 8601 with offset), as its payment notification does.
      const paidAt = isoTime(data.trxDateTime ?? undefined);
      if (paid > 0)
        return {
          providerReference: va.digits,
          chargeStatus: 'PAID',
          providerStatus: `paymentFlagStatus 00${reason ? ` ${reason}` : ''}`,
          paidAmount: paid,
          ...(paidAt ? { paidAt } : {}),
          instructions: {},
        };
    }
    // Not paid (yet): SNAP's status has no "expired" or "deleted" state bayar could rely on [?], so
    // bayar's own deadline decides, after delete-va.
    return {
      providerReference: va.digits,
      chargeStatus: 'PENDING',
      providerStatus: flag ? `paymentFlagStatus ${flag}${reason ? ` ${reason}` : ''}` : 'not paid',
      instructions: { virtualAccountNumber: va.digits, bankCode: va.bank },
    };
  }

  /**
   * The saga's compensation on an unpaid close: DELETE …/transfer-va/delete-va, so the VA cannot
   * be paid any more. Already gone (404) is done; a VA DOKU will not delete (paid meanwhile) is
   * an error the workflow records, and its final status check finds the money.
   */
  async cancelCharge(ref: ChargeRef): Promise<void> {
    const va = this.vaFor(ref.method, ref.paymentId);
    const body: SnapDeleteVaRequest = {
      partnerServiceId: va.partnerServiceId,
      customerNo: va.customerNo,
      virtualAccountNo: va.virtualAccountNo,
      trxId: ref.paymentId,
      additionalInfo: { channel: va.channel },
    };
    const res = await this.client.send('DELETE', DOKU_SNAP_PATHS.deleteVa, body);
    if (res.status === 200 || res.status === 404) return;
    snapThrowFor(res, 'delete-va');
  }

  /**
   * A VA payment notification whose SNAP headers (token, X-SIGNATURE, X-PARTNER-ID, X-TIMESTAMP)
   * have been verified. Bound before it is believed: trxId names the payment, and the paid
   * virtualAccountNo must be the VA bayar derived for that payment (for one of the configured
   * banks). Every such notification is a payment: DOKU sends one when a VA is paid.
   */
  parseVerifiedNotification(raw: RawWebhook): DokuVaParsedWebhook {
    const parsed = vaNotificationSchema.safeParse(parseJson(raw.rawBody.toString('utf8')));
    if (!parsed.success) throw new WebhookMalformed('doku', `VA notification: ${parsed.error.issues[0]?.path.join('.') ?? ''} ${parsed.error.issues[0]?.message ?? 'bad body'}`.trim());
    const n = parsed.data;
    const paid = vaDigits(n.virtualAccountNo);
    const va = this.methods()
      .map((m) => this.vaFor(m, n.trxId))
      .find((candidate) => candidate.digits === paid);
    if (!va) throw new WebhookMalformed('doku', `VA notification: ${paid} is not the VA bayar made for ${n.trxId}`);
    const amount = parseVaPaidValue(n.paidAmount.value);
    if (amount === undefined || amount < 1) throw new WebhookMalformed('doku', `VA notification: paidAmount.value ${JSON.stringify(n.paidAmount.value)} is not whole rupiah`);
    const event: ProviderEvent = {
      // paymentRequestId is the acquirer's id of this payment: a retry or duplicate of the
      // notification carries the same one, a second payment another.
      provider: 'doku',
      eventId: `doku-snap-va:${paid}:${n.paymentRequestId}`,
      source: 'webhook',
      chargeStatus: 'PAID',
      paidAmount: amount,
      providerReference: va.digits,
      providerStatus: `${va.channel} paid (transfer-va/payment)`,
      occurredAt: isoTime(n.trxDateTime ?? undefined),
      // The payment's own time (transfer-va/payment's trxDateTime): the paid time.
      ...(isoTime(n.trxDateTime ?? undefined) ? { paidAt: isoTime(n.trxDateTime ?? undefined) } : {}),
    };
    const ack: WebhookReply = {
      status: 200,
      contentType: 'application/json',
      body: JSON.stringify({
        responseCode: SNAP_VA_NOTIFY_ACK_CODE,
        responseMessage: 'Successful',
        virtualAccountData: {
          partnerServiceId: n.partnerServiceId ?? va.partnerServiceId,
          customerNo: n.customerNo ?? va.customerNo,
          virtualAccountNo: n.virtualAccountNo,
          virtualAccountName: n.virtualAccountName ?? '',
          paymentRequestId: n.paymentRequestId,
          trxId: n.trxId,
        },
      }),
    };
    return { kind: 'payment', paymentId: n.trxId, event, ack, dokuVa: { virtualAccountNo: va.digits, trxId: n.trxId, paymentRequestId: n.paymentRequestId } };
  }
}

/** The reply to a VA notification bayar cannot take now: any non-2xx makes DOKU retry. */
export const SNAP_VA_NOTIFY_RETRY_LATER: WebhookReply = {
  status: 503,
  contentType: 'application/json',
  body: JSON.stringify({ responseCode: '5032500', responseMessage: 'Service Unavailable' }),
};

/**
 * virtualAccountName (mandatory, 1–255, the SDK's character set): the customer's name, else the
 * description, with other characters dropped; "Customer" when nothing is left.
 */
function vaName(request: CreateChargeRequest): string {
  const clean = (text: string | undefined) =>
    (text ?? '')
      .normalize('NFKD')
      .replace(/[^a-zA-Z0-9.\\\-/+,=_:'@% ]/g, '')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 255);
  const name = clean(request.customer.name) || clean(request.description) || 'Customer';
  return VA_NAME_CHARS.test(name) ? name : 'Customer';
}

/** virtualAccountPhone: 9–30 characters ({calling code}{number}, as DOKU's samples "6281828384858"). */
function phonePart(phone: string): { virtualAccountPhone?: string } {
  const digits = phone.replace(/\D/g, '');
  const normalised = digits.startsWith('0') ? `62${digits.slice(1)}` : digits;
  return normalised.length >= 9 && normalised.length <= 30 ? { virtualAccountPhone: normalised } : {};
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

function isoTime(text: string | undefined): string | undefined {
  if (!text || !ISO.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}
