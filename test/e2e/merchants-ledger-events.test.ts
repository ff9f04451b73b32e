// Issue 13 items 5-7 end to end, on the real stack and its embedded PostgreSQL: merchants and
// keys made with the admin CLI (as an operator would, while everything runs), key revocation,
// expiry and scopes; webhook secret rotation checked with the README's own verifier; the
// ledger's payout limit (422, nothing sent; concurrent payouts at the edge); merchant events
// stored with their attempts, resent under the same id; refund events.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { SANDBOX_PORT_OFFSETS } from '../../src/config/config.js';
import type { PaymentView } from '../../src/domain/payment.js';
import { payoutIdFor } from '../../src/payouts/payouts.service.js';
import { createPool } from '../../src/db/pool.js';
import { freePort, startMerchantReceiver, startTestStack, uniqueRef, type TestStack } from '../helpers/stack.js';
import { eventually } from '../helpers/wait.js';

type Verify = (secret: string, rawBody: Buffer, header: string | undefined) => boolean;

/** The verifier merchants copy: taken from the README as written and compiled. */
function readmeVerifier(): Verify {
  const readme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');
  const source = /```ts\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf('### Webhooks bayar sends you')))![1]!;
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
  return new Function('require', 'exports', `${js}\nreturn verify;`)(createRequire(import.meta.url), {}) as Verify;
}

const PAYOUT = (ref: string, amount: number) => ({
  merchantReference: ref,
  provider: 'xendit',
  amount,
  feeType: 'CHARGE_TO_BALANCE',
  destination: { bankCode: 'BCA', accountNumber: '0012345678', accountName: 'Budi Santoso' },
});

// Two tests at a time: each has its own merchant (its keys, secret, balance and events), and most
// of their time is waiting (the rotation's 20 s overlap, a key's expiry, the notify timeout).
describe('merchants, keys, ledger and events (real PostgreSQL)', { concurrency: 2 }, () => {
  let stack: TestStack;
  let merchant: Awaited<ReturnType<typeof startMerchantReceiver>>;
  const verify = readmeVerifier();

  before(async () => {
    stack = await startTestStack({
      env: {
        // An unreachable endpoint is given up on quickly, so the resend test need not wait 20 s.
        BAYAR_MERCHANT_NOTIFY_TIMEOUT: '6s',
        BAYAR_PAYOUT_LOOKUP_SCHEDULE: '300ms,700ms,1s',
        BAYAR_PAYOUT_REVIEW_AFTER: '10s',
      },
    });
    merchant = await startMerchantReceiver();
  });
  after(async () => {
    await merchant?.close();
    await stack?.stop();
  });

  /** Runs the admin CLI and returns its output; fails the test on a non-zero exit. */
  const admin = async (...args: string[]) => {
    const r = await stack.admin(...args);
    assert.equal(r.code, 0, `admin ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const newKey = async (merchantId: string, ...flags: string[]) => {
    const out = await admin('keys', 'create', merchantId, ...flags);
    return { secret: /API key \(shown once, store it now\): (\S+)/.exec(out)![1]!, id: /created (key_[0-9a-f]+)/.exec(out)![1]! };
  };
  const balance = async (merchantId: string) =>
    Object.fromEntries(
      (await admin('ledger', 'balance', merchantId))
        .trim()
        .split('\n')
        .map((l) => l.split('\t'))
        .map(([k, v]) => [k, Number(v)]),
    );
  const settledPayment = async (key: string, amount: number, extra: Record<string, unknown> = {}) => {
    const created = await stack.api('POST', '/v1/payments', { merchantReference: uniqueRef('led'), amount, method: 'VA_BCA', ...extra }, { key });
    assert.equal(created.status, 201, created.text);
    await stack.pay(created.json.id);
    const settled = await eventually(
      async () => (await stack.api('GET', `/v1/payments/${created.json.id}`, undefined, { key })).json as PaymentView,
      (p) => p.status === 'SETTLED',
      20_000,
    );
    assert.equal(settled.status, 'SETTLED');
    return settled;
  };

  it('keys made with the admin CLI work at once; two keys of one merchant both work; revoked and expired → 401; missing scope → 403', async () => {
    const created = await admin('merchants', 'create', 'shop-keys', '--name', 'Toko Kunci');
    assert.match(created, /created merchant shop-keys/);
    assert.match(created, /webhook signing secret \(shown once\): whsec_/);
    const full = await newKey('shop-keys');
    const readOnly = await newKey('shop-keys', '--scopes', 'payments:read');
    // No restart: the API reads keys from the database.
    for (const key of [full.secret, readOnly.secret]) {
      const listed = await stack.api('GET', '/v1/payments?limit=1', undefined, { key });
      assert.equal(listed.status, 200, listed.text);
    }
    const payment = await stack.api('POST', '/v1/payments', { merchantReference: uniqueRef('k'), amount: 10_000, method: 'QRIS' }, { key: full.secret });
    assert.equal(payment.status, 201, payment.text);
    assert.equal((await stack.api('GET', `/v1/payments/${payment.json.id}`, undefined, { key: readOnly.secret })).status, 200, 'the second key sees the same merchant');

    // Missing scope: 403 with a clear code, and nothing done.
    for (const [method, path, body] of [
      ['POST', '/v1/payments', { merchantReference: uniqueRef('k'), amount: 10_000, method: 'QRIS' }],
      ['POST', '/v1/payouts', PAYOUT(uniqueRef('k'), 250_000)],
      ['POST', `/v1/payments/${payment.json.id}/refunds`, { reason: 'x' }],
      ['GET', '/v1/events', undefined],
    ] as const) {
      const res = await stack.api(method, path, body, { key: readOnly.secret });
      assert.equal(res.status, 403, `${method} ${path}: ${res.text}`);
      assert.equal(res.json.code, 'INSUFFICIENT_SCOPE');
    }

    // The list shows prefixes, never secrets.
    const listed = await admin('keys', 'list', 'shop-keys');
    assert.ok(!listed.includes(full.secret) && listed.includes(full.secret.slice(0, 16)));

    // Revoked: 401 as soon as the API hears of it (the key cache is emptied on PostgreSQL's
    // notice, src/db/verified-keys.ts; its own life is a minute, so a pass here is the notice),
    // while the other key keeps working.
    assert.match(await admin('keys', 'revoke', readOnly.id), /revoked/);
    const revoked = await eventually(
      () => stack.api('GET', '/v1/payments?limit=1', undefined, { key: readOnly.secret }),
      (r) => r.status === 401,
      5_000,
    );
    assert.equal(revoked.status, 401);
    assert.equal(revoked.json.detail, 'this API key was revoked');
    assert.equal((await stack.api('GET', '/v1/payments?limit=1', undefined, { key: full.secret })).status, 200);
    assert.match(await admin('keys', 'list', 'shop-keys'), /revoked/);

    // Expired: works until its expiry, then 401.
    const shortLived = await newKey('shop-keys', '--scopes', 'payments:read', '--expires', '5s');
    assert.equal((await stack.api('GET', '/v1/payments?limit=1', undefined, { key: shortLived.secret })).status, 200);
    const expired = await eventually(
      () => stack.api('GET', '/v1/payments?limit=1', undefined, { key: shortLived.secret }),
      (r) => r.status === 401,
      10_000,
    );
    assert.equal(expired.status, 401);
    assert.equal(expired.json.detail, 'this API key has expired');

    // An unknown key and a key for no merchant: 401, and the CLI refuses keys for unknown merchants.
    assert.equal((await stack.api('GET', '/v1/payments?limit=1', undefined, { key: 'sk_live_not_a_key_at_all' })).status, 401);
    assert.notEqual((await stack.admin('keys', 'create', 'no-such-merchant')).code, 0);
  });

  it('a rotated webhook secret: callbacks carry both signatures during the overlap, only the new one after (README verifier)', async () => {
    await admin('merchants', 'create', 'shop-rotate', '--webhook-secret', 'whsec_rotate_first_secret');
    const key = (await newKey('shop-rotate')).secret;
    const callbackFor = async (id: string) => {
      const got = await eventually(
        async () => merchant.received.find((r) => JSON.parse(r.body).data.id === id && JSON.parse(r.body).type === 'payment.paid'),
        (r) => r !== undefined,
        20_000,
      );
      assert.ok(got, `payment.paid callback for ${id}`);
      return { body: Buffer.from(got.body), signature: got.headers['bayar-signature'] as string };
    };

    const before = await callbackFor((await settledPayment(key, 20_000, { callbackUrl: merchant.url })).id);
    assert.equal(verify('whsec_rotate_first_secret', before.body, before.signature), true);

    const rotated = await admin('merchants', 'rotate-secret', 'shop-rotate', '--overlap', '20s', '--secret', 'whsec_rotate_second_secret');
    const retiresAt = Date.parse(/until (\S+)/.exec(rotated)![1]!);
    const during = await callbackFor((await settledPayment(key, 21_000, { callbackUrl: merchant.url })).id);
    assert.ok(Date.now() < retiresAt, 'the callback came within the overlap');
    assert.match(during.signature, /^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    assert.equal(verify('whsec_rotate_second_secret', during.body, during.signature), true, 'new secret');
    assert.equal(verify('whsec_rotate_first_secret', during.body, during.signature), true, 'old secret, within the overlap');

    // The overlap's end is a wall-clock instant the CLI printed: wait for it, then one more payment.
    await eventually(
      async () => Date.now(),
      (now) => now > retiresAt + 100,
      30_000,
    );
    const afterwards = await callbackFor((await settledPayment(key, 22_000, { callbackUrl: merchant.url })).id);
    assert.match(afterwards.signature, /^t=\d+,v1=[0-9a-f]{64}$/);
    assert.equal(verify('whsec_rotate_second_secret', afterwards.body, afterwards.signature), true);
    assert.equal(verify('whsec_rotate_first_secret', afterwards.body, afterwards.signature), false, 'the old secret no longer signs');
  });

  it('payouts: over the balance → 422 and nothing sent; only a payouts key pays out; collected money is the balance; concurrent payouts at the edge → exactly one', async () => {
    await admin('merchants', 'create', 'shop-ledger');
    const payoutKey = await newKey('shop-ledger');
    const key = payoutKey.secret;
    const noPayouts = (await newKey('shop-ledger', '--scopes', 'payments:write,payments:read,refunds')).secret;
    const sentFor = async (ref: string) => {
      const res = await stack.sandbox('GET', '/_sandbox/xendit/payouts', undefined, SANDBOX_PORT_OFFSETS.xendit);
      return (res.json.payouts as { reference: string }[]).filter((p) => p.reference.startsWith(`${payoutIdFor('shop-ledger', ref)}-`));
    };

    // Nothing collected yet: refused before anything is sent.
    const broke = uniqueRef('po');
    const refused = await stack.api('POST', '/v1/payouts', PAYOUT(broke, 250_000), { key });
    assert.equal(refused.status, 422, refused.text);
    assert.equal(refused.json.code, 'INSUFFICIENT_BALANCE');
    assert.equal(refused.json.available, 0);
    assert.deepEqual(await sentFor(broke), [], 'nothing reached the provider');
    assert.equal((await stack.api('GET', `/v1/payouts/${payoutIdFor('shop-ledger', broke)}`, undefined, { key })).status, 404, 'no payout exists');
    const forbidden = await stack.api('POST', '/v1/payouts', PAYOUT(uniqueRef('po'), 250_000), { key: noPayouts });
    assert.equal(forbidden.status, 403);

    // Collect 300,000: the ledger says so once the payment is paid.
    await settledPayment(key, 300_000);
    const collected = await eventually(
      () => balance('shop-ledger'),
      (b) => b.collected === 300_000,
      10_000,
    );
    assert.deepEqual([collected.collected, collected.available], [300_000, 300_000]);

    // Two payouts of 200,000 at once: one reserves, the other finds 100,000 left.
    const refs = [uniqueRef('po'), uniqueRef('po')];
    const results = await Promise.all(refs.map((ref) => stack.api('POST', '/v1/payouts', PAYOUT(ref, 200_000), { key })));
    const statuses = results.map((r) => r.status).sort();
    assert.equal(statuses.filter((s) => s === 422).length, 1, JSON.stringify(results.map((r) => [r.status, r.json.code])));
    assert.ok(statuses.some((s) => s === 201 || s === 202));
    const losingRef = refs[results.findIndex((r) => r.status === 422)]!;
    assert.deepEqual(await sentFor(losingRef), [], 'the refused one sent nothing');
    const winner = results.find((r) => r.status !== 422)!.json as { id: string };
    // Held, or already paid out if the sandbox was quick: either way 100,000 is left.
    const reserved = await balance('shop-ledger');
    assert.deepEqual([reserved.available, reserved.reserved + reserved.paidOut], [100_000, 200_000]);

    // It succeeds: the reservation becomes paid out. The same request again reserves nothing more.
    await eventually(
      async () => (await stack.api('GET', `/v1/payouts/${winner.id}`, undefined, { key })).json.status,
      (s) => s === 'SUCCEEDED',
      20_000,
    );
    const paid = await eventually(
      () => balance('shop-ledger'),
      (b) => b.paidOut === 200_000,
      10_000,
    );
    assert.deepEqual([paid.available, paid.reserved, paid.paidOut], [100_000, 0, 200_000]);
    const winnerRef = refs[results.findIndex((r) => r.status !== 422)]!;
    assert.equal((await stack.api('POST', '/v1/payouts', PAYOUT(winnerRef, 200_000), { key })).status, 200);
    assert.equal((await balance('shop-ledger')).available, 100_000);

    // A payout the bank refuses gives its reservation back.
    const failNext = await stack.sandbox('POST', '/_sandbox/xendit/payouts/next', { outcome: 'FAILED', failureCode: 'INVALID_DESTINATION' }, SANDBOX_PORT_OFFSETS.xendit);
    assert.equal(failNext.status, 200);
    const failing = await stack.api('POST', '/v1/payouts', PAYOUT(uniqueRef('po'), 100_000), { key });
    assert.ok([201, 202].includes(failing.status), failing.text);
    await eventually(
      async () => (await stack.api('GET', `/v1/payouts/${failing.json.id}`, undefined, { key })).json.status,
      (s) => s === 'FAILED',
      20_000,
    );
    const released = await eventually(
      () => balance('shop-ledger'),
      (b) => b.available === 100_000,
      10_000,
    );
    assert.deepEqual([released.available, released.reserved], [100_000, 0]);
    // It held the money while in flight (reserved, then released), in the ledger's own words.
    const pool = createPool(stack.databaseUrl, { name: 'bayar-test', max: 1 });
    try {
      const entries = await pool.query<{ kind: string; amount: number }>('SELECT kind, amount FROM ledger_entries WHERE payout_id = $1 ORDER BY id', [failing.json.id]);
      assert.deepEqual(
        entries.rows.map((e) => [e.kind, e.amount]),
        [
          ['PAYOUT_RESERVED', -100_000],
          ['PAYOUT_RELEASED', 100_000],
        ],
      );
      // And which key asked for it.
      const audited = await pool.query<{ action: string; api_key_id: string; merchant_id: string }>('SELECT action, api_key_id, merchant_id FROM audit_log WHERE object_id = $1', [failing.json.id]);
      assert.deepEqual(audited.rows, [{ action: 'payout.create', api_key_id: payoutKey.id, merchant_id: 'shop-ledger' }]);
    } finally {
      await pool.end();
    }
  });

  it('an unreachable endpoint: the event is stored with its failed attempts, and a resend delivers it once under the same id', async () => {
    await admin('merchants', 'create', 'shop-events', '--webhook-secret', 'whsec_events_secret_one');
    const key = (await newKey('shop-events')).secret;
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/events`;
    // Registered through the API; only payment.paid.
    const endpoint = await stack.api('POST', '/v1/endpoints', { url, eventTypes: ['payment.paid'] }, { key });
    assert.equal(endpoint.status, 201, endpoint.text);
    assert.equal((await stack.api('GET', '/v1/endpoints', undefined, { key })).json.endpoints.length, 1);

    const payment = await settledPayment(key, 40_000);
    // The worker gives up after BAYAR_MERCHANT_NOTIFY_TIMEOUT (6 s): the timeline says so.
    await eventually(
      async () => (await stack.api('GET', `/v1/payments/${payment.id}`, undefined, { key })).json as PaymentView,
      (p) => p.timeline.some((t) => t.type === 'merchant-notify-failed'),
      30_000,
    );
    const undelivered = await stack.api('GET', '/v1/events?undelivered=true&type=payment.paid', undefined, { key });
    assert.equal(undelivered.status, 200, undelivered.text);
    const event = (undelivered.json.events as { id: string; paymentId: string; attempts: { statusCode?: number; error?: string; url: string }[]; deliveredAt?: string }[]).find(
      (e) => e.paymentId === payment.id,
    );
    assert.ok(event, 'the undelivered event is listed');
    assert.ok(event.attempts.length >= 1 && event.attempts.every((a) => a.error?.startsWith('unreachable') && a.url === url), JSON.stringify(event.attempts));
    assert.equal(event.deliveredAt, undefined);

    // The endpoint comes back; the merchant asks for the event again.
    const received: { headers: IncomingMessage['headers']; body: string }[] = [];
    const server: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
    try {
      const resent = await stack.api('POST', `/v1/events/${encodeURIComponent(event.id)}/resend`, undefined, { key });
      assert.equal(resent.status, 200, resent.text);
      assert.equal(resent.json.delivered, true);
      assert.equal(received.length, 1, 'delivered once');
      assert.equal(received[0]!.headers['bayar-event-id'], event.id, 'under the same event id');
      const body = JSON.parse(received[0]!.body);
      assert.deepEqual([body.id, body.type, body.data.id], [event.id, 'payment.paid', payment.id]);
      assert.equal(verify('whsec_events_secret_one', Buffer.from(received[0]!.body), received[0]!.headers['bayar-signature'] as string), true);
      const stored = await stack.api('GET', `/v1/events/${encodeURIComponent(event.id)}`, undefined, { key });
      assert.ok(stored.json.deliveredAt);
      assert.equal(stored.json.attempts.at(-1).statusCode, 200);
      const still = await stack.api('GET', '/v1/events?undelivered=true', undefined, { key });
      assert.ok(!(still.json.events as { id: string }[]).some((e) => e.id === event.id), 'no longer undelivered');
      // Another merchant cannot see or resend it.
      assert.equal((await stack.api('POST', `/v1/events/${encodeURIComponent(event.id)}/resend`, undefined)).status, 404);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('merchant refunds send refund.succeeded, one event per refund, and are debited from the ledger', async () => {
    await admin('merchants', 'create', 'shop-refunds');
    const key = (await newKey('shop-refunds')).secret;
    const created = await stack.api('POST', '/v1/payments', { merchantReference: uniqueRef('rf'), amount: 100_000, method: 'QRIS', callbackUrl: merchant.url }, { key });
    assert.equal(created.status, 201, created.text);
    await stack.pay(created.json.id);
    await eventually(
      async () => (await stack.api('GET', `/v1/payments/${created.json.id}`, undefined, { key })).json.status,
      (s) => s === 'SETTLED',
      20_000,
    );
    for (const refundId of ['rf-one', 'rf-two']) {
      const refund = await stack.api('POST', `/v1/payments/${created.json.id}/refunds`, { amount: 30_000, reason: 'returned', refundId }, { key });
      assert.equal(refund.status, 201, refund.text);
    }
    const listed = await eventually(
      async () =>
        ((await stack.api('GET', '/v1/events?type=refund.succeeded', undefined, { key })).json.events as { id: string; paymentId: string; deliveredAt?: string }[]).filter(
          (e) => e.paymentId === created.json.id,
        ),
      (events) => events.length === 2 && events.every((e) => e.deliveredAt),
      20_000,
    );
    assert.deepEqual(listed.map((e) => e.id).sort(), [`${created.json.id}:refund.succeeded:rf-one`, `${created.json.id}:refund.succeeded:rf-two`]);
    const callbacks = merchant.received.filter((r) => JSON.parse(r.body).type === 'refund.succeeded' && JSON.parse(r.body).data.id === created.json.id);
    assert.deepEqual(callbacks.map((c) => c.headers['bayar-event-id']).sort(), listed.map((e) => e.id).sort(), 'each refund delivered under its own event id');
    const b = await eventually(
      () => balance('shop-refunds'),
      (x) => x.refunded === 60_000,
      10_000,
    );
    assert.deepEqual([b.collected, b.refunded, b.available], [100_000, 60_000, 40_000]);
  });
});
