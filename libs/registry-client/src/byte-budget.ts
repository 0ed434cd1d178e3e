import { BodyTooLarge, OverBudget } from './errors';

/**
 * How many bytes a series of downloads may take in all — one validation's search for signatures,
 * say, whatever a hostile registry lists. Each request reserves its cap before it is sent, at most
 * what is left, and gives back what its body did not use; so downloads running at the same time
 * can never take more than the limit together.
 */
export class ByteBudget {
  private taken = 0;

  /** `subject` completes the message: `more than <limit> bytes of <subject>; not examining more`. */
  constructor(
    readonly limit: number,
    private readonly subject: string,
  ) {}

  get left(): number {
    return this.limit - this.taken;
  }

  /** Runs one download with the cap min(`maxBytes`, what is left), and keeps what its body took. */
  async download<T extends { body: Buffer }>(maxBytes: number, run: (cap: number) => Promise<T>): Promise<T> {
    const cap = Math.min(maxBytes, this.left);
    if (cap <= 0 && maxBytes > 0) throw this.exceeded();
    this.taken += cap;
    let used = 0;
    try {
      const result = await run(cap);
      used = result.body.length;
      return result;
    } catch (e) {
      if (!(e instanceof BodyTooLarge)) throw e;
      // What was read before the cap was hit counts: else a stream of oversized bodies costs nothing.
      used = cap;
      throw cap < maxBytes ? this.exceeded() : e;
    } finally {
      this.taken -= cap - used;
    }
  }

  exceeded(): OverBudget {
    return new OverBudget(`more than ${this.limit} bytes of ${this.subject}; not examining more`);
  }
}
