/**
 * This machine itself: `localhost`, 127.0.0.0/8 or `::1`, with or without a port or IPv6 brackets
 * (`127.0.0.1:5000`, `[::1]`). What the local stack and the tests use; a registry or Redis there may
 * go without TLS or a password.
 */
export function isLoopback(host: string): boolean {
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '');
  return name === 'localhost' || name === '::1' || /^127(\.\d{1,3}){3}$/.test(name);
}
