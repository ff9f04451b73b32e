// `npm run admin -- <command>`: merchants, API keys, webhook secrets, event endpoints and the
// ledger, written straight to bayar's database. Nothing needs a restart: the API caches the keys
// it verified and drops them the moment PostgreSQL announces a key or merchant change
// (src/db/verified-keys.ts, migration 006), and the worker reads webhook secrets and endpoints
// for each event. Every change is in the audit log (actor admin-cli). Secrets (new API keys, new
// webhook secrets) are printed once, here.
//
// Database: BAYAR_DATABASE_URL, else the embedded one `npm start` runs (it must be running).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig, type AppConfig } from '../config/config.js';
import { parseDuration } from '../config/duration.js';
import { postgresDir } from '../dev/stack.js';
import { createKey, listKeys, parseScopes, revokeKey, ALL_SCOPES } from '../db/keys.js';
import { adjustBalance, balance } from '../db/ledger.js';
import { addEndpoint, audit, createMerchant, listEndpoints, listMerchants, removeEndpoint, rotateWebhookSecret, setMerchantStatus } from '../db/merchants.js';
import { checkSchema } from '../db/migrations.js';
import { createPool, type Pool } from '../db/pool.js';

export const USAGE = `usage: npm run admin -- <command>
  merchants create <id> [--name <name>] [--webhook-secret <whsec_…>]   (a new secret is generated and printed when omitted)
  merchants list
  merchants suspend|activate <id>
  merchants rotate-secret <id> [--overlap <duration, e.g. 24h>] [--secret <whsec_…>]
  keys create <merchant> [--scopes payments:write,payments:read,refunds,payouts,events] [--expires <duration | ISO date>] [--test]
  keys list <merchant>
  keys revoke <key id | prefix>
  endpoints add <merchant> <url> [--types payment.paid,refund.succeeded,…]
  endpoints list <merchant>
  endpoints remove <merchant> <endpoint id>
  ledger balance <merchant>
  ledger adjust <merchant> <signed rupiah> --reason <text>`;

export class UsageError extends Error {}

interface Parsed {
  args: string[];
  flags: Map<string, string | true>;
}

export function parseArgs(argv: string[]): Parsed {
  const args: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--') || a === '--test') flags.set(a.slice(2), true);
      else flags.set(a.slice(2), argv[++i]!);
    } else args.push(a);
  }
  return { args, flags };
}

function flag(p: Parsed, name: string): string | undefined {
  const v = p.flags.get(name);
  if (v === true) throw new UsageError(`--${name} needs a value`);
  return v;
}

function arg(p: Parsed, i: number, what: string): string {
  const v = p.args[i];
  if (!v) throw new UsageError(`missing ${what}`);
  return v;
}

/** "30d" from now, or an ISO date. */
export function parseExpiry(text: string, now = Date.now()): Date {
  const ms = parseDuration(text);
  if (ms !== undefined) return new Date(now + ms);
  const at = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(at.getTime())) throw new UsageError(`--expires: "${text}" is neither a duration (30d, 12h) nor an ISO date`);
  return at;
}

const ACTOR = 'admin-cli';

/** Runs one command; returns what to print. */
export async function runAdmin(pool: Pool, config: AppConfig, argv: string[]): Promise<string> {
  const p = parseArgs(argv);
  const [group, command] = p.args;
  const out: string[] = [];
  const say = (line: string) => out.push(line);
  const key = `${group ?? ''} ${command ?? ''}`;
  switch (key) {
    case 'merchants create': {
      const id = arg(p, 2, 'merchant id');
      const { merchant, created } = await createMerchant(pool, { id, ...(flag(p, 'name') ? { name: flag(p, 'name')! } : {}) });
      say(created ? `created merchant ${merchant.id}` : `merchant ${merchant.id} exists`);
      if (created) {
        const given = flag(p, 'webhook-secret');
        const { secret } = await rotateWebhookSecret(pool, config.dataKey, { merchantId: id, overlapMs: 0, ...(given ? { secret: given } : {}) });
        if (!given) say(`webhook signing secret (shown once): ${secret}`);
        await audit(pool, { actor: ACTOR, action: 'merchant.create', merchantId: id, objectType: 'merchant', objectId: id });
      }
      break;
    }
    case 'merchants list':
      for (const m of await listMerchants(pool)) say(`${m.id}\t${m.status}\t${m.name}\t${m.createdAt}`);
      break;
    case 'merchants suspend':
    case 'merchants activate': {
      const id = arg(p, 2, 'merchant id');
      if (!(await setMerchantStatus(pool, id, command === 'suspend' ? 'SUSPENDED' : 'ACTIVE'))) throw new UsageError(`no merchant ${id}`);
      await audit(pool, { actor: ACTOR, action: `merchant.${command}`, merchantId: id, objectType: 'merchant', objectId: id });
      say(`merchant ${id} ${command === 'suspend' ? 'suspended' : 'active'}`);
      break;
    }
    case 'merchants rotate-secret': {
      const id = arg(p, 2, 'merchant id');
      await requireMerchant(pool, id);
      const overlapText = flag(p, 'overlap') ?? '24h';
      const overlapMs = parseDuration(overlapText);
      if (overlapMs === undefined) throw new UsageError(`--overlap: "${overlapText}" is not a duration`);
      const given = flag(p, 'secret');
      const r = await rotateWebhookSecret(pool, config.dataKey, { merchantId: id, overlapMs, ...(given ? { secret: given } : {}) });
      await audit(pool, { actor: ACTOR, action: 'merchant.rotate-webhook-secret', merchantId: id, objectType: 'merchant', objectId: id, detail: { overlapMs } });
      if (!given) say(`new webhook signing secret (shown once): ${r.secret}`);
      say(r.oldRetiresAt ? `callbacks carry both signatures until ${r.oldRetiresAt}` : 'no previous secret');
      break;
    }
    case 'keys create': {
      const merchantId = arg(p, 2, 'merchant id');
      await requireMerchant(pool, merchantId);
      const scopesText = flag(p, 'scopes');
      const expires = flag(p, 'expires');
      const { key: k, secret } = await createKey(pool, {
        merchantId,
        scopes: scopesText ? parseScopes(scopesText) : ALL_SCOPES,
        ...(expires ? { expiresAt: parseExpiry(expires) } : {}),
        mode: p.flags.has('test') ? 'test' : 'live',
      });
      await audit(pool, { actor: ACTOR, action: 'api-key.create', merchantId, objectType: 'api_key', objectId: k.id, detail: { scopes: k.scopes, expiresAt: k.expiresAt ?? null } });
      say(`created ${k.id} for ${merchantId}: scopes ${k.scopes.join(',')}${k.expiresAt ? `, expires ${k.expiresAt}` : ''}`);
      say(`API key (shown once, store it now): ${secret}`);
      break;
    }
    case 'keys list':
      for (const k of await listKeys(pool, arg(p, 2, 'merchant id'))) {
        const state = k.revokedAt ? `revoked ${k.revokedAt}` : k.expiresAt && Date.parse(k.expiresAt) <= Date.now() ? `expired ${k.expiresAt}` : 'active';
        say(`${k.id}\t${k.prefix}…\t${k.scopes.join(',')}\t${state}${k.expiresAt && !k.revokedAt ? `\texpires ${k.expiresAt}` : ''}\tlast used ${k.lastUsedAt ?? 'never'}`);
      }
      break;
    case 'keys revoke': {
      const k = await revokeKey(pool, arg(p, 2, 'key id or prefix'));
      if (!k) throw new UsageError('no such key');
      await audit(pool, { actor: ACTOR, action: 'api-key.revoke', merchantId: k.merchantId, objectType: 'api_key', objectId: k.id });
      say(`revoked ${k.id} (${k.prefix}…) of ${k.merchantId}`);
      break;
    }
    case 'endpoints add': {
      const merchantId = arg(p, 2, 'merchant id');
      await requireMerchant(pool, merchantId);
      const types = flag(p, 'types');
      const e = await addEndpoint(pool, {
        merchantId,
        url: arg(p, 3, 'url'),
        eventTypes: types
          ? types
              .split(',')
              .map((t) => t.trim())
              .filter(Boolean)
          : [],
      });
      await audit(pool, { actor: ACTOR, action: 'endpoint.create', merchantId, objectType: 'merchant_endpoint', objectId: e.id, detail: { url: e.url, eventTypes: e.eventTypes } });
      say(`added ${e.id}: ${e.url} (${e.eventTypes.length ? e.eventTypes.join(',') : 'every event type'})`);
      break;
    }
    case 'endpoints list':
      for (const e of await listEndpoints(pool, arg(p, 2, 'merchant id'))) say(`${e.id}\t${e.url}\t${e.eventTypes.join(',') || '*'}`);
      break;
    case 'endpoints remove': {
      const merchantId = arg(p, 2, 'merchant id');
      const id = arg(p, 3, 'endpoint id');
      if (!(await removeEndpoint(pool, merchantId, id))) throw new UsageError(`no endpoint ${id} for ${merchantId}`);
      await audit(pool, { actor: ACTOR, action: 'endpoint.delete', merchantId, objectType: 'merchant_endpoint', objectId: id });
      say(`removed ${id}`);
      break;
    }
    case 'ledger balance': {
      const b = await balance(pool, arg(p, 2, 'merchant id'));
      for (const [k, v] of Object.entries(b)) say(`${k}\t${v}`);
      break;
    }
    case 'ledger adjust': {
      const merchantId = arg(p, 2, 'merchant id');
      await requireMerchant(pool, merchantId);
      const amount = Number(arg(p, 3, 'amount'));
      if (!Number.isSafeInteger(amount) || amount === 0) throw new UsageError('amount: a non-zero whole number of rupiah (negative to debit)');
      const reason = flag(p, 'reason');
      if (!reason) throw new UsageError('--reason is required: adjustments are audited');
      const { entryId, available } = await adjustBalance(pool, { merchantId, amount, reason });
      await audit(pool, { actor: ACTOR, action: 'ledger.adjust', merchantId, objectType: 'ledger_entry', objectId: String(entryId), detail: { amount, reason } });
      say(`adjusted ${merchantId} by ${amount}; available ${available}`);
      break;
    }
    default:
      throw new UsageError(group ? `unknown command "${key.trim()}"` : 'no command');
  }
  return out.join('\n');
}

async function requireMerchant(pool: Pool, id: string): Promise<void> {
  const found = await pool.query('SELECT 1 FROM merchants WHERE id = $1', [id]);
  if (found.rowCount !== 1) throw new UsageError(`no merchant ${id} (create it with: merchants create ${id})`);
}

/** BAYAR_DATABASE_URL, or the embedded database of a running `npm start`. */
function databaseUrlFor(config: AppConfig): string {
  if (config.database.url) return config.database.url;
  const passwordFile = `${postgresDir(config)}.password`;
  let password: string;
  try {
    password = readFileSync(passwordFile, 'utf8').trim();
  } catch {
    throw new UsageError(`no BAYAR_DATABASE_URL and no embedded database at ${postgresDir(config)}: run npm start first, or set BAYAR_DATABASE_URL`);
  }
  return `postgres://bayar:${encodeURIComponent(password)}@127.0.0.1:${config.database.port}/bayar`;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.length === 0 || argv.includes('--help')) {
    console.log(USAGE);
    return;
  }
  const config = loadConfig();
  const pool = createPool(databaseUrlFor(config), { name: 'bayar-admin', max: 1 });
  try {
    await checkSchema(pool);
    console.log(await runAdmin(pool, config, argv));
  } finally {
    await pool.end();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    const message = err instanceof UsageError ? `${err.message}\n\n${USAGE}` : err instanceof ConfigError ? err.message : err instanceof Error ? err.message : String(err);
    console.error(`bayar admin: ${message}`);
    process.exit(err instanceof UsageError ? 2 : 1);
  });
}
