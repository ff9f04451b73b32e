// Messages of the payment workflow, shared by the workflow and its callers (API, tests).
// Importing this from the API is safe: define* only creates names, it runs no workflow code.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { PaymentMethod, PaymentView, ProviderEvent, ProviderName, RefundRecord, Rupiah } from '../src/domain/payment.js';
import type { RefundSupport } from '../src/providers/provider.js';

export const PAYMENT_WORKFLOW_TYPE = 'paymentWorkflow';

export interface PaymentTiming {
  /** Gaps between status polls; the last one repeats (the cap). */
  pollScheduleMs: number[];
  /** How long a finished payment stays open for refunds and late notifications. */
  refundWindowMs: number;
  /** How long bayar keeps retrying the merchant's callback URL before giving up on it. */
  merchantNotifyTimeoutMs: number;
}

export interface PaymentWorkflowInput {
  paymentId: string;
  merchantId: string;
  merchantReference: string;
  provider: ProviderName;
  method: PaymentMethod;
  amount: Rupiah;
  description: string;
  createdAt: string;
  expiresAt: string;
  /** Hash of the create request; the same key with another body is refused (409). */
  requestHash: string;
  /** Random per start attempt: tells the API whether its request started this payment (201) or found it (200). */
  creationId: string;
  callbackUrl?: string;
  /**
   * Record every merchant event in the database (and send it to the merchant's registered
   * endpoints), with or without a callbackUrl. Set by the API on every new start; absent in
   * workflows started before it existed, which keep notifying only their callbackUrl.
   */
  recordEvents?: boolean;
  /** Where the provider's hosted page sends the customer back to (e-wallet redirects). */
  returnUrl?: string;
  /** Customer details, encrypted by the API: personal data never enters history in clear. */
  sealedCustomer?: string;
  /**
   * The provider's capabilities as they were when the payment was created. Kept in the
   * input so refund validation is deterministic and does not change under a running payment.
   */
  capabilities: RouteCapabilities;
  timing: PaymentTiming;
  /**
   * The next providers to try, in order, when the first one refuses the charge outright
   * (before any charge exists). Empty or absent when the merchant named a provider.
   */
  fallbacks?: ProviderRoute[];
  /**
   * Providers ahead on the method's route that the API sent this payment around because their
   * circuit was open (health-aware routing); recorded in the timeline as `routed-around`.
   */
  routedAround?: { provider: ProviderName; reason: string }[];
  /**
   * A hosted checkout (POST /v1/checkouts): no charge until the customer chooses a method on
   * the page (chooseMethodUpdate); `provider`, `method` and `capabilities` above are only the
   * first offered method's route until then.
   */
  checkout?: CheckoutInput;
}

export interface CheckoutInput {
  /** What the page offers; a choice outside it is refused by the update's validator. */
  methods: PaymentMethod[];
  /**
   * Where each offered method is charged, routed by the API when the checkout was created (as a
   * create is routed): the choice names only the method, so the page can steer nothing else.
   */
  routes: Partial<Record<PaymentMethod, { route: ProviderRoute; fallbacks: ProviderRoute[] }>>;
  /** Changes of method after the first choice (each cancels a charge at its provider). */
  maxMethodChanges: number;
}

/** The customer's choice on the checkout page. */
export interface MethodChoice {
  method: PaymentMethod;
}

export interface RouteCapabilities {
  refund: RefundSupport;
  cancel: boolean;
  refundReasons?: string[];
}

/** One provider a payment may be charged at, with what the workflow must know about it. */
export interface ProviderRoute {
  provider: ProviderName;
  capabilities: RouteCapabilities;
  pollScheduleMs: number[];
}

export interface RefundCommand {
  refundId: string;
  /** Omitted = everything still refundable. */
  amount?: Rupiah;
  reason: string;
}

export interface CreateOrGetResult {
  payment: PaymentView;
  creationId: string;
}

export interface CancelCommand {
  reason?: string;
}

export interface CreateOrGetCommand {
  requestHash: string;
}

/** Failure types the validators and handlers use; the API maps them to problem+json codes. */
export const REJECTION = {
  idempotencyConflict: 'IdempotencyConflict',
  notCancellable: 'NotCancellable',
  notRefundable: 'NotRefundable',
  refundNotSupported: 'RefundNotSupported',
  partialRefundNotSupported: 'PartialRefundNotSupported',
  refundExceedsRefundable: 'RefundExceedsRefundable',
  invalidRefundReason: 'InvalidRefundReason',
  invalidAmount: 'InvalidAmount',
  refundFailed: 'RefundFailed',
  notACheckout: 'NotACheckout',
  methodNotOffered: 'MethodNotOffered',
  methodChangesExhausted: 'MethodChangesExhausted',
  notAwaitingPayment: 'NotAwaitingPayment',
} as const;

export const providerEventSignal = defineSignal<[ProviderEvent]>('providerEvent');
export const paymentQuery = defineQuery<PaymentView>('payment');
export const createOrGetUpdate = defineUpdate<CreateOrGetResult, [CreateOrGetCommand]>('createOrGet');
export const cancelUpdate = defineUpdate<PaymentView, [CancelCommand]>('cancel');
export const chooseMethodUpdate = defineUpdate<PaymentView, [MethodChoice]>('chooseMethod');
export const refundUpdate = defineUpdate<RefundRecord, [RefundCommand]>('refund');
