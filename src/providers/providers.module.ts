import { Global, Module } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.js';
import { buildProviders } from './registry.js';

export const PROVIDERS = Symbol('PROVIDERS');

/** The configured provider adapters, by name. The API uses them for capabilities and webhooks. */
@Global()
@Module({
  providers: [{ provide: PROVIDERS, inject: [APP_CONFIG], useFactory: (config: AppConfig) => buildProviders(config) }],
  exports: [PROVIDERS],
})
export class ProvidersModule {}
