import { ImageReference, InvalidImageReferenceError, isDigest } from './image-reference';

const D = 'sha256:91ac9b26df583762234c1cdb2fc930364754ccc59bc752a2bfe298d2ea68f9ff';

describe('ImageReference.parse (reference §3, go-containerregistry rules)', () => {
  // input, context, tag, digest, Name()
  const valid: Array<[string, string, string, string, string]> = [
    ['test-image', 'index.docker.io/library/test-image', 'latest', '', 'index.docker.io/library/test-image:latest'],
    ['test-image:1.0.0', 'index.docker.io/library/test-image', '1.0.0', '', 'index.docker.io/library/test-image:1.0.0'],
    ['registry.io/path/to/repo/image:tag', 'registry.io/path/to/repo/image', 'tag', '', 'registry.io/path/to/repo/image:tag'],
    [`test-image@${D}`, 'index.docker.io/library/test-image', '', D, `index.docker.io/library/test-image@${D}`],
    [`test-image:latest@${D}`, 'index.docker.io/library/test-image', 'latest', D, `index.docker.io/library/test-image:latest@${D}`],
    ['path/to/repo/image:tag', 'index.docker.io/path/to/repo/image', 'tag', '', 'index.docker.io/path/to/repo/image:tag'],
    ['registry.io:8080/path/to/repo/image:tag', 'registry.io:8080/path/to/repo/image', 'tag', '', 'registry.io:8080/path/to/repo/image:tag'],
    [`my.reg/allow-me@${D}`, 'my.reg/allow-me', '', D, `my.reg/allow-me@${D}`],
    ['localhost:5000/test-image:latest', 'localhost:5000/test-image', 'latest', '', 'localhost:5000/test-image:latest'],
    ['localhost/test-image:latest', 'index.docker.io/localhost/test-image', 'latest', '', 'index.docker.io/localhost/test-image:latest'],
    // Ours, beyond the reference table: docker.io aliases and Docker Hub namespaces.
    ['docker.io/test:tag', 'index.docker.io/library/test', 'tag', '', 'index.docker.io/library/test:tag'],
    ['docker.io/securesystemsengineering/sample:v1', 'index.docker.io/securesystemsengineering/sample', 'v1', '', 'index.docker.io/securesystemsengineering/sample:v1'],
    ['index.docker.io/library/redis', 'index.docker.io/library/redis', 'latest', '', 'index.docker.io/library/redis:latest'],
    ['127.0.0.1:5000/demo/app:v1', '127.0.0.1:5000/demo/app', 'v1', '', '127.0.0.1:5000/demo/app:v1'],
    ['[::1]:5000/demo/app', '[::1]:5000/demo/app', 'latest', '', '[::1]:5000/demo/app:latest'],
    ['quay.io/fluentd_elasticsearch/fluentd:v2.5.2', 'quay.io/fluentd_elasticsearch/fluentd', 'v2.5.2', '', 'quay.io/fluentd_elasticsearch/fluentd:v2.5.2'],
  ];

  it.each(valid)('%s', (input, context, tag, digest, name) => {
    const ref = ImageReference.parse(input);
    expect(ref.context).toBe(context);
    expect(ref.tag).toBe(tag);
    expect(ref.digest).toBe(digest);
    expect(ref.name()).toBe(name);
    expect(ref.original).toBe(input);
  });

  const invalid = [
    'invalid,image',
    'asd"fgh',
    'securesystemsengineering/alice-image@sha256:123',
    '',
    'UPPER/case',
    'image:',
    'image:-tag',
    `image:${'t'.repeat(129)}`,
    'a', // go-containerregistry wants at least two characters of repository
    'registry.io/',
    'registry.io//double',
    `image@sha512:${'a'.repeat(128)}`,
    `image@sha256:${'A'.repeat(64)}`,
    'bad_host.io:port/x',
    ' image',
  ];
  it.each(invalid)('rejects %p', (input) => {
    expect(() => ImageReference.parse(input)).toThrow(InvalidImageReferenceError);
    expect(ImageReference.tryParse(input)).toBeUndefined();
  });

  it('pins a digest and keeps the tag', () => {
    const ref = ImageReference.parse('securesystemsengineering/alice-image:test').withDigest(D);
    expect(ref.name()).toBe(`index.docker.io/securesystemsengineering/alice-image:test@${D}`);
    expect(() => ref.withDigest('sha256:123')).toThrow(InvalidImageReferenceError);
  });

  it('recognizes digests', () => {
    expect(isDigest(D)).toBe(true);
    expect(isDigest('sha256:123')).toBe(false);
    expect(isDigest(undefined)).toBe(false);
  });
});
