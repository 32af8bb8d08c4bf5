// Process-level syscalls: exits and process control (prctl). Signals between
// processes are in signal.ts.
import type { Thread } from '../host/thread';
import { E } from '../abi/errno';
import { DO_NATIVE, Kernel } from '../kernel/kernel';
import { SYS } from '../abi/syscalls';

const PR_SET_PDEATHSIG = 1,
  PR_GET_PDEATHSIG = 2,
  PR_SET_SECCOMP = 22,
  PR_SET_TSC = 26,
  PR_SET_NO_NEW_PRIVS = 38;

function prctl(k: Kernel, t: Thread, a: Float64Array): number {
  switch (a[0]) {
    case PR_SET_SECCOMP:
    case PR_SET_TSC:
      return -E.EINVAL; // would undo the shim's own traps
    case PR_SET_PDEATHSIG:
      if (a[1] < 0 || a[1] > 64) return -E.EINVAL;
      t.process.pdeathSignal = a[1];
      return 0;
    case PR_GET_PDEATHSIG:
      return k.mem.writeI32(t.process.nativePid, a[1], t.process.pdeathSignal) ? 0 : -E.EFAULT;
    case PR_SET_NO_NEW_PRIVS:
      return 0;
    default:
      return DO_NATIVE;
  }
}

export function registerProcess(k: Kernel): void {
  k.registerLegacy(SYS.exit_group, (kk, t) => kk.exitProcess(t));
  k.registerLegacy(SYS.exit, (kk, t) => (t.process.liveThreads().length <= 1 ? kk.exitProcess(t) : kk.exitThread(t)));
  k.registerLegacy(SYS.prctl, prctl);
  // Restartable sequences: accepted without effect (threads only switch at
  // syscalls, so a sequence is never interrupted); the area says CPU 0.
  k.registerLegacy(SYS.rseq, (kk, t, a) => {
    const RSEQ_FLAG_UNREGISTER = 1;
    if ((a[2] & ~RSEQ_FLAG_UNREGISTER) !== 0) return -E.EINVAL;
    if ((a[2] & RSEQ_FLAG_UNREGISTER) !== 0) return 0;
    if (a[0] === 0 || a[1] < 32) return -E.EINVAL;
    if (!kk.mem.writeU32(t.process.nativePid, a[0], 0) || !kk.mem.writeU32(t.process.nativePid, a[0] + 4, 0))
      return -E.EFAULT;
    return 0;
  });
  k.registerLegacy(SYS.set_robust_list, (_k, t, a) => {
    t.robustListAddr = a[0];
    return 0;
  });
}
