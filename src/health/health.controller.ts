import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Connection } from '@temporalio/client';
import type { Response } from 'express';
import { TEMPORAL_CONNECTION } from '../temporal/temporal.module.js';
import { Metrics } from './metrics.js';

@ApiTags('operations')
@Controller()
export class HealthController {
  constructor(
    @Inject(TEMPORAL_CONNECTION) private readonly connection: Connection,
    private readonly metrics: Metrics,
  ) {}

  /** Liveness and readiness: 200 only when Temporal answers. */
  @Get('health')
  async health(@Res() res: Response): Promise<void> {
    try {
      // A deadline, so a down Temporal answers 503 at once instead of hanging the probe.
      await this.connection.withDeadline(Date.now() + 2000, () => this.connection.workflowService.getSystemInfo({}));
      res.status(200).json({ status: 'ok', temporal: 'reachable' });
    } catch {
      res.status(503).type('application/problem+json').send(JSON.stringify({ type: 'https://bayar.dev/problems/temporal-unavailable', title: 'Service Unavailable', status: 503, code: 'TEMPORAL_UNAVAILABLE', detail: 'Temporal is not reachable' }));
    }
  }

  @Get('metrics')
  async prometheus(@Res() res: Response): Promise<void> {
    res.type(this.metrics.registry.contentType).send(await this.metrics.registry.metrics());
  }
}
