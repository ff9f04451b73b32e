// GET /v1/providers: what each configured provider can do, and how methods are routed. Merchants
// read it to know which methods, amounts, expiries and refunds they can ask for before asking.
import { Controller, Get, Inject, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeyGuard, RequireScope } from '../common/auth.guard.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.js';
import { PAYMENT_METHODS, type ProviderName } from '../domain/payment.js';
import { canPayOut } from './payout.js';
import { refundSupportFor, type PaymentProvider } from './provider.js';
import { PROVIDERS } from './providers.tokens.js';
import { routeFor } from './registry.js';

@ApiTags('providers')
@ApiBearerAuth()
@UseGuards(ApiKeyGuard)
@RequireScope('payments:read')
@Controller('v1/providers')
export class ProvidersController {
  constructor(
    @Inject(PROVIDERS) private readonly providers: Map<ProviderName, PaymentProvider>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Configured providers, their capabilities, and the provider order per method' })
  list() {
    const providers = [...this.providers.values()].map((p) => {
      const caps = p.capabilities;
      return {
        name: p.name,
        methods: caps.methods.map((method) => ({ method, refund: refundSupportFor(caps, method) })),
        cancel: caps.cancel,
        amount: caps.amount,
        expirySeconds: caps.expirySeconds,
        ...(caps.refundReasons ? { refundReasons: caps.refundReasons } : {}),
        payouts: canPayOut(p) ? p.payoutCapabilities : null,
      };
    });
    // The order a create without `provider` tries them in; later entries are failovers.
    const routing = Object.fromEntries(
      PAYMENT_METHODS.map((m) => [m, routeFor(m, this.providers, this.config.routing)] as const).filter(([, route]) => route.length > 0),
    );
    return { providers, routing };
  }
}
