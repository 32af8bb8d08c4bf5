// Syscalls that reach the simulator but are, for now, safe to let the real
// kernel answer. Each entry says why; objects the simulation must own move
// out of this list as they get emulated.
import type { Kernel } from '../kernel/kernel';
import type { Outcome, SyscallCall } from '../kernel/call';
import { SYS } from '../abi/syscalls';

const NATIVE_OK: ReadonlyArray<readonly [number, string]> = [
  [SYS.madvise, 'memory hints'],
  [SYS.personality, 'execution domain query'],
  [SYS.getrusage, 'resource usage of native work'],
  [SYS.times, 'CPU times of native work'],
  [SYS.ioprio_get, 'I/O priority'],
  [SYS.ioprio_set, 'I/O priority'],
  [SYS.pidfd_open, 'process handles'],
  [SYS.mknod, 'filesystem'],
  [SYS.mknodat, 'filesystem'],
  [SYS.chroot, 'filesystem'],
  [SYS.pkey_alloc, 'memory protection keys'],
  [SYS.pkey_free, 'memory protection keys'],
];

function passThrough(c: SyscallCall): Outcome {
  return c.native();
}

export function registerPassthrough(k: Kernel): void {
  for (const [nr] of NATIVE_OK) k.register(nr, passThrough);
}
