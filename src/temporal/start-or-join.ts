// How every create in bayar starts its workflow (payments and payouts alike): update-with-start
// on an id derived from (merchant, key), so the same request twice names the same workflow,
// and a memo'd request hash, so the same key with another body is a 409, never a second one.
import { Client, WithStartWorkflowOperation, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError, type Workflow } from '@temporalio/client';
import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import type { Logger } from '@nestjs/common';
import { ProblemException } from '../common/problem.js';

export type StartOrJoinOutcome<R> =
  /** The workflow's create update answered within the wait (new or the same request again). */
  | { kind: 'answered'; result: R }
  /** The workflow with this id is closed and was started by this same request: read it. */
  | { kind: 'closed' }
  /** Started (by us or earlier), but no answer within the wait: it goes on without us. */
  | { kind: 'running' };

export interface StartOrJoinOptions<R, A extends unknown[]> {
  workflowId: string;
  /** Must use workflowIdConflictPolicy USE_EXISTING and carry `memo: { requestHash }`. */
  startOperation: WithStartWorkflowOperation<Workflow>;
  update: UpdateDefinition<R, A>;
  args: A;
  requestHash: string;
  waitMs: number;
  /** "payment" / "payout", for the messages. */
  noun: string;
  /** Runs a call to Temporal under a deadline (never hangs a request). */
  withDeadline: <T>(fn: () => Promise<T>) => Promise<T>;
}

export async function startOrJoin<R, A extends unknown[]>(client: Client, o: StartOrJoinOptions<R, A>): Promise<StartOrJoinOutcome<R>> {
  const conflict = () => new ProblemException(409, 'IDEMPOTENCY_CONFLICT', `this idempotency key was already used for a different ${o.noun} request`);
  const sameRequest = async () => {
    const description = await o.withDeadline(() => client.workflow.getHandle(o.workflowId).describe());
    return (description.memo as { requestHash?: string } | undefined)?.requestHash === o.requestHash;
  };

  // One call that starts (or joins) the workflow and waits for the update's result: the server
  // holds the request until the answer, where accept-then-poll took a second round trip.
  const updateWithStart = client.workflow.executeUpdateWithStart(o.update, { args: o.args, startWorkflowOperation: o.startOperation });
  try {
    const result = await withTimeout(updateWithStart, o.waitMs);
    if (result !== undefined) return { kind: 'answered', result };
  } catch (err) {
    // The same key again after the workflow closed (REJECT_DUPLICATE): never start it again.
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      if (!(await sameRequest())) throw conflict();
      return { kind: 'closed' };
    }
    throw err;
  }
  // No answer in time: the provider is slow, or no worker is running. If the workflow has
  // started, it exists durably and goes on without us.
  updateWithStart.catch(() => undefined);
  const same = await sameRequest().catch((err) => {
    // Not started *yet* is not "no such thing": the start may still be in flight (the client
    // retries it while Temporal is unreachable, e.g. restarting) and land a moment later. A 404
    // here would deny something that then exists; ask for a retry with the same key instead,
    // which is idempotent.
    if (err instanceof WorkflowNotFoundError) {
      throw new ProblemException(503, 'TEMPORAL_UNAVAILABLE', `the ${o.noun} could not be confirmed yet; retry with the same request`);
    }
    throw err;
  });
  if (!same) throw conflict();
  return { kind: 'running' };
}

/**
 * Temporal client errors → problem+json: a workflow's typed rejection (an update validator's
 * ApplicationFailure) by its type, a missing workflow as `notFound`, an unreachable Temporal as 503.
 */
export function translateTemporalError(err: unknown, options: { rejections: Record<string, [number, string]>; notFound: () => ProblemException; noun: string; logger: Logger }): Error {
  if (err instanceof ProblemException) return err;
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const [status, code] = options.rejections[err.cause.type ?? ''] ?? [422, 'REJECTED'];
    return new ProblemException(status, code, err.cause.message);
  }
  // Also what an update on a closed workflow reports.
  if (err instanceof WorkflowNotFoundError) return options.notFound();
  const name = (err as Error)?.name ?? '';
  if (name === 'ServiceError' || name === 'ConnectionError' || name === 'QueryNotRegisteredError' || /UNAVAILABLE|DEADLINE|deadline/.test(String((err as Error)?.message))) {
    options.logger.warn(`temporal unavailable: ${(err as Error).message}`);
    return new ProblemException(503, 'TEMPORAL_UNAVAILABLE', `the ${options.noun} store is unreachable; retry shortly`);
  }
  return err as Error;
}

/** Escapes a value for a visibility query. */
export function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
