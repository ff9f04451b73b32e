// List page tokens: what the API issues opens again for the same merchant and filter, and
// nothing else does (another merchant, another filter, a changed byte, a made-up string).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { PageTokens } from '../../src/payments/page-token.js';
import { listQuerySchema } from '../../src/payments/payments.schemas.js';

const tokens = new PageTokens(randomBytes(32));
const QUERY = "WorkflowType = 'payment' AND MerchantId = 'demo'";

describe('PageTokens', () => {
  it('opens what it sealed, for the same merchant and query, and the sealed form passes the list schema', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 600 }), fc.string({ minLength: 1, maxLength: 20 }), (token, merchant) => {
        const sealed = tokens.seal(merchant, QUERY, token);
        assert.ok(listQuerySchema.safeParse({ pageToken: sealed }).success, sealed);
        assert.deepEqual(tokens.open(merchant, QUERY, sealed), Buffer.from(token));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses another merchant, another query, another key, any changed character, and anything made up', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.nat(), (token, at) => {
        const sealed = tokens.seal('demo', QUERY, token);
        assert.equal(tokens.open('other', QUERY, sealed), undefined);
        assert.equal(tokens.open('demo', `${QUERY} AND PaymentStatus = 'SETTLED'`, sealed), undefined);
        assert.equal(new PageTokens(randomBytes(32)).open('demo', QUERY, sealed), undefined);
        const raw = Buffer.from(sealed, 'base64url');
        raw[at % raw.length] ^= 1;
        assert.equal(tokens.open('demo', QUERY, raw.toString('base64url')), undefined);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9+/=_-]{0,300}$/), (text) => {
        assert.equal(tokens.open('demo', QUERY, text), undefined);
      }),
      { numRuns: 300 },
    );
  });
});
