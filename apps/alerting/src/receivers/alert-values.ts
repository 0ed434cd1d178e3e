import { AlertStreamName } from '@connaisseur-mesh/config';
import { alertingV1 } from '@connaisseur-mesh/contracts';
import { AlertValues } from '../templates/alert-template';
import { goTimeString } from '../templates/go-time';

const { AlertResult, AlertStream } = alertingV1;

/** Connaisseur's notification results, and the stream each one goes to (reference §7.2). */
const RESULTS: Record<number, { name: string; stream: AlertStreamName }> = {
  [AlertResult.ALERT_RESULT_SUCCESS]: { name: 'success', stream: 'admit' },
  [AlertResult.ALERT_RESULT_SKIP]: { name: 'skip', stream: 'admit' },
  [AlertResult.ALERT_RESULT_ERROR]: { name: 'error', stream: 'reject' },
  [AlertResult.ALERT_RESULT_TIMEOUT]: { name: 'timeout', stream: 'reject' },
  [AlertResult.ALERT_RESULT_INVALID]: { name: 'invalid', stream: 'reject' },
};
const STREAMS: Record<number, AlertStreamName> = { [AlertStream.ALERT_STREAM_ADMIT]: 'admit', [AlertStream.ALERT_STREAM_REJECT]: 'reject' };

/** The stream of a request, or why the request is not one (stream and result must agree). */
export function streamOf(request: alertingV1.SendAlertRequest): AlertStreamName | { invalid: string } {
  const stream = STREAMS[request.stream];
  const result = RESULTS[request.result];
  if (!stream) return { invalid: `unknown alert stream ${request.stream}` };
  if (!result) return { invalid: `unknown alert result ${request.result}` };
  if (result.stream !== stream) return { invalid: `result "${result.name}" does not belong to the ${stream} stream` };
  return stream;
}

/**
 * Connaisseur's alert message for the result. A rejection that detection mode or podsOnly turns
 * into an admission says so: the receivers see what happened to the request.
 */
export function alertMessage(request: alertingV1.SendAlertRequest): string {
  const message = {
    [AlertResult.ALERT_RESULT_ERROR]: `CONNAISSEUR rejected a request: ${request.message}`,
    [AlertResult.ALERT_RESULT_TIMEOUT]: `CONNAISSEUR validation timed out for admission request ${request.requestUid}`,
    [AlertResult.ALERT_RESULT_INVALID]: `CONNAISSEUR failed to parse admission request ${request.requestUid}`,
  }[request.result as number] ?? 'CONNAISSEUR admitted a request';
  if (request.podsOnlyOverride) return `${message} (admitted anyway: pod-only validation active)`;
  if (request.detectionModeOverride) return `${message} (admitted anyway: detection mode active)`;
  return message;
}

/** The values of one alert (the priority is each receiver's own). */
export function alertValues(request: alertingV1.SendAlertRequest, cluster: string, now: Date): Omit<AlertValues, 'priority'> {
  const rejected = STREAMS[request.stream] === 'reject';
  return {
    alert_message: alertMessage(request),
    connaisseur_pod_id: request.decidedByPod,
    cluster,
    namespace: request.namespace,
    timestamp: goTimeString(now),
    request_id: request.requestUid,
    images: request.images.join(', '),
    result: RESULTS[request.result]?.name ?? '',
    error: rejected ? request.message : '',
    decision: rejected ? 'denied' : 'allowed',
    kind: request.kind,
    name: request.name,
    user: request.user,
  };
}

/** An alert like a real one, to render every receiver's template once at start. */
export function sampleRequest(): alertingV1.SendAlertRequest {
  return {
    stream: AlertStream.ALERT_STREAM_REJECT,
    result: AlertResult.ALERT_RESULT_ERROR,
    message: 'static deny for image registry.example/app:1.0 using rule *:*',
    requestUid: '3a1c2f52-1f0b-4b6c-9d3e-0c5b2d1e4f6a',
    kind: 'Deployment',
    namespace: 'default',
    name: 'sample',
    user: 'kubernetes-admin',
    images: ['registry.example/app:1.0', 'docker.io/library/nginx:1.27'],
    detectionModeOverride: false,
    podsOnlyOverride: false,
    decidedByPod: 'connaisseur-mesh-management-0',
  };
}
