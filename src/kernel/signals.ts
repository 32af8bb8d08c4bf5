// The emulated signal mechanism: blocked masks (in each thread's channel, where
// the shim reads them too), sending, choosing the signal to deliver as a
// syscall completes and handing its handler to the shim or applying the default
// action, and what fork, exec and a child's end do to signals. The state is the
// `signals` field of Process and Thread (host/signal-state.ts); the syscalls
// that reach it are decoded in syscall/signal.ts.
import type { Process } from '../host/process';
import type { Thread } from '../host/thread';
import { E } from '../abi/errno';
import { SYS } from '../abi/syscalls';
import { DELIVER, PSEUDO_SYS } from '../abi/protocol';
import {
  CLD_DUMPED,
  CLD_EXITED,
  CLD_KILLED,
  isValidSignal,
  SA_NODEFER,
  SA_RESETHAND,
  SA_RESTART,
  SI_TKILL,
  SI_USER,
  SIG_BLOCK,
  SIG_DFL,
  SIG_IGN,
  SIG_SETMASK,
  SIG_UNBLOCK,
  SIGABRT,
  SIGBUS,
  SIGCHLD,
  SIGCONT,
  SIGFPE,
  SIGILL,
  SIGINFO_OFF,
  SIGKILL,
  SIGQUIT,
  SIGSEGV,
  sigBit,
  SigSet,
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
import { siginfo, takePending } from '../host/signal-state';
import { maySignal } from '../host/credentials';
import type { SigAction } from '../host/signal-state';
import { RestartRule } from './call';
import type { Kernel, SignalHooks } from './kernel';

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

// ---------------------------------------------------------------- masks
// A thread's blocked mask lives in its channel, where the shim reads it too.

function maskIndex(k: Kernel, t: Thread): number {
  return (t.chOff + k.shm.layout.chSigBlocked) >> 2;
}

/** Low word (signals 1..32) of t's blocked mask. */
export function maskLo(k: Kernel, t: Thread): number {
  return k.shm.u32[maskIndex(k, t)];
}

/** High word (signals 33..64) of t's blocked mask. */
export function maskHi(k: Kernel, t: Thread): number {
  return k.shm.u32[maskIndex(k, t) + 1];
}

/** Replaces t's blocked mask; SIGKILL and SIGSTOP are never blocked. */
export function setMask(k: Kernel, t: Thread, lo: number, hi: number): void {
  const i = maskIndex(k, t);
  k.shm.u32[i] = withoutUnblockable(lo);
  k.shm.u32[i + 1] = hi >>> 0;
}

/** rt_sigprocmask's change of t's mask by (lo, hi): 0, or -EINVAL for an unknown `how`. */
export function changeMask(k: Kernel, t: Thread, how: number, lo: number, hi: number): number {
  const oldLo = maskLo(k, t),
    oldHi = maskHi(k, t);
  switch (how) {
    case SIG_BLOCK:
      setMask(k, t, oldLo | lo, oldHi | hi);
      return 0;
    case SIG_UNBLOCK:
      setMask(k, t, oldLo & ~lo, oldHi & ~hi);
      return 0;
    case SIG_SETMASK:
      setMask(k, t, lo, hi);
      return 0;
    default:
      return -E.EINVAL;
  }
}

export function isBlocked(k: Kernel, t: Thread, sig: number): boolean {
  return sigsetHas(maskLo(k, t), maskHi(k, t), sig);
}

function isIgnored(a: SigAction, sig: number): boolean {
  return a.handler === SIG_IGN || (a.handler === SIG_DFL && (IGNORED_BY_DEFAULT.has(sig) || STOPPING.has(sig)));
}

/** rt_sigpending: the signals pending for t (its own and its process's) that it blocks, into `out`. */
export function blockedPending(k: Kernel, t: Thread, out: SigSet): void {
  out.clear();
  t.signals.pending.forEach((_v, s) => out.add(s));
  t.process.signals.pending.forEach((_v, s) => out.add(s));
  out.set(out.lo & maskLo(k, t), out.hi & maskHi(k, t));
}

// ---------------------------------------------------------- dispositions

/** Installs a disposition. Setting a signal to be ignored discards it if pending (POSIX). */
export function setAction(p: Process, sig: number, a: SigAction): void {
  p.signals.setAction(sig, a);
  if (isIgnored(a, sig)) {
    p.signals.pending.delete(sig);
    for (const th of p.threads) th.signals.pending.delete(sig);
  }
}

// -------------------------------------------------------------- sending

/**
 * Makes `sig` pending for a process (target Process) or one thread, and wakes
 * a thread that can take it. Ignored signals are dropped at once, like Linux.
 */
export function sendSignal(k: Kernel, target: Process | Thread, sig: number, info: Uint8Array): void {
  const p = 'process' in target ? target.process : target;
  if (p.state !== 'running' || !isValidSignal(sig)) return;
  if (k.report !== null) k.report.signal(p.host.name, p.vpid, sig);
  if (sig === SIGKILL) {
    killProcess(k, p, SIGKILL);
    return;
  }
  const ps = p.signals;
  const action = ps.action(sig);
  const waiting = p.threads.filter((t) => t.state !== 'exited' && t.signals.waitSet.has(sig));
  // Linux never ignores a blocked signal (the disposition may change before it is unblocked), and
  // a signalfd reads it: PostgreSQL blocks SIGURG, whose default is ignore, and waits on a signalfd.
  const blocked =
    'process' in target
      ? isBlocked(k, target, sig)
      : p.threads.some((t) => t.state !== 'exited' && isBlocked(k, t, sig));
  if (isIgnored(action, sig) && waiting.length === 0 && !blocked) return;
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
export function killProcess(k: Kernel, p: Process, sig: number): void {
  if (p.state !== 'running') return;
  if (NATIVE_OWNED.has(sig)) {
    p.forcedSignal = sig;
    k.addon.kill(p.nativePid, SIGKILL);
  } else {
    k.addon.kill(p.nativePid, sig);
  }
  k.processDied(p);
}

/**
 * kill(2) from `sender`: pid > 0 one process, 0 the sender's group, -1 all
 * others, < -1 group -pid. Signal 0 only checks that a target exists.
 * Returns 0 or -ESRCH.
 */
export function killPids(k: Kernel, sender: Process, pid: number, sig: number): number {
  // A zombie is there until reaped: signalling it succeeds, without effect (sendSignal skips it).
  const present = sender.host.processes.filter((p) => !p.reaped);
  let targets: Process[];
  if (pid > 0) targets = present.filter((p) => p.vpid === pid);
  else if (pid === 0) targets = present.filter((p) => p.pgid === sender.pgid);
  else if (pid === -1) targets = present.filter((p) => p !== sender);
  else targets = present.filter((p) => p.pgid === -pid);
  if (targets.length === 0) return -E.ESRCH;
  // Processes may run as different users (privileges dropped): Linux's permission rule applies,
  // and a group kill succeeds when one member could be signalled.
  const allowed = targets.filter((p) => mayBeSignalled(sender, p, sig));
  if (allowed.length === 0) return -E.EPERM;
  if (sig === 0) return 0;
  for (const p of allowed) sendSignal(k, p, sig, siginfo(sig, SI_USER, sender.vpid));
  return 0;
}

/** Linux's check_kill_permission: same user or CAP_KILL (credentials.ts), or SIGCONT within the session. */
export function mayBeSignalled(sender: Process, target: Process, sig: number): boolean {
  if (sig === SIGCONT && sender.sid === target.sid) return true;
  return maySignal(sender.nativePid, target.nativePid);
}

/** tgkill(2) from `sender` (tgid -1: tkill's "any process"). Signal 0 only checks. Returns 0 or -ESRCH. */
export function killThread(k: Kernel, sender: Process, tgid: number, tid: number, sig: number): number {
  const target = k.threadFor(sender, tid);
  if (!target || (tgid > 0 && target.process.vpid !== tgid)) return -E.ESRCH;
  if (!mayBeSignalled(sender, target.process, sig)) return -E.EPERM;
  if (sig === 0) return 0;
  sendSignal(k, target, sig, siginfo(sig, SI_TKILL, sender.vpid));
  return 0;
}

// ------------------------------------------------------------- waiting

/** rt_sigsuspend: t waits with the temporary mask (lo, hi); the handler that ends the wait restores the old one. */
export function suspendWithMask(k: Kernel, t: Thread, lo: number, hi: number): void {
  const ts = t.signals;
  ts.suspendRestore.set(maskLo(k, t), maskHi(k, t));
  ts.suspended = true;
  setMask(k, t, lo, hi);
}

/**
 * The end of a wait with a temporary mask (ppoll, pselect6, epoll_pwait) that
 * no signal interrupted: the old mask returns at once, and a signal that only
 * the temporary mask let through stays pending, as on Linux.
 */
export function endTemporaryMask(k: Kernel, t: Thread): void {
  const ts = t.signals;
  if (!ts.suspended) return;
  setMask(k, t, ts.suspendRestore.lo, ts.suspendRestore.hi);
  ts.suspended = false;
}

/** rt_sigtimedwait: while t's call is parked, the signals of (lo, hi) wake it even when blocked. */
export function awaitSignals(t: Thread, lo: number, hi: number): void {
  const ts = t.signals;
  ts.waitSet.set(lo, hi);
  t.waitCleanups.push(() => ts.waitSet.clear());
}

/** A hardware fault the shim reported: pending for t with its siginfo, delivered on the reply. */
export function raiseFault(k: Kernel, t: Thread, sig: number, info: Uint8Array): void {
  // A fault the program blocks or ignores still kills it, as on Linux.
  const ps = t.process.signals;
  if (isBlocked(k, t, sig) || ps.action(sig).handler === SIG_IGN) ps.resetAction(sig);
  const lo = maskLo(k, t),
    hi = maskHi(k, t);
  if (sigWord(sig) === 0) setMask(k, t, lo & ~sigBit(sig), hi);
  else setMask(k, t, lo, hi & ~sigBit(sig));
  t.signals.pending.set(sig, info);
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

/** What the run loop calls (k.signals). */
export function signalHooks(k: Kernel): SignalHooks {
  return {
    hasDeliverable: (t) => nextDeliverable(k, t) !== 0,
    // The hook answers whether a reply may go: not when a default action ended the process.
    prepareDelivery: (t, nr, interrupted) => !prepareDelivery(k, t, nr, interrupted),
    send: (target, sig) => sendSignal(k, target, sig, siginfo(sig, SI_USER, 1)),
  };
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
