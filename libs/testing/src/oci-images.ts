import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { gzipSync } from 'node:zlib';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

export interface RegistryTarget {
  /** http(s)://host:port */
  url: string;
  ca?: string;
  basicAuth?: { username: string; password: string };
}

export const sha256Digest = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const json = (value: unknown) => Buffer.from(JSON.stringify(value));

/**
 * Writes to a real registry through the distribution API (no docker, no skopeo): blobs by
 * monolithic upload, manifests by PUT. What `docker push` does, for the test fixtures.
 */
export class RegistryWriter {
  constructor(readonly target: RegistryTarget) {}

  async pushBlob(repository: string, bytes: Buffer): Promise<string> {
    const digest = sha256Digest(bytes);
    const head = await this.send('HEAD', `/v2/${repository}/blobs/${digest}`);
    if (head.status === 200) return digest;
    const start = await this.send('POST', `/v2/${repository}/blobs/uploads/`);
    if (start.status !== 202 || !start.location) throw new Error(`upload to ${repository} not started: ${start.status} ${start.body}`);
    const location = new URL(start.location, this.target.url);
    location.searchParams.set('digest', digest);
    const put = await this.send('PUT', `${location.pathname}${location.search}`, bytes, 'application/octet-stream');
    if (put.status !== 201) throw new Error(`blob upload to ${repository} failed: ${put.status} ${put.body}`);
    return digest;
  }

  async pushManifest(repository: string, reference: string, manifest: Buffer, mediaType = OCI_MANIFEST): Promise<string> {
    const put = await this.send('PUT', `/v2/${repository}/manifests/${reference}`, manifest, mediaType);
    if (put.status !== 201) throw new Error(`manifest ${repository}:${reference} rejected: ${put.status} ${put.body}`);
    return sha256Digest(manifest);
  }

  async getManifest(repository: string, reference: string): Promise<Buffer | undefined> {
    const res = await this.send('GET', `/v2/${repository}/manifests/${reference}`, undefined, undefined, `${OCI_MANIFEST}, ${OCI_INDEX}`);
    return res.status === 200 ? res.raw : undefined;
  }

  async getBlob(repository: string, digest: string): Promise<Buffer> {
    const res = await this.send('GET', `/v2/${repository}/blobs/${digest}`);
    if (res.status !== 200) throw new Error(`blob ${repository}@${digest}: ${res.status}`);
    return res.raw;
  }

  /** Copies the `.sig` manifest (and its blobs) of one image to another repository or digest. */
  async copySignature(fromRepository: string, fromDigest: string, toRepository: string, toDigest = fromDigest): Promise<void> {
    const manifest = await this.getManifest(fromRepository, `${fromDigest.replace(':', '-')}.sig`);
    if (!manifest) throw new Error(`${fromRepository}@${fromDigest} has no .sig manifest`);
    const json = JSON.parse(manifest.toString('utf8')) as { config: { digest: string }; layers: Array<{ digest: string }> };
    for (const d of [json.config.digest, ...json.layers.map((l) => l.digest)]) {
      await this.pushBlob(toRepository, await this.getBlob(fromRepository, d));
    }
    await this.pushManifest(toRepository, `${toDigest.replace(':', '-')}.sig`, manifest);
  }

  /**
   * Attaches an artifact to `subjectDigest` as an OCI 1.1 referrer: a manifest with `subject`, listed
   * in the referrers tag-schema index `sha256-<hex>` (distribution 2.8 has no referrers API).
   */
  async attachReferrer(
    repository: string,
    subjectDigest: string,
    artifact: { artifactType: string; layerMediaType: string; content: Buffer; annotations?: Record<string, string> },
  ): Promise<string> {
    const subject = (await this.getManifest(repository, subjectDigest))!;
    const layerDigest = await this.pushBlob(repository, artifact.content);
    const empty = Buffer.from('{}');
    const emptyDigest = await this.pushBlob(repository, empty);
    const manifest = json({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: artifact.artifactType,
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: emptyDigest, size: empty.length },
      layers: [{ mediaType: artifact.layerMediaType, digest: layerDigest, size: artifact.content.length }],
      subject: { mediaType: OCI_MANIFEST, digest: subjectDigest, size: subject.length },
      annotations: artifact.annotations,
    });
    const digest = await this.pushManifest(repository, sha256Digest(manifest), manifest);
    const tag = subjectDigest.replace(':', '-');
    const existing = await this.getManifest(repository, tag);
    const index = existing ? JSON.parse(existing.toString('utf8')) : { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] };
    index.manifests.push({ mediaType: OCI_MANIFEST, digest, size: manifest.length, artifactType: artifact.artifactType });
    await this.pushManifest(repository, tag, json(index), OCI_INDEX);
    return digest;
  }

  async deleteManifest(repository: string, digest: string): Promise<void> {
    const res = await this.send('DELETE', `/v2/${repository}/manifests/${digest}`);
    if (res.status !== 202) throw new Error(`delete of ${repository}@${digest} failed: ${res.status}`);
  }

  /** A small single-layer image whose content (and so digest) follows from `message`. */
  async pushImage(repository: string, tag: string, message: string): Promise<string> {
    const layer = gzipSync(tar('hello.txt', Buffer.from(`${message}\n`)), { level: 9 });
    const layerDigest = await this.pushBlob(repository, layer);
    const config = json({
      architecture: 'amd64',
      os: 'linux',
      created: '2020-01-01T00:00:00Z',
      config: { Cmd: ['/bin/cat', '/hello.txt'] },
      rootfs: { type: 'layers', diff_ids: [sha256Digest(tar('hello.txt', Buffer.from(`${message}\n`)))] },
    });
    const configDigest = await this.pushBlob(repository, config);
    const manifest = json({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layerDigest, size: layer.length }],
    });
    return this.pushManifest(repository, tag, manifest);
  }

  /** A multi-arch index over two single-layer images. */
  async pushIndex(repository: string, tag: string, message: string): Promise<string> {
    const manifests = [];
    for (const arch of ['amd64', 'arm64']) {
      const digest = await this.pushImage(repository, `${tag}-${arch}`, `${message} ${arch}`);
      const bytes = (await this.getManifest(repository, digest))!;
      manifests.push({ mediaType: OCI_MANIFEST, digest, size: bytes.length, platform: { architecture: arch, os: 'linux' } });
    }
    return this.pushManifest(repository, tag, json({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }), OCI_INDEX);
  }

  private send(method: string, path: string, body?: Buffer, contentType?: string, accept?: string) {
    const url = new URL(path, this.target.url);
    const headers: Record<string, string | number> = {};
    if (body) headers['content-length'] = body.length;
    if (contentType) headers['content-type'] = contentType;
    if (accept) headers.accept = accept;
    const auth = this.target.basicAuth;
    if (auth) headers.authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<{ status: number; location?: string; body: string; raw: Buffer }>((resolve, reject) => {
      const req = send(url, { method, headers, ca: this.target.ca }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, location: res.headers.location, body: raw.toString('utf8'), raw });
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  }
}

/** A one-file ustar archive with fixed metadata, so that equal content gives equal bytes. */
function tar(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512);
  const field = (value: string, offset: number, length: number) => header.write(value, offset, length, 'ascii');
  field(name, 0, 100);
  field('0000644\0', 100, 8);
  field('0000000\0', 108, 8);
  field('0000000\0', 116, 8);
  field(`${content.length.toString(8).padStart(11, '0')}\0`, 124, 12);
  field(`${(1577836800).toString(8).padStart(11, '0')}\0`, 136, 12);
  field('        ', 148, 8);
  field('0', 156, 1);
  field('ustar\0', 257, 6);
  field('00', 263, 2);
  const checksum = header.reduce((sum, byte) => sum + byte, 0);
  field(`${checksum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([header, content, padding, Buffer.alloc(1024)]);
}
