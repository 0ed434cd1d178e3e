import { alertValues, sampleRequest } from '../receivers/alert-values';
import { AlertValues } from './alert-template';
import { builtInTemplatesDir, TemplateStore } from './template-store';

const VALUES: AlertValues = { ...alertValues(sampleRequest(), 'prod', new Date('2024-05-30T15:18:10.123Z')), priority: 3 };
const MESSAGE = 'CONNAISSEUR rejected a request: static deny for image registry.example/app:1.0 using rule *:*';

/** Every key path of a payload: "a", "a.b", "a[].c" (array elements merged). */
function keyPaths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return [...new Set(value.flatMap((v) => keyPaths(v, `${prefix}[]`)))];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => {
    const path = prefix ? `${prefix}.${k}` : k;
    return [path, ...keyPaths(v, path)];
  });
}

/**
 * The key paths of Connaisseur's shipped templates (reference §7.5): receivers built for them,
 * such as Connaisseur's alert checker that compares key sets, keep working with ours.
 */
const CONNAISSEUR_KEYS: Record<string, string[]> = {
  slack: ['text', 'blocks', 'blocks[].type', 'blocks[].text', 'blocks[].text.type', 'blocks[].text.text'],
  opsgenie: [
    'message', 'alias', 'description', 'responders', 'visibleTo', 'actions', 'tags', 'details', 'details.pod', 'details.cluster',
    'details.namespace', 'details.alert_created', 'details.request_id', 'entity', 'priority',
  ],
  keybase: ['msg'],
  msteams: [
    '@type', '@context', 'summary', 'title', 'sections', 'sections[].activityTitle', 'sections[].facts', 'sections[].facts[].name',
    'sections[].facts[].value', 'sections[].markdown',
  ],
  'ecs-1-12-0': [
    'orchestrator', 'orchestrator.type', 'orchestrator.cluster', 'orchestrator.cluster.name', 'orchestrator.namespace', 'orchestrator.resource',
    'orchestrator.resource.type', 'container', 'container.image', 'container.image.name', 'agent', 'agent.id', 'agent.type', 'event',
    'event.created', 'event.id', 'event.severity', 'event.category', 'event.type', 'event.action', 'ecs', 'ecs.version',
  ],
};

describe('the built-in templates', () => {
  const store = new TemplateStore(builtInTemplatesDir());
  const payload = (name: string) => JSON.parse(store.get(name).render(VALUES)!);

  it.each(Object.keys(CONNAISSEUR_KEYS))("%s has the keys of Connaisseur's template", (name) => {
    expect(keyPaths(payload(name)).sort()).toEqual(CONNAISSEUR_KEYS[name].sort());
  });

  it('opsgenie carries the priority as Opsgenie wants it, and the deciding pod', () => {
    expect(payload('opsgenie')).toMatchObject({
      message: MESSAGE,
      priority: 'P3',
      entity: 'Connaisseur',
      details: { pod: 'connaisseur-mesh-management-0', cluster: 'prod', alert_created: '2024-05-30 15:18:10.123 +0000 UTC' },
    });
  });

  it('slack and keybase point at the logs of the pod that decided', () => {
    expect(payload('slack').blocks[1].text.text).toContain('Details are in the logs of `connaisseur-mesh-management-0`');
    expect(payload('keybase').msg).toContain(`*${MESSAGE}*`);
  });

  it('ecs-1-12-0 follows ECS 1.12: numeric severity, event type from the decision, the object kind', () => {
    expect(payload('ecs-1-12-0')).toMatchObject({
      ecs: { version: '1.12.0' },
      event: { severity: 3, type: 'denied', category: 'intrusion_detection', action: MESSAGE },
      orchestrator: { type: 'kubernetes', cluster: { name: 'prod' }, namespace: 'default', resource: { type: 'Deployment' } },
      container: { image: { name: 'registry.example/app:1.0, docker.io/library/nginx:1.27' } },
      agent: { type: 'connaisseur', id: 'connaisseur-mesh-management-0' },
    });
  });
});
