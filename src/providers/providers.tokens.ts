/** DI token for the configured provider adapters (Map<ProviderName, PaymentProvider>). */
export const PROVIDERS = Symbol('PROVIDERS');
