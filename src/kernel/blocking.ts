// Parking and waking threads in simulated time. A blocked syscall registers
// wait sources and an optional deadline; whatever fires first makes the call
// run again from the top (the restart model), where it re-checks its condition.
import type { Thread } from '../host/thread';
import type { Kernel } from './kernel';
import { MSG } from '../abi/protocol';

/** Simulated cost of a yield or an empty zero-timeout poll (see politeDelay). */
export const POLITE_DELAY_NS = 1000;

/** Parks t until woken or until deadlineNs (-1: no deadline). */
export function parkThread(k: Kernel, t: Thread, deadlineNs: number): void {
  t.blockGen++;
  t.deadlineNs = deadlineNs;
  t.wokenBy = 'none';
  if (deadlineNs >= 0) {
    const gen = t.blockGen;
    const at = Math.max(deadlineNs, k.sched.nowNs);
    k.sched.at(at, t.process.host.id, () => {
      if (t.blockGen === gen && t.state === 'blocked') {
        t.wokenBy = 'timeout';
        resume(k, t);
      }
    });
  }
}

/** Completes t's syscall with `ret`, but only at `atNs`: other threads run first. */
export function delayReply(k: Kernel, t: Thread, ret: number, atNs: number): void {
  t.pendingKind = MSG.COMPLETE;
  t.pendingRet = ret;
  t.state = 'runnable';
  t.resumeEvent = k.sched.at(atNs, t.process.host.id, () => k.runThread(t));
}

/**
 * A readiness check that found nothing and may not wait (zero timeout), or
 * sched_yield: the answer comes a little later (1 µs, or the unblocked
 * syscall latency if larger), after every other thread runnable now. A
 * program polling in a loop for another thread's progress thus lets it
 * progress, and timed waits elsewhere (Python's GIL hand-off) expire.
 */
export function politeDelay(k: Kernel, t: Thread, ret: number): void {
  delayReply(k, t, ret, k.sched.nowNs + politeDelayNs(k));
}

/** How long a polite delay lasts. */
export function politeDelayNs(k: Kernel): number {
  return Math.max(POLITE_DELAY_NS, k.opts.unblockedSyscallLatencyNs);
}

/** Wakes a blocked thread because `why` happened; its syscall runs again from the top. */
export function wakeThread(k: Kernel, t: Thread, why: 'event' | 'signal'): void {
  if (t.state !== 'blocked') return;
  t.blockGen++;
  t.wokenBy = why;
  resume(k, t);
}

/** Drops the wait registrations of t's last block. */
export function clearWaits(t: Thread): void {
  if (t.waitCleanups.length === 0) return;
  for (const c of t.waitCleanups) c();
  t.waitCleanups.length = 0;
}

function resume(k: Kernel, t: Thread): void {
  clearWaits(t);
  t.state = 'runnable';
  t.resumeEvent = k.sched.at(k.sched.nowNs, t.process.host.id, () => k.runThread(t));
}

/** True when the current run of t's syscall follows a block that timed out. */
export function timedOut(k: Kernel, t: Thread): boolean {
  return t.wokenBy === 'timeout' || (t.deadlineNs >= 0 && k.sched.nowNs >= t.deadlineNs);
}
