import { Registry } from 'prom-client';
import { parseConfig } from '@connaisseur-mesh/config';
import { createLogger } from '@connaisseur-mesh/observability';
import { admissionReview } from '@connaisseur-mesh/testing';
import type { AlertsService } from '../alerting/alerts.service';
import type { ParentImagesService } from '../approval/parent-images.service';
import { ManagementMetrics } from '../metrics/management-metrics';
import type { ImageValidationService } from '../validation/image-validation.service';
import { AdmissionService } from './admission.service';

/**
 * A fault inside management (a bug, not a validator's answer) must deny with a decision, never
 * surface as an HTTP error: under `failurePolicy: Ignore` the API server admits on errors. The
 * fault is provoked with an image pipeline that throws, which the real one never does.
 */
describe('AdmissionService with an internal fault', () => {
  const lines: string[] = [];
  const logger = createLogger({ service: 'management', pod: 'test', destination: { write: (line: string) => void lines.push(line) } });
  const faulty = { validate: () => Promise.reject(new Error('bug in the pipeline')), validatorFor: () => undefined } as unknown as ImageValidationService;
  const alerts = { send: async () => undefined } as unknown as AlertsService;

  it.each([false, true])('denies with the reason (detection mode %s)', async (detectionMode) => {
    const config = parseConfig(`validators: [{name: default, type: static}]\nfeatures: {detectionMode: ${detectionMode}}\n`);
    const metrics = new ManagementMetrics(new Registry());
    const service = new AdmissionService(config, logger, faulty, {} as ParentImagesService, metrics, alerts);
    // Two images: the second one's fault, never awaited, must not become an unhandled rejection.
    const review = admissionReview({ uid: 'u-1', images: ['nginx', 'redis'] });
    const result = await service.review(review);
    expect(result).toEqual({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: {
        uid: 'u-1',
        allowed: false,
        status: { code: 500, message: 'management could not decide on request u-1: internal error (bug in the pipeline); denied' },
      },
    });
    expect((await metrics.denied.get()).values).toEqual([{ labels: { timeout: 'false' }, value: 1 }]);
    expect(lines.some((l) => l.includes('"level":"error"') && l.includes('bug in the pipeline'))).toBe(true);
  });
});
