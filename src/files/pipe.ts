// A pipe: two emulated ends over one PipeBuffer. Reads wait for data or end
// of file, writes wait while full (PIPE_BUF-sized writes are all-or-nothing),
// and each end's progress wakes the other side's waiters.
import type { Descriptor } from '../host/fd-table';
import type { Thread } from '../host/thread';
import type { Kernel } from '../kernel/kernel';
import { E } from '../abi/errno';
import { SYS } from '../abi/syscalls';
import { EPOLLERR, EPOLLHUP, EPOLLIN, EPOLLOUT } from '../abi/epoll';
import { F_GETPIPE_SZ, F_SETPIPE_SZ, O_DIRECT, O_NONBLOCK, O_RDONLY, O_WRONLY } from '../abi/fcntl';
import { FIONREAD } from '../abi/ioctl';
import { SIGPIPE } from '../abi/signals';
import { Watchers } from '../core/watchers';
import { DEFAULT_PIPE_SIZE, PAGE_SIZE, PIPE_MAX_SIZE, PipeBuffer, roundPipeSize } from './pipe-buffer';
import type { SimFile } from './file';

const S_IFIFO_0600 = 0o010600;

/** The state both ends share: the buffer and whether each end is still open. */
export class Pipe {
  readonly buf = new PipeBuffer(DEFAULT_PIPE_SIZE);
  readOpen = true;
  writeOpen = true;
  readonly readEnd: PipeReadEnd;
  readonly writeEnd: PipeWriteEnd;

  /** statusFlags: O_NONBLOCK and O_DIRECT as pipe2 gives them to both ends. */
  constructor(statusFlags = 0) {
    this.readEnd = new PipeReadEnd(this);
    this.writeEnd = new PipeWriteEnd(this);
    this.readEnd.statusFlags = statusFlags;
    this.writeEnd.statusFlags = statusFlags;
  }

  /** What a read of at most max bytes returns now: a count, 0 at end of file, -EAGAIN while a writer may come. */
  readable(max: number): number {
    const n = this.buf.readable(max);
    if (n > 0) return n;
    return this.writeOpen ? -E.EAGAIN : 0;
  }

  /** Consumes n bytes counted by readable(); writers wake when a slot frees, as on Linux. */
  consume(n: number): void {
    const wasWritable = this.buf.writable();
    this.buf.consume(n);
    if (!wasWritable && this.buf.writable()) this.writeEnd.watchers.notify();
  }

  /** Bytes were stored: Linux wakes readers on every write (edge-triggered epoll users rely on it). */
  stored(): void {
    this.readEnd.watchers.notify();
  }

  /** fcntl commands both ends answer (the size is the pipe's, not the end's). */
  fcntl(cmd: number, arg: number): number {
    if (cmd === F_GETPIPE_SZ) return this.buf.capacity;
    if (cmd !== F_SETPIPE_SZ) return -E.EINVAL;
    const size = roundPipeSize(arg >>> 0); // the kernel takes an unsigned int
    if (size === 0) return -E.EINVAL;
    if (size > PIPE_MAX_SIZE) return -E.EPERM;
    const wasWritable = this.buf.writable();
    if (!this.buf.resize(size)) return -E.EBUSY;
    if (!wasWritable && this.buf.writable()) this.writeEnd.watchers.notify();
    return size;
  }

  ioctl(k: Kernel, t: Thread, request: number, argAddr: number): number {
    if (request !== FIONREAD) return -E.ENOTTY;
    return k.mem.writeI32(t.process.nativePid, argAddr, this.buf.size) ? 0 : -E.EFAULT;
  }
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
    const n = this.pipe.readable(Math.min(len, k.mem.scratch.length));
    if (n <= 0) return n;
    this.pipe.buf.copyOut(k.mem.scratch, 0, n);
    if (k.mem.writeScratch(t.process.nativePid, bufAddr, n) !== n) return -E.EFAULT;
    this.pipe.consume(n);
    return n;
  }

  write(): number {
    return -E.EBADF;
  }

  poll(): number {
    return (this.pipe.buf.size > 0 ? EPOLLIN : 0) | (this.pipe.writeOpen ? 0 : EPOLLHUP);
  }

  fcntl(_k: Kernel, _t: Thread, _d: Descriptor, cmd: number, arg: number): number {
    return this.pipe.fcntl(cmd, arg);
  }

  ioctl(k: Kernel, t: Thread, _d: Descriptor, request: number, argAddr: number): number {
    return this.pipe.ioctl(k, t, request, argAddr);
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
    const resumable = !nonblock && k.call.nr === SYS.write;
    const firstRun = t.wokenBy === 'none';
    let done = resumable && !firstRun ? t.resumeProgressBytes : 0;
    if (!this.pipe.readOpen) {
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
        if (wrote > 0) this.pipe.stored();
        return done > 0 ? done : -E.EFAULT;
      }
      buf.commit(scratch, 0);
      done += take;
      wrote += take;
      if (take < want) break;
    }
    if (wrote > 0) this.pipe.stored();
    if (done === len) return len;
    if (nonblock || !resumable) return done > 0 ? done : -E.EAGAIN;
    t.resumeProgressBytes = done;
    return -E.EAGAIN;
  }

  poll(): number {
    return (this.pipe.buf.writable() ? EPOLLOUT : 0) | (this.pipe.readOpen ? 0 : EPOLLERR);
  }

  fcntl(_k: Kernel, _t: Thread, _d: Descriptor, cmd: number, arg: number): number {
    return this.pipe.fcntl(cmd, arg);
  }

  ioctl(k: Kernel, t: Thread, _d: Descriptor, request: number, argAddr: number): number {
    return this.pipe.ioctl(k, t, request, argAddr);
  }

  release(): void {
    this.pipe.writeOpen = false;
    this.pipe.readEnd.watchers.notify(); // readers see end of file / EPOLLHUP
    this.watchers.notify();
  }
}
