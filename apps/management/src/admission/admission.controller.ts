import { All, Controller, Inject, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Logger, LOGGER } from '@connaisseur-mesh/observability';
import { BadAdmissionRequest, toAdmissionReview } from './admission-review';
import { ManagementMetrics } from '../metrics/management-metrics';
import { AdmissionBody } from './admission-intake';
import { AdmissionService } from './admission.service';
import { MAX_JSON_DEPTH } from '@connaisseur-mesh/json';

/**
 * POST /mutate. Only what is not an AdmissionReview gets a 4xx (the API server treats those as a
 * broken webhook); every AdmissionReview gets HTTP 200 with a decision, also one whose body was
 * refused (AdmissionIntake) when its uid can be read.
 */
@Controller()
export class AdmissionController {
  constructor(
    private readonly admission: AdmissionService,
    private readonly metrics: ManagementMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
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
    const body = req.body as AdmissionBody | undefined;
    if (body?.kind === 'too-deep') {
      return void reply.code(400).type('text/plain').send(`received invalid json: nested deeper than ${MAX_JSON_DEPTH} levels\n`);
    }
    if (body?.kind === 'refused') return this.refuse(body, reply);
    let review;
    try {
      review = toAdmissionReview(JSON.parse(body?.text ?? ''));
    } catch (e) {
      const message = e instanceof BadAdmissionRequest ? e.message : `received invalid json: ${(e as Error).message}`;
      return void reply.code(400).type('text/plain').send(`${message}\n`);
    }
    reply.code(200).type('application/json').send(JSON.stringify(await this.admission.review(review)));
  }

  /** A body over a limit: denied by its uid when the head shows one, else an HTTP error. */
  private refuse(body: Extract<AdmissionBody, { kind: 'refused' }>, reply: FastifyReply) {
    const { head, code, reason } = body;
    this.logger.warn({ uid: head.uid, code, reason }, 'admission request refused');
    if (head.uid === undefined) return void reply.code(code).type('text/plain').send(`${reason}\n`);
    const answer = this.admission.undecided({ ...head, uid: head.uid }, code, `admission request ${head.uid} denied: ${reason}`);
    reply.code(200).type('application/json').send(JSON.stringify(answer));
  }
}
