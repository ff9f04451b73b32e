// Entry point of the workflow bundle: every workflow type the production worker runs.
export { paymentWorkflow } from './payment.workflow.js';
export { payoutWorkflow } from './payout.workflow.js';
export { statementWorkflow } from './statement.workflow.js';
