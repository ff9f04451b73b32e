// Personal data (a customer's name, e-mail, phone and IP address; a payout's account number and
// holder name) is sealed with AES-256-GCM by the API before it becomes workflow input, and
// unsealed only inside the activity that sends it to the provider. History, memo, search
// attributes and the Web UI only ever see ciphertext.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { CustomerDetails } from '../providers/provider.js';

const customerSchema = z.object({
  name: z.string().optional(),
  email: z.string().optional(),
  phone: z.string().optional(),
  ipAddress: z.string().optional(),
  address: z.object({ line: z.string(), city: z.string(), postalCode: z.string(), countryCode: z.string().optional() }).optional(),
});

export function sealCustomer(key: Buffer, customer: CustomerDetails): string {
  return seal(key, customer);
}

export function unsealCustomer(key: Buffer, sealed: string): CustomerDetails {
  return unseal(key, sealed, customerSchema);
}

/** Seals any JSON value; `unseal` with a schema gets it back, checked. */
export function seal(key: Buffer, value: unknown): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
}

export function unseal<T>(key: Buffer, sealed: string, schema: z.ZodType<T>): T {
  const [version, iv, tag, body] = sealed.split('.');
  if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('sealed value: unknown format');
  // Pin the tag length: by default GCM also accepts a truncated tag (down to 4 bytes), which
  // would make forging a sealed value a matter of guessing 32 bits.
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: 16 });
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  const text = Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  return schema.parse(JSON.parse(text));
}
