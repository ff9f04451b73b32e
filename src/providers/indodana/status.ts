import type { ChargeStatus } from '../../domain/payment.js';
import { statusMap } from '../lookup.js';

/**
 * The one table: Indodana QRIS transactionStatus → bayar charge status (seed 001, "QRIS Check
 * Transaction Status"). Default to PENDING; only Indodana's explicit final answers are final.
 *
 * - INITIATED: "Transaction has been created by Indodana" — the customer has started paying; not final.
 * - PAID: "passed the fraud detection and is confirmed to-be-paid by Indodana" — the money is ours.
 * - EXPIRED: "Customer failed to complete the transaction" — final, nothing was collected.
 * - REJECTED: "identified as fraudulent transactions or in blacklisted merchants" — a final
 *   failure; the adapter attaches the reason.
 * - CANCELLED: not in the QRIS list, but Indodana marks a refunded transaction "Cancelled"
 *   (Merchant Operations, "Getting Paid"). Refunds are owned by bayar's refund update, so this is
 *   acknowledged and never applied, like the other providers' refund statuses.
 */
export const indodanaStatusToChargeStatus = statusMap<ChargeStatus>({ PENDING: ['INITIATED'], PAID: ['PAID'], EXPIRED: ['EXPIRED'], FAILED: ['REJECTED'], REFUNDED: ['CANCELLED'] }, 'PENDING');
