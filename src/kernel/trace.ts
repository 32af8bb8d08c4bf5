// How a syscall looks in the trace (log level trace, strace_logging_mode):
// name(args) = result, with errno names. Addresses are stable (no ASLR), so
// the trace is deterministic.
import { E } from '../abi/errno';
import { syscallName } from '../abi/syscalls';
import { Outcome } from './call';

const ERRNO_NAMES: string[] = [];
for (const [name, v] of Object.entries(E)) if (ERRNO_NAMES[v] === undefined) ERRNO_NAMES[v] = name;

/** The symbolic name of a positive errno value. */
export function errnoName(n: number): string {
  return ERRNO_NAMES[n] ?? `errno ${n}`;
}

/** name(args) = result, as the syscall trace shows it. */
export function describeSyscall(nr: number, a: Float64Array, outcome: Outcome, ret: number): string {
  const args = Array.from(a, (x) => (x > 0xffff ? '0x' + x.toString(16) : String(x))).join(', ');
  let res: string;
  if (outcome === Outcome.Native) res = '<native>';
  else if (outcome !== Outcome.Done) res = '?';
  else res = ret < 0 && ret > -4096 ? `-1 ${errnoName(-ret)}` : String(ret);
  return `${syscallName(nr)}(${args}) = ${res}`;
}
