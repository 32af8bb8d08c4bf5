// epoll_create/ctl/wait and friends: decode descriptors, struct epoll_event
// and timeouts, and call the EpollFile (src/files/epoll.ts); epoll_wait
// collects its ready events or blocks in simulated time.
import { E } from '../abi/errno';
import { SYS } from '../abi/syscalls';
import { EPOLL_CTL_DEL, EPOLL_EVENT_SIZE } from '../abi/epoll';
import { O_CLOEXEC } from '../abi/fcntl';
import type { Kernel } from '../kernel/kernel';
import { Outcome, SyscallCall } from '../kernel/call';
import { descriptor, installFile, nativeFdOpen } from '../files/descriptors';
import { EpollFile } from '../files/epoll';
import type { SimFile } from '../files/file';
import { deadlineOf, expired, msToNs } from './wait-timeout';
import { applySigmaskArg, checkSigmaskArg, settleSigmask } from './sigmask-arg';

const EP_MAX_EVENTS = Math.floor(0x7fffffff / EPOLL_EVENT_SIZE);

function epollCreate1(c: SyscallCall, flags: number): Outcome {
  if ((flags & ~O_CLOEXEC) !== 0) return c.err(E.EINVAL);
  return c.result(installFile(c.k, c.t, new EpollFile(), (flags & O_CLOEXEC) !== 0));
}

function epollCtl(c: SyscallCall): Outcome {
  const { k, t } = c;
  const epfd = c.int(0);
  const op = c.int(1);
  const fd = c.int(2);
  let events = 0,
    lo = 0,
    hi = 0;
  if (op !== EPOLL_CTL_DEL) {
    if (k.mem.read(t.process.nativePid, c.ptr(3), EPOLL_EVENT_SIZE) !== EPOLL_EVENT_SIZE) return c.err(E.EFAULT);
    const dv = k.mem.view();
    events = dv.getUint32(0, true);
    lo = dv.getUint32(4, true);
    hi = dv.getUint32(8, true);
  }
  const epd = descriptor(t, epfd);
  if (!epd && !nativeFdOpen(k, t, epfd)) return c.err(E.EBADF);
  const td = descriptor(t, fd);
  if (!td) return c.err(nativeFdOpen(k, t, fd) ? E.EPERM : E.EBADF); // regular files and other native fds
  // Every emulated object can be watched (one without poll, like /dev/urandom, is always ready).
  const target = td.file as SimFile;
  if (!epd || !(epd.file instanceof EpollFile) || epd.file === target) return c.err(E.EINVAL);
  return c.result(epd.file.control(op, fd, target, events, lo, hi));
}

/**
 * epoll_wait and friends. timeoutNs: -1 infinite, 0 poll, else relative; it
 * only counts on the first run, later runs keep the deadline set then.
 */
function epollWait(c: SyscallCall, timeoutNs: number): Outcome {
  const { k, t } = c;
  const epfd = c.int(0);
  const evAddr = c.ptr(1);
  const maxevents = c.int(2);
  if (maxevents <= 0 || maxevents > EP_MAX_EVENTS) return c.err(E.EINVAL);
  const d = descriptor(t, epfd);
  if (!d) return c.err(nativeFdOpen(k, t, epfd) ? E.EINVAL : E.EBADF);
  const ep = d.file;
  if (!(ep instanceof EpollFile)) return c.err(E.EINVAL);
  const max = Math.min(maxevents, Math.floor(k.mem.scratch.length / EPOLL_EVENT_SIZE));
  const n = ep.collect(max, k.mem.view());
  if (n > 0) {
    const bytes = n * EPOLL_EVENT_SIZE;
    return k.mem.writeScratch(t.process.nativePid, evAddr, bytes) === bytes ? c.ok(n) : c.err(E.EFAULT);
  }
  if (expired(c, timeoutNs)) return c.firstRun ? c.emptyPoll(0) : c.ok(0);
  return c.blockOn(ep.watchers.asSources, deadlineOf(c, timeoutNs));
}

/** epoll_pwait2: the timeout is read first, then the mask (Linux's order of errors). */
function epollPwait2(c: SyscallCall): Outcome {
  let timeoutNs = -1;
  const tsAddr = c.ptr(3);
  if (tsAddr !== 0 && c.firstRun) {
    const ns = c.k.mem.readTimespecNs(c.t.process.nativePid, tsAddr);
    if (ns === null) return c.err(E.EFAULT);
    if (ns < 0) return c.err(E.EINVAL);
    timeoutNs = ns;
  }
  const m = checkSigmaskArg(c, c.ptr(4), c.u64(5));
  if (m < 0) return c.result(m);
  applySigmaskArg(c, c.ptr(4));
  return settleSigmask(c, epollWait(c, timeoutNs));
}

/** epoll_pwait: the mask is checked before the epoll fd. */
function epollPwait(c: SyscallCall): Outcome {
  const m = checkSigmaskArg(c, c.ptr(4), c.u64(5));
  if (m < 0) return c.result(m);
  applySigmaskArg(c, c.ptr(4));
  return settleSigmask(c, epollWait(c, msToNs(c.int(3))));
}

export function registerEpoll(k: Kernel): void {
  k.register(SYS.epoll_create, (c) => (c.int(0) <= 0 ? c.err(E.EINVAL) : epollCreate1(c, 0)));
  k.register(SYS.epoll_create1, (c) => epollCreate1(c, c.int(0)));
  k.register(SYS.epoll_ctl, epollCtl);
  k.register(SYS.epoll_wait, (c) => epollWait(c, msToNs(c.int(3))));
  k.register(SYS.epoll_pwait, epollPwait);
  k.register(SYS.epoll_pwait2, epollPwait2);
}
