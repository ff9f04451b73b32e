// Events to merchants: every event is a row (written first, idempotent by its id) and every
// delivery attempt another (append-only). The worker's notify activity delivers; the API's
// POST /v1/events/:id/resend delivers the same event again, under the same id and signature
// scheme. An event goes to the URLs fixed when it was recorded (its payment's callbackUrl and
// the merchant's endpoints registered for its type).
import type { Dispatcher } from 'undici';
import { callbackUrlRefusal, guardedDispatcher, type CallbackPolicy } from '../common/outbound-guard.js';
import { z } from 'zod';
import { HttpCallFailed, httpCall } from '../common/http-client.js';
import { signMerchantWebhook } from '../common/merchant-webhook.js';
import { endpointsFor, signingSecrets } from './merchants.js';
import type { Pool } from './pool.js';

export interface NewEvent {
  id: string;
  merchantId: string;
  type: string;
  paymentId?: string;
  payoutId?: string;
  payload: unknown;
  callbackUrl?: string;
}

/** Records the event unless it exists (a retried activity); returns its destinations. */
export async function recordEvent(pool: Pool, e: NewEvent): Promise<string[]> {
  const registered = await endpointsFor(pool, e.merchantId, e.type);
  const destinations = [...new Set([...(e.callbackUrl ? [e.callbackUrl] : []), ...registered])];
  await pool.query(
    `INSERT INTO merchant_events (id, merchant_id, type, payment_id, payout_id, payload, destinations)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING`,
    [e.id, e.merchantId, e.type, e.paymentId ?? null, e.payoutId ?? null, JSON.stringify(e.payload), destinations],
  );
  const row = await pool.query<{ destinations: string[] }>('SELECT destinations FROM merchant_events WHERE id = $1', [e.id]);
  return row.rows[0]!.destinations;
}

export interface DeliveryAttempt {
  attempt: number;
  url: string;
  statusCode?: number;
  error?: string;
  startedAt: string;
  durationMs: number;
}

export interface MerchantEvent {
  id: string;
  type: string;
  paymentId?: string;
  payoutId?: string;
  createdAt: string;
  deliveredAt?: string;
  destinations: string[];
  attempts: DeliveryAttempt[];
  data: unknown;
}

const eventRow = z.object({
  id: z.string(),
  merchant_id: z.string(),
  type: z.string(),
  payment_id: z.string().nullable(),
  payout_id: z.string().nullable(),
  payload: z.unknown(),
  created_at: z.date(),
  delivered_at: z.date().nullable(),
  destinations: z.array(z.string()),
});

const attemptRow = z.object({
  event_id: z.string(),
  attempt: z.number().int(),
  url: z.string(),
  status_code: z.number().int().nullable(),
  error: z.string().nullable(),
  started_at: z.date(),
  duration_ms: z.number().int().nullable(),
});

export interface EventFilter {
  undelivered?: boolean;
  type?: string;
  from?: Date;
  to?: Date;
  limit: number;
  /** Cursor: events created before this (created_at, id). */
  before?: { createdAt: Date; id: string };
}

/** A merchant's events, newest first, with their attempts. */
export async function listEvents(pool: Pool, merchantId: string, f: EventFilter): Promise<MerchantEvent[]> {
  const where = ['merchant_id = $1'];
  const args: unknown[] = [merchantId];
  const arg = (v: unknown) => `$${args.push(v)}`;
  if (f.undelivered) where.push('delivered_at IS NULL AND cardinality(destinations) > 0');
  if (f.type) where.push(`type = ${arg(f.type)}`);
  if (f.from) where.push(`created_at >= ${arg(f.from)}`);
  if (f.to) where.push(`created_at < ${arg(f.to)}`);
  if (f.before) where.push(`(created_at, id) < (${arg(f.before.createdAt)}, ${arg(f.before.id)})`);
  const rows = await pool.query(`SELECT * FROM merchant_events WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT ${arg(f.limit)}`, args);
  return withAttempts(pool, rows.rows);
}

export async function getEvent(pool: Pool, merchantId: string, id: string): Promise<MerchantEvent | undefined> {
  const rows = await pool.query('SELECT * FROM merchant_events WHERE merchant_id = $1 AND id = $2', [merchantId, id]);
  return (await withAttempts(pool, rows.rows))[0];
}

async function withAttempts(pool: Pool, raw: unknown[]): Promise<MerchantEvent[]> {
  const events = raw.map((r) => eventRow.parse(r));
  if (events.length === 0) return [];
  const attempts = (await pool.query('SELECT * FROM merchant_event_deliveries WHERE event_id = ANY ($1) ORDER BY attempt', [events.map((e) => e.id)])).rows.map((r) => attemptRow.parse(r));
  return events.map((e) => ({
    id: e.id,
    type: e.type,
    ...(e.payment_id ? { paymentId: e.payment_id } : {}),
    ...(e.payout_id ? { payoutId: e.payout_id } : {}),
    createdAt: e.created_at.toISOString(),
    ...(e.delivered_at ? { deliveredAt: e.delivered_at.toISOString() } : {}),
    destinations: e.destinations,
    attempts: attempts
      .filter((a) => a.event_id === e.id)
      .map((a) => ({
        attempt: a.attempt,
        url: a.url,
        ...(a.status_code !== null ? { statusCode: a.status_code } : {}),
        ...(a.error !== null ? { error: a.error } : {}),
        startedAt: a.started_at.toISOString(),
        durationMs: a.duration_ms ?? 0,
      })),
    data: e.payload,
  }));
}

async function recordAttempt(pool: Pool, eventId: string, a: Omit<DeliveryAttempt, 'attempt'>): Promise<void> {
  // The next number for this event; two deliverers at once (a resend beside a retry) collide on
  // the primary key, and the loser simply takes the number after.
  for (let tries = 0; ; tries++) {
    try {
      await pool.query(
        `INSERT INTO merchant_event_deliveries (event_id, attempt, url, status_code, error, started_at, duration_ms)
         SELECT $1, coalesce(max(attempt), 0) + 1, $2, $3, $4, $5, $6 FROM merchant_event_deliveries WHERE event_id = $1`,
        [eventId, a.url, a.statusCode ?? null, a.error ?? null, a.startedAt, a.durationMs],
      );
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== '23505' || tries >= 5) throw err;
    }
  }
}

export interface DeliveryDeps {
  dataKey: Buffer;
  timeoutMs: number;
  /** Where merchant callbacks may go (https in production, never internal addresses): the same rule as callbackUrl. */
  policy: CallbackPolicy;
  /** Secrets from configuration, for a merchant without one in the database. */
  fallbackSecrets?: ReadonlyMap<string, string>;
}

export interface DeliveryOutcome {
  delivered: boolean;
  failures: string[];
  /** Destinations bayar may never call (internal addresses, http in production), with why. */
  refused: string[];
}

/**
 * Sends the event to each of its destinations (`onlyPending`: those without a 2xx yet) and
 * records every attempt. `delivered` once every destination has answered 2xx at some point.
 */
export async function deliverEvent(pool: Pool, deps: DeliveryDeps, eventId: string, options: { onlyPending: boolean }): Promise<DeliveryOutcome> {
  const row = await pool.query('SELECT * FROM merchant_events WHERE id = $1', [eventId]);
  if (row.rowCount !== 1) throw new Error(`no event ${eventId}`);
  const event = eventRow.parse(row.rows[0]);
  const done = new Set(
    (await pool.query<{ url: string }>('SELECT DISTINCT url FROM merchant_event_deliveries WHERE event_id = $1 AND status_code BETWEEN 200 AND 299', [eventId])).rows.map((r) => r.url),
  );
  const targets = options.onlyPending ? event.destinations.filter((u) => !done.has(u)) : event.destinations;
  const failures: string[] = [];
  const refused = new Set<string>();
  if (targets.length > 0) {
    let secrets = await signingSecrets(pool, deps.dataKey, event.merchant_id);
    if (secrets.length === 0) {
      const configured = deps.fallbackSecrets?.get(event.merchant_id);
      if (!configured) throw new MerchantSecretMissing(event.merchant_id);
      secrets = [configured];
    }
    const body = JSON.stringify({ id: event.id, type: event.type, data: event.payload });
    for (const url of targets) {
      const startedAt = new Date();
      const headers = signMerchantWebhook(secrets, body, event.id, Math.floor(startedAt.getTime() / 1000));
      let statusCode: number | undefined;
      let error: string | undefined;
      // Registered endpoints and resends go through the same guard as callbackUrl: checked by URL
      // now, and by every address resolved and connected to (DNS may have changed since).
      const refusal = callbackUrlRefusal(url, deps.policy);
      if (refusal) {
        error = `refused: ${refusal}`;
        refused.add(url);
      } else {
        try {
          statusCode = (await httpCall({ method: 'POST', url, headers: { ...headers, 'content-type': 'application/json' }, body, timeoutMs: deps.timeoutMs, dispatcher: dispatcherFor(deps.policy) }))
            .status;
          // A 3xx is not followed (a redirect could point anywhere): it fails like any non-2xx.
          if (statusCode < 200 || statusCode >= 300) error = `HTTP ${statusCode}`;
        } catch (err) {
          if (err instanceof HttpCallFailed && err.code === 'OUTBOUND_REFUSED') {
            error = `refused: ${err.message}`;
            refused.add(url);
          } else {
            error = `unreachable: ${err instanceof HttpCallFailed ? err.code : (err as Error).name}`;
          }
        }
      }
      await recordAttempt(pool, eventId, {
        url,
        ...(statusCode !== undefined ? { statusCode } : {}),
        ...(error ? { error } : {}),
        startedAt: startedAt.toISOString(),
        durationMs: Date.now() - startedAt.getTime(),
      });
      if (error) failures.push(`${url}: ${error}`);
      else done.add(url);
    }
  }
  // A destination bayar may never call is recorded as refused and not retried: it can only be
  // fixed by the merchant (a new endpoint), never by waiting.
  const delivered = event.destinations.every((u) => done.has(u) || refused.has(u));
  if (delivered && event.destinations.length > 0) await pool.query('UPDATE merchant_events SET delivered_at = coalesce(delivered_at, now()) WHERE id = $1', [eventId]);
  return { delivered, failures, refused: failures.filter((f) => f.includes(': refused: ')) };
}

/** One guarded connection pool per policy (the worker and the API each have one). */
const dispatchers = new WeakMap<CallbackPolicy, Dispatcher>();
function dispatcherFor(policy: CallbackPolicy): Dispatcher {
  let d = dispatchers.get(policy);
  if (!d) dispatchers.set(policy, (d = guardedDispatcher(policy)));
  return d;
}

export class MerchantSecretMissing extends Error {
  constructor(merchantId: string) {
    super(`no webhook secret for merchant ${merchantId}`);
  }
}
