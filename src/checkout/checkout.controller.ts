// POST /v1/checkouts (merchant API key, as payments) and the page at /checkout/:token
// (authorised by the token alone: never a merchant key, never a cookie).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Body, Controller, Get, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { createRefusals } from '../common/openapi.js';
import type { Request, Response } from 'express';
import QRCode from 'qrcode';
import { z } from 'zod';
import { MerchantId } from '../common/auth.guard.js';
import { answerCreate, IdempotencyKey, IdempotentCreate, MerchantController, type CreateDoc } from '../common/merchant-api.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.js';
import { ProblemException } from '../common/problem.js';
import type { PaymentMethod } from '../domain/payment.js';

import { CheckoutService, type CheckoutPage } from './checkout.service.js';
import { chooseMethodSchema, createCheckoutSchema, type CreateCheckoutBody } from './checkout.schemas.js';
import { readyToPay, renderInvalid, renderPage, screenOf } from './page.js';
import { TEXT } from './i18n.js';

/** POST /v1/checkouts as the OpenAPI document tells it. */
const CREATE_CHECKOUT: CreateDoc = {
  summary: "Create a hosted checkout: one payment, the customer picks the method on bayar's page (docs/checkout.md)",
  created: 'Created: { id (the payment), url (the page, for the customer), expiresAt }; the payment is CREATED awaiting the method',
  again: 'The same request again: the same answer',
  accepted: 'Accepted, but no worker has started it yet: the url works once it has',
  refusals: createRefusals("no allowed method can be offered: the first allowed method's reason"),
};

@MerchantController('checkouts', 'v1/checkouts', 'payments:write')
export class CheckoutsController {
  constructor(private readonly checkouts: CheckoutService) {}

  @IdempotentCreate(CREATE_CHECKOUT)
  async create(
    @MerchantId() merchantId: string,
    @Body({ schema: createCheckoutSchema }) body: CreateCheckoutBody,
    @IdempotencyKey() key: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { outcome, answer } = await this.checkouts.create(merchantId, body, body, key);
    // As payments: 201 new, 200 the same request again, 202 started but no worker has run it yet.
    answerCreate(res, outcome, `/v1/payments/${answer.id}`);
    return answer;
  }
}

/** The page's own files, read once (dist/src/checkout/ or src/checkout/ → src/checkout/assets/). */
const ASSETS_DIR = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../../src/checkout/assets/' : './assets/', import.meta.url));
const ASSETS: Record<string, { type: string; body: Buffer }> = {
  'checkout.js': { type: 'text/javascript; charset=utf-8', body: readFileSync(ASSETS_DIR + 'checkout.js') },
  'checkout.css': { type: 'text/css; charset=utf-8', body: readFileSync(ASSETS_DIR + 'checkout.css') },
};

/**
 * Only same-origin script and style, no inline anything, images from here (the QR) only, the
 * status fetch to here only, forms post only here, no framing (clickjacking), no <base>.
 */
const PAGE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const langSchema = z.enum(['id', 'en']).catch('id');

@ApiExcludeController()
@Controller('checkout')
export class CheckoutPageController {
  private readonly publicOrigin: string;

  constructor(
    private readonly checkouts: CheckoutService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.publicOrigin = new URL(config.publicUrl).origin;
  }

  @Get('assets/:file')
  asset(@Param('file') file: string, @Res() res: Response) {
    const asset = Object.hasOwn(ASSETS, file) ? ASSETS[file] : undefined;
    if (!asset) return void res.status(404).type('text/plain').send('not found');
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.type(asset.type).send(asset.body);
  }

  @Get(':token')
  async show(@Param('token') token: string, @Query('lang') lang: unknown, @Res() res: Response) {
    const l = langSchema.parse(lang);
    const page = await this.open(token);
    if (!page) return void html(res, 404, renderInvalid(l));
    // Past the deadline the token only shows that it is over (410), or the receipt if paid.
    html(res, refusedNow(page) ? 410 : 200, renderPage(page, l));
  }

  /** The live status the page polls: the screen to show, nothing else about the payment. */
  @Get(':token/status')
  async status(@Param('token') token: string, @Res() res: Response) {
    const page = await this.open(token);
    if (!page) throw new ProblemException(404, 'CHECKOUT_NOT_FOUND', 'no such checkout');
    res.json({ screen: screenOf(page), ready: readyToPay(page) ? '1' : '0', expiresAt: page.payment.expiresAt });
  }

  /** The QRIS string as a QR image, rendered here (the page loads it from its own origin). */
  @Get(':token/qr.svg')
  async qr(@Param('token') token: string, @Res() res: Response) {
    const page = await this.open(token);
    const qr = page && !refusedNow(page) && screenOf(page) === 'pay' ? page.payment.instructions.qrString : undefined;
    if (!qr) throw new ProblemException(404, 'CHECKOUT_NOT_FOUND', 'no QR code to show');
    const svg = await QRCode.toString(qr, { type: 'svg', errorCorrectionLevel: 'M', margin: 4, width: 264 });
    res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
    res.type('image/svg+xml').send(svg);
  }

  /** The customer's choice (a plain form post; the page reloads on the answer). */
  @Post(':token/method')
  async choose(@Param('token') token: string, @Query('lang') lang: unknown, @Req() req: Request, @Res() res: Response) {
    const l = langSchema.parse(lang);
    const page = await this.open(token);
    if (!page) return void html(res, 404, renderInvalid(l));
    if (refusedNow(page)) return void html(res, 410, renderPage(page, l));
    // Another site may know nothing of the token, but a page that does must be this one: bayar's
    // public address (behind a TLS proxy the request itself says http), or this very host.
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== 'null' && origin !== this.publicOrigin && origin !== `${req.protocol}://${req.headers.host}`) {
      return void html(res, 403, renderPage(page, l, { notice: TEXT[l].refused }));
    }
    const parsed = chooseMethodSchema.safeParse(req.body);
    if (!parsed.success) return void html(res, 400, renderPage(page, l, { notice: TEXT[l].refused }));
    try {
      await this.checkouts.choose(page, parsed.data.method as PaymentMethod);
    } catch (err) {
      if (!(err instanceof ProblemException) || err.status >= 500) throw err;
      const now = await this.open(token);
      return void html(res, err.status, renderPage(now ?? page, l, { notice: `${TEXT[l].refused} (${err.code})` }));
    }
    res.redirect(303, `/checkout/${token}?lang=${l}`);
  }

  private open(token: string): Promise<CheckoutPage | undefined> {
    return this.checkouts.page(token);
  }
}

/** Tokens expire with the payment: past its deadline only a paid checkout still opens (its receipt). */
function refusedNow(page: CheckoutPage): boolean {
  return Date.now() >= page.claims.expiresAt && screenOf(page) !== 'paid';
}

function html(res: Response, status: number, body: string): void {
  res.setHeader('Content-Security-Policy', PAGE_CSP);
  res.status(status).type('text/html; charset=utf-8').send(body);
}
