import { Module } from '@nestjs/common';
import { PaymentsModule } from '../payments/payments.module.js';
import { CheckoutPageController, CheckoutsController } from './checkout.controller.js';
import { CheckoutService } from './checkout.service.js';

@Module({ imports: [PaymentsModule], controllers: [CheckoutsController, CheckoutPageController], providers: [CheckoutService] })
export class CheckoutModule {}
