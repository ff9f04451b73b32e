// Builds the NestJS HTTP application; main.ts listens, tests reuse it.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import { SwaggerModule, DocumentBuilder } from '@nestjs/swagger';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { AppModule } from './app.module.js';
import type { AppConfig } from './config/config.js';
import { ProblemException, ProblemFilter } from './common/problem.js';
import { StrictSchemaValidationPipe } from './common/strict-validation.pipe.js';
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
  if (tracingActive()) app.use(requestSpans());
  app.use(requestScope(log));
  app.use(latency(metrics));
  // Webhook signatures cover the exact bytes sent, so those routes get the raw body.
  app.use('/webhooks', express.raw({ type: () => true, limit: '256kb' }));
  app.use(express.json({ limit: '64kb', strict: true }));
  app.useGlobalFilters(new ProblemFilter());
  app.useGlobalPipes(
    // Nest's StandardSchemaValidationPipe, except that __proto__ & co. are refused, not dropped.
    new StrictSchemaValidationPipe({
      exceptionFactory: (issues) =>
        new ProblemException(400, 'VALIDATION_FAILED', issues.map((i) => `${(i.path ?? []).map((p) => (typeof p === 'object' ? p.key : p)).join('.') || 'body'}: ${i.message}`).join('; ').slice(0, 2000), {
          errors: issues.slice(0, 20).map((i) => ({ path: (i.path ?? []).map((p) => (typeof p === 'object' ? p.key : p)).join('.'), message: i.message })),
        }),
    }),
  );
  const doc = SwaggerModule.createDocument(
    app,
    new DocumentBuilder().setTitle('bayar').setDescription('Payment orchestration for Indonesian payment providers').setVersion('0.1').addBearerAuth().build(),
  );
  SwaggerModule.setup('docs', app, doc, { jsonDocumentUrl: 'docs/openapi.json' });
  app.enableShutdownHooks();
  return app;
}

/** Records request duration and exposes it as `x-bayar-latency` (ms). */
function latency(metrics: Metrics) {
  return (req: Request, res: Response, next: NextFunction) => {
    const start = process.hrtime.bigint();
    const writeHead = res.writeHead;
    res.writeHead = function (this: Response, ...args: Parameters<Response['writeHead']>) {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (!res.headersSent) res.setHeader('x-bayar-latency', ms.toFixed(2));
      const route = req.path.startsWith('/webhooks/') ? '/webhooks/:provider' : req.path.replace(/pay_[0-9a-f]{24}/, ':id');
      metrics.httpDuration.observe({ method: req.method, route, status: String(args[0]) }, ms / 1000);
      return writeHead.apply(this, args) as Response;
    } as Response['writeHead'];
    next();
  };
}
