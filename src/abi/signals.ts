// Linux x86-64 signal constants (signal(7), sigaction(2), siginfo_t codes) and
// helpers for a 64-signal sigset_t held as two u32 words, the way it sits in
// user memory and in the shim's channel.

export const SIGHUP = 1,
  SIGINT = 2,
  SIGQUIT = 3,
  SIGILL = 4,
  SIGTRAP = 5,
  SIGABRT = 6,
  SIGBUS = 7,
  SIGFPE = 8,
  SIGKILL = 9,
  SIGUSR1 = 10,
  SIGSEGV = 11,
  SIGUSR2 = 12,
  SIGPIPE = 13,
  SIGALRM = 14,
  SIGTERM = 15,
  SIGSTKFLT = 16,
  SIGCHLD = 17,
  SIGCONT = 18,
  SIGSTOP = 19,
  SIGTSTP = 20,
  SIGTTIN = 21,
  SIGTTOU = 22,
  SIGURG = 23,
  SIGXCPU = 24,
  SIGXFSZ = 25,
  SIGVTALRM = 26,
  SIGPROF = 27,
  SIGWINCH = 28,
  SIGIO = 29,
  SIGPWR = 30,
  SIGSYS = 31;

/** Highest signal number (real-time signals end here); signals are 1..NSIG. */
export const NSIG = 64;

/** Size in bytes of the kernel's sigset_t, the only sigsetsize the rt_sig* calls accept. */
export const SIGSET_SIZE_BYTES = 8;

/** Size in bytes of siginfo_t. */
export const SIGINFO_SIZE_BYTES = 128;

/** Dispositions (sa_handler values that are not addresses). */
export const SIG_DFL = 0,
  SIG_IGN = 1;

/** rt_sigprocmask `how`. */
export const SIG_BLOCK = 0,
  SIG_UNBLOCK = 1,
  SIG_SETMASK = 2;

/** sa_flags. */
export const SA_NOCLDSTOP = 0x1,
  SA_NOCLDWAIT = 0x2,
  SA_SIGINFO = 0x4,
  SA_RESTORER = 0x04000000,
  SA_ONSTACK = 0x08000000,
  SA_RESTART = 0x10000000,
  SA_NODEFER = 0x40000000,
  SA_RESETHAND = 0x80000000;

/** si_code values for signals sent by a process or the kernel. */
export const SI_USER = 0,
  SI_KERNEL = 0x80,
  SI_TIMER = -2,
  SI_TKILL = -6;

/** si_code values of SIGCHLD. */
export const CLD_EXITED = 1,
  CLD_KILLED = 2,
  CLD_DUMPED = 3;

/** sigevent notification kinds (timer_create). */
export const SIGEV_SIGNAL = 0,
  SIGEV_NONE = 1,
  SIGEV_THREAD_ID = 4;

/** Byte offsets of siginfo_t fields this simulator fills (the _kill, _timer and _sigchld unions). */
export const SIGINFO_OFF = {
  signo: 0,
  code: 8,
  pid: 16,
  /** _timer.si_tid overlaps si_pid. */
  timerId: 16,
  uid: 20,
  /** _timer.si_overrun overlaps si_uid. */
  overrun: 20,
  /** _sigchld.si_status; _timer.si_value starts here too. */
  status: 24,
  value: 24,
} as const;

/** True for a signal number the kernel accepts (1..NSIG). */
export function isValidSignal(sig: number): boolean {
  return Number.isInteger(sig) && sig >= 1 && sig <= NSIG;
}

// ---------------------------------------------------------------- sigsets

/** Which u32 word of a sigset holds sig: 0 for 1..32, 1 for 33..64. */
export function sigWord(sig: number): 0 | 1 {
  return sig <= 32 ? 0 : 1;
}

/** sig's bit within its word (unsigned). */
export function sigBit(sig: number): number {
  return (1 << ((sig - 1) & 31)) >>> 0;
}

/** Whether the set (lo, hi) contains sig. */
export function sigsetHas(lo: number, hi: number, sig: number): boolean {
  return ((sig <= 32 ? lo : hi) & sigBit(sig)) !== 0;
}

/** Low word of a set without the signals no mask can hold (SIGKILL and SIGSTOP). */
export function withoutUnblockable(lo: number): number {
  return (lo & ~(sigBit(SIGKILL) | sigBit(SIGSTOP))) >>> 0;
}

/** A mutable sigset_t: bit sig-1 of the 64-bit value, as two unsigned words. */
export class SigSet {
  lo = 0;
  hi = 0;

  has(sig: number): boolean {
    return sigsetHas(this.lo, this.hi, sig);
  }

  add(sig: number): void {
    if (sig <= 32) this.lo = (this.lo | sigBit(sig)) >>> 0;
    else this.hi = (this.hi | sigBit(sig)) >>> 0;
  }

  delete(sig: number): void {
    if (sig <= 32) this.lo = (this.lo & ~sigBit(sig)) >>> 0;
    else this.hi = (this.hi & ~sigBit(sig)) >>> 0;
  }

  set(lo: number, hi: number): void {
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  clear(): void {
    this.lo = 0;
    this.hi = 0;
  }

  isEmpty(): boolean {
    return this.lo === 0 && this.hi === 0;
  }
}
