import fc from 'fast-check';
import { canonicalNameOf, imageArbitrary, registrySpellingArbitrary, spellImage } from '@connaisseur-mesh/testing';
import { canonicalRegistry, ImageReference, InvalidImageReferenceError } from './image-reference';

// Seeded, so that a failure is reproducible; a few hundred runs keep the suite fast.
const RUNS = { seed: 0x5eed, numRuns: 300 };

const parsesToItself = (ref: ImageReference) => {
  const again = ImageReference.parse(ref.name());
  return (
    again.name() === ref.name() &&
    again.registry === ref.registry &&
    again.repository === ref.repository &&
    again.tag === ref.tag &&
    again.digest === ref.digest &&
    canonicalRegistry(ref.registry) === ref.registry
  );
};

/** Parses, or returns undefined for an invalid reference; any other exception fails the property. */
const parseOrUndefined = (input: string) => {
  try {
    return ImageReference.parse(input);
  } catch (e) {
    if (e instanceof InvalidImageReferenceError) return undefined;
    throw e;
  }
};

describe('ImageReference.parse (properties)', () => {
  it('gives every spelling of an image that the runtime pulls as that image the same canonical Name()', () => {
    fc.assert(
      fc.property(imageArbitrary, registrySpellingArbitrary, registrySpellingArbitrary, (image, a, b) => {
        const first = ImageReference.parse(spellImage(image, a));
        const second = ImageReference.parse(spellImage(image, b));
        expect(first.name()).toBe(canonicalNameOf(image));
        expect(second.name()).toBe(first.name());
      }),
      RUNS,
    );
  });

  it('writes a Name() that parses to itself', () => {
    fc.assert(
      fc.property(imageArbitrary, registrySpellingArbitrary, (image, spelling) => {
        expect(parsesToItself(ImageReference.parse(spellImage(image, spelling)))).toBe(true);
      }),
      RUNS,
    );
  });

  const referenceCharacters = fc.constantFrom(...'aAzZ09._-/:@[]%'.split(''), 'sha256:', 'localhost', 'docker.io', ':443', '__');
  it.each([
    ['any string', fc.string({ unit: 'binary', maxLength: 80 })],
    ['strings of reference characters', fc.array(referenceCharacters, { maxLength: 24 }).map((parts) => parts.join(''))],
    [
      'valid references with one character changed',
      fc
        .tuple(imageArbitrary, registrySpellingArbitrary, fc.nat(), fc.constantFrom('', 'A', '/', ':', '@', '.', '_', '[', '-'))
        .map(([image, spelling, at, character]) => {
          const text = spellImage(image, spelling);
          const i = at % (text.length + 1);
          return text.slice(0, i) + character + text.slice(i + 1);
        }),
    ],
  ])('throws nothing but InvalidImageReferenceError for %s, and what it accepts parses to itself', (_, strings) => {
    fc.assert(
      fc.property(strings, (input) => {
        const ref = parseOrUndefined(input);
        if (ref) expect(parsesToItself(ref)).toBe(true);
      }),
      RUNS,
    );
  });
});
