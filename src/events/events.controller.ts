// Merchant events (every event bayar sent or tried to send, with each delivery attempt), resend,
// and the endpoints a merchant registers for them. Answers from the database only.
import { callbackUrlRefusal } from '../common/outbound-guard.js';
import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiProblems, AUTHENTICATED, INVALID, RECORD_DOWN, UNREADABLE_BODY } from '../common/openapi.js';
import { ApiKeyGuard, ApiKeyId, MerchantId, RequireScope } from '../common/auth.guard.js';
import { ProblemException } from '../common/problem.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.js';
import { DB_POOL } from '../db/database.module.js';
import { deliverEvent, getEvent, listEvents, MerchantSecretMissing } from '../db/events.js';
import { addEndpoint, audit, listEndpoints, removeEndpoint } from '../db/merchants.js';
import type { Pool } from '../db/pool.js';
import { createEndpointSchema, endpointIdSchema, eventIdSchema, listEventsQuerySchema, type CreateEndpointBody, type ListEventsQuery } from './events.schemas.js';

const EVENT_NOT_FOUND = { status: 404, codes: ['EVENT_NOT_FOUND'], when: 'no event with this id for your merchant' };

@ApiTags('events')
@ApiBearerAuth()
@ApiProblems(...AUTHENTICATED, RECORD_DOWN)
@UseGuards(ApiKeyGuard)
@RequireScope('events')
@Controller('v1')
export class EventsController {
  constructor(
    @Inject(DB_POOL) private readonly pool: Pool | null,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private db(): Pool {
    if (!this.pool) throw new ProblemException(503, 'DATABASE_UNAVAILABLE', 'no database configured');
    return this.pool;
  }

  @Get('events')
  @ApiOperation({ summary: 'Your events, newest first, with every delivery attempt (filters: undelivered, type, from/to; page with before=<last id>)' })
  @ApiResponse({ status: 200, description: 'One page of events; next is the id to pass as before' })
  @ApiProblems(INVALID, { status: 422, codes: ['UNKNOWN_CURSOR'], when: 'before names no event of yours' })
  async list(@MerchantId() merchantId: string, @Query({ schema: listEventsQuerySchema }) q: ListEventsQuery) {
    let before: { createdAt: Date; id: string } | undefined;
    if (q.before) {
      const last = await getEvent(this.db(), merchantId, q.before);
      if (!last) throw new ProblemException(422, 'UNKNOWN_CURSOR', 'before: no such event');
      before = { createdAt: new Date(last.createdAt), id: last.id };
    }
    const events = await listEvents(this.db(), merchantId, {
      limit: q.limit,
      ...(q.undelivered ? { undelivered: true } : {}),
      ...(q.type ? { type: q.type } : {}),
      ...(q.from ? { from: q.from } : {}),
      ...(q.to ? { to: q.to } : {}),
      ...(before ? { before } : {}),
    });
    return { events, ...(events.length === q.limit ? { next: events.at(-1)!.id } : {}) };
  }

  @Get('events/:id')
  @ApiOperation({ summary: 'One event and its delivery attempts' })
  @ApiResponse({ status: 200, description: 'The event' })
  @ApiProblems({ ...INVALID, when: 'the id is not an event id' }, EVENT_NOT_FOUND)
  async get(@MerchantId() merchantId: string, @Param('id', { schema: eventIdSchema }) id: string) {
    const event = await getEvent(this.db(), merchantId, id);
    if (!event) throw new ProblemException(404, 'EVENT_NOT_FOUND', `no event ${id}`);
    return event;
  }

  @Post('events/:id/resend')
  @HttpCode(200)
  @ApiOperation({ summary: 'Deliver the event again, to every destination, with the same Bayar-Event-Id; each attempt is recorded' })
  @ApiResponse({ status: 200, description: 'Whether every destination took it, and the event with its attempts' })
  @ApiProblems({ ...INVALID, when: 'the id is not an event id' }, EVENT_NOT_FOUND, { status: 409, codes: ['NO_WEBHOOK_SECRET'], when: 'this merchant has no webhook signing secret' })
  async resend(@MerchantId() merchantId: string, @ApiKeyId() keyId: string, @Param('id', { schema: eventIdSchema }) id: string) {
    const pool = this.db();
    if (!(await getEvent(pool, merchantId, id))) throw new ProblemException(404, 'EVENT_NOT_FOUND', `no event ${id}`);
    await audit(pool, { actor: 'api-key', apiKeyId: keyId, merchantId, action: 'event.resend', objectType: 'merchant_event', objectId: id });
    try {
      const outcome = await deliverEvent(
        pool,
        { dataKey: this.config.dataKey, timeoutMs: this.config.timing.providerTimeoutMs, policy: this.config.callbacks, fallbackSecrets: this.config.merchantWebhookSecrets },
        id,
        { onlyPending: false },
      );
      return { delivered: outcome.delivered, failures: outcome.failures, event: await getEvent(pool, merchantId, id) };
    } catch (err) {
      if (err instanceof MerchantSecretMissing) throw new ProblemException(409, 'NO_WEBHOOK_SECRET', 'this merchant has no webhook signing secret');
      throw err;
    }
  }

  @Get('endpoints')
  @ApiOperation({ summary: 'Your registered event endpoints' })
  @ApiResponse({ status: 200, description: 'Your endpoints' })
  async endpoints(@MerchantId() merchantId: string) {
    return { endpoints: await listEndpoints(this.db(), merchantId) };
  }

  @Post('endpoints')
  @ApiOperation({ summary: "Register an endpoint for your events (eventTypes empty: all); it gets every new event besides each payment's callbackUrl" })
  @ApiResponse({ status: 201, description: 'The endpoint, registered' })
  @ApiProblems(INVALID, ...UNREADABLE_BODY, { status: 422, codes: ['CALLBACK_URL_REFUSED'], when: 'bayar may never call this URL (scheme, host or address)' })
  async addEndpoint(@MerchantId() merchantId: string, @ApiKeyId() keyId: string, @Body({ schema: createEndpointSchema }) body: CreateEndpointBody) {
    // The same rule as a payment's callbackUrl: what is already known to be refused is refused now.
    const refused = callbackUrlRefusal(body.url, this.config.callbacks);
    if (refused) throw new ProblemException(422, 'CALLBACK_URL_REFUSED', `url: ${refused}`);
    const endpoint = await addEndpoint(this.db(), { merchantId, url: body.url, eventTypes: body.eventTypes });
    await audit(this.db(), {
      actor: 'api-key',
      apiKeyId: keyId,
      merchantId,
      action: 'endpoint.create',
      objectType: 'merchant_endpoint',
      objectId: endpoint.id,
      detail: { url: body.url, eventTypes: body.eventTypes },
    });
    return endpoint;
  }

  @Delete('endpoints/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Stop sending events to an endpoint' })
  @ApiResponse({ status: 204, description: 'Removed' })
  @ApiProblems({ ...INVALID, when: 'the id is not an endpoint id' }, { status: 404, codes: ['ENDPOINT_NOT_FOUND'], when: 'no endpoint with this id for your merchant' })
  async removeEndpoint(@MerchantId() merchantId: string, @ApiKeyId() keyId: string, @Param('id', { schema: endpointIdSchema }) id: string) {
    if (!(await removeEndpoint(this.db(), merchantId, id))) throw new ProblemException(404, 'ENDPOINT_NOT_FOUND', `no endpoint ${id}`);
    await audit(this.db(), { actor: 'api-key', apiKeyId: keyId, merchantId, action: 'endpoint.delete', objectType: 'merchant_endpoint', objectId: id });
  }
}
