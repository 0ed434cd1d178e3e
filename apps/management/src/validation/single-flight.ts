/**
 * Concurrent callers with the same key share one run of the work: 100 admissions of one new
 * image at once make one validator call. The key is forgotten as soon as the work settles (the
 * cache keeps the result from then on).
 */
export class SingleFlight<T> {
  private readonly running = new Map<string, Promise<T>>();

  run(key: string, work: () => Promise<T>): Promise<T> {
    const shared = this.running.get(key);
    if (shared) return shared;
    const started = work().finally(() => this.running.delete(key));
    this.running.set(key, started);
    return started;
  }

  get size(): number {
    return this.running.size;
  }
}
