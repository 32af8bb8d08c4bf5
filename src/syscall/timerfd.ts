// timerfd: timers in simulated time behind a descriptor. Expirations are
// counted lazily from the arming time and period (exact, however late the
// reader), and one scheduler event per "becomes readable" wakes the waiters.
import type { SimEvent } from '../core/event-queue';
import type { Scheduler } from '../core/scheduler';
import { absoluteToSimNs, MAX_SIM_TIME, NS_PER_SEC } from '../core/time';
import type { Descriptor } from '../host/fd-table';
import type { Thread } from '../host/thread';
import { E } from '../abi/errno';
import {
  descriptor,
  EPOLLIN,
  installFile,
  nativeFdOpen,
  O_CLOEXEC,
  O_NONBLOCK,
  SimFile,
  Watchers,
} from '../files/file';
import type { Kernel } from '../kernel/kernel';
import { SYS } from '../abi/syscalls';

const CLOCK_REALTIME = 0,
  CLOCK_MONOTONIC = 1,
  CLOCK_BOOTTIME = 7;
const CLOCK_REALTIME_ALARM = 8,
  CLOCK_BOOTTIME_ALARM = 9;
const TFD_TIMER_ABSTIME = 1,
  TFD_TIMER_CANCEL_ON_SET = 2;

export class TimerFd implements SimFile {
  readonly kind = 'timerfd';
  refs = 0;
  statusFlags = 0;
  readonly statMode = 0o600;
  readonly watchers = new Watchers();
  private armed = false;
  /** Next expiration not yet counted (simulated ns; may lie in the past until settled). */
  private nextNs = 0;
  private intervalNs = 0;
  /** Expirations counted and not yet read. */
  private ticks = 0;
  private event: SimEvent | null = null;
  private readonly fire = (): void => {
    this.event = null;
    this.settle();
    if (this.ticks > 0) this.watchers.notify();
    else this.schedule();
  };

  constructor(
    private readonly sched: Scheduler,
    private readonly hostId: number,
    readonly clockId: number,
  ) {}

  /** Counts every expiration up to now (Linux forwards an interval timer the same way on read). */
  private settle(): void {
    if (!this.armed) return;
    const now = this.sched.nowNs;
    if (now < this.nextNs) return;
    if (this.intervalNs === 0) {
      this.ticks++;
      this.armed = false;
      return;
    }
    const n = Math.floor((now - this.nextNs) / this.intervalNs) + 1;
    this.ticks += n;
    this.nextNs += n * this.intervalNs;
  }

  /** Keeps one event pending while armed and unread ticks are 0: readiness only changes then. */
  private schedule(): void {
    if (this.event) {
      this.event.cancelled = true;
      this.event = null;
    }
    if (!this.armed || this.ticks > 0) return;
    const at = Math.min(Math.max(this.nextNs, this.sched.nowNs), MAX_SIM_TIME);
    this.event = this.sched.at(at, this.hostId, this.fire);
  }

  /** Remaining time and interval, as timerfd_gettime reports them. */
  current(): [number, number] {
    this.settle();
    if (!this.armed) return [0, 0];
    return [this.nextNs - this.sched.nowNs, this.intervalNs];
  }

  /** Arms the timer: first expiration at atNs (simulated; may be past), then every intervalNs (0: once). */
  arm(atNs: number, intervalNs: number): void {
    this.ticks = 0;
    this.armed = true;
    this.nextNs = atNs;
    this.intervalNs = intervalNs;
    this.schedule();
  }

  disarm(): void {
    this.ticks = 0;
    this.armed = false;
    this.schedule();
  }

  read(k: Kernel, t: Thread, _d: Descriptor, bufAddr: number, len: number): number {
    if (len < 8) return -E.EINVAL;
    this.settle();
    if (this.ticks === 0) return -E.EAGAIN;
    if (!k.mem.writeI64(t.process.nativePid, bufAddr, this.ticks)) return -E.EFAULT;
    this.ticks = 0;
    this.schedule();
    return 8;
  }

  poll(): number {
    this.settle();
    return this.ticks > 0 ? EPOLLIN : 0;
  }

  release(): void {
    this.armed = false;
    this.schedule();
    this.watchers.notify(); // epoll instances drop their registrations
  }
}

function timerfdCreate(k: Kernel, t: Thread, clock: number, flags: number): number {
  if (clock === CLOCK_REALTIME_ALARM || clock === CLOCK_BOOTTIME_ALARM) return -E.EPERM; // needs CAP_WAKE_ALARM
  if (clock !== CLOCK_REALTIME && clock !== CLOCK_MONOTONIC && clock !== CLOCK_BOOTTIME) return -E.EINVAL;
  if ((flags & ~(O_NONBLOCK | O_CLOEXEC)) !== 0) return -E.EINVAL;
  const f = new TimerFd(k.sched, t.process.host.id, clock);
  f.statusFlags = flags & O_NONBLOCK;
  return installFile(k, t, f, (flags & O_CLOEXEC) !== 0);
}

/** The timer behind fd, or the errno Linux gives (EBADF when not open, EINVAL for other kinds). */
function timerOf(k: Kernel, t: Thread, fd: number): TimerFd | number {
  const d = descriptor(t, fd);
  if (!d) return nativeFdOpen(k, t, fd) ? -E.EINVAL : -E.EBADF;
  return d.file instanceof TimerFd ? d.file : -E.EINVAL;
}

/** Writes struct itimerspec {interval, value} at addr. */
function writeItimerspec(k: Kernel, t: Thread, addr: number, valueNs: number, intervalNs: number): boolean {
  const dv = k.mem.view();
  putTimespec(dv, 0, intervalNs);
  putTimespec(dv, 16, valueNs);
  return k.mem.writeScratch(t.process.nativePid, addr, 32) === 32;
}

function putTimespec(dv: DataView, off: number, ns: number): void {
  const sec = Math.floor(ns / NS_PER_SEC);
  dv.setUint32(off, sec >>> 0, true);
  dv.setUint32(off + 4, Math.floor(sec / 4294967296), true);
  dv.setUint32(off + 8, ns - sec * NS_PER_SEC, true);
  dv.setUint32(off + 12, 0, true);
}

/** struct itimerspec as read: interval sec, nsec, value sec, nsec (seconds kept apart, see below). */
const spec = new Float64Array(4);

/** Reads an itimerspec into `spec`; false on a bad pointer. */
function readItimerspec(k: Kernel, t: Thread, addr: number): boolean {
  if (k.mem.read(t.process.nativePid, addr, 32) !== 32) return false;
  const dv = k.mem.view();
  for (let i = 0; i < 4; i++) spec[i] = dv.getInt32(8 * i + 4, true) * 4294967296 + dv.getUint32(8 * i, true);
  return true;
}

function validTimespec(sec: number, nsec: number): boolean {
  return sec >= 0 && nsec >= 0 && nsec < NS_PER_SEC;
}

function timerfdSettime(k: Kernel, t: Thread, a: Float64Array): number {
  const flags = a[1];
  if (!readItimerspec(k, t, a[2])) return -E.EFAULT;
  if ((flags & ~(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)) !== 0) return -E.EINVAL;
  if (!validTimespec(spec[0], spec[1]) || !validTimespec(spec[2], spec[3])) return -E.EINVAL;
  const tf = timerOf(k, t, a[0]);
  if (typeof tf === 'number') return tf;
  const interval = spec[0] * NS_PER_SEC + spec[1];
  const [oldValue, oldInterval] = tf.current();
  // Absolute times are readings of the timer's clock; the clock's origin comes
  // off the seconds first (Unix-epoch nanoseconds exceed 2^53). The simulated
  // clock is never set, so TFD_TIMER_CANCEL_ON_SET never cancels.
  if (spec[2] === 0 && spec[3] === 0) tf.disarm();
  else if ((flags & TFD_TIMER_ABSTIME) !== 0) tf.arm(absoluteToSimNs(tf.clockId, spec[2], spec[3]), interval);
  else tf.arm(k.now + spec[2] * NS_PER_SEC + spec[3], interval);
  // Like Linux, a bad old_value pointer fails the call after the new setting took effect.
  if (a[3] !== 0 && !writeItimerspec(k, t, a[3], oldValue, oldInterval)) return -E.EFAULT;
  return 0;
}

function timerfdGettime(k: Kernel, t: Thread, a: Float64Array): number {
  const tf = timerOf(k, t, a[0]);
  if (typeof tf === 'number') return tf;
  const [v, i] = tf.current();
  return writeItimerspec(k, t, a[1], v, i) ? 0 : -E.EFAULT;
}

export function registerTimerfd(k: Kernel): void {
  k.registerLegacy(SYS.timerfd_create, (kk, t, a) => timerfdCreate(kk, t, a[0], a[1]));
  k.registerLegacy(SYS.timerfd_settime, timerfdSettime);
  k.registerLegacy(SYS.timerfd_gettime, timerfdGettime);
}
