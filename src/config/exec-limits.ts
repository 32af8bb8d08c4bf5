// Linux's execve limits on the size of arguments and environment (fs/exec.c),
// checked when the configuration is loaded, so an oversized process is refused
// with its key named before anything runs instead of failing at spawn with E2BIG.

/** MAX_ARG_STRLEN: 32 pages for one argv or envp string, its terminating NUL included. */
export const MAX_ARG_STRLEN = 32 * 4096;

/**
 * Room for all argv and envp strings and their pointers: a quarter of the stack
 * rlimit, which is 8 MiB by default (bprm_stack_limits).
 */
export const MAX_ARG_TOTAL = 2 * 1024 * 1024;

/** Kept free for what the simulator adds to every environment (LD_PRELOAD with the shim's path, UMBRA_CHANNEL). */
const SIMULATOR_RESERVE = 4096;

const POINTER_BYTES = 8;

const LIMITS = `Linux accepts at most ${MAX_ARG_STRLEN} bytes per argument (MAX_ARG_STRLEN) and about 2 MiB in all`;

/** One string execve copies: where it comes from in the configuration, and its text. */
export interface ExecString {
  /** Key path for the message, e.g. `hosts.web.processes[0].args[2]`. */
  at: string;
  /** Said before the size when the key holds several strings, e.g. `argument 3 has `. */
  which: string;
  text: string;
}

export interface ExecSizeProblem {
  at: string;
  message: string;
}

/**
 * The first size Linux would refuse among a process's argv and envp strings
 * (`strings`; envp entries as `NAME=value`), or null when execve accepts them.
 * `filename` is the executable's path, which execve copies into the same space.
 */
export function execSizeProblem(processAt: string, filename: string, strings: ExecString[]): ExecSizeProblem | null {
  let total = Buffer.byteLength(filename) + 1 + SIMULATOR_RESERVE;
  for (const s of strings) {
    const bytes = Buffer.byteLength(s.text);
    if (bytes + 1 > MAX_ARG_STRLEN) return { at: s.at, message: `${s.which}${bytes} bytes; ${LIMITS}` };
    total += bytes + 1 + POINTER_BYTES;
  }
  if (total > MAX_ARG_TOTAL) {
    const given = total - SIMULATOR_RESERVE;
    return { at: processAt, message: `arguments and environment take ${given} bytes; ${LIMITS}` };
  }
  return null;
}
