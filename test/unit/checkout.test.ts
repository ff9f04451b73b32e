// Hosted checkout: the state rules of a payment whose method the customer picks (PaymentState,
// pure), the page token, and the rupiah formatting the page shows.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ProviderEvent } from '../../src/domain/payment.js';
import { paymentIdOfCharge } from '../../src/domain/payment.js';
import { paymentInput } from '../helpers/payment-input.js';
import { REJECTION, type CheckoutInput, type ProviderRoute } from '../../workflows/definitions.js';
import { PaymentState, Rejection } from '../../workflows/payment-state.js';
import { CheckoutTokens } from '../../src/checkout/checkout-token.js';
import { rupiah } from '../../src/checkout/i18n.js';
import { renderPage, safeLink, screenOf } from '../../src/checkout/page.js';
import type { CheckoutPage } from '../../src/checkout/checkout.service.js';

const T0 = Date.parse('2026-12-05T08:00:00.000Z');
const route = (provider: ProviderRoute['provider']): ProviderRoute => ({ provider, capabilities: { refund: 'none', cancel: true }, pollScheduleMs: [15_000] });
const CHECKOUT: CheckoutInput = {
  methods: ['VA_BCA', 'VA_BNI', 'QRIS'],
  routes: { VA_BCA: { route: route('xendit'), fallbacks: [] }, VA_BNI: { route: route('midtrans'), fallbacks: [route('xendit')] }, QRIS: { route: route('xendit'), fallbacks: [] } },
  maxMethodChanges: 2,
};

function checkoutState(): PaymentState {
  return new PaymentState(paymentInput(T0, 150_000, { method: 'VA_BCA', checkout: CHECKOUT }));
}

function rejected(fn: () => unknown, type: string): void {
  assert.throws(fn, (err: unknown) => err instanceof Rejection && err.type === type);
}

const webhook = (provider: ProviderEvent['provider'], providerReference: string, eventId: string, chargeStatus: ProviderEvent['chargeStatus']): ProviderEvent => ({
  provider,
  providerReference,
  eventId,
  source: 'webhook',
  chargeStatus,
  providerStatus: chargeStatus,
  paidAmount: 150_000,
});

describe('PaymentState: a checkout awaiting its method', () => {
  it('starts CREATED, awaiting, with no charge; provider news cannot move it', () => {
    const state = checkoutState();
    assert.equal(state.status, 'CREATED');
    assert.equal(state.view().checkout?.awaitingMethod, true);
    state.apply(T0 + 1, webhook('xendit', 'anything', 'e1', 'EXPIRED'));
    assert.equal(state.status, 'CREATED');
    assert.equal(state.notifications.refused, 1);
  });

  it('takes an offered method with the route the API planned for it; refuses others', () => {
    const state = checkoutState();
    rejected(() => state.chooseMethod(T0, { method: 'EWALLET_OVO' }), REJECTION.methodNotOffered);
    state.chooseMethod(T0, { method: 'VA_BNI' });
    assert.equal(state.validateMethodChoice({ method: 'VA_BNI' }), 'same', 'a retried choice is the same choice');
    const taken = state.takeMethodChoice();
    assert.deepEqual(taken, { method: 'VA_BNI', fallbacks: [route('xendit')] });
    assert.equal(state.route.provider, 'midtrans');
    state.chargeCreated(T0 + 10, { providerReference: 'mt-1', instructions: { virtualAccountNumber: '123' } });
    const view = state.view();
    assert.equal(view.method, 'VA_BNI');
    assert.equal(view.provider, 'midtrans');
    assert.equal(view.status, 'PENDING');
    assert.equal(view.checkout?.awaitingMethod, false);
    assert.equal(state.chargeId, 'pay_0123456789abcdef01234567');
  });

  it('a change abandons the charge: new charge id, echoes of the old one change nothing, money on it is late money', () => {
    const state = checkoutState();
    state.chooseMethod(T0, { method: 'VA_BCA' });
    state.takeMethodChoice();
    state.chargeCreated(T0 + 10, { providerReference: 'x-1', instructions: { virtualAccountNumber: '111' } });
    state.chooseMethod(T0 + 20, { method: 'VA_BNI' });
    assert.equal(state.methodChanges, 1);
    state.abandoning = true;
    // Our own cancel echoing back while the charge is cancelled: ignored.
    state.apply(T0 + 30, webhook('xendit', 'x-1', 'cancel-echo', 'CANCELLED'));
    assert.equal(state.status, 'PENDING');
    state.abandonCharge(T0 + 40);
    state.takeMethodChoice();
    assert.equal(state.chargeId, 'pay_0123456789abcdef01234567-c1');
    assert.equal(paymentIdOfCharge(state.chargeId), 'pay_0123456789abcdef01234567');
    assert.deepEqual(state.view().instructions, {}, 'the old VA number is not shown any more');
    state.chargeCreated(T0 + 50, { providerReference: 'mt-2', instructions: { virtualAccountNumber: '222' } });
    // A late echo of the abandoned charge (same provider or not) never closes the payment.
    state.apply(T0 + 60, webhook('xendit', 'x-1', 'late-expired', 'EXPIRED'));
    assert.equal(state.status, 'PENDING');
    // Money on the abandoned charge: queued as late money on that charge.
    state.apply(T0 + 70, webhook('xendit', 'x-1', 'late-paid', 'PAID'));
    assert.equal(state.status, 'PENDING');
    assert.equal(state.latePayments.length, 1);
    assert.equal(state.latePayments[0]!.charge?.providerReference, 'x-1');
    assert.equal(state.view().checkout?.abandonedCharges.length, 1);
    // The new charge pays the payment.
    state.apply(T0 + 80, webhook('midtrans', 'mt-2', 'paid', 'PAID'));
    assert.equal(state.status, 'PAID');
  });

  it('refuses changes beyond the limit, and any change once closing or closed', () => {
    const state = checkoutState();
    state.chooseMethod(T0, { method: 'VA_BCA' });
    state.chooseMethod(T0, { method: 'VA_BNI' });
    state.chooseMethod(T0, { method: 'QRIS' });
    rejected(() => state.chooseMethod(T0, { method: 'VA_BCA' }), REJECTION.methodChangesExhausted);
    state.closing = 'EXPIRED';
    rejected(() => state.validateMethodChoice({ method: 'VA_BNI' }), REJECTION.notAwaitingPayment);
  });

  it('a payment that is not a checkout has no method choice', () => {
    const state = new PaymentState(paymentInput(T0, 1000));
    rejected(() => state.validateMethodChoice({ method: 'QRIS' }), REJECTION.notACheckout);
    assert.equal(state.view().checkout, undefined);
  });
});

describe('checkout tokens', () => {
  const tokens = new CheckoutTokens(Buffer.alloc(32, 7));
  const claims = { merchantId: 'demo', paymentId: 'pay_0123456789abcdef01234567', expiresAt: Date.parse('2026-12-05T09:00:00Z') };

  it('open what they sealed, and nothing forged, altered or sealed under another key', () => {
    const token = tokens.seal(claims);
    assert.deepEqual(tokens.open(token), claims);
    const [body, mac] = token.split('.') as [string, string];
    const other = Buffer.from(Buffer.from(body, 'base64url').toString().replace('demo', 'evil')).toString('base64url');
    assert.equal(tokens.open(`${other}.${mac}`), undefined);
    assert.equal(tokens.open(`${body}.${'A'.repeat(22)}`), undefined);
    assert.equal(new CheckoutTokens(Buffer.alloc(32, 8)).open(token), undefined);
    assert.equal(tokens.open('../../etc/passwd'), undefined);
  });
});

describe('rupiah on the page', () => {
  it('writes dots between thousands', () => {
    assert.equal(rupiah(150_000), 'Rp 150.000');
    assert.equal(rupiah(999), 'Rp 999');
    assert.equal(rupiah(1_250_000_000), 'Rp 1.250.000.000');
  });
});

describe('the page as rendered', () => {
  const page = (over: Partial<CheckoutPage['payment']> = {}): CheckoutPage => ({
    claims: { merchantId: 'demo', paymentId: 'pay_0123456789abcdef01234567', expiresAt: T0 + 3_600_000 },
    token: 'tok.en',
    merchantName: 'Toko <Budi> & "Sons"',
    payment: {
      id: 'pay_0123456789abcdef01234567',
      merchantReference: 'order-1',
      method: 'QRIS',
      provider: 'xendit',
      status: 'CREATED',
      instructions: {},
      expiresAt: new Date(T0 + 3_600_000).toISOString(),
      amount: 150_000,
      checkout: { awaitingMethod: true, methods: ['VA_BCA', 'QRIS', 'EWALLET_OVO'], methodChanges: 0, maxMethodChanges: 5, abandonedCharges: [] },
      ...over,
    },
  });

  it('escapes what it shows, has no inline script or style, and groups the offered methods', () => {
    const html = renderPage(page(), 'id', { now: T0 });
    assert.ok(html.includes('Toko &lt;Budi&gt; &amp; &quot;Sons&quot;'));
    assert.ok(html.includes('Rp 150.000'));
    assert.doesNotMatch(html, /<script>|<script [^>]*>[^<]|\sstyle=|\son[a-z]+=/i);
    assert.match(html, /<legend>Virtual Account \(transfer bank\)<\/legend>.*value="VA_BCA"/s);
    assert.match(html, /value="EWALLET_OVO"/);
    assert.doesNotMatch(html, /RETAIL_ALFAMART/, 'only offered methods');
  });

  it('never links a provider pay URL that could run script', () => {
    const paying = {
      status: 'PENDING' as const,
      method: 'EWALLET_OVO' as const,
      checkout: { awaitingMethod: false, methods: ['EWALLET_OVO' as const], methodChanges: 0, maxMethodChanges: 5, abandonedCharges: [] },
    };
    assert.doesNotMatch(renderPage(page({ ...paying, instructions: { payUrl: 'javascript:alert(1)' } }), 'en', { now: T0 }), /javascript:/);
    assert.match(renderPage(page({ ...paying, instructions: { payUrl: 'https://pay.example/ovo?a=1&b=2' } }), 'en', { now: T0 }), /href="https:\/\/pay\.example\/ovo\?a=1&amp;b=2"/);
    assert.equal(safeLink('gojek://gopay/pay'), true);
    assert.equal(safeLink('JavaScript:alert(1)'), false);
  });

  it('shows the expired screen past the deadline, the receipt once paid', () => {
    assert.equal(screenOf(page(), T0 + 3_600_000), 'expired');
    assert.equal(screenOf(page({ status: 'SETTLED' }), T0 + 7_200_000), 'paid');
    assert.equal(screenOf(page({ status: 'CANCELLED' }), T0), 'closed');
  });
});
