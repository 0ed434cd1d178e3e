import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DepthCounter } from '@connaisseur-mesh/json';
import { JsonScanner, ReviewHead } from './json-scanner';

const MiB = 1024 * 1024;

/**
 * The largest body parsed, from the API server's own limits. kube-apiserver accepts request bodies
 * up to 3 MiB (`MaxRequestBodyBytes` in k8s.io/apiserver/pkg/server/config.go: etcd's default
 * request limit of 1.5 MiB, doubled because the JSON sent is larger than the protobuf stored). An
 * UPDATE's review carries `object` (up to 3 MiB as sent) and `oldObject` (up to 1.5 MiB as stored,
 * about 3 MiB as JSON): 6 MiB. The API server writes the review with Go's encoding/json, which
 * escapes <, > and & as six-byte \u sequences (and defaulting and earlier webhooks add fields), so
 * allow twice that, 12 MiB, rounded up to 16 MiB. A larger review is still answered: denied.
 */
export const BODY_LIMIT = 16 * MiB;
/**
 * What is read of a body that will not be parsed, for its envelope: the API server writes `kind`,
 * `apiVersion` and then `request`, whose first field is `uid`, so the uid is in the first bytes.
 */
export const HEAD_LIMIT = 64 * 1024;
/**
 * A body that will not be parsed is still read to its end (drained), so that the client reads the
 * answer: a server that answers and closes while the client is still sending makes it see a
 * connection error, which `failurePolicy: Ignore` admits. Past this, the connection is closed.
 */
export const DRAIN_LIMIT = 4 * BODY_LIMIT;
/** The bytes held across all bodies in flight: 16 bodies at the size limit. */
export const BUFFERED_LIMIT = 256 * MiB;

/** What the controller gets as `request.body` on the webhook port. */
export type AdmissionBody =
  /** The whole body, no deeper than MAX_JSON_DEPTH as far as it is JSON. */
  | { kind: 'json'; text: string }
  /** Nested deeper than MAX_JSON_DEPTH: not an AdmissionReview. */
  | { kind: 'too-deep' }
  /** Not parsed, for the reason given; the envelope as far as its head shows it. */
  | { kind: 'refused'; code: 413 | 429; reason: string; head: ReviewHead };

type Refusal = Pick<Extract<AdmissionBody, { kind: 'refused' }>, 'code' | 'reason'>;

const TOO_LARGE: Refusal = { code: 413, reason: `request body exceeds ${BODY_LIMIT} bytes` };

/**
 * Reads every request body of the webhook port itself (Fastify's body limit would answer 413
 * before anything of the body is seen), within the limits above, while scanning it for depth and
 * for the envelope. Admissions are counted from when their body starts arriving until their answer
 * is sent; over `maxInFlight`, or over the bytes all of them may hold (BUFFERED_LIMIT), a body is
 * only scanned for its envelope, so that the controller can deny it by its uid.
 */
export class AdmissionIntake {
  private inFlight = 0;
  private buffered = 0;
  /** The response of each request, from the onRequest hook, for the parser (which gets no reply). */
  private readonly responses = new WeakMap<IncomingMessage, ServerResponse>();
  private readonly maxInFlight: number;
  private readonly bodyTimeoutSeconds: number;
  private readonly bufferedLimit: number;
  private readonly overloaded: Refusal;
  private readonly buffersFull: Refusal;

  constructor(limits: { maxInFlight: number; bodyTimeoutSeconds: number; bufferedLimit?: number }) {
    this.maxInFlight = limits.maxInFlight;
    this.bodyTimeoutSeconds = limits.bodyTimeoutSeconds;
    this.bufferedLimit = limits.bufferedLimit ?? BUFFERED_LIMIT;
    this.overloaded = { code: 429, reason: `management is at its limit of ${this.maxInFlight} admissions in flight` };
    this.buffersFull = { code: 429, reason: `management is at its limit of ${this.bufferedLimit} bytes held for admissions in flight` };
  }

  /** Takes over the parsing of every body on `fastify`, whatever its content type. */
  register(fastify: FastifyInstance) {
    fastify.addHook('onRequest', (request, reply, done) => {
      this.responses.set(request.raw, reply.raw);
      done();
    });
    fastify.removeAllContentTypeParsers();
    fastify.addContentTypeParser('*', (request: FastifyRequest, payload: IncomingMessage) =>
      this.read(payload, this.responses.get(request.raw), request.headers['content-length']),
    );
  }

  private async read(payload: IncomingMessage, response: ServerResponse | undefined, declaredLength: string | undefined): Promise<AdmissionBody> {
    if (!response) throw new Error('no response for the request');
    const depth = new DepthCounter();
    /** The envelope's scanner, once the body is refused. */
    let head: JsonScanner | undefined;
    const chunks: Buffer[] = [];
    let held = 0;
    const release = () => {
      this.buffered -= held;
      held = 0;
      chunks.length = 0;
    };
    let refusal: Refusal | undefined;
    if (this.inFlight >= this.maxInFlight) refusal = this.overloaded;
    else {
      this.inFlight++;
      response.once('close', () => {
        this.inFlight--;
        release();
      });
      if (Number(declaredLength) > BODY_LIMIT) refusal = TOO_LARGE;
    }
    // Closes the connection without an answer (ending the request stream alone would leave it open).
    const drop = (reason: string) => {
      payload.socket.destroy();
      return new Error(reason);
    };
    let received = 0;
    /** Scans the head of a refused body (what of it is held, then what arrives) for the envelope. */
    const scanHead = (chunk: Buffer) => {
      head ??= new JsonScanner();
      if (head.scanned < HEAD_LIMIT) head.write(chunk.subarray(0, HEAD_LIMIT - head.scanned));
    };
    const take = (chunk: Buffer) => {
      received += chunk.length;
      if (received > DRAIN_LIMIT) throw drop(`request body exceeds ${DRAIN_LIMIT} bytes`);
      // Not an AdmissionReview: nothing more to keep or scan.
      if (depth.stopped) return release();
      if (!refusal && (received > BODY_LIMIT || this.buffered + chunk.length > this.bufferedLimit)) {
        refusal = received > BODY_LIMIT ? TOO_LARGE : this.buffersFull;
        chunks.forEach(scanHead);
        release();
      }
      if (refusal) return scanHead(chunk);
      chunks.push(chunk);
      held += chunk.length;
      this.buffered += chunk.length;
      depth.write(chunk);
    };
    // Stream events, not `for await`: a Readable's async iterator measured dearer per request.
    await new Promise<void>((resolve, reject) => {
      // The API server sends the body at once; one still arriving after the admission budget has no
      // one waiting for its answer, and must not hold a place in flight.
      const timer = setTimeout(() => payload.destroy(drop(`request body not complete after ${this.bodyTimeoutSeconds} s`)), this.bodyTimeoutSeconds * 1000);
      const settle = (error?: Error) => {
        clearTimeout(timer);
        payload.off('data', onData);
        if (error) reject(error);
        else resolve();
      };
      const onData = (chunk: Buffer) => {
        try {
          take(chunk);
        } catch (e) {
          settle(e as Error);
        }
      };
      payload.on('data', onData);
      payload.once('end', () => settle());
      payload.once('error', settle);
      payload.once('close', () => settle(payload.readableEnded ? undefined : new Error('the request ended before its body')));
    });
    if (depth.stopped) return { kind: 'too-deep' };
    if (refusal) return { kind: 'refused', ...refusal, head: head?.head ?? {} };
    return { kind: 'json', text: Buffer.concat(chunks, held).toString('utf8') };
  }
}
