import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APPS } from '@connaisseur-mesh/local-stack';
import { freePorts, makeTestCertificates, repoRoot, TestStack } from '@connaisseur-mesh/testing';

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
