import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from '../common/openapi.js';
import type { Connection } from '@temporalio/client';
import type { Response } from 'express';
import { ProblemException } from '../common/problem.js';
import { TEMPORAL_CONNECTION } from '../temporal/temporal.module.js';
import { Metrics } from './metrics.js';

@ApiTags('operations')
@Controller()
export class HealthController {
  constructor(
    @Inject(TEMPORAL_CONNECTION) private readonly connection: Connection,
    private readonly metrics: Metrics,
  ) {}

  /** Liveness and readiness: 200 only when Temporal answers; otherwise the usual problem+json 503. */
  @Get('health')
  @ApiOperation({ summary: 'Liveness and readiness (no API key)' })
  @ApiResponse({
    status: 200,
    description: 'Temporal answers',
    content: { 'application/json': { schema: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] }, temporal: { type: 'string', enum: ['reachable'] } } } } },
  })
  @ApiProblems({ status: 503, codes: ['TEMPORAL_UNAVAILABLE'], when: 'Temporal does not answer within 2 s' })
  async health(): Promise<{ status: 'ok'; temporal: 'reachable' }> {
    try {
      // A deadline, so a down Temporal answers 503 at once instead of hanging the probe.
      await this.connection.withDeadline(Date.now() + 2000, () => this.connection.workflowService.getSystemInfo({}));
    } catch {
      throw new ProblemException(503, 'TEMPORAL_UNAVAILABLE', 'Temporal is not reachable');
    }
    return { status: 'ok', temporal: 'reachable' };
  }

  @Get('metrics')
  @ApiOperation({ summary: 'Prometheus metrics of this API process (no API key)' })
  @ApiProduces('text/plain')
  @ApiResponse({ status: 200, description: 'Prometheus text exposition format' })
  async prometheus(@Res() res: Response): Promise<void> {
    res.type(this.metrics.registry.contentType).send(await this.metrics.registry.metrics());
  }
}
