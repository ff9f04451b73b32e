// A small JSON-over-HTTP helper shared by the provider clients. It knows nothing about any
// provider; it only turns transport failures into the typed errors the saga understands.
// Calls go through httpCall (undici) on one keep-alive pool per provider origin (PROVIDER_AGENT),
// so repeated calls reuse sockets.
import { Agent } from 'undici';
import { ProviderOutcomeUnknown, ProviderRejected, ProviderUnavailable } from './provider.js';
import type { ProviderName } from '../domain/payment.js';
import { HttpCallFailed, httpCall, type HttpAnswer, type HttpCall } from '../common/http-client.js';

export type HttpResponse = HttpAnswer;

/**
 * How long an idle connection to a provider is kept for the next call (seed 000: keep-alive
 * connections of at least 60 s). undici's default is 4 s, so a payment's create, its status look-ups
 * and a refund minutes apart would each pay a new TCP and TLS handshake. 60 s, not more: it is
 * the common idle timeout of the load balancers in front of provider APIs (nginx closes at 75 s by
 * default); a connection the server has already closed would fail the next call (for a write,
 * an unknown outcome to look up). Where the provider announces its own `Keep-Alive: timeout=N`,
 * undici believes it (minus a 2 s margin), so a shorter server timeout still wins.
 */
export const PROVIDER_KEEP_ALIVE_MS = 60_000;
/** The ceiling on a timeout a provider announces; undici's default (10 min), stated here. */
export const PROVIDER_KEEP_ALIVE_MAX_MS = 600_000;

/** The connection pool of every provider call (idle sockets are unref'd: they never hold a process up). */
export const PROVIDER_AGENT = new Agent({ keepAliveTimeout: PROVIDER_KEEP_ALIVE_MS, keepAliveMaxTimeout: PROVIDER_KEEP_ALIVE_MAX_MS });

export async function sendHttp(provider: ProviderName, req: HttpCall): Promise<HttpResponse> {
  try {
    return await httpCall({ dispatcher: PROVIDER_AGENT, ...req });
  } catch (err) {
    if (!(err instanceof HttpCallFailed)) throw err;
    // An answer past the cap (MAX_ANSWER_BYTES) is not read: no provider answer is that long, and
    // what it did is looked up like any other lost answer.
    if (err.code === 'BODY_TOO_LARGE') throw new ProviderOutcomeUnknown(`${provider}: answer too large, not read (${err.message})`, provider, 'RESPONSE_TOO_LARGE');
    // The provider answered but the body was cut off: whatever it did, it did.
    if (err.stage === 'body') throw new ProviderOutcomeUnknown(`${provider}: response body lost (${err.code})`, provider, 'RESPONSE_LOST');
    throw transportError(provider, req, err.code);
  }
}

function transportError(provider: ProviderName, req: HttpCall, code: string) {
  // A refused or unresolvable connection never reached the provider: nothing happened there.
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new ProviderUnavailable(`${provider}: cannot connect (${code})`, provider, code);
  }
  // Anything else (timeout, reset mid-flight) may or may not have taken effect. For a read it
  // does not matter; for a write the saga resolves it by looking the charge up.
  const what = req.method === 'GET' ? ProviderUnavailable : ProviderOutcomeUnknown;
  return new what(`${provider}: ${req.method} ${new URL(req.url).pathname} failed (${code})`, provider, code);
}

/**
 * The one rule for an HTTP answer that is not a usable provider answer, shared by every client:
 * 5xx and 429 are the provider (or a bank, wallet or proxy in front of it) down or busy, so the
 * call is retryable and nothing is decided; any other status is the provider's definite no. The
 * third outcome, unknown (the request may have taken effect), comes only from the transport:
 * sendHttp above.
 */
export function httpStatusOutcome(status: number): 'retryable' | 'definite' {
  return status >= 500 || status === 429 ? 'retryable' : 'definite';
}

/**
 * Throws the typed error httpStatusOutcome names: ProviderUnavailable (retry) or ProviderRejected
 * (a definite no). `waitMs` is how long the answer asked bayar to wait (retryAfterMs, or a
 * provider's own header read in its folder); only a 429 or 503 carries it, never a 5xx that may
 * come after the provider acted.
 */
export function throwForHttpStatus(provider: ProviderName, status: number, message: string, code: string, waitMs?: number): never {
  if (httpStatusOutcome(status) === 'retryable') {
    throw new ProviderUnavailable(message, provider, code, status === 429 || status === 503 ? waitMs : undefined);
  }
  throw new ProviderRejected(message, provider, code);
}

/** The shortest and longest wait bayar takes from a provider's answer (see heldWait). */
export const RETRY_AFTER_MIN_MS = 1_000;
export const RETRY_AFTER_MAX_MS = 5 * 60_000;

/**
 * The longest of the waits an answer named, held between 1 s and 5 min: a header that says 0 must
 * not turn into a tight loop, and a hostile or broken one must not park a payment's look-ups for
 * hours (past 5 min the next attempt simply meets the limit again and waits again). Undefined
 * when none was named.
 */
export function heldWait(...waits: (number | undefined)[]): number | undefined {
  const named = waits.filter((w): w is number => w !== undefined);
  if (named.length === 0) return undefined;
  return Math.round(Math.min(RETRY_AFTER_MAX_MS, Math.max(RETRY_AFTER_MIN_MS, ...named)));
}

/**
 * How long an answer's standard `Retry-After` (RFC 9110 §10.2.3: whole seconds, or an HTTP date)
 * asks the caller to wait, held by heldWait; undefined when it does not say.
 */
export function retryAfterMs(headers: Record<string, string> | undefined, now = Date.now()): number | undefined {
  const retryAfter = headers?.['retry-after']?.trim();
  if (!retryAfter) return undefined;
  if (/^\d+$/.test(retryAfter)) return heldWait(Number(retryAfter) * 1000);
  const at = Date.parse(retryAfter);
  // An HTTP date starts with a day or month name (IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT");
  // Date.parse would also take "2026-12-05" or "12/05/2026", which are not HTTP dates.
  return Number.isFinite(at) && /[a-z]{3},? /i.test(retryAfter) ? heldWait(at - now) : undefined;
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
