// QRIS payloads (EMVCo Merchant-Presented Mode, as profiled by Bank Indonesia's QRIS standard):
// a flat list of TLV fields — two-digit id, two-digit length, value — ending in a CRC-16 over
// everything before its value. Pure functions, no I/O.
//
// Why bayar builds QRs at all: Indodana's QRIS integration (seed 001) has no "create" call. The
// merchant side presents the QR, Indodana creates the transaction itself when its customer pays
// it ("INITIATED — Transaction has been created by Indodana"), and the merchant only checks the
// status and refunds. So the dynamic QR for one payment is made here, from the merchant's own
// static QRIS (configured), with the amount and the order id that Indodana will report back as
// merchantOrderId. See README.md, "Who makes the QR".

export interface QrisField {
  id: string;
  value: string;
}

/** Tag ids of the fields bayar reads or writes. */
export const QRIS_TAG = {
  payloadFormat: '00',
  pointOfInitiation: '01',
  merchantCategory: '52',
  currency: '53',
  amount: '54',
  country: '58',
  merchantName: '59',
  merchantCity: '60',
  additionalData: '62',
  crc: '63',
} as const;

/** Inside tag 62 (additional data): the bill number, which carries bayar's order id. */
export const QRIS_BILL_NUMBER = '01';

/** EMVCo: sub-fields of tag 62 hold at most 25 characters; tag 54 (amount) at most 13. */
export const QRIS_MAX_BILL_NUMBER = 25;
const MAX_AMOUNT_CHARS = 13;

/** Point of initiation: 11 = static (reusable, payer types the amount), 12 = dynamic (one payment). */
const STATIC = '11';
const DYNAMIC = '12';

/** CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF), as EMVCo QR specifies; four uppercase hex digits. */
export function qrisCrc(text: string): string {
  let crc = 0xffff;
  for (const byte of Buffer.from(text, 'utf8')) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc.toString(16).toUpperCase().padStart(4, '0');
}

/** Splits a TLV string into fields; undefined when it is not exactly a sequence of well-formed fields. */
export function parseTlv(text: string): QrisField[] | undefined {
  const fields: QrisField[] = [];
  let at = 0;
  while (at < text.length) {
    const head = text.slice(at, at + 4);
    if (!/^\d{4}$/.test(head)) return undefined;
    const length = Number(head.slice(2));
    const value = text.slice(at + 4, at + 4 + length);
    if (value.length !== length) return undefined;
    fields.push({ id: head.slice(0, 2), value });
    at += 4 + length;
  }
  return fields;
}

export function encodeTlv(fields: readonly QrisField[]): string {
  return fields
    .map((f) => {
      if (!/^\d{2}$/.test(f.id) || f.value.length === 0 || f.value.length > 99) throw new Error(`QRIS field ${f.id}: length ${f.value.length} is outside 1–99`);
      return f.id + String(f.value.length).padStart(2, '0') + f.value;
    })
    .join('');
}

export type QrisCheck = { ok: true; fields: QrisField[] } | { ok: false; problem: string };

/**
 * A payload bayar can trust: well-formed TLV, payload format "01" first, the CRC last and right,
 * rupiah (360) in Indonesia (ID), a merchant name, and at least one merchant account (tags 26–51).
 */
export function checkQris(payload: string): QrisCheck {
  if (payload.length > 512) return { ok: false, problem: 'longer than 512 characters' };
  if (!/^[\x20-\x7e]+$/.test(payload)) return { ok: false, problem: 'not printable ASCII' };
  const fields = parseTlv(payload);
  if (!fields) return { ok: false, problem: 'not a TLV payload (id, length, value)' };
  if (fields[0]?.id !== QRIS_TAG.payloadFormat || fields[0].value !== '01') return { ok: false, problem: 'does not start with payload format 000201' };
  const last = fields[fields.length - 1]!;
  if (last.id !== QRIS_TAG.crc || last.value.length !== 4) return { ok: false, problem: 'does not end with a CRC (tag 63, 4 characters)' };
  if (qrisCrc(payload.slice(0, -4)) !== last.value.toUpperCase()) return { ok: false, problem: 'CRC does not match' };
  const ids = new Set(fields.map((f) => f.id));
  if (ids.size !== fields.length) return { ok: false, problem: 'a tag appears twice' };
  const value = (id: string) => fields.find((f) => f.id === id)?.value;
  if (value(QRIS_TAG.currency) !== '360') return { ok: false, problem: 'currency (tag 53) is not 360 (IDR)' };
  if (value(QRIS_TAG.country) !== 'ID') return { ok: false, problem: 'country (tag 58) is not ID' };
  if (!value(QRIS_TAG.merchantName)) return { ok: false, problem: 'no merchant name (tag 59)' };
  if (!fields.some((f) => Number(f.id) >= 26 && Number(f.id) <= 51)) return { ok: false, problem: 'no merchant account information (tags 26–51)' };
  const initiation = value(QRIS_TAG.pointOfInitiation);
  if (initiation !== undefined && initiation !== STATIC && initiation !== DYNAMIC) return { ok: false, problem: 'point of initiation (tag 01) is neither 11 nor 12' };
  return { ok: true, fields };
}

/**
 * The dynamic QR for one payment, made from the merchant's QRIS: point of initiation 12, the
 * amount in tag 54 (whole rupiah), the order id as bill number in tag 62, a fresh CRC. Other
 * fields of the merchant's payload (its accounts, name, city, other tag-62 data) are kept as
 * they are; tags are written in ascending order, CRC last.
 */
export function dynamicQris(merchantPayload: string, order: { amount: number; billNumber: string }): string {
  const check = checkQris(merchantPayload);
  if (!check.ok) throw new Error(`merchant QRIS payload: ${check.problem}`);
  const amount = String(order.amount);
  if (!Number.isSafeInteger(order.amount) || order.amount <= 0 || amount.length > MAX_AMOUNT_CHARS) throw new Error('QRIS amount must be a positive whole number of at most 13 digits');
  if (order.billNumber.length === 0 || order.billNumber.length > QRIS_MAX_BILL_NUMBER || !/^[\x20-\x7e]+$/.test(order.billNumber)) {
    throw new Error(`QRIS bill number must be 1–${QRIS_MAX_BILL_NUMBER} printable characters`);
  }
  const additional = check.fields.find((f) => f.id === QRIS_TAG.additionalData);
  const subfields = (additional ? (parseTlv(additional.value) ?? []) : []).filter((f) => f.id !== QRIS_BILL_NUMBER);
  const fields = check.fields
    .filter((f) => f.id !== QRIS_TAG.crc && f.id !== QRIS_TAG.amount && f.id !== QRIS_TAG.additionalData && f.id !== QRIS_TAG.pointOfInitiation)
    .concat(
      { id: QRIS_TAG.pointOfInitiation, value: DYNAMIC },
      { id: QRIS_TAG.amount, value: amount },
      { id: QRIS_TAG.additionalData, value: encodeTlv([{ id: QRIS_BILL_NUMBER, value: order.billNumber }, ...subfields].sort(byId)) },
    )
    .sort(byId);
  // 00 (payload format) sorts first by itself; the CRC covers "6304" as well.
  const body = encodeTlv(fields) + QRIS_TAG.crc + '04';
  return body + qrisCrc(body);
}

export interface DynamicQrisContent {
  amount: number;
  billNumber: string;
  merchantName: string;
}

/** What a payer's app reads from a dynamic QR; undefined when it is not a valid dynamic QRIS with amount and bill number. */
export function readDynamicQris(payload: string): DynamicQrisContent | undefined {
  const check = checkQris(payload);
  if (!check.ok) return undefined;
  const value = (id: string) => check.fields.find((f) => f.id === id)?.value;
  if (value(QRIS_TAG.pointOfInitiation) !== DYNAMIC) return undefined;
  const amountText = value(QRIS_TAG.amount);
  if (!amountText || !/^[1-9]\d{0,12}$/.test(amountText)) return undefined;
  const billNumber = parseTlv(value(QRIS_TAG.additionalData) ?? '')?.find((f) => f.id === QRIS_BILL_NUMBER)?.value;
  if (!billNumber) return undefined;
  return { amount: Number(amountText), billNumber, merchantName: value(QRIS_TAG.merchantName)! };
}

function byId(a: QrisField, b: QrisField): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
