import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { jsonAnswer, KubeApiStandIn, trickledAnswer } from '@connaisseur-mesh/testing';
import { KubernetesApi, KubernetesApiError, MAX_ANSWER_BYTES, ObjectPath, objectPath } from './kubernetes-api';

describe('the Kubernetes API client (against the stand-in)', () => {
  let api: KubeApiStandIn;
  const dir = mkdtempSync(join(tmpdir(), 'cm-kube-'));
  const replicaSet = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs', namespace: 'ns', uid: 'u1' } };
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', uid: 'u2' } };
  const replicaSetPath = objectPath({ apiVersion: 'apps/v1', resource: 'replicasets' }, 'ns', 'rs');
  const podPath = objectPath({ apiVersion: 'v1', resource: 'pods' }, 'ns', 'p');
  const inTime = () => AbortSignal.timeout(2_000);

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
    await expect(client.get(replicaSetPath, inTime())).resolves.toEqual(replicaSet);
    await expect(client.get(podPath, inTime())).resolves.toEqual(pod);
    expect(api.requests.slice(-2)).toEqual(['GET /apis/apps/v1/namespaces/ns/replicasets/rs', 'GET /api/v1/namespaces/ns/pods/p']);
  });

  it('uses the service account in the cluster (token and CA files)', async () => {
    const sa = mkdtempSync(join(tmpdir(), 'cm-sa-'));
    writeFileSync(join(sa, 'token'), `${api.token}\n`);
    writeFileSync(join(sa, 'ca.crt'), api.certificates.ca);
    const client = KubernetesApi.fromEnv({ inCluster: { host: '127.0.0.1', port: String(api.port) } }, sa)!;
    await expect(client.get(replicaSetPath, inTime())).resolves.toEqual(replicaSet);
  });

  it('reads certificate-authority-data and tokenFile, relative to the kubeconfig', async () => {
    writeFileSync(join(dir, 'token-file'), api.token);
    const file = kubeconfig('inline-kubeconfig', { 'certificate-authority-data': Buffer.from(api.certificates.ca).toString('base64') }, { tokenFile: 'token-file' });
    await expect(KubernetesApi.fromEnv({ kubeconfig: file })!.get(podPath, inTime())).resolves.toEqual(pod);
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
    const error = await client.get(objectPath({ apiVersion: 'apps/v1', resource: 'deployments' }, 'ns', 'gone'), inTime()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubernetesApiError);
    expect(error).toMatchObject({ status: 404, message: 'GET /apis/apps/v1/namespaces/ns/deployments/gone: HTTP 404 the object "gone" was not found' });
    const unauthorized = new KubernetesApi({ ...client.settings, token: () => 'wrong' });
    await expect(unauthorized.get(podPath, inTime())).rejects.toMatchObject({ status: 401 });
  });

  it('does not trust an API server whose certificate its CA did not sign', async () => {
    const client = KubernetesApi.fromEnv({ kubeconfig: api.writeKubeconfig(dir) })!;
    const untrusting = new KubernetesApi({ ...client.settings, ca: undefined });
    await expect(untrusting.get(podPath, inTime())).rejects.toThrow(/self-signed|unable to verify|certificate/);
  });
  describe('a faulty API server or a proxy in front of it', () => {
    let client: KubernetesApi;
    beforeAll(() => {
      client = KubernetesApi.fromEnv({ kubeconfig: api.writeKubeconfig(dir) })!;
    });
    /** A path no object is served at, answered by `handler`. */
    function answeredBy(name: string, handler: Parameters<KubeApiStandIn['override']>[1]): ObjectPath {
      const path = objectPath({ apiVersion: 'apps/v1', resource: 'replicasets' }, 'ns', name);
      api.override(path, handler);
      return path;
    }

    it('does not follow a redirect (to an object the caller did not ask for)', async () => {
      const path = answeredBy('redirects', (_req, res) => {
        res.writeHead(302, { location: replicaSetPath, 'content-type': 'application/json' });
        res.end('{}');
      });
      const before = api.requests.length;
      await expect(client.get(path, inTime())).rejects.toMatchObject({ status: 302 });
      expect(api.requests.slice(before)).toEqual([`GET ${path}`]);
    });

    it.each([
      ['announced by its content-length', true],
      ['sent without a length', false],
    ])('stops reading an answer over MAX_ANSWER_BYTES (%s)', async (_how, announced) => {
      const big = Buffer.alloc(MAX_ANSWER_BYTES + 1, ' ');
      const path = answeredBy(`big-${announced}`, (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', ...(announced ? { 'content-length': String(big.length) } : {}) });
        res.end(big);
      });
      await expect(client.get(path, inTime())).rejects.toThrow(`GET ${path}: the answer is larger than ${MAX_ANSWER_BYTES} bytes`);
    });

    it('reads an answer of the largest object the API server can store', async () => {
      const large = { ...replicaSet, metadata: { ...replicaSet.metadata, annotations: { a: 'x'.repeat(1_500_000) } } };
      const path = answeredBy('large', jsonAnswer(large));
      await expect(client.get(path, inTime())).resolves.toEqual(large);
    });

    it.each([
      ['an HTML page', 'html', 'text/html', '<html>login</html>', 'the answer is not JSON (text/html)'],
      ['an answer without a content type', 'untyped', undefined, '{}', 'the answer is not JSON (no content type)'],
      ['JSON that does not parse', 'unparsable', 'application/json; charset=utf-8', '{"apiVersion":', 'the answer is not JSON'],
      ['JSON nested deeper than any object (2 MiB of arrays)', 'deep', 'application/json', '['.repeat(2 << 20), 'the answer is not JSON (nested deeper than 100 levels)'],
    ])('rejects %s', async (_name, objectName, contentType, body, why) => {
      const path = answeredBy(objectName, (_req, res) => {
        res.writeHead(200, contentType ? { 'content-type': contentType } : {});
        res.end(body);
      });
      await expect(client.get(path, inTime())).rejects.toThrow(`GET ${path}: ${why}`);
    });

    it.each<[string, Parameters<KubeApiStandIn['override']>[1]]>([
      ['never answers', () => undefined],
      ['answers the headers and then trickles the body, a byte at a time', trickledAnswer],
    ])('gives up when the signal aborts, whatever the server does: it %s', async (name, handler) => {
      const path = answeredBy(name.split(' ')[0], handler);
      await expect(client.get(path, AbortSignal.timeout(300))).rejects.toThrow(`GET ${path}: no complete answer in time`);
    }, 10_000);

    it('rejects a cut-off answer', async () => {
      const path = answeredBy('cut-off', (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
        res.write('{"apiVersion"');
        setTimeout(() => res.destroy(), 50);
      });
      await expect(client.get(path, inTime())).rejects.toThrow(`GET ${path}: the answer was cut off`);
    });

    it('keeps the path of a server URL that has one (a proxy such as Rancher\'s)', async () => {
      api.override(`/k8s/clusters/c-1${replicaSetPath}`, jsonAnswer(replicaSet));
      const proxied = new KubernetesApi({ ...client.settings, server: `${api.serverUrl}/k8s/clusters/c-1/` });
      await expect(proxied.get(replicaSetPath, inTime())).resolves.toEqual(replicaSet);
    });

    it('rejects, without sending anything, a token that cannot be a header value', async () => {
      const before = api.requests.length;
      const broken = new KubernetesApi({ ...client.settings, token: () => 'token\r\nx-injected: 1' });
      await expect(broken.get(replicaSetPath, inTime())).rejects.toThrow(/Invalid character in header content/);
      expect(api.requests.length).toBe(before);
    });
  });
});

describe('objectPath', () => {
  const rs = { apiVersion: 'apps/v1', resource: 'replicasets' };

  it('builds the API server\'s paths for group and core resources', () => {
    expect(objectPath(rs, 'team-a', 'web-7d4f9.v2')).toBe('/apis/apps/v1/namespaces/team-a/replicasets/web-7d4f9.v2');
    expect(objectPath({ apiVersion: 'v1', resource: 'replicationcontrollers' }, 'ns', 'rc')).toBe('/api/v1/namespaces/ns/replicationcontrollers/rc');
  });

  it.each([
    ['an API version with a path', { apiVersion: 'apps/v1/namespaces/x/replicasets/y#', resource: 'replicasets' }, 'ns', 'n', 'not a Kubernetes API version'],
    ['a resource with a slash', { apiVersion: 'apps/v1', resource: 'replicasets/evil' }, 'ns', 'n', 'not a Kubernetes resource name'],
    ['an empty namespace', rs, '', 'n', 'the namespace is not a DNS-1123 label'],
    ['a namespace with a dot', rs, 'a.b', 'n', 'the namespace is not a DNS-1123 label'],
    ['a namespace of 64 characters', rs, 'a'.repeat(64), 'n', 'the namespace is not a DNS-1123 label'],
    ['a name of 254 characters', rs, 'ns', 'a'.repeat(254), 'the name is not a DNS-1123 subdomain'],
    ['a name that is ".."', rs, 'ns', '..', 'the name is not a DNS-1123 subdomain'],
  ])('refuses %s', (_name, resource, namespace, name, message) => {
    expect(() => objectPath(resource, namespace, name)).toThrow(message);
  });

  it('accepts the longest names', () => {
    const name = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`;
    expect(objectPath(rs, 'n'.repeat(63), name)).toBe(`/apis/apps/v1/namespaces/${'n'.repeat(63)}/replicasets/${name}`);
  });
});
