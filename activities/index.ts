export { createPaymentActivities } from './payment.activities.js';
export type * from './payment.activities.js';
