// Queues of threads waiting on futex words. A process owns one table for its
// private futexes (keyed by address); a host owns one for futexes in shared
// mappings (keyed by "dev:inode:offset"). Queues are FIFO for determinism.
import type { Thread } from './thread';
import { assert } from '../core/assert';

/** A futex word's identity inside its table. */
export type FutexKey = number | string;

/** A thread parked in FUTEX_WAIT*; requeue moves it to another key (or table). */
export interface FutexWaiter {
  readonly t: Thread;
  table: FutexTable;
  key: FutexKey;
  readonly bitset: number;
}

export class FutexTable {
  // A Set keeps insertion order (FIFO) and removes in O(1): a barrier of tens
  // of thousands of threads, all woken at once, would otherwise cost O(n²).
  private readonly queues = new Map<FutexKey, Set<FutexWaiter>>();

  /** Appends w to the queue of its key (w.table must be this table). */
  enqueue(w: FutexWaiter): void {
    assert(w.table === this, 'futex waiter queued in a table it does not name');
    const q = this.queues.get(w.key);
    if (q) q.add(w);
    else this.queues.set(w.key, new Set([w]));
  }

  /** Removes w from its queue, if it is still there. */
  remove(w: FutexWaiter): void {
    const q = this.queues.get(w.key);
    if (!q) return;
    q.delete(w);
    if (q.size === 0) this.queues.delete(w.key);
  }

  /** A copy of the waiters on key, oldest first (callers remove entries while iterating). */
  waiters(key: FutexKey): FutexWaiter[] {
    const q = this.queues.get(key);
    return q ? Array.from(q) : [];
  }

  /** Whether any thread waits on key. */
  hasWaiters(key: FutexKey): boolean {
    return this.queues.has(key);
  }
}
