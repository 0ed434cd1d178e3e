/**
 * Container image references, read the way the container runtime reads them — distribution/reference's
 * `ParseNormalizedNamed`, which the kubelet and containerd use — because what matters is what the
 * kubelet will pull (ARCHITECTURE.md "Image references"):
 * - the first path component is a registry when it contains `.` or `:`, is `localhost`, or contains
 *   an uppercase letter; otherwise the reference is on Docker Hub;
 * - the registry is written canonically, so that every spelling of one registry is one string:
 *   host names lowercased, IPv6 addresses in RFC 5952 form, the port as a plain number, the https
 *   default port 443 dropped (kept on a single-label host such as `myreg:443`, where it is what makes
 *   the name a registry), and `docker.io`, `index.docker.io` and `registry-1.docker.io` all
 *   `index.docker.io`; a single-component Docker Hub repository gets `library/`;
 * - no tag and no digest means the tag `latest`; a reference with both keeps both.
 * Where this is stricter than the runtime (only sha256 digests, a registry the runtime could not
 * reach), the reference is invalid: `image-reference.runtime.spec.ts` lists every such difference.
 */

export const DOCKER_HUB = 'index.docker.io';
/** Names that pull from Docker Hub: the runtime's default domain, its legacy name, and the host it really pulls from. */
const DOCKER_HUB_DOMAIN = 'docker.io';
const DOCKER_HUB_HOSTS = new Set([DOCKER_HUB_DOMAIN, DOCKER_HUB, 'registry-1.docker.io']);
const OFFICIAL_NAMESPACE = 'library/';
const DEFAULT_TAG = 'latest';
const HTTPS_PORT = 443;
const MAX_PORT = 65535;
/**
 * distribution/reference limits the repository path to 255 characters; its older releases (v0.5,
 * docker/distribution, in kubelets still supported) limit the whole name (`docker.io/library/…`)
 * instead. Both apply here.
 */
const MAX_NAME_LENGTH = 255;
/** Longer than any valid reference (name, 128-character tag, digest): refused before any pattern runs. */
const MAX_REFERENCE_LENGTH = 1024;

// distribution/reference's grammar (regexp.go).
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const REGISTRY = new RegExp(`^(${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::([0-9]+))?$`);
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const REPOSITORY = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const TAG = /^\w[\w.-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
/** Digests the runtime accepts as well (go-digest v1.0.0); no validator and no registry client of ours checks them. */
const OTHER_RUNTIME_DIGEST = /^(sha384):[0-9a-f]{96}$|^(sha512):[0-9a-f]{128}$/;
/** A host of numbers only (`127.1`, `0x7f.0.0.1`, `2130706433`), which a libc resolver reads as an IPv4 address. */
const NUMERIC_HOST = /^(?:0x[0-9a-f]*|[0-9]+)(?:\.(?:0x[0-9a-f]*|[0-9]+))*$/;
const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const DOTTED_QUAD = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);
/** A bare image ID, which the runtime refuses as a name. */
const IMAGE_ID = /^[a-f0-9]{64}$/;

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
    /** Registry host and port in canonical form, e.g. `index.docker.io`, `localhost:5000`. */
    readonly registry: string,
    /** Repository inside the registry, e.g. `library/nginx`. */
    readonly repository: string,
    /** The tag; empty when only a digest was given. */
    readonly tag: string,
    /** `sha256:<hex>`, or empty. */
    readonly digest: string,
  ) {}

  /** Parses a reference; throws InvalidImageReferenceError (and nothing else) when it is not valid. */
  static parse(original: string): ImageReference {
    if (typeof original !== 'string' || original.length === 0) {
      throw new InvalidImageReferenceError(String(original), 'empty reference');
    }
    const fail = (why: string): never => {
      throw new InvalidImageReferenceError(original, why);
    };
    if (original.length > MAX_REFERENCE_LENGTH) fail(`longer than ${MAX_REFERENCE_LENGTH} characters`);
    if (IMAGE_ID.test(original)) fail('a 64-digit hex string is an image ID, not a reference');

    let rest = original;
    let digest = '';
    const at = rest.indexOf('@');
    if (at >= 0) {
      digest = rest.slice(at + 1);
      rest = rest.slice(0, at);
      const problem = digestProblem(digest);
      if (problem) fail(problem);
    }

    let tag = '';
    const colon = rest.lastIndexOf(':');
    // A colon followed by a `/` belongs to a registry port, not to a tag.
    if (colon >= 0 && !rest.includes('/', colon)) {
      tag = rest.slice(colon + 1);
      rest = rest.slice(0, colon);
      if (!TAG.test(tag)) fail(`invalid tag "${tag}"`);
    }
    if (!tag && !digest) tag = DEFAULT_TAG;

    let registry = DOCKER_HUB;
    let repository = rest;
    const slash = rest.indexOf('/');
    if (slash >= 0 && isRegistryComponent(rest.slice(0, slash))) {
      const canonical = canonicalize(rest.slice(0, slash));
      registry = 'why' in canonical ? fail(canonical.why) : canonical.registry;
      repository = rest.slice(slash + 1);
    }
    if (!REPOSITORY.test(repository)) {
      const uppercase = REPOSITORY.test(repository.toLowerCase());
      fail(uppercase ? `repository "${repository}" must be lowercase` : `invalid repository "${repository}"`);
    }
    if (registry === DOCKER_HUB && !repository.includes('/')) repository = OFFICIAL_NAMESPACE + repository;
    // Older runtimes count the whole name as they write it, Docker Hub as `docker.io`.
    const runtimeRegistry = registry === DOCKER_HUB ? DOCKER_HUB_DOMAIN : registry;
    if (repository.length > MAX_NAME_LENGTH || runtimeRegistry.length + 1 + repository.length > MAX_NAME_LENGTH) {
      fail(`name longer than ${MAX_NAME_LENGTH} characters`);
    }

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

  /** The canonical form used for matching, logs and patches: `<context>[:<tag>][@<digest>]`. It parses to itself. */
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

/**
 * The runtime's test (distribution's `splitDockerDomain`) of whether a reference's first path
 * component names a registry rather than a Docker Hub namespace.
 */
export function isRegistryComponent(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost' || component !== component.toLowerCase();
}

/** The canonical spelling of a registry `host[:port]` (see the top of this file), or undefined when it is not one. */
export function canonicalRegistry(registry: string): string | undefined {
  const canonical = canonicalize(registry);
  return 'why' in canonical ? undefined : canonical.registry;
}

/**
 * `host` with `port` as the canonical spelling writes it: no port for the https default, except on a
 * single-label host other than `localhost`, which the runtime reads as a registry only with a port.
 */
export function withCanonicalPort(host: string, port: number): string {
  const readAsRegistryAlone = host.startsWith('[') || host.includes('.') || host === 'localhost';
  return port === HTTPS_PORT && readAsRegistryAlone ? host : `${host}:${port}`;
}

function canonicalize(registry: string): { registry: string } | { why: string } {
  const match = REGISTRY.exec(registry);
  if (!match) return { why: `invalid registry "${registry}"` };
  let host = match[1].toLowerCase();
  if (host.startsWith('[')) {
    const address = canonicalIpv6(host);
    if (!address) return { why: `invalid registry "${registry}" (not an IPv6 address)` };
    host = address;
  } else if (NUMERIC_HOST.test(host) && !DOTTED_QUAD.test(host)) {
    // The runtime resolves it as a name, and with the libc resolver reaches the address it spells
    // (127.1 is 127.0.0.1): one registry under several names, so only the dotted quad is taken.
    return { why: `invalid registry "${registry}" (an IPv4 address is written as four decimal numbers)` };
  }
  // Digits only (the grammar); leading zeros name the same port to the runtime's dialer.
  const port = match[2] === undefined ? HTTPS_PORT : Number(match[2]);
  if (!(port >= 1 && port <= MAX_PORT)) return { why: `invalid registry "${registry}" (port out of range)` };
  const canonical = withCanonicalPort(host, port);
  return { registry: DOCKER_HUB_HOSTS.has(canonical) ? DOCKER_HUB : canonical };
}

/** `[…]` in RFC 5952 form (lowercase, zeros compressed), or undefined when it is no IPv6 address; Node's WHATWG URL parser writes them so. */
function canonicalIpv6(bracketed: string): string | undefined {
  try {
    return new URL(`https://${bracketed}/`).hostname;
  } catch {
    return undefined;
  }
}

function digestProblem(digest: string): string | undefined {
  if (DIGEST.test(digest)) return undefined;
  const other = OTHER_RUNTIME_DIGEST.exec(digest);
  if (other) return `only sha256 digests are supported, not ${other[1] ?? other[2]}`;
  return 'a digest must be "sha256:" followed by 64 lowercase hex digits';
}
