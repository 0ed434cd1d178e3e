import fc from 'fast-check';
import { JsonTooDeepError, MAX_JSON_DEPTH, parseJson } from './index';

describe('parseJson', () => {
  it('parses what JSON.parse parses, from bytes and from text', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 20 }), (value) => {
        const text = JSON.stringify(value);
        expect(parseJson(text)).toEqual(JSON.parse(text));
        expect(parseJson(Buffer.from(text))).toEqual(JSON.parse(text));
      }),
    );
  });

  it(`refuses nesting deeper than ${MAX_JSON_DEPTH} levels before parsing it`, () => {
    expect(parseJson(`${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`)).toHaveLength(1);
    expect(() => parseJson('['.repeat(3 << 20))).toThrow(new JsonTooDeepError(MAX_JSON_DEPTH));
    expect(() => parseJson(Buffer.from('{"a":'.repeat(MAX_JSON_DEPTH + 1)))).toThrow(JsonTooDeepError);
  });

  it('leaves invalid JSON to JSON.parse', () => {
    expect(() => parseJson('{"a": }')).toThrow(SyntaxError);
    expect(() => parseJson(Buffer.from(''))).toThrow(SyntaxError);
  });

  it('reads the bytes of a view only', () => {
    const bytes = Buffer.from('xx{"a":1}yy').subarray(2, 9);
    expect(parseJson(bytes)).toEqual({ a: 1 });
  });
});
