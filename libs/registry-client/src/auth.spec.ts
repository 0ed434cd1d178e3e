import { basicAuthorization, parseChallenge } from './auth';

describe('WWW-Authenticate challenges', () => {
  it.each([
    [
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"',
      { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/nginx:pull' } },
    ],
    ['Basic realm="cm-registry"', { scheme: 'basic', params: { realm: 'cm-registry' } }],
    ['bearer realm=https://x/token, service=reg', { scheme: 'bearer', params: { realm: 'https://x/token', service: 'reg' } }],
    ['Bearer realm="a\\"b"', { scheme: 'bearer', params: { realm: 'a"b' } }],
  ])('%s', (header, expected) => {
    expect(parseChallenge(header)).toEqual(expected);
  });

  it.each([undefined, '', 'Negotiate abc', '   '])('ignores %p', (header) => {
    expect(parseChallenge(header)).toBeUndefined();
  });

  it('encodes Basic credentials', () => {
    expect(basicAuthorization({ username: 'user', password: 'pa:ss' })).toBe(`Basic ${Buffer.from('user:pa:ss').toString('base64')}`);
  });
});
