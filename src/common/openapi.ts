// The API contract's error answers, documented once: every refusal bayar gives is one
// problem+json shape (problem.ts), and each operation lists the statuses and codes it can answer
// with, one example per code. Client generators and partners read these from /docs/openapi.json;
// schemathesis checks the running API against them (scripts/schemathesis.ts, docs/api.md).
import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { TITLES } from './problem.js';

/** The problem+json body (RFC 9457) every refusal has, as ProblemFilter writes it. */
export const PROBLEM_SCHEMA = {
  type: 'object',
  required: ['type', 'title', 'status', 'code', 'detail'],
  properties: {
    type: { type: 'string', description: 'https://bayar.dev/problems/<code, lower case, dashes>, or about:blank' },
    title: { type: 'string', description: 'The HTTP status text' },
    status: { type: 'integer', description: 'The HTTP status, repeated' },
    code: { type: 'string', description: 'Stable, machine-readable: branch on this, not on detail' },
    detail: { type: 'string', description: 'What was wrong, for a person' },
    instance: { type: 'string', description: 'The request path' },
    errors: {
      type: 'array',
      description: 'VALIDATION_FAILED: each field that failed (at most 20)',
      items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } },
    },
    allowedReasons: { type: 'array', items: { type: 'string' }, description: 'INVALID_REFUND_REASON: the reasons this provider accepts' },
  },
  additionalProperties: true,
} as const;

export interface ProblemAnswer {
  status: number;
  codes: readonly string[];
  /** When it happens, for the reader. */
  when: string;
}

function example(status: number, code: string, when: string) {
  return { type: `https://bayar.dev/problems/${code.toLowerCase().replace(/_/g, '-')}`, title: TITLES[status] ?? 'Error', status, code, detail: when };
}

/** Documents an operation's problem+json answers: one response per status, an example per code. */
export function ApiProblems(...answers: ProblemAnswer[]): MethodDecorator & ClassDecorator {
  // Several answers may share a status (e.g. 404 for two reasons): one response per status.
  const byStatus = new Map<number, ProblemAnswer[]>();
  for (const a of answers) byStatus.set(a.status, [...(byStatus.get(a.status) ?? []), a]);
  return applyDecorators(
    ...[...byStatus].map(([status, list]) =>
      ApiResponse({
        status,
        description: list.map((a) => `${a.when} (${a.codes.join(', ')})`).join('; '),
        content: {
          'application/problem+json': {
            schema: PROBLEM_SCHEMA as never,
            examples: Object.fromEntries(list.flatMap((a) => a.codes.map((code) => [code, { value: example(status, code, a.when) }]))),
          },
        },
      }),
    ),
  );
}

/** The answers every operation behind an API key can give. */
export const AUTHENTICATED: readonly ProblemAnswer[] = [
  { status: 401, codes: ['UNAUTHENTICATED'], when: 'no Authorization: Bearer <key>, or a key that is unknown, revoked or expired' },
  { status: 403, codes: ['INSUFFICIENT_SCOPE', 'MERCHANT_SUSPENDED'], when: 'the key lacks the scope of this operation, or its merchant is suspended' },
  { status: 503, codes: ['DATABASE_UNAVAILABLE'], when: 'the key cannot be checked right now; retry' },
];

/** A request that does not match the documented schema (path, query, headers or body). */
export const INVALID: ProblemAnswer = { status: 400, codes: ['VALIDATION_FAILED'], when: 'the request does not match the schema' };
/** A JSON body the server could not read at all. */
export const UNREADABLE_BODY: readonly ProblemAnswer[] = [
  { status: 400, codes: ['ENTITY_PARSE_FAILED'], when: 'the body is not JSON' },
  { status: 413, codes: ['ENTITY_TOO_LARGE'], when: 'the body is over 64 KiB' },
  { status: 415, codes: ['CHARSET_UNSUPPORTED', 'ENCODING_UNSUPPORTED'], when: 'the body is not UTF-8 or its encoding is unknown' },
];
// A 503 on a method replaces the class's (AUTHENTICATED): each lists every code its operation can answer.
export const TEMPORAL_DOWN: ProblemAnswer = {
  status: 503,
  codes: ['TEMPORAL_UNAVAILABLE', 'DATABASE_UNAVAILABLE'],
  when: 'Temporal cannot confirm it, or the database (the key check, the record) is not reachable, right now; retry the same request',
};
/** A create (payment or checkout): what it answers when it refuses, besides authentication. */
export function createRefusals(unfit: string): ProblemAnswer[] {
  return [
    INVALID,
    ...UNREADABLE_BODY,
    { status: 409, codes: ['IDEMPOTENCY_CONFLICT'], when: 'this merchantReference or Idempotency-Key was used for a different request' },
    { status: 422, codes: ['AMOUNT_OUT_OF_RANGE', 'METHOD_NOT_SUPPORTED', 'EXPIRY_OUT_OF_RANGE', 'CALLBACK_URL_REFUSED', 'PROVIDER_RULE'], when: unfit },
    TEMPORAL_DOWN,
  ];
}

/** A create's status: 201 new, 200 the same request again, 202 accepted before the workflow answered. */
export function createdStatus(outcome: { answered: boolean; created: boolean }): 200 | 201 | 202 {
  return !outcome.answered ? 202 : outcome.created ? 201 : 200;
}
export const RECORD_DOWN: ProblemAnswer = { status: 503, codes: ['DATABASE_UNAVAILABLE'], when: 'the system of record (or the key check) is not reachable; retry' };

/**
 * A method no route has on a documented path answers 405 with the methods it does have (RFC 9110
 * §15.5.6), not 404: the path exists. Undocumented paths (and /webhooks) go on to the router.
 */
export function methodNotAllowed(paths: Record<string, Record<string, unknown>>) {
  const routes = Object.entries(paths).map(([path, ops]) => {
    const methods = Object.keys(ops).map((m) => m.toUpperCase());
    if (methods.includes('GET')) methods.push('HEAD');
    // Documented paths are letters, digits, '/', '-' and {params}: nothing to escape but '.'.
    const source = path.replace(/\./g, '\\.').replace(/\{[^}]+\}/g, '[^/]+');
    const pattern = new RegExp(`^${source}/?$`);
    return { pattern, methods };
  });
  return (req: Request, res: Response, next: NextFunction) => {
    const route = routes.find((r) => r.pattern.test(req.path));
    if (!route || route.methods.includes(req.method)) return next();
    res
      .status(405)
      .setHeader('Allow', route.methods.join(', '))
      .type('application/problem+json')
      .send(JSON.stringify({ ...example(405, 'METHOD_NOT_ALLOWED', `${req.method} is not allowed here; allowed: ${route.methods.join(', ')}`), instance: req.path }));
  };
}
