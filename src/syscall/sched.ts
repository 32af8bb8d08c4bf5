// Scheduling facts a program can ask about. The simulated machine has one
// CPU, so affinity masks and getcpu say CPU 0.
import { E } from '../abi/errno';
import type { Kernel } from '../kernel/kernel';
import type { Outcome, SyscallCall } from '../kernel/call';
import { SYS } from '../abi/syscalls';

/** Bytes of the affinity mask the kernel reports: one unsigned long covers the one CPU. */
const AFFINITY_MASK_BYTES = 8;

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
  return pid === 0 || c.k.findThread(c.t.process.host, pid) !== undefined;
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

/** sched_getscheduler: SCHED_OTHER. */
function schedGetscheduler(c: SyscallCall): Outcome {
  return c.ok(0);
}

/** sched_getparam(pid, param): priority 0, as for SCHED_OTHER. */
function schedGetparam(c: SyscallCall): Outcome {
  return c.k.mem.writeU32(c.t.process.nativePid, c.ptr(1), 0) ? c.ok(0) : c.err(E.EFAULT);
}

export function registerSched(k: Kernel): void {
  k.register(SYS.sched_yield, schedYield);
  k.register(SYS.sched_getaffinity, schedGetaffinity);
  k.register(SYS.sched_setaffinity, schedSetaffinity);
  k.register(SYS.getcpu, getcpu);
  k.register(SYS.sched_getscheduler, schedGetscheduler);
  k.register(SYS.sched_getparam, schedGetparam);
}
