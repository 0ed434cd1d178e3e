import { escapeTemplateValue, marshalGoJson } from './go-json';

describe("Go's JSON", () => {
  it('sorts keys by their UTF-8 bytes at every level, keeping array order', () => {
    expect(marshalGoJson({ b: [{ z: 1, a: 2 }, 3], a: null, B: true, 'é': 0, '\u{1F600}': 0, 'ｚ': 0 })).toBe(
      '{"B":true,"a":null,"b":[{"a":2,"z":1},3],"é":0,"ｚ":0,"\u{1F600}":0}',
    );
  });

  it('escapes <, >, &, U+2028 and U+2029 in keys and strings', () => {
    expect(marshalGoJson({ '<k>': 'a&b\u2028\u2029' })).toBe('{"\\u003ck\\u003e":"a\\u0026b\\u2028\\u2029"}');
  });

  it('prints numbers as Go prints a float64', () => {
    expect(marshalGoJson([1, 1.5, -0.25, 1e21, 1e-7, 123456789])).toBe('[1,1.5,-0.25,1e+21,1e-7,123456789]');
  });

  it('refuses what Go refuses', () => {
    expect(() => marshalGoJson({ a: NaN })).toThrow('unsupported value');
    expect(() => marshalGoJson({ a: () => 1 })).toThrow('unsupported type');
  });

  it('escapes template values as json.Encoder without HTML escaping', () => {
    expect(escapeTemplateValue('say "hi"\\ <b>\n\r\t\b\f\u0000\u001f\u2028')).toBe('say \\"hi\\"\\\\ <b>\\n\\r\\t\\b\\f\\u0000\\u001f\\u2028');
  });
});
