import { AlertReceiver, freePort } from '@connaisseur-mesh/testing';
import { deliver, DeliveryPolicy } from './http-delivery';

const FAST: DeliveryPolicy = { attemptTimeoutMs: 300, maxAttempts: 3, firstBackoffMs: 10 };
const JSON_HEADERS = { 'Content-Type': 'application/json' };
const soon = (ms = 5_000) => Date.now() + ms;

describe('alert delivery over HTTP', () => {
  let receiver: AlertReceiver;
  beforeEach(async () => {
    receiver = await AlertReceiver.start();
  });
  afterEach(() => receiver.stop());

  const send = (policy = FAST, deadline = soon(), path = '/hook') => deliver(new URL(receiver.url(path)), JSON_HEADERS, '{"a":1}', deadline, policy);

  it('POSTs the body with the headers and counts a 2xx as delivered', async () => {
    const headers = { 'Content-Type': 'my/weird/format', 'X-Test': 'test:ing', Authorization: 'GenieKey secret' };
    await expect(deliver(new URL(receiver.url('/v2/alerts')), headers, '{"a":"ü"}', soon(), FAST)).resolves.toEqual({ delivered: true, attempts: 1 });
    const [request] = receiver.received;
    expect(request).toMatchObject({ path: '/v2/alerts', body: '{"a":"ü"}' });
    expect(request.headers).toMatchObject({
      'content-type': 'my/weird/format',
      'x-test': 'test:ing',
      authorization: 'GenieKey secret',
      'content-length': String(Buffer.byteLength('{"a":"ü"}')),
    });
  });

  it('retries a 5xx and succeeds when the receiver recovers', async () => {
    receiver.answer((i) => (i < 2 ? { status: 503, body: 'busy' } : { status: 202 }));
    await expect(send()).resolves.toEqual({ delivered: true, attempts: 3 });
  });

  it('gives up after maxAttempts, with the status and the start of the body', async () => {
    receiver.answer({ status: 500, body: `internal\nerror ${'x'.repeat(500)}` });
    const outcome = await send();
    expect(outcome).toEqual({ delivered: false, attempts: 3, error: expect.stringMatching(/^HTTP 500: internal error x+ \(after 3 attempts\)$/) });
    expect(outcome.error!.length).toBeLessThan(260);
    expect(receiver.received).toHaveLength(3);
  });

  it('retries 429 after Retry-After', async () => {
    receiver.answer((i) => (i === 0 ? { status: 429, headers: { 'retry-after': '0' } } : { status: 200 }));
    await expect(send()).resolves.toEqual({ delivered: true, attempts: 2 });
  });

  it('does not retry other 4xx, nor follow redirects', async () => {
    receiver.answer({ status: 404, body: 'no such hook' });
    await expect(send()).resolves.toEqual({ delivered: false, attempts: 1, error: 'HTTP 404: no such hook' });
    receiver.answer({ status: 302, headers: { location: 'http://elsewhere.example/' } });
    await expect(send()).resolves.toMatchObject({ delivered: false, attempts: 1, error: 'HTTP 302' });
  });

  it('retries a receiver that is not there, and says so without the URL', async () => {
    const url = new URL(`http://127.0.0.1:${await freePort()}/services/T0/B0/secret-token`);
    const outcome = await deliver(url, JSON_HEADERS, '{}', soon(), FAST);
    expect(outcome).toMatchObject({ delivered: false, attempts: 3, error: expect.stringContaining('cannot reach the receiver: connect ECONNREFUSED') });
    expect(outcome.error).not.toContain('secret-token');
  });

  it('ends an attempt that gets no answer after its timeout', async () => {
    receiver.answer((i) => (i === 0 ? 'hang' : { status: 200 }));
    await expect(send()).resolves.toEqual({ delivered: true, attempts: 2 });
  });

  it('never goes past the deadline, whatever the attempts would allow', async () => {
    receiver.answer('hang');
    const started = Date.now();
    const outcome = await send({ attemptTimeoutMs: 5_000, maxAttempts: 3, firstBackoffMs: 10 }, soon(400));
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(outcome).toEqual({ delivered: false, attempts: 1, error: expect.stringMatching(/^no answer within \d+ ms$/) });
  });

  it('does not try at all when the deadline has passed', async () => {
    await expect(send(FAST, Date.now() - 1)).resolves.toEqual({ delivered: false, attempts: 0, error: 'no time left before the deadline' });
    expect(receiver.received).toHaveLength(0);
  });
});

describe('alert delivery over HTTPS', () => {
  let receiver: AlertReceiver;
  beforeAll(async () => {
    receiver = await AlertReceiver.start({ tls: true });
  });
  afterAll(() => receiver.stop());

  it('verifies the certificate and does not retry one it cannot trust', async () => {
    // This process does not trust the test CA (the end-to-end tests give it to the alerting app).
    const outcome = await deliver(new URL(receiver.url('/hook')), JSON_HEADERS, '{}', soon(), FAST);
    expect(outcome).toEqual({ delivered: false, attempts: 1, error: expect.stringContaining('cannot reach the receiver') });
    expect(receiver.received).toHaveLength(0);
  });
});
