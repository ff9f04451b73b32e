// The headers a DOKU notification is signed with, Non-SNAP (Signature over Client-Id, Request-Id
// and Request-Timestamp: index.ts) and SNAP (X-SIGNATURE over X-TIMESTAMP, X-PARTNER-ID and the
// Authorization token: snap/ewallet.ts). Each protocol verifies them by its own rules; what they
// share is that a notification missing any of them is refused before anything is computed.
import { SignatureInvalid, type RawWebhook } from '../provider.js';

/** [signature, ...the headers it covers], in the order named; SignatureInvalid naming what is missing. */
export function signedHeaders<const N extends readonly string[]>(raw: RawWebhook, signature: string, covered: N): [string, ...{ [I in keyof N]: string }] {
  // RawWebhook carries header names in lower case (as Node hands them over).
  const received = raw.headers[signature.toLowerCase()];
  if (!received) throw new SignatureInvalid('doku', `${signature} header missing`);
  const values = covered.map((name) => raw.headers[name.toLowerCase()]);
  if (values.some((value) => !value)) throw new SignatureInvalid('doku', `${covered.slice(0, -1).join(', ')} or ${covered.at(-1)} header missing`);
  return [received, ...(values as { [I in keyof N]: string })];
}
