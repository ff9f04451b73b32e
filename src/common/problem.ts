// Every error bayar answers is application/problem+json (RFC 9457) with a machine-readable
// `code`. Internal details never leak: unexpected errors become a generic 500.
import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';

export class ProblemException extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail);
  }
}

/** The problem's `title`: the HTTP status's own name (RFC 9457 §3.1.3). */
export const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const req = host.switchToHttp().getRequest<{ url: string }>();
    const problem = toProblem(exception);
    if (problem.status >= 500) this.logger.error(`${req.url}: ${exception instanceof Error ? exception.name + ': ' + exception.message : String(exception)}`);
    res
      .status(problem.status)
      .type('application/problem+json')
      .send(
        JSON.stringify({
          type: `https://bayar.dev/problems/${problem.code.toLowerCase().replace(/_/g, '-')}`,
          title: TITLES[problem.status] ?? 'Error',
          status: problem.status,
          code: problem.code,
          detail: problem.detail,
          instance: req.url.split('?')[0],
          ...problem.extra,
        }),
      );
  }
}

function toProblem(exception: unknown): { status: number; code: string; detail: string; extra?: Record<string, unknown> } {
  if (exception instanceof ProblemException) return exception;
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const body = exception.getResponse() as { message?: string | string[] } | string;
    const message = typeof body === 'string' ? body : Array.isArray(body.message) ? body.message.join('; ') : (body.message ?? exception.message);
    // Body-parser errors arrive as HttpExceptions with these statuses.
    const code = status === 404 ? 'NOT_FOUND' : status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 400 ? 'BAD_REQUEST' : `HTTP_${status}`;
    return { status, code, detail: message };
  }
  const status = (exception as { status?: number; statusCode?: number })?.status ?? (exception as { statusCode?: number })?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // express/body-parser errors (malformed JSON, wrong charset, too large).
    const type = (exception as { type?: string }).type ?? 'bad_request';
    return { status, code: type.toUpperCase().replace(/[^A-Z0-9]+/g, '_'), detail: 'the request body could not be read' };
  }
  return { status: 500, code: 'INTERNAL', detail: 'an unexpected error occurred; it has been logged' };
}
