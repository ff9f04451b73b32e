// Merchants, their webhook signing secrets (rotated with an overlap) and their registered event
// endpoints. Secrets are sealed with BAYAR_DATA_KEY: they must be usable to sign, so they cannot
// be hashed, and a database dump alone does not reveal them.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { seal, unseal } from '../common/sealed.js';
import { ALL_SCOPES, createKey } from './keys.js';
import { inTransaction, type Pool } from './pool.js';

export const merchantIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'merchant id: 1-64 of A-Z a-z 0-9 _ -');

export interface Merchant {
  id: string;
  name: string;
  status: 'ACTIVE' | 'SUSPENDED';
  createdAt: string;
}

const merchantRow = z.object({ id: z.string(), name: z.string(), status: z.enum(['ACTIVE', 'SUSPENDED']), created_at: z.date() });
const toMerchant = (raw: unknown): Merchant => {
  const r = merchantRow.parse(raw);
  return { id: r.id, name: r.name, status: r.status, createdAt: r.created_at.toISOString() };
};

/** Creates the merchant (idempotent: an existing one is returned as it is). */
export async function createMerchant(pool: Pool, m: { id: string; name?: string }): Promise<{ merchant: Merchant; created: boolean }> {
  const id = merchantIdSchema.parse(m.id);
  const inserted = await pool.query(`INSERT INTO merchants (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING RETURNING id, name, status, created_at`, [id, m.name ?? id]);
  if (inserted.rowCount === 1) return { merchant: toMerchant(inserted.rows[0]), created: true };
  const existing = await pool.query(`SELECT id, name, status, created_at FROM merchants WHERE id = $1`, [id]);
  return { merchant: toMerchant(existing.rows[0]), created: false };
}

export async function listMerchants(pool: Pool): Promise<Merchant[]> {
  return (await pool.query(`SELECT id, name, status, created_at FROM merchants ORDER BY id`)).rows.map(toMerchant);
}

export async function setMerchantStatus(pool: Pool, id: string, status: 'ACTIVE' | 'SUSPENDED'): Promise<boolean> {
  return (await pool.query(`UPDATE merchants SET status = $2 WHERE id = $1`, [id, status])).rowCount === 1;
}

// ---- webhook signing secrets ----

export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

const secretSchema = z.string().min(8);

/**
 * Makes `secret` (or a new one) the merchant's current signing secret. The one it replaces keeps
 * signing until `overlapMs` from now (0: it stops at once), so receivers can switch over.
 * Returns the new secret: shown once, like an API key.
 */
export async function rotateWebhookSecret(pool: Pool, dataKey: Buffer, p: { merchantId: string; overlapMs: number; secret?: string }): Promise<{ secret: string; oldRetiresAt?: string }> {
  const secret = secretSchema.parse(p.secret ?? generateWebhookSecret());
  return inTransaction(pool, async (client) => {
    await client.query('SELECT 1 FROM merchants WHERE id = $1 FOR UPDATE', [p.merchantId]);
    const retired = await client.query<{ retires_at: Date }>(
      `UPDATE merchant_webhook_secrets SET retires_at = now() + make_interval(secs => $2::double precision / 1000)
        WHERE merchant_id = $1 AND retires_at IS NULL RETURNING retires_at`,
      [p.merchantId, p.overlapMs],
    );
    await client.query(`INSERT INTO merchant_webhook_secrets (merchant_id, sealed_secret) VALUES ($1, $2)`, [p.merchantId, seal(dataKey, secret)]);
    const at = retired.rows[0]?.retires_at;
    return { secret, ...(at ? { oldRetiresAt: at.toISOString() } : {}) };
  });
}

/** Sets the merchant's first secret (bootstrap import); does nothing once it has one. */
export async function ensureWebhookSecret(pool: Pool, dataKey: Buffer, merchantId: string, secret: string): Promise<void> {
  await pool.query(
    `INSERT INTO merchant_webhook_secrets (merchant_id, sealed_secret)
     SELECT $1, $2 WHERE NOT EXISTS (SELECT 1 FROM merchant_webhook_secrets WHERE merchant_id = $1)`,
    [merchantId, seal(dataKey, secretSchema.parse(secret))],
  );
}

/** The secrets that sign now: the current one first, then any still within their overlap. */
export async function signingSecrets(pool: Pool, dataKey: Buffer, merchantId: string): Promise<string[]> {
  const res = await pool.query<{ sealed_secret: string }>(
    `SELECT sealed_secret FROM merchant_webhook_secrets
      WHERE merchant_id = $1 AND (retires_at IS NULL OR retires_at > now())
      ORDER BY (retires_at IS NULL) DESC, id DESC`,
    [merchantId],
  );
  return res.rows.map((r) => unseal(dataKey, r.sealed_secret, secretSchema));
}

// ---- registered event endpoints ----

export interface MerchantEndpoint {
  id: string;
  merchantId: string;
  url: string;
  /** Empty: every event type. */
  eventTypes: string[];
  createdAt: string;
}

export const endpointUrlSchema = z.url({ protocol: /^https?$/ }).max(2000);
export const eventTypeSchema = z.string().regex(/^(payment|refund|payout|statement)\.[a-z_]+$/, 'event type like payment.paid, refund.succeeded, payout.failed, statement.ready');

const endpointRow = z.object({ id: z.string(), merchant_id: z.string(), url: z.string(), event_types: z.array(z.string()), created_at: z.date() });
const toEndpoint = (raw: unknown): MerchantEndpoint => {
  const r = endpointRow.parse(raw);
  return { id: r.id, merchantId: r.merchant_id, url: r.url, eventTypes: r.event_types, createdAt: r.created_at.toISOString() };
};

export async function addEndpoint(pool: Pool, p: { merchantId: string; url: string; eventTypes: string[] }): Promise<MerchantEndpoint> {
  const url = endpointUrlSchema.parse(p.url);
  const types = z
    .array(eventTypeSchema)
    .max(50)
    .parse([...new Set(p.eventTypes)]);
  const res = await pool.query(`INSERT INTO merchant_endpoints (id, merchant_id, url, event_types) VALUES ($1, $2, $3, $4) RETURNING id, merchant_id, url, event_types, created_at`, [
    `we_${randomBytes(10).toString('hex')}`,
    p.merchantId,
    url,
    types,
  ]);
  return toEndpoint(res.rows[0]);
}

export async function listEndpoints(pool: Pool, merchantId: string): Promise<MerchantEndpoint[]> {
  const res = await pool.query(`SELECT id, merchant_id, url, event_types, created_at FROM merchant_endpoints WHERE merchant_id = $1 AND disabled_at IS NULL ORDER BY created_at, id`, [merchantId]);
  return res.rows.map(toEndpoint);
}

export async function removeEndpoint(pool: Pool, merchantId: string, id: string): Promise<boolean> {
  return (await pool.query(`UPDATE merchant_endpoints SET disabled_at = now() WHERE merchant_id = $1 AND id = $2 AND disabled_at IS NULL`, [merchantId, id])).rowCount === 1;
}

/** The registered endpoints that want this event type. */
export async function endpointsFor(pool: Pool, merchantId: string, type: string): Promise<string[]> {
  const res = await pool.query<{ url: string }>(
    `SELECT url FROM merchant_endpoints WHERE merchant_id = $1 AND disabled_at IS NULL AND (cardinality(event_types) = 0 OR $2 = ANY (event_types)) ORDER BY created_at, id`,
    [merchantId, type],
  );
  return res.rows.map((r) => r.url);
}

// ---- development bootstrap ----

/**
 * Imports BAYAR_API_KEYS and BAYAR_MERCHANT_WEBHOOK_SECRETS into the database: each merchant,
 * its key (every scope) and its first webhook secret. Idempotent. Only the development and test
 * stacks call it (src/dev/stack.ts), which is how `npm start` gets the README's demo merchant;
 * a production deployment creates merchants and keys with the admin CLI instead.
 */
export async function importBootstrapMerchants(pool: Pool, dataKey: Buffer, apiKeys: ReadonlyMap<string, string>, secrets: ReadonlyMap<string, string>): Promise<void> {
  for (const [merchantId, key] of apiKeys) {
    await createMerchant(pool, { id: merchantId });
    await createKey(pool, { merchantId, secret: key, scopes: ALL_SCOPES });
    const secret = secrets.get(merchantId);
    if (secret) await ensureWebhookSecret(pool, dataKey, merchantId, secret);
  }
}

export async function audit(pool: Pool, a: { actor: string; action: string; merchantId?: string; apiKeyId?: string; objectType?: string; objectId?: string; detail?: unknown }): Promise<void> {
  await pool.query(`INSERT INTO audit_log (merchant_id, api_key_id, actor, action, object_type, object_id, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
    a.merchantId ?? null,
    a.apiKeyId ?? null,
    a.actor,
    a.action,
    a.objectType ?? null,
    a.objectId ?? null,
    a.detail === undefined ? null : JSON.stringify(a.detail),
  ]);
}
