// bayar's outgoing webhook signature, as a merchant verifies it (scheme in merchant-webhook.ts).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import {
  MERCHANT_EVENT_ID_HEADER,
  MERCHANT_SIGNATURE_HEADER,
  MERCHANT_SIGNATURE_TOLERANCE_S,
  signMerchantWebhook,
  verifyMerchantWebhook,
} from '../../src/common/merchant-webhook.js';

const SECRET = 'whsec_unit_test_secret';
const NOW = 1_740_816_000;
const BODY = JSON.stringify({ id: 'pay_1:payment.paid', type: 'payment.paid', data: { id: 'pay_1', amount: 150_000 } });

function sign(body = BODY, at = NOW): string {
  return signMerchantWebhook(SECRET, body, 'pay_1:payment.paid', at)[MERCHANT_SIGNATURE_HEADER]!;
}

describe('merchant webhook signature', () => {
  it('round-trips: what bayar signs, the reference verifier accepts (string or Buffer body)', () => {
    const headers = signMerchantWebhook(SECRET, BODY, 'pay_1:payment.paid', NOW);
    assert.equal(headers[MERCHANT_EVENT_ID_HEADER], 'pay_1:payment.paid');
    assert.match(headers[MERCHANT_SIGNATURE_HEADER]!, /^t=\d+,v1=[0-9a-f]{64}$/);
    assert.equal(verifyMerchantWebhook(SECRET, BODY, headers[MERCHANT_SIGNATURE_HEADER], NOW), true);
    assert.equal(verifyMerchantWebhook(SECRET, Buffer.from(BODY), headers[MERCHANT_SIGNATURE_HEADER], NOW), true);
  });

  it('is HMAC-SHA256 over "<t>.<raw body>", as documented for merchants', () => {
    const expected = createHmac('sha256', SECRET).update(`${NOW}.${BODY}`).digest('hex');
    assert.equal(sign(), `t=${NOW},v1=${expected}`);
  });

  it('rejects a tampered body', () => {
    const header = sign();
    assert.equal(verifyMerchantWebhook(SECRET, BODY.replace('150000', '1500000'), header, NOW), false);
    assert.equal(verifyMerchantWebhook(SECRET, BODY + ' ', header, NOW), false);
  });

  it('rejects the wrong secret', () => {
    assert.equal(verifyMerchantWebhook('whsec_someone_else', BODY, sign(), NOW), false);
  });

  it('rejects a timestamp older (or further ahead) than the tolerance, and keeps the edge', () => {
    const tolerance = MERCHANT_SIGNATURE_TOLERANCE_S;
    assert.equal(tolerance, 300);
    assert.equal(verifyMerchantWebhook(SECRET, BODY, sign(BODY, NOW - tolerance), NOW), true);
    assert.equal(verifyMerchantWebhook(SECRET, BODY, sign(BODY, NOW - tolerance - 1), NOW), false);
    assert.equal(verifyMerchantWebhook(SECRET, BODY, sign(BODY, NOW + tolerance + 1), NOW), false);
  });

  it('rejects a replayed signature with a fresh timestamp swapped in', () => {
    const v1 = sign(BODY, NOW - 3600).split('v1=')[1];
    assert.equal(verifyMerchantWebhook(SECRET, BODY, `t=${NOW},v1=${v1}`, NOW), false);
  });

  it('rejects a missing or garbled header', () => {
    for (const header of [undefined, '', 't=', `t=${NOW}`, `v1=${'0'.repeat(64)}`, `t=abc,v1=${'0'.repeat(64)}`, `t=${NOW},v1=zz`, `t=${NOW},v1=${'0'.repeat(64)}`]) {
      assert.equal(verifyMerchantWebhook(SECRET, BODY, header, NOW), false, String(header));
    }
  });
});
