// Reconciliation: bayar's record of one payment or payout against what its provider answers
// about it now. Pure (unit-tested). A difference is never "fixed" here: each says where it goes —
// `wake` (the payment's workflow is woken and looks the charge up itself: the late-money path
// and the provider-refund path) or `review` (a person settles it with the provider).
import type { ChargeSnapshot } from '../providers/provider.js';
import type { PayoutSnapshot } from '../providers/payout.js';

export const DIFFERENCE_KINDS = ['paid_unknown_to_bayar', 'paid_unknown_to_provider', 'amount_mismatch', 'refund_unknown_to_bayar', 'refund_unknown_to_provider', 'payout_mismatch'] as const;
export type DifferenceKind = (typeof DIFFERENCE_KINDS)[number];

export interface Difference {
  kind: DifferenceKind;
  action: 'wake' | 'review';
  bayar: Record<string, unknown>;
  providerSays: Record<string, unknown>;
}

export interface RecordedPayment {
  status: string;
  paid: number;
  refunded: number;
  refundPending: number;
}

/** Statuses in which the workflow is still asking the provider itself: not compared. */
const OPEN_PAYMENT = new Set(['CREATED', 'PENDING']);

export function comparePayment(bayar: RecordedPayment, provider: ChargeSnapshot | null): Difference[] {
  if (OPEN_PAYMENT.has(bayar.status)) return [];
  const ours = { status: bayar.status, paid: bayar.paid, refunded: bayar.refunded, refundPending: bayar.refundPending };
  if (provider === null) {
    // A charge the provider does not know: only money bayar counted makes that a difference.
    return bayar.paid > 0 ? [{ kind: 'paid_unknown_to_provider', action: 'review', bayar: ours, providerSays: { found: false } }] : [];
  }
  const theirs = {
    status: provider.providerStatus,
    chargeStatus: provider.chargeStatus,
    ...(provider.paidAmount !== undefined ? { paid: provider.paidAmount } : {}),
    ...(provider.providerRefunds ? { refunded: provider.providerRefunds.total } : {}),
  };
  const out: Difference[] = [];
  const providerPaid = provider.chargeStatus === 'PAID' || provider.chargeStatus === 'REFUNDED' || (provider.paidAmount ?? 0) > 0;
  if (providerPaid && bayar.paid === 0) out.push({ kind: 'paid_unknown_to_bayar', action: 'wake', bayar: ours, providerSays: theirs });
  else if (!providerPaid && bayar.paid > 0) out.push({ kind: 'paid_unknown_to_provider', action: 'review', bayar: ours, providerSays: theirs });
  else if (providerPaid && provider.paidAmount !== undefined && provider.paidAmount !== bayar.paid) out.push({ kind: 'amount_mismatch', action: 'review', bayar: ours, providerSays: theirs });
  if (bayar.paid > 0) {
    // A refund bayar asked for and the provider has not finished yet is not a difference.
    const providerRefunded = provider.providerRefunds?.total ?? (provider.chargeStatus === 'REFUNDED' ? undefined : 0);
    if (providerRefunded === undefined) {
      if (bayar.refunded + bayar.refundPending === 0) out.push({ kind: 'refund_unknown_to_bayar', action: 'wake', bayar: ours, providerSays: theirs });
    } else if (providerRefunded > bayar.refunded + bayar.refundPending) {
      out.push({ kind: 'refund_unknown_to_bayar', action: 'wake', bayar: ours, providerSays: theirs });
    } else if (providerRefunded < bayar.refunded && provider.providerRefunds) {
      // Only where the provider lists refunds: an answer without them says nothing about refunds.
      out.push({ kind: 'refund_unknown_to_provider', action: 'review', bayar: ours, providerSays: theirs });
    }
  }
  return out;
}

export interface RecordedPayoutAttempt {
  providerPayoutId: string;
  state: string;
}

/** A payout's final status against each of its attempts at the provider. */
export function comparePayout(bayar: { status: string; attempts: RecordedPayoutAttempt[] }, provider: Map<string, PayoutSnapshot | null>): Difference[] {
  if (bayar.status !== 'SUCCEEDED' && bayar.status !== 'FAILED') return [];
  const theirs = Object.fromEntries([...provider].map(([id, s]) => [id, s ? { state: s.state, status: s.providerStatus } : { found: false }]));
  const ours = { status: bayar.status, attempts: bayar.attempts.map((a) => ({ id: a.providerPayoutId, state: a.state })) };
  const succeededThere = [...provider.values()].filter((s) => s?.state === 'SUCCEEDED').length;
  // SUCCEEDED here with no attempt paid out there, FAILED here with one that was, or more than
  // one attempt paid out: money moved differently from bayar's record.
  if ((bayar.status === 'SUCCEEDED' && succeededThere !== 1) || (bayar.status === 'FAILED' && succeededThere > 0)) {
    return [{ kind: 'payout_mismatch', action: 'review', bayar: ours, providerSays: theirs }];
  }
  return [];
}
