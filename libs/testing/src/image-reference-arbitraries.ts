import fc from 'fast-check';

/**
 * fast-check generators of image references for property tests: an image as the container runtime
 * sees it (registry, repository path, tag, digest), its canonical `Name()` worked out here
 * independently of the parser, and the spellings of its registry that the runtime pulls from as the
 * same registry (host case, `:443`, leading zeros in the port, IPv6 forms, the Docker Hub aliases).
 */

export type RegistryModel =
  | { kind: 'hub' }
  /** A host the runtime reads as a registry on its own: a dotted name, an IPv4 address, `localhost`. */
  | { kind: 'host'; host: string; port?: number }
  /** A single-label host: a registry to the runtime only when written with a capital or a port. */
  | { kind: 'single-label'; host: string; port?: number }
  /** An IPv6 address as its eight 16-bit groups. */
  | { kind: 'ipv6'; groups: number[]; port?: number };

export interface ImageModel {
  registry: RegistryModel;
  /** Repository path components; on Docker Hub an official image is `['library', name]`. */
  path: string[];
  tag?: string;
  digest?: string;
}

/** How to write a registry: which letters in capitals, how to write the port, which Docker Hub name. */
export interface RegistrySpelling {
  capitals: boolean[];
  /** 0: as short as possible, 1: the port written out (`:443` too), 2: the port with leading zeros. */
  portStyle: 0 | 1 | 2;
  ipv6Style: 'compressed' | 'full' | 'padded';
  /** Docker Hub: '' (no registry), or one of its host names. */
  hubName: '' | 'docker.io' | 'index.docker.io' | 'registry-1.docker.io';
  /** Docker Hub official images: leave out `library/` where the runtime adds it. */
  omitLibrary: boolean;
}

const HTTPS_PORT = 443;
const DOCKER_HUB_HOSTS = ['docker.io', 'index.docker.io', 'registry-1.docker.io'];
const alphanumeric = fc.stringMatching(/^[a-z0-9]{1,5}$/);
const separator = fc.constantFrom('.', '_', '__', '-', '--');

/** A path component of distribution's grammar: alphanumeric runs joined by `.`, `_`, `__` or dashes. */
export const pathComponentArbitrary: fc.Arbitrary<string> = fc
  .tuple(alphanumeric, fc.array(fc.tuple(separator, alphanumeric), { maxLength: 2 }))
  .map(([head, tail]) => head + tail.map(([s, a]) => s + a).join(''));

/** A label a libc resolver reads as a number. */
const NUMBER = /^(?:0x[0-9a-f]*|[0-9]+)$/;
const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,4}[a-z0-9])?$/);
const port = fc.oneof(fc.constant(undefined), fc.constant(HTTPS_PORT), fc.integer({ min: 1, max: 65535 }));

export const registryArbitrary: fc.Arbitrary<RegistryModel> = fc.oneof(
  fc.constant<RegistryModel>({ kind: 'hub' }),
  fc.record({
    kind: fc.constant('host' as const),
    host: fc
      .array(label, { minLength: 2, maxLength: 3 })
      .map((l) => l.join('.'))
      // A top-level label of numbers only would make an IPv4 address of it (or an invalid one).
      .filter((host) => !DOCKER_HUB_HOSTS.includes(host) && !NUMBER.test(host.slice(host.lastIndexOf('.') + 1))),
    port,
  }),
  fc.record({ kind: fc.constant('host' as const), host: fc.ipV4(), port }),
  fc.record({ kind: fc.constant('host' as const), host: fc.constant('localhost'), port }),
  fc.record({ kind: fc.constant('single-label' as const), host: label.filter((l) => l !== 'localhost' && /[a-z]/.test(l) && !NUMBER.test(l)), port }),
  fc.record({ kind: fc.constant('ipv6' as const), groups: fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 }), port }),
);

export const imageArbitrary: fc.Arbitrary<ImageModel> = fc
  .record({
    registry: registryArbitrary,
    path: fc.array(pathComponentArbitrary, { minLength: 1, maxLength: 3 }),
    tag: fc.option(fc.stringMatching(/^\w[\w.-]{0,12}$/), { nil: undefined }),
    digest: fc.option(
      fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 }).map((hex) => `sha256:${hex}`),
      { nil: undefined },
    ),
  })
  .map((image) => (image.registry.kind === 'hub' && image.path.length === 1 ? { ...image, path: ['library', ...image.path] } : image));

export const registrySpellingArbitrary: fc.Arbitrary<RegistrySpelling> = fc.record({
  capitals: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
  portStyle: fc.constantFrom(0 as const, 1 as const, 2 as const),
  ipv6Style: fc.constantFrom('compressed' as const, 'full' as const, 'padded' as const),
  hubName: fc.constantFrom('' as const, 'docker.io' as const, 'index.docker.io' as const, 'registry-1.docker.io' as const),
  omitLibrary: fc.boolean(),
});

/** The canonical registry of `Name()`, worked out from the model (not by the parser). */
export function canonicalRegistryOf(registry: RegistryModel): string {
  switch (registry.kind) {
    case 'hub':
      return 'index.docker.io';
    case 'host':
      return registry.port === undefined || registry.port === HTTPS_PORT ? registry.host : `${registry.host}:${registry.port}`;
    case 'single-label':
      return `${registry.host}:${registry.port ?? HTTPS_PORT}`;
    case 'ipv6': {
      const address = `[${rfc5952(registry.groups)}]`;
      return registry.port === undefined || registry.port === HTTPS_PORT ? address : `${address}:${registry.port}`;
    }
  }
}

/** The canonical `Name()` of an image. */
export function canonicalNameOf(image: ImageModel): string {
  const reference = image.tag || image.digest ? `${image.tag ? `:${image.tag}` : ''}${image.digest ? `@${image.digest}` : ''}` : ':latest';
  return `${canonicalRegistryOf(image.registry)}/${image.path.join('/')}${reference}`;
}

/**
 * The registry written as `spelling` says, followed by `/`, and the repository path to write after
 * it; '' for a Docker Hub image written without a registry (only where the runtime then still reads
 * the path as Docker Hub's).
 */
export function spellRegistryAndPath(registry: RegistryModel, path: string[], spelling: RegistrySpelling): { prefix: string; path: string[] } {
  const capitalize = (text: string) => [...text].map((c, i) => (spelling.capitals[i % spelling.capitals.length] ? c.toUpperCase() : c)).join('');
  const portText = (p: number) => (spelling.portStyle === 2 ? `:0${p}` : `:${p}`);
  const withPort = (host: string, p: number | undefined, required = false) => {
    if (p !== undefined && p !== HTTPS_PORT) return host + portText(p);
    return spelling.portStyle === 0 && !required ? host : host + portText(HTTPS_PORT);
  };
  switch (registry.kind) {
    case 'hub': {
      const official = path.length === 2 && path[0] === 'library';
      const shortPath = official && spelling.omitLibrary ? path.slice(1) : path;
      // Without a registry, a first component with a `.` or `localhost` would be read as one.
      const bare = spelling.hubName === '' && (shortPath.length === 1 || !(shortPath[0].includes('.') || shortPath[0] === 'localhost'));
      if (bare) return { prefix: '', path: shortPath };
      const name = spelling.hubName || 'docker.io';
      return { prefix: `${withPort(capitalize(name), undefined)}/`, path: shortPath };
    }
    case 'host':
      return { prefix: `${withPort(capitalize(registry.host), registry.port)}/`, path };
    case 'single-label': {
      const host = capitalize(registry.host);
      // Lowercase and without a port it would be a Docker Hub namespace.
      return { prefix: `${withPort(host, registry.port, host === registry.host)}/`, path };
    }
    case 'ipv6': {
      const text = spelling.ipv6Style === 'compressed' ? rfc5952(registry.groups) : registry.groups.map((g) => g.toString(16).padStart(spelling.ipv6Style === 'padded' ? 4 : 1, '0')).join(':');
      return { prefix: `${withPort(`[${capitalize(text)}]`, registry.port)}/`, path };
    }
  }
}

/** The image written with `spelling`: the same image to the runtime, whatever the spelling. */
export function spellImage(image: ImageModel, spelling: RegistrySpelling): string {
  const { prefix, path } = spellRegistryAndPath(image.registry, image.path, spelling);
  return `${prefix}${path.join('/')}${image.tag ? `:${image.tag}` : ''}${image.digest ? `@${image.digest}` : ''}`;
}

/** RFC 5952 text of an IPv6 address: lowercase, no leading zeros, the first longest run of two or more zero groups as `::`. */
function rfc5952(groups: number[]): string {
  let best = { start: -1, length: 0 };
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === 0) j++;
    if (j - i > best.length && j - i >= 2) best = { start: i, length: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.start < 0) return hex.join(':');
  return `${hex.slice(0, best.start).join(':')}::${hex.slice(best.start + best.length).join(':')}`;
}
