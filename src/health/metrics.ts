// Prometheus metrics of the API process, served at GET /metrics.
import { Inject, Injectable, Optional } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { CIRCUIT_STATES, type CircuitBreakers } from '../providers/circuit.js';
import { CIRCUITS } from '../providers/providers.tokens.js';

@Injectable()
export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration = new Histogram({
    name: 'bayar_http_request_duration_seconds',
    help: 'API request duration by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly webhooks = new Counter({
    name: 'bayar_webhooks_total',
    help: 'Provider notifications by outcome',
    labelNames: ['provider', 'outcome'],
    registers: [this.registry],
  });
  /** Labels are bounded: provider and method are enums, state is one of three. */
  readonly circuitTransitions = new Counter({
    name: 'bayar_provider_circuit_transitions_total',
    help: 'Provider/method circuit state changes (health-aware routing), by the state entered',
    labelNames: ['provider', 'method', 'state'],
    registers: [this.registry],
  });

  constructor(@Optional() @Inject(CIRCUITS) circuits?: CircuitBreakers) {
    collectDefaultMetrics({ register: this.registry, prefix: 'bayar_' });
    if (!circuits) return;
    new Gauge({
      name: 'bayar_provider_circuit_state',
      help: 'Circuit state per provider and method as this API process sees it: 1 for the current state, 0 for the others',
      labelNames: ['provider', 'method', 'state'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const c of circuits.views()) {
          for (const state of CIRCUIT_STATES) this.set({ provider: c.provider, method: c.method, state }, c.state === state ? 1 : 0);
        }
      },
    });
    circuits.onTransition((provider, method, state) => this.circuitTransitions.inc({ provider, method, state }));
  }
}
