import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
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
  async prometheus(@Res() res: Response): Promise<void> {
    res.type(this.metrics.registry.contentType).send(await this.metrics.registry.metrics());
  }
}
