// DOKU's notification retry schedule, shared by the Non-SNAP and SNAP sandboxes (its own module,
// so neither sandbox imports the other for it).
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Retries land 30 min, 6 h and 12 h after the original delivery (DOKU, "Retry Notification"). */
export const DOKU_NOTIFICATION_RETRY_OFFSETS_MS = [30 * MINUTE, 6 * HOUR, 12 * HOUR];

/** The same schedule as the kit needs it: each delay counts from the previous attempt. */
export const DOKU_NOTIFICATION_RETRIES_MS = DOKU_NOTIFICATION_RETRY_OFFSETS_MS.map((at, i) => at - (DOKU_NOTIFICATION_RETRY_OFFSETS_MS[i - 1] ?? 0));
