// The API's connection pool, injected as DB_POOL. Null when no database is configured (an
// in-process API in unit tests): the repositories then answer 503 instead of guessing a server.
import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, fromConfig } from '../config/config.module.js';
import type { AppConfig } from '../config/config.js';
import { createPool, type Pool } from './pool.js';
import { VerifiedKeys } from './verified-keys.js';

export const DB_POOL = Symbol('DB_POOL');
/** The API keys verified by this process (src/db/verified-keys.ts); null without a database. */
export const VERIFIED_KEYS = Symbol('VERIFIED_KEYS');

@Global()
@Module({
  providers: [
    // pg pools connect lazily: the API boots while the database is down and answers 503.
    fromConfig(DB_POOL, (config): Pool | null => (config.database.url ? createPool(config.database.url, { name: 'bayar-api', max: 20 }) : null)),
    {
      provide: VERIFIED_KEYS,
      inject: [APP_CONFIG, DB_POOL],
      useFactory: (config: AppConfig, pool: Pool | null): VerifiedKeys | null => {
        if (!pool || !config.database.url) return null;
        const logger = new Logger('auth');
        const keys = new VerifiedKeys(pool, config.database.url, (message) => logger.warn(message));
        keys.start();
        return keys;
      },
    },
  ],
  exports: [DB_POOL, VERIFIED_KEYS],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(
    @Inject(DB_POOL) private readonly pool: Pool | null,
    @Inject(VERIFIED_KEYS) private readonly keys: VerifiedKeys | null,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.keys?.close();
    await this.pool?.end();
  }
}
