// The simulator's half of the unblocked-syscall CPU-latency model: syscalls
// that do not block still cost simulated CPU time, collected by the shim and
// here, and charged in one step once it exceeds max_unapplied_cpu_latency.
import type { Thread } from '../host/thread';
import { PSEUDO_SYS } from '../abi/protocol';
import type { Kernel } from './kernel';

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
  if (unapplied <= opts.maxUnappliedCpuLatencyNs) {
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
