// Which notifications the API has already handed to a payment, so a replay costs nothing: a copy
// of one already signalled is acknowledged without a signal, and one already signalled to another
// payment is refused. A small interface so a durable store (PostgreSQL) can replace the in-memory
// one; the in-memory one forgets after a restart or past its capacity, which is safe: the
// workflow still dedupes per event id and checks every event's binding itself.
import type { ProviderName } from '../domain/payment.js';

export interface SignalledNotifications {
  /** The payment this provider's notification was signalled to, if it is remembered. */
  paymentFor(provider: ProviderName, eventId: string): string | undefined;
  /** Records that the notification was signalled (Temporal accepted it) to this payment. */
  remember(provider: ProviderName, eventId: string, paymentId: string): void;
}

export const SIGNALLED_NOTIFICATIONS = Symbol('SIGNALLED_NOTIFICATIONS');

/** How many notifications the in-memory store keeps (≈ 200 bytes each). */
export const DEFAULT_SIGNALLED_CAPACITY = 50_000;

/** Least recently used first out: a Map keeps insertion order, and a hit is moved to the end. */
export class InMemorySignalledNotifications implements SignalledNotifications {
  private readonly entries = new Map<string, string>();

  constructor(private readonly capacity = DEFAULT_SIGNALLED_CAPACITY) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new Error('capacity must be a positive integer');
  }

  paymentFor(provider: ProviderName, eventId: string): string | undefined {
    const key = keyOf(provider, eventId);
    const paymentId = this.entries.get(key);
    if (paymentId !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, paymentId);
    }
    return paymentId;
  }

  remember(provider: ProviderName, eventId: string, paymentId: string): void {
    const key = keyOf(provider, eventId);
    this.entries.delete(key);
    this.entries.set(key, paymentId);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  get size(): number {
    return this.entries.size;
  }
}

// A newline cannot appear in a provider name, so no two (provider, id) pairs share a key.
function keyOf(provider: ProviderName, eventId: string): string {
  return `${provider}\n${eventId}`;
}
