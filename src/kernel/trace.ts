// How a syscall looks in the trace (log level trace, strace_logging_mode):
// name(args) = result, with errno names. Only the arguments the syscall has are
// shown (src/abi/syscall-args.ts); the deterministic mode hides addresses, which
// shift with the environment and the data directory's path, so two runs of the
// same configuration give identical traces.
import { E } from '../abi/errno';
import { syscallShape, type ArgKind } from '../abi/syscall-args';
import { syscallName } from '../abi/syscalls';
import { Outcome } from './call';
import type { Kernel } from './kernel';
import type { Thread } from '../host/thread';

const ERRNO_NAMES: string[] = [];
for (const [name, v] of Object.entries(E)) if (ERRNO_NAMES[v] === undefined) ERRNO_NAMES[v] = name;

const TWO64 = 2 ** 64;

/** The symbolic name of a positive errno value. */
export function errnoName(n: number): string {
  return ERRNO_NAMES[n] ?? `errno ${n}`;
}

/** One argument word (a signed 64-bit value held in a double) shown as its kind says. */
export function formatArg(kind: ArgKind, v: number, deterministic: boolean): string {
  switch (kind) {
    case 'd':
    case 'P':
      return String(v | 0); // a C int: the upper half of the register is not part of it
    case 'x':
      return '0x' + (v >>> 0).toString(16);
    case 'l':
      return String(v);
    case 'u':
      return String(v < 0 ? v + TWO64 : v);
    case 'X':
      return '0x' + (v < 0 ? v + TWO64 : v).toString(16);
    case 'p':
      if (v === 0) return 'NULL';
      return deterministic ? 'ptr' : '0x' + (v < 0 ? v + TWO64 : v).toString(16);
  }
}

/**
 * How a pid argument looks in a deterministic trace: a virtual id as it is, a native id (which some
 * libraries keep from before the shim started, e.g. glibc's cached tid of the main thread) by what it
 * names, since its number changes from run to run.
 */
export type PidLabel = (pid: number) => string;

/**
 * name(args) = result, as the syscall trace shows it; `deterministic` hides addresses and shows pid
 * arguments through `pidLabel`.
 */
export function describeSyscall(
  nr: number,
  a: Float64Array,
  outcome: Outcome,
  ret: number,
  deterministic = false,
  pidLabel?: PidLabel,
): string {
  const shape = syscallShape(nr);
  const parts: string[] = [];
  if (shape === undefined) {
    // A number Linux does not define: its arguments are unknown, so all six registers are shown (not in
    // deterministic mode, where garbage would make two runs differ).
    if (!deterministic) for (const x of a) parts.push(formatArg('X', x, false));
  } else {
    for (let i = 0; i < shape.args.length; i++) {
      const kind = shape.args[i];
      if (kind === 'P' && deterministic && pidLabel !== undefined) parts.push(pidLabel(a[i] | 0));
      else parts.push(formatArg(kind, a[i], deterministic));
    }
  }
  let res: string;
  if (outcome === Outcome.Native) res = '<native>';
  else if (outcome !== Outcome.Done) res = '?';
  else if (ret < 0 && ret > -4096) res = `-1 ${errnoName(-ret)}`;
  else if (shape?.returnsAddress === true) res = formatArg('p', ret, deterministic);
  else res = String(ret);
  return `${syscallName(nr)}(${parts.join(', ')}) = ${res}`;
}

/**
 * The deterministic label of pid `v` as thread `t` passed it: virtual ids and special values (0, -1,
 * groups) as they are; the native id of a simulated thread as `native:<its virtual id>`; any other
 * number as `native:?`.
 */
export function pidLabelFor(k: Kernel, t: Thread): PidLabel {
  return (v) => {
    if (v <= 0 || k.findThread(t.process.host, v) !== undefined) return String(v);
    // A process that ended but is not reaped yet (waitpid's usual argument) still has its id.
    for (const p of t.process.host.processes) if (p.vpid === v) return String(v);
    for (const p of t.process.host.processes) {
      if (p.nativePid === v) return `native:${p.vpid}`;
      for (const th of p.threads) if (th.nativeTid === v) return `native:${th.vtid}`;
    }
    return 'native:?';
  };
}
