// eventfd/eventfd2: a 64-bit counter behind a descriptor. Writes add, reads
// take the whole count (or 1 in semaphore mode); both block at the limits.
// The counter is kept exactly as two 32-bit halves (JS numbers stop at 2^53).
import type { Descriptor } from '../host/fd-table';
import type { Thread } from '../host/thread';
import { E } from '../abi/errno';
import { EPOLLERR, EPOLLIN, EPOLLOUT, installFile, O_CLOEXEC, O_NONBLOCK, SimFile, Watchers } from '../files/file';
import type { Kernel } from '../kernel/kernel';
import { SYS } from '../abi/syscalls';

const EFD_SEMAPHORE = 1;
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

  constructor(
    initval: number,
    private readonly semaphore: boolean,
  ) {
    this.lo = initval >>> 0;
  }

  read(k: Kernel, t: Thread, _d: Descriptor, bufAddr: number, len: number): number {
    if (len < 8) return -E.EINVAL;
    if (this.hi === 0 && this.lo === 0) return -E.EAGAIN;
    const wasFull = !this.writableNow();
    const dv = k.mem.view();
    if (this.semaphore) {
      dv.setUint32(0, 1, true);
      dv.setUint32(4, 0, true);
    } else {
      dv.setUint32(0, this.lo, true);
      dv.setUint32(4, this.hi, true);
    }
    if (k.mem.writeScratch(t.process.nativePid, bufAddr, 8) !== 8) return -E.EFAULT;
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
    return 8;
  }

  write(k: Kernel, t: Thread, _d: Descriptor, bufAddr: number, len: number): number {
    if (len < 8) return -E.EINVAL;
    if (k.mem.read(t.process.nativePid, bufAddr, 8) !== 8) return -E.EFAULT;
    const dv = k.mem.view();
    const vlo = dv.getUint32(0, true);
    const vhi = dv.getUint32(4, true);
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

function eventfd2(k: Kernel, t: Thread, initval: number, flags: number): number {
  if ((flags & ~(EFD_SEMAPHORE | O_NONBLOCK | O_CLOEXEC)) !== 0) return -E.EINVAL;
  const f = new EventFd(initval, (flags & EFD_SEMAPHORE) !== 0);
  f.statusFlags = flags & O_NONBLOCK;
  return installFile(k, t, f, (flags & O_CLOEXEC) !== 0);
}

export function registerEventfd(k: Kernel): void {
  k.registerLegacy(SYS.eventfd, (kk, t, a) => eventfd2(kk, t, a[0], 0));
  k.registerLegacy(SYS.eventfd2, (kk, t, a) => eventfd2(kk, t, a[0], a[1]));
}
