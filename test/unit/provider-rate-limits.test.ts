// Provider rate limits: how long a 429 (or 503) asks bayar to wait (Retry-After, RFC 9110; Xendit's
// Rate-Limit-Reset, docs.xendit.co/apidocs/rate-limits, read in src/providers/xendit/rate-limit.ts),
// the typed error that carries it to the activity, and the Xendit sandbox's published
// per-endpoint quota met by the real adapter over HTTP.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { retryAfterMs, RETRY_AFTER_MAX_MS, RETRY_AFTER_MIN_MS, throwForHttpStatus } from '../../src/providers/http.js';
import { ProviderRejected, ProviderUnavailable } from '../../src/providers/provider.js';
import { xenditRetryAfterMs } from '../../src/providers/xendit/rate-limit.js';
import { XenditRateLimit } from '../../src/providers/xendit/sandbox/rate-limit.js';
import { basicAuthHeader } from '../../src/providers/xendit/signature.js';
import { LookupBudget } from '../../activities/lookup-budget.js';
import { xenditInProcess } from '../helpers/xendit-in-process.js';

describe('retryAfterMs (Retry-After) and xenditRetryAfterMs (Rate-Limit-Reset)', () => {
  const now = Date.parse('2026-12-05T10:00:00Z');
  it("reads Xendit's Rate-Limit-Reset (seconds left in the window, with decimals)", () => {
    assert.equal(xenditRetryAfterMs({ 'rate-limit-reset': '58.37' }, now), 58_370);
    assert.equal(xenditRetryAfterMs({ 'rate-limit-reset': '2' }, now), 2_000);
    assert.equal(retryAfterMs({ 'rate-limit-reset': '58.37' }, now), undefined, "Xendit's header is read in Xendit's folder only");
  });
  it('reads Retry-After as whole seconds or as an HTTP date', () => {
    assert.equal(retryAfterMs({ 'retry-after': '120' }, now), 120_000);
    assert.equal(retryAfterMs({ 'retry-after': 'Sat, 05 Dec 2026 10:00:30 GMT' }, now), 30_000);
    assert.equal(xenditRetryAfterMs({ 'retry-after': '120' }, now), 120_000, 'Xendit answers that say it the standard way count too');
  });
  it('takes the longer of the two', () => {
    assert.equal(xenditRetryAfterMs({ 'retry-after': '5', 'rate-limit-reset': '12.5' }, now), 12_500);
    assert.equal(xenditRetryAfterMs({ 'retry-after': '40', 'rate-limit-reset': '12.5' }, now), 40_000);
  });
  it('holds the wait between 1 s and 5 min', () => {
    assert.equal(retryAfterMs({ 'retry-after': '0' }, now), RETRY_AFTER_MIN_MS);
    assert.equal(xenditRetryAfterMs({ 'rate-limit-reset': '0.01' }, now), RETRY_AFTER_MIN_MS);
    assert.equal(retryAfterMs({ 'retry-after': 'Sat, 05 Dec 2026 09:00:00 GMT' }, now), RETRY_AFTER_MIN_MS, 'a date in the past');
    assert.equal(retryAfterMs({ 'retry-after': '86400' }, now), RETRY_AFTER_MAX_MS);
    assert.equal(xenditRetryAfterMs({ 'rate-limit-reset': '999999999' }, now), RETRY_AFTER_MAX_MS);
  });
  it('ignores what is not a wait', () => {
    for (const value of ['', ' ', '-5', '1e3', 'soon', 'NaN', '12abc', '0x10', 'Monday']) {
      assert.equal(retryAfterMs({ 'retry-after': value }, now), undefined, `Retry-After: ${JSON.stringify(value)}`);
      assert.equal(xenditRetryAfterMs({ 'rate-limit-reset': value }, now), undefined, `Rate-Limit-Reset: ${JSON.stringify(value)}`);
    }
    assert.equal(retryAfterMs({}, now), undefined);
    assert.equal(retryAfterMs(undefined, now), undefined);
    assert.equal(xenditRetryAfterMs(undefined, now), undefined);
  });
});

describe('throwForHttpStatus', () => {
  const thrown = (status: number, waitMs?: number) => {
    try {
      throwForHttpStatus('xendit', status, `HTTP ${status}`, `HTTP_${status}`, waitMs);
    } catch (err) {
      return err;
    }
    assert.fail('nothing thrown');
  };
  it('a 429 or 503 that says how long carries the wait', () => {
    for (const status of [429, 503]) {
      const err = thrown(status, 3_500);
      assert.ok(err instanceof ProviderUnavailable);
      assert.equal(err.retryAfterMs, 3_500);
    }
  });
  it('other retryable statuses, or none said: Temporal backs off on its own', () => {
    const other = thrown(500, 30_000);
    assert.ok(other instanceof ProviderUnavailable);
    assert.equal(other.retryAfterMs, undefined, 'a 500 may come after the provider acted: no wait is taken from it');
    const silent = thrown(429);
    assert.ok(silent instanceof ProviderUnavailable);
    assert.equal(silent.retryAfterMs, undefined);
  });
  it('a definite no stays a definite no, whatever wait it names', () => {
    assert.ok(thrown(400, 30_000) instanceof ProviderRejected);
  });
});

describe('XenditRateLimit (sliding window, per endpoint per account)', () => {
  it('serves the quota, then refuses until the oldest served request leaves the window', () => {
    const limit = new XenditRateLimit();
    assert.equal(limit.take('GET /payment_requests/:id', 'acct', '/p/1', 0), undefined, 'off until switched on');
    limit.configure({ perWindow: 2, windowMs: 1_000 });
    const first = limit.take('GET /payment_requests/:id', 'acct', '/p/1', 0)!;
    assert.deepEqual(first, { limited: false, headers: { 'rate-limit-limit': '2', 'rate-limit-remaining': '1', 'rate-limit-reset': '1.00' } });
    const second = limit.take('GET /payment_requests/:id', 'acct', '/p/1', 100)!;
    assert.deepEqual(second, { limited: false, headers: { 'rate-limit-limit': '2', 'rate-limit-remaining': '0', 'rate-limit-reset': '0.90' } });
    const third = limit.take('GET /payment_requests/:id', 'acct', '/p/1', 200)!;
    assert.deepEqual(third, { limited: true, headers: { 'rate-limit-limit': '2', 'rate-limit-remaining': '0', 'rate-limit-reset': '0.80' } });
    assert.equal(limit.take('POST /payment_requests', 'acct', '/p', 200)!.limited, false, 'another endpoint has its own quota');
    assert.equal(limit.take('GET /payment_requests/:id', 'other', '/p/1', 200)!.limited, false, 'another account has its own quota');
    assert.equal(limit.take('GET /payment_requests/:id', 'acct', '/p/1', 999)!.limited, true);
    assert.equal(limit.take('GET /payment_requests/:id', 'acct', '/p/1', 1_000)!.limited, false, 'the first request left the window');
    assert.deepEqual(
      limit.refused.map((r) => [r.at, r.resetMs]),
      [
        [200, 800],
        [999, 1],
      ],
    );
  });
});

describe('the Xendit adapter against the sandbox under its published rate limit', () => {
  const SECRET_KEY = 'xnd_development_rate_limit_0123456789';
  const TOKEN = 'rate-limit-callback-token-0123456789';
  const sandbox = xenditInProcess(SECRET_KEY, TOKEN, 2_000);
  const control = async (method: 'GET' | 'POST', body?: unknown) => {
    const res = await fetch(`${sandbox.base}/_sandbox/xendit/rate-limit`, { method, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
    return { status: res.status, json: (await res.json()) as { enabled: boolean; refused: { endpoint: string; path: string; resetMs: number }[] } };
  };

  it('a look-up past the quota is ProviderUnavailable with the reset Xendit announced; the next window serves it', async () => {
    const paymentId = `pay_${randomBytes(8).toString('hex')}`;
    const charge = await sandbox.xendit.createCharge({
      paymentId,
      method: 'VA_BCA',
      amount: 150_000,
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
      description: 'rate limit',
      customer: { name: 'Budi Santoso' },
    });
    assert.equal((await control('POST', { perWindow: 1, windowMs: 1_500 })).status, 200);
    try {
      const ref = { paymentId, method: 'VA_BCA' as const, providerReference: charge.providerReference };
      assert.equal((await sandbox.xendit.findCharge(ref))?.providerReference, charge.providerReference, 'the quota serves one');
      const refused = await sandbox.xendit.findCharge(ref).then(
        () => assert.fail('served past the quota'),
        (err: unknown) => err,
      );
      assert.ok(refused instanceof ProviderUnavailable, String(refused));
      assert.equal(refused.code, 'RATE_LIMIT_EXCEEDED');
      assert.ok(refused.retryAfterMs !== undefined && refused.retryAfterMs >= RETRY_AFTER_MIN_MS && refused.retryAfterMs <= 1_500, `waits ${refused.retryAfterMs} ms`);
      // A create is another endpoint, with a quota of its own.
      await sandbox.xendit.createCharge({
        paymentId: `pay_${randomBytes(8).toString('hex')}`,
        method: 'VA_BNI',
        amount: 20_000,
        expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
        description: 'other endpoint',
        customer: { name: 'Budi' },
      });
      const state = await control('GET');
      assert.equal(state.json.enabled, true);
      assert.deepEqual(
        state.json.refused.map((r) => [r.endpoint, r.path]),
        [['GET /payment_requests/:id', `/payment_requests/${charge.providerReference}`]],
      );
      await new Promise((r) => setTimeout(r, refused.retryAfterMs));
      assert.equal((await sandbox.xendit.findCharge(ref))?.providerReference, charge.providerReference, 'served again once the reset has passed');
      // The published headers ride on every answer while the limit is on.
      const res = await fetch(`${sandbox.base}/payment_requests/${charge.providerReference}`, { headers: { authorization: basicAuthHeader(SECRET_KEY) } });
      assert.equal(res.status, 429);
      assert.deepEqual(await res.json(), { error_code: 'RATE_LIMIT_EXCEEDED', message: 'rate limit exceeded for this endpoint' });
      assert.equal(res.headers.get('rate-limit-limit'), '1');
      assert.equal(res.headers.get('rate-limit-remaining'), '0');
      assert.match(res.headers.get('rate-limit-reset') ?? '', /^\d+\.\d\d$/);
    } finally {
      assert.equal((await control('POST', { perWindow: null })).status, 200);
    }
    assert.equal((await sandbox.xendit.findCharge({ paymentId, method: 'VA_BCA', providerReference: charge.providerReference }))?.providerReference, charge.providerReference, 'off again');
  });

  it('refuses a malformed setting and changes nothing', async () => {
    for (const body of [{ perWindow: 0 }, { perWindow: 1.5 }, { perWindow: '5' }, { perWindow: 5, windowMs: 1 }, { perWindow: 5, extra: true }, null]) {
      const res = await control('POST', body);
      assert.equal(res.status, 400, JSON.stringify(body));
    }
    assert.equal((await control('GET')).json.enabled, false);
  });
});

describe('LookupBudget (status look-ups spaced per provider, per worker process)', () => {
  it('spaces look-ups evenly, keeps a waiting caller its slot, and leaves other providers alone', () => {
    const budget = new LookupBudget({ xendit: 60 }); // one a second
    assert.equal(budget.waitFor('xendit', 'run-a/1', 0), 0, 'the first goes at once');
    assert.equal(budget.waitFor('xendit', 'run-b/1', 100), 900, 'the next waits for the next slot');
    assert.equal(budget.waitFor('xendit', 'run-c/1', 200), 1_800, 'and the one after, one slot later');
    assert.equal(budget.waiting, 2);
    assert.equal(budget.waitFor('xendit', 'run-b/1', 500), 500, 'asking early again: the same slot');
    assert.equal(budget.waitFor('xendit', 'run-b/1', 1_000), 0, 'at its slot it goes ahead');
    assert.equal(budget.waitFor('xendit', 'run-c/1', 2_000), 0);
    assert.equal(budget.waiting, 0);
    assert.equal(budget.waitFor('xendit', 'run-d/1', 2_100), 900, 'slots are not handed out twice');
    assert.equal(budget.waitFor('midtrans', 'run-e/1', 2_100), 0, 'a provider without a budget is not held');
    assert.equal(budget.waitFor('xendit', 'run-f/1', 10_000), 0, 'an idle budget starts over');
  });

  it('never lets more than the budget through in any minute, however many callers ask', () => {
    const budget = new LookupBudget({ xendit: 600 });
    const served: number[] = [];
    const pending = new Map<string, number>(); // caller → when it asks again
    for (let i = 0; i < 2_000; i++) pending.set(`run-${i}/1`, Math.floor(i / 10)); // 2,000 callers over 200 ms
    for (let now = 0; pending.size > 0; now += 10) {
      for (const [caller, at] of pending) {
        if (at > now) continue;
        const wait = budget.waitFor('xendit', caller, now);
        if (wait === 0) {
          served.push(now);
          pending.delete(caller);
        } else pending.set(caller, now + wait);
      }
    }
    assert.equal(served.length, 2_000);
    for (let i = 600; i < served.length; i++) assert.ok(served[i]! - served[i - 600]! >= 60_000 - 100, `look-ups ${i - 600} and ${i} came ${served[i]! - served[i - 600]!} ms apart`);
    assert.ok(served.at(-1)! <= 200_000 + 100, `the last of 2,000 at 600 a minute went at ${served.at(-1)} ms`);
  });

  it('drops the slots of callers that never came back', () => {
    const budget = new LookupBudget({ xendit: 1 }); // one a minute
    budget.waitFor('xendit', 'run-a/1', 0);
    budget.waitFor('xendit', 'gone/1', 0); // kept for 60,000; never asks again
    assert.equal(budget.waiting, 1);
    budget.waitFor('xendit', 'run-b/1', 60_000 + 120_001 + 1); // the next reservation sweeps
    assert.equal(budget.waiting, 0);
  });
});
