import { readdirSync } from 'node:fs';
import { parse } from 'yaml';
import {
  ALICE_DIGEST,
  conformancePath,
  describeConformance,
  freePort,
  readConformance,
  startTestValidatorProcess,
  TestStack,
} from '@connaisseur-mesh/testing';

const CHARLIE = 'securesystemsengineering/charlie-image@sha256:91ac9b26df583762234c1cdb2fc930364754ccc59bc752a2bfe298d2ea68f9ff';
const DENY_ME = 'my.reg/deny-me@sha256:91ac9b26df583762234c1cdb2fc930364754ccc59bc752a2bfe298d2ea68f9ff';
const mockRejects = (image: string) => `error during external validation of image ${image}: unable to find signed digest for image ${image}`;
const fixture = (name: string) => JSON.parse(readConformance('admission_requests', `${name}.json`));

type PodSpec = { containers: unknown[]; volumes?: unknown[] };

interface Expected {
  allowed: boolean;
  /** The deny message (exact). */
  message?: string;
  /** The JSON Patch (exact), or none. */
  patch?: Array<{ op: 'replace'; path: string; value: string }>;
}

/**
 * Every AdmissionReview of Connaisseur's fixtures through the real local stack, with its
 * config/10_mutate_test.yaml: the `mock` validator is a separate test validator process registered
 * as `type: external` (reference §12.1 mapping), and automatic child approval is off. Expected
 * decisions from reference §5.4; for the fixtures it does not list, derived from the same mapping.
 */
const EXPECTED: Record<string, Expected> = {
  '01_deployment': {
    allowed: true,
    patch: [
      {
        op: 'replace',
        path: '/spec/template/spec/containers/0/image',
        value: `index.docker.io/securesystemsengineering/alice-image:test@${ALICE_DIGEST}`,
      },
    ],
  },
  '02_pod': { allowed: false, message: mockRejects(CHARLIE) },
  '03_replicaset': { allowed: false, message: mockRejects('securesystemsengineering/sample-san-sama:hai') },
  '04_cronjob': { allowed: false, message: mockRejects('busybox') },
  '05_replication_controller': { allowed: false, message: mockRejects('nginx') },
  '06_daemonset': { allowed: false, message: mockRejects('quay.io/fluentd_elasticsearch/fluentd:v2.5.2') },
  '07_statefulset': { allowed: false, message: mockRejects('registry.k8s.io/nginx-slim:0.8') },
  '08_job': { allowed: false, message: mockRejects('perl:5.34.0') },
  // Containers come before initContainers in spec order: redis:alpine is the first failure.
  '09_dply_multi_image': { allowed: false, message: mockRejects('redis:alpine') },
  // Automatic unchanged approval is off by default: the unchanged image is validated again.
  '10_update': {
    allowed: false,
    message: mockRejects('docker.io/library/redis:latest@sha256:1111111111111111111111111111111111111111111111111111111111111111'),
  },
  '11_role': { allowed: false, message: 'error decoding new workload object: unknown workload kind "Role"' },
  '12_err_pod': { allowed: false, message: 'error decoding new workload object: no containers found in workload object' },
  '13_unknown_parent': { allowed: false, message: mockRejects(CHARLIE) },
  '14_deny_me_job': { allowed: false, message: `static deny for image ${DENY_ME} using rule my.reg/deny-me` },
  '15_allow_me_job': { allowed: true },
  '16_mismatch_uid': { allowed: false, message: mockRejects(CHARLIE) },
  '17_deny_me_pod': { allowed: false, message: `static deny for image ${DENY_ME} using rule my.reg/deny-me` },
  '18_allow_me_pod': { allowed: true },
  '19_pod_initcontainer': { allowed: false, message: mockRejects(CHARLIE) },
  '20_pod_ephemeralcontainer': { allowed: false, message: mockRejects(CHARLIE) },
  '21_broken_admission_request': { allowed: false, message: 'error decoding new workload object: unknown workload kind ""' },
  '22_allow_me_with_index_docker_io': { allowed: true },
  '23_alice_digest_dpl': { allowed: true },
  '24_alice_tag_digest_dpl': { allowed: true },
  '26_broken_update_admission_request': { allowed: false, message: 'error decoding new workload object: unknown workload kind ""' },
  '27_deleted_deployment': { allowed: false, message: mockRejects('busybox') },
  '28_deleted_deployment_updated': { allowed: true },
  '29_deleted_deployment_update_for_delete': { allowed: false, message: mockRejects('busybox') },
};

function mutateTestConfig(mockAddress: string, features: Record<string, unknown> = {}) {
  const config = parse(readConformance('config', '10_mutate_test.yaml'));
  config.validators.push({ name: 'mock', type: 'external', address: mockAddress });
  config.features = { automaticChildApproval: false, ...features };
  return config;
}

describeConformance('admission of Connaisseur fixtures through the local stack', () => {
  let mock: Awaited<ReturnType<typeof startTestValidatorProcess>>;
  let stack: TestStack;

  beforeAll(async () => {
    mock = await startTestValidatorProcess(await freePort());
    stack = await TestStack.start({ config: mutateTestConfig(mock.address) });
  });
  afterAll(async () => {
    await stack?.stop();
    await mock?.stop();
  });

  it('has an expectation for every fixture', () => {
    const files = readdirSync(conformancePath('admission_requests')).map((f) => f.replace(/\.json$/, ''));
    expect(files.filter((f) => f !== '25_null_request').sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))('%s', async (name, expected) => {
    const review = fixture(name);
    const result = await stack.review(review);
    expect(result.apiVersion).toBe(review.apiVersion);
    expect(result.kind).toBe('AdmissionReview');
    expect(result.response.uid).toBe(review.request.uid ?? '');
    expect(result.response.allowed).toBe(expected.allowed);
    expect(result.response.status?.message).toBe(expected.message);
    expect(result.patch).toEqual(expected.patch);
    expect(result.response.patchType).toBe(expected.patch ? 'JSONPatch' : undefined);
    expect(result.response.warnings).toBeUndefined();
  });

  it('25_null_request: HTTP 400 "received empty admission request"', async () => {
    const result = await stack.post(readConformance('admission_requests', '25_null_request.json'));
    expect(result).toMatchObject({ status: 400, text: 'received empty admission request\n' });
  });

  it.each([
    ['a container', (spec: PodSpec) => spec.containers.push({ name: 'new', image: 'nginx' })],
    ['an image volume', (spec: PodSpec) => (spec.volumes = [{ name: 'new', image: { reference: 'nginx' } }])],
  ])('28_deleted_deployment_updated, but the new object brings an image the old one lacks (%s): validated', async (_name, addImage) => {
    const review = fixture('28_deleted_deployment_updated');
    addImage(review.request.object.spec.template.spec);
    const result = await stack.review(review);
    expect(result.response).toMatchObject({ allowed: false, status: { message: mockRejects('busybox') } });
  });

  it('10_update with oldObject: null (as subresource updates send it) is decided on its images', async () => {
    const review = fixture('10_update');
    review.request.oldObject = null;
    const result = await stack.review(review);
    expect(result.response.status?.message).toBe(EXPECTED['10_update'].message);
  });

  it('denies a validator answer with a malformed digest ("invalid-digest" → sha256:123)', async () => {
    const review = fixture('18_allow_me_pod');
    review.request.object.spec.containers[0].image = 'invalid-digest';
    const result = await stack.review(review);
    expect(result.response.allowed).toBe(false);
    expect(result.response.status?.message).toBe(
      'error during external validation of image invalid-digest: validated image reference index.docker.io/library/invalid-digest:latest@sha256:123 has invalid format',
    );
  });
});

describeConformance('detection mode and podsOnly (Connaisseur fixtures)', () => {
  let mock: Awaited<ReturnType<typeof startTestValidatorProcess>>;
  beforeAll(async () => {
    mock = await startTestValidatorProcess(await freePort());
  });
  afterAll(() => mock?.stop());

  it('detection mode admits a would-be denial with warnings, keeping the message', async () => {
    const stack = await TestStack.start({ config: mutateTestConfig(mock.address, { detectionMode: true }), apps: ['management'] });
    try {
      const denied = await stack.review(fixture('17_deny_me_pod'));
      const message = `static deny for image ${DENY_ME} using rule my.reg/deny-me`;
      expect(denied.response).toMatchObject({ allowed: true, warnings: ['detection mode active', message], status: { message } });
      expect(denied.patch).toBeUndefined();
      const admitted = await stack.review(fixture('01_deployment'));
      expect(admitted.response.allowed).toBe(true);
      expect(admitted.response.warnings).toBeUndefined();
      expect(admitted.patch).toHaveLength(1);
    } finally {
      await stack.stop();
    }
  });

  it('podsOnly admits non-Pod objects without a patch, with warnings when they would be denied; Pods are still checked', async () => {
    const stack = await TestStack.start({ config: mutateTestConfig(mock.address, { resourceValidationMode: 'podsOnly' }), apps: ['management'] });
    try {
      const job = await stack.review(fixture('14_deny_me_job'));
      expect(job.response).toMatchObject({
        allowed: true,
        warnings: ['pod-only validation active', `static deny for image ${DENY_ME} using rule my.reg/deny-me`],
      });
      const deployment = await stack.review(fixture('01_deployment'));
      expect(deployment.response.allowed).toBe(true);
      expect(deployment.patch).toBeUndefined();
      expect(deployment.response.warnings).toBeUndefined();
      const pod = await stack.review(fixture('17_deny_me_pod'));
      expect(pod.response.allowed).toBe(false);
    } finally {
      await stack.stop();
    }
  });
});
