// A timerfd: a timer in simulated time behind a descriptor. Expirations are
// counted lazily from the arming time and period (exact, however late the
// reader), and one scheduler event per "becomes readable" wakes the waiters.
import type { SimEvent } from '../core/event-queue';
import type { Scheduler } from '../core/scheduler';
import { absoluteToSimNs, DEFAULT_REALTIME, MAX_SIM_TIME, NS_PER_SEC, type RealtimeBase } from '../core/time';
import type { Descriptor } from '../host/fd-table';
import type { Thread } from '../host/thread';
import type { Kernel } from '../kernel/kernel';
import { E } from '../abi/errno';
import { EPOLLIN } from '../abi/epoll';
import { Watchers } from '../core/watchers';
import type { SimFile } from './file';

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

  /** clockId: the clock absolute settings are read on (CLOCK_REALTIME, CLOCK_MONOTONIC ...). */
  constructor(
    private readonly sched: Scheduler,
    private readonly hostId: number,
    readonly clockId: number,
    private readonly realtime: Readonly<RealtimeBase> = DEFAULT_REALTIME,
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

  /** Time until the next expiration, as timerfd_gettime reports it (0: disarmed). */
  remainingNs(): number {
    this.settle();
    return this.armed ? this.nextNs - this.sched.nowNs : 0;
  }

  /** The period of an armed interval timer (0: one-shot or disarmed). */
  get periodNs(): number {
    return this.armed ? this.intervalNs : 0;
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

  /**
   * timerfd_settime's new value: disarmed when the value is zero, else first
   * expiration after valueSec/valueNsec (relative), or at that reading of the
   * timer's clock (absolute), then every intervalNs.
   */
  set(absolute: boolean, valueSec: number, valueNsec: number, intervalNs: number): void {
    // Absolute times are readings of the timer's clock; the clock's origin comes
    // off the seconds first (Unix-epoch nanoseconds exceed 2^53).
    if (valueSec === 0 && valueNsec === 0) this.disarm();
    else if (absolute) this.arm(absoluteToSimNs(this.clockId, valueSec, valueNsec, this.realtime), intervalNs);
    else this.arm(this.sched.nowNs + valueSec * NS_PER_SEC + valueNsec, intervalNs);
  }

  /** Expirations a read would return now (0: it must wait). */
  expirations(): number {
    this.settle();
    return this.ticks;
  }

  /** A read took the expirations: readable again only at the next one. */
  takeExpirations(): void {
    this.ticks = 0;
    this.schedule();
  }

  read(k: Kernel, t: Thread, _d: Descriptor, bufAddr: number, len: number): number {
    if (len < 8) return -E.EINVAL;
    const n = this.expirations();
    if (n === 0) return -E.EAGAIN;
    if (!k.mem.writeI64(t.process.nativePid, bufAddr, n)) return -E.EFAULT;
    this.takeExpirations();
    return 8;
  }

  poll(): number {
    return this.expirations() > 0 ? EPOLLIN : 0;
  }

  release(): void {
    this.armed = false;
    this.schedule();
    this.watchers.notify(); // epoll instances drop their registrations
  }
}
