// A budget for status look-ups per provider, per worker process (BAYAR_LOOKUP_BUDGET_<PROVIDER>,
// look-ups a minute). Providers rate-limit their APIs (Xendit publishes a per-endpoint quota a
// minute: src/providers/xendit/README.md, "Retries"), and a deployment's status polls grow with
// its open payments (docs/cluster.md, "Polling"): past the quota every poll meets a 429. With a
// budget, bayar spaces its look-ups evenly instead (one every 60,000 / budget ms) and never asks
// more often, whatever the number of open payments: a look-up that comes early waits for its slot.
//
// Why spaced and reserved, not a counter per window: all the look-ups refused in one window would
// come back together when it turns and meet the limit again. Here each one that must wait gets
// the next free slot, and the slot is kept for it (by its activity's identity), so its retry goes
// through when it comes back, and the next one waits one slot longer.
//
// Per worker process: with several worker processes, give each its share of the quota.

/** Waits up to this long inside the activity; longer waits go back to Temporal as a retry at the slot. */
export const LOOKUP_WAIT_IN_PROCESS_MS = 5_000;
/** A slot whose look-up never came back (its payment closed, its retry went to another worker) is dropped this long after. */
const FORGET_RESERVATION_AFTER_MS = 120_000;

export class LookupBudget {
  private readonly nextFreeAt = new Map<string, number>();
  /** Caller (workflow run and activity id) → the slot kept for it. */
  private readonly reserved = new Map<string, number>();
  private sweptAt = 0;

  /** Look-ups a minute per provider; providers not named are not limited. */
  constructor(private readonly perMinute: Readonly<Partial<Record<string, number>>>) {}

  /**
   * The look-up of `caller` at `now`: 0 to go ahead, or how many ms until its slot (kept for it:
   * the same caller asking again at its slot goes ahead).
   */
  waitFor(provider: string, caller: string, now: number): number {
    const quota = this.perMinute[provider];
    if (!quota) return 0;
    if (now - this.sweptAt >= 60_000) this.forgetStale(now);
    const slot = this.reserved.get(caller);
    if (slot !== undefined) {
      if (now >= slot) {
        this.reserved.delete(caller);
        return 0;
      }
      return slot - now;
    }
    const free = Math.max(this.nextFreeAt.get(provider) ?? 0, now);
    this.nextFreeAt.set(provider, free + 60_000 / quota);
    if (free <= now) return 0;
    this.reserved.set(caller, free);
    return Math.ceil(free - now);
  }

  /** How many slots are kept for callers now (the unit tests read it). */
  get waiting(): number {
    return this.reserved.size;
  }

  private forgetStale(now: number): void {
    this.sweptAt = now;
    for (const [caller, slot] of this.reserved) if (slot < now - FORGET_RESERVATION_AFTER_MS) this.reserved.delete(caller);
  }
}
