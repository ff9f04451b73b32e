// RSA keys from the environment (DOKU SNAP, the aggregator): one parser, so a bad key stops the
// boot with the same message everywhere and every key is normalised to one PEM form.
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { z } from 'zod';

/**
 * An RSA key from the environment, as PEM. Accepted: PEM with real newlines or with literal "\n"
 * (one-line env files), or the bare base64 body the platform's dashboard shows (PKCS#8 / PKCS#1 for
 * a private key, X.509 SPKI / PKCS#1 for a public one). Checked here so a bad key stops the boot;
 * the message never echoes the key.
 */
export function rsaPemFromEnv(text: string, kind: 'private' | 'public'): string | undefined {
  const body = text.trim().replace(/\\n/g, '\n');
  const candidates = body.includes('-----BEGIN')
    ? [body]
    : (kind === 'private' ? ['PRIVATE KEY', 'RSA PRIVATE KEY'] : ['PUBLIC KEY', 'RSA PUBLIC KEY']).map(
        (label) =>
          `-----BEGIN ${label}-----\n${body
            .replace(/\s+/g, '')
            .replace(/(.{64})/g, '$1\n')
            .replace(/\n$/, '')}\n-----END ${label}-----\n`,
      );
  for (const pem of candidates) {
    // A private key where the platform's public key belongs would be "accepted" as its public
    // half and then fail every verification: refuse it here instead.
    if (kind === 'public' && pem.includes('PRIVATE KEY')) return undefined;
    try {
      const key = kind === 'private' ? createPrivateKey(pem) : createPublicKey(pem);
      if (key.asymmetricKeyType !== 'rsa' || (key.asymmetricKeyDetails?.modulusLength ?? 0) < 1024) return undefined;
      return key.export({ type: kind === 'private' ? 'pkcs8' : 'spki', format: 'pem' }).toString();
    } catch {
      // try the next form
    }
  }
  return undefined;
}

export const rsaKey = (kind: 'private' | 'public') =>
  z.string().transform((v, ctx) => {
    const pem = rsaPemFromEnv(v, kind);
    if (pem === undefined) {
      ctx.addIssue({ code: 'custom', message: `must be an RSA ${kind} key of at least 1024 bits: PEM (literal \\n allowed) or its bare base64 body` });
      return z.NEVER;
    }
    return pem;
  });

/** The public half of an RSA key, as SPKI PEM: two encodings of one key compare equal. */
export function publicHalf(pem: string): string {
  return createPublicKey(pem).export({ type: 'spki', format: 'pem' }).toString();
}
