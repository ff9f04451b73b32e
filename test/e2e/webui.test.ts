// What an operator sees: the Temporal Web UI, in a real browser, lists a settled payment
// when filtered by its PaymentStatus search attribute, and shows no customer data.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { acquireTestStack, releaseTestStack, STANDARD_STACK, uniqueRef, type TestStack } from '../helpers/stack.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('Temporal Web UI (real browser)', { skip: !existsSync(CHROMIUM) && `no chromium at ${CHROMIUM}` }, () => {
  let stack: TestStack;
  let browser: Browser;

  before(async () => {
    stack = await acquireTestStack(STANDARD_STACK);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });
  after(async () => {
    await browser?.close();
    await releaseTestStack(stack);
  });

  it('lists the settled payment under PaymentStatus = SETTLED, without the customer name', async () => {
    const customerName = 'Siti Rahayu Wulandari';
    const payment = await stack.createPayment({ merchantReference: uniqueRef('ui'), amount: 99_000, method: 'VA_BNI', customer: { name: customerName, email: 'siti@example.com' } });
    const unpaid = await stack.createPayment({ merchantReference: uniqueRef('ui'), amount: 11_000, method: 'VA_BNI' });
    await stack.pay(payment.id);
    await stack.waitFor(payment.id, (p) => p.status === 'SETTLED');

    const page = await browser.newPage();
    const query = encodeURIComponent(`PaymentStatus="SETTLED"`);
    const url = `http://127.0.0.1:${stack.uiPort}/namespaces/default/workflows?query=${query}`;
    // Visibility is eventually consistent: reload until the row shows up.
    let found = false;
    for (let i = 0; i < 20 && !found; i++) {
      await page.goto(url, { waitUntil: 'networkidle' });
      found = (await page.getByText(payment.id).count()) > 0;
      if (!found) await page.waitForTimeout(500);
    }
    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/webui-settled.png', fullPage: true });
    assert.ok(found, `Web UI lists ${payment.id} under PaymentStatus=SETTLED`);
    assert.equal(await page.getByText(unpaid.id).count(), 0, 'the unpaid payment is filtered out');

    // The payment's own page: the summary is readable, the customer's name is nowhere.
    // An open workflow's page long-polls its history, so it never goes network-idle.
    await page.goto(`http://127.0.0.1:${stack.uiPort}/namespaces/default/workflows/${payment.id}`, { waitUntil: 'domcontentloaded' });
    await page
      .getByText(/VA_BNI 99,000 IDR/)
      .first()
      .waitFor({ timeout: 15_000 });
    const text = await page.locator('body').innerText();
    assert.match(text, /VA_BNI/);
    assert.ok(!text.includes(customerName), 'customer name must not appear in the Web UI');
    await page.screenshot({ path: 'test-results/webui-payment.png', fullPage: true });
    await page.close();
  });
});
