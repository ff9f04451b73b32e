// The checkout page's token: the only thing that authorises the customer's browser, so it is
// unguessable (an HMAC-SHA256 under a key derived from bayar's data key, 128 bits kept), names
// its payment and merchant, and carries the payment's deadline: it expires with the payment
// without a database look-up, and a token made for one payment never opens another.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

const MAC_BYTES = 16;

export interface CheckoutClaims {
  merchantId: string;
  paymentId: string;
  /** The payment's deadline (ms since the epoch). */
  expiresAt: number;
}

/** What a token may look like in a URL; anything else is refused before any crypto. */
export const checkoutTokenSchema = z.string().regex(/^[A-Za-z0-9_-]{20,200}\.[A-Za-z0-9_-]{22}$/, 'not a checkout token');

export class CheckoutTokens {
  private readonly key: Buffer;

  /** `secret`: bayar's data key; a purpose-bound key is derived from it. */
  constructor(secret: Buffer) {
    this.key = createHmac('sha256', secret).update('bayar/checkout-token/v1').digest();
  }

  seal(claims: CheckoutClaims): string {
    const body = Buffer.from(`${claims.paymentId.slice(4)}.${Math.floor(claims.expiresAt / 1000).toString(36)}.${claims.merchantId}`, 'utf8').toString('base64url');
    return `${body}.${this.mac(body).toString('base64url')}`;
  }

  /** The claims, or undefined when this is not a token bayar issued (whatever its age). */
  open(token: string): CheckoutClaims | undefined {
    if (!checkoutTokenSchema.safeParse(token).success) return undefined;
    const [body, mac] = token.split('.') as [string, string];
    const given = Buffer.from(mac, 'base64url');
    if (given.length !== MAC_BYTES || !timingSafeEqual(given, this.mac(body))) return undefined;
    const m = /^([0-9a-f]{24})\.([0-9a-z]{1,12})\.([A-Za-z0-9_-]{1,64})$/.exec(Buffer.from(body, 'base64url').toString('utf8'));
    if (!m) return undefined;
    return { paymentId: `pay_${m[1]}`, expiresAt: parseInt(m[2]!, 36) * 1000, merchantId: m[3]! };
  }

  private mac(body: string): Buffer {
    return createHmac('sha256', this.key).update(body).digest().subarray(0, MAC_BYTES);
  }
}
