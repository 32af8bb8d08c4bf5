// The interface of emulated kernel objects behind file descriptors (SimFile):
// the operations an object may support and the hooks the descriptor syscalls
// (src/syscall/fd.ts) consult. The objects themselves live beside this file.
import type { Descriptor, FileObject } from '../host/fd-table';
import type { Thread } from '../host/thread';
import type { Kernel } from '../kernel/kernel';
import type { Watchers } from '../core/watchers';
import { EPOLLIN, EPOLLOUT, EPOLLRDNORM, EPOLLWRNORM } from '../abi/epoll';

/**
 * Operations an emulated object may support; a missing one gives EINVAL.
 * Methods follow the kernel convention: a value, or -errno. read/write return
 * bytes, or -EAGAIN when they would block: the caller (fd.ts) then blocks the
 * thread on `watchers` unless the descriptor is non-blocking.
 */
export interface SimFile extends FileObject {
  read?(k: Kernel, t: Thread, d: Descriptor, bufAddr: number, len: number): number;
  write?(k: Kernel, t: Thread, d: Descriptor, bufAddr: number, len: number): number;
  /** readv/writev as one operation (a datagram is one message); absent: one iovec at a time. */
  readv?(k: Kernel, t: Thread, d: Descriptor, iovAddr: number, count: number): number;
  writev?(k: Kernel, t: Thread, d: Descriptor, iovAddr: number, count: number): number;
  /** Deadline for a blocking read/write that must wait (SO_RCVTIMEO / SO_SNDTIMEO); -1: none. */
  blockDeadlineNs?(k: Kernel, t: Thread, writing: boolean): number;
  /**
   * close() of the last descriptor waits while this says so (SO_LINGER): -1
   * when close may go on now, else the absolute simulated time (ns) until
   * which it waits. The object's watchers notify progress and close asks
   * again; the object returns the same deadline on every run of one close
   * (it starts whatever close starts, e.g. the FIN, on the first).
   */
  closeLingerDeadlineNs?(nowNs: number): number;
  /** Current readiness as EPOLL* bits (EPOLLIN, EPOLLOUT, EPOLLHUP, EPOLLERR, EPOLLRDHUP). */
  poll?(): number;
  /** Woken whenever readiness may have changed. */
  readonly watchers?: Watchers;
  /** fstat: st_mode for the synthetic stat. */
  readonly statMode?: number;
  /** Permission bits set by fchmod, replacing those of statMode (anonymous inodes keep them too). */
  chmodBits?: number;
  /** Access mode F_GETFL reports (O_RDONLY, O_WRONLY, O_RDWR); O_RDWR when absent. */
  readonly accessMode?: number;
  /** fcntl commands fd.ts does not handle itself (e.g. F_GETPIPE_SZ); absent: EINVAL. */
  fcntl?(k: Kernel, t: Thread, d: Descriptor, cmd: number, arg: number): number;
  /** ioctl requests beyond the generic ones (e.g. FIONREAD); absent: ENOTTY. */
  ioctl?(k: Kernel, t: Thread, d: Descriptor, request: number, argAddr: number): number;
}

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

/** st_mode of an emulated object as fstat shows it: its type and mode, with fchmod's bits when set. */
export function statModeOf(f: SimFile): number {
  const base = f.statMode ?? 0o140777;
  return f.chmodBits === undefined ? base : (base & ~0o7777) | f.chmodBits;
}
