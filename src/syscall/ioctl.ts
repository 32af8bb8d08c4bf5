// ioctl on emulated descriptors: the generic requests every file answers
// (FIONBIO, FIOCLEX, FIONCLEX, FIOASYNC) here, anything else by the object
// (FIONREAD on a pipe ...). Native fds run natively.
import { E } from '../abi/errno';
import { SYS } from '../abi/syscalls';
import { O_ASYNC, O_NONBLOCK } from '../abi/fcntl';
import { FIOASYNC, FIONBIO, FIONCLEX, FIOCLEX } from '../abi/ioctl';
import type { Kernel } from '../kernel/kernel';
import { Outcome, SyscallCall } from '../kernel/call';
import { descriptor } from '../files/descriptors';
import type { SimFile } from '../files/file';

function ioctl(c: SyscallCall): Outcome {
  const { k, t } = c;
  const d = descriptor(t, c.int(0));
  if (!d) return c.native();
  const request = c.u32(1); // the kernel takes an unsigned int
  const argAddr = c.ptr(2);
  switch (request) {
    case FIOCLEX:
    case FIONCLEX:
      d.cloexec = request === FIOCLEX;
      return c.native(); // the placeholder's close-on-exec flag follows
    case FIONBIO:
    case FIOASYNC: {
      const on = k.mem.readU32(t.process.nativePid, argAddr);
      if (on === null) return c.err(E.EFAULT);
      const flag = request === FIONBIO ? O_NONBLOCK : O_ASYNC;
      d.file.statusFlags = on !== 0 ? d.file.statusFlags | flag : d.file.statusFlags & ~flag;
      return c.ok(0);
    }
    default: {
      const f = d.file as SimFile;
      return f.ioctl ? c.result(f.ioctl(k, t, d, request, argAddr)) : c.err(E.ENOTTY);
    }
  }
}

export function registerIoctl(k: Kernel): void {
  k.register(SYS.ioctl, ioctl);
}
