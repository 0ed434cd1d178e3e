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

  // Issue 8: a registry spelled in capitals or with its default port must not fall through to a broader rule.
  describe.each(['strict', 'connaisseur'] as const)('registry spellings (%s)', (mode) => {
    const rules = ['*:*', 'registry.prod.example/*'];
    it.each([
      'registry.prod.example/app:1',
      'REGISTRY.PROD.EXAMPLE/app:1',
      'Registry.Prod.Example:443/app:1',
      'registry.prod.example:0443/app:1',
    ])('%s → registry.prod.example/*', (image) => {
      expect(winner(mode, image, rules)).toBe('registry.prod.example/*');
    });

    it('keeps another port another registry', () => {
      expect(winner(mode, 'registry.prod.example:80/app:1', rules)).toBe('*:*');
    });

    it.each(['REGISTRY.PROD.EXAMPLE/*', 'registry.prod.example:443/*', 'Registry.Prod.Example:0443/*', '*.PROD.EXAMPLE/*'])(
      'a pattern written %s matches every spelling',
      (pattern) => {
        for (const image of ['registry.prod.example/app:1', 'REGISTRY.PROD.EXAMPLE:443/app:1']) {
          expect(winner(mode, image, ['*:*', pattern])).toBe(pattern);
        }
      },
    );

    it('localhost/app is on the registry localhost, not a Docker Hub namespace', () => {
      expect(winner(mode, 'localhost/app:1', ['*:*', 'localhost/*'])).toBe('localhost/*');
      expect(winner(mode, 'LOCALHOST/app:1', ['*:*', 'localhost/*'])).toBe('localhost/*');
      expect(winner(mode, 'localhost/app:1', ['*:*', 'docker.io/localhost/*'])).toBe('*:*');
    });

    it('an IPv6 registry is written with escaped brackets (a glob class otherwise)', () => {
      expect(winner(mode, '[0:0::1]:5000/app:1', ['*:*', '\\[::1\\]:5000/*'])).toBe('\\[::1\\]:5000/*');
      expect(winner(mode, '[::1]/app:1', ['*:*', '\\[0::1\\]:443/*'])).toBe('\\[0::1\\]:443/*');
    });

    it('registry-1.docker.io is Docker Hub', () => {
      expect(winner(mode, 'registry-1.docker.io/library/nginx:1', ['*:*', 'docker.io/library/*'])).toBe('docker.io/library/*');
      expect(winner(mode, 'nginx:1', ['*:*', 'REGISTRY-1.DOCKER.IO/library/*'])).toBe('REGISTRY-1.DOCKER.IO/library/*');
    });

    it('reports patterns that differ only in the registry spelling as identical', () => {
      expect(new PolicyMatcher([{ pattern: 'Registry.IO/*' }, { pattern: 'registry.io:443/*' }], mode).duplicatePatterns()).toEqual(['registry.io/*']);
    });
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
    // The registry as Name() writes it.
    ['REGISTRY.PROD.EXAMPLE/app:*', 'registry.prod.example/app:*'],
    ['registry.prod.example:443/app', 'registry.prod.example/app'],
    ['registry.prod.example:8443/App', 'registry.prod.example:8443/App'],
    ['LOCALHOST:443/x', 'localhost/x'],
    ['MyRegistry/*', 'myregistry:443/*'],
    ['DOCKER.IO/test:*', 'index.docker.io/library/test:*'],
    ['registry-1.docker.io:443/*', 'index.docker.io/*'],
    ['\\[0:0::1\\]:0443/*', '\\[::1\\]/*'],
    ['registry\\.io:443/*', 'registry.io/*'],
    // Globs: lowercased, and a literal port at the end made canonical.
    ['*.PROD.EXAMPLE/*', '*.prod.example/*'],
    ['*.Prod.Example:0443/*', '*.prod.example/*'],
    ['*.prod.example:05000/*', '*.prod.example:5000/*'],
    ['Docker*/*', 'docker*/*'],
    ['{REG.IO,quay.io}/*', '{reg.io,quay.io}/*'],
  ])('%s → %s', (pattern, normalized) => {
    expect(normalizePattern(pattern)).toBe(normalized);
  });
});

describe('normalizePattern (connaisseur): only the registry', () => {
  it.each([
    ['*:*', '*:*'],
    ['busybox', 'busybox'],
    ['securesystemsengineering/*:co*', 'securesystemsengineering/*:co*'],
    ['docker*/*', 'docker*/*'],
    ['docker.io/test:*', 'docker.io/test:*'],
    // Connaisseur ranks docker.io as written; its implicit leading `*` matches index.docker.io already.
    ['DOCKER.IO:443/*:*', 'docker.io/*:*'],
    ['index.docker.io/*:*', 'index.docker.io/*:*'],
    ['registry-1.docker.io/*:*', 'index.docker.io/*:*'],
    ['REGISTRY.PROD.EXAMPLE:443/App', 'registry.prod.example/App'],
    ['*.PROD.EXAMPLE/*', '*.prod.example/*'],
    ['MyRegistry/*', 'myregistry:443/*'],
  ])('%s → %s', (pattern, normalized) => {
    expect(normalizePattern(pattern, 'connaisseur')).toBe(normalized);
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
