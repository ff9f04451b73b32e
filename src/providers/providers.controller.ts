// GET /v1/providers: what each configured provider can do, and how methods are routed. Merchants
// read it to know which methods, amounts, expiries and refunds they can ask for before asking.
import { Controller, Get, Inject, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiProblems, AUTHENTICATED } from '../common/openapi.js';
import { ApiKeyGuard, RequireScope } from '../common/auth.guard.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.js';
import { PAYMENT_METHODS, type ProviderName } from '../domain/payment.js';
import { canPayOut } from './payout.js';
import { refundSupportFor, type PaymentProvider } from './provider.js';
import { CIRCUITS, PROVIDERS } from './providers.tokens.js';
import type { CircuitBreakers } from './circuit.js';
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
    @Inject(CIRCUITS) private readonly circuits: CircuitBreakers,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Configured providers, their capabilities, the provider order per method, and each provider/method circuit (health-aware routing)' })
  @ApiResponse({ status: 200, description: 'Providers, routing and circuits' })
  @ApiProblems(...AUTHENTICATED)
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
    const routing = Object.fromEntries(PAYMENT_METHODS.map((m) => [m, routeFor(m, this.providers, this.config.routing)] as const).filter(([, route]) => route.length > 0));
    // Health-aware routing: each provider/method's circuit as this API process sees it. New payments
    // without a named provider skip an open one while another provider on the route can take them.
    const seen = this.circuits.views();
    const circuits = [...this.providers.values()].flatMap((p) =>
      p.capabilities.methods.map((method) => seen.find((c) => c.provider === p.name && c.method === method) ?? { provider: p.name, method, state: 'closed', consecutiveFailures: 0 }),
    );
    return { providers, routing, circuits };
  }
}
