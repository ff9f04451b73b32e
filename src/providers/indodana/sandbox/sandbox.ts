// A local stand-in for Indodana's merchant QRIS API: checkout (POST /v3/checkout_url, the QRIS
// page's "Purchase Transaction Checkout"), check status, order cancellation (full and partial, with
// Indodana's four reasons), the QRIS metadata callback, Bearer authentication both ways, and
// notifications signed Indodana's way (a fresh nonce on every attempt) to the checkout's
// approvedNotificationUrl, on a retry schedule of our choosing (Indodana publishes none), scaled by
// the kit's timeScale.
//
// The checkout creates the transaction (INITIATED: "Transaction has been created by Indodana",
// seed 001) and answers with the URL of Indodana's own checkout page (redirectUrl, as the plugins
// read it); the customer pays there and nowhere else. The sandbox plays the customer's side through
// control endpoints: "pay" completes the transaction — PAID, or REJECTED when the fraud switch is
// on — and "expire" is the customer walking away. It reuses the adapter's schemas and signature
// functions; the tests check those against the published samples, independently of this code.
import { randomUUID } from 'node:crypto';
import { INDODANA_CANCELLATION_WINDOW_DAYS, INDODANA_PATHS, paymentIdFromOrderId } from '../capabilities.js';
import { cancellationRequestSchema, checkoutRequestSchema, indodanaTime, metadataRequestSchema, parseIndodanaTime, type IndodanaTransactionStatus } from '../schemas.js';
import { authorizationHeader, verifyAuthorization } from '../signature.js';
import { jsonBody, ProviderSandbox, markPaid, ledgerEntry } from '../../../sandbox/kit.js';
import type { Handler, LedgerEntry, Notification, SandboxProvider, SandboxRequest, SandboxResponse } from '../../../sandbox/kit.js';

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

/** How long a checkout without expirationAt waits for the customer before it is EXPIRED [?]. */
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
  checkouts: number;
  /** approvedNotificationUrl of the checkout: where Indodana notifies. */
  notifyUrl: string;
  redirectUrl: string;
  refunds: Refund[];
  metadata?: Record<string, string>;
}

export interface IndodanaSandboxOptions {
  apiKey: string;
  secretKey: string;
  /** The cancellation path bayar is configured with, served besides the default. */
  refundPath?: string;
}

export class IndodanaSandbox extends ProviderSandbox<IndodanaSandboxOptions> implements SandboxProvider {
  readonly name = 'indodana';
  private readonly transactions = new Map<string, Transaction>();
  /** Every notification as first sent, headers included, so tests can redeliver one verbatim. */
  private readonly outbox: Notification[] = [];
  private fraud: { reject: boolean; message: string } = { reject: false, message: '' };

  protected endpoints(): [string, string, Handler][] {
    const refundPaths = [...new Set([INDODANA_PATHS.defaultRefund, this.options.refundPath ?? INDODANA_PATHS.defaultRefund])];
    return [
      ['POST', INDODANA_PATH_PREFIX + INDODANA_PATHS.checkout, (r) => this.authed(r, () => this.checkout(r))],
      ['GET', INDODANA_PATH_PREFIX + INDODANA_PATHS.checkStatus, (r) => this.authed(r, () => this.checkStatus(r))],
      ['POST', INDODANA_PATH_PREFIX + INDODANA_PATHS.metadata, (r) => this.authed(r, () => this.metadata(r))],
      ...refundPaths.map((path): [string, string, Handler] => ['POST', INDODANA_PATH_PREFIX + path, (r) => this.authed(r, () => this.cancel(r))]),
      // Sandbox controls: the customer's side, the fraud switch, and what was sent.
      ['GET', '/_sandbox/indodana/checkout/:transactionId', (r) => this.checkoutPage(r)],
      ['POST', '/_sandbox/indodana/expire', (r) => this.expireControl(r)],
      ['POST', '/_sandbox/indodana/fraud', (r) => this.fraudControl(r)],
      ['GET', '/_sandbox/indodana/outbox', () => ({ status: 200, body: this.outbox })],
    ];
  }

  /**
   * The customer completes the payment on Indodana's checkout page. `reference` is the
   * merchantOrderId, or bayar's payment id (`pay_` + the order id), as with the other sandboxes.
   * Only a transaction Indodana created (a checkout) can be paid.
   */
  pay(paymentOrOrderId: string, options: { amount?: number; force?: boolean }): SandboxResponse {
    const reference = paymentOrOrderId.replace(/^pay_/, '');
    const transaction = this.transactions.get(reference);
    if (!transaction) return failure(404, 'NOT_FOUND', `no transaction for merchantOrderId ${reference}: Indodana knows only orders checked out at ${INDODANA_PATHS.checkout}`);
    this.refresh(transaction);
    // Only an open transaction is paid ("EXPIRED — Customer failed to complete the transaction" is
    // final, seed 001). `force` is a test device, not Indodana behaviour: money arriving after the
    // close, to exercise bayar's late-money path.
    if (transaction.status !== 'INITIATED' && !(options.force === true && transaction.status === 'EXPIRED')) {
      return failure(400, 'INVALID_STATUS', `transaction is ${transaction.status}; only INITIATED transactions can be paid`);
    }
    if (this.fraud.reject) {
      // "identified as fraudulent transactions or in blacklisted merchants" (seed 001): nothing is paid.
      transaction.status = 'REJECTED';
      transaction.message = this.fraud.message;
    } else {
      transaction.status = 'PAID';
      markPaid(transaction, options.amount);
    }
    this.notify(transaction);
    return { status: 200, body: this.render(transaction) };
  }

  ledger(): LedgerEntry[] {
    // The ledger is bayar's test view, not Indodana's API: it names charges by bayar's payment id,
    // as every sandbox's ledger does (Indodana itself knows only the 24-digit order id).
    return [...this.transactions.values()].map((t) =>
      ledgerEntry(t, { reference: paymentIdFromOrderId(t.merchantOrderId), providerId: t.transactionId, status: this.refresh(t).status, refundedAmount: refunded(t), createRequests: t.checkouts }),
    );
  }

  reset(): void {
    this.transactions.clear();
    this.outbox.length = 0;
    this.fraud = { reject: false, message: '' };
  }

  /**
   * Indodana's Bearer scheme: our key and the HMAC of key:nonce (seed 001; PHP SDK
   * validateAuthCredentials). The nonce window (5 minutes back, 1 ahead) is the sandbox's own [?]:
   * Indodana's own verifier has none, but a stale credential is worth catching in bayar's calls.
   */
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
    if (Date.now() - transaction.createdAt > INDODANA_CANCELLATION_WINDOW_DAYS * DAY)
      return failure(400, 'CANCELLATION_WINDOW_PASSED', `transactions can be cancelled within ${INDODANA_CANCELLATION_WINDOW_DAYS} days`);
    if (refunded(transaction) + body.cancellationAmount > transaction.paidAmount) {
      return failure(422, 'VALIDATION_ERROR', `cancellationAmount exceeds the remaining ${transaction.paidAmount - refunded(transaction)}`);
    }
    const type = body.cancellationAmount === transaction.amount ? 'FULL' : 'PARTIAL';
    // Indodana's answer is not published [?]: status OK, echoing the cancellation.
    const response: SandboxResponse = {
      status: 200,
      body: {
        status: 'OK',
        refundId: body.refundId,
        merchantOrderId: body.merchantOrderId,
        cancellationAmount: body.cancellationAmount,
        cancellationReason: body.cancellationReason,
        cancellationType: type,
      },
    };
    transaction.refunds.push({ refundId: body.refundId, amount: body.cancellationAmount, reason: body.cancellationReason, type, key, response });
    return response;
  }

  /**
   * POST /v3/checkout_url: Indodana creates the transaction and answers with its checkout page.
   * Refused as at Indodana: no valid Authorization (401); a body without the QRIS page's required
   * merchantUserKey or the Online Transaction API's required transactionDetails, customerDetails,
   * sellers, approvedNotificationUrl, or a merchantOrderId outside its 32-character charset (422,
   * "Validation Error"); a merchantOrderId used before (409 "Conflict"; "never use the same order_id
   * twice or the request will be rejected", PoS Transaction API — the QRIS page says nothing [?]).
   */
  private checkout(r: SandboxRequest): SandboxResponse {
    const parsed = checkoutRequestSchema.safeParse(jsonBody(r));
    if (!parsed.success) return failure(422, 'VALIDATION_ERROR', describeIssues(parsed.error.issues));
    const body = parsed.data;
    const { merchantOrderId, amount, items } = body.transactionDetails;
    // "Should be equal to the sum of all the <Item>s' costs" (Online Transaction API, payment_calculation).
    if (items.reduce((sum, i) => sum + i.price * i.quantity, 0) !== amount) return failure(422, 'VALIDATION_ERROR', 'transactionDetails.amount must equal the sum of the items');
    if (this.transactions.has(merchantOrderId)) return failure(409, 'CONFLICT', `merchantOrderId ${merchantOrderId} was already used`);
    const now = Date.now();
    const expiresAt = body.expirationAt === undefined ? now + DEFAULT_INITIATED_TTL_MS : parseIndodanaTime(body.expirationAt)!;
    const transactionId = randomUUID();
    const transaction: Transaction = {
      merchantOrderId,
      transactionId,
      amount,
      status: 'INITIATED',
      createdAt: now,
      expiresAt,
      paidAmount: 0,
      checkouts: 1,
      notifyUrl: body.approvedNotificationUrl,
      redirectUrl: `http://${r.headers.host ?? '127.0.0.1'}/_sandbox/indodana/checkout/${transactionId}`,
      refunds: [],
    };
    this.transactions.set(merchantOrderId, transaction);
    const ttl = Math.max(0, expiresAt - now);
    if (ttl <= MAX_TIMER_MS) {
      this.kit.at(expiresAt, () => {
        if (this.transactions.get(merchantOrderId) === transaction) this.refresh(transaction);
      });
    }
    return { status: 200, body: { status: 'OK', redirectUrl: transaction.redirectUrl } };
  }

  /** Indodana's checkout page, as the customer sees it (the transaction it will pay). */
  private checkoutPage(r: SandboxRequest): SandboxResponse {
    const transaction = [...this.transactions.values()].find((t) => t.transactionId === r.params.transactionId);
    if (!transaction) return failure(404, 'NOT_FOUND', 'no such checkout');
    return { status: 200, body: this.render(this.refresh(transaction)) };
  }

  /** The customer walks away: the open transaction is EXPIRED ("Customer failed to complete the transaction"). */
  private expireControl(r: SandboxRequest): SandboxResponse {
    const body = jsonBody(r) as { merchantOrderId?: unknown } | undefined;
    const transaction = typeof body?.merchantOrderId === 'string' ? this.transactions.get(body.merchantOrderId.replace(/^pay_/, '')) : undefined;
    if (!transaction) return failure(404, 'NOT_FOUND', 'no such transaction');
    if (transaction.status !== 'INITIATED') return failure(400, 'INVALID_STATUS', `transaction is ${transaction.status}`);
    transaction.expiresAt = Date.now();
    return { status: 200, body: this.render(this.refresh(transaction)) };
  }

  private fraudControl(r: SandboxRequest): SandboxResponse {
    const body = (jsonBody(r) ?? {}) as { reject?: unknown; message?: unknown };
    this.fraud = { reject: body.reject === true, message: typeof body.message === 'string' ? body.message : 'Transaction identified as fraudulent' };
    return { status: 200, body: this.fraud };
  }

  /**
   * An INITIATED transaction past its time (the checkout's expirationAt, go-indodana-wrapper; else
   * DEFAULT_INITIATED_TTL_MS [?]) is EXPIRED ("Customer failed to complete the transaction", seed 001),
   * and notified.
   */
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
   * Notifies the transaction's final status (PAID, REJECTED, EXPIRED) to the checkout's
   * approvedNotificationUrl: the fields Indodana's clients read, with a Bearer Authorization signed afresh for each
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
      url: t.notifyUrl,
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
