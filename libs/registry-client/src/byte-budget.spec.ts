import fc from 'fast-check';
import { ByteBudget } from './byte-budget';
import { BodyTooLarge, OverBudget } from './errors';

/** What one download brings: a body of this size (too large when over its cap), or a network error. */
const download = fc.record({ maxBytes: fc.integer({ min: 0, max: 400 }), bodySize: fc.integer({ min: 0, max: 500 }), fails: fc.boolean() });

describe('ByteBudget', () => {
  it('caps a download at what is left and keeps what its body took', async () => {
    const budget = new ByteBudget(100, 'test data');
    await budget.download(60, async (cap) => ({ body: Buffer.alloc(cap === 60 ? 50 : 0) }));
    expect(budget.left).toBe(50);
    await expect(budget.download(60, async (cap) => Promise.reject(new BodyTooLarge('x', cap)))).rejects.toThrow(
      new OverBudget('more than 100 bytes of test data; not examining more'),
    );
    expect(budget.left).toBe(0);
    await expect(budget.download(1, async () => ({ body: Buffer.alloc(0) }))).rejects.toBeInstanceOf(OverBudget);
  });

  it('a body over its own cap (not the budget) stays that error', async () => {
    const budget = new ByteBudget(100, 'test data');
    const tooLarge = new BodyTooLarge('x', 10);
    await expect(budget.download(10, async () => Promise.reject(tooLarge))).rejects.toBe(tooLarge);
    expect(budget.left).toBe(90);
  });

  it('for any downloads running at once: never more than the limit taken, and exactly what the bodies took kept', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.integer({ min: 0, max: 1000 }), fc.array(download, { maxLength: 20 }), async (s, limit, downloads) => {
        const budget = new ByteBudget(limit, 'test data');
        let expectedKept = 0;
        let overLimit = false;
        const outcomes = downloads.map(({ maxBytes, bodySize, fails }) => {
          let granted: number | undefined;
          const run = s.scheduleFunction(async (cap: number) => {
            granted = cap;
            if (budget.left < 0) overLimit = true;
            if (fails) throw new Error('ECONNRESET');
            if (bodySize > cap) throw new BodyTooLarge('x', cap);
            return { body: Buffer.alloc(bodySize) };
          });
          return budget.download(maxBytes, run).then(
            () => {
              expectedKept += bodySize;
              return granted! <= maxBytes && bodySize <= granted!;
            },
            (e: Error) => {
              if (e instanceof OverBudget) {
                // Either nothing was left, or the body did not fit what was left (and that was read).
                if (granted === undefined) return maxBytes > 0;
                expectedKept += granted;
                return granted < maxBytes && bodySize > granted;
              }
              if (e instanceof BodyTooLarge) {
                expectedKept += granted!;
                return granted === maxBytes && bodySize > maxBytes;
              }
              return fails;
            },
          );
        });
        await s.waitAll();
        const consistent = await Promise.all(outcomes);
        expect(consistent.every(Boolean)).toBe(true);
        expect(overLimit).toBe(false);
        expect(budget.limit - budget.left).toBe(expectedKept);
        expect(expectedKept).toBeLessThanOrEqual(limit);
      }),
    );
  });
});
