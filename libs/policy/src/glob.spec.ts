import { escapeGlob, globLiteral, globToRegexSource, InvalidGlobError } from './glob';

const matches = (glob: string, s: string) => new RegExp(`^${globToRegexSource(glob)}$`).test(s);

describe('globToRegexSource (gobwas/glob without separators)', () => {
  it.each([
    ['*', 'a/b:c', true],
    ['a*', 'a/b/c', true],
    ['a?c', 'abc', true],
    ['a?c', 'a/c', true],
    ['a?c', 'ac', false],
    ['[abc]x', 'bx', true],
    ['[abc]x', 'dx', false],
    ['[!abc]x', 'dx', true],
    ['[!abc]x', 'ax', false],
    ['[a-c]x', 'cx', true],
    ['[a-c]x', 'dx', false],
    ['{foo,bar}:*', 'bar:1', true],
    ['{foo,bar}:*', 'baz:1', false],
    ['{a,{b,c}}', 'c', true],
    ['my.reg', 'myxreg', false],
    ['\\*', '*', true],
    ['\\*', 'a', false],
    ['a+b(c)', 'a+b(c)', true],
  ])('%s ~ %s → %s', (glob, s, expected) => {
    expect(matches(glob, s)).toBe(expected);
  });

  it.each(['[abc', 'a{b,c', 'a\\', '[]', '[z-a]', 'a]', 'a}'])('rejects %p', (glob) => {
    expect(() => globToRegexSource(glob)).toThrow(InvalidGlobError);
  });

  it.each([
    ['registry.io', 'registry.io'],
    ['\\[::1\\]:5000', '[::1]:5000'],
    ['reg*', undefined],
    ['[ab]', undefined],
    ['trailing\\', undefined],
  ])('globLiteral(%p) → %p', (glob, literal) => {
    expect(globLiteral(glob)).toBe(literal);
  });

  it('escapeGlob makes a glob that matches exactly the text', () => {
    const text = '[::1]:5000/a*b?{c,d}\\e';
    expect(globLiteral(escapeGlob(text))).toBe(text);
    expect(matches(escapeGlob(text), text)).toBe(true);
    expect(matches(escapeGlob(text), '[::1]:5000/axb?{c,d}\\e')).toBe(false);
  });
});
