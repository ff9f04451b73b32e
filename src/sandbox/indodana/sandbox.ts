// A local stand-in for Indodana's merchant QRIS API: check status, order cancellation (full and
// partial, with Indodana's four reasons), the QRIS metadata callback, Bearer authentication both
// ways, and notifications signed Indodana's way (a fresh nonce on every attempt) on a retry
// schedule of our choosing (Indodana publishes none), scaled by the kit's timeScale.
//
// Indodana has no create call for QRIS: the merchant shows the QR, and Indodana creates the
// transaction when its customer pays it. The sandbox plays the customer's side through control
// endpoints: "scan" reads bayar's dynamic QR (amount, and the order id in the bill number) and opens
// the transaction (INITIATED); "pay" completes it — PAID, or REJECTED when the fraud switch is on.
// It reuses the adapter's schemas, QR reader and signature functions; the tests check those
// against the published vector and standard CRC values, independently of this code.
import { randomUUID } from 'node:crypto';
import { INDODANA_CANCELLATION_WINDOW_DAYS, INDODANA_PATHS, paymentIdFromOrderId } from '../../providers/indodana/capabilities.js';
import { readDynamicQris } from '../../providers/indodana/qris.js';
import { cancellationRequestSchema, indodanaTime, metadataRequestSchema, type IndodanaTransactionStatus } from '../../providers/indodana/schemas.js';
import { authorizationHeader, verifyAuthorization } from '../../providers/indodana/signature.js';
import { jsonBody, type Handler, type LedgerEntry, type Notification, type SandboxKit, type SandboxProvider, type SandboxRequest, type SandboxResponse } from '../kit.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Indodana's paths live under this prefix of its base URL (QRIS Transaction API reference). */
export const INDODANA_PATH_PREFIX = '/chermes/merchant';

/**
 * Indodana publishes no retry schedule [?]. Chosen: 1 min, 5 min, 30 min, 2 h, 6 h, 24 h after the
 * previous attempt (about 33 h in all), retried on any non-2xx answer or no answer.
 */
export const INDODANA_NOTIFICATION_RETRIES_MS = [1 * MINUTE, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 6 * HOUR, 24 * HOUR];

/** How long an opened (INITIATED) transaction waits for the customer before it is EXPIRED [?]. */
export const DEFAULT_INITIATED_TTL_MS = 15 * MINUTE;

const MAX_TIMER_MS = 2 ** 31 - 1;

interface Refund {
  refundId: string;
  amount: number;
  reason: string;
  type: 'FULL' | 'PARTIAL';
  /** What makes a repeated refundId the same request: order, amount and reason (not the date). */
  key: string;
  response: SandboxResponse;
}

interface Transaction {
  merchantOrderId: string;
  transactionId: string;
  amount: number;
  status: IndodanaTransactionStatus;
  createdAt: number;
  expiresAt: number;
  paidAt?: number;
  paidAmount: number;
  message?: string;
  scans: number;
  refunds: Refund[];
  metadata?: Record<string, string>;
}

export interface IndodanaSandboxOptions {
  apiKey: string;
  secretKey: string;
  /** The cancellation path bayar is configured with, served besides the default. */
  refundPath?: string;
}

export class IndodanaSandbox implements SandboxProvider {
  readonly name = 'indodana';
  private readonly transactions = new Map<string, Transaction>();
  /** Every notification as first sent, headers included, so tests can redeliver one verbatim. */
  private readonly outbox: Notification[] = [];
  private fraud: { reject: boolean; message: string } = { reject: false, message: '' };
  private kit!: SandboxKit;

  constructor(private readonly options: IndodanaSandboxOptions) {}

  routes(kit: SandboxKit): [string, string, Handler][] {
    this.kit = kit;
    const refundPaths = [...new Set([INDODANA_PATHS.defaultRefund, this.options.refundPath ?? INDODANA_PATHS.defaultRefund])];
    return [
      ['GET', INDODANA_PATH_PREFIX + INDODANA_PATHS.checkStatus, (r) => this.authed(r, () => this.checkStatus(r))],
      ['POST', INDODANA_PATH_PREFIX + INDODANA_PATHS.metadata, (r) => this.authed(r, () => this.metadata(r))],
      ...refundPaths.map((path): [string, string, Handler] => ['POST', INDODANA_PATH_PREFIX + path, (r) => this.authed(r, () => this.cancel(r))]),
      // Sandbox controls: the customer's side, the fraud switch, and what was sent.
      ['POST', '/_sandbox/indodana/scan', (r) => this.scanControl(r)],
      ['POST', '/_sandbox/indodana/fraud', (r) => this.fraudControl(r)],
      ['GET', '/_sandbox/indodana/outbox', () => ({ status: 200, body: this.outbox })],
    ];
  }

  /**
   * The customer completes the payment in the Indodana app. `reference` is the merchantOrderId, or
   * bayar's payment id (`pay_` + the order id), as with the other sandboxes. A transaction nobody
   * opened yet is opened from `qrString` (the QR the customer scanned).
   */
  pay(paymentOrOrderId: string, options: { amount?: number; force?: boolean; qrString?: string }): SandboxResponse {
    const reference = paymentOrOrderId.replace(/^pay_/, '');
    let transaction = this.transactions.get(reference);
    if (!transaction) {
      if (typeof options.qrString !== 'string') return failure(404, 'NOT_FOUND', `no transaction for merchantOrderId ${reference}: pass the scanned qrString, or scan first (POST /_sandbox/indodana/scan)`);
      const opened = this.open(options.qrString);
      if ('status' in opened) return opened;
      transaction = opened.transaction;
    }
    if (transaction.merchantOrderId !== reference) return failure(400, 'VALIDATION_ERROR', 'the QR is for another merchantOrderId');
    this.refresh(transaction);
    if (transaction.status !== 'INITIATED' && !(options.force === true && transaction.status === 'EXPIRED')) {
      return failure(400, 'INVALID_STATUS', `transaction is ${transaction.status}; only INITIATED transactions can be paid`);
    }
    if (this.fraud.reject) {
      // "identified as fraudulent transactions or in blacklisted merchants" (seed 001): nothing is paid.
      transaction.status = 'REJECTED';
      transaction.message = this.fraud.message;
    } else {
      transaction.status = 'PAID';
      transaction.paidAt = Date.now();
      transaction.paidAmount = options.amount ?? transaction.amount;
    }
    this.notify(transaction);
    return { status: 200, body: this.render(transaction) };
  }

  ledger(): LedgerEntry[] {
    // The ledger is bayar's test view, not Indodana's API: it names charges by bayar's payment id,
    // as every sandbox's ledger does (Indodana itself knows only the 24-digit order id).
    return [...this.transactions.values()].map((t) => ({
      reference: paymentIdFromOrderId(t.merchantOrderId),
      providerId: t.transactionId,
      amount: t.amount,
      status: this.refresh(t).status,
      paidAmount: t.paidAmount,
      refundedAmount: refunded(t),
      createRequests: t.scans,
    }));
  }

  reset(): void {
    this.transactions.clear();
    this.outbox.length = 0;
    this.fraud = { reject: false, message: '' };
  }

  /** Indodana's Bearer scheme, as bayar checks it on notifications: our key, the HMAC, a fresh nonce. */
  private authed(r: SandboxRequest, next: () => SandboxResponse): SandboxResponse {
    const verdict = verifyAuthorization(r.headers.authorization, { apiKey: this.options.apiKey, secret: this.options.secretKey, nowSeconds: Math.floor(Date.now() / 1000) });
    if (!verdict.ok) return failure(401, 'UNAUTHORIZED', 'Invalid authorization'); // [? kind and message]
    return next();
  }

  /** GET check_status?merchantOrderId= — the published sample's fields. */
  private checkStatus(r: SandboxRequest): SandboxResponse {
    const merchantOrderId = r.query.get('merchantOrderId');
    if (!merchantOrderId) return failure(400, 'VALIDATION_ERROR', 'merchantOrderId is required');
    const transaction = this.transactions.get(merchantOrderId);
    if (!transaction) return failure(404, 'NOT_FOUND', `Transaction with merchantOrderId ${merchantOrderId} not found`); // [?]
    return { status: 200, body: this.render(this.refresh(transaction)) };
  }

  /** POST /v1/transactions/qris/metadata: the merchant partner reports the QRIS details of a paid transaction. */
  private metadata(r: SandboxRequest): SandboxResponse {
    const parsed = metadataRequestSchema.safeParse(jsonBody(r));
    if (!parsed.success) return failure(422, 'VALIDATION_ERROR', describeIssues(parsed.error.issues));
    const transaction = this.transactions.get(parsed.data.merchantOrderId);
    if (!transaction) return failure(404, 'NOT_FOUND', `Transaction with merchantOrderId ${parsed.data.merchantOrderId} not found`);
    transaction.metadata = { ...parsed.data };
    return { status: 200, body: { status: 'OK' } };
  }

  /**
   * Refund / cancellation of a PAID transaction: FULL when the amount is the transaction's, PARTIAL
   * when less (seed 001); one of the four reasons; within 30 days. A repeated refundId with the same
   * order, amount and reason is answered as the first time; with anything else, 409.
   */
  private cancel(r: SandboxRequest): SandboxResponse {
    const parsed = cancellationRequestSchema.safeParse(jsonBody(r));
    if (!parsed.success) return failure(422, 'VALIDATION_ERROR', describeIssues(parsed.error.issues));
    const body = parsed.data;
    const transaction = this.transactions.get(body.merchantOrderId);
    if (!transaction) return failure(404, 'NOT_FOUND', `Transaction with merchantOrderId ${body.merchantOrderId} not found`);
    const key = `${body.merchantOrderId}|${body.cancellationAmount}|${body.cancellationReason}`;
    const earlier = transaction.refunds.find((x) => x.refundId === body.refundId);
    if (earlier) return earlier.key === key ? earlier.response : failure(409, 'CONFLICT', `refundId ${body.refundId} was already used for another cancellation`);
    this.refresh(transaction);
    if (transaction.status !== 'PAID') return failure(400, 'INVALID_STATUS', `transaction is ${transaction.status}; only PAID transactions can be cancelled`);
    if (Date.now() - transaction.createdAt > INDODANA_CANCELLATION_WINDOW_DAYS * DAY) return failure(400, 'CANCELLATION_WINDOW_PASSED', `transactions can be cancelled within ${INDODANA_CANCELLATION_WINDOW_DAYS} days`);
    if (refunded(transaction) + body.cancellationAmount > transaction.paidAmount) {
      return failure(422, 'VALIDATION_ERROR', `cancellationAmount exceeds the remaining ${transaction.paidAmount - refunded(transaction)}`);
    }
    const type = body.cancellationAmount === transaction.amount ? 'FULL' : 'PARTIAL';
    // Indodana's answer is not published [?]: status OK, echoing the cancellation.
    const response: SandboxResponse = {
      status: 200,
      body: { status: 'OK', refundId: body.refundId, merchantOrderId: body.merchantOrderId, cancellationAmount: body.cancellationAmount, cancellationReason: body.cancellationReason, cancellationType: type },
    };
    transaction.refunds.push({ refundId: body.refundId, amount: body.cancellationAmount, reason: body.cancellationReason, type, key, response });
    return response;
  }

  private scanControl(r: SandboxRequest): SandboxResponse {
    const body = jsonBody(r) as { qrString?: unknown; expiresInSeconds?: unknown } | undefined;
    if (typeof body?.qrString !== 'string') return failure(400, 'VALIDATION_ERROR', 'qrString is required');
    const ttl = typeof body.expiresInSeconds === 'number' && body.expiresInSeconds > 0 ? body.expiresInSeconds * 1000 : undefined;
    const opened = this.open(body.qrString, ttl);
    return 'status' in opened ? opened : { status: 200, body: this.render(opened.transaction) };
  }

  private fraudControl(r: SandboxRequest): SandboxResponse {
    const body = (jsonBody(r) ?? {}) as { reject?: unknown; message?: unknown };
    this.fraud = { reject: body.reject === true, message: typeof body.message === 'string' ? body.message : 'Transaction identified as fraudulent' };
    return { status: 200, body: this.fraud };
  }

  /**
   * The customer scans the QR: Indodana creates the transaction (INITIATED). Idempotent on
   * merchantOrderId: the same QR scanned again is the same transaction, never a second one; a QR
   * with the same order id and another amount is a conflict.
   */
  private open(qrString: string, ttlMs = DEFAULT_INITIATED_TTL_MS): { transaction: Transaction } | SandboxResponse {
    const qr = readDynamicQris(qrString);
    if (!qr) return failure(400, 'VALIDATION_ERROR', 'not a dynamic QRIS with an amount and a bill number');
    const existing = this.transactions.get(qr.billNumber);
    if (existing) {
      if (existing.amount !== qr.amount) return failure(409, 'CONFLICT', `merchantOrderId ${qr.billNumber} already has a transaction of ${existing.amount}`);
      existing.scans += 1;
      return { transaction: existing };
    }
    const now = Date.now();
    const transaction: Transaction = {
      merchantOrderId: qr.billNumber,
      transactionId: randomUUID(),
      amount: qr.amount,
      status: 'INITIATED',
      createdAt: now,
      expiresAt: now + ttlMs,
      paidAmount: 0,
      scans: 1,
      refunds: [],
    };
    this.transactions.set(transaction.merchantOrderId, transaction);
    if (ttlMs <= MAX_TIMER_MS) {
      this.kit.later(ttlMs, () => {
        if (this.transactions.get(transaction.merchantOrderId) === transaction) this.refresh(transaction);
      });
    }
    return { transaction };
  }

  /** An INITIATED transaction past its time is EXPIRED ("customer failed to complete"), and notified. */
  private refresh(transaction: Transaction): Transaction {
    if (transaction.status === 'INITIATED' && Date.now() >= transaction.expiresAt) {
      transaction.status = 'EXPIRED';
      this.notify(transaction);
    }
    return transaction;
  }

  /** The transaction as check status describes it; `as` renders an earlier status (the stale notice). */
  private render(t: Transaction, as: IndodanaTransactionStatus = t.status): Record<string, unknown> {
    return {
      status: 'OK',
      fraudStatus: as === 'REJECTED' ? 'REJECT' : 'ACCEPT', // [? the value for a rejected transaction]
      legalName: 'SANDBOX CUSTOMER',
      amount: as === 'PAID' ? t.paidAmount : t.amount,
      indodanaUserId: 'sandbox-user',
      paymentType: '3_months',
      transactionStatus: as,
      merchantOrderId: t.merchantOrderId,
      transactionTime: indodanaTime(t.createdAt),
      transactionId: t.transactionId,
      ...(as === 'REJECTED' && t.message ? { message: t.message } : {}),
    };
  }

  /**
   * Notifies the transaction's final status (PAID, REJECTED, EXPIRED) to the merchant's notification
   * URL: the fields Indodana's clients read, with a Bearer Authorization signed afresh for each
   * attempt, retried on INDODANA_NOTIFICATION_RETRIES_MS × timeScale until a 2xx.
   */
  private notify(transaction: Transaction): void {
    const sent = this.notification(transaction, transaction.status);
    this.outbox.push({ url: sent.url, headers: { ...sent.headers, authorization: authorizationHeader(this.options.apiKey, this.options.secretKey) }, body: sent.body });
    // For the out-of-order fault: the transaction as it was before (INITIATED), delivered after
    // the final one. A robustness fault, not documented Indodana behaviour.
    const stale = transaction.status === 'INITIATED' ? undefined : this.notification(transaction, 'INITIATED');
    this.kit.notify(sent, INDODANA_NOTIFICATION_RETRIES_MS, { final: true, stale });
  }

  private notification(t: Transaction, status: IndodanaTransactionStatus): Notification {
    const { status: _ok, legalName: _name, indodanaUserId: _user, ...fields } = this.render(t, status);
    return {
      url: this.kit.options.callbackUrl,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(fields),
      freshHeaders: () => ({ authorization: authorizationHeader(this.options.apiKey, this.options.secretKey) }),
    };
  }
}

function refunded(t: Transaction): number {
  return t.refunds.reduce((sum, r) => sum + r.amount, 0);
}

/** Indodana's error answer: `{status: "ERROR", error: {kind, message}}` ([? kinds]). */
function failure(status: number, kind: string, message: string): SandboxResponse {
  return { status, body: { status: 'ERROR', error: { kind, message } } };
}

function describeIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`).join('; ');
}
