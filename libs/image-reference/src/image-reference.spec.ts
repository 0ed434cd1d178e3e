import { canonicalRegistry, ImageReference, InvalidImageReferenceError, isDigest, isRegistryComponent } from './image-reference';

const D = 'sha256:91ac9b26df583762234c1cdb2fc930364754ccc59bc752a2bfe298d2ea68f9ff';

describe('ImageReference.parse (what the container runtime pulls)', () => {
  // input, registry, repository, tag, digest, Name()
  const valid: Array<[string, string, string, string, string, string]> = [
    // Reference §3 (Connaisseur's image_test.go), where the runtime agrees.
    ['test-image', 'index.docker.io', 'library/test-image', 'latest', '', 'index.docker.io/library/test-image:latest'],
    ['test-image:1.0.0', 'index.docker.io', 'library/test-image', '1.0.0', '', 'index.docker.io/library/test-image:1.0.0'],
    ['registry.io/path/to/repo/image:tag', 'registry.io', 'path/to/repo/image', 'tag', '', 'registry.io/path/to/repo/image:tag'],
    [`test-image@${D}`, 'index.docker.io', 'library/test-image', '', D, `index.docker.io/library/test-image@${D}`],
    [`test-image:latest@${D}`, 'index.docker.io', 'library/test-image', 'latest', D, `index.docker.io/library/test-image:latest@${D}`],
    ['path/to/repo/image:tag', 'index.docker.io', 'path/to/repo/image', 'tag', '', 'index.docker.io/path/to/repo/image:tag'],
    ['registry.io:8080/path/to/repo/image:tag', 'registry.io:8080', 'path/to/repo/image', 'tag', '', 'registry.io:8080/path/to/repo/image:tag'],
    [`my.reg/allow-me@${D}`, 'my.reg', 'allow-me', '', D, `my.reg/allow-me@${D}`],
    ['localhost:5000/test-image:latest', 'localhost:5000', 'test-image', 'latest', '', 'localhost:5000/test-image:latest'],
    // `localhost` is a registry to the runtime (Connaisseur: index.docker.io/localhost/test-image).
    ['localhost/test-image:latest', 'localhost', 'test-image', 'latest', '', 'localhost/test-image:latest'],
    ['LOCALHOST/app', 'localhost', 'app', 'latest', '', 'localhost/app:latest'],
    ['Localhost:443/app', 'localhost', 'app', 'latest', '', 'localhost/app:latest'],
    // Docker Hub under all its names.
    ['docker.io/test:tag', 'index.docker.io', 'library/test', 'tag', '', 'index.docker.io/library/test:tag'],
    ['docker.io/securesystemsengineering/sample:v1', 'index.docker.io', 'securesystemsengineering/sample', 'v1', '', 'index.docker.io/securesystemsengineering/sample:v1'],
    ['index.docker.io/library/redis', 'index.docker.io', 'library/redis', 'latest', '', 'index.docker.io/library/redis:latest'],
    ['registry-1.docker.io/nginx:1', 'index.docker.io', 'library/nginx', '1', '', 'index.docker.io/library/nginx:1'],
    ['Docker.IO:443/nginx:1', 'index.docker.io', 'library/nginx', '1', '', 'index.docker.io/library/nginx:1'],
    // Registry host names are case-insensitive, and 443 is the https default port.
    ['REGISTRY.PROD.EXAMPLE/app:1', 'registry.prod.example', 'app', '1', '', 'registry.prod.example/app:1'],
    ['registry.prod.example:443/app:1', 'registry.prod.example', 'app', '1', '', 'registry.prod.example/app:1'],
    ['registry.prod.example:0443/app:1', 'registry.prod.example', 'app', '1', '', 'registry.prod.example/app:1'],
    ['registry.prod.example:80/app:1', 'registry.prod.example:80', 'app', '1', '', 'registry.prod.example:80/app:1'],
    ['registry.prod.example:05000/app:1', 'registry.prod.example:5000', 'app', '1', '', 'registry.prod.example:5000/app:1'],
    // A capital makes a single-label first component a registry; `:443` stays so that Name() still reads as one.
    ['MyRegistry/app:1', 'myregistry:443', 'app', '1', '', 'myregistry:443/app:1'],
    ['myregistry:443/app:1', 'myregistry:443', 'app', '1', '', 'myregistry:443/app:1'],
    ['127.0.0.1:5000/demo/app:v1', '127.0.0.1:5000', 'demo/app', 'v1', '', '127.0.0.1:5000/demo/app:v1'],
    ['10.0.0.255/app', '10.0.0.255', 'app', 'latest', '', '10.0.0.255/app:latest'],
    ['1.2.3.4a/app', '1.2.3.4a', 'app', 'latest', '', '1.2.3.4a/app:latest'],
    ['[::1]:5000/demo/app', '[::1]:5000', 'demo/app', 'latest', '', '[::1]:5000/demo/app:latest'],
    ['[0:0:0:0:0:0:0:1]:5000/demo/app', '[::1]:5000', 'demo/app', 'latest', '', '[::1]:5000/demo/app:latest'],
    ['[FC00:0::1]:443/app', '[fc00::1]', 'app', 'latest', '', '[fc00::1]/app:latest'],
    ['quay.io/fluentd_elasticsearch/fluentd:v2.5.2', 'quay.io', 'fluentd_elasticsearch/fluentd', 'v2.5.2', '', 'quay.io/fluentd_elasticsearch/fluentd:v2.5.2'],
    // distribution's path grammar: single characters, `__`, runs of dashes.
    ['a', 'index.docker.io', 'library/a', 'latest', '', 'index.docker.io/library/a:latest'],
    ['registry.io/a', 'registry.io', 'a', 'latest', '', 'registry.io/a:latest'],
    ['dock__er/docker---rules', 'index.docker.io', 'dock__er/docker---rules', 'latest', '', 'index.docker.io/dock__er/docker---rules:latest'],
    // No `/`: never a registry (`host:port` alone is a name and a tag).
    ['localhost:5000', 'index.docker.io', 'library/localhost', '5000', '', 'index.docker.io/library/localhost:5000'],
    ['example.com', 'index.docker.io', 'library/example.com', 'latest', '', 'index.docker.io/library/example.com:latest'],
    ['lowercase:Uppercase', 'index.docker.io', 'library/lowercase', 'Uppercase', '', 'index.docker.io/library/lowercase:Uppercase'],
  ];

  it.each(valid)('%s', (input, registry, repository, tag, digest, name) => {
    const ref = ImageReference.parse(input);
    expect([ref.registry, ref.repository, ref.tag, ref.digest, ref.name()]).toEqual([registry, repository, tag, digest, name]);
    expect(ref.context).toBe(`${registry}/${repository}`);
    expect(ref.original).toBe(input);
    expect(ImageReference.parse(ref.name()).name()).toBe(name);
  });

  // input, reason
  const invalid: Array<[string, string]> = [
    ['invalid,image', 'invalid repository "invalid,image"'],
    ['asd"fgh', 'invalid repository "asd"fgh"'],
    ['', 'empty reference'],
    ['Nginx:latest', 'repository "Nginx" must be lowercase'],
    ['registry.io/UPPER/case', 'repository "UPPER/case" must be lowercase'],
    ['image:', 'invalid tag ""'],
    ['image:-tag', 'invalid tag "-tag"'],
    [`image:${'t'.repeat(129)}`, `invalid tag "${'t'.repeat(129)}"`],
    ['registry.io/', 'invalid repository ""'],
    ['registry.io//double', 'invalid repository "/double"'],
    ['docker///docker', 'invalid repository "docker///docker"'],
    ['x/a..b', 'invalid repository "x/a..b"'],
    ['x/a___b', 'invalid repository "x/a___b"'],
    ['x/-a', 'invalid repository "x/-a"'],
    ['x/a-', 'invalid repository "x/a-"'],
    ['____/____', 'invalid repository "____/____"'],
    [' image', 'invalid repository " image"'],
    // Registries: distribution's domain grammar, and an address and port the runtime can dial.
    ['bad_host.io/x', 'invalid registry "bad_host.io"'],
    ['a..b/x', 'invalid registry "a..b"'],
    ['-a.io/x', 'invalid registry "-a.io"'],
    ['a.io./x', 'invalid registry "a.io."'],
    ['bad_host.io:port/x', 'invalid registry "bad_host.io:port"'],
    ['registry.io:99999/x', 'invalid registry "registry.io:99999" (port out of range)'],
    ['registry.io:0/x', 'invalid registry "registry.io:0" (port out of range)'],
    ['[:::]/x', 'invalid registry "[:::]" (not an IPv6 address)'],
    ['[fe80::1%eth0]:5000/x', 'invalid registry "[fe80::1%eth0]:5000"'],
    ['[::ffff:1.2.3.4]/x', 'invalid registry "[::ffff:1.2.3.4]"'],
    ['[::1]', 'invalid tag "1]"'],
    ['127.1:5000/x', 'invalid registry "127.1:5000" (an IPv4 address is written as four decimal numbers)'],
    ['127.000.000.001/x', 'invalid registry "127.000.000.001" (an IPv4 address is written as four decimal numbers)'],
    ['0x7f.0.0.1/x', 'invalid registry "0x7f.0.0.1" (an IPv4 address is written as four decimal numbers)'],
    ['2130706433:5000/x', 'invalid registry "2130706433:5000" (an IPv4 address is written as four decimal numbers)'],
    ['256.0.0.1/x', 'invalid registry "256.0.0.1" (an IPv4 address is written as four decimal numbers)'],
    // Digests: sha256 only (the runtime also takes sha384 and sha512, which nothing of ours can check).
    ['securesystemsengineering/alice-image@sha256:123', 'a digest must be "sha256:" followed by 64 lowercase hex digits'],
    [`image@sha256:${'A'.repeat(64)}`, 'a digest must be "sha256:" followed by 64 lowercase hex digits'],
    [`image@sha512:${'a'.repeat(128)}`, 'only sha256 digests are supported, not sha512'],
    [`image@sha384:${'a'.repeat(96)}`, 'only sha256 digests are supported, not sha384'],
    [`@${D}`, 'invalid repository ""'],
    [`image@${D}@${D}`, 'a digest must be "sha256:" followed by 64 lowercase hex digits'],
    ['1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a', 'a 64-digit hex string is an image ID, not a reference'],
    // Lengths: the path, and (as older runtimes count it) the whole name.
    ['a'.repeat(238), 'name longer than 255 characters'],
    [`example.com/${'a'.repeat(244)}`, 'name longer than 255 characters'],
    ['a'.repeat(1025), 'longer than 1024 characters'],
  ];
  it.each(invalid)('rejects %p: %s', (input, why) => {
    expect(() => ImageReference.parse(input)).toThrow(new InvalidImageReferenceError(input, why));
    expect(ImageReference.tryParse(input)).toBeUndefined();
  });

  it('keeps lengths at the limit', () => {
    // docker.io/library/<237 characters> is 255 characters long.
    expect(ImageReference.parse('a'.repeat(237)).repository).toBe(`library/${'a'.repeat(237)}`);
    expect(ImageReference.parse(`example.com/${'a'.repeat(243)}`).name()).toHaveLength(255 + ':latest'.length);
  });

  it('pins a digest and keeps the tag', () => {
    const ref = ImageReference.parse('securesystemsengineering/alice-image:test').withDigest(D);
    expect(ref.name()).toBe(`index.docker.io/securesystemsengineering/alice-image:test@${D}`);
    expect(() => ref.withDigest('sha256:123')).toThrow(InvalidImageReferenceError);
  });

  it('pins to the canonical registry: the same image to the runtime', () => {
    expect(ImageReference.parse('REGISTRY.PROD.EXAMPLE:443/app:1').withDigest(D).name()).toBe(`registry.prod.example/app:1@${D}`);
  });

  it('recognizes digests', () => {
    expect(isDigest(D)).toBe(true);
    expect(isDigest('sha256:123')).toBe(false);
    expect(isDigest(undefined)).toBe(false);
  });
});

describe('registries', () => {
  it.each([
    ['registry.io', true],
    ['localhost', true],
    ['host:5000', true],
    ['MyRegistry', true],
    ['library', false],
    ['localhost2', false],
  ])('isRegistryComponent(%p) → %p', (component, expected) => {
    expect(isRegistryComponent(component)).toBe(expected);
  });

  it.each([
    ['Registry.IO:443', 'registry.io'],
    ['registry.io:8443', 'registry.io:8443'],
    ['DOCKER.IO', 'index.docker.io'],
    ['registry-1.docker.io:443', 'index.docker.io'],
    ['docker.io:5000', 'docker.io:5000'],
    ['myreg', 'myreg:443'],
    ['[0:0::1]:0443', '[::1]'],
    ['bad_host.io', undefined],
    ['', undefined],
  ])('canonicalRegistry(%p) → %p', (registry, expected) => {
    expect(canonicalRegistry(registry)).toBe(expected);
  });
});
