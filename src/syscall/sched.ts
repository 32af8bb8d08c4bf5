// Scheduling facts a program can ask about. The simulated machine has one
// CPU, so affinity masks and getcpu say CPU 0.
import { E } from '../abi/errno';
import type { Kernel } from '../kernel/kernel';
import { SYS } from '../abi/syscalls';

export function registerSched(k: Kernel): void {
  // A yield lets every other runnable thread go first and costs a little
  // simulated time, so a thread spinning on sched_yield cannot stall a
  // sleeping thread's wake-up forever.
  k.registerLegacy(SYS.sched_yield, (kk, t) => kk.politeDelay(t, 0));
  k.registerLegacy(SYS.sched_getaffinity, (kk, t, a) => {
    const size = a[1];
    if (a[0] !== 0 && !kk.findThread(t.process.host, a[0])) return -E.ESRCH;
    if (size < 8 || size % 8 !== 0) return -E.EINVAL;
    const dv = kk.mem.view();
    dv.setUint32(0, 1, true);
    dv.setUint32(4, 0, true);
    return kk.mem.writeScratch(t.process.nativePid, a[2], 8) === 8 ? 8 : -E.EFAULT;
  });
  k.registerLegacy(SYS.sched_setaffinity, (kk, t, a) => {
    if (a[0] !== 0 && !kk.findThread(t.process.host, a[0])) return -E.ESRCH;
    const first = kk.mem.readU32(t.process.nativePid, a[2]);
    if (first === null) return -E.EFAULT;
    return (first & 1) !== 0 ? 0 : -E.EINVAL;
  });
  k.registerLegacy(SYS.getcpu, (kk, t, a) => {
    if (a[0] !== 0 && !kk.mem.writeU32(t.process.nativePid, a[0], 0)) return -E.EFAULT;
    if (a[1] !== 0 && !kk.mem.writeU32(t.process.nativePid, a[1], 0)) return -E.EFAULT;
    return 0;
  });
  k.registerLegacy(SYS.sched_getscheduler, () => 0);
  k.registerLegacy(SYS.sched_getparam, (kk, t, a) => (kk.mem.writeU32(t.process.nativePid, a[1], 0) ? 0 : -E.EFAULT));
}
