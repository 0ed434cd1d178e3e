import { canonicalRegistry, ImageReference, InvalidImageReferenceError } from './image-reference';

/**
 * Our reading of image references next to the container runtime's and Connaisseur's, so that every
 * divergence from the runtime is written down. Columns:
 * - runtime: what the kubelet and containerd pull (distribution/reference `ParseNormalizedNamed`,
 *   go-digest v1.0.0; the kubelet adds `:latest`), or `invalid`. Most rows come from
 *   distribution/reference's own tables (normalize_test.go, reference_test.go).
 * - connaisseur: `Name()` of Connaisseur's image package (go-containerregistry v0.21.5, weak
 *   validation), or `invalid`; shown for the migration notes, not checked.
 * - ours: `Name()`, or `invalid: <reason>`; checked.
 * - difference: why ours is not the runtime's image. The test requires it exactly where ours and the
 *   runtime's differ (valid against invalid, or another registry, path, tag or digest).
 */
interface Row {
  input: string;
  runtime: string;
  connaisseur: string;
  ours: string;
  difference?: string;
}

const H = 'f'.repeat(64);
const HEX_ID = '1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a';
const FAIL_CLOSED_SHA256 = 'fail closed: no validator and no registry client of ours checks other digests than sha256';

const rows: Row[] = [
  // Docker Hub names.
  { input: 'debian', runtime: 'docker.io/library/debian:latest', connaisseur: 'index.docker.io/library/debian:latest', ours: 'index.docker.io/library/debian:latest' },
  { input: 'docker/docker', runtime: 'docker.io/docker/docker:latest', connaisseur: 'index.docker.io/docker/docker:latest', ours: 'index.docker.io/docker/docker:latest' },
  { input: 'docker.io/debian', runtime: 'docker.io/library/debian:latest', connaisseur: 'index.docker.io/library/debian:latest', ours: 'index.docker.io/library/debian:latest' },
  { input: 'index.docker.io/debian', runtime: 'docker.io/library/debian:latest', connaisseur: 'index.docker.io/library/debian:latest', ours: 'index.docker.io/library/debian:latest' },
  // containerd pulls docker.io from registry-1.docker.io: the same registry.
  {
    input: 'registry-1.docker.io/library/nginx:1',
    runtime: 'registry-1.docker.io/library/nginx:1',
    connaisseur: 'registry-1.docker.io/library/nginx:1',
    ours: 'index.docker.io/library/nginx:1',
  },
  {
    input: 'registry-1.docker.io/nginx:1',
    runtime: 'registry-1.docker.io/nginx:1',
    connaisseur: 'registry-1.docker.io/nginx:1',
    ours: 'index.docker.io/library/nginx:1',
    difference:
      'read as Docker Hub, where a single component means library/; the runtime asks registry-1.docker.io for "nginx", and Docker Hub has no top-level repositories but the official ones: the same image or none',
  },
  {
    input: 'Docker.IO/nginx:1',
    runtime: 'Docker.IO/nginx:1',
    connaisseur: 'Docker.IO/nginx:1',
    ours: 'index.docker.io/library/nginx:1',
    difference:
      'the runtime rewrites only the exact spelling docker.io to Docker Hub; for this one it asks the host docker.io itself, which serves no images: no pull, while we read it as Docker Hub (host names are case-insensitive)',
  },
  {
    input: 'docker.io:443/nginx:1',
    runtime: 'docker.io:443/nginx:1',
    connaisseur: 'docker.io:443/nginx:1',
    ours: 'index.docker.io/library/nginx:1',
    difference: 'as Docker.IO: the runtime asks docker.io:443 itself (no pull); for us 443 is the default port of the same registry',
  },
  { input: `docker.io/${HEX_ID}`, runtime: `docker.io/library/${HEX_ID}:latest`, connaisseur: `index.docker.io/library/${HEX_ID}:latest`, ours: `index.docker.io/library/${HEX_ID}:latest` },
  { input: HEX_ID, runtime: 'invalid', connaisseur: `index.docker.io/library/${HEX_ID}:latest`, ours: 'invalid: a 64-digit hex string is an image ID, not a reference' },

  // localhost, and capitals in the first component: registries to the runtime.
  { input: 'localhost/debian', runtime: 'localhost/debian:latest', connaisseur: 'index.docker.io/localhost/debian:latest', ours: 'localhost/debian:latest' },
  { input: 'localhost/library/debian', runtime: 'localhost/library/debian:latest', connaisseur: 'index.docker.io/localhost/library/debian:latest', ours: 'localhost/library/debian:latest' },
  { input: 'LOCALHOST/app', runtime: 'LOCALHOST/app:latest', connaisseur: 'invalid', ours: 'localhost/app:latest' },
  { input: 'LOCALDOMAIN/debian', runtime: 'LOCALDOMAIN/debian:latest', connaisseur: 'invalid', ours: 'localdomain:443/debian:latest' },
  { input: 'Docker/docker', runtime: 'Docker/docker:latest', connaisseur: 'invalid', ours: 'docker:443/docker:latest' },
  { input: 'localhost:5000', runtime: 'docker.io/library/localhost:5000', connaisseur: 'index.docker.io/library/localhost:5000', ours: 'index.docker.io/library/localhost:5000' },
  { input: 'example.com', runtime: 'docker.io/library/example.com:latest', connaisseur: 'index.docker.io/library/example.com:latest', ours: 'index.docker.io/library/example.com:latest' },

  // Registry spellings: one registry, one Name().
  { input: 'REGISTRY.PROD.EXAMPLE/app:1', runtime: 'REGISTRY.PROD.EXAMPLE/app:1', connaisseur: 'REGISTRY.PROD.EXAMPLE/app:1', ours: 'registry.prod.example/app:1' },
  { input: 'registry.prod.example:443/app:1', runtime: 'registry.prod.example:443/app:1', connaisseur: 'registry.prod.example:443/app:1', ours: 'registry.prod.example/app:1' },
  { input: 'registry.prod.example:0443/app:1', runtime: 'registry.prod.example:0443/app:1', connaisseur: 'registry.prod.example:0443/app:1', ours: 'registry.prod.example/app:1' },
  { input: 'registry.prod.example:80/app:1', runtime: 'registry.prod.example:80/app:1', connaisseur: 'registry.prod.example:80/app:1', ours: 'registry.prod.example:80/app:1' },
  { input: 'MyRegistry/app:1', runtime: 'MyRegistry/app:1', connaisseur: 'invalid', ours: 'myregistry:443/app:1' },
  { input: 'test:5000/repo', runtime: 'test:5000/repo:latest', connaisseur: 'test:5000/repo:latest', ours: 'test:5000/repo:latest' },
  { input: '127.0.0.1:5000/debian', runtime: '127.0.0.1:5000/debian:latest', connaisseur: '127.0.0.1:5000/debian:latest', ours: '127.0.0.1:5000/debian:latest' },
  { input: '192.168.0.1:8/debian', runtime: '192.168.0.1:8/debian:latest', connaisseur: '192.168.0.1:8/debian:latest', ours: '192.168.0.1:8/debian:latest' },
  { input: '192.168.0.1:80', runtime: 'docker.io/library/192.168.0.1:80', connaisseur: 'index.docker.io/library/192.168.0.1:80', ours: 'index.docker.io/library/192.168.0.1:80' },
  { input: '[fc00::1]:5000/docker', runtime: '[fc00::1]:5000/docker:latest', connaisseur: '[fc00::1]:5000/docker:latest', ours: '[fc00::1]:5000/docker:latest' },
  {
    input: '[fc00:1:2:3:4:5:6:7]:5000/library/debian',
    runtime: '[fc00:1:2:3:4:5:6:7]:5000/library/debian:latest',
    connaisseur: '[fc00:1:2:3:4:5:6:7]:5000/library/debian:latest',
    ours: '[fc00:1:2:3:4:5:6:7]:5000/library/debian:latest',
  },
  { input: '[0:0:0:0:0:0:0:1]:5000/app', runtime: '[0:0:0:0:0:0:0:1]:5000/app:latest', connaisseur: '[0:0:0:0:0:0:0:1]:5000/app:latest', ours: '[::1]:5000/app:latest' },
  { input: '[::1]:443/app', runtime: '[::1]:443/app:latest', connaisseur: '[::1]:443/app:latest', ours: '[::1]/app:latest' },
  { input: 'xn--n3h.com/myimage:xn--n3h.com', runtime: 'xn--n3h.com/myimage:xn--n3h.com', connaisseur: 'xn--n3h.com/myimage:xn--n3h.com', ours: 'xn--n3h.com/myimage:xn--n3h.com' },
  {
    input: 'b.gcr.io/test.example.com/my-app:test.example.com',
    runtime: 'b.gcr.io/test.example.com/my-app:test.example.com',
    connaisseur: 'b.gcr.io/test.example.com/my-app:test.example.com',
    ours: 'b.gcr.io/test.example.com/my-app:test.example.com',
  },

  // Registries the runtime's grammar takes but it cannot pull from.
  {
    input: 'bad_host.io/app',
    runtime: 'bad_host.io/app:latest',
    connaisseur: 'bad_host.io/app:latest',
    ours: 'invalid: invalid registry "bad_host.io"',
    difference:
      'fail closed: not a host name; the runtime parses it as a path without a domain and containerd then asks a host "bad_host.io" (for CRI-O it has no registry at all)',
  },
  {
    input: 'registry.io:99999/app',
    runtime: 'registry.io:99999/app:latest',
    connaisseur: 'registry.io:99999/app:latest',
    ours: 'invalid: invalid registry "registry.io:99999" (port out of range)',
    difference: 'fail closed: the grammar takes any digits, the runtime cannot dial the port: no pull',
  },
  {
    input: '[:::]/app',
    runtime: '[:::]/app:latest',
    connaisseur: '[:::]/app:latest',
    ours: 'invalid: invalid registry "[:::]" (not an IPv6 address)',
    difference: 'fail closed: the grammar takes any hex digits and colons in brackets, the runtime cannot dial what is no address: no pull',
  },
  {
    input: '127.1:5000/app',
    runtime: '127.1:5000/app:latest',
    connaisseur: '127.1:5000/app:latest',
    ours: 'invalid: invalid registry "127.1:5000" (an IPv4 address is written as four decimal numbers)',
    difference:
      'fail closed: the runtime resolves it as a host name, which a libc resolver (inet_aton) reads as 127.0.0.1: one registry under two names, and a rule for 127.0.0.1:5000 would miss it',
  },
  { input: '-docker.io/docker/docker', runtime: 'invalid', connaisseur: '-docker.io/docker/docker:latest', ours: 'invalid: invalid registry "-docker.io"' },
  { input: 'dock..er/docker', runtime: 'invalid', connaisseur: 'dock..er/docker:latest', ours: 'invalid: invalid registry "dock..er"' },
  { input: '[fe80::1%eth0]:5000/debian', runtime: 'invalid', connaisseur: 'invalid', ours: 'invalid: invalid registry "[fe80::1%eth0]:5000"' },
  { input: '[2001:db8:3:4::192.0.2.33]:5000/debian', runtime: 'invalid', connaisseur: '[2001:db8:3:4::192.0.2.33]:5000/debian:latest', ours: 'invalid: invalid registry "[2001:db8:3:4::192.0.2.33]:5000"' },
  { input: '[fc00::1]', runtime: 'invalid', connaisseur: 'invalid', ours: 'invalid: invalid tag "1]"' },
  { input: 'https://github.com/docker/docker', runtime: 'invalid', connaisseur: 'https://github.com/docker/docker:latest', ours: 'invalid: invalid registry "https:"' },

  // Repository paths: distribution's components.
  { input: 'a', runtime: 'docker.io/library/a:latest', connaisseur: 'invalid', ours: 'index.docker.io/library/a:latest' },
  { input: 'registry.io/a', runtime: 'registry.io/a:latest', connaisseur: 'invalid', ours: 'registry.io/a:latest' },
  { input: 'jess/t', runtime: 'docker.io/jess/t:latest', connaisseur: 'index.docker.io/jess/t:latest', ours: 'index.docker.io/jess/t:latest' },
  { input: 'dock__er/docker', runtime: 'docker.io/dock__er/docker:latest', connaisseur: 'index.docker.io/dock__er/docker:latest', ours: 'index.docker.io/dock__er/docker:latest' },
  { input: 'docker---rules/docker', runtime: 'docker.io/docker---rules/docker:latest', connaisseur: 'index.docker.io/docker---rules/docker:latest', ours: 'index.docker.io/docker---rules/docker:latest' },
  { input: 'foo_bar.com:8080', runtime: 'docker.io/library/foo_bar.com:8080', connaisseur: 'index.docker.io/library/foo_bar.com:8080', ours: 'index.docker.io/library/foo_bar.com:8080' },
  { input: 'a___b', runtime: 'invalid', connaisseur: 'index.docker.io/library/a___b:latest', ours: 'invalid: invalid repository "a___b"' },
  { input: '____/____', runtime: 'invalid', connaisseur: 'index.docker.io/____/____:latest', ours: 'invalid: invalid repository "____/____"' },
  { input: '-docker', runtime: 'invalid', connaisseur: 'index.docker.io/library/-docker:latest', ours: 'invalid: invalid repository "-docker"' },
  { input: 'docker-/docker', runtime: 'invalid', connaisseur: 'index.docker.io/docker-/docker:latest', ours: 'invalid: invalid repository "docker-/docker"' },
  { input: 'docker///docker', runtime: 'invalid', connaisseur: 'index.docker.io/docker///docker:latest', ours: 'invalid: invalid repository "docker///docker"' },
  { input: 'registry.io//double', runtime: 'invalid', connaisseur: 'registry.io//double:latest', ours: 'invalid: invalid repository "/double"' },
  { input: 'docker/Docker', runtime: 'invalid', connaisseur: 'invalid', ours: 'invalid: repository "docker/Docker" must be lowercase' },
  { input: 'Uppercase:tag', runtime: 'invalid', connaisseur: 'invalid', ours: 'invalid: repository "Uppercase" must be lowercase' },
  { input: 'test:5000/Uppercase/lowercase:tag', runtime: 'invalid', connaisseur: 'invalid', ours: 'invalid: repository "Uppercase/lowercase" must be lowercase' },
  { input: 'aa/asdf$$^/aa', runtime: 'invalid', connaisseur: 'invalid', ours: 'invalid: invalid repository "aa/asdf$$^/aa"' },

  // Lengths.
  { input: `domain/${'a'.repeat(256)}:tag`, runtime: 'invalid', connaisseur: 'invalid', ours: 'invalid: name longer than 255 characters' },
  { input: 'a'.repeat(248), runtime: 'invalid', connaisseur: `index.docker.io/library/${'a'.repeat(248)}:latest`, ours: 'invalid: name longer than 255 characters' },
  {
    input: `example.com/${'a'.repeat(255)}:tag`,
    runtime: `example.com/${'a'.repeat(255)}:tag`,
    connaisseur: `example.com/${'a'.repeat(255)}:tag`,
    ours: 'invalid: name longer than 255 characters',
    difference:
      'fail closed: distribution/reference v0.6 limits the path to 255 characters, its v0.5 and docker/distribution (in kubelets and containerd 1.x still supported) the whole name; we keep the stricter limit',
  },

  // Tags.
  { input: 'lowercase:Uppercase', runtime: 'docker.io/library/lowercase:Uppercase', connaisseur: 'index.docker.io/library/lowercase:Uppercase', ours: 'index.docker.io/library/lowercase:Uppercase' },
  { input: 'test.com:5000', runtime: 'docker.io/library/test.com:5000', connaisseur: 'index.docker.io/library/test.com:5000', ours: 'index.docker.io/library/test.com:5000' },
  { input: 'image:-tag', runtime: 'invalid', connaisseur: 'index.docker.io/library/image:-tag', ours: 'invalid: invalid tag "-tag"' },
  { input: ':justtag', runtime: 'invalid', connaisseur: 'invalid', ours: 'invalid: invalid repository ""' },
  { input: 'nginx:1.0/foo', runtime: 'invalid', connaisseur: 'invalid', ours: 'invalid: invalid registry "nginx:1.0"' },

  // Digests.
  {
    input: `test:5000/repo:tag@sha256:${H}`,
    runtime: `test:5000/repo:tag@sha256:${H}`,
    connaisseur: `test:5000/repo:tag@sha256:${H}`,
    ours: `test:5000/repo:tag@sha256:${H}`,
  },
  {
    input: `[2001:db8::1]:5000/repo@sha256:${H}`,
    runtime: `[2001:db8::1]:5000/repo@sha256:${H}`,
    connaisseur: `[2001:db8::1]:5000/repo@sha256:${H}`,
    ours: `[2001:db8::1]:5000/repo@sha256:${H}`,
  },
  { input: `@sha256:${H}`, runtime: 'invalid', connaisseur: 'invalid', ours: 'invalid: invalid repository ""' },
  { input: `repo@sha256:${'f'.repeat(34)}`, runtime: 'invalid', connaisseur: 'invalid', ours: 'invalid: a digest must be "sha256:" followed by 64 lowercase hex digits' },
  { input: `repo@sha256:${'F'.repeat(64)}`, runtime: 'invalid', connaisseur: 'invalid', ours: 'invalid: a digest must be "sha256:" followed by 64 lowercase hex digits' },
  { input: `validname@invaliddigest:${H}`, runtime: 'invalid', connaisseur: 'invalid', ours: 'invalid: a digest must be "sha256:" followed by 64 lowercase hex digits' },
  {
    input: `validname@sha512:${'f'.repeat(128)}`,
    runtime: `docker.io/library/validname@sha512:${'f'.repeat(128)}`,
    connaisseur: 'invalid',
    ours: 'invalid: only sha256 digests are supported, not sha512',
    difference: FAIL_CLOSED_SHA256,
  },
  {
    input: `validname@sha384:${'f'.repeat(96)}`,
    runtime: `docker.io/library/validname@sha384:${'f'.repeat(96)}`,
    connaisseur: 'invalid',
    ours: 'invalid: only sha256 digests are supported, not sha384',
    difference: FAIL_CLOSED_SHA256,
  },
];

/** A fully qualified runtime reference in parts; the registry as we write it. */
function runtimeParts(reference: string) {
  const [name, digest = ''] = reference.split('@');
  const slash = name.indexOf('/');
  const colon = name.lastIndexOf(':');
  const tagged = colon > name.lastIndexOf('/');
  return {
    registry: canonicalRegistry(name.slice(0, slash)),
    repository: name.slice(slash + 1, tagged ? colon : undefined),
    tag: tagged ? name.slice(colon + 1) : '',
    digest,
  };
}

describe('image references: ours, the container runtime’s and Connaisseur’s', () => {
  it.each(rows)('$input', ({ input, runtime, ours, difference }) => {
    let parsed: ImageReference | undefined;
    if (ours.startsWith('invalid: ')) {
      expect(() => ImageReference.parse(input)).toThrow(new InvalidImageReferenceError(input, ours.slice('invalid: '.length)));
    } else {
      parsed = ImageReference.parse(input);
      expect(parsed.name()).toBe(ours);
    }
    const ourParts = parsed && { registry: parsed.registry, repository: parsed.repository, tag: parsed.tag, digest: parsed.digest };
    const sameAsRuntime = runtime === 'invalid' ? !parsed : !!ourParts && JSON.stringify(runtimeParts(runtime)) === JSON.stringify(ourParts);
    // A difference is explained exactly where there is one.
    expect(sameAsRuntime).toBe(!difference);
  });

  it('differs from the runtime only where a row says why', () => {
    expect(rows.filter((r) => r.difference).map((r) => r.input)).toEqual([
      'registry-1.docker.io/nginx:1',
      'Docker.IO/nginx:1',
      'docker.io:443/nginx:1',
      'bad_host.io/app',
      'registry.io:99999/app',
      '[:::]/app',
      '127.1:5000/app',
      `example.com/${'a'.repeat(255)}:tag`,
      `validname@sha512:${'f'.repeat(128)}`,
      `validname@sha384:${'f'.repeat(96)}`,
    ]);
  });
});
