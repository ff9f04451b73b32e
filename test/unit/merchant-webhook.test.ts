// bayar's outgoing webhook signature, as a merchant verifies it (scheme in merchant-webhook.ts).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { MERCHANT_EVENT_ID_HEADER, MERCHANT_SIGNATURE_HEADER, MERCHANT_SIGNATURE_TOLERANCE_S, signMerchantWebhook, verifyMerchantWebhook } from '../../src/common/merchant-webhook.js';

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

// The verifier merchants copy is the one in README.md, not verifyMerchantWebhook: it is taken
// from the README as written, compiled, and held to the same rules.
describe("README's merchant webhook verifier", () => {
  const readme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');
  const section = readme.slice(readme.indexOf('### Webhooks bayar sends you'));
  const source = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  type Verify = (secret: string, rawBody: Buffer, header: string | undefined) => boolean;

  function compile(): Verify {
    assert.ok(source && /function verify\(/.test(source), 'the README shows a verify function');
    const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
    return new Function('require', 'exports', `${js}\nreturn verify;`)(createRequire(import.meta.url), {}) as Verify;
  }

  it('accepts what bayar signs now, and refuses a timestamp older (or further ahead) than five minutes', () => {
    const verify = compile();
    const now = Math.floor(Date.now() / 1000);
    const at = (t: number) => sign(BODY, t);
    assert.equal(verify(SECRET, Buffer.from(BODY), at(now)), true);
    assert.equal(verify(SECRET, Buffer.from(BODY), at(now - 240)), true, 'four minutes old');
    assert.equal(verify(SECRET, Buffer.from(BODY), at(now - 310)), false, 'five minutes and ten seconds old');
    assert.equal(verify(SECRET, Buffer.from(BODY), at(now - 86_400)), false, 'a day old');
    assert.equal(verify(SECRET, Buffer.from(BODY), at(now + 310)), false, 'from the future');
  });

  it('refuses a tampered body, another secret, a swapped timestamp, and a missing or garbled header', () => {
    const verify = compile();
    const now = Math.floor(Date.now() / 1000);
    const header = sign(BODY, now);
    assert.equal(verify(SECRET, Buffer.from(BODY.replace('150000', '1500000')), header), false);
    assert.equal(verify('whsec_someone_else', Buffer.from(BODY), header), false);
    const oldSignature = sign(BODY, now - 3600).split('v1=')[1];
    assert.equal(verify(SECRET, Buffer.from(BODY), `t=${now},v1=${oldSignature}`), false);
    const v1 = header.split('v1=')[1];
    for (const garbled of [undefined, '', `v1=${v1}`, `t=,v1=${v1}`, `t=abc,v1=${v1}`, `t=${now}`, `t=${now},v1=`, `t=${now},v1=zz`, `t= ${now},v1=${v1}`, `t=${now}.0,v1=${v1}`]) {
      assert.equal(verify(SECRET, Buffer.from(BODY), garbled), false, String(garbled));
    }
  });
});
