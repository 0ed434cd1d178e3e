import fc from 'fast-check';
import { RegistryClient, RegistryError, RepositoryRef } from '@connaisseur-mesh/registry-client';
import { ListedReferrer, OCI_MANIFEST, referrersAnswers, RegistryFront, RegistryServer, RegistryWriter, sha256Digest } from '@connaisseur-mesh/testing';
import { COSIGN_SIG_ARTIFACT_TYPE, findSignatures, MAX_REFERRER_MANIFESTS, SIGSTORE_BUNDLE_V03, SIMPLE_SIGNING } from './signature-finder';

const REPOSITORY = 'demo/subject';
const COSIGN_TYPES: Array<string | undefined> = [COSIGN_SIG_ARTIFACT_TYPE, SIGSTORE_BUNDLE_V03];

/**
 * The referrer walk against a real registry behind a front that lists whatever fast-check makes
 * up: cosign-typed or not, about this image or another, present or missing, listed once or more.
 */
describe('findSignatures with any referrers index', () => {
  let registry: RegistryServer;
  let front: RegistryFront;
  let client: RegistryClient;
  let repo: RepositoryRef;
  let digest: string;
  let other: string;

  beforeAll(async () => {
    registry = await RegistryServer.start();
    const writer = new RegistryWriter({ url: registry.url });
    digest = await writer.pushImage(REPOSITORY, 'v1', 'the subject');
    other = await writer.pushImage(REPOSITORY, 'other', 'another image');
    front = await new RegistryFront({ backend: registry.url }).start();
    client = new RegistryClient();
    repo = { registry: front.host, repository: REPOSITORY };
  });
  afterAll(async () => {
    client?.close();
    await front?.stop();
    await registry?.stop();
  });

  const listed = fc.record({
    artifactType: fc.constantFrom(COSIGN_SIG_ARTIFACT_TYPE, SIGSTORE_BUNDLE_V03, 'application/spdx+json', undefined),
    aboutThisImage: fc.boolean(),
    missing: fc.boolean(),
    times: fc.integer({ min: 1, max: 3 }),
  });

  /** A cosign signature manifest (whatever its descriptor says) with one payload the registry does not have. */
  const signatureManifest = (n: number, subject: string) => ({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: COSIGN_SIG_ARTIFACT_TYPE,
    config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256Digest(Buffer.from('{}')), size: 2 },
    layers: [{ mediaType: SIMPLE_SIGNING, digest: sha256Digest(Buffer.from(`payload ${n}`)), size: 12, annotations: { 'dev.cosignproject.cosign/signature': 'AAAA' } }],
    subject: { mediaType: OCI_MANIFEST, digest: subject, size: 100 },
  });

  it(`fetches at most ${MAX_REFERRER_MANIFESTS} referrer manifests, never one the index says is not cosign's, and rejects exactly when there are more`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(listed, { maxLength: 100, size: 'max' }), async (entries) => {
        const referrers: Array<ListedReferrer & { cosign: boolean; aboutThisImage: boolean }> = entries.flatMap((e, n) =>
          Array.from({ length: e.times }, () => ({
            artifactType: e.artifactType,
            manifest: signatureManifest(n, e.aboutThisImage ? digest : other),
            missing: e.missing,
            cosign: COSIGN_TYPES.includes(e.artifactType),
            aboutThisImage: e.aboutThisImage,
          })),
        );
        front.answers = referrersAnswers(REPOSITORY, digest, referrers);
        front.requests.length = 0;
        const digestOf = (r: ListedReferrer) => sha256Digest(Buffer.from(JSON.stringify(r.manifest)));
        const cosignListed = new Set(referrers.filter((r) => r.cosign).map(digestOf));

        let outcome: Awaited<ReturnType<typeof findSignatures>> | RegistryError;
        try {
          outcome = await findSignatures(client, repo, digest, AbortSignal.timeout(10_000));
        } catch (e) {
          if (!(e instanceof RegistryError)) throw e;
          outcome = e;
        }

        const fetched = front.requests.filter((path) => path.startsWith(`/v2/${REPOSITORY}/manifests/sha256:`)).map((path) => path.split('/').pop()!);
        expect(fetched.length).toBeLessThanOrEqual(MAX_REFERRER_MANIFESTS);
        expect(new Set(fetched).size).toBe(fetched.length);
        for (const d of fetched) expect(cosignListed.has(d)).toBe(true);
        if (cosignListed.size > MAX_REFERRER_MANIFESTS) {
          expect(outcome).toEqual(new RegistryError('invalid-content', `more than ${MAX_REFERRER_MANIFESTS} signature referrers on ${REPOSITORY}@${digest}; not examining more`));
        } else {
          // Each referrer about this image that exists gives its one (unusable: payload missing) signature.
          const expected = new Set(referrers.filter((r) => r.cosign && r.aboutThisImage && !r.missing).map(digestOf));
          expect(outcome).toHaveLength(expected.size);
          expect(fetched).toHaveLength(cosignListed.size);
        }
      }),
      { numRuns: 25 },
    );
  });
});
