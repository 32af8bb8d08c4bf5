// Signal syscalls: decode dispositions, sigsets and targets from user memory
// and call the signal mechanism (kernel/signals.ts), whose state is the
// signals field of Process and Thread (host/signal-state.ts). Signals are
// emulated, never in the real kernel; delivery happens as a syscall completes.
// The timer calls that raise signals are in timer.ts.
import { E } from '../abi/errno';
import type { Kernel } from '../kernel/kernel';
import type { Outcome, SyscallCall } from '../kernel/call';
import { SYS } from '../abi/syscalls';
import { PSEUDO_SYS } from '../abi/protocol';
import {
  isValidSignal,
  NSIG,
  SI_KERNEL,
  SIGINFO_SIZE_BYTES,
  SIGKILL,
  SigSet,
  SIGSET_SIZE_BYTES,
  SIGSTOP,
} from '../abi/signals';
import { installFile } from '../files/descriptors';
import { O_CLOEXEC, O_NONBLOCK } from '../abi/fcntl';
import { SignalFd } from '../files/signalfd';
import { lowestPendingIn, siginfo, takePending } from '../host/signal-state';
import type { SigAction } from '../host/signal-state';
import {
  awaitSignals,
  blockedPending,
  changeMask,
  killPids,
  killThread,
  maskHi,
  maskLo,
  raiseFault,
  setAction,
  setMask,
  signalHooks,
  suspendWithMask,
} from '../kernel/signals';

/** struct kernel_sigaction (rt_sigaction): handler, flags, restorer, mask, 8 bytes each. */
const KSIGACTION_BYTES = 32;
const KSA = { handler: 0, flags: 8, restorer: 16, mask: 24 } as const;

const TWO32 = 4294967296;

// ------------------------------------------------- dispositions and masks

/** rt_sigaction(sig, act, oact, sigsetsize). */
function rtSigaction(c: SyscallCall): Outcome {
  const { k, t } = c;
  const sig = c.int(0);
  const actAddr = c.ptr(1),
    oldAddr = c.ptr(2);
  if (c.u64(3) !== SIGSET_SIZE_BYTES) return c.err(E.EINVAL);
  if (!isValidSignal(sig)) return c.err(E.EINVAL);
  const pid = t.process.nativePid;
  const old = t.process.signals.action(sig);
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
  if (next) setAction(t.process, sig, next);
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
    const r = changeMask(k, t, c.int(0), dv.getUint32(0, true), dv.getUint32(4, true));
    if (r < 0) return c.result(r);
  }
  if (oldAddr !== 0) {
    const dv = k.mem.view();
    dv.setUint32(0, lo, true);
    dv.setUint32(4, hi, true);
    if (k.mem.writeScratch(pid, oldAddr, SIGSET_SIZE_BYTES) !== SIGSET_SIZE_BYTES) return c.err(E.EFAULT);
  }
  return c.ok(0);
}

/**
 * rt_sigpending(set, sigsetsize): the pending signals that are blocked. Like
 * Linux, a size above sigset_t's is EINVAL and a smaller one copies only that
 * many bytes.
 */
function rtSigpending(c: SyscallCall): Outcome {
  const { k, t } = c;
  const sizeBytes = c.u64(1);
  if (sizeBytes > SIGSET_SIZE_BYTES) return c.err(E.EINVAL);
  if (sizeBytes === 0) return c.ok(0);
  const set = new SigSet();
  blockedPending(k, t, set);
  const dv = k.mem.view();
  dv.setUint32(0, set.lo, true);
  dv.setUint32(4, set.hi, true);
  const n = k.mem.writeScratch(t.process.nativePid, c.ptr(0), sizeBytes);
  return n === sizeBytes ? c.ok(0) : c.err(E.EFAULT);
}

// -------------------------------------------------------------- waiting

/** rt_sigsuspend(mask, sigsetsize): always blocks; a deliverable signal turns the block into EINTR. */
function rtSigsuspend(c: SyscallCall): Outcome {
  const { k, t } = c;
  if (c.firstRun) {
    if (c.u64(1) !== SIGSET_SIZE_BYTES) return c.err(E.EINVAL);
    if (k.mem.read(t.process.nativePid, c.ptr(0), SIGSET_SIZE_BYTES) !== SIGSET_SIZE_BYTES) return c.err(E.EFAULT);
    const dv = k.mem.view();
    suspendWithMask(k, t, dv.getUint32(0, true), dv.getUint32(4, true));
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
  awaitSignals(t, wlo, whi);
  return c.block(deadline);
}

// -------------------------------------------------------------- sending

/** kill(pid, sig): pid > 0 one process, 0 the caller's group, -1 all others, < -1 group -pid. */
function kill(c: SyscallCall): Outcome {
  const p = c.t.process;
  const sig = c.int(1);
  if (sig < 0 || sig > NSIG) return c.err(E.EINVAL);
  const r = killPids(c.k, p, c.int(0), sig);
  if (r < 0) return c.result(r);
  // The caller may have killed itself.
  return p.state === 'running' ? c.ok(0) : c.deferred();
}

/** tgkill(tgid, tid, sig); tgid -1 stands for tkill's "any process". */
function sendToThread(c: SyscallCall, tgid: number, tid: number, sig: number): Outcome {
  const p = c.t.process;
  if (sig < 0 || sig > NSIG || tid <= 0) return c.err(E.EINVAL);
  const r = killThread(c.k, p, tgid, tid, sig);
  if (r < 0) return c.result(r);
  return p.state === 'running' ? c.ok(0) : c.deferred();
}

function tgkill(c: SyscallCall): Outcome {
  return sendToThread(c, c.int(0), c.int(1), c.int(2));
}

function tkill(c: SyscallCall): Outcome {
  return sendToThread(c, -1, c.int(0), c.int(1));
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
  raiseFault(k, t, sig, info);
  return c.ok(0);
}

/** Registers the signal and signal-timer syscalls and gives the run loop its delivery hooks. */
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
  k.register(SYS.signalfd4, signalfd4);
  k.register(SYS.signalfd, signalfd);
  k.register(PSEUDO_SYS.SIGRETURN, sigreturn);
  k.register(PSEUDO_SYS.FAULT, fault);
  // syscall/index.ts knows only registerSignals: the timer calls come along.
  k.signals = signalHooks(k);
}
