// Linux clock ids (clock_gettime(2), <linux/time.h>), the flag that makes a
// sleep or timer expiry an absolute time, and the interval timers of
// setitimer(2).

export const CLOCK_REALTIME = 0,
  CLOCK_MONOTONIC = 1,
  CLOCK_PROCESS_CPUTIME_ID = 2,
  CLOCK_THREAD_CPUTIME_ID = 3,
  CLOCK_MONOTONIC_RAW = 4,
  CLOCK_REALTIME_COARSE = 5,
  CLOCK_MONOTONIC_COARSE = 6,
  CLOCK_BOOTTIME = 7,
  CLOCK_REALTIME_ALARM = 8,
  CLOCK_BOOTTIME_ALARM = 9,
  CLOCK_TAI = 11;

/** The highest clock id (10, the old CLOCK_SGI_CYCLE, is unused). */
export const CLOCK_ID_MAX = CLOCK_TAI;

/**
 * clock_nanosleep and timer_settime flag: the time is a reading of the clock,
 * not a duration. timerfd_settime's TFD_TIMER_ABSTIME has the same value.
 */
export const TIMER_ABSTIME = 1;

/** setitimer/getitimer `which`. */
export const ITIMER_REAL = 0,
  ITIMER_VIRTUAL = 1,
  ITIMER_PROF = 2;
