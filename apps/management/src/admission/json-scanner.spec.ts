import fc from 'fast-check';
import { DepthCounter, MAX_JSON_DEPTH } from '@connaisseur-mesh/json';
import { JsonScanner, ReviewHead } from './json-scanner';

/** Scans `text` in the given chunk sizes (cycled), as the bytes of a request body arrive. */
function scan(text: string | Buffer, chunkSizes: number[] = [Infinity], maxDepth?: number): JsonScanner {
  return feed(new JsonScanner(maxDepth), text, chunkSizes);
}

function feed<S extends { write(bytes: Uint8Array): boolean }>(scanner: S, text: string | Buffer, chunkSizes: number[]): S {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text);
  for (let offset = 0, i = 0; offset < bytes.length; i++) {
    const size = Math.max(1, Math.min(chunkSizes[i % chunkSizes.length], bytes.length));
    scanner.write(bytes.subarray(offset, offset + size));
    offset += size;
  }
  return scanner;
}

/** The nesting depth of a parsed value: a scalar is 0, `[]` is 1. */
function depthOf(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + Math.max(0, ...children.map(depthOf));
}

/** What JSON.parse makes of the envelope: the fields the scanner must report for a whole text. */
function headOf(parsed: unknown): ReviewHead {
  const head: ReviewHead = {};
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return head;
  const { apiVersion, kind, request } = parsed as Record<string, unknown>;
  if (typeof apiVersion === 'string') head.apiVersion = apiVersion;
  if (typeof kind === 'string') head.kind = kind;
  if (typeof request === 'object' && request !== null && !Array.isArray(request)) {
    const uid = (request as Record<string, unknown>).uid;
    if (typeof uid === 'string') head.uid = uid;
  }
  return head;
}

const chunkSizes = fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 });
const indent = fc.constantFrom(undefined, 1, '\t');
/** Strings full of what a careless scanner would take for structure. */
const trickyString = fc.string({ unit: fc.constantFrom('[', ']', '{', '}', '"', '\\', ',', ':', 'u', 'i', 'd', 'a', '\n', 'é', '😀') });
const scalar = fc.oneof(trickyString, fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.boolean(), fc.constant(null));

/** What bounds the depth: JsonScanner (the envelope's reader) and DepthCounter (every body's check) alike. */
const depthScanners: Array<[string, (text: string | Buffer, chunkSizes?: number[]) => DepthCounter | JsonScanner]> = [
  ['JsonScanner', (text, chunkSizes = [Infinity]) => scan(text, chunkSizes)],
  ['DepthCounter', (text, chunkSizes = [Infinity]) => feed(new DepthCounter(), text, chunkSizes)],
];

describe('JSON scanning (JsonScanner, DepthCounter)', () => {
  describe.each(depthScanners)('depth (%s)', (_name, scan) => {
    it('is the true depth of any JSON value, however the bytes are chunked', () => {
      fc.assert(
        fc.property(fc.jsonValue(), indent, chunkSizes, (value, space, sizes) => {
          const scanner = scan(JSON.stringify(value, null, space), sizes);
          expect(scanner.stopped).toBeUndefined();
          expect(scanner.deepest).toBe(depthOf(value));
        }),
      );
    });

    /**
     * A nesting of `depth` levels (arrays, or objects with a key), with scalars beside the path;
     * `at` is the offset of the first bracket that opens a level deeper than the bound.
     */
    const nesting = fc
      .array(fc.record({ object: fc.boolean(), key: trickyString, before: fc.array(scalar, { maxLength: 2 }), after: fc.array(scalar, { maxLength: 2 }) }), {
        minLength: 1,
        maxLength: MAX_JSON_DEPTH + 20,
      })
      .map((levels) => {
        let text = '';
        let at: number | undefined;
        for (const [i, level] of levels.entries()) {
          const siblings = level.before.map((s) => (level.object ? `${JSON.stringify(`${i}b${s}`)}:${JSON.stringify(s)}` : JSON.stringify(s)));
          text += level.object ? '{' : '[';
          if (i === MAX_JSON_DEPTH) at = text.length - 1;
          text += siblings.map((s) => `${s},`).join('') + (level.object ? `${JSON.stringify(level.key)}:` : '');
        }
        text += '0';
        for (const [i, level] of [...levels.entries()].reverse()) {
          const siblings = level.after.map((s) => (level.object ? `${JSON.stringify(`${i}a${s}`)}:${JSON.stringify(s)}` : JSON.stringify(s)));
          text += siblings.map((s) => `,${s}`).join('') + (level.object ? '}' : ']');
        }
        return { text, depth: levels.length, at };
      });

    it(`stops at the first bracket deeper than ${MAX_JSON_DEPTH} levels, and only there`, () => {
      fc.assert(
        fc.property(nesting, chunkSizes, ({ text, depth, at }, sizes) => {
          expect(depthOf(JSON.parse(text))).toBe(depth);
          const scanner = scan(text, sizes);
          if (depth <= MAX_JSON_DEPTH) {
            expect(scanner.stopped).toBeUndefined();
            expect(scanner.deepest).toBe(depth);
          } else {
            expect(scanner.stopped).toBe('too-deep');
            expect(scanner.scanned).toBe(Buffer.byteLength(text.slice(0, at! + 1)));
          }
        }),
        { numRuns: 200 },
      );
    });

    it.each([
      ['[', 100, undefined],
      ['[', 101, 'too-deep'],
      ['{"a":', 101, 'too-deep'],
    ])('%p × %p', (open, times, stopped) => {
      const close = open === '[' ? ']' : '}';
      expect(scan(open.repeat(times) + '0'.repeat(open === '[' ? 0 : 1) + close.repeat(times)).stopped).toBe(stopped);
    });

    it('reads nothing past the bound of a 3 MiB nesting', () => {
      const scanner = scan('['.repeat(3 * 1024 * 1024), [65536]);
      expect(scanner).toMatchObject({ stopped: 'too-deep', scanned: MAX_JSON_DEPTH + 1, deepest: MAX_JSON_DEPTH });
    });

    it('finds where long strings with quotes and backslashes end, across chunks', () => {
      const longString = fc.string({ unit: fc.constantFrom('\\', '"', '[', 'x', '\\\\', '\\"', 'é'), minLength: 20, maxLength: 400 });
      const value = fc.letrec<{ value: unknown }>((tie) => ({
        value: fc.oneof({ depthSize: 'small' }, longString, fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(longString, tie('value'), { maxKeys: 3 })),
      })).value;
      fc.assert(
        fc.property(value, fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 8 }), (v, sizes) => {
          const scanner = scan(JSON.stringify(v), sizes);
          expect(scanner.stopped).toBeUndefined();
          expect(scanner.deepest).toBe(depthOf(v));
        }),
        { numRuns: 300 },
      );
    });

    it('does not count brackets inside strings', () => {
      const text = JSON.stringify({ a: '['.repeat(500), b: ['{'.repeat(500), '\\"[[[', '"'] });
      expect(scan(text, [3])).toMatchObject({ stopped: undefined, deepest: 2 });
    });
  });

  describe('validity', () => {
    const claimsInvalid = (text: string) => scan(text).stopped === 'invalid';
    const parses = (text: string) => {
      try {
        JSON.parse(text);
        return true;
      } catch {
        return false;
      }
    };

    it('never calls valid JSON invalid', () => {
      fc.assert(fc.property(fc.jsonValue(), indent, (value, space) => expect(claimsInvalid(JSON.stringify(value, null, space))).toBe(false)));
    });

    /** Valid JSON with one character inserted, deleted or replaced, and short random texts. */
    const almostJson = fc.oneof(
      fc
        .tuple(fc.jsonValue().map((v) => JSON.stringify(v)), fc.nat(), fc.nat({ max: 2 }), fc.constantFrom(...'[]{}",:\\ 0tx-'))
        .map(([text, at, edit, c]) => {
          const i = at % (text.length + 1);
          return edit === 0 ? text.slice(0, i) + c + text.slice(i) : edit === 1 ? text.slice(0, i) + text.slice(i + 1) : text.slice(0, i) + c + text.slice(i + 1);
        }),
      fc.string({ unit: fc.constantFrom(...'[]{}",:\\ 0tfn-e.x\u0001') }),
    );

    it('agrees with JSON.parse where it claims a text is invalid', () => {
      fc.assert(
        fc.property(almostJson, (text) => {
          if (claimsInvalid(text)) expect(parses(text)).toBe(false);
        }),
        { numRuns: 2000 },
      );
    });

    it.each([['{x'], ['[1 2]'], ['{"a" 1}'], ['{"a":1,}'], ['[1,]'], ['[}'], ['{]'], ['1 2'], ['[1}'], ['{"a":1]'], ['{"kind":"a\u0001"}'], ['{"kind":"\\x"}'], [']']])(
      '%p is invalid',
      (text) => {
        expect(parses(text)).toBe(false);
        expect(claimsInvalid(text)).toBe(true);
      },
    );
  });

  describe('the envelope (apiVersion, kind, request.uid)', () => {
    const otherKey = fc.string().filter((k) => !['apiVersion', 'kind', 'request', 'uid'].includes(k));
    /** Values that carry a uid where it does not count: in strings, deeper, under another key. */
    const decoy = fc.oneof(
      fc.jsonValue(),
      fc.constant('"request":{"uid":"decoy"}'),
      fc.constant({ uid: 'decoy', metadata: { uid: 'decoy' } }),
      fc.constant([{ request: { uid: 'decoy' } }]),
    );
    /** A key spelled plainly or with JSON escapes, which JSON.parse reads the same. */
    const spelled = (key: string) =>
      fc.constantFrom(JSON.stringify(key), `"${[...key].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}"`, `"\\u${key.charCodeAt(0).toString(16).padStart(4, '0')}${key.slice(1)}"`);

    /** An AdmissionReview-like text, with the offset just past the uid's value (if it has one). */
    const review = fc
      .record({
        apiVersion: fc.option(fc.string(), { nil: undefined }),
        kind: fc.option(fc.string(), { nil: undefined }),
        uid: fc.option(fc.oneof(fc.uuid(), fc.string(), trickyString), { nil: undefined }),
        uidKey: spelled('uid'),
        requestKey: spelled('request'),
        requestMembers: fc.array(fc.tuple(otherKey, decoy), { maxLength: 4 }),
        rootMembers: fc.array(fc.tuple(otherKey, decoy), { maxLength: 4 }),
        userInfo: fc.boolean(),
        order: fc.array(fc.nat(), { minLength: 16, maxLength: 16 }),
      })
      .map((r) => {
        const shuffle = <T>(items: T[]) =>
          items
            .map((item, i) => ({ item, k: r.order[i % r.order.length] + i / 100 }))
            .sort((a, b) => a.k - b.k)
            .map((x) => x.item);
        const member = (key: string, value: unknown) => `${JSON.stringify(key)}:${JSON.stringify(value)}`;
        const uidMember = r.uid === undefined ? undefined : `${r.uidKey}:${JSON.stringify(r.uid)}`;
        const requestMembers = shuffle([
          ...r.requestMembers.map(([k, v]) => member(k, v)),
          ...(r.userInfo ? [member('userInfo', { username: 'u', uid: 'decoy' }), member('object', { metadata: { uid: 'decoy' } })] : []),
          ...(uidMember === undefined ? [] : [uidMember]),
        ]);
        const requestMember = `${r.requestKey}:{${requestMembers.join(',')}}`;
        const rootMembers = shuffle([
          ...r.rootMembers.map(([k, v]) => member(k, v)),
          ...(r.apiVersion === undefined ? [] : [member('apiVersion', r.apiVersion)]),
          ...(r.kind === undefined ? [] : [member('kind', r.kind)]),
          requestMember,
        ]);
        const text = `{${rootMembers.join(',')}}`;
        if (uidMember === undefined) return { text, uid: undefined, uidEnd: undefined };
        // Everything up to and including the uid member: the root's members before request, the
        // request key, and request's members up to the uid.
        const rootBefore = rootMembers.slice(0, rootMembers.indexOf(requestMember));
        const requestBefore = requestMembers.slice(0, requestMembers.indexOf(uidMember));
        const upToUid = `{${rootBefore.map((m) => `${m},`).join('')}${r.requestKey}:{${requestBefore.map((m) => `${m},`).join('')}${uidMember}`;
        expect(text.startsWith(upToUid)).toBe(true);
        return { text, uid: r.uid, uidEnd: Buffer.byteLength(upToUid) };
      });

    it('reads what JSON.parse reads from a whole text', () => {
      fc.assert(
        fc.property(review, chunkSizes, ({ text, uid }, sizes) => {
          const parsed = JSON.parse(text);
          expect(headOf(parsed).uid).toBe(uid);
          const scanner = scan(text, sizes);
          expect(scanner.stopped).toBeUndefined();
          expect(scanner.head).toEqual(headOf(parsed));
        }),
        { numRuns: 500 },
      );
    });

    it('finds request.uid in every head that contains it, and never invents one', () => {
      fc.assert(
        fc.property(review, fc.nat(), chunkSizes, ({ text, uid, uidEnd }, cut, sizes) => {
          const bytes = Buffer.from(text);
          const headLength = cut % (bytes.length + 1);
          const found = scan(bytes.subarray(0, headLength), sizes).head.uid;
          if (uidEnd !== undefined && headLength >= uidEnd) expect(found).toBe(uid);
          else expect(found).toBeUndefined();
        }),
        { numRuns: 1000 },
      );
    });

    it('reads fields of any JSON value as JSON.parse does (none, for most)', () => {
      fc.assert(fc.property(fc.jsonValue(), (value) => expect(scan(JSON.stringify(value)).head).toEqual(headOf(value))));
    });

    it.each<[string, ReviewHead]>([
      ['{"request":{"uid":"a","uid":"b"}}', { uid: 'b' }],
      ['{"request":{"uid":"a"},"request":{}}', {}],
      ['{"request":{"uid":"a","uid":1}}', {}],
      ['{"request":{"uid":"a"},"request":[{"uid":"b"}]}', {}],
      ['{"request":{"uid":"a"},"request":["b"]}', {}],
      ['{"request":{"object":{"uid":"deeper"}},"uid":"root"}', {}],
      ['{"kind":"AdmissionReview","kind":{"x":1}}', {}],
      ['{"request":{"uid":"\\u00e9\\ud83d\\ude00"}}', { uid: 'é😀' }],
      ['[{"request":{"uid":"in an array"}}]', {}],
    ])('%s', (text, head) => {
      expect(headOf(JSON.parse(text))).toEqual(head);
      expect(scan(text, [1]).head).toEqual(head);
    });

    it('does not decode a uid longer than any real one (1 KiB)', () => {
      expect(scan(`{"request":{"uid":"${'x'.repeat(1025)}"}}`).head).toEqual({});
      expect(scan(`{"request":{"uid":"${'x'.repeat(1024)}"}}`).head).toEqual({ uid: 'x'.repeat(1024) });
    });
  });
});
