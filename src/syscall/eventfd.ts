// eventfd/eventfd2: decode the flags and give a new EventFd
// (src/files/eventfd.ts) a descriptor; read/write reach it through fd.ts.
import { E } from '../abi/errno';
import { SYS } from '../abi/syscalls';
import { O_CLOEXEC, O_NONBLOCK } from '../abi/fcntl';
import type { Kernel } from '../kernel/kernel';
import { Outcome, SyscallCall } from '../kernel/call';
import { installFile } from '../files/descriptors';
import { EventFd } from '../files/eventfd';

const EFD_SEMAPHORE = 1;

function eventfd2(c: SyscallCall, initval: number, flags: number): Outcome {
  if ((flags & ~(EFD_SEMAPHORE | O_NONBLOCK | O_CLOEXEC)) !== 0) return c.err(E.EINVAL);
  const f = new EventFd(initval, (flags & EFD_SEMAPHORE) !== 0);
  f.statusFlags = flags & O_NONBLOCK;
  return c.result(installFile(c.k, c.t, f, (flags & O_CLOEXEC) !== 0));
}

export function registerEventfd(k: Kernel): void {
  k.register(SYS.eventfd, (c) => eventfd2(c, c.u32(0), 0));
  k.register(SYS.eventfd2, (c) => eventfd2(c, c.u32(0), c.int(1)));
}
