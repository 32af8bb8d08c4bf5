// Descriptor syscalls that reach the simulator: only those whose fd is
// emulated (the shim runs the rest natively). Each call is passed to the
// object; a kind that lacks an operation gets the errno Linux would give.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Descriptor } from '../host/fd-table';
import { E } from '../abi/errno';
import { SYS } from '../abi/syscalls';
import {
  CLOSE_RANGE_CLOEXEC,
  CLOSE_RANGE_UNSHARE,
  F_DUPFD,
  F_DUPFD_CLOEXEC,
  F_GETFD,
  F_GETFL,
  F_GETOWN,
  F_GETSIG,
  F_SETFD,
  F_SETFL,
  F_SETOWN,
  F_SETSIG,
  FD_CLOEXEC,
  O_ACCMODE,
  O_CLOEXEC,
  O_CREAT,
  O_EXCL,
  O_NONBLOCK,
  O_RDONLY,
  O_RDWR,
  O_TRUNC,
  O_WRONLY,
  SETFL_MASK,
  AT_FDCWD,
  O_NOFOLLOW,
  O_PATH,
} from '../abi/fcntl';
import type { Kernel } from '../kernel/kernel';
import { Outcome, RestartRule, SyscallCall } from '../kernel/call';
import { descriptor, fileOf, installFile, shareFile, uninstallFd } from '../files/descriptors';
import { type Fifo, type FifoAccess, FifoEnd } from '../files/fifo';
import { procClockFile } from '../files/proc-file';
import { nativeProcPath, statusTarget, virtualStatus } from '../files/proc-pids';
import { nativeCallWithPath } from '../kernel/user-path';
import { statModeOf, type SimFile } from '../files/file';
import { StaticFile } from '../files/static-file';
import { RandomDevice, randomUuid } from '../files/random-device';
import { fcntlLock, isLockCommand } from './locks';

const TWO32 = 4294967296;
/** Linux's UIO_MAXIOV: readv/writev take at most this many iovecs. */
const UIO_MAXIOV = 1024;
const IOVEC_SIZE = 16;
const STAT_SIZE = 144;

/**
 * The answer to an object's read/write result r: -EAGAIN on a blocking
 * descriptor parks the thread on the object's watchers, and the syscall
 * re-runs when woken; anything else completes the call. An object with
 * blockDeadlineNs bounds the wait (SO_RCVTIMEO / SO_SNDTIMEO: such a wait is
 * never restarted after a signal handler, as on Linux); once the deadline
 * passed, the re-run call's -EAGAIN is the answer.
 */
export function maybeBlock(c: SyscallCall, d: Descriptor, r: number, writing = false): Outcome {
  if (r !== -E.EAGAIN || (d.file.statusFlags & O_NONBLOCK) !== 0) return c.result(r);
  const f = d.file as SimFile;
  const w = f.watchers;
  if (!w) return c.result(r);
  let deadline = -1;
  if (f.blockDeadlineNs) {
    if (!c.firstRun) {
      if (c.timedOut) return c.result(r);
      deadline = c.deadlineNs;
    } else {
      deadline = f.blockDeadlineNs(c.k, c.t, writing);
    }
  }
  return c.blockOn(w.asSources, deadline, deadline >= 0 ? RestartRule.Never : RestartRule.ByNumber);
}

function read(c: SyscallCall): Outcome {
  const d = descriptor(c.t, c.int(0));
  if (!d) return c.err(E.EBADF);
  const f = d.file as SimFile;
  if (!f.read) return c.err(E.EINVAL);
  return maybeBlock(c, d, f.read(c.k, c.t, d, c.ptr(1), c.i64(2)));
}

function write(c: SyscallCall): Outcome {
  const d = descriptor(c.t, c.int(0));
  if (!d) return c.err(E.EBADF);
  const f = d.file as SimFile;
  if (!f.write) return c.err(E.EINVAL);
  return maybeBlock(c, d, f.write(c.k, c.t, d, c.ptr(1), c.i64(2)), true);
}

/**
 * readv/writev over emulated objects: the object's own vectored operation
 * when it has one, else one iovec at a time, stopping on a short transfer.
 */
function vectored(c: SyscallCall, writing: boolean): Outcome {
  const { k, t } = c;
  const d = descriptor(t, c.int(0));
  if (!d) return c.err(E.EBADF);
  const f = d.file as SimFile;
  const iovAddr = c.ptr(1);
  const count = c.i64(2);
  const vop = writing ? f.writev : f.readv;
  if (vop) return maybeBlock(c, d, vop.call(f, k, t, d, iovAddr, count), writing);
  const op = writing ? f.write : f.read;
  if (!op) return c.err(E.EINVAL);
  if (count < 0 || count > UIO_MAXIOV) return c.err(E.EINVAL);
  const bytes = count * IOVEC_SIZE;
  if (k.mem.read(t.process.nativePid, iovAddr, bytes) !== bytes) return c.err(E.EFAULT);
  // The iovecs are copied out first: each operation reuses the memory scratch.
  const dv = k.mem.view();
  const iov: number[] = [];
  for (let i = 0; i < count; i++) {
    const off = i * IOVEC_SIZE;
    iov.push(dv.getUint32(off + 4, true) * TWO32 + dv.getUint32(off, true));
    iov.push(dv.getUint32(off + 12, true) * TWO32 + dv.getUint32(off + 8, true));
  }
  let total = 0;
  for (let i = 0; i < count; i++) {
    const len = iov[2 * i + 1];
    if (len === 0) continue;
    const r = op.call(f, k, t, d, iov[2 * i], len);
    if (r < 0) return total > 0 ? c.ok(total) : maybeBlock(c, d, r, writing);
    total += r;
    if (r < len) break;
  }
  return c.ok(total);
}

/**
 * close: the last descriptor of an object that lingers (SO_LINGER) waits
 * first; then the emulated fd is forgotten and the shim closes the native
 * one (the placeholder, for an emulated object).
 */
function close(c: SyscallCall): Outcome {
  const fd = c.int(0);
  // The kernel takes an unsigned int: a -1 that was not sign-extended (upper half zero) lands here.
  if (fd < 0) return c.err(E.EBADF);
  const d = descriptor(c.t, fd);
  if (d && d.file.refs === 1) {
    const f = d.file as SimFile;
    if (f.closeLingerDeadlineNs && f.watchers) {
      const untilNs = f.closeLingerDeadlineNs(c.k.now);
      if (untilNs >= 0 && c.k.now < untilNs) return c.blockOn(f.watchers.asSources, untilNs);
    }
  }
  uninstallFd(c.k, c.t, fd);
  return c.native();
}

/**
 * close_range(first, last, flags): the emulated fds in the range are
 * forgotten as close forgets them (or only marked close-on-exec), then the
 * kernel closes or marks the native ones and the placeholders. Without this a
 * later open reusing a number would still be routed to the old object.
 * SO_LINGER is not waited for here (close_range is used on the way to exec).
 */
function closeRange(c: SyscallCall): Outcome {
  const first = c.u32(0),
    last = c.u32(1),
    flags = c.u32(2);
  if ((flags & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC)) !== 0 || first > last) return c.err(E.EINVAL);
  const fds = c.t.process.fds;
  for (const fd of fds.fds()) {
    if (fd < first || fd > last) continue;
    if ((flags & CLOSE_RANGE_CLOEXEC) !== 0) (fds.get(fd) as Descriptor).cloexec = true;
    else uninstallFd(c.k, c.t, fd);
  }
  return c.native();
}

/** A synthetic struct stat for an emulated object (the kind shows in st_mode). */
function fstat(c: SyscallCall, fd: number, bufAddr: number): Outcome {
  const f = fileOf(c.t, fd);
  if (!f) return c.native();
  const dv = c.k.mem.view();
  for (let i = 0; i < STAT_SIZE; i += 4) dv.setUint32(i, 0, true);
  dv.setUint32(24, statModeOf(f), true); // st_mode
  dv.setUint32(16, 1, true); // st_nlink
  dv.setUint32(56, 4096, true); // st_blksize
  const ok = c.k.mem.writeScratch(c.t.process.nativePid, bufAddr, STAT_SIZE) === STAT_SIZE;
  return ok ? c.ok(0) : c.err(E.EFAULT);
}

function fcntl(c: SyscallCall): Outcome {
  const { k, t } = c;
  const fd = c.int(0);
  const d = descriptor(t, fd);
  const cmd = c.int(1);
  // The shim sends lock commands on native fds too: a blocking one waits in simulated time.
  if (!d) return isLockCommand(cmd) ? fcntlLock(c) : c.native();
  switch (cmd) {
    case F_GETFD:
      return c.ok(d.cloexec ? FD_CLOEXEC : 0);
    case F_SETFD:
      d.cloexec = (c.u32(2) & FD_CLOEXEC) !== 0;
      return c.native(); // keep the placeholder's flag in step
    case F_GETFL:
      return c.ok(d.file.statusFlags | ((d.file as SimFile).accessMode ?? O_RDWR));
    case F_SETFL:
      d.file.statusFlags = (d.file.statusFlags & ~SETFL_MASK) | (c.u32(2) & SETFL_MASK);
      return c.ok(0);
    case F_DUPFD:
    case F_DUPFD_CLOEXEC: {
      const nfd = k.nativeCall(t, SYS.fcntl, fd, cmd, c.i64(2));
      if (nfd < 0) return c.result(nfd);
      shareFile(k, t, nfd, d.file as SimFile, cmd === F_DUPFD_CLOEXEC);
      return c.ok(nfd);
    }
    case F_SETOWN:
      // Recorded for F_GETOWN; SIGIO/SIGURG are not generated (async I/O is not simulated).
      d.file.asyncOwner = c.int(2);
      return c.ok(0);
    case F_GETOWN:
      return c.ok(d.file.asyncOwner ?? 0);
    case F_SETSIG: {
      const sig = c.i64(2);
      return sig >= 0 && sig <= 64 ? c.ok(0) : c.err(E.EINVAL);
    }
    case F_GETSIG:
      return c.ok(0);
    default: {
      // Kind-specific commands (F_GETPIPE_SZ ...) belong to the object.
      const f = d.file as SimFile;
      return f.fcntl ? c.result(f.fcntl(k, t, d, cmd, c.i64(2))) : c.err(E.EINVAL);
    }
  }
}

/** dup2 / dup3 (c.nr): newfd becomes a copy of oldfd, closing what was there. */
function dupTo(c: SyscallCall, cloexec: boolean, flags: number): Outcome {
  const { k, t } = c;
  const oldfd = c.int(0);
  const newfd = c.int(1);
  const d = descriptor(t, oldfd);
  if (oldfd === newfd) {
    if (c.nr === SYS.dup3) return c.err(E.EINVAL);
    return d || oldfd >= 0 ? c.ok(newfd) : c.err(E.EBADF);
  }
  // Let the kernel move the native placeholder (or native fd) first; it checks the numbers.
  const r = k.nativeCall(t, c.nr, oldfd, newfd, flags);
  if (r < 0) return c.result(r);
  if (t.process.fds.get(newfd)) uninstallFd(k, t, newfd);
  if (d) shareFile(k, t, newfd, d.file as SimFile, cloexec);
  return c.ok(newfd);
}

function dup(c: SyscallCall): Outcome {
  const { k, t } = c;
  const fd = c.int(0);
  const d = descriptor(t, fd);
  if (!d) return c.native();
  const nfd = k.nativeCall(t, SYS.dup, fd);
  if (nfd < 0) return c.result(nfd);
  shareFile(k, t, nfd, d.file as SimFile, false);
  return c.ok(nfd);
}

function dup3(c: SyscallCall): Outcome {
  const flags = c.int(2);
  if ((flags & ~O_CLOEXEC) !== 0) return c.err(E.EINVAL);
  return dupTo(c, (flags & O_CLOEXEC) !== 0, flags);
}

/** Calls that make no sense on an emulated object fail with `errno`; on a native fd they run natively. */
function notOnEmulated(errno: number): (c: SyscallCall) => Outcome {
  return (c) => (descriptor(c.t, c.int(0)) ? c.err(errno) : c.native());
}

const CPU_LIST = Buffer.from('0\n');

const SPECIAL_PATHS: ReadonlySet<string> = new Set([
  '/dev/urandom',
  '/dev/random',
  '/dev/srandom',
  '/proc/sys/kernel/random/uuid',
  '/sys/devices/system/cpu/online',
  '/sys/devices/system/cpu/possible',
  // Forwarded only when the process cannot open the data directory's copy (privileges dropped).
  '/etc/hosts',
  '/etc/gai.conf',
]);

/** "dev:ino" of the FIFO the path names (as the process resolves it), or null when it is not a FIFO. */
function fifoKey(c: SyscallCall, dirfd: number, pathAddr: number, flags: number): string | null {
  const { k, t } = c;
  // Resolve in the process itself (its cwd, its dirfd) without opening the FIFO: O_PATH never blocks.
  const fd = k.nativeCall(t, SYS.openat, dirfd, pathAddr, O_PATH | O_CLOEXEC | (flags & O_NOFOLLOW));
  if (fd < 0) return null;
  try {
    const st = fs.statSync(`/proc/${t.process.nativePid}/task/${t.nativeTid}/fd/${fd}`, { bigint: true });
    return st.isFIFO() ? `${c.t.process.host.id}:${st.dev}:${st.ino}` : null;
  } catch {
    return null;
  } finally {
    k.nativeCall(t, SYS.close, fd);
  }
}

/**
 * open(2) of a FIFO (fifo(7)): a reader waits for a writer and a writer for a
 * reader, in simulated time; O_NONBLOCK readers go on at once, O_NONBLOCK
 * writers with no reader get ENXIO; O_RDWR never waits. null: not a FIFO
 * after all (the shim saw one, but the path changed), or an open that does not
 * reach the pipe (O_PATH, O_CREAT|O_EXCL): it runs natively.
 */
function openFifo(c: SyscallCall, dirfd: number, pathAddr: number, flags: number): Outcome | null {
  const { k, t } = c;
  const access = flags & O_ACCMODE;
  if ((flags & O_PATH) !== 0 || (flags & (O_CREAT | O_EXCL)) === (O_CREAT | O_EXCL) || access === O_ACCMODE) {
    return null;
  }
  const key = fifoKey(c, dirfd, pathAddr, flags);
  if (key === null) return null;
  const fifo = k.fifos.get(key);
  const nonblock = (flags & O_NONBLOCK) !== 0;
  const reading = access === O_RDONLY;
  const rerun = !c.firstRun && fifo.openers.has(t);
  if (access === O_RDWR) {
    fifo.opened(true);
    fifo.opened(false);
  } else if (rerun) {
    if (!fifo.partnerCame(t, reading)) return waitForPartner(c, fifo, reading, false);
  } else {
    if (!reading && nonblock && fifo.count(true) === 0) {
      k.fifos.forgetIfIdle(fifo);
      return c.err(E.ENXIO);
    }
    fifo.opened(reading);
    if (!nonblock && fifo.count(!reading) === 0) return waitForPartner(c, fifo, reading, true);
  }
  const end: FifoEnd = fifo.openEnd(t, access as FifoAccess, flags);
  return c.result(installFile(k, t, end, (flags & O_CLOEXEC) !== 0));
}

function waitForPartner(c: SyscallCall, fifo: Fifo, reading: boolean, firstRun: boolean): Outcome {
  const out = c.blockOn(fifo.openWaiters.asSources, -1);
  fifo.waitFor(c.t, reading, firstRun);
  return out;
}

/** open family, reached only for the special paths the shim forwards and for FIFOs. */
export function openSpecial(c: SyscallCall, dirfd: number, pathAddr: number, flags: number): Outcome {
  const { k, t } = c;
  const p = k.mem.readCString(t.process.nativePid, pathAddr);
  if (p === null) return c.err(E.EFAULT);
  if (p.length > 0 && !SPECIAL_PATHS.has(p) && !p.startsWith('/proc/')) {
    return openFifo(c, dirfd, pathAddr, flags) ?? c.native();
  }
  const cloexec = (flags & O_CLOEXEC) !== 0;
  let f: SimFile;
  if (p === '/dev/urandom' || p === '/dev/random' || p === '/dev/srandom') f = new RandomDevice();
  else if (p === '/proc/sys/kernel/random/uuid') f = new StaticFile(Buffer.from(randomUuid(t)));
  else if (p === '/sys/devices/system/cpu/online' || p === '/sys/devices/system/cpu/possible') {
    if ((flags & O_ACCMODE) !== 0) return c.err(E.EPERM);
    f = new StaticFile(CPU_LIST);
  } else if (p === '/etc/hosts' || p === '/etc/gai.conf') {
    if ((flags & O_ACCMODE) !== 0 || k.opts.hostsFilePath === undefined) return c.err(E.EACCES);
    const file = p === '/etc/hosts' ? k.opts.hostsFilePath : path.join(path.dirname(k.opts.hostsFilePath), 'gai.conf');
    f = new StaticFile(fs.readFileSync(file));
  } else {
    const data = procClockFile(p, t.process, k.sched.nowNs);
    if (data === null) return openProcPid(c, p, flags);
    if (typeof data === 'number') return c.result(data);
    if ((flags & O_ACCMODE) !== 0) return c.err(E.EACCES);
    f = new StaticFile(data);
  }
  f.statusFlags = flags & O_NONBLOCK;
  return c.result(installFile(k, t, f, cloexec));
}

/** open of /proc/<pid>/… (and /proc/self/status): the native process's file, its status with virtual ids. */
function openProcPid(c: SyscallCall, p: string, flags: number): Outcome {
  const { k, t } = c;
  const cloexec = (flags & O_CLOEXEC) !== 0;
  const target = statusTarget(p, t.process);
  if (typeof target === 'number') return c.result(target);
  if (target !== null) {
    if ((flags & O_ACCMODE) !== 0) return c.err(E.EACCES);
    const dir = `/proc/${target.process.nativePid}`;
    let text: string;
    try {
      text = fs.readFileSync(
        target.thread === null ? `${dir}/status` : `${dir}/task/${target.thread.nativeTid}/status`,
        'utf8',
      );
    } catch {
      return c.err(E.ENOENT);
    }
    const f = new StaticFile(Buffer.from(virtualStatus(text, target)));
    f.statusFlags = flags & O_NONBLOCK;
    return c.result(installFile(k, t, f, cloexec));
  }
  const nativePath = nativeProcPath(p, t.process);
  if (nativePath === null) return c.native();
  if (typeof nativePath === 'number') return c.result(nativePath);
  // O_CREAT cannot create anything under /proc: the mode does not matter.
  return c.result(
    nativeCallWithPath(k, t, nativePath, (addr) => k.nativeCall(t, SYS.openat, AT_FDCWD, addr, flags, 0, 0, 0)),
  );
}

export function registerFd(k: Kernel): void {
  k.register(SYS.read, read);
  k.register(SYS.write, write);
  k.register(SYS.readv, (c) => vectored(c, false));
  k.register(SYS.writev, (c) => vectored(c, true));
  k.register(SYS.pread64, notOnEmulated(E.ESPIPE));
  k.register(SYS.pwrite64, notOnEmulated(E.ESPIPE));
  k.register(SYS.close, close);
  k.register(SYS.close_range, closeRange);
  k.register(SYS.fstat, (c) => fstat(c, c.int(0), c.ptr(1)));
  k.register(SYS.fcntl, fcntl);
  k.register(SYS.dup, dup);
  k.register(SYS.dup2, (c) => dupTo(c, false, 0));
  k.register(SYS.dup3, dup3);
  k.register(SYS.lseek, notOnEmulated(E.ESPIPE));
  // fstat spelled as newfstatat(fd, "", buf, AT_EMPTY_PATH), as glibc does; the shim
  // forwards only that form on emulated fds.
  k.register(SYS.newfstatat, (c) => fstat(c, c.int(0), c.ptr(2)));
  k.register(SYS.fadvise64, notOnEmulated(E.ESPIPE));
  k.register(SYS.open, (c) => openSpecial(c, AT_FDCWD, c.ptr(0), c.int(1)));
  k.register(SYS.creat, (c) => openSpecial(c, AT_FDCWD, c.ptr(0), O_CREAT | O_WRONLY | O_TRUNC));
  k.register(SYS.openat, (c) => openSpecial(c, c.int(0), c.ptr(1), c.int(2)));
}
