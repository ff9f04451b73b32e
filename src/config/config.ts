// All configuration, in one place, read from the environment once and validated with zod.
// A bad value stops the process at boot with a message naming the variable; secrets are never
// echoed back.
//
// Two modes. BAYAR_ENV=development (what `npm start`, the tests, the bench and chaos set): every
// provider is live, and whatever is not set falls back to the local sandboxes and the published
// development keys. Anything else is production: a provider is live only when its variables are
// set (PROVIDER_VARIABLES), and bayar refuses to boot with a published development secret, a
// local or non-https provider URL, or a half-configured provider.
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { z } from 'zod';
import { PAYMENT_METHODS, PROVIDER_NAMES, type PaymentMethod, type ProviderName } from '../domain/payment.js';
import {
  DEV_AGGREGATOR_MERCHANT_PRIVATE_KEY,
  DEV_AGGREGATOR_PLATFORM_PRIVATE_KEY,
  DEV_AGGREGATOR_PLATFORM_PUBLIC_KEY,
  DEV_DOKU_SNAP_DOKU_PRIVATE_KEY,
  DEV_DOKU_SNAP_DOKU_PUBLIC_KEY,
  DEV_DOKU_SNAP_MERCHANT_PRIVATE_KEY,
} from './dev-keys.js';
import { parseDuration, parseDurationList } from './duration.js';
import { isLocalHost, parseCidr, type Cidr } from './cidr.js';
import { INDODANA_PATHS } from '../providers/indodana/capabilities.js';
import { DOKU_SANDBOX_VA_PARTNER_SERVICE_IDS } from '../providers/doku/capabilities.js';

/** Development credentials: the local sandboxes accept exactly these. Never valid at a real provider. */
export const DEV_DEFAULTS = {
  apiKeys: 'demo:sk_test_bayar_demo_key',
  merchantWebhookSecret: 'whsec_bayar_demo_secret',
  xendit: { secretKey: 'xnd_development_bayar_sandbox', callbackToken: 'bayar-sandbox-callback-token' },
  midtrans: { serverKey: 'SB-Mid-server-bayar-sandbox-dev' },
  doku: { clientId: 'BRN-0001-bayar-sandbox-dev', secretKey: 'SK-bayar-sandbox-dev-secret' },
  // DOKU SNAP (e-wallets): our RSA key and DOKU's public key (./dev-keys.ts); the SNAP client
  // secret defaults to the Non-SNAP secret key above.
  dokuSnap: { privateKey: DEV_DOKU_SNAP_MERCHANT_PRIVATE_KEY, dokuPublicKey: DEV_DOKU_SNAP_DOKU_PUBLIC_KEY, returnUrl: 'https://merchant.example/payment/return' },
  ecommpay: { projectId: 9990, secretKey: 'ecommpay-bayar-sandbox-dev-secret' },
  indodana: {
    apiKey: 'bayar-sandbox-indodana-key',
    secretKey: 'bayar-sandbox-indodana-secret',
  },
  // RSA keys, development only (./dev-keys.ts): ours to sign with, and the sandbox platform's public key.
  aggregator: { merchantId: 'S-BAYAR-SANDBOX-DEV', privateKey: DEV_AGGREGATOR_MERCHANT_PRIVATE_KEY, platformPublicKey: DEV_AGGREGATOR_PLATFORM_PUBLIC_KEY },
  // 32 bytes, base64: seals customer personal data before it enters workflow history.
  dataKey: 'YmF5YXItZGV2LW9ubHktZGF0YS1rZXktMzJieXRlcyE=',
} as const;

/** Each sandbox listens on BAYAR_SANDBOX_PORT_BASE + its offset (4101, 4102, … by default). */
export const SANDBOX_PORT_OFFSETS: Record<ProviderName, number> = {
  xendit: 1,
  midtrans: 2,
  doku: 3,
  ecommpay: 4,
  indodana: 5,
  aggregator: 6,
};

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v, ctx) => {
      const ms = parseDuration(v);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: `"${v}" is not a duration like 200ms, 15s, 2m, 1h, 30d` });
        return z.NEVER;
      }
      return ms;
    });

const pollSchedule = () =>
  z.string().transform((v, ctx) => parseDurationList(v) ?? (ctx.addIssue({ code: 'custom', message: 'a poll schedule is comma-separated durations, e.g. 15s,30s,1m' }), z.NEVER));

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

const pairs = (label: string) =>
  z.string().transform((v, ctx) => {
    const out = new Map<string, string>();
    for (const entry of v.split(',').map((s) => s.trim()).filter(Boolean)) {
      const idx = entry.indexOf(':');
      const id = entry.slice(0, idx);
      const value = entry.slice(idx + 1);
      const validId = idx > 0 && /^[A-Za-z0-9_-]{1,64}$/.test(id);
      if (!validId || value.length < 8) {
        // Only a well-formed merchant id is echoed, never the value: an entry without its
        // "merchantId:" prefix is all secret, and must not end up in a boot log.
        ctx.addIssue({ code: 'custom', message: `${label}: each entry must be merchantId:value (value ≥ 8 chars); bad entry for "${validId ? id : '?'}"` });
        return z.NEVER;
      }
      out.set(id, value);
    }
    return out;
  });

/**
 * An RSA key from the environment, as PEM. Accepted: PEM with real newlines or with literal "\n"
 * (one-line env files), or the bare base64 body the platform's dashboard shows (PKCS#8 / PKCS#1 for
 * a private key, X.509 SPKI / PKCS#1 for a public one). Checked here so a bad key stops the boot;
 * the message never echoes the key.
 */
export function rsaPemFromEnv(text: string, kind: 'private' | 'public'): string | undefined {
  const body = text.trim().replace(/\\n/g, '\n');
  const candidates = body.includes('-----BEGIN')
    ? [body]
    : (kind === 'private' ? ['PRIVATE KEY', 'RSA PRIVATE KEY'] : ['PUBLIC KEY', 'RSA PUBLIC KEY']).map(
        (label) => `-----BEGIN ${label}-----\n${body.replace(/\s+/g, '').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END ${label}-----\n`,
      );
  for (const pem of candidates) {
    // A private key where the platform's public key belongs would be "accepted" as its public
    // half and then fail every verification: refuse it here instead.
    if (kind === 'public' && pem.includes('PRIVATE KEY')) return undefined;
    try {
      const key = kind === 'private' ? createPrivateKey(pem) : createPublicKey(pem);
      if (key.asymmetricKeyType !== 'rsa' || (key.asymmetricKeyDetails?.modulusLength ?? 0) < 1024) return undefined;
      return key.export({ type: kind === 'private' ? 'pkcs8' : 'spki', format: 'pem' }).toString();
    } catch {
      // try the next form
    }
  }
  return undefined;
}

const rsaKey = (kind: 'private' | 'public') =>
  z.string().transform((v, ctx) => {
    const pem = rsaPemFromEnv(v, kind);
    if (pem === undefined) {
      ctx.addIssue({ code: 'custom', message: `must be an RSA ${kind} key of at least 1024 bits: PEM (literal \\n allowed) or its bare base64 body` });
      return z.NEVER;
    }
    return pem;
  });

/** Comma- or space-separated CIDRs or addresses, IPv4 or IPv6. */
const cidrList = () =>
  z.string().transform((v, ctx) => {
    const entries = v.split(/[\s,]+/).filter(Boolean);
    const ranges = entries.map(parseCidr);
    const bad = ranges.findIndex((r) => r === undefined);
    if (bad >= 0 || entries.length === 0) {
      ctx.addIssue({ code: 'custom', message: `not a list of CIDRs like 203.0.113.0/24, 2001:db8::/32${bad >= 0 ? ` (entry ${bad + 1})` : ''}` });
      return z.NEVER;
    }
    return ranges as Cidr[];
  });

const envSchema = z.object({
  /** "development" turns on development mode (sandboxes, published keys); anything else is production. */
  BAYAR_ENV: z.string().optional(),
  PORT: port(3000),
  BAYAR_HOST: z.string().min(1).default('127.0.0.1'),
  BAYAR_SANDBOX_PORT_BASE: port(4100),
  /** Development only: where the adapters reach the sandboxes (docker-compose: the `sandbox` service). */
  BAYAR_SANDBOX_HOST: z.string().regex(/^[A-Za-z0-9.-]{1,253}$/, 'a host name or IPv4 address').default('127.0.0.1'),
  BAYAR_SANDBOX_TIME_SCALE: z.coerce.number().positive().max(1).default(1),
  TEMPORAL_ADDRESS: z.string().min(1).optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  BAYAR_TASK_QUEUE: z.string().min(1).default('bayar-payments'),
  BAYAR_TEMPORAL_PORT: port(7233),
  BAYAR_TEMPORAL_UI_PORT: port(8233),
  /** How long the embedded Temporal keeps closed workflows; the database keeps payments for good. */
  BAYAR_TEMPORAL_RETENTION: duration('7d'),
  BAYAR_DATA_DIR: z.string().min(1).default('.bayar-data'),
  /** bayar's own PostgreSQL (the system of record). Unset: `npm start` and the tests run an embedded one. */
  BAYAR_DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'BAYAR_DATABASE_URL: a postgres:// connection URL').optional(),
  /** Port of the embedded PostgreSQL (only without BAYAR_DATABASE_URL). */
  BAYAR_DATABASE_PORT: port(5433),
  BAYAR_API_KEYS: pairs('BAYAR_API_KEYS').default(new Map()),
  BAYAR_MERCHANT_WEBHOOK_SECRETS: pairs('BAYAR_MERCHANT_WEBHOOK_SECRETS').default(new Map()),
  BAYAR_PUBLIC_URL: z.url().optional(),
  BAYAR_DATA_KEY: z
    .string()
    .refine((v) => Buffer.from(v, 'base64').length === 32, 'BAYAR_DATA_KEY must be 32 bytes, base64-encoded')
    .optional(),
  /**
   * Proxies whose X-Forwarded-For is believed (CIDRs). Unset: the peer address is the client,
   * whatever the header says.
   */
  BAYAR_TRUSTED_PROXIES: cidrList().optional(),
  /** Per provider, the only sources its notifications may come from (CIDRs). Unset: any source. */
  BAYAR_WEBHOOK_ALLOW_XENDIT: cidrList().optional(),
  BAYAR_WEBHOOK_ALLOW_MIDTRANS: cidrList().optional(),
  BAYAR_WEBHOOK_ALLOW_DOKU: cidrList().optional(),
  BAYAR_WEBHOOK_ALLOW_ECOMMPAY: cidrList().optional(),
  BAYAR_WEBHOOK_ALLOW_INDODANA: cidrList().optional(),
  BAYAR_WEBHOOK_ALLOW_AGGREGATOR: cidrList().optional(),
  BAYAR_POLL_SCHEDULE: z
    .string()
    .default('15s,30s,1m,2m,5m,15m')
    .transform((v, ctx) => parseDurationList(v) ?? (ctx.addIssue({ code: 'custom', message: 'BAYAR_POLL_SCHEDULE: comma-separated durations' }), z.NEVER)),
  BAYAR_POLL_SCHEDULE_XENDIT: pollSchedule().optional(),
  BAYAR_POLL_SCHEDULE_MIDTRANS: pollSchedule().optional(),
  BAYAR_POLL_SCHEDULE_DOKU: pollSchedule().optional(),
  BAYAR_POLL_SCHEDULE_ECOMMPAY: pollSchedule().optional(),
  BAYAR_POLL_SCHEDULE_INDODANA: pollSchedule().optional(),
  BAYAR_POLL_SCHEDULE_AGGREGATOR: pollSchedule().optional(),
  BAYAR_REFUND_WINDOW: duration('30d'),
  BAYAR_MERCHANT_NOTIFY_TIMEOUT: duration('24h'),
  BAYAR_CREATE_WAIT: duration('10s'),
  /** Payouts: gaps between look-ups of an attempt not final yet (the last repeats). */
  BAYAR_PAYOUT_LOOKUP_SCHEDULE: z
    .string()
    .default('5s,15s,30s,1m,2m,5m,15m')
    .transform((v, ctx) => parseDurationList(v) ?? (ctx.addIssue({ code: 'custom', message: 'BAYAR_PAYOUT_LOOKUP_SCHEDULE: comma-separated durations' }), z.NEVER)),
  /** Payouts: no definite answer for this long → REVIEW_REQUIRED. */
  BAYAR_PAYOUT_REVIEW_AFTER: duration('24h'),
  /** Payouts: how long a payout stays open (retries after FAILED; look-ups of an unanswered attempt). */
  BAYAR_PAYOUT_WINDOW: duration('7d'),
  BAYAR_PROVIDER_TIMEOUT: duration('15s'),
  /** Health-aware routing: consecutive non-definite create failures that open a provider/method's circuit. */
  BAYAR_CIRCUIT_THRESHOLD: z.coerce.number().int().min(1).max(1_000).default(5),
  /** How long an open circuit routes new payments around the provider before one probe is let through. */
  BAYAR_CIRCUIT_OPEN_FOR: duration('30s').refine((ms) => ms > 0, 'BAYAR_CIRCUIT_OPEN_FOR: a duration above zero'),
  BAYAR_WORKER_CACHE_SIZE: z.coerce.number().int().min(10).max(100_000).default(1000),
  BAYAR_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  BAYAR_ROUTING: z.string().optional(),
  /** Development only: merchant callbacks to loopback (the tests' and `npm start`'s local receivers): true, false, or a list of ports. */
  BAYAR_ALLOW_LOOPBACK_CALLBACKS: z.string().regex(/^(true|false|[0-9]{1,5}(,[0-9]{1,5})*)$/, 'BAYAR_ALLOW_LOOPBACK_CALLBACKS: true, false or comma-separated ports').default('false'),
  /** Where /metrics and /docs are served: 'public' (the API port), 'closed', or a port number (an admin listener on BAYAR_ADMIN_HOST). Default: public in development, closed in production. */
  BAYAR_ADMIN_ENDPOINTS: z
    .string()
    .refine((v) => v === 'public' || v === 'closed' || (/^[0-9]{1,5}$/.test(v) && Number(v) >= 1 && Number(v) <= 65535), "BAYAR_ADMIN_ENDPOINTS: 'public', 'closed' or a port number (1–65535)")
    .optional(),
  BAYAR_ADMIN_HOST: z.string().min(1).default('127.0.0.1'),
  XENDIT_SECRET_KEY: z.string().min(8).optional(),
  XENDIT_CALLBACK_TOKEN: z.string().min(8).optional(),
  XENDIT_BASE_URL: z.url().optional(),
  /** Where DANA/LinkAja/ShopeePay send the customer back when the payment names no returnUrl. */
  XENDIT_RETURN_URL: z.url({ protocol: /^https$/ }).optional(),
  MIDTRANS_SERVER_KEY: z.string().min(8).optional(),
  MIDTRANS_BASE_URL: z.url().optional(),
  DOKU_CLIENT_ID: z.string().min(8).optional(),
  DOKU_SECRET_KEY: z.string().min(8).optional(),
  DOKU_BASE_URL: z.url().optional(),
  /** DOKU SNAP (DANA, ShopeePay): our RSA private key, registered at DOKU; signs B2B token requests. */
  DOKU_SNAP_PRIVATE_KEY: rsaKey('private').optional(),
  /** DOKU SNAP: DOKU's RSA public key; verifies DOKU's token requests before its notifications. */
  DOKU_SNAP_DOKU_PUBLIC_KEY: rsaKey('public').optional(),
  /** DOKU SNAP client secret (HMAC-SHA512); defaults to DOKU_SECRET_KEY, the same Back Office secret. */
  DOKU_SNAP_CLIENT_SECRET: z.string().min(8).optional(),
  /** Where DANA / ShopeePay send the customer back when the payment names no returnUrl (HTTPS). */
  DOKU_SNAP_RETURN_URL: z.url({ protocol: /^https$/ }).optional(),
  /**
   * DOKU SNAP VAs: the BIN (partnerServiceId) DOKU assigned per bank, "VA_BCA=19008,VA_BRI=13925";
   * only the banks listed are offered. The sandbox has its own defaults.
   */
  DOKU_SNAP_VA_PARTNER_SERVICE_IDS: z
    .string()
    .regex(/^(VA_(MANDIRI|BSI|BCA|BRI|PERMATA|BNI|CIMB|DANAMON)=\d{1,8})(,VA_(MANDIRI|BSI|BCA|BRI|PERMATA|BNI|CIMB|DANAMON)=\d{1,8})*$/, 'VA_BANK=digits, comma-separated (VA_BCA=19008,VA_BRI=13925)')
    .transform((text) => Object.fromEntries(text.split(',').map((pair) => pair.split('=') as [string, string])) as Record<string, string>)
    .optional(),
  /** The numeric project id ecommpay issued; it signs with the project's secret key. */
  ECOMMPAY_PROJECT_ID: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
  ECOMMPAY_SECRET_KEY: z.string().min(8).optional(),
  ECOMMPAY_BASE_URL: z.url().optional(),
  /** Non-SNAP: how far ahead of now a DOKU notification's signed Request-Timestamp may be (older ones are taken: retries may keep their stamp). SNAP: the window both ways. */
  DOKU_NOTIFICATION_TOLERANCE: duration('5m'),
  // ':' separates the parts of Indodana's Authorization (apiKey:nonce:signature), so a key cannot contain one.
  INDODANA_API_KEY: z.string().min(8).regex(/^[^:\s]+$/, 'INDODANA_API_KEY: no colons or spaces').optional(),
  INDODANA_SECRET_KEY: z.string().min(8).optional(),
  INDODANA_BASE_URL: z.url().optional(),
  INDODANA_REFUND_PATH: z.string().regex(/^\/[A-Za-z0-9/_.-]{1,200}$/, 'INDODANA_REFUND_PATH: a path like /v3/order_cancellation').optional(),
  /** The merchant number (`merchantCode`) the platform issued. */
  AGGREGATOR_MERCHANT_ID: z.string().min(5).max(50).optional(),
  /** Our RSA private key: signs every request. */
  AGGREGATOR_PRIVATE_KEY: rsaKey('private').optional(),
  /** The platform's RSA public key: verifies its answers and callbacks. */
  AGGREGATOR_PLATFORM_PUBLIC_KEY: rsaKey('public').optional(),
  AGGREGATOR_BASE_URL: z.url().optional(),
});

/** Every variable loadConfig reads; deployment files are checked against this list. */
export const CONFIG_ENV_KEYS: readonly string[] = Object.keys(envSchema.shape);

export interface ProviderEndpoint {
  baseUrl: string;
  /** True when pointed at bayar's own local sandbox (development mode only). */
  sandbox: boolean;
}

/** Each provider's settings; AppConfig.providers holds only the live (configured) ones. */
export interface ProviderSettings {
  xendit: ProviderEndpoint & { secretKey: string; callbackToken: string; defaultReturnUrl?: string };
  midtrans: ProviderEndpoint & { serverKey: string };
  doku: ProviderEndpoint & {
    clientId: string;
    secretKey: string;
    notificationToleranceMs: number;
    /** SNAP (VAs and e-wallets); undefined (not offered) for a real DOKU without SNAP keys. Keys as PEM. */
    snap?: { clientSecret: string; privateKey: string; dokuPublicKey: string; returnUrl?: string; vaPartnerServiceIds?: Partial<Record<string, string>> };
  };
  ecommpay: ProviderEndpoint & { projectId: number; secretKey: string };
  indodana: ProviderEndpoint & { apiKey: string; secretKey: string; refundPath: string };
  /** Keys as PEM (normalised at boot). */
  aggregator: ProviderEndpoint & { merchantId: string; privateKey: string; platformPublicKey: string };
}

export interface AppConfig {
  /** BAYAR_ENV=development: sandboxes and the published development keys. False = production. */
  development: boolean;
  /** What the worker may call back (see src/common/outbound-guard.ts). */
  callbacks: { requireHttps: boolean; allowLoopback: boolean | number[] };
  /** Where /metrics and /docs are served. */
  adminEndpoints: { mode: 'public' | 'closed' } | { mode: 'port'; port: number; host: string };
  port: number;
  host: string;
  sandbox: { portBase: number; timeScale: number };
  publicUrl: string;
  temporal: { address: string; namespace: string; taskQueue: string; embedded: boolean; port: number; uiPort: number; retentionMs: number };
  dataDir: string;
  /** url is set by the dev stack for the embedded server; production sets BAYAR_DATABASE_URL. */
  database: { url?: string; embedded: boolean; port: number };
  apiKeys: Map<string, string>;
  merchantWebhookSecrets: Map<string, string>;
  dataKey: Buffer;
  timing: {
    pollScheduleMs: number[];
    /** Per-provider overrides of pollScheduleMs (BAYAR_POLL_SCHEDULE_<PROVIDER>). */
    pollScheduleByProvider: Partial<Record<ProviderName, number[]>>;
    refundWindowMs: number; merchantNotifyTimeoutMs: number; createWaitMs: number; providerTimeoutMs: number;
    payoutLookupScheduleMs: number[]; payoutReviewAfterMs: number; payoutWindowMs: number };
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Workflows a worker keeps in memory; beyond it, the least recently used are evicted and replayed when needed. */
  workerCacheSize: number;
  routing: Map<PaymentMethod, ProviderName[]>;
  /** Health-aware routing (src/providers/circuit.ts). */
  circuit: { threshold: number; openForMs: number };
  /** Only the live providers: in production the configured ones, in development all six (sandboxes unless set). */
  providers: Partial<ProviderSettings>;
  /** Where provider notifications may come from (src/webhooks/source-allow-list.guard.ts). */
  webhookSources: {
    /** Per provider; a provider without an entry accepts any source. */
    allow: Partial<Record<ProviderName, Cidr[]>>;
    /** Peers whose X-Forwarded-For is believed; empty: the header is ignored. */
    trustedProxies: Cidr[];
  };
}

export class ConfigError extends Error {}

type Env = z.infer<typeof envSchema>;
type EnvKey = keyof Env;

/**
 * What makes each provider configured (production): setting any of its variables makes it live,
 * and then every `required` one must be set. `optional` ones count as "set" too, so a lone
 * XENDIT_RETURN_URL is reported as a half-configured Xendit instead of being silently ignored.
 */
export const PROVIDER_VARIABLES: Record<ProviderName, { required: EnvKey[]; optional: EnvKey[]; baseUrl: EnvKey }> = {
  xendit: { required: ['XENDIT_SECRET_KEY', 'XENDIT_CALLBACK_TOKEN', 'XENDIT_BASE_URL'], optional: ['XENDIT_RETURN_URL', 'BAYAR_WEBHOOK_ALLOW_XENDIT'], baseUrl: 'XENDIT_BASE_URL' },
  midtrans: { required: ['MIDTRANS_SERVER_KEY', 'MIDTRANS_BASE_URL'], optional: ['BAYAR_WEBHOOK_ALLOW_MIDTRANS'], baseUrl: 'MIDTRANS_BASE_URL' },
  doku: {
    required: ['DOKU_CLIENT_ID', 'DOKU_SECRET_KEY', 'DOKU_BASE_URL'],
    optional: ['DOKU_SNAP_PRIVATE_KEY', 'DOKU_SNAP_DOKU_PUBLIC_KEY', 'DOKU_SNAP_CLIENT_SECRET', 'DOKU_SNAP_RETURN_URL', 'DOKU_SNAP_VA_PARTNER_SERVICE_IDS', 'BAYAR_WEBHOOK_ALLOW_DOKU'],
    baseUrl: 'DOKU_BASE_URL',
  },
  ecommpay: { required: ['ECOMMPAY_PROJECT_ID', 'ECOMMPAY_SECRET_KEY', 'ECOMMPAY_BASE_URL'], optional: ['BAYAR_WEBHOOK_ALLOW_ECOMMPAY'], baseUrl: 'ECOMMPAY_BASE_URL' },
  indodana: {
    // Indodana creates the payment and issues what the customer pays (/v3/checkout_url): key,
    // secret and where Indodana is are all bayar needs.
    required: ['INDODANA_API_KEY', 'INDODANA_SECRET_KEY', 'INDODANA_BASE_URL'],
    optional: ['INDODANA_REFUND_PATH', 'BAYAR_WEBHOOK_ALLOW_INDODANA'],
    baseUrl: 'INDODANA_BASE_URL',
  },
  aggregator: {
    required: ['AGGREGATOR_MERCHANT_ID', 'AGGREGATOR_PRIVATE_KEY', 'AGGREGATOR_PLATFORM_PUBLIC_KEY', 'AGGREGATOR_BASE_URL'],
    optional: ['BAYAR_WEBHOOK_ALLOW_AGGREGATOR'],
    baseUrl: 'AGGREGATOR_BASE_URL',
  },
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = envSchema.safeParse(withoutEmpty(env));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  - ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`bayar: invalid configuration\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const development = e.BAYAR_ENV === 'development';
  if (development) {
    refuseDevSecretsWithRealProviders(e);
  } else {
    const problems = productionProblems(e);
    if (problems.length > 0) throw new ConfigError(`bayar: invalid configuration (production; BAYAR_ENV=development is for the local sandboxes only)\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  // Production: the merchants BAYAR_API_KEYS names, nothing else (it may be empty once keys
  // live elsewhere). Development: the demo merchant unless keys are given.
  const apiKeys = development && e.BAYAR_API_KEYS.size === 0 ? pairsOf(DEV_DEFAULTS.apiKeys) : e.BAYAR_API_KEYS;
  const webhookSecrets = new Map(e.BAYAR_MERCHANT_WEBHOOK_SECRETS);
  if (development) {
    for (const merchant of apiKeys.keys()) {
      if (!webhookSecrets.has(merchant)) webhookSecrets.set(merchant, DEV_DEFAULTS.merchantWebhookSecret);
    }
  }
  const providers = development ? developmentProviders(e) : configuredProviders(e);
  if (!development && e.BAYAR_ALLOW_LOOPBACK_CALLBACKS !== 'false') {
    // Said out loud rather than ignored: in production no callback ever reaches loopback.
    throw new ConfigError('bayar: invalid configuration\n  - BAYAR_ALLOW_LOOPBACK_CALLBACKS: development only (BAYAR_ENV=development); production never calls loopback');
  }
  const admin = e.BAYAR_ADMIN_ENDPOINTS ?? (development ? 'public' : 'closed');
  return {
    development,
    callbacks: { requireHttps: !development, allowLoopback: development && loopbackAllowance(e.BAYAR_ALLOW_LOOPBACK_CALLBACKS) },
    adminEndpoints: admin === 'public' || admin === 'closed' ? { mode: admin } : { mode: 'port', port: Number(admin), host: e.BAYAR_ADMIN_HOST },
    port: e.PORT,
    host: e.BAYAR_HOST,
    sandbox: { portBase: e.BAYAR_SANDBOX_PORT_BASE, timeScale: e.BAYAR_SANDBOX_TIME_SCALE },
    publicUrl: e.BAYAR_PUBLIC_URL ?? `http://127.0.0.1:${e.PORT}`,
    temporal: {
      address: e.TEMPORAL_ADDRESS ?? `127.0.0.1:${e.BAYAR_TEMPORAL_PORT}`,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.BAYAR_TASK_QUEUE,
      embedded: e.TEMPORAL_ADDRESS === undefined,
      port: e.BAYAR_TEMPORAL_PORT,
      uiPort: e.BAYAR_TEMPORAL_UI_PORT,
      retentionMs: e.BAYAR_TEMPORAL_RETENTION,
    },
    dataDir: e.BAYAR_DATA_DIR,
    database: { url: e.BAYAR_DATABASE_URL, embedded: e.BAYAR_DATABASE_URL === undefined, port: e.BAYAR_DATABASE_PORT },
    apiKeys,
    merchantWebhookSecrets: webhookSecrets,
    // Production refused to boot without one (productionProblems).
    dataKey: Buffer.from(e.BAYAR_DATA_KEY ?? DEV_DEFAULTS.dataKey, 'base64'),
    timing: {
      pollScheduleMs: e.BAYAR_POLL_SCHEDULE,
      pollScheduleByProvider: Object.fromEntries(
        PROVIDER_NAMES.flatMap((p) => {
          const own = e[`BAYAR_POLL_SCHEDULE_${p.toUpperCase()}` as keyof typeof e] as number[] | undefined;
          return own ? [[p, own]] : [];
        }),
      ),
      refundWindowMs: e.BAYAR_REFUND_WINDOW,
      merchantNotifyTimeoutMs: e.BAYAR_MERCHANT_NOTIFY_TIMEOUT,
      createWaitMs: e.BAYAR_CREATE_WAIT,
      providerTimeoutMs: e.BAYAR_PROVIDER_TIMEOUT,
      payoutLookupScheduleMs: e.BAYAR_PAYOUT_LOOKUP_SCHEDULE,
      payoutReviewAfterMs: e.BAYAR_PAYOUT_REVIEW_AFTER,
      payoutWindowMs: e.BAYAR_PAYOUT_WINDOW,
    },
    logLevel: e.BAYAR_LOG_LEVEL,
    workerCacheSize: e.BAYAR_WORKER_CACHE_SIZE,
    routing: parseRouting(e.BAYAR_ROUTING),
    circuit: { threshold: e.BAYAR_CIRCUIT_THRESHOLD, openForMs: e.BAYAR_CIRCUIT_OPEN_FOR },
    providers,
    webhookSources: {
      allow: Object.fromEntries(
        PROVIDER_NAMES.flatMap((p) => {
          const ranges = e[allowVariable(p)] as Cidr[] | undefined;
          return ranges && providers[p] ? [[p, ranges]] : [];
        }),
      ),
      trustedProxies: e.BAYAR_TRUSTED_PROXIES ?? [],
    },
  };
}

function allowVariable(p: ProviderName): EnvKey {
  return `BAYAR_WEBHOOK_ALLOW_${p.toUpperCase()}` as EnvKey;
}

/** The provider's variables that are set. */
function setVariables(e: Env, p: ProviderName): EnvKey[] {
  const { required, optional } = PROVIDER_VARIABLES[p];
  return [...required, ...optional].filter((k) => e[k] !== undefined);
}

function isConfigured(e: Env, p: ProviderName): boolean {
  return setVariables(e, p).length > 0;
}

/** A real provider's address: https, and not this machine. */
function realUrlProblem(url: string): string | undefined {
  const u = new URL(url);
  if (u.protocol !== 'https:') return 'is not an https:// address';
  if (isLocalHost(u.hostname)) return 'points at this machine (loopback), where only a sandbox can be';
  if (u.username || u.password) return 'carries credentials in the URL';
  return undefined;
}

/**
 * Every reason production must not start. Each names the variable and never its value: a value
 * may be a secret, and the message ends up in boot logs.
 */
function productionProblems(e: Env): string[] {
  const problems: string[] = [];
  const live = PROVIDER_NAMES.filter((p) => isConfigured(e, p));
  for (const p of live) {
    const missing = PROVIDER_VARIABLES[p].required.filter((k) => e[k] === undefined);
    if (missing.length > 0) {
      problems.push(`${p} is half-configured: ${setVariables(e, p).join(', ')} set, but ${missing.join(', ')} not (set all of ${PROVIDER_VARIABLES[p].required.join(', ')}, or none to leave ${p} off)`);
      continue;
    }
    const urlVar = PROVIDER_VARIABLES[p].baseUrl;
    const why = realUrlProblem(e[urlVar] as string);
    if (why) problems.push(`${urlVar} ${why}; in production it must be the provider's https:// API`);
  }
  if ((e.DOKU_SNAP_PRIVATE_KEY === undefined) !== (e.DOKU_SNAP_DOKU_PUBLIC_KEY === undefined)) {
    problems.push('DOKU_SNAP_PRIVATE_KEY and DOKU_SNAP_DOKU_PUBLIC_KEY: set both (DANA and ShopeePay at DOKU) or neither');
  }
  if (live.length === 0) {
    problems.push(`no provider is configured: set one provider's variables (${PROVIDER_NAMES.map((p) => PROVIDER_VARIABLES[p].required[0]).join(', ')}, …), or BAYAR_ENV=development for the local sandboxes`);
  }
  problems.push(...publishedSecretsIn(e));
  if (e.BAYAR_DATA_KEY === undefined) problems.push('BAYAR_DATA_KEY is not set (32 random bytes, base64: openssl rand -base64 32)');
  for (const merchant of e.BAYAR_API_KEYS.keys()) {
    if (!e.BAYAR_MERCHANT_WEBHOOK_SECRETS.has(merchant)) problems.push(`BAYAR_MERCHANT_WEBHOOK_SECRETS has no secret for merchant "${merchant}"`);
  }
  if (e.BAYAR_PUBLIC_URL === undefined) problems.push('BAYAR_PUBLIC_URL is not set: the https:// address providers send notifications to');
  else if (new URL(e.BAYAR_PUBLIC_URL).protocol !== 'https:') problems.push('BAYAR_PUBLIC_URL is not an https:// address');
  for (const [method, names] of parseRouting(e.BAYAR_ROUTING)) {
    const off = names.filter((p) => !live.includes(p));
    if (off.length > 0) problems.push(`BAYAR_ROUTING routes ${method} to ${off.join(', ')}, which ${off.length > 1 ? 'are' : 'is'} not configured`);
  }
  return problems;
}

/** Every published development value, by the variables that must never hold one. */
function publishedSecretsIn(e: Env): string[] {
  const problems: string[] = [];
  const strings = new Set<string>([
    DEV_DEFAULTS.xendit.secretKey, DEV_DEFAULTS.xendit.callbackToken, DEV_DEFAULTS.midtrans.serverKey,
    DEV_DEFAULTS.doku.clientId, DEV_DEFAULTS.doku.secretKey, DEV_DEFAULTS.ecommpay.secretKey,
    DEV_DEFAULTS.indodana.apiKey, DEV_DEFAULTS.indodana.secretKey,
    DEV_DEFAULTS.aggregator.merchantId, DEV_DEFAULTS.dataKey, DEV_DEFAULTS.merchantWebhookSecret, DEV_DEFAULTS.apiKeys.split(':')[1]!,
  ]);
  const stringVars: EnvKey[] = [
    'XENDIT_SECRET_KEY', 'XENDIT_CALLBACK_TOKEN', 'MIDTRANS_SERVER_KEY', 'DOKU_CLIENT_ID', 'DOKU_SECRET_KEY', 'DOKU_SNAP_CLIENT_SECRET',
    'ECOMMPAY_SECRET_KEY', 'INDODANA_API_KEY', 'INDODANA_SECRET_KEY', 'AGGREGATOR_MERCHANT_ID', 'BAYAR_DATA_KEY',
  ];
  for (const k of stringVars) {
    if (typeof e[k] === 'string' && strings.has(e[k] as string)) problems.push(`${k} is a published development value (it is in this repository)`);
  }
  for (const [merchant, key] of e.BAYAR_API_KEYS) {
    if (strings.has(key)) problems.push(`BAYAR_API_KEYS: merchant "${merchant}" uses a published development key`);
  }
  for (const [merchant, secret] of e.BAYAR_MERCHANT_WEBHOOK_SECRETS) {
    if (strings.has(secret)) problems.push(`BAYAR_MERCHANT_WEBHOOK_SECRETS: merchant "${merchant}" uses a published development secret`);
  }
  // RSA keys: compared by their public half, so neither half of any development pair (and no
  // re-encoding of one) passes.
  for (const k of ['DOKU_SNAP_PRIVATE_KEY', 'DOKU_SNAP_DOKU_PUBLIC_KEY', 'AGGREGATOR_PRIVATE_KEY', 'AGGREGATOR_PLATFORM_PUBLIC_KEY'] as const) {
    const pem = e[k];
    if (pem !== undefined && DEV_PUBLIC_KEYS.has(publicHalf(pem))) problems.push(`${k} is a published development key (it is in this repository)`);
  }
  return problems;
}

function publicHalf(pem: string): string {
  return createPublicKey(pem).export({ type: 'spki', format: 'pem' }).toString();
}

const DEV_PUBLIC_KEYS = new Set(
  [DEV_AGGREGATOR_MERCHANT_PRIVATE_KEY, DEV_AGGREGATOR_PLATFORM_PRIVATE_KEY, DEV_DOKU_SNAP_MERCHANT_PRIVATE_KEY, DEV_DOKU_SNAP_DOKU_PRIVATE_KEY].map(publicHalf),
);

/** Production: only the configured providers, every value from the environment (checked complete above). */
function configuredProviders(e: Env): Partial<ProviderSettings> {
  const providers: Partial<ProviderSettings> = {};
  const set = <K extends EnvKey>(k: K) => e[k] as NonNullable<Env[K]>;
  if (isConfigured(e, 'xendit')) {
    providers.xendit = {
      baseUrl: set('XENDIT_BASE_URL'), sandbox: false, secretKey: set('XENDIT_SECRET_KEY'), callbackToken: set('XENDIT_CALLBACK_TOKEN'),
      ...(e.XENDIT_RETURN_URL ? { defaultReturnUrl: e.XENDIT_RETURN_URL } : {}),
    };
  }
  if (isConfigured(e, 'midtrans')) providers.midtrans = { baseUrl: set('MIDTRANS_BASE_URL'), sandbox: false, serverKey: set('MIDTRANS_SERVER_KEY') };
  if (isConfigured(e, 'doku')) {
    providers.doku = {
      baseUrl: set('DOKU_BASE_URL'), sandbox: false, clientId: set('DOKU_CLIENT_ID'), secretKey: set('DOKU_SECRET_KEY'),
      notificationToleranceMs: e.DOKU_NOTIFICATION_TOLERANCE,
      ...(e.DOKU_SNAP_PRIVATE_KEY && e.DOKU_SNAP_DOKU_PUBLIC_KEY
        ? { snap: { clientSecret: e.DOKU_SNAP_CLIENT_SECRET ?? set('DOKU_SECRET_KEY'), privateKey: e.DOKU_SNAP_PRIVATE_KEY, dokuPublicKey: e.DOKU_SNAP_DOKU_PUBLIC_KEY, ...(e.DOKU_SNAP_RETURN_URL ? { returnUrl: e.DOKU_SNAP_RETURN_URL } : {}), ...(e.DOKU_SNAP_VA_PARTNER_SERVICE_IDS ? { vaPartnerServiceIds: e.DOKU_SNAP_VA_PARTNER_SERVICE_IDS } : {}) } }
        : {}),
    };
  }
  if (isConfigured(e, 'ecommpay')) providers.ecommpay = { baseUrl: set('ECOMMPAY_BASE_URL'), sandbox: false, projectId: set('ECOMMPAY_PROJECT_ID'), secretKey: set('ECOMMPAY_SECRET_KEY') };
  if (isConfigured(e, 'indodana')) {
    providers.indodana = {
      baseUrl: set('INDODANA_BASE_URL'), sandbox: false, apiKey: set('INDODANA_API_KEY'), secretKey: set('INDODANA_SECRET_KEY'),
      refundPath: e.INDODANA_REFUND_PATH ?? INDODANA_PATHS.defaultRefund,
    };
  }
  if (isConfigured(e, 'aggregator')) {
    providers.aggregator = {
      baseUrl: set('AGGREGATOR_BASE_URL'), sandbox: false, merchantId: set('AGGREGATOR_MERCHANT_ID'),
      privateKey: set('AGGREGATOR_PRIVATE_KEY'), platformPublicKey: set('AGGREGATOR_PLATFORM_PUBLIC_KEY'),
    };
  }
  return providers;
}

/**
 * Development: all six, each on its local sandbox with the development keys unless set (today's
 * `npm start`). A provider pointed at a real (https) URL is not a sandbox; routing never fails
 * over from it to one (registry.ts).
 */
function developmentProviders(e: Env): ProviderSettings {
  const sandboxUrl = (p: ProviderName) => `http://${e.BAYAR_SANDBOX_HOST}:${e.BAYAR_SANDBOX_PORT_BASE + SANDBOX_PORT_OFFSETS[p]}`;
  const isSandbox = (url: string | undefined) => url === undefined || realUrlProblem(url) !== undefined;
  return {
    xendit: {
      baseUrl: e.XENDIT_BASE_URL ?? sandboxUrl('xendit'),
      sandbox: isSandbox(e.XENDIT_BASE_URL),
      secretKey: e.XENDIT_SECRET_KEY ?? DEV_DEFAULTS.xendit.secretKey,
      callbackToken: e.XENDIT_CALLBACK_TOKEN ?? DEV_DEFAULTS.xendit.callbackToken,
      // Against the local sandbox a placeholder page will do; a real account needs a real page.
      ...(e.XENDIT_RETURN_URL || e.XENDIT_BASE_URL === undefined ? { defaultReturnUrl: e.XENDIT_RETURN_URL ?? 'https://merchant.example/payment/return' } : {}),
    },
    midtrans: {
      baseUrl: e.MIDTRANS_BASE_URL ?? sandboxUrl('midtrans'),
      sandbox: isSandbox(e.MIDTRANS_BASE_URL),
      serverKey: e.MIDTRANS_SERVER_KEY ?? DEV_DEFAULTS.midtrans.serverKey,
    },
    doku: {
      baseUrl: e.DOKU_BASE_URL ?? sandboxUrl('doku'),
      sandbox: isSandbox(e.DOKU_BASE_URL),
      clientId: e.DOKU_CLIENT_ID ?? DEV_DEFAULTS.doku.clientId,
      secretKey: e.DOKU_SECRET_KEY ?? DEV_DEFAULTS.doku.secretKey,
      notificationToleranceMs: e.DOKU_NOTIFICATION_TOLERANCE,
      ...dokuSnapConfig(e),
    },
    indodana: {
      // Indodana's paths live under /chermes/merchant; the sandbox serves them there too.
      baseUrl: e.INDODANA_BASE_URL ?? `${sandboxUrl('indodana')}/chermes/merchant`,
      sandbox: isSandbox(e.INDODANA_BASE_URL),
      apiKey: e.INDODANA_API_KEY ?? DEV_DEFAULTS.indodana.apiKey,
      secretKey: e.INDODANA_SECRET_KEY ?? DEV_DEFAULTS.indodana.secretKey,
      refundPath: e.INDODANA_REFUND_PATH ?? INDODANA_PATHS.defaultRefund,
    },
    ecommpay: {
      baseUrl: e.ECOMMPAY_BASE_URL ?? sandboxUrl('ecommpay'),
      sandbox: isSandbox(e.ECOMMPAY_BASE_URL),
      projectId: e.ECOMMPAY_PROJECT_ID ?? DEV_DEFAULTS.ecommpay.projectId,
      secretKey: e.ECOMMPAY_SECRET_KEY ?? DEV_DEFAULTS.ecommpay.secretKey,
    },
    aggregator: {
      baseUrl: e.AGGREGATOR_BASE_URL ?? sandboxUrl('aggregator'),
      sandbox: isSandbox(e.AGGREGATOR_BASE_URL),
      merchantId: e.AGGREGATOR_MERCHANT_ID ?? DEV_DEFAULTS.aggregator.merchantId,
      privateKey: e.AGGREGATOR_PRIVATE_KEY ?? DEV_AGGREGATOR_KEYS.privateKey,
      platformPublicKey: e.AGGREGATOR_PLATFORM_PUBLIC_KEY ?? DEV_AGGREGATOR_KEYS.platformPublicKey,
    },
  };
}

/**
 * An empty variable counts as unset, as in most tooling: docker-compose's `${VAR:-}` passes
 * "" for anything the host does not set, and "" must mean "use the default" (not port 0, not
 * an invalid URL).
 */
function withoutEmpty(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
}

/**
 * Development mode with a real provider (an https:// base URL): the development keys are public
 * (they are in this repository), so bayar refuses to start with them next to a real provider.
 * Production checks far more (productionProblems).
 */
function refuseDevSecretsWithRealProviders(e: Env): void {
  // A real ecommpay project signs with its own secret: the development one would only produce
  // "Invalid signature" answers there, so say so at boot instead.
  if (e.ECOMMPAY_BASE_URL?.startsWith('https://') && (e.ECOMMPAY_PROJECT_ID === undefined || e.ECOMMPAY_SECRET_KEY === undefined)) {
    throw new ConfigError('bayar: invalid configuration\n  - ECOMMPAY_BASE_URL points at ecommpay, but ECOMMPAY_PROJECT_ID and ECOMMPAY_SECRET_KEY are not both set');
  }
  const apiKeys = e.BAYAR_API_KEYS.size > 0 ? e.BAYAR_API_KEYS : pairsOf(DEV_DEFAULTS.apiKeys);
  const secrets = new Map([...apiKeys.keys()].map((m) => [m, e.BAYAR_MERCHANT_WEBHOOK_SECRETS.get(m) ?? DEV_DEFAULTS.merchantWebhookSecret]));
  const real = Object.entries(e)
    .filter(([k, v]) => k.endsWith('_BASE_URL') && typeof v === 'string' && v.startsWith('https://'))
    .map(([k]) => k);
  if (real.length === 0) return;
  const problems: string[] = [];
  if ([...apiKeys].some(([m, k]) => `${m}:${k}` === DEV_DEFAULTS.apiKeys)) problems.push('BAYAR_API_KEYS uses the development key');
  if ([...secrets.values()].includes(DEV_DEFAULTS.merchantWebhookSecret)) problems.push('BAYAR_MERCHANT_WEBHOOK_SECRETS: some merchant has no secret of its own');
  if ((e.BAYAR_DATA_KEY ?? DEV_DEFAULTS.dataKey) === DEV_DEFAULTS.dataKey) problems.push('BAYAR_DATA_KEY is the development key');
  if (e.AGGREGATOR_BASE_URL?.startsWith('https://')) {
    // The development private keys of both pairs are in this repository: with the platform's,
    // anyone could sign callbacks; with ours, anyone could sign orders and disbursements.
    if ((e.AGGREGATOR_PRIVATE_KEY ?? DEV_AGGREGATOR_KEYS.privateKey) === DEV_AGGREGATOR_KEYS.privateKey) problems.push('AGGREGATOR_PRIVATE_KEY is the development key');
    if ((e.AGGREGATOR_PLATFORM_PUBLIC_KEY ?? DEV_AGGREGATOR_KEYS.platformPublicKey) === DEV_AGGREGATOR_KEYS.platformPublicKey) problems.push('AGGREGATOR_PLATFORM_PUBLIC_KEY is the development key');
    if (e.AGGREGATOR_MERCHANT_ID === undefined) problems.push('AGGREGATOR_MERCHANT_ID is not set');
  }
  if (e.DOKU_BASE_URL?.startsWith('https://')) {
    // Only when SNAP is on (both keys set, see dokuSnapConfig). With DOKU's development key pair
    // anyone could fetch a notification token from bayar; with ours, anyone could mint one.
    if (e.DOKU_SNAP_PRIVATE_KEY === DEV_DOKU_SNAP_KEYS.privateKey) problems.push('DOKU_SNAP_PRIVATE_KEY is the development key');
    if (e.DOKU_SNAP_DOKU_PUBLIC_KEY === DEV_DOKU_SNAP_KEYS.dokuPublicKey) problems.push('DOKU_SNAP_DOKU_PUBLIC_KEY is the development key');
    const snapOn = e.DOKU_SNAP_PRIVATE_KEY !== undefined && e.DOKU_SNAP_DOKU_PUBLIC_KEY !== undefined;
    if (snapOn && (e.DOKU_SNAP_CLIENT_SECRET ?? e.DOKU_SECRET_KEY ?? DEV_DEFAULTS.doku.secretKey) === DEV_DEFAULTS.doku.secretKey) {
      problems.push('DOKU SNAP would sign with the development secret (set DOKU_SECRET_KEY or DOKU_SNAP_CLIENT_SECRET)');
    }
  }
  if (problems.length > 0) {
    throw new ConfigError(`bayar: invalid configuration\n  - ${real.join(', ')} point at a real provider, but:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/**
 * DOKU SNAP: against a sandbox (http) the development keys; against a real DOKU only when both
 * RSA keys are set (a Non-SNAP-only account keeps working, without e-wallets). The development
 * keys with a real DOKU are refused in refuseDevSecretsWithRealProviders.
 */
function dokuSnapConfig(e: Env): { snap?: ProviderSettings['doku']['snap'] } {
  // https = a real DOKU (as in the guard); http = a sandbox, here or in a container.
  const real = e.DOKU_BASE_URL?.startsWith('https://') === true;
  if (real && (e.DOKU_SNAP_PRIVATE_KEY === undefined || e.DOKU_SNAP_DOKU_PUBLIC_KEY === undefined)) return {};
  const returnUrl = e.DOKU_SNAP_RETURN_URL ?? (real ? undefined : DEV_DEFAULTS.dokuSnap.returnUrl);
  const vaPartnerServiceIds = e.DOKU_SNAP_VA_PARTNER_SERVICE_IDS ?? (real ? undefined : DOKU_SANDBOX_VA_PARTNER_SERVICE_IDS);
  return {
    snap: {
      ...(vaPartnerServiceIds ? { vaPartnerServiceIds } : {}),
      clientSecret: e.DOKU_SNAP_CLIENT_SECRET ?? e.DOKU_SECRET_KEY ?? DEV_DEFAULTS.doku.secretKey,
      privateKey: e.DOKU_SNAP_PRIVATE_KEY ?? DEV_DOKU_SNAP_KEYS.privateKey,
      dokuPublicKey: e.DOKU_SNAP_DOKU_PUBLIC_KEY ?? DEV_DOKU_SNAP_KEYS.dokuPublicKey,
      ...(returnUrl ? { returnUrl } : {}),
    },
  };
}

/** The development keys in the normalised form loadConfig produces, so they compare equal. */
const DEV_DOKU_SNAP_KEYS = {
  privateKey: rsaPemFromEnv(DEV_DEFAULTS.dokuSnap.privateKey, 'private')!,
  dokuPublicKey: rsaPemFromEnv(DEV_DEFAULTS.dokuSnap.dokuPublicKey, 'public')!,
};

const DEV_AGGREGATOR_KEYS = {
  privateKey: rsaPemFromEnv(DEV_DEFAULTS.aggregator.privateKey, 'private')!,
  platformPublicKey: rsaPemFromEnv(DEV_DEFAULTS.aggregator.platformPublicKey, 'public')!,
};

function pairsOf(text: string): Map<string, string> {
  return new Map(text.split(',').map((p) => [p.slice(0, p.indexOf(':')), p.slice(p.indexOf(':') + 1)] as [string, string]));
}

/** BAYAR_ROUTING="QRIS=xendit|midtrans;VA_BCA=doku|xendit": ordered providers per method. */
function parseRouting(text: string | undefined): Map<PaymentMethod, ProviderName[]> {
  const routing = new Map<PaymentMethod, ProviderName[]>();
  if (!text) return routing;
  for (const rule of text.split(';').map((s) => s.trim()).filter(Boolean)) {
    // Blanks around "=" are allowed like those around "|"; a second "=" is a typo, not ignored.
    const parts = rule.split('=').map((s) => s.trim());
    const [method, list] = parts;
    const providers = (list ?? '').split('|').map((s) => s.trim());
    if (parts.length !== 2 || !PAYMENT_METHODS.includes(method as PaymentMethod) || !providers.every((p) => PROVIDER_NAMES.includes(p as ProviderName))) {
      throw new ConfigError(`bayar: invalid configuration\n  - BAYAR_ROUTING: bad rule "${rule}"`);
    }
    routing.set(method as PaymentMethod, providers as ProviderName[]);
  }
  return routing;
}

/** BAYAR_ALLOW_LOOPBACK_CALLBACKS: "true", "false" or "4101,4102" (only those loopback ports). */
function loopbackAllowance(v: string): boolean | number[] {
  if (v === 'true' || v === 'false') return v === 'true';
  return v.split(',').map(Number);
}
