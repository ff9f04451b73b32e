// A local stand-in for the RSA aggregator (seed 003, the TopPay family): pay-in orders on
// /gateway/prepaidOrder, disbursements on /gateway/cash, status on /gateway/query — every request's
// RSA `sign` checked with the merchant's public key, every answer and callback signed with the
// platform's private key (`platSign`). Orders keep the platform's status model and expiry; a paid
// order is announced by a form-encoded callback, sent 1 s after the payment and then again after
// 30 s, 60 s, 90 s, 1 h and 2 h (× timeScale) until the answer is the literal SUCCESS. Payouts can
// be switched to answer UNKNOWN while still executing, to answer FAIL, or to end in status 3/4.
// It reuses the adapter's schemas and signing; the unit tests check those against the formula
// independently of this code.
import { createPrivateKey, createPublicKey, randomInt, type KeyObject } from 'node:crypto';
import { AGGREGATOR_METHODS, CASH_PATH, EXPIRY_MINUTES, OVO_APPROVAL_SECONDS, PAYOUT_BANK_CODES, PREPAID_ORDER_PATH, QUERY_PATH, type AggregatorChannel } from '../capabilities.js';
import { flatParams } from '../client.js';
import { cashRequestSchema, prepaidOrderRequestSchema, queryRequestSchema, type CashRequest, type PrepaidOrderRequest, type QueryRequest } from '../schemas.js';
import { PLATFORM_SIGN_FIELD, signParams, verifyParams, SIGN_FIELD } from '../signature.js';
import { jsonBody, ProviderSandbox, markPaid, ledgerEntry, keepNext } from '../../../sandbox/kit.js';
import type { Handler, LedgerEntry, Notification, SandboxProvider, SandboxRequest, SandboxResponse } from '../../../sandbox/kit.js';
import { z } from 'zod';
import { httpCall } from '../../../common/http-client.js';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * "a total of 6 notifications. The notification interval is 1S, 30S, 60s, 90s, 1h, 2h" (seed 003):
 * read as six notices at most, each that long after the one before (the first, 1 s after the
 * payment), stopping at the first literal SUCCESS.
 */
export const CALLBACK_INTERVALS_MS = [1 * SECOND, 30 * SECOND, 60 * SECOND, 90 * SECOND, 1 * HOUR, 2 * HOUR];

/** The sandbox's own fee per disbursement (the platform's fees are per contract). */
export const SANDBOX_PAYOUT_FEE = 4_000;

/** Made-up company prefixes for the generated 16-digit VA numbers. */
const VA_PREFIX: Record<string, string> = {
  BCA: '39010',
  MANDIRI: '89608',
  PERMATA: '89652',
  CIMB: '59192',
  BNI: '98830',
  BRI: '26215',
  BNC: '90015',
  SAMPOERNA: '22350',
  MAYBANK: '78210',
  DANAMON: '79152',
};

type OrderStatus = 'INIT_ORDER' | 'NO_PAY' | 'OPEN_PAY_URL' | 'SUCCESS' | 'PAY_CANCEL';
const WAITING: readonly OrderStatus[] = ['INIT_ORDER', 'NO_PAY', 'OPEN_PAY_URL'];

interface Order {
  orderNum: string;
  platOrderNum: string;
  channel: AggregatorChannel;
  amount: number;
  fee: number;
  name: string;
  email: string;
  phone: string;
  productDetail: string;
  notifyUrl: string;
  createdAt: number;
  expiresAt: number;
  status: OrderStatus;
  paidAmount: number;
  paidAt?: number;
  vaNumber?: string;
  url: string;
  createRequests: number;
}

/** CASH_QUERY status: 0 new, 1 and 5 processing, 2 success, 3 cancelled, 4 failed. */
type PayoutStatus = 0 | 1 | 2 | 3 | 4 | 5;

interface Payout {
  orderNum: string;
  platOrderNum: string;
  amount: number;
  fee: number;
  feeType: '0' | '1';
  bankCode: string;
  number: string;
  name: string;
  description: string;
  notifyUrl: string;
  status: PayoutStatus;
  statusMsg: string;
  createdAt: number;
  /** Every /gateway/cash call that carried this orderNum, the first included. */
  sendRequests: number;
}

/** One-shot switches for the next disbursement request. */
/** POST /_sandbox/aggregator/payouts/next (test control). */
const nextPayoutSchema = z.object({ answer: z.enum(['SUCCESS', 'UNKNOWN', 'FAIL']).optional(), outcome: z.union([z.literal(2), z.literal(3), z.literal(4)]).optional() });

export interface NextPayout {
  /** SUCCESS (default); UNKNOWN: executed, but the answer says UNKNOWN; FAIL: refused, nothing executed. */
  answer?: 'SUCCESS' | 'UNKNOWN' | 'FAIL';
  /** Final CASH_QUERY status: 2 (default) success, 3 cancelled, 4 failed. */
  outcome?: 2 | 3 | 4;
}

export interface AggregatorFaults {
  /** Deliver all six callback notices even when answered SUCCESS ("repeated notifications are not excluded"). */
  deliverAllCallbacks: boolean;
  /** How long an accepted disbursement stays in processing (status 1) before it ends. */
  payoutDelayMs: number;
  /**
   * A robustness fault, not documented platform behaviour: the create answer's platSign is made
   * over payMoney as "150000.00" while the body says "150000" (the number-formatting mismatch
   * the audit names), so the answer cannot be verified although the order exists.
   */
  unverifiableCreateAnswer?: boolean;
}

const NO_FAULTS: AggregatorFaults = { deliverAllCallbacks: false, payoutDelayMs: 200 };

export interface CallbackDelivery {
  kind: 'pay' | 'payout';
  orderNum: string;
  /** 1 for the first notice. */
  attempt: number;
  httpStatus: number | 'error';
  /** What the receiver answered; only the literal SUCCESS stops the notices. */
  answer: string;
  at: number;
}

export interface AggregatorSandboxOptions {
  merchantId: string;
  /** Verifies the merchant's request signatures (the public half of the merchant's key). PEM or KeyObject. */
  merchantPublicKey: string | KeyObject;
  /** Signs every answer and callback (the platform's private key). PEM or KeyObject. */
  platformPrivateKey: string | KeyObject;
}

export class AggregatorSandbox extends ProviderSandbox<AggregatorSandboxOptions> implements SandboxProvider {
  readonly name = 'aggregator';
  private readonly orders = new Map<string, Order>();
  private readonly payouts = new Map<string, Payout>();
  /** Every callback as first built (with headers), so tests can redeliver one verbatim. */
  private readonly outbox: (Notification & { kind: 'pay' | 'payout'; orderNum: string })[] = [];
  private readonly deliveries: CallbackDelivery[] = [];
  private faults: AggregatorFaults = { ...NO_FAULTS };
  private next: NextPayout = {};
  private readonly merchantKey: KeyObject;
  private readonly platformKey: KeyObject;

  constructor(options: AggregatorSandboxOptions) {
    super(options);
    this.merchantKey = typeof options.merchantPublicKey === 'string' ? createPublicKey(options.merchantPublicKey) : options.merchantPublicKey;
    this.platformKey = typeof options.platformPrivateKey === 'string' ? createPrivateKey(options.platformPrivateKey) : options.platformPrivateKey;
  }

  protected endpoints(): [string, string, Handler][] {
    return [
      ['POST', PREPAID_ORDER_PATH, (r) => this.signed(r, prepaidOrderRequestSchema, (body) => this.createOrder(r, body))],
      ['POST', CASH_PATH, (r) => this.signed(r, cashRequestSchema, (body) => this.cash(body))],
      ['POST', QUERY_PATH, (r) => this.signed(r, queryRequestSchema, (body) => this.query(body))],
      // The payment page the order's `url` points at; opening it is what OPEN_PAY_URL records.
      ['GET', '/pay/:platOrderNum', (r) => this.openPayPage(r.params.platOrderNum!)],
      // Sandbox only.
      ['GET', '/_sandbox/aggregator/outbox', () => ({ status: 200, body: this.outbox })],
      ['GET', '/_sandbox/aggregator/callbacks', () => ({ status: 200, body: this.deliveries })],
      ['GET', '/_sandbox/aggregator/payouts', () => ({ status: 200, body: { payouts: this.payoutLedger() } })],
      ['POST', '/_sandbox/aggregator/payouts/next', (r) => keepNext(r, nextPayoutSchema, (next) => (this.next = next))],
      ['POST', '/_sandbox/aggregator/payouts/:orderNum/amend-record', (r) => this.amendPayout(r)],
      ['POST', '/_sandbox/aggregator/faults', (r) => this.setFaults(r)],
    ];
  }

  pay(reference: string, options: { amount?: number; force?: boolean }): SandboxResponse {
    const order = this.findOrder(reference);
    if (!order) return { status: 404, body: { error: 'order not found' } };
    this.refresh(order);
    const late = options.force === true && order.status === 'PAY_CANCEL' && order.paidAt === undefined;
    if (!WAITING.includes(order.status) && !late) return { status: 409, body: { error: `order is ${order.status}; only an unpaid order can be paid` } };
    order.status = 'SUCCESS';
    markPaid(order, options.amount);
    this.sendCallback('pay', order.orderNum, order.notifyUrl, this.payCallbackFields(order));
    return { status: 200, body: this.orderStatusFields(order) };
  }

  ledger(): LedgerEntry[] {
    return [...this.orders.values()].map((o) => ledgerEntry(o, { reference: o.orderNum, providerId: o.platOrderNum, status: this.refresh(o).status }));
  }

  reset(): void {
    this.orders.clear();
    this.payouts.clear();
    this.outbox.length = 0;
    this.deliveries.length = 0;
    this.faults = { ...NO_FAULTS };
    this.next = {};
  }

  // ---- request authentication ----

  /**
   * The platform's checks, in its order: a JSON object, our merchant, the RSA signature over every
   * other field, then the fields themselves. Every refusal is HTTP 200 with platRespCode FAIL and
   * a message [? the platform's exact texts are not published]. Sources: seed 003 ("Submission
   * method: POST … JSON", "both request and received data need to verify the signature"; the
   * RSA rule in signature.ts), and the field rules in schemas.ts. The signature is checked the way
   * TopPay's verifySign does it (double quotes ignored, signature.ts).
   */
  private signed<S extends z.ZodType>(r: SandboxRequest, schema: S, next: (body: z.infer<S>) => SandboxResponse): SandboxResponse {
    const params = flatParams(jsonBody(r));
    if (!params) return this.fail('request body must be a JSON object of text fields');
    if (params.merchantCode !== this.options.merchantId) return this.fail('merchant does not exist');
    if (!verifyParams(params, this.merchantKey, SIGN_FIELD)) return this.fail('sign error: signature verification failed');
    const parsed = schema.safeParse(params);
    if (!parsed.success) return this.fail(`parameter error: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
    return next(parsed.data);
  }

  /** An answer with its platSign over every other field. */
  private answer(fields: Record<string, string | number>): SandboxResponse {
    return { status: 200, body: { ...fields, [PLATFORM_SIGN_FIELD]: signParams(fields, this.platformKey, PLATFORM_SIGN_FIELD) } };
  }

  private fail(message: string, code: 'FAIL' | 'UNKNOWN' | 'NOTEXIST' = 'FAIL'): SandboxResponse {
    return this.answer({ platRespCode: code, platRespMessage: message });
  }

  // ---- pay-in ----

  private createOrder(r: SandboxRequest, body: PrepaidOrderRequest): SandboxResponse {
    const existing = this.orders.get(body.orderNum);
    if (existing) {
      // "Duplicated numbers won't be accepted by platform": refused, not replayed.
      existing.createRequests += 1;
      return this.fail('orderNum already exists');
    }
    const channel = Object.values(AGGREGATOR_METHODS).find((m) => m.code === body.method)!;
    const now = Date.now();
    const platOrderNum = `PRE${platTime(now)}${digits(6)}`;
    const minutes = body.expiryPeriod === undefined ? EXPIRY_MINUTES.default : Number(body.expiryPeriod);
    const order: Order = {
      orderNum: body.orderNum,
      platOrderNum,
      channel,
      amount: Number(body.payMoney),
      fee: 0,
      name: body.name,
      email: body.email,
      phone: body.phone,
      productDetail: body.productDetail,
      notifyUrl: body.notifyUrl,
      createdAt: now,
      // OVO: the push must be approved in the app within 30 s, whatever expiryPeriod says.
      expiresAt: now + (channel.code === 'EWALLET_OVO' ? OVO_APPROVAL_SECONDS * SECOND : minutes * MINUTE),
      // A wallet order waits for its page to be opened; VA, QR and store codes wait for the money.
      status: channel.kind === 'ewallet' ? 'INIT_ORDER' : 'NO_PAY',
      paidAmount: 0,
      url: `http://${r.headers.host ?? '127.0.0.1'}/pay/${platOrderNum}`,
      createRequests: 1,
    };
    if (channel.kind === 'va') order.vaNumber = VA_PREFIX[channel.bank!]! + digits(11);
    if (channel.kind === 'retail') order.vaNumber = '8899' + digits(12);
    if (channel.kind === 'qris') order.vaNumber = qrisPayload(order.amount, platOrderNum);
    this.orders.set(order.orderNum, order);
    const delay = order.expiresAt - now;
    if (delay <= MAX_TIMER_MS) this.kit.at(order.expiresAt, () => void (this.orders.get(order.orderNum) === order && this.refresh(order)));
    const created = {
      platRespCode: 'SUCCESS',
      platRespMessage: 'Request success',
      platOrderNum,
      orderNum: order.orderNum,
      method: channel.code,
      name: order.name,
      email: order.email,
      payMoney: String(order.amount),
      payFee: String(order.fee),
      productDetail: order.productDetail,
      url: order.url,
      ...(order.vaNumber ? { vaNumber: order.vaNumber } : {}),
    };
    if (this.faults.unverifiableCreateAnswer) {
      return { status: 200, body: { ...created, [PLATFORM_SIGN_FIELD]: signParams({ ...created, payMoney: `${order.amount}.00` }, this.platformKey, PLATFORM_SIGN_FIELD) } };
    }
    return this.answer(created);
  }

  private openPayPage(platOrderNum: string): SandboxResponse {
    const order = [...this.orders.values()].find((o) => o.platOrderNum === platOrderNum);
    if (!order) return { status: 404, body: 'order not found', contentType: 'text/plain' };
    this.refresh(order);
    if (order.status === 'INIT_ORDER' || order.status === 'NO_PAY') order.status = 'OPEN_PAY_URL';
    return { status: 200, contentType: 'text/plain', body: `sandbox payment page for ${order.orderNum}: ${order.amount} IDR by ${order.channel.code} (${order.status})` };
  }

  private findOrder(reference: string): Order | undefined {
    return this.orders.get(reference) ?? [...this.orders.values()].find((o) => o.platOrderNum === reference);
  }

  /**
   * An unpaid order past its expiry ends as PAY_CANCEL: the platform's only "no longer payable"
   * status [? what it reports for an expired order is not published]. Callbacks come only for
   * payments, so expiry sends nothing.
   */
  private refresh(order: Order): Order {
    if (WAITING.includes(order.status) && Date.now() >= order.expiresAt) order.status = 'PAY_CANCEL';
    return order;
  }

  private orderStatusFields(order: Order): Record<string, string | number> {
    return {
      platRespCode: 'SUCCESS',
      platRespMessage: 'Request success',
      platOrderNum: order.platOrderNum,
      orderNum: order.orderNum,
      // "The amount user has paid": a simulated over- or under-payment shows up here.
      amount: order.paidAmount,
      fee: order.fee,
      status: order.status,
      msg: order.status === 'PAY_CANCEL' ? 'order closed unpaid' : order.status === 'SUCCESS' ? 'pay success' : 'waiting for payment',
    };
  }

  private payCallbackFields(order: Order): Record<string, string> {
    return {
      code: '00',
      email: order.email,
      method: order.channel.code,
      msg: 'SUCCESS',
      name: order.name,
      orderNum: order.orderNum,
      payFee: String(order.fee),
      payMoney: String(order.paidAmount),
      platOrderNum: order.platOrderNum,
      ...(order.vaNumber ? { vaNumber: order.vaNumber } : {}),
    };
  }

  // ---- status ----

  private query(body: QueryRequest): SandboxResponse {
    if (body.queryType === 'ORDER_QUERY') {
      const order = this.orders.get(body.orderNum);
      if (!order) return this.fail('order does not exist', 'NOTEXIST');
      return this.answer(this.orderStatusFields(this.refresh(order)));
    }
    if (body.queryType === 'CASH_QUERY') {
      const payout = this.payouts.get(body.orderNum);
      if (!payout) return this.fail('order does not exist', 'NOTEXIST');
      return this.answer({
        platRespCode: 'SUCCESS',
        platRespMessage: 'Request success',
        platOrderNum: payout.platOrderNum,
        orderNum: payout.orderNum,
        amount: payout.amount,
        fee: payout.fee,
        status: String(payout.status),
        msg: payout.statusMsg,
      });
    }
    // No refunds at this platform, so no refund order ever exists.
    return this.fail('order does not exist', 'NOTEXIST');
  }

  // ---- pay on behalf ----

  private cash(body: CashRequest): SandboxResponse {
    // Bank codes: the TopPay demo's numeric codes (capabilities.ts); BDPay/FinPay also use "014"
    // for BCA while KlikPay uses names — which one a given account takes is unconfirmed [?].
    if (!Object.values(PAYOUT_BANK_CODES).includes(body.bankCode)) return this.fail(`bankCode ${body.bankCode} is not supported`);
    const existing = this.payouts.get(body.orderNum);
    if (existing) {
      // A repeated orderNum is refused, never replayed (seed 003: do not repeat the initiation;
      // the order's outcome comes from the query or the callback).
      existing.sendRequests += 1;
      return this.fail('orderNum already exists');
    }
    const switches = this.next;
    this.next = {};
    if (switches.answer === 'FAIL') return this.fail('disbursement refused: insufficient balance (sandbox switch)');
    const now = Date.now();
    const payout: Payout = {
      orderNum: body.orderNum,
      platOrderNum: `CASH${platTime(now)}${digits(6)}`,
      amount: Number(body.money),
      fee: SANDBOX_PAYOUT_FEE,
      feeType: body.feeType,
      bankCode: body.bankCode,
      number: body.number,
      name: body.name,
      description: body.description,
      notifyUrl: body.notifyUrl,
      // Accepted and handed to the bank at once: processing until it ends.
      status: 1,
      statusMsg: 'Processing',
      createdAt: now,
      sendRequests: 1,
    };
    this.payouts.set(payout.orderNum, payout);
    const outcome = switches.outcome ?? 2;
    this.kit.later(this.faults.payoutDelayMs, () => this.finishPayout(payout, outcome));
    if (switches.answer === 'UNKNOWN') return this.fail('system busy, please query the order later', 'UNKNOWN');
    return this.answer({
      platRespCode: 'SUCCESS',
      platRespMessage: 'Request success',
      platOrderNum: payout.platOrderNum,
      orderNum: payout.orderNum,
      name: payout.name,
      bankCode: payout.bankCode,
      number: payout.number,
      money: String(payout.amount),
      fee: String(payout.fee),
      feeType: payout.feeType,
    });
  }

  private finishPayout(payout: Payout, outcome: 2 | 3 | 4): void {
    if (this.payouts.get(payout.orderNum) !== payout) return;
    payout.status = outcome;
    payout.statusMsg = { 2: 'SUCCESS', 3: 'Order revoked', 4: 'Payout failed: account name does not match' }[outcome];
    this.sendCallback('payout', payout.orderNum, payout.notifyUrl, {
      bankCode: payout.bankCode,
      description: payout.description,
      fee: String(payout.fee),
      feeType: payout.feeType,
      money: String(payout.amount),
      name: payout.name,
      number: payout.number,
      orderNum: payout.orderNum,
      platOrderNum: payout.platOrderNum,
      status: String(payout.status),
      statusMsg: payout.statusMsg,
    });
  }

  private payoutLedger() {
    return [...this.payouts.values()].map((p) => ({
      orderNum: p.orderNum,
      platOrderNum: p.platOrderNum,
      amount: p.amount,
      fee: p.fee,
      feeType: p.feeType,
      // What reaches the account: feeType 0 takes the fee out of the amount, 1 charges it to the balance.
      received: p.status === 2 ? (p.feeType === '0' ? p.amount - p.fee : p.amount) : 0,
      balanceDebit: p.status === 3 || p.status === 4 ? 0 : p.feeType === '0' ? p.amount : p.amount + p.fee,
      bankCode: p.bankCode,
      number: p.number,
      name: p.name,
      status: p.status,
      statusMsg: p.statusMsg,
      sendRequests: p.sendRequests,
    }));
  }

  /**
   * Test injection, not platform behaviour: the payout's CASH_QUERY status becomes `status`
   * (2, 3 or 4) silently — no callback — after bayar recorded its end, so the daily
   * reconciliation finds a payout_mismatch (e.g. SUCCEEDED at bayar, 4 failed here).
   */
  private amendPayout(r: SandboxRequest): SandboxResponse {
    const payout = this.payouts.get(r.params.orderNum!);
    if (!payout) return { status: 404, body: { error: 'payout not found' } };
    const { status } = (jsonBody(r) ?? {}) as { status?: unknown };
    if (status !== 2 && status !== 3 && status !== 4) return { status: 400, body: { error: 'status: 2, 3 or 4' } };
    payout.status = status;
    payout.statusMsg = { 2: 'SUCCESS', 3: 'Order revoked', 4: 'Payout failed: account name does not match' }[status];
    return { status: 200, body: { orderNum: payout.orderNum, status: payout.status, statusMsg: payout.statusMsg } };
  }

  private setFaults(r: SandboxRequest): SandboxResponse {
    this.faults = { ...NO_FAULTS, ...((jsonBody(r) ?? {}) as Partial<AggregatorFaults>) };
    return { status: 200, body: this.faults };
  }

  // ---- callbacks ----

  /**
   * A signed, form-encoded callback, sent after each interval of the schedule (× timeScale) until
   * the receiver answers the literal SUCCESS, six notices at most. With `deliverAllCallbacks` all
   * six are sent whatever the answer. The kit's duplicateRate adds one immediate repeat.
   */
  private sendCallback(kind: 'pay' | 'payout', orderNum: string, url: string, fields: Record<string, string>): void {
    const body = new URLSearchParams({ ...fields, [PLATFORM_SIGN_FIELD]: signParams(fields, this.platformKey, PLATFORM_SIGN_FIELD) }).toString();
    const notification = { url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body };
    this.outbox.push({ ...notification, kind, orderNum });
    if (!this.kit.faults.webhooksEnabled) return;
    const scale = this.kit.options.timeScale;
    const attempt = async (index: number): Promise<void> => {
      const acknowledged = await this.deliver(notification, kind, orderNum, index + 1);
      const next = index + 1;
      if (next < CALLBACK_INTERVALS_MS.length && (!acknowledged || this.faults.deliverAllCallbacks)) {
        this.kit.later(CALLBACK_INTERVALS_MS[next]! * scale, () => void attempt(next));
      }
    };
    this.kit.later(CALLBACK_INTERVALS_MS[0]! * scale, () => void attempt(0));
    if (Math.random() < this.kit.faults.duplicateRate) this.kit.later(CALLBACK_INTERVALS_MS[0]! * scale + 5, () => void this.deliver(notification, kind, orderNum, 0));
  }

  /** One notice; true when the receiver answered the literal SUCCESS. */
  private async deliver(n: Notification, kind: 'pay' | 'payout', orderNum: string, attempt: number): Promise<boolean> {
    const start = performance.now();
    let httpStatus: number | 'error' = 'error';
    let answer = '';
    try {
      const res = await httpCall({ method: 'POST', url: n.url, headers: n.headers, body: n.body, timeoutMs: 15_000 });
      httpStatus = res.status;
      answer = res.text.slice(0, 200);
    } catch {
      // no answer: retried like any other
    }
    this.kit.sent.push({ url: n.url, body: n.body, status: httpStatus, at: Date.now(), ...(httpStatus === 'error' ? {} : { ms: performance.now() - start }) });
    this.deliveries.push({ kind, orderNum, attempt, httpStatus, answer, at: Date.now() });
    return answer.trim() === 'SUCCESS';
  }
}

function digits(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += randomInt(10);
  return s;
}

/** yyyyMMddHHmmss, UTC: only part of a made-up platform order number. */
function platTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace(/\D/g, '');
}

/** A QRIS-shaped EMV payload (merchant-presented, dynamic, with the amount) and its CRC-16/CCITT-FALSE. */
function qrisPayload(amount: number, reference: string): string {
  const tlv = (id: string, value: string) => `${id}${String(value.length).padStart(2, '0')}${value}`;
  const merchant = tlv('00', 'ID.CO.QRIS.WWW') + tlv('01', '936000000000000000') + tlv('02', 'ID1020000000000') + tlv('03', 'UMI');
  const body =
    tlv('00', '01') +
    tlv('01', '12') +
    tlv('26', merchant) +
    tlv('52', '5999') +
    tlv('53', '360') +
    tlv('54', String(amount)) +
    tlv('58', 'ID') +
    tlv('59', 'BAYAR SANDBOX') +
    tlv('60', 'JAKARTA') +
    tlv('62', tlv('01', reference.slice(-25))) +
    '6304';
  return body + crc16(body);
}

function crc16(text: string): string {
  let crc = 0xffff;
  for (const byte of Buffer.from(text, 'utf8')) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc.toString(16).toUpperCase().padStart(4, '0');
}
