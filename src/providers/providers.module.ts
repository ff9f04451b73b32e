import { Global, Module } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.js';
import { ProvidersController } from './providers.controller.js';
import { CIRCUITS, PROVIDERS } from './providers.tokens.js';
import { CircuitBreakers } from './circuit.js';
import { buildProviders } from './registry.js';

export { CIRCUITS, PROVIDERS };

/** The configured provider adapters, by name. The API uses them for capabilities and webhooks. */
@Global()
@Module({
  controllers: [ProvidersController],
  providers: [
    { provide: PROVIDERS, inject: [APP_CONFIG], useFactory: (config: AppConfig) => buildProviders(config) },
    { provide: CIRCUITS, inject: [APP_CONFIG], useFactory: (config: AppConfig) => new CircuitBreakers(config.circuit) },
  ],
  exports: [PROVIDERS, CIRCUITS],
})
export class ProvidersModule {}
