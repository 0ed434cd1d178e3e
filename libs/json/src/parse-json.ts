import { DepthCounter, MAX_JSON_DEPTH } from './depth-counter';

/** JSON that nests deeper than the bound: refused before JSON.parse sees it. */
export class JsonTooDeepError extends Error {
  constructor(readonly maxDepth: number) {
    super(`nested deeper than ${maxDepth} levels`);
    this.name = 'JsonTooDeepError';
  }
}

/**
 * JSON.parse for what others send (registries, the Kubernetes API, Redis): the nesting depth is
 * counted first, so a hostile document costs a linear pass instead of holding the event loop.
 * Throws JsonTooDeepError, or JSON.parse's SyntaxError.
 */
export function parseJson(text: Uint8Array | string, maxDepth = MAX_JSON_DEPTH): unknown {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  if (!new DepthCounter(maxDepth).write(bytes)) throw new JsonTooDeepError(maxDepth);
  return JSON.parse(typeof text === 'string' ? text : Buffer.from(text.buffer, text.byteOffset, text.byteLength).toString('utf8'));
}
