// pipe/pipe2: decode the flags, create a Pipe (src/files/pipe.ts) and give
// its two ends descriptors.
import { E } from '../abi/errno';
import { SYS } from '../abi/syscalls';
import { O_CLOEXEC, O_DIRECT, O_EXCL, O_NONBLOCK } from '../abi/fcntl';
import type { Kernel } from '../kernel/kernel';
import { Outcome, SyscallCall } from '../kernel/call';
import { discardFd, installFile } from '../files/descriptors';
import { Pipe } from '../files/pipe';

/** pipe2 reads O_EXCL as O_NOTIFICATION_PIPE: watch-queue pipes, not supported. */
const O_NOTIFICATION_PIPE = O_EXCL;

function pipe2(c: SyscallCall, fdsAddr: number, flags: number): Outcome {
  const { k, t } = c;
  if ((flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT)) !== 0) {
    return c.err((flags & O_NOTIFICATION_PIPE) !== 0 ? E.ENOPKG : E.EINVAL);
  }
  if (fdsAddr === 0) return c.err(E.EFAULT);
  const pipe = new Pipe(flags & (O_NONBLOCK | O_DIRECT));
  const cloexec = (flags & O_CLOEXEC) !== 0;
  const rfd = installFile(k, t, pipe.readEnd, cloexec);
  if (rfd < 0) return c.result(rfd);
  const wfd = installFile(k, t, pipe.writeEnd, cloexec);
  if (wfd < 0) {
    discardFd(k, t, rfd);
    return c.result(wfd);
  }
  const dv = k.mem.view();
  dv.setInt32(0, rfd, true);
  dv.setInt32(4, wfd, true);
  if (k.mem.writeScratch(t.process.nativePid, fdsAddr, 8) !== 8) {
    discardFd(k, t, rfd);
    discardFd(k, t, wfd);
    return c.err(E.EFAULT);
  }
  return c.ok(0);
}

export function registerPipe(k: Kernel): void {
  k.register(SYS.pipe, (c) => pipe2(c, c.ptr(0), 0));
  k.register(SYS.pipe2, (c) => pipe2(c, c.ptr(0), c.int(1)));
}
