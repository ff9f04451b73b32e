import type { PaymentMethod } from '../../domain/payment.js';
import { capabilitiesOf } from '../channel-capabilities.js';
import type { ProviderCapabilities } from '../provider.js';
import { lookupIn } from '../lookup.js';

export type DokuChannelKind = 'va' | 'o2o' | 'paylater';

/**
 * The DOKU Non-SNAP paths bayar still calls, in one table: only what DOKU still documents as
 * Non-SNAP (seed 002's Non-SNAP navigation: convenience stores and paylater). Virtual accounts
 * moved to SNAP (docs.doku.com/miscellaneous/snap-migration; seed 002 lists VAs only under SNAP):
 * see DOKU_SNAP_VAS below and snap/va.ts.
 *
 * Confirmed: alfa (developers.doku.com, Alfa Group); indodana (seed 002).
 * `acquirer` is DOKU's acquirer id as notifications carry it; bayar only reads it for operators.
 */
export const DOKU_CHANNELS = {
  // "alfa-virtual-account" is the documented path although the product is a store payment code.
  RETAIL_ALFAMART: { kind: 'o2o', path: '/alfa-virtual-account/v2/payment-code', bank: undefined, acquirer: 'ALFA' },
  PAYLATER_INDODANA: { kind: 'paylater', path: '/indodana-peer-to-peer/v2/generate-order', bank: undefined, acquirer: 'INDODANA' },
} as const satisfies Partial<Record<PaymentMethod, { kind: DokuChannelKind; path: string; bank: string | undefined; acquirer: string }>>;

/**
 * DOKU SNAP virtual accounts: bayar's method → DOKU's SNAP VA channel (doku-nodejs-library 1.0.52
 * _commons/vaChannelEnum.js; README "Virtual Account (DGPC & MGPC)") and the bank shown to the
 * customer. Bank Syariah Indonesia keeps its predecessor's channel name (Bank Syariah Mandiri).
 */
export const DOKU_SNAP_VAS = {
  VA_MANDIRI: { channel: 'VIRTUAL_ACCOUNT_BANK_MANDIRI', bank: 'MANDIRI' },
  VA_BSI: { channel: 'VIRTUAL_ACCOUNT_BANK_SYARIAH_MANDIRI', bank: 'BSI' },
  VA_BCA: { channel: 'VIRTUAL_ACCOUNT_BCA', bank: 'BCA' },
  VA_BRI: { channel: 'VIRTUAL_ACCOUNT_BRI', bank: 'BRI' },
  VA_PERMATA: { channel: 'VIRTUAL_ACCOUNT_PERMATA', bank: 'PERMATA' },
  VA_BNI: { channel: 'VIRTUAL_ACCOUNT_BNI', bank: 'BNI' },
  VA_CIMB: { channel: 'VIRTUAL_ACCOUNT_CIMB', bank: 'CIMB' },
  VA_DANAMON: { channel: 'VIRTUAL_ACCOUNT_DANAMON', bank: 'DANAMON' },
} as const satisfies Partial<Record<PaymentMethod, { channel: string; bank: string }>>;

export type DokuVaMethod = keyof typeof DOKU_SNAP_VAS;

export const dokuSnapVaFor: (method: PaymentMethod) => (typeof DOKU_SNAP_VAS)[DokuVaMethod] | undefined = lookupIn(DOKU_SNAP_VAS);

/**
 * partnerServiceId (the bank's company code / BIN DOKU assigns the merchant, per bank) for the
 * local sandbox only. A real account sets its own with DOKU_SNAP_VA_PARTNER_SERVICE_IDS.
 */
export const DOKU_SANDBOX_VA_PARTNER_SERVICE_IDS: Record<DokuVaMethod, string> = {
  VA_MANDIRI: '88899',
  VA_BSI: '90341',
  VA_BCA: '19008',
  VA_BRI: '13925',
  VA_PERMATA: '88561',
  VA_BNI: '98829',
  VA_CIMB: '51491',
  VA_DANAMON: '79190',
};

export type DokuMethod = keyof typeof DOKU_CHANNELS;
export type DokuChannel = (typeof DOKU_CHANNELS)[DokuMethod];

/** Check status, by order.invoice_number (or Request-Id). GET, signed without a Digest line. */
export const DOKU_STATUS_PATH = '/orders/v1/status/';

export function dokuStatusPath(invoiceNumber: string): string {
  return DOKU_STATUS_PATH + encodeURIComponent(invoiceNumber);
}

export const dokuChannelFor: (method: PaymentMethod) => DokuChannel | undefined = lookupIn(DOKU_CHANNELS);

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

export const dokuSnapChannelFor: (method: PaymentMethod) => (typeof DOKU_SNAP_EWALLETS)[DokuSnapMethod] | undefined = lookupIn(DOKU_SNAP_EWALLETS);

/** DOKU SNAP paths (doku-nodejs-library _commons/config.js). */
export const DOKU_SNAP_PATHS = {
  token: '/authorization/v1/access-token/b2b',
  payment: '/direct-debit/core/v1/debit/payment-host-to-host',
  status: '/orders/v1.0/debit/status',
  refund: '/direct-debit/core/v1/debit/refund',
  /** Where DOKU posts e-wallet notifications, relative to the merchant's notification base (developers.doku.com). */
  notify: '/v1.0/debit/notify',
  // SNAP virtual accounts (doku-nodejs-library _commons/config.js CREATE_VA, DELETE_VA, CHECK_STATUS_VA;
  // developers.doku.com check-status-api/snap: POST /orders/v1.0/transfer-va/status).
  createVa: '/virtual-accounts/bi-snap-va/v1.1/transfer-va/create-va',
  deleteVa: '/virtual-accounts/bi-snap-va/v1.1/transfer-va/delete-va',
  vaStatus: '/orders/v1.0/transfer-va/status',
  /**
   * Where DOKU posts a VA payment notification, relative to the notification base. developers.doku.com
   * "HTTP Notification Sample for SNAP" names `/v1/transfer-va/payment`; SNAP BI's standard path is
   * `/v1.0/transfer-va/payment`; DOKU's v1.1 VA API suggests `/v1.1/…` [? which one an account gets].
   * bayar serves all three; the signature covers the path DOKU actually posted to.
   */
  vaNotify: ['/v1.1/transfer-va/payment', '/v1.0/transfer-va/payment', '/v1/transfer-va/payment'],
} as const;

/** Every notification path under the DOKU webhook base (e-wallet and VA), for signature checks. */
export const DOKU_SNAP_NOTIFY_PATHS: readonly string[] = [DOKU_SNAP_PATHS.notify, ...DOKU_SNAP_PATHS.vaNotify];

/** DOKU's expired_time is whole minutes; peer_to_peer_info.expired_time allows 5 digits. */
export const DOKU_MAX_EXPIRY_MINUTES = 99_999;

/**
 * Non-SNAP only (no SNAP keys configured: Alfamart and Indodana), or with SNAP: the e-wallets, and
 * the VAs whose partnerServiceId the account has (`vaMethods`). VAs can be closed at DOKU (SNAP
 * delete-va), so `cancel` is true with SNAP; for the other methods cancelCharge does nothing.
 */
export function dokuCapabilitiesFor(snap: boolean, vaMethods: readonly DokuVaMethod[] = []): ProviderCapabilities {
  if (!snap) return dokuCapabilities;
  return {
    ...dokuCapabilities,
    methods: [...vaMethods, ...dokuCapabilities.methods, ...(Object.keys(DOKU_SNAP_EWALLETS) as DokuSnapMethod[])],
    cancel: vaMethods.length > 0,
    // SNAP's refund takes an amount and its own partnerRefundNo, so partial refunds, several per
    // payment, up to what was paid (the SDK: DANA and ShopeePay only) [? DOKU publishes no cap on
    // the number of partial refunds].
    refunds: { EWALLET_DANA: 'partial', EWALLET_SHOPEEPAY: 'partial' },
  };
}

export const dokuCapabilities = capabilitiesOf(DOKU_CHANNELS, {
  // SNAP partnerRefundNo for DANA/ShopeePay/OVO: 1–64 characters (doku-nodejs-library
  // _models/refundRequestDTO.js, Joi.string().min(1).max(64)).
  refundKey: { maxLength: 64 },
  // Non-SNAP has no refund API for virtual accounts or stores (PROVIDERS.md §1.2). Paylater
  // orders can be REFUNDED per the status table, but seed 002 documents no refund call for
  // Indodana, so none is declared: a settled DOKU payment is refunded outside bayar.
  refunds: {},
  // No documented way to close an unpaid Non-SNAP payment code or Indodana order: bayar's own
  // deadline ends the payment, followed by one final status check (see README.md). SNAP VAs are
  // deleted at DOKU (dokuCapabilitiesFor).
  cancel: false,
  // Per-channel limits (Alfa's store ceiling, Indodana's credit limit) are DOKU's to enforce.
  amount: { min: 1, max: 50_000_000_000 },
  // expired_time is in minutes; a shorter bayar expiry is sent as 1 minute and bayar's deadline
  // decides, as with Midtrans' 20 s minimum.
  expirySeconds: { min: 1, max: DOKU_MAX_EXPIRY_MINUTES * 60, default: 60 * 60 * 24 },
});
