// Thin DI providers around plain Temporal code (as in the official nestjs-exchange-rates
// sample): connection → client. The connection is closed when the app shuts down.
import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Client, Connection } from '@temporalio/client';
import { APP_CONFIG, fromConfig } from '../config/config.module.js';
import type { AppConfig } from '../config/config.js';
import { temporalConnectionOptions } from './connection.js';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import { tracingActive } from '../observability/tracing.js';

export const TEMPORAL_CONNECTION = Symbol('TEMPORAL_CONNECTION');
export const TEMPORAL_CLIENT = Symbol('TEMPORAL_CLIENT');

@Global()
@Module({
  providers: [
    // lazy: the API boots (and answers /health with 503) even while Temporal is down.
    fromConfig(TEMPORAL_CONNECTION, (config) => Connection.lazy(temporalConnectionOptions(config))),
    {
      provide: TEMPORAL_CLIENT,
      inject: [TEMPORAL_CONNECTION, APP_CONFIG],
      useFactory: (connection: Connection, config: AppConfig) =>
        new Client({ connection, namespace: config.temporal.namespace, ...(tracingActive() ? { interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } } : {}) }),
    },
  ],
  exports: [TEMPORAL_CONNECTION, TEMPORAL_CLIENT],
})
export class TemporalModule implements OnApplicationShutdown {
  constructor(@Inject(TEMPORAL_CONNECTION) private readonly connection: Connection) {}

  async onApplicationShutdown(): Promise<void> {
    await this.connection.close();
  }
}
