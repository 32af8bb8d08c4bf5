// Process file descriptors: pidfd_open gives an emulated PidFile naming a
// simulated process (a native pidfd would name the wrong real process);
// pidfd_send_signal and pidfd_getfd act on the process it names.
import { mayBeSignalled, sendSignal } from '../kernel/signals';
import { siginfo } from '../host/signal-state';
import { E } from '../abi/errno';
import { NSIG, SI_TKILL, SI_USER, SIGINFO_OFF } from '../abi/signals';
import { PIDFD_NONBLOCK } from '../abi/sched';
import { SYS } from '../abi/syscalls';
import type { Kernel } from '../kernel/kernel';
import type { Outcome, SyscallCall } from '../kernel/call';
import type { Process } from '../host/process';
import type { Thread } from '../host/thread';
import { fileOf, installFile } from '../files/descriptors';
import { PidFile } from '../files/pidfd';
import type { SimFile } from '../files/file';

/** The process pidfd `fd` of t's process names, or undefined when fd is not a pidfd. */
export function pidfdTarget(t: Thread, fd: number): Process | undefined {
  const f = fileOf(t, fd);
  return f instanceof PidFile ? f.target : undefined;
}

/**
 * pidfd_open(pid, flags): a process not yet reaped (a zombie too, as on
 * Linux); a thread that is not a process's first one gives ENOENT.
 */
function pidfdOpen(c: SyscallCall): Outcome {
  const pid = c.int(0),
    flags = c.u32(1);
  if ((flags & ~PIDFD_NONBLOCK) !== 0 || pid <= 0) return c.err(E.EINVAL);
  const host = c.t.process.host;
  const target = host.processes.find((p) => p.vpid === pid && !p.reaped);
  if (!target) return c.err(c.k.findThread(host, pid) ? E.ENOENT : E.ESRCH);
  const f = new PidFile(target);
  f.statusFlags = flags & PIDFD_NONBLOCK;
  // A pidfd is always close-on-exec.
  return c.result(installFile(c.k, c.t, f, true));
}

/**
 * pidfd_send_signal(pidfd, sig, info, flags). A caller-supplied siginfo is
 * checked as Linux does (its si_signo must match; another process may only be
 * sent a negative si_code other than SI_TKILL) but not delivered: the signal
 * arrives as from kill(2), with the caller's virtual pid.
 */
function pidfdSendSignal(c: SyscallCall): Outcome {
  const t = c.t;
  const sig = c.int(1),
    infoAddr = c.ptr(2);
  if (c.u32(3) !== 0) return c.err(E.EINVAL);
  const target = pidfdTarget(t, c.int(0));
  if (!target) return c.err(E.EBADF);
  if (sig < 0 || sig > NSIG) return c.err(E.EINVAL);
  if (infoAddr !== 0) {
    const m = c.k.mem;
    const signo = m.readU32(t.process.nativePid, infoAddr + SIGINFO_OFF.signo);
    const code = m.readU32(t.process.nativePid, infoAddr + SIGINFO_OFF.code);
    if (signo === null || code === null) return c.err(E.EFAULT);
    if (signo !== sig) return c.err(E.EINVAL);
    if (target !== t.process && ((code | 0) >= 0 || (code | 0) === SI_TKILL)) return c.err(E.EPERM);
  }
  if (target.reaped) return c.err(E.ESRCH);
  if (target.state === 'running' && !mayBeSignalled(t.process, target, sig)) return c.err(E.EPERM);
  // A zombie still takes signals (without effect), as on Linux.
  if (sig === 0 || target.state !== 'running') return c.ok(0);
  sendSignal(c.k, target, sig, siginfo(sig, SI_USER, t.process.vpid));
  // The caller may have signalled itself to death.
  return t.process.state === 'running' ? c.ok(0) : c.deferred();
}

/**
 * pidfd_getfd(pidfd, targetfd, flags): an emulated fd of the target is shared
 * into the caller; a native one is fetched by the real kernel through a real
 * pidfd of the target's native process (which checks the ptrace permission).
 */
function pidfdGetfd(c: SyscallCall): Outcome {
  const { k, t } = c;
  const targetFd = c.int(1);
  const target = pidfdTarget(t, c.int(0));
  if (!target) return c.err(E.EBADF);
  if (c.u32(2) !== 0) return c.err(E.EINVAL);
  if (target.state !== 'running') return c.err(E.ESRCH);
  const d = target.fds.get(targetFd);
  if (d) return c.result(installFile(k, t, d.file as SimFile, true));
  const real = k.nativeCall(t, SYS.pidfd_open, target.nativePid, 0);
  if (real < 0) return c.result(real);
  const r = k.nativeCall(t, SYS.pidfd_getfd, real, targetFd, 0);
  k.nativeCall(t, SYS.close, real);
  return c.result(r);
}

/** Wakes the pidfds naming p (they can only be held by processes of p's host). */
function processEnded(p: Process): void {
  for (const q of p.host.processes) {
    if (q.state !== 'running') continue;
    for (const fd of q.fds.fds()) {
      const f = q.fds.get(fd)?.file;
      if (f instanceof PidFile && f.target === p) f.processEnded();
    }
  }
}

export function registerPidfd(k: Kernel): void {
  k.register(SYS.pidfd_open, pidfdOpen);
  k.register(SYS.pidfd_send_signal, pidfdSendSignal);
  k.register(SYS.pidfd_getfd, pidfdGetfd);
  k.onProcessEnd.push(processEnded);
}
