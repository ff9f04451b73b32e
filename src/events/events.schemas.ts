import { z } from 'zod';
import { endpointUrlSchema, eventTypeSchema } from '../db/merchants.js';

const eventId = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'an event id (Bayar-Event-Id)');
export const eventIdSchema = eventId;

export const listEventsQuerySchema = z.strictObject({
  undelivered: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  type: eventTypeSchema.optional(),
  /** ISO 8601 instants; `to` is exclusive. */
  from: z.iso
    .datetime({ offset: true })
    .transform((s) => new Date(s))
    .optional(),
  to: z.iso
    .datetime({ offset: true })
    .transform((s) => new Date(s))
    .optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  /** The last event id of the previous page: the next page holds older events. */
  before: eventId.optional(),
});
export type ListEventsQuery = z.infer<typeof listEventsQuerySchema>;

export const createEndpointSchema = z.strictObject({
  url: endpointUrlSchema,
  /** Empty or absent: every event type. */
  eventTypes: z.array(eventTypeSchema).max(50).default([]),
});
export type CreateEndpointBody = z.infer<typeof createEndpointSchema>;

export const endpointIdSchema = z.string().regex(/^we_[0-9a-f]{20}$/, 'an endpoint id (we_…)');
