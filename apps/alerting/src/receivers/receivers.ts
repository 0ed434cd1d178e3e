import { AlertStreamName, ConfigError, LoadedConfig, parseHeader, streamReceivers } from '@connaisseur-mesh/config';
import { AlertTemplate, TemplateError } from '../templates/alert-template';
import { TemplateStore } from '../templates/template-store';
import { alertValues, sampleRequest } from './alert-values';

/** One configured receiver, ready to send to. */
export interface Receiver {
  /** Connaisseur's name, "<template>-<index>"; the only thing logs and messages show of it. */
  name: string;
  stream: AlertStreamName;
  /** The template's name: a metric label (bounded by the configuration). */
  templateName: string;
  template: AlertTemplate;
  /** Never logged: webhook URLs (Slack, Keybase) carry their secret in the path. */
  url: URL;
  priority: number;
  /** Never logged: they carry API keys (Opsgenie's GenieKey). */
  headers: Record<string, string>;
  payloadFields?: Record<string, unknown>;
  /** failIfAlertSendingFails: management waits for it and denies when it fails. */
  critical: boolean;
}

export interface AlertingSetup {
  cluster: string;
  receivers: Record<AlertStreamName, Receiver[]>;
}

export const ALERTING_SETUP = Symbol('ALERTING_SETUP');

/**
 * The receivers of the configuration with their templates. Every template is rendered once with
 * sample values, so that a template that is missing or cannot render stops the service at start
 * (a ConfigError listing each problem with its path) instead of failing an alert later.
 */
export function loadAlertingSetup(loaded: LoadedConfig, store: TemplateStore): AlertingSetup {
  const alerting = loaded.config.alerting;
  const cluster = alerting?.clusterIdentifier ?? 'not specified';
  const problems = store.problems();
  const sample = alertValues(sampleRequest(), cluster, new Date());

  const load = (stream: AlertStreamName): Receiver[] =>
    streamReceivers(alerting, stream).flatMap(({ name, path, receiver }) => {
      let template: AlertTemplate;
      try {
        template = store.get(receiver.template);
        template.render({ ...sample, priority: receiver.priority });
      } catch (e) {
        if (!(e instanceof TemplateError)) throw e;
        problems.push(`${path}.template: ${e.message}`);
        return [];
      }
      try {
        template.render({ ...sample, priority: receiver.priority }, receiver.payloadFields);
      } catch (e) {
        if (!(e instanceof TemplateError)) throw e;
        problems.push(`${path}.payloadFields: ${e.message}`);
        return [];
      }
      return [
        {
          name,
          stream,
          templateName: receiver.template,
          template,
          url: new URL(receiver.receiverUrl),
          priority: receiver.priority,
          headers: requestHeaders(receiver.customHeaders ?? []),
          payloadFields: receiver.payloadFields,
          critical: receiver.failIfAlertSendingFails,
        },
      ];
    });

  const receivers = { admit: load('admit'), reject: load('reject') };
  if (problems.length > 0) throw new ConfigError(loaded.source, problems);
  return { cluster, receivers };
}

/**
 * `Content-Type: application/json` unless a custom header sets it; custom headers replace
 * defaults whatever their case, a later one replaces an earlier one (Go's Header.Set).
 */
function requestHeaders(customHeaders: string[]): Record<string, string> {
  const headers = new Map<string, [string, string]>([
    ['content-type', ['Content-Type', 'application/json']],
    ['user-agent', ['User-Agent', 'connaisseur-mesh-alerting']],
  ]);
  for (const line of customHeaders) {
    // The loader rejected every line that is not a header.
    const { name, value } = parseHeader(line)!;
    headers.set(name.toLowerCase(), [name, value]);
  }
  return Object.fromEntries(headers.values());
}
