import { validateHeaderName, validateHeaderValue } from 'node:http';
import { AlertingConfig, AlertReceiver } from './mesh-config';

/**
 * The alerting section as both ends read it: management (which receivers it must wait for) and
 * the alerting service (which receivers it serves). Both name receivers the same way.
 */

export type AlertStreamName = 'admit' | 'reject';
export const ALERT_STREAM_KEYS = { admit: 'admitRequest', reject: 'rejectRequest' } as const satisfies Record<AlertStreamName, keyof AlertingConfig>;

export interface NamedReceiver {
  /** Connaisseur's name, "<template>-<index>" (index within the stream), used in messages. */
  name: string;
  /** Where it is in the configuration, for problems: `alerting.admitRequest.receivers[0]`. */
  path: string;
  receiver: AlertReceiver;
}

export function streamReceivers(alerting: AlertingConfig | undefined, stream: AlertStreamName): NamedReceiver[] {
  const key = ALERT_STREAM_KEYS[stream];
  const receivers = alerting?.[key]?.receivers;
  // A list once the configuration loaded; checked here too because the loader calls this on a
  // configuration with problems.
  return (Array.isArray(receivers) ? receivers : []).map((receiver, i) => ({
    name: `${receiver.template}-${i}`,
    path: `alerting.${key}.receivers[${i}]`,
    receiver,
  }));
}

/**
 * A `customHeaders` entry, "Name: value", split at the first colon as Connaisseur does (so the
 * value may hold colons); both parts trimmed. Undefined when it is not a header.
 */
export function parseHeader(line: string): { name: string; value: string } | undefined {
  const colon = line.indexOf(':');
  if (colon < 0) return undefined;
  const name = line.slice(0, colon).trim();
  return name === '' ? undefined : { name, value: line.slice(colon + 1).trim() };
}

/** Why a header cannot be sent, or undefined. Never quotes the value: it may be an API key. */
export function headerProblem(line: string): string | undefined {
  const header = parseHeader(line);
  if (!header) return 'must be "Name: value"';
  try {
    validateHeaderName(header.name);
  } catch {
    return `invalid header name "${header.name}"`;
  }
  try {
    validateHeaderValue(header.name, header.value);
  } catch {
    return 'the value has characters that a header cannot carry';
  }
  return undefined;
}
