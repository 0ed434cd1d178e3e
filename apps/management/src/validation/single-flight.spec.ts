import { SingleFlight } from './single-flight';

describe('SingleFlight', () => {
  it('runs the work once for concurrent callers of one key, and again once it settled', async () => {
    const flight = new SingleFlight<number>();
    let runs = 0;
    let release!: (n: number) => void;
    const work = () => {
      runs++;
      return new Promise<number>((resolve) => (release = resolve));
    };
    const waiting = Array.from({ length: 100 }, () => flight.run('k', work));
    const other = flight.run('other', async () => 7);
    release(42);
    expect(await Promise.all(waiting)).toEqual(Array(100).fill(42));
    expect(await other).toBe(7);
    expect(runs).toBe(1);
    expect(flight.size).toBe(0);
    await flight.run('k', async () => runs++);
    expect(runs).toBe(2);
  });

  it('shares a failure, then forgets it', async () => {
    const flight = new SingleFlight<number>();
    const failing = () => Promise.reject(new Error('boom'));
    await expect(Promise.all([flight.run('k', failing), flight.run('k', failing)])).rejects.toThrow('boom');
    expect(flight.size).toBe(0);
    await expect(flight.run('k', async () => 1)).resolves.toBe(1);
  });
});
