// Merchants' API keys. A key is shown once, when it is created; the database keeps its SHA-256
// and a display prefix. A plain (unsalted, fast) hash is enough here because keys are 256 random
// bits, not passwords: nothing can be guessed from the hash, and a lookup by hash is one index
// probe (no per-key comparison whose timing could leak anything).
import { hash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Pool } from './pool.js';
import { camelRow } from './rows.js';

export const SCOPES = ['payments:write', 'payments:read', 'refunds', 'payouts', 'events'] as const;
export type Scope = (typeof SCOPES)[number];
export const scopeSchema = z.enum(SCOPES);

/** Keys a merchant may be given by default: everything. */
export const ALL_SCOPES: readonly Scope[] = SCOPES;

export const PREFIX_LENGTH = 16;

export function hashKey(secret: string): string {
  // One-shot: computed on every request (the key cache is keyed by it), and a Hash object costs
  // ~3x the digest itself on Node 20's OpenSSL 3.
  return hash('sha256', secret, 'hex');
}

/** The part of a key that may be shown in lists and logs. */
export function keyPrefix(secret: string): string {
  return secret.slice(0, PREFIX_LENGTH);
}

/** A new secret: sk_live_ / sk_test_ and 43 base64url characters (256 bits). */
export function generateKey(mode: 'live' | 'test' = 'live'): string {
  return `sk_${mode}_${randomBytes(32).toString('base64url')}`;
}

export function keyIdFor(secret: string): string {
  return 'key_' + hashKey(`id\n${secret}`).slice(0, 20);
}

export function parseScopes(text: string): Scope[] {
  const scopes = [
    ...new Set(
      text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
  return z.array(scopeSchema).min(1, 'at least one scope').parse(scopes);
}

export interface ApiKeyRow {
  id: string;
  merchantId: string;
  prefix: string;
  scopes: Scope[];
  expiresAt?: string;
  revokedAt?: string;
  createdAt: string;
  lastUsedAt?: string;
}

const rowSchema = z.object({
  id: z.string(),
  merchant_id: z.string(),
  prefix: z.string(),
  scopes: z.array(scopeSchema),
  expires_at: z.date().nullable(),
  revoked_at: z.date().nullable(),
  created_at: z.date(),
  last_used_at: z.date().nullable(),
});

function toRow(raw: unknown): ApiKeyRow {
  return camelRow(rowSchema.parse(raw));
}

const COLUMNS = 'id, merchant_id, prefix, scopes, expires_at, revoked_at, created_at, last_used_at';

/**
 * Stores a key for a merchant. `secret` is given only for imported keys (development's demo key,
 * BAYAR_API_KEYS); otherwise a new one is generated and returned — the only time it is seen.
 * Importing the same secret twice changes nothing.
 */
export async function createKey(
  pool: Pool,
  k: { merchantId: string; scopes?: readonly Scope[]; expiresAt?: Date; secret?: string; mode?: 'live' | 'test' },
): Promise<{ key: ApiKeyRow; secret: string; created: boolean }> {
  const secret = k.secret ?? generateKey(k.mode);
  const inserted = await pool.query(
    `INSERT INTO api_keys (id, merchant_id, prefix, secret_hash, scopes, expires_at) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (secret_hash) DO NOTHING RETURNING ${COLUMNS}`,
    [keyIdFor(secret), k.merchantId, keyPrefix(secret), hashKey(secret), [...(k.scopes ?? ALL_SCOPES)], k.expiresAt ?? null],
  );
  if (inserted.rowCount === 1) return { key: toRow(inserted.rows[0]), secret, created: true };
  const existing = await pool.query(`SELECT ${COLUMNS} FROM api_keys WHERE secret_hash = $1`, [hashKey(secret)]);
  const key = toRow(existing.rows[0]);
  // A secret is one merchant's, whoever imports it.
  if (key.merchantId !== k.merchantId) throw new Error(`that key already belongs to another merchant`);
  return { key, secret, created: false };
}

export async function listKeys(pool: Pool, merchantId: string): Promise<ApiKeyRow[]> {
  const res = await pool.query(`SELECT ${COLUMNS} FROM api_keys WHERE merchant_id = $1 ORDER BY created_at, id`, [merchantId]);
  return res.rows.map(toRow);
}

/** Revokes by id or prefix; returns the key, or undefined when there is no such key. */
export async function revokeKey(pool: Pool, idOrPrefix: string): Promise<ApiKeyRow | undefined> {
  const res = await pool.query(`UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 OR prefix = $1 RETURNING ${COLUMNS}`, [idOrPrefix]);
  return res.rowCount === 1 ? toRow(res.rows[0]) : undefined;
}

export interface KeyMatch {
  keyId: string;
  merchantId: string;
  scopes: Scope[];
  expiresAt?: number;
  revoked: boolean;
  merchantActive: boolean;
}

/** The key with this secret, if any (revoked and expired ones too: the guard says which). */
export async function findKey(pool: Pool, secret: string): Promise<KeyMatch | undefined> {
  // Named (prepared once per pooled connection): a unique-index probe, one plan for every key.
  const res = await pool.query({
    name: 'bayar-find-key',
    text: `SELECT k.id, k.merchant_id, k.scopes, k.expires_at, k.revoked_at, m.status
             FROM api_keys k JOIN merchants m ON m.id = k.merchant_id WHERE k.secret_hash = $1`,
    values: [hashKey(secret)],
  });
  const r = res.rows[0] as { id: string; merchant_id: string; scopes: Scope[]; expires_at: Date | null; revoked_at: Date | null; status: string } | undefined;
  if (!r) return undefined;
  return {
    keyId: r.id,
    merchantId: r.merchant_id,
    scopes: z.array(scopeSchema).parse(r.scopes),
    ...(r.expires_at ? { expiresAt: r.expires_at.getTime() } : {}),
    revoked: r.revoked_at !== null,
    merchantActive: r.status === 'ACTIVE',
  };
}

/** Shown in `keys list`: when a key was last seen (written when the API's key cache is refilled, about once a minute per key in use). */
export async function markKeyUsed(pool: Pool, keyId: string): Promise<void> {
  await pool.query('UPDATE api_keys SET last_used_at = now() WHERE id = $1', [keyId]);
}

export type KeyVerdict = { ok: true; merchantId: string; keyId: string } | { ok: false; status: 401 | 403; code: string; detail: string };

/** What the guard answers for a key and a route's scope (pure, unit-tested). */
export function judgeKey(match: KeyMatch | undefined, scope: Scope, now: number): KeyVerdict {
  if (!match) return { ok: false, status: 401, code: 'UNAUTHENTICATED', detail: 'unknown API key' };
  if (match.revoked) return { ok: false, status: 401, code: 'UNAUTHENTICATED', detail: 'this API key was revoked' };
  if (match.expiresAt !== undefined && match.expiresAt <= now) return { ok: false, status: 401, code: 'UNAUTHENTICATED', detail: 'this API key has expired' };
  if (!match.merchantActive) return { ok: false, status: 403, code: 'MERCHANT_SUSPENDED', detail: 'this merchant is suspended' };
  if (!match.scopes.includes(scope)) return { ok: false, status: 403, code: 'INSUFFICIENT_SCOPE', detail: `this API key lacks the "${scope}" scope` };
  return { ok: true, merchantId: match.merchantId, keyId: match.keyId };
}
