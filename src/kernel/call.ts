// The typed boundary between the kernel and a syscall handler: one reusable
// context per kernel gives typed access to the trapped call's arguments, and
// a handler answers with a tagged Outcome instead of a magic number.
import type { Thread } from '../host/thread';
import type { Kernel } from './kernel';
import { assert, InvariantError } from '../core/assert';
import { isSpinningPoll, spinBlocked } from './cpu-latency';

/** What a handler decided about the syscall it was given. */
export enum Outcome {
  /** Complete the call with `call.ret` (a value, or -errno). */
  Done = 1,
  /** Let the shim run the original syscall natively. */
  Native = 2,
  /** The thread is parked; the call runs again from the top when woken (restart model). */
  Blocked = 3,
  /** No reply now: it was scheduled for later (delayReply), or the thread or process is gone. */
  Deferred = 4,
}

/** A syscall handler: decodes arguments, calls kernel objects, answers with an Outcome. */
export type Handler = (c: SyscallCall) => Outcome;

/** Something a blocked thread can wait on (Watchers): `add` returns the unregister function. */
export interface WaitSource {
  add(fn: () => void): () => void;
}

/**
 * Whether an interrupted call restarts after a signal handler with SA_RESTART.
 * `ByNumber` applies signal(7)'s list of restartable syscalls; handlers whose
 * call never restarts on Linux (waits with a timeout set by a socket option,
 * for instance) say `Never`.
 */
export enum RestartRule {
  ByNumber = 0,
  Never = 1,
}

const TWO32 = 4294967296;

/**
 * The syscall being handled. The kernel owns one and rebinds it for each call,
 * so the hot path allocates nothing; a handler must not keep it past its return.
 */
export class SyscallCall {
  /** Result that goes with Outcome.Done: the value, or a negated errno. */
  ret = 0;
  /** Syscall number. */
  nr = -1;
  private thread: Thread | null = null;
  /** u32 index of argument 0 in the shared region's channel. */
  private argIndex = 0;
  /** Arguments as doubles (exact below 2^53), for code that still takes an array. */
  readonly args = new Float64Array(6);
  /** The arguments as the program gave them, kept for the syscall trace (handlers may rewrite `args`). */
  readonly givenArgs = new Float64Array(6);

  constructor(readonly k: Kernel) {}

  /** Binds the context to thread t's trapped call (the kernel calls this). */
  bind(t: Thread, nr: number, argByteOffset: number): void {
    this.thread = t;
    t.restartRule = RestartRule.ByNumber;
    this.nr = nr;
    this.ret = 0;
    this.argIndex = argByteOffset >> 2;
    const u32 = this.k.shm.u32;
    const i32 = this.k.shm.i32;
    for (let i = 0; i < 6; i++) {
      const w = this.argIndex + 2 * i;
      this.args[i] = i32[w + 1] * TWO32 + u32[w];
    }
  }

  /** The calling thread. */
  get t(): Thread {
    const t = this.thread;
    assert(t !== null, 'syscall context used outside a call');
    return t;
  }

  // ------------------------------------------------------------ arguments

  /** Argument i as a C int (the low 32 bits, signed): fds, flags, counts. */
  int(i: number): number {
    return this.k.shm.i32[this.argIndex + 2 * i];
  }

  /** Argument i as an unsigned 32-bit value (the low word). */
  u32(i: number): number {
    return this.k.shm.u32[this.argIndex + 2 * i];
  }

  /** The high 32 bits of argument i. */
  hi32(i: number): number {
    return this.k.shm.u32[this.argIndex + 2 * i + 1];
  }

  /** Argument i as a signed 64-bit value (exact below 2^53: sizes, offsets, times). */
  i64(i: number): number {
    return this.args[i];
  }

  /** Argument i as an unsigned 64-bit value (exact below 2^53). */
  u64(i: number): number {
    const w = this.argIndex + 2 * i;
    return this.k.shm.u32[w + 1] * TWO32 + this.k.shm.u32[w];
  }

  /** Argument i as a user-space address (always below 2^47 on x86-64; 0 is NULL). */
  ptr(i: number): number {
    return this.u64(i);
  }

  /** Rewrites argument i (a call answered with Native then runs with it, e.g. translated ids). */
  setArg(i: number, v: number): void {
    this.k.shm.writeI64((this.argIndex + 2 * i) << 2, v);
    this.args[i] = v;
  }

  // --------------------------------------------------------------- answers

  /** Completes the call with a value. */
  ok(value: number): Outcome {
    this.ret = value;
    return Outcome.Done;
  }

  /** Fails the call with an errno (a positive errno value from src/abi/errno). */
  err(errno: number): Outcome {
    if (!(errno > 0 && errno < 4096)) throw new InvariantError(`errno out of range: ${errno}`);
    this.ret = -errno;
    return Outcome.Done;
  }

  /** Completes with a kernel-style result from an object: a value, or -errno. */
  result(r: number): Outcome {
    this.ret = r;
    return Outcome.Done;
  }

  /** The shim runs the original syscall natively. */
  native(): Outcome {
    return Outcome.Native;
  }

  /**
   * Parks the thread until one of `sources` notifies or deadlineNs passes
   * (-1: no deadline). The call then runs again from the top and re-checks.
   */
  blockOn(sources: ReadonlyArray<WaitSource>, deadlineNs: number, rule = RestartRule.ByNumber): Outcome {
    const t = this.t;
    t.restartRule = rule;
    for (const s of sources) t.waitCleanups.push(s.add(() => this.k.wake(t)));
    spinBlocked(this.k, t);
    this.k.parkThread(t, deadlineNs);
    return Outcome.Blocked;
  }

  /** Parks the thread until something calls k.wake(t) or deadlineNs passes (-1: none). */
  block(deadlineNs: number, rule = RestartRule.ByNumber): Outcome {
    const t = this.t;
    t.restartRule = rule;
    spinBlocked(this.k, t);
    this.k.parkThread(t, deadlineNs);
    return Outcome.Blocked;
  }

  /** Completes the call with `ret`, but only at simulated time atNs: other threads run first. */
  delayReply(ret: number, atNs: number): Outcome {
    this.k.delayReply(this.t, ret, atNs);
    return Outcome.Deferred;
  }

  /** Completes after every thread runnable now (sched_yield, a busy poll): see Kernel.politeDelay. */
  politeDelay(ret: number): Outcome {
    this.k.politeDelay(this.t, ret);
    return Outcome.Deferred;
  }

  /** An empty zero-timeout poll: free once, the polite delay when repeated (the spin rule: isSpinningPoll). */
  emptyPoll(ret: number): Outcome {
    return isSpinningPoll(this.k, this.t) ? this.politeDelay(ret) : this.ok(ret);
  }

  /** No reply goes out now: the handler ended the thread or process, or scheduled the reply itself. */
  deferred(): Outcome {
    return Outcome.Deferred;
  }

  // ----------------------------------------------------- restart and timeout

  /** True on the first run of this call; false when it runs again after a wake. */
  get firstRun(): boolean {
    return this.t.wokenBy === 'none';
  }

  /** True when this run follows a block whose deadline passed. */
  get timedOut(): boolean {
    return this.k.timedOut(this.t);
  }

  /** Deadline of the block this run follows (-1: none). */
  get deadlineNs(): number {
    return this.t.deadlineNs;
  }
}
