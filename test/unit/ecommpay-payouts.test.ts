// ecommpay payouts, tested from outside the code they test: the payout request as it goes on the
// wire (its signature recomputed with the official `ecommpay` package's signer), every kind of
// answer from a scripted Gate (what is a definite refusal, what is "not processed", what may have
// been taken and must only be looked up), the status look-up, and payout callbacks built from
// seed 004's callback example with `type` "payout", signed with the official signer. Then the
// adapter against the in-process sandbox, end to end without Temporal.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { ECOMMPAY_PATHS, ecommpayPayoutCapabilities } from '../../src/providers/ecommpay/capabilities.js';
import { EcommpayProvider } from '../../src/providers/ecommpay/index.js';
import { PAYOUT_PAYEE_PLACEHOLDER } from '../../src/providers/ecommpay/payouts.js';
import { payoutRequestSchema } from '../../src/providers/ecommpay/schemas.js';
import { signCallback } from '../../src/providers/ecommpay/signature.js';
import { ecommpayPayoutStatusToState } from '../../src/providers/ecommpay/status.js';
import type { SendPayoutRequest } from '../../src/providers/payout.js';
import { ProviderOutcomeUnknown, ProviderRejected, ProviderUnavailable, SignatureInvalid, type RawWebhook } from '../../src/providers/provider.js';
import { SandboxKit } from '../../src/sandbox/kit.js';
import { EcommpaySandbox } from '../../src/providers/ecommpay/sandbox/sandbox.js';
import { until } from '../helpers/wait.js';

const PROJECT_ID = 2990;
const SECRET = 'ecommpay-payout-unit-secret';
const PAYOUT_ID = 'payout_0123456789abcdef01234567';

const require = createRequire(import.meta.url);
const official = require('ecommpay') as { signer(obj: unknown, secret: string): string; Callback: new (secret: string, data: unknown) => unknown };

function payoutRequest(overrides: Partial<SendPayoutRequest> = {}): SendPayoutRequest {
  return {
    payoutId: PAYOUT_ID,
    attempt: 1,
    providerPayoutId: `${PAYOUT_ID}-1`,
    amount: 175_000,
    feeType: 'CHARGE_TO_BALANCE',
    destination: { bankCode: 'MANDIRI', accountNumber: '0012345678', accountName: 'Budi Santoso' },
    description: 'Seller payout week 12',
    ...overrides,
  };
}

/** Seed 004's success callback, as ecommpay would send it about a payout (type "payout"), signed with the official signer. */
function payoutCallback(status: string, overrides: { id?: string; code?: string; message?: string; secret?: string; project?: number } = {}): string {
  const body = {
    project_id: overrides.project ?? PROJECT_ID,
    payment: { id: overrides.id ?? `${PAYOUT_ID}-1`, type: 'payout', status, date: '2020-02-22T22:44:46+0000', method: 'indonesia-va', sum: { amount: 17_500_000, currency: 'IDR' } },
    account: { number: '0012345678' },
    customer: { id: '1' },
    operation: {
      id: 52084000029401,
      type: 'payout',
      status,
      date: '2020-02-22T22:44:46+0000',
      created_date: '2020-02-22T17:30:42+0000',
      request_id: '59b48b4c2d0a2b6a-00052085',
      sum_initial: { amount: 17_500_000, currency: 'IDR' },
      sum_converted: { amount: 17_500_000, currency: 'IDR' },
      code: overrides.code ?? (status === 'success' ? '0' : '20101'),
      message: overrides.message ?? (status === 'success' ? 'Success' : 'Decline due to amount or frequency limit'),
    },
  };
  return JSON.stringify({ ...body, signature: official.signer(body, overrides.secret ?? SECRET) });
}

const raw = (body: string): RawWebhook => ({ headers: { 'content-type': 'application/json' }, rawBody: Buffer.from(body), path: '/webhooks/ecommpay' });

/** A status answer about a payout, signed as the sandbox (and, where it signs, ecommpay) does. */
function statusAnswer(id: string, status: string, amount = 17_500_000, type = 'payout') {
  return signCallback(
    {
      project_id: PROJECT_ID,
      payment: { id, type, status, method: 'indonesia-va', sum: { amount, currency: 'IDR' } },
      operations: [{ id: 52084000029402, type: 'payout', status, code: status === 'decline' ? '20101' : '0', message: status === 'decline' ? 'Decline due to amount or frequency limit' : 'Success' }],
    },
    SECRET,
  );
}

// ---- a scripted Gate: each request is answered by the next script entry for its path ----

type Answer = { status: number; body: unknown } | 'hang';

async function scriptedGate() {
  const seen: { path: string; body: string }[] = [];
  const scripts = new Map<string, Answer[]>();
  const hung: ServerResponse[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '';
      seen.push({ path, body: Buffer.concat(chunks).toString('utf8') });
      const answer = scripts.get(path)?.shift() ?? { status: 404, body: { status: 'error', code: '3061', message: 'Transaction not found' } };
      if (answer === 'hang') return void hung.push(res);
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    seen,
    script: (path: string, ...answers: Answer[]) => scripts.set(path, answers),
    reset: () => {
      seen.length = 0;
      scripts.clear();
    },
    close: async () => {
      for (const res of hung) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe('ecommpay payout request and answers (scripted Gate)', () => {
  let gate: Awaited<ReturnType<typeof scriptedGate>>;
  let provider: EcommpayProvider;
  before(async () => {
    gate = await scriptedGate();
    provider = new EcommpayProvider({ projectId: PROJECT_ID, secretKey: SECRET, baseUrl: gate.url, timeoutMs: 500 });
  });
  after(() => gate.close());
  const accepted = (id = `${PAYOUT_ID}-1`) => ({ status: 200, body: { status: 'success', request_id: 'r-1', project_id: PROJECT_ID, payment_id: id } });

  it('sends the published payout fields, signed in general.signature (the official signer agrees)', async () => {
    gate.reset();
    gate.script(ECOMMPAY_PATHS.payout, accepted());
    const snapshot = await provider.sendPayout(payoutRequest());
    assert.deepEqual(snapshot, { state: 'PENDING', providerStatus: 'accepted' });
    assert.deepEqual(
      gate.seen.map((s) => s.path),
      ['/v2/payment/banks/indonesia-va/payout'],
    );
    const sent = JSON.parse(gate.seen[0]!.body) as { general: Record<string, unknown> } & Record<string, unknown>;
    const { signature, ...general } = sent.general;
    assert.equal(signature, official.signer({ ...sent, general }, SECRET));
    assert.deepEqual(general, { payment_id: `${PAYOUT_ID}-1`, project_id: PROJECT_ID });
    assert.deepEqual(sent.payment, { amount: 17_500_000, currency: 'IDR', description: 'Seller payout week 12' });
    assert.deepEqual(sent.account, { number: '0012345678', bank_id: 434, customer_name: 'Budi Santoso' });
    const customer = sent.customer as Record<string, string>;
    assert.match(customer.id!, /^payee_[0-9a-f]{32}$/);
    assert.ok(!customer.id!.includes('0012345678'), 'the account number cannot be read from the customer id');
    assert.equal(customer.ip_address, PAYOUT_PAYEE_PLACEHOLDER.ipAddress);
    assert.equal(customer.email, PAYOUT_PAYEE_PLACEHOLDER.email);
    assert.ok(payoutRequestSchema.safeParse(sent).success, 'the sandbox’s schema accepts it');
    // The same recipient is the same customer on the next payout.
    gate.script(ECOMMPAY_PATHS.payout, accepted(`${PAYOUT_ID}-2`));
    await provider.sendPayout(payoutRequest({ attempt: 2, providerPayoutId: `${PAYOUT_ID}-2` }));
    assert.equal((JSON.parse(gate.seen[1]!.body) as { customer: { id: string } }).customer.id, customer.id);
  });

  it('refuses what ecommpay cannot do before anything is sent', async () => {
    gate.reset();
    await assert.rejects(
      provider.sendPayout(payoutRequest({ destination: { bankCode: 'BCA', accountNumber: '0012345678', accountName: 'Budi' } })),
      (e: unknown) => e instanceof ProviderRejected && e.code === 'BANK_NOT_SUPPORTED',
    );
    await assert.rejects(provider.sendPayout(payoutRequest({ feeType: 'DEDUCT_FROM_AMOUNT' })), (e: unknown) => e instanceof ProviderRejected && e.code === 'UNSUPPORTED_FEE_TYPE');
    assert.deepEqual(gate.seen, []);
    assert.ok(!ecommpayPayoutCapabilities.banks.includes('BCA'));
  });

  it('a 4xx error answer is a definite refusal; 429 is "not processed"; 5xx, an unreadable 200 and an answer for another id may have been taken', async () => {
    const cases: [Answer, new (...a: never[]) => Error, string][] = [
      [{ status: 400, body: { status: 'error', code: '2641', message: 'Invalid Bank Code or Currency' } }, ProviderRejected, 'ECOMMPAY_400_2641'],
      [{ status: 400, body: { status: 'error', code: '3261', message: 'Invalid signature' } }, ProviderRejected, 'ECOMMPAY_400_3261'],
      [{ status: 429, body: { status: 'error', message: 'Too many requests' } }, ProviderUnavailable, 'ECOMMPAY_429'],
      [{ status: 500, body: { status: 'error', code: '1', message: 'Internal error' } }, ProviderOutcomeUnknown, 'ECOMMPAY_500_1'],
      [{ status: 502, body: '<html>bad gateway</html>' }, ProviderOutcomeUnknown, 'ECOMMPAY_502'],
      [{ status: 200, body: 'not json' }, ProviderOutcomeUnknown, 'ECOMMPAY_200'],
      [accepted('payout_ffffffffffffffffffffffff-1'), ProviderOutcomeUnknown, 'ANSWER_MISMATCH'],
    ];
    for (const [answer, type, code] of cases) {
      gate.reset();
      gate.script(ECOMMPAY_PATHS.payout, answer);
      await assert.rejects(provider.sendPayout(payoutRequest()), (e: unknown) => e instanceof type && (e as { code?: string }).code === code, `${JSON.stringify(answer)} → ${type.name} ${code}`);
      assert.equal(gate.seen.length, 1, 'sent once, nothing else');
    }
  });

  it('a timeout is an unknown outcome (never resent by the adapter); a refused connection is "not sent"', async () => {
    gate.reset();
    gate.script(ECOMMPAY_PATHS.payout, 'hang');
    await assert.rejects(provider.sendPayout(payoutRequest()), ProviderOutcomeUnknown);
    assert.equal(gate.seen.filter((s) => s.path === ECOMMPAY_PATHS.payout).length, 1);
    const closed = new EcommpayProvider({ projectId: PROJECT_ID, secretKey: SECRET, baseUrl: 'http://127.0.0.1:1', timeoutMs: 500 });
    await assert.rejects(closed.sendPayout(payoutRequest()), ProviderUnavailable);
  });

  it('3041 (this attempt’s id is taken): the payout is what ecommpay holds — looked up, checked, never sent again', async () => {
    const id = `${PAYOUT_ID}-1`;
    gate.reset();
    gate.script(ECOMMPAY_PATHS.payout, { status: 400, body: { status: 'error', code: '3041', message: 'Payment ID already exists' } });
    gate.script(ECOMMPAY_PATHS.status, { status: 200, body: statusAnswer(id, 'success') });
    assert.deepEqual(await provider.sendPayout(payoutRequest()), { state: 'SUCCEEDED', providerStatus: 'success', providerReference: '52084000029402' });
    assert.deepEqual(
      gate.seen.map((s) => s.path),
      [ECOMMPAY_PATHS.payout, ECOMMPAY_PATHS.status],
    );
    // Another amount under our id, or a purchase: not ours to believe — unknown, not FAILED.
    for (const answer of [statusAnswer(id, 'success', 100_000_000), statusAnswer(id, 'success', 17_500_000, 'purchase')]) {
      gate.reset();
      gate.script(ECOMMPAY_PATHS.payout, { status: 400, body: { status: 'error', code: '3041', message: 'Payment ID already exists' } });
      gate.script(ECOMMPAY_PATHS.status, { status: 200, body: answer });
      await assert.rejects(provider.sendPayout(payoutRequest()), (e: unknown) => e instanceof ProviderOutcomeUnknown && e.code === 'ANSWER_MISMATCH');
    }
    // Not found yet: unknown (looked up again later), not a refusal.
    gate.reset();
    gate.script(ECOMMPAY_PATHS.payout, { status: 400, body: { status: 'error', code: '3041', message: 'Payment ID already exists' } });
    await assert.rejects(provider.sendPayout(payoutRequest()), ProviderOutcomeUnknown);
  });

  it('look-ups: not found → null; success, decline, processing; an error status is not taken as "nothing paid"; a lost answer is "ask again"', async () => {
    const id = `${PAYOUT_ID}-1`;
    gate.reset();
    assert.equal(await provider.findPayout(id), null);
    gate.script(
      ECOMMPAY_PATHS.status,
      { status: 200, body: statusAnswer(id, 'success') },
      { status: 200, body: statusAnswer(id, 'decline') },
      { status: 200, body: statusAnswer(id, 'processing') },
      { status: 200, body: statusAnswer(id, 'external error') },
      'hang',
    );
    assert.deepEqual(await provider.findPayout(id), { state: 'SUCCEEDED', providerStatus: 'success', providerReference: '52084000029402' });
    assert.deepEqual(await provider.findPayout(id), { state: 'FAILED', providerStatus: 'decline', providerReference: '52084000029402', reason: '20101 Decline due to amount or frequency limit' });
    assert.equal((await provider.findPayout(id))?.state, 'PENDING');
    assert.equal((await provider.findPayout(id))?.state, 'PENDING');
    await assert.rejects(provider.findPayout(id), ProviderUnavailable);
    const sent = JSON.parse(gate.seen[0]!.body) as { general: Record<string, unknown> };
    const { signature, ...general } = sent.general;
    assert.equal(signature, official.signer({ general }, SECRET));
    // A status answer whose signature does not verify is not believed.
    gate.reset();
    gate.script(ECOMMPAY_PATHS.status, { status: 200, body: { ...statusAnswer(id, 'decline'), signature: statusAnswer(id, 'success').signature } });
    await assert.rejects(provider.findPayout(id), ProviderUnavailable);
  });

  it('the status table: only success and decline are definite', () => {
    assert.equal(ecommpayPayoutStatusToState('success'), 'SUCCEEDED');
    assert.equal(ecommpayPayoutStatusToState('decline'), 'FAILED');
    for (const s of ['processing', 'awaiting confirmation', 'error', 'internal error', 'external error', 'reversed', 'constructor', '__proto__', ''])
      assert.equal(ecommpayPayoutStatusToState(s), 'PENDING', s);
  });
});

describe('ecommpay payout callbacks', () => {
  const provider = new EcommpayProvider({ projectId: PROJECT_ID, secretKey: SECRET, baseUrl: 'http://127.0.0.1:1', timeoutMs: 500 });

  it('a signed payout callback (seed 004 shape, official signer) is a notice for the attempt it names', () => {
    const success = provider.parseWebhook(raw(payoutCallback('success')));
    assert.deepEqual(success, {
      kind: 'payout',
      payoutId: PAYOUT_ID,
      providerPayoutId: `${PAYOUT_ID}-1`,
      snapshot: { state: 'SUCCEEDED', providerStatus: 'success', providerReference: '52084000029401' },
    });
    const decline = provider.parseWebhook(raw(payoutCallback('decline', { id: `${PAYOUT_ID}-2` })));
    assert.ok(decline.kind === 'payout');
    assert.equal(decline.providerPayoutId, `${PAYOUT_ID}-2`);
    assert.deepEqual(decline.snapshot, { state: 'FAILED', providerStatus: 'decline', providerReference: '52084000029401', reason: '20101 Decline due to amount or frequency limit' });
    const processing = provider.parseWebhook(raw(payoutCallback('processing')));
    assert.ok(processing.kind === 'payout' && processing.snapshot.state === 'PENDING');
  });

  it('forged, another project’s, and not-our-attempt callbacks change nothing', () => {
    assert.throws(() => provider.parseWebhook(raw(payoutCallback('decline', { secret: 'someone-else' }))), SignatureInvalid);
    assert.throws(() => provider.parseWebhook(raw(payoutCallback('decline', { project: 200 }))), SignatureInvalid);
    const tampered = JSON.parse(payoutCallback('success')) as { payment: { status: string } };
    tampered.payment.status = 'decline';
    assert.throws(() => provider.parseWebhook(raw(JSON.stringify(tampered))), SignatureInvalid);
    for (const id of ['order-42', `${PAYOUT_ID}-0`, `${PAYOUT_ID}`, 'pay_0123456789abcdef01234567']) {
      assert.equal(provider.parseWebhook(raw(payoutCallback('success', { id }))).kind, 'ignored', id);
    }
  });
});

describe('ecommpay payouts against the in-process sandbox', () => {
  let kit: SandboxKit;
  let url: string;
  let provider: EcommpayProvider;
  const received: string[] = [];
  let receiver: Server;

  before(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push(Buffer.concat(chunks).toString('utf8'));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    kit = new SandboxKit(new EcommpaySandbox({ projectId: PROJECT_ID, secretKey: SECRET }), {
      callbackUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/ecommpay`,
      timeScale: 0.001,
    });
    url = `http://127.0.0.1:${await kit.listen(0)}`;
    provider = new EcommpayProvider({ projectId: PROJECT_ID, secretKey: SECRET, baseUrl: url, timeoutMs: 1000 });
  });
  after(async () => {
    await kit.close();
    receiver.closeAllConnections();
    await new Promise<void>((r) => receiver.close(() => r()));
  });

  it('accepted → processing → success: the callback (accepted by the official Callback) and the look-up agree; a repeat is refused 3041 and found', async () => {
    const request = payoutRequest({ providerPayoutId: `${PAYOUT_ID}-7`, attempt: 7 });
    assert.equal((await provider.sendPayout(request)).state, 'PENDING');
    const body = await until(() => received.find((b) => b.includes(`"${request.providerPayoutId}"`)), 10_000);
    assert.doesNotThrow(() => new official.Callback(SECRET, body));
    const notice = provider.parseWebhook(raw(body));
    assert.ok(notice.kind === 'payout' && notice.snapshot.state === 'SUCCEEDED', JSON.stringify(notice));
    const found = await provider.findPayout(request.providerPayoutId);
    assert.equal(found?.state, 'SUCCEEDED');
    assert.equal(found?.providerReference, notice.snapshot.providerReference);
    // The same attempt again: ecommpay refuses the id (3041) and the adapter returns what it holds.
    assert.equal((await provider.sendPayout(request)).state, 'SUCCEEDED');
    const ledger = (await (await fetch(`${url}/_sandbox/ecommpay/payouts`)).json()) as { payouts: { paymentId: string; sendRequests: number }[] };
    assert.equal(ledger.payouts.find((p) => p.paymentId === request.providerPayoutId)?.sendRequests, 2, 'two requests, one payout');
    assert.equal(await provider.findPayout(`${PAYOUT_ID}-8`), null);
  });

  it('the sandbox refuses what Gate refuses: a bad signature (3261), a missing account number (2004), an unknown bank (2641)', async () => {
    const post = (body: unknown) =>
      fetch(`${url}${ECOMMPAY_PATHS.payout}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as { code?: string },
      }));
    const base = {
      general: { project_id: PROJECT_ID, payment_id: `${PAYOUT_ID}-9` },
      payment: { amount: 100_000, currency: 'IDR' },
      customer: { id: 'c', ip_address: '198.51.100.1', email: 'a@example.com' },
      account: { number: '0012345678', bank_id: 434, customer_name: 'Budi' },
    };
    const signed = (b: typeof base | Record<string, unknown>) => ({ ...b, general: { ...(b as typeof base).general, signature: official.signer(b, SECRET) } });
    assert.equal((await post({ ...base, general: { ...base.general, signature: official.signer(base, 'wrong') } })).body.code, '3261');
    const { number: _n, ...noNumber } = base.account;
    assert.equal((await post(signed({ ...base, account: noNumber }))).body.code, '2004');
    assert.equal((await post(signed({ ...base, account: { ...base.account, bank_id: 14 } }))).body.code, '2641');
    const ok = await post(signed(base));
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
  });
});
