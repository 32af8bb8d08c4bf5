// The simulator's half of the unblocked-syscall CPU-latency model: syscalls
// that do not block still cost simulated CPU time, collected by the shim and
// here, and charged in one step once it exceeds max_unapplied_cpu_latency.
// The spin rule's charges (native/shim/spin.h) travel the same way, model or not.
import type { Thread } from '../host/thread';
import { PSEUDO_SYS, YIELD_REASON } from '../abi/protocol';
import type { Kernel } from './kernel';
import { politeDelayNs } from './blocking';

/** Latency settings of the model (experimental.unblocked_* keys). */
export interface CpuLatencyOptions {
  modelUnblockedSyscallLatency: boolean;
  unblockedSyscallLatencyNs: number;
  maxUnappliedCpuLatencyNs: number;
}

/**
 * Adds this syscall's latency to the host's unapplied total and decides when
 * the reply goes. Returns true when the reply may go now; false when it is
 * held (as t.pendingKind/pendingRet) until simulated time reaches the charge.
 */
export function chargeCpuLatency(k: Kernel, t: Thread, nr: number, kind: number, ret: number): boolean {
  const shm = k.shm;
  const L = shm.layout;
  const opts = k.opts;
  const hostOff = shm.hostOffset(t.process.host.id);
  let unapplied = shm.readU64(hostOff + L.hUnapplied);
  if (opts.modelUnblockedSyscallLatency && nr !== PSEUDO_SYS.YIELD) {
    unapplied += opts.unblockedSyscallLatencyNs;
  }
  // The spin rule's charge is due now, however small: the thread is waiting for the clock to move.
  const spinCharge = nr === PSEUDO_SYS.YIELD && k.call.int(0) === YIELD_REASON.SPIN && unapplied > 0;
  if (unapplied <= opts.maxUnappliedCpuLatencyNs && !spinCharge) {
    if (unapplied !== 0) shm.writeI64(hostOff + L.hUnapplied, unapplied);
    return true;
  }
  shm.writeI64(hostOff + L.hUnapplied, 0);
  const target = k.sched.nowNs + unapplied;
  if (target <= k.sched.maxRunaheadNs()) {
    k.sched.nowNs = target;
    return true;
  }
  // Something else happens first: finish this syscall once time reaches target.
  t.pendingKind = kind;
  t.pendingRet = ret;
  t.state = 'runnable';
  t.resumeEvent = k.sched.at(target, t.process.host.id, () => k.runThread(t));
  return false;
}

// ------------------------------------------------------------ the spin rule
// A thread that keeps reading the clock, yielding or polling with a zero
// timeout without ever blocking is charged simulated time, so that the loop
// ends; clock reads are counted by the shim (native/shim/spin.h), yields are
// always charged (politeDelay), empty polls here.

/** The thread blocks: its clock reads start a new count (the shim's counter in its channel). */
export function spinBlocked(k: Kernel, t: Thread): void {
  const i = (t.chOff + k.shm.layout.chSpinReads) >> 2;
  if (k.shm.u32[i] !== 0) k.shm.u32[i] = 0; // no store when already 0: the shim's line stays put
}

/**
 * Empty zero-timeout polls a thread may make at one simulated instant, with no
 * block between, before each costs the polite delay.
 */
export const SPIN_FREE_EMPTY_POLLS = 1000;

/**
 * Whether an empty zero-timeout poll by t is a spin and waits the polite
 * delay: it comes right after another one (no syscall between), or more than
 * SPIN_FREE_EMPTY_POLLS of them came at this simulated instant since the
 * thread last blocked. Records this one either way.
 */
export function isSpinningPoll(k: Kernel, t: Thread): boolean {
  const consecutive = t.emptyPollSeq === t.syscallSeq - 1;
  t.emptyPollSeq = t.syscallSeq;
  if (t.emptyPollAtNs !== k.sched.nowNs || t.emptyPollBlockGen !== t.blockGen) {
    t.emptyPollAtNs = k.sched.nowNs;
    t.emptyPollBlockGen = t.blockGen;
    t.emptyPollsAtInstant = 0;
  }
  t.emptyPollsAtInstant++;
  if (t.emptyPollsAtInstant <= SPIN_FREE_EMPTY_POLLS) return consecutive;
  // Spinning: the polite delay's own move of the clock does not start a new count.
  t.emptyPollAtNs = k.sched.nowNs + politeDelayNs(k);
  return true;
}
