// The timeline a payment or payout keeps: it only grows, and the system of record (projection.ts)
// is sent the entries it has not had yet; and whose it is. Shared by PaymentState and PayoutState.
import type { TimelineEntry } from '../src/domain/payment.js';

export abstract class WithTimeline {
  protected readonly timeline: TimelineEntry[] = [];

  /** How many timeline entries there are (the timeline only grows). */
  get entryCount(): number {
    return this.timeline.length;
  }

  /** The timeline entries from this index on: what the record has not been sent yet (projection.ts). */
  entriesFrom(index: number): TimelineEntry[] {
    return this.timeline.slice(index);
  }
}

/** Whose a payment or payout is, and in what currency: the head of every summary sent to the record. */
export function ownedBy(input: { merchantId: string; merchantReference: string }): { merchantId: string; merchantReference: string; currency: 'IDR' } {
  return { merchantId: input.merchantId, merchantReference: input.merchantReference, currency: 'IDR' };
}
