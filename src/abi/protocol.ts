// The shim protocol's constants (native/include/umbra_ipc.h): message kinds,
// pseudo-syscalls, delivery flags, yield reasons, channel states, limits and
// the shim's own signals. The values come from the addon at load time, after
// checking that it was built from the protocol version this code speaks.
import { ADDON_PATH, native, NativeAddon, ProtocolConstants } from '../native';

/** The protocol version (UMBRA_VERSION) this TypeScript is written against. */
export const EXPECTED_PROTOCOL_VERSION = 11;

type Table<K extends string> = { readonly [P in K]: number };

function stale(what: string): Error {
  return new Error(
    `umbra: the native addon ${ADDON_PATH} is stale (${what}); run 'npm install' to rebuild the native parts`,
  );
}

/** The addon's protocol constants, or a clear error when it was built from another umbra_ipc.h. */
export function addonProtocol(addon: Partial<Pick<NativeAddon, 'protocol'>>): ProtocolConstants {
  if (typeof addon.protocol !== 'function') {
    throw stale(`it predates protocol versioning; this umbra speaks version ${EXPECTED_PROTOCOL_VERSION}`);
  }
  const p = addon.protocol();
  if (p.version !== EXPECTED_PROTOCOL_VERSION) {
    throw stale(`it speaks shim protocol version ${p.version}, this umbra version ${EXPECTED_PROTOCOL_VERSION}`);
  }
  return p;
}

/** A frozen table of the named constants of one group; a missing name means a stale addon. */
function table<K extends string>(
  group: Record<string, number> | undefined,
  name: string,
  keys: readonly K[],
): Table<K> {
  const out = {} as Record<K, number>;
  for (const k of keys) {
    const v = group?.[k];
    if (typeof v !== 'number') throw stale(`it has no protocol constant ${name}.${k}`);
    out[k] = v;
  }
  return Object.freeze(out);
}

const P = addonProtocol(native());

/** Identity of the shared region (UMBRA_MAGIC, UMBRA_VERSION) and the fd a new process finds it at. */
export const PROTOCOL: Table<'MAGIC' | 'VERSION' | 'SHM_FD'> = Object.freeze({
  MAGIC: P.magic,
  VERSION: P.version,
  SHM_FD: P.shmFd,
});

/** Exit statuses a shim reports for itself: PROTOCOL_MISMATCH when it was built from another header. */
export const SHIM_EXIT: Table<'PROTOCOL_MISMATCH'> = Object.freeze({ PROTOCOL_MISMATCH: P.exitProtocolMismatch });

/**
 * Message kinds a channel carries (UMBRA_MSG_*): START..PATH from the shim, the rest from us.
 * PSEUDO carries the shim's own pseudo-syscalls; a program's syscall always arrives as SYSCALL.
 */
export const MSG = table(P.msg, 'msg', [
  'START',
  'SYSCALL',
  'CALL_RESULT',
  'PSEUDO',
  'PATH',
  'COMPLETE',
  'DO_NATIVE',
  'START_OK',
  'NATIVE_CALL',
  'PLACEHOLDER',
  'CLONE',
  'EXIT_THREAD',
  'EXEC',
] as const);

/**
 * Syscall numbers above Linux's range that the shim sends on its own behalf (UMBRA_SYS_*), only
 * as MSG.PSEUDO: YIELD charges pending CPU latency, SIGRETURN ends a handler (args[0] = mask to
 * restore), FAULT reports a hardware fault (args[0] = signal, args[1] = siginfo address).
 */
export const PSEUDO_SYS = table(P.pseudoSys, 'pseudoSys', ['YIELD', 'SIGRETURN', 'FAULT'] as const);

/** Flags of a signal delivery (UMBRA_DELIVER_*): RESTART the interrupted syscall, or DIE of the signal natively. */
export const DELIVER = table(P.deliver, 'deliver', ['RESTART', 'DIE'] as const);

/** Why the shim yields (args[0] of PSEUDO_SYS.YIELD, UMBRA_YIELD_*). */
export const YIELD_REASON = table(P.yieldReason, 'yieldReason', ['LATENCY', 'PREEMPT', 'SPIN'] as const);

/**
 * The spin rule's constants (UMBRA_SPIN_*): clock reads a thread may make at one simulated instant
 * without blocking, and the simulated time each further read costs (see native/shim/spin.h).
 */
export const SPIN = table(P.spin, 'spin', ['FREE_READS', 'STEP_NS'] as const);

/** The channel's futex word (UMBRA_CH_*): owner in the low byte, sleeper bits above. */
export const CHANNEL_STATE = table(P.channel, 'channel', [
  'APP',
  'REQUEST',
  'REPLY',
  'OWNER_MASK',
  'SIM_SLEEPING',
  'SHIM_SLEEPING',
  'PARKED',
] as const);

/** Capacity of the shared region (UMBRA_MAX_*) and the fd numbers the emulated-fd bitmap covers. */
export const LIMITS = table(P.limits, 'limits', ['MAX_HOSTS', 'MAX_PROCS', 'MAX_THREADS', 'FD_BITMAP_FDS'] as const);

/** Signals the shim uses natively (UMBRA_SIG_*); the program's own use of these numbers is emulated. */
export const SHIM_SIGNALS = table(P.shimSignals, 'shimSignals', [
  'TRAP',
  'TSC',
  'PREEMPT',
  'BUS',
  'ILL',
  'FPE',
] as const);

/** Bits of the header's tsc_trap field: what the shims' rdtsc self-tests found (UMBRA_TSC_*). */
export const TSC_TRAP = table(P.tscTrap, 'tscTrap', ['TRAPPED', 'NOT_TRAPPED'] as const);

/** Where simulated clocks start: realtime at EPOCH_SEC (2000-01-01), monotonic at BOOT_NS. */
export const CLOCK = table(P.clock, 'clock', ['EPOCH_SEC', 'BOOT_NS'] as const);
