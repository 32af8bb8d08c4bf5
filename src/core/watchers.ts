// Listener lists for "something may have changed" notifications (fd readiness,
// child exits). Plain arrays in insertion order keep wake-ups deterministic.

/**
 * Listeners interested in an object's readiness (blocked threads, epoll
 * instances). Kept in insertion order so wake-ups are deterministic.
 */
export class Watchers {
  private readonly list: Array<() => void> = [];
  /** This list as the only wait source of a block: blocking on one object allocates nothing. */
  readonly asSources: ReadonlyArray<Watchers> = [this];

  add(fn: () => void): () => void {
    this.list.push(fn);
    return () => {
      const i = this.list.indexOf(fn);
      if (i >= 0) this.list.splice(i, 1);
    };
  }

  /** Calls every listener (each may remove itself while we iterate). */
  notify(): void {
    if (this.list.length === 0) return;
    for (const fn of this.list.slice()) fn();
  }

  get size(): number {
    return this.list.length;
  }
}
