import type { ChargeStatus } from '../../domain/payment.js';
import type { RefundStatus } from '../provider.js';
import { statusMap } from '../lookup.js';

/**
 * The one table: DOKU Non-SNAP `transaction.status` (check status API and notifications) → bayar
 * charge status (developers.doku.com, Check Status API — Non-SNAP, "Transaction Status Mapping").
 *
 * SUCCESS, EXPIRED and REFUNDED are final at DOKU ("Final: YES"). FAILED is listed as NOT final
 * ("Transaction is failed to be paid … Final: NO", for VA, cards, direct debit, e-money and
 * paylater), so bayar follows DOKU: FAILED is "not paid yet", the payment stays open, and bayar's
 * own deadline ends it with one last status check — a customer who retries on DOKU's side and
 * pays still settles the payment instead of becoming late money. The create answer of Indodana's
 * generate-order is different: there FAILED means no order was made (index.ts). TIMEOUT
 * (e-money: check again) and REDIRECT (cards: waiting for the acquirer) are "not yet". Anything
 * else stays PENDING: only an explicit answer is final.
 */
export const dokuStatusToChargeStatus = statusMap<ChargeStatus>(
  {
    PENDING: ['PENDING', 'FAILED', 'TIMEOUT', 'REDIRECT'],
    PAID: ['SUCCESS'],
    EXPIRED: ['EXPIRED'],
    // Money went back. Refunds are driven by bayar's refund update; this never moves a payment.
    REFUNDED: ['REFUNDED'],
  },
  'PENDING',
);

/**
 * The SNAP table: `latestTransactionStatus` of the Direct Debit status answer and of e-wallet
 * notifications (BI SNAP; the SDK's notification DTO takes 00, 03, 04, 05, 06) → bayar charge
 * status. 00 is the only paid state. 01 initiated, 02 paying and 03 pending are "not yet"; 04
 * refunded is acknowledged, never applied (bayar's refund update tracks refunds); 05 cancelled
 * and 06 failed end the charge. 07 "not found" and anything unknown stay PENDING: only an
 * explicit answer is final.
 */
export const dokuSnapStatusToChargeStatus = statusMap<ChargeStatus>({ PAID: ['00'], PENDING: ['01', '02', '03', '07'], REFUNDED: ['04'], CANCELLED: ['05'], FAILED: ['06'] }, 'PENDING');

/**
 * The SNAP refund table: `refundHistory[].refundStatus` of the Direct Debit status answer → where
 * a refund DOKU accepted (202 "Request In Progress") stands. doku-nodejs-library 1.0.52 models the
 * field as a plain string and names no values; SNAP's own status codes (`latestTransactionStatus`:
 * 00 success, 03 pending, 06 failed) are what the sandbox sends, and the words SUCCESS / FAILED /
 * PENDING are taken too [? DOKU documents neither form for refundHistory]. Only an explicit
 * success or failure is final: anything else (in progress, unknown, empty) stays PENDING, and the
 * workflow looks again.
 */
export const dokuSnapRefundStatusToRefundState = statusMap<RefundStatus['state']>({ SUCCEEDED: ['00', 'SUCCESS'], FAILED: ['06', 'FAILED'], PENDING: ['03', 'PENDING'] }, 'PENDING');
