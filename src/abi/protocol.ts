// The shim protocol's enumerations (native/include/umbra_ipc.h): message kinds,
// the pseudo-syscalls the shim sends for itself, and signal-delivery flags.
// Layout offsets come from the addon (src/native.ts); these must match the header.

/** Message kinds a channel carries (UMBRA_MSG_*). */
export const MSG = {
  START: 1,
  SYSCALL: 2,
  CALL_RESULT: 3,
  COMPLETE: 16,
  DO_NATIVE: 17,
  START_OK: 18,
  NATIVE_CALL: 19,
  PLACEHOLDER: 20,
  CLONE: 21,
  EXIT_THREAD: 22,
} as const;

/** Syscall numbers above Linux's range that the shim sends on its own behalf (UMBRA_SYS_*). */
export const PSEUDO_SYS = {
  /** Charge pending CPU latency and let the simulator reschedule. */
  YIELD: 1005,
  /** A signal handler returned: args[0] is the mask to restore. */
  SIGRETURN: 1006,
  /** A hardware fault: args[0] is the signal, args[1] the siginfo address. */
  FAULT: 1007,
} as const;

/** Flags of a signal delivery (UMBRA_DELIVER_*). */
export const DELIVER = {
  /** Re-issue the interrupted syscall after the handler. */
  RESTART: 1,
  /** Die of the signal natively (default action of a fault). */
  DIE: 2,
} as const;
