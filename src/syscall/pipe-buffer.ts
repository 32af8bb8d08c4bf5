// The storage of a pipe: a byte ring plus a queue of segments that remembers
// packet boundaries (O_DIRECT writes). Pure logic with no kernel types, so the
// capacity, atomicity and packet rules can be tested on their own.

/** Writes of at most this many bytes are atomic (POSIX PIPE_BUF on Linux). */
export const PIPE_BUF = 4096;
export const PAGE_SIZE = 4096;
export const DEFAULT_PIPE_SIZE = 65536;
/** /proc/sys/fs/pipe-max-size: the most an unprivileged F_SETPIPE_SZ may ask. */
export const PIPE_MAX_SIZE = 1 << 20;

/**
 * Linux keeps a pipe as slots of one page each; a packet always takes a
 * whole slot while plain writes share slots. We store bytes contiguously and
 * *account* a packet as a full page, which gives the same capacity limits
 * (16 packets or 64 KiB of stream data by default) without the slot array.
 */
export class PipeBuffer {
  private ring: Buffer;
  private head = 0;
  private stored = 0;
  private accounted = 0;
  // Segment queue (ring): lengths and packet flags. Consecutive stream writes
  // merge into one segment, so there are at most 2 segments per slot + 1.
  private segLen: Int32Array;
  private segPkt: Uint8Array;
  private segHead = 0;
  private segCount = 0;

  constructor(private cap = DEFAULT_PIPE_SIZE) {
    this.ring = Buffer.alloc(cap);
    this.segLen = new Int32Array(2 * (cap / PAGE_SIZE) + 2);
    this.segPkt = new Uint8Array(this.segLen.length);
  }

  get capacity(): number {
    return this.cap;
  }

  /** Bytes waiting to be read (FIONREAD). */
  get size(): number {
    return this.stored;
  }

  /** Capacity consumed, packets counting as whole pages. */
  get used(): number {
    return this.accounted;
  }

  /** What poll reports as writable: an atomic write of PIPE_BUF bytes would fit. */
  writable(): boolean {
    return this.cap - this.accounted >= Math.min(PIPE_BUF, this.cap);
  }

  /** Whether n bytes fit now, in one go (the atomic-write test). */
  fits(n: number, packet: boolean): boolean {
    return this.cost(n, packet) <= this.cap - this.accounted;
  }

  /** The most bytes a non-atomic write can store now. */
  room(packet: boolean): number {
    const free = this.cap - this.accounted;
    return packet ? Math.floor(free / PAGE_SIZE) * PAGE_SIZE : free;
  }

  /** Stores n bytes of src (the caller checked fits/room). Packets split at PAGE_SIZE. */
  push(src: Buffer, off: number, n: number, packet: boolean): void {
    if (n <= 0) return;
    if (this.cost(n, packet) > this.cap - this.accounted) throw new Error('invariant: pipe overfilled');
    this.copyIn(src, off, n);
    if (packet) {
      for (let done = 0; done < n; done += PAGE_SIZE) this.addSegment(Math.min(PAGE_SIZE, n - done), true);
      this.accounted += Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;
    } else {
      const last = (this.segHead + this.segCount - 1) % this.segLen.length;
      if (this.segCount > 0 && this.segPkt[last] === 0) this.segLen[last] += n;
      else this.addSegment(n, false);
      this.accounted += n;
    }
  }

  /**
   * How many bytes a read of at most max returns: stream bytes run on across
   * segments; a packet ends the read (its unread tail is dropped by consume).
   */
  readable(max: number): number {
    let total = 0;
    for (let i = 0; i < this.segCount && total < max; i++) {
      const s = (this.segHead + i) % this.segLen.length;
      const take = Math.min(max - total, this.segLen[s]);
      total += take;
      if (this.segPkt[s] !== 0) break;
    }
    return total;
  }

  /** Copies the first n readable bytes to dst without consuming them. */
  copyOut(dst: Buffer, dstOff: number, n: number): void {
    const first = Math.min(n, this.ring.length - this.head);
    this.ring.copy(dst, dstOff, this.head, this.head + first);
    if (n > first) this.ring.copy(dst, dstOff + first, 0, n - first);
  }

  /** Drops n bytes as returned by readable(n); a packet read in part is dropped whole. */
  consume(n: number): void {
    let left = n;
    while (left > 0 && this.segCount > 0) {
      const s = this.segHead;
      const len = this.segLen[s];
      const pkt = this.segPkt[s] !== 0;
      if (pkt || left >= len) {
        this.dropBytes(len);
        this.accounted -= pkt ? PAGE_SIZE : len;
        left -= Math.min(left, len);
        this.segHead = (this.segHead + 1) % this.segLen.length;
        this.segCount--;
        if (pkt) break;
      } else {
        this.dropBytes(left);
        this.accounted -= left;
        this.segLen[s] = len - left;
        left = 0;
      }
    }
  }

  /** F_SETPIPE_SZ: false when the data held needs more than newCap. */
  resize(newCap: number): boolean {
    if (this.accounted > newCap) return false;
    const ring = Buffer.alloc(newCap);
    this.copyOut(ring, 0, this.stored);
    const segLen = new Int32Array(2 * (newCap / PAGE_SIZE) + 2);
    const segPkt = new Uint8Array(segLen.length);
    for (let i = 0; i < this.segCount; i++) {
      const s = (this.segHead + i) % this.segLen.length;
      segLen[i] = this.segLen[s];
      segPkt[i] = this.segPkt[s];
    }
    this.ring = ring;
    this.head = 0;
    this.segLen = segLen;
    this.segPkt = segPkt;
    this.segHead = 0;
    this.cap = newCap;
    return true;
  }

  private cost(n: number, packet: boolean): number {
    return packet ? Math.ceil(n / PAGE_SIZE) * PAGE_SIZE : n;
  }

  private addSegment(len: number, packet: boolean): void {
    if (this.segCount === this.segLen.length) throw new Error('invariant: pipe segment queue full');
    const s = (this.segHead + this.segCount) % this.segLen.length;
    this.segLen[s] = len;
    this.segPkt[s] = packet ? 1 : 0;
    this.segCount++;
  }

  private copyIn(src: Buffer, off: number, n: number): void {
    const tail = (this.head + this.stored) % this.ring.length;
    const first = Math.min(n, this.ring.length - tail);
    src.copy(this.ring, tail, off, off + first);
    if (n > first) src.copy(this.ring, 0, off + first, off + n);
    this.stored += n;
  }

  private dropBytes(n: number): void {
    this.head = (this.head + n) % this.ring.length;
    this.stored -= n;
    if (this.stored === 0) this.head = 0;
  }
}

/** Linux's round_pipe_size: at least a page, else the next power of two pages. 0 for absurd sizes. */
export function roundPipeSize(size: number): number {
  if (size > 2 ** 31) return 0;
  if (size < PAGE_SIZE) return PAGE_SIZE;
  const pages = Math.ceil(size / PAGE_SIZE);
  return 2 ** Math.ceil(Math.log2(pages)) * PAGE_SIZE;
}
