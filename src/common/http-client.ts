// The one HTTP client for every call bayar makes out of its own process: to providers, to
// merchants' callback URLs, and from the sandboxes to bayar. It is undici's request(), the
// library behind Node's global fetch() with the same keep-alive connection pools, but without
// fetch's WHATWG streams and AbortSignal.timeout(): on loopback a call costs about 0.07 ms of
// CPU against 0.46 ms for fetch (measured with 5,000 POSTs; see docs/performance.md), and the
// worker makes two such calls per payment.
import { request, type Dispatcher } from 'undici';

/** The most of an answer's body bayar reads: no provider or merchant answer needs more (~1 MiB). */
export const MAX_ANSWER_BYTES = 1024 * 1024;

export interface HttpCall {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  /** Sent exactly as given: signatures are computed over these bytes. */
  body?: string;
  /** For the whole call, the answer's body included. */
  timeoutMs: number;
  /** Answers longer than this fail with code BODY_TOO_LARGE; default MAX_ANSWER_BYTES. */
  maxBodyBytes?: number;
  /** Connection policy (the merchant-callback guard); default undici's global agent. */
  dispatcher?: Dispatcher;
}

export interface HttpAnswer {
  status: number;
  /** Lower-case names; a repeated header keeps its first value. */
  headers: Record<string, string>;
  text: string;
}

/**
 * Why a call failed. `stage` says how far it got: 'request' means no answer came (connection
 * refused, reset, timed out before the status line), 'body' means the status arrived but the
 * body was cut off, so whatever the other side did, it did.
 */
export class HttpCallFailed extends Error {
  constructor(
    readonly stage: 'request' | 'body',
    /** 'TIMEOUT', 'BODY_TOO_LARGE', 'OUTBOUND_REFUSED', or the system/undici error code (ECONNREFUSED, UND_ERR_SOCKET, …). */
    readonly code: string,
    detail?: string,
  ) {
    super(`HTTP ${stage} failed (${code})${detail ? `: ${detail}` : ''}`);
    this.name = 'HttpCallFailed';
  }
}

export async function httpCall(call: HttpCall): Promise<HttpAnswer> {
  const abort = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    abort.abort();
  }, call.timeoutMs);
  const failure = (stage: HttpCallFailed['stage'], err: unknown) =>
    new HttpCallFailed(stage, timedOut ? 'TIMEOUT' : errorCode(err), (err as { name?: unknown } | undefined)?.name === 'OutboundRefused' ? (err as Error).message : undefined);
  try {
    let res;
    try {
      res = await request(call.url, { method: call.method, headers: call.headers, body: call.body, signal: abort.signal, ...(call.dispatcher ? { dispatcher: call.dispatcher } : {}) });
    } catch (err) {
      throw failure('request', err);
    }
    const limit = call.maxBodyBytes ?? MAX_ANSWER_BYTES;
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      throw discard(res.body, new HttpCallFailed('body', 'BODY_TOO_LARGE', `the answer declares ${declared} bytes; at most ${limit} are read`));
    }
    let text: string;
    try {
      text = await readCapped(res.body, limit);
    } catch (err) {
      if (err instanceof HttpCallFailed) throw err;
      throw failure('body', err);
    }
    return { status: res.statusCode, headers: flatten(res.headers), text };
  } finally {
    clearTimeout(timer);
  }
}

/** The body as UTF-8, refusing it (and closing the stream) past `limit` bytes. */
async function readCapped(body: Dispatcher.ResponseData['body'], limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw discard(body, new HttpCallFailed('body', 'BODY_TOO_LARGE', `the answer is longer than ${limit} bytes`));
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

/** Closes an answer's stream unread (the connection is dropped, not reused) and returns `err`. */
function discard(body: Dispatcher.ResponseData['body'], err: HttpCallFailed): HttpCallFailed {
  // destroy() emits 'error'; the caller throws `err` itself, so the event needs no one.
  body.on('error', () => {});
  body.destroy(err);
  return err;
}

function errorCode(err: unknown): string {
  if ((err as { name?: unknown } | undefined)?.name === 'OutboundRefused') return 'OUTBOUND_REFUSED';
  const e = err as { code?: unknown; cause?: { code?: unknown } } | undefined;
  const code = e?.code ?? e?.cause?.code;
  return typeof code === 'string' ? code : 'TRANSPORT';
}

function flatten(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value[0]! : value;
  }
  return out;
}
