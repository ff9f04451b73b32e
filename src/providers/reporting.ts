// Providers that publish a list of their transactions by date: the daily reconciliation reads it
// (activities/statement.activities.ts) to find charges bayar has no record of at all, and the
// fee and VAT the provider took on each payment. Optional: a provider without it is reconciled
// by per-payment status look-ups only.
import type { Rupiah } from '../domain/payment.js';

export interface ProviderTransaction {
  /** The provider's id of the transaction. */
  id: string;
  type: 'PAYMENT' | 'REFUND' | 'OTHER';
  /** SUCCESS, PENDING, FAILED, REVERSED, VOIDED (Xendit's vocabulary; others map onto it). */
  status: string;
  /** bayar's reference on the charge (the payment id bayar sent), when there is one. */
  referenceId?: string;
  amount: Rupiah;
  /** The provider's fee and the VAT on it, when it reports them. */
  fee?: { fee: Rupiah; vat?: Rupiah };
  created: string;
}

export interface TransactionReporter {
  /** Every transaction created in [from, to) (ISO instants), all pages. */
  listTransactions(window: { from: string; to: string }): Promise<ProviderTransaction[]>;
}

export function canReport(provider: unknown): provider is TransactionReporter {
  return typeof provider === 'object' && provider !== null && typeof (provider as { listTransactions?: unknown }).listTransactions === 'function';
}
