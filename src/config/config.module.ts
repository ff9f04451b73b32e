import { Global, Module, type FactoryProvider } from '@nestjs/common';
import { loadConfig, type AppConfig } from './config.js';

export const APP_CONFIG = Symbol('APP_CONFIG');

/** The validated configuration, loaded once at boot and injected everywhere else. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig = loadConfig()) {
    return { module: ConfigModule, providers: [{ provide: APP_CONFIG, useValue: config }], exports: [APP_CONFIG] };
  }
}

/** A provider built from the configuration alone (a pool, a connection): a factory injected with APP_CONFIG. */
export function fromConfig<T>(provide: symbol, build: (config: AppConfig) => T): FactoryProvider<T> {
  return { provide, inject: [APP_CONFIG], useFactory: build };
}
