import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { validatorV1 } from '@connaisseur-mesh/contracts';
import {
  admissionReview,
  callValidator,
  cosign,
  cosignSignatureConfig,
  makeTestCertificates,
  OCI_INDEX,
  OCI_MANIFEST,
  referrersAnswers,
  RegistryFront,
  RegistryServer,
  RegistryWriter,
  freePort,
  TestCertificates,
  sha256Digest,
  TestStack,
  validateRequest,
} from '@connaisseur-mesh/testing';

const { Verdict } = validatorV1;
const COSIGN_SIG = 'application/vnd.dev.cosign.artifact.sig.v1+json';
const SIMPLE_SIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';
const USER = { username: 'testuser', password: 'testpass' };

/**
 * validator-cosign against a real registry (distribution 2.8) and signatures made by the real
 * cosign CLI: over gRPC, through management end to end, and compared with `cosign verify`.
 */
describe('validator-cosign with a real registry and the cosign CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cm-cosign-'));
  let registry: RegistryServer;
  let writer: RegistryWriter;
  let stack: TestStack;
  let keys: Record<'alice' | 'bob' | 'charlie' | 'ed' | 'rsa', { key: string; pub: string }>;
  /** Images by name: registry host, repository, tag and digest. */
  const images: Record<string, { repository: string; tag: string; digest: string }> = {};
  let authRegistry: RegistryServer;
  let tlsRegistry: RegistryServer;
  let tls: TestCertificates;
  let front: RegistryFront;
  let tokenFront: RegistryFront;
  /** A port where no registry listens. */
  let downPort: number;

  const address = () => `127.0.0.1:${stack.stack.ports.grpc['validator-cosign']}`;
  const ref = (name: string, registryHost = registry.host) => `${registryHost}/${images[name].repository}:${images[name].tag}`;
  const request = (name: string, options: Partial<validatorV1.RuleOptions> = {}, by: 'tag' | 'digest' = 'tag', validator = 'cosign', host = registry.host) =>
    validateRequest(
      validator,
      { registry: host, repository: images[name].repository, ...(by === 'tag' ? { tag: images[name].tag } : { digest: images[name].digest }) },
      { verifyInTransparencyLog: false, trustRoot: 'alice', ...options },
    );
  const verdict = async (name: string, options: Partial<validatorV1.RuleOptions> = {}, by: 'tag' | 'digest' = 'tag') => {
    const result = await callValidator(address(), request(name, options, by));
    if ('error' in result) throw new Error(`unexpected error ${result.error.code}: ${result.error.details}`);
    return result.response;
  };

  async function pushAndSign(name: string, signers: Array<keyof typeof keys>, options: { referrers?: boolean; repository?: string } = {}) {
    const repository = options.repository ?? `demo/${name}`;
    const digest = await writer.pushImage(repository, 'v1', `image ${name}`);
    images[name] = { repository, tag: 'v1', digest };
    for (const signer of signers) await cosign.sign(`${registry.host}/${repository}@${digest}`, keys[signer].key, { referrers: options.referrers });
  }

  /** A cosign .sig manifest written by hand: for RSA keys, which cosign 2.5 cannot import. */
  async function signWithOpenssl(name: string, privatePem: string) {
    const { repository, digest } = images[name];
    const payload = Buffer.from(
      JSON.stringify({
        critical: { identity: { 'docker-reference': `${registry.host}/${repository}` }, image: { 'docker-manifest-digest': digest }, type: 'cosign container image signature' },
        optional: null,
      }),
    );
    writeFileSync(join(dir, 'payload.json'), payload);
    const signature = execFileSync('openssl', ['dgst', '-sha256', '-sign', privatePem, join(dir, 'payload.json')]).toString('base64');
    const payloadDigest = await writer.pushBlob(repository, payload);
    const config = cosignSignatureConfig([payloadDigest]);
    const configDigest = await writer.pushBlob(repository, config);
    const manifest = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: config.length, digest: configDigest },
      layers: [
        {
          mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
          size: payload.length,
          digest: payloadDigest,
          annotations: { 'dev.cosignproject.cosign/signature': signature },
        },
      ],
    };
    await writer.pushManifest(repository, `${digest.replace(':', '-')}.sig`, Buffer.from(JSON.stringify(manifest)));
  }

  beforeAll(async () => {
    mkdirSync(join(dir, 'keys'));
    const k = join(dir, 'keys');
    execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', join(k, 'ed.pem')]);
    // RSA key generation prints its progress to stderr: kept out of the test output.
    execFileSync('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', join(k, 'rsa.pem')], { stdio: 'pipe' });
    execFileSync('openssl', ['pkey', '-in', join(k, 'rsa.pem'), '-pubout', '-out', join(k, 'rsa.pub')]);
    keys = {
      alice: await cosign.generateKeyPair(k, 'alice'),
      bob: await cosign.generateKeyPair(k, 'bob'),
      charlie: await cosign.generateKeyPair(k, 'charlie'),
      ed: await cosign.importKeyPair(k, 'ed', join(k, 'ed.pem')),
      rsa: { key: join(k, 'rsa.pem'), pub: join(k, 'rsa.pub') },
    };

    registry = await RegistryServer.start();
    writer = new RegistryWriter({ url: registry.url });
    await pushAndSign('signed', ['alice']);
    await pushAndSign('unsigned', []);
    await pushAndSign('bob-signed', ['bob']);
    await pushAndSign('ed25519', ['ed']);
    await pushAndSign('rsa', []);
    await signWithOpenssl('rsa', keys.rsa.key);
    await pushAndSign('alice-bob', ['alice', 'bob']);
    await pushAndSign('alice-twice', ['alice', 'alice']);
    await pushAndSign('referrer', ['alice'], { referrers: true });
    // A signature of another image copied under this image's .sig tag: its payload names the other digest.
    await pushAndSign('other-payload', []);
    await writer.copySignature(images.signed.repository, images.signed.digest, images['other-payload'].repository, images['other-payload'].digest);
    // The signed image and its signature mirrored into another repository (same digest).
    images.mirrored = { repository: 'mirror/signed', tag: 'v1', digest: await writer.pushImage('mirror/signed', 'v1', 'image signed') };
    await writer.copySignature(images.signed.repository, images.signed.digest, 'mirror/signed');
    // A multi-arch index, signed by its own digest.
    images.index = { repository: 'demo/index', tag: 'v1', digest: await writer.pushIndex('demo/index', 'v1', 'multi-arch') };
    await cosign.sign(`${registry.host}/demo/index@${images.index.digest}`, keys.alice.key);

    // A registry with Basic auth and one with TLS and a private CA, each with a signed image.
    authRegistry = await RegistryServer.start({ basicAuth: USER });
    const authWriter = new RegistryWriter({ url: authRegistry.url, basicAuth: USER });
    images.auth = { repository: 'private/app', tag: 'v1', digest: await authWriter.pushImage('private/app', 'v1', 'private image') };
    await cosign.sign(`${authRegistry.host}/private/app@${images.auth.digest}`, keys.alice.key, { basicAuth: USER });
    tls = makeTestCertificates();
    tlsRegistry = await RegistryServer.start({ tls });
    const tlsWriter = new RegistryWriter({ url: tlsRegistry.url, ca: tls.ca });
    images.tls = { repository: 'secure/app', tag: 'v1', digest: await tlsWriter.pushImage('secure/app', 'v1', 'tls image') };
    await cosign.sign(`${tlsRegistry.host}/secure/app@${images.tls.digest}`, keys.alice.key, { caFile: tls.caFile });

    // A front with Basic auth that sends blob downloads to another origin.
    front = await new RegistryFront({ backend: registry.url, basicAuth: USER, redirectBlobs: true }).start();
    // A front that wants Bearer tokens from its token endpoint (as Docker Hub, GHCR and most registries do).
    tokenFront = await new RegistryFront({ backend: registry.url, bearerAuth: USER }).start();

    mkdirSync(join(dir, 'secrets', 'registry-auth'), { recursive: true });
    writeFileSync(join(dir, 'secrets', 'registry-auth', 'secret.yaml'), `username: ${USER.username}\npassword: ${USER.password}\nregistry: ${authRegistry.host}\n`);
    mkdirSync(join(dir, 'secrets', 'front-auth'), { recursive: true });
    writeFileSync(
      join(dir, 'secrets', 'front-auth', '.dockerconfigjson'),
      JSON.stringify({
        auths: {
          [`http://${front.host}`]: { auth: Buffer.from(`${USER.username}:${USER.password}`).toString('base64') },
          [tokenFront.host]: { username: USER.username, password: USER.password },
        },
      }),
    );

    downPort = await freePort();
    const root = (name: keyof typeof keys) => ({ name, key: readFileSync(keys[name].pub, 'utf8') });
    const roots = [root('alice'), root('bob'), root('charlie'), root('ed'), root('rsa')];
    stack = await TestStack.start({
      apps: ['validator-cosign', 'management'],
      appEnv: { 'validator-cosign': { SECRETS_DIR: join(dir, 'secrets') } },
      config: {
        validators: [
          { name: 'allow', type: 'static', approve: true },
          { name: 'cosign', type: 'cosign', trustRoots: roots },
          { name: 'cosign-auth', type: 'cosign', trustRoots: [root('alice')], auth: { secretName: 'registry-auth' } },
          { name: 'cosign-front', type: 'cosign', trustRoots: [root('alice')], auth: { secretName: 'front-auth' } },
          { name: 'cosign-tls', type: 'cosign', trustRoots: [root('alice')], cert: tls.ca },
          { name: 'cosign-plain', type: 'cosign', trustRoots: [root('alice')] },
        ],
        policy: [
          { pattern: '*:*', validator: 'allow' },
          { pattern: `${registry.host}/demo/*`, validator: 'cosign', with: { trustRoot: 'alice', verifyInTransparencyLog: false } },
          { pattern: `${registry.host}/demo/alice-bob*`, validator: 'cosign', with: { trustRoot: '*', threshold: 2, verifyInTransparencyLog: false } },
          { pattern: `${registry.host}/demo/tlog-required*`, validator: 'cosign', with: { trustRoot: 'alice' } },
          { pattern: `${registry.host}/demo/insecure*`, validator: 'cosign', with: { trustRoot: 'alice', verifyInTransparencyLog: false, mode: 'insecureValidateOnly' } },
          { pattern: `${authRegistry.host}/*`, validator: 'cosign-auth', with: { trustRoot: 'alice', verifyInTransparencyLog: false } },
          { pattern: `${tlsRegistry.host}/*`, validator: 'cosign-tls', with: { trustRoot: 'alice', verifyInTransparencyLog: false } },
          { pattern: `127.0.0.1:${downPort}/*`, validator: 'cosign', with: { trustRoot: 'alice', verifyInTransparencyLog: false } },
        ],
        features: { automaticChildApproval: false },
      },
    });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await front?.stop();
    await tokenFront?.stop();
    await Promise.all([registry?.stop(), authRegistry?.stop(), tlsRegistry?.stop()]);
  });

  describe('key-based signatures over gRPC', () => {
    it('verifies a signed image by tag and returns its digest', async () => {
      expect(await verdict('signed')).toMatchObject({ verdict: Verdict.VERDICT_VERIFIED, digest: images.signed.digest });
    });

    it('verifies it by digest', async () => {
      expect(await verdict('signed', {}, 'digest')).toMatchObject({ verdict: Verdict.VERDICT_VERIFIED, digest: images.signed.digest });
    });

    it('rejects an unsigned image: "no signatures found"', async () => {
      expect(await verdict('unsigned')).toMatchObject({ verdict: Verdict.VERDICT_REJECTED, reason: 'no signatures found' });
    });

    it('rejects a signature by another key: "no matching signatures"', async () => {
      const response = await verdict('bob-signed');
      expect(response.verdict).toBe(Verdict.VERDICT_REJECTED);
      expect(response.reason).toMatch(/^no matching signatures: /);
      expect(response.details).toEqual([{ trustRoot: 'alice', verified: false, reason: expect.stringContaining('signature') }]);
    });

    it('verifies Ed25519 and RSA keys', async () => {
      expect(await verdict('ed25519', { trustRoot: 'ed' })).toMatchObject({ verdict: Verdict.VERDICT_VERIFIED });
      expect(await verdict('rsa', { trustRoot: 'rsa' })).toMatchObject({ verdict: Verdict.VERDICT_VERIFIED, digest: images.rsa.digest });
      expect(await verdict('rsa', { trustRoot: 'alice' })).toMatchObject({ verdict: Verdict.VERDICT_REJECTED });
    });

    it('rejects a signature whose payload names another digest', async () => {
      const response = await verdict('other-payload');
      expect(response.verdict).toBe(Verdict.VERDICT_REJECTED);
      expect(response.reason).toBe(`no matching signatures: the payload signs ${images.signed.digest}, not ${images['other-payload'].digest}`);
    });

    it('verifies an image mirrored with its signature (docker-reference is not compared)', async () => {
      expect(await verdict('mirrored')).toMatchObject({ verdict: Verdict.VERDICT_VERIFIED, digest: images.signed.digest });
    });

    it('verifies a multi-arch index by the index digest', async () => {
      expect(await verdict('index')).toMatchObject({ verdict: Verdict.VERDICT_VERIFIED, digest: images.index.digest });
    });

    it('finds a signature written as an OCI 1.1 referrer (referrers tag schema on distribution 2.8)', async () => {
      expect(await writer.getManifest(images.referrer.repository, `${images.referrer.digest.replace(':', '-')}.sig`)).toBeUndefined();
      expect(await verdict('referrer')).toMatchObject({ verdict: Verdict.VERDICT_VERIFIED, digest: images.referrer.digest });
    });

    it('finds it through the referrers API where the registry has one', async () => {
      const withApi = await new RegistryFront({ backend: registry.url, referrersApi: true }).start();
      try {
        const result = await callValidator(address(), request('referrer', {}, 'tag', 'cosign', withApi.host));
        expect(result).toMatchObject({ response: { verdict: Verdict.VERDICT_VERIFIED, digest: images.referrer.digest } });
        expect(withApi.referrersRequests).toBeGreaterThan(0);
      } finally {
        await withApi.stop();
      }
    });

    it('rejects an image that does not exist', async () => {
      const result = await callValidator(address(), validateRequest('cosign', { registry: registry.host, repository: 'demo/nothing', tag: 'v1' }, { trustRoot: 'alice' }));
      expect(result).toEqual({ response: expect.objectContaining({ verdict: Verdict.VERDICT_REJECTED, reason: `image ${registry.host}/demo/nothing:v1 does not exist` }) });
    });

    it('requires a transparency-log entry by default (verifyInTransparencyLog)', async () => {
      const response = await verdict('signed', { verifyInTransparencyLog: true });
      expect(response).toMatchObject({ verdict: Verdict.VERDICT_REJECTED, reason: 'no matching signatures: no transparency log entry (Rekor bundle)' });
    });
  });

  describe('several trust roots', () => {
    it('threshold counts distinct trust roots', async () => {
      expect(await verdict('alice-bob', { trustRoot: '*', threshold: 2 })).toMatchObject({ verdict: Verdict.VERDICT_VERIFIED });
      expect(await verdict('alice-bob', { trustRoot: '*', threshold: 3 })).toMatchObject({ reason: 'validation threshold not reached (2/3)' });
      // Two signatures by one key are one trust root (Connaisseur counted 2).
      expect(await verdict('alice-twice', { trustRoot: '*', threshold: 2 })).toMatchObject({ reason: 'validation threshold not reached (1/2)' });
    });

    it('without a threshold, "*" needs every trust root', async () => {
      expect(await verdict('alice-bob', { trustRoot: '*' })).toMatchObject({ reason: 'validation threshold not reached (2/5)' });
    });

    it('required names the trust roots that must have signed', async () => {
      expect(await verdict('alice-bob', { trustRoot: '*', required: ['alice', 'bob'] })).toMatchObject({ verdict: Verdict.VERDICT_VERIFIED });
      expect(await verdict('alice-bob', { trustRoot: '*', required: ['alice', 'charlie'] })).toMatchObject({
        reason: 'missing required signatures from [charlie]',
      });
      expect(await verdict('signed', { trustRoot: '*', required: ['bob', 'charlie'] })).toMatchObject({
        reason: 'missing required signatures from [bob, charlie]',
      });
    });

    it('reports each trust root in details', async () => {
      const response = await verdict('alice-bob', { trustRoot: '*', threshold: 2 });
      expect(response.details.map((d) => [d.trustRoot, d.verified])).toEqual([
        ['alice', true],
        ['bob', true],
        ['charlie', false],
        ['ed', false],
        ['rsa', false],
      ]);
    });

    it('an unknown validator or trust root is FAILED_PRECONDITION', async () => {
      expect(await callValidator(address(), request('signed', { trustRoot: 'mallory' }))).toMatchObject({ error: { code: status.FAILED_PRECONDITION } });
      expect(await callValidator(address(), request('signed', {}, 'tag', 'nope'))).toMatchObject({ error: { code: status.FAILED_PRECONDITION } });
    });

    it('a request without an image is INVALID_ARGUMENT', async () => {
      expect(await callValidator(address(), { validatorName: 'cosign' })).toMatchObject({ error: { code: status.INVALID_ARGUMENT } });
    });
  });

  describe('registry access', () => {
    it('uses Basic credentials from the validator secret', async () => {
      const result = await callValidator(address(), request('auth', {}, 'tag', 'cosign-auth', authRegistry.host));
      expect(result).toMatchObject({ response: { verdict: Verdict.VERDICT_VERIFIED, digest: images.auth.digest } });
    });

    it('without credentials the registry refuses: FAILED_PRECONDITION', async () => {
      const result = await callValidator(address(), request('auth', {}, 'tag', 'cosign-plain', authRegistry.host));
      expect(result).toMatchObject({ error: { code: status.FAILED_PRECONDITION, details: expect.stringContaining('needs credentials') } });
    });

    it('trusts a private CA given as the validator cert', async () => {
      const result = await callValidator(address(), request('tls', {}, 'tag', 'cosign-tls', tlsRegistry.host));
      expect(result).toMatchObject({ response: { verdict: Verdict.VERDICT_VERIFIED, digest: images.tls.digest } });
    });

    it('without that CA the TLS registry is not trusted: UNAVAILABLE', async () => {
      const result = await callValidator(address(), request('tls', {}, 'tag', 'cosign-plain', tlsRegistry.host));
      expect(result).toMatchObject({ error: { code: status.UNAVAILABLE } });
    });

    it('follows blob redirects to another origin without the credentials', async () => {
      const before = front.blobOriginRequests;
      const result = await callValidator(address(), request('signed', {}, 'tag', 'cosign-front', front.host));
      expect(result).toMatchObject({ response: { verdict: Verdict.VERDICT_VERIFIED, digest: images.signed.digest } });
      expect(front.blobOriginRequests).toBeGreaterThan(before);
      expect(front.blobOriginAuthorizations).toEqual([]);
    });

    it('gets a Bearer token from the realm the registry names, and reuses it', async () => {
      const first = await callValidator(address(), request('signed', {}, 'tag', 'cosign-front', tokenFront.host));
      expect(first).toMatchObject({ response: { verdict: Verdict.VERDICT_VERIFIED, digest: images.signed.digest } });
      const issued = tokenFront.tokensIssued;
      expect(issued).toBe(1);
      await callValidator(address(), request('signed', {}, 'digest', 'cosign-front', tokenFront.host));
      expect(tokenFront.tokensIssued).toBe(issued);
    });

    it('a token realm that refuses the credentials is FAILED_PRECONDITION', async () => {
      const result = await callValidator(address(), request('signed', {}, 'tag', 'cosign-plain', tokenFront.host));
      expect(result).toMatchObject({ error: { code: status.FAILED_PRECONDITION, details: expect.stringContaining('refused anonymous access') } });
    });

    it.each([
      ['wrong-manifest-bytes', /the registry sent other bytes|does not match the bytes/],
      ['wrong-blob-bytes', /no matching signatures: .*does not match its digest/],
      // Larger than the layer's descriptor says: refused at its size.
      ['longer-blob', /no matching signatures: .*is larger than \d+ bytes/],
      ['endless-blob', /larger than/],
    ] as const)('a hostile registry (%s) gets a rejection, not a crash', async (hostile, reason) => {
      const evil = await new RegistryFront({ backend: registry.url, hostile }).start();
      try {
        const result = await callValidator(address(), request('signed', {}, 'digest', 'cosign', evil.host));
        expect(result).toMatchObject({ response: { verdict: Verdict.VERDICT_REJECTED, reason: expect.stringMatching(reason) } });
      } finally {
        await evil.stop();
      }
    });

    it('a registry that is down is UNAVAILABLE', async () => {
      const down = await RegistryServer.start();
      const host = down.host;
      await down.stop();
      const result = await callValidator(address(), request('signed', {}, 'tag', 'cosign', host));
      expect(result).toMatchObject({ error: { code: status.UNAVAILABLE } });
    });
  });

  describe('what a hostile registry can make one validation cost', () => {
    let hostile: RegistryFront;
    const verdictVia = async (name: string) => {
      const result = await callValidator(address(), request(name, {}, 'digest', 'cosign', hostile.host));
      if ('error' in result) throw new Error(`unexpected error ${result.error.code}: ${result.error.details}`);
      return result.response;
    };
    const manifestGets = (repository: string) => hostile.requests.filter((path) => path.startsWith(`/v2/${repository}/manifests/sha256:`));

    beforeAll(async () => {
      hostile = await new RegistryFront({ backend: registry.url }).start();
      // Signed with a .sig tag, and a referrers index listing 5000 cosign signatures, each a
      // manifest that exists but is about another image.
      await pushAndSign('flooded', ['alice']);
      const empty = Buffer.from('{}');
      const flood = Array.from({ length: 5000 }, (_, n) => ({
        artifactType: COSIGN_SIG,
        manifest: {
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          artifactType: COSIGN_SIG,
          config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256Digest(empty), size: empty.length },
          layers: [],
          subject: { mediaType: OCI_MANIFEST, digest: images.signed.digest, size: 500 },
          annotations: { n: String(n) },
        },
      }));
      // The cosign referrer of demo/referrer among 300 SBOMs that the index types as such (none exists).
      const tagSchemaIndex = JSON.parse((await writer.getManifest(images.referrer.repository, images.referrer.digest.replace(':', '-')))!.toString('utf8'));
      const signature = tagSchemaIndex.manifests.find((m: { artifactType?: string }) => m.artifactType === COSIGN_SIG);
      const sboms = Array.from({ length: 300 }, (_, n) => ({ artifactType: 'application/spdx+json', manifest: { sbom: n }, missing: true }));
      const real = { artifactType: COSIGN_SIG, manifest: JSON.parse((await writer.getManifest(images.referrer.repository, signature.digest))!.toString('utf8')) };
      hostile.answers = new Map([
        ...referrersAnswers(images.flooded.repository, images.flooded.digest, flood),
        ...referrersAnswers(images.referrer.repository, images.referrer.digest, [...sboms.slice(0, 150), real, ...sboms.slice(150)]),
      ]);
      // A .sig manifest with 24 simple-signing layers of 768 KiB each (18 MiB).
      await pushAndSign('heavy', []);
      const layers = [];
      for (let n = 0; n < 24; n++) {
        const payload = randomBytes(768 << 10);
        layers.push({ mediaType: SIMPLE_SIGNING, size: payload.length, digest: await writer.pushBlob(images.heavy.repository, payload), annotations: { 'dev.cosignproject.cosign/signature': 'AAAA' } });
      }
      const config = await writer.pushBlob(images.heavy.repository, empty);
      const sig = { schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: empty.length, digest: config }, layers };
      await writer.pushManifest(images.heavy.repository, `${images.heavy.digest.replace(':', '-')}.sig`, Buffer.from(JSON.stringify(sig)));
      // A referrers index of 3 MiB of nested arrays (JSON.parse would hold the validator for about 0.6 s).
      await pushAndSign('deep', ['alice']);
      hostile.answers.set(`/v2/${images.deep.repository}/referrers/${images.deep.digest}`, { contentType: OCI_INDEX, body: Buffer.from('['.repeat(3 << 20)) });
    }, 60_000);
    afterAll(() => hostile?.stop());

    it('thousands of signature referrers about another image: rejected after 32 manifest GETs', async () => {
      hostile.requests.length = 0;
      expect(await verdictVia('flooded')).toMatchObject({
        verdict: Verdict.VERDICT_REJECTED,
        reason: `more than 32 signature referrers on ${images.flooded.repository}@${images.flooded.digest}; not examining more`,
      });
      expect(manifestGets(images.flooded.repository).length).toBeLessThanOrEqual(32);
      expect(manifestGets(images.flooded.repository).length).toBeGreaterThan(0);
    });

    it('referrers the index types as something else are skipped without a GET, and do not count', async () => {
      hostile.requests.length = 0;
      expect(await verdictVia('referrer')).toMatchObject({ verdict: Verdict.VERDICT_VERIFIED, digest: images.referrer.digest });
      expect(manifestGets(images.referrer.repository)).toHaveLength(1);
    });

    it('a .sig manifest with 18 MiB of layers: rejected on the byte budget before it is all downloaded', async () => {
      hostile.requests.length = 0;
      expect(await verdictVia('heavy')).toMatchObject({
        verdict: Verdict.VERDICT_REJECTED,
        reason: `more than ${8 << 20} bytes of signature data on ${images.heavy.repository}@${images.heavy.digest}; not examining more`,
      });
      // 8 MiB hold ten 768 KiB payloads and part of an eleventh.
      expect(hostile.requests.filter((path) => path.includes('/blobs/')).length).toBeLessThanOrEqual(11);
    });

    it('a referrers index nested 3 MiB deep: rejected without parsing it', async () => {
      expect(await verdictVia('deep')).toMatchObject({
        verdict: Verdict.VERDICT_REJECTED,
        reason: `the referrers index of ${images.deep.repository}@${images.deep.digest} is JSON nested deeper than 100 levels`,
      });
    });

    it('a normally signed image still verifies through the same front', async () => {
      expect(await verdictVia('signed')).toMatchObject({ verdict: Verdict.VERDICT_VERIFIED, digest: images.signed.digest });
    });
  });

  describe('through management', () => {
    const post = async (image: string) => (await stack.review(admissionReview({ images: [image] }))).response;

    it('admits a signed image and pins it to its digest', async () => {
      const result = await stack.review(admissionReview({ images: [ref('signed')] }));
      expect(result.response.allowed).toBe(true);
      expect(result.patch).toEqual([{ op: 'replace', path: '/spec/containers/0/image', value: `${ref('signed')}@${images.signed.digest}` }]);
    });

    it('denies an unsigned image with the validator and the reason', async () => {
      expect(await post(ref('unsigned'))).toMatchObject({
        allowed: false,
        status: { message: `error during cosign validation of image ${ref('unsigned')}: no signatures found` },
      });
    });

    it('applies the rule options: threshold 2 over alice and bob', async () => {
      expect((await post(ref('alice-bob'))).allowed).toBe(true);
    });

    it('denies an image that does not exist', async () => {
      expect((await post(`${registry.host}/demo/missing:v1`)).status?.message).toBe(
        `error during cosign validation of image ${registry.host}/demo/missing:v1: image ${registry.host}/demo/missing:v1 does not exist`,
      );
    });

    it('denies when the registry is down, naming the validator', async () => {
      const response = await post(`127.0.0.1:${downPort}/demo/app:v1`);
      expect(response.allowed).toBe(false);
      expect(response.status?.message).toMatch(
        new RegExp(`^error during cosign validation of image 127\\.0\\.0\\.1:${downPort}/demo/app:v1: validator "cosign" is unavailable .*ECONNREFUSED`),
      );
    });

    it('insecureValidateOnly validates but does not pin', async () => {
      await pushAndSign('insecure', ['alice']);
      const result = await stack.review(admissionReview({ images: [ref('insecure')] }));
      expect(result.response.allowed).toBe(true);
      expect(result.patch).toBeUndefined();
    });
  });

  describe('observability', () => {
    it('counts verifications and upstream requests with bounded labels', async () => {
      await verdict('signed');
      await verdict('unsigned');
      await callValidator(address(), request('signed', { trustRoot: 'mallory' }));
      await callValidator(address(), request('signed', {}, 'digest', 'cosign-front', tokenFront.host));
      const metrics = await (await fetch(`${stack.stack.opsUrl('validator-cosign')}/metrics`)).text();
      expect(metrics).toMatch(/connaisseur_mesh_verifications_total\{validator_name="cosign",verdict="verified"\} [1-9]/);
      expect(metrics).toMatch(/connaisseur_mesh_verifications_total\{validator_name="cosign",verdict="rejected"\} [1-9]/);
      expect(metrics).toMatch(/connaisseur_mesh_verifications_total\{validator_name="cosign",verdict="error"\} [1-9]/);
      expect(metrics).toMatch(/connaisseur_mesh_verification_duration_seconds_count\{validator_name="cosign"\} [1-9]/);
      expect(metrics).toMatch(/connaisseur_mesh_upstream_requests_total\{kind="manifest",code="200"\} [1-9]/);
      expect(metrics).toMatch(/connaisseur_mesh_upstream_requests_total\{kind="token",code="200"\} [1-9]/);
      expect(metrics).not.toContain('demo/');
      expect(metrics).not.toContain('sha256:');
    });

    it('never logs credentials', async () => {
      await callValidator(address(), request('auth', {}, 'tag', 'cosign-auth', authRegistry.host));
      await callValidator(address(), request('signed', {}, 'tag', 'cosign-plain', tokenFront.host));
      const log = readFileSync(join(stack.dir, 'logs', 'validator-cosign.log'), 'utf8');
      expect(log).toContain('"msg":"verification"');
      expect(log).not.toContain(USER.password);
      expect(log).not.toContain(Buffer.from(`${USER.username}:${USER.password}`).toString('base64'));
    });
  });

  describe('agreement with cosign verify', () => {
    it.each([
      ['signed', 'alice'],
      ['unsigned', 'alice'],
      ['bob-signed', 'alice'],
      ['bob-signed', 'bob'],
      ['ed25519', 'ed'],
      ['rsa', 'rsa'],
      ['rsa', 'alice'],
      ['alice-bob', 'bob'],
      ['other-payload', 'alice'],
      ['mirrored', 'alice'],
      ['index', 'alice'],
    ] as const)('%s with key %s', async (name, key) => {
      const ours = (await verdict(name, { trustRoot: key })).verdict === Verdict.VERDICT_VERIFIED;
      const theirs = await cosign.verifies(ref(name), keys[key].pub);
      expect(ours).toBe(theirs);
    });

    it('referrer with key alice (cosign --experimental-oci11)', async () => {
      expect(await cosign.verifies(ref('referrer'), keys.alice.pub, { referrers: true })).toBe(true);
      expect((await verdict('referrer')).verdict).toBe(Verdict.VERDICT_VERIFIED);
    });
  });
});
