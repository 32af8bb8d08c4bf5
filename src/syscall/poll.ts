// poll, ppoll, select, pselect6 in simulated time. Emulated fds report their
// objects' readiness and wake the waiter; native fds (regular files, the
// output files, /dev/null) are always ready for reading and writing, as
// regular files are, and the real kernel is never asked to wait.
import { MAX_SIM_TIME } from '../core/time';
import type { Thread } from '../host/thread';
import { E } from '../abi/errno';
import {
  ALWAYS_READY,
  descriptor,
  EPOLLERR,
  EPOLLHUP,
  EPOLLIN,
  EPOLLOUT,
  EPOLLPRI,
  EPOLLRDBAND,
  EPOLLRDNORM,
  EPOLLWRBAND,
  EPOLLWRNORM,
  nativeFdOpen,
  readiness,
  SimFile,
  Watchers,
} from '../files/file';
import type { Kernel } from '../kernel/kernel';
import { SYS } from '../abi/syscalls';

const POLLNVAL = 0x20;
const POLLFD_SIZE = 8;
/** Linux refuses more pollfds than RLIMIT_NOFILE; ours is what the scratch buffer holds. */
const MAX_POLLFDS = 1 << 17;
/** select considers at most FD_SETSIZE descriptors (glibc's fd_set cannot name more). */
const FD_SETSIZE = 1024;
const SET_BYTES = FD_SETSIZE / 8;
// Linux's POLLIN_SET / POLLOUT_SET / POLLEX_SET of fs/select.c.
const SEL_IN = EPOLLRDNORM | EPOLLRDBAND | EPOLLIN | EPOLLHUP | EPOLLERR;
const SEL_OUT = EPOLLWRBAND | EPOLLWRNORM | EPOLLOUT | EPOLLERR;
const SEL_EX = EPOLLPRI;

// Preallocated: the wait sources of one blocking call, and select's bitmaps.
const sources: Watchers[] = [];
const inSets = [new Uint8Array(SET_BYTES), new Uint8Array(SET_BYTES), new Uint8Array(SET_BYTES)];
const outSets = [new Uint8Array(SET_BYTES), new Uint8Array(SET_BYTES), new Uint8Array(SET_BYTES)];

/**
 * Readiness of fd in t's process: the object's bits for an emulated fd,
 * ALWAYS_READY for an open native fd, -1 for a closed one. Collects wait sources.
 */
function fdReadiness(k: Kernel, t: Thread, fd: number): number {
  const d = descriptor(t, fd);
  if (d) {
    const f = d.file as SimFile;
    if (f.watchers) sources.push(f.watchers);
    return readiness(f);
  }
  return nativeFdOpen(k, t, fd) ? ALWAYS_READY : -1;
}

/** Deadline (absolute ns, -1: none) of this run: computed on the first run, kept after a wake. */
function deadlineOf(k: Kernel, t: Thread, timeoutNs: number): number {
  if (t.wokenBy !== 'none') return t.deadlineNs;
  return timeoutNs < 0 ? -1 : deadlineAfter(k, timeoutNs);
}

/** now + ns, held below 2^53 (a timeout of years is as good as forever). */
export function deadlineAfter(k: Kernel, ns: number): number {
  return Math.min(k.now + ns, MAX_SIM_TIME);
}

/** True when the call must return now even with nothing ready (zero timeout or expired). */
function expired(k: Kernel, t: Thread, timeoutNs: number): boolean {
  return t.wokenBy === 'none' ? timeoutNs === 0 : k.timedOut(t);
}

// ------------------------------------------------------------------- poll

function doPoll(k: Kernel, t: Thread, fdsAddr: number, nfds: number, timeoutNs: number): number {
  if (nfds < 0 || nfds > MAX_POLLFDS) return -E.EINVAL;
  const pid = t.process.nativePid;
  const bytes = nfds * POLLFD_SIZE;
  if (bytes > 0 && k.mem.read(pid, fdsAddr, bytes) !== bytes) return -E.EFAULT;
  const dv = k.mem.view();
  sources.length = 0;
  let count = 0;
  for (let i = 0; i < nfds; i++) {
    const off = i * POLLFD_SIZE;
    const fd = dv.getInt32(off, true);
    let revents = 0;
    if (fd >= 0) {
      const r = fdReadiness(k, t, fd);
      // POLLERR and POLLHUP are reported whether asked for or not.
      revents = r < 0 ? POLLNVAL : r & (dv.getUint16(off + 4, true) | EPOLLERR | EPOLLHUP);
    }
    dv.setUint16(off + 6, revents, true);
    if (revents !== 0) count++;
  }
  if (count === 0 && !expired(k, t, timeoutNs)) {
    return k.blockOn(t, sources, deadlineOf(k, t, timeoutNs));
  }
  // Linux writes every revents back, zeros included.
  if (bytes > 0 && k.mem.writeScratch(pid, fdsAddr, bytes) !== bytes) return -E.EFAULT;
  if (count === 0 && timeoutNs === 0) return k.emptyPoll(t, 0);
  return count;
}

/** Reads a timespec/timeval timeout: ns, -1 for NULL (infinite), or -errno. */
function readTimeout(k: Kernel, t: Thread, addr: number, timeval: boolean): number {
  if (addr === 0) return -1;
  if (k.mem.read(t.process.nativePid, addr, 16) !== 16) return -E.EFAULT;
  const dv = k.mem.view();
  const sec = dv.getInt32(4, true) * 4294967296 + dv.getUint32(0, true);
  const frac = dv.getInt32(12, true) * 4294967296 + dv.getUint32(8, true);
  if (sec < 0 || frac < 0) return -E.EINVAL;
  if (timeval) return sec * 1e9 + frac * 1e3; // tv_usec may exceed a second: Linux normalizes it
  if (frac >= 1e9) return -E.EINVAL;
  return sec * 1e9 + frac;
}

/**
 * Linux writes the time left back into a select/pselect/ppoll timeout
 * (never for a zero timeout). The deadline is the one of this call.
 */
function writeRemaining(k: Kernel, t: Thread, addr: number, timeval: boolean, deadline: number): boolean {
  if (addr === 0 || deadline < 0) return true;
  const left = Math.max(0, deadline - k.now);
  const sec = Math.floor(left / 1e9);
  const rest = left - sec * 1e9;
  const dv = k.mem.view();
  dv.setUint32(0, sec >>> 0, true);
  dv.setUint32(4, Math.floor(sec / 4294967296), true);
  dv.setUint32(8, timeval ? Math.floor(rest / 1e3) : rest, true);
  dv.setUint32(12, 0, true);
  return k.mem.writeScratch(t.process.nativePid, addr, 16) === 16;
}

/** ppoll: timespec timeout, updated with the time left. The signal mask is not emulated yet. */
function ppoll(k: Kernel, t: Thread, a: Float64Array): number {
  if (a[3] !== 0 && a[4] !== 8) return -E.EINVAL;
  let timeoutNs = -1;
  if (t.wokenBy === 'none') {
    timeoutNs = readTimeout(k, t, a[2], false);
    if (timeoutNs < -1) return timeoutNs;
  }
  const r = doPoll(k, t, a[0], a[1], timeoutNs);
  if (r < 0 || timeoutNs === 0) return r;
  const deadline = deadlineOf(k, t, timeoutNs);
  return writeRemaining(k, t, a[2], false, deadline) ? r : -E.EFAULT;
}

// ----------------------------------------------------------------- select

/** select and pselect6 share their first five arguments: nfds, the three sets (a[1..3]), the timeout. */
function doSelect(k: Kernel, t: Thread, a: Float64Array, timeval: boolean): number {
  const nfdsArg = a[0] | 0; // the kernel takes an int
  const tvAddr = a[4];
  if (nfdsArg < 0) return -E.EINVAL;
  let timeoutNs = -1;
  if (t.wokenBy === 'none') {
    timeoutNs = readTimeout(k, t, tvAddr, timeval);
    if (timeoutNs < -1) return timeoutNs;
  }
  const nfds = Math.min(nfdsArg, FD_SETSIZE);
  // The kernel reads and writes whole longs of each set.
  const bytes = Math.ceil(nfds / 64) * 8;
  const pid = t.process.nativePid;
  for (let s = 0; s < 3; s++) {
    inSets[s].fill(0, 0, bytes);
    outSets[s].fill(0, 0, bytes);
    if (a[1 + s] !== 0 && bytes > 0 && k.mem.readBuf(pid, a[1 + s], inSets[s], 0, bytes) !== bytes) {
      return -E.EFAULT;
    }
  }
  sources.length = 0;
  let count = 0;
  for (let fd = 0; fd < nfds; fd++) {
    const byte = fd >> 3,
      bit = 1 << (fd & 7);
    const want = (inSets[0][byte] & bit) | (inSets[1][byte] & bit) | (inSets[2][byte] & bit);
    if (want === 0) continue;
    const r = fdReadiness(k, t, fd);
    if (r < 0) return -E.EBADF;
    if ((inSets[0][byte] & bit) !== 0 && (r & SEL_IN) !== 0) {
      outSets[0][byte] |= bit;
      count++;
    }
    if ((inSets[1][byte] & bit) !== 0 && (r & SEL_OUT) !== 0) {
      outSets[1][byte] |= bit;
      count++;
    }
    if ((inSets[2][byte] & bit) !== 0 && (r & SEL_EX) !== 0) {
      outSets[2][byte] |= bit;
      count++;
    }
  }
  const deadline = deadlineOf(k, t, timeoutNs);
  if (count === 0 && !expired(k, t, timeoutNs)) return k.blockOn(t, sources, deadline);
  for (let s = 0; s < 3; s++) {
    if (a[1 + s] !== 0 && bytes > 0 && k.mem.writeBuf(pid, a[1 + s], outSets[s], 0, bytes) !== bytes) {
      return -E.EFAULT;
    }
  }
  if (timeoutNs !== 0 && !writeRemaining(k, t, tvAddr, timeval, deadline)) return -E.EFAULT;
  if (count === 0 && timeoutNs === 0) return k.emptyPoll(t, 0);
  return count;
}

/** pselect6's sixth argument: {const sigset_t *ss; size_t ss_len}; the mask itself is not emulated yet. */
function pselectMaskOk(k: Kernel, t: Thread, addr: number): number {
  if (addr === 0) return 0;
  if (k.mem.read(t.process.nativePid, addr, 16) !== 16) return -E.EFAULT;
  const dv = k.mem.view();
  const hasMask = (dv.getUint32(0, true) | dv.getUint32(4, true)) !== 0;
  const len8 = dv.getUint32(8, true) === 8 && dv.getUint32(12, true) === 0;
  return hasMask && !len8 ? -E.EINVAL : 0;
}

function msToNs(ms: number): number {
  const v = ms | 0; // the kernel takes an int
  return v < 0 ? -1 : v * 1e6;
}

export function registerPoll(k: Kernel): void {
  k.registerLegacy(SYS.poll, (kk, t, a) => doPoll(kk, t, a[0], a[1], msToNs(a[2])));
  k.registerLegacy(SYS.ppoll, ppoll);
  k.registerLegacy(SYS.select, (kk, t, a) => doSelect(kk, t, a, true));
  k.registerLegacy(SYS.pselect6, (kk, t, a) => {
    const m = pselectMaskOk(kk, t, a[5]);
    return m < 0 ? m : doSelect(kk, t, a, false);
  });
}
