// What the payments and payouts services both do with Temporal from an API request: every call
// under a deadline, its errors as problem+json, the workflow's own view, and a create that
// Temporal has already forgotten answered from the system of record.
import type { Logger } from '@nestjs/common';
import { Client, WorkflowNotFoundError, type WithStartWorkflowOperation, type Workflow, type WorkflowHandle } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { ProblemException } from '../common/problem.js';
import type { ProviderName } from '../domain/payment.js';
import { fromDatabase } from '../db/cursor.js';
import type { Pool } from '../db/pool.js';
import { findRecordedCreate } from '../db/reads.repository.js';
import { startOrJoin, translateTemporalError } from './start-or-join.js';

/** A workflow's typed rejection (ApplicationFailure type) → [HTTP status, problem code]. */
export type RejectionStatus = Record<string, [number, string]>;

/**
 * The rejection table from the types by HTTP status: the problem code is the type in
 * SCREAMING_SNAKE_CASE (NotCancellable → NOT_CANCELLABLE); `named` gives the codes that differ.
 */
export function rejectionStatus(byStatus: Record<number, readonly string[]>, named: RejectionStatus = {}): RejectionStatus {
  const table: RejectionStatus = {};
  for (const [status, types] of Object.entries(byStatus)) {
    for (const type of types) table[type] = [Number(status), type.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()];
  }
  return { ...table, ...named };
}

/** What every just-started payment or payout shows before its workflow has run (no worker yet). */
export function justStarted(id: string, input: { merchantId: string; merchantReference: string; provider: ProviderName; createdAt: string }) {
  const { merchantId, merchantReference, provider, createdAt } = input;
  return { id, merchantId, merchantReference, provider, currency: 'IDR' as const, status: 'CREATED' as const, createdAt, timeline: [] };
}

export class WorkflowCalls<V> {
  constructor(
    private readonly client: Client,
    private readonly pool: Pool | null,
    private readonly logger: Logger,
    private readonly kind: 'payment' | 'payout',
    private readonly rejections: RejectionStatus,
  ) {}

  handle(id: string): WorkflowHandle {
    return this.client.workflow.getHandle(id);
  }

  /** Calls to Temporal from a request never hang: past the deadline the caller gets a 503. */
  withDeadline<T>(fn: () => Promise<T>, ms = 5_000): Promise<T> {
    return this.client.connection.withDeadline(Date.now() + ms, fn);
  }

  translate(err: unknown): Error {
    // An update on a workflow that does not exist or is closed.
    const notFound = () => new ProblemException(404, `${this.kind.toUpperCase()}_NOT_FOUND`, `no such ${this.kind}, or it is closed for changes`);
    return translateTemporalError(err, { rejections: this.rejections, notFound, noun: this.kind, logger: this.logger });
  }

  /** The create's update-with-start (start-or-join.ts) under a deadline; its errors already translated. */
  startOrJoin<R>(id: string, startOperation: WithStartWorkflowOperation<Workflow>, update: UpdateDefinition<R, [{ requestHash: string }]>, requestHash: string, waitMs: number) {
    return startOrJoin(this.client, { workflowId: id, startOperation, update, args: [{ requestHash }], requestHash, waitMs, noun: this.kind, withDeadline: (fn) => this.withDeadline(fn) }).catch(
      (err) => {
        throw this.translate(err);
      },
    );
  }

  /**
   * The same key again after Temporal's retention has deleted the workflow: Temporal would start
   * it afresh — a second charge or transfer. The record still knows it: the same request is
   * answered from there, another body under the same key is a 409, and nothing is started.
   * Undefined: not recorded, or Temporal still has it (the normal path answers and checks the body).
   */
  async forgottenByTemporal(merchantId: string, id: string, requestHash: string): Promise<V | undefined> {
    const recorded = await fromDatabase(this.pool, this.logger, (pool) => findRecordedCreate(pool, this.kind, merchantId, id));
    if (!recorded) return undefined;
    const known = await this.withDeadline(() => this.handle(id).describe()).then(
      () => true,
      (err) => {
        if (err instanceof WorkflowNotFoundError) return false;
        throw this.translate(err);
      },
    );
    if (known) return undefined;
    if (recorded.requestHash !== requestHash) throw new ProblemException(409, 'IDEMPOTENCY_CONFLICT', `this idempotency key was already used for a different ${this.kind} request`);
    return recorded.view as V;
  }
}
