/** DI token for the configured provider adapters (Map<ProviderName, PaymentProvider>). */
export const PROVIDERS = Symbol('PROVIDERS');

/** DI token for the API process's circuit breakers (CircuitBreakers, src/providers/circuit.ts). */
export const CIRCUITS = Symbol('CIRCUITS');
