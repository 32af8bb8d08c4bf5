// The emulated signal state a process and each of its threads own:
// dispositions, pending signals with their siginfo, interval and POSIX timers,
// open signalfds. Only bookkeeping lives here; sending and delivery are in
// kernel/signals.ts, the timers' behaviour in kernel/timers.ts.
import type { SignalFd } from '../files/signalfd';
import type { IntervalTimer, PosixTimer } from '../kernel/timers';
import { NSIG, SI_KERNEL, SIG_DFL, SIG_IGN, SIGINFO_OFF, SIGINFO_SIZE_BYTES, SigSet, sigsetHas } from '../abi/signals';
import type { Thread } from './thread';

/** A disposition as rt_sigaction sees it (struct kernel_sigaction). */
export interface SigAction {
  handler: number;
  flags: number;
  restorer: number;
  maskLo: number;
  maskHi: number;
}

function defaultAction(): SigAction {
  return { handler: SIG_DFL, flags: 0, restorer: 0, maskLo: 0, maskHi: 0 };
}

/** A zeroed siginfo_t with signo, code, pid and uid set. */
export function siginfo(sig: number, code: number, pid: number, uid = 0): Uint8Array {
  const b = new Uint8Array(SIGINFO_SIZE_BYTES);
  const dv = new DataView(b.buffer);
  dv.setInt32(SIGINFO_OFF.signo, sig, true);
  dv.setInt32(SIGINFO_OFF.code, code, true);
  dv.setInt32(SIGINFO_OFF.pid, pid, true);
  dv.setInt32(SIGINFO_OFF.uid, uid, true);
  return b;
}

/** Signal state shared by the threads of a process. */
export class ProcessSignals {
  /** Disposition per signal number (index 0 unused). */
  private actions: SigAction[] = [];
  /** Process-directed pending signals and their siginfo (one per signal: standard-signal semantics). */
  readonly pending = new Map<number, Uint8Array>();
  /** ITIMER_REAL (alarm, setitimer), made on first use (kernel/timers.ts intervalTimerOf). */
  itimer: IntervalTimer | null = null;
  /** timer_create timers by id; a deleted id is undefined and reused. */
  readonly timers: Array<PosixTimer | undefined> = [];
  /** Open signalfds of the process, told when a signal becomes pending. */
  readonly signalfds: SignalFd[] = [];

  constructor() {
    for (let i = 0; i <= NSIG; i++) this.actions.push(defaultAction());
  }

  action(sig: number): SigAction {
    return this.actions[sig];
  }

  setAction(sig: number, a: SigAction): void {
    this.actions[sig] = a;
  }

  resetAction(sig: number): void {
    this.actions[sig] = defaultAction();
  }

  /** fork: the child starts with copies of the parent's dispositions. */
  inheritActions(parent: ProcessSignals): void {
    this.actions = parent.actions.map((a) => ({ ...a }));
  }

  /** execve: caught signals go back to the default (the handlers are gone); ignored ones stay ignored. */
  resetHandledActions(): void {
    this.actions = this.actions.map((a) => (a.handler === SIG_IGN ? a : defaultAction()));
  }

  /** Wakes the readers of the process's signalfds (a signal became pending or the set changed). */
  notifySignalfds(): void {
    for (const f of this.signalfds) f.watchers.notify();
  }
}

/** Signal state of one thread. */
export class ThreadSignals {
  /** Thread-directed pending signals (tgkill, faults, SIGEV_THREAD_ID timers). */
  readonly pending = new Map<number, Uint8Array>();
  /** Set while in rt_sigtimedwait: these signals wake the thread even when blocked. */
  readonly waitSet = new SigSet();
  /** Mask to restore after the handler that ends an rt_sigsuspend, when `suspended`. */
  readonly suspendRestore = new SigSet();
  suspended = false;
}

/** The lowest signal in the set (lo, hi) pending for t, directed at it or at its process; 0 if none. */
export function lowestPendingIn(t: Thread, lo: number, hi: number): number {
  let best = 0;
  for (const s of t.signals.pending.keys()) if ((best === 0 || s < best) && sigsetHas(lo, hi, s)) best = s;
  for (const s of t.process.signals.pending.keys()) if ((best === 0 || s < best) && sigsetHas(lo, hi, s)) best = s;
  return best;
}

/** Removes pending sig from t (its own set first, then its process's) and returns its siginfo. */
export function takePending(t: Thread, sig: number): Uint8Array {
  const ts = t.signals;
  const fromThread = ts.pending.get(sig);
  if (fromThread) {
    ts.pending.delete(sig);
    return fromThread;
  }
  const ps = t.process.signals;
  const info = ps.pending.get(sig) ?? siginfo(sig, SI_KERNEL, 0);
  ps.pending.delete(sig);
  return info;
}
