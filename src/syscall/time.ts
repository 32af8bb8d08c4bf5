// Sleeping in simulated time. Clock reads never get here: the shim answers
// them from shared memory.
import type { Thread } from '../host/thread';
import { E } from '../abi/errno';
import { Kernel } from '../kernel/kernel';
import { SYS } from '../abi/syscalls';
import { absoluteToSimNs, NS_PER_SEC } from '../core/time';

const TIMER_ABSTIME = 1;

/**
 * Blocks until absolute simulated time `untilNs`, then returns 0. A signal
 * ends the sleep early with EINTR and the time left written to remAddr.
 */
function sleepUntil(k: Kernel, t: Thread, untilNs: number, remAddr: number): number {
  if (k.now >= untilNs) return 0;
  if (t.wokenBy === 'signal') {
    if (remAddr !== 0) k.mem.writeTimespec(t.process.nativePid, remAddr, untilNs - k.now);
    return -E.EINTR;
  }
  return k.block(t, untilNs);
}

function nanosleep(k: Kernel, t: Thread, a: Float64Array): number {
  if (t.wokenBy !== 'none') return sleepUntil(k, t, t.deadlineNs, a[1]);
  const req = k.mem.readTimespecNs(t.process.nativePid, a[0]);
  if (req === null) return -E.EFAULT;
  if (req < 0) return -E.EINVAL;
  if (req === 0) return 0;
  return sleepUntil(k, t, k.now + req, a[1]);
}

function clockNanosleep(k: Kernel, t: Thread, a: Float64Array): number {
  const clock = a[0];
  // Every clock reads simulated time; CPU-time clocks cannot be slept on.
  if (clock === 3 /* THREAD_CPUTIME */) return -E.EINVAL;
  if (clock === 2 || clock === 4 || clock === 5 || clock === 6) return -E.ENOTSUP;
  if (clock < 0 || clock > 11) return -E.EINVAL;
  const rem = (a[1] & TIMER_ABSTIME) !== 0 ? 0 : a[3];
  if (t.wokenBy !== 'none') return sleepUntil(k, t, t.deadlineNs, rem);
  const m = k.mem;
  if (!m.readTimespec(t.process.nativePid, a[2])) return -E.EFAULT;
  if (m.tsSec < 0 || m.tsNsec < 0 || m.tsNsec >= NS_PER_SEC) return -E.EINVAL;
  const until =
    (a[1] & TIMER_ABSTIME) !== 0 ? absoluteToSimNs(clock, m.tsSec, m.tsNsec) : k.now + m.tsSec * NS_PER_SEC + m.tsNsec;
  if (until <= k.now) return 0;
  return sleepUntil(k, t, until, rem);
}

export function registerTime(k: Kernel): void {
  k.register(SYS.nanosleep, nanosleep);
  k.register(SYS.clock_nanosleep, clockNanosleep);
}
