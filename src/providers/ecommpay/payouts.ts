// ecommpay payouts (Gate, `/v2/payment/banks/indonesia-va/payout`): bayar's PayoutProvider over
// ecommpay's payout request, its status request and its payout callbacks. One attempt = one
// `general.payment_id` = bayar's provider payout id (`<payout id>-<attempt>`), ecommpay's
// idempotency key: a second request with the same id is refused with 3041 and pays nothing.
//
// What an answer means is decided here, once: definite refusal (ProviderRejected → FAILED),
// definitely not processed (ProviderUnavailable: the same attempt may be sent again), or perhaps
// taken (ProviderOutcomeUnknown: looked up by the workflow, never sent again). Gate's synchronous
// answer only says the request was accepted ("status … of a request, not a payment",
// en_faq_payment_result.html); the result comes in the payout callback or the status answer.
import { createHmac } from 'node:crypto';
import { parseJson, retryAfterMs } from '../http.js';
import type { PayoutSnapshot, SendPayoutRequest } from '../payout.js';
import { ProviderOutcomeUnknown, ProviderRejected, ProviderUnavailable, type ParsedWebhook } from '../provider.js';
import { payoutIdOf } from '../aggregator/index.js';
import { ECOMMPAY_PATHS, IDR_MINOR_UNITS, ecommpayPayoutBankId, ecommpayPayoutCapabilities } from './capabilities.js';
import { ECOMMPAY_CODES, ecommpayErrorCode, type EcommpayClient, type UnsignedRequest } from './client.js';
import { gateAnswerSchema, type EcommpayCallback, type EcommpayOperation, type EcommpayPayoutRequest, type EcommpayStatusAnswer } from './schemas.js';
import { ecommpayPayoutStatusToState } from './status.js';

/**
 * Gate's payout request requires `customer.ip_address` and `customer.email` (the published
 * samples and parameter tables) — of the customer being paid. bayar's payout API carries neither:
 * the recipient is a bank account, not a user with a device. These well-formed placeholders
 * (RFC 5737 documentation address, RFC 2606 domain) are sent instead [? whether ecommpay's risk
 * checks accept them for merchant-initiated payouts is for the account manager to confirm; a
 * refusal is a definite 4xx, so nothing is paid twice].
 */
export const PAYOUT_PAYEE_PLACEHOLDER = { ipAddress: '198.51.100.1', email: 'payee@example.com' } as const;

export class EcommpayPayouts {
  readonly payoutCapabilities = ecommpayPayoutCapabilities;

  constructor(
    private readonly client: EcommpayClient,
    private readonly secretKey: string,
  ) {}

  async sendPayout(request: SendPayoutRequest): Promise<PayoutSnapshot> {
    const body = toPayoutRequest(request, this.secretKey);
    // A refused connection never reached ecommpay (ProviderUnavailable); a timeout or a reset
    // may have (ProviderOutcomeUnknown, from sendHttp: a POST): never resent, looked up.
    const res = await this.client.post(ECOMMPAY_PATHS.payout, body);
    const answer = gateAnswerSchema.safeParse(parseJson(res.text));
    const code = ecommpayErrorCode(res);
    if (res.status === 200 && answer.success && answer.data.status === 'success') {
      if (answer.data.payment_id !== undefined && answer.data.payment_id !== request.providerPayoutId) {
        throw new ProviderOutcomeUnknown(`ecommpay payout: answer is for payment ${answer.data.payment_id.slice(0, 64)}, not ${request.providerPayoutId}`, 'ecommpay', 'ANSWER_MISMATCH');
      }
      // Accepted for processing: the money moves later (payout callback, or the status answer).
      return { state: 'PENDING', providerStatus: 'accepted' };
    }
    if (answer.success && answer.data.code === ECOMMPAY_CODES.paymentIdExists) {
      // This attempt's id is taken: by an earlier send of this very attempt. The payout is what
      // ecommpay holds under it — after the same integrity check as any answer.
      const existing = await this.client.lookup(request.providerPayoutId).catch(() => null);
      if (existing) return fromStatus(existing, request.amount);
      throw new ProviderOutcomeUnknown(`ecommpay payout: payment id ${request.providerPayoutId} exists but is not found yet`, 'ecommpay', code);
    }
    // 429: rate limited, not processed; the same attempt may be sent again.
    if (res.status === 429) throw new ProviderUnavailable(`ecommpay payout: HTTP 429`, 'ecommpay', code, retryAfterMs(res.headers));
    // A 5xx may come from behind a platform that already took the payout, and a 200 we cannot
    // read may be an acceptance: neither is safe to resend.
    if (res.status >= 500 || res.status === 200)
      throw new ProviderOutcomeUnknown(`ecommpay payout: HTTP ${res.status} ${answer.success ? (answer.data.message ?? '') : 'unreadable answer'}`.trim(), 'ecommpay', code);
    // A 4xx error answer: the request was not accepted ("error" = cannot be processed), nothing
    // was created — a definite refusal (signature, validation, bank 2641, …).
    throw new ProviderRejected(`ecommpay refused the payout: HTTP ${res.status} ${answer.success ? (answer.data.message ?? '') : ''}`.trim(), 'ecommpay', code);
  }

  async findPayout(providerPayoutId: string): Promise<PayoutSnapshot | null> {
    try {
      const answer = await this.client.lookup(providerPayoutId);
      return answer ? fromStatus(answer) : null;
    } catch (err) {
      // A look-up changes nothing at ecommpay: a lost answer is only "ask again".
      if (err instanceof ProviderOutcomeUnknown) throw new ProviderUnavailable(err.message, 'ecommpay', err.code);
      throw err;
    }
  }
}

/** The payout request (the client adds general.project_id and general.signature). */
export function toPayoutRequest(request: SendPayoutRequest, secretKey: string): UnsignedRequest<EcommpayPayoutRequest> {
  const refuse = (code: string, message: string): never => {
    throw new ProviderRejected(`ecommpay payout: ${message}`, 'ecommpay', code);
  };
  const bankId = ecommpayPayoutBankId(request.destination.bankCode);
  if (bankId === undefined) refuse('BANK_NOT_SUPPORTED', `bank ${request.destination.bankCode} is not one ecommpay pays out to (${ecommpayPayoutCapabilities.banks.join(', ')})`);
  if (request.feeType !== 'CHARGE_TO_BALANCE') refuse('UNSUPPORTED_FEE_TYPE', `ecommpay payouts support CHARGE_TO_BALANCE only, not ${request.feeType}`);
  if (!Number.isSafeInteger(request.amount) || request.amount <= 0) refuse('AMOUNT_INVALID', 'the amount must be a positive whole number of rupiah');
  const number = request.destination.accountNumber.trim();
  if (!/^\d{5,34}$/.test(number)) refuse('ACCOUNT_NUMBER_INVALID', 'the account number must be 5–34 digits');
  const name = request.destination.accountName.trim().replace(/\s+/g, ' ').slice(0, 255);
  if (!name) refuse('ACCOUNT_NAME_INVALID', 'the account holder name is empty');
  const description = request.description.slice(0, 255);
  return {
    general: { payment_id: request.providerPayoutId },
    payment: { amount: request.amount * IDR_MINOR_UNITS, currency: 'IDR', ...(description ? { description } : {}) },
    customer: {
      // "Unique within the project" and stable per recipient, keyed so it cannot be turned back
      // into the account number (the same derivation as the pay-in customer id).
      id: 'payee_' + createHmac('sha256', secretKey).update(`bayar-payee-id:${bankId}:${number}`).digest('hex').slice(0, 32),
      ip_address: PAYOUT_PAYEE_PLACEHOLDER.ipAddress,
      email: PAYOUT_PAYEE_PLACEHOLDER.email,
    },
    account: { number, bank_id: bankId!, customer_name: name },
  };
}

/** The payout operation the state comes from: the latest one. */
function payoutOperation(operations: readonly EcommpayOperation[] | undefined): EcommpayOperation | undefined {
  return operations?.filter((o) => o.type === 'payout').at(-1);
}

/** A status answer about a payout attempt, as a snapshot. */
export function fromStatus(answer: EcommpayStatusAnswer, expectedAmount?: number): PayoutSnapshot {
  // Integrity before trust: it must be a payout, and (when we know) for what we asked.
  if (answer.payment.type !== undefined && answer.payment.type !== 'payout') {
    throw new ProviderOutcomeUnknown(`ecommpay payout: payment ${answer.payment.id} is a ${answer.payment.type.slice(0, 32)}, not a payout`, 'ecommpay', 'ANSWER_MISMATCH');
  }
  const sum = answer.payment.sum;
  if (expectedAmount !== undefined && sum && (sum.currency !== 'IDR' || sum.amount !== expectedAmount * IDR_MINOR_UNITS)) {
    throw new ProviderOutcomeUnknown(`ecommpay payout: ${answer.payment.id} is for ${sum.amount} ${sum.currency}, expected ${expectedAmount * IDR_MINOR_UNITS} IDR`, 'ecommpay', 'ANSWER_MISMATCH');
  }
  return snapshotOf(answer.payment.status, payoutOperation(answer.operations));
}

function snapshotOf(status: string, operation: EcommpayOperation | undefined): PayoutSnapshot {
  const state = ecommpayPayoutStatusToState(status);
  const reason = [operation?.code, operation?.message].filter(Boolean).join(' ');
  return {
    state,
    providerStatus: status,
    // ecommpay's own id for the payout: its operation id.
    ...(operation?.id !== undefined ? { providerReference: operation.id } : {}),
    ...(state !== 'SUCCEEDED' && reason && reason !== '0 Success' ? { reason: reason.slice(0, 200) } : {}),
  };
}

/**
 * A verified callback about a payout (`payment.type` "payout", or a `payout` operation): the
 * snapshot of the attempt it names, for the payout workflow (webhook kind `payout`).
 */
export function payoutNotice(c: EcommpayCallback): ParsedWebhook {
  const providerPayoutId = c.payment.id;
  const payoutId = payoutIdOf(providerPayoutId);
  if (!payoutId) return { kind: 'ignored', reason: `payout callback for ${providerPayoutId.slice(0, 64)}: not an attempt bayar sent` };
  const operation = c.operation && c.operation.type === 'payout' ? c.operation : undefined;
  return { kind: 'payout', payoutId, providerPayoutId, snapshot: snapshotOf(c.payment.status, operation) };
}
