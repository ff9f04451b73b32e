// Wire shapes of DOKU SNAP virtual accounts as bayar uses them: create VA, delete VA, VA status,
// and the VA payment notification DOKU posts to the merchant. Field names and rules from
// doku-nodejs-library 1.0.52 (_models/createVaRequestDto.js validateVaRequestDto,
// deleteVaRequestDTO.js, checkStatusVARequestDTO.js, checkStatusVirtualAccountDataDTO.js,
// paymentNotificationRequestBodyDTO.js, _services/vaService.js) and DOKU's published VA
// notification samples (developers.doku.com "HTTP Notification Sample for SNAP";
// dashboard.doku.com …/bank-mandiri-va-http-sample-snap). Shared by the adapter and the sandbox.
import { z } from 'zod';
import type { Rupiah } from '../../../domain/payment.js';
import { snapAmount, snapAnswer, snapText64 } from './schemas.js';

/** partnerServiceId: exactly 8 characters, the BIN left-padded with spaces (SDK: `^\s{0,7}\d{1,8}$`, length 8). */
export const PARTNER_SERVICE_ID = /^\s{0,7}\d{1,8}$/;
export const partnerServiceIdSchema = z.string().length(8).regex(PARTNER_SERVICE_ID);
/** customerNo: digits, at most 20 (SDK). */
export const customerNoSchema = z.string().min(1).max(20).regex(/^\d+$/);

/** A BIN as configured ("19008") → SNAP's partnerServiceId ("   19008"). */
export function toPartnerServiceId(bin: string): string {
  if (!/^\d{1,8}$/.test(bin)) throw new RangeError(`not a DOKU VA BIN: ${JSON.stringify(bin)}`);
  return bin.padStart(8, ' ');
}

/** The number the customer types at the bank: the VA number without SNAP's padding spaces. */
export function vaDigits(virtualAccountNo: string): string {
  return virtualAccountNo.replace(/\s/g, '');
}

/** virtualAccountName: the SDK's character set (letters, digits, `.\-/+,=_:'@%` and space), 1–255. */
export const VA_NAME_CHARS = /^[a-zA-Z0-9.\\\-/+,=_:'@% ]*$/;

// ---- create VA: POST /virtual-accounts/bi-snap-va/v1.1/transfer-va/create-va (service 27) ----

/** The three fields that name a VA in every VA request (create, delete, status: the SDK's DTOs). */
const vaAddress = z.object({
  partnerServiceId: partnerServiceIdSchema,
  customerNo: customerNoSchema,
  /** partnerServiceId + customerNo, exactly (SDK validation, padding included; checked on create below). */
  virtualAccountNo: z.string().min(1).max(28),
});

export const createVaRequestSchema = vaAddress
  .extend({
    virtualAccountName: z.string().min(1).max(255).regex(VA_NAME_CHARS),
    virtualAccountEmail: z.email().max(255).optional(),
    virtualAccountPhone: z.string().min(9).max(30).optional(),
    /** bayar's payment id: DOKU's "Invoice number in Merchants system" (1–64). */
    trxId: z.string().min(1).max(64),
    totalAmount: snapAmount,
    additionalInfo: z
      .object({
        // The SDK's Joi says ≤ 30, its README String(20); yet its own vaChannelEnum has
        // VIRTUAL_ACCOUNT_BANK_SYARIAH_MANDIRI (36). The enum's names are what DOKU routes on, so
        // they are taken in full [? DOKU's real limit].
        channel: z.string().min(1).max(64),
        virtualAccountConfig: z.object({ reusableStatus: z.boolean() }).loose().optional(),
      })
      .loose(),
    /** C = closed amount (the amount is exactly totalAmount), O = open amount. bayar sends C. */
    virtualAccountTrxType: z.enum(['C', 'O', '1', '2']),
    /** yyyy-MM-ddTHH:mm:ss+07:00 (SDK pattern: no fraction, a numeric offset). */
    expiredDate: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/),
  })
  .refine((v) => v.virtualAccountNo === v.partnerServiceId + v.customerNo, { message: 'virtualAccountNo must be partnerServiceId + customerNo', path: ['virtualAccountNo'] });
export type SnapCreateVaRequest = z.infer<typeof createVaRequestSchema>;

/** The VA every VA answer describes (create VA and VA status answer alike: the SDK's virtualAccountData). */
const answeredVa = z.object({
  partnerServiceId: z.string().max(8).nullish(),
  customerNo: z.string().max(20).nullish(),
  virtualAccountNo: z.string().min(1).max(28),
  trxId: snapText64,
});

export const createVaResponseSchema = snapAnswer.extend({ virtualAccountData: answeredVa.extend({ totalAmount: snapAmount.nullish(), expiredDate: snapText64 }).loose() }).loose();

// ---- delete VA: DELETE /virtual-accounts/bi-snap-va/v1.1/transfer-va/delete-va (service 31) ----

export const deleteVaRequestSchema = vaAddress.extend({
  trxId: z.string().min(1).max(64),
  additionalInfo: z.object({ channel: z.string().min(1).max(64) }).loose(),
});
export type SnapDeleteVaRequest = z.infer<typeof deleteVaRequestSchema>;

// ---- VA status: POST /orders/v1.0/transfer-va/status (service 26) ----

export const vaStatusRequestSchema = vaAddress.extend({
  inquiryRequestId: z.string().max(128).nullish(),
  paymentRequestId: z.string().max(128).nullish(),
  additionalInfo: z
    .object({ channel: z.string().max(64).optional() })
    .loose()
    .optional(),
});
export type SnapVaStatusRequest = z.infer<typeof vaStatusRequestSchema>;

export const vaStatusResponseSchema = snapAnswer
  .extend({
    virtualAccountData: answeredVa
      .extend({
        paymentRequestId: z.string().max(128).nullish(),
        paidAmount: snapAmount.nullish(),
        totalAmount: snapAmount.nullish(),
        /** SNAP BI: 00 success (paid); anything else is not a payment [? DOKU publishes no table]. */
        paymentFlagStatus: z.string().max(2).nullish(),
        paymentFlagReason: z.object({ english: z.string().nullish(), indonesia: z.string().nullish() }).loose().nullish(),
        trxDateTime: snapText64,
      })
      .loose(),
    additionalInfo: z
      .object({ paymentFlagStatus: z.string().max(2).nullish(), trxId: snapText64 })
      .loose()
      .nullish(),
  })
  .loose();
export type SnapVaStatusResponse = z.infer<typeof vaStatusResponseSchema>;

// ---- VA payment notification: POST {notification base}/v1.1/transfer-va/payment (DOKU → bayar) ----

/**
 * paidAmount.value: DOKU's Mandiri sample writes "10000.00", its BNC sample "12500": whole rupiah
 * either way; a fraction is not taken.
 */
export const VA_PAID_VALUE = /^(0|[1-9]\d{0,15})(\.00)?$/;

export function parseVaPaidValue(value: string): Rupiah | undefined {
  if (!VA_PAID_VALUE.test(value)) return undefined;
  const n = Number(value.endsWith('.00') ? value.slice(0, -3) : value);
  return Number.isSafeInteger(n) ? n : undefined;
}

export const vaNotificationSchema = z
  .object({
    partnerServiceId: z.string().max(8).nullish(),
    customerNo: z.string().max(20).nullish(),
    virtualAccountNo: z.string().min(1).max(28),
    virtualAccountName: z.string().max(255).nullish(),
    /** "Mandatory if Payment comes from the Create VA Request": bayar's payment id. */
    trxId: z.string().min(1).max(64),
    /** DOKU's (the acquirer's) id of this payment; a retry of the notification carries the same one. */
    paymentRequestId: z.string().min(1).max(128),
    paidAmount: z.object({ value: z.string().max(20), currency: z.literal('IDR') }).loose(),
    trxDateTime: snapText64,
    referenceNo: snapText64,
    channelCode: z.union([z.string(), z.number()]).nullish(),
    additionalInfo: z.union([z.object({}).loose(), z.string()]).nullish(),
  })
  .loose();
export type SnapVaNotification = z.infer<typeof vaNotificationSchema>;
