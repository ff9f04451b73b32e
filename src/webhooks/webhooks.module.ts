import { Module } from '@nestjs/common';
import { HealthModule } from '../health/health.module.js';
import { WebhooksController } from './webhooks.controller.js';

@Module({ imports: [HealthModule], controllers: [WebhooksController] })
export class WebhooksModule {}
