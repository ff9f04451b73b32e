export { createPaymentActivities } from './payment.activities.js';
export type * from './payment.activities.js';
export { createPayoutActivities } from './payout.activities.js';
export type * from './payout.activities.js';
export { createRecordActivities } from './record.activities.js';
export type * from './record.activities.js';
