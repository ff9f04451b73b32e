import type { PaymentMethod } from '../../domain/payment.js';
import type { ProviderCapabilities } from '../provider.js';

export type DokuChannelKind = 'va' | 'o2o' | 'paylater';

/**
 * Every DOKU Non-SNAP path bayar calls, in one table. [?] marks a path no DOKU source confirms;
 * see README.md for where each one comes from.
 *
 * Confirmed: mandiri, bsm (BSI), bca, bri, permata (official jokul-php-library services and
 * jokul-nodejs-library); alfa (developers.doku.com, Alfa Group); indodana (seed 002).
 * `acquirer` is DOKU's acquirer id as notifications carry it (channel id = service + acquirer,
 * e.g. VIRTUAL_ACCOUNT_BCA); bayar only reads it for operators, never to decide anything.
 */
export const DOKU_CHANNELS = {
  VA_MANDIRI: { kind: 'va', path: '/mandiri-virtual-account/v2/payment-code', bank: 'MANDIRI', acquirer: 'BANK_MANDIRI' },
  // Bank Syariah Indonesia kept its predecessor's slug, Bank Syariah Mandiri.
  VA_BSI: { kind: 'va', path: '/bsm-virtual-account/v2/payment-code', bank: 'BSI', acquirer: 'BANK_SYARIAH_MANDIRI' },
  VA_BCA: { kind: 'va', path: '/bca-virtual-account/v2/payment-code', bank: 'BCA', acquirer: 'BCA' },
  VA_BRI: { kind: 'va', path: '/bri-virtual-account/v2/payment-code', bank: 'BRI', acquirer: 'BRI' },
  VA_PERMATA: { kind: 'va', path: '/permata-virtual-account/v2/payment-code', bank: 'PERMATA', acquirer: 'BANK_PERMATA' },
  VA_BNI: { kind: 'va', path: '/bni-virtual-account/v2/payment-code', bank: 'BNI', acquirer: 'BNI' }, // [?] by analogy
  VA_CIMB: { kind: 'va', path: '/cimb-virtual-account/v2/payment-code', bank: 'CIMB', acquirer: 'BANK_CIMB' }, // [?] by analogy
  VA_DANAMON: { kind: 'va', path: '/danamon-virtual-account/v2/payment-code', bank: 'DANAMON', acquirer: 'BANK_DANAMON' }, // [?] by analogy
  // "alfa-virtual-account" is the documented path although the product is a store payment code.
  RETAIL_ALFAMART: { kind: 'o2o', path: '/alfa-virtual-account/v2/payment-code', bank: undefined, acquirer: 'ALFA' },
  PAYLATER_INDODANA: { kind: 'paylater', path: '/indodana-peer-to-peer/v2/generate-order', bank: undefined, acquirer: 'INDODANA' },
} as const satisfies Partial<Record<PaymentMethod, { kind: DokuChannelKind; path: string; bank: string | undefined; acquirer: string }>>;

export type DokuMethod = keyof typeof DOKU_CHANNELS;
export type DokuChannel = (typeof DOKU_CHANNELS)[DokuMethod];

/** Check status, by order.invoice_number (or Request-Id). GET, signed without a Digest line. */
export const DOKU_STATUS_PATH = '/orders/v1/status/';

export function dokuStatusPath(invoiceNumber: string): string {
  return DOKU_STATUS_PATH + encodeURIComponent(invoiceNumber);
}

export function dokuChannelFor(method: PaymentMethod): DokuChannel | undefined {
  return Object.hasOwn(DOKU_CHANNELS, method) ? DOKU_CHANNELS[method as DokuMethod] : undefined;
}

/**
 * The e-wallets bayar takes through DOKU SNAP Direct Debit, "jump app" flow (no account binding):
 * the customer is sent to the wallet's page (webRedirectUrl). Channel names from doku-nodejs-library
 * 1.0.52 (_commons/ddChannelEnum.js; README "Request Payment Jump APP": DANA and ShopeePay).
 * OVO is left out: DOKU offers OVO through account binding only (B2B2C customer token, OTP/PIN),
 * which a one-shot payment cannot do — see README.md.
 */
export const DOKU_SNAP_EWALLETS = {
  EWALLET_DANA: { channel: 'EMONEY_DANA_SNAP' },
  EWALLET_SHOPEEPAY: { channel: 'EMONEY_SHOPEE_PAY_SNAP' },
} as const satisfies Partial<Record<PaymentMethod, { channel: string }>>;

export type DokuSnapMethod = keyof typeof DOKU_SNAP_EWALLETS;

export function dokuSnapChannelFor(method: PaymentMethod): (typeof DOKU_SNAP_EWALLETS)[DokuSnapMethod] | undefined {
  return Object.hasOwn(DOKU_SNAP_EWALLETS, method) ? DOKU_SNAP_EWALLETS[method as DokuSnapMethod] : undefined;
}

/** DOKU SNAP paths (doku-nodejs-library _commons/config.js). */
export const DOKU_SNAP_PATHS = {
  token: '/authorization/v1/access-token/b2b',
  payment: '/direct-debit/core/v1/debit/payment-host-to-host',
  status: '/orders/v1.0/debit/status',
  refund: '/direct-debit/core/v1/debit/refund',
  /** Where DOKU posts e-wallet notifications, relative to the merchant's notification base (developers.doku.com). */
  notify: '/v1.0/debit/notify',
} as const;

/** DOKU's expired_time is whole minutes; peer_to_peer_info.expired_time allows 5 digits. */
export const DOKU_MAX_EXPIRY_MINUTES = 99_999;

/** Non-SNAP only (no SNAP keys configured, e.g. a real DOKU account without e-wallets), or both. */
export function dokuCapabilitiesFor(snap: boolean): ProviderCapabilities {
  if (!snap) return dokuCapabilities;
  return {
    ...dokuCapabilities,
    methods: [...dokuCapabilities.methods, ...(Object.keys(DOKU_SNAP_EWALLETS) as DokuSnapMethod[])],
    // SNAP's refund takes an amount and its own partnerRefundNo, so partial refunds, several per
    // payment, up to what was paid (the SDK: DANA and ShopeePay only) [? DOKU publishes no cap on
    // the number of partial refunds].
    refunds: { EWALLET_DANA: 'partial', EWALLET_SHOPEEPAY: 'partial' },
  };
}

export const dokuCapabilities: ProviderCapabilities = {
  // SNAP partnerRefundNo for DANA/ShopeePay/OVO: 1–64 characters (doku-nodejs-library
  // _models/refundRequestDTO.js, Joi.string().min(1).max(64)).
  refundKey: { maxLength: 64 },
  methods: Object.keys(DOKU_CHANNELS) as DokuMethod[],
  // Non-SNAP has no refund API for virtual accounts or stores (PROVIDERS.md §1.2). Paylater
  // orders can be REFUNDED per the status table, but seed 002 documents no refund call for
  // Indodana, so none is declared: a settled DOKU payment is refunded outside bayar.
  refunds: {},
  // No documented way to close an unpaid VA, payment code or Indodana order: bayar's own deadline
  // ends the payment, followed by one final status check (see README.md).
  cancel: false,
  // Per-channel limits (Alfa's store ceiling, Indodana's credit limit) are DOKU's to enforce.
  amount: { min: 1, max: 50_000_000_000 },
  // expired_time is in minutes; a shorter bayar expiry is sent as 1 minute and bayar's deadline
  // decides, as with Midtrans' 20 s minimum.
  expirySeconds: { min: 1, max: DOKU_MAX_EXPIRY_MINUTES * 60, default: 60 * 60 * 24 },
};
