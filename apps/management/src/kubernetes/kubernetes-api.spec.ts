import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { KubeApiStandIn } from '@connaisseur-mesh/testing';
import { KubernetesApi, KubernetesApiError } from './kubernetes-api';

describe('the Kubernetes API client (against the stand-in)', () => {
  let api: KubeApiStandIn;
  const dir = mkdtempSync(join(tmpdir(), 'cm-kube-'));
  const replicaSet = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs', namespace: 'ns', uid: 'u1' } };
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', uid: 'u2' } };

  beforeAll(async () => {
    api = await KubeApiStandIn.start();
    api.put(replicaSet);
    api.put(pod);
  });
  afterAll(() => api.stop());

  /** A kubeconfig in `dir` whose current context is the stand-in with these cluster and user fields. */
  function kubeconfig(name: string, cluster: object, user: object): string {
    const file = join(dir, name);
    writeFileSync(
      file,
      stringify({
        'current-context': 'c',
        contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }],
        clusters: [{ name: 'k', cluster: { server: api.serverUrl, ...cluster } }],
        users: [{ name: 'u', user }],
      }),
    );
    return file;
  }

  it('reads a kubeconfig (server, CA file, token) and GETs group and core objects', async () => {
    const client = KubernetesApi.fromEnv({ kubeconfig: api.writeKubeconfig(dir) })!;
    await expect(client.getNamespaced('apps/v1', 'ReplicaSet', 'ns', 'rs', 2_000)).resolves.toEqual(replicaSet);
    await expect(client.getNamespaced('v1', 'Pod', 'ns', 'p', 2_000)).resolves.toEqual(pod);
    expect(api.requests.slice(-2)).toEqual(['GET /apis/apps/v1/namespaces/ns/replicasets/rs', 'GET /api/v1/namespaces/ns/pods/p']);
  });

  it('uses the service account in the cluster (token and CA files)', async () => {
    const sa = mkdtempSync(join(tmpdir(), 'cm-sa-'));
    writeFileSync(join(sa, 'token'), `${api.token}\n`);
    writeFileSync(join(sa, 'ca.crt'), api.certificates.ca);
    const client = KubernetesApi.fromEnv({ inCluster: { host: '127.0.0.1', port: String(api.port) } }, sa)!;
    await expect(client.getNamespaced('apps/v1', 'ReplicaSet', 'ns', 'rs', 2_000)).resolves.toEqual(replicaSet);
  });

  it('reads certificate-authority-data and tokenFile, relative to the kubeconfig', async () => {
    writeFileSync(join(dir, 'token-file'), api.token);
    const file = kubeconfig('inline-kubeconfig', { 'certificate-authority-data': Buffer.from(api.certificates.ca).toString('base64') }, { tokenFile: 'token-file' });
    await expect(KubernetesApi.fromEnv({ kubeconfig: file })!.getNamespaced('v1', 'Pod', 'ns', 'p', 2_000)).resolves.toEqual(pod);
  });

  it('has neither without a cluster or KUBECONFIG', () => {
    expect(KubernetesApi.fromEnv({})).toBeUndefined();
  });

  it('says which kubeconfig users it cannot use', () => {
    const file = kubeconfig('exec-kubeconfig', {}, { exec: { command: 'gke-gcloud-auth-plugin' } });
    expect(() => KubernetesApi.fromEnv({ kubeconfig: file })).toThrow('the user needs a token or tokenFile (client certificates and exec plugins are not supported)');
  });

  it('turns API errors into KubernetesApiError with the status and message', async () => {
    const client = KubernetesApi.fromEnv({ kubeconfig: api.writeKubeconfig(dir) })!;
    const error = await client.getNamespaced('apps/v1', 'Deployment', 'ns', 'gone', 2_000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubernetesApiError);
    expect(error).toMatchObject({ status: 404, message: 'GET /apis/apps/v1/namespaces/ns/deployments/gone: HTTP 404 the object "gone" was not found' });
    const unauthorized = new KubernetesApi({ ...client.settings, token: () => 'wrong' });
    await expect(unauthorized.getNamespaced('v1', 'Pod', 'ns', 'p', 2_000)).rejects.toMatchObject({ status: 401 });
  });

  it('does not trust an API server whose certificate its CA did not sign', async () => {
    const client = KubernetesApi.fromEnv({ kubeconfig: api.writeKubeconfig(dir) })!;
    const untrusting = new KubernetesApi({ ...client.settings, ca: undefined });
    await expect(untrusting.getNamespaced('v1', 'Pod', 'ns', 'p', 2_000)).rejects.toThrow(/self-signed|unable to verify|certificate/);
  });
});
