// A local stand-in for Midtrans' sandbox Core API: /v2/charge, /v2/{id}/status, cancel, expire,
// refund (with refund_key idempotency), and HTTP notifications signed with `signature_key`,
// delivered on Midtrans' documented retry policy. It reuses the adapter's zod schemas and
// signature function, but its behaviour comes from Midtrans' docs, and the official
// midtrans-client is run against it in the tests as an independent check.
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { basicAuthHeader, notificationSignature } from '../signature.js';
import { EXPIRY_UNITS, chargeRequestSchema, formatGrossAmount, parseMidtransTime, refundRequestSchema, toWibTime, type MidtransChargeRequest } from '../schemas.js';
import { jsonBody, ProviderSandbox, ledgerEntry } from '../../../sandbox/kit.js';
import type { AmendRecord, Handler, LedgerEntry, Notification, SandboxProvider, SandboxRequest, SandboxResponse } from '../../../sandbox/kit.js';

/** ≈2m, 10m, 30m, 90m, 210m after a failed delivery (after-payment/http-notification.md). */
export const MIDTRANS_NOTIFICATION_RETRIES_MS = [2, 10, 30, 90, 210].map((m) => m * 60_000);

/** How many retries Midtrans grants by the merchant's answer: 500 → 1, 503 → 4, 400/404 → 2, 301–303 → none, other → 5. */
export function midtransRetriesFor(answer: number | 'error'): number {
  if (answer === 500) return 1;
  if (answer === 503) return 4;
  if (answer === 400 || answer === 404) return 2;
  if (answer === 301 || answer === 302 || answer === 303) return 0;
  return 5;
}

type TransactionStatus = 'pending' | 'settlement' | 'expire' | 'cancel' | 'deny' | 'refund' | 'partial_refund';

/** The status_code Midtrans reports for a transaction in each state (status API and notifications). */
const STATUS_CODES: Record<TransactionStatus, string> = {
  pending: '201',
  settlement: '200',
  expire: '407',
  cancel: '200',
  deny: '202',
  refund: '200',
  partial_refund: '200',
};

const CREATED_MESSAGES: Record<MidtransChargeRequest['payment_type'], string> = {
  bank_transfer: 'Success, Bank Transfer transaction is created',
  echannel: 'OK, Mandiri Bill transaction is successful',
  qris: 'QRIS transaction is created',
  gopay: 'GoPay transaction is created',
  shopeepay: 'ShopeePay transaction is created',
  cstore: 'Success, cstore transaction is successful',
};

/** Default expiries: bank transfers 24 h, GoPay/QRIS 15 min (core-api/bank-transfer.md; faq/technical.md). */
const DEFAULT_EXPIRY_SECONDS: Record<MidtransChargeRequest['payment_type'], number> = {
  bank_transfer: 86_400,
  echannel: 86_400,
  cstore: 86_400,
  qris: 900,
  gopay: 900,
  shopeepay: 900,
};

/**
 * Push payments with no refund rail at Midtrans: refunds are "supported only for credit_card,
 * gopay, shopeepay, dana, ovo, QRIS, kredivo and akulaku" (docs.midtrans.com/reference-link/refund-transaction).
 */
const NOT_REFUNDABLE = new Set(['bank_transfer', 'echannel', 'cstore']);

const MERCHANT_ID = 'G000BAYAR01';
const MAX_TIMER_MS = 2 ** 31 - 1;

interface RefundRecord {
  /** null for a refund made in the dashboard: only API refunds carry the merchant's refund_key. */
  key: string | null;
  id: number;
  amount: number;
  reason?: string;
  at: number;
  response: SandboxResponse;
}

interface Charge {
  request: MidtransChargeRequest;
  orderId: string;
  transactionId: string;
  createdAt: number;
  expiresAt: number;
  status: TransactionStatus;
  settledAt?: number;
  paidAmount: number;
  refunds: RefundRecord[];
  createRequests: number;
  /** va_numbers, permata_va_number, biller_code/bill_key, qr_string/actions, payment_code/store. */
  details: Record<string, unknown>;
  notifyUrls: string[];
  /** Every status the transaction took, when and why: evidence (record()), not Midtrans behaviour. */
  history: { at: string; status: TransactionStatus; cause: string }[];
}

export interface MidtransSandboxOptions {
  serverKey: string;
}

export class MidtransSandbox extends ProviderSandbox<MidtransSandboxOptions> implements SandboxProvider {
  readonly name = 'midtrans';
  private readonly byOrder = new Map<string, Charge>();
  private readonly byTransaction = new Map<string, Charge>();
  private refundSequence = 0;

  protected endpoints(): [string, string, Handler][] {
    return [
      ['POST', '/v2/charge', (r) => this.authed(r, () => this.charge(r))],
      ['GET', '/v2/:id/status', (r) => this.authed(r, () => this.status(r.params.id!))],
      ['POST', '/v2/:id/cancel', (r) => this.authed(r, () => this.close(r.params.id!, 'cancel'))],
      ['POST', '/v2/:id/expire', (r) => this.authed(r, () => this.close(r.params.id!, 'expire'))],
      ['POST', '/v2/:id/refund', (r) => this.authed(r, () => this.refund(r))],
      ['POST', '/v2/:id/refund/online/direct', (r) => this.authed(r, () => this.refund(r))],
    ];
  }

  /**
   * The customer pays (a bayar control, not a Midtrans API: Midtrans' simulator is a web page). A
   * refusal answers the HTTP status of its code, not Midtrans' HTTP 200 with the code inside: the
   * chaos client once counted "200 {status_code: 404}" for a charge not made yet as money paid
   * (cluster run 13, docs/chaos.md). Money once settled stays settled: /cancel and /expire refuse a
   * settled transaction (close() below).
   */
  pay(reference: string, options: { amount?: number; force?: boolean }): SandboxResponse {
    const charge = this.find(reference);
    if (!charge) return refusal('404', "Transaction doesn't exist.");
    this.refresh(charge);
    const closedUnpaid = charge.status === 'expire' || charge.status === 'cancel';
    if (charge.status !== 'pending' && !(options.force === true && closedUnpaid)) {
      return refusal('412', `Transaction is ${charge.status}; only pending transactions can be paid`);
    }
    this.moveTo(charge, 'settlement', closedUnpaid ? `paid late (force) after ${charge.status}` : 'paid');
    charge.settledAt = Date.now();
    charge.paidAmount = options.amount ?? this.gross(charge);
    this.notifyStatus(charge);
    return { status: 200, body: { status_code: '200', status_message: 'Success, transaction is settled', order_id: charge.orderId, transaction_id: charge.transactionId } };
  }

  /** See SandboxProvider.amendRecord: the status answer then says so; no notification is sent. */
  amendRecord(reference: string, change: AmendRecord): SandboxResponse {
    const charge = this.find(reference);
    if (!charge) return refusal('404', "Transaction doesn't exist.");
    if (change.forgetRefund) {
      // Test injection, not Midtrans behaviour: the newest refund leaves the record (refunds[] and
      // refund_amount), so bayar holds a refund the provider does not. Only a charge with another
      // refund left makes that visible: an answer without refunds says nothing about them.
      if (charge.refunds.length === 0) return refusal('412', 'Transaction has no refund to forget');
      charge.refunds.pop();
      this.moveTo(charge, charge.refunds.length === 0 ? 'settlement' : refunded(charge) >= charge.paidAmount ? 'refund' : 'partial_refund', 'amend-record: forget the newest refund');
    } else if (change.unpaid) {
      this.moveTo(charge, 'expire', 'amend-record: unpaid');
      charge.paidAmount = 0;
      delete charge.settledAt;
    } else if (change.paidAmount !== undefined) {
      if (!Number.isSafeInteger(change.paidAmount) || change.paidAmount <= 0) return refusal('400', 'paidAmount must be a positive integer');
      charge.paidAmount = change.paidAmount;
    }
    return { status: 200, body: { order_id: charge.orderId, transaction_status: charge.status, gross_amount: formatGrossAmount(this.gross(charge)) } };
  }

  /** See SandboxProvider.record: the transaction as kept, its expiry and paid times, and its status history. */
  record(reference: string): unknown {
    const charge = this.find(reference);
    if (!charge) return undefined;
    const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
    return {
      ...this.transactionFields(charge),
      paidAmount: charge.paidAmount,
      refundedAmount: refunded(charge),
      createdAt: iso(charge.createdAt),
      expiresAt: iso(charge.expiresAt),
      settledAt: iso(charge.settledAt),
      createRequests: charge.createRequests,
      history: charge.history,
    };
  }

  ledger(): LedgerEntry[] {
    return [...this.byOrder.values()].map((c) =>
      ledgerEntry(c, { reference: c.orderId, providerId: c.transactionId, status: this.refresh(c).status, amount: this.gross(c), refundedAmount: refunded(c) }),
    );
  }

  reset(): void {
    this.byOrder.clear();
    this.byTransaction.clear();
  }

  /** Basic base64(serverKey + ":") (midtrans-client httpClient.js); else 401 (error-response-code.md). */
  private authed(r: SandboxRequest, next: () => SandboxResponse): SandboxResponse {
    if (r.headers.authorization !== basicAuthHeader(this.options.serverKey)) {
      return { status: 401, body: { status_code: '401', status_message: 'Access denied due to unauthorized transaction, please check client or server key', id: randomUUID() } };
    }
    return next();
  }

  private charge(r: SandboxRequest): SandboxResponse {
    const parsed = chargeRequestSchema.safeParse(jsonBody(r));
    if (!parsed.success) {
      return answer('400', 'One or more parameters in the payload is invalid.', { validation_messages: parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`) });
    }
    const request = parsed.data;
    const orderId = request.transaction_details.order_id;
    const existing = this.byOrder.get(orderId);
    if (existing) {
      // 406 "order_id has already been taken" (technical-documentation-site error-response-code.md).
      existing.createRequests += 1;
      return answer('406', 'The request could not be processed', { validation_messages: ['order_id has already been taken'], id: randomUUID() });
    }
    const now = Date.now();
    let expiresAt = now + DEFAULT_EXPIRY_SECONDS[request.payment_type] * 1000;
    if (request.custom_expiry) {
      const { order_time, expiry_duration, unit } = request.custom_expiry;
      const seconds = expiry_duration * EXPIRY_UNITS[unit];
      // custom_expiry: at least 20 seconds (core-api/bank-transfer.md, "min 20 s, max 180 days").
      if (seconds < 20) return answer('400', 'One or more parameters in the payload is invalid.', { validation_messages: ['custom_expiry must be at least 20 seconds'] });
      const start = order_time ? parseMidtransTime(order_time) : now;
      if (start === undefined) return answer('400', 'One or more parameters in the payload is invalid.', { validation_messages: ['custom_expiry.order_time is invalid'] });
      expiresAt = start + seconds * 1000;
    }
    const transactionId = randomUUID();
    const charge: Charge = {
      request,
      orderId,
      transactionId,
      createdAt: now,
      expiresAt,
      status: 'pending',
      paidAmount: 0,
      refunds: [],
      createRequests: 1,
      details: this.details(request, transactionId, r.headers.host ?? '127.0.0.1'),
      notifyUrls: notificationUrls(r, this.kit.options.callbackUrl),
      history: [{ at: new Date(now).toISOString(), status: 'pending', cause: `charge (expires ${new Date(expiresAt).toISOString()})` }],
    };
    this.byOrder.set(orderId, charge);
    this.byTransaction.set(transactionId, charge);
    // Midtrans expires unpaid charges on its own and says so in a notification.
    const delay = expiresAt - now;
    if (delay <= MAX_TIMER_MS) this.kit.at(expiresAt, () => void (this.byOrder.get(orderId) === charge && this.refresh(charge, 'expiry time reached (timer)')));
    return { status: 200, body: this.render(charge, '201', CREATED_MESSAGES[request.payment_type]) };
  }

  private status(id: string): SandboxResponse {
    const charge = this.find(id);
    if (!charge) return answer('404', "Transaction doesn't exist.");
    this.refresh(charge);
    return { status: 200, body: this.render(charge, STATUS_CODES[charge.status], 'Success, transaction is found') };
  }

  /** /cancel and /expire: both only for a pending transaction (cards aside, which bayar does not offer). */
  private close(id: string, to: 'cancel' | 'expire'): SandboxResponse {
    const charge = this.find(id);
    if (!charge) return answer('404', "Transaction doesn't exist.");
    this.refresh(charge);
    // 412 "Merchant cannot modify the status of the transaction" (error-response-code.md): cancel
    // and expire apply to pending transactions only (docs.midtrans.com reference/cancel-transaction, expire-transaction).
    // So a settled transaction stays settled: money acknowledged is never closed away (Cancel API:
    // "If transaction is already settled (status : settlement) you should perform refund instead",
    // docs.midtrans.com/reference/cancel-api-1; Expire API's 412 sample, docs.midtrans.com/reference/expire-api).
    if (charge.status !== 'pending') return answer('412', 'Merchant cannot modify the status of the transaction');
    this.moveTo(charge, to, `POST /v2/{id}/${to}`);
    this.notifyStatus(charge);
    return { status: 200, body: this.render(charge, STATUS_CODES[to], to === 'cancel' ? 'Success, transaction is canceled' : 'Success, transaction has expired') };
  }

  /**
   * A refund made in the Midtrans dashboard (Transactions → Refund), not through the API. It
   * follows the API's rules (settled transactions, no more than what is left), moves the
   * transaction to refund / partial_refund, lists it in the status answer's refunds[], and sends
   * the same HTTP notification an API refund does: settlement → refund / partial_refund
   * (docs.midtrans.com/docs/transaction-status-cycle; notifications on every status change,
   * docs.midtrans.com/docs/https-notification-webhooks). The dashboard takes no refund_key.
   */
  dashboardRefund(reference: string, options: { amount?: number }): SandboxResponse {
    const charge = this.find(reference);
    if (!charge) return refusal('404', "Transaction doesn't exist.");
    if (NOT_REFUNDABLE.has(charge.request.payment_type)) return refusal('412', `Refund is not supported for payment type ${charge.request.payment_type}`);
    if (charge.status !== 'settlement' && charge.status !== 'partial_refund') return refusal('412', `Transaction status is ${charge.status}; only settled transactions can be refunded`);
    const remaining = charge.paidAmount - refunded(charge);
    const amount = options.amount ?? remaining;
    if (!Number.isSafeInteger(amount) || amount <= 0 || amount > remaining) return refusal('412', `Refund amount ${amount} exceeds the refundable amount ${remaining}`);
    this.refundSequence += 1;
    const record: RefundRecord = { key: null, id: this.refundSequence, amount, reason: 'dashboard refund', at: Date.now(), response: { status: 200, body: {} } };
    charge.refunds.push(record);
    this.moveTo(charge, refunded(charge) >= charge.paidAmount ? 'refund' : 'partial_refund', 'dashboard refund');
    this.notifyStatus(charge);
    return {
      status: 200,
      body: { status_code: '200', status_message: 'Success, refund is done', order_id: charge.orderId, refund_chargeback_id: record.id, refund_amount: formatGrossAmount(amount) },
    };
  }

  private refund(r: SandboxRequest): SandboxResponse {
    const charge = this.find(r.params.id!);
    if (!charge) return answer('404', "Transaction doesn't exist.");
    const parsed = refundRequestSchema.safeParse(jsonBody(r) ?? {});
    if (!parsed.success) return answer('400', 'One or more parameters in the payload is invalid.', { validation_messages: parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`) });
    const key = parsed.data.refund_key ?? `refund-${randomBytes(8).toString('hex')}`;
    // The same refund_key is the same refund: answer exactly as the first time ("If you want to do
    // retry the same refund request please use the same refund_key", reference-link/refund-transaction).
    const seen = charge.refunds.find((x) => x.key === key);
    if (seen) return seen.response;
    const type = charge.request.payment_type;
    if (NOT_REFUNDABLE.has(type)) return answer('412', `Refund is not supported for payment type ${type}`);
    this.refresh(charge);
    // "Refund transaction is called … for transactions with payment status Settlement" (same page).
    if (charge.status !== 'settlement' && charge.status !== 'partial_refund') return answer('412', `Transaction status is ${charge.status}; only settled transactions can be refunded`);
    const remaining = charge.paidAmount - refunded(charge);
    const amount = parsed.data.amount ?? remaining;
    if (amount <= 0 || amount > remaining) return answer('412', `Refund amount ${amount} exceeds the refundable amount ${remaining}`);
    this.refundSequence += 1;
    const record: RefundRecord = { key, id: this.refundSequence, amount, reason: parsed.data.reason, at: Date.now(), response: { status: 200, body: {} } };
    charge.refunds.push(record);
    this.moveTo(charge, refunded(charge) >= charge.paidAmount ? 'refund' : 'partial_refund', 'POST /v2/{id}/refund');
    record.response = {
      status: 200,
      body: {
        ...this.transactionFields(charge),
        status_code: '200',
        status_message: 'Success, refund request is approved',
        refund_chargeback_id: record.id,
        refund_amount: formatGrossAmount(amount),
        refund_key: key,
      },
    };
    this.notifyStatus(charge);
    return record.response;
  }

  private details(request: MidtransChargeRequest, transactionId: string, host: string): Record<string, unknown> {
    const base = `http://${host}`;
    switch (request.payment_type) {
      case 'bank_transfer': {
        const bank = request.bank_transfer.bank;
        if (bank === 'permata') return { permata_va_number: digits(16) };
        const prefix = { bca: '12345', bni: '9888', bri: '8800', cimb: '8600' }[bank];
        return { va_numbers: [{ bank, va_number: prefix + digits(16 - prefix.length) }] };
      }
      case 'echannel':
        return { biller_code: '70012', bill_key: digits(12) };
      case 'qris':
        return {
          acquirer: request.qris?.acquirer ?? 'gopay',
          qr_string: qrString(request.transaction_details.gross_amount),
          actions: [{ name: 'generate-qr-code', method: 'GET', url: `${base}/v2/qris/${transactionId}/qr-code` }],
        };
      case 'gopay':
        return {
          actions: [
            { name: 'generate-qr-code', method: 'GET', url: `${base}/v2/gopay/${transactionId}/qr-code` },
            { name: 'deeplink-redirect', method: 'GET', url: `${base}/sandbox/gopay/ui/checkout?referenceid=${transactionId}` },
            { name: 'get-status', method: 'GET', url: `${base}/v2/${transactionId}/status` },
            { name: 'cancel', method: 'POST', url: `${base}/v2/${transactionId}/cancel` },
          ],
        };
      case 'shopeepay':
        return { actions: [{ name: 'deeplink-redirect', method: 'GET', url: `${base}/sandbox/shopeepay/ui/checkout?reference=${transactionId}` }] };
      case 'cstore':
        return { payment_code: digits(14), store: request.cstore.store };
    }
  }

  private find(id: string): Charge | undefined {
    return this.byOrder.get(id) ?? this.byTransaction.get(id);
  }

  private gross(charge: Charge): number {
    // A simulated over/under-payment shows up as a different gross amount, as bayar must notice.
    return charge.paidAmount > 0 ? charge.paidAmount : charge.request.transaction_details.gross_amount;
  }

  /** A pending charge past its expiry becomes `expire`, with a notification, as at Midtrans. */
  private refresh(charge: Charge, cause = 'expiry time reached (seen on a read)'): Charge {
    if (charge.status === 'pending' && Date.now() >= charge.expiresAt) {
      this.moveTo(charge, 'expire', cause);
      this.notifyStatus(charge);
    }
    return charge;
  }

  private moveTo(charge: Charge, status: TransactionStatus, cause: string): void {
    charge.status = status;
    charge.history.push({ at: new Date().toISOString(), status, cause });
  }

  private transactionFields(charge: Charge) {
    const type = charge.request.payment_type;
    return {
      transaction_id: charge.transactionId,
      order_id: charge.orderId,
      merchant_id: MERCHANT_ID,
      gross_amount: formatGrossAmount(this.gross(charge)),
      currency: 'IDR',
      payment_type: type,
      transaction_time: toWibTime(charge.createdAt),
      transaction_status: charge.status,
      // Low-risk methods (convenience stores, e-wallet deeplinks) are not scored by the FDS.
      ...(type === 'cstore' || type === 'gopay' || type === 'shopeepay' ? {} : { fraud_status: 'accept' }),
      expiry_time: toWibTime(charge.expiresAt),
      ...(charge.settledAt ? { settlement_time: toWibTime(charge.settledAt) } : {}),
    };
  }

  private render(charge: Charge, statusCode: string, message: string): Record<string, unknown> {
    const total = refunded(charge);
    return {
      status_code: statusCode,
      status_message: message,
      ...this.transactionFields(charge),
      ...charge.details,
      ...(charge.refunds.length > 0
        ? {
            refund_amount: formatGrossAmount(total),
            refunds: charge.refunds.map((x) => ({
              refund_chargeback_id: x.id,
              refund_amount: formatGrossAmount(x.amount),
              created_at: toWibTime(x.at),
              reason: x.reason ?? null,
              refund_key: x.key,
            })),
          }
        : {}),
    };
  }

  /** Sends the charge's current state to every notification URL, signed with signature_key. */
  private notifyStatus(charge: Charge): void {
    const body = this.notificationBody(charge, charge.status);
    const final = charge.status !== 'pending';
    for (const url of charge.notifyUrls) {
      // A stale "still pending" notice, for the out-of-order fault.
      const stale = final ? this.notification(url, this.notificationBody(charge, 'pending')) : undefined;
      this.kit.notify(this.notification(url, body), MIDTRANS_NOTIFICATION_RETRIES_MS, { final, stale, retriesFor: midtransRetriesFor });
    }
  }

  private notificationBody(charge: Charge, status: TransactionStatus): Record<string, unknown> {
    const fields = { ...this.transactionFields(charge), transaction_status: status };
    const statusCode = STATUS_CODES[status];
    const signed = { order_id: charge.orderId, status_code: statusCode, gross_amount: formatGrossAmount(this.gross(charge)) };
    return {
      ...fields,
      ...charge.details,
      status_code: statusCode,
      status_message: 'midtrans payment notification',
      signature_key: notificationSignature(signed, this.options.serverKey),
      ...(status === 'refund' || status === 'partial_refund' ? { refund_amount: formatGrossAmount(refunded(charge)) } : {}),
    };
  }

  private notification(url: string, body: Record<string, unknown>): Notification {
    return { url, headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) };
  }
}

/**
 * Where this transaction's notifications go: the dashboard URL, or per request
 * X-Override-Notification (replaces it) / X-Append-Notification (adds to it), up to 2 URLs each.
 */
function notificationUrls(r: SandboxRequest, dashboardUrl: string): string[] {
  const list = (h: string | undefined) =>
    (h ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .slice(0, 2);
  const override = list(r.headers['x-override-notification']);
  if (override.length > 0) return override;
  return [dashboardUrl, ...list(r.headers['x-append-notification'])];
}

function refunded(charge: Charge): number {
  return charge.refunds.reduce((sum, x) => sum + x.amount, 0);
}

/** An error or non-transaction answer. Midtrans puts the outcome in the body and often answers HTTP 200. */
function answer(statusCode: string, message: string, extra: Record<string, unknown> = {}): SandboxResponse {
  return { status: 200, body: { status_code: statusCode, status_message: message, ...extra } };
}

/** A /_sandbox control's refusal: Midtrans' body, but the HTTP status says it too (SandboxProvider.pay). */
function refusal(statusCode: string, message: string): SandboxResponse {
  return { ...answer(statusCode, message), status: Number(statusCode) };
}

function digits(n: number): string {
  let out = '';
  while (out.length < n) out += String(randomInt(0, 10));
  return out;
}

function qrString(amount: number): string {
  const value = String(amount);
  return `00020101021226620014COM.GO-JEK.WWW01189360091433333333330210G000BAYAR010303UMI51440014ID.CO.QRIS.WWW0215ID10200000000000303UMI52045812530336054${String(value.length).padStart(2, '0')}${value}5802ID5911BAYAR TOKO6007JAKARTA6105101106304${digits(4)}`;
}
