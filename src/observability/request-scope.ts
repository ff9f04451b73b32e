// Per API request: a request id (the caller's X-Request-Id when it is a plain token, else a new
// one), echoed in the response, and a log scope so every line written while the request is
// handled carries it and the payment id. One access line per request at info level.
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { PAYMENT_ID, withLogScope, type JsonLog } from './log.js';

const CALLER_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export function requestScope(log: JsonLog) {
  const accessLines = log.enabled('info');
  return (req: Request, res: Response, next: NextFunction) => {
    const offered = req.headers['x-request-id'];
    const requestId = typeof offered === 'string' && CALLER_ID.test(offered) ? offered : randomUUID();
    res.setHeader('x-request-id', requestId);
    const paymentId = PAYMENT_ID.exec(req.path)?.[0];
    // The access line is at info level (the default); at warn or error (the test stacks and the
    // bench) no listener, clock reading or line object is made per request for it.
    if (!accessLines) return withLogScope({ requestId, ...(paymentId ? { paymentId } : {}) }, next);
    const start = process.hrtime.bigint();
    withLogScope({ requestId, ...(paymentId ? { paymentId } : {}) }, () => {
      res.once('finish', () => {
        // A created payment's id is only known from the answer's Location header.
        // The listener runs outside the request's scope, so the ids are passed explicitly.
        const created = PAYMENT_ID.exec(String(res.getHeader('location') ?? ''))?.[0];
        const route = req.path.startsWith('/webhooks/') ? '/webhooks/:provider' : req.path.replace(/(pay|po)_[0-9a-f]{24}/, ':id');
        log.log('info', `${req.method} ${route} ${res.statusCode}`, {
          requestId,
          ...((paymentId ?? created) ? { paymentId: paymentId ?? created } : {}),
          http: { method: req.method, route, status: res.statusCode, ms: Number(process.hrtime.bigint() - start) / 1e6 },
        });
      });
      next();
    });
  };
}
