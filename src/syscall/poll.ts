// poll, ppoll, select, pselect6 in simulated time. Emulated fds report their
// objects' readiness and wake the waiter; native fds (regular files, the
// output files, /dev/null) are always ready for reading and writing, as
// regular files are, and the real kernel is never asked to wait.
import { E } from '../abi/errno';
import { SYS } from '../abi/syscalls';
import {
  EPOLLERR,
  EPOLLHUP,
  EPOLLIN,
  EPOLLOUT,
  EPOLLPRI,
  EPOLLRDBAND,
  EPOLLRDNORM,
  EPOLLWRBAND,
  EPOLLWRNORM,
  POLLNVAL,
} from '../abi/epoll';
import { FD_SET_BYTES, PollScratch } from '../host/fd-table';
import type { Kernel } from '../kernel/kernel';
import { Outcome, SyscallCall } from '../kernel/call';
import { descriptor, nativeFdOpen } from '../files/descriptors';
import { ALWAYS_READY, readiness, SimFile } from '../files/file';
import { deadlineOf, expired, msToNs } from './wait-timeout';
import { applySigmaskArg, checkSigmaskArg, settleSigmask } from './sigmask-arg';

const POLLFD_SIZE = 8;
/** Linux refuses more pollfds than RLIMIT_NOFILE; ours is what the scratch buffer holds. */
const MAX_POLLFDS = 1 << 17;
/** select considers at most FD_SETSIZE descriptors (glibc's fd_set cannot name more). */
const FD_SETSIZE = FD_SET_BYTES * 8;
// Linux's POLLIN_SET / POLLOUT_SET / POLLEX_SET of fs/select.c.
const SEL_IN = EPOLLRDNORM | EPOLLRDBAND | EPOLLIN | EPOLLHUP | EPOLLERR;
const SEL_OUT = EPOLLWRBAND | EPOLLWRNORM | EPOLLOUT | EPOLLERR;
const SEL_EX = EPOLLPRI;

/**
 * Readiness of fd in the calling process: the object's bits for an emulated
 * fd (its watchers join scratch.sources), ALWAYS_READY for an open native fd,
 * -1 for a closed one.
 */
function fdReadiness(c: SyscallCall, scratch: PollScratch, fd: number): number {
  const d = descriptor(c.t, fd);
  if (d) {
    const f = d.file as SimFile;
    if (f.watchers) scratch.sources.push(f.watchers);
    return readiness(f);
  }
  return nativeFdOpen(c.k, c.t, fd) ? ALWAYS_READY : -1;
}

// ------------------------------------------------------------------- poll

/** poll over nfds pollfds at fdsAddr; timeoutNs as deadlineOf takes it. */
function doPoll(c: SyscallCall, fdsAddr: number, nfds: number, timeoutNs: number): Outcome {
  const { k, t } = c;
  if (nfds > MAX_POLLFDS) return c.err(E.EINVAL);
  const pid = t.process.nativePid;
  const bytes = nfds * POLLFD_SIZE;
  if (bytes > 0 && k.mem.read(pid, fdsAddr, bytes) !== bytes) return c.err(E.EFAULT);
  const dv = k.mem.view();
  const scratch = t.process.fds.pollScratch;
  scratch.sources.length = 0;
  let count = 0;
  for (let i = 0; i < nfds; i++) {
    const off = i * POLLFD_SIZE;
    const fd = dv.getInt32(off, true);
    let revents = 0;
    if (fd >= 0) {
      const r = fdReadiness(c, scratch, fd);
      // POLLERR and POLLHUP are reported whether asked for or not.
      revents = r < 0 ? POLLNVAL : r & (dv.getUint16(off + 4, true) | EPOLLERR | EPOLLHUP);
    }
    dv.setUint16(off + 6, revents, true);
    if (revents !== 0) count++;
  }
  if (count === 0 && !expired(c, timeoutNs)) return c.blockOn(scratch.sources, deadlineOf(c, timeoutNs));
  // Linux writes every revents back, zeros included.
  if (bytes > 0 && k.mem.writeScratch(pid, fdsAddr, bytes) !== bytes) return c.err(E.EFAULT);
  if (count === 0 && timeoutNs === 0) return c.emptyPoll(0);
  return c.ok(count);
}

/** Reads a timespec/timeval timeout: ns, -1 for NULL (infinite), or -errno. */
function readTimeout(c: SyscallCall, addr: number, timeval: boolean): number {
  if (addr === 0) return -1;
  if (c.k.mem.read(c.t.process.nativePid, addr, 16) !== 16) return -E.EFAULT;
  const dv = c.k.mem.view();
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
function writeRemaining(c: SyscallCall, addr: number, timeval: boolean, deadline: number): boolean {
  if (addr === 0 || deadline < 0) return true;
  const left = Math.max(0, deadline - c.k.now);
  const sec = Math.floor(left / 1e9);
  const rest = left - sec * 1e9;
  const dv = c.k.mem.view();
  dv.setUint32(0, sec >>> 0, true);
  dv.setUint32(4, Math.floor(sec / 4294967296), true);
  dv.setUint32(8, timeval ? Math.floor(rest / 1e3) : rest, true);
  dv.setUint32(12, 0, true);
  return c.k.mem.writeScratch(c.t.process.nativePid, addr, 16) === 16;
}

/**
 * ppoll: timespec timeout, updated with the time left; the timeout is read
 * before the signal mask is checked, as Linux does.
 */
function ppoll(c: SyscallCall): Outcome {
  const tsAddr = c.ptr(2);
  let timeoutNs = -1;
  if (c.firstRun) {
    timeoutNs = readTimeout(c, tsAddr, false);
    if (timeoutNs < -1) return c.result(timeoutNs);
  }
  const m = checkSigmaskArg(c, c.ptr(3), c.u64(4));
  if (m < 0) return c.result(m);
  applySigmaskArg(c, c.ptr(3));
  const o = settleSigmask(c, doPoll(c, c.ptr(0), c.u32(1), timeoutNs));
  if (o !== Outcome.Done || c.ret < 0 || timeoutNs === 0) return o;
  return writeRemaining(c, tsAddr, false, deadlineOf(c, timeoutNs)) ? o : c.err(E.EFAULT);
}

// ----------------------------------------------------------------- select

/**
 * select and pselect6 share their first five arguments: nfds, the three sets,
 * the timeout. Linux reads the timeout first, then checks pselect6's signal
 * mask (maskAddr, maskBytes; 0 for select), then nfds.
 */
function doSelect(c: SyscallCall, timeval: boolean, maskAddr = 0, maskBytes = 0): Outcome {
  const { k, t } = c;
  const nfdsArg = c.int(0);
  const tvAddr = c.ptr(4);
  let timeoutNs = -1;
  if (c.firstRun) {
    timeoutNs = readTimeout(c, tvAddr, timeval);
    if (timeoutNs < -1) return c.result(timeoutNs);
  }
  const m = checkSigmaskArg(c, maskAddr, maskBytes);
  if (m < 0) return c.result(m);
  if (nfdsArg < 0) return c.err(E.EINVAL);
  applySigmaskArg(c, maskAddr);
  const nfds = Math.min(nfdsArg, FD_SETSIZE);
  // The kernel reads and writes whole longs of each set.
  const bytes = Math.ceil(nfds / 64) * 8;
  const pid = t.process.nativePid;
  const scratch = t.process.fds.pollScratch;
  const { inSets, outSets } = scratch;
  for (let s = 0; s < 3; s++) {
    inSets[s].fill(0, 0, bytes);
    outSets[s].fill(0, 0, bytes);
    const setAddr = c.ptr(1 + s);
    if (setAddr !== 0 && bytes > 0 && k.mem.readBuf(pid, setAddr, inSets[s], 0, bytes) !== bytes) {
      return c.err(E.EFAULT);
    }
  }
  scratch.sources.length = 0;
  let count = 0;
  for (let fd = 0; fd < nfds; fd++) {
    const byte = fd >> 3,
      bit = 1 << (fd & 7);
    const want = (inSets[0][byte] & bit) | (inSets[1][byte] & bit) | (inSets[2][byte] & bit);
    if (want === 0) continue;
    const r = fdReadiness(c, scratch, fd);
    if (r < 0) return c.err(E.EBADF);
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
  const deadline = deadlineOf(c, timeoutNs);
  if (count === 0 && !expired(c, timeoutNs)) return c.blockOn(scratch.sources, deadline);
  for (let s = 0; s < 3; s++) {
    const setAddr = c.ptr(1 + s);
    if (setAddr !== 0 && bytes > 0 && k.mem.writeBuf(pid, setAddr, outSets[s], 0, bytes) !== bytes) {
      return c.err(E.EFAULT);
    }
  }
  if (timeoutNs !== 0 && !writeRemaining(c, tvAddr, timeval, deadline)) return c.err(E.EFAULT);
  if (count === 0 && timeoutNs === 0) return c.emptyPoll(0);
  return c.ok(count);
}

/** pselect6: its sixth argument, {const sigset_t *ss; size_t ss_len}, is read before anything else. */
function pselect6(c: SyscallCall): Outcome {
  const addr = c.ptr(5);
  if (addr === 0) return doSelect(c, false);
  if (c.k.mem.read(c.t.process.nativePid, addr, 16) !== 16) return c.err(E.EFAULT);
  const dv = c.k.mem.view();
  const maskAddr = dv.getUint32(4, true) * 4294967296 + dv.getUint32(0, true);
  const maskBytes = dv.getUint32(12, true) * 4294967296 + dv.getUint32(8, true);
  return settleSigmask(c, doSelect(c, false, maskAddr, maskBytes));
}

export function registerPoll(k: Kernel): void {
  k.register(SYS.poll, (c) => doPoll(c, c.ptr(0), c.u32(1), msToNs(c.int(2))));
  k.register(SYS.ppoll, ppoll);
  k.register(SYS.select, (c) => doSelect(c, true));
  k.register(SYS.pselect6, pselect6);
}
