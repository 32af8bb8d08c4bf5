// The *at calls that reach the simulator. Path calls run natively (the real
// file system is the simulated one); the shim (native/shim/at.c) forwards
// only the forms that act on the dirfd itself (an empty path with
// AT_EMPTY_PATH, a NULL path for utimensat/futimesat) when that fd is
// emulated, whose native twin is a placeholder. They are answered here as
// Linux answers them for a socket, pipe or anonymous inode owned by the
// caller; statx's AT_EMPTY_PATH form as fstat. openat2 comes here whole, as
// openat does for its special paths.
import { E } from '../abi/errno';
import { SYS } from '../abi/syscalls';
import { O_CREAT, O_TMPFILE } from '../abi/fcntl';
import type { Kernel } from '../kernel/kernel';
import type { Outcome, SyscallCall } from '../kernel/call';
import { fileOf } from '../files/descriptors';
import { statModeOf, type SimFile } from '../files/file';
import { openSpecial } from './fd';

const AT_SYMLINK_NOFOLLOW = 0x100;
const AT_EACCESS = 0x200;
const AT_SYMLINK_FOLLOW = 0x400;
const AT_EMPTY_PATH = 0x1000;
const UTIME_NOW = (1 << 30) - 1;
const UTIME_OMIT = (1 << 30) - 2;
/** struct open_how as of Linux 5.6 (flags, mode, resolve: three u64); larger ones only add fields. */
const OPEN_HOW_SIZE_VER0 = 24;
const PAGE_BYTES = 4096;
const OPEN_HOW_RESOLVE_KNOWN = 0x3f;

/**
 * The emulated file the call acts on, null when it must run natively (a
 * non-empty path, or an fd that is not emulated after all), or -errno.
 */
function target(c: SyscallCall, fdArg: number, pathArg: number): SimFile | null | number {
  const pathAddr = c.ptr(pathArg);
  if (pathAddr !== 0) {
    const p = c.k.mem.readCString(c.t.process.nativePid, pathAddr);
    if (p === null) return -E.EFAULT;
    if (p !== '') return null;
  }
  return fileOf(c.t, c.int(fdArg)) ?? null;
}

/** Runs the answer `act` gives for an emulated target, natively otherwise. */
function onTarget(c: SyscallCall, fdArg: number, pathArg: number, act: (f: SimFile) => number): Outcome {
  const f = target(c, fdArg, pathArg);
  if (f === null) return c.native();
  if (typeof f === 'number') return c.result(f);
  return c.result(act(f));
}

/**
 * For calls newer than some kernels (fchmodat2: 6.6, the xattrat calls: 6.13,
 * file_getattr/setattr: 6.17): a kernel without the call answers ENOSYS for
 * emulated objects too. The probe (dirfd -1, no path) fails without effect.
 */
function ifKernelHas(handler: (c: SyscallCall) => Outcome): (c: SyscallCall) => Outcome {
  return (c) => (c.k.nativeCall(c.t, c.nr, -1) === -E.ENOSYS ? c.err(E.ENOSYS) : handler(c));
}

/** Linux's nsec_valid: a time, or UTIME_NOW / UTIME_OMIT. */
function nsecValid(nsec: number): boolean {
  return nsec === UTIME_NOW || nsec === UTIME_OMIT || (nsec >= 0 && nsec < 1e9);
}

/** utimensat(dirfd, path, times, flags) on the fd itself: the caller owns it, so only the arguments can fail. */
function utimensat(c: SyscallCall): Outcome {
  const flags = c.int(3);
  const timesAddr = c.ptr(2);
  return onTarget(c, 0, 1, () => {
    let valid = true;
    if (timesAddr !== 0) {
      if (c.k.mem.read(c.t.process.nativePid, timesAddr, 32) !== 32) return -E.EFAULT;
      const dv = c.k.mem.view();
      valid = nsecValid(dv.getInt32(12, true) * 4294967296 + dv.getUint32(8, true));
      valid &&= nsecValid(dv.getInt32(28, true) * 4294967296 + dv.getUint32(24, true));
    }
    // do_utimes_fd takes no flags; the AT_EMPTY_PATH form takes these two.
    const allowed = c.ptr(1) === 0 ? 0 : AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH;
    if ((flags & ~allowed) !== 0) return -E.EINVAL;
    return valid ? 0 : -E.EINVAL;
  });
}

/** futimesat(dirfd, NULL, timevals): utimes of the fd itself. */
function futimesat(c: SyscallCall): Outcome {
  if (c.ptr(1) !== 0) return c.native();
  const timesAddr = c.ptr(2);
  return onTarget(c, 0, 1, () => {
    if (timesAddr === 0) return 0;
    if (c.k.mem.read(c.t.process.nativePid, timesAddr, 32) !== 32) return -E.EFAULT;
    const dv = c.k.mem.view();
    for (const off of [8, 24]) {
      const usec = dv.getInt32(off + 4, true) * 4294967296 + dv.getUint32(off, true);
      if (usec < 0 || usec >= 1e6) return -E.EINVAL;
    }
    return 0;
  });
}

/** fchownat(fd, "", uid, gid, AT_EMPTY_PATH): no change is always allowed; a change needs CAP_CHOWN. */
function fchownat(c: SyscallCall): Outcome {
  if ((c.int(4) & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) !== 0) return c.err(E.EINVAL);
  return onTarget(c, 0, 1, (f) => chown(c, f, c.int(2), c.int(3)));
}

/** fchmodat2(fd, "", mode, AT_EMPTY_PATH): the owner may; fstat shows the new bits. */
function fchmodat2(c: SyscallCall): Outcome {
  if ((c.int(3) & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) !== 0) return c.err(E.EINVAL);
  const mode = c.u32(2);
  return onTarget(c, 0, 1, (f) => chmod(f, mode));
}

/** Objects on an anonymous inode (eventfd, timerfd, signalfd, pidfd) have no attributes to change. */
function isAnonInode(f: SimFile): boolean {
  return f.statMode !== undefined && (f.statMode & 0o170000) === 0;
}

function chmod(f: SimFile, mode: number): number {
  if (isAnonInode(f)) return -E.EOPNOTSUPP;
  f.chmodBits = mode & 0o7777;
  return 0;
}

/** A change of owner needs CAP_CHOWN (root here); no change is always allowed. */
function chown(c: SyscallCall, f: SimFile, uid: number, gid: number): number {
  if (isAnonInode(f)) return -E.EOPNOTSUPP;
  if (uid === -1 && gid === -1) return 0;
  return c.k.nativeCall(c.t, SYS.geteuid) === 0 ? 0 : -E.EPERM;
}

/** The fd-only calls (fchmod, fchown, f*xattr) on an emulated fd; the shim forwards no other. */
function onFd(c: SyscallCall, act: (f: SimFile) => number): Outcome {
  const f = fileOf(c.t, c.int(0));
  return f === undefined ? c.native() : c.result(act(f));
}

/** fchown(fd, uid, gid). */
function fchown(c: SyscallCall): Outcome {
  return onFd(c, (f) => chown(c, f, c.int(1), c.int(2)));
}

/**
 * faccessat2(fd, "", mode, AT_EMPTY_PATH): the object's permission bits, the
 * caller being their owner; root passes read and write, and execute when any
 * execute bit is set.
 */
function faccessat2(c: SyscallCall): Outcome {
  const mode = c.int(2);
  if ((c.int(3) & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) !== 0) return c.err(E.EINVAL);
  if ((mode & ~7) !== 0) return c.err(E.EINVAL);
  return onTarget(c, 0, 1, (f) => {
    const bits = statModeOf(f) & 0o777;
    const root = c.k.nativeCall(c.t, c.int(3) & AT_EACCESS ? SYS.geteuid : SYS.getuid) === 0;
    if (root) return (mode & 1) === 0 || (bits & 0o111) !== 0 ? 0 : -E.EACCES;
    return ((bits >> 6) & mode) === mode ? 0 : -E.EACCES;
  });
}

/** linkat(fd, "", newdirfd, newpath, AT_EMPTY_PATH): the object lives on an internal mount, never the target's. */
function linkat(c: SyscallCall): Outcome {
  if ((c.int(4) & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH)) !== 0) return c.err(E.EINVAL);
  return onTarget(c, 0, 1, () => -E.EXDEV);
}

/** An answer for every emulated object (pathArg: where the path is). */
function answer(pathArg: number, r: number): (c: SyscallCall) => Outcome {
  return (c) => onTarget(c, 0, pathArg, () => r);
}

const STATX_BYTES = 256;
const STATX_BASIC_STATS = 0x7ff;
const STATX_RESERVED = 0x80000000;
const AT_NO_AUTOMOUNT = 0x800;
const AT_STATX_SYNC_TYPE = 0x6000;

/**
 * statx(fd, "", AT_EMPTY_PATH, mask, buf) on an emulated fd (the shim forwards
 * only that form): what fstat reports of the object (type and mode, one link,
 * 4096-byte blocks), as the basic fields.
 */
function statx(c: SyscallCall): Outcome {
  const flags = c.int(2);
  const known = AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE;
  if ((flags & ~known) !== 0 || (flags & AT_STATX_SYNC_TYPE) === AT_STATX_SYNC_TYPE) return c.err(E.EINVAL);
  if ((c.u32(3) & STATX_RESERVED) !== 0) return c.err(E.EINVAL);
  return onTarget(c, 0, 1, (f) => {
    const dv = c.k.mem.view();
    for (let i = 0; i < STATX_BYTES; i += 4) dv.setUint32(i, 0, true);
    dv.setUint32(0, STATX_BASIC_STATS, true); // stx_mask
    dv.setUint32(4, 4096, true); // stx_blksize
    dv.setUint32(16, 1, true); // stx_nlink
    dv.setUint16(28, statModeOf(f), true); // stx_mode
    return c.k.mem.writeScratch(c.t.process.nativePid, c.ptr(4), STATX_BYTES) === STATX_BYTES ? 0 : -E.EFAULT;
  });
}

/** openat2(dirfd, path, how, size): openat with its flags in struct open_how. */
function openat2(c: SyscallCall): Outcome {
  const size = c.u64(3);
  if (size < OPEN_HOW_SIZE_VER0) return c.err(E.EINVAL);
  if (size > PAGE_BYTES) return c.err(E.E2BIG);
  if (c.k.mem.read(c.t.process.nativePid, c.ptr(2), OPEN_HOW_SIZE_VER0) !== OPEN_HOW_SIZE_VER0) {
    return c.err(E.EFAULT);
  }
  const dv = c.k.mem.view();
  const flagsHigh = dv.getUint32(4, true);
  const flags = dv.getUint32(0, true) | 0;
  const mode = dv.getUint32(8, true) + dv.getUint32(12, true) * 4294967296;
  const resolveHigh = dv.getUint32(20, true);
  const resolve = dv.getUint32(16, true);
  // Linux's build_open_flags checks these before looking at the path; anything else it checks natively.
  if (flagsHigh !== 0 || resolveHigh !== 0 || (resolve & ~OPEN_HOW_RESOLVE_KNOWN) !== 0) return c.err(E.EINVAL);
  if (mode !== 0 && (flags & (O_CREAT | O_TMPFILE)) === 0) return c.err(E.EINVAL);
  return openSpecial(c, c.int(0), c.ptr(1), flags);
}

export function registerAtFamily(k: Kernel): void {
  k.register(SYS.utimensat, utimensat);
  k.register(SYS.futimesat, futimesat);
  k.register(SYS.fchownat, fchownat);
  k.register(SYS.fchmodat2, ifKernelHas(fchmodat2));
  k.register(SYS.faccessat2, faccessat2);
  k.register(SYS.linkat, linkat);
  // sockfs, pipefs and anonymous inodes cannot be exported or carry file attributes.
  k.register(SYS.name_to_handle_at, answer(1, -E.EOPNOTSUPP));
  k.register(SYS.file_getattr, ifKernelHas(answer(1, -E.EOPNOTSUPP)));
  k.register(SYS.file_setattr, ifKernelHas(answer(1, -E.EOPNOTSUPP)));
  // Extended attributes of emulated objects are not kept: none is ever found, and storing
  // one is refused as by kernels before 6.16 (which had no user.* xattrs on sockets and pipes).
  k.register(SYS.getxattrat, ifKernelHas(answer(1, -E.ENODATA)));
  k.register(SYS.listxattrat, ifKernelHas(answer(1, 0)));
  k.register(SYS.removexattrat, ifKernelHas(answer(1, -E.ENODATA)));
  k.register(SYS.setxattrat, ifKernelHas(answer(1, -E.EOPNOTSUPP)));
  k.register(SYS.openat2, openat2);
  k.register(SYS.statx, statx);
  k.register(SYS.fchmod, (c) => onFd(c, (f) => chmod(f, c.u32(1))));
  k.register(SYS.fchown, fchown);
  k.register(SYS.fgetxattr, (c) => onFd(c, () => -E.ENODATA));
  k.register(SYS.flistxattr, (c) => onFd(c, () => 0));
  k.register(SYS.fremovexattr, (c) => onFd(c, () => -E.ENODATA));
  k.register(SYS.fsetxattr, (c) => onFd(c, () => -E.EOPNOTSUPP));
}
