// Descriptor syscalls that reach the simulator: only those whose fd is
// emulated (the shim runs the rest natively). Each call is passed to the
// object; a kind that lacks an operation gets the errno Linux would give.
import type { Descriptor } from '../host/fd-table';
import type { Thread } from '../host/thread';
import { E } from '../abi/errno';
import { BLOCKED, DO_NATIVE, Kernel } from '../kernel/kernel';
import { SYS } from '../abi/syscalls';
import { descriptor, installFile, O_CLOEXEC, O_NONBLOCK, SimFile, StaticFile, uninstallFd } from '../files/file';
import { RandomDevice, randomUuid } from './random';

function file(t: Thread, fd: number): SimFile | undefined {
  return descriptor(t, fd)?.file as SimFile | undefined;
}

/**
 * Optional operations an object may add to SimFile; fd.ts uses them when
 * present (sockets have them), so other kinds keep the plain behaviour.
 */
interface IoHooks {
  /** readv/writev as one operation (a datagram is one message, a stream write keeps its progress). */
  readv?(k: Kernel, t: Thread, d: Descriptor, iovAddr: number, count: number): number;
  writev?(k: Kernel, t: Thread, d: Descriptor, iovAddr: number, count: number): number;
  /** Deadline for a blocking read/write that must wait (SO_RCVTIMEO / SO_SNDTIMEO); -1: none. */
  blockDeadlineNs?(k: Kernel, t: Thread, writing: boolean): number;
  /** Runs before the last descriptor closes; BLOCKED makes close() wait and re-run (SO_LINGER). */
  closeWait?(k: Kernel, t: Thread): number;
}

type HookedFile = SimFile & IoHooks;

/**
 * Turns an object's -EAGAIN into blocking for a blocking descriptor: the
 * thread parks on the object's watchers and the syscall re-runs when woken.
 * An object with blockDeadlineNs bounds the wait; once it passed, the re-run
 * call's -EAGAIN is the answer.
 */
export function maybeBlock(k: Kernel, t: Thread, d: Descriptor, r: number, writing = false): number {
  if (r !== -E.EAGAIN || (d.file.statusFlags & O_NONBLOCK) !== 0) return r;
  const f = d.file as HookedFile;
  const w = f.watchers;
  if (!w) return r;
  let deadline = -1;
  if (f.blockDeadlineNs) {
    if (t.wokenBy !== 'none') {
      if (k.timedOut(t)) return r;
      deadline = t.deadlineNs;
    } else {
      deadline = f.blockDeadlineNs(k, t, writing);
    }
  }
  return k.blockOn(t, [w], deadline);
}

function read(k: Kernel, t: Thread, a: Float64Array): number {
  const d = descriptor(t, a[0]);
  if (!d) return -E.EBADF;
  const f = d.file as SimFile;
  if (!f.read) return -E.EINVAL;
  return maybeBlock(k, t, d, f.read(k, t, d, a[1], a[2]));
}

function write(k: Kernel, t: Thread, a: Float64Array): number {
  const d = descriptor(t, a[0]);
  if (!d) return -E.EBADF;
  const f = d.file as SimFile;
  if (!f.write) return -E.EINVAL;
  return maybeBlock(k, t, d, f.write(k, t, d, a[1], a[2]), true);
}

/**
 * readv/writev over emulated objects: the object's own vectored operation
 * when it has one, else one iovec at a time, stopping on a short transfer.
 */
function vectored(k: Kernel, t: Thread, a: Float64Array, writing: boolean): number {
  const d = descriptor(t, a[0]);
  if (!d) return -E.EBADF;
  const f = d.file as HookedFile;
  const vop = writing ? f.writev : f.readv;
  if (vop) return maybeBlock(k, t, d, vop.call(f, k, t, d, a[1], a[2]), writing);
  const op = writing ? f.write : f.read;
  if (!op) return -E.EINVAL;
  const count = a[2];
  if (count < 0 || count > 1024) return -E.EINVAL;
  const pid = t.process.nativePid;
  if (k.mem.read(pid, a[1], count * 16) !== count * 16) return -E.EFAULT;
  const dv = k.mem.view();
  const iov: number[] = [];
  for (let i = 0; i < count; i++) {
    iov.push(dv.getUint32(i * 16 + 4, true) * 4294967296 + dv.getUint32(i * 16, true));
    iov.push(dv.getUint32(i * 16 + 12, true) * 4294967296 + dv.getUint32(i * 16 + 8, true));
  }
  let total = 0;
  for (let i = 0; i < count; i++) {
    const len = iov[2 * i + 1];
    if (len === 0) continue;
    const r = op.call(f, k, t, d, iov[2 * i], len);
    if (r < 0) return total > 0 ? total : maybeBlock(k, t, d, r, writing);
    total += r;
    if (r < len) break;
  }
  return total;
}

function close(k: Kernel, t: Thread, a: Float64Array): number {
  const d = descriptor(t, a[0]);
  if (d && d.file.refs === 1) {
    const f = d.file as HookedFile;
    if (f.closeWait && f.closeWait(k, t) === BLOCKED) return BLOCKED;
  }
  uninstallFd(k, t, a[0]);
  return DO_NATIVE; // the shim closes the native fd (the placeholder, for an emulated one)
}

/** A synthetic struct stat for an emulated object (the kind shows in st_mode). */
function fstat(k: Kernel, t: Thread, fd: number, bufAddr: number): number {
  const f = file(t, fd);
  if (!f) return DO_NATIVE;
  const dv = k.mem.view();
  for (let i = 0; i < 144; i += 4) dv.setUint32(i, 0, true);
  dv.setUint32(24, f.statMode ?? 0o140777, true); // st_mode
  dv.setUint32(16, 1, true); // st_nlink
  dv.setUint32(56, 4096, true); // st_blksize
  return k.mem.writeScratch(t.process.nativePid, bufAddr, 144) === 144 ? 0 : -E.EFAULT;
}

const F_DUPFD = 0,
  F_GETFD = 1,
  F_SETFD = 2,
  F_GETFL = 3,
  F_SETFL = 4,
  F_DUPFD_CLOEXEC = 1030;
const SETTABLE_FLAGS = 0o2000 /* O_APPEND */ | 0o20000 /* O_ASYNC */ | O_NONBLOCK | 0o40000 /* O_DIRECT */ | 0o1000000;

const F_SETOWN = 8,
  F_GETOWN = 9,
  F_SETSIG = 10,
  F_GETSIG = 11;
/** The process (or -group) named by F_SETOWN, per open file. */
const asyncOwner = new WeakMap<object, number>();

function fcntl(k: Kernel, t: Thread, a: Float64Array): number {
  const d = descriptor(t, a[0]);
  if (!d) return DO_NATIVE;
  switch (a[1]) {
    case F_GETFD:
      return d.cloexec ? 1 : 0;
    case F_SETFD:
      d.cloexec = (a[2] & 1) !== 0;
      return DO_NATIVE; // keep the placeholder's flag in step
    case F_GETFL:
      return d.file.statusFlags | ((d.file as SimFile).accessMode ?? 2); /* O_RDWR */
    case F_SETFL:
      d.file.statusFlags = (d.file.statusFlags & ~SETTABLE_FLAGS) | (a[2] & SETTABLE_FLAGS);
      return 0;
    case F_DUPFD:
    case F_DUPFD_CLOEXEC: {
      const nfd = k.nativeCall(t, SYS.fcntl, a[0], a[1], a[2]);
      if (nfd < 0) return nfd;
      t.process.fds.set(nfd, d.file, a[1] === F_DUPFD_CLOEXEC);
      k.shm.setFdEmulated(t.process.slot, nfd, true);
      return nfd;
    }
    case F_SETOWN:
      // Recorded for F_GETOWN; SIGIO/SIGURG are not generated (async I/O is not simulated).
      asyncOwner.set(d.file, a[2] | 0);
      return 0;
    case F_GETOWN:
      return asyncOwner.get(d.file) ?? 0;
    case F_SETSIG:
      return a[2] >= 0 && a[2] <= 64 ? 0 : -E.EINVAL;
    case F_GETSIG:
      return 0;
    default: {
      // Kind-specific commands (F_GETPIPE_SZ ...) belong to the object.
      const f = d.file as SimFile;
      return f.fcntl ? f.fcntl(k, t, d, a[1], a[2]) : -E.EINVAL;
    }
  }
}

function dupTo(
  k: Kernel,
  t: Thread,
  oldfd: number,
  newfd: number,
  cloexec: boolean,
  nr: number,
  flags: number,
): number {
  const d = descriptor(t, oldfd);
  if (oldfd === newfd) return nr === SYS.dup3 ? -E.EINVAL : d || oldfd >= 0 ? newfd : -E.EBADF;
  // Let the kernel move the native placeholder (or native fd) first; it checks the numbers.
  const r = k.nativeCall(t, nr, oldfd, newfd, flags);
  if (r < 0) return r;
  if (t.process.fds.get(newfd)) uninstallFd(k, t, newfd);
  if (d) {
    t.process.fds.set(newfd, d.file, cloexec);
    k.shm.setFdEmulated(t.process.slot, newfd, true);
  }
  return newfd;
}

function dup(k: Kernel, t: Thread, a: Float64Array): number {
  const d = descriptor(t, a[0]);
  if (!d) return DO_NATIVE;
  const nfd = k.nativeCall(t, SYS.dup, a[0]);
  if (nfd < 0) return nfd;
  t.process.fds.set(nfd, d.file, false);
  k.shm.setFdEmulated(t.process.slot, nfd, true);
  return nfd;
}

function lseek(_k: Kernel, t: Thread, a: Float64Array): number {
  return descriptor(t, a[0]) ? -E.ESPIPE : DO_NATIVE;
}

const CPU_LIST = Buffer.from('0\n');

/** open family, reached only for the special paths the shim forwards. */
function openSpecial(k: Kernel, t: Thread, pathAddr: number, flags: number): number {
  const p = k.mem.readCString(t.process.nativePid, pathAddr);
  if (p === null) return -E.EFAULT;
  const cloexec = (flags & O_CLOEXEC) !== 0;
  let f: SimFile;
  if (p === '/dev/urandom' || p === '/dev/random' || p === '/dev/srandom') f = new RandomDevice();
  else if (p === '/proc/sys/kernel/random/uuid') f = new StaticFile(Buffer.from(randomUuid(t)));
  else if (p === '/sys/devices/system/cpu/online' || p === '/sys/devices/system/cpu/possible') {
    if ((flags & 3) !== 0) return -E.EPERM;
    f = new StaticFile(CPU_LIST);
  } else return DO_NATIVE;
  f.statusFlags = flags & O_NONBLOCK;
  return installFile(k, t, f, cloexec);
}

export function registerFd(k: Kernel): void {
  k.registerLegacy(SYS.read, read);
  k.registerLegacy(SYS.write, write);
  k.registerLegacy(SYS.readv, (kk, t, a) => vectored(kk, t, a, false));
  k.registerLegacy(SYS.writev, (kk, t, a) => vectored(kk, t, a, true));
  k.registerLegacy(SYS.pread64, (_k, t, a) => (descriptor(t, a[0]) ? -E.ESPIPE : DO_NATIVE));
  k.registerLegacy(SYS.pwrite64, (_k, t, a) => (descriptor(t, a[0]) ? -E.ESPIPE : DO_NATIVE));
  k.registerLegacy(SYS.close, close);
  k.registerLegacy(SYS.fstat, (kk, t, a) => fstat(kk, t, a[0], a[1]));
  k.registerLegacy(SYS.fcntl, fcntl);
  k.registerLegacy(SYS.dup, dup);
  k.registerLegacy(SYS.dup2, (kk, t, a) => dupTo(kk, t, a[0], a[1], false, SYS.dup2, 0));
  k.registerLegacy(SYS.dup3, (kk, t, a) => {
    if ((a[2] & ~O_CLOEXEC) !== 0) return -E.EINVAL;
    return dupTo(kk, t, a[0], a[1], (a[2] & O_CLOEXEC) !== 0, SYS.dup3, a[2]);
  });
  k.registerLegacy(SYS.lseek, lseek);
  // fstat spelled as newfstatat(fd, "", buf, AT_EMPTY_PATH), as glibc does; the shim
  // forwards only that form on emulated fds.
  k.registerLegacy(SYS.newfstatat, (kk, t, a) => fstat(kk, t, a[0], a[2]));
  k.registerLegacy(SYS.statx, (_k, t, a) => (descriptor(t, a[0]) ? -E.ENOSYS : DO_NATIVE));
  k.registerLegacy(SYS.fadvise64, (_k, t, a) => (descriptor(t, a[0]) ? -E.ESPIPE : DO_NATIVE));
  k.registerLegacy(SYS.open, (kk, t, a) => openSpecial(kk, t, a[0], a[1]));
  k.registerLegacy(SYS.creat, (kk, t, a) => openSpecial(kk, t, a[0], 0o1101));
  k.registerLegacy(SYS.openat, (kk, t, a) => openSpecial(kk, t, a[1], a[2]));
}
