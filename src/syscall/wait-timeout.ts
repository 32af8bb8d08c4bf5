// Timeouts of the readiness waits (poll, select, epoll_wait): a relative
// timeout becomes a deadline on the first run of the call, and later runs
// after a wake keep that deadline.
import { MAX_SIM_TIME } from '../core/time';
import type { Kernel } from '../kernel/kernel';
import type { SyscallCall } from '../kernel/call';

/** now + ns, held below 2^53 (a timeout of years is as good as forever). */
export function deadlineAfter(k: Kernel, ns: number): number {
  return Math.min(k.now + ns, MAX_SIM_TIME);
}

/** Deadline (absolute ns, -1: none) of this run for timeoutNs (-1: infinite): set on the first run, kept after. */
export function deadlineOf(c: SyscallCall, timeoutNs: number): number {
  if (!c.firstRun) return c.deadlineNs;
  return timeoutNs < 0 ? -1 : deadlineAfter(c.k, timeoutNs);
}

/** True when the call must return now even with nothing ready (zero timeout, or the deadline passed). */
export function expired(c: SyscallCall, timeoutNs: number): boolean {
  return c.firstRun ? timeoutNs === 0 : c.timedOut;
}

/** A timeout in milliseconds as the kernel's int takes it: ns, or -1 (negative: infinite). */
export function msToNs(ms: number): number {
  return ms < 0 ? -1 : ms * 1e6;
}
