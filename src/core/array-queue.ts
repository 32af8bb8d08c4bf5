// A FIFO queue over an array: the network's packet and sender queues and the
// shared region's released slots.

/** FIFO over an array with a moving head; the consumed prefix is dropped in amortised O(1). */
export class ArrayQueue<T> {
  private items: T[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(x: T): void {
    this.items.push(x);
  }

  peek(): T | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const x = this.items[this.head];
    this.head++;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
    return x;
  }

  /** The i-th queued item from the head. */
  at(i: number): T {
    return this.items[this.head + i];
  }

  clear(): void {
    this.items.length = 0;
    this.head = 0;
  }
}
