import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { sendUnaryData, Server, ServerCredentials, ServerUnaryCall, status } from '@grpc/grpc-js';
import { validatorV1 } from '@connaisseur-mesh/contracts';
import { packageDefinition, servingHealth, VALIDATOR_PROTO, VALIDATOR_SERVICE } from '@connaisseur-mesh/grpc';
import { repoRoot } from '@connaisseur-mesh/local-stack';

type Request = validatorV1.ValidateImageRequest;
type Response = validatorV1.ValidateImageResponse;

/** What a test validator answers: a response, or a gRPC error. */
export type TestAnswer = Partial<Response> | { error: { code: status; details: string } };
export type TestHandler = (request: Request) => TestAnswer | Promise<TestAnswer>;

export const ALICE_DIGEST = 'sha256:1234567890123456123456789012345612345678901234561234567890123456';

/**
 * The mapping of Connaisseur's mock validator (reference §12.1): alice-image (any tag or digest)
 * is signed with ALICE_DIGEST, `invalid-digest` "verifies" with the malformed digest sha256:123,
 * every other image is rejected.
 */
export const connaisseurMock: TestHandler = (request) => {
  const repository = request.image?.repository;
  if (repository === 'securesystemsengineering/alice-image') return { verdict: validatorV1.Verdict.VERDICT_VERIFIED, digest: ALICE_DIGEST };
  if (repository === 'library/invalid-digest') return { verdict: validatorV1.Verdict.VERDICT_VERIFIED, digest: 'sha256:123' };
  return { verdict: validatorV1.Verdict.VERDICT_REJECTED, reason: `unable to find signed digest for image ${request.image?.original}` };
};

/**
 * A real gRPC server implementing connaisseur_mesh.validator.v1 (and grpc.health.v1) whose answers
 * a test decides: the stand-in for `type: external` validators. It counts the calls per image.
 */
export class TestValidator {
  readonly calls: Request[] = [];
  private server?: Server;
  port = 0;

  constructor(private handler: TestHandler = connaisseurMock) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  setHandler(handler: TestHandler) {
    this.handler = handler;
  }

  callsFor(original: string): number {
    return this.calls.filter((c) => c.image?.original === original).length;
  }

  async start(port = 0): Promise<this> {
    const server = new Server();
    const definition = packageDefinition(VALIDATOR_PROTO)[VALIDATOR_SERVICE] as Parameters<Server['addService']>[0];
    server.addService(definition, {
      ValidateImage: (call: ServerUnaryCall<Request, Response>, callback: sendUnaryData<Response>) => {
        this.calls.push(call.request);
        Promise.resolve()
          .then(() => this.handler(call.request))
          .then((answer) => {
            if ('error' in answer) callback({ code: answer.error.code, details: answer.error.details });
            else callback(null, { verdict: 0, digest: '', reason: '', details: [], ...answer });
          })
          .catch((e: Error) => callback({ code: status.INTERNAL, details: e.message }));
      },
    });
    servingHealth(VALIDATOR_SERVICE).addToServer(server);
    this.port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
    );
    this.server = server;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  }
}

/** `node test-validator.js [port]`: the Connaisseur mock as its own process (for the local stack). */
if (require.main === module) {
  const port = Number(process.argv[2] ?? process.env.GRPC_PORT ?? 0);
  void new TestValidator().start(port).then((v) => process.stdout.write(`test validator listening on ${v.address}\n`));
  process.on('SIGTERM', () => process.exit(0));
}

/** The Connaisseur mock as a separate process (the `type: external` stand-in of the e2e tests). */
export async function startTestValidatorProcess(port: number): Promise<{ address: string; stop(): Promise<void> }> {
  const script = join(repoRoot, 'dist/libs/testing/src/test-validator.js');
  const child = spawn(process.execPath, [script, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`test validator exited with ${code}`)));
    child.stdout!.once('data', () => resolve());
  });
  return {
    address: `127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
