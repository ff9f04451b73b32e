// Entry point of the workflow bundle: every workflow type the worker runs.
export { paymentWorkflow } from './payment.workflow.js';
export { baselineWorkflow } from './baseline.workflow.js';
export { payoutWorkflow } from './payout.workflow.js';
export { statementWorkflow } from './statement.workflow.js';
