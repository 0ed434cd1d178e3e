import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validatorV1 } from '@connaisseur-mesh/contracts';
import { admissionReview, cosign, RegistryServer, RegistryWriter, repoRoot, TestStack, TestValidator } from '@connaisseur-mesh/testing';

/** The registry the document's examples name; the test's registry listens on a free loopback port. */
const EXAMPLE_REGISTRY = 'registry.example.com';
/** The uid the document's examples use (Connaisseur's admission fixtures have it). */
const UID = '705ab4f5-6393-11e8-b7cc-42010a800002';

/** The examples of the "Messages" table's last column of docs/differences-from-connaisseur.md. */
function documentedMessages(): string[] {
  const doc = readFileSync(join(repoRoot, 'docs/differences-from-connaisseur.md'), 'utf8');
  const section = doc.split('\n## Messages\n')[1].split('\n## ')[0];
  const rows = section.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| situation'));
  return rows.map((row) => {
    const ours = row.split(' | ').at(-1)!;
    const example = /`([^`]+)`/.exec(ours);
    if (!example) throw new Error(`no example message in the row ${row}`);
    return example[1];
  });
}

/**
 * docs/differences-from-connaisseur.md stays honest: every message of its "Messages" table is what
 * the real stack (management, validator-cosign with a real registry and cosign signatures, an
 * external validator) answers in the situation, and no message the table should show is missing.
 */
describe('the messages in docs/differences-from-connaisseur.md', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cm-differences-'));
  const slow = new TestValidator(() => new Promise((resolve) => setTimeout(() => resolve({ verdict: validatorV1.Verdict.VERDICT_VERIFIED }), 5_000)));
  let registry: RegistryServer;
  let stack: TestStack;

  beforeAll(async () => {
    registry = await RegistryServer.start();
    await slow.start();
    const writer = new RegistryWriter({ url: registry.url });
    const [alice, bob] = await Promise.all([cosign.generateKeyPair(dir, 'alice'), cosign.generateKeyPair(dir, 'bob')]);
    await writer.pushImage('team/app', '1.0', 'unsigned');
    const signed = await writer.pushImage('both/app', '1.0', 'signed by alice only');
    await cosign.sign(`${registry.host}/both/app@${signed}`, alice.key);
    const key = (file: string) => readFileSync(file, 'utf8');
    stack = await TestStack.start({
      apps: ['validator-cosign', 'management'],
      config: {
        validators: [
          { name: 'cosign', type: 'cosign', trustRoots: [{ name: 'alice', key: key(alice.pub) }, { name: 'bob', key: key(bob.pub) }] },
          { name: 'slow', type: 'external', address: slow.address },
        ],
        policy: [
          { pattern: `${registry.host}/team/*`, validator: 'cosign', with: { trustRoot: 'alice', verifyInTransparencyLog: false } },
          { pattern: `${registry.host}/both/*`, validator: 'cosign', with: { trustRoot: '*', verifyInTransparencyLog: false } },
          { pattern: 'slow.example/*', validator: 'slow' },
        ],
        admission: { timeoutSeconds: 2 },
      },
    });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await slow.stop();
    await registry?.stop();
  });

  /** The denial's message, with the test registry written as the document's example registry. */
  const denial = async (images: string[], uid?: string) => {
    const result = await stack.review(admissionReview({ uid, images: images.map((i) => i.replace(EXAMPLE_REGISTRY, registry.host)) }));
    expect(result.response.allowed).toBe(false);
    return result.response.status!.message.replaceAll(registry.host, EXAMPLE_REGISTRY);
  };
  /** The text of an HTTP 400 answer. */
  const badRequest = async (body: string) => {
    const result = await stack.post(body);
    expect(result.status).toBe(400);
    return result.text.trimEnd();
  };

  it('are each what the stack answers, and all of them', async () => {
    const oversized = JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: UID, padding: 'x'.repeat(17 << 20) } });
    const produced = [
      await denial(['Nginx:latest']),
      await denial(['quay.io/example/app:1.0']),
      await denial([`${EXAMPLE_REGISTRY}/team/app:1.0`]),
      await denial([`${EXAMPLE_REGISTRY}/both/app:1.0`]),
      await denial([`${EXAMPLE_REGISTRY}/team/app:2.0`]),
      await denial(['slow.example/app:1'], UID),
      await badRequest('{"request":{}}'),
      await badRequest(`${'['.repeat(1_000)}${']'.repeat(1_000)}`),
      JSON.parse((await stack.post(oversized)).text).response.status.message,
    ];
    expect(documentedMessages()).toEqual(produced);
  });
});
