// A local stand-in for DOKU's Non-SNAP sandbox: VA and Alfa payment codes, Indodana
// generate-order, check status, Request-Id idempotency (HTTP 409 replays), and HTTP
// notifications signed DOKU's way, retried 30 min, 6 h and 12 h after the original. It reuses the
// adapter's zod schemas and signature functions; the tests check both against the published
// string-to-sign and against jokul-nodejs-library, independently of this code.
import { createPublicKey, randomInt, randomUUID } from 'node:crypto';
import { DEV_DOKU_SNAP_DOKU_PRIVATE_KEY, DEV_DOKU_SNAP_MERCHANT_PRIVATE_KEY } from './dev-keys.js';
import { DOKU_CHANNELS, DOKU_STATUS_PATH, type DokuChannel, type DokuChannelKind, type DokuMethod } from '../capabilities.js';
import { REQUEST_SCHEMAS, type DokuO2oRequest, type DokuPaylaterRequest, type DokuVaRequest } from '../schemas.js';
import { DOKU_TIMESTAMP, bodyDigest, dokuTimestamp, signatureMatches, signedHeaders } from '../signature.js';
import { DokuSnapSandbox, type DokuSnapSandboxOptions } from './snap.js';
import { jsonBody, ProviderSandbox, markPaid, ledgerEntry } from '../../../sandbox/kit.js';
import type { Handler, LedgerEntry, Notification, SandboxProvider, SandboxRequest, SandboxResponse } from '../../../sandbox/kit.js';

import { DOKU_NOTIFICATION_RETRIES_MS } from './retries.js';

export { DOKU_NOTIFICATION_RETRIES_MS, DOKU_NOTIFICATION_RETRY_OFFSETS_MS } from './retries.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Indodana's expired_time is optional; the sandbox assumes an hour when it is left out [?]. */
const DEFAULT_PAYLATER_MINUTES = 60;

const MAX_TIMER_MS = 2 ** 31 - 1;
const WIB_OFFSET_MS = 7 * HOUR;

/** Service ids as notifications carry them; channel id = service + "_" + acquirer. */
const SERVICE: Record<DokuChannelKind, string> = { va: 'VIRTUAL_ACCOUNT', o2o: 'ONLINE_TO_OFFLINE', paylater: 'PEER_TO_PEER' };

/** Company-code prefixes for the generated VA numbers (16 digits in all); made up, like the numbers. */
const VA_PREFIX: Record<string, string> = { MANDIRI: '88899', BSI: '6059', BCA: '19008', BRI: '13925', PERMATA: '8856', BNI: '8492', CIMB: '5919', DANAMON: '7915' };

type Status = 'PENDING' | 'SUCCESS' | 'EXPIRED';

interface Charge {
  method: DokuMethod;
  channel: DokuChannel;
  invoice: string;
  requestId: string;
  amount: number;
  createdAt: number;
  expiresAt: number;
  status: Status;
  paidAmount: number;
  paidAt?: number;
  createRequests: number;
  virtualAccountNumber?: string;
  paymentCode?: string;
  payUrl?: string;
  notifyUrl: string;
}

export interface DokuSandboxOptions {
  clientId: string;
  secretKey: string;
  /** SNAP (e-wallets); by default the development keys and the secret key above. */
  snap?: Omit<DokuSnapSandboxOptions, 'clientId'>;
}

export class DokuSandbox extends ProviderSandbox<DokuSandboxOptions> implements SandboxProvider {
  readonly name = 'doku';
  private readonly byInvoice = new Map<string, Charge>();
  private readonly byRequestId = new Map<string, Charge>();
  /** Request-Id → the body's digest and the first answer, for DOKU's 409 replays. */
  private readonly answered = new Map<string, { digest: string; response: SandboxResponse; charge?: Charge }>();
  /** Every notification as first sent, headers included (the kit's log keeps bodies only). */
  private readonly outbox: Notification[] = [];
  /** DOKU SNAP on the same host: token, e-wallet payment, status, refund (./snap.ts). */
  readonly snap: DokuSnapSandbox;

  constructor(options: DokuSandboxOptions) {
    super(options);
    this.snap = new DokuSnapSandbox({
      clientId: options.clientId,
      ...(options.snap ?? {
        clientSecret: options.secretKey,
        merchantPublicKey: createPublicKey(DEV_DOKU_SNAP_MERCHANT_PRIVATE_KEY),
        dokuPrivateKey: DEV_DOKU_SNAP_DOKU_PRIVATE_KEY,
      }),
    });
  }

  protected endpoints(): [string, string, Handler][] {
    const creates = (Object.entries(DOKU_CHANNELS) as [DokuMethod, DokuChannel][]).map(([method, channel]): [string, string, Handler] => [
      'POST',
      channel.path,
      (r) => this.signed(r, (requestId) => this.create(r, requestId, method, channel)),
    ]);
    return [
      ...creates,
      ['GET', `${DOKU_STATUS_PATH}:invoice`, (r) => this.signed(r, () => this.status(r.params.invoice!))],
      // Sandbox only: what was sent, with the signed headers, so tests can redeliver it verbatim.
      ['GET', '/_sandbox/doku/outbox', () => ({ status: 200, body: this.outbox })],
      ...this.snap.routes(this.kit),
    ];
  }

  pay(reference: string, options: { amount?: number; force?: boolean }): SandboxResponse {
    if (this.snap.has(reference)) return this.snap.pay(reference, options);
    const charge = this.find(reference);
    if (!charge) return failure(404, 'not_found', 'Transaction not found');
    this.refresh(charge);
    if (charge.status !== 'PENDING' && !(options.force === true && charge.status === 'EXPIRED')) {
      return failure(400, 'invalid_status', `Transaction is ${charge.status}; only pending transactions can be paid`);
    }
    charge.status = 'SUCCESS';
    markPaid(charge, options.amount);
    this.notify(charge);
    return { status: 200, body: this.transactionBody(charge) };
  }

  ledger(): LedgerEntry[] {
    return [...this.byInvoice.values()].map((c) => ledgerEntry(c, { reference: c.invoice, providerId: c.requestId, status: this.refresh(c).status })).concat(this.snap.ledger());
  }

  reset(): void {
    this.snap.reset();
    this.byInvoice.clear();
    this.byRequestId.clear();
    this.answered.clear();
    this.outbox.length = 0;
  }

  /**
   * DOKU's request authentication: our Client-Id, a well-formed Request-Timestamp, and a Signature
   * over the four headers, this path and (POST only) the digest of the exact bytes received
   * (developers.doku.com, Signature Component from Request Header; Signature from API Get Method —
   * GET drops the Digest line). Request-Id "max 128 characters" and the UTC `…Z` timestamp form are
   * seed 002's header table. DOKU's error codes for each failure are not published [?]; the
   * sandbox's are descriptive, and the adapter only relies on the HTTP status (401 / 400).
   * The request timestamp's age is not checked: DOKU documents no window for requests [?].
   */
  private signed(r: SandboxRequest, next: (requestId: string) => SandboxResponse): SandboxResponse {
    const clientId = r.headers['client-id'];
    const requestId = r.headers['request-id'];
    const timestamp = r.headers['request-timestamp'];
    const received = r.headers['signature'];
    if (!clientId || !requestId || !timestamp || !received) return failure(401, 'invalid_header', 'Client-Id, Request-Id, Request-Timestamp and Signature are mandatory');
    if (clientId !== this.options.clientId) return failure(401, 'invalid_client_id', 'Client-Id not found');
    if (!DOKU_TIMESTAMP.test(timestamp)) return failure(400, 'invalid_header', 'Request-Timestamp must be UTC like 2020-08-11T08:45:42Z');
    if (requestId.length > 128) return failure(400, 'invalid_header', 'Request-Id is longer than 128 characters');
    const body = r.method === 'GET' ? undefined : r.rawBody;
    if (!signatureMatches({ clientId, requestId, timestamp, target: r.path, body }, received, this.options.secretKey)) {
      return failure(401, 'invalid_signature', 'Invalid Header Signature');
    }
    return next(requestId);
  }

  private create(r: SandboxRequest, requestId: string, method: DokuMethod, channel: DokuChannel): SandboxResponse {
    // Idempotency: the same Request-Id and the same body get the first answer again, as 409
    // (developers.doku.com, Idempotency Request: "DOKU system will send the same Response body with
    // HTTP Status Code 409 Conflict"). The answer to the same Request-Id with another body is not published [?].
    const digest = bodyDigest(r.rawBody);
    const earlier = this.answered.get(requestId);
    if (earlier) {
      if (earlier.digest !== digest) return failure(400, 'invalid_request_id', 'Request-Id was already used for a different request'); // [?]
      if (earlier.charge) earlier.charge.createRequests += 1;
      return { ...earlier.response, status: 409 };
    }
    // The request tables' "Mandatory" column is enforced (schemas.ts; for Indodana seed 002:
    // callback_url_cancel, billing_address, line_items, merchant_unique_reference, customer
    // first_name/email/phone): a request missing one is refused as DOKU refuses it. The error
    // code DOKU uses for it is not published; invalid_parameter is the sandbox's [?].
    const parsed = REQUEST_SCHEMAS[channel.kind].safeParse(jsonBody(r));
    if (!parsed.success) {
      return failure(400, 'invalid_parameter', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    }
    const request = parsed.data;
    const invoice = request.order.invoice_number;
    const existing = this.byInvoice.get(invoice);
    if (existing) {
      existing.createRequests += 1;
      return failure(400, 'invalid_parameter', 'Invoice number already used'); // [?]
    }
    const now = Date.now();
    const minutes = expiryMinutes(channel.kind, request);
    const charge: Charge = {
      method,
      channel,
      invoice,
      requestId,
      amount: request.order.amount,
      createdAt: now,
      expiresAt: now + minutes * MINUTE,
      status: 'PENDING',
      paidAmount: 0,
      createRequests: 1,
      notifyUrl: request.additional_info?.override_notification_url ?? this.kit.options.callbackUrl,
    };
    const base = `http://${r.headers.host ?? '127.0.0.1'}`;
    // Non-SNAP VAs are retired at DOKU (bayar's VAs go through SNAP, ./snap.ts); no VA path is served any more.
    const bank = (channel as { bank?: string }).bank;
    if ((channel.kind as DokuChannelKind) === 'va' && bank) charge.virtualAccountNumber = VA_PREFIX[bank]! + digits(16 - VA_PREFIX[bank]!.length);
    if (channel.kind === 'o2o') charge.paymentCode = '8888' + digits(12);
    if (channel.kind === 'paylater') charge.payUrl = `${base}/indodana/product-installment/payment?purchaseTransactionId=${randomUUID()}&tenure=3`;
    this.byInvoice.set(invoice, charge);
    this.byRequestId.set(requestId, charge);
    const delay = charge.expiresAt - now;
    if (delay <= MAX_TIMER_MS) this.kit.at(charge.expiresAt, () => void (this.byInvoice.get(invoice) === charge && this.refresh(charge)));
    const response: SandboxResponse = { status: 200, body: this.createdBody(charge, request, base) };
    this.answered.set(requestId, { digest, response, charge });
    return response;
  }

  private createdBody(charge: Charge, request: DokuVaRequest | DokuO2oRequest | DokuPaylaterRequest, base: string): Record<string, unknown> {
    const order = { invoice_number: charge.invoice, amount: charge.amount };
    const dates = {
      created_date: wibCompact(charge.createdAt),
      expired_date: wibCompact(charge.expiresAt),
      created_date_utc: dokuTimestamp(charge.createdAt),
      expired_date_utc: dokuTimestamp(charge.expiresAt),
    };
    const echo = { ...('customer' in request && request.customer ? { customer: request.customer } : {}), ...(request.additional_info ? { additional_info: request.additional_info } : {}) };
    switch (charge.channel.kind as DokuChannelKind) {
      case 'va':
        return {
          order,
          virtual_account_info: {
            virtual_account_number: charge.virtualAccountNumber,
            how_to_pay_page: `${base}/how-to-pay/${charge.invoice}`,
            how_to_pay_api: `${base}/how-to-pay-api/${charge.invoice}`,
            ...dates,
          },
          ...echo,
        };
      case 'o2o':
        return { order, online_to_offline_info: { payment_code: charge.paymentCode, how_to_pay_page: `${base}/how-to-pay/${charge.invoice}`, ...dates }, ...echo };
      case 'paylater':
        return {
          order,
          payment: { status: 'PENDING', url: charge.payUrl },
          peer_to_peer_info: {
            identifier: [{ name: 'INDODANA_ORDER_ID', value: charge.requestId }],
            ...dates,
            merchant_unique_reference: (request as DokuPaylaterRequest).peer_to_peer_info.merchant_unique_reference,
          },
          ...(request.additional_info ? { additional_info: request.additional_info } : {}),
        };
    }
  }

  /** GET /orders/v1/status/{invoice_number or Request-Id}. */
  private status(id: string): SandboxResponse {
    const charge = this.find(id);
    if (!charge) return failure(404, 'not_found', 'Transaction not found'); // [?] status and body
    this.refresh(charge);
    return { status: 200, body: this.transactionBody(charge) };
  }

  private find(id: string): Charge | undefined {
    return this.byInvoice.get(id) ?? this.byRequestId.get(id);
  }

  /** An unpaid charge past its expired_time is EXPIRED; DOKU notifies payments only, so no notification. */
  private refresh(charge: Charge): Charge {
    if (charge.status === 'PENDING' && Date.now() >= charge.expiresAt) charge.status = 'EXPIRED';
    return charge;
  }

  /**
   * The body of a status answer and of a notification ("similar to HTTP notification"); `as`
   * renders the charge as it was in an earlier status (the out-of-order fault's stale notice).
   */
  private transactionBody(charge: Charge, as: Status = charge.status): Record<string, unknown> {
    const service = SERVICE[charge.channel.kind];
    const paid = as === 'SUCCESS';
    return {
      service: { id: service },
      acquirer: { id: charge.channel.acquirer },
      channel: { id: `${service}_${charge.channel.acquirer}` },
      transaction: { status: as, date: dokuTimestamp((paid ? charge.paidAt : undefined) ?? charge.createdAt), original_request_id: charge.requestId },
      // A simulated over- or under-payment shows up here, as bayar must notice.
      order: { invoice_number: charge.invoice, amount: paid ? charge.paidAmount : charge.amount },
      ...(charge.virtualAccountNumber ? { virtual_account_info: { virtual_account_number: charge.virtualAccountNumber } } : {}),
      ...(paid && charge.virtualAccountNumber
        ? { virtual_account_payment: { date: wibCompact(charge.paidAt!), systrace_number: digits(6), reference_number: digits(12), channel_code: 'ATM', identifier: [] } }
        : {}),
      ...(charge.paymentCode ? { online_to_offline_info: { payment_code: charge.paymentCode } } : {}),
    };
  }

  /**
   * Sends the charge's state to its notification URL, signed like a request to us: Request-Target
   * is that URL's path. Retries resend the very same notification (same Request-Id and
   * signature) after 30 min, 6 h and 12 h when the answer is not 2xx (developers.doku.com,
   * Retry Notification). Whether DOKU re-stamps a retry is not published; the sandbox takes the
   * harder reading (the original Request-Timestamp) so bayar is tested against it.
   */
  private notify(charge: Charge): void {
    const sent = this.signedNotification(charge, charge.status);
    this.outbox.push(sent);
    // For the out-of-order fault only: a stale notice of the charge as it was before it was paid
    // (PENDING, its own Request-Id), delivered after the payment's. DOKU documents notifications
    // for payments only [?], so this is a robustness fault, not DOKU behaviour: whatever arrives
    // late, bayar must never move a paid payment back.
    const stale = charge.status === 'SUCCESS' ? this.signedNotification(charge, 'PENDING') : undefined;
    this.kit.notify(sent, DOKU_NOTIFICATION_RETRIES_MS, { final: true, stale });
  }

  private signedNotification(charge: Charge, status: Status): Notification {
    const body = JSON.stringify(this.transactionBody(charge, status));
    const target = new URL(charge.notifyUrl).pathname;
    const headers = signedHeaders({ clientId: this.options.clientId, requestId: randomUUID(), timestamp: dokuTimestamp(Date.now()), target, body }, this.options.secretKey);
    return { url: charge.notifyUrl, headers: { 'content-type': 'application/json', ...headers }, body };
  }
}

function expiryMinutes(kind: DokuChannelKind, request: DokuVaRequest | DokuO2oRequest | DokuPaylaterRequest): number {
  switch (kind) {
    case 'va':
      return (request as DokuVaRequest).virtual_account_info.expired_time;
    case 'o2o':
      return (request as DokuO2oRequest).online_to_offline_info.expired_time;
    case 'paylater':
      return (request as DokuPaylaterRequest).peer_to_peer_info.expired_time ?? DEFAULT_PAYLATER_MINUTES;
  }
}

/** DOKU's error answer [? exact fields]: `{error: {code, message}}` with a non-2xx status. */
function failure(status: number, code: string, message: string): SandboxResponse {
  return { status, body: { error: { code, message } } };
}

/** "yyyyMMddHHmmss" in Jakarta time, as DOKU's created_date / expired_date. */
function wibCompact(ms: number): string {
  return new Date(ms + WIB_OFFSET_MS).toISOString().slice(0, 19).replace(/\D/g, '');
}

function digits(n: number): string {
  let out = '';
  while (out.length < n) out += String(randomInt(0, 10));
  return out;
}
