import { Module } from '@nestjs/common';
import { HealthModule } from '../health/health.module.js';
import { WebhooksController } from './webhooks.controller.js';
import { InMemorySignalledNotifications, SIGNALLED_NOTIFICATIONS } from './signalled-notifications.js';

@Module({
  imports: [HealthModule],
  controllers: [WebhooksController],
  providers: [{ provide: SIGNALLED_NOTIFICATIONS, useFactory: () => new InMemorySignalledNotifications() }],
})
export class WebhooksModule {}
