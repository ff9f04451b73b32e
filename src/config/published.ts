// Production refuses every published development value (they are in this repository), but the
// production image does not contain them (every sandbox/ folder is left out). It carries their SHA-256
// fingerprints instead: a value is compared by its fingerprint, an RSA key by its public half's,
// so neither half of a development key pair passes in any encoding.
// test/unit/descriptors.test.ts recomputes every fingerprint from the development values.
import { createHash, createPublicKey } from 'node:crypto';

export function valueFingerprint(value: string): string {
  return createHash('sha256').update(`bayar-published-value:${value}`).digest('hex');
}

/** Of the public half (SPKI DER): a private key and its public key have the same fingerprint. */
export function keyFingerprint(pem: string): string {
  return createHash('sha256')
    .update(createPublicKey(pem).export({ type: 'spki', format: 'der' }))
    .digest('hex');
}
