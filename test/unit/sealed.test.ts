// Customer personal data is sealed (AES-256-GCM) before it becomes workflow input.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { sealCustomer, unsealCustomer } from '../../src/common/sealed.js';

const KEY = Buffer.alloc(32, 7);
const CUSTOMER = { name: 'Budi Santoso', email: 'budi@example.co.id', phone: '+6281234567890' };

/** Replaces one dot-separated part of a sealed value. */
function withPart(sealed: string, index: number, edit: (part: string) => string): string {
  const parts = sealed.split('.');
  parts[index] = edit(parts[index]!);
  return parts.join('.');
}

/** Flips the first byte of a base64url part. */
const flip = (part: string) => {
  const bytes = Buffer.from(part, 'base64url');
  bytes[0] = bytes[0]! ^ 0x01;
  return bytes.toString('base64url');
};

describe('sealed customer details', () => {
  it('round-trips', () => {
    assert.deepEqual(unsealCustomer(KEY, sealCustomer(KEY, CUSTOMER)), CUSTOMER);
    assert.deepEqual(unsealCustomer(KEY, sealCustomer(KEY, {})), {});
  });

  it('does not carry the personal data in clear, and never seals twice the same way', () => {
    const sealed = sealCustomer(KEY, CUSTOMER);
    for (const clear of [CUSTOMER.name, 'Budi', CUSTOMER.email, CUSTOMER.phone]) {
      assert.ok(!sealed.includes(clear), clear);
      assert.ok(!sealed.includes(Buffer.from(clear).toString('base64url')), `base64 of ${clear}`);
    }
    assert.match(sealed, /^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.notEqual(sealCustomer(KEY, CUSTOMER), sealed, 'a fresh IV every time');
  });

  it('throws on a tampered ciphertext, tag or IV', () => {
    const sealed = sealCustomer(KEY, CUSTOMER);
    for (const index of [1, 2, 3]) {
      assert.throws(() => unsealCustomer(KEY, withPart(sealed, index, flip)), `part ${index}`);
    }
  });

  it('throws on a truncated authentication tag', () => {
    const sealed = sealCustomer(KEY, CUSTOMER);
    const short = withPart(sealed, 2, (tag) => Buffer.from(tag, 'base64url').subarray(0, 4).toString('base64url'));
    assert.throws(() => unsealCustomer(KEY, short));
  });

  it('throws with the wrong key', () => {
    const sealed = sealCustomer(KEY, CUSTOMER);
    assert.throws(() => unsealCustomer(randomBytes(32), sealed));
  });

  it('throws on an unknown format', () => {
    const sealed = sealCustomer(KEY, CUSTOMER);
    assert.throws(() => unsealCustomer(KEY, sealed.replace(/^v1/, 'v2')), /unknown format/);
    assert.throws(() => unsealCustomer(KEY, 'v1.only'), /unknown format/);
    assert.throws(() => unsealCustomer(KEY, ''), /unknown format/);
  });
});
