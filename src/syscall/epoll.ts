// epoll: an emulated object holding an EpollSet over emulated files. Each
// registered target's watchers feed the set's ready list; epoll_wait collects
// from it or blocks in simulated time. An epoll fd is itself pollable.
import type { Thread } from '../host/thread';
import { E } from '../abi/errno';
import {
  EpollItem,
  EpollSet,
  EpollTargetOps,
  EPOLLERR,
  EPOLLET,
  EPOLLEXCLUSIVE,
  EPOLLHUP,
  EPOLLIN,
  EPOLLOUT,
  EPOLLWAKEUP,
  EVENT_SIZE,
} from '../files/epoll-list';
import { descriptor, installFile, nativeFdOpen, O_CLOEXEC, readiness, SimFile, Watchers } from '../files/file';
import type { Kernel } from '../kernel/kernel';
import { SYS } from '../abi/syscalls';
import { deadlineAfter } from './poll';

const EPOLL_CTL_ADD = 1,
  EPOLL_CTL_DEL = 2,
  EPOLL_CTL_MOD = 3;
const EP_MAX_EVENTS = Math.floor(0x7fffffff / EVENT_SIZE);
/** Linux's EP_MAX_NESTS: epoll instances may nest this deep. */
const EP_MAX_NESTS = 4;
const EPOLLEXCLUSIVE_OK_BITS = EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE;

const targetOps: EpollTargetOps<SimFile> = {
  poll: (f) => readiness(f),
  alive: (f) => f.refs > 0,
};

export class EpollFile implements SimFile {
  readonly kind = 'epoll';
  refs = 0;
  statusFlags = 0;
  readonly statMode = 0o600;
  readonly watchers = new Watchers();
  readonly set = new EpollSet<SimFile>(targetOps);

  poll(): number {
    return this.set.anyReady() ? EPOLLIN : 0;
  }

  /** Registers fd → file; starts listening to its readiness. */
  add(fd: number, file: SimFile, events: number, lo: number, hi: number): void {
    const it = this.set.add(fd, file, events, lo, hi);
    if (file.watchers) it.detach = file.watchers.add(() => this.targetChanged(it));
    if (it.ready) this.watchers.notify();
  }

  modify(it: EpollItem<SimFile>, events: number, lo: number, hi: number): void {
    this.set.modify(it, events, lo, hi);
    if (it.ready) this.watchers.notify();
  }

  /** The wait-queue callback: a target's readiness may have changed. */
  private targetChanged(it: EpollItem<SimFile>): void {
    // The registration follows the open file: gone with its last descriptor.
    if (it.file.refs === 0) {
      this.set.remove(it);
      return;
    }
    if (this.set.check(it)) this.watchers.notify();
  }

  release(): void {
    for (const it of this.set.items()) this.set.remove(it);
    this.watchers.notify(); // an enclosing epoll drops this one
  }
}

/** Whether `target` (an epoll) reaches `ep` through nested registrations, or nests too deep. */
function wouldLoop(ep: EpollFile, target: EpollFile, depth: number): boolean {
  if (target === ep || depth >= EP_MAX_NESTS) return true;
  for (const it of target.set.items()) {
    if (it.file instanceof EpollFile && it.file.refs > 0 && wouldLoop(ep, it.file, depth + 1)) return true;
  }
  return false;
}

function epollCreate1(k: Kernel, t: Thread, flags: number): number {
  if ((flags & ~O_CLOEXEC) !== 0) return -E.EINVAL;
  return installFile(k, t, new EpollFile(), (flags & O_CLOEXEC) !== 0);
}

/** The epoll behind epfd, or EBADF (not open) / EINVAL (not an epoll). */
function epollOf(k: Kernel, t: Thread, epfd: number): EpollFile | number {
  const d = descriptor(t, epfd);
  if (!d) return nativeFdOpen(k, t, epfd) ? -E.EINVAL : -E.EBADF;
  return d.file instanceof EpollFile ? d.file : -E.EINVAL;
}

function epollCtl(k: Kernel, t: Thread, a: Float64Array): number {
  const epfd = a[0],
    op = a[1],
    fd = a[2];
  let events = 0,
    lo = 0,
    hi = 0;
  if (op !== EPOLL_CTL_DEL) {
    if (k.mem.read(t.process.nativePid, a[3], EVENT_SIZE) !== EVENT_SIZE) return -E.EFAULT;
    const dv = k.mem.view();
    events = dv.getUint32(0, true);
    lo = dv.getUint32(4, true);
    hi = dv.getUint32(8, true);
  }
  const epd = descriptor(t, epfd);
  if (!epd && !nativeFdOpen(k, t, epfd)) return -E.EBADF;
  const td = descriptor(t, fd);
  if (!td) return nativeFdOpen(k, t, fd) ? -E.EPERM : -E.EBADF; // regular files and other native fds
  // Every emulated object can be watched (one without poll, like /dev/urandom, is always ready).
  const target = td.file as SimFile;
  if (!epd || !(epd.file instanceof EpollFile) || epd.file === target) return -E.EINVAL;
  const ep = epd.file;
  events = (events & ~EPOLLWAKEUP) >>> 0; // needs CAP_BLOCK_SUSPEND; Linux drops it silently
  if (op !== EPOLL_CTL_DEL && (events & EPOLLEXCLUSIVE) !== 0) {
    if (op === EPOLL_CTL_MOD) return -E.EINVAL;
    if (op === EPOLL_CTL_ADD && (target instanceof EpollFile || (events & ~EPOLLEXCLUSIVE_OK_BITS) !== 0)) {
      return -E.EINVAL;
    }
  }
  const it = ep.set.find(fd, target);
  switch (op) {
    case EPOLL_CTL_ADD:
      if (it) return -E.EEXIST;
      if (target instanceof EpollFile && wouldLoop(ep, target, 0)) return -E.ELOOP;
      ep.add(fd, target, events, lo, hi);
      return 0;
    case EPOLL_CTL_DEL:
      if (!it) return -E.ENOENT;
      ep.set.remove(it);
      return 0;
    case EPOLL_CTL_MOD:
      if (!it) return -E.ENOENT;
      if ((it.events & EPOLLEXCLUSIVE) !== 0) return -E.EINVAL;
      ep.modify(it, events, lo, hi);
      return 0;
    default:
      return -E.EINVAL;
  }
}

const waitSources: Watchers[] = [];

/**
 * epoll_wait and friends. timeoutNs: -1 infinite, 0 poll, else relative; it
 * only counts on the first run, later runs keep the deadline set then.
 */
function epollWait(k: Kernel, t: Thread, epfd: number, evAddr: number, maxevents: number, timeoutNs: number): number {
  if (maxevents <= 0 || maxevents > EP_MAX_EVENTS) return -E.EINVAL;
  const ep = epollOf(k, t, epfd);
  if (typeof ep === 'number') return ep;
  const max = Math.min(maxevents, Math.floor(k.mem.scratch.length / EVENT_SIZE));
  const n = ep.set.harvest(max, k.mem.view());
  if (n > 0) {
    const bytes = n * EVENT_SIZE;
    return k.mem.writeScratch(t.process.nativePid, evAddr, bytes) === bytes ? n : -E.EFAULT;
  }
  let deadline: number;
  if (t.wokenBy === 'none') {
    if (timeoutNs === 0) return k.emptyPoll(t, 0);
    deadline = timeoutNs < 0 ? -1 : deadlineAfter(k, timeoutNs);
  } else {
    if (k.timedOut(t)) return 0;
    deadline = t.deadlineNs;
  }
  waitSources[0] = ep.watchers;
  return k.blockOn(t, waitSources, deadline);
}

/** A sigmask argument is accepted with the right size; masks are not emulated yet, so it is ignored. */
function badSigmask(maskAddr: number, size: number): boolean {
  return maskAddr !== 0 && size !== 8;
}

function msToNs(ms: number): number {
  const v = ms | 0; // the kernel takes an int
  return v < 0 ? -1 : v * 1e6;
}

export function registerEpoll(k: Kernel): void {
  k.registerLegacy(SYS.epoll_create, (kk, t, a) => ((a[0] | 0) <= 0 ? -E.EINVAL : epollCreate1(kk, t, 0)));
  k.registerLegacy(SYS.epoll_create1, (kk, t, a) => epollCreate1(kk, t, a[0]));
  k.registerLegacy(SYS.epoll_ctl, epollCtl);
  k.registerLegacy(SYS.epoll_wait, (kk, t, a) => epollWait(kk, t, a[0], a[1], a[2] | 0, msToNs(a[3])));
  k.registerLegacy(SYS.epoll_pwait, (kk, t, a) => {
    if (badSigmask(a[4], a[5])) return -E.EINVAL;
    return epollWait(kk, t, a[0], a[1], a[2] | 0, msToNs(a[3]));
  });
  k.registerLegacy(SYS.epoll_pwait2, (kk, t, a) => {
    if (badSigmask(a[4], a[5])) return -E.EINVAL;
    let timeout = -1;
    if (a[3] !== 0 && t.wokenBy === 'none') {
      const ns = kk.mem.readTimespecNs(t.process.nativePid, a[3]);
      if (ns === null) return -E.EFAULT;
      if (ns < 0) return -E.EINVAL;
      timeout = ns;
    }
    return epollWait(kk, t, a[0], a[1], a[2] | 0, timeout);
  });
}
