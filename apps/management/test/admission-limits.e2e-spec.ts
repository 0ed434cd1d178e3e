import { request } from 'node:https';
import { validatorV1 } from '@connaisseur-mesh/contracts';
import { admissionReview, ALICE_DIGEST, HttpResult, readMetric, TestStack, TestValidator } from '@connaisseur-mesh/testing';
import { BODY_LIMIT, DRAIN_LIMIT } from '../src/admission/admission-intake';

const MAX_IN_FLIGHT = 4;
const TIMEOUT_SECONDS = 5;
const MiB = 1024 * 1024;

/** A Pod review whose object (and oldObject, on UPDATE) carries an annotation of `bytes` characters. */
function largeReview(bytes: number, options: Parameters<typeof admissionReview>[0] = {}) {
  const review = admissionReview({ images: ['nginx'], ...options });
  const annotate = (object: unknown) => {
    // Go's encoding/json writes <, > and & as \u003c, \u003e, \u0026: some of those, as the API server sends them.
    (object as { metadata: Record<string, unknown> }).metadata.annotations = { padding: `${'x'.repeat(bytes)}${'<&>'.repeat(10)}` };
  };
  annotate(review.request.object);
  if (review.request.oldObject) annotate(review.request.oldObject);
  return review;
}

const goJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');

/**
 * POSTs `parts`, written one after another (chunked, no Content-Length), as a client that streams
 * its body; `end: false` leaves the body unfinished.
 */
function streamBody(stack: TestStack, parts: Array<string | Buffer>, { end = true } = {}): Promise<HttpResult> {
  return new Promise<HttpResult>((resolve, reject) => {
    // A connection of its own (agent: false): a kept-alive one that the server has just closed would fail at once.
    const req = request(stack.webhookUrl, { method: 'POST', ca: stack.ca, agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    for (const part of parts) req.write(part);
    if (end) req.end();
  });
}

/**
 * The limits on what management reads (ARCHITECTURE.md "Admission flow" step 1): bodies nested too
 * deep, bodies over the size cap, admissions over the in-flight cap, bodies that never finish.
 * Every AdmissionReview whose uid can be read gets a decision (HTTP 200); the rest a 4xx.
 */
describe('management reads bodies within limits and answers every review', () => {
  const validator = new TestValidator(() => ({ verdict: validatorV1.Verdict.VERDICT_VERIFIED, digest: ALICE_DIGEST }));
  let stack: TestStack;

  beforeAll(async () => {
    await validator.start();
    stack = await TestStack.start({
      apps: ['management'],
      config: {
        validators: [
          { name: 'allow', type: 'static', approve: true },
          { name: 'slow', type: 'external', address: validator.address },
        ],
        policy: [
          { pattern: '*:*', validator: 'allow' },
          { pattern: 'slow.io/*', validator: 'slow' },
        ],
        admission: { timeoutSeconds: TIMEOUT_SECONDS, maxInFlight: MAX_IN_FLIGHT },
      },
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await validator.stop();
  });

  /** The log line of a refused request. */
  const refusalLogged = (uid: string) =>
    stack
      .log()
      .split('\n')
      .filter((line) => line.includes('admission request refused'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((entry) => entry.uid === uid);

  const answersNormally = async () => expect((await stack.review(admissionReview({ images: ['nginx'] }))).response.allowed).toBe(true);

  describe('nesting depth', () => {
    it.each([
      ['3 MiB of nested arrays', '['.repeat(3 * MiB)],
      ['nested objects', '{"a":'.repeat(101) + '1' + '}'.repeat(101)],
      // The scanner stops at level 101: what follows (which JSON.parse would reject differently) is never looked at.
      ['a nesting followed by garbage', '['.repeat(101) + 'garbage'.repeat(1000)],
    ])('%s → 400, and the next review is answered', async (_name, body) => {
      expect(await stack.post(body)).toMatchObject({ status: 400, text: 'received invalid json: nested deeper than 100 levels\n' });
      await answersNormally();
    });

    it('a review with a nesting deeper than 100 levels inside its object → 400', async () => {
      const review = admissionReview({ images: ['nginx'] });
      const text = JSON.stringify(review).replace('"spec":{', `"x":${'['.repeat(100)}${']'.repeat(100)},"spec":{`);
      expect(await stack.post(text)).toMatchObject({ status: 400, text: 'received invalid json: nested deeper than 100 levels\n' });
    });

    it('100 levels are read', async () => {
      const review = admissionReview({ images: ['nginx'] });
      // The review's own object is 4 levels down (the review, request, object, metadata): 96 more make 100.
      const text = JSON.stringify(review).replace('"metadata":{', `"metadata":{"x":${'['.repeat(96)}${']'.repeat(96)},`);
      expect(JSON.parse(text).request.object.metadata.x).toBeDefined();
      expect((await stack.review(text)).response.allowed).toBe(true);
    });
  });

  describe(`body size (cap ${BODY_LIMIT} bytes)`, () => {
    it('an UPDATE of two ~3 MiB Pods, as the API server encodes it, is decided', async () => {
      const review = largeReview(3 * MiB, { operation: 'UPDATE', uid: 'large-update' });
      const body = goJson(review);
      expect(body.length).toBeGreaterThan(6 * MiB);
      const result = await stack.review(body);
      expect(result.response).toMatchObject({ uid: 'large-update', allowed: true });
    });

    it('a body at the cap is decided', async () => {
      const review = largeReview(0, { uid: 'at-cap' });
      const body = JSON.stringify(review);
      const padded = body.replace('"padding":"', `"padding":"${'y'.repeat(BODY_LIMIT - Buffer.byteLength(body))}`);
      expect(Buffer.byteLength(padded)).toBe(BODY_LIMIT);
      expect((await stack.review(padded)).response).toMatchObject({ uid: 'at-cap', allowed: true });
    });

    it('over the cap with a uid (Content-Length): denied by its uid with code 413', async () => {
      const denied = await readMetric(stack.opsUrl, 'connaisseur_mesh_requests_denied_total', { timeout: 'false' });
      const result = await stack.review(JSON.stringify(largeReview(BODY_LIMIT, { uid: 'too-large' })));
      expect(result).toMatchObject({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' });
      expect(result.response).toEqual({
        uid: 'too-large',
        allowed: false,
        status: { code: 413, message: `admission request too-large denied: request body exceeds 16777216 bytes` },
      });
      expect(await readMetric(stack.opsUrl, 'connaisseur_mesh_requests_denied_total', { timeout: 'false' })).toBe(denied + 1);
      expect(refusalLogged('too-large')).toMatchObject({ code: 413, reason: 'request body exceeds 16777216 bytes' });
    });

    it('over the cap with a uid, streamed without a length: denied by its uid', async () => {
      const text = JSON.stringify(largeReview(0, { uid: 'streamed' }));
      const cut = text.indexOf('"padding":"') + '"padding":"'.length;
      const result = streamBody(stack, [text.slice(0, cut), ...Array.from({ length: 17 }, () => 'z'.repeat(MiB)), text.slice(cut)]);
      const answer = await result;
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.text).response).toMatchObject({ uid: 'streamed', allowed: false, status: { code: 413 } });
    });

    it('over the cap without a uid → 413', async () => {
      const body = JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', padding: 'x'.repeat(BODY_LIMIT) });
      expect(await stack.post(body)).toMatchObject({ status: 413, text: 'request body exceeds 16777216 bytes\n' });
    });

    it('a uid past the head (the first 64 KiB) is not looked for → 413', async () => {
      const review = largeReview(BODY_LIMIT);
      const body = JSON.stringify({ padding: 'x'.repeat(70 * 1024), ...review });
      expect(await stack.post(body)).toMatchObject({ status: 413 });
    });

    it(`past ${DRAIN_LIMIT} bytes the connection is closed`, async () => {
      const result = streamBody(stack, ['{"request":{"uid":"endless","x":"', ...Array.from({ length: DRAIN_LIMIT / MiB + 1 }, () => 'z'.repeat(MiB)), '"}}']);
      await expect(result).rejects.toMatchObject({ code: expect.stringMatching(/^(ECONNRESET|EPIPE)$/) });
      await answersNormally();
    });
  });

  describe(`admissions in flight (cap ${MAX_IN_FLIGHT})`, () => {
    it('over the cap: denied by its uid with code 429, counted and logged; answered again once below', async () => {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      validator.setHandler(async () => {
        await held;
        return { verdict: validatorV1.Verdict.VERDICT_VERIFIED, digest: ALICE_DIGEST };
      });
      const callsBefore = validator.calls.length;
      const slow = Array.from({ length: MAX_IN_FLIGHT }, (_, i) => stack.review(admissionReview({ images: [`slow.io/app:${i}`] })));
      while (validator.calls.length < callsBefore + MAX_IN_FLIGHT) await new Promise((r) => setTimeout(r, 20));

      const requests = await readMetric(stack.opsUrl, 'connaisseur_mesh_requests_total');
      const denied = await readMetric(stack.opsUrl, 'connaisseur_mesh_requests_denied_total', { timeout: 'false' });
      const over = await stack.review(admissionReview({ uid: 'one-too-many', images: ['nginx'] }));
      expect(over.response).toEqual({
        uid: 'one-too-many',
        allowed: false,
        status: { code: 429, message: `admission request one-too-many denied: management is at its limit of ${MAX_IN_FLIGHT} admissions in flight` },
      });
      expect(await stack.post('{"apiVersion":"admission.k8s.io/v1"}')).toMatchObject({
        status: 429,
        text: `management is at its limit of ${MAX_IN_FLIGHT} admissions in flight\n`,
      });
      expect(await readMetric(stack.opsUrl, 'connaisseur_mesh_requests_total')).toBe(requests + 2);
      expect(await readMetric(stack.opsUrl, 'connaisseur_mesh_requests_denied_total', { timeout: 'false' })).toBe(denied + 1);
      expect(refusalLogged('one-too-many')).toMatchObject({ code: 429 });

      release();
      for (const result of await Promise.all(slow)) expect(result.response.allowed).toBe(true);
      validator.setHandler(() => ({ verdict: validatorV1.Verdict.VERDICT_VERIFIED, digest: ALICE_DIGEST }));
      await answersNormally();
    });

    it('a body that never finishes is dropped after admission.timeoutSeconds, and frees its place', async () => {
      const open = Array.from({ length: MAX_IN_FLIGHT }, (_, i) => streamBody(stack, [`{"request":{"uid":"never-${i}",`], { end: false }));
      // Closed without an answer: the client sees the connection reset ("socket hang up").
      const closed = open.map((result) => result.then(() => 'answered', (e: NodeJS.ErrnoException) => e.code));
      // Once their heads have arrived, the unfinished bodies hold every place, until they are dropped.
      let dropped = false;
      const allClosed = Promise.all(closed).finally(() => (dropped = true));
      let answer;
      do answer = JSON.parse((await stack.post(admissionReview({ images: ['nginx'] }))).text);
      while (answer.response.allowed && !dropped);
      // One expectation for both, so that a failure shows how the unfinished bodies ended.
      expect({ code: answer.response.status?.code, closed: await allClosed }).toEqual({ code: 429, closed: open.map(() => 'ECONNRESET') });
      await answersNormally();
    });
  });
});
