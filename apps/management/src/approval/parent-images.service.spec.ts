import fc from 'fast-check';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '@connaisseur-mesh/config';
import { createLogger } from '@connaisseur-mesh/observability';
import { jsonAnswer, KubeApiStandIn, KubeObject, trickledAnswer, workloadObject } from '@connaisseur-mesh/testing';
import { stringify } from 'yaml';
import type { OwnerReference } from '../admission/workload';
import type { ManagementEnv } from '../config/management.env';
import { ownerToLookUp } from './owner-reference';
import { MAX_OWNER_REFERENCES, ParentImagesService } from './parent-images.service';

const NS = 'team-a';
const UID = '090d26f8-1812-11ea-b3fc-02897404852e';
const SIGNED = 'registry.example/app:1@sha256:1111111111111111111111111111111111111111111111111111111111111111';
const UNSIGNED = 'registry.example/evil:latest';

/**
 * The API server's paths of the owner kinds (`kubectl api-resources`), written out independently
 * of the table in owner-reference.ts: the oracle the requests are checked against.
 */
const SERVED_AT: Record<string, (namespace: string, name: string) => string> = {
  ReplicaSet: (ns, name) => `/apis/apps/v1/namespaces/${ns}/replicasets/${name}`,
  Deployment: (ns, name) => `/apis/apps/v1/namespaces/${ns}/deployments/${name}`,
  DaemonSet: (ns, name) => `/apis/apps/v1/namespaces/${ns}/daemonsets/${name}`,
  StatefulSet: (ns, name) => `/apis/apps/v1/namespaces/${ns}/statefulsets/${name}`,
  Job: (ns, name) => `/apis/batch/v1/namespaces/${ns}/jobs/${name}`,
  CronJob: (ns, name) => `/apis/batch/v1/namespaces/${ns}/cronjobs/${name}`,
  ReplicationController: (ns, name) => `/api/v1/namespaces/${ns}/replicationcontrollers/${name}`,
};
const API_VERSION: Record<string, string> = {
  ReplicaSet: 'apps/v1',
  Deployment: 'apps/v1',
  DaemonSet: 'apps/v1',
  StatefulSet: 'apps/v1',
  Job: 'batch/v1',
  CronJob: 'batch/v1',
  ReplicationController: 'v1',
};
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** An object as the API server returns it: a workload of `kind` with these images. */
function workload(kind: string, namespace: string, name: string, uid: string, images: string[], apiVersion = API_VERSION[kind]): KubeObject {
  // An Argo Rollout's spec is a Deployment's.
  const object = workloadObject(kind === 'Rollout' ? 'Deployment' : kind, { name, namespace, images });
  return { ...object, apiVersion, kind, metadata: { name, namespace, uid } } as KubeObject;
}

const reference = (o: Partial<OwnerReference> = {}): OwnerReference => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: UID, ...o });

describe('ParentImagesService (automatic child approval) against the API stand-in', () => {
  let api: KubeApiStandIn;
  let service: ParentImagesService;
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({ service: 'management', pod: 'test', destination: { write: (line: string) => void lines.push(JSON.parse(line)) } });

  beforeAll(async () => {
    api = await KubeApiStandIn.start();
    const kubeconfig = api.writeKubeconfig(mkdtempSync(join(tmpdir(), 'cm-parents-')));
    service = new ParentImagesService(parseConfig('{}'), { kubernetes: { kubeconfig } } as ManagementEnv, logger);
    api.put(workload('ReplicaSet', NS, 'web-1', UID, [SIGNED]));
    // What the attacker's references would have reached: their own objects, carrying the unsigned image.
    api.put(workload('Rollout', 'attacker-ns', 'evil', UID, [UNSIGNED], 'argoproj.io/v1alpha1'), 'rollouts');
    api.put(workload('ReplicaSet', 'attacker-ns', 'evil', UID, [UNSIGNED]));
    api.put(workload('ReplicaSet', NS, 'evil', UID, [UNSIGNED]));
  });
  afterAll(() => api.stop());

  /** The images approved for `references` in `namespace`, and the request targets the stand-in saw meanwhile. */
  async function lookUp(references: OwnerReference[], namespace = NS) {
    const before = api.requests.length;
    const images = await service.imagesOf(namespace, references);
    return { images: [...images], requests: api.requests.slice(before).map((r) => r.replace(/^GET /, '')) };
  }

  it('approves the images of a real owner, read from exactly its path', async () => {
    expect(await lookUp([reference()])).toEqual({ images: [SIGNED], requests: [`/apis/apps/v1/namespaces/${NS}/replicasets/web-1`] });
  });

  it.each(Object.keys(SERVED_AT))('reads a %s owner from its API path', async (kind) => {
    const name = `${kind.toLowerCase()}-owner`;
    api.put(workload(kind, NS, name, UID, [`registry.example/${kind.toLowerCase()}:1`]));
    const { images, requests } = await lookUp([reference({ apiVersion: API_VERSION[kind], kind, name })]);
    expect(images).toEqual([`registry.example/${kind.toLowerCase()}:1`]);
    expect(requests).toEqual([SERVED_AT[kind](NS, name)]);
  });

  // Issue 8, finding 1: the owner reference is the admitted object's author's to write.
  it.each<[string, Partial<OwnerReference>, string?]>([
    ['the finding: an apiVersion that is a path, with backslashes', { apiVersion: String.raw`argoproj.io/v1alpha1\namespaces\attacker-ns\rollouts\evil#` }],
    ['the finding with newlines', { apiVersion: 'argoproj.io/v1alpha1\namespaces\nattacker-ns\nrollouts\nevil#' }],
    ['the finding with a query', { apiVersion: 'apps/v1/namespaces/attacker-ns/replicasets/evil?' }],
    ['an apiVersion with dot segments', { apiVersion: 'apps/v1/../../apis/apps/v1/namespaces/attacker-ns/replicasets/evil#' }],
    ['an apiVersion with an encoded slash', { apiVersion: 'apps/v1%2Fnamespaces%2Fattacker-ns%2Freplicasets%2Fevil%23' }],
    ['an apiVersion in uppercase', { apiVersion: 'APPS/V1' }],
    ['an apiVersion with a trailing newline', { apiVersion: 'apps/v1\n' }],
    ['an apiVersion with a Cyrillic а', { apiVersion: 'аpps/v1' }],
    ['an apiVersion with a fullwidth slash', { apiVersion: 'apps／v1' }],
    ['an older apiVersion of the kind', { apiVersion: 'extensions/v1beta1' }],
    ['the core apiVersion for a ReplicaSet', { apiVersion: 'v1' }],
    ['a kind in lowercase', { kind: 'replicaset' }],
    ['a kind with a Cyrillic е', { kind: 'ReplicaSеt' }],
    ['a kind with a path', { kind: 'ReplicaSet/../../attacker-ns/replicasets/evil#' }],
    ['a kind that is no owner of pods (a Rollout)', { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'evil' }],
    ['a kind that is no owner of pods (a Pod)', { apiVersion: 'v1', kind: 'Pod' }],
    ['the kind __proto__', { kind: '__proto__' }],
    ['the kind constructor', { kind: 'constructor' }],
    ['a name with dot segments', { name: '../../attacker-ns/replicasets/evil' }],
    ['a name that is ..', { name: '..' }],
    ['a name with an encoded slash', { name: '..%2F..%2Fattacker-ns%2Freplicasets%2Fevil' }],
    ['a name with a fragment', { name: 'evil#' }],
    ['a name with a query', { name: 'evil?x=1' }],
    ['a name with a backslash', { name: String.raw`..\..\attacker-ns\replicasets\evil` }],
    ['a name in uppercase', { name: 'Evil' }],
    ['a name with a trailing newline', { name: 'evil\n' }],
    ['a name with a fullwidth letter', { name: 'ｅvil' }],
    ['a name of 254 characters', { name: 'a'.repeat(254) }],
    ['an empty name', { name: '' }],
    ['a uid that is no UUID', { uid: 'x' }],
    ['a uid in uppercase', { uid: UID.toUpperCase() }],
    ['a uid with a trailing newline', { uid: `${UID}\n` }],
    ['a request namespace with a path', {}, 'attacker-ns/replicasets/evil#'],
    ['a request namespace in uppercase', {}, 'Team-A'],
    ['an empty request namespace', {}, ''],
  ])('%s: nothing is requested, nothing approved', async (_name, fields, namespace = NS) => {
    expect(await lookUp([reference({ name: 'evil', ...fields })], namespace)).toEqual({ images: [], requests: [] });
  });

  it('logs why an owner reference was not used, at info, without the whole of a long string', async () => {
    lines.length = 0;
    await lookUp([reference({ apiVersion: `apps/v1${'x'.repeat(10_000)}` })]);
    const line = lines.find((l) => l.msg === 'child approval: owner reference not usable; validating');
    expect(line).toMatchObject({ level: 'info', why: 'the apiVersion of a ReplicaSet must be apps/v1', owner: 'ReplicaSet/web-1' });
    expect((line!.apiVersion as string).length).toBeLessThanOrEqual(101);
  });

  it.each([
    ['apiVersion', { apiVersion: 'apps/v1beta2' }],
    ['kind', { kind: 'DaemonSet' }],
    ['metadata.namespace', { metadata: { namespace: 'attacker-ns' } }],
    ['metadata.name', { metadata: { name: 'evil' } }],
    ['metadata.uid', { metadata: { uid: '3a3a7b38-5512-4a85-94bb-3562269e0a6a' } }],
    ['metadata.uid', { metadata: { uid: undefined } }],
    ['apiVersion', { spec: 'not even an object', apiVersion: undefined }],
  ])('an answer that is another object (other %s) approves nothing', async (field, changes) => {
    const owner = workload('ReplicaSet', NS, 'impostor', UID, [UNSIGNED]);
    const answered = { ...owner, ...changes, metadata: { ...owner.metadata, ...((changes as { metadata?: object }).metadata ?? {}) } };
    const path = SERVED_AT.ReplicaSet(NS, 'impostor');
    api.override(path, jsonAnswer(answered));
    lines.length = 0;
    expect(await lookUp([reference({ name: 'impostor' })])).toEqual({ images: [], requests: [path] });
    expect(lines.find((l) => l.msg === 'child approval: the object found is not the owner referenced; validating')).toMatchObject({ level: 'warn', field });
  });

  it(`looks up at most ${MAX_OWNER_REFERENCES} owner references, and a repeated one once`, async () => {
    const many = Array.from({ length: MAX_OWNER_REFERENCES + 4 }, (_, i) => reference({ name: `many-${i}` }));
    lines.length = 0;
    const { requests } = await lookUp(many);
    expect(requests.sort()).toEqual(many.slice(0, MAX_OWNER_REFERENCES).map((r) => SERVED_AT.ReplicaSet(NS, r.name)).sort());
    expect(lines.find((l) => l.msg === `child approval: only the first ${MAX_OWNER_REFERENCES} owner references are looked up`)).toMatchObject({
      ownerReferences: MAX_OWNER_REFERENCES + 4,
    });
    expect(await lookUp([reference(), reference(), reference({ controller: true } as Partial<OwnerReference>)])).toEqual({
      images: [SIGNED],
      requests: [SERVED_AT.ReplicaSet(NS, 'web-1')],
    });
  });

  it('gives all owners of an admission one deadline, which a trickling API server cannot extend', async () => {
    const trickling = Array.from({ length: MAX_OWNER_REFERENCES }, (_, i) => reference({ name: `slow-${i}` }));
    for (const r of trickling) api.override(SERVED_AT.ReplicaSet(NS, r.name), trickledAnswer);
    lines.length = 0;
    // The trickle never ends: only the deadline ends this (within the test's timeout).
    const { images, requests } = await lookUp(trickling);
    expect(images).toEqual([]);
    expect(requests.sort()).toEqual(trickling.map((r) => SERVED_AT.ReplicaSet(NS, r.name)).sort());
    expect(lines.filter((l) => String(l.err).includes('no complete answer in time'))).toHaveLength(MAX_OWNER_REFERENCES);
  }, 15_000);

  it('never rejects: a token file that cannot be read leaves the owners out', async () => {
    const kubeconfig = join(mkdtempSync(join(tmpdir(), 'cm-parents-')), 'kubeconfig');
    writeFileSync(
      kubeconfig,
      stringify({
        'current-context': 'c',
        contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }],
        clusters: [{ name: 'k', cluster: { server: api.serverUrl, 'certificate-authority': api.certificates.caFile } }],
        users: [{ name: 'u', user: { tokenFile: 'no-such-token' } }],
      }),
    );
    const broken = new ParentImagesService(parseConfig('{}'), { kubernetes: { kubeconfig } } as ManagementEnv, logger);
    lines.length = 0;
    await expect(broken.imagesOf(NS, [reference()])).resolves.toEqual(new Set());
    const line = lines.find((l) => l.msg === 'child approval: owner not usable; validating');
    expect(line).toMatchObject({ level: 'warn', err: expect.stringContaining('no-such-token') });
  });

  describe('for any owner reference and namespace (property)', () => {
    /** One of `valid` with one to three characters of any kind put in somewhere. */
    const nearMiss = (valid: string[]) =>
      fc.tuple(fc.constantFrom(...valid), fc.nat(), fc.string({ unit: 'binary', minLength: 1, maxLength: 3 })).map(([value, at, inserted]) => {
        const i = at % (value.length + 1);
        return value.slice(0, i) + inserted + value.slice(i);
      });
    /** Valid values (mostly), their near misses, and anything at all. */
    const field = (valid: string[]) => fc.oneof({ arbitrary: fc.constantFrom(...valid), weight: 3 }, nearMiss(valid), fc.string({ unit: 'binary' }));
    const kindAndVersion = fc.oneof(
      fc.constantFrom(...Object.entries(API_VERSION)),
      fc.tuple(
        field([...Object.keys(API_VERSION), 'Pod', 'Rollout', 'replicaset']),
        field(['apps/v1', 'batch/v1', 'v1', 'argoproj.io/v1alpha1', 'apps/v1beta2']),
      ),
    );
    const anyName = fc.oneof(field(['web-1', 'a.b-c', '..', 'x'.repeat(253)]), fc.stringMatching(/^[a-z0-9][-a-z0-9.]{0,20}$/));
    const anyReference = fc
      .tuple(kindAndVersion, anyName, fc.oneof(fc.uuid(), field([UID])))
      .map(([[kind, apiVersion], name, uid]): OwnerReference => ({ apiVersion, kind, name, uid }));
    const anyNamespace = field([NS, 'default', 'kube-system', 'a'.repeat(63)]);

    /** The oracle: every field in the Kubernetes grammar, kind and apiVersion exactly an owner kind's. */
    const valid = (ref: OwnerReference, namespace: string) =>
      Object.hasOwn(SERVED_AT, ref.kind) &&
      ref.apiVersion === API_VERSION[ref.kind] &&
      namespace.length <= 63 &&
      DNS1123_LABEL.test(namespace) &&
      ref.name.length <= 253 &&
      ref.name.split('.').every((label) => DNS1123_LABEL.test(label)) &&
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(ref.uid);

    it('a valid reference gives exactly the API server\'s path, of safe characters only; any other gives none', () => {
      let validCases = 0;
      fc.assert(
        fc.property(anyReference, anyNamespace, (ref, namespace) => {
          const owner = ownerToLookUp(ref, namespace);
          if (!valid(ref, namespace)) {
            expect(owner).toEqual({ unusable: expect.any(String) });
            return;
          }
          expect(owner).toMatchObject({ path: SERVED_AT[ref.kind](namespace, ref.name) });
          expect((owner as { path: string }).path).toMatch(/^[a-z0-9./-]+$/);
          validCases++;
        }),
        { numRuns: 2_000 },
      );
      // The generators reach both sides (about one case in ten is valid).
      expect(validCases).toBeGreaterThan(100);
    });

    it('the stand-in receives exactly that path, or no request at all', async () => {
      await fc.assert(
        fc.asyncProperty(anyReference, anyNamespace, async (ref, namespace) => {
          const { requests } = await lookUp([ref], namespace);
          expect(requests).toEqual(valid(ref, namespace) ? [SERVED_AT[ref.kind](namespace, ref.name)] : []);
        }),
        { numRuns: 300 },
      );
    });
  });
});
