import { ImageReference } from '@connaisseur-mesh/image-reference';
import { parse } from 'yaml';
import { conformancePath, describeConformance, readConformance } from '@connaisseur-mesh/testing';
import { CredentialStore, normalizeRegistryKey } from './credentials';

const contextOf = (image: string) => ImageReference.parse(image).context;

describe('registry keys', () => {
  it.each([
    ['https://index.docker.io/v1/', 'index.docker.io'],
    ['docker.io', 'index.docker.io'],
    ['index.docker.io', 'index.docker.io'],
    ['registry-1.docker.io', 'index.docker.io'],
    ['http://registry.io/path/', 'registry.io/path'],
    ['registry.io:5000', 'registry.io:5000'],
    // The registry as image references write it, or the key would miss the image it is for.
    ['REGISTRY.PROD.EXAMPLE', 'registry.prod.example'],
    ['https://registry.prod.example:443/team/', 'registry.prod.example/team'],
    ['HTTPS://Docker.IO:443/v1/', 'index.docker.io'],
    ['myreg', 'myreg:443'],
  ])('%s → %s', (key, normalized) => {
    expect(normalizeRegistryKey(key, 's')).toBe(normalized);
  });

  it('rejects what is not a registry', () => {
    expect(() => normalizeRegistryKey('[[]]\\', 's')).toThrow('secret "s": "[[]]\\" is not a registry[/path]');
  });

  it('finds the credentials of a key spelled otherwise than the image (issue 8)', () => {
    const store = CredentialStore.fromDockerConfig(JSON.stringify({ auths: { 'Registry.Prod.Example:443': { username: 'u', password: 'p' } } }), 's');
    for (const image of ['registry.prod.example/app:1', 'REGISTRY.PROD.EXAMPLE/app:1', 'registry.prod.example:0443/app']) {
      expect(store.lookup(contextOf(image))).toEqual({ username: 'u', password: 'p' });
    }
    expect(store.lookup(contextOf('registry.prod.example:8443/app'))).toBeUndefined();
  });

  it('matches whole path components only', () => {
    const store = CredentialStore.fromSecretYaml('username: u\npassword: p\nregistry: registry.io/team\n', 's');
    expect(store.lookup('registry.io/team/app')).toEqual({ username: 'u', password: 'p' });
    expect(store.lookup('registry.io/teammate/app')).toBeUndefined();
  });

  it('needs the registry in secret.yaml (cosign cannot guess where credentials belong)', () => {
    expect(() => CredentialStore.fromSecretYaml('username: u\npassword: p\n', 's')).toThrow('needs the registry');
    expect(() => CredentialStore.fromSecretYaml('username: []\npassword: {}\n', 's')).toThrow('needs username and password');
  });
});

describeConformance('Connaisseur auth fixtures (auth/)', () => {
  const dir = conformancePath('auth');

  it('08_docker_auth: the longest matching key wins; docker.io credentials match Docker Hub images', () => {
    const store = CredentialStore.fromSecretDir(dir, '08_docker_auth');
    expect(store.lookup(contextOf('registry.io/image:tag'))).toEqual({ username: 'user', password: 'pass' });
    expect(store.lookup(contextOf('redis'))).toEqual({ username: 'docker', password: 'docker' });
    expect(store.lookup(contextOf('k8s.io/coredns'))).toBeUndefined();
    expect(store.lookup(contextOf('registry.io/path/image:tag'))).toEqual({ username: 'test', password: 'test' });
  });

  it('01_auth: secret.yaml', () => {
    expect(CredentialStore.fromSecretDir(dir, '01_auth').lookup('registry.example.com/app')).toEqual({ username: 'user', password: 'pass' });
  });

  it('10_multi_auth_files: secret.yaml wins over .dockerconfigjson', () => {
    const store = CredentialStore.fromSecretDir(dir, '10_multi_auth_files');
    expect(store.lookup('registry.example.com/app')).toEqual({ username: 'user', password: 'pass' });
    expect(store.lookup('registry.io/app')).toBeUndefined();
  });

  it('15_default_auth: credentials for notary.docker.io are for that host only, not for Docker Hub images', () => {
    const store = CredentialStore.fromSecretDir(dir, '15_default_auth');
    expect(store.lookup('notary.docker.io/library/alpine')).toEqual({ username: 'user', password: 'pass' });
    expect(store.lookup(contextOf('alpine'))).toBeUndefined();
    expect(store.lookup(contextOf('notary.docker.io.evil.example/library/alpine'))).toBeUndefined();
  });

  // `secretName` of the auth fixture that names the secret → why the secret is refused (Connaisseur refuses all but 13).
  it.each([
    ['04_unable_to_find.yaml', 'no authentication file for secret "not_found"'],
    ['11_no_auth_files.yaml', 'no authentication file for secret "11_no_auth_files"'],
    ['12_invalid_secret_file.yaml', 'no authentication file for secret "12_invalid_secret_file"'],
    // Deliberate: Connaisseur files these credentials under the registry "EMPTYAUTH", which only a notaryv1 validator rebinds to its host.
    ['13_no_registry_auth.yaml', 'secret "13_no_registry_auth": secret.yaml needs the registry the credentials belong to'],
    ['14_invalid_registry_docker_auth.yaml', 'secret "14_invalid_registry_docker_auth": "[[]]\\" is not a registry[/path]'],
    ['05_err_reading_secret.yaml', 'secret "05_err_reading_secret": secret.yaml needs username and password'],
  ])('%s: its secret is refused', (authFile, message) => {
    const { secretName } = parse(readConformance('auth', authFile)) as { secretName: string };
    expect(() => CredentialStore.fromSecretDir(dir, secretName)).toThrow(message);
  });
});
