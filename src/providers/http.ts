// A small JSON-over-HTTP helper shared by the provider clients. It knows nothing about any
// provider; it only turns transport failures into the typed errors the saga understands.
// Node's fetch (undici) keeps connections alive by default, so repeated calls reuse sockets.
import { ProviderOutcomeUnknown, ProviderUnavailable } from './provider.js';
import type { ProviderName } from '../domain/payment.js';

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  /** Sent exactly as given: signatures are computed over these bytes. */
  body?: string;
  timeoutMs: number;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  text: string;
}

export async function sendHttp(provider: ProviderName, req: HttpRequest): Promise<HttpResponse> {
  let response: Response;
  try {
    response = await fetch(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      signal: AbortSignal.timeout(req.timeoutMs),
    });
  } catch (err) {
    throw transportError(provider, req, err);
  }
  try {
    return { status: response.status, headers: response.headers, text: await response.text() };
  } catch (err) {
    // The provider answered but the body was cut off: whatever it did, it did.
    throw new ProviderOutcomeUnknown(`${provider}: response body lost (${describe(err)})`, provider, 'RESPONSE_LOST');
  }
}

function transportError(provider: ProviderName, req: HttpRequest, err: unknown) {
  const code = errorCode(err);
  // A refused or unresolvable connection never reached the provider: nothing happened there.
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new ProviderUnavailable(`${provider}: cannot connect (${code})`, provider, code);
  }
  // Anything else (timeout, reset mid-flight) may or may not have taken effect. For a read it
  // does not matter; for a write the saga resolves it by looking the charge up.
  const what = req.method === 'GET' ? ProviderUnavailable : ProviderOutcomeUnknown;
  return new what(`${provider}: ${req.method} ${new URL(req.url).pathname} failed (${describe(err)})`, provider, code ?? 'TRANSPORT');
}

function errorCode(err: unknown): string | undefined {
  if (err instanceof Error) {
    if (err.name === 'TimeoutError' || err.name === 'AbortError') return 'TIMEOUT';
    const cause = (err as { cause?: { code?: string } }).cause;
    if (cause?.code) return cause.code;
  }
  return undefined;
}

function describe(err: unknown): string {
  const code = errorCode(err);
  return code ?? (err instanceof Error ? err.message : String(err));
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
