// Health-aware routing: one circuit breaker per (provider, method). It only ever changes where
// *new* payments are sent. A payment already at a provider keeps its own path (retry, look up,
// compensate): after a timeout or a 5xx a charge may exist there, so it is never re-sent elsewhere.
//
// closed ──(threshold consecutive non-definite create failures)──▶ open
// open ──(openFor elapsed; the next new payment is the probe)──▶ half-open
// half-open ──(probe's create succeeds, or is definitely refused)──▶ closed
// half-open ──(probe's create fails non-definitely)──▶ open (for another openFor)
//
// A definite refusal (4xx: the provider answered and said no) proves the provider is up, so it
// resets the count like a success does; only timeouts, 5xx, refused connections and unknown
// outcomes count. The state is per process (each API process learns from the creates it makes;
// see docs/routing.md): no process needs another's view to route safely.
import type { PaymentMethod, ProviderName } from '../domain/payment.js';

export type CircuitState = 'closed' | 'open' | 'half-open';
export const CIRCUIT_STATES: readonly CircuitState[] = ['closed', 'open', 'half-open'];

/** What one create at a provider came to, as far as the circuit cares. */
export type CircuitOutcome = 'success' | 'refused' | 'failure';

export interface CircuitSettings {
  /** Consecutive non-definite failures that open the circuit. */
  threshold: number;
  /** How long an open circuit keeps new payments away before one probe is let through. */
  openForMs: number;
}

export interface CircuitView {
  provider: ProviderName;
  method: PaymentMethod;
  state: CircuitState;
  consecutiveFailures: number;
  /** When the circuit last opened (ISO), while it is open or half-open. */
  openedAt?: string;
  /** When an open circuit lets its probe through (ISO). */
  probeAt?: string;
  /** The last failure that counted, for operators (the provider's error message, bounded). */
  lastFailure?: string;
}

interface Circuit {
  state: CircuitState;
  failures: number;
  openedAt?: number;
  /** While half-open: when the probe was let through (a lost probe is replaced after openFor). */
  probeSentAt?: number;
  lastFailure?: string;
}

export type TransitionListener = (provider: ProviderName, method: PaymentMethod, to: CircuitState, reason: string) => void;

export class CircuitBreakers {
  private readonly circuits = new Map<string, Circuit>();
  private readonly listeners: TransitionListener[] = [];

  constructor(
    readonly settings: CircuitSettings,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isSafeInteger(settings.threshold) || settings.threshold < 1) throw new Error('circuit threshold must be a positive integer');
    if (!(settings.openForMs > 0)) throw new Error('circuit open period must be positive');
  }

  onTransition(listener: TransitionListener): void {
    this.listeners.push(listener);
  }

  /**
   * Whether a new payment may be sent to this provider for this method now: closed, or open long
   * enough that its probe is due (and not yet taken). Does not claim the probe: call admit() for
   * the one provider actually chosen.
   */
  accepts(provider: ProviderName, method: PaymentMethod): boolean {
    const c = this.circuits.get(key(provider, method));
    if (!c || c.state === 'closed') return true;
    return this.probeDue(c);
  }

  /**
   * Records that a new payment goes to this provider. For an open circuit whose probe is due this
   * payment becomes the half-open probe, and every other new payment keeps routing around until
   * the probe's outcome is known. Synchronous, so two concurrent requests cannot both take it.
   */
  admit(provider: ProviderName, method: PaymentMethod): { probe: boolean } {
    const c = this.circuits.get(key(provider, method));
    if (!c || c.state === 'closed' || !this.probeDue(c)) return { probe: false };
    c.probeSentAt = this.now();
    if (c.state !== 'half-open') {
      c.state = 'half-open';
      this.emit(provider, method, 'half-open', 'open period over: one probe let through');
    }
    return { probe: true };
  }

  record(provider: ProviderName, method: PaymentMethod, outcome: CircuitOutcome, reason: string = outcome): void {
    const k = key(provider, method);
    const c = this.circuits.get(k) ?? { state: 'closed' as CircuitState, failures: 0 };
    this.circuits.set(k, c);
    if (outcome !== 'failure') {
      c.failures = 0;
      // While open, an old payment's success says little about new ones: only the probe decides.
      if (c.state === 'half-open') this.close(provider, method, c, `probe ${outcome === 'success' ? 'succeeded' : 'answered (definite refusal)'}`);
      return;
    }
    c.failures += 1;
    c.lastFailure = redact(reason);
    if (c.state === 'half-open' || (c.state === 'closed' && c.failures >= this.settings.threshold)) {
      const why = c.state === 'half-open' ? `probe failed: ${c.lastFailure}` : `${c.failures} consecutive failures; last: ${c.lastFailure}`;
      c.state = 'open';
      c.openedAt = this.now();
      c.probeSentAt = undefined;
      this.emit(provider, method, 'open', why);
    }
  }

  state(provider: ProviderName, method: PaymentMethod): CircuitState {
    return this.circuits.get(key(provider, method))?.state ?? 'closed';
  }

  /** Every (provider, method) that has seen a create, for GET /v1/providers and the metric. */
  views(): CircuitView[] {
    return [...this.circuits.entries()].map(([k, c]) => {
      const [provider, method] = k.split(':') as [ProviderName, PaymentMethod];
      return {
        provider,
        method,
        state: c.state,
        consecutiveFailures: c.failures,
        ...(c.state !== 'closed' && c.openedAt !== undefined ? { openedAt: new Date(c.openedAt).toISOString() } : {}),
        ...(c.state === 'open' && c.openedAt !== undefined ? { probeAt: new Date(c.openedAt + this.settings.openForMs).toISOString() } : {}),
        ...(c.lastFailure ? { lastFailure: c.lastFailure } : {}),
      };
    });
  }

  private probeDue(c: Circuit): boolean {
    const now = this.now();
    if (c.state === 'open') return now >= (c.openedAt ?? 0) + this.settings.openForMs;
    // Half-open with its probe out: a probe whose outcome never came back (the process that
    // watched it went away) is replaced after another open period, so the circuit cannot stick.
    return c.probeSentAt === undefined || now >= c.probeSentAt + this.settings.openForMs;
  }

  private close(provider: ProviderName, method: PaymentMethod, c: Circuit, why: string): void {
    c.state = 'closed';
    c.openedAt = undefined;
    c.probeSentAt = undefined;
    this.emit(provider, method, 'closed', why);
  }

  private emit(provider: ProviderName, method: PaymentMethod, to: CircuitState, reason: string): void {
    for (const l of this.listeners) l(provider, method, to, reason);
  }
}

/**
 * The failure as every merchant may read it (GET /v1/providers, other payments' timelines): a
 * provider error message can hold the failed call's path, which names one payment (a retried
 * create looks its charge up by id), so paths and id-like tokens are cut out; bounded length.
 */
export function redact(reason: string): string {
  return reason
    .replace(/\b(GET|POST|PUT|PATCH|DELETE) \/\S*/g, '$1 <path>')
    .replace(/\S*(?:pay_|payout_)\S*|\S*[0-9a-f]{16,}\S*/gi, '<id>')
    .slice(0, 200);
}

function key(provider: ProviderName, method: PaymentMethod): string {
  return `${provider}:${method}`;
}
