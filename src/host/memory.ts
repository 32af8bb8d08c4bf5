// Reading and writing a managed process's memory (process_vm_readv/writev via
// the addon), or the copies of a call's small buffers its shim staged in the
// channel. One preallocated scratch buffer serves every access, so the
// syscall hot path allocates nothing; a returned view is valid until the next call.
import { Layout, native, NativeAddon } from '../native';
import { copyBytes } from '../core/bytes';

const SCRATCH_BYTES = 1 << 20;
const TWO32 = 4294967296;
/** Room for umbra_ipc.h's UMBRA_STAGE_WINDOWS (checked when the region is attached). */
const MAX_WINDOWS = 16;

export class Memory {
  readonly scratch = Buffer.alloc(SCRATCH_BYTES);
  private readonly dv = new DataView(this.scratch.buffer, this.scratch.byteOffset, SCRATCH_BYTES);
  constructor(private readonly addon: NativeAddon = native()) {}

  // ---- staged buffers (umbra_ipc.h, native/shim/stage.c) ----
  // While a call is being handled, an access that lies inside one of its
  // windows is served from the channel; the range written is recorded so the
  // shim copies it back on the answer. An access that straddles a window's
  // edge first flushes what was written there and retires the window: from
  // then on the process's memory is the only copy.
  private region: Uint8Array | null = null;
  private regionU32: Uint32Array | null = null;
  private L: Layout | null = null;
  private stagePid = -1;
  private stageCount = 0;
  private stageCh = 0;
  private readonly wAddr = new Float64Array(MAX_WINDOWS);
  private readonly wLen = new Uint32Array(MAX_WINDOWS);
  /** Byte offset of the window's bytes in the region. */
  private readonly wAt = new Uint32Array(MAX_WINDOWS);
  private readonly wCopied = new Uint8Array(MAX_WINDOWS);
  private readonly wLo = new Uint32Array(MAX_WINDOWS);
  private readonly wHi = new Uint32Array(MAX_WINDOWS);

  /** The shared region whose channels carry staged buffers (the kernel attaches it). */
  attachRegion(u8: Uint8Array, layout: Layout): void {
    if (layout.stageWindows > MAX_WINDOWS) throw new Error(`invariant: ${layout.stageWindows} stage windows`);
    this.region = u8;
    this.regionU32 = new Uint32Array(u8.buffer, u8.byteOffset, u8.byteLength >>> 2);
    this.L = layout;
  }

  /**
   * A call from a thread of process `pid` whose channel is at byte `ch` is
   * being handled: its staged windows serve accesses until endStage. Windows
   * that do not fit the stage or overlap each other are all ignored (the
   * channel is program-writable).
   */
  beginStage(pid: number, ch: number): void {
    this.stagePid = -1;
    this.stageCount = 0;
    const L = this.L;
    const u32 = this.regionU32;
    if (L === null || u32 === null) return;
    const n = u32[(ch + L.chStageCount) >> 2];
    if (n === 0 || n > L.stageWindows) return;
    const stageAt = ch + L.chStage;
    for (let i = 0; i < n; i++) {
      const w = ch + L.chStageWin + i * L.swSize;
      const addr = u32[((w + L.swAddr) >> 2) + 1] * TWO32 + u32[(w + L.swAddr) >> 2];
      const len = u32[(w + L.swLen) >> 2];
      const off = u32[(w + L.swOff) >> 2];
      const flags = u32[(w + L.swFlags) >> 2];
      if (len === 0 || off > L.stageBytes || len > L.stageBytes - off) return;
      for (let j = 0; j < i; j++) {
        if (addr < this.wAddr[j] + this.wLen[j] && this.wAddr[j] < addr + len) return;
      }
      this.wAddr[i] = addr;
      this.wLen[i] = len;
      this.wAt[i] = stageAt + off;
      this.wCopied[i] = (flags & L.stageCopied) !== 0 ? 1 : 0;
      this.wLo[i] = 0;
      this.wHi[i] = 0;
    }
    this.stagePid = pid;
    this.stageCount = n;
    this.stageCh = ch;
  }

  /**
   * The call's handling is over. `answered`: its COMPLETE or DO_NATIVE goes
   * out now, and the shim copies back the ranges written; otherwise (it
   * blocked, the simulator calls into the shim) they are written to the
   * process's memory here.
   */
  endStage(answered: boolean): void {
    const L = this.L;
    const u32 = this.regionU32;
    if (this.stagePid < 0 || L === null || u32 === null) return;
    for (let i = 0; i < this.stageCount; i++) {
      if (!answered && this.wHi[i] > this.wLo[i]) this.flush(i);
      const w = this.stageCh + L.chStageWin + i * L.swSize;
      const lo = (w + L.swDirtyLo) >> 2;
      const hi = (w + L.swDirtyHi) >> 2;
      // Stored only when they differ from the shim's zeros: the line then stays in its cache.
      if (u32[lo] !== this.wLo[i]) u32[lo] = this.wLo[i];
      if (u32[hi] !== this.wHi[i]) u32[hi] = this.wHi[i];
    }
    this.stagePid = -1;
    this.stageCount = 0;
  }

  /** Writes window i's dirty range to the process and retires nothing (its copy stays valid). */
  private flush(i: number): void {
    const lo = this.wLo[i];
    const hi = this.wHi[i];
    if (hi > lo && this.region !== null) {
      this.addon.writeMem(this.target(this.stagePid), this.wAddr[i] + lo, this.region, this.wAt[i] + lo, hi - lo);
    }
    this.wLo[i] = 0;
    this.wHi[i] = 0;
  }

  /** Flushes and retires window i: the process's memory is the copy from now on. */
  private retire(i: number): void {
    this.flush(i);
    this.wLen[i] = 0;
  }

  /**
   * The window holding [addr, addr+len) whole for a read (its bytes must be
   * the program's: copied in, or written by this call), or -1. Windows the
   * range only partly covers are retired first.
   */
  private windowFor(addr: number, len: number, forWrite: boolean): number {
    let found = -1;
    for (let i = 0; i < this.stageCount; i++) {
      const wl = this.wLen[i];
      if (wl === 0) continue;
      const start = this.wAddr[i];
      if (addr >= start + wl || start >= addr + len) continue;
      const rel = addr - start;
      const inside = addr >= start && rel + len <= wl;
      const valid = forWrite || this.wCopied[i] === 1 || (rel >= this.wLo[i] && rel + len <= this.wHi[i]);
      if (inside && valid) found = i;
      else this.retire(i);
    }
    return found;
  }

  /** Marks [rel, rel+len) of window i written; a gap to the range already written is filled from the process. */
  private markWritten(i: number, rel: number, len: number): boolean {
    let lo = this.wLo[i];
    let hi = this.wHi[i];
    const end = rel + len;
    if (hi === lo) {
      this.wLo[i] = rel;
      this.wHi[i] = end;
      return true;
    }
    if (this.wCopied[i] === 0 && (end < lo || rel > hi) && this.region !== null) {
      const gapStart = end < lo ? end : hi;
      const gapEnd = end < lo ? lo : rel;
      const got = this.addon.readMem(
        this.target(this.stagePid),
        this.wAddr[i] + gapStart,
        this.region,
        this.wAt[i] + gapStart,
        gapEnd - gapStart,
      );
      if (got !== gapEnd - gapStart) return false;
    }
    if (rel < lo) lo = rel;
    if (end > hi) hi = end;
    this.wLo[i] = lo;
    this.wHi[i] = hi;
    return true;
  }

  /** Serves a read (of the staged process) of len bytes at addr into dst[at..]; false when it is not staged. */
  private stagedRead(addr: number, dst: Uint8Array, at: number, len: number): boolean {
    if (len <= 0 || this.region === null) return false;
    const i = this.windowFor(addr, len, false);
    if (i < 0) return false;
    copyBytes(this.region, this.wAt[i] + (addr - this.wAddr[i]), dst, at, len);
    return true;
  }

  /** Serves a write (to the staged process) of src[at..at+len) to addr into the stage; false when it is not staged. */
  private stagedWrite(addr: number, src: Uint8Array, at: number, len: number): boolean {
    if (len <= 0 || this.region === null) return false;
    const i = this.windowFor(addr, len, true);
    if (i < 0) return false;
    const rel = addr - this.wAddr[i];
    if (!this.markWritten(i, rel, len)) {
      this.retire(i);
      return false;
    }
    copyBytes(src, at, this.region, this.wAt[i] + rel, len);
    return true;
  }

  /** A direct access to [addr, addr+len) that bypasses the stage: windows it touches are retired first. */
  private bypass(pid: number, addr: number, len: number): void {
    if (pid !== this.stagePid) return;
    for (let i = 0; i < this.stageCount; i++) {
      const wl = this.wLen[i];
      if (wl !== 0 && addr < this.wAddr[i] + wl && this.wAddr[i] < addr + len) this.retire(i);
    }
  }
  /**
   * Process memory is reached through a thread id when the process's first
   * thread has exited (a zombie leader has no memory to read through).
   */
  private readonly alias = new Map<number, number>();

  setAlias(nativePid: number, nativeTid: number | null): void {
    if (nativeTid === null) this.alias.delete(nativePid);
    else this.alias.set(nativePid, nativeTid);
  }

  private target(pid: number): number {
    return this.alias.size === 0 ? pid : (this.alias.get(pid) ?? pid);
  }

  /** Reads len bytes into the scratch buffer; returns bytes read or -errno. */
  read(pid: number, addr: number, len: number): number {
    return this.readBuf(pid, addr, this.scratch, 0, len > SCRATCH_BYTES ? SCRATCH_BYTES : len);
  }

  /** Writes len bytes from the scratch buffer (offset 0). Returns bytes or -errno. */
  writeScratch(pid: number, addr: number, len: number): number {
    return this.writeBuf(pid, addr, this.scratch, 0, len);
  }

  writeBuf(pid: number, addr: number, buf: Uint8Array, offset: number, len: number): number {
    if (this.stageCount !== 0 && pid === this.stagePid && this.stagedWrite(addr, buf, offset, len)) return len;
    return this.addon.writeMem(this.target(pid), addr, buf, offset, len);
  }

  readBuf(pid: number, addr: number, buf: Uint8Array, offset: number, len: number): number {
    if (this.stageCount !== 0 && pid === this.stagePid && this.stagedRead(addr, buf, offset, len)) return len;
    return this.addon.readMem(this.target(pid), addr, buf, offset, len);
  }

  /** A NUL-terminated string of at most maxLen bytes, or null on a bad pointer. */
  readCString(pid: number, addr: number, maxLen = 4096): string | null {
    if (addr === 0) return null;
    if (this.stageCount !== 0) this.bypass(pid, addr, maxLen);
    // Read page by page: the string may end right before an unmapped page.
    let total = 0;
    while (total < maxLen) {
      const pageLeft = 4096 - ((addr + total) % 4096);
      const chunk = Math.min(pageLeft, maxLen - total);
      const r = this.addon.readMem(this.target(pid), addr + total, this.scratch, total, chunk);
      if (r <= 0) return total > 0 ? null : null;
      const nul = this.scratch.indexOf(0, total);
      if (nul >= 0 && nul < total + r) return this.scratch.toString('utf8', 0, nul);
      total += r;
    }
    return null;
  }

  readU32(pid: number, addr: number): number | null {
    return this.read(pid, addr, 4) === 4 ? this.dv.getUint32(0, true) : null;
  }

  readI64(pid: number, addr: number): number | null {
    if (this.read(pid, addr, 8) !== 8) return null;
    return this.dv.getInt32(4, true) * TWO32 + this.dv.getUint32(0, true);
  }

  /** Fields of the last readTimespec. */
  tsSec = 0;
  tsNsec = 0;

  /** Reads struct timespec into tsSec/tsNsec; false on a bad pointer. */
  readTimespec(pid: number, addr: number): boolean {
    if (this.read(pid, addr, 16) !== 16) return false;
    this.tsSec = this.dv.getInt32(4, true) * TWO32 + this.dv.getUint32(0, true);
    this.tsNsec = this.dv.getInt32(12, true) * TWO32 + this.dv.getUint32(8, true);
    return true;
  }

  /** struct timespec {i64 sec; i64 nsec} as total ns, or null; negative fields give -1. */
  readTimespecNs(pid: number, addr: number): number | null {
    if (this.read(pid, addr, 16) !== 16) return null;
    const sec = this.dv.getInt32(4, true) * TWO32 + this.dv.getUint32(0, true);
    const nsec = this.dv.getInt32(12, true) * TWO32 + this.dv.getUint32(8, true);
    if (sec < 0 || nsec < 0 || nsec >= 1e9) return -1;
    return sec * 1e9 + nsec;
  }

  writeU32(pid: number, addr: number, v: number): boolean {
    this.dv.setUint32(0, v >>> 0, true);
    return this.writeScratch(pid, addr, 4) === 4;
  }

  writeI32(pid: number, addr: number, v: number): boolean {
    this.dv.setInt32(0, v | 0, true);
    return this.writeScratch(pid, addr, 4) === 4;
  }

  writeI64(pid: number, addr: number, v: number): boolean {
    this.dv.setUint32(0, v >>> 0, true);
    this.dv.setInt32(4, Math.floor(v / TWO32), true);
    return this.writeScratch(pid, addr, 8) === 8;
  }

  writeTimespec(pid: number, addr: number, ns: number): boolean {
    const sec = Math.floor(ns / 1e9);
    this.dv.setUint32(0, sec >>> 0, true);
    this.dv.setInt32(4, Math.floor(sec / TWO32), true);
    this.dv.setUint32(8, ns - sec * 1e9, true);
    this.dv.setUint32(12, 0, true);
    return this.writeScratch(pid, addr, 16) === 16;
  }

  /** The scratch buffer as a DataView, for building structs before writeScratch. */
  view(): DataView {
    return this.dv;
  }
}
