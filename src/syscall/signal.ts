// Emulated signals: dispositions, masks, pending sets and delivery live here,
// never in the real kernel. A signal is delivered when its target thread's
// syscall completes: the reply carries the handler to run, or the simulator
// applies the default action itself (ignore, or end the process with it).
import type { Process } from '../host/process';
import type { Thread } from '../host/thread';
import { Watchers } from '../core/watchers';
import { absoluteToSimNs, NS_PER_SEC } from '../core/time';
import type { SimEvent } from '../core/event-queue';
import { E } from '../abi/errno';
import { DO_NATIVE, Kernel, NO_REPLY } from '../kernel/kernel';
import { SYS } from '../abi/syscalls';
import { DELIVER, PSEUDO_SYS } from '../abi/protocol';
import { RestartRule } from '../kernel/call';
import { installFile, O_CLOEXEC, O_NONBLOCK, SimFile, EPOLLIN } from '../files/file';
import type { Descriptor } from '../host/fd-table';

export const SIGHUP = 1,
  SIGINT = 2,
  SIGQUIT = 3,
  SIGILL = 4,
  SIGTRAP = 5,
  SIGABRT = 6,
  SIGBUS = 7,
  SIGFPE = 8;
export const SIGKILL = 9,
  SIGUSR1 = 10,
  SIGSEGV = 11,
  SIGUSR2 = 12,
  SIGPIPE = 13,
  SIGALRM = 14,
  SIGTERM = 15;
export const SIGCHLD = 17,
  SIGCONT = 18,
  SIGSTOP = 19,
  SIGTSTP = 20,
  SIGTTIN = 21,
  SIGTTOU = 22,
  SIGURG = 23;
export const SIGXCPU = 24,
  SIGXFSZ = 25,
  SIGVTALRM = 26,
  SIGWINCH = 28,
  SIGSYS = 31;
const NSIG = 64;

const SIG_DFL = 0,
  SIG_IGN = 1;
const SA_RESTART = 0x10000000,
  SA_NODEFER = 0x40000000,
  SA_RESETHAND = 0x80000000;
const SI_USER = 0,
  SI_TKILL = -6,
  SI_TIMER = -2,
  SI_KERNEL = 0x80;
const CLD_EXITED = 1,
  CLD_KILLED = 2,
  CLD_DUMPED = 3;

/** Signals the shim itself uses natively: a default death by them is done with SIGKILL. */
const NATIVE_OWNED = new Set([SIGSYS, SIGSEGV, SIGVTALRM, SIGBUS, SIGILL, SIGFPE]);
const IGNORED_BY_DEFAULT = new Set([SIGCHLD, SIGURG, SIGWINCH, SIGCONT]);
const STOPPING = new Set([SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU]);
const CORE_DUMPING = new Set([SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV, SIGXCPU, SIGXFSZ, SIGSYS]);

/** Syscalls that SA_RESTART restarts after a handler (signal(7)). */
const RESTARTABLE = new Set<number>([
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

export interface SigAction {
  handler: number;
  flags: number;
  restorer: number;
  maskLo: number;
  maskHi: number;
}

/** Per-process and per-thread signal state kept by the simulator. */
class ProcSignals {
  actions: SigAction[] = [];
  /** Process-directed pending signals and their siginfo. */
  pending = new Map<number, Uint8Array>();
  itimer: { ev: SimEvent | null; intervalNs: number; expiresNs: number } = { ev: null, intervalNs: 0, expiresNs: 0 };
  timers: Array<PosixTimer | undefined> = [];
  signalfds: SignalFd[] = [];
  constructor() {
    for (let i = 0; i <= NSIG; i++)
      this.actions.push({ handler: SIG_DFL, flags: 0, restorer: 0, maskLo: 0, maskHi: 0 });
  }
}

class ThreadSignals {
  pending = new Map<number, Uint8Array>();
  /** Set while in rt_sigtimedwait: these signals wake the thread even when blocked. */
  waitLo = 0;
  waitHi = 0;
  /** Mask to restore after the handler that ends an rt_sigsuspend, or null. */
  suspendRestore: [number, number] | null = null;
}

interface PosixTimer {
  ev: SimEvent | null;
  intervalNs: number;
  expiresNs: number;
  overrun: number;
  signo: number;
  notify: number;
  tid: number;
  valueLo: number;
  valueHi: number;
  id: number;
}

const procState = new WeakMap<Process, ProcSignals>();
const threadState = new WeakMap<Thread, ThreadSignals>();

export function procSignals(p: Process): ProcSignals {
  let s = procState.get(p);
  if (!s) {
    s = new ProcSignals();
    procState.set(p, s);
  }
  return s;
}

function threadSignals(t: Thread): ThreadSignals {
  let s = threadState.get(t);
  if (!s) {
    s = new ThreadSignals();
    threadState.set(t, s);
  }
  return s;
}

// ---------------------------------------------------------------- masks

function bitOf(sig: number): [number, number] {
  return sig <= 32 ? [(1 << (sig - 1)) >>> 0, 0] : [0, (1 << (sig - 33)) >>> 0];
}

function maskWords(k: Kernel, t: Thread): [number, number] {
  const off = (t.chOff + k.shm.layout.chSigBlocked) >> 2;
  return [k.shm.u32[off], k.shm.u32[off + 1]];
}

function setMask(k: Kernel, t: Thread, lo: number, hi: number): void {
  const off = (t.chOff + k.shm.layout.chSigBlocked) >> 2;
  // SIGKILL and SIGSTOP cannot be blocked.
  k.shm.u32[off] = (lo & ~((1 << (SIGKILL - 1)) | (1 << (SIGSTOP - 1)))) >>> 0;
  k.shm.u32[off + 1] = hi >>> 0;
}

function blocked(k: Kernel, t: Thread, sig: number): boolean {
  const [lo, hi] = maskWords(k, t);
  return sig <= 32 ? ((lo >>> (sig - 1)) & 1) === 1 : ((hi >>> (sig - 33)) & 1) === 1;
}

function isIgnored(a: SigAction, sig: number): boolean {
  return a.handler === SIG_IGN || (a.handler === SIG_DFL && (IGNORED_BY_DEFAULT.has(sig) || STOPPING.has(sig)));
}

// -------------------------------------------------------------- siginfo

export function siginfo(sig: number, code: number, pid: number, uid = 0): Uint8Array {
  const b = new Uint8Array(128);
  const dv = new DataView(b.buffer);
  dv.setInt32(0, sig, true);
  dv.setInt32(8, code, true);
  dv.setInt32(16, pid, true);
  dv.setInt32(20, uid, true);
  return b;
}

// -------------------------------------------------------------- sending

/**
 * Makes `sig` pending for a process (target Process) or one thread, and wakes
 * a thread that can take it. Ignored signals are dropped at once, like Linux.
 */
export function sendSignal(k: Kernel, target: Process | Thread, sig: number, info: Uint8Array): void {
  const p = 'process' in target ? target.process : target;
  if (p.state !== 'running' || sig <= 0 || sig > NSIG) return;
  if (sig === SIGKILL) {
    killProcess(k, p, SIGKILL);
    return;
  }
  const ps = procSignals(p);
  const action = ps.actions[sig];
  const waiting = p.threads.filter((t) => t.state !== 'exited' && inSigwait(t, sig));
  if (isIgnored(action, sig) && waiting.length === 0) return;
  if (sig === SIGCONT || STOPPING.has(sig)) {
    if (STOPPING.has(sig) && action.handler === SIG_DFL)
      k.log.debug(p.host.name, `${p.name}: stop signal ${sig} ignored (stopping is not simulated)`);
  }
  if ('process' in target) {
    const ts = threadSignals(target);
    if (!ts.pending.has(sig)) ts.pending.set(sig, info);
    wakeFor(k, target, sig);
  } else {
    if (!ps.pending.has(sig)) ps.pending.set(sig, info);
    const pick = waiting[0] ?? p.threads.find((t) => t.state !== 'exited' && !blocked(k, t, sig));
    if (pick) wakeFor(k, pick, sig);
  }
  for (const f of ps.signalfds) f.watchers.notify();
}

function inSigwait(t: Thread, sig: number): boolean {
  const ts = threadState.get(t);
  if (!ts) return false;
  const [lo, hi] = bitOf(sig);
  return (ts.waitLo & lo) !== 0 || (ts.waitHi & hi) !== 0;
}

function wakeFor(k: Kernel, t: Thread, sig: number): void {
  if (t.state !== 'blocked') return;
  if (blocked(k, t, sig) && !inSigwait(t, sig)) return;
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

// ------------------------------------------------------------- delivery

/** The lowest pending, unblocked signal of t (thread set first), or 0. */
function nextDeliverable(k: Kernel, t: Thread): number {
  const ts = threadState.get(t);
  const ps = procState.get(t.process);
  let best = 0;
  if (ts) for (const s of ts.pending.keys()) if ((best === 0 || s < best) && !blocked(k, t, s)) best = s;
  if (best === 0 && ps) for (const s of ps.pending.keys()) if ((best === 0 || s < best) && !blocked(k, t, s)) best = s;
  return best;
}

function takePending(t: Thread, sig: number): Uint8Array {
  const ts = threadState.get(t);
  const fromThread = ts?.pending.get(sig);
  if (fromThread) {
    ts?.pending.delete(sig);
    return fromThread;
  }
  const ps = procSignals(t.process);
  const info = ps.pending.get(sig) ?? siginfo(sig, SI_KERNEL, 0);
  ps.pending.delete(sig);
  return info;
}

export function hasDeliverable(k: Kernel, t: Thread): boolean {
  return nextDeliverable(k, t) !== 0;
}

/**
 * Called as t's syscall completes with `ret`: hands one signal to the shim
 * (fields in the channel) or applies a default action. Returns NO_REPLY when
 * the process ended, else 0.
 */
export function prepareDelivery(k: Kernel, t: Thread, nr: number, interrupted: boolean): number {
  const L = k.shm.layout;
  for (;;) {
    const sig = nextDeliverable(k, t);
    if (sig === 0) return 0;
    const p = t.process;
    const info = takePending(t, sig);
    const ps = procSignals(p);
    const a = ps.actions[sig];
    if (a.handler === SIG_IGN) continue;
    if (a.handler === SIG_DFL) {
      if (IGNORED_BY_DEFAULT.has(sig) || STOPPING.has(sig)) continue;
      if (nr === PSEUDO_SYS.FAULT) {
        k.shm.u32[(t.chOff + L.chDeliverSig) >> 2] = sig;
        k.shm.u32[(t.chOff + L.chDeliverFlags) >> 2] = DELIVER.DIE;
        return 0;
      }
      k.log.debug(p.host.name, `${p.name}: ${CORE_DUMPING.has(sig) ? 'core-dumping' : 'terminating'} signal ${sig}`);
      killProcess(k, p, sig);
      return NO_REPLY;
    }
    const ch = t.chOff;
    const [mlo, mhi] = maskWords(k, t);
    const [slo, shi] = (a.flags & SA_NODEFER) !== 0 ? [0, 0] : bitOf(sig);
    const ts = threadState.get(t);
    if (ts?.suspendRestore) {
      // rt_sigsuspend: the handler runs with the temporary mask; afterwards the old one returns.
      setMask(k, t, ts.suspendRestore[0], ts.suspendRestore[1]);
      ts.suspendRestore = null;
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
    if ((a.flags & SA_RESETHAND) !== 0)
      ps.actions[sig] = { handler: SIG_DFL, flags: 0, restorer: 0, maskLo: 0, maskHi: 0 };
    return 0;
  }
}

// ------------------------------------------------------------- syscalls

function rtSigaction(k: Kernel, t: Thread, a: Float64Array): number {
  const sig = a[0];
  if (a[3] !== 8) return -E.EINVAL;
  if (sig < 1 || sig > NSIG) return -E.EINVAL;
  const ps = procSignals(t.process);
  const pid = t.process.nativePid;
  const old = ps.actions[sig];
  let next: SigAction | null = null;
  if (a[1] !== 0) {
    if (sig === SIGKILL || sig === SIGSTOP) return -E.EINVAL;
    if (k.mem.read(pid, a[1], 32) !== 32) return -E.EFAULT;
    const dv = k.mem.view();
    next = {
      handler: dv.getUint32(4, true) * 4294967296 + dv.getUint32(0, true),
      flags: dv.getUint32(8, true),
      restorer: dv.getUint32(20, true) * 4294967296 + dv.getUint32(16, true),
      maskLo: dv.getUint32(24, true),
      maskHi: dv.getUint32(28, true),
    };
  }
  if (a[2] !== 0) {
    const dv = k.mem.view();
    dv.setUint32(0, old.handler >>> 0, true);
    dv.setUint32(4, Math.floor(old.handler / 4294967296), true);
    dv.setUint32(8, old.flags >>> 0, true);
    dv.setUint32(12, 0, true);
    dv.setUint32(16, old.restorer >>> 0, true);
    dv.setUint32(20, Math.floor(old.restorer / 4294967296), true);
    dv.setUint32(24, old.maskLo, true);
    dv.setUint32(28, old.maskHi, true);
    if (k.mem.writeScratch(pid, a[2], 32) !== 32) return -E.EFAULT;
  }
  if (next) {
    ps.actions[sig] = next;
    // Setting a signal to be ignored discards it if pending (POSIX).
    if (isIgnored(next, sig)) {
      ps.pending.delete(sig);
      for (const th of t.process.threads) threadState.get(th)?.pending.delete(sig);
    }
  }
  return 0;
}

const SIG_BLOCK = 0,
  SIG_UNBLOCK = 1,
  SIG_SETMASK = 2;

function rtSigprocmask(k: Kernel, t: Thread, a: Float64Array): number {
  if (a[3] !== 8) return -E.EINVAL;
  const pid = t.process.nativePid;
  const [lo, hi] = maskWords(k, t);
  if (a[1] !== 0) {
    if (k.mem.read(pid, a[1], 8) !== 8) return -E.EFAULT;
    const dv = k.mem.view();
    const nlo = dv.getUint32(0, true),
      nhi = dv.getUint32(4, true);
    switch (a[0]) {
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
        return -E.EINVAL;
    }
  }
  if (a[2] !== 0) {
    const dv = k.mem.view();
    dv.setUint32(0, lo, true);
    dv.setUint32(4, hi, true);
    if (k.mem.writeScratch(pid, a[2], 8) !== 8) return -E.EFAULT;
  }
  return 0;
}

function rtSigpending(k: Kernel, t: Thread, a: Float64Array): number {
  let lo = 0,
    hi = 0;
  const add = (s: number) => {
    const [l, h] = bitOf(s);
    lo |= l;
    hi |= h;
  };
  threadState.get(t)?.pending.forEach((_v, s) => add(s));
  procState.get(t.process)?.pending.forEach((_v, s) => add(s));
  const [mlo, mhi] = maskWords(k, t);
  const dv = k.mem.view();
  dv.setUint32(0, (lo & mlo) >>> 0, true);
  dv.setUint32(4, (hi & mhi) >>> 0, true);
  return k.mem.writeScratch(t.process.nativePid, a[0], 8) === 8 ? 0 : -E.EFAULT;
}

function rtSigsuspend(k: Kernel, t: Thread, a: Float64Array): number {
  const ts = threadSignals(t);
  if (t.wokenBy === 'none') {
    if (a[1] !== 8) return -E.EINVAL;
    if (k.mem.read(t.process.nativePid, a[0], 8) !== 8) return -E.EFAULT;
    const dv = k.mem.view();
    ts.suspendRestore = maskWords(k, t);
    setMask(k, t, dv.getUint32(0, true), dv.getUint32(4, true));
  }
  // Always blocks; a deliverable signal turns the block into EINTR with its handler.
  return k.block(t, -1);
}

function pause(k: Kernel, t: Thread): number {
  return k.block(t, -1);
}

function rtSigtimedwait(k: Kernel, t: Thread, a: Float64Array): number {
  const ts = threadSignals(t);
  const pid = t.process.nativePid;
  if (a[3] !== 8) return -E.EINVAL;
  if (k.mem.read(pid, a[0], 8) !== 8) return -E.EFAULT;
  const dv = k.mem.view();
  const wlo = dv.getUint32(0, true),
    whi = dv.getUint32(4, true);
  const inSet = (s: number) => (s <= 32 ? ((wlo >>> (s - 1)) & 1) === 1 : ((whi >>> (s - 33)) & 1) === 1);
  let found = 0;
  for (const s of [
    ...(threadState.get(t)?.pending.keys() ?? []),
    ...(procState.get(t.process)?.pending.keys() ?? []),
  ].sort((x, y) => x - y)) {
    if (inSet(s)) {
      found = s;
      break;
    }
  }
  if (found !== 0) {
    ts.waitLo = 0;
    ts.waitHi = 0;
    const info = takePending(t, found);
    if (a[1] !== 0 && k.mem.writeBuf(pid, a[1], info, 0, 128) !== 128) return -E.EFAULT;
    return found;
  }
  if (t.wokenBy === 'timeout') {
    ts.waitLo = 0;
    ts.waitHi = 0;
    return -E.EAGAIN;
  }
  let deadline = t.deadlineNs;
  if (t.wokenBy === 'none') {
    deadline = -1;
    if (a[2] !== 0) {
      const ns = k.mem.readTimespecNs(pid, a[2]);
      if (ns === null) return -E.EFAULT;
      if (ns < 0) return -E.EINVAL;
      if (ns === 0) return -E.EAGAIN;
      deadline = k.now + ns;
    }
  }
  ts.waitLo = wlo;
  ts.waitHi = whi;
  t.waitCleanups.push(() => {
    ts.waitLo = 0;
    ts.waitHi = 0;
  });
  return k.block(t, deadline);
}

function killSyscall(k: Kernel, t: Thread, a: Float64Array): number {
  const pid = a[0] | 0,
    sig = a[1];
  if (sig < 0 || sig > NSIG) return -E.EINVAL;
  const host = t.process.host;
  const running = host.processes.filter((p) => p.state === 'running');
  let targets: Process[];
  if (pid > 0) targets = running.filter((p) => p.vpid === pid);
  else if (pid === 0) targets = running.filter((p) => p.pgid === t.process.pgid);
  else if (pid === -1) targets = running.filter((p) => p !== t.process);
  else targets = running.filter((p) => p.pgid === -pid);
  if (targets.length === 0) return -E.ESRCH;
  if (sig === 0) return 0;
  for (const p of targets) sendSignal(k, p, sig, siginfo(sig, SI_USER, t.process.vpid));
  return t.process.state === 'running' ? 0 : NO_REPLY;
}

function tgkill(k: Kernel, t: Thread, tgid: number, tid: number, sig: number): number {
  if (sig < 0 || sig > NSIG || tid <= 0) return -E.EINVAL;
  const target = k.findThread(t.process.host, tid);
  if (!target || (tgid > 0 && target.process.vpid !== tgid)) return -E.ESRCH;
  if (sig === 0) return 0;
  sendSignal(k, target, sig, siginfo(sig, SI_TKILL, t.process.vpid));
  return t.process.state === 'running' ? 0 : NO_REPLY;
}

// ---------------------------------------------------- alarm and itimers

function armItimer(k: Kernel, p: Process, valueNs: number, intervalNs: number): void {
  const it = procSignals(p).itimer;
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
  const it = procSignals(p).itimer;
  return it.ev ? Math.max(0, it.expiresNs - k.now) : 0;
}

function alarm(k: Kernel, t: Thread, a: Float64Array): number {
  const left = itimerRemaining(k, t.process);
  armItimer(k, t.process, a[0] * NS_PER_SEC, 0);
  if (left === 0) return 0;
  // Linux rounds the remaining time to the nearest second, and never reports 0 for a live timer.
  return Math.max(1, Math.round(left / NS_PER_SEC - 1e-9));
}

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
  return k.mem.writeScratch(t.process.nativePid, addr, 32) === 32;
}

function setitimer(k: Kernel, t: Thread, a: Float64Array): number {
  if (a[0] !== 0) return -E.EINVAL; // only ITIMER_REAL is simulated
  const p = t.process;
  const oldValue = itimerRemaining(k, p),
    oldInterval = procSignals(p).itimer.intervalNs;
  if (a[1] !== 0) {
    if (k.mem.read(p.nativePid, a[1], 32) !== 32) return -E.EFAULT;
    const dv = k.mem.view();
    const isec = dv.getUint32(0, true),
      iusec = dv.getUint32(8, true);
    const vsec = dv.getUint32(16, true),
      vusec = dv.getUint32(24, true);
    if (iusec >= 1e6 || vusec >= 1e6) return -E.EINVAL;
    armItimer(k, p, vsec * NS_PER_SEC + vusec * 1000, isec * NS_PER_SEC + iusec * 1000);
  }
  if (a[2] !== 0 && !writeItimerval(k, t, a[2], oldValue, oldInterval)) return -E.EFAULT;
  return 0;
}

function getitimer(k: Kernel, t: Thread, a: Float64Array): number {
  if (a[0] !== 0) return -E.EINVAL;
  const p = t.process;
  return writeItimerval(k, t, a[1], itimerRemaining(k, p), procSignals(p).itimer.intervalNs) ? 0 : -E.EFAULT;
}

// ---------------------------------------------------------- POSIX timers

const SIGEV_SIGNAL = 0,
  SIGEV_NONE = 1,
  SIGEV_THREAD_ID = 4;

function timerCreate(k: Kernel, t: Thread, a: Float64Array): number {
  const clock = a[0] | 0;
  if (clock < 0 || clock > 11 || clock === 2 || clock === 3) return -E.EINVAL;
  const p = t.process;
  const ps = procSignals(p);
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
  if (a[1] !== 0) {
    if (k.mem.read(p.nativePid, a[1], 64) !== 64) return -E.EFAULT;
    const dv = k.mem.view();
    tm.valueLo = dv.getUint32(0, true);
    tm.valueHi = dv.getUint32(4, true);
    tm.signo = dv.getInt32(8, true);
    tm.notify = dv.getInt32(12, true);
    tm.tid = dv.getInt32(16, true);
    if (tm.notify !== SIGEV_NONE && (tm.signo < 1 || tm.signo > NSIG)) return -E.EINVAL;
    if (tm.notify !== SIGEV_SIGNAL && tm.notify !== SIGEV_NONE && tm.notify !== SIGEV_THREAD_ID) return -E.EINVAL;
    if (tm.notify === SIGEV_THREAD_ID && !k.findThread(p.host, tm.tid)) return -E.EINVAL;
  }
  if (!k.mem.writeI32(p.nativePid, a[2], id)) return -E.EFAULT;
  ps.timers[id] = tm;
  return 0;
}

function timerOf(t: Thread, id: number): PosixTimer | undefined {
  return procSignals(t.process).timers[id];
}

function fireTimer(k: Kernel, p: Process, tm: PosixTimer): void {
  tm.ev = null;
  if (tm.notify !== SIGEV_NONE) {
    const info = siginfo(tm.signo, SI_TIMER, 0);
    const dv = new DataView(info.buffer);
    dv.setInt32(16, tm.id, true); // si_tid (timer id)
    dv.setInt32(20, tm.overrun, true);
    dv.setUint32(24, tm.valueLo, true);
    dv.setUint32(28, tm.valueHi, true);
    const target = tm.notify === SIGEV_THREAD_ID ? k.findThread(p.host, tm.tid) : undefined;
    sendSignal(k, target ?? p, tm.signo, info);
  }
  if (tm.intervalNs > 0 && p.state === 'running') {
    tm.expiresNs += tm.intervalNs;
    tm.ev = k.sched.at(tm.expiresNs, p.host.id, () => fireTimer(k, p, tm));
  }
}

function timerSettime(k: Kernel, t: Thread, a: Float64Array): number {
  const tm = timerOf(t, a[0]);
  if (!tm) return -E.EINVAL;
  const pid = t.process.nativePid;
  if (k.mem.read(pid, a[2], 32) !== 32) return -E.EFAULT;
  const dv = k.mem.view();
  const isec = dv.getUint32(0, true),
    insec = dv.getUint32(8, true);
  const vsec = dv.getUint32(16, true),
    vnsec = dv.getUint32(24, true);
  if (insec >= NS_PER_SEC || vnsec >= NS_PER_SEC) return -E.EINVAL;
  const oldLeft = tm.ev ? tm.expiresNs - k.now : 0,
    oldInterval = tm.intervalNs;
  if (tm.ev) tm.ev.cancelled = true;
  tm.ev = null;
  tm.intervalNs = isec * NS_PER_SEC + insec;
  tm.overrun = 0;
  if (vsec !== 0 || vnsec !== 0) {
    const TIMER_ABSTIME = 1;
    tm.expiresNs =
      (a[1] & TIMER_ABSTIME) !== 0
        ? Math.max(k.now, absoluteToSimNs(0, vsec, vnsec))
        : k.now + vsec * NS_PER_SEC + vnsec;
    const p = t.process;
    tm.ev = k.sched.at(tm.expiresNs, p.host.id, () => fireTimer(k, p, tm));
  }
  if (a[3] !== 0 && !writeItimerspec(k, t, a[3], oldInterval, Math.max(0, oldLeft))) return -E.EFAULT;
  return 0;
}

/** struct itimerspec {interval, value} of timespecs. */
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
  return k.mem.writeScratch(t.process.nativePid, addr, 32) === 32;
}

function timerGettime(k: Kernel, t: Thread, a: Float64Array): number {
  const tm = timerOf(t, a[0]);
  if (!tm) return -E.EINVAL;
  const left = tm.ev ? Math.max(0, tm.expiresNs - k.now) : 0;
  return writeItimerspec(k, t, a[1], tm.intervalNs, left) ? 0 : -E.EFAULT;
}

function timerDelete(_k: Kernel, t: Thread, a: Float64Array): number {
  const ps = procSignals(t.process);
  const tm = ps.timers[a[0]];
  if (!tm) return -E.EINVAL;
  if (tm.ev) tm.ev.cancelled = true;
  ps.timers[a[0]] = undefined;
  return 0;
}

// --------------------------------------------------------------- signalfd

class SignalFd implements SimFile {
  readonly kind = 'signalfd';
  refs = 0;
  statusFlags = 0;
  readonly watchers = new Watchers();
  readonly statMode = 0o600;
  constructor(
    readonly process: Process,
    public maskLo: number,
    public maskHi: number,
  ) {}

  private wants(s: number): boolean {
    return s <= 32 ? ((this.maskLo >>> (s - 1)) & 1) === 1 : ((this.maskHi >>> (s - 33)) & 1) === 1;
  }

  private first(t: Thread): number {
    const all = [...(threadState.get(t)?.pending.keys() ?? []), ...(procState.get(this.process)?.pending.keys() ?? [])];
    return all.filter((s) => this.wants(s)).sort((x, y) => x - y)[0] ?? 0;
  }

  poll(): number {
    const ps = procState.get(this.process);
    let any = false;
    ps?.pending.forEach((_v, s) => (any ||= this.wants(s)));
    for (const th of this.process.threads) threadState.get(th)?.pending.forEach((_v, s) => (any ||= this.wants(s)));
    return any ? EPOLLIN : 0;
  }

  read(k: Kernel, t: Thread, _d: Descriptor, bufAddr: number, len: number): number {
    if (len < 128) return -E.EINVAL;
    let n = 0;
    while (n + 128 <= len) {
      const s = this.first(t);
      if (s === 0) break;
      const info = takePending(t, s);
      // struct signalfd_siginfo: signo, errno, code, pid, uid, fd, tid, band, overrun, trapno, status, int, ptr ...
      const out = new Uint8Array(128);
      const o = new DataView(out.buffer);
      const i = new DataView(info.buffer, info.byteOffset, 128);
      o.setUint32(0, i.getInt32(0, true), true);
      o.setInt32(8, i.getInt32(8, true), true);
      o.setUint32(12, i.getInt32(16, true), true); // ssi_pid
      o.setUint32(16, i.getInt32(20, true), true); // ssi_uid
      o.setInt32(40, i.getInt32(24, true), true); // ssi_status
      if (k.mem.writeBuf(t.process.nativePid, bufAddr + n, out, 0, 128) !== 128) return n > 0 ? n : -E.EFAULT;
      n += 128;
    }
    return n > 0 ? n : -E.EAGAIN;
  }

  release(): void {
    const list = procSignals(this.process).signalfds;
    const i = list.indexOf(this);
    if (i >= 0) list.splice(i, 1);
  }
}

function signalfd4(k: Kernel, t: Thread, fd: number, maskAddr: number, size: number, flags: number): number {
  if (size !== 8) return -E.EINVAL;
  if ((flags & ~(O_NONBLOCK | O_CLOEXEC)) !== 0) return -E.EINVAL;
  if (k.mem.read(t.process.nativePid, maskAddr, 8) !== 8) return -E.EFAULT;
  const dv = k.mem.view();
  const lo = dv.getUint32(0, true),
    hi = dv.getUint32(4, true);
  if (fd !== -1) {
    const d = t.process.fds.get(fd);
    if (!d || d.file.kind !== 'signalfd') return -E.EINVAL;
    const f = d.file as SignalFd;
    f.maskLo = lo;
    f.maskHi = hi;
    f.watchers.notify();
    return fd;
  }
  const f = new SignalFd(t.process, lo, hi);
  f.statusFlags = flags & O_NONBLOCK;
  const r = installFile(k, t, f, (flags & O_CLOEXEC) !== 0);
  if (r >= 0) procSignals(t.process).signalfds.push(f);
  return r;
}

// ------------------------------------------------------ process lifecycle

/** fork: the child gets the parent's dispositions and the forking thread's mask. */
export function inheritSignals(k: Kernel, parent: Thread, child: Process, childThread: Thread): void {
  const ps = procSignals(parent.process);
  const cs = procSignals(child);
  cs.actions = ps.actions.map((a) => ({ ...a }));
  const [lo, hi] = maskWords(k, parent);
  setMask(k, childThread, lo, hi);
}

/** A new thread starts with its creator's mask. */
export function inheritThreadMask(k: Kernel, parent: Thread, child: Thread): void {
  const [lo, hi] = maskWords(k, parent);
  setMask(k, child, lo, hi);
}

/** execve: handled signals go back to their default; the mask stays. */
export function execSignals(k: Kernel, oldThread: Thread, p: Process, newThread: Thread): void {
  const ps = procSignals(p);
  ps.actions = ps.actions.map((a) =>
    a.handler === SIG_IGN ? a : { handler: SIG_DFL, flags: 0, restorer: 0, maskLo: 0, maskHi: 0 },
  );
  const [lo, hi] = maskWords(k, oldThread);
  setMask(k, newThread, lo, hi);
}

/** SIGCHLD for a parent whose child ended. */
export function childEnded(k: Kernel, parent: Process, child: Process): void {
  const st = child.forcedSignal !== 0 ? child.forcedSignal : child.waitStatus;
  const signaled = child.forcedSignal !== 0 || (st & 0x7f) !== 0;
  const info = siginfo(SIGCHLD, signaled ? ((st & 0x80) !== 0 ? CLD_DUMPED : CLD_KILLED) : CLD_EXITED, child.vpid);
  new DataView(info.buffer).setInt32(24, signaled ? st & 0x7f : (st >> 8) & 0xff, true);
  if (child.exitSignal > 0) sendSignal(k, parent, child.exitSignal, info);
}

export function registerSignals(k: Kernel): void {
  k.registerLegacy(SYS.rt_sigaction, rtSigaction);
  k.registerLegacy(SYS.rt_sigprocmask, rtSigprocmask);
  k.registerLegacy(SYS.rt_sigpending, rtSigpending);
  k.registerLegacy(SYS.rt_sigsuspend, rtSigsuspend);
  k.registerLegacy(SYS.pause, pause);
  k.registerLegacy(SYS.rt_sigtimedwait, rtSigtimedwait);
  k.registerLegacy(SYS.kill, killSyscall);
  k.registerLegacy(SYS.tgkill, (kk, t, a) => tgkill(kk, t, a[0], a[1], a[2]));
  k.registerLegacy(SYS.tkill, (kk, t, a) => tgkill(kk, t, -1, a[0], a[1]));
  k.registerLegacy(SYS.alarm, alarm);
  k.registerLegacy(SYS.setitimer, setitimer);
  k.registerLegacy(SYS.getitimer, getitimer);
  k.registerLegacy(SYS.timer_create, timerCreate);
  k.registerLegacy(SYS.timer_settime, timerSettime);
  k.registerLegacy(SYS.timer_gettime, timerGettime);
  k.registerLegacy(SYS.timer_getoverrun, (_k, t, a) => timerOf(t, a[0])?.overrun ?? -E.EINVAL);
  k.registerLegacy(SYS.timer_delete, timerDelete);
  k.registerLegacy(SYS.signalfd4, (kk, t, a) => signalfd4(kk, t, a[0] | 0, a[1], a[2], a[3]));
  k.registerLegacy(SYS.signalfd, (kk, t, a) => signalfd4(kk, t, a[0] | 0, a[1], a[2], 0));
  // The shim's own signal stack handling is native; the program's is kept natively too.
  k.registerLegacy(SYS.sigaltstack, () => DO_NATIVE);
  k.registerLegacy(PSEUDO_SYS.SIGRETURN, (kk, t) => {
    const [lo, hi] = kk.argWords(t, 0);
    setMask(kk, t, lo, hi);
    return 0;
  });
  k.registerLegacy(PSEUDO_SYS.FAULT, (kk, t, a) => {
    const sig = a[0];
    const info = new Uint8Array(128);
    if (kk.mem.readBuf(t.process.nativePid, a[1], info, 0, 128) !== 128) info.set(siginfo(sig, SI_KERNEL, 0));
    // A fault the program blocks or ignores still kills it, as on Linux.
    const ps = procSignals(t.process);
    if (blocked(kk, t, sig) || ps.actions[sig].handler === SIG_IGN)
      ps.actions[sig] = { handler: SIG_DFL, flags: 0, restorer: 0, maskLo: 0, maskHi: 0 };
    setMask(
      kk,
      t,
      ...(maskWords(kk, t).map((w, i) => (i === (sig <= 32 ? 0 : 1) ? w & ~bitOf(sig)[i] : w)) as [number, number]),
    );
    threadSignals(t).pending.set(sig, info);
    return 0;
  });
  k.signals = {
    hasDeliverable: (t) => hasDeliverable(k, t),
    prepareDelivery: (t, nr, interrupted) => prepareDelivery(k, t, nr, interrupted) !== NO_REPLY,
    send: (target, sig) => sendSignal(k, target, sig, siginfo(sig, SI_USER, 1)),
  };
}
