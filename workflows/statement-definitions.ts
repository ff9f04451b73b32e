// The statement workflow's name and input, shared by the workflow, the schedule and tests
// (importing this runs no workflow code).
export const STATEMENT_WORKFLOW_TYPE = 'statementWorkflow';

export interface StatementWorkflowInput {
  /** The newest day to produce (YYYY-MM-DD, Jakarta); default yesterday. */
  through?: string;
  /** Produce exactly this day (an operator's re-run or an old day past the catch-up bound). */
  day?: string;
  /** Catch-up bound: at most this many days per run (default 31). */
  maxDays?: number;
  /**
   * Produce a day that has not ended yet in Jakarta. A produced day is never recomputed, so its
   * later payments would be missing for good: for tests and demonstrations only.
   */
  allowUnfinishedDay?: boolean;
  /** How long each statement.ready event is retried (the merchant notify timeout). */
  deliverForMs?: number;
}
