// Money paid at a payment's deadline, on the sandboxes alone (real HTTP, in-process kits): cluster
// chaos run 13's two `late-payment-unhandled` (docs/chaos.md, "The two Midtrans last-second
// payments of run 13"). There the client's forced pay reached the Midtrans sandbox before bayar had
// made the charge (its first workflow task was late), the sandbox answered HTTP 200 with
// status_code 404 inside, and the client counted that as money paid; the charge made seconds later
// never held any. These tests pin what the sandbox does with a pay before the charge, a pay racing
// the expiry and the close bayar sends at the deadline, and the evidence a chaos run now keeps.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../src/config/config.js';
import { basicAuthHeader } from '../../src/providers/midtrans/signature.js';
import { toOrderTime } from '../../src/providers/midtrans/schemas.js';
import { MidtransSandbox } from '../../src/providers/midtrans/sandbox/sandbox.js';
import { SANDBOXES } from '../../src/sandbox/dev-defaults.js';
import { SandboxKit } from '../../src/sandbox/kit.js';
import type { LedgerEntry } from '../../src/sandbox/kit.js';
import type { ProviderName } from '../../src/domain/payment.js';
import { attachEvidence, evidenceLine, payAccepted, type PayCall } from '../helpers/chaos-evidence.js';
import type { ClientRecord, Violation } from '../helpers/invariants.js';
import { randomPaymentId, until } from '../helpers/wait.js';

const SERVER_KEY = 'SB-Mid-server-bayar-sandbox-dev';

interface Json {
  status: number;
  body: any;
}

describe('midtrans sandbox: money at the deadline', () => {
  let kit: SandboxKit;
  let url: string;
  let receiver: Server;
  const received: { transaction_status: string; order_id: string }[] = [];

  before(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as { transaction_status: string; order_id: string });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    kit = new SandboxKit(new MidtransSandbox({ serverKey: SERVER_KEY }), { callbackUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/midtrans`, timeScale: 0.0001 });
    url = `http://127.0.0.1:${await kit.listen(0)}`;
  });
  after(async () => {
    await kit.close();
    await new Promise((r) => receiver.close(r));
  });

  const call = async (method: 'GET' | 'POST', path: string, body?: unknown, auth = false): Promise<Json> => {
    const res = await fetch(url + path, {
      method,
      headers: { 'content-type': 'application/json', ...(auth ? { authorization: basicAuthHeader(SERVER_KEY) } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: await res.json() };
  };
  const pay = (orderId: string, body: { force?: boolean } = {}) => call('POST', `/_sandbox/charges/${orderId}/pay`, body);
  const status = async (orderId: string) => (await call('GET', `/v2/${orderId}/status`, undefined, true)).body as { status_code: string; transaction_status: string };
  const close = (orderId: string, to: 'cancel' | 'expire') => call('POST', `/v2/${orderId}/${to}`, {}, true);
  const ledgerRow = async (orderId: string) => ((await call('GET', '/_sandbox/ledger')).body.charges as LedgerEntry[]).find((c) => c.reference === orderId);
  const evidence = async (orderId: string) => (await call('GET', `/_sandbox/charges/${orderId}`)).body;
  /** A charge as bayar's adapter makes it: order_time and a duration of at least 20 s (midtrans/index.ts). */
  const charge = async (orderId: string, orderTime: number, seconds = 20) => {
    const made = await call(
      'POST',
      '/v2/charge',
      {
        payment_type: 'bank_transfer',
        bank_transfer: { bank: 'bni' },
        transaction_details: { order_id: orderId, gross_amount: 333_000 },
        custom_expiry: { order_time: toOrderTime(orderTime), expiry_duration: seconds, unit: 'second' },
      },
      true,
    );
    assert.equal(made.body.status_code, '201', JSON.stringify(made.body));
    return made.body as { transaction_id: string; expiry_time: string };
  };

  it("run 13's shape: a forced pay before the charge exists is refused with HTTP 404, and the charge made after its deadline holds no money", async () => {
    const orderId = randomPaymentId();
    const early = await pay(orderId, { force: true });
    assert.equal(early.status, 404, 'the HTTP status says it: nothing was paid');
    assert.equal(early.body.status_code, '404', "Midtrans' own code is still in the body");
    assert.equal(payAccepted(early.status, early.body), false);
    // "200 {status_code: 404}" is how it was answered before: the chaos client no longer counts it either.
    assert.equal(payAccepted(200, early.body), false);

    // bayar's late create: order time now, whole expiry already behind it (as a charge made after
    // the payment's deadline has, judged by bayar's own timer; here the sandbox's too).
    await charge(orderId, Date.now() - 25_000);
    assert.equal((await status(orderId)).transaction_status, 'expire');
    const row = await ledgerRow(orderId);
    assert.deepEqual([row?.status, row?.paidAmount], ['expire', 0]);
    const kept = await evidence(orderId);
    assert.deepEqual(
      kept.controlCalls.map((c: { action: string; status: number }) => [c.action, c.status]),
      [['pay', 404]],
      'the refused pay is kept with the charge',
    );
    assert.deepEqual(
      kept.record.history.map((h: { status: string }) => h.status),
      ['pending', 'expire'],
    );
    assert.ok(Date.parse(kept.controlCalls[0].at) < Date.parse(kept.record.createdAt), 'the pay came before the charge');
  });

  it('a forced pay at the deadline stays settled: the expiry that follows, /expire and /cancel are refused with 412, the ledger holds the money', async () => {
    const orderId = randomPaymentId();
    // order_time has whole seconds: 17 s ago plus 20 s expires 2–3 s from now, after the pay below.
    const made = await charge(orderId, Date.now() - 17_000);
    const paid = await pay(orderId, { force: true });
    assert.equal(paid.status, 200, JSON.stringify(paid.body));
    assert.equal(payAccepted(paid.status, paid.body), true);
    const expiresAt = Date.parse((await evidence(orderId)).record.expiresAt);
    assert.ok(Number.isFinite(expiresAt), made.expiry_time);
    // Past the expiry time: the sandbox's timer and any read run the same expiry check; a settled
    // transaction is not pending, so it is left alone.
    await until(() => (Date.now() > expiresAt + 20 ? true : undefined), 8_000);
    assert.equal((await status(orderId)).transaction_status, 'settlement');
    for (const to of ['expire', 'cancel'] as const) {
      const refused = await close(orderId, to);
      assert.equal(refused.body.status_code, '412', `${to}: ${JSON.stringify(refused.body)}`);
      assert.equal(refused.body.status_message, 'Merchant cannot modify the status of the transaction');
    }
    const after = await status(orderId);
    assert.deepEqual([after.transaction_status, after.status_code], ['settlement', '200']);
    const row = await ledgerRow(orderId);
    assert.deepEqual([row?.status, row?.paidAmount], ['settlement', 333_000]);
    assert.deepEqual(
      (await evidence(orderId)).record.history.map((h: { status: string }) => h.status),
      ['pending', 'settlement'],
    );
    await until(() => received.find((n) => n.order_id === orderId && n.transaction_status === 'settlement'));
    assert.equal(received.filter((n) => n.order_id === orderId && n.transaction_status !== 'settlement').length, 0, 'no expire or cancel notification for settled money');
  });

  it('expired first, then a forced (late) pay: settlement with the money, and the close bayar sends after it is refused', async () => {
    const orderId = randomPaymentId();
    await charge(orderId, Date.now() - 25_000);
    assert.equal((await status(orderId)).transaction_status, 'expire');
    const unforced = await pay(orderId);
    assert.equal(unforced.status, 412, 'an expired transaction takes no ordinary payment');
    const late = await pay(orderId, { force: true });
    assert.equal(late.status, 200, JSON.stringify(late.body));
    assert.equal((await close(orderId, 'expire')).body.status_code, '412');
    assert.equal((await status(orderId)).transaction_status, 'settlement');
    assert.equal((await ledgerRow(orderId))?.paidAmount, 333_000);
    const kept = await evidence(orderId);
    // Born past its expiry: the sandbox's timer (due at once) or the status read expires it first.
    const history = kept.record.history as { status: string; cause: string }[];
    assert.deepEqual(
      history.map((h) => h.status),
      ['pending', 'expire', 'settlement'],
    );
    assert.match(history[1]!.cause, /^expiry time reached \((timer|seen on a read)\)$/);
    assert.equal(history[2]!.cause, 'paid late (force) after expire');
    assert.deepEqual(
      kept.controlCalls.map((c: { status: number }) => c.status),
      [412, 200],
    );
  });

  it('a pay racing the close at the deadline: whatever the order, HTTP 200 from pay ⇔ settlement ⇔ money in the ledger', async () => {
    const outcomes = new Set<string>();
    await Promise.all(
      Array.from({ length: 24 }, async (_, i) => {
        const orderId = randomPaymentId();
        const force = i % 2 === 0;
        // bayar's deadline comes before Midtrans' own expiry (at least 20 s, midtrans/index.ts): at
        // it, bayar closes a still pending charge; the customer's pay comes at the same moment,
        // over another connection.
        await charge(orderId, Date.now());
        const [paid, closed] = await Promise.all([pay(orderId, { force }), close(orderId, i % 4 < 2 ? 'expire' : 'cancel')]);
        const final = await status(orderId);
        const row = await ledgerRow(orderId);
        const label = `${force ? 'forced' : 'plain'} pay ${paid.status}, close ${closed.body.status_code}, ${final.transaction_status}`;
        outcomes.add(label);
        if (paid.status === 200) {
          assert.deepEqual([final.transaction_status, row?.paidAmount], ['settlement', 333_000], label);
        } else {
          assert.equal(paid.status, 412, label);
          assert.equal(row?.paidAmount, 0, label);
          assert.notEqual(final.transaction_status, 'settlement', label);
        }
        if (force) assert.equal(paid.status, 200, `a forced pay takes the money whichever came first: ${label}`);
        if (closed.body.status_code === '412') assert.equal(final.transaction_status, 'settlement', `a close is refused only for money: ${label}`);
      }),
    );
    assert.ok(outcomes.size >= 2, [...outcomes].join('; '));
  });
});

describe('every sandbox: the pay control answers HTTP 200 only when it took money', () => {
  const config = loadConfig({ BAYAR_ENV: 'development', BAYAR_LOG_LEVEL: 'warn' });
  for (const [name, descriptor] of SANDBOXES) {
    it(`${name}: a pay for a charge it does not hold is a 4xx, forced or not`, async () => {
      const kit = new SandboxKit(await descriptor.create(config.providers[name] as never), { callbackUrl: 'http://127.0.0.1:9/webhooks', timeScale: 0.0001 });
      const url = `http://127.0.0.1:${await kit.listen(0)}`;
      try {
        for (const body of [{}, { force: true }]) {
          const res = await fetch(`${url}/_sandbox/charges/${randomPaymentId()}/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
          const text = await res.text();
          assert.ok(res.status >= 400 && res.status < 500, `${name} ${JSON.stringify(body)}: ${res.status} ${text}`);
        }
      } finally {
        await kit.close();
      }
    });
  }
});

describe('chaos evidence', () => {
  it('payAccepted: HTTP 2xx, and no provider status_code other than 200 in the body', () => {
    assert.equal(payAccepted(200, { status_code: '200', status_message: 'Success, transaction is settled' }), true);
    assert.equal(payAccepted(200, { status: 'PENDING', message: 'Payment simulation is being processed. A webhook will follow.' }), true);
    assert.equal(payAccepted(200, { status_code: '404', status_message: "Transaction doesn't exist." }), false);
    assert.equal(payAccepted(200, { status_code: '412' }), false);
    assert.equal(payAccepted(404, { error_code: 'DATA_NOT_FOUND' }), false);
    assert.equal(payAccepted(503, 'sandbox fault'), false);
    assert.equal(payAccepted('error', 'fetch failed'), false);
  });

  it("keeps the client's pay calls and the sandbox's ledger row, record and control calls with each violation", async () => {
    const kit = new SandboxKit(new MidtransSandbox({ serverKey: SERVER_KEY }), { callbackUrl: 'http://127.0.0.1:9/webhooks', timeScale: 0.0001 });
    const url = `http://127.0.0.1:${await kit.listen(0)}`;
    try {
      const id = randomPaymentId();
      const sentAt = new Date().toISOString();
      const res = await fetch(`${url}/_sandbox/charges/${id}/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"force":true}' });
      const answer = await res.json();
      const payCall: PayCall = {
        journey: 'last-second',
        force: true,
        sentAt,
        answeredAt: new Date().toISOString(),
        deadline: sentAt,
        status: res.status,
        answer,
        accepted: payAccepted(res.status, answer),
      };
      const record: ClientRecord = {
        id,
        merchantReference: 'chaos-x-1',
        provider: 'midtrans',
        method: 'VA_BNI',
        amount: 333_000,
        created: true,
        paidAfterExpiry: false,
        paidAfterDeadline: payCall.accepted,
        createDenials: [],
        confirmedRefunds: new Map(),
        payCalls: [payCall],
      };
      const orphan = randomPaymentId();
      const violations: Violation[] = [
        { rule: 'late-payment-unhandled', paymentId: id, detail: 'x' },
        { rule: 'stuck-pending', paymentId: id, detail: 'y' },
        { rule: 'orphan-charge', paymentId: orphan, detail: 'z' },
        { rule: 'database equals workflow', detail: 'no payment named' },
      ];
      await attachEvidence(violations, [record], { midtrans: url, xendit: 'http://127.0.0.1:9' } as Partial<Record<ProviderName, string>>, { timeoutMs: 2_000 });
      const [first, second, third, fourth] = violations;
      assert.equal(first!.evidence, second!.evidence, 'one read per payment');
      assert.deepEqual(first!.evidence?.client?.payCalls, [payCall]);
      assert.equal(first!.evidence?.client?.payCalls[0]!.accepted, false);
      const kept = first!.evidence?.sandbox.midtrans as { controlCalls: { action: string; status: number; request: unknown }[]; ledger: unknown[] };
      assert.deepEqual(
        kept.controlCalls.map((c) => [c.action, c.status, c.request]),
        [['pay', 404, { force: true }]],
      );
      assert.deepEqual(kept.ledger, []);
      assert.deepEqual(Object.keys(first!.evidence!.sandbox), ['midtrans'], "only the payment's own provider is asked");
      // A reference no client named: every sandbox is asked; one that holds nothing says 404, one that is down says so.
      assert.equal(third!.evidence?.client, undefined);
      assert.deepEqual((third!.evidence?.sandbox.midtrans as { status: number }).status, 404);
      assert.ok('error' in (third!.evidence?.sandbox.xendit as object));
      assert.equal(fourth!.evidence, undefined);
      // The printed report's line: the refused pay is there for a reader of the log, not only of the JSON.
      const line = evidenceLine(first!.evidence!);
      assert.match(line, /^pay \(force\) sent \d\d:\d\d:\d\d\.\d{3}, deadline \d\d:\d\d:\d\d\.\d{3}: 404\/404 not counted \| midtrans: no ledger row$/);
      assert.match(evidenceLine(third!.evidence!), /midtrans: no charge \(404\) \| xendit: /);
    } finally {
      await kit.close();
    }
  });
});
