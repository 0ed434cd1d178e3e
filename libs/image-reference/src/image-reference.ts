/**
 * Container image references, parsed and normalized the way go-containerregistry's
 * `name.ParseReference` does it (the rules Connaisseur relies on):
 * - the first path component is a registry only if it contains `.` or `:` (so `localhost:5000`
 *   is a registry and `localhost` alone is not);
 * - no registry means Docker Hub (`index.docker.io`), and `docker.io` is rewritten to it;
 * - a single-component Docker Hub repository gets `library/`;
 * - no tag and no digest means the tag `latest`; a reference with both keeps both.
 */

export const DOCKER_HUB = 'index.docker.io';
const DOCKER_HUB_ALIAS = 'docker.io';
const DEFAULT_TAG = 'latest';

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
// go-containerregistry: lowercase letters, digits, `_`, `-`, `.`, `/`; 2 to 255 characters.
const REPOSITORY = /^[a-z0-9_./-]{2,255}$/;
// An RFC 3986 authority as a registry: a host name or IPv4 address, or a bracketed IPv6 address,
// with an optional port.
const REGISTRY = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;

export class InvalidImageReferenceError extends Error {
  constructor(
    readonly reference: string,
    readonly why: string,
  ) {
    super(`invalid image reference "${reference}": ${why}`);
    this.name = 'InvalidImageReferenceError';
  }
}

export class ImageReference {
  private constructor(
    /** The reference exactly as written. */
    readonly original: string,
    /** Registry host and port, e.g. `index.docker.io`. */
    readonly registry: string,
    /** Repository inside the registry, e.g. `library/nginx`. */
    readonly repository: string,
    /** The tag; empty when only a digest was given. */
    readonly tag: string,
    /** `sha256:<hex>`, or empty. */
    readonly digest: string,
  ) {}

  /** Parses a reference; throws InvalidImageReferenceError when it is not valid. */
  static parse(original: string): ImageReference {
    if (typeof original !== 'string' || original.length === 0) {
      throw new InvalidImageReferenceError(String(original), 'empty reference');
    }
    let rest = original;
    let digest = '';
    const at = rest.indexOf('@');
    if (at >= 0) {
      digest = rest.slice(at + 1);
      rest = rest.slice(0, at);
      if (!DIGEST.test(digest)) {
        throw new InvalidImageReferenceError(original, 'a digest must be "sha256:" followed by 64 hex digits');
      }
    }

    let tag = '';
    const colon = rest.lastIndexOf(':');
    // A colon followed by a `/` belongs to a registry port, not to a tag.
    if (colon >= 0 && !rest.slice(colon + 1).includes('/')) {
      tag = rest.slice(colon + 1);
      rest = rest.slice(0, colon);
      if (!TAG.test(tag)) throw new InvalidImageReferenceError(original, `invalid tag "${tag}"`);
    }
    if (!tag && !digest) tag = DEFAULT_TAG;

    let registry = '';
    let repository = rest;
    const slash = rest.indexOf('/');
    if (slash >= 0) {
      const first = rest.slice(0, slash);
      if (first.includes('.') || first.includes(':')) {
        registry = first;
        repository = rest.slice(slash + 1);
      }
    }
    if (!REPOSITORY.test(repository) || repository.startsWith('/') || repository.endsWith('/') || repository.includes('//')) {
      throw new InvalidImageReferenceError(original, `invalid repository "${repository}"`);
    }
    if (registry === '' || registry === DOCKER_HUB_ALIAS) {
      registry = DOCKER_HUB;
    } else if (!REGISTRY.test(registry)) {
      throw new InvalidImageReferenceError(original, `invalid registry "${registry}"`);
    }
    if (registry === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`;

    return new ImageReference(original, registry, repository, tag, digest);
  }

  /** Like parse, but returns undefined for an invalid reference. */
  static tryParse(original: string): ImageReference | undefined {
    try {
      return ImageReference.parse(original);
    } catch {
      return undefined;
    }
  }

  /** `<registry>/<repository>`: where the image lives. */
  get context(): string {
    return `${this.registry}/${this.repository}`;
  }

  /** The canonical form used for matching, logs and patches: `<context>[:<tag>][@<digest>]`. */
  name(): string {
    return `${this.context}${this.tag ? `:${this.tag}` : ''}${this.digest ? `@${this.digest}` : ''}`;
  }

  /** The same image pinned to `digest` (tag kept). */
  withDigest(digest: string): ImageReference {
    if (!DIGEST.test(digest)) throw new InvalidImageReferenceError(`${this.context}@${digest}`, 'invalid digest');
    return new ImageReference(this.original, this.registry, this.repository, this.tag, digest);
  }

  toString(): string {
    return this.name();
  }
}

/** True for a well-formed `sha256:<64 hex>` digest. */
export function isDigest(value: unknown): value is string {
  return typeof value === 'string' && DIGEST.test(value);
}
