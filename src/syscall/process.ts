// Process-level syscalls: exits, process control (prctl), and signals sent
// between simulated processes, addressed by virtual pid.
import type { Thread } from '../host/thread';
import { E } from './errno';
import { DO_NATIVE, Kernel } from './kernel';
import { SYS } from './numbers';

const PR_SET_PDEATHSIG = 1, PR_GET_PDEATHSIG = 2, PR_SET_SECCOMP = 22, PR_SET_TSC = 26, PR_SET_NO_NEW_PRIVS = 38;

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

/** kill(2) by virtual pid: delivered by the real kernel to the native process. */
function kill(k: Kernel, t: Thread, a: Float64Array): number {
  const pid = a[0], sig = a[1];
  if (sig < 0 || sig > 64) return -E.EINVAL;
  const host = t.process.host;
  let targets;
  if (pid > 0) targets = host.processes.filter((p) => p.vpid === pid && p.state === 'running');
  else if (pid === 0) targets = host.processes.filter((p) => p.pgid === t.process.pgid && p.state === 'running');
  else if (pid === -1) targets = host.processes.filter((p) => p !== t.process && p.state === 'running');
  else targets = host.processes.filter((p) => p.pgid === -pid && p.state === 'running');
  if (targets.length === 0) return -E.ESRCH;
  if (sig === 0) return 0;
  const self = targets.includes(t.process);
  for (const p of targets) if (p !== t.process) k.addon.kill(p.nativePid, sig);
  if (self) {
    // Delivered when the shim returns to the program, like a signal to oneself.
    k.setArg(t, 0, t.process.nativePid);
    return DO_NATIVE;
  }
  return 0;
}

function tgkill(k: Kernel, t: Thread, tgid: number, tid: number, sig: number): number {
  if (sig < 0 || sig > 64 || tid <= 0) return -E.EINVAL;
  const target = k.findThread(t.process.host, tid);
  if (!target || (tgid > 0 && target.process.vpid !== tgid)) return -E.ESRCH;
  if (sig === 0) return 0;
  if (target === t) {
    k.nativeCall(t, SYS.rt_sigprocmask, 0, 0, 0, 8); // no-op keeps the channel protocol uniform
    k.setArg(t, 0, target.process.nativePid);
    k.setArg(t, 1, target.nativeTid);
    k.setArg(t, 2, sig);
    k.shm.writeI64(t.chOff + k.shm.layout.chNr, SYS.tgkill);
    return DO_NATIVE;
  }
  return k.addon.tgkill(target.process.nativePid, target.nativeTid, sig) === 0 ? 0 : -E.ESRCH;
}

export function registerProcess(k: Kernel): void {
  k.register(SYS.exit_group, (kk, t) => kk.exitProcess(t));
  k.register(SYS.exit, (kk, t) => (t.process.liveThreads().length <= 1 ? kk.exitProcess(t) : kk.exitThread(t)));
  k.register(SYS.prctl, prctl);
  k.register(SYS.kill, kill);
  k.register(SYS.tgkill, (kk, t, a) => tgkill(kk, t, a[0], a[1], a[2]));
  k.register(SYS.tkill, (kk, t, a) => tgkill(kk, t, -1, a[0], a[1]));
  // Restartable sequences: accepted without effect (threads only switch at
  // syscalls, so a sequence is never interrupted); the area says CPU 0.
  k.register(SYS.rseq, (kk, t, a) => {
    const RSEQ_FLAG_UNREGISTER = 1;
    if ((a[2] & ~RSEQ_FLAG_UNREGISTER) !== 0) return -E.EINVAL;
    if ((a[2] & RSEQ_FLAG_UNREGISTER) !== 0) return 0;
    if (a[0] === 0 || a[1] < 32) return -E.EINVAL;
    if (!kk.mem.writeU32(t.process.nativePid, a[0], 0) || !kk.mem.writeU32(t.process.nativePid, a[0] + 4, 0)) return -E.EFAULT;
    return 0;
  });
  k.register(SYS.set_robust_list, (_k, t, a) => {
    t.robustListAddr = a[0];
    return 0;
  });
}
