// Custom search attributes: how operators find and filter payments in the Temporal Web UI.
// Imported by the workflow bundle too, so only @temporalio/common here.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const SA = {
  status: defineSearchAttributeKey('PaymentStatus', SearchAttributeType.KEYWORD),
  provider: defineSearchAttributeKey('PaymentProvider', SearchAttributeType.KEYWORD),
  method: defineSearchAttributeKey('PaymentMethod', SearchAttributeType.KEYWORD),
  merchantId: defineSearchAttributeKey('MerchantId', SearchAttributeType.KEYWORD),
  merchantReference: defineSearchAttributeKey('MerchantReference', SearchAttributeType.KEYWORD),
  amount: defineSearchAttributeKey('AmountIdr', SearchAttributeType.INT),
  expiresAt: defineSearchAttributeKey('PaymentExpiresAt', SearchAttributeType.DATETIME),
} as const;

export const ALL_SEARCH_ATTRIBUTES = Object.values(SA);
