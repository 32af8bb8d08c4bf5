// One send or receive as a socket sees it (Linux's msghdr + iov_iter): the
// caller's buffers as iovecs, the destination or source address, SCM_RIGHTS
// files, the msg_flags that come back, and the progress a call keeps across
// a restart. The syscall layer fills one in; the socket copies through it.
import type { FileObject } from '../../host/fd-table';
import type { Thread } from '../../host/thread';
import { E } from '../../abi/errno';
import { IOV_MAX, MAX_RW_COUNT } from '../../abi/socket';
import type { Kernel } from '../../kernel/kernel';
import { SockAddr } from './address';

/** sizeof(struct iovec). */
const IOVEC_SIZE = 16;
const TWO32 = 4294967296;

/**
 * Progress of one call across restarts: the caller sets `resumeFrom` (what
 * earlier runs already moved) and an operation that returns -EAGAIN leaves
 * what it moved so far, resumeFrom included, in `progressed`.
 */
export class IoProgress {
  resumeFrom = 0;
  progressed = 0;

  /** Starts a run that carries `resumeFrom` bytes of earlier progress. */
  resume(resumeFrom: number): this {
    this.resumeFrom = resumeFrom;
    this.progressed = resumeFrom;
    return this;
  }
}

export class UserMsg extends IoProgress {
  /** [base, len] pairs; grows to the largest iovec count seen. */
  private iov = new Float64Array(2 * 8);
  count = 0;
  /** Bytes the iovecs hold (clamped to MAX_RW_COUNT). */
  total = 0;
  /** Send: the caller named a destination (msg_name / sendto's address was not NULL). */
  hasDest = false;
  /** Send: that destination's bytes. */
  readonly dest = new SockAddr();
  /** Receive: the source address the socket reports (len 0: none). */
  readonly src = new SockAddr();
  /** Receive: where the caller wants the source (0: nowhere) and that buffer's size. */
  nameAddr = 0;
  nameLen = 0;
  /** Receive results: msg_flags bits. */
  outFlags = 0;
  /** sendmsg/recvmsg: the msg_control buffer (0: none). */
  controlAddr = 0;
  controlLen = 0;
  /** Send: open files passed with SCM_RIGHTS (each holds a reference while in flight). */
  rights: FileObject[] = [];
  /** Receive: files that arrived with SCM_RIGHTS, to be given descriptors. */
  rightsOut: FileObject[] | null = null;
  /** Receive: return an IPV6_PKTINFO control message holding pktInfoBytes (struct in6_pktinfo). */
  pktInfo = false;
  readonly pktInfoBytes = Buffer.alloc(20);

  /** One buffer (send/recv, read/write), no address, no control data. */
  single(buf: number, len: number): this {
    this.iov[0] = buf;
    this.iov[1] = len;
    this.count = 1;
    this.total = Math.min(len, MAX_RW_COUNT);
    this.clearExtras();
    return this;
  }

  /** Forgets the address, control and flag parts (loading iovecs keeps them as the caller set them). */
  clearExtras(): void {
    this.hasDest = false;
    this.dest.len = 0;
    this.src.len = 0;
    this.nameAddr = 0;
    this.nameLen = 0;
    this.outFlags = 0;
    this.controlAddr = 0;
    this.controlLen = 0;
    if (this.rights.length > 0) this.rights = [];
    this.rightsOut = null;
    this.pktInfo = false;
  }

  /** Loads `count` struct iovec from user memory. Returns 0 or -errno (EMSGSIZE: too many). */
  load(k: Kernel, t: Thread, iovAddr: number, count: number): number {
    if (count < 0 || count > IOV_MAX) return -E.EMSGSIZE;
    this.count = count;
    this.total = 0;
    this.outFlags = 0;
    this.src.len = 0;
    this.pktInfo = false;
    if (count === 0) return 0;
    if (this.iov.length < 2 * count) this.iov = new Float64Array(2 * Math.max(count, this.iov.length));
    const bytes = count * IOVEC_SIZE;
    if (k.mem.read(t.process.nativePid, iovAddr, bytes) !== bytes) return -E.EFAULT;
    const dv = k.mem.view();
    for (let i = 0; i < count; i++) {
      const at = i * IOVEC_SIZE;
      const base = dv.getUint32(at + 4, true) * TWO32 + dv.getUint32(at, true);
      const len = dv.getUint32(at + 12, true) * TWO32 + dv.getUint32(at + 8, true);
      if (len > 0x7fffffff) return -E.EINVAL;
      this.iov[2 * i] = base;
      this.iov[2 * i + 1] = len;
      this.total += len;
    }
    if (this.total > MAX_RW_COUNT) this.total = MAX_RW_COUNT;
    return 0;
  }

  /** Copies n bytes starting at message offset `skip` out of user memory; null on a bad pointer. */
  gather(k: Kernel, t: Thread, skip: number, n: number): Uint8Array | null {
    const out = Buffer.allocUnsafe(n);
    return this.gatherInto(k, t, skip, n, out) < 0 ? null : out;
  }

  /** Copies n bytes at message offset `skip` into `into` (from intoAt). Returns n or -EFAULT. */
  gatherInto(k: Kernel, t: Thread, skip: number, n: number, into: Uint8Array, intoAt = 0): number {
    const pid = t.process.nativePid;
    let done = 0;
    for (let i = 0; i < this.count && done < n; i++) {
      const len = this.iov[2 * i + 1];
      if (skip >= len) {
        skip -= len;
        continue;
      }
      const take = Math.min(len - skip, n - done);
      if (k.mem.readBuf(pid, this.iov[2 * i] + skip, into, intoAt + done, take) !== take) return -E.EFAULT;
      done += take;
      skip = 0;
    }
    return done;
  }

  /** Writes src[srcOff, srcOff+n) into the message at offset `skip`. Returns n or -EFAULT. */
  scatter(k: Kernel, t: Thread, skip: number, src: Uint8Array, srcOff: number, n: number): number {
    const pid = t.process.nativePid;
    let done = 0;
    for (let i = 0; i < this.count && done < n; i++) {
      const len = this.iov[2 * i + 1];
      if (skip >= len) {
        skip -= len;
        continue;
      }
      const take = Math.min(len - skip, n - done);
      if (k.mem.writeBuf(pid, this.iov[2 * i] + skip, src, srcOff + done, take) !== take) return -E.EFAULT;
      done += take;
      skip = 0;
    }
    return done;
  }
}
