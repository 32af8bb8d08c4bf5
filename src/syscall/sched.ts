// Scheduling facts a program can ask about. The simulated machine has one
// CPU, so affinity masks and getcpu say CPU 0.
import { E } from '../abi/errno';
import type { Kernel } from '../kernel/kernel';
import type { Outcome, SyscallCall } from '../kernel/call';
import { SYS } from '../abi/syscalls';
import {
  SCHED_BATCH,
  SCHED_DEADLINE,
  SCHED_FIFO,
  SCHED_IDLE,
  SCHED_OTHER,
  SCHED_RESET_ON_FORK,
  SCHED_RR,
  SCHED_RT_PRIO_MAX,
} from '../abi/sched';

/** Bytes of the affinity mask the kernel reports: one unsigned long covers the one CPU. */
const AFFINITY_MASK_BYTES = 8;
/** sched_rr_get_interval's answer. */
const RR_INTERVAL_NS = 4_000_000;

/**
 * A yield lets every other runnable thread go first and costs a little
 * simulated time, so a thread spinning on sched_yield cannot stall a sleeping
 * thread's wake-up forever.
 */
function schedYield(c: SyscallCall): Outcome {
  return c.politeDelay(0);
}

/** Whether pid (0: the caller) names a live thread of the caller's host. */
function threadExists(c: SyscallCall, pid: number): boolean {
  return pid === 0 || c.k.threadFor(c.t.process, pid) !== undefined;
}

/** sched_getaffinity(pid, cpusetsize, mask): CPU 0 only. */
function schedGetaffinity(c: SyscallCall): Outcome {
  const size = c.u32(1);
  if (!threadExists(c, c.int(0))) return c.err(E.ESRCH);
  if (size < AFFINITY_MASK_BYTES || size % AFFINITY_MASK_BYTES !== 0) return c.err(E.EINVAL);
  const m = c.k.mem;
  const dv = m.view();
  dv.setUint32(0, 1, true);
  dv.setUint32(4, 0, true);
  if (m.writeScratch(c.t.process.nativePid, c.ptr(2), AFFINITY_MASK_BYTES) !== AFFINITY_MASK_BYTES)
    return c.err(E.EFAULT);
  return c.ok(AFFINITY_MASK_BYTES);
}

/** sched_setaffinity(pid, cpusetsize, mask): any mask that includes CPU 0 is accepted. */
function schedSetaffinity(c: SyscallCall): Outcome {
  if (!threadExists(c, c.int(0))) return c.err(E.ESRCH);
  const first = c.k.mem.readU32(c.t.process.nativePid, c.ptr(2));
  if (first === null) return c.err(E.EFAULT);
  return (first & 1) !== 0 ? c.ok(0) : c.err(E.EINVAL);
}

/** getcpu(cpu, node, cache): CPU 0 on node 0. */
function getcpu(c: SyscallCall): Outcome {
  const m = c.k.mem;
  const pid = c.t.process.nativePid;
  const cpu = c.ptr(0),
    node = c.ptr(1);
  if (cpu !== 0 && !m.writeU32(pid, cpu, 0)) return c.err(E.EFAULT);
  if (node !== 0 && !m.writeU32(pid, node, 0)) return c.err(E.EFAULT);
  return c.ok(0);
}

/** sched_getscheduler(pid): SCHED_OTHER for every thread of the host. */
function schedGetscheduler(c: SyscallCall): Outcome {
  const pid = c.int(0);
  if (pid < 0) return c.err(E.EINVAL);
  return threadExists(c, pid) ? c.ok(SCHED_OTHER) : c.err(E.ESRCH);
}

/** sched_getparam(pid, param): priority 0, as for SCHED_OTHER. */
function schedGetparam(c: SyscallCall): Outcome {
  const pid = c.int(0);
  if (pid < 0 || c.ptr(1) === 0) return c.err(E.EINVAL);
  if (!threadExists(c, pid)) return c.err(E.ESRCH);
  return c.k.mem.writeU32(c.t.process.nativePid, c.ptr(1), 0) ? c.ok(0) : c.err(E.EFAULT);
}

/**
 * The checks of sched_setscheduler/sched_setparam on (policy, priority).
 * Threads only switch at syscalls, so a policy changes nothing and is not
 * kept (sched_getscheduler keeps saying SCHED_OTHER). The real-time ones are
 * refused as for a caller whose RLIMIT_RTPRIO is 0 (the default).
 */
function checkPolicy(policy: number, priority: number): number {
  switch (policy & ~SCHED_RESET_ON_FORK) {
    case SCHED_OTHER:
    case SCHED_BATCH:
    case SCHED_IDLE:
      return priority === 0 ? 0 : E.EINVAL;
    case SCHED_FIFO:
    case SCHED_RR:
      return priority < 1 || priority > SCHED_RT_PRIO_MAX ? E.EINVAL : E.EPERM;
    default:
      return E.EINVAL; // SCHED_DEADLINE only through sched_setattr
  }
}

/** sched_setscheduler(pid, policy, param) and sched_setparam(pid, param) (policy unchanged: SCHED_OTHER). */
function schedSet(c: SyscallCall): Outcome {
  const setParam = c.nr === SYS.sched_setparam;
  const pid = c.int(0);
  const policy = setParam ? SCHED_OTHER : c.int(1);
  const paramAddr = c.ptr(setParam ? 1 : 2);
  if (pid < 0 || paramAddr === 0) return c.err(E.EINVAL);
  const priority = c.k.mem.readU32(c.t.process.nativePid, paramAddr);
  if (priority === null) return c.err(E.EFAULT);
  if (!threadExists(c, pid)) return c.err(E.ESRCH);
  const errno = checkPolicy(policy, priority | 0);
  return errno === 0 ? c.ok(0) : c.err(errno);
}

/** sched_get_priority_max/min(policy): 1..99 for the real-time policies, 0 for the others. */
function schedPriorityBound(c: SyscallCall): Outcome {
  switch (c.int(0)) {
    case SCHED_FIFO:
    case SCHED_RR:
      return c.ok(c.nr === SYS.sched_get_priority_max ? SCHED_RT_PRIO_MAX : 1);
    case SCHED_OTHER:
    case SCHED_BATCH:
    case SCHED_IDLE:
    case SCHED_DEADLINE:
      return c.ok(0);
    default:
      return c.err(E.EINVAL);
  }
}

/**
 * sched_rr_get_interval(pid, tp): a fixed slice, what Linux's CFS reports for
 * a lone task on one CPU (6 ms of latency in 4 ms jiffies at HZ=250), so runs
 * do not depend on the machine.
 */
function schedRrGetInterval(c: SyscallCall): Outcome {
  const pid = c.int(0);
  if (pid < 0) return c.err(E.EINVAL);
  if (!threadExists(c, pid)) return c.err(E.ESRCH);
  return c.k.mem.writeTimespec(c.t.process.nativePid, c.ptr(1), RR_INTERVAL_NS) ? c.ok(0) : c.err(E.EFAULT);
}

export function registerSched(k: Kernel): void {
  k.register(SYS.sched_yield, schedYield);
  k.register(SYS.sched_getaffinity, schedGetaffinity);
  k.register(SYS.sched_setaffinity, schedSetaffinity);
  k.register(SYS.getcpu, getcpu);
  k.register(SYS.sched_getscheduler, schedGetscheduler);
  k.register(SYS.sched_getparam, schedGetparam);
  k.register(SYS.sched_setscheduler, schedSet);
  k.register(SYS.sched_setparam, schedSet);
  k.register(SYS.sched_get_priority_max, schedPriorityBound);
  k.register(SYS.sched_get_priority_min, schedPriorityBound);
  k.register(SYS.sched_rr_get_interval, schedRrGetInterval);
}
