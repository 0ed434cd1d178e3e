import { validatorV1 } from '@connaisseur-mesh/contracts';
import { admissionReview, ALICE_DIGEST, freePort, httpsRequest, TestStack, TestValidator } from '@connaisseur-mesh/testing';

/**
 * What is not an AdmissionReview gets a 4xx; every AdmissionReview gets a decision, and odd or
 * hostile content is denied with a message that names the image — the process never falls over.
 */
describe('management with bad input and failing validators', () => {
  const validator = new TestValidator(() => ({ verdict: validatorV1.Verdict.VERDICT_VERIFIED, digest: ALICE_DIGEST }));
  let stack: TestStack;
  let deadPort: number;

  beforeAll(async () => {
    await validator.start();
    deadPort = await freePort();
    stack = await TestStack.start({
      apps: ['management'],
      config: {
        validators: [
          { name: 'allow', type: 'static', approve: true },
          { name: 'ext', type: 'external', address: validator.address },
          { name: 'gone', type: 'external', address: `127.0.0.1:${deadPort}` },
        ],
        policy: [
          { pattern: '*:*', validator: 'allow' },
          { pattern: 'signed.io/*', validator: 'ext' },
          { pattern: 'gone.io/*', validator: 'gone' },
        ],
        admission: { timeoutSeconds: 2 },
      },
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await validator.stop();
  });

  describe('HTTP level', () => {
    it.each(['GET', 'PUT', 'DELETE'])('%s → 405', async (method) => {
      const result = await stack.post(admissionReview(), { method });
      expect(result.status).toBe(405);
      expect(result.text).toBe(`Method not allowed.: ${method}\n`);
    });

    it.each([
      ['text/plain', 'wrong content type: expected json, got text/plain\n'],
      ['application/yaml', 'wrong content type: expected json, got application/yaml\n'],
    ])('content type %s → 400', async (contentType, text) => {
      expect(await stack.post(admissionReview(), { contentType })).toMatchObject({ status: 400, text });
    });

    it('no content type → 400', async () => {
      const result = await httpsRequest(stack.webhookUrl, { body: JSON.stringify(admissionReview()), ca: stack.ca });
      expect(result).toMatchObject({ status: 400, text: 'wrong content type: expected json, got \n' });
    });

    it('accepts a charset parameter', async () => {
      expect((await stack.post(admissionReview({ images: ['nginx'] }), { contentType: 'application/json; charset=utf-8' })).status).toBe(200);
    });

    it.each([['{x'], ['{"request": '], ['']])('invalid JSON %p → 400', async (body) => {
      const result = await stack.post(body);
      expect(result.status).toBe(400);
      expect(result.text).toMatch(/^received invalid json: /);
    });

    it.each([['null'], ['{}'], ['[]'], ['"text"'], ['{"request": null}'], ['{"request": {}}'], ['{"request": []}']])(
      'empty request %s → 400',
      async (body) => {
        expect(await stack.post(body)).toMatchObject({ status: 400, text: 'received empty admission request\n' });
      },
    );

    // Nesting depth, body size and admissions in flight: admission-limits.e2e-spec.ts.

    it('other paths → 404', async () => {
      expect((await httpsRequest(stack.webhookUrl.replace('/mutate', '/validate'), { ca: stack.ca, body: '{}' })).status).toBe(404);
    });
  });

  describe('odd content is denied with a reason', () => {
    it.each([
      ['registry.io/UPPER/case:1', 'image registry.io/UPPER/case:1: invalid image reference (repository "UPPER/case" must be lowercase)'],
      ['nginx@sha256:123', 'image nginx@sha256:123: invalid image reference (a digest must be "sha256:" followed by 64 lowercase hex digits)'],
      [`nginx@sha512:${'a'.repeat(128)}`, `image nginx@sha512:${'a'.repeat(128)}: invalid image reference (only sha256 digests are supported, not sha512)`],
      ['bad_host.io/app:1', 'image bad_host.io/app:1: invalid image reference (invalid registry "bad_host.io")'],
      ['nginx:', 'image nginx:: invalid image reference (invalid tag "")'],
      ['', 'image : invalid image reference (empty reference)'],
      ['a'.repeat(300), `image ${'a'.repeat(300)}: invalid image reference (name longer than 255 characters)`],
    ])('image %p', async (image, message) => {
      const result = await stack.review(admissionReview({ images: ['nginx', image] }));
      expect(result.response).toMatchObject({ allowed: false, status: { message } });
    });

    it('a container without an image', async () => {
      const review = admissionReview({ images: ['nginx'] });
      (review.request.object.spec as { containers: unknown[] }).containers.push({ name: 'noimage' }, 42);
      const result = await stack.review(review);
      expect(result.response).toMatchObject({ allowed: false, status: { message: 'image : invalid image reference (empty reference)' } });
    });

    it('containers that are not a list', async () => {
      const review = admissionReview({ images: ['nginx'] });
      (review.request.object.spec as Record<string, unknown>).initContainers = { image: 'nginx' };
      const result = await stack.review(review);
      expect(result.response.status?.message).toBe('error decoding new workload object: spec.initContainers is not a list');
    });

    it('an object that is not an object', async () => {
      const review = admissionReview({ images: ['nginx'] });
      (review.request as Record<string, unknown>).object = 'pod';
      const result = await stack.review(review);
      expect(result.response.status?.message).toBe('error decoding new workload object: the object is not a JSON object');
    });

    it('an unknown kind', async () => {
      const result = await stack.review(admissionReview({ kind: 'Service', images: ['nginx'] }));
      expect(result.response.status?.message).toBe('error decoding new workload object: unknown workload kind "Service"');
    });

    it('an UPDATE whose old object cannot be decoded', async () => {
      const review = admissionReview({ operation: 'UPDATE', images: ['nginx'] });
      (review.request as Record<string, unknown>).oldObject = { spec: {} };
      const result = await stack.review(review);
      expect(result.response.status?.message).toBe('error decoding old workload object: no containers found in workload object');
    });

    it('answers a normal request afterwards', async () => {
      const result = await stack.review(admissionReview({ images: ['nginx'] }));
      expect(result.response.allowed).toBe(true);
      expect((await fetch(`${stack.stack.opsUrl('management')}/livez`)).status).toBe(200);
    });
  });

  describe('the kinds and their patch paths', () => {
    it.each([
      ['Pod', '/spec/containers/0/image', '/spec/initContainers/0/image'],
      ['Deployment', '/spec/template/spec/containers/0/image', '/spec/template/spec/initContainers/0/image'],
      ['StatefulSet', '/spec/template/spec/containers/0/image', '/spec/template/spec/initContainers/0/image'],
      ['CronJob', '/spec/jobTemplate/spec/template/spec/containers/0/image', '/spec/jobTemplate/spec/template/spec/initContainers/0/image'],
    ])('%s', async (kind, containerPath, initPath) => {
      const value = `signed.io/app:1@${ALICE_DIGEST}`;
      const result = await stack.review(admissionReview({ kind, images: ['signed.io/app:1'], initImages: ['signed.io/app:1'] }));
      expect(result.patch).toEqual([
        { op: 'replace', path: containerPath, value },
        { op: 'replace', path: initPath, value },
      ]);
    });

    it('validates an image used twice once', async () => {
      const before = validator.calls.length;
      await stack.review(admissionReview({ images: ['signed.io/twice:1', 'signed.io/twice:1'], ephemeralImages: ['signed.io/twice:1'] }));
      expect(validator.calls.length - before).toBe(1);
    });

    it('sends the rule options and the admission context to the validator', async () => {
      const uid = 'the-uid';
      await stack.review(admissionReview({ uid, namespace: 'team-a', images: ['signed.io/ctx:1'] }));
      expect(validator.calls.at(-1)).toMatchObject({
        image: { original: 'signed.io/ctx:1', registry: 'signed.io', repository: 'ctx', tag: '1', digest: '' },
        validatorName: 'ext',
        options: { trustRoot: 'default', verifyInTransparencyLog: true, verifySct: true },
        context: { requestUid: uid, namespace: 'team-a' },
      });
    });
  });

  describe('failing validators deny, naming the validator', () => {
    it('a validator that is not running', async () => {
      const result = await stack.review(admissionReview({ images: ['gone.io/app:1'] }));
      expect(result.response.allowed).toBe(false);
      expect(result.response.status?.message).toMatch(
        new RegExp(`^error during external validation of image gone\\.io/app:1: validator "gone" is unavailable \\(127\\.0\\.0\\.1:${deadPort}\\)`),
      );
    });

    it('a validator that errors', async () => {
      validator.setHandler(() => ({ error: { code: 9, details: 'unknown trust root "x"' } }));
      const result = await stack.review(admissionReview({ images: ['signed.io/err:1'] }));
      expect(result.response.status?.message).toBe(
        `error during external validation of image signed.io/err:1: validator "ext" (${validator.address}) failed with FAILED_PRECONDITION: unknown trust root "x"`,
      );
    });

    it('a validator slower than the admission deadline: the request times out, denied', async () => {
      validator.setHandler(() => new Promise(() => undefined));
      const started = Date.now();
      const result = await stack.review(admissionReview({ uid: 'slow', images: ['nginx', 'signed.io/slow:1'] }));
      expect(Date.now() - started).toBeLessThan(3_500);
      expect(result.response.allowed).toBe(false);
      expect(result.response.status?.message).toBe(
        'validation of admission request slow timed out after validating 1/2 images (waiting for image signed.io/slow:1 with validator "ext")',
      );
    });
  });
});
