import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule } from './config/config.module.js';
import { DatabaseModule } from './db/database.module.js';
import type { AppConfig } from './config/config.js';
import { CheckoutModule } from './checkout/checkout.module.js';
import { EventsModule } from './events/events.module.js';
import { HealthModule } from './health/health.module.js';
import { PaymentsModule } from './payments/payments.module.js';
import { PayoutsModule } from './payouts/payouts.module.js';
import { ProvidersModule } from './providers/providers.module.js';
import { StatementsModule } from './statements/statements.module.js';
import { TemporalModule } from './temporal/temporal.module.js';
import { WebhooksModule } from './webhooks/webhooks.module.js';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule,
        TemporalModule,
        ProvidersModule,
        HealthModule,
        PaymentsModule,
        PayoutsModule,
        WebhooksModule,
        EventsModule,
        StatementsModule,
        CheckoutModule,
      ],
    };
  }
}
