// Wait queues of advisory file locks (flock, fcntl record and OFD locks). The
// real kernel holds the locks themselves (see src/syscall/locks.ts); this table
// lets a conflicting waiter sleep in simulated time and wakes it on a release.
//
// Why the real kernel keeps the locks: a regular file's fds are native, so the
// simulator sees neither dup/fork sharing of an open file description (which
// owns flock and OFD locks) nor the close that ends a description or drops a
// process's POSIX locks. Taking each lock natively with the non-blocking
// command, in the owner's process, makes ownership and release exactly Linux's
// and respects locks of processes outside the simulation; only the wait moves
// into simulated time. One table serves every host: they share one file system.
import type { Process } from '../host/process';
import type { Thread } from '../host/thread';
import { Watchers } from '../core/watchers';
import { SYS } from '../abi/syscalls';

/** Linux's MAX_DEADLK_ITERATIONS: how far the POSIX lock wait chain is followed. */
const MAX_DEADLOCK_HOPS = 10;

export class LockTable {
  /** Threads waiting for a lock on a file, by file identity ("dev:ino"). */
  private readonly queues = new Map<string, Watchers>();
  /** Threads blocked in F_SETLKW and the process holding the conflicting lock. */
  private readonly posixWaits = new Map<Thread, Process>();

  /** The wait queue of a file (made on first use). */
  waiters(fileKey: string): Watchers {
    let w = this.queues.get(fileKey);
    if (!w) {
      w = new Watchers();
      this.queues.set(fileKey, w);
    }
    return w;
  }

  /** A lock on the file may have been released or weakened: its waiters try again. */
  released(fileKey: string): void {
    const w = this.queues.get(fileKey);
    if (!w) return;
    w.notify();
    if (w.size === 0) this.queues.delete(fileKey);
  }

  /** A process of host `hostId` ended (the kernel dropped all its locks): every waiter of that host tries again. */
  releasedAll(hostId: number): void {
    const prefix = `${hostId}:`;
    for (const [key, w] of [...this.queues]) {
      if (!key.startsWith(prefix)) continue;
      w.notify();
      if (w.size === 0) this.queues.delete(key);
    }
  }

  /** Whether any thread waits on the file (a release needs no wake-up otherwise). */
  hasWaiters(fileKey: string): boolean {
    return (this.queues.get(fileKey)?.size ?? 0) > 0;
  }

  /** t now waits in F_SETLKW for a lock that `holder` has. */
  setPosixWait(t: Thread, holder: Process): void {
    this.posixWaits.set(t, holder);
  }

  clearPosixWait(t: Thread): void {
    this.posixWaits.delete(t);
  }

  /**
   * Would `waiter` waiting for `holder` close a cycle of POSIX lock waits
   * (holder waits, through at most MAX_DEADLOCK_HOPS processes, for waiter)?
   * Linux then fails F_SETLKW with EDEADLK.
   */
  wouldDeadlock(waiter: Process, holder: Process): boolean {
    let current: Process | null = holder;
    for (let hop = 0; hop < MAX_DEADLOCK_HOPS && current !== null; hop++) {
      if (current === waiter) return true;
      current = this.blockerOf(current);
    }
    return false;
  }

  /** The process a thread of p waits for in F_SETLKW, if one does (stale entries are dropped). */
  private blockerOf(p: Process): Process | null {
    for (const [t, holder] of [...this.posixWaits]) {
      // Current while its thread is still in fcntl, parked or retrying (an EINTR leaves it behind).
      if (t.state === 'exited' || t.lastNr !== SYS.fcntl) {
        this.posixWaits.delete(t);
        continue;
      }
      if (t.process === p) return holder;
    }
    return null;
  }
}
