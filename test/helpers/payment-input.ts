// A payment workflow's input for the pure-state unit tests (PaymentState needs nothing else).
import type { PaymentWorkflowInput } from '../../workflows/definitions.js';

/** A QRIS payment of `amount` created at `t0`, due an hour later; any field can be overridden. */
export function paymentInput(t0: number, amount: number, over: Partial<PaymentWorkflowInput> = {}): PaymentWorkflowInput {
  return {
    paymentId: 'pay_0123456789abcdef01234567',
    merchantId: 'demo',
    merchantReference: 'order-1',
    provider: 'xendit',
    method: 'QRIS',
    amount,
    description: 'unit test',
    createdAt: new Date(t0).toISOString(),
    expiresAt: new Date(t0 + 3_600_000).toISOString(),
    requestHash: 'hash',
    creationId: 'creation',
    capabilities: { refund: 'partial', cancel: true },
    timing: { pollScheduleMs: [15_000], refundWindowMs: 86_400_000, merchantNotifyTimeoutMs: 60_000 },
    ...over,
  };
}
