// Status changes leave the workflow through a sink: the worker counts them in its Prometheus
// registry (src/observability/worker-metrics.ts). Sinks are not called during replay, so a
// payment replayed after a cache eviction or a worker restart is not counted twice, and
// nothing here touches history, so the workflow stays deterministic.
import { proxySinks, type Sinks } from '@temporalio/workflow';
import type { EventSource, PaymentMethod, PaymentStatus, ProviderName } from '../src/domain/payment.js';

export interface PaymentStatusChange {
  provider: ProviderName;
  method: PaymentMethod;
  status: PaymentStatus;
  /** On SETTLED: seconds from the paid event being applied to settlement, and where that event came from. */
  paidToSettledSeconds?: number;
  paidSource?: EventSource;
}

export interface PaymentMetricsSinks extends Sinks {
  bayarMetrics: { paymentStatus(change: PaymentStatusChange): void };
}

const sinks = proxySinks<PaymentMetricsSinks>();

interface StatusView {
  route: { provider: ProviderName };
  /** Only read on SETTLED (building the view costs more than a status change). */
  timeline: () => readonly { at: string; source: EventSource; type: string }[];
}

export function reportPaymentStatus(method: PaymentMethod, status: PaymentStatus, state: StatusView): void {
  const change: PaymentStatusChange = { provider: state.route.provider, method, status };
  if (status === 'SETTLED') {
    const paid = state.timeline().find((e) => e.type === 'status:PAID');
    if (paid) {
      change.paidToSettledSeconds = Math.max(0, (Date.now() - Date.parse(paid.at)) / 1000);
      change.paidSource = paid.source;
    }
  }
  sinks.bayarMetrics.paymentStatus(change);
}
