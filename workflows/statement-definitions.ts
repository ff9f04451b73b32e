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
  /** How long each statement.ready event is retried (the merchant notify timeout). */
  deliverForMs?: number;
}
