// The hosted checkout page in a real browser (Chromium through playwright-core) on the real
// stack: a customer opens the link, chooses QRIS (the QR image on the page decodes to the
// payment's QRIS string), pays in the sandbox and is taken back to the shop; another chooses a
// VA, copies the number, switches bank (the first charge is cancelled at its provider) and pays
// the second; one lets it expire; forged and expired tokens are refused; axe-core finds nothing
// serious; no CSP violation. Screenshots of each screen: test-results/checkout/.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { PNG } from 'pngjs';
import jsQRModule from 'jsqr';
import { SANDBOX_PORT_OFFSETS } from '../../src/config/config.js';
import type { PaymentView, ProviderName } from '../../src/domain/payment.js';
import { acquireTestStack, releaseTestStack, STANDARD_STACK, uniqueRef, type TestStack } from '../helpers/stack.js';
import { eventually, until } from '../helpers/wait.js';
import { recordHistories } from '../helpers/histories.js';

// jsqr is CommonJS with `exports.default`: under NodeNext its default import is the module object.
const jsQR = ((jsQRModule as unknown as { default?: typeof jsQRModule }).default ?? jsQRModule) as unknown as (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = 'test-results/checkout';
const SHOP = 'https://shop.example';
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface CheckoutAnswer {
  id: string;
  url: string;
  expiresAt: string;
}

describe('hosted checkout page (real browser)', { skip: !existsSync(CHROMIUM) && `no chromium at ${CHROMIUM}` }, () => {
  let stack: TestStack;
  let browser: Browser;
  /** Checkout paths whose histories BAYAR_RECORD_HISTORIES keeps for the replay test. */
  const recorded = new Map<string, string>();

  before(async () => {
    stack = await acquireTestStack(STANDARD_STACK);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    mkdirSync(SHOTS, { recursive: true });
  });
  after(async () => {
    if (stack && process.env.BAYAR_RECORD_HISTORIES) await recordHistories(stack.stack.temporal!.address, recorded);
    await browser?.close();
    await releaseTestStack(stack);
  });

  async function createCheckout(body: Record<string, unknown>): Promise<CheckoutAnswer> {
    const res = await stack.api('POST', '/v1/checkouts', body);
    assert.equal(res.status, 201, res.text);
    return res.json as CheckoutAnswer;
  }

  /** A phone-sized page whose shop (returnUrl) answers locally, recording CSP violations. */
  async function customer(): Promise<{ context: BrowserContext; page: Page; violations: string[] }> {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, permissions: ['clipboard-read', 'clipboard-write'] });
    await context.route(`${SHOP}/**`, (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>Shop</title><h1>Thanks from the shop</h1>' }));
    const page = await context.newPage();
    const violations: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
    });
    return { context, page, violations };
  }

  async function axe(page: Page, screen: string): Promise<void> {
    // Evaluated through DevTools, so the page's CSP (no inline script) stays as it is.
    await page.evaluate(`${AXE_SOURCE};0`);
    const result = (await page.evaluate('axe.run(document, { resultTypes: ["violations"] })')) as { violations: { id: string; impact: string; help: string }[] };
    const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert.deepEqual(
      serious.map((v) => `${v.id}: ${v.help}`),
      [],
      `axe on the ${screen} screen`,
    );
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
  const sandboxOf = (provider: ProviderName) => SANDBOX_PORT_OFFSETS[provider];

  it('creates one payment awaiting the method; idempotent like payments; a merchant key is needed', async () => {
    const body = { merchantReference: uniqueRef('co'), amount: 150_000, returnUrl: `${SHOP}/thanks`, methods: ['QRIS', 'VA_BCA', 'VA_BNI'] };
    const first = await createCheckout(body);
    assert.match(first.url, /\/checkout\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    const again = await stack.api('POST', '/v1/checkouts', body);
    assert.equal(again.status, 200);
    assert.deepEqual(again.json, first);
    const conflict = await stack.api('POST', '/v1/checkouts', { ...body, amount: 160_000 });
    assert.equal(conflict.status, 409);
    assert.equal(conflict.json.code, 'IDEMPOTENCY_CONFLICT');
    const anonymous = await stack.api('POST', '/v1/checkouts', body, { key: 'sk_nobody' });
    assert.equal(anonymous.status, 401);
    const bad = await stack.api('POST', '/v1/checkouts', { ...body, merchantReference: uniqueRef('co'), methods: ['CASH'] });
    assert.equal(bad.status, 400);
    const payment = await stack.payment(first.id);
    assert.equal(payment.status, 'CREATED');
    assert.equal(payment.checkout?.awaitingMethod, true);
    assert.deepEqual(payment.checkout?.methods, ['QRIS', 'VA_BCA', 'VA_BNI']);
    assert.equal(payment.expiresAt, first.expiresAt);
  });

  it("QRIS: the page shows a QR image that decodes to the payment's QRIS string; paid → success → back to the shop", async () => {
    const checkout = await createCheckout({ merchantReference: uniqueRef('co-qris'), amount: 150_000, returnUrl: `${SHOP}/thanks`, customer: { name: 'Budi Santoso' } });
    recorded.set('checkout-qris', checkout.id);
    const { context, page, violations } = await customer();
    let weight = 0;
    page.on('response', (r) => {
      if (r.url().startsWith(stack.apiUrl))
        void r.body().then(
          (b) => (weight += b.length),
          () => undefined,
        );
    });
    const first = await page.goto(checkout.url, { waitUntil: 'networkidle' });
    assert.equal(first?.status(), 200);
    assert.match(first?.headers()['content-security-policy'] ?? '', /script-src 'self'/);
    await page.getByText('Rp 150.000').waitFor();
    const text = await page.locator('body').innerText();
    for (const group of ['Virtual Account', 'QRIS', 'E-wallet', 'Gerai retail']) assert.ok(text.includes(group), `group ${group} shown`);
    assert.ok(!text.includes('Budi'), 'no customer data on the page');
    console.log(`# first page weight: ${weight} bytes (HTML + CSS + JS)`);
    assert.ok(weight > 0 && weight < 30_000, `first page weighs ${weight} bytes`);
    await shot(page, '1-choose');
    await axe(page, 'choose');

    await page.getByRole('button', { name: 'QRIS', exact: true }).click();
    const qr = page.locator('img#qris');
    await qr.waitFor();
    // Polled from here (each evaluate is a DevTools call): waitForFunction would eval in the page, which its CSP forbids.
    await until(async () => ((await qr.evaluate((img: { complete: boolean; naturalWidth: number }) => img.complete && img.naturalWidth > 0)) ? true : undefined), 10_000, 100);
    await shot(page, '2-qris');
    await axe(page, 'QRIS');
    const png = PNG.sync.read(await qr.screenshot());
    const decoded = jsQR(new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length), png.width, png.height);
    const payment = await stack.payment(checkout.id);
    assert.equal(payment.method, 'QRIS');
    assert.equal(payment.status, 'PENDING');
    assert.ok(payment.instructions.qrString);
    assert.equal(decoded?.data, payment.instructions.qrString, "the rendered QR is the payment's QRIS string");

    const paid = await stack.pay(checkout.id, {}, sandboxOf(payment.provider));
    assert.equal(paid.status, 200, JSON.stringify(paid.json));
    await page.getByRole('heading', { name: 'Pembayaran berhasil' }).waitFor({ timeout: 30_000 });
    await shot(page, '3-paid');
    await axe(page, 'paid');
    await page.waitForURL(`${SHOP}/thanks`, { timeout: 15_000 });
    assert.deepEqual(violations, []);
    await context.close();
  });

  it('VA: copy the number, switch bank (the first charge is cancelled at its provider), pay the second', async () => {
    const checkout = await createCheckout({ merchantReference: uniqueRef('co-va'), amount: 250_000, returnUrl: `${SHOP}/done`, methods: ['VA_BCA', 'VA_BNI', 'QRIS'] });
    recorded.set('checkout-va-switch', checkout.id);
    const { context, page, violations } = await customer();
    await page.goto(`${checkout.url}?lang=en`, { waitUntil: 'networkidle' });
    await page.getByText('Choose a payment method').waitFor();
    await page.getByRole('button', { name: 'BCA', exact: true }).click();
    const number = page.locator('#va-number');
    await number.waitFor();
    const first = await stack.payment(checkout.id);
    assert.equal(first.method, 'VA_BCA');
    assert.equal(await number.innerText(), first.instructions.virtualAccountNumber);
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), first.instructions.virtualAccountNumber);
    await shot(page, '4-va');
    await axe(page, 'VA');

    await page.getByText('Change payment method').click();
    await shot(page, '5-change');
    await page.getByRole('button', { name: 'BNI', exact: true }).click();
    await page.getByRole('heading', { name: 'BNI Virtual Account' }).waitFor();
    const second = await stack.payment(checkout.id);
    assert.equal(second.method, 'VA_BNI');
    assert.equal(second.status, 'PENDING');
    assert.notEqual(second.instructions.virtualAccountNumber, first.instructions.virtualAccountNumber);
    assert.equal(await page.locator('#va-number').innerText(), second.instructions.virtualAccountNumber);
    const abandoned = second.checkout?.abandonedCharges[0];
    assert.equal(abandoned?.chargeId, checkout.id);
    assert.equal(abandoned?.providerReference, first.providerReference);
    // The first charge is cancelled at its provider (the sandbox's own ledger says so).
    const [firstCharge] = await stack.charges(checkout.id, sandboxOf(first.provider));
    assert.ok(firstCharge, 'the first charge is in the sandbox ledger');
    assert.match(firstCharge.status, /EXPIRED|CANCEL|INACTIVE|DELETED/i, `first charge is ${firstCharge.status}`);
    await shot(page, '6-va-second');

    const paid = await stack.pay(`${checkout.id}-c1`, {}, sandboxOf(second.provider));
    assert.equal(paid.status, 200, JSON.stringify(paid.json));
    await page.getByRole('heading', { name: 'Payment received' }).waitFor({ timeout: 30_000 });
    const settled = await stack.waitFor(checkout.id, (p) => p.status === 'SETTLED');
    assert.equal(settled.amounts.paid, 250_000);
    await page.waitForURL(`${SHOP}/done`, { timeout: 15_000 });
    assert.deepEqual(violations, []);
    await context.close();
  });

  it('money that still lands on the abandoned charge is late money: refunded on that charge, the payment stays settled', async () => {
    const checkout = await createCheckout({ merchantReference: uniqueRef('co-late'), amount: 120_000, methods: ['QRIS', 'VA_BNI'] });
    recorded.set('checkout-late-on-abandoned', checkout.id);
    const token = checkout.url.slice(checkout.url.indexOf('/checkout/'));
    const choose = (method: string) => stack.api('POST', `${token}/method`, undefined, { raw: `method=${method}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal((await choose('QRIS')).status, 303);
    const qris = await stack.payment(checkout.id);
    assert.equal((await choose('VA_BNI')).status, 303);
    const va = await stack.payment(checkout.id);
    assert.equal(va.method, 'VA_BNI');
    await stack.pay(`${checkout.id}-c1`, {}, sandboxOf(va.provider));
    await stack.waitFor(checkout.id, (p) => p.status === 'SETTLED');
    // The customer's first tab still showed the QR, and they paid it after all.
    const late = await stack.pay(checkout.id, { force: true }, sandboxOf(qris.provider));
    assert.equal(late.status, 200, JSON.stringify(late.json));
    const after = await stack.waitFor(checkout.id, (p) => p.refunds.some((r) => r.origin === 'auto' && r.state === 'SUCCEEDED'), 30_000);
    assert.equal(after.status, 'SETTLED', 'the payment made on the new charge stands');
    assert.equal(after.amounts.paid, 240_000);
    assert.equal(after.amounts.refunded, 120_000);
    const [first] = await stack.charges(checkout.id, sandboxOf(qris.provider));
    assert.equal(first?.refundedAmount, 120_000, 'refunded on the abandoned charge itself');
    const [second] = await stack.charges(`${checkout.id}-c1`, sandboxOf(va.provider));
    assert.equal(second?.refundedAmount ?? 0, 0, 'the paid charge is untouched');
  });

  it('expiry: the open page turns to the expired screen; the token is then refused (410) and cannot choose', async () => {
    const checkout = await createCheckout({ merchantReference: uniqueRef('co-exp'), amount: 50_000, expiresInSeconds: 8, methods: ['QRIS', 'VA_BRI'] });
    recorded.set('checkout-expired-unchosen', checkout.id);
    const { context, page, violations } = await customer();
    await page.goto(checkout.url, { waitUntil: 'networkidle' });
    await page.getByRole('heading', { name: 'Waktu pembayaran habis' }).waitFor({ timeout: 30_000 });
    await shot(page, '7-expired');
    await axe(page, 'expired');
    const payment = await eventually(
      () => stack.payment(checkout.id),
      (p: PaymentView) => p.status === 'EXPIRED',
      20_000,
    );
    assert.equal(payment.checkout?.awaitingMethod, true);
    const again = await page.goto(checkout.url);
    assert.equal(again?.status(), 410);
    const token = checkout.url.slice(checkout.url.indexOf('/checkout/'));
    const choose = await stack.api('POST', `${token}/method`, undefined, { raw: 'method=QRIS', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(choose.status, 410);
    assert.equal((await stack.payment(checkout.id)).status, 'EXPIRED');
    assert.deepEqual(violations, []);
    await context.close();
  });

  it('a forged or foreign token is refused and shows nothing', async () => {
    const checkout = await createCheckout({ merchantReference: uniqueRef('co-forge'), amount: 75_000 });
    const path = checkout.url.slice(checkout.url.indexOf('/checkout/'));
    const [body, mac] = path.slice('/checkout/'.length).split('.') as [string, string];
    const forgedMac = `${mac.slice(0, -2)}${mac.endsWith('AA') ? 'BB' : 'AA'}`;
    const otherPayment = Buffer.from(
      Buffer.from(body, 'base64url')
        .toString()
        .replace(/^[0-9a-f]/, (c) => (c === '0' ? '1' : '0')),
    ).toString('base64url');
    const { context, page } = await customer();
    for (const token of [`${body}.${forgedMac}`, `${otherPayment}.${mac}`, 'not-a-token']) {
      const res = await page.goto(`${stack.apiUrl}/checkout/${token}`);
      assert.equal(res?.status(), 404, token);
      assert.ok(!(await page.locator('body').innerText()).includes('75.000'));
      const post = await stack.api('POST', `/checkout/${token}/method`, undefined, { raw: 'method=QRIS', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      assert.equal(post.status, 404);
    }
    await shot(page, '8-invalid');
    await axe(page, 'invalid');
    assert.equal((await stack.payment(checkout.id)).status, 'CREATED', 'nothing moved the payment');
    await context.close();
  });
});
