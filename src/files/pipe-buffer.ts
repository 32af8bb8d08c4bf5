// The storage of a pipe, modelled on Linux's: a ring of page-sized slots.
// Small writes merge into the last slot when they fit, a packet (O_DIRECT)
// owns its slot, and a pipe is full when every slot is taken. Pure logic with
// no kernel types, so capacity, atomicity and packet rules are unit-tested.
import { copyBytes } from '../core/bytes';

/** Writes of at most this many bytes are atomic (POSIX PIPE_BUF on Linux). */
export const PIPE_BUF = 4096;
export const PAGE_SIZE = 4096;
export const DEFAULT_PIPE_SIZE = 65536;
/** /proc/sys/fs/pipe-max-size: the most an unprivileged F_SETPIPE_SZ may ask. */
export const PIPE_MAX_SIZE = 1 << 20;

const CAN_MERGE = 1;
const PACKET = 2;

/**
 * Why slots rather than a plain byte ring: capacity, PIPE_BUF atomicity and
 * "writable" (a free slot) then come out exactly as on Linux, e.g. 1000-byte
 * writes fill a 64 KiB pipe after 64 000 bytes, not 65 000.
 */
export class PipeBuffer {
  private slots: number;
  private pages: Buffer;
  private offs: Int32Array;
  private lens: Int32Array;
  private flags: Uint8Array;
  /** Ring position of the oldest occupied slot, and how many are occupied. */
  private tail = 0;
  private count = 0;
  private bytes = 0;
  // The write planned by reserve(), carried out by commit().
  private planMerge = 0;
  private planTotal = 0;
  private planPacket = false;

  constructor(capacity = DEFAULT_PIPE_SIZE) {
    this.slots = capacity / PAGE_SIZE;
    this.pages = Buffer.alloc(capacity);
    this.offs = new Int32Array(this.slots);
    this.lens = new Int32Array(this.slots);
    this.flags = new Uint8Array(this.slots);
  }

  get capacity(): number {
    return this.slots * PAGE_SIZE;
  }

  /** Bytes waiting to be read (FIONREAD). */
  get size(): number {
    return this.bytes;
  }

  /** Linux's poll test for the write end: a slot is free. */
  writable(): boolean {
    return this.count < this.slots;
  }

  /**
   * Plans storing up to n bytes now; returns how many will go (0: full).
   * mergeChars (Linux merges `total_len % PAGE_SIZE` bytes, once, at the start
   * of a write) go into the last slot if it is a mergeable one with room;
   * the rest takes fresh slots, a page each. A write of at most PIPE_BUF
   * bytes is thus all or nothing.
   */
  reserve(n: number, packet: boolean, mergeChars: number): number {
    let merge = 0;
    if (mergeChars > 0 && this.count > 0) {
      const last = this.slotAt(this.count - 1);
      if ((this.flags[last] & CAN_MERGE) !== 0 && this.offs[last] + this.lens[last] + mergeChars <= PAGE_SIZE) {
        merge = mergeChars;
      }
    }
    const fresh = Math.min(n - merge, (this.slots - this.count) * PAGE_SIZE);
    this.planMerge = merge;
    this.planTotal = merge + fresh;
    this.planPacket = packet;
    return this.planTotal;
  }

  /** Stores the bytes planned by reserve() from src[off ...]. */
  commit(src: Buffer, off: number): void {
    let done = 0;
    if (this.planMerge > 0) {
      const last = this.slotAt(this.count - 1);
      const at = last * PAGE_SIZE + this.offs[last] + this.lens[last];
      copyBytes(src, off, this.pages, at, this.planMerge);
      this.lens[last] += this.planMerge;
      done = this.planMerge;
    }
    while (done < this.planTotal) {
      if (this.count === this.slots) throw new Error('invariant: pipe overfilled');
      const s = this.slotAt(this.count);
      const c = Math.min(PAGE_SIZE, this.planTotal - done);
      copyBytes(src, off + done, this.pages, s * PAGE_SIZE, c);
      this.offs[s] = 0;
      this.lens[s] = c;
      this.flags[s] = this.planPacket ? PACKET : CAN_MERGE;
      this.count++;
      done += c;
    }
    this.bytes += this.planTotal;
    this.planMerge = this.planTotal = 0;
  }

  /** Convenience for tests and simple callers: reserve + commit. */
  write(src: Buffer, off: number, n: number, packet: boolean, mergeChars = n % PAGE_SIZE): number {
    const took = this.reserve(n, packet, Math.min(mergeChars, n));
    this.commit(src, off);
    return took;
  }

  /**
   * How many bytes a read of at most max returns now: reads run across slots
   * until satisfied, but a packet ends the read (its unread tail is dropped).
   */
  readable(max: number): number {
    let total = 0;
    for (let i = 0; i < this.count && total < max; i++) {
      const s = this.slotAt(i);
      total += Math.min(this.lens[s], max - total);
      if ((this.flags[s] & PACKET) !== 0) break;
    }
    return total;
  }

  /** Copies the first n bytes readable(n) counted into dst, without consuming. */
  copyOut(dst: Buffer, dstOff: number, n: number): void {
    let done = 0;
    for (let i = 0; i < this.count && done < n; i++) {
      const s = this.slotAt(i);
      const c = Math.min(this.lens[s], n - done);
      const from = s * PAGE_SIZE + this.offs[s];
      copyBytes(this.pages, from, dst, dstOff + done, c);
      done += c;
    }
  }

  /** Consumes n bytes as readable(n) counted them; frees emptied slots. */
  consume(n: number): void {
    let left = n;
    while (left > 0 && this.count > 0) {
      const s = this.tail;
      const c = Math.min(this.lens[s], left);
      this.offs[s] += c;
      this.lens[s] -= c;
      this.bytes -= c;
      left -= c;
      const packet = (this.flags[s] & PACKET) !== 0;
      if (packet && this.lens[s] > 0) {
        this.bytes -= this.lens[s]; // the rest of a packet read in part is dropped
        this.lens[s] = 0;
      }
      if (this.lens[s] === 0) {
        this.tail = (this.tail + 1) % this.slots;
        this.count--;
      }
      if (packet) break;
    }
    if (this.count === 0) this.tail = 0;
  }

  /** F_SETPIPE_SZ: false (EBUSY) when the occupied slots do not fit newCap. */
  resize(newCap: number): boolean {
    const slots = newCap / PAGE_SIZE;
    if (this.count > slots) return false;
    const pages = Buffer.alloc(newCap);
    const offs = new Int32Array(slots);
    const lens = new Int32Array(slots);
    const flags = new Uint8Array(slots);
    for (let i = 0; i < this.count; i++) {
      const s = this.slotAt(i);
      this.pages.copy(pages, i * PAGE_SIZE, s * PAGE_SIZE, (s + 1) * PAGE_SIZE);
      offs[i] = this.offs[s];
      lens[i] = this.lens[s];
      flags[i] = this.flags[s];
    }
    this.slots = slots;
    this.pages = pages;
    this.offs = offs;
    this.lens = lens;
    this.flags = flags;
    this.tail = 0;
    return true;
  }

  private slotAt(i: number): number {
    return (this.tail + i) % this.slots;
  }
}

/** Linux's round_pipe_size: at least a page, else the next power of two pages. 0 for absurd sizes. */
export function roundPipeSize(size: number): number {
  if (size > 2 ** 31) return 0;
  if (size < PAGE_SIZE) return PAGE_SIZE;
  const pages = Math.ceil(size / PAGE_SIZE);
  let p = 1;
  while (p < pages) p *= 2;
  return p * PAGE_SIZE;
}
