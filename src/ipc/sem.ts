// System V semaphore sets: values, the all-or-nothing semop, the adjustments
// SEM_UNDO keeps per process, and who waits for what (GETNCNT, GETZCNT).
import { E } from '../abi/errno';
import { IPC_NOWAIT, SEM_UNDO, SEMAEM, SEMVMX } from '../abi/sysv';
import { Watchers } from '../core/watchers';
import type { IpcObject, IpcPerm } from './namespace';

/** One struct sembuf. */
export interface SemOp {
  num: number;
  op: number;
  flags: number;
}

/** A thread waiting in semop: for semaphore `num` to grow (ncnt) or to reach zero (zcnt). */
export interface SemWaiter {
  num: number;
  zero: boolean;
}

/** Result of trying a semop: done, failed with an errno, or must wait on `blockedOn`. */
export const SEMOP_DONE = 0;
export const SEMOP_WAIT = 1;

export class SemSet implements IpcObject {
  removed = false;
  readonly values: Int32Array;
  readonly pids: Int32Array;
  otimeSec = 0;
  /** Notified whenever a value changes or the set goes away. */
  readonly changed = new Watchers();
  readonly waiters: SemWaiter[] = [];
  /** Set by trySemop when it answers SEMOP_WAIT. */
  readonly blockedOn: SemWaiter = { num: 0, zero: false };

  constructor(
    readonly id: number,
    readonly perm: IpcPerm,
    readonly nsems: number,
    public ctimeSec: number,
  ) {
    this.values = new Int32Array(nsems);
    this.pids = new Int32Array(nsems);
  }

  count(num: number, zero: boolean): number {
    let n = 0;
    for (const w of this.waiters) if (w.num === num && w.zero === zero) n++;
    return n;
  }

  /**
   * Applies ops atomically for process vpid, or not at all. Returns SEMOP_DONE,
   * SEMOP_WAIT (blockedOn says on what), or -errno (EAGAIN for IPC_NOWAIT,
   * ERANGE past SEMVMX or the undo bounds). `undo` gets the SEM_UNDO adjustments.
   */
  trySemop(ops: readonly SemOp[], vpid: number, undo: () => Int32Array): number {
    const vals = this.values;
    const before = vals.slice();
    for (const o of ops) {
      const v = vals[o.num] + o.op;
      let fail = 0;
      if (o.op === 0) {
        if (vals[o.num] !== 0) fail = SEMOP_WAIT;
      } else if (v < 0) {
        fail = SEMOP_WAIT;
      } else if (v > SEMVMX) {
        fail = -E.ERANGE;
      }
      if (fail !== 0) {
        vals.set(before);
        if (fail === SEMOP_WAIT) {
          if ((o.flags & IPC_NOWAIT) !== 0) return -E.EAGAIN;
          this.blockedOn.num = o.num;
          this.blockedOn.zero = o.op === 0;
        }
        return fail;
      }
      vals[o.num] = v;
    }
    let adj: Int32Array | null = null;
    for (const o of ops) {
      if ((o.flags & SEM_UNDO) === 0 || o.op === 0) continue;
      adj ??= undo();
      const a = adj[o.num] - o.op;
      if (a < -SEMAEM - 1 || a > SEMAEM) {
        vals.set(before);
        return -E.ERANGE;
      }
    }
    if (adj !== null) for (const o of ops) if ((o.flags & SEM_UNDO) !== 0) adj[o.num] -= o.op;
    for (const o of ops) this.pids[o.num] = vpid;
    return SEMOP_DONE;
  }
}
