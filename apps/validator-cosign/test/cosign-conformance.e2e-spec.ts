import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { parse } from 'yaml';
import { status } from '@grpc/grpc-js';
import { validatorV1 } from '@connaisseur-mesh/contracts';
import {
  callValidator,
  connaisseurCosignImages,
  describeConformance,
  makeTestCertificates,
  OCI_MANIFEST,
  pushConnaisseurCosignFixtures,
  readConformance,
  RegistryFront,
  RegistryServer,
  RegistryWriter,
  TestStack,
  validateRequest,
} from '@connaisseur-mesh/testing';

const { Verdict } = validatorV1;
const REPO = 'securesystemsengineering/testimage';
const NO_TLOG = { verifyInTransparencyLog: false };
/** Connaisseur's public test keys, named as its trust roots (cosign/<name>.key). */
const KEY_FILES = ['alice.key', 'bob.key', 'charlie.key', 'default.key'];
const keyRoot = (file: string) => ({ name: file.replace(/\.key$/, ''), key: readConformance('cosign', file) });
const spki = (pem: string) => createPublicKey(pem).export({ type: 'spki', format: 'der' });

/**
 * Connaisseur's cosign fixtures in a real registry, requested by tag as its own test does
 * (reference §6.3 and its test table): the image manifests (served by a front, since the registry
 * lacks their layers) resolve to the sha256 of the files' bytes; the alice/bob/charlie
 * multi-signatures are checked with `01_cosign.yaml` and with the `.key` files, the keyless
 * signature with its Rekor bundle, certificate and chain against `11_keyless.yaml` and against
 * Sigstore's public-good roots — then with each piece of trust material swapped or tampered with.
 */
describeConformance('validator-cosign on Connaisseur cosign fixtures', () => {
  let registry: RegistryServer;
  let front: RegistryFront;
  let stack: TestStack;
  const images = connaisseurCosignImages(REPO);
  const digest = (tag: string) => images.digests.get(tag)!;
  const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const otherCa = makeTestCertificates().ca;

  /** `reference` is a tag, or a digest (`sha256:…`). */
  const call = async (validator: string, reference: string, options: Partial<validatorV1.RuleOptions>, repository = REPO) => {
    const image = { registry: front.host, repository, ...(reference.startsWith('sha256:') ? { digest: reference } : { tag: reference }) };
    return callValidator(`127.0.0.1:${stack.stack.ports.grpc['validator-cosign']}`, validateRequest(validator, image, options));
  };
  const verdict = async (validator: string, reference: string, options: Partial<validatorV1.RuleOptions>, repository = REPO) => {
    const result = await call(validator, reference, options, repository);
    if ('error' in result) throw new Error(`${result.error.code}: ${result.error.details}`);
    return result.response;
  };

  beforeAll(async () => {
    registry = await RegistryServer.start();
    const writer = new RegistryWriter({ url: registry.url });
    await pushConnaisseurCosignFixtures(writer, REPO);
    front = await new RegistryFront({ backend: registry.url }).start();
    front.answers = images.answers;
    // The keyless signature with one byte of its signed entry timestamp changed.
    const sigTag = `${digest('keyless').replace(':', '-')}.sig`;
    const manifest = JSON.parse((await writer.getManifest(REPO, sigTag))!.toString('utf8'));
    const layer = manifest.layers[0];
    const bundle = JSON.parse(layer.annotations['dev.sigstore.cosign/bundle']);
    const set = Buffer.from(bundle.SignedEntryTimestamp, 'base64');
    set[set.length - 5] ^= 0x01;
    bundle.SignedEntryTimestamp = set.toString('base64');
    layer.annotations['dev.sigstore.cosign/bundle'] = JSON.stringify(bundle);
    for (const blob of [manifest.config.digest, layer.digest]) await writer.pushBlob('tampered/testimage', await writer.getBlob(REPO, blob));
    await writer.pushManifest('tampered/testimage', sigTag, Buffer.from(JSON.stringify(manifest)), OCI_MANIFEST);

    const multi = parse(readConformance('cosign', '01_cosign.yaml'));
    const keyless = parse(readConformance('cosign', '11_keyless.yaml'));
    const { host: _host, ...keylessPublicGood } = keyless;
    stack = await TestStack.start({
      apps: ['validator-cosign'],
      config: {
        validators: [
          { ...multi, name: 'multi' },
          { name: 'key-files', type: 'cosign', trustRoots: KEY_FILES.map(keyRoot) },
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
    await front?.stop();
    await registry?.stop();
  });

  it("the manifests are the images of Connaisseur's test table: their digests are the ones it expects", () => {
    expect(Object.fromEntries(images.digests)).toEqual({
      'co-unsigned': 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
      keyless: 'sha256:31dc72a13a0c34b40eb95419d2b2fd67320c856baf3b72da518023ee8d370aee',
      'multi-cosigned-alice': 'sha256:071bf7a986f1ca9cb2a1f0bc8392822a7777f90d58f2d2c6f271913e08de7c81',
      'multi-cosigned-alice-bob-charlie': 'sha256:bfec161fecb0a887df7cb85e4da327c65986ccda7060cf3cd92171c6c90d7533',
    });
  });

  describe('multi-signatures (01_cosign.yaml: alice, bob; tlog off)', () => {
    it('multi-cosigned-alice with trustRoot alice → its digest (071bf7a9…)', async () => {
      expect(await verdict('multi', 'multi-cosigned-alice', { ...NO_TLOG, trustRoot: 'alice' })).toMatchObject({
        verdict: Verdict.VERDICT_VERIFIED,
        digest: digest('multi-cosigned-alice'),
      });
    });

    it('the same by digest, without the image manifest', async () => {
      expect(await verdict('multi', digest('multi-cosigned-alice'), { ...NO_TLOG, trustRoot: 'alice' })).toMatchObject({
        verdict: Verdict.VERDICT_VERIFIED,
        digest: digest('multi-cosigned-alice'),
      });
    });

    it('trustRoot charlie (not configured) → FAILED_PRECONDITION (Connaisseur: error getting verifiers)', async () => {
      expect(await call('multi', 'multi-cosigned-alice', { ...NO_TLOG, trustRoot: 'charlie' })).toMatchObject({
        error: { code: status.FAILED_PRECONDITION, details: 'validator "multi" has no trust root "charlie"' },
      });
    });

    it('alice-bob-charlie with "*" and threshold 2 → its digest (bfec161f…)', async () => {
      expect(await verdict('multi', 'multi-cosigned-alice-bob-charlie', { ...NO_TLOG, trustRoot: '*', threshold: 2 })).toMatchObject({
        verdict: Verdict.VERDICT_VERIFIED,
        digest: digest('multi-cosigned-alice-bob-charlie'),
      });
    });

    it('alice-bob-charlie with "*" and threshold 3 → threshold not reached (2/3: charlie is not configured)', async () => {
      expect(await verdict('multi', 'multi-cosigned-alice-bob-charlie', { ...NO_TLOG, trustRoot: '*', threshold: 3 })).toMatchObject({
        reason: 'validation threshold not reached (2/3)',
      });
    });

    it.each([[['bob']], [['bob', 'alice']]])('multi-cosigned-alice with "*", required %j → missing [bob]', async (required) => {
      expect(await verdict('multi', 'multi-cosigned-alice', { ...NO_TLOG, trustRoot: '*', required })).toMatchObject({
        reason: 'missing required signatures from [bob]',
      });
    });

    it('co-unsigned (its manifest is "{}") with trustRoot alice → no signatures found', async () => {
      expect(await verdict('multi', 'co-unsigned', { ...NO_TLOG, trustRoot: 'alice' })).toMatchObject({ reason: 'no signatures found' });
    });

    it('co-unsigned with "*" → threshold not reached (0/2)', async () => {
      expect(await verdict('multi', 'co-unsigned', { ...NO_TLOG, trustRoot: '*' })).toMatchObject({ reason: 'validation threshold not reached (0/2)' });
    });

    it('co-nonexistent with "*" → the image does not exist', async () => {
      expect(await verdict('multi', 'co-nonexistent', { ...NO_TLOG, trustRoot: '*' })).toEqual({
        verdict: Verdict.VERDICT_REJECTED,
        digest: '',
        reason: `image ${front.host}/${REPO}:co-nonexistent does not exist`,
        details: [],
      });
    });

    it('with the transparency log required, signatures without a Rekor bundle do not count', async () => {
      expect(await verdict('multi', 'multi-cosigned-alice', { trustRoot: 'alice', verifyInTransparencyLog: true })).toMatchObject({
        verdict: Verdict.VERDICT_REJECTED,
        reason: 'no matching signatures: no transparency log entry (Rekor bundle)',
      });
    });
  });

  describe('the .key files as trust roots (alice, bob, charlie, default; tlog off)', () => {
    it("alice.key and bob.key are 01_cosign.yaml's alice and bob", () => {
      const multi = parse(readConformance('cosign', '01_cosign.yaml'));
      for (const root of multi.trustRoots) expect(spki(root.key)).toEqual(spki(readConformance('cosign', `${root.name}.key`)));
    });

    it('alice.key, bob.key and charlie.key verify the three signatures of alice-bob-charlie; default.key none', async () => {
      const response = await verdict('key-files', 'multi-cosigned-alice-bob-charlie', { ...NO_TLOG, trustRoot: '*' });
      expect(response).toMatchObject({ verdict: Verdict.VERDICT_REJECTED, reason: 'validation threshold not reached (3/4)' });
      expect(response.details.map((d) => [d.trustRoot, d.verified])).toEqual([
        ['alice', true],
        ['bob', true],
        ['charlie', true],
        ['default', false],
      ]);
    });

    it('alice-bob-charlie with "*" and threshold 3 → its digest, once charlie is configured', async () => {
      expect(await verdict('key-files', 'multi-cosigned-alice-bob-charlie', { ...NO_TLOG, trustRoot: '*', threshold: 3 })).toMatchObject({
        verdict: Verdict.VERDICT_VERIFIED,
        digest: digest('multi-cosigned-alice-bob-charlie'),
      });
    });

    it.each(['alice', 'bob', 'charlie'])('alice-bob-charlie with trustRoot %s → its digest', async (trustRoot) => {
      expect(await verdict('key-files', 'multi-cosigned-alice-bob-charlie', { ...NO_TLOG, trustRoot })).toMatchObject({
        verdict: Verdict.VERDICT_VERIFIED,
        digest: digest('multi-cosigned-alice-bob-charlie'),
      });
    });

    it('multi-cosigned-alice with trustRoot default → no matching signatures', async () => {
      expect(await verdict('key-files', 'multi-cosigned-alice', { ...NO_TLOG, trustRoot: 'default' })).toMatchObject({
        verdict: Verdict.VERDICT_REJECTED,
        reason: expect.stringMatching(/^no matching signatures: /),
      });
    });
  });

  describe('keyless (11_keyless.yaml: philipp-keyless, bob-keyless)', () => {
    it.each(['keyless', 'keyless-public-good'])('%s: philipp-keyless verifies (certificate chain, SCT, Rekor entry, identity)', async (validator) => {
      expect(await verdict(validator, 'keyless', { trustRoot: 'philipp-keyless' })).toMatchObject({
        verdict: Verdict.VERDICT_VERIFIED,
        digest: digest('keyless'),
      });
    });

    it('bob-keyless: none of the expected identities matched', async () => {
      expect(await verdict('keyless', 'keyless', { trustRoot: 'bob-keyless' })).toMatchObject({
        verdict: Verdict.VERDICT_REJECTED,
        reason: 'none of the expected identities matched',
      });
    });

    it('a tampered signed entry timestamp is rejected', async () => {
      const response = await verdict('keyless', digest('keyless'), { trustRoot: 'philipp-keyless' }, 'tampered/testimage');
      expect(response).toMatchObject({ verdict: Verdict.VERDICT_REJECTED, reason: expect.stringContaining('inclusion promise could not be verified') });
    });

    it.each([
      ['other-rekor', 'inclusion promise'],
      ['other-ct', 'SCT'],
      ['other-fulcio', 'certificate'],
    ])('%s: rejected', async (validator, reason) => {
      const response = await verdict(validator, 'keyless', { trustRoot: 'philipp-keyless' });
      expect(response.verdict).toBe(Verdict.VERDICT_REJECTED);
      expect(response.reason).toMatch(new RegExp(`^no matching signatures: .*${reason}`, 'i'));
    });

    it('without SCT verification another CT key no longer matters', async () => {
      expect(await verdict('other-ct', 'keyless', { trustRoot: 'philipp-keyless', verifySct: false })).toMatchObject({ verdict: Verdict.VERDICT_VERIFIED });
    });

    it('a key trust root does not accept the keyless signature', async () => {
      expect(await verdict('multi', 'keyless', { trustRoot: 'alice' })).toMatchObject({ verdict: Verdict.VERDICT_REJECTED });
    });
  });
});
