// An epoll instance as a file: an EpollSet (epoll-list.ts) over emulated
// files, fed by each registered target's watchers. epoll_ctl's rules live in
// control(); an epoll fd is itself pollable and may be nested in another.
import { E } from '../abi/errno';
import {
  EPOLL_CTL_ADD,
  EPOLL_CTL_DEL,
  EPOLL_CTL_MOD,
  EPOLLERR,
  EPOLLET,
  EPOLLEXCLUSIVE,
  EPOLLHUP,
  EPOLLIN,
  EPOLLOUT,
  EPOLLWAKEUP,
} from '../abi/epoll';
import { Watchers } from '../core/watchers';
import { EpollItem, EpollSet, EpollTargetOps } from './epoll-list';
import { readiness, SimFile } from './file';

/** Linux's EP_MAX_NESTS: epoll instances may nest this deep. */
const EP_MAX_NESTS = 4;
/** The only events EPOLLEXCLUSIVE may come with. */
const EPOLLEXCLUSIVE_OK_BITS = EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE;

const targetOps: Readonly<EpollTargetOps<SimFile>> = Object.freeze<EpollTargetOps<SimFile>>({
  poll: (f) => readiness(f),
  alive: (f) => f.refs > 0,
});

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

  /**
   * epoll_ctl on this instance: op EPOLL_CTL_ADD/DEL/MOD for the open file
   * `target` at descriptor fd, with the event mask and the 64-bit user data
   * (lo, hi). Returns 0 or -errno. The caller checked that target is an
   * emulated file other than this one.
   */
  control(op: number, fd: number, target: SimFile, events: number, lo: number, hi: number): number {
    events = (events & ~EPOLLWAKEUP) >>> 0; // needs CAP_BLOCK_SUSPEND; Linux drops it silently
    if (op !== EPOLL_CTL_DEL && (events & EPOLLEXCLUSIVE) !== 0) {
      if (op === EPOLL_CTL_MOD) return -E.EINVAL;
      if (op === EPOLL_CTL_ADD && (target instanceof EpollFile || (events & ~EPOLLEXCLUSIVE_OK_BITS) !== 0)) {
        return -E.EINVAL;
      }
    }
    const it = this.set.find(fd, target);
    switch (op) {
      case EPOLL_CTL_ADD:
        if (it) return -E.EEXIST;
        if (target instanceof EpollFile && target.reaches(this, 0)) return -E.ELOOP;
        this.add(fd, target, events, lo, hi);
        return 0;
      case EPOLL_CTL_DEL:
        if (!it) return -E.ENOENT;
        this.set.remove(it);
        return 0;
      case EPOLL_CTL_MOD:
        if (!it) return -E.ENOENT;
        if ((it.events & EPOLLEXCLUSIVE) !== 0) return -E.EINVAL;
        this.set.modify(it, events, lo, hi);
        if (it.ready) this.watchers.notify();
        return 0;
      default:
        return -E.EINVAL;
    }
  }

  /** Collects up to max events into dv as struct epoll_event records (see EpollSet.harvest). */
  collect(max: number, dv: DataView): number {
    return this.set.harvest(max, dv);
  }

  /** Registers fd → file; starts listening to its readiness. */
  private add(fd: number, file: SimFile, events: number, lo: number, hi: number): void {
    const it = this.set.add(fd, file, events, lo, hi);
    if (file.watchers) it.detach = file.watchers.add(() => this.targetChanged(it));
    if (it.ready) this.watchers.notify();
  }

  /**
   * The wait-queue callback of a registered target: its readiness may have
   * changed. A ready item is (re)queued and this instance's waiters woken,
   * which is what gives an edge-triggered item its next event.
   */
  private targetChanged(it: EpollItem<SimFile>): void {
    // The registration follows the open file: gone with its last descriptor.
    if (it.file.refs === 0) {
      this.set.remove(it);
      return;
    }
    if (this.set.check(it)) this.watchers.notify();
  }

  /** Whether `ep` is this instance or reachable through its nested registrations, or they nest too deep. */
  private reaches(ep: EpollFile, depth: number): boolean {
    if (this === ep || depth >= EP_MAX_NESTS) return true;
    for (const it of this.set.items()) {
      if (it.file instanceof EpollFile && it.file.refs > 0 && it.file.reaches(ep, depth + 1)) return true;
    }
    return false;
  }

  release(): void {
    for (const it of this.set.items()) this.set.remove(it);
    this.watchers.notify(); // an enclosing epoll drops this one
  }
}
