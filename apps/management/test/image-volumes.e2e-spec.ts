import { admissionReview, AlertReceiver, ALICE_DIGEST, freePort, readMetric, startTestValidatorProcess, TestStack, workloadObject } from '@connaisseur-mesh/testing';

const ALICE = 'securesystemsengineering/alice-image:test';
const ALICE_PINNED = `index.docker.io/securesystemsengineering/alice-image:test@${ALICE_DIGEST}`;
/** Unsigned: the mock validator rejects it. */
const MODELS = 'ghcr.io/example/models:1';
const ALLOW_ME = 'my.reg/allow-me@sha256:91ac9b26df583762234c1cdb2fc930364754ccc59bc752a2bfe298d2ea68f9ff';
const DENY_ME = 'my.reg/deny-me@sha256:91ac9b26df583762234c1cdb2fc930364754ccc59bc752a2bfe298d2ea68f9ff';
const DELETED_AT = '2026-03-06T12:34:56Z';
const mockRejects = (image: string) => `error during external validation of image ${image}: unable to find signed digest for image ${image}`;

type Review = ReturnType<typeof admissionReview>;
type PodSpec = { volumes: unknown[] };

/**
 * Image volumes (`spec.volumes[].image.reference`), UPDATEs without an old object and the
 * deletion short cut, through the real stack: management and alerting as processes, the mock
 * validator of Connaisseur's tests as a separate test validator process (`type: external`), and
 * static rules for `my.reg/allow-me` and `my.reg/deny-me`. No cache, so every image that is not
 * static reaches the validator, whose calls management's metrics count.
 */
describe('image volumes, UPDATEs without an old object, and the deletion short cut', () => {
  let mock: Awaited<ReturnType<typeof startTestValidatorProcess>>;
  let receiver: AlertReceiver;
  let stack: TestStack;

  beforeAll(async () => {
    mock = await startTestValidatorProcess(await freePort());
    receiver = await AlertReceiver.start();
    stack = await TestStack.start({
      apps: ['alerting', 'management'],
      config: {
        validators: [
          { name: 'allow', type: 'static', approve: true },
          { name: 'deny', type: 'static', approve: false },
          { name: 'mock', type: 'external', address: mock.address },
        ],
        policy: [
          { pattern: '*:*', validator: 'mock' },
          { pattern: 'my.reg/allow-me', validator: 'allow' },
          { pattern: 'my.reg/deny-me', validator: 'deny' },
        ],
        features: { automaticChildApproval: false, cache: { expirySeconds: 0 } },
        alerting: { rejectRequest: { receivers: [{ template: 'keybase', receiverUrl: receiver.url('/hook') }] } },
      },
    });
  });
  afterAll(async () => {
    await receiver?.stop();
    await stack?.stop();
    await mock?.stop();
  });

  /** The decision and how many calls the mock validator got for it. */
  async function review(body: unknown) {
    const calls = () => readMetric(stack.opsUrl, 'connaisseur_mesh_validator_call_duration_seconds_count', { type: 'external' });
    const before = await calls();
    const result = await stack.review(body);
    return { result, calls: (await calls()) - before };
  }

  describe('image volumes', () => {
    it("a Pod whose container is admitted but whose image volume is unsigned is denied, naming the volume's image", async () => {
      const failed = () => readMetric(stack.opsUrl, 'connaisseur_mesh_validations_total', { validator_name: 'mock', result: 'error' });
      const before = await failed();
      const { result, calls } = await review(admissionReview({ images: [ALICE], volumeImages: [MODELS] }));
      expect(result.response).toMatchObject({ allowed: false, status: { code: 403, message: mockRejects(MODELS) } });
      expect(result.patch).toBeUndefined();
      expect(calls).toBe(2);
      expect((await failed()) - before).toBe(1);
    });

    it('a statically denied image volume denies the Pod', async () => {
      const { result } = await review(admissionReview({ images: [ALLOW_ME], volumeImages: [DENY_ME] }));
      expect(result.response).toMatchObject({ allowed: false, status: { message: `static deny for image ${DENY_ME} using rule my.reg/deny-me` } });
    });

    it('an image volume without a reference is denied as an invalid reference', async () => {
      const body = admissionReview({ images: [ALLOW_ME], volumeImages: [ALLOW_ME] });
      (body.request.object.spec as PodSpec).volumes[0] = { name: 'v0', image: { pullPolicy: 'Always' } };
      const { result } = await review(body);
      expect(result.response).toMatchObject({ allowed: false, status: { message: 'image : invalid image reference (empty reference)' } });
    });

    it('volumes that are not a list are a decoding error', async () => {
      const body = admissionReview({ kind: 'Deployment', images: [ALLOW_ME] });
      ((body.request.object.spec as { template: { spec: Record<string, unknown> } }).template.spec).volumes = { image: { reference: ALLOW_ME } };
      const { result } = await review(body);
      expect(result.response.status?.message).toBe('error decoding new workload object: spec.template.spec.volumes is not a list');
    });

    it('a Deployment: one validation for a string used by a container and a volume, pinned at both pointers', async () => {
      const { result, calls } = await review(admissionReview({ kind: 'Deployment', images: [ALICE], initImages: [ALLOW_ME], volumeImages: [ALICE] }));
      expect(result.response).toMatchObject({ allowed: true, patchType: 'JSONPatch' });
      expect(result.patch).toEqual([
        { op: 'replace', path: '/spec/template/spec/containers/0/image', value: ALICE_PINNED },
        { op: 'replace', path: '/spec/template/spec/volumes/0/image/reference', value: ALICE_PINNED },
      ]);
      expect(calls).toBe(1);
    });

    it('a CronJob: the image volume is pinned at its own pointer, past volumes without an image', async () => {
      const body = admissionReview({ kind: 'CronJob', images: [ALLOW_ME], volumeImages: [ALICE] });
      const podSpec = (body.request.object.spec as { jobTemplate: { spec: { template: { spec: PodSpec } } } }).jobTemplate.spec.template.spec;
      podSpec.volumes.unshift({ name: 'token', secret: { secretName: 'token' } });
      const { result } = await review(body);
      expect(result.response.allowed).toBe(true);
      expect(result.patch).toEqual([{ op: 'replace', path: '/spec/jobTemplate/spec/template/spec/volumes/1/image/reference', value: ALICE_PINNED }]);
    });

    it('the reject alert lists the image volume references with the other images, in spec order', async () => {
      await review(admissionReview({ uid: 'volume-alert', images: [ALLOW_ME], initImages: [ALICE], volumeImages: [MODELS, ALLOW_ME] }));
      // Alerts go out in the background, so other tests' alerts may come in between.
      const ours = () => receiver.payloads.find((p) => String(p.msg).includes('*Request ID:* volume-alert'));
      for (let count = 1; !ours(); count++) await receiver.waitFor(count);
      expect(ours()!.msg).toContain(`*Images:* ${ALLOW_ME}, ${ALICE}, ${MODELS}\n`);
    });
  });

  describe('an UPDATE without an old object (pods/ephemeralcontainers)', () => {
    const update = (ephemeral: string, oldObject: 'null' | 'absent'): Review => {
      const body = admissionReview({ operation: 'UPDATE', images: [ALICE], ephemeralImages: [ephemeral], oldObject: null });
      Object.assign(body.request, { subResource: 'ephemeralcontainers' });
      if (oldObject === 'absent') delete (body.request as Partial<Review['request']>).oldObject;
      return body;
    };

    it.each(['null', 'absent'] as const)('oldObject %s: decided on the images (denied naming the image)', async (oldObject) => {
      const { result } = await review(update('busybox', oldObject));
      expect(result.response).toMatchObject({ allowed: false, status: { message: mockRejects('busybox') } });
    });

    it.each(['null', 'absent'] as const)('oldObject %s: decided on the images (admitted and pinned)', async (oldObject) => {
      const { result, calls } = await review(update(ALLOW_ME, oldObject));
      expect(result.response.allowed).toBe(true);
      expect(result.patch).toEqual([{ op: 'replace', path: '/spec/containers/0/image', value: ALICE_PINNED }]);
      expect(calls).toBe(1);
    });
  });

  describe('the deletion short cut (an UPDATE of an object marked for deletion)', () => {
    /** An UPDATE whose old object (with `old` images) is marked for deletion; the new object as `next` says. */
    const updateOfDeleted = (kind: string, old: { images: string[]; volumeImages?: string[] }, next: Parameters<typeof admissionReview>[0]) =>
      admissionReview({ kind, operation: 'UPDATE', deletionTimestamp: DELETED_AT, ...next, oldObject: workloadObject(kind, { ...old, deletionTimestamp: DELETED_AT }) });

    it.each([
      ['the same images', { images: ['busybox'] }],
      ['an image string moved into an image volume', { images: ['busybox'], volumeImages: ['busybox'] }],
    ])('bringing no new image string (%s): admitted without validation', async (_name, next) => {
      const { result, calls } = await review(updateOfDeleted('Job', { images: ['busybox'] }, next));
      expect(result.response).toMatchObject({ allowed: true });
      expect(result.response.status).toBeUndefined();
      expect(result.patch).toBeUndefined();
      expect(calls).toBe(0);
    });

    it.each([
      ['Job', 'a container', { images: [ALLOW_ME, MODELS] }],
      ['Job', 'an initContainer', { images: [ALLOW_ME], initImages: [MODELS] }],
      ['Job', 'an image volume', { images: [ALLOW_ME], volumeImages: [MODELS] }],
      ['Pod', 'an ephemeralContainer', { images: [ALLOW_ME], ephemeralImages: [MODELS] }],
      ['Pod', 'an image volume', { images: [ALLOW_ME], volumeImages: [MODELS] }],
    ])('a %s kept alive by a finalizer that gets a new image (%s): validated, denied naming it', async (kind, _source, next) => {
      const { result, calls } = await review(updateOfDeleted(kind, { images: [ALLOW_ME] }, next));
      expect(result.response).toMatchObject({ allowed: false, status: { message: mockRejects(MODELS) } });
      expect(calls).toBe(1);
    });

    it('a new image that validates is admitted and pinned as usual', async () => {
      const { result } = await review(updateOfDeleted('Job', { images: [ALLOW_ME] }, { images: [ALLOW_ME], volumeImages: [ALICE] }));
      expect(result.response.allowed).toBe(true);
      expect(result.patch).toEqual([{ op: 'replace', path: '/spec/template/spec/volumes/0/image/reference', value: ALICE_PINNED }]);
    });
  });
});
