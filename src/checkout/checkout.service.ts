// Hosted checkout sessions: POST /v1/checkouts starts one payment awaiting the customer's
// choice (the methods offered are those the amount fits at a configured provider, each routed
// now, as a create is); the page (checkout-page.controller.ts) reads it from the system of
// record by its token and sends the choice to the workflow, which creates or changes the charge.
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.js';
import { PAYMENT_METHODS, type PaymentMethod, type PaymentView } from '../domain/payment.js';
import { ProblemException } from '../common/problem.js';
import { DB_POOL } from '../db/database.module.js';
import type { Pool } from '../db/pool.js';
import { fromDatabase } from '../db/cursor.js';
import { findPayment } from '../db/reads.repository.js';
import { PaymentsService, type CheckoutStart, type CreateOutcome } from '../payments/payments.service.js';
import type { CreateCheckoutBody } from './checkout.schemas.js';
import { CheckoutTokens, type CheckoutClaims } from './checkout-token.js';

/** How often a customer may change method after the first choice (each cancels a charge). */
export const MAX_METHOD_CHANGES = 5;

export interface CheckoutAnswer {
  id: string;
  url: string;
  expiresAt: string;
}

/** What the page needs, and nothing more of the payment (no customer data, no timeline). */
export interface CheckoutPage {
  claims: CheckoutClaims;
  token: string;
  merchantName: string;
  payment: Pick<PaymentView, 'id' | 'merchantReference' | 'method' | 'status' | 'instructions' | 'expiresAt' | 'provider'> & {
    amount: number;
    checkout: NonNullable<PaymentView['checkout']>;
  };
  returnUrl?: string;
}

@Injectable()
export class CheckoutService {
  private readonly logger = new Logger('checkout');
  private readonly tokens: CheckoutTokens;

  constructor(
    private readonly payments: PaymentsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(DB_POOL) private readonly pool: Pool | null,
  ) {
    this.tokens = new CheckoutTokens(config.dataKey);
  }

  async create(merchantId: string, body: CreateCheckoutBody, raw: unknown, idempotencyKey?: string): Promise<{ outcome: CreateOutcome; answer: CheckoutAnswer }> {
    const paymentId = this.payments.paymentIdFor(merchantId, idempotencyKey ?? body.payment.merchantReference);
    const now = Date.now();
    const deadline = now + this.expirySeconds(body) * 1000;
    const start = this.offer(body, paymentId, now, deadline);
    const first = start.methods[0]!;
    // The payment's expiry is the checkout's: the provisional route is planned with it.
    const payment = { ...body.payment, method: first, expiresInSeconds: Math.round((deadline - now) / 1000), expiresInMinutes: undefined };
    const outcome = await this.payments.create(merchantId, payment, idempotencyKey, start);
    const view = outcome.payment;
    // (Another request under the same key is a 409 before this: the hashes differ.) A view
    // without its checkout part is only the placeholder of a start no worker has run yet (202).
    if (outcome.answered && !view.checkout) throw new ProblemException(409, 'IDEMPOTENCY_CONFLICT', 'this merchantReference is already used by a payment that is not a checkout');
    return { outcome, answer: this.answer(view) };
  }

  answer(view: PaymentView): CheckoutAnswer {
    const token = this.tokens.seal({ merchantId: view.merchantId, paymentId: view.id, expiresAt: Date.parse(view.expiresAt) });
    return { id: view.id, url: `${this.config.publicUrl.replace(/\/$/, '')}/checkout/${token}`, expiresAt: view.expiresAt };
  }

  /**
   * The page's data for a token, from the system of record. Undefined: not a token bayar issued
   * for a checkout (the page answers 404 alike for a forged, foreign or unknown one).
   */
  async page(token: string): Promise<CheckoutPage | undefined> {
    const claims = this.tokens.open(token);
    if (!claims) return undefined;
    const view = await fromDatabase(this.pool, this.logger, (pool) => findPayment(pool, claims.merchantId, claims.paymentId));
    // The token carries the deadline to the second.
    if (!view?.checkout || Math.floor(Date.parse(view.expiresAt) / 1000) * 1000 !== claims.expiresAt) return undefined;
    return {
      claims,
      token,
      merchantName: await this.merchantName(claims.merchantId),
      payment: {
        id: view.id,
        merchantReference: view.merchantReference,
        method: view.method,
        provider: view.provider,
        status: view.status,
        instructions: view.instructions,
        expiresAt: view.expiresAt,
        amount: view.amounts.expected,
        checkout: view.checkout,
      },
      ...(view.checkout.returnUrl ? { returnUrl: view.checkout.returnUrl } : {}),
    };
  }

  /** The customer's choice: the workflow creates the charge (or cancels the last one first). */
  choose(page: CheckoutPage, method: PaymentMethod): Promise<PaymentView> {
    return this.payments.chooseMethod(page.claims.paymentId, method);
  }

  /** The checkout's lifetime: as the payment body says, else 24 h (the longest QRIS/VA defaults). */
  private expirySeconds(body: CreateCheckoutBody): number {
    return body.payment.expiresInSeconds ?? (body.payment.expiresInMinutes ? body.payment.expiresInMinutes * 60 : 24 * 3600);
  }

  /**
   * The methods to offer and where each is charged: of those allowed, each one some configured
   * provider takes for this amount, expiry and customer (the same rules as POST /v1/payments).
   * None: the 422 of the first allowed method, as a create of it would answer.
   */
  private offer(body: CreateCheckoutBody, paymentId: string, now: number, deadline: number): CheckoutStart {
    const candidates = body.methods ?? [...PAYMENT_METHODS];
    const routes: CheckoutStart['routes'] = {};
    let firstRefusal: unknown;
    for (const method of candidates) {
      try {
        const plan = this.payments.planRoute({ ...body.payment, method }, paymentId, now, deadline);
        routes[method] = { route: this.payments.providerRoute(plan.provider, method), fallbacks: plan.fallbacks.map((p) => this.payments.providerRoute(p, method)) };
      } catch (err) {
        if (!(err instanceof ProblemException)) throw err;
        firstRefusal ??= err;
      }
    }
    const methods = candidates.filter((m) => routes[m]);
    if (methods.length === 0) throw firstRefusal;
    return { methods, routes, maxMethodChanges: MAX_METHOD_CHANGES, requestBody: body };
  }

  private async merchantName(merchantId: string): Promise<string> {
    const row = await fromDatabase(this.pool, this.logger, (pool) => pool.query(`SELECT name FROM merchants WHERE id = $1`, [merchantId]));
    return (row.rows[0] as { name?: string } | undefined)?.name ?? merchantId;
  }
}
