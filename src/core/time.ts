// Simulated time: an integer count of nanoseconds since the simulation start
// (by default 2000-01-01T00:00:00Z on the realtime clocks; general.start_date
// moves it, and scheduled clock jumps move one host's). JS numbers are exact
// to 2^53 ns (~104 days).
import { CLOCK_REALTIME, CLOCK_REALTIME_ALARM, CLOCK_REALTIME_COARSE, CLOCK_TAI } from '../abi/time';

export type SimTime = number;

export const NS_PER_US = 1_000;
export const NS_PER_MS = 1_000_000;
export const NS_PER_SEC = 1_000_000_000;
/** Unix time of simulated time 0. */
export const EPOCH_UNIX_SEC = 946_684_800;
export const MAX_SIM_TIME: SimTime = Number.MAX_SAFE_INTEGER;
/**
 * Monotonic clocks (MONOTONIC, BOOTTIME, RAW, COARSE, CPU clocks) read the
 * simulated time since the start plus this: a machine that booted a second
 * ago. Unlike Shadow we do not start them at the Unix-epoch value, because
 * programs keep monotonic time in doubles (Python's asyncio) and need
 * sub-microsecond resolution from them. Must match UMBRA_BOOT_NS in umbra_ipc.h.
 */
export const MONOTONIC_BASE_SEC = 1;

/** CLOCK_REALTIME, REALTIME_COARSE, REALTIME_ALARM and TAI count from the Unix epoch. */
export function isRealtimeClock(clockId: number): boolean {
  return (
    clockId === CLOCK_REALTIME ||
    clockId === CLOCK_REALTIME_COARSE ||
    clockId === CLOCK_REALTIME_ALARM ||
    clockId === CLOCK_TAI
  );
}

/**
 * One host's realtime clocks: the Unix time (sec, nsec) they read at simulated
 * time 0. Every host starts at the start date; a scheduled clock jump moves one
 * host's. Kept as whole seconds plus ns because Unix ns exceed 2^53.
 */
export class RealtimeBase {
  constructor(
    public sec: number = EPOCH_UNIX_SEC,
    public nsec: number = 0,
  ) {}

  /** Whole Unix seconds these clocks read at simulated time `simNs`. */
  unixSecAt(simNs: number): number {
    return this.sec + Math.floor((this.nsec + simNs) / NS_PER_SEC);
  }

  /** Unix second of the simulated boot (monotonic zero), as /proc/stat's btime gives it. */
  bootUnixSec(): number {
    return this.sec - MONOTONIC_BASE_SEC;
  }

  /** Moves the clocks by `offsetNs` (negative: back). */
  jump(offsetNs: number): void {
    const total = this.nsec + (offsetNs % NS_PER_SEC);
    this.sec += Math.trunc(offsetNs / NS_PER_SEC) + Math.floor(total / NS_PER_SEC);
    this.nsec = ((total % NS_PER_SEC) + NS_PER_SEC) % NS_PER_SEC;
  }

  /** As the shared region holds it: Unix ns, split into 32-bit halves (low, high) without BigInt rounding. */
  halves(): [number, number] {
    const ns = BigInt(this.sec) * 1_000_000_000n + BigInt(this.nsec);
    return [Number(ns & 0xffff_ffffn), Number(BigInt.asIntN(32, ns >> 32n))];
  }
}

/** The default start: Shadow's 2000-01-01T00:00:00Z. Never mutated (each host owns its own RealtimeBase). */
export const DEFAULT_REALTIME: Readonly<RealtimeBase> = Object.freeze(new RealtimeBase());

/**
 * An absolute (sec, nsec) reading of clock `clockId` as simulated ns (negative: before the start).
 * Realtime readings are taken against `realtime`, the reading host's clock.
 */
export function absoluteToSimNs(
  clockId: number,
  sec: number,
  nsec: number,
  realtime: Readonly<RealtimeBase> = DEFAULT_REALTIME,
): number {
  if (isRealtimeClock(clockId)) return (sec - realtime.sec) * NS_PER_SEC + (nsec - realtime.nsec);
  return (sec - MONOTONIC_BASE_SEC) * NS_PER_SEC + nsec;
}

export function assertSimTime(t: number): SimTime {
  if (!Number.isSafeInteger(t) || t < 0) throw new Error(`invariant: bad simulated time ${t}`);
  return t;
}

/** HH:MM:SS.nnnnnnnnn, for logs. */
export function formatSimTime(t: SimTime): string {
  const totalSec = Math.floor(t / NS_PER_SEC);
  const ns = t % NS_PER_SEC;
  const h = Math.floor(totalSec / 3600);
  const m = Math.floor((totalSec % 3600) / 60);
  const s = totalSec % 60;
  return `${pad2(h)}:${pad2(m)}:${pad2(s)}.${String(ns).padStart(9, '0')}`;
}

/** Short human form: "2 h", "3.5 s", "10 ms". */
export function formatDuration(t: SimTime): string {
  if (t >= 3600 * NS_PER_SEC && t % (3600 * NS_PER_SEC) === 0) return `${t / (3600 * NS_PER_SEC)} h`;
  if (t >= 60 * NS_PER_SEC && t % (60 * NS_PER_SEC) === 0) return `${t / (60 * NS_PER_SEC)} min`;
  if (t >= NS_PER_SEC) return `${trim(t / NS_PER_SEC)} s`;
  if (t >= NS_PER_MS) return `${trim(t / NS_PER_MS)} ms`;
  if (t >= NS_PER_US) return `${trim(t / NS_PER_US)} µs`;
  return `${t} ns`;
}

function trim(x: number): string {
  return String(Math.round(x * 1000) / 1000);
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** Clock ticks per second of /proc times (Linux's USER_HZ, sysconf(_SC_CLK_TCK)). */
export const USER_HZ = 100;

/** Simulated time `t` as time since boot, the base of CLOCK_MONOTONIC and /proc's times. */
export function sinceBootNs(t: SimTime): number {
  return t + MONOTONIC_BASE_SEC * NS_PER_SEC;
}

/** Simulated time `t` as whole clock ticks (USER_HZ) since boot, as /proc/<pid>/stat counts. */
export function sinceBootTicks(t: SimTime): number {
  return Math.floor(sinceBootNs(t) / (NS_PER_SEC / USER_HZ));
}
