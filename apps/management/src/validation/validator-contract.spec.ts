import { status } from '@grpc/grpc-js';
import { validatorV1 } from '@connaisseur-mesh/contracts';
import { ImageReference } from '@connaisseur-mesh/image-reference';
import { ALICE_DIGEST, TestAnswer, TestValidator } from '@connaisseur-mesh/testing';
import { ValidatorCallError, ValidatorClient } from '../validators/validator-client';
import { interpretResponse, MAX_VALIDATOR_TEXT } from './verdict';

const { Verdict } = validatorV1;
const OTHER = `sha256:${'b'.repeat(64)}`;

/**
 * The validator contract across a real gRPC hop (loopback): every verdict value, the digest rules
 * and every error code, as management reads them. Generated types and the runtime loader agree.
 */
describe('validator contract over gRPC', () => {
  const validator = new TestValidator();
  let client: ValidatorClient;

  beforeAll(async () => {
    await validator.start();
    client = new ValidatorClient(validator.address);
  });
  afterAll(async () => {
    client.close();
    await validator.stop();
  });

  const request = (original: string): validatorV1.ValidateImageRequest => {
    const image = ImageReference.parse(original);
    return {
      image: { original, registry: image.registry, repository: image.repository, tag: image.tag, digest: image.digest },
      validatorName: 'mock',
      options: {
        trustRoot: 'alice',
        threshold: 2,
        required: ['alice', 'bob'],
        delegations: [],
        verifyInTransparencyLog: false,
        verifySct: true,
        verificationLevel: 'strict',
        verifyTimestamp: 'always',
      },
      extraOptions: { policy: 'strict', nested: { list: [1, 'two', true] } },
      context: { requestUid: 'uid-1', namespace: 'default' },
    };
  };

  const call = async (answer: TestAnswer, original = 'registry.io/app:1') => {
    validator.setHandler(() => answer);
    const response = await client.validateImage(request(original), new Date(Date.now() + 5000));
    return interpretResponse(response, ImageReference.parse(original));
  };

  it('carries the request intact, enums as numbers and extra_options as a Struct', async () => {
    await call({ verdict: Verdict.VERDICT_VERIFIED, digest: ALICE_DIGEST });
    const received = validator.calls.at(-1)!;
    expect(received).toEqual(request('registry.io/app:1'));
  });

  it('VERIFIED with a digest admits with that digest', async () => {
    expect(await call({ verdict: Verdict.VERDICT_VERIFIED, digest: ALICE_DIGEST })).toEqual({ verified: true, digest: ALICE_DIGEST });
  });

  it('VERIFIED without a digest denies', async () => {
    expect(await call({ verdict: Verdict.VERDICT_VERIFIED })).toMatchObject({ verified: false, reason: expect.stringContaining('has invalid format') });
  });

  it('VERIFIED with a malformed digest denies', async () => {
    expect(await call({ verdict: Verdict.VERDICT_VERIFIED, digest: 'sha256:123' })).toEqual({
      verified: false,
      reason: 'validated image reference registry.io/app:1@sha256:123 has invalid format',
    });
  });

  it('VERIFIED with a digest other than the pinned one denies', async () => {
    expect(await call({ verdict: Verdict.VERDICT_VERIFIED, digest: OTHER }, `registry.io/app@${ALICE_DIGEST}`)).toEqual({
      verified: false,
      reason: `the validator verified digest ${OTHER}, but the image pins ${ALICE_DIGEST}`,
    });
    expect(await call({ verdict: Verdict.VERDICT_VERIFIED, digest: ALICE_DIGEST }, `registry.io/app@${ALICE_DIGEST}`)).toEqual({
      verified: true,
      digest: ALICE_DIGEST,
    });
  });

  it('REJECTED denies with the reason', async () => {
    expect(await call({ verdict: Verdict.VERDICT_REJECTED, reason: 'no signatures found' })).toEqual({ verified: false, reason: 'no signatures found' });
    expect(await call({ verdict: Verdict.VERDICT_REJECTED })).toEqual({ verified: false, reason: 'rejected without a reason' });
  });

  it("cuts a validator's long texts to MAX_VALIDATOR_TEXT characters (they end up in denials, alerts, logs and the cache)", async () => {
    const long = 'x'.repeat(100_000);
    expect(await call({ verdict: Verdict.VERDICT_REJECTED, reason: long })).toEqual({ verified: false, reason: `${'x'.repeat(MAX_VALIDATOR_TEXT)}…` });
    expect(await call({ verdict: Verdict.VERDICT_VERIFIED, digest: long })).toEqual({
      verified: false,
      reason: `validated image reference registry.io/app:1@${'x'.repeat(MAX_VALIDATOR_TEXT)}… has invalid format`,
    });
  });

  it('UNSPECIFIED denies, also with a digest', async () => {
    expect(await call({ verdict: Verdict.VERDICT_UNSPECIFIED, digest: ALICE_DIGEST })).toEqual({
      verified: false,
      reason: 'the validator returned no verdict (verdict 0)',
    });
  });

  it('an unknown verdict number from a newer validator denies', async () => {
    expect(await call({ verdict: 7 as validatorV1.Verdict, digest: ALICE_DIGEST })).toEqual({
      verified: false,
      reason: 'the validator returned no verdict (verdict 7)',
    });
  });

  it.each([status.FAILED_PRECONDITION, status.INVALID_ARGUMENT, status.UNIMPLEMENTED, status.PERMISSION_DENIED, status.INTERNAL])(
    'status %s is an error with its code',
    async (code) => {
      await expect(call({ error: { code, details: 'because' } })).rejects.toEqual(new ValidatorCallError(code, 'because'));
    },
  );

  it('UNAVAILABLE is retried, then surfaces', async () => {
    const before = validator.calls.length;
    await expect(call({ error: { code: status.UNAVAILABLE, details: 'registry down' } })).rejects.toMatchObject({ code: status.UNAVAILABLE });
    expect(validator.calls.length - before).toBe(3);
  });

  it('a validator slower than the deadline gives DEADLINE_EXCEEDED', async () => {
    validator.setHandler(() => new Promise((resolve) => setTimeout(() => resolve({ verdict: Verdict.VERDICT_VERIFIED, digest: ALICE_DIGEST }), 500)));
    await expect(client.validateImage(request('registry.io/app:1'), new Date(Date.now() + 100))).rejects.toMatchObject({
      code: status.DEADLINE_EXCEEDED,
    });
  });

  it('a validator that is not there gives UNAVAILABLE', async () => {
    const nowhere = new ValidatorClient('127.0.0.1:1');
    await expect(nowhere.validateImage(request('registry.io/app:1'), new Date(Date.now() + 2000))).rejects.toMatchObject({
      code: status.UNAVAILABLE,
    });
    expect(await nowhere.checkHealth(500)).toMatchObject({ ok: false });
    nowhere.close();
  });

  it('reports health through grpc.health.v1', async () => {
    expect(await client.checkHealth()).toEqual({ ok: true });
  });
});
