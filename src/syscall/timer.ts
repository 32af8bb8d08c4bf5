// Timer syscalls that end in a signal: alarm, setitimer/getitimer (ITIMER_REAL)
// and the POSIX timer_* calls. They decode struct itimerval, itimerspec and
// sigevent and drive the process's timers (kernel/timers.ts).
import { NS_PER_SEC } from '../core/time';
import type { Thread } from '../host/thread';
import { E } from '../abi/errno';
import type { Kernel } from '../kernel/kernel';
import type { Outcome, SyscallCall } from '../kernel/call';
import { SYS } from '../abi/syscalls';
import { isValidSignal, SIGALRM, SIGEV_NONE, SIGEV_SIGNAL, SIGEV_THREAD_ID } from '../abi/signals';
import {
  CLOCK_ID_MAX,
  CLOCK_PROCESS_CPUTIME_ID,
  CLOCK_THREAD_CPUTIME_ID,
  ITIMER_REAL,
  TIMER_ABSTIME,
} from '../abi/time';
import { createTimer, deleteTimer, freeTimerId, intervalTimerOf, timerOf } from '../kernel/timers';
import type { TimerNotify } from '../kernel/timers';

/** struct sigevent (timer_create) and the fields read from it. */
const SIGEVENT_BYTES = 64;
const SIGEV = { value: 0, signo: 8, notify: 12, tid: 16 } as const;

/** struct itimerval / itimerspec: two {sec, usec|nsec} pairs of 8-byte fields. */
const ITIMER_BYTES = 32;

// ---------------------------------------------------- alarm and itimers

/** alarm(seconds): returns the seconds left of the previous alarm. */
function alarm(c: SyscallCall): Outcome {
  const it = intervalTimerOf(c.k, c.t.process);
  const leftNs = it.remainingNs();
  it.arm(c.u32(0) * NS_PER_SEC, 0);
  if (leftNs === 0) return c.ok(0);
  // Linux rounds the remaining time to the nearest second, and never reports 0 for a live timer.
  return c.ok(Math.max(1, Math.round(leftNs / NS_PER_SEC - 1e-9)));
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
  const it = intervalTimerOf(k, p);
  const oldValueNs = it.remainingNs(),
    oldIntervalNs = it.intervalNs;
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
    it.arm(vsec * NS_PER_SEC + vusec * 1000, isec * NS_PER_SEC + iusec * 1000);
  }
  if (oldAddr !== 0 && !writeItimerval(k, t, oldAddr, oldValueNs, oldIntervalNs)) return c.err(E.EFAULT);
  return c.ok(0);
}

/** getitimer(which, value). */
function getitimer(c: SyscallCall): Outcome {
  const { k, t } = c;
  if (c.int(0) !== ITIMER_REAL) return c.err(E.EINVAL);
  const it = intervalTimerOf(k, t.process);
  const ok = writeItimerval(k, t, c.ptr(1), it.remainingNs(), it.intervalNs);
  return ok ? c.ok(0) : c.err(E.EFAULT);
}

// ---------------------------------------------------------- POSIX timers

/** timer_create(clock, sevp, timerid): every clock up to CLOCK_TAI except the CPU-time ones. */
function timerCreate(c: SyscallCall): Outcome {
  const { k, t } = c;
  const clock = c.int(0);
  if (clock < 0 || clock > CLOCK_ID_MAX || clock === CLOCK_PROCESS_CPUTIME_ID || clock === CLOCK_THREAD_CPUTIME_ID)
    return c.err(E.EINVAL);
  const p = t.process;
  const id = freeTimerId(p);
  // Without a sigevent: SIGALRM to the process, with the timer id as si_value.
  const how: TimerNotify = { notify: SIGEV_SIGNAL, signo: SIGALRM, tid: 0, valueLo: id, valueHi: 0 };
  const sevAddr = c.ptr(1);
  if (sevAddr !== 0) {
    if (k.mem.read(p.nativePid, sevAddr, SIGEVENT_BYTES) !== SIGEVENT_BYTES) return c.err(E.EFAULT);
    const dv = k.mem.view();
    how.valueLo = dv.getUint32(SIGEV.value, true);
    how.valueHi = dv.getUint32(SIGEV.value + 4, true);
    how.signo = dv.getInt32(SIGEV.signo, true);
    how.notify = dv.getInt32(SIGEV.notify, true);
    how.tid = dv.getInt32(SIGEV.tid, true);
    if (how.notify !== SIGEV_NONE && !isValidSignal(how.signo)) return c.err(E.EINVAL);
    if (how.notify !== SIGEV_SIGNAL && how.notify !== SIGEV_NONE && how.notify !== SIGEV_THREAD_ID)
      return c.err(E.EINVAL);
    if (how.notify === SIGEV_THREAD_ID && !k.findThread(p.host, how.tid)) return c.err(E.EINVAL);
  }
  if (!k.mem.writeI32(p.nativePid, c.ptr(2), id)) return c.err(E.EFAULT);
  createTimer(k, p, id, clock, how);
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

/** timer_settime(timerid, flags, new, old): an absolute value is a reading of the timer's clock. */
function timerSettime(c: SyscallCall): Outcome {
  const { k, t } = c;
  const tm = timerOf(t.process, c.int(0));
  if (!tm) return c.err(E.EINVAL);
  if (k.mem.read(t.process.nativePid, c.ptr(2), ITIMER_BYTES) !== ITIMER_BYTES) return c.err(E.EFAULT);
  const dv = k.mem.view();
  const isec = dv.getUint32(0, true),
    insec = dv.getUint32(8, true);
  const vsec = dv.getUint32(16, true),
    vnsec = dv.getUint32(24, true);
  if (insec >= NS_PER_SEC || vnsec >= NS_PER_SEC) return c.err(E.EINVAL);
  const oldLeftNs = tm.remainingNs(),
    oldIntervalNs = tm.intervalNs;
  tm.set((c.int(1) & TIMER_ABSTIME) !== 0, vsec, vnsec, isec * NS_PER_SEC + insec);
  const oldAddr = c.ptr(3);
  if (oldAddr !== 0 && !writeItimerspec(k, t, oldAddr, oldIntervalNs, oldLeftNs)) return c.err(E.EFAULT);
  return c.ok(0);
}

/** timer_gettime(timerid, curr). */
function timerGettime(c: SyscallCall): Outcome {
  const { k, t } = c;
  const tm = timerOf(t.process, c.int(0));
  if (!tm) return c.err(E.EINVAL);
  return writeItimerspec(k, t, c.ptr(1), tm.intervalNs, tm.remainingNs()) ? c.ok(0) : c.err(E.EFAULT);
}

/** timer_getoverrun(timerid). */
function timerGetoverrun(c: SyscallCall): Outcome {
  const tm = timerOf(c.t.process, c.int(0));
  return tm ? c.ok(tm.overrun) : c.err(E.EINVAL);
}

/** timer_delete(timerid). */
function timerDelete(c: SyscallCall): Outcome {
  const p = c.t.process;
  const tm = timerOf(p, c.int(0));
  if (!tm) return c.err(E.EINVAL);
  deleteTimer(p, tm);
  return c.ok(0);
}

export function registerTimers(k: Kernel): void {
  k.register(SYS.alarm, alarm);
  k.register(SYS.setitimer, setitimer);
  k.register(SYS.getitimer, getitimer);
  k.register(SYS.timer_create, timerCreate);
  k.register(SYS.timer_settime, timerSettime);
  k.register(SYS.timer_gettime, timerGettime);
  k.register(SYS.timer_getoverrun, timerGetoverrun);
  k.register(SYS.timer_delete, timerDelete);
}
