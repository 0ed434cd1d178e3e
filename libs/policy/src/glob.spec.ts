import { globToRegexSource, InvalidGlobError } from './glob';

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
});
