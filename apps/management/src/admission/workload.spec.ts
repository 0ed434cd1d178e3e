import fc from 'fast-check';
import { workloadObject } from '@connaisseur-mesh/testing';
import { decodeWorkload, ImageSource, PodImage, WorkloadError } from './workload';

/** Where each kind keeps its pod spec (reference §5.2), as JSON Pointer prefixes. */
const POD_SPECS: Array<[string, string]> = [
  ['Pod', '/spec'],
  ['Deployment', '/spec/template/spec'],
  ['ReplicaSet', '/spec/template/spec'],
  ['DaemonSet', '/spec/template/spec'],
  ['StatefulSet', '/spec/template/spec'],
  ['Job', '/spec/template/spec'],
  ['ReplicationController', '/spec/template/spec'],
  ['CronJob', '/spec/jobTemplate/spec/template/spec'],
];

/** RFC 6901: the value the pointer addresses in `document`, or undefined. */
function resolvePointer(document: unknown, pointer: string): unknown {
  if (!pointer.startsWith('/')) return undefined;
  let at = document;
  for (const token of pointer.slice(1).split('/')) {
    const key = token.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof at !== 'object' || at === null || !Object.hasOwn(at, key)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

/** A workload of `kind` whose pod spec is `podSpec`. */
function withPodSpec(kind: string, podSpec: Record<string, unknown>) {
  const object = workloadObject(kind, { images: [] });
  const prefix = POD_SPECS.find(([k]) => k === kind)![1];
  const parentPath = prefix.slice(0, prefix.lastIndexOf('/'));
  const parent = (parentPath ? resolvePointer(object, parentPath) : object) as Record<string, unknown>;
  parent[prefix.slice(prefix.lastIndexOf('/') + 1)] = podSpec;
  return object;
}

describe('decodeWorkload', () => {
  describe.each(POD_SPECS)('%s', (kind, prefix) => {
    it('collects containers, initContainers, ephemeralContainers and image volumes, in that order, with their pointers', () => {
      const object = workloadObject(kind, {
        images: ['app:1', 'sidecar:1'],
        initImages: ['init:1'],
        ephemeralImages: ['debug:1'],
        volumeImages: ['models:1', 'app:1'],
      });
      expect(decodeWorkload(kind, object).images).toEqual<PodImage[]>([
        { image: 'app:1', path: `${prefix}/containers/0/image`, source: 'container' },
        { image: 'sidecar:1', path: `${prefix}/containers/1/image`, source: 'container' },
        { image: 'init:1', path: `${prefix}/initContainers/0/image`, source: 'initContainer' },
        { image: 'debug:1', path: `${prefix}/ephemeralContainers/0/image`, source: 'ephemeralContainer' },
        { image: 'models:1', path: `${prefix}/volumes/0/image/reference`, source: 'imageVolume' },
        { image: 'app:1', path: `${prefix}/volumes/1/image/reference`, source: 'imageVolume' },
      ]);
    });

    it('skips volumes without an image source, keeping the indices of the others', () => {
      const object = withPodSpec(kind, {
        containers: [{ name: 'c', image: 'app:1' }],
        volumes: [
          { name: 'token', secret: { secretName: 's' } },
          { name: 'none', image: null },
          { name: 'models', image: { reference: 'models:1', pullPolicy: 'IfNotPresent' } },
        ],
      });
      expect(decodeWorkload(kind, object).images.map((i) => i.path)).toEqual([`${prefix}/containers/0/image`, `${prefix}/volumes/2/image/reference`]);
    });
  });

  it.each([
    ['without a reference', { pullPolicy: 'Always' }],
    ['with a reference that is not a string', { reference: 42 }],
    ['that is not an object', 'models:1'],
  ])('an image volume %s gets "" (denied as an invalid reference)', (_name, image) => {
    const object = withPodSpec('Pod', { containers: [{ name: 'c', image: 'app:1' }], volumes: [{ name: 'v', image }] });
    expect(decodeWorkload('Pod', object).images[1]).toEqual({ image: '', path: '/spec/volumes/0/image/reference', source: 'imageVolume' });
  });

  it('volumes that are not a list are a decoding error, like containers that are not a list', () => {
    const object = withPodSpec('Deployment', { containers: [{ name: 'c', image: 'app:1' }], volumes: { image: { reference: 'x:1' } } });
    expect(() => decodeWorkload('Deployment', object)).toThrow(new WorkloadError('spec.template.spec.volumes is not a list'));
  });

  it('image volumes without any container: "no containers found"', () => {
    const object = withPodSpec('Pod', { containers: [], volumes: [{ name: 'v', image: { reference: 'models:1' } }] });
    expect(() => decodeWorkload('Pod', object)).toThrow(new WorkloadError('no containers found in workload object'));
  });

  it('reads name, owners and the deletion mark', () => {
    const owner = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u' };
    const object = workloadObject('Pod', { name: 'p', images: ['app:1'], ownerReferences: [owner], deletionTimestamp: '2026-03-06T12:34:56Z' });
    expect(decodeWorkload('Pod', object)).toMatchObject({ kind: 'Pod', name: 'p', deleted: true, ownerReferences: [owner] });
    expect(decodeWorkload('Pod', workloadObject('Pod', { images: ['app:1'] })).deleted).toBe(false);
  });

  /**
   * For all pod specs: every image string the kubelet would pull (containers, initContainers,
   * ephemeralContainers, image volumes) is decoded, with a pointer that addresses exactly that
   * string in the object (so the patch pins the right place), and nothing else is decoded.
   */
  it('decodes every image string of any pod spec, each at a pointer that resolves to it', () => {
    const imageString = fc.oneof(fc.constantFrom('nginx', 'app:1', 'my.reg/x@sha256:' + '1'.repeat(64)), fc.string({ maxLength: 12 }));
    const container = fc.record({ name: fc.string({ maxLength: 4 }), image: imageString });
    const volume = fc.oneof(
      fc.record({ name: fc.string({ maxLength: 4 }), image: fc.record({ reference: imageString, pullPolicy: fc.constantFrom('Always', 'IfNotPresent') }) }),
      fc.record({ name: fc.string({ maxLength: 4 }), emptyDir: fc.constant({}) }),
      fc.record({ name: fc.string({ maxLength: 4 }), configMap: fc.record({ name: fc.string({ maxLength: 4 }) }) }),
    );
    const podSpec = fc.record(
      {
        containers: fc.array(container, { minLength: 1, maxLength: 4 }),
        initContainers: fc.array(container, { maxLength: 3 }),
        ephemeralContainers: fc.array(container, { maxLength: 3 }),
        volumes: fc.array(volume, { maxLength: 5 }),
      },
      { requiredKeys: ['containers'] },
    );
    fc.assert(
      fc.property(fc.constantFrom(...POD_SPECS), podSpec, ([kind, prefix], spec) => {
        const object = withPodSpec(kind, spec);
        const decoded = decodeWorkload(kind, object).images;
        const expected: Array<{ image: string; source: ImageSource }> = [
          ...spec.containers.map((c) => ({ image: c.image, source: 'container' as const })),
          ...(spec.initContainers ?? []).map((c) => ({ image: c.image, source: 'initContainer' as const })),
          ...(spec.ephemeralContainers ?? []).map((c) => ({ image: c.image, source: 'ephemeralContainer' as const })),
          ...(spec.volumes ?? []).flatMap((v) => ('image' in v ? [{ image: v.image.reference, source: 'imageVolume' as const }] : [])),
        ];
        expect(decoded.map(({ image, source }) => ({ image, source }))).toEqual(expected);
        for (const entry of decoded) {
          expect(entry.path.startsWith(`${prefix}/`)).toBe(true);
          expect(resolvePointer(object, entry.path)).toBe(entry.image);
        }
      }),
    );
  });
});
