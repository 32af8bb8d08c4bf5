// The bookkeeping of one epoll instance: the interest list (keyed, like
// Linux, by descriptor number *and* open file) and the ready list, with the
// level/edge/one-shot rules of collecting events. Pure: the readiness of a
// target comes from a function, so it is tested without a kernel.
import { EPOLL_EVENT_SIZE, EPOLLERR, EPOLLET, EPOLLEXCLUSIVE, EPOLLHUP, EPOLLONESHOT, EPOLLWAKEUP } from '../abi/epoll';

/** Flags that steer epoll itself rather than name events. */
export const EP_PRIVATE_BITS = EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE;

export class EpollItem<F> {
  /** Requested events and flags (EPOLLERR | EPOLLHUP always added). */
  events: number;
  dataLo: number;
  dataHi: number;
  // Ready-list links.
  prev: EpollItem<F> | null = null;
  next: EpollItem<F> | null = null;
  ready = false;
  /** Unsubscribes from the target's readiness notifications. */
  detach: (() => void) | null = null;

  constructor(
    readonly fd: number,
    readonly file: F,
    events: number,
    dataLo: number,
    dataHi: number,
  ) {
    this.events = events;
    this.dataLo = dataLo;
    this.dataHi = dataHi;
  }

  /** Event bits this item reports (0 once a one-shot has fired). */
  get mask(): number {
    return (this.events & ~EP_PRIVATE_BITS) >>> 0;
  }
}

export interface EpollTargetOps<F> {
  /** Current readiness of a target (EPOLL* bits). */
  poll(f: F): number;
  /** False once the target's last descriptor is closed: its items vanish. */
  alive(f: F): boolean;
}

export class EpollSet<F> {
  private readonly byFd = new Map<number, EpollItem<F>[]>();
  private head: EpollItem<F> | null = null;
  private tail: EpollItem<F> | null = null;
  private count = 0;

  constructor(private readonly ops: EpollTargetOps<F>) {}

  get size(): number {
    return this.count;
  }

  find(fd: number, file: F): EpollItem<F> | undefined {
    const list = this.byFd.get(fd);
    if (!list) return undefined;
    for (const it of list) if (it.file === file) return it;
    return undefined;
  }

  /** Adds an item (the caller checked it is not there); it is ready-listed if ready now. */
  add(fd: number, file: F, events: number, dataLo: number, dataHi: number): EpollItem<F> {
    const it = new EpollItem(fd, file, (events | EPOLLERR | EPOLLHUP) >>> 0, dataLo, dataHi);
    const list = this.byFd.get(fd);
    if (list) list.push(it);
    else this.byFd.set(fd, [it]);
    this.count++;
    this.check(it);
    return it;
  }

  /** EPOLL_CTL_MOD: new events and data; re-armed (even after a one-shot), ready-listed if ready. */
  modify(it: EpollItem<F>, events: number, dataLo: number, dataHi: number): void {
    it.events = (events | EPOLLERR | EPOLLHUP) >>> 0;
    it.dataLo = dataLo;
    it.dataHi = dataHi;
    this.check(it);
  }

  remove(it: EpollItem<F>): void {
    const list = this.byFd.get(it.fd);
    if (list) {
      const i = list.indexOf(it);
      if (i >= 0) {
        list.splice(i, 1);
        this.count--;
      }
      if (list.length === 0) this.byFd.delete(it.fd);
    }
    this.unlink(it);
    if (it.detach) {
      it.detach();
      it.detach = null;
    }
  }

  /** Every item, in insertion order per descriptor number (for teardown and loop checks). */
  items(): EpollItem<F>[] {
    const out: EpollItem<F>[] = [];
    for (const list of this.byFd.values()) for (const it of list) out.push(it);
    return out;
  }

  /**
   * The target of `it` says its readiness may have changed (the wait-queue
   * callback). Ready-lists it when it is now ready for what it asks. Returns
   * true when the item is ready, i.e. waiters should be woken. This is the
   * only way back onto the ready list for an edge-triggered item (harvest
   * drops it): every wake-up of a ready target is one edge.
   */
  check(it: EpollItem<F>): boolean {
    const mask = it.mask;
    if (mask === 0) return false;
    if ((this.ops.poll(it.file) & mask) === 0) return false;
    if (!it.ready) this.append(it);
    return true;
  }

  /**
   * Collects up to max events into dv (12-byte records from offset 0), like
   * Linux's ep_send_events: items not ready any more leave the ready list;
   * one-shot items are disabled; level-triggered items go to the tail, so
   * callers with a small maxevents see every ready item in turn;
   * edge-triggered items stay off the list until their target's next
   * wake-up (check).
   */
  harvest(max: number, dv: DataView): number {
    let n = 0;
    let it = this.head;
    const last = this.tail;
    while (it && n < max) {
      const next = it.next;
      const wasLast = it === last;
      this.unlink(it);
      if (!this.ops.alive(it.file)) {
        this.remove(it);
      } else {
        const revents = (this.ops.poll(it.file) & it.mask) >>> 0;
        if (revents !== 0) {
          const off = n * EPOLL_EVENT_SIZE;
          dv.setUint32(off, revents, true);
          dv.setUint32(off + 4, it.dataLo, true);
          dv.setUint32(off + 8, it.dataHi, true);
          n++;
          if ((it.events & EPOLLONESHOT) !== 0) it.events = (it.events & EP_PRIVATE_BITS) >>> 0;
          else if ((it.events & EPOLLET) === 0) this.append(it);
        }
      }
      if (wasLast) break;
      it = next;
    }
    return n;
  }

  /** Whether any event is waiting (the epoll fd's own readiness); drops stale entries. */
  anyReady(): boolean {
    let it = this.head;
    while (it) {
      const next = it.next;
      if (!this.ops.alive(it.file)) this.remove(it);
      else if ((this.ops.poll(it.file) & it.mask) !== 0) return true;
      else this.unlink(it);
      it = next;
    }
    return false;
  }

  /** Drops every item whose target has been closed. */
  purge(): void {
    for (const it of this.items()) if (!this.ops.alive(it.file)) this.remove(it);
  }

  private append(it: EpollItem<F>): void {
    it.ready = true;
    it.prev = this.tail;
    it.next = null;
    if (this.tail) this.tail.next = it;
    else this.head = it;
    this.tail = it;
  }

  private unlink(it: EpollItem<F>): void {
    if (!it.ready) return;
    if (it.prev) it.prev.next = it.next;
    else this.head = it.next;
    if (it.next) it.next.prev = it.prev;
    else this.tail = it.prev;
    it.prev = it.next = null;
    it.ready = false;
  }
}
