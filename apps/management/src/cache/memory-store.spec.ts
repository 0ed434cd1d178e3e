import { MemoryStore } from './memory-store';

describe('the in-process cache store', () => {
  it('keeps at most maxEntries, dropping the least recently used', async () => {
    const store = new MemoryStore(3);
    for (const key of ['a', 'b', 'c']) await store.set(key, key, 60_000);
    expect(await store.get('a')).toBe('a'); // a is now the most recently used
    await store.set('d', 'd', 60_000);
    expect(store.size).toBe(3);
    expect(await store.get('b')).toBeUndefined();
    expect(await store.get('a')).toBe('a');
    expect(await store.get('c')).toBe('c');
    expect(await store.get('d')).toBe('d');
  });

  it('forgets entries after their time to live', async () => {
    const store = new MemoryStore(10);
    await store.set('short', 'x', 20);
    await store.set('long', 'y', 60_000);
    await new Promise((r) => setTimeout(r, 40));
    expect(await store.get('short')).toBeUndefined();
    expect(await store.get('long')).toBe('y');
    expect(store.size).toBe(1);
  });

  it('replaces an entry that is set again', async () => {
    const store = new MemoryStore(10);
    await store.set('k', 'old', 60_000);
    await store.set('k', 'new', 60_000);
    expect(await store.get('k')).toBe('new');
    expect(store.size).toBe(1);
  });
});
