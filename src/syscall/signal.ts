// Emulated signals: dispositions, masks, pending sets and delivery live here,
// never in the real kernel. A signal is delivered when its target thread's
// syscall completes: the reply carries the handler to run, or the simulator
// applies the default action itself (ignore, or end the process with it).
// The state itself is the signals field of Process and Thread (host/signal-state.ts).
import type { Process } from '../host/process';
import type { Thread } from '../host/thread';
import { absoluteToSimNs, NS_PER_SEC } from '../core/time';
import { E } from '../abi/errno';
import type { Kernel } from '../kernel/kernel';
import { RestartRule } from '../kernel/call';
import type { Outcome, SyscallCall } from '../kernel/call';
import { SYS } from '../abi/syscalls';
import { DELIVER, PSEUDO_SYS } from '../abi/protocol';
import {
  CLD_DUMPED,
  CLD_EXITED,
  CLD_KILLED,
  isValidSignal,
  NSIG,
  SA_NODEFER,
  SA_RESETHAND,
  SA_RESTART,
  SI_KERNEL,
  SI_TIMER,
  SI_TKILL,
  SI_USER,
  SIG_BLOCK,
  SIG_DFL,
  SIG_IGN,
  SIG_SETMASK,
  SIG_UNBLOCK,
  SIGABRT,
  SIGALRM,
  SIGBUS,
  SIGCHLD,
  SIGCONT,
  SIGEV_NONE,
  SIGEV_SIGNAL,
  SIGEV_THREAD_ID,
  SIGFPE,
  SIGILL,
  SIGINFO_OFF,
  SIGINFO_SIZE_BYTES,
  SIGKILL,
  SIGQUIT,
  SIGSEGV,
  sigBit,
  SIGSET_SIZE_BYTES,
  sigsetHas,
  SIGSTOP,
  SIGSYS,
  SIGTRAP,
  SIGTSTP,
  SIGTTIN,
  SIGTTOU,
  SIGURG,
  SIGVTALRM,
  SIGWINCH,
  sigWord,
  SIGXCPU,
  SIGXFSZ,
  withoutUnblockable,
} from '../abi/signals';
import { statusCoreDumped, statusExitCode, statusSignaled, statusTermSig } from '../abi/wait';
import { installFile } from '../files/descriptors';
import { O_CLOEXEC, O_NONBLOCK } from '../abi/fcntl';
import { SignalFd } from '../files/signalfd';
import { lowestPendingIn, siginfo, takePending } from '../host/signal-state';
import type { PosixTimer, SigAction } from '../host/signal-state';

/** Signals the shim itself uses natively: a default death by them is done with SIGKILL. */
const NATIVE_OWNED: ReadonlySet<number> = new Set([SIGSYS, SIGSEGV, SIGVTALRM, SIGBUS, SIGILL, SIGFPE]);
const IGNORED_BY_DEFAULT: ReadonlySet<number> = new Set([SIGCHLD, SIGURG, SIGWINCH, SIGCONT]);
const STOPPING: ReadonlySet<number> = new Set([SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU]);
const CORE_DUMPING: ReadonlySet<number> = new Set([
  SIGQUIT,
  SIGILL,
  SIGTRAP,
  SIGABRT,
  SIGBUS,
  SIGFPE,
  SIGSEGV,
  SIGXCPU,
  SIGXFSZ,
  SIGSYS,
]);

/** Syscalls that SA_RESTART restarts after a handler (signal(7)). */
const RESTARTABLE: ReadonlySet<number> = new Set<number>([
  SYS.read,
  SYS.readv,
  SYS.write,
  SYS.writev,
  SYS.pread64,
  SYS.pwrite64,
  SYS.preadv,
  SYS.pwritev,
  SYS.ioctl,
  SYS.wait4,
  SYS.waitid,
  SYS.accept,
  SYS.accept4,
  SYS.connect,
  SYS.recvfrom,
  SYS.recvmsg,
  SYS.sendto,
  SYS.sendmsg,
  SYS.recvmmsg,
  SYS.sendmmsg,
  SYS.futex,
  SYS.flock,
  SYS.fcntl,
  SYS.open,
  SYS.openat,
]);

/** struct kernel_sigaction (rt_sigaction): handler, flags, restorer, mask, 8 bytes each. */
const KSIGACTION_BYTES = 32;
const KSA = { handler: 0, flags: 8, restorer: 16, mask: 24 } as const;

/** struct sigevent (timer_create) and the fields read from it. */
const SIGEVENT_BYTES = 64;
const SIGEV = { value: 0, signo: 8, notify: 12, tid: 16 } as const;

/** struct itimerval / itimerspec: two {sec, usec|nsec} pairs of 8-byte fields. */
const ITIMER_BYTES = 32;

/** Clocks timer_create accepts: every id up to CLOCK_TAI except the CPU-time ones. */
const CLOCK_PROCESS_CPUTIME_ID = 2,
  CLOCK_THREAD_CPUTIME_ID = 3,
  CLOCK_LAST = 11;
const ITIMER_REAL = 0;
const TIMER_ABSTIME = 1;

const TWO32 = 4294967296;

// ---------------------------------------------------------------- masks
// A thread's blocked mask lives in its channel, where the shim reads it too.

function maskIndex(k: Kernel, t: Thread): number {
  return (t.chOff + k.shm.layout.chSigBlocked) >> 2;
}

function maskLo(k: Kernel, t: Thread): number {
  return k.shm.u32[maskIndex(k, t)];
}

function maskHi(k: Kernel, t: Thread): number {
  return k.shm.u32[maskIndex(k, t) + 1];
}

function setMask(k: Kernel, t: Thread, lo: number, hi: number): void {
  const i = maskIndex(k, t);
  k.shm.u32[i] = withoutUnblockable(lo);
  k.shm.u32[i + 1] = hi >>> 0;
}

function isBlocked(k: Kernel, t: Thread, sig: number): boolean {
  return sigsetHas(maskLo(k, t), maskHi(k, t), sig);
}

function isIgnored(a: SigAction, sig: number): boolean {
  return a.handler === SIG_IGN || (a.handler === SIG_DFL && (IGNORED_BY_DEFAULT.has(sig) || STOPPING.has(sig)));
}

// -------------------------------------------------------------- sending

/**
 * Makes `sig` pending for a process (target Process) or one thread, and wakes
 * a thread that can take it. Ignored signals are dropped at once, like Linux.
 */
function sendSignal(k: Kernel, target: Process | Thread, sig: number, info: Uint8Array): void {
  const p = 'process' in target ? target.process : target;
  if (p.state !== 'running' || !isValidSignal(sig)) return;
  if (sig === SIGKILL) {
    killProcess(k, p, SIGKILL);
    return;
  }
  const ps = p.signals;
  const action = ps.action(sig);
  const waiting = p.threads.filter((t) => t.state !== 'exited' && t.signals.waitSet.has(sig));
  if (isIgnored(action, sig) && waiting.length === 0) return;
  if (STOPPING.has(sig) && action.handler === SIG_DFL)
    k.log.debug(p.host.name, `${p.name}: stop signal ${sig} ignored (stopping is not simulated)`);
  if ('process' in target) {
    if (!target.signals.pending.has(sig)) target.signals.pending.set(sig, info);
    wakeFor(k, target, sig);
  } else {
    if (!ps.pending.has(sig)) ps.pending.set(sig, info);
    const pick = waiting[0] ?? p.threads.find((t) => t.state !== 'exited' && !isBlocked(k, t, sig));
    if (pick) wakeFor(k, pick, sig);
  }
  ps.notifySignalfds();
}

/** Interrupts t's blocking call if sig can reach it: unblocked, or awaited by rt_sigtimedwait. */
function wakeFor(k: Kernel, t: Thread, sig: number): void {
  if (t.state !== 'blocked') return;
  if (isBlocked(k, t, sig) && !t.signals.waitSet.has(sig)) return;
  k.interrupt(t);
}

/** Ends a process by signal: the native process dies of it (or of SIGKILL for the shim's own). */
function killProcess(k: Kernel, p: Process, sig: number): void {
  if (p.state !== 'running') return;
  if (NATIVE_OWNED.has(sig)) {
    p.forcedSignal = sig;
    k.addon.kill(p.nativePid, SIGKILL);
  } else {
    k.addon.kill(p.nativePid, sig);
  }
  k.processDied(p);
}

// ------------------------------------------------------------- delivery

/** The lowest pending, unblocked signal of t (its own set first, then its process's), or 0. */
function nextDeliverable(k: Kernel, t: Thread): number {
  const lo = maskLo(k, t),
    hi = maskHi(k, t);
  let best = 0;
  for (const s of t.signals.pending.keys()) if ((best === 0 || s < best) && !sigsetHas(lo, hi, s)) best = s;
  if (best !== 0) return best;
  for (const s of t.process.signals.pending.keys()) if ((best === 0 || s < best) && !sigsetHas(lo, hi, s)) best = s;
  return best;
}

function hasDeliverable(k: Kernel, t: Thread): boolean {
  return nextDeliverable(k, t) !== 0;
}

/**
 * Called as t's syscall completes: hands one signal to the shim (fields in
 * the channel) or applies a default action. Returns true when a default
 * action ended the process (no reply may go out).
 */
function prepareDelivery(k: Kernel, t: Thread, nr: number, interrupted: boolean): boolean {
  const L = k.shm.layout;
  for (;;) {
    const sig = nextDeliverable(k, t);
    if (sig === 0) return false;
    const p = t.process;
    const info = takePending(t, sig);
    const ps = p.signals;
    const a = ps.action(sig);
    if (a.handler === SIG_IGN) continue;
    if (a.handler === SIG_DFL) {
      if (IGNORED_BY_DEFAULT.has(sig) || STOPPING.has(sig)) continue;
      if (nr === PSEUDO_SYS.FAULT) {
        // The shim re-raises the fault natively with the default action, for a real core-dump status.
        k.shm.u32[(t.chOff + L.chDeliverSig) >> 2] = sig;
        k.shm.u32[(t.chOff + L.chDeliverFlags) >> 2] = DELIVER.DIE;
        return false;
      }
      k.log.debug(p.host.name, `${p.name}: ${CORE_DUMPING.has(sig) ? 'core-dumping' : 'terminating'} signal ${sig}`);
      killProcess(k, p, sig);
      return true;
    }
    const ch = t.chOff;
    const mlo = maskLo(k, t),
      mhi = maskHi(k, t);
    const self = (a.flags & SA_NODEFER) !== 0 ? 0 : sigBit(sig);
    const slo = sigWord(sig) === 0 ? self : 0,
      shi = sigWord(sig) === 1 ? self : 0;
    const ts = t.signals;
    if (ts.suspended) {
      // rt_sigsuspend: the handler runs with the temporary mask; afterwards the old one returns.
      setMask(k, t, ts.suspendRestore.lo, ts.suspendRestore.hi);
      ts.suspended = false;
    }
    k.shm.u32[(ch + L.chDeliverSig) >> 2] = sig;
    const restart =
      interrupted && (a.flags & SA_RESTART) !== 0 && t.restartRule === RestartRule.ByNumber && RESTARTABLE.has(nr);
    k.shm.u32[(ch + L.chDeliverFlags) >> 2] = restart ? DELIVER.RESTART : 0;
    k.shm.writeI64(ch + L.chHandler, a.handler);
    k.shm.writeI64(ch + L.chHandlerFlags, a.flags);
    k.shm.u32[(ch + L.chHandlerMask) >> 2] = (mlo | a.maskLo | slo) >>> 0;
    k.shm.u32[((ch + L.chHandlerMask) >> 2) + 1] = (mhi | a.maskHi | shi) >>> 0;
    k.shm.u8.set(info, ch + L.chSiginfo);
    if ((a.flags & SA_RESETHAND) !== 0) ps.resetAction(sig);
    return false;
  }
}

// ------------------------------------------------- dispositions and masks

/** rt_sigaction(sig, act, oact, sigsetsize). */
function rtSigaction(c: SyscallCall): Outcome {
  const { k, t } = c;
  const sig = c.int(0);
  const actAddr = c.ptr(1),
    oldAddr = c.ptr(2);
  if (c.u64(3) !== SIGSET_SIZE_BYTES) return c.err(E.EINVAL);
  if (!isValidSignal(sig)) return c.err(E.EINVAL);
  const ps = t.process.signals;
  const pid = t.process.nativePid;
  const old = ps.action(sig);
  let next: SigAction | null = null;
  if (actAddr !== 0) {
    if (sig === SIGKILL || sig === SIGSTOP) return c.err(E.EINVAL);
    if (k.mem.read(pid, actAddr, KSIGACTION_BYTES) !== KSIGACTION_BYTES) return c.err(E.EFAULT);
    const dv = k.mem.view();
    next = {
      handler: dv.getUint32(KSA.handler + 4, true) * TWO32 + dv.getUint32(KSA.handler, true),
      flags: dv.getUint32(KSA.flags, true),
      restorer: dv.getUint32(KSA.restorer + 4, true) * TWO32 + dv.getUint32(KSA.restorer, true),
      maskLo: dv.getUint32(KSA.mask, true),
      maskHi: dv.getUint32(KSA.mask + 4, true),
    };
  }
  if (oldAddr !== 0) {
    const dv = k.mem.view();
    dv.setUint32(KSA.handler, old.handler >>> 0, true);
    dv.setUint32(KSA.handler + 4, Math.floor(old.handler / TWO32), true);
    dv.setUint32(KSA.flags, old.flags >>> 0, true);
    dv.setUint32(KSA.flags + 4, 0, true);
    dv.setUint32(KSA.restorer, old.restorer >>> 0, true);
    dv.setUint32(KSA.restorer + 4, Math.floor(old.restorer / TWO32), true);
    dv.setUint32(KSA.mask, old.maskLo, true);
    dv.setUint32(KSA.mask + 4, old.maskHi, true);
    if (k.mem.writeScratch(pid, oldAddr, KSIGACTION_BYTES) !== KSIGACTION_BYTES) return c.err(E.EFAULT);
  }
  if (next) {
    ps.setAction(sig, next);
    // Setting a signal to be ignored discards it if pending (POSIX).
    if (isIgnored(next, sig)) {
      ps.pending.delete(sig);
      for (const th of t.process.threads) th.signals.pending.delete(sig);
    }
  }
  return c.ok(0);
}

/** rt_sigprocmask(how, set, oldset, sigsetsize). */
function rtSigprocmask(c: SyscallCall): Outcome {
  const { k, t } = c;
  if (c.u64(3) !== SIGSET_SIZE_BYTES) return c.err(E.EINVAL);
  const pid = t.process.nativePid;
  const setAddr = c.ptr(1),
    oldAddr = c.ptr(2);
  const lo = maskLo(k, t),
    hi = maskHi(k, t);
  if (setAddr !== 0) {
    if (k.mem.read(pid, setAddr, SIGSET_SIZE_BYTES) !== SIGSET_SIZE_BYTES) return c.err(E.EFAULT);
    const dv = k.mem.view();
    const nlo = dv.getUint32(0, true),
      nhi = dv.getUint32(4, true);
    switch (c.int(0)) {
      case SIG_BLOCK:
        setMask(k, t, lo | nlo, hi | nhi);
        break;
      case SIG_UNBLOCK:
        setMask(k, t, lo & ~nlo, hi & ~nhi);
        break;
      case SIG_SETMASK:
        setMask(k, t, nlo, nhi);
        break;
      default:
        return c.err(E.EINVAL);
    }
  }
  if (oldAddr !== 0) {
    const dv = k.mem.view();
    dv.setUint32(0, lo, true);
    dv.setUint32(4, hi, true);
    if (k.mem.writeScratch(pid, oldAddr, SIGSET_SIZE_BYTES) !== SIGSET_SIZE_BYTES) return c.err(E.EFAULT);
  }
  return c.ok(0);
}

/** rt_sigpending(set, sigsetsize): the pending signals that are blocked. */
function rtSigpending(c: SyscallCall): Outcome {
  const { k, t } = c;
  let lo = 0,
    hi = 0;
  const add = (s: number) => {
    if (sigWord(s) === 0) lo |= sigBit(s);
    else hi |= sigBit(s);
  };
  t.signals.pending.forEach((_v, s) => add(s));
  t.process.signals.pending.forEach((_v, s) => add(s));
  const dv = k.mem.view();
  dv.setUint32(0, (lo & maskLo(k, t)) >>> 0, true);
  dv.setUint32(4, (hi & maskHi(k, t)) >>> 0, true);
  const n = k.mem.writeScratch(t.process.nativePid, c.ptr(0), SIGSET_SIZE_BYTES);
  return n === SIGSET_SIZE_BYTES ? c.ok(0) : c.err(E.EFAULT);
}

// -------------------------------------------------------------- waiting

/** rt_sigsuspend(mask, sigsetsize): always blocks; a deliverable signal turns the block into EINTR. */
function rtSigsuspend(c: SyscallCall): Outcome {
  const { k, t } = c;
  if (c.firstRun) {
    if (c.u64(1) !== SIGSET_SIZE_BYTES) return c.err(E.EINVAL);
    if (k.mem.read(t.process.nativePid, c.ptr(0), SIGSET_SIZE_BYTES) !== SIGSET_SIZE_BYTES) return c.err(E.EFAULT);
    const dv = k.mem.view();
    const ts = t.signals;
    ts.suspendRestore.set(maskLo(k, t), maskHi(k, t));
    ts.suspended = true;
    setMask(k, t, dv.getUint32(0, true), dv.getUint32(4, true));
  }
  return c.block(-1);
}

/** pause: blocks until a signal interrupts it. */
function pause(c: SyscallCall): Outcome {
  return c.block(-1);
}

/** rt_sigtimedwait(set, info, timeout, sigsetsize): takes a pending signal of the set without its handler. */
function rtSigtimedwait(c: SyscallCall): Outcome {
  const { k, t } = c;
  const ts = t.signals;
  const pid = t.process.nativePid;
  if (c.u64(3) !== SIGSET_SIZE_BYTES) return c.err(E.EINVAL);
  if (k.mem.read(pid, c.ptr(0), SIGSET_SIZE_BYTES) !== SIGSET_SIZE_BYTES) return c.err(E.EFAULT);
  const dv = k.mem.view();
  const wlo = dv.getUint32(0, true),
    whi = dv.getUint32(4, true);
  const found = lowestPendingIn(t, wlo, whi);
  if (found !== 0) {
    ts.waitSet.clear();
    const info = takePending(t, found);
    const infoAddr = c.ptr(1);
    if (infoAddr !== 0 && k.mem.writeBuf(pid, infoAddr, info, 0, SIGINFO_SIZE_BYTES) !== SIGINFO_SIZE_BYTES)
      return c.err(E.EFAULT);
    return c.ok(found);
  }
  if (t.wokenBy === 'timeout') {
    ts.waitSet.clear();
    return c.err(E.EAGAIN);
  }
  let deadline = c.deadlineNs;
  if (c.firstRun) {
    deadline = -1;
    const timeoutAddr = c.ptr(2);
    if (timeoutAddr !== 0) {
      const ns = k.mem.readTimespecNs(pid, timeoutAddr);
      if (ns === null) return c.err(E.EFAULT);
      if (ns < 0) return c.err(E.EINVAL);
      if (ns === 0) return c.err(E.EAGAIN);
      deadline = k.now + ns;
    }
  }
  ts.waitSet.set(wlo, whi);
  t.waitCleanups.push(() => ts.waitSet.clear());
  return c.block(deadline);
}

// -------------------------------------------------------------- sending

/** kill(pid, sig): pid > 0 one process, 0 the caller's group, -1 all others, < -1 group -pid. */
function kill(c: SyscallCall): Outcome {
  const t = c.t;
  const pid = c.int(0),
    sig = c.int(1);
  if (sig < 0 || sig > NSIG) return c.err(E.EINVAL);
  const host = t.process.host;
  const running = host.processes.filter((p) => p.state === 'running');
  let targets: Process[];
  if (pid > 0) targets = running.filter((p) => p.vpid === pid);
  else if (pid === 0) targets = running.filter((p) => p.pgid === t.process.pgid);
  else if (pid === -1) targets = running.filter((p) => p !== t.process);
  else targets = running.filter((p) => p.pgid === -pid);
  if (targets.length === 0) return c.err(E.ESRCH);
  if (sig === 0) return c.ok(0);
  for (const p of targets) sendSignal(c.k, p, sig, siginfo(sig, SI_USER, t.process.vpid));
  // The caller may have killed itself.
  return t.process.state === 'running' ? c.ok(0) : c.deferred();
}

/** tgkill(tgid, tid, sig); tgid -1 stands for tkill's "any process". */
function sendToThread(c: SyscallCall, tgid: number, tid: number, sig: number): Outcome {
  const t = c.t;
  if (sig < 0 || sig > NSIG || tid <= 0) return c.err(E.EINVAL);
  const target = c.k.findThread(t.process.host, tid);
  if (!target || (tgid > 0 && target.process.vpid !== tgid)) return c.err(E.ESRCH);
  if (sig === 0) return c.ok(0);
  sendSignal(c.k, target, sig, siginfo(sig, SI_TKILL, t.process.vpid));
  return t.process.state === 'running' ? c.ok(0) : c.deferred();
}

function tgkill(c: SyscallCall): Outcome {
  return sendToThread(c, c.int(0), c.int(1), c.int(2));
}

function tkill(c: SyscallCall): Outcome {
  return sendToThread(c, -1, c.int(0), c.int(1));
}

// ---------------------------------------------------- alarm and itimers

function armItimer(k: Kernel, p: Process, valueNs: number, intervalNs: number): void {
  const it = p.signals.itimer;
  if (it.ev) it.ev.cancelled = true;
  it.ev = null;
  it.intervalNs = intervalNs;
  it.expiresNs = 0;
  if (valueNs <= 0) return;
  const fire = (at: number) => {
    it.expiresNs = at;
    it.ev = k.sched.at(at, p.host.id, () => {
      it.ev = null;
      sendSignal(k, p, SIGALRM, siginfo(SIGALRM, SI_KERNEL, 0));
      if (it.intervalNs > 0 && p.state === 'running') fire(at + it.intervalNs);
      else it.expiresNs = 0;
    });
  };
  fire(k.now + valueNs);
}

function itimerRemaining(k: Kernel, p: Process): number {
  const it = p.signals.itimer;
  return it.ev ? Math.max(0, it.expiresNs - k.now) : 0;
}

/** alarm(seconds): returns the seconds left of the previous alarm. */
function alarm(c: SyscallCall): Outcome {
  const p = c.t.process;
  const left = itimerRemaining(c.k, p);
  armItimer(c.k, p, c.u32(0) * NS_PER_SEC, 0);
  if (left === 0) return c.ok(0);
  // Linux rounds the remaining time to the nearest second, and never reports 0 for a live timer.
  return c.ok(Math.max(1, Math.round(left / NS_PER_SEC - 1e-9)));
}

/** Writes struct itimerval {interval, value} of {sec, usec}. */
function writeItimerval(k: Kernel, t: Thread, addr: number, valueNs: number, intervalNs: number): boolean {
  const dv = k.mem.view();
  const put = (off: number, ns: number) => {
    const sec = Math.floor(ns / NS_PER_SEC);
    dv.setUint32(off, sec >>> 0, true);
    dv.setUint32(off + 4, 0, true);
    dv.setUint32(off + 8, Math.floor((ns % NS_PER_SEC) / 1000), true);
    dv.setUint32(off + 12, 0, true);
  };
  put(0, intervalNs);
  put(16, valueNs);
  return k.mem.writeScratch(t.process.nativePid, addr, ITIMER_BYTES) === ITIMER_BYTES;
}

/** setitimer(which, new, old): only ITIMER_REAL is simulated. */
function setitimer(c: SyscallCall): Outcome {
  const { k, t } = c;
  if (c.int(0) !== ITIMER_REAL) return c.err(E.EINVAL);
  const p = t.process;
  const oldValue = itimerRemaining(k, p),
    oldInterval = p.signals.itimer.intervalNs;
  const newAddr = c.ptr(1),
    oldAddr = c.ptr(2);
  if (newAddr !== 0) {
    if (k.mem.read(p.nativePid, newAddr, ITIMER_BYTES) !== ITIMER_BYTES) return c.err(E.EFAULT);
    const dv = k.mem.view();
    const isec = dv.getUint32(0, true),
      iusec = dv.getUint32(8, true);
    const vsec = dv.getUint32(16, true),
      vusec = dv.getUint32(24, true);
    if (iusec >= 1e6 || vusec >= 1e6) return c.err(E.EINVAL);
    armItimer(k, p, vsec * NS_PER_SEC + vusec * 1000, isec * NS_PER_SEC + iusec * 1000);
  }
  if (oldAddr !== 0 && !writeItimerval(k, t, oldAddr, oldValue, oldInterval)) return c.err(E.EFAULT);
  return c.ok(0);
}

/** getitimer(which, value). */
function getitimer(c: SyscallCall): Outcome {
  const { k, t } = c;
  if (c.int(0) !== ITIMER_REAL) return c.err(E.EINVAL);
  const p = t.process;
  const ok = writeItimerval(k, t, c.ptr(1), itimerRemaining(k, p), p.signals.itimer.intervalNs);
  return ok ? c.ok(0) : c.err(E.EFAULT);
}

// ---------------------------------------------------------- POSIX timers

/** timer_create(clock, sevp, timerid). */
function timerCreate(c: SyscallCall): Outcome {
  const { k, t } = c;
  const clock = c.int(0);
  if (clock < 0 || clock > CLOCK_LAST || clock === CLOCK_PROCESS_CPUTIME_ID || clock === CLOCK_THREAD_CPUTIME_ID)
    return c.err(E.EINVAL);
  const p = t.process;
  const ps = p.signals;
  let id = 0;
  while (ps.timers[id]) id++;
  const tm: PosixTimer = {
    ev: null,
    intervalNs: 0,
    expiresNs: 0,
    overrun: 0,
    signo: SIGALRM,
    notify: SIGEV_SIGNAL,
    tid: 0,
    valueLo: id,
    valueHi: 0,
    id,
  };
  const sevAddr = c.ptr(1);
  if (sevAddr !== 0) {
    if (k.mem.read(p.nativePid, sevAddr, SIGEVENT_BYTES) !== SIGEVENT_BYTES) return c.err(E.EFAULT);
    const dv = k.mem.view();
    tm.valueLo = dv.getUint32(SIGEV.value, true);
    tm.valueHi = dv.getUint32(SIGEV.value + 4, true);
    tm.signo = dv.getInt32(SIGEV.signo, true);
    tm.notify = dv.getInt32(SIGEV.notify, true);
    tm.tid = dv.getInt32(SIGEV.tid, true);
    if (tm.notify !== SIGEV_NONE && !isValidSignal(tm.signo)) return c.err(E.EINVAL);
    if (tm.notify !== SIGEV_SIGNAL && tm.notify !== SIGEV_NONE && tm.notify !== SIGEV_THREAD_ID) return c.err(E.EINVAL);
    if (tm.notify === SIGEV_THREAD_ID && !k.findThread(p.host, tm.tid)) return c.err(E.EINVAL);
  }
  if (!k.mem.writeI32(p.nativePid, c.ptr(2), id)) return c.err(E.EFAULT);
  ps.timers[id] = tm;
  return c.ok(0);
}

function timerOf(t: Thread, id: number): PosixTimer | undefined {
  return id >= 0 ? t.process.signals.timers[id] : undefined;
}

function fireTimer(k: Kernel, p: Process, tm: PosixTimer): void {
  tm.ev = null;
  if (tm.notify !== SIGEV_NONE) {
    const info = siginfo(tm.signo, SI_TIMER, 0);
    const dv = new DataView(info.buffer);
    dv.setInt32(SIGINFO_OFF.timerId, tm.id, true);
    dv.setInt32(SIGINFO_OFF.overrun, tm.overrun, true);
    dv.setUint32(SIGINFO_OFF.value, tm.valueLo, true);
    dv.setUint32(SIGINFO_OFF.value + 4, tm.valueHi, true);
    const target = tm.notify === SIGEV_THREAD_ID ? k.findThread(p.host, tm.tid) : undefined;
    sendSignal(k, target ?? p, tm.signo, info);
  }
  if (tm.intervalNs > 0 && p.state === 'running') {
    tm.expiresNs += tm.intervalNs;
    tm.ev = k.sched.at(tm.expiresNs, p.host.id, () => fireTimer(k, p, tm));
  }
}

/** timer_settime(timerid, flags, new, old). */
function timerSettime(c: SyscallCall): Outcome {
  const { k, t } = c;
  const tm = timerOf(t, c.int(0));
  if (!tm) return c.err(E.EINVAL);
  const pid = t.process.nativePid;
  if (k.mem.read(pid, c.ptr(2), ITIMER_BYTES) !== ITIMER_BYTES) return c.err(E.EFAULT);
  const dv = k.mem.view();
  const isec = dv.getUint32(0, true),
    insec = dv.getUint32(8, true);
  const vsec = dv.getUint32(16, true),
    vnsec = dv.getUint32(24, true);
  if (insec >= NS_PER_SEC || vnsec >= NS_PER_SEC) return c.err(E.EINVAL);
  const oldLeft = tm.ev ? tm.expiresNs - k.now : 0,
    oldInterval = tm.intervalNs;
  if (tm.ev) tm.ev.cancelled = true;
  tm.ev = null;
  tm.intervalNs = isec * NS_PER_SEC + insec;
  tm.overrun = 0;
  if (vsec !== 0 || vnsec !== 0) {
    tm.expiresNs =
      (c.int(1) & TIMER_ABSTIME) !== 0
        ? Math.max(k.now, absoluteToSimNs(0, vsec, vnsec))
        : k.now + vsec * NS_PER_SEC + vnsec;
    const p = t.process;
    tm.ev = k.sched.at(tm.expiresNs, p.host.id, () => fireTimer(k, p, tm));
  }
  const oldAddr = c.ptr(3);
  if (oldAddr !== 0 && !writeItimerspec(k, t, oldAddr, oldInterval, Math.max(0, oldLeft))) return c.err(E.EFAULT);
  return c.ok(0);
}

/** Writes struct itimerspec {interval, value} of timespecs. */
function writeItimerspec(k: Kernel, t: Thread, addr: number, intervalNs: number, valueNs: number): boolean {
  const dv = k.mem.view();
  const put = (off: number, ns: number) => {
    dv.setUint32(off, Math.floor(ns / NS_PER_SEC), true);
    dv.setUint32(off + 4, 0, true);
    dv.setUint32(off + 8, ns % NS_PER_SEC, true);
    dv.setUint32(off + 12, 0, true);
  };
  put(0, intervalNs);
  put(16, valueNs);
  return k.mem.writeScratch(t.process.nativePid, addr, ITIMER_BYTES) === ITIMER_BYTES;
}

/** timer_gettime(timerid, curr). */
function timerGettime(c: SyscallCall): Outcome {
  const { k, t } = c;
  const tm = timerOf(t, c.int(0));
  if (!tm) return c.err(E.EINVAL);
  const left = tm.ev ? Math.max(0, tm.expiresNs - k.now) : 0;
  return writeItimerspec(k, t, c.ptr(1), tm.intervalNs, left) ? c.ok(0) : c.err(E.EFAULT);
}

/** timer_getoverrun(timerid). */
function timerGetoverrun(c: SyscallCall): Outcome {
  const tm = timerOf(c.t, c.int(0));
  return tm ? c.ok(tm.overrun) : c.err(E.EINVAL);
}

/** timer_delete(timerid). */
function timerDelete(c: SyscallCall): Outcome {
  const id = c.int(0);
  const tm = timerOf(c.t, id);
  if (!tm) return c.err(E.EINVAL);
  if (tm.ev) tm.ev.cancelled = true;
  c.t.process.signals.timers[id] = undefined;
  return c.ok(0);
}

// --------------------------------------------------------------- signalfd

/** signalfd4(fd, mask, sizemask, flags): fd -1 creates one, else changes the mask of fd. */
function signalfdCommon(c: SyscallCall, flags: number): Outcome {
  const { k, t } = c;
  const fd = c.int(0);
  if (c.u64(2) !== SIGSET_SIZE_BYTES) return c.err(E.EINVAL);
  if ((flags & ~(O_NONBLOCK | O_CLOEXEC)) !== 0) return c.err(E.EINVAL);
  if (k.mem.read(t.process.nativePid, c.ptr(1), SIGSET_SIZE_BYTES) !== SIGSET_SIZE_BYTES) return c.err(E.EFAULT);
  const dv = k.mem.view();
  const lo = dv.getUint32(0, true),
    hi = dv.getUint32(4, true);
  if (fd !== -1) {
    const f = t.process.fds.get(fd)?.file;
    if (!(f instanceof SignalFd)) return c.err(E.EINVAL);
    f.setMask(lo, hi);
    return c.ok(fd);
  }
  const f = new SignalFd(t.process, lo, hi);
  f.statusFlags = flags & O_NONBLOCK;
  const r = installFile(k, t, f, (flags & O_CLOEXEC) !== 0);
  if (r >= 0) t.process.signals.signalfds.push(f);
  return c.result(r);
}

function signalfd4(c: SyscallCall): Outcome {
  return signalfdCommon(c, c.int(3));
}

/** signalfd(fd, mask, sizemask): signalfd4 without flags. */
function signalfd(c: SyscallCall): Outcome {
  return signalfdCommon(c, 0);
}

// ---------------------------------------------------------- shim's own calls

/** The shim's own signal stack handling is native; the program's is kept natively too. */
function sigaltstack(c: SyscallCall): Outcome {
  return c.native();
}

/** A handler returned: the shim hands back the mask to restore (arg 0). */
function sigreturn(c: SyscallCall): Outcome {
  setMask(c.k, c.t, c.u32(0), c.hi32(0));
  return c.ok(0);
}

/** A hardware fault (arg 0 the signal, arg 1 its siginfo): pending for the thread, delivered on the reply. */
function fault(c: SyscallCall): Outcome {
  const { k, t } = c;
  const sig = c.int(0);
  const info = new Uint8Array(SIGINFO_SIZE_BYTES);
  if (k.mem.readBuf(t.process.nativePid, c.ptr(1), info, 0, SIGINFO_SIZE_BYTES) !== SIGINFO_SIZE_BYTES)
    info.set(siginfo(sig, SI_KERNEL, 0));
  // A fault the program blocks or ignores still kills it, as on Linux.
  const ps = t.process.signals;
  if (isBlocked(k, t, sig) || ps.action(sig).handler === SIG_IGN) ps.resetAction(sig);
  const lo = maskLo(k, t),
    hi = maskHi(k, t);
  if (sigWord(sig) === 0) setMask(k, t, lo & ~sigBit(sig), hi);
  else setMask(k, t, lo, hi & ~sigBit(sig));
  t.signals.pending.set(sig, info);
  return c.ok(0);
}

// ------------------------------------------------------ process lifecycle

/** fork: the child gets the parent's dispositions and the forking thread's mask. */
export function inheritSignals(k: Kernel, parent: Thread, child: Process, childThread: Thread): void {
  child.signals.inheritActions(parent.process.signals);
  setMask(k, childThread, maskLo(k, parent), maskHi(k, parent));
}

/** A new thread starts with its creator's mask. */
export function inheritThreadMask(k: Kernel, parent: Thread, child: Thread): void {
  setMask(k, child, maskLo(k, parent), maskHi(k, parent));
}

/** execve: handled signals go back to their default; the mask stays. */
export function execSignals(k: Kernel, oldThread: Thread, p: Process, newThread: Thread): void {
  p.signals.resetHandledActions();
  setMask(k, newThread, maskLo(k, oldThread), maskHi(k, oldThread));
}

/** SIGCHLD (or the clone exit signal) for a parent whose child ended. */
export function childEnded(k: Kernel, parent: Process, child: Process): void {
  const st = child.forcedSignal !== 0 ? child.forcedSignal : child.waitStatus;
  const signaled = child.forcedSignal !== 0 || statusSignaled(st);
  const code = signaled ? (statusCoreDumped(st) ? CLD_DUMPED : CLD_KILLED) : CLD_EXITED;
  const info = siginfo(SIGCHLD, code, child.vpid);
  new DataView(info.buffer).setInt32(SIGINFO_OFF.status, signaled ? statusTermSig(st) : statusExitCode(st), true);
  if (child.exitSignal > 0) sendSignal(k, parent, child.exitSignal, info);
}

export function registerSignals(k: Kernel): void {
  k.register(SYS.rt_sigaction, rtSigaction);
  k.register(SYS.rt_sigprocmask, rtSigprocmask);
  k.register(SYS.rt_sigpending, rtSigpending);
  k.register(SYS.rt_sigsuspend, rtSigsuspend);
  k.register(SYS.pause, pause);
  k.register(SYS.rt_sigtimedwait, rtSigtimedwait);
  k.register(SYS.kill, kill);
  k.register(SYS.tgkill, tgkill);
  k.register(SYS.tkill, tkill);
  k.register(SYS.alarm, alarm);
  k.register(SYS.setitimer, setitimer);
  k.register(SYS.getitimer, getitimer);
  k.register(SYS.timer_create, timerCreate);
  k.register(SYS.timer_settime, timerSettime);
  k.register(SYS.timer_gettime, timerGettime);
  k.register(SYS.timer_getoverrun, timerGetoverrun);
  k.register(SYS.timer_delete, timerDelete);
  k.register(SYS.signalfd4, signalfd4);
  k.register(SYS.signalfd, signalfd);
  k.register(SYS.sigaltstack, sigaltstack);
  k.register(PSEUDO_SYS.SIGRETURN, sigreturn);
  k.register(PSEUDO_SYS.FAULT, fault);
  k.signals = {
    hasDeliverable: (t) => hasDeliverable(k, t),
    // The hook answers whether a reply may go: not when a default action ended the process.
    prepareDelivery: (t, nr, interrupted) => !prepareDelivery(k, t, nr, interrupted),
    send: (target, sig) => sendSignal(k, target, sig, siginfo(sig, SI_USER, 1)),
  };
}
