// Merchant events go out in the order they happened, beside the saga: a slow or unreachable
// merchant endpoint never holds up settling, refunds, a payout retry or the refund window (each
// event is stored with its delivery attempts and can be resent: GET /v1/events).
import { redispatchingActivities } from './lost-activity-tasks.js';
import type { MerchantEventActivities, MerchantNotification } from '../activities/merchant-events.js';
import { merchantDelivery } from './activity-options.js';
import { failureMessage } from './failures.js';

export class MerchantEvents {
  private sent: Promise<void> = Promise.resolve();

  constructor(
    private readonly timeoutMs: number,
    /** Where the outcome of each delivery is written (the payment's or payout's timeline). */
    private readonly record: (type: 'merchant-notified' | 'merchant-notify-failed', detail: string) => void,
  ) {}

  /** Queues one event; its content is fixed now, delivery happens in order, in the background. */
  send(event: MerchantNotification, label: string, onDelivered?: () => void): void {
    this.sent = this.sent.then(async () => {
      try {
        await redispatchingActivities<MerchantEventActivities>(merchantDelivery(this.timeoutMs)).notifyMerchant(event);
        onDelivered?.();
        this.record('merchant-notified', label);
      } catch (err) {
        this.record('merchant-notify-failed', `${label}: ${failureMessage(err)}`);
      }
    });
  }

  /** Resolves once every event queued so far has been delivered or given up on. */
  drained(): Promise<void> {
    return this.sent;
  }
}
