import { generateKeyPairSync } from 'node:crypto';
import { parse } from 'yaml';
import { status } from '@grpc/grpc-js';
import { validatorV1 } from '@connaisseur-mesh/contracts';
import {
  callValidator,
  CONNAISSEUR_COSIGN_DIGESTS as D,
  describeConformance,
  makeTestCertificates,
  OCI_MANIFEST,
  pushConnaisseurCosignFixtures,
  readConformance,
  RegistryServer,
  RegistryWriter,
  TestStack,
  validateRequest,
} from '@connaisseur-mesh/testing';

const { Verdict } = validatorV1;
const REPO = 'securesystemsengineering/testimage';

/**
 * Connaisseur's cosign fixtures in a real registry, verified by digest (reference §6.3 and its
 * test table): the alice/bob/charlie multi-signatures with `01_cosign.yaml`, and the keyless
 * signature with its Rekor bundle, certificate and chain, against `11_keyless.yaml` and against
 * Sigstore's public-good roots — then with each piece of trust material swapped or tampered with.
 */
describeConformance('validator-cosign on Connaisseur cosign fixtures', () => {
  let registry: RegistryServer;
  let stack: TestStack;
  const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const otherCa = makeTestCertificates().ca;

  const call = async (validator: string, digest: string, options: Partial<validatorV1.RuleOptions>, repository = REPO) =>
    callValidator(`127.0.0.1:${stack.stack.ports.grpc['validator-cosign']}`, validateRequest(validator, { registry: registry.host, repository, digest }, options));
  const verdict = async (validator: string, digest: string, options: Partial<validatorV1.RuleOptions>, repository = REPO) => {
    const result = await call(validator, digest, options, repository);
    if ('error' in result) throw new Error(`${result.error.code}: ${result.error.details}`);
    return result.response;
  };

  beforeAll(async () => {
    registry = await RegistryServer.start();
    const writer = new RegistryWriter({ url: registry.url });
    await pushConnaisseurCosignFixtures(writer, REPO);
    // The keyless signature with one byte of its signed entry timestamp changed.
    const original = (await writer.getManifest(REPO, `${D.keyless.replace(':', '-')}.sig`))!;
    const manifest = JSON.parse(original.toString('utf8'));
    const layer = manifest.layers[0];
    const bundle = JSON.parse(layer.annotations['dev.sigstore.cosign/bundle']);
    const set = Buffer.from(bundle.SignedEntryTimestamp, 'base64');
    set[set.length - 5] ^= 0x01;
    bundle.SignedEntryTimestamp = set.toString('base64');
    layer.annotations['dev.sigstore.cosign/bundle'] = JSON.stringify(bundle);
    for (const blob of [manifest.config.digest, layer.digest]) await writer.pushBlob('tampered/testimage', await writer.getBlob(REPO, blob));
    await writer.pushManifest('tampered/testimage', `${D.keyless.replace(':', '-')}.sig`, Buffer.from(JSON.stringify(manifest)), OCI_MANIFEST);

    const multi = parse(readConformance('cosign', '01_cosign.yaml'));
    const keyless = parse(readConformance('cosign', '11_keyless.yaml'));
    const { host: _host, ...keylessPublicGood } = keyless;
    stack = await TestStack.start({
      apps: ['validator-cosign'],
      config: {
        validators: [
          { ...multi, name: 'multi' },
          { ...keyless, name: 'keyless' },
          { ...keylessPublicGood, name: 'keyless-public-good' },
          { ...keyless, name: 'other-rekor', host: { ...keyless.host, rekorPubkey: otherKey } },
          { ...keyless, name: 'other-ct', host: { ...keyless.host, ctLogPubkey: otherKey } },
          { ...keyless, name: 'other-fulcio', host: { ...keyless.host, fulcioCert: otherCa } },
        ],
      },
    });
  }, 60_000);

  afterAll(async () => {
    await stack?.stop();
    await registry?.stop();
  });

  describe('multi-signatures (01_cosign.yaml: alice, bob; tlog off)', () => {
    const noTlog = { verifyInTransparencyLog: false };

    it('multi-cosigned-alice with trustRoot alice → 071bf7a9…', async () => {
      expect(await verdict('multi', D.multiCosignedAlice, { ...noTlog, trustRoot: 'alice' })).toMatchObject({
        verdict: Verdict.VERDICT_VERIFIED,
        digest: D.multiCosignedAlice,
      });
    });

    it('trustRoot charlie (not configured) → FAILED_PRECONDITION', async () => {
      expect(await call('multi', D.multiCosignedAlice, { ...noTlog, trustRoot: 'charlie' })).toMatchObject({
        error: { code: status.FAILED_PRECONDITION, details: 'validator "multi" has no trust root "charlie"' },
      });
    });

    it('alice-bob-charlie with "*" and threshold 2 → bfec161f…', async () => {
      expect(await verdict('multi', D.multiCosignedAliceBobCharlie, { ...noTlog, trustRoot: '*', threshold: 2 })).toMatchObject({
        verdict: Verdict.VERDICT_VERIFIED,
        digest: D.multiCosignedAliceBobCharlie,
      });
    });

    it('alice-bob-charlie with "*" and threshold 3 → threshold not reached (2/3: charlie is not configured)', async () => {
      expect(await verdict('multi', D.multiCosignedAliceBobCharlie, { ...noTlog, trustRoot: '*', threshold: 3 })).toMatchObject({
        reason: 'validation threshold not reached (2/3)',
      });
    });

    it.each([[['bob']], [['bob', 'alice']]])('multi-cosigned-alice with "*", required %j → missing [bob]', async (required) => {
      expect(await verdict('multi', D.multiCosignedAlice, { ...noTlog, trustRoot: '*', required })).toMatchObject({
        reason: 'missing required signatures from [bob]',
      });
    });

    it('co-unsigned with trustRoot alice → no signatures found', async () => {
      expect(await verdict('multi', D.coUnsigned, { ...noTlog, trustRoot: 'alice' })).toMatchObject({ reason: 'no signatures found' });
    });

    it('co-unsigned with "*" → threshold not reached (0/2)', async () => {
      expect(await verdict('multi', D.coUnsigned, { ...noTlog, trustRoot: '*' })).toMatchObject({ reason: 'validation threshold not reached (0/2)' });
    });

    it('with the transparency log required, signatures without a Rekor bundle do not count', async () => {
      expect(await verdict('multi', D.multiCosignedAlice, { trustRoot: 'alice', verifyInTransparencyLog: true })).toMatchObject({
        verdict: Verdict.VERDICT_REJECTED,
        reason: 'no matching signatures: no transparency log entry (Rekor bundle)',
      });
    });
  });

  describe('keyless (11_keyless.yaml: philipp-keyless, bob-keyless)', () => {
    it.each(['keyless', 'keyless-public-good'])('%s: philipp-keyless verifies (certificate chain, SCT, Rekor entry, identity)', async (validator) => {
      expect(await verdict(validator, D.keyless, { trustRoot: 'philipp-keyless' })).toMatchObject({ verdict: Verdict.VERDICT_VERIFIED, digest: D.keyless });
    });

    it('bob-keyless: none of the expected identities matched', async () => {
      expect(await verdict('keyless', D.keyless, { trustRoot: 'bob-keyless' })).toMatchObject({
        verdict: Verdict.VERDICT_REJECTED,
        reason: 'none of the expected identities matched',
      });
    });

    it('a tampered signed entry timestamp is rejected', async () => {
      const response = await verdict('keyless', D.keyless, { trustRoot: 'philipp-keyless' }, 'tampered/testimage');
      expect(response).toMatchObject({ verdict: Verdict.VERDICT_REJECTED, reason: expect.stringContaining('inclusion promise could not be verified') });
    });

    it.each([
      ['other-rekor', 'inclusion promise'],
      ['other-ct', 'SCT'],
      ['other-fulcio', 'certificate'],
    ])('%s: rejected', async (validator, reason) => {
      const response = await verdict(validator, D.keyless, { trustRoot: 'philipp-keyless' });
      expect(response.verdict).toBe(Verdict.VERDICT_REJECTED);
      expect(response.reason).toMatch(new RegExp(`^no matching signatures: .*${reason}`, 'i'));
    });

    it('without SCT verification another CT key no longer matters', async () => {
      expect(await verdict('other-ct', D.keyless, { trustRoot: 'philipp-keyless', verifySct: false })).toMatchObject({ verdict: Verdict.VERDICT_VERIFIED });
    });

    it('a key trust root does not accept the keyless signature', async () => {
      expect(await verdict('multi', D.keyless, { trustRoot: 'alice' })).toMatchObject({ verdict: Verdict.VERDICT_REJECTED });
    });
  });
});
