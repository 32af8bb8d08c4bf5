// Pipes: pipe/pipe2 create two emulated ends over one PipeBuffer. Reads
// block until data or end of file, writes block while full (PIPE_BUF-sized
// writes are all-or-nothing), and each end's readiness wakes the other side.
import type { Descriptor } from '../host/fd-table';
import type { Thread } from '../host/thread';
import { E } from '../abi/errno';
import {
  EPOLLERR,
  EPOLLHUP,
  EPOLLIN,
  EPOLLOUT,
  installFile,
  O_CLOEXEC,
  O_NONBLOCK,
  O_RDONLY,
  O_WRONLY,
  SimFile,
  uninstallFd,
  Watchers,
} from '../files/file';
import type { Kernel } from '../kernel/kernel';
import { SYS } from '../abi/syscalls';
import { DEFAULT_PIPE_SIZE, PAGE_SIZE, PIPE_MAX_SIZE, PipeBuffer, roundPipeSize } from '../files/pipe-buffer';

export const O_DIRECT = 0o40000;
const O_NOTIFICATION_PIPE = 0o200; // O_EXCL: watch-queue pipes, not supported
const F_SETPIPE_SZ = 1031,
  F_GETPIPE_SZ = 1032;
const FIONREAD = 0x541b;
const SIGPIPE = 13;
const S_IFIFO_0600 = 0o010600;

/** State shared by the two ends. */
class Pipe {
  readonly buf = new PipeBuffer(DEFAULT_PIPE_SIZE);
  readOpen = true;
  writeOpen = true;
  readonly readEnd: PipeReadEnd;
  readonly writeEnd: PipeWriteEnd;
  constructor() {
    this.readEnd = new PipeReadEnd(this);
    this.writeEnd = new PipeWriteEnd(this);
  }
}

/** fcntl commands both ends answer (the size is the pipe's, not the end's). */
function pipeFcntl(pipe: Pipe, cmd: number, arg: number): number {
  if (cmd === F_GETPIPE_SZ) return pipe.buf.capacity;
  if (cmd !== F_SETPIPE_SZ) return -E.EINVAL;
  const size = roundPipeSize(arg >>> 0); // the kernel takes an unsigned int
  if (size === 0) return -E.EINVAL;
  if (size > PIPE_MAX_SIZE) return -E.EPERM;
  const wasWritable = pipe.buf.writable();
  if (!pipe.buf.resize(size)) return -E.EBUSY;
  if (!wasWritable && pipe.buf.writable()) pipe.writeEnd.watchers.notify();
  return size;
}

function pipeIoctl(k: Kernel, t: Thread, pipe: Pipe, request: number, argAddr: number): number {
  if (request !== FIONREAD) return -E.ENOTTY;
  return k.mem.writeI32(t.process.nativePid, argAddr, pipe.buf.size) ? 0 : -E.EFAULT;
}

export class PipeReadEnd implements SimFile {
  readonly kind = 'pipe';
  refs = 0;
  statusFlags = 0;
  readonly accessMode = O_RDONLY;
  readonly statMode = S_IFIFO_0600;
  readonly watchers = new Watchers();
  constructor(private readonly pipe: Pipe) {}

  read(k: Kernel, t: Thread, _d: Descriptor, bufAddr: number, len: number): number {
    if (len < 0) return -E.EINVAL;
    if (len === 0) return 0;
    const buf = this.pipe.buf;
    const n = buf.readable(Math.min(len, k.mem.scratch.length));
    if (n === 0) return this.pipe.writeOpen ? -E.EAGAIN : 0;
    const wasWritable = buf.writable();
    buf.copyOut(k.mem.scratch, 0, n);
    if (k.mem.writeScratch(t.process.nativePid, bufAddr, n) !== n) return -E.EFAULT;
    buf.consume(n);
    // Writers wait for a free slot, as on Linux.
    if (!wasWritable && buf.writable()) this.pipe.writeEnd.watchers.notify();
    return n;
  }

  write(): number {
    return -E.EBADF;
  }

  poll(): number {
    return (this.pipe.buf.size > 0 ? EPOLLIN : 0) | (this.pipe.writeOpen ? 0 : EPOLLHUP);
  }

  fcntl(_k: Kernel, _t: Thread, _d: Descriptor, cmd: number, arg: number): number {
    return pipeFcntl(this.pipe, cmd, arg);
  }

  ioctl(k: Kernel, t: Thread, _d: Descriptor, request: number, argAddr: number): number {
    return pipeIoctl(k, t, this.pipe, request, argAddr);
  }

  release(): void {
    this.pipe.readOpen = false;
    this.pipe.writeEnd.watchers.notify(); // blocked writers now get EPIPE; pollers see EPOLLERR
    this.watchers.notify(); // epoll instances drop their registrations
  }
}

export class PipeWriteEnd implements SimFile {
  readonly kind = 'pipe';
  refs = 0;
  statusFlags = 0;
  readonly accessMode = O_WRONLY;
  readonly statMode = S_IFIFO_0600;
  readonly watchers = new Watchers();
  constructor(private readonly pipe: Pipe) {}

  read(): number {
    return -E.EBADF;
  }

  /**
   * Linux's pipe_write: as much as fits goes now; a write of at most PIPE_BUF
   * bytes goes whole or not at all. A blocking write(2) that is larger waits
   * for room and goes on: its progress survives the restart in t.resumeProgressBytes.
   * readv/writev loops (fd.ts) restart from their first iovec, so they get
   * a short count instead.
   */
  write(k: Kernel, t: Thread, _d: Descriptor, bufAddr: number, len: number): number {
    if (len < 0) return -E.EINVAL;
    if (len === 0) return 0;
    const nonblock = (this.statusFlags & O_NONBLOCK) !== 0;
    const resumable = !nonblock && k.nr === SYS.write;
    const firstRun = t.wokenBy === 'none';
    let done = resumable && !firstRun ? t.resumeProgressBytes : 0;
    if (!this.pipe.readOpen) {
      // TODO(signals): raise SIGPIPE through the emulated signal path once it exists.
      k.deliverSignal(t.process, SIGPIPE);
      return done > 0 ? done : -E.EPIPE;
    }
    const buf = this.pipe.buf;
    const packet = (this.statusFlags & O_DIRECT) !== 0;
    const pid = t.process.nativePid;
    const scratch = k.mem.scratch;
    // Linux tries to merge len % PAGE_SIZE bytes into the last slot once, at the start.
    let mergeChars = firstRun || !resumable ? len % PAGE_SIZE : 0;
    let wrote = 0;
    while (done < len) {
      const want = Math.min(len - done, scratch.length);
      const take = buf.reserve(want, packet, Math.min(mergeChars, want));
      mergeChars = 0;
      if (take === 0) break;
      if (k.mem.read(pid, bufAddr + done, take) !== take) {
        if (wrote > 0) this.pipe.readEnd.watchers.notify();
        return done > 0 ? done : -E.EFAULT;
      }
      buf.commit(scratch, 0);
      done += take;
      wrote += take;
      if (take < want) break;
    }
    // Linux wakes readers on every write (edge-triggered epoll users rely on it).
    if (wrote > 0) this.pipe.readEnd.watchers.notify();
    if (done === len) return len;
    if (nonblock || !resumable) return done > 0 ? done : -E.EAGAIN;
    t.resumeProgressBytes = done;
    return -E.EAGAIN;
  }

  poll(): number {
    return (this.pipe.buf.writable() ? EPOLLOUT : 0) | (this.pipe.readOpen ? 0 : EPOLLERR);
  }

  fcntl(_k: Kernel, _t: Thread, _d: Descriptor, cmd: number, arg: number): number {
    return pipeFcntl(this.pipe, cmd, arg);
  }

  ioctl(k: Kernel, t: Thread, _d: Descriptor, request: number, argAddr: number): number {
    return pipeIoctl(k, t, this.pipe, request, argAddr);
  }

  release(): void {
    this.pipe.writeOpen = false;
    this.pipe.readEnd.watchers.notify(); // readers see end of file / EPOLLHUP
    this.watchers.notify();
  }
}

function pipe2(k: Kernel, t: Thread, fdsAddr: number, flags: number): number {
  if ((flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT)) !== 0) {
    return (flags & O_NOTIFICATION_PIPE) !== 0 ? -E.ENOPKG : -E.EINVAL;
  }
  if (fdsAddr === 0) return -E.EFAULT;
  const pipe = new Pipe();
  const status = flags & (O_NONBLOCK | O_DIRECT);
  pipe.readEnd.statusFlags = status;
  pipe.writeEnd.statusFlags = status;
  const cloexec = (flags & O_CLOEXEC) !== 0;
  const rfd = installFile(k, t, pipe.readEnd, cloexec);
  if (rfd < 0) return rfd;
  const wfd = installFile(k, t, pipe.writeEnd, cloexec);
  if (wfd < 0) {
    dropFd(k, t, rfd);
    return wfd;
  }
  const dv = k.mem.view();
  dv.setInt32(0, rfd, true);
  dv.setInt32(4, wfd, true);
  if (k.mem.writeScratch(t.process.nativePid, fdsAddr, 8) !== 8) {
    dropFd(k, t, rfd);
    dropFd(k, t, wfd);
    return -E.EFAULT;
  }
  return 0;
}

/** Undoes installFile: forget the object and close its native placeholder. */
function dropFd(k: Kernel, t: Thread, fd: number): void {
  uninstallFd(k, t, fd);
  k.nativeCall(t, SYS.close, fd);
}

export function registerPipe(k: Kernel): void {
  k.registerLegacy(SYS.pipe, (kk, t, a) => pipe2(kk, t, a[0], 0));
  k.registerLegacy(SYS.pipe2, (kk, t, a) => pipe2(kk, t, a[0], a[1]));
}
