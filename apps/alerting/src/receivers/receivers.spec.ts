import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ConfigError, parseConfig } from '@connaisseur-mesh/config';
import { builtInTemplatesDir, TemplateStore } from '../templates/template-store';
import { loadAlertingSetup } from './receivers';

const config = (alerting: unknown) => parseConfig(stringify({ alerting }), 'connaisseur.yaml');
const builtIn = new TemplateStore(builtInTemplatesDir());

function problems(alerting: unknown, store = builtIn): string[] {
  try {
    loadAlertingSetup(config(alerting), store);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).source).toBe('connaisseur.yaml');
    return (e as ConfigError).problems;
  }
  return [];
}

describe('receivers at start', () => {
  it("names receivers as Connaisseur (<template>-<index> per stream) and keeps each one's settings", () => {
    const { cluster, receivers } = loadAlertingSetup(
      config({
        clusterIdentifier: 'prod-eu',
        admitRequest: {
          receivers: [
            { template: 'opsgenie', receiverUrl: 'https://api.eu.opsgenie.com/v2/alerts', priority: 4, failIfAlertSendingFails: true },
            { template: 'slack', receiverUrl: 'https://hooks.slack.com/services/T/B/x' },
          ],
        },
        rejectRequest: { receivers: [{ template: 'slack', receiverUrl: 'https://hooks.slack.com/services/T/B/y' }] },
      }),
      builtIn,
    );
    expect(cluster).toBe('prod-eu');
    expect(receivers.admit.map((r) => [r.name, r.stream, r.priority, r.critical])).toEqual([
      ['opsgenie-0', 'admit', 4, true],
      ['slack-1', 'admit', 3, false],
    ]);
    expect(receivers.reject.map((r) => r.name)).toEqual(['slack-0']);
  });

  it('defaults the cluster to "not specified" and has no receivers without an alerting section', () => {
    expect(loadAlertingSetup(parseConfig('{}'), builtIn)).toEqual({ cluster: 'not specified', receivers: { admit: [], reject: [] } });
  });

  it('sends JSON unless a custom header says otherwise, whatever its case; values keep their colons', () => {
    const receiver = (customHeaders: string[]) =>
      loadAlertingSetup(config({ admitRequest: { receivers: [{ template: 'slack', receiverUrl: 'https://x.example', customHeaders }] } }), builtIn)
        .receivers.admit[0].headers;
    expect(receiver(['X-Test: test:ing'])).toEqual({ 'Content-Type': 'application/json', 'User-Agent': 'connaisseur-mesh-alerting', 'X-Test': 'test:ing' });
    expect(receiver(['CoNTeNt-TYpE: my/weird/format'])).toEqual({ 'CoNTeNt-TYpE': 'my/weird/format', 'User-Agent': 'connaisseur-mesh-alerting' });
    expect(receiver(['Content-Type:'])).toMatchObject({ 'Content-Type': '' });
  });

  it('lists every template that is missing or cannot render, with its path, and an ALERT_TEMPLATES_DIR that is not there', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cm-templates-'));
    writeFileSync(join(dir, 'unquoted.json'), '{"images": {{ images }}}');
    writeFileSync(join(dir, 'typo.json'), '{\n  "text": "{{ alert_mesage }}"\n}');
    writeFileSync(join(dir, 'list.json'), '[{"text": "{{ alert_message }}"}]');
    const url = 'https://alerts.example/hook';
    expect(
      problems(
        {
          admitRequest: {
            receivers: [
              { template: 'slack', receiverUrl: url },
              { template: 'slak', receiverUrl: url },
              { template: 'unquoted', receiverUrl: url },
              { template: 'typo', receiverUrl: url },
            ],
          },
          rejectRequest: {
            receivers: [
              { template: 'list', receiverUrl: url },
              { template: 'keybase', receiverUrl: url, payloadFields: { weight: '.inf' } },
              { template: 'keybase', receiverUrl: url, payloadFields: { weight: Infinity } },
            ],
          },
        },
        new TemplateStore(builtInTemplatesDir(), dir),
      ),
    ).toEqual([
      expect.stringMatching(/^alerting\.admitRequest\.receivers\[1\]\.template: no template "slak": no .*\/<name>\.json \(ALERT_TEMPLATES_DIR\), and the built-in templates are ecs-1-12-0, keybase, msteams, opsgenie, slack$/),
      expect.stringMatching(new RegExp(`^alerting\\.admitRequest\\.receivers\\[2\\]\\.template: ${dir}/unquoted\\.json: does not render to JSON: `)),
      `alerting.admitRequest.receivers[3].template: ${dir}/typo.json: line 2: unknown placeholder "{{ alert_mesage }}" (known: alert_message, priority, connaisseur_pod_id, cluster, namespace, timestamp, request_id, images, result, error, decision, kind, name, user)`,
      `alerting.rejectRequest.receivers[0].template: ${dir}/list.json: does not render to a JSON object`,
      expect.stringMatching(/^alerting\.rejectRequest\.receivers\[2\]\.payloadFields: .*keybase\.json: cannot write the payload: json: unsupported value: Infinity$/),
    ]);
    expect(problems({}, new TemplateStore(builtInTemplatesDir(), join(dir, 'missing')))).toEqual([`ALERT_TEMPLATES_DIR: ${dir}/missing is not a directory`]);
  });
});

