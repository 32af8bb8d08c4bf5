// ioctl on emulated descriptors: the generic requests every file answers
// (FIONBIO, FIOCLEX, FIONCLEX, FIOASYNC) here, anything else by the object
// (FIONREAD on a pipe ...). Native fds run natively.
import type { Thread } from '../host/thread';
import { E } from '../abi/errno';
import { descriptor, O_NONBLOCK, SimFile } from '../files/file';
import { DO_NATIVE, Kernel } from '../kernel/kernel';
import { SYS } from '../abi/syscalls';

const FIONBIO = 0x5421,
  FIONCLEX = 0x5450,
  FIOCLEX = 0x5451,
  FIOASYNC = 0x5452;
const O_ASYNC = 0o20000;

function ioctl(k: Kernel, t: Thread, a: Float64Array): number {
  const d = descriptor(t, a[0]);
  if (!d) return DO_NATIVE;
  const request = a[1] >>> 0; // the kernel takes an unsigned int
  switch (request) {
    case FIOCLEX:
    case FIONCLEX:
      d.cloexec = request === FIOCLEX;
      return DO_NATIVE; // the placeholder's close-on-exec flag follows
    case FIONBIO:
    case FIOASYNC: {
      const on = k.mem.readU32(t.process.nativePid, a[2]);
      if (on === null) return -E.EFAULT;
      const flag = request === FIONBIO ? O_NONBLOCK : O_ASYNC;
      d.file.statusFlags = on !== 0 ? d.file.statusFlags | flag : d.file.statusFlags & ~flag;
      return 0;
    }
    default: {
      const f = d.file as SimFile;
      return f.ioctl ? f.ioctl(k, t, d, request, a[2]) : -E.ENOTTY;
    }
  }
}

export function registerIoctl(k: Kernel): void {
  k.registerLegacy(SYS.ioctl, ioctl);
}
