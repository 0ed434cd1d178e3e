import { createPrivateKey, generateKeyPairSync, KeyObject, sign } from 'node:crypto';
import { bundleToJSON } from '@sigstore/bundle';
import { DSSEBundleBuilder, MessageSignatureBundleBuilder } from '@sigstore/sign';
import { validatorV1 } from '@connaisseur-mesh/contracts';
import { callValidator, RegistryServer, RegistryWriter, TestStack, validateRequest } from '@connaisseur-mesh/testing';

const { Verdict } = validatorV1;
const BUNDLE_V03 = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const COSIGN_SIGN = 'https://sigstore.dev/cosign/sign/v1';

/**
 * Image signatures as cosign 3 attaches them: a Sigstore bundle (DSSE envelope with an in-toto
 * statement, predicate https://sigstore.dev/cosign/sign/v1) as an OCI 1.1 referrer. cosign 2.5 on
 * these machines cannot write them, so these bundles are made with @sigstore/sign: a
 * self-consistency check of our reading of the format, not a differential one against cosign.
 */
describe('validator-cosign with cosign 3 bundles (made with @sigstore/sign)', () => {
  let registry: RegistryServer;
  let writer: RegistryWriter;
  let stack: TestStack;
  const signer = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const digests: Record<string, string> = {};

  const keySigner = (key: { privateKey: KeyObject; publicKey: KeyObject }) => ({
    sign: async (data: Buffer) => ({
      signature: sign('sha256', data, createPrivateKey(key.privateKey.export({ type: 'pkcs8', format: 'pem' }))),
      key: { $case: 'publicKey' as const, publicKey: key.publicKey.export({ type: 'spki', format: 'pem' }).toString(), hint: 'test' },
    }),
  });

  const statement = (digest: string, predicateType = COSIGN_SIGN) =>
    Buffer.from(
      JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ digest: { sha256: digest.slice(7) } }], predicateType, predicate: {} }),
    );

  async function attachBundle(name: string, payload: Buffer, key = signer, predicateAnnotation = COSIGN_SIGN) {
    const bundle = await new DSSEBundleBuilder({ signer: keySigner(key), witnesses: [] }).create({ data: payload, type: 'application/vnd.in-toto+json' });
    await writer.attachReferrer(`demo/${name}`, digests[name], {
      artifactType: BUNDLE_V03,
      layerMediaType: BUNDLE_V03,
      content: Buffer.from(JSON.stringify(bundleToJSON(bundle))),
      annotations: { 'dev.sigstore.bundle.content': 'dsse-envelope', 'dev.sigstore.bundle.predicateType': predicateAnnotation },
    });
  }

  const verdict = async (name: string, options: Partial<validatorV1.RuleOptions> = {}) => {
    const result = await callValidator(
      `127.0.0.1:${stack.stack.ports.grpc['validator-cosign']}`,
      validateRequest('bundles', { registry: registry.host, repository: `demo/${name}`, tag: 'v1' }, { trustRoot: 'signer', verifyInTransparencyLog: false, ...options }),
    );
    if ('error' in result) throw new Error(`${result.error.code}: ${result.error.details}`);
    return result.response;
  };

  beforeAll(async () => {
    registry = await RegistryServer.start();
    writer = new RegistryWriter({ url: registry.url });
    for (const name of ['signed', 'attestation-only', 'about-other', 'other-key', 'message-signature']) {
      digests[name] = await writer.pushImage(`demo/${name}`, 'v1', `bundle image ${name}`);
    }
    await attachBundle('signed', statement(digests.signed));
    // A SLSA provenance attestation is an in-toto statement too, but not a signature.
    await attachBundle('attestation-only', statement(digests['attestation-only'], 'https://slsa.dev/provenance/v1'), signer, 'https://slsa.dev/provenance/v1');
    await attachBundle('about-other', statement(digests.signed));
    await attachBundle('other-key', statement(digests['other-key']), other);
    // A message-signature bundle is not what cosign 3 writes for images.
    const message = await new MessageSignatureBundleBuilder({ signer: keySigner(signer), witnesses: [] }).create({ data: Buffer.from('x') });
    await writer.attachReferrer('demo/message-signature', digests['message-signature'], {
      artifactType: BUNDLE_V03,
      layerMediaType: BUNDLE_V03,
      content: Buffer.from(JSON.stringify(bundleToJSON(message))),
    });

    const pem = (k: KeyObject) => k.export({ type: 'spki', format: 'pem' }).toString();
    stack = await TestStack.start({
      apps: ['validator-cosign'],
      config: { validators: [{ name: 'bundles', type: 'cosign', trustRoots: [{ name: 'signer', key: pem(signer.publicKey) }, { name: 'other', key: pem(other.publicKey) }] }] },
    });
  }, 60_000);

  afterAll(async () => {
    await stack?.stop();
    await registry?.stop();
  });

  it('verifies a cosign 3 image signature bundle attached as a referrer', async () => {
    expect(await verdict('signed')).toMatchObject({ verdict: Verdict.VERDICT_VERIFIED, digest: digests.signed });
  });

  it('rejects it for another trust root', async () => {
    expect(await verdict('signed', { trustRoot: 'other' })).toMatchObject({ verdict: Verdict.VERDICT_REJECTED, reason: expect.stringMatching(/^no matching signatures/) });
    expect(await verdict('other-key', { trustRoot: 'other' })).toMatchObject({ verdict: Verdict.VERDICT_VERIFIED });
  });

  it('never accepts an attestation as a signature', async () => {
    expect(await verdict('attestation-only')).toMatchObject({ verdict: Verdict.VERDICT_REJECTED, reason: 'no signatures found' });
  });

  it('rejects a statement about another image', async () => {
    const response = await verdict('about-other');
    expect(response).toMatchObject({ verdict: Verdict.VERDICT_REJECTED, reason: `no matching signatures: the statement is not about ${digests['about-other']}` });
  });

  it('rejects a message-signature bundle (not an image signature)', async () => {
    expect(await verdict('message-signature')).toMatchObject({
      verdict: Verdict.VERDICT_REJECTED,
      reason: 'no matching signatures: a cosign 3 image signature is a DSSE envelope',
    });
  });

  it('requires a transparency-log entry when verifyInTransparencyLog is on', async () => {
    expect(await verdict('signed', { verifyInTransparencyLog: true })).toMatchObject({
      verdict: Verdict.VERDICT_REJECTED,
      reason: 'no matching signatures: no transparency log entry in the bundle',
    });
  });
});
