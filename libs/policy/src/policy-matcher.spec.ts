import { ImageReference } from '@connaisseur-mesh/image-reference';
import { compareSpecificity, normalizePattern, PolicyMatcher, PolicyMatching, specificity } from './policy-matcher';

// Rules of the conformance config 00_sample.yaml, in order.
const SAMPLE_PATTERNS = [
  '*:*',
  'securesystemsengineering/*:co*',
  'docker.io/*:*',
  'registry.k8s.io/*:*',
  'docker.io/securesystemsengineering/sample',
  'docker.io/securesystemsengineering/sample:v1',
  'docker.io/library/allow-me',
  'docker.io/library/deny-me',
  'my.registry/*',
  'my.registry/test',
  'docker.io/test:*',
];

const winner = (mode: PolicyMatching, image: string, patterns = SAMPLE_PATTERNS) =>
  new PolicyMatcher(patterns.map((pattern) => ({ pattern })), mode).match(ImageReference.parse(image))?.rule.pattern;

describe('PolicyMatcher', () => {
  // ARCHITECTURE.md "Expected winners": image, strict winner, connaisseur (legacy) winner.
  const table: Array<[string, string, string]> = [
    ['image:tag', 'docker.io/*:*', 'docker.io/*:*'],
    ['registry.io/image:tag', '*:*', '*:*'],
    ['registry.k8s.io/image', 'registry.k8s.io/*:*', 'registry.k8s.io/*:*'],
    ['image', 'docker.io/*:*', 'docker.io/*:*'],
    ['docker.io/securesystemsengineering/sample:v1', 'docker.io/securesystemsengineering/sample:v1', 'docker.io/securesystemsengineering/sample:v1'],
    ['docker.io/securesystemsengineering/sample:v2', 'docker.io/securesystemsengineering/sample', 'docker.io/securesystemsengineering/sample'],
    ['my.registry/test:tag', 'my.registry/test', 'my.registry/test'],
    ['my.registry/abc:tag', 'my.registry/*', 'my.registry/*'],
    ['securesystemsengineering/alice:co-signed', 'securesystemsengineering/*:co*', 'securesystemsengineering/*:co*'],
    ['docker.io/test:tag', 'docker.io/test:*', 'docker.io/*:*'],
    ['evil.io/registry.k8s.io/pause:1', '*:*', 'registry.k8s.io/*:*'],
    ['my.registry/testing:1', 'my.registry/*', 'my.registry/test'],
  ];
  it.each(table)('%s: strict → %s, connaisseur → %s', (image, strict, legacy) => {
    expect(winner('strict', image)).toBe(strict);
    expect(winner('connaisseur', image)).toBe(legacy);
  });

  it('denies by default: no matching rule', () => {
    expect(winner('strict', 'registry.io/image:tag', ['my.registry/*'])).toBeUndefined();
    expect(winner('connaisseur', 'registry.io/image:tag', ['my.registry/*'])).toBeUndefined();
  });

  it('matches digests and sub-paths of a repository pattern, not longer names (strict)', () => {
    const d = `sha256:${'a'.repeat(64)}`;
    expect(winner('strict', `my.registry/test@${d}`, ['my.registry/test'])).toBe('my.registry/test');
    expect(winner('strict', 'my.registry/test/sub:1', ['my.registry/test'])).toBe('my.registry/test');
    expect(winner('strict', 'my.registry/test2:1', ['my.registry/test'])).toBeUndefined();
    expect(winner('strict', 'myregistry.k8s.io/xy:z', ['registry.k8s.io/*:*'])).toBeUndefined();
  });

  it('docs example (basics.md): the most specific of three rules', () => {
    const rules = ['*:*', 'docker.io/myrepo/*:*', 'docker.io/myrepo/myimg:*'];
    for (const mode of ['strict', 'connaisseur'] as const) {
      expect(winner(mode, 'docker.io/superrepo/myimg:v1', rules)).toBe('*:*');
      expect(winner(mode, 'docker.io/myrepo/superimg:v1', rules)).toBe('docker.io/myrepo/*:*');
      expect(winner(mode, 'docker.io/myrepo/myimg:v1', rules)).toBe('docker.io/myrepo/myimg:*');
    }
  });

  it('gives a full tie to the later rule and reports identical patterns', () => {
    const rules = [
      { pattern: 'docker.io/*:*', validator: 'first' },
      { pattern: 'index.docker.io/*:*', validator: 'second' },
    ];
    const matcher = new PolicyMatcher(rules, 'strict');
    expect(matcher.match(ImageReference.parse('nginx'))?.rule.validator).toBe('second');
    expect(matcher.duplicatePatterns()).toEqual(['index.docker.io/*:*']);
    expect(new PolicyMatcher(rules, 'connaisseur').duplicatePatterns()).toEqual([]);
  });
});

describe('normalizePattern (strict)', () => {
  it.each([
    ['*:*', '*:*'],
    ['*/*', '*/*'],
    ['docker*/*', 'docker*/*'],
    ['busybox', 'index.docker.io/library/busybox'],
    ['redis:*', 'index.docker.io/library/redis:*'],
    ['docker.io/test:*', 'index.docker.io/library/test:*'],
    ['docker.io/*:*', 'index.docker.io/*:*'],
    ['docker.io/library/allow-me', 'index.docker.io/library/allow-me'],
    ['index.docker.io/redis', 'index.docker.io/library/redis'],
    ['registry.k8s.io/*:*', 'registry.k8s.io/*:*'],
    ['localhost/x', 'localhost/x'],
    ['localhost:5000/x', 'localhost:5000/x'],
    ['securesystemsengineering/*:co*', 'index.docker.io/securesystemsengineering/*:co*'],
  ])('%s → %s', (pattern, normalized) => {
    expect(normalizePattern(pattern)).toBe(normalized);
  });
});

describe('Connaisseur ranking (reference §4.2, match_test.go)', () => {
  const NAME = 'docker.io/securesystemsengineering/sample:v1';
  // A, B, winner
  const rows: Array<[string, string, string]> = [
    ['', '*', '*'],
    ['*:*', '*/*', '*/*'],
    ['docker*/*', '*/*/*', '*/*/*'],
    ['*', '*:*', '*:*'],
    ['*/*', 'docker*/*', 'docker*/*'],
    ['*/*/image:v1', '*/sam*/*', '*/sam*/*'],
    ['docker.i*/s*', 'docker.io/*', 'docker.io/*'],
    ['*:test', '*/*', '*/*'],
    ['securesystemsengineering/sample:*', 'securesystemsengineering/sample:v*', 'securesystemsengineering/sample:v*'],
  ];
  it.each(rows)('%p vs %p → %p', (a, b, expected) => {
    const c = compareSpecificity(a, b, NAME);
    expect(c).not.toBe(0);
    expect(c > 0 ? a : b).toBe(expected);
    expect(Math.sign(compareSpecificity(b, a, NAME))).toBe(-Math.sign(c));
  });

  it('treats identical patterns as a tie', () => {
    expect(compareSpecificity('*', '*', NAME)).toBe(0);
  });

  it.each([
    ['*:*', NAME, 1, [3], [0]],
    ['doc*/*', NAME, 2, [4, 1], [3, 0]],
    ['*/sec*/*:*', NAME, 3, [1, 4, 3], [0, 3, 0]],
    ['*@sha256:*', `docker.io/image@sha256:${'a'.repeat(64)}`, 1, [10], [0]],
  ])('specificity(%p)', (pattern, name, count, lengths, prefixes) => {
    expect(specificity(pattern, name)).toEqual({ componentCount: count, componentLengths: lengths, prefixLengths: prefixes });
  });
});
