// signalfd: a descriptor that reads pending signals of its mask as
// struct signalfd_siginfo records instead of having them delivered. The
// pending signals themselves stay in the process's and thread's signal state.
import type { Descriptor } from '../host/fd-table';
import type { Process } from '../host/process';
import type { Thread } from '../host/thread';
import type { Kernel } from '../kernel/kernel';
import { E } from '../abi/errno';
import { SIGINFO_OFF, SIGINFO_SIZE_BYTES, SigSet } from '../abi/signals';
import { Watchers } from '../core/watchers';
import { lowestPendingIn, takePending } from '../host/signal-state';
import { SimFile } from './file';
import { EPOLLIN } from '../abi/epoll';

/** Size of struct signalfd_siginfo: the unit of every read. */
const RECORD_BYTES = 128;

/** Byte offsets in struct signalfd_siginfo. */
const SSI = { signo: 0, code: 8, pid: 12, uid: 16, status: 40 } as const;

export class SignalFd implements SimFile {
  readonly kind = 'signalfd';
  refs = 0;
  statusFlags = 0;
  readonly watchers = new Watchers();
  readonly statMode = 0o600;
  /** The signals this descriptor reads. */
  readonly mask = new SigSet();

  constructor(
    readonly process: Process,
    maskLo: number,
    maskHi: number,
  ) {
    this.mask.set(maskLo, maskHi);
  }

  /** signalfd on an existing descriptor: a new mask, and readers re-check. */
  setMask(lo: number, hi: number): void {
    this.mask.set(lo, hi);
    this.watchers.notify();
  }

  poll(): number {
    let any = false;
    this.process.signals.pending.forEach((_v, s) => (any ||= this.mask.has(s)));
    for (const th of this.process.threads) th.signals.pending.forEach((_v, s) => (any ||= this.mask.has(s)));
    return any ? EPOLLIN : 0;
  }

  read(k: Kernel, t: Thread, _d: Descriptor, bufAddr: number, len: number): number {
    if (len < RECORD_BYTES) return -E.EINVAL;
    let n = 0;
    while (n + RECORD_BYTES <= len) {
      const s = lowestPendingIn(t, this.mask.lo, this.mask.hi);
      if (s === 0) break;
      const info = takePending(t, s);
      const out = new Uint8Array(RECORD_BYTES);
      const o = new DataView(out.buffer);
      const i = new DataView(info.buffer, info.byteOffset, SIGINFO_SIZE_BYTES);
      o.setUint32(SSI.signo, i.getInt32(SIGINFO_OFF.signo, true), true);
      o.setInt32(SSI.code, i.getInt32(SIGINFO_OFF.code, true), true);
      o.setUint32(SSI.pid, i.getInt32(SIGINFO_OFF.pid, true), true);
      o.setUint32(SSI.uid, i.getInt32(SIGINFO_OFF.uid, true), true);
      o.setInt32(SSI.status, i.getInt32(SIGINFO_OFF.status, true), true);
      if (k.mem.writeBuf(t.process.nativePid, bufAddr + n, out, 0, RECORD_BYTES) !== RECORD_BYTES)
        return n > 0 ? n : -E.EFAULT;
      n += RECORD_BYTES;
    }
    return n > 0 ? n : -E.EAGAIN;
  }

  release(): void {
    const list = this.process.signals.signalfds;
    const i = list.indexOf(this);
    if (i >= 0) list.splice(i, 1);
  }
}
