// The checkout page, rendered on the server: plain HTML that works before (and without) the
// script, one same-origin stylesheet and one same-origin script (strict CSP, nothing inline),
// mobile first. The script only adds the countdown, the copy button and live status.
import type { PaymentMethod } from '../domain/payment.js';
import type { CheckoutPage } from './checkout.service.js';
import { BANK_APPS, GROUP_ORDER, METHOD_INFO, TEXT, rupiah, type Lang } from './i18n.js';

/** What the page shows; the script compares it with the live status to know when to reload. */
export type Screen = 'choose' | 'pay' | 'paid' | 'expired' | 'closed';

export function screenOf(page: CheckoutPage, now = Date.now()): Screen {
  const { status, checkout } = page.payment;
  if (status === 'PAID' || status === 'SETTLED' || status === 'PARTIALLY_REFUNDED') return 'paid';
  if (status === 'EXPIRED' || ((status === 'CREATED' || status === 'PENDING') && now >= Date.parse(page.payment.expiresAt))) return 'expired';
  if (status !== 'CREATED' && status !== 'PENDING') return 'closed';
  return checkout.awaitingMethod ? 'choose' : 'pay';
}

/** Whether the page can show how to pay (some providers tell it a moment after the charge). */
export function readyToPay(page: CheckoutPage): boolean {
  return Object.keys(page.payment.instructions).length > 0;
}

/** http(s) or an app deeplink scheme (gojek://, shopeeid://); never javascript:, data:, vbscript:. */
export function safeLink(url: string): boolean {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  return scheme !== undefined && !['javascript', 'data', 'vbscript', 'file', 'blob'].includes(scheme);
}

export const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function renderPage(page: CheckoutPage, lang: Lang, options: { notice?: string; now?: number } = {}): string {
  const t = TEXT[lang];
  const screen = screenOf(page, options.now);
  const base = `/checkout/${page.token}`;
  const p = page.payment;
  const head = `<header class="merchant"><p class="label">${t.payTo}</p><h1>${esc(page.merchantName)}</h1>
<p class="amount" aria-label="${t.total}">${rupiah(p.amount)}</p>
<p class="ref">${t.order}: ${esc(p.merchantReference)}</p>
${screen === 'choose' || screen === 'pay' ? `<p class="deadline">${t.timeLeft}: <time id="countdown" datetime="${esc(p.expiresAt)}">${esc(new Date(p.expiresAt).toISOString().replace('T', ' ').slice(0, 16))} UTC</time></p>` : ''}
</header>`;
  const notice = options.notice ? `<p class="notice" role="alert">${esc(options.notice)}</p>` : '';
  let main: string;
  switch (screen) {
    case 'choose':
      main = `<h2>${t.choose}</h2>${methodForm(page, lang, base)}`;
      break;
    case 'pay':
      main = `${instructions(page, lang, base)}
<p class="status" role="status" aria-live="polite">${t.waiting}</p>
${changeForm(page, lang, base)}`;
      break;
    case 'paid':
      main = `<section class="result ok"><h2>${t.paid}</h2><p>${t.paidText}</p>${page.returnUrl ? `<p id="returning" hidden>${t.returning}</p><a class="button" id="return" href="${esc(page.returnUrl)}">${t.back}</a>` : ''}</section>`;
      break;
    case 'expired':
      main = `<section class="result fail"><h2>${t.expired}</h2><p>${t.expiredText}</p>${page.returnUrl ? `<a class="button" href="${esc(page.returnUrl)}">${t.back}</a>` : ''}</section>`;
      break;
    case 'closed':
      main = `<section class="result fail"><h2>${t.closed}</h2><p>${t.closedText}</p>${page.returnUrl ? `<a class="button" href="${esc(page.returnUrl)}">${t.back}</a>` : ''}</section>`;
      break;
  }
  return shell(lang, `${t.title} — ${page.merchantName}`, `${langSwitch(lang, base)}${head}<main id="main">${notice}${main}</main>`, {
    state: screen,
    ready: readyToPay(page) ? '1' : '0',
    status: `${base}/status`,
    copied: t.copied,
    expired: t.expired,
    ...(screen === 'paid' && page.returnUrl ? { return: page.returnUrl } : {}),
  });
}

/** The page for a token that is not (or no longer) valid: no detail of why, to anyone. */
export function renderInvalid(lang: Lang): string {
  const t = TEXT[lang];
  return shell(lang, t.invalid, `<main id="main"><section class="result fail"><h1>${t.invalid}</h1><p>${t.invalidText}</p></section></main>`, {});
}

function shell(lang: Lang, title: string, body: string, data: Record<string, string>): string {
  const attrs = Object.entries(data)
    .map(([k, v]) => ` data-${k}="${esc(v)}"`)
    .join('');
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><meta name="robots" content="noindex">
<title>${esc(title)}</title><link rel="stylesheet" href="/checkout/assets/checkout.css"></head>
<body${attrs}>${body}<script src="/checkout/assets/checkout.js" defer></script></body></html>`;
}

function langSwitch(lang: Lang, base: string): string {
  const other: Lang = lang === 'id' ? 'en' : 'id';
  return `<nav class="lang" aria-label="${TEXT[lang].language}"><a href="${base}?lang=${other}" hreflang="${other}" lang="${other}">${other === 'en' ? 'English' : 'Bahasa Indonesia'}</a></nav>`;
}

function methodButtons(methods: PaymentMethod[], lang: Lang, current?: PaymentMethod): string {
  const t = TEXT[lang];
  return GROUP_ORDER.map((group) => {
    const inGroup = methods.filter((m) => METHOD_INFO[m].group === group && m !== current);
    if (inGroup.length === 0) return '';
    const buttons = inGroup.map((m) => `<button type="submit" name="method" value="${m}">${esc(METHOD_INFO[m].name)}</button>`).join('');
    return `<fieldset class="group"><legend>${t.groups[group]}</legend><div class="methods">${buttons}</div></fieldset>`;
  }).join('');
}

function methodForm(page: CheckoutPage, lang: Lang, base: string): string {
  return `<form method="post" action="${base}/method?lang=${lang}" class="choose">${methodButtons(page.payment.checkout.methods, lang)}</form>`;
}

function changeForm(page: CheckoutPage, lang: Lang, base: string): string {
  const t = TEXT[lang];
  const c = page.payment.checkout;
  const left = c.maxMethodChanges - c.methodChanges;
  if (left <= 0 || c.methods.length < 2) return '';
  return `<details class="change"><summary>${t.change}</summary><p class="hint">${t.changesLeft(left)}</p>
<form method="post" action="${base}/method?lang=${lang}">${methodButtons(c.methods, lang, page.payment.method)}</form></details>`;
}

function instructions(page: CheckoutPage, lang: Lang, base: string): string {
  const t = TEXT[lang];
  const { method, instructions: i } = page.payment;
  const info = METHOD_INFO[method];
  const title = `<h2>${esc(info.name)}${info.group === 'va' ? ' Virtual Account' : ''}</h2>`;
  if (info.group === 'va' && i.virtualAccountNumber) {
    const bank = BANK_APPS[method];
    const steps = bank ? t.bankSteps(info.name, bank.app, bank.menu[lang]) : t.bankSteps(info.name, `${info.name} mobile banking`, 'Transfer › Virtual Account');
    return `${title}<div class="va"><p class="label" id="va-label">${t.vaNumber}</p>
<p class="va-number"><output id="va-number" aria-labelledby="va-label">${esc(i.virtualAccountNumber)}</output>
<button type="button" class="copy" data-copy="${esc(i.virtualAccountNumber)}" aria-describedby="va-label">${t.copy}</button></p></div>
<h3>${t.steps}</h3><ol class="steps">${steps.map((s) => `<li>${esc(s)}</li>`).join('')}</ol><p class="hint">${t.otherBank}</p>`;
  }
  if (method === 'QRIS' && i.qrString) {
    return `${title}<figure class="qr"><img id="qris" src="${base}/qr.svg" width="264" height="264" alt="${t.qrAlt}"><figcaption>${t.scan}</figcaption></figure>`;
  }
  // A provider's redirect or deeplink: only a web address or an app's own scheme, never script.
  if (i.payUrl && safeLink(i.payUrl)) {
    const text = info.group === 'paylater' ? t.paylater(info.name) : t.openWallet(info.name);
    return `${title}<p><a class="button" id="pay-link" href="${esc(i.payUrl)}" rel="noopener noreferrer">${esc(text)}</a></p>`;
  }
  if (i.payCode) {
    return `${title}<div class="va"><p class="label" id="code-label">${t.payCode}</p>
<p class="va-number"><output id="pay-code" aria-labelledby="code-label">${esc(i.payCode)}</output>
<button type="button" class="copy" data-copy="${esc(i.payCode)}" aria-describedby="code-label">${t.copy}</button></p></div><p>${esc(t.retailSteps(info.name))}</p>`;
  }
  // The provider tells how to pay a moment later (ecommpay's callback): the status poll reloads.
  return `${title}<p>${t.preparing}</p>`;
}
