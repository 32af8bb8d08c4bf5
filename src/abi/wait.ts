// Linux constants of wait4(2)/waitid(2) and the encoding of a wait status
// (the macros of <sys/wait.h>).

/** wait4/waitid options. */
export const WNOHANG = 1,
  WUNTRACED = 2,
  WSTOPPED = 2,
  WEXITED = 4,
  WCONTINUED = 8,
  WNOWAIT = 0x01000000,
  WNOTHREAD = 0x20000000,
  WALL = 0x40000000,
  WCLONE = 0x80000000;

/** waitid id types. */
export const P_ALL = 0,
  P_PID = 1,
  P_PGID = 2,
  P_PIDFD = 3;

/** The core-dump bit of a wait status. */
export const WCOREFLAG = 0x80;

/** Whether a wait status says the process ended by a signal (WIFSIGNALED, for an ended process). */
export function statusSignaled(status: number): boolean {
  return (status & 0x7f) !== 0;
}

/** The signal of a signaled status (WTERMSIG). */
export function statusTermSig(status: number): number {
  return status & 0x7f;
}

/** The exit code of an exited status (WEXITSTATUS). */
export function statusExitCode(status: number): number {
  return (status >> 8) & 0xff;
}

/** Whether a signaled status has the core-dump bit (WCOREDUMP). */
export function statusCoreDumped(status: number): boolean {
  return (status & WCOREFLAG) !== 0;
}
