// An eventfd: a 64-bit counter behind a descriptor. Writes add, reads take
// the whole count (or 1 in semaphore mode); both wait at the limits. The
// counter is kept exactly as two 32-bit halves (JS numbers stop at 2^53).
import type { Descriptor } from '../host/fd-table';
import type { Thread } from '../host/thread';
import type { Kernel } from '../kernel/kernel';
import { E } from '../abi/errno';
import { EPOLLERR, EPOLLIN, EPOLLOUT } from '../abi/epoll';
import { Watchers } from '../core/watchers';
import type { SimFile } from './file';

const TWO32 = 4294967296;
const MAX32 = 0xffffffff;

export class EventFd implements SimFile {
  readonly kind = 'eventfd';
  refs = 0;
  statusFlags = 0;
  readonly statMode = 0o600; // anonymous inode: no file type bits, like Linux
  readonly watchers = new Watchers();
  private hi = 0;
  private lo: number;
  /** A write found no room: the next read must wake it. */
  private writerWaiting = false;

  /** initval is the counter's start (an unsigned int); semaphore: EFD_SEMAPHORE. */
  constructor(
    initval: number,
    private readonly semaphore: boolean,
  ) {
    this.lo = initval >>> 0;
  }

  /** The counter's low and high 32 bits. */
  get countLo(): number {
    return this.lo;
  }
  get countHi(): number {
    return this.hi;
  }

  read(k: Kernel, t: Thread, _d: Descriptor, bufAddr: number, len: number): number {
    if (len < 8) return -E.EINVAL;
    const dv = k.mem.view();
    if (!this.peek(dv)) return -E.EAGAIN;
    if (k.mem.writeScratch(t.process.nativePid, bufAddr, 8) !== 8) return -E.EFAULT;
    this.take();
    return 8;
  }

  write(k: Kernel, t: Thread, _d: Descriptor, bufAddr: number, len: number): number {
    if (len < 8) return -E.EINVAL;
    if (k.mem.read(t.process.nativePid, bufAddr, 8) !== 8) return -E.EFAULT;
    const dv = k.mem.view();
    return this.add(dv.getUint32(0, true), dv.getUint32(4, true));
  }

  /**
   * Puts the value a read returns now at dv[0..8) (little-endian u64) without
   * taking it; false when the counter is 0 (the read must wait).
   */
  peek(dv: DataView): boolean {
    if (this.hi === 0 && this.lo === 0) return false;
    dv.setUint32(0, this.semaphore ? 1 : this.lo, true);
    dv.setUint32(4, this.semaphore ? 0 : this.hi, true);
    return true;
  }

  /** Takes what peek() showed: the whole count, or 1 in semaphore mode. */
  take(): void {
    const wasFull = !this.writableNow();
    if (!this.semaphore) {
      this.hi = 0;
      this.lo = 0;
    } else if (this.lo > 0) {
      this.lo--;
    } else {
      this.hi--;
      this.lo = MAX32;
    }
    // Readers are not woken by reads; only a writer (or EPOLLOUT interest) can care.
    if (this.writerWaiting || wasFull) {
      this.writerWaiting = false;
      this.watchers.notify();
    }
  }

  /** Adds the u64 vhi:vlo. Returns 8, -EINVAL for 2^64 - 1, or -EAGAIN while it does not fit. */
  add(vlo: number, vhi: number): number {
    if (vlo === MAX32 && vhi === MAX32) return -E.EINVAL;
    // The sum must stay at most 2^64 - 2.
    let lo = this.lo + vlo;
    let hi = this.hi + vhi;
    if (lo >= TWO32) {
      lo -= TWO32;
      hi++;
    }
    if (hi > MAX32 || (hi === MAX32 && lo === MAX32)) {
      this.writerWaiting = true;
      return -E.EAGAIN;
    }
    this.hi = hi;
    this.lo = lo;
    // Every successful write wakes readers, even of 0 (Linux does; EPOLLET sees an edge).
    this.watchers.notify();
    return 8;
  }

  poll(): number {
    let r = 0;
    if (this.hi !== 0 || this.lo !== 0) r |= EPOLLIN;
    if (this.writableNow()) r |= EPOLLOUT;
    if (this.hi === MAX32 && this.lo === MAX32) r |= EPOLLERR;
    return r;
  }

  /** Linux: writable while count < 2^64 - 2. */
  private writableNow(): boolean {
    return this.hi !== MAX32 || this.lo < MAX32 - 1;
  }

  release(): void {
    this.watchers.notify(); // epoll instances drop their registrations
  }
}
