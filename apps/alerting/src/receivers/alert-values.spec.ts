import { alertingV1 } from '@connaisseur-mesh/contracts';
import { alertMessage, alertValues, sampleRequest, streamOf } from './alert-values';

const { AlertResult, AlertStream } = alertingV1;
const request = (changes: Partial<alertingV1.SendAlertRequest>): alertingV1.SendAlertRequest => ({ ...sampleRequest(), ...changes });

describe('alert values', () => {
  it.each([
    [AlertResult.ALERT_RESULT_SUCCESS, AlertStream.ALERT_STREAM_ADMIT, 'CONNAISSEUR admitted a request'],
    [AlertResult.ALERT_RESULT_SKIP, AlertStream.ALERT_STREAM_ADMIT, 'CONNAISSEUR admitted a request'],
    [AlertResult.ALERT_RESULT_ERROR, AlertStream.ALERT_STREAM_REJECT, 'CONNAISSEUR rejected a request: static deny for image registry.example/app:1.0 using rule *:*'],
    [AlertResult.ALERT_RESULT_TIMEOUT, AlertStream.ALERT_STREAM_REJECT, 'CONNAISSEUR validation timed out for admission request 3a1c2f52-1f0b-4b6c-9d3e-0c5b2d1e4f6a'],
    [AlertResult.ALERT_RESULT_INVALID, AlertStream.ALERT_STREAM_REJECT, 'CONNAISSEUR failed to parse admission request 3a1c2f52-1f0b-4b6c-9d3e-0c5b2d1e4f6a'],
  ])("result %s gives Connaisseur's message", (result, stream, message) => {
    expect(streamOf(request({ result, stream }))).toBe(stream === AlertStream.ALERT_STREAM_ADMIT ? 'admit' : 'reject');
    expect(alertMessage(request({ result, stream }))).toBe(message);
  });

  it('flags a rejection that an override admits', () => {
    expect(alertMessage(request({ detectionModeOverride: true }))).toBe(
      'CONNAISSEUR rejected a request: static deny for image registry.example/app:1.0 using rule *:* (admitted anyway: detection mode active)',
    );
    expect(alertMessage(request({ podsOnlyOverride: true, detectionModeOverride: true }))).toMatch(/\(admitted anyway: pod-only validation active\)$/);
  });

  it('refuses a stream or result that is unset, unknown, or a pair that does not belong together', () => {
    expect(streamOf(request({ stream: AlertStream.ALERT_STREAM_UNSPECIFIED }))).toEqual({ invalid: 'unknown alert stream 0' });
    expect(streamOf(request({ result: AlertResult.ALERT_RESULT_UNSPECIFIED }))).toEqual({ invalid: 'unknown alert result 0' });
    expect(streamOf(request({ result: 9 as alertingV1.AlertResult }))).toEqual({ invalid: 'unknown alert result 9' });
    expect(streamOf(request({ stream: AlertStream.ALERT_STREAM_ADMIT }))).toEqual({ invalid: 'result "error" does not belong to the admit stream' });
  });

  it('carries the deciding pod, every image and the object', () => {
    expect(alertValues(sampleRequest(), 'prod', new Date('2024-05-30T15:18:10.123Z'))).toEqual({
      alert_message: 'CONNAISSEUR rejected a request: static deny for image registry.example/app:1.0 using rule *:*',
      connaisseur_pod_id: 'connaisseur-mesh-management-0',
      cluster: 'prod',
      namespace: 'default',
      timestamp: '2024-05-30 15:18:10.123 +0000 UTC',
      request_id: '3a1c2f52-1f0b-4b6c-9d3e-0c5b2d1e4f6a',
      images: 'registry.example/app:1.0, docker.io/library/nginx:1.27',
      result: 'error',
      error: 'static deny for image registry.example/app:1.0 using rule *:*',
      decision: 'denied',
      kind: 'Deployment',
      name: 'sample',
      user: 'kubernetes-admin',
    });
  });
});
