// All configuration, in one place, read from the environment once and validated with zod.
// A bad value stops the process at boot with a message naming the variable; secrets are never
// echoed back.
//
// Two modes. BAYAR_ENV=development (what `npm start`, the tests, the bench and chaos set): every
// provider is live, and whatever is not set falls back to the local sandboxes and the published
// development keys. Anything else is production: a provider is live only when its variables are
// set (PROVIDER_VARIABLES), and bayar refuses to boot with a published development secret, a
// local or non-https provider URL, or a half-configured provider.
import { z } from 'zod';
import { PAYMENT_METHODS, type PaymentMethod, type ProviderName } from '../domain/payment.js';
// The provider list only, never a provider's own folder (eslint.config.js): each provider's
// variables, settings and rules live in its descriptor.
import { PROVIDER_NAMES, PROVIDERS, type AnyProviderDescriptor, type ProviderSettings } from '../providers/index.js';
import type { DevelopmentContext, ProviderEndpoint } from '../providers/descriptor.js';
import { cidrList, duration, pairs, pollSchedule, port, realUrlProblem } from './env-schemas.js';
import { type Cidr } from './cidr.js';
import { parseDurationList } from './duration.js';
import { DEVELOPMENT_DEFAULTS } from './development.js';
import { keyFingerprint, valueFingerprint } from './published.js';
import type { DevDefaults } from '../sandbox/dev-defaults.js';

export type { ProviderEndpoint, ProviderSettings };

/** bayar's own published development values (the demo merchant, the data key), by fingerprint (src/config/published.ts). */
export const BAYAR_PUBLISHED_FINGERPRINTS: readonly string[] = [
  'ade0d8c6069904fc3159776b502f8b67b043875a842535b448a15f5cf26005ab',
  '6209ed80e07f9002f92ed735e464a44e863fc904bb4fbdc000162011d4ae0f42',
  '2a32dfb8808063c9031af5c28f072d510ff4f86acbdd45ea2a24920789b4da5c',
];

/** Each sandbox listens on BAYAR_SANDBOX_PORT_BASE + its offset (4101, 4102, … by default). */
export const SANDBOX_PORT_OFFSETS = Object.fromEntries(PROVIDERS.map((d) => [d.name, d.sandbox.portOffset])) as Record<ProviderName, number>;

/** Per provider: BAYAR_WEBHOOK_ALLOW_<NAME> (notification sources), BAYAR_POLL_SCHEDULE_<NAME> and BAYAR_LOOKUP_BUDGET_<NAME>. */
const perProviderVariables = Object.fromEntries(
  PROVIDERS.flatMap((d) => [
    [allowVariable(d.name), cidrList().optional()],
    [`BAYAR_POLL_SCHEDULE_${d.name.toUpperCase()}`, pollSchedule().optional()],
    // Status look-ups a minute per worker process (activities/lookup-budget.ts); unset: no budget.
    [`BAYAR_LOOKUP_BUDGET_${d.name.toUpperCase()}`, z.coerce.number().int().min(1).max(1_000_000).optional()],
  ]),
) as Record<string, z.ZodOptional<z.ZodType<unknown>>>;

/** Every provider's own variables (its descriptor's env shape). */
const providerVariables = Object.assign({}, ...PROVIDERS.map((d) => d.env)) as UnionToIntersection<AnyProviderDescriptor['env']>;
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

const envSchema = z.object({
  /** "development" turns on development mode (sandboxes, published keys); anything else is production. */
  BAYAR_ENV: z.string().optional(),
  PORT: port(3000),
  BAYAR_HOST: z.string().min(1).default('127.0.0.1'),
  BAYAR_SANDBOX_PORT_BASE: port(4100),
  /** Development only: where the adapters reach the sandboxes (docker-compose: the `sandbox` service). */
  BAYAR_SANDBOX_HOST: z
    .string()
    .regex(/^[A-Za-z0-9.-]{1,253}$/, 'a host name or IPv4 address')
    .default('127.0.0.1'),
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
  BAYAR_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'BAYAR_DATABASE_URL: a postgres:// connection URL')
    .optional(),
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
  BAYAR_POLL_SCHEDULE: z
    .string()
    .default('15s,30s,1m,2m,5m,15m')
    .transform((v, ctx) => parseDurationList(v) ?? (ctx.addIssue({ code: 'custom', message: 'BAYAR_POLL_SCHEDULE: comma-separated durations' }), z.NEVER)),
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
  BAYAR_ALLOW_LOOPBACK_CALLBACKS: z
    .string()
    .regex(/^(true|false|[0-9]{1,5}(,[0-9]{1,5})*)$/, 'BAYAR_ALLOW_LOOPBACK_CALLBACKS: true, false or comma-separated ports')
    .default('false'),
  /** Where /metrics and /docs are served: 'public' (the API port), 'closed', or a port number (an admin listener on BAYAR_ADMIN_HOST). Default: public in development, closed in production. */
  BAYAR_ADMIN_ENDPOINTS: z
    .string()
    .refine((v) => v === 'public' || v === 'closed' || (/^[0-9]{1,5}$/.test(v) && Number(v) >= 1 && Number(v) <= 65535), "BAYAR_ADMIN_ENDPOINTS: 'public', 'closed' or a port number (1–65535)")
    .optional(),
  BAYAR_ADMIN_HOST: z.string().min(1).default('127.0.0.1'),
  ...perProviderVariables,
  ...providerVariables,
});

/** Every variable loadConfig reads; deployment files are checked against this list. */
export const CONFIG_ENV_KEYS: readonly string[] = Object.keys(envSchema.shape);

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
    /** Status look-ups a minute per worker process, by provider (BAYAR_LOOKUP_BUDGET_<PROVIDER>); absent: no budget. */
    lookupBudgetPerMinute: Partial<Record<ProviderName, number>>;
    /** Per-provider overrides of pollScheduleMs (BAYAR_POLL_SCHEDULE_<PROVIDER>). */
    pollScheduleByProvider: Partial<Record<ProviderName, number[]>>;
    refundWindowMs: number;
    merchantNotifyTimeoutMs: number;
    createWaitMs: number;
    providerTimeoutMs: number;
    payoutLookupScheduleMs: number[];
    payoutReviewAfterMs: number;
    payoutWindowMs: number;
  };
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

/**
 * A process's own settings beside the shared configuration (the worker's metrics, the statement
 * schedule, the lost-task reconciler): parsed from the environment with `schema`, or a
 * ConfigError that names each variable and never echoes a value.
 */
export function settingsFromEnv<T extends z.ZodType>(schema: T, what: string, env: NodeJS.ProcessEnv): z.infer<T> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) throw new ConfigError(`bayar: ${what}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

type Env = z.infer<typeof envSchema>;

/** What makes each provider configured in production (its descriptor's `variables`). */
export const PROVIDER_VARIABLES = Object.fromEntries(PROVIDERS.map((d) => [d.name, d.variables])) as Record<ProviderName, AnyProviderDescriptor['variables']>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = envSchema.safeParse(withoutEmpty(env));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  - ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`bayar: invalid configuration\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const development = e.BAYAR_ENV === 'development';
  const dev = development ? developmentDefaults() : undefined;
  if (dev) {
    refuseDevSecretsWithRealProviders(e, dev);
  } else {
    const problems = productionProblems(e);
    if (problems.length > 0) throw new ConfigError(`bayar: invalid configuration (production; BAYAR_ENV=development is for the local sandboxes only)\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  // Production: the merchants BAYAR_API_KEYS names, nothing else (it may be empty once keys
  // live elsewhere). Development: the demo merchant unless keys are given.
  const apiKeys = dev && e.BAYAR_API_KEYS.size === 0 ? pairsOf(dev.apiKeys) : e.BAYAR_API_KEYS;
  const webhookSecrets = new Map(e.BAYAR_MERCHANT_WEBHOOK_SECRETS);
  if (dev) {
    for (const merchant of apiKeys.keys()) {
      if (!webhookSecrets.has(merchant)) webhookSecrets.set(merchant, dev.merchantWebhookSecret);
    }
  }
  const providers = liveProviders(e, dev);
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
    dataKey: Buffer.from(e.BAYAR_DATA_KEY ?? dev!.dataKey, 'base64'),
    timing: {
      pollScheduleMs: e.BAYAR_POLL_SCHEDULE,
      pollScheduleByProvider: Object.fromEntries(
        PROVIDER_NAMES.flatMap((p) => {
          const own = e[`BAYAR_POLL_SCHEDULE_${p.toUpperCase()}` as keyof typeof e] as number[] | undefined;
          return own ? [[p, own]] : [];
        }),
      ),
      lookupBudgetPerMinute: Object.fromEntries(
        PROVIDER_NAMES.flatMap((p) => {
          const budget = e[`BAYAR_LOOKUP_BUDGET_${p.toUpperCase()}` as keyof typeof e] as number | undefined;
          return budget ? [[p, budget]] : [];
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
          const ranges = (e as Record<string, unknown>)[allowVariable(p)] as Cidr[] | undefined;
          return ranges && providers[p] ? [[p, ranges]] : [];
        }),
      ),
      trustedProxies: e.BAYAR_TRUSTED_PROXIES ?? [],
    },
  };
}

function allowVariable(p: ProviderName): string {
  return `BAYAR_WEBHOOK_ALLOW_${p.toUpperCase()}`;
}

/** Development mode needs the development values; a production image has none (src/config/development.ts). */
function developmentDefaults(): DevDefaults {
  if (DEVELOPMENT_DEFAULTS === undefined) {
    throw new ConfigError(
      'bayar: invalid configuration\n  - BAYAR_ENV=development: this is a production build, without the sandboxes and development keys (use `npm start`, or the image built with --target development)',
    );
  }
  return DEVELOPMENT_DEFAULTS;
}

/** The provider's variables that are set. */
function setVariables(e: Env, p: ProviderName): string[] {
  const { required, optional } = PROVIDER_VARIABLES[p];
  return [...required, ...optional].filter((k) => (e as Record<string, unknown>)[k] !== undefined);
}

function isConfigured(e: Env, p: ProviderName): boolean {
  return setVariables(e, p).length > 0;
}

/**
 * Every reason production must not start. Each names the variable and never its value: a value
 * may be a secret, and the message ends up in boot logs.
 */
function productionProblems(e: Env): string[] {
  const problems: string[] = [];
  const live = PROVIDER_NAMES.filter((p) => isConfigured(e, p));
  for (const p of live) {
    const missing = PROVIDER_VARIABLES[p].required.filter((k) => (e as Record<string, unknown>)[k] === undefined);
    if (missing.length > 0) {
      problems.push(
        `${p} is half-configured: ${setVariables(e, p).join(', ')} set, but ${missing.join(', ')} not (set all of ${PROVIDER_VARIABLES[p].required.join(', ')}, or none to leave ${p} off)`,
      );
      continue;
    }
    const urlVar = PROVIDER_VARIABLES[p].baseUrl;
    const why = realUrlProblem((e as Record<string, unknown>)[urlVar] as string);
    if (why) problems.push(`${urlVar} ${why}; in production it must be the provider's https:// API`);
  }
  for (const d of PROVIDERS) problems.push(...(d.productionProblems?.(e as never) ?? []));
  if (live.length === 0) {
    problems.push(
      `no provider is configured: set one provider's variables (${PROVIDER_NAMES.map((p) => PROVIDER_VARIABLES[p].required[0]).join(', ')}, …), or BAYAR_ENV=development for the local sandboxes`,
    );
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

/**
 * Every published development value, by the variables that must never hold one. Compared by
 * fingerprint (src/config/published.ts): production has the fingerprints, not the values.
 */
function publishedSecretsIn(e: Env): string[] {
  const problems: string[] = [];
  const published = new Set([...BAYAR_PUBLISHED_FINGERPRINTS, ...PROVIDERS.flatMap((d) => d.publishedFingerprints)]);
  const isPublished = (value: string) => published.has(valueFingerprint(value));
  const values = e as Record<string, unknown>;
  for (const k of ['BAYAR_DATA_KEY', ...PROVIDERS.flatMap((d) => d.secretVariables)]) {
    if (typeof values[k] === 'string' && isPublished(values[k])) problems.push(`${k} is a published development value (it is in this repository)`);
  }
  for (const [merchant, key] of e.BAYAR_API_KEYS) {
    if (isPublished(key)) problems.push(`BAYAR_API_KEYS: merchant "${merchant}" uses a published development key`);
  }
  for (const [merchant, secret] of e.BAYAR_MERCHANT_WEBHOOK_SECRETS) {
    if (isPublished(secret)) problems.push(`BAYAR_MERCHANT_WEBHOOK_SECRETS: merchant "${merchant}" uses a published development secret`);
  }
  // RSA keys: by their public half, so neither half of any development pair (and no re-encoding of one) passes.
  for (const k of PROVIDERS.flatMap((d) => d.rsaKeyVariables ?? [])) {
    const pem = values[k];
    if (typeof pem === 'string' && published.has(keyFingerprint(pem))) problems.push(`${k} is a published development key (it is in this repository)`);
  }
  return problems;
}

/**
 * The live providers' settings. Production: only the configured ones, every value from the
 * environment (checked complete above). Development: all of them, each on its local sandbox with
 * the development keys unless set (`npm start`); a provider pointed at a real (https) URL is not a
 * sandbox, and routing never fails over from it to one (registry.ts).
 */
function liveProviders(e: Env, dev: DevDefaults | undefined): Partial<ProviderSettings> {
  const providers: Record<string, ProviderEndpoint> = {};
  for (const d of PROVIDERS) {
    if (!dev && !isConfigured(e, d.name)) continue;
    const development: DevelopmentContext<never> | undefined = dev && {
      defaults: dev[d.name] as never,
      endpoint: (baseUrl, sandboxPath = '') => ({
        baseUrl: baseUrl ?? `http://${e.BAYAR_SANDBOX_HOST}:${e.BAYAR_SANDBOX_PORT_BASE + d.sandbox.portOffset}${sandboxPath}`,
        sandbox: baseUrl === undefined || realUrlProblem(baseUrl) !== undefined,
      }),
    };
    const settings = d.settings(e as never, development);
    if (settings) providers[d.name] = settings;
  }
  return providers as Partial<ProviderSettings>;
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
function refuseDevSecretsWithRealProviders(e: Env, dev: DevDefaults): void {
  const values = e as Record<string, unknown>;
  const real = PROVIDERS.filter((d) => String(values[d.variables.baseUrl] ?? '').startsWith('https://'));
  if (real.length === 0) return;
  const apiKeys = e.BAYAR_API_KEYS.size > 0 ? e.BAYAR_API_KEYS : pairsOf(dev.apiKeys);
  const secrets = new Map([...apiKeys.keys()].map((m) => [m, e.BAYAR_MERCHANT_WEBHOOK_SECRETS.get(m) ?? dev.merchantWebhookSecret]));
  const problems: string[] = [];
  if ([...apiKeys].some(([m, k]) => `${m}:${k}` === dev.apiKeys)) problems.push('BAYAR_API_KEYS uses the development key');
  if ([...secrets.values()].includes(dev.merchantWebhookSecret)) problems.push('BAYAR_MERCHANT_WEBHOOK_SECRETS: some merchant has no secret of its own');
  if ((e.BAYAR_DATA_KEY ?? dev.dataKey) === dev.dataKey) problems.push('BAYAR_DATA_KEY is the development key');
  for (const d of real) problems.push(...(d.realProviderProblems?.(e as never, dev[d.name] as never) ?? []));
  if (problems.length > 0) {
    throw new ConfigError(`bayar: invalid configuration\n  - ${real.map((d) => d.variables.baseUrl).join(', ')} point at a real provider, but:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

function pairsOf(text: string): Map<string, string> {
  return new Map(text.split(',').map((p) => [p.slice(0, p.indexOf(':')), p.slice(p.indexOf(':') + 1)] as [string, string]));
}

/** BAYAR_ROUTING="QRIS=xendit|midtrans;VA_BCA=doku|xendit": ordered providers per method. */
function parseRouting(text: string | undefined): Map<PaymentMethod, ProviderName[]> {
  const routing = new Map<PaymentMethod, ProviderName[]>();
  if (!text) return routing;
  for (const rule of text
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean)) {
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
