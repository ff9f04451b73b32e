// The page's words, in Bahasa Indonesia (the default) and English. Method names are brands.
import type { PaymentMethod } from '../domain/payment.js';

export type Lang = 'id' | 'en';

export const TEXT = {
  id: {
    title: 'Pembayaran',
    payTo: 'Bayar ke',
    order: 'Pesanan',
    total: 'Total',
    payWithin: 'Bayar sebelum',
    timeLeft: 'Sisa waktu',
    choose: 'Pilih metode pembayaran',
    groups: { va: 'Virtual Account (transfer bank)', qris: 'QRIS', ewallet: 'E-wallet', retail: 'Gerai retail', paylater: 'PayLater' },
    vaNumber: 'Nomor Virtual Account',
    copy: 'Salin',
    copied: 'Tersalin',
    steps: 'Cara membayar',
    scan: 'Pindai kode QR ini dengan aplikasi bank atau e-wallet apa pun yang mendukung QRIS.',
    qrAlt: 'Kode QRIS untuk pembayaran ini',
    openWallet: (name: string) => `Buka ${name} untuk membayar`,
    payCode: 'Kode pembayaran',
    retailSteps: (name: string) => `Tunjukkan kode pembayaran ini ke kasir ${name} dan bayar tunai sejumlah total.`,
    paylater: (name: string) => `Lanjutkan ke ${name} untuk menyelesaikan pembayaran.`,
    waiting: 'Menunggu pembayaran…',
    change: 'Ganti metode pembayaran',
    changesLeft: (n: number) => `Anda dapat mengganti metode ${n} kali lagi.`,
    paid: 'Pembayaran berhasil',
    paidText: 'Terima kasih. Pembayaran Anda sudah kami terima.',
    back: 'Kembali ke toko',
    returning: 'Anda akan diarahkan kembali ke toko…',
    expired: 'Waktu pembayaran habis',
    expiredText: 'Pembayaran ini sudah kedaluwarsa dan tidak dapat dibayar lagi. Silakan buat pesanan baru di toko.',
    closed: 'Pembayaran ditutup',
    closedText: 'Pembayaran ini tidak dapat dilanjutkan.',
    invalid: 'Tautan pembayaran tidak valid',
    invalidText: 'Tautan ini tidak dikenal atau sudah kedaluwarsa.',
    refused: 'Metode ini tidak dapat dipilih sekarang.',
    language: 'Bahasa',
    preparing: 'Menyiapkan pembayaran…',
    bankSteps: (bank: string, app: string, menu: string) => [
      `Buka ${app} (atau ATM ${bank}).`,
      `Pilih ${menu}.`,
      'Masukkan nomor Virtual Account di atas.',
      'Periksa nama toko dan jumlah, lalu konfirmasi dengan PIN Anda.',
    ],
    otherBank: 'Dari bank lain: pilih Transfer › Bank lain, bank tujuan sesuai di atas, dan nomor Virtual Account sebagai nomor rekening.',
  },
  en: {
    title: 'Payment',
    payTo: 'Pay to',
    order: 'Order',
    total: 'Total',
    payWithin: 'Pay before',
    timeLeft: 'Time left',
    choose: 'Choose a payment method',
    groups: { va: 'Virtual account (bank transfer)', qris: 'QRIS', ewallet: 'E-wallets', retail: 'Convenience stores', paylater: 'PayLater' },
    vaNumber: 'Virtual account number',
    copy: 'Copy',
    copied: 'Copied',
    steps: 'How to pay',
    scan: 'Scan this QR code with any bank or e-wallet app that supports QRIS.',
    qrAlt: 'QRIS code for this payment',
    openWallet: (name: string) => `Open ${name} to pay`,
    payCode: 'Payment code',
    retailSteps: (name: string) => `Show this payment code at the ${name} cashier and pay the total in cash.`,
    paylater: (name: string) => `Continue to ${name} to finish the payment.`,
    waiting: 'Waiting for your payment…',
    change: 'Change payment method',
    changesLeft: (n: number) => `You can change the method ${n} more times.`,
    paid: 'Payment received',
    paidText: 'Thank you. We have received your payment.',
    back: 'Back to the shop',
    returning: 'Taking you back to the shop…',
    expired: 'Payment time is up',
    expiredText: 'This payment has expired and can no longer be paid. Please place a new order at the shop.',
    closed: 'Payment closed',
    closedText: 'This payment cannot be continued.',
    invalid: 'Payment link not valid',
    invalidText: 'This link is unknown or has expired.',
    refused: 'This method cannot be chosen now.',
    language: 'Language',
    preparing: 'Preparing your payment…',
    bankSteps: (bank: string, app: string, menu: string) => [
      `Open ${app} (or a ${bank} ATM).`,
      `Choose ${menu}.`,
      'Enter the virtual account number above.',
      'Check the shop name and amount, then confirm with your PIN.',
    ],
    otherBank: 'From another bank: choose Transfer › Other bank, the bank above as destination, and the virtual account number as the account number.',
  },
} as const;

export type Group = keyof (typeof TEXT)['en']['groups'];

/** How customers know each method: its group and the name on the button. */
export const METHOD_INFO: Record<PaymentMethod, { group: Group; name: string }> = {
  VA_BCA: { group: 'va', name: 'BCA' },
  VA_MANDIRI: { group: 'va', name: 'Mandiri' },
  VA_BNI: { group: 'va', name: 'BNI' },
  VA_BRI: { group: 'va', name: 'BRI' },
  VA_PERMATA: { group: 'va', name: 'Permata' },
  VA_CIMB: { group: 'va', name: 'CIMB Niaga' },
  VA_DANAMON: { group: 'va', name: 'Danamon' },
  VA_MAYBANK: { group: 'va', name: 'Maybank' },
  VA_BSI: { group: 'va', name: 'BSI' },
  VA_BNC: { group: 'va', name: 'BNC' },
  VA_SAMPOERNA: { group: 'va', name: 'Sahabat Sampoerna' },
  VA_SINARMAS: { group: 'va', name: 'Sinarmas' },
  QRIS: { group: 'qris', name: 'QRIS' },
  EWALLET_OVO: { group: 'ewallet', name: 'OVO' },
  EWALLET_DANA: { group: 'ewallet', name: 'DANA' },
  EWALLET_SHOPEEPAY: { group: 'ewallet', name: 'ShopeePay' },
  EWALLET_LINKAJA: { group: 'ewallet', name: 'LinkAja' },
  EWALLET_GOPAY: { group: 'ewallet', name: 'GoPay' },
  RETAIL_ALFAMART: { group: 'retail', name: 'Alfamart' },
  RETAIL_INDOMARET: { group: 'retail', name: 'Indomaret' },
  PAYLATER_INDODANA: { group: 'paylater', name: 'Indodana PayLater' },
};

/**
 * Each bank's app and the menu that pays a virtual account, as the banks' own help pages name
 * them (general guidance; the banks rename menus from time to time). Others: a generic menu.
 */
export const BANK_APPS: Partial<Record<PaymentMethod, { app: string; menu: { id: string; en: string } }>> = {
  VA_BCA: { app: 'BCA mobile', menu: { id: 'm-Transfer › BCA Virtual Account', en: 'm-Transfer › BCA Virtual Account' } },
  VA_MANDIRI: { app: "Livin' by Mandiri", menu: { id: 'Bayar › Virtual Account', en: 'Pay › Virtual Account' } },
  VA_BNI: { app: 'wondr by BNI', menu: { id: 'Transfer › Virtual Account', en: 'Transfer › Virtual Account' } },
  VA_BRI: { app: 'BRImo', menu: { id: 'BRIVA', en: 'BRIVA' } },
  VA_PERMATA: { app: 'PermataMobile X', menu: { id: 'Bayar Tagihan › Virtual Account', en: 'Pay Bills › Virtual Account' } },
  VA_CIMB: { app: 'OCTO Mobile', menu: { id: 'Transfer › Virtual Account', en: 'Transfer › Virtual Account' } },
};

export const GROUP_ORDER: Group[] = ['va', 'qris', 'ewallet', 'retail', 'paylater'];

/** Rp 150.000: rupiah with dots between thousands, no decimals (as Indonesian shops write it). */
export function rupiah(amount: number): string {
  return `Rp ${String(Math.trunc(amount)).replace(/\B(?=(\d{3})+(?!\d))/g, '.')}`;
}
