// Prometheus metrics of the API process, served at GET /metrics.
import { Inject, Injectable, Optional } from '@nestjs/common';
import { metricsRegistry } from '../observability/metric-factory.js';
import { CIRCUIT_STATES, type CircuitBreakers } from '../providers/circuit.js';
import { CIRCUITS } from '../providers/providers.tokens.js';

/** Labels are bounded: provider and method are enums, state is one of three. */
const CIRCUIT_LABELS = ['provider', 'method', 'state'] as const;
/** Seconds: an API answer is milliseconds; anything past 10 s has already failed the client. */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

@Injectable()
export class Metrics {
  private readonly declare = metricsRegistry('bayar_');
  readonly registry = this.declare.registry;
  readonly httpDuration = this.declare.histogram('bayar_http_request_duration_seconds', 'API request duration by route and status', ['method', 'route', 'status'], HTTP_BUCKETS);
  readonly webhooks = this.declare.counter('bayar_webhooks_total', 'Provider notifications by outcome', ['provider', 'outcome']);
  readonly circuitTransitions = this.declare.counter('bayar_provider_circuit_transitions_total', 'Provider/method circuit state changes (health-aware routing), by the state entered', CIRCUIT_LABELS);

  constructor(@Optional() @Inject(CIRCUITS) circuits?: CircuitBreakers) {
    if (!circuits) return;
    this.declare.gauge('bayar_provider_circuit_state', 'Circuit state per provider and method as this API process sees it: 1 for the current state, 0 for the others', CIRCUIT_LABELS, function () {
      this.reset();
      for (const c of circuits.views()) {
        for (const state of CIRCUIT_STATES) this.set({ provider: c.provider, method: c.method, state }, c.state === state ? 1 : 0);
      }
    });
    circuits.onTransition((provider, method, state) => this.circuitTransitions.inc({ provider, method, state }));
  }
}
