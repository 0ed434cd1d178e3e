import { createServer } from 'node:https';
import { generate } from 'selfsigned';

/**
 * The machine's limit for the benchmark: a bare Node HTTPS server that reads and parses the same
 * AdmissionReview and answers an admission, with nothing else in between.
 */
async function main() {
  const port = Number(process.argv[2]);
  const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], { keyType: 'ec' });
  const server = createServer({ cert: pems.cert, key: pems.private }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const review = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const body = JSON.stringify({
        apiVersion: review.apiVersion,
        kind: review.kind,
        response: { uid: review.request.uid, allowed: true },
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    });
  });
  server.listen(port, '127.0.0.1', () => process.stdout.write(`bare server on ${port}\n`));
  process.on('SIGTERM', () => process.exit(0));
}

void main();
