import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { conformancePath } from './conformance';
import { OCI_MANIFEST, RegistryWriter, sha256Digest } from './oci-images';
import { FrontAnswer, manifestAnswers } from './registry-front';

const fixtureDir = (...parts: string[]) => conformancePath('cosign', 'securesystemsengineering', 'testimage', ...parts);
const isSignature = (file: string) => file.endsWith('.sig.json');

/**
 * Connaisseur's cosign fixtures (`$CONFORMANCE_DIR/cosign/securesystemsengineering/testimage`) in
 * a real registry: each `sha256-<hex>.sig` manifest, byte for byte, with its payload blobs and
 * the small config blob cosign writes (not in the fixtures; rebuilt — its digest matches the one
 * the manifest names). The image manifests themselves cannot be pushed: distribution refuses a
 * manifest whose config and layers it lacks (MANIFEST_BLOB_UNKNOWN), and these blobs are not in
 * the fixtures. A RegistryFront serves them instead (`connaisseurCosignImages`).
 */
export async function pushConnaisseurCosignFixtures(writer: RegistryWriter, repository: string): Promise<void> {
  for (const file of readdirSync(fixtureDir('blobs'))) {
    await writer.pushBlob(repository, readFileSync(fixtureDir('blobs', file)));
  }
  for (const file of readdirSync(fixtureDir('manifests')).filter(isSignature)) {
    const bytes = readFileSync(fixtureDir('manifests', file));
    const manifest = JSON.parse(bytes.toString('utf8')) as { layers: Array<{ digest: string }> };
    await writer.pushBlob(repository, cosignSignatureConfig(manifest.layers.map((l) => l.digest)));
    await writer.pushManifest(repository, file.replace(/\.json$/, ''), bytes, OCI_MANIFEST);
  }
}

/**
 * The fixture images (`manifests/<tag>.json` but the `.sig` ones) in `repository`: each digest is
 * the sha256 of the file's bytes, as Connaisseur's mock registry serves them; `answers` is what a
 * RegistryFront serves them with, by tag and by digest.
 */
export function connaisseurCosignImages(repository: string): { digests: Map<string, string>; answers: Map<string, FrontAnswer> } {
  const digests = new Map<string, string>();
  const answers = new Map<string, FrontAnswer>();
  for (const file of readdirSync(fixtureDir('manifests')).filter((f) => !isSignature(f))) {
    const bytes = readFileSync(fixtureDir('manifests', file));
    const tag = file.replace(/\.json$/, '');
    digests.set(tag, sha256Digest(bytes));
    for (const [path, answer] of manifestAnswers(repository, tag, bytes)) answers.set(path, answer);
  }
  return { digests, answers };
}

/** The config blob of a cosign `.sig` manifest: one diff_id and one history entry per signature layer. */
export function cosignSignatureConfig(layerDigests: string[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      architecture: '',
      created: '0001-01-01T00:00:00Z',
      history: layerDigests.map(() => ({ created: '0001-01-01T00:00:00Z' })),
      os: '',
      rootfs: { type: 'layers', diff_ids: layerDigests },
      config: {},
    }),
  );
}
