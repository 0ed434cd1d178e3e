import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { parse, stringify } from 'yaml';
import { APPS } from '@connaisseur-mesh/local-stack';
import {
  callValidator,
  conformancePath,
  describeConformance,
  freePorts,
  makeTestCertificates,
  readConformance,
  RegistryFront,
  repoRoot,
  TestStack,
  validateRequest,
} from '@connaisseur-mesh/testing';

/** Every app refuses to start on a broken configuration: exit 1, every problem listed with its path. */
describe('start-up checks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cm-startup-'));
  const broken = join(dir, 'broken.yaml');
  writeFileSync(
    broken,
    ['validators:', '  - name: allow', '    type: static', '    approve: maybe', 'policy:', '  - pattern: "[oops"', '    validator: missing', ''].join('\n'),
  );

  it.each(APPS)('%s exits 1 and lists every problem of an invalid configuration', async (app) => {
    const [port, ops] = await freePorts(2);
    const result = spawnSync(process.execPath, [join(repoRoot, 'dist/apps', app, 'src/main.js')], {
      env: { ...process.env, CONNAISSEUR_CONFIG: broken, PORT: String(port), GRPC_PORT: String(port), OPS_PORT: String(ops) },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('validators[0].approve: must be a boolean');
    expect(result.stderr).toContain('policy[0].pattern: invalid glob "[oops": unclosed "["');
    expect(result.stderr).toContain('policy[0].validator: no validator named "missing"');
  });

  it('management refuses a CACHE_HMAC_KEY under 32 bytes, saying its length and never the key', async () => {
    const [port, ops] = await freePorts(2);
    const key = 'correct-horse-battery-staple';
    const result = spawnSync(process.execPath, [join(repoRoot, 'dist/apps/management/src/main.js')], {
      env: { ...process.env, CONNAISSEUR_CONFIG: join(repoRoot, 'config/connaisseur.yaml'), PORT: String(port), OPS_PORT: String(ops), REDIS_URL: 'redis://127.0.0.1:6379', CACHE_HMAC_KEY: key },
      encoding: 'utf8',
      timeout: 20_000,
    });
    const output = result.stdout + result.stderr;
    expect(result.status).toBe(1);
    expect(output).toContain('CACHE_HMAC_KEY has 28 bytes; at least 32 are required (make one with: openssl rand -base64 48)');
    expect(output).not.toContain(key);
  });

  it.each(['validator-cosign', 'alerting'])('%s refuses a GRPC_TLS_CA that holds no certificate', async (app) => {
    const [port, ops] = await freePorts(2);
    const tls = makeTestCertificates();
    const notACertificate = join(dir, 'not-a-ca.crt');
    writeFileSync(notACertificate, 'hello\n');
    const result = spawnSync(process.execPath, [join(repoRoot, 'dist/apps', app, 'src/main.js')], {
      env: { ...process.env, CONNAISSEUR_CONFIG: join(repoRoot, 'config/connaisseur.yaml'), GRPC_PORT: String(port), OPS_PORT: String(ops), GRPC_TLS_CERT: tls.certFile, GRPC_TLS_KEY: tls.keyFile, GRPC_TLS_CA: notACertificate },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stdout + result.stderr).toContain(`GRPC_TLS_CA ${notACertificate}: wrong format, provide PEM encoded certificates`);
  });

  it('validator-cosign refuses to start without the secret a validator names', async () => {
    await expect(
      TestStack.start({
        apps: ['validator-cosign'],
        appEnv: { 'validator-cosign': { SECRETS_DIR: dir } },
        config: {
          validators: [
            {
              name: 'private',
              type: 'cosign',
              auth: { secretName: 'registry-credentials' },
              trustRoots: [{ name: 'default', key: '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEvtc/qpHtx7iUUj+rRHR99a8mnGni\nqiGkmUb9YpWWTS4YwlvwdmMDiGzcsHiDOYz6f88u2hCRF5GUCvyiZAKrsA==\n-----END PUBLIC KEY-----\n' }],
            },
          ],
        },
      }),
    ).rejects.toThrow(/validator-cosign exited with code 1[\s\S]*no authentication file for secret \\?"registry-credentials/);
  });
});

/**
 * Connaisseur's auth fixtures that name a secret, through the real validator-cosign start-up with
 * SECRETS_DIR = the fixtures' auth/ folder: each auth/*.yaml is the `auth` of a cosign validator.
 * (The fixtures the config loader refuses are in libs/config load-config.spec.ts.) Where
 * Connaisseur loads a fixture (internal/validator/auth/auth_test.go) and we do not, the comment says why.
 */
describeConformance("validator-cosign start-up with Connaisseur's auth fixtures (SECRETS_DIR = auth/)", () => {
  const dir = mkdtempSync(join(tmpdir(), 'cm-startup-auth-'));
  const secretsDir = conformancePath('auth');
  const validator = (name: string, auth: unknown) => ({
    name,
    type: 'cosign',
    trustRoots: [{ name: 'default', key: readConformance('cosign', 'default.key') }],
    auth,
  });
  const authOf = (file: string) => parse(readConformance('auth', file));

  it.each([
    ['04_unable_to_find.yaml', 'no authentication file for secret "not_found"'],
    ['05_err_reading_secret.yaml', 'secret "05_err_reading_secret": secret.yaml needs username and password'],
    ['11_no_auth_files.yaml', 'no authentication file for secret "11_no_auth_files"'],
    ['12_invalid_secret_file.yaml', 'no authentication file for secret "12_invalid_secret_file"'],
    // Deliberate: Connaisseur loads it, filing the credentials under the registry "EMPTYAUTH" (no image matches it).
    ['13_no_registry_auth.yaml', 'secret "13_no_registry_auth": secret.yaml needs the registry the credentials belong to'],
    ['14_invalid_registry_docker_auth.yaml', 'secret "14_invalid_registry_docker_auth": "[[]]\\" is not a registry[/path]'],
  ])('%s: exits 1 with "%s"', async (file, message) => {
    const config = join(dir, file);
    writeFileSync(config, stringify({ validators: [validator('cosign', authOf(file))] }));
    const [port, ops] = await freePorts(2);
    const result = spawnSync(process.execPath, [join(repoRoot, 'dist/apps/validator-cosign/src/main.js')], {
      env: { ...process.env, CONNAISSEUR_CONFIG: config, SECRETS_DIR: secretsDir, GRPC_PORT: String(port), OPS_PORT: String(ops) },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    const messages = `${result.stdout}${result.stderr}`.split('\n').map((line) => {
      try {
        return (JSON.parse(line) as { msg: string }).msg;
      } catch {
        return line;
      }
    });
    expect(messages).toContainEqual(expect.stringContaining(message));
  });

  describe('the fixtures that load', () => {
    let stack: TestStack;
    let front: RegistryFront;
    const loading = {
      '01_auth': authOf('01_auth.yaml'),
      '03_empty': authOf('03_empty.yaml'),
      '08_docker_auth': authOf('08_docker_auth.yaml'),
      '10_multi_auth_files': authOf('10_multi_auth_files.yaml'),
      // As notaryv1/12_auth.yaml names it (the only fixture that does).
      '15_default_auth': { secretName: '15_default_auth' },
    };

    beforeAll(async () => {
      // Every secret of the fixtures holds user/pass; this registry takes exactly those, but they are not configured for it.
      front = await new RegistryFront({ backend: 'http://127.0.0.1:9', basicAuth: { username: 'user', password: 'pass' } }).start();
      stack = await TestStack.start({
        apps: ['validator-cosign'],
        appEnv: { 'validator-cosign': { SECRETS_DIR: secretsDir } },
        config: { validators: Object.entries(loading).map(([name, auth]) => validator(name, auth)) },
      });
    });
    afterAll(async () => {
      await stack?.stop();
      await front?.stop();
    });

    it.each(Object.keys(loading))('%s: starts; an image on another registry gets no credentials', async (name) => {
      const result = await callValidator(
        `127.0.0.1:${stack.stack.ports.grpc['validator-cosign']}`,
        validateRequest(name, { registry: front.host, repository: 'securesystemsengineering/testimage', tag: 'multi-cosigned-alice' }),
      );
      const details = `${front.host} needs credentials for securesystemsengineering/testimage and none are configured`;
      expect(result).toEqual({ error: { code: status.FAILED_PRECONDITION, details } });
    });
  });
});
