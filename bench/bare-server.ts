import { createServer } from 'node:https';
import fastify from 'fastify';
import { generate } from 'selfsigned';

/**
 * The machine's limits for the benchmark, on the same AdmissionReview: `node` — a bare Node HTTPS
 * server that reads and parses the review and answers an admission; `fastify` — the same on
 * Fastify (the HTTP framework under management), without Nest and without any decision logic.
 * Usage: node bare-server.js <port> node|fastify
 */
async function main() {
  const [port, kind] = [Number(process.argv[2]), process.argv[3] ?? 'node'];
  const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], { keyType: 'ec' });
  const answer = (body: string) => {
    const review = JSON.parse(body);
    return JSON.stringify({ apiVersion: review.apiVersion, kind: review.kind, response: { uid: review.request.uid, allowed: true } });
  };
  if (kind === 'fastify') {
    const app = fastify({ https: { cert: pems.cert, key: pems.private } });
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    app.post('/', async (req, reply) => reply.type('application/json').send(answer((req.body as Buffer).toString('utf8'))));
    await app.listen({ port, host: '127.0.0.1' });
  } else {
    const server = createServer({ cert: pems.cert, key: pems.private }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(answer(Buffer.concat(chunks).toString('utf8')));
      });
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  }
  process.stdout.write(`${kind} server on ${port}\n`);
  process.on('SIGTERM', () => process.exit(0));
}

void main();
