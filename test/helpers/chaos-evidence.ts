// What the chaos run keeps with every violation, so the next unexplained case explains itself:
// what the client did at the sandbox (every pay call: when sent, when answered, what it was told)
// and what the provider's sandbox holds for the charge (its ledger row, its own record with each
// status change and its cause, every control call made on it). Cluster run 13's two
// `late-payment-unhandled` took a kept database and a decoded workflow history to explain (a pay
// sent before the charge existed, answered "200 {status_code: 404}", counted as paid); with this
// they would have explained themselves in the run's JSON.
import type { ProviderName } from '../../src/domain/payment.js';
import type { ClientRecord, Violation } from './invariants.js';

/** One call of the sandbox's pay control by the chaos client. */
export interface PayCall {
  /** The journey that paid (pay, late, last-second, …). */
  journey: string;
  force: boolean;
  amount?: number;
  /** ISO times: request sent, answer (or transport error) received. */
  sentAt: string;
  answeredAt: string;
  /** The payment's deadline as the create answered it (ISO), when known. */
  deadline?: string;
  /** HTTP status, or 'error' when the call got no answer. */
  status: number | 'error';
  /** The answer's body (JSON when it parses, else its first 500 characters), or the transport error. */
  answer: unknown;
  /** Whether the client counted the money as taken (payAccepted). */
  accepted: boolean;
}

export interface ViolationEvidence {
  client?: {
    provider: ProviderName;
    method: string;
    amount: number;
    created: boolean;
    createDenials: string[];
    paidAfterExpiry: boolean;
    paidAfterDeadline: boolean;
    payCalls: PayCall[];
  };
  /** GET /_sandbox/charges/:reference of the sandbox(es) asked: ledger, record, controlCalls; or why it could not be read. */
  sandbox: Partial<Record<ProviderName, unknown>>;
}

/**
 * Whether a pay control call took the money: HTTP 2xx (the kit's contract, SandboxProvider.pay),
 * and, as a second guard, no provider status code other than 200 in the body. Midtrans' API puts
 * its outcome in `status_code` and often answers HTTP 200 for errors; its sandbox once did so for
 * the pay control too, and a "200 {status_code: '404'}" was counted as money taken.
 */
export function payAccepted(status: number | 'error', body: unknown): boolean {
  if (status === 'error' || status < 200 || status >= 300) return false;
  const code = body && typeof body === 'object' ? (body as { status_code?: unknown }).status_code : undefined;
  return code === undefined || String(code) === '200';
}

/** The answer body as evidence: parsed JSON, else the start of the text. */
export function answerBody(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text.slice(0, 500);
  }
}

/**
 * Adds `evidence` to every violation about a payment: the client's side from its record, and the
 * sandbox's side read from the provider the payment went to (or from every sandbox given, for a
 * reference no client record names, e.g. an orphan charge). Reads each payment once, at most
 * `limit` payments; a sandbox that cannot be read is noted, never thrown.
 */
export async function attachEvidence(
  violations: Violation[],
  records: ClientRecord[],
  sandboxUrls: Partial<Record<ProviderName, string>>,
  options: { limit?: number; timeoutMs?: number } = {},
): Promise<void> {
  const byId = new Map(records.map((r) => [r.id, r]));
  const cache = new Map<string, ViolationEvidence>();
  for (const violation of violations) {
    const id = violation.paymentId;
    if (!id) continue;
    let evidence = cache.get(id);
    if (!evidence) {
      if (cache.size >= (options.limit ?? 200)) continue;
      const rec = byId.get(id);
      const providers = rec ? [rec.provider] : (Object.keys(sandboxUrls) as ProviderName[]);
      const sandbox: ViolationEvidence['sandbox'] = {};
      for (const provider of providers) {
        const url = sandboxUrls[provider];
        if (url) sandbox[provider] = await readCharge(url, id, options.timeoutMs ?? 10_000);
      }
      evidence = {
        ...(rec
          ? {
              client: {
                provider: rec.provider,
                method: rec.method,
                amount: rec.amount,
                created: rec.created,
                createDenials: rec.createDenials,
                paidAfterExpiry: rec.paidAfterExpiry,
                paidAfterDeadline: rec.paidAfterDeadline ?? false,
                payCalls: rec.payCalls ?? [],
              },
            }
          : {}),
        sandbox,
      };
      cache.set(id, evidence);
    }
    violation.evidence = evidence;
  }
}

async function readCharge(sandboxUrl: string, reference: string, timeoutMs: number): Promise<unknown> {
  try {
    const res = await fetch(`${sandboxUrl}/_sandbox/charges/${encodeURIComponent(reference)}`, { signal: AbortSignal.timeout(timeoutMs) });
    const body = answerBody(await res.text());
    return res.status === 200 ? body : { status: res.status, answer: body };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/**
 * One line of the evidence for the printed report: the client's pay calls (sent time, HTTP
 * status / body status_code, counted or not) and, per sandbox asked, the charge's ledger status
 * and paid amount and its status history. The full evidence is in the run's JSON.
 */
export function evidenceLine(evidence: ViolationEvidence): string {
  const time = (iso: unknown) => (typeof iso === 'string' ? iso.slice(11, 23) : '?');
  const parts: string[] = [];
  for (const call of evidence.client?.payCalls ?? []) {
    const code = call.answer && typeof call.answer === 'object' ? (call.answer as { status_code?: unknown }).status_code : undefined;
    parts.push(
      `pay${call.force ? ' (force)' : ''} sent ${time(call.sentAt)}, deadline ${time(call.deadline)}: ${call.status}${code !== undefined ? `/${String(code)}` : ''} ${call.accepted ? 'counted as paid' : 'not counted'}`,
    );
  }
  for (const [provider, kept] of Object.entries(evidence.sandbox)) {
    const body = kept as { ledger?: { status: string; paidAmount: number }[]; record?: { history?: { at: string; status: string; cause: string }[] }; status?: number; error?: string };
    if (!body.ledger) {
      parts.push(`${provider}: ${body.error ?? `no charge (${body.status ?? '?'})`}`);
      continue;
    }
    const row = body.ledger[0];
    const history = (body.record?.history ?? []).map((h) => `${time(h.at)} ${h.status} (${h.cause})`).join(', ');
    parts.push(`${provider}: ${row ? `${row.status}, paid ${row.paidAmount}` : 'no ledger row'}${history ? `; history ${history}` : ''}`);
  }
  return parts.join(' | ');
}
