// All configuration, in one place, read from the environment once and validated with zod.
// Nothing else in bayar reads process.env. A bad value stops the process at boot with a
// message naming the variable; secrets are never echoed back.
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { z } from 'zod';
import { PAYMENT_METHODS, PROVIDER_NAMES, type PaymentMethod, type ProviderName } from '../domain/payment.js';
import { DEV_AGGREGATOR_MERCHANT_PRIVATE_KEY, DEV_AGGREGATOR_PLATFORM_PUBLIC_KEY, DEV_DOKU_SNAP_DOKU_PUBLIC_KEY, DEV_DOKU_SNAP_MERCHANT_PRIVATE_KEY } from './dev-keys.js';
import { parseDuration, parseDurationList } from './duration.js';
import { checkQris } from '../providers/indodana/qris.js';
import { INDODANA_PATHS } from '../providers/indodana/capabilities.js';

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
    // A made-up static QRIS ("BAYAR SANDBOX", Jakarta): no bank knows it, so nothing real can be paid to it.
    qrisPayload:
      '00020101021126660015ID.CO.BAYAR.WWW01189360000000000000010214BAYARSANDBOX010303UMI51440014ID.CO.QRIS.WWW0215ID10240000000010303UMI5204599953033605802ID5913BAYAR SANDBOX6007JAKARTA6105101106304B692',
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

const envSchema = z.object({
  PORT: port(3000),
  BAYAR_HOST: z.string().min(1).default('127.0.0.1'),
  BAYAR_SANDBOX_PORT_BASE: port(4100),
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
    .default(DEV_DEFAULTS.dataKey)
    .refine((v) => Buffer.from(v, 'base64').length === 32, 'BAYAR_DATA_KEY must be 32 bytes, base64-encoded'),
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
  BAYAR_WORKER_CACHE_SIZE: z.coerce.number().int().min(10).max(100_000).default(1000),
  BAYAR_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  BAYAR_ROUTING: z.string().optional(),
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
  /** The numeric project id ecommpay issued; it signs with the project's secret key. */
  ECOMMPAY_PROJECT_ID: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
  ECOMMPAY_SECRET_KEY: z.string().min(8).optional(),
  ECOMMPAY_BASE_URL: z.url().optional(),
  /** How old (or how far ahead) a DOKU notification's signed Request-Timestamp may be. */
  DOKU_NOTIFICATION_TOLERANCE: duration('5m'),
  // ':' separates the parts of Indodana's Authorization (apiKey:nonce:signature), so a key cannot contain one.
  INDODANA_API_KEY: z.string().min(8).regex(/^[^:\s]+$/, 'INDODANA_API_KEY: no colons or spaces').optional(),
  INDODANA_SECRET_KEY: z.string().min(8).optional(),
  INDODANA_BASE_URL: z.url().optional(),
  INDODANA_QRIS_PAYLOAD: z
    .string()
    .superRefine((v, ctx) => {
      const check = checkQris(v);
      if (!check.ok) ctx.addIssue({ code: 'custom', message: `INDODANA_QRIS_PAYLOAD is not a valid QRIS: ${check.problem}` });
    })
    .optional(),
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
  /** True when pointed at bayar's own local sandbox with the development keys. */
  sandbox: boolean;
}

export interface AppConfig {
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
  providers: {
    xendit: ProviderEndpoint & { secretKey: string; callbackToken: string; defaultReturnUrl?: string };
    midtrans: ProviderEndpoint & { serverKey: string };
    doku: ProviderEndpoint & {
      clientId: string;
      secretKey: string;
      notificationToleranceMs: number;
      /** SNAP e-wallets; undefined (not offered) for a real DOKU without SNAP keys. Keys as PEM. */
      snap?: { clientSecret: string; privateKey: string; dokuPublicKey: string; returnUrl?: string };
    };
    ecommpay: ProviderEndpoint & { projectId: number; secretKey: string };
    indodana: ProviderEndpoint & { apiKey: string; secretKey: string; qrisPayload: string; refundPath: string };
    /** Keys as PEM (normalised at boot). */
    aggregator: ProviderEndpoint & { merchantId: string; privateKey: string; platformPublicKey: string };
  };
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = envSchema.safeParse(withoutEmpty(env));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  - ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`bayar: invalid configuration\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const apiKeys = e.BAYAR_API_KEYS.size > 0 ? e.BAYAR_API_KEYS : pairsOf(DEV_DEFAULTS.apiKeys);
  const webhookSecrets = new Map(e.BAYAR_MERCHANT_WEBHOOK_SECRETS);
  for (const merchant of apiKeys.keys()) {
    if (!webhookSecrets.has(merchant)) webhookSecrets.set(merchant, DEV_DEFAULTS.merchantWebhookSecret);
  }
  const sandboxUrl = (p: ProviderName) => `http://127.0.0.1:${e.BAYAR_SANDBOX_PORT_BASE + SANDBOX_PORT_OFFSETS[p]}`;
  refuseDevSecretsWithRealProviders(e, apiKeys, webhookSecrets);
  // A real ecommpay project signs with its own secret: the development one would only produce
  // "Invalid signature" answers there, so say so at boot instead.
  if (e.ECOMMPAY_BASE_URL?.startsWith('https://') && (e.ECOMMPAY_PROJECT_ID === undefined || e.ECOMMPAY_SECRET_KEY === undefined)) {
    throw new ConfigError('bayar: invalid configuration\n  - ECOMMPAY_BASE_URL points at ecommpay, but ECOMMPAY_PROJECT_ID and ECOMMPAY_SECRET_KEY are not both set');
  }
  if (e.INDODANA_BASE_URL?.startsWith('https://') && e.INDODANA_QRIS_PAYLOAD === undefined) {
    // Customers pay the QR bayar shows; with a real Indodana (https, as for the development keys
    // above) it must be the merchant's own QRIS, never the sandbox's made-up one.
    throw new ConfigError('bayar: invalid configuration\n  - INDODANA_QRIS_PAYLOAD: required with a real INDODANA_BASE_URL (the merchant\'s static QRIS from its acquirer)');
  }
  return {
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
    dataKey: Buffer.from(e.BAYAR_DATA_KEY, 'base64'),
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
    providers: {
      xendit: {
        baseUrl: e.XENDIT_BASE_URL ?? sandboxUrl('xendit'),
        sandbox: e.XENDIT_BASE_URL === undefined,
        secretKey: e.XENDIT_SECRET_KEY ?? DEV_DEFAULTS.xendit.secretKey,
        callbackToken: e.XENDIT_CALLBACK_TOKEN ?? DEV_DEFAULTS.xendit.callbackToken,
        // Against the local sandbox a placeholder page will do; a real account needs a real page.
        ...(e.XENDIT_RETURN_URL || e.XENDIT_BASE_URL === undefined ? { defaultReturnUrl: e.XENDIT_RETURN_URL ?? 'https://merchant.example/payment/return' } : {}),
      },
      midtrans: {
        baseUrl: e.MIDTRANS_BASE_URL ?? sandboxUrl('midtrans'),
        sandbox: e.MIDTRANS_BASE_URL === undefined,
        serverKey: e.MIDTRANS_SERVER_KEY ?? DEV_DEFAULTS.midtrans.serverKey,
      },
      doku: {
        baseUrl: e.DOKU_BASE_URL ?? sandboxUrl('doku'),
        sandbox: e.DOKU_BASE_URL === undefined,
        clientId: e.DOKU_CLIENT_ID ?? DEV_DEFAULTS.doku.clientId,
        secretKey: e.DOKU_SECRET_KEY ?? DEV_DEFAULTS.doku.secretKey,
        notificationToleranceMs: e.DOKU_NOTIFICATION_TOLERANCE,
        ...dokuSnapConfig(e),
      },
      indodana: {
        // Indodana's paths live under /chermes/merchant; the sandbox serves them there too.
        baseUrl: e.INDODANA_BASE_URL ?? `${sandboxUrl('indodana')}/chermes/merchant`,
        sandbox: e.INDODANA_BASE_URL === undefined,
        apiKey: e.INDODANA_API_KEY ?? DEV_DEFAULTS.indodana.apiKey,
        secretKey: e.INDODANA_SECRET_KEY ?? DEV_DEFAULTS.indodana.secretKey,
        qrisPayload: e.INDODANA_QRIS_PAYLOAD ?? DEV_DEFAULTS.indodana.qrisPayload,
        refundPath: e.INDODANA_REFUND_PATH ?? INDODANA_PATHS.defaultRefund,
      },
      ecommpay: {
        baseUrl: e.ECOMMPAY_BASE_URL ?? sandboxUrl('ecommpay'),
        sandbox: e.ECOMMPAY_BASE_URL === undefined,
        projectId: e.ECOMMPAY_PROJECT_ID ?? DEV_DEFAULTS.ecommpay.projectId,
        secretKey: e.ECOMMPAY_SECRET_KEY ?? DEV_DEFAULTS.ecommpay.secretKey,
      },
      aggregator: {
        baseUrl: e.AGGREGATOR_BASE_URL ?? sandboxUrl('aggregator'),
        sandbox: e.AGGREGATOR_BASE_URL === undefined,
        merchantId: e.AGGREGATOR_MERCHANT_ID ?? DEV_DEFAULTS.aggregator.merchantId,
        privateKey: e.AGGREGATOR_PRIVATE_KEY ?? DEV_AGGREGATOR_KEYS.privateKey,
        platformPublicKey: e.AGGREGATOR_PLATFORM_PUBLIC_KEY ?? DEV_AGGREGATOR_KEYS.platformPublicKey,
      },
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
 * The development keys are public (they are in this repository). The moment any provider is
 * reached over HTTPS — a real provider, not a local sandbox — bayar refuses to start with them.
 */
function refuseDevSecretsWithRealProviders(e: z.infer<typeof envSchema>, apiKeys: Map<string, string>, secrets: Map<string, string>): void {
  const real = Object.entries(e)
    .filter(([k, v]) => k.endsWith('_BASE_URL') && typeof v === 'string' && v.startsWith('https://'))
    .map(([k]) => k);
  if (real.length === 0) return;
  const problems: string[] = [];
  if ([...apiKeys].some(([m, k]) => `${m}:${k}` === DEV_DEFAULTS.apiKeys)) problems.push('BAYAR_API_KEYS uses the development key');
  if ([...secrets.values()].includes(DEV_DEFAULTS.merchantWebhookSecret)) problems.push('BAYAR_MERCHANT_WEBHOOK_SECRETS: some merchant has no secret of its own');
  if (e.BAYAR_DATA_KEY === DEV_DEFAULTS.dataKey) problems.push('BAYAR_DATA_KEY is the development key');
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
function dokuSnapConfig(e: z.infer<typeof envSchema>): { snap?: AppConfig['providers']['doku']['snap'] } {
  // https = a real DOKU (as in the guard); http = a sandbox, here or in a container.
  const real = e.DOKU_BASE_URL?.startsWith('https://') === true;
  if (real && (e.DOKU_SNAP_PRIVATE_KEY === undefined || e.DOKU_SNAP_DOKU_PUBLIC_KEY === undefined)) return {};
  const returnUrl = e.DOKU_SNAP_RETURN_URL ?? (real ? undefined : DEV_DEFAULTS.dokuSnap.returnUrl);
  return {
    snap: {
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
