// The API's connection pool, injected as DB_POOL. Null when no database is configured (an
// in-process API in unit tests): the repositories then answer 503 instead of guessing a server.
import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.js';
import { createPool, type Pool } from './pool.js';

export const DB_POOL = Symbol('DB_POOL');

@Global()
@Module({
  providers: [
    {
      provide: DB_POOL,
      inject: [APP_CONFIG],
      // pg pools connect lazily: the API boots while the database is down and answers 503.
      useFactory: (config: AppConfig): Pool | null => (config.database.url ? createPool(config.database.url, { name: 'bayar-api', max: 20 }) : null),
    },
  ],
  exports: [DB_POOL],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(DB_POOL) private readonly pool: Pool | null) {}

  async onApplicationShutdown(): Promise<void> {
    await this.pool?.end();
  }
}
