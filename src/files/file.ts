// Emulated kernel objects behind file descriptors, and the helpers that give
// one a descriptor number: a native placeholder at the same number keeps the
// process's fd space consistent, and the shared bitmap routes its syscalls here.
import type { Descriptor, FileObject } from '../host/fd-table';
import type { Thread } from '../host/thread';
import { E } from '../abi/errno';
import type { Kernel } from '../kernel/kernel';
import { SYS } from '../abi/syscalls';
import type { Watchers } from '../core/watchers';

/**
 * Operations an emulated object may support; a missing one gives EINVAL.
 * read/write return bytes, or -EAGAIN when they would block: the caller
 * (fd.ts) then blocks the thread on `watchers` unless the fd is non-blocking.
 */
export interface SimFile extends FileObject {
  read?(k: Kernel, t: Thread, d: Descriptor, bufAddr: number, len: number): number;
  write?(k: Kernel, t: Thread, d: Descriptor, bufAddr: number, len: number): number;
  /** Current readiness as EPOLL* bits (EPOLLIN, EPOLLOUT, EPOLLHUP, EPOLLERR, EPOLLRDHUP). */
  poll?(): number;
  /** Woken whenever readiness may have changed. */
  readonly watchers?: Watchers;
  /** fstat: st_mode for the synthetic stat. */
  readonly statMode?: number;
  /** Access mode F_GETFL reports (O_RDONLY, O_WRONLY, O_RDWR); O_RDWR when absent. */
  readonly accessMode?: number;
  /** fcntl commands fd.ts does not handle itself (e.g. F_GETPIPE_SZ); absent: EINVAL. */
  fcntl?(k: Kernel, t: Thread, d: Descriptor, cmd: number, arg: number): number;
  /** ioctl requests beyond the generic ones (e.g. FIONREAD); absent: ENOTTY. */
  ioctl?(k: Kernel, t: Thread, d: Descriptor, request: number, argAddr: number): number;
}

export const EPOLLIN = 0x001,
  EPOLLPRI = 0x002,
  EPOLLOUT = 0x004,
  EPOLLERR = 0x008,
  EPOLLHUP = 0x010;
export const EPOLLRDNORM = 0x040,
  EPOLLRDBAND = 0x080,
  EPOLLWRNORM = 0x100,
  EPOLLWRBAND = 0x200;
export const EPOLLRDHUP = 0x2000;

/** What a descriptor without a poll operation is ready for (like a regular file). */
export const ALWAYS_READY = EPOLLIN | EPOLLRDNORM | EPOLLOUT | EPOLLWRNORM;

/**
 * An object's readiness with the *NORM twins filled in (Linux reports
 * POLLRDNORM with POLLIN and POLLWRNORM with POLLOUT for pipes, sockets, ...).
 */
export function readiness(f: SimFile): number {
  if (!f.poll) return ALWAYS_READY;
  let r = f.poll();
  if (r & EPOLLIN) r |= EPOLLRDNORM;
  if (r & EPOLLOUT) r |= EPOLLWRNORM;
  return r;
}

/**
 * Whether a descriptor the simulator does not own is open in t's process
 * (asked natively, F_GETFD): tells EBADF apart from "wrong kind of fd".
 */
export function nativeFdOpen(k: Kernel, t: Thread, fd: number): boolean {
  if (fd < 0) return false;
  return k.nativeCall(t, SYS.fcntl, fd, 1 /* F_GETFD */) >= 0;
}

export { Watchers } from '../core/watchers';

export const O_NONBLOCK = 0o4000;
export const O_CLOEXEC = 0o2000000;
export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_RDWR = 2;

/** Gives `file` a descriptor in t's process. Returns the fd or -errno. */
export function installFile(k: Kernel, t: Thread, file: SimFile, cloexec: boolean): number {
  const fd = k.placeholderFd(t, cloexec);
  if (fd < 0) {
    if (file.refs === 0) file.release();
    return fd;
  }
  t.process.fds.set(fd, file, cloexec);
  k.shm.setFdEmulated(t.process.slot, fd, true);
  return fd;
}

/** Forgets an emulated fd (the caller closes the native placeholder). */
export function uninstallFd(k: Kernel, t: Thread, fd: number): boolean {
  const d = t.process.fds.remove(fd);
  k.shm.setFdEmulated(t.process.slot, fd, false);
  return d !== undefined;
}

export function descriptor(t: Thread, fd: number): Descriptor | undefined {
  return t.process.fds.get(fd);
}

/** A read-only in-memory file (e.g. /sys/devices/system/cpu/online). */
export class StaticFile implements SimFile {
  readonly kind = 'static';
  refs = 0;
  statusFlags = 0;
  private pos = 0;
  readonly statMode = 0o100444;
  constructor(private readonly data: Buffer) {}
  read(k: Kernel, t: Thread, _d: Descriptor, bufAddr: number, len: number): number {
    const n = Math.min(len, this.data.length - this.pos);
    if (n <= 0) return 0;
    const w = k.mem.writeBuf(t.process.nativePid, bufAddr, this.data, this.pos, n);
    if (w < 0) return -E.EFAULT;
    this.pos += n;
    return n;
  }
  release(): void {}
}
