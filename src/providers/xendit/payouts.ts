// Xendit payouts (POST /v2/payouts): bayar's PayoutProvider over Xendit's Payouts API.
// One attempt = one `reference_id` = one `Idempotency-key` (bayar's provider payout id).
// What an answer means is decided here, once: definite refusal (ProviderRejected), definitely
// not delivered (ProviderUnavailable), or perhaps taken (ProviderOutcomeUnknown: looked up by
// the workflow, never sent again).
import { parseJson, type HttpResponse } from '../http.js';
import { xenditRetryAfterMs } from './rate-limit.js';
import type { PayoutProvider, PayoutSnapshot, SendPayoutRequest } from '../payout.js';
import { ProviderOutcomeUnknown, ProviderRejected, ProviderUnavailable } from '../provider.js';
import { XENDIT_PAYOUT_CHANNELS, xenditPayoutCapabilities } from './capabilities.js';
import { throwForStatus, xenditErrorCode, type XenditClient } from './client.js';
import { payoutListSchema, payoutSchema, type XenditCreatePayoutRequest, type XenditPayout } from './schemas.js';
import { xenditPayoutStatusToPayoutState } from './status.js';

export class XenditPayouts implements Omit<PayoutProvider, 'name'> {
  readonly payoutCapabilities = xenditPayoutCapabilities;

  constructor(private readonly client: XenditClient) {}

  async sendPayout(request: SendPayoutRequest): Promise<PayoutSnapshot> {
    const body = toCreatePayout(request);
    const res = await this.client.call('POST', '/v2/payouts', body, request.providerPayoutId);
    if (res.status === 200 || res.status === 201) return fromPayout(readPayout(res, request), request.amount);
    const code = xenditErrorCode(res);
    if (code === 'DUPLICATE_ERROR' || res.status === 409) {
      // This key was used before: by an earlier send of this very attempt (its answer lost, the
      // same attempt sent again after a definite "not delivered"). The payout is what it found.
      const [existing] = await this.lookup(request.providerPayoutId);
      if (existing) return fromPayout(existing, request.amount);
      throw new ProviderOutcomeUnknown(`xendit payout: ${res.status} ${code} but no payout ${request.providerPayoutId} found yet`, 'xendit', code);
    }
    // 429 (rate limited) and 503 (service unavailable) mean the request was not processed; any
    // other 5xx (500 SERVER_ERROR, a proxy's 502/504) may come after Xendit took it.
    if (res.status === 429 || res.status === 503) throw new ProviderUnavailable(`xendit payout: HTTP ${res.status} ${code}`, 'xendit', code, xenditRetryAfterMs(res.headers));
    if (res.status >= 500) throw new ProviderOutcomeUnknown(`xendit payout: HTTP ${res.status} ${code}`, 'xendit', code);
    throw new ProviderRejected(`xendit payout: HTTP ${res.status} ${code}`, 'xendit', code);
  }

  async findPayout(providerPayoutId: string): Promise<PayoutSnapshot | null> {
    const list = await this.lookup(providerPayoutId);
    if (list.length === 0) return null;
    const snapshot = fromPayout(list[0]!);
    return list.length > 1 ? { ...snapshot, reason: `DUPLICATE_AT_PROVIDER: ${list.length} payouts with reference ${providerPayoutId}` } : snapshot;
  }

  /**
   * The payouts Xendit holds under this reference. bayar sends each reference once, so there is
   * one; were there more, the most consequential comes first: money sent, then in flight, then failed.
   */
  private async lookup(providerPayoutId: string): Promise<XenditPayout[]> {
    const res = await this.client.call('GET', `/v2/payouts?reference_id=${encodeURIComponent(providerPayoutId)}`);
    if (res.status === 404) return [];
    if (res.status !== 200) throwForStatus(res, 'get payouts');
    const parsed = payoutListSchema.safeParse(parseJson(res.text));
    if (!parsed.success) throw new ProviderUnavailable('xendit get payouts: unexpected response shape', 'xendit', 'BAD_RESPONSE');
    const rank = { SUCCEEDED: 0, PENDING: 1, FAILED: 2 } as const;
    return (Array.isArray(parsed.data) ? parsed.data : parsed.data.data)
      .filter((p) => p.reference_id === providerPayoutId)
      .sort((a, b) => rank[xenditPayoutStatusToPayoutState(a.status)] - rank[xenditPayoutStatusToPayoutState(b.status)]);
  }
}

export function toCreatePayout(request: SendPayoutRequest): XenditCreatePayoutRequest {
  const channel = XENDIT_PAYOUT_CHANNELS[request.destination.bankCode as keyof typeof XENDIT_PAYOUT_CHANNELS];
  if (!channel) throw new ProviderRejected(`xendit pays out to no bank ${request.destination.bankCode}`, 'xendit', 'UNSUPPORTED_BANK');
  if (request.feeType !== 'CHARGE_TO_BALANCE') throw new ProviderRejected(`xendit payouts only charge the fee to the balance, not ${request.feeType}`, 'xendit', 'UNSUPPORTED_FEE_TYPE');
  return {
    reference_id: request.providerPayoutId,
    channel_code: channel,
    channel_properties: { account_holder_name: request.destination.accountName, account_number: request.destination.accountNumber },
    amount: request.amount,
    // Xendit takes 1–100 characters; the recipient may see it on the bank statement.
    description: request.description.slice(0, 100),
    currency: 'IDR',
    metadata: { bayar_payout_id: request.payoutId, bayar_attempt: String(request.attempt) },
  };
}

/** A 200 that is not a readable payout for this request: Xendit may have taken it. */
function readPayout(res: HttpResponse, request: SendPayoutRequest): XenditPayout {
  const parsed = payoutSchema.safeParse(parseJson(res.text));
  if (!parsed.success) throw new ProviderOutcomeUnknown('xendit payout: unreadable answer', 'xendit', 'BAD_RESPONSE');
  if (parsed.data.reference_id !== request.providerPayoutId) {
    throw new ProviderOutcomeUnknown(`xendit payout: answer is for reference ${parsed.data.reference_id}, not ${request.providerPayoutId}`, 'xendit', 'ANSWER_MISMATCH');
  }
  return parsed.data;
}

function fromPayout(p: XenditPayout, expectedAmount?: number): PayoutSnapshot {
  // Integrity before trust: the payout must be for what we asked.
  if (expectedAmount !== undefined && p.amount !== expectedAmount) {
    throw new ProviderOutcomeUnknown(`xendit payout: answer is for ${p.amount}, not ${expectedAmount}`, 'xendit', 'ANSWER_MISMATCH');
  }
  return {
    state: xenditPayoutStatusToPayoutState(p.status),
    providerStatus: p.status,
    providerReference: p.id,
    ...(p.failure_code ? { reason: p.failure_code } : {}),
  };
}
