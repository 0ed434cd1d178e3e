import { All, Controller, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BadAdmissionRequest, toAdmissionReview } from './admission-review';
import { ManagementMetrics } from '../metrics/management-metrics';
import { AdmissionService } from './admission.service';

/**
 * POST /mutate. Only what is not an AdmissionReview gets a 4xx (the API server treats those as a
 * broken webhook); every AdmissionReview gets HTTP 200 with a decision.
 */
@Controller()
export class AdmissionController {
  constructor(
    private readonly admission: AdmissionService,
    private readonly metrics: ManagementMetrics,
  ) {}

  @All('mutate')
  async mutate(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    this.metrics.requests.inc();
    if (req.method !== 'POST') {
      return void reply.code(405).type('text/plain').send(`Method not allowed.: ${req.method}\n`);
    }
    const contentType = req.headers['content-type'] ?? '';
    if (contentType.split(';')[0].trim().toLowerCase() !== 'application/json') {
      return void reply.code(400).type('text/plain').send(`wrong content type: expected json, got ${contentType}\n`);
    }
    let review;
    try {
      review = toAdmissionReview(JSON.parse((req.body as Buffer | undefined)?.toString('utf8') ?? ''));
    } catch (e) {
      const message = e instanceof BadAdmissionRequest ? e.message : `received invalid json: ${(e as Error).message}`;
      return void reply.code(400).type('text/plain').send(`${message}\n`);
    }
    reply.code(200).type('application/json').send(JSON.stringify(await this.admission.review(review)));
  }
}
