// Sleeping in simulated time. Clock reads never get here: the shim answers
// them from shared memory.
import { E } from '../abi/errno';
import type { Kernel } from '../kernel/kernel';
import { Outcome, SyscallCall } from '../kernel/call';
import { SYS } from '../abi/syscalls';
import { absoluteToSimNs, NS_PER_SEC } from '../core/time';
import {
  CLOCK_ID_MAX,
  CLOCK_MONOTONIC_COARSE,
  CLOCK_MONOTONIC_RAW,
  CLOCK_PROCESS_CPUTIME_ID,
  CLOCK_REALTIME_COARSE,
  CLOCK_THREAD_CPUTIME_ID,
  TIMER_ABSTIME,
} from '../abi/time';

/**
 * Blocks until absolute simulated time `untilNs`, then returns 0. A signal
 * ends the sleep early with EINTR and the time left written to remAddr.
 */
function sleepUntil(c: SyscallCall, untilNs: number, remAddr: number): Outcome {
  const { k, t } = c;
  if (k.now >= untilNs) return c.ok(0);
  if (t.wokenBy === 'signal') {
    if (remAddr !== 0) k.mem.writeTimespec(t.process.nativePid, remAddr, untilNs - k.now);
    return c.err(E.EINTR);
  }
  return c.block(untilNs);
}

function nanosleep(c: SyscallCall): Outcome {
  if (!c.firstRun) return sleepUntil(c, c.deadlineNs, c.ptr(1));
  const req = c.k.mem.readTimespecNs(c.t.process.nativePid, c.ptr(0));
  if (req === null) return c.err(E.EFAULT);
  if (req < 0) return c.err(E.EINVAL);
  if (req === 0) return c.ok(0);
  return sleepUntil(c, c.k.now + req, c.ptr(1));
}

function clockNanosleep(c: SyscallCall): Outcome {
  const { k, t } = c;
  const clock = c.int(0);
  const flags = c.int(1);
  // Every clock reads simulated time; CPU-time clocks cannot be slept on.
  if (clock === CLOCK_THREAD_CPUTIME_ID) return c.err(E.EINVAL);
  if (
    clock === CLOCK_PROCESS_CPUTIME_ID ||
    clock === CLOCK_MONOTONIC_RAW ||
    clock === CLOCK_REALTIME_COARSE ||
    clock === CLOCK_MONOTONIC_COARSE
  ) {
    return c.err(E.ENOTSUP);
  }
  if (clock < 0 || clock > CLOCK_ID_MAX) return c.err(E.EINVAL);
  const rem = (flags & TIMER_ABSTIME) !== 0 ? 0 : c.ptr(3);
  if (!c.firstRun) return sleepUntil(c, c.deadlineNs, rem);
  const m = k.mem;
  if (!m.readTimespec(t.process.nativePid, c.ptr(2))) return c.err(E.EFAULT);
  if (m.tsSec < 0 || m.tsNsec < 0 || m.tsNsec >= NS_PER_SEC) return c.err(E.EINVAL);
  const until =
    (flags & TIMER_ABSTIME) !== 0
      ? absoluteToSimNs(clock, m.tsSec, m.tsNsec, t.process.host.realtime)
      : k.now + m.tsSec * NS_PER_SEC + m.tsNsec;
  if (until <= k.now) return c.ok(0);
  return sleepUntil(c, until, rem);
}

export function registerTime(k: Kernel): void {
  k.register(SYS.nanosleep, nanosleep);
  k.register(SYS.clock_nanosleep, clockNanosleep);
}
