// How the workflows turn refusals into failures a client can read, and read the failures their
// activities end with. Shared by the payment and the payout workflow.
import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import { Rejection } from './rejection.js';

export function reject(type: string, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true });
}

/** Validators must throw; turn a domain Rejection into a failure the client can read. */
export function guard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof Rejection) throw reject(err.type, err.message);
    throw err;
  }
}

/** The activity ended with a failure it said is final (ProviderRejected and the like). */
export function isDefiniteRejection(err: unknown): boolean {
  return err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.nonRetryable === true;
}

/** The application failure type an activity ended with, if any. */
export function failureType(err: unknown): string | undefined {
  return err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? (err.cause.type ?? undefined) : undefined;
}

/** How long the provider asked to be left alone (a 429's reset, activities/payout.activities.ts), if it said. */
export function requestedWaitMs(err: unknown): number | undefined {
  const wait = err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause.details?.[1] : undefined;
  return typeof wait === 'number' && Number.isFinite(wait) && wait > 0 ? wait : undefined;
}

export function failureMessage(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}
