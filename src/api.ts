// Builds the NestJS HTTP application; main.ts listens, tests reuse it.
import 'reflect-metadata';
import { createServer, type Server } from 'node:http';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import { SwaggerModule, DocumentBuilder } from '@nestjs/swagger';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { AppModule } from './app.module.js';
import type { AppConfig } from './config/config.js';
import { ProblemException, ProblemFilter } from './common/problem.js';
import { StrictSchemaValidationPipe } from './common/strict-validation.pipe.js';
import { methodNotAllowed } from './common/openapi.js';
import { Metrics } from './health/metrics.js';
import { JsonLog } from './observability/log.js';
import { JsonNestLogger } from './observability/nest-logger.js';
import { configuredSecrets } from './observability/secrets.js';
import { requestScope } from './observability/request-scope.js';
import { requestSpans, tracingActive } from './observability/tracing.js';

export async function createApi(config: AppConfig): Promise<INestApplication> {
  const log = new JsonLog('api', config.logLevel).redact(configuredSecrets(config));
  const app = await NestFactory.create(AppModule.forRoot(config), { bodyParser: false, logger: new JsonNestLogger(log) });
  const metrics = app.get(Metrics);
  // Express announces itself by default; nothing about the stack is anyone's business.
  (app.getHttpAdapter().getInstance() as express.Express).disable('x-powered-by');
  // No ETags: every API answer is Cache-Control: no-store (securityHeaders), so no cache keeps a
  // body to revalidate, and Express would hash every body it sends (SHA-1 over a 100-row page).
  (app.getHttpAdapter().getInstance() as express.Express).set('etag', false);
  app.use(securityHeaders(config));
  app.use(adminGate(config));
  if (tracingActive()) app.use(requestSpans());
  app.use(requestScope(log));
  app.use(latency(metrics));
  // Webhook signatures cover the exact bytes sent, so those routes get the raw body.
  app.use('/webhooks', express.raw({ type: () => true, limit: '256kb' }));
  // The checkout page's method choice is a plain form post (works without its script).
  app.use('/checkout', express.urlencoded({ extended: false, limit: '2kb', parameterLimit: 5 }));
  app.use(express.json({ limit: '64kb', strict: true }));
  app.useGlobalFilters(new ProblemFilter());
  app.useGlobalPipes(
    // Nest's StandardSchemaValidationPipe, except that __proto__ & co. are refused, not dropped.
    new StrictSchemaValidationPipe({
      exceptionFactory: (issues) =>
        new ProblemException(
          400,
          'VALIDATION_FAILED',
          issues
            .map((i) => `${(i.path ?? []).map((p) => (typeof p === 'object' ? p.key : p)).join('.') || 'body'}: ${i.message}`)
            .join('; ')
            .slice(0, 2000),
          {
            errors: issues.slice(0, 20).map((i) => ({ path: (i.path ?? []).map((p) => (typeof p === 'object' ? p.key : p)).join('.'), message: i.message })),
          },
        ),
    }),
  );
  const doc = SwaggerModule.createDocument(
    app,
    new DocumentBuilder().setTitle('bayar').setDescription('Payment orchestration for Indonesian payment providers').setVersion('0.1').addBearerAuth().build(),
  );
  SwaggerModule.setup('docs', app, doc, { jsonDocumentUrl: 'docs/openapi.json' });
  // A documented path asked with a method it does not have: 405 with Allow, not 404.
  app.use(methodNotAllowed(doc.paths as Record<string, Record<string, unknown>>));
  app.enableShutdownHooks();
  return app;
}

/**
 * Serves /metrics and /docs on a port of their own (BAYAR_ADMIN_ENDPOINTS=<port>), on the same
 * application; the gate keeps every other route off it. Undefined when there is no admin port.
 */
export async function listenAdmin(app: INestApplication, config: AppConfig): Promise<Server | undefined> {
  const admin = config.adminEndpoints;
  if (admin.mode !== 'port') return undefined;
  const server = createServer(app.getHttpAdapter().getInstance() as express.Express);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(admin.port, admin.host, () => resolve());
  });
  return server;
}

function isAdminPath(path: string): boolean {
  return path === '/metrics' || path === '/docs' || path.startsWith('/docs/') || path.startsWith('/docs-');
}

/**
 * /metrics and /docs: public (development default), closed (production default) or only on the
 * admin port. Closed answers exactly like a route that does not exist.
 */
function adminGate(config: AppConfig) {
  const admin = config.adminEndpoints;
  return (req: Request, res: Response, next: NextFunction) => {
    if (admin.mode === 'public') return next();
    const onAdminPort = admin.mode === 'port' && req.socket.localPort === admin.port;
    if (onAdminPort === isAdminPath(req.path)) return next();
    res
      .status(404)
      .type('application/problem+json')
      .send(JSON.stringify({ type: 'about:blank', title: 'Not Found', status: 404, code: 'NOT_FOUND', detail: 'no such route' }));
  };
}

/**
 * Headers for a JSON API (the ones helmet would set, minus what only matters to HTML pages):
 * no sniffing, no framing, no referrer, no caching of answers that carry payment data, and HSTS
 * in production. The OpenAPI page gets a CSP that lets Swagger UI's own files run.
 */
function securityHeaders(config: AppConfig) {
  const apiCsp = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
  const docsCsp = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'none'";
  return (req: Request, res: Response, next: NextFunction) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('X-Permitted-Cross-Domain-Policies', 'none');
    res.setHeader('Content-Security-Policy', req.path.startsWith('/docs') ? docsCsp : apiCsp);
    if (!req.path.startsWith('/docs')) res.setHeader('Cache-Control', 'no-store');
    if (!config.development) res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    next();
  };
}

/**
 * The `route` label of a request: the pattern of the route that matched it ('/v1/payments/:id'),
 * never the path, so ids and unknown paths cannot create series (security audit: a few random
 * paths added dozens of series). Anything no route matched shares one label.
 */
function routeLabel(req: Request): string {
  const pattern = (req as Request & { route?: { path?: unknown } }).route?.path;
  return typeof pattern === 'string' ? `${req.baseUrl ?? ''}${pattern}` : 'unmatched';
}

/** The HTTP methods a label may name; anything else is 'OTHER'. */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Records request duration and exposes it as `x-bayar-latency` (ms). */
function latency(metrics: Metrics) {
  return (req: Request, res: Response, next: NextFunction) => {
    const start = process.hrtime.bigint();
    const writeHead = res.writeHead;
    res.writeHead = function (this: Response, ...args: Parameters<Response['writeHead']>) {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (!res.headersSent) res.setHeader('x-bayar-latency', ms.toFixed(2));
      const status = Number(args[0]);
      metrics.httpDuration.observe({ method: METHODS.has(req.method) ? req.method : 'OTHER', route: routeLabel(req), status: status >= 100 && status < 600 ? String(status) : 'other' }, ms / 1000);
      return writeHead.apply(this, args) as Response;
    } as Response['writeHead'];
    next();
  };
}
