// The syscall table: one handler per Linux syscall number (and per pseudo
// syscall of the shim protocol), registered by the area modules of
// src/syscall/. An unknown number answers ENOSYS, logged once per process.
import { E } from '../abi/errno';
import { PSEUDO_SYS } from '../abi/protocol';
import { syscallName } from '../abi/syscalls';
import type { Logger } from '../output/log';
import { InvariantError } from '../core/assert';
import { Handler, Outcome, SyscallCall } from './call';

/** Room for every x86-64 syscall number and the shim's pseudo syscalls (1005+). */
export const SYSCALL_TABLE_SIZE = 1100;

export class SyscallTable {
  private readonly handlers: (Handler | undefined)[] = new Array(SYSCALL_TABLE_SIZE);
  /** How often each number reached the simulator (general.use_syscall_counters). */
  readonly counts = new Float64Array(SYSCALL_TABLE_SIZE);

  constructor(private readonly log: Logger) {}

  register(nr: number, h: Handler): void {
    if (nr < 0 || nr >= SYSCALL_TABLE_SIZE) throw new InvariantError(`syscall number ${nr} outside the table`);
    if (this.handlers[nr]) throw new InvariantError(`two handlers for ${syscallName(nr)}`);
    this.handlers[nr] = h;
  }

  /** Runs the handler of the call bound in c. */
  dispatch(c: SyscallCall): Outcome {
    const nr = c.nr;
    const h = nr >= 0 && nr < SYSCALL_TABLE_SIZE ? this.handlers[nr] : undefined;
    if (h !== undefined) return h(c);
    if (nr === PSEUDO_SYS.YIELD) return c.ok(0);
    return this.unsupported(c);
  }

  /** ENOSYS, with one warning per (syscall, process). */
  unsupported(c: SyscallCall): Outcome {
    const p = c.t.process;
    if (!p.warned.has(c.nr)) {
      p.warned.add(c.nr);
      this.log.warn(p.host.name, `${p.name}: unsupported syscall ${syscallName(c.nr)} (${c.nr}); returning ENOSYS`);
    }
    return c.err(E.ENOSYS);
  }
}
