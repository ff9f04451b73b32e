// Page tokens of GET /v1/payments: the keyset cursor (where the next page starts) sealed with an
// HMAC over the merchant and the listing's filter. Only a token issued for that same merchant and
// filter is ever used; anything else is a 400 at once. (Every query names the merchant anyway;
// the seal also keeps a listing from being continued under another filter.)
import { createHmac, timingSafeEqual } from 'node:crypto';

const MAC_BYTES = 16;

export class PageTokens {
  private readonly key: Buffer;

  /** `secret`: bayar's data key; a purpose-bound key is derived from it. */
  constructor(secret: Buffer) {
    this.key = createHmac('sha256', secret).update('bayar/page-token/v1').digest();
  }

  /** base64url(mac ‖ cursor): within the list query's pageToken alphabet. */
  seal(merchantId: string, query: string, token: Uint8Array): string {
    return Buffer.concat([this.mac(merchantId, query, token), token]).toString('base64url');
  }

  /** The cursor, or undefined when this is not a token issued for this merchant and query. */
  open(merchantId: string, query: string, text: string): Buffer | undefined {
    const raw = Buffer.from(text, 'base64url');
    if (raw.length <= MAC_BYTES) return undefined;
    const token = raw.subarray(MAC_BYTES);
    return timingSafeEqual(raw.subarray(0, MAC_BYTES), this.mac(merchantId, query, token)) ? token : undefined;
  }

  private mac(merchantId: string, query: string, token: Uint8Array): Buffer {
    return createHmac('sha256', this.key).update(`${merchantId}\n${query}\n`).update(token).digest().subarray(0, MAC_BYTES);
  }
}
