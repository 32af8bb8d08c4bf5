// timerfd_create/settime/gettime: decode clocks, flags and struct
// itimerspec, and drive a TimerFd (src/files/timerfd.ts); reads reach it
// through fd.ts.
import {
  CLOCK_BOOTTIME,
  CLOCK_BOOTTIME_ALARM,
  CLOCK_MONOTONIC,
  CLOCK_REALTIME,
  CLOCK_REALTIME_ALARM,
  TIMER_ABSTIME,
} from '../abi/time';
import { NS_PER_SEC } from '../core/time';
import { E } from '../abi/errno';
import { SYS } from '../abi/syscalls';
import { O_CLOEXEC, O_NONBLOCK } from '../abi/fcntl';
import type { Kernel } from '../kernel/kernel';
import { Outcome, SyscallCall } from '../kernel/call';
import { descriptor, installFile, nativeFdOpen } from '../files/descriptors';
import { TimerFd } from '../files/timerfd';

/** timerfd_settime flags (TFD_TIMER_ABSTIME is TIMER_ABSTIME's value). */
const TFD_TIMER_ABSTIME = TIMER_ABSTIME,
  TFD_TIMER_CANCEL_ON_SET = 2;
const ITIMERSPEC_SIZE = 32;
const TWO32 = 4294967296;

function timerfdCreate(c: SyscallCall): Outcome {
  const clock = c.int(0);
  const flags = c.int(1);
  if (clock === CLOCK_REALTIME_ALARM || clock === CLOCK_BOOTTIME_ALARM) return c.err(E.EPERM); // needs CAP_WAKE_ALARM
  if (clock !== CLOCK_REALTIME && clock !== CLOCK_MONOTONIC && clock !== CLOCK_BOOTTIME) return c.err(E.EINVAL);
  if ((flags & ~(O_NONBLOCK | O_CLOEXEC)) !== 0) return c.err(E.EINVAL);
  const f = new TimerFd(c.k.sched, c.t.process.host.id, clock, c.t.process.host.realtime);
  f.statusFlags = flags & O_NONBLOCK;
  return c.result(installFile(c.k, c.t, f, (flags & O_CLOEXEC) !== 0));
}

/** The timer behind fd, or the errno Linux gives (EBADF when not open, EINVAL for other kinds). */
function timerOf(c: SyscallCall, fd: number): TimerFd | number {
  const d = descriptor(c.t, fd);
  if (!d) return nativeFdOpen(c.k, c.t, fd) ? E.EINVAL : E.EBADF;
  return d.file instanceof TimerFd ? d.file : E.EINVAL;
}

/** Writes struct itimerspec {interval, value} at addr. */
function writeItimerspec(k: Kernel, pid: number, addr: number, valueNs: number, intervalNs: number): boolean {
  const dv = k.mem.view();
  putTimespec(dv, 0, intervalNs);
  putTimespec(dv, 16, valueNs);
  return k.mem.writeScratch(pid, addr, ITIMERSPEC_SIZE) === ITIMERSPEC_SIZE;
}

function putTimespec(dv: DataView, off: number, ns: number): void {
  const sec = Math.floor(ns / NS_PER_SEC);
  dv.setUint32(off, sec >>> 0, true);
  dv.setUint32(off + 4, Math.floor(sec / TWO32), true);
  dv.setUint32(off + 8, ns - sec * NS_PER_SEC, true);
  dv.setUint32(off + 12, 0, true);
}

/** A signed 64-bit field of the struct just read (exact below 2^53). */
function i64At(dv: DataView, off: number): number {
  return dv.getInt32(off + 4, true) * TWO32 + dv.getUint32(off, true);
}

function validTimespec(sec: number, nsec: number): boolean {
  return sec >= 0 && nsec >= 0 && nsec < NS_PER_SEC;
}

function timerfdSettime(c: SyscallCall): Outcome {
  const { k, t } = c;
  const pid = t.process.nativePid;
  const flags = c.int(1);
  if (k.mem.read(pid, c.ptr(2), ITIMERSPEC_SIZE) !== ITIMERSPEC_SIZE) return c.err(E.EFAULT);
  // struct itimerspec: interval {sec, nsec}, value {sec, nsec}. Seconds stay apart
  // from nanoseconds: an absolute time in Unix-epoch nanoseconds exceeds 2^53.
  const dv = k.mem.view();
  const intervalSec = i64At(dv, 0);
  const intervalNsec = i64At(dv, 8);
  const valueSec = i64At(dv, 16);
  const valueNsec = i64At(dv, 24);
  if ((flags & ~(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)) !== 0) return c.err(E.EINVAL);
  if (!validTimespec(intervalSec, intervalNsec) || !validTimespec(valueSec, valueNsec)) return c.err(E.EINVAL);
  const tf = timerOf(c, c.int(0));
  if (typeof tf === 'number') return c.err(tf);
  const oldValue = tf.remainingNs();
  const oldInterval = tf.periodNs;
  // The simulated clock is never set, so TFD_TIMER_CANCEL_ON_SET never cancels.
  tf.set((flags & TFD_TIMER_ABSTIME) !== 0, valueSec, valueNsec, intervalSec * NS_PER_SEC + intervalNsec);
  // Like Linux, a bad old_value pointer fails the call after the new setting took effect.
  const oldAddr = c.ptr(3);
  if (oldAddr !== 0 && !writeItimerspec(k, pid, oldAddr, oldValue, oldInterval)) return c.err(E.EFAULT);
  return c.ok(0);
}

function timerfdGettime(c: SyscallCall): Outcome {
  const tf = timerOf(c, c.int(0));
  if (typeof tf === 'number') return c.err(tf);
  const value = tf.remainingNs();
  return writeItimerspec(c.k, c.t.process.nativePid, c.ptr(1), value, tf.periodNs) ? c.ok(0) : c.err(E.EFAULT);
}

export function registerTimerfd(k: Kernel): void {
  k.register(SYS.timerfd_create, timerfdCreate);
  k.register(SYS.timerfd_settime, timerfdSettime);
  k.register(SYS.timerfd_gettime, timerfdGettime);
}
