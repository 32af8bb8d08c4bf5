// Emulated kernel objects behind file descriptors, and the helpers that give
// one a descriptor number: a native placeholder at the same number keeps the
// process's fd space consistent, and the shared bitmap routes its syscalls here.
import type { Descriptor, FileObject } from '../host/fd-table';
import type { Thread } from '../host/thread';
import { E } from './errno';
import type { Kernel } from './kernel';

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
}

export const EPOLLIN = 0x001, EPOLLPRI = 0x002, EPOLLOUT = 0x004, EPOLLERR = 0x008, EPOLLHUP = 0x010;
export const EPOLLRDHUP = 0x2000;

/**
 * Listeners interested in an object's readiness (blocked threads, epoll
 * instances). Kept in insertion order so wake-ups are deterministic.
 */
export class Watchers {
  private readonly list: Array<() => void> = [];

  add(fn: () => void): () => void {
    this.list.push(fn);
    return () => {
      const i = this.list.indexOf(fn);
      if (i >= 0) this.list.splice(i, 1);
    };
  }

  /** Calls every listener (each may remove itself while we iterate). */
  notify(): void {
    if (this.list.length === 0) return;
    for (const fn of this.list.slice()) fn();
  }

  get size(): number {
    return this.list.length;
  }
}

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
