// Midtrans authenticates us with HTTP Basic (server key as user, empty password) and signs its
// notifications with `signature_key` = hex SHA-512(order_id + status_code + gross_amount + ServerKey)
// (docs.midtrans.com, "Verifying Notification Authenticity"). Pure functions, no I/O.
import { createHash, timingSafeEqual } from 'node:crypto';

export function basicAuthHeader(serverKey: string): string {
  return 'Basic ' + Buffer.from(`${serverKey}:`).toString('base64');
}

export interface SignedFields {
  order_id: string;
  status_code: string;
  /** Exactly as sent, e.g. "100000.00": the hash covers the string, never a re-formatted number. */
  gross_amount: string;
}

/** The `signature_key` Midtrans puts in a notification: lowercase hex SHA-512. */
export function notificationSignature(fields: SignedFields, serverKey: string): string {
  return createHash('sha512')
    .update(fields.order_id + fields.status_code + fields.gross_amount + serverKey, 'utf8')
    .digest('hex');
}

const SHA512_HEX = /^[0-9a-fA-F]{128}$/;

/**
 * Constant-time check of a received `signature_key`. Compares the decoded bytes, so a hex
 * string of the wrong length or with stray characters is refused before any comparison
 * (Buffer.from(hex) would otherwise silently drop what it cannot decode).
 */
export function notificationSignatureMatches(fields: SignedFields, received: string | undefined, serverKey: string): boolean {
  if (received === undefined || !SHA512_HEX.test(received)) return false;
  const expected = Buffer.from(notificationSignature(fields, serverKey), 'hex');
  return timingSafeEqual(expected, Buffer.from(received, 'hex'));
}
