import fc from 'fast-check';
import { ImageReference } from '@connaisseur-mesh/image-reference';
import { ImageModel, imageArbitrary, RegistrySpelling, registrySpellingArbitrary, spellImage, spellRegistryAndPath } from '@connaisseur-mesh/testing';
import { escapeGlob } from './glob';
import { PolicyMatcher, PolicyMatching } from './policy-matcher';

// Seeded, so that a failure is reproducible; a few hundred runs keep the suite fast.
const RUNS = { seed: 0x90115, numRuns: 300 };

/** What a generated rule covers of one of the generated images (`image` is its index). */
type Shape =
  | { kind: 'registry' | 'namespace' | 'repository' | 'any-tag' | 'tag' | 'domain-glob'; image: number }
  | { kind: 'generic'; pattern: string };

const shapeArbitrary = (images: number): fc.Arbitrary<Shape> =>
  fc.oneof(
    fc.record({ kind: fc.constantFrom('registry' as const, 'namespace' as const, 'repository' as const, 'any-tag' as const, 'tag' as const, 'domain-glob' as const), image: fc.nat(images - 1) }),
    fc.record({ kind: fc.constant('generic' as const), pattern: fc.constantFrom('*:*', '*/*', '*', '*/*/*', '*@sha256:*', '*:latest') }),
  );

/**
 * The shape's pattern with its registry written as `spelling` says. In `connaisseur` mode a pattern
 * means what it says apart from its registry's spelling, so Docker Hub keeps its name family there
 * (`docker.io` ranks otherwise than `index.docker.io`, by design) and nothing is left out.
 */
function patternOf(shape: Shape, images: ImageModel[], given: RegistrySpelling, mode: PolicyMatching, dockerIoFamily: boolean): string {
  if (shape.kind === 'generic') return shape.pattern;
  const image = images[shape.image];
  const needsRegistry = shape.kind === 'registry' || shape.kind === 'namespace' || shape.kind === 'domain-glob' || mode === 'connaisseur';
  const connaisseurHub = dockerIoFamily ? 'docker.io' : given.hubName === 'registry-1.docker.io' ? 'registry-1.docker.io' : 'index.docker.io';
  const spelling: RegistrySpelling = {
    ...given,
    hubName: mode === 'connaisseur' ? connaisseurHub : given.hubName === '' && needsRegistry ? 'docker.io' : given.hubName,
    omitLibrary: given.omitLibrary && mode === 'strict' && (shape.kind === 'repository' || shape.kind === 'any-tag' || shape.kind === 'tag'),
  };
  const { prefix, path } = spellRegistryAndPath(image.registry, image.path, spelling);
  const registry = escapeGlob(prefix);
  const repository = path.join('/');
  switch (shape.kind) {
    case 'registry':
      return `${registry}*`;
    case 'namespace':
      return image.path.length > 1 ? `${registry}${image.path[0]}/*` : `${registry}${repository}`;
    case 'repository':
      return `${registry}${repository}`;
    case 'any-tag':
      return `${registry}${repository}:*`;
    case 'tag':
      return `${registry}${repository}:${image.tag ?? 'latest'}`;
    case 'domain-glob': {
      // `*.<parent domain>` of a dotted host name, the registry's port as spelled.
      const [host, ...port] = prefix.slice(0, -1).split(':');
      const labels = host.split('.');
      if (image.registry.kind !== 'host' || labels.length < 2) return `${registry}*`;
      return `*.${labels.slice(1).join('.')}${port.length ? `:${port.join(':')}` : ''}/*`;
    }
  }
}

const policyArbitrary = fc.array(imageArbitrary, { minLength: 1, maxLength: 4 }).chain((images) =>
  fc.record({
    images: fc.constant(images),
    // The first rule covers the first image, so that some rule always matches.
    rules: fc
      .array(fc.record({ shape: shapeArbitrary(images.length), dockerIo: fc.boolean(), a: registrySpellingArbitrary, b: registrySpellingArbitrary }), { maxLength: 7 })
      .chain((rules) =>
        fc
          .record({ dockerIo: fc.boolean(), a: registrySpellingArbitrary, b: registrySpellingArbitrary })
          .map((first) => [{ shape: { kind: 'repository' as const, image: 0 }, ...first }, ...rules]),
      ),
    references: fc.array(fc.tuple(registrySpellingArbitrary, registrySpellingArbitrary), { minLength: 4, maxLength: 4 }),
  }),
);

describe.each(['strict', 'connaisseur'] as const)('PolicyMatcher (%s, properties)', (mode) => {
  it('lets the same rule win for every spelling of an image and of the rules’ registries', () => {
    fc.assert(
      fc.property(policyArbitrary, ({ images, rules, references }) => {
        const spelledA = new PolicyMatcher(rules.map((r) => ({ pattern: patternOf(r.shape, images, r.a, mode, r.dockerIo) })), mode);
        const spelledB = new PolicyMatcher(rules.map((r) => ({ pattern: patternOf(r.shape, images, r.b, mode, r.dockerIo) })), mode);
        images.forEach((image, i) => {
          const [a, b] = references[i];
          const first = spelledA.match(ImageReference.parse(spellImage(image, a)));
          const second = spelledB.match(ImageReference.parse(spellImage(image, b)));
          expect(second?.index).toBe(first?.index);
          if (i === 0) expect(first).toBeDefined();
        });
      }),
      RUNS,
    );
  });
});
