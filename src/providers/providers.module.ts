import { Global, Module } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.js';
import { ProvidersController } from './providers.controller.js';
import { PROVIDERS } from './providers.tokens.js';
import { buildProviders } from './registry.js';

export { PROVIDERS };

/** The configured provider adapters, by name. The API uses them for capabilities and webhooks. */
@Global()
@Module({
  controllers: [ProvidersController],
  providers: [{ provide: PROVIDERS, inject: [APP_CONFIG], useFactory: (config: AppConfig) => buildProviders(config) }],
  exports: [PROVIDERS],
})
export class ProvidersModule {}
