import { parse } from 'yaml';
import {
  admissionReview,
  describeConformance,
  jsonAnswer,
  KubeApiStandIn,
  readConformance,
  TestStack,
  TestValidator,
  trickledAnswer,
  workloadObject,
} from '@connaisseur-mesh/testing';

const CHARLIE = 'securesystemsengineering/charlie-image@sha256:91ac9b26df583762234c1cdb2fc930364754ccc59bc752a2bfe298d2ea68f9ff';
const SAMPLE = 'securesystemsengineering/sample-san-sama:hai';
const MODELS = 'ghcr.io/example/models:1@sha256:2222222222222222222222222222222222222222222222222222222222222222';
const VOLUME_RS_UID = 'c0ffee00-0000-4000-8000-000000000003';
const WITH_VOLUME = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'with-volume', uid: VOLUME_RS_UID };
const REDIS_1111 = 'docker.io/library/redis:latest@sha256:1111111111111111111111111111111111111111111111111111111111111111';
const UNSIGNED = 'securesystemsengineering/evil:latest';
const NS = 'test-connaisseur';
/** The UID of the ReplicaSet that owns 02_pod. */
const RS_UID = '090d26f8-1812-11ea-b3fc-02897404852e';
const mockRejects = (image: string) => `error during external validation of image ${image}: unable to find signed digest for image ${image}`;
const fixture = (name: string) => JSON.parse(readConformance('admission_requests', `${name}.json`));

interface OwnerOptions {
  namespace?: string;
  apiVersion?: string;
  volumeImages?: string[];
}

/** An owner object as the API server returns it: a workload with these images and image volumes (apps/v1 unless said otherwise). */
function owner(kind: string, name: string, uid: string, images: string[], { namespace = NS, apiVersion = 'apps/v1', volumeImages }: OwnerOptions = {}) {
  // An Argo Rollout's spec is a Deployment's.
  const object = workloadObject(kind === 'Rollout' ? 'Deployment' : kind, { name, namespace, images, volumeImages });
  return { ...object, apiVersion, kind, metadata: { name, namespace, uid } } as Parameters<KubeApiStandIn['put']>[0];
}

/** 02_pod (a Pod with CHARLIE) with its one owner reference changed. */
function pod02OwnedBy(changes: Record<string, unknown>) {
  const review = fixture('02_pod');
  Object.assign(review.request.object.metadata.ownerReferences[0], changes);
  return review;
}

function config(mockAddress: string, features: Record<string, unknown>) {
  const c = parse(readConformance('config', '10_mutate_test.yaml'));
  c.validators.push({ name: 'mock', type: 'external', address: mockAddress });
  // No cache: every image that is not skipped reaches the validator, which counts the calls.
  c.features = { cache: { expirySeconds: 0 }, ...features };
  return c;
}

/**
 * Automatic child and unchanged approval (reference §5.6–5.7) with Connaisseur's fixtures, the
 * real management process and the Kubernetes API stand-in (same paths and JSON as the API server),
 * reached through a kubeconfig with its CA and a bearer token.
 */
describeConformance('automatic child and unchanged approval', () => {
  const mock = new TestValidator();
  let api: KubeApiStandIn;
  let stack: TestStack;

  beforeAll(async () => {
    await mock.start();
    api = await KubeApiStandIn.start();
    api.put(owner('ReplicaSet', 'charlie-deployment-76fbf58b7d', RS_UID, [CHARLIE]));
    api.put(owner('Deployment', 'charlie-deployment', '3a3a7b38-5512-4a85-94bb-3562269e0a6a', ['nginx', SAMPLE]));
    // 16_mismatch_uid: the owner carries the image, but it is another object than the one referenced.
    api.put(owner('ReplicaSet', 'mismatcher', '6f1c3b0e-8a55-4d4b-9a1e-3f2f7f0d9c11', [CHARLIE]));
    api.put(owner('ReplicaSet', 'two-images', 'c0ffee00-0000-4000-8000-000000000002', ['other:1']));
    api.put(owner('ReplicaSet', 'with-volume', VOLUME_RS_UID, [CHARLIE], { volumeImages: [MODELS] }));
    api.fail('apps/v1', 'ReplicaSet', NS, 'broken', 500);
    api.fail('apps/v1', 'ReplicaSet', NS, 'forbidden', 403);
    // What the finding's owner references reach with the path taken apart: the attacker's own
    // objects (a Rollout, which no webhook validates, and a ReplicaSet), carrying the unsigned image.
    api.put(owner('Rollout', 'evil', RS_UID, [UNSIGNED], { namespace: 'attacker-ns', apiVersion: 'argoproj.io/v1alpha1' }), 'rollouts');
    api.put(owner('ReplicaSet', 'evil', RS_UID, [UNSIGNED], { namespace: 'attacker-ns' }));
    stack = await TestStack.start({
      apps: ['management'],
      config: config(mock.address, { automaticChildApproval: true, automaticUnchangedApproval: true }),
      env: { KUBECONFIG: api.writeKubeconfig(api.certificates.dir) },
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await api?.stop();
    await mock.stop();
  });

  /** The decision and how many validator calls and API GETs it took. */
  async function review(body: unknown) {
    const [calls, gets] = [mock.calls.length, api.requests.length];
    const result = await stack.review(body);
    return { result, calls: mock.calls.length - calls, gets: api.requests.slice(gets) };
  }

  it('02_pod: the owning ReplicaSet has the identical image → admitted without validation, no patch', async () => {
    const { result, calls, gets } = await review(fixture('02_pod'));
    expect(result.response).toMatchObject({ allowed: true });
    expect(result.patch).toBeUndefined();
    expect(calls).toBe(0);
    expect(gets).toEqual([`GET /apis/apps/v1/namespaces/${NS}/replicasets/charlie-deployment-76fbf58b7d`]);
  });

  it('03_replicaset: the owning Deployment has the identical image → admitted without validation', async () => {
    const { result, calls } = await review(fixture('03_replicaset'));
    expect(result.response.allowed).toBe(true);
    expect(calls).toBe(0);
  });

  it('10_update: the image is unchanged from the old object → admitted without validation', async () => {
    const { result, calls, gets } = await review(fixture('10_update'));
    expect(result.response.allowed).toBe(true);
    expect(result.patch).toBeUndefined();
    expect(calls).toBe(0);
    // Unchanged approval comes first: the owner is not even looked up.
    expect(gets).toEqual([]);
  });

  it("unchanged approval counts the old object's image volumes: an UPDATE that keeps their strings is admitted without validation", async () => {
    const old = workloadObject('Pod', { namespace: NS, images: ['app:1'], volumeImages: [MODELS] });
    const body = admissionReview({ operation: 'UPDATE', namespace: NS, images: ['app:1', MODELS], volumeImages: [MODELS], oldObject: old });
    const { result, calls } = await review(body);
    expect(result.response.allowed).toBe(true);
    expect(calls).toBe(0);
  });

  it('13_unknown_parent: the owner "unknown_parent" cannot exist (no Kubernetes name) → not looked up, validated, denied', async () => {
    const { result, calls, gets } = await review(fixture('13_unknown_parent'));
    expect(result.response).toMatchObject({ allowed: false, status: { message: mockRejects(CHARLIE) } });
    expect(calls).toBe(1);
    expect(gets).toEqual([]);
  });

  it('16_mismatch_uid: the owner found has another UID → validated, denied', async () => {
    const { result, calls } = await review(fixture('16_mismatch_uid'));
    expect(result.response).toMatchObject({ allowed: false, status: { message: mockRejects(CHARLIE) } });
    expect(calls).toBe(1);
  });

  it.each([
    ['a missing owner (404)', 'missing'],
    ['an API server error (500)', 'broken'],
    ['RBAC forbidding the read (403)', 'forbidden'],
  ])('%s → validated, denied', async (_name, rs) => {
    const { result, calls, gets } = await review(pod02OwnedBy({ name: rs }));
    expect(result.response.status?.message).toBe(mockRejects(CHARLIE));
    expect(calls).toBe(1);
    expect(gets).toEqual([`GET /apis/apps/v1/namespaces/${NS}/replicasets/${rs}`]);
  });

  it('an owner that is not a workload (a CRD) is not looked up → validated', async () => {
    const { result, calls, gets } = await review(pod02OwnedBy({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'evil', uid: RS_UID }));
    expect(result.response.allowed).toBe(false);
    expect(calls).toBe(1);
    expect(gets).toEqual([]);
  });

  // Issue 8, finding 1: an owner reference whose apiVersion is a path made management read the
  // attacker's own object and approve its unsigned image.
  it.each([
    ['backslashes and a fragment (the finding)', String.raw`argoproj.io/v1alpha1\namespaces\attacker-ns\rollouts\evil#`],
    ['a query', 'apps/v1/namespaces/attacker-ns/replicasets/evil?'],
  ])('an owner apiVersion that is a path with %s reaches nothing → the unsigned image is denied', async (_name, apiVersion) => {
    const body = pod02OwnedBy({ apiVersion, name: 'x', uid: RS_UID });
    body.request.object.spec.containers[0].image = UNSIGNED;
    const { result, calls, gets } = await review(body);
    expect(result.response).toMatchObject({ allowed: false, status: { message: mockRejects(UNSIGNED) } });
    expect(calls).toBe(1);
    expect(gets).toEqual([]);
  });

  it.each([
    ['apiVersion', { apiVersion: 'argoproj.io/v1alpha1' }],
    ['kind', { kind: 'Rollout' }],
    ['namespace', { metadata: { namespace: 'attacker-ns' } }],
    ['name', { metadata: { name: 'evil' } }],
    ['uid', { metadata: { uid: '6f1c3b0e-8a55-4d4b-9a1e-3f2f7f0d9c11' } }],
  ])('an answer that is another object than the owner (other %s) → validated, denied', async (field, changes) => {
    const name = `impostor-${field.toLowerCase()}`;
    const real = owner('ReplicaSet', name, RS_UID, [CHARLIE]);
    const path = `/apis/apps/v1/namespaces/${NS}/replicasets/${name}`;
    api.override(path, jsonAnswer({ ...real, ...changes, metadata: { ...real.metadata, ...(changes as { metadata?: object }).metadata } }));
    const { result, calls, gets } = await review(pod02OwnedBy({ name }));
    expect(result.response.status?.message).toBe(mockRejects(CHARLIE));
    expect(calls).toBe(1);
    expect(gets).toEqual([`GET ${path}`]);
  });

  it('an API server that trickles its answer holds the admission no longer than the look-up timeout → validated', async () => {
    api.override(`/apis/apps/v1/namespaces/${NS}/replicasets/slow`, trickledAnswer);
    const { result, calls } = await review(pod02OwnedBy({ name: 'slow' }));
    // The validator's verdict, not the admission's timeout.
    expect(result.response.status?.message).toBe(mockRejects(CHARLIE));
    expect(calls).toBe(1);
  });

  it('looks the owners up once per admission, not once per image', async () => {
    const body = admissionReview({
      namespace: NS,
      images: ['one:1', 'two:1'],
      initImages: ['three:1'],
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'two-images', uid: 'c0ffee00-0000-4000-8000-000000000002' }],
    });
    const { calls, gets } = await review(body);
    expect(gets).toHaveLength(1);
    expect(calls).toBe(3);
  });

  it('a new image next to an approved one is validated; only the others are skipped', async () => {
    const body = fixture('02_pod');
    body.request.object.spec.containers.push({ name: 'new', image: 'securesystemsengineering/alice-image:test' });
    const { result, calls } = await review(body);
    expect(result.response.allowed).toBe(true);
    expect(calls).toBe(1);
    expect(result.patch).toEqual([{ op: 'replace', path: '/spec/containers/1/image', value: expect.stringMatching(/alice-image:test@sha256:/) }]);
  });

  it("an image volume's image carried by the owner (in its pod template's volumes) is approved as a child", async () => {
    const body = admissionReview({ uid: 'child-volume', namespace: NS, images: [CHARLIE], volumeImages: [MODELS], ownerReferences: [WITH_VOLUME] });
    const { result, calls, gets } = await review(body);
    expect(result.response.allowed).toBe(true);
    expect(result.patch).toBeUndefined();
    expect(calls).toBe(0);
    expect(gets).toEqual([`GET /apis/apps/v1/namespaces/${NS}/replicasets/with-volume`]);
    // The decision log lists the volume's image and where each image is used.
    expect(await logLine(stack, 'child-volume')).toMatchObject({
      images: [CHARLIE, MODELS],
      result: 'skip',
      validations: [
        { image: CHARLIE, sources: ['container'], skipped: 'child' },
        { image: MODELS, sources: ['imageVolume'], skipped: 'child' },
      ],
    });
  });

  it('an image volume the owner does not carry is validated', async () => {
    const body = admissionReview({ namespace: NS, images: [CHARLIE], volumeImages: ['ghcr.io/example/other-models:1'], ownerReferences: [WITH_VOLUME] });
    const { result, calls } = await review(body);
    expect(result.response.status?.message).toBe(mockRejects('ghcr.io/example/other-models:1'));
    expect(calls).toBe(1);
  });

  it('logs the skip reason per image, and result "skip" when every image was skipped', async () => {
    const body = fixture('02_pod');
    body.request.uid = 'child-skip-log';
    await review(body);
    const line = await logLine(stack, 'child-skip-log');
    expect(line).toMatchObject({
      msg: 'admission decision',
      uid: 'child-skip-log',
      kind: 'Pod',
      namespace: NS,
      images: [CHARLIE],
      result: 'skip',
      allowed: true,
      validations: [{ image: CHARLIE, sources: ['container'], rule: '*:*', validator: 'mock', allowed: true, skipped: 'child' }],
    });
    expect(typeof line.durationMs).toBe('number');
  });
});

describeConformance('child approval is off with podsOnly, unchanged approval off by default', () => {
  const mock = new TestValidator();
  let api: KubeApiStandIn;

  beforeAll(async () => {
    await mock.start();
    api = await KubeApiStandIn.start();
    api.put(owner('ReplicaSet', 'charlie-deployment-76fbf58b7d', RS_UID, [CHARLIE]));
  });
  afterAll(async () => {
    await api?.stop();
    await mock.stop();
  });

  it('podsOnly: a Pod is validated even though its owner carries the image', async () => {
    const stack = await TestStack.start({
      apps: ['management'],
      config: config(mock.address, { resourceValidationMode: 'podsOnly' }),
      env: { KUBECONFIG: api.writeKubeconfig(api.certificates.dir) },
    });
    try {
      const before = api.requests.length;
      const result = await stack.review(fixture('02_pod'));
      expect(result.response.status?.message).toBe(mockRejects(CHARLIE));
      expect(api.requests.length).toBe(before);
      expect(await logLine(stack, 'automaticChildApproval is off with resourceValidationMode podsOnly', 'msg')).toBeDefined();
    } finally {
      await stack.stop();
    }
  });

  it('defaults: 10_update is validated again (unchanged approval is off), 02_pod approved as a child', async () => {
    const stack = await TestStack.start({
      apps: ['management'],
      config: config(mock.address, {}),
      env: { KUBECONFIG: api.writeKubeconfig(api.certificates.dir) },
    });
    try {
      expect((await stack.review(fixture('10_update'))).response.status?.message).toBe(mockRejects(REDIS_1111));
      expect((await stack.review(fixture('02_pod'))).response.allowed).toBe(true);
    } finally {
      await stack.stop();
    }
  });
});

/** The first JSON log line of management whose `field` equals `value` (logs are written asynchronously). */
async function logLine(stack: TestStack, value: string, field = 'uid'): Promise<Record<string, unknown>> {
  for (let i = 0; i < 100; i++) {
    const line = stack
      .log()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l))
      .find((l) => l[field] === value);
    if (line) return line;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no log line with ${field} = ${value}:\n${stack.log()}`);
}
