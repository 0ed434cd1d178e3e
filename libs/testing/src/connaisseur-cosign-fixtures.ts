import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { conformancePath } from './conformance';
import { OCI_MANIFEST, RegistryWriter } from './oci-images';

/**
 * Connaisseur's cosign fixtures (`$CONFORMANCE_DIR/cosign/securesystemsengineering/testimage`) in
 * a real registry: each `sha256-<hex>.sig` manifest, byte for byte, with its payload blobs and
 * the small config blob cosign writes (not in the fixtures; rebuilt — its digest matches the one
 * the manifest names). The image manifests themselves cannot be pushed (their layers are not in
 * the fixtures), so these images are verified by digest.
 */
export async function pushConnaisseurCosignFixtures(writer: RegistryWriter, repository: string): Promise<void> {
  const root = conformancePath('cosign', 'securesystemsengineering', 'testimage');
  for (const file of readdirSync(join(root, 'blobs'))) {
    await writer.pushBlob(repository, readFileSync(join(root, 'blobs', file)));
  }
  for (const file of readdirSync(join(root, 'manifests')).filter((f) => f.endsWith('.sig.json'))) {
    const bytes = readFileSync(join(root, 'manifests', file));
    const manifest = JSON.parse(bytes.toString('utf8')) as { layers: Array<{ digest: string }> };
    await writer.pushBlob(repository, cosignSignatureConfig(manifest.layers.map((l) => l.digest)));
    await writer.pushManifest(repository, file.replace(/\.json$/, ''), bytes, OCI_MANIFEST);
  }
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

/** Digests of the fixture images (sha256 of their manifest files). */
export const CONNAISSEUR_COSIGN_DIGESTS = {
  multiCosignedAlice: 'sha256:071bf7a986f1ca9cb2a1f0bc8392822a7777f90d58f2d2c6f271913e08de7c81',
  multiCosignedAliceBobCharlie: 'sha256:bfec161fecb0a887df7cb85e4da327c65986ccda7060cf3cd92171c6c90d7533',
  keyless: 'sha256:31dc72a13a0c34b40eb95419d2b2fd67320c856baf3b72da518023ee8d370aee',
  coUnsigned: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
};
