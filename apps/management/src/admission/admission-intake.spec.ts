import { request } from 'node:http';
import Fastify, { FastifyInstance } from 'fastify';
import { AdmissionBody, AdmissionIntake } from './admission-intake';

type Answer = { status: number; body: AdmissionBody & { length?: number } };

function post(url: string, body: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Sends the first bytes of `body`, then resets the connection. */
function abandon(url: string, body: string): Promise<void> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length } });
    req.on('error', () => undefined);
    req.on('close', () => resolve());
    req.write(body.slice(0, 10), () => req.destroy());
  });
}

const review = (uid: string, padding: number) => JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid, padding: 'x'.repeat(padding) } });

/**
 * The intake on a real Fastify server, with a route that answers what the intake made of the body
 * (the length of the text, for a whole body) and holds reviews with uid `hold-*` until released.
 */
describe('AdmissionIntake', () => {
  let server: FastifyInstance;
  let url: string;
  let release: () => void;
  let arrived: Promise<void>;

  const start = async (limits: ConstructorParameters<typeof AdmissionIntake>[0]) => {
    let arrive: () => void;
    arrived = new Promise((resolve) => (arrive = resolve));
    const held = new Promise<void>((resolve) => (release = resolve));
    server = Fastify();
    new AdmissionIntake(limits).register(server);
    server.post('/', async (req) => {
      const body = req.body as AdmissionBody;
      if (body.kind !== 'json') return body;
      if (body.text.includes('"uid":"hold-')) {
        arrive();
        await held;
      }
      return { kind: 'json', length: body.text.length };
    });
    url = await server.listen({ host: '127.0.0.1', port: 0 });
  };
  afterEach(() => {
    release();
    return server.close();
  });

  it('holds at most bufferedLimit bytes of the bodies in flight, and frees them once answered', async () => {
    await start({ maxInFlight: 10, bodyTimeoutSeconds: 10, bufferedLimit: 100_000 });
    const first = post(url, review('hold-1', 80_000));
    await arrived;
    expect(await post(url, review('second', 40_000))).toEqual({
      status: 200,
      body: {
        kind: 'refused',
        code: 429,
        reason: 'management is at its limit of 100000 bytes held for admissions in flight',
        head: { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', uid: 'second' },
      },
    });
    release();
    expect((await first).body.kind).toBe('json');
    expect((await post(url, review('third', 40_000))).body).toEqual({ kind: 'json', length: review('third', 40_000).length });
  });

  it('counts the place of a body whose client went away as free again', async () => {
    await start({ maxInFlight: 1, bodyTimeoutSeconds: 10 });
    await abandon(url, review('gone', 100));
    // The server sees the reset a moment after the client: ask a few times.
    let answer = await post(url, review('next', 100));
    for (let i = 0; i < 20 && answer.body.kind === 'refused'; i++) answer = await post(url, review('next', 100));
    expect(answer.body).toEqual({ kind: 'json', length: review('next', 100).length });
  });
});
