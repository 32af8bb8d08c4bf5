// Timers a process owns that raise a signal when they expire: ITIMER_REAL
// (alarm, setitimer) and the POSIX timers of timer_create. Each keeps at most
// one scheduler event, for its next expiry. The process's `signals` field holds
// them; syscall/timer.ts decodes the calls that reach them.
import type { SimEvent } from '../core/event-queue';
import { absoluteToSimNs, NS_PER_SEC } from '../core/time';
import type { Process } from '../host/process';
import { siginfo } from '../host/signal-state';
import { SI_KERNEL, SI_TIMER, SIGALRM, SIGEV_NONE, SIGEV_THREAD_ID, SIGINFO_OFF } from '../abi/signals';
import type { Kernel } from './kernel';
import { sendSignal } from './signals';

/** ITIMER_REAL: SIGALRM to the process at each expiry. */
export class IntervalTimer {
  private ev: SimEvent | null = null;
  /** Simulated time of the next expiry while armed. */
  private expiresNs = 0;
  /** The period last set; reported by getitimer even when disarmed, as Linux does. */
  intervalNs = 0;
  private readonly fire = (): void => {
    this.ev = null;
    sendSignal(this.k, this.p, SIGALRM, siginfo(SIGALRM, SI_KERNEL, 0));
    if (this.intervalNs > 0 && this.p.state === 'running') this.schedule(this.expiresNs + this.intervalNs);
    else this.expiresNs = 0;
  };

  constructor(
    private readonly k: Kernel,
    private readonly p: Process,
  ) {}

  /** Time to the next expiry (0: disarmed). */
  remainingNs(): number {
    return this.ev ? Math.max(0, this.expiresNs - this.k.now) : 0;
  }

  /** First expiry valueNs from now (0: disarm), then every intervalNs (0: once). */
  arm(valueNs: number, intervalNs: number): void {
    if (this.ev) this.ev.cancelled = true;
    this.ev = null;
    this.intervalNs = intervalNs;
    this.expiresNs = 0;
    if (valueNs > 0) this.schedule(this.k.now + valueNs);
  }

  private schedule(atNs: number): void {
    this.expiresNs = atNs;
    this.ev = this.k.sched.at(atNs, this.p.host.id, this.fire);
  }
}

/** The process's ITIMER_REAL, made on first use. */
export function intervalTimerOf(k: Kernel, p: Process): IntervalTimer {
  const ps = p.signals;
  if (ps.itimer === null) ps.itimer = new IntervalTimer(k, p);
  return ps.itimer;
}

/** How a POSIX timer notifies its expiry (the fields of struct sigevent it uses). */
export interface TimerNotify {
  /** sigev_notify: SIGEV_SIGNAL, SIGEV_NONE or SIGEV_THREAD_ID. */
  notify: number;
  signo: number;
  /** Target thread of SIGEV_THREAD_ID. */
  tid: number;
  /** sigev_value, handed back in si_value. */
  valueLo: number;
  valueHi: number;
}

/** A timer_create timer: on each expiry its signal goes to the process, or to one thread. */
export class PosixTimer {
  private ev: SimEvent | null = null;
  private expiresNs = 0;
  private periodNs = 0;
  /** Expirations missed while the signal was pending (never counted yet: always 0). */
  readonly overrun = 0;
  private readonly fire = (): void => {
    const { k, p } = this;
    this.ev = null;
    if (this.how.notify !== SIGEV_NONE) {
      const info = siginfo(this.how.signo, SI_TIMER, 0);
      const dv = new DataView(info.buffer);
      dv.setInt32(SIGINFO_OFF.timerId, this.id, true);
      dv.setInt32(SIGINFO_OFF.overrun, this.overrun, true);
      dv.setUint32(SIGINFO_OFF.value, this.how.valueLo, true);
      dv.setUint32(SIGINFO_OFF.value + 4, this.how.valueHi, true);
      const target = this.how.notify === SIGEV_THREAD_ID ? k.findThread(p.host, this.how.tid) : undefined;
      sendSignal(k, target ?? p, this.how.signo, info);
    }
    if (this.periodNs > 0 && p.state === 'running') {
      this.expiresNs += this.periodNs;
      this.ev = k.sched.at(this.expiresNs, p.host.id, this.fire);
    }
  };

  /** clockId: the clock absolute expiry times are readings of. */
  constructor(
    private readonly k: Kernel,
    private readonly p: Process,
    readonly id: number,
    readonly clockId: number,
    private readonly how: TimerNotify,
  ) {}

  /** Time to the next expiry (0: disarmed). */
  remainingNs(): number {
    return this.ev ? Math.max(0, this.expiresNs - this.k.now) : 0;
  }

  /** The period set by the last timer_settime (0: one-shot). */
  get intervalNs(): number {
    return this.periodNs;
  }

  /**
   * timer_settime's new value: disarmed when the value is zero, else first
   * expiry after valueSec/valueNsec, or at that reading of the timer's clock
   * when absolute (at once if already past), then every intervalNs.
   */
  set(absolute: boolean, valueSec: number, valueNsec: number, intervalNs: number): void {
    this.disarm();
    this.periodNs = intervalNs;
    if (valueSec === 0 && valueNsec === 0) return;
    const now = this.k.now;
    this.expiresNs = absolute
      ? Math.max(now, absoluteToSimNs(this.clockId, valueSec, valueNsec, this.p.host.realtime))
      : now + valueSec * NS_PER_SEC + valueNsec;
    this.ev = this.k.sched.at(this.expiresNs, this.p.host.id, this.fire);
  }

  /** Cancels the next expiry (timer_delete, or before a new setting). */
  disarm(): void {
    if (this.ev) this.ev.cancelled = true;
    this.ev = null;
  }
}

/** The lowest timer id free in p (ids of deleted timers are reused). */
export function freeTimerId(p: Process): number {
  const timers = p.signals.timers;
  let id = 0;
  while (timers[id]) id++;
  return id;
}

/** timer_create: a disarmed timer with id `id` (from freeTimerId) on clock `clockId`. */
export function createTimer(k: Kernel, p: Process, id: number, clockId: number, how: TimerNotify): PosixTimer {
  const tm = new PosixTimer(k, p, id, clockId, how);
  p.signals.timers[id] = tm;
  return tm;
}

/** p's timer `id`, if it exists. */
export function timerOf(p: Process, id: number): PosixTimer | undefined {
  return id >= 0 ? p.signals.timers[id] : undefined;
}

/** timer_delete: disarms the timer and frees its id. */
export function deleteTimer(p: Process, tm: PosixTimer): void {
  tm.disarm();
  p.signals.timers[tm.id] = undefined;
}
