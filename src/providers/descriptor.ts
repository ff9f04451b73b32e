// What one provider is, in one value: its name and capabilities, the environment variables it
// reads (a zod shape), how those become its settings in production and in development mode, how
// its adapter is built, and where its sandbox lives. src/providers/index.ts lists them all;
// configuration, the registry, routing, the sandbox process and `npm start` loop over that list.
import type { z } from 'zod';
import type { PaymentMethod } from '../domain/payment.js';
import type { PaymentProvider, ProviderCapabilities } from './provider.js';
import type { SandboxProvider } from '../sandbox/kit.js';

export interface ProviderEndpoint {
  baseUrl: string;
  /** True when pointed at bayar's own local sandbox (development mode only). */
  sandbox: boolean;
}

/** Development mode only: where the provider's local sandbox listens and the published values it accepts. */
export interface DevelopmentContext<Dev> {
  defaults: Dev;
  /**
   * Where the provider is: its local sandbox (plus `sandboxPath`) unless its base URL is set. A
   * real (https, not loopback) URL is not a sandbox; routing never fails over from it to one.
   */
  endpoint(baseUrl: string | undefined, sandboxPath?: string): ProviderEndpoint;
}

export interface BuildContext {
  timeoutMs: number;
  /** bayar's public address (BAYAR_PUBLIC_URL): providers that take a notification URL per call get one under it. */
  publicUrl: string;
}

/**
 * How the shared conformance suite (test/unit/provider-conformance.test.ts) exercises a provider
 * against its sandbox: the provider's own answers to the questions the suite cannot work out from
 * its capabilities, so a new provider needs no line in the test.
 */
export interface ConformanceProfile {
  /** The method every scenario uses: a refundable one where the provider has any. */
  method: PaymentMethod;
  /** Where cancelling is method by method (not every method of `method`'s kind can be voided): one that can. Default `method`. */
  cancelMethod?: PaymentMethod;
  /** The status answer names the charge by another id than the create answer did (the workflow learns both from trusted answers). */
  referenceChangesAfterCreate?: boolean;
  /** Why the provider's own expiry cannot be as short as the suite's test deadline (1.5 s); the expiry scenario is skipped with this reason. */
  noShortExpiry?: string;
}

/** The development half of a provider, in its folder's sandbox/ (src/providers/<name>/sandbox/index.ts; not in the production image). */
export interface SandboxDescriptor<Settings, Dev> {
  /** The published development values: the sandbox accepts exactly these. */
  defaults: Dev;
  /** The sandbox, for the settings development mode resolved (the sandbox checks what the adapter signs with). */
  create(settings: Settings): Promise<SandboxProvider>;
  /** What the conformance suite exercises this provider with. */
  conformance: ConformanceProfile;
}

export interface ProviderDescriptor<Name extends string = string, Shape extends z.ZodRawShape = z.ZodRawShape, Settings extends ProviderEndpoint = ProviderEndpoint, Dev = unknown> {
  name: Name;
  capabilities: ProviderCapabilities;
  /** The provider's own environment variables (names are part of the public interface: never rename). */
  env: Shape;
  /**
   * What makes the provider configured in production: setting any `required` or `optional`
   * variable makes it live, and then every `required` one must be set. Optional ones count as
   * set, so a lone return URL is reported as a half-configured provider instead of ignored.
   */
  variables: { required: readonly (keyof Shape & string)[]; optional: readonly string[]; baseUrl: keyof Shape & string };
  /** Variables that must never hold a published development value in production (compared by fingerprint). */
  secretVariables: readonly (keyof Shape & string)[];
  /** RSA key variables (PEM): refused in production when either half of a development key pair. */
  rsaKeyVariables?: readonly (keyof Shape & string)[];
  /**
   * Fingerprints (src/config/published.ts) of this provider's published development values, so
   * production refuses them without shipping them. test/unit/descriptors.test.ts recomputes them.
   */
  publishedFingerprints: readonly string[];
  /**
   * Settings from the parsed environment. Production (no `development`): every required variable
   * is set (checked before). Development: whatever is unset falls back to the sandbox and its keys.
   */
  settings(e: z.infer<z.ZodObject<Shape>>, development?: DevelopmentContext<Dev>): Settings | undefined;
  /** Production: reasons beyond the variables' own schemas not to boot (each names variables, never values). */
  productionProblems?(e: z.infer<z.ZodObject<Shape>>): string[];
  /**
   * Development mode with this provider pointed at a real (https) API: reasons to refuse, as the
   * published development values must never meet a real provider.
   */
  realProviderProblems?(e: z.infer<z.ZodObject<Shape>>, defaults: Dev): string[];
  /**
   * The adapter. Write the arrow's return type (`(settings, context): PaymentProvider => new …`):
   * ProviderName is derived from the descriptors, so TypeScript must not compare the adapter class
   * with PaymentProvider while it is still working out the descriptor's type (a circular-type
   * error otherwise); with the annotation it checks the body afterwards, as strictly.
   */
  build(settings: Settings, context: BuildContext): PaymentProvider;
  sandbox: {
    /** The sandbox listens on BAYAR_SANDBOX_PORT_BASE + this offset (4101, 4102, … by default). */
    portOffset: number;
    /**
     * The development half, loaded only in development: `import('./sandbox/index.js')`, the
     * provider folder's own sandbox/ (the production image leaves every sandbox/ folder out).
     */
    load(): Promise<SandboxDescriptor<Settings, Dev>>;
  };
}

/**
 * Typed identity: keeps each descriptor's own name, variable and settings types. The name is any
 * string literal here (ProviderName is derived from the list of descriptors, so it cannot
 * constrain them without a circular type); test/unit/descriptors.test.ts checks it is the folder's.
 */
export function defineProvider<Name extends string, Shape extends z.ZodRawShape, Settings extends ProviderEndpoint, Dev>(
  descriptor: ProviderDescriptor<Name, Shape, Settings, Dev>,
): ProviderDescriptor<Name, Shape, Settings, Dev> {
  return descriptor;
}

export type SettingsOf<D extends { settings(...args: never[]): unknown }> = Exclude<ReturnType<D['settings']>, undefined>;
export type DevOf<D extends { sandbox: { load(): Promise<{ defaults: unknown }> } }> = Awaited<ReturnType<D['sandbox']['load']>>['defaults'];
