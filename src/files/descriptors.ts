// Giving emulated objects descriptor numbers in a process: a native
// placeholder at the same number keeps the process's fd space consistent,
// and the shared bitmap routes syscalls on that number to the simulator.
import type { Descriptor } from '../host/fd-table';
import type { Thread } from '../host/thread';
import type { Kernel } from '../kernel/kernel';
import { SYS } from '../abi/syscalls';
import { F_GETFD } from '../abi/fcntl';
import type { SimFile } from './file';

/** Gives `file` a new descriptor in t's process. Returns the fd or -errno. */
export function installFile(k: Kernel, t: Thread, file: SimFile, cloexec: boolean): number {
  const fd = k.placeholderFd(t, cloexec);
  if (fd < 0) {
    if (file.refs === 0) file.release();
    return fd;
  }
  shareFile(k, t, fd, file, cloexec);
  return fd;
}

/** Makes fd (already open natively, e.g. by dup) refer to `file` in t's process. */
export function shareFile(k: Kernel, t: Thread, fd: number, file: SimFile, cloexec: boolean): void {
  t.process.fds.set(fd, file, cloexec);
  k.shm.setFdEmulated(t.process.slot, fd, true);
}

/** Forgets an emulated fd (the caller closes the native placeholder). */
export function uninstallFd(k: Kernel, t: Thread, fd: number): boolean {
  const d = t.process.fds.remove(fd);
  k.shm.setFdEmulated(t.process.slot, fd, false);
  return d !== undefined;
}

/** Undoes installFile: forgets the object and closes its native placeholder. */
export function discardFd(k: Kernel, t: Thread, fd: number): void {
  uninstallFd(k, t, fd);
  k.nativeCall(t, SYS.close, fd);
}

export function descriptor(t: Thread, fd: number): Descriptor | undefined {
  return t.process.fds.get(fd);
}

/** The object behind an emulated fd of t's process. */
export function fileOf(t: Thread, fd: number): SimFile | undefined {
  return t.process.fds.get(fd)?.file as SimFile | undefined;
}

/**
 * Whether a descriptor the simulator does not own is open in t's process
 * (asked natively, F_GETFD): tells EBADF apart from "wrong kind of fd".
 */
export function nativeFdOpen(k: Kernel, t: Thread, fd: number): boolean {
  if (fd < 0) return false;
  return k.nativeCall(t, SYS.fcntl, fd, F_GETFD) >= 0;
}
