// Reading and writing a managed process's memory (process_vm_readv/writev via
// the addon). One preallocated scratch buffer serves every access, so the
// syscall hot path allocates nothing; a returned view is valid until the next call.
import { native, NativeAddon } from '../native';

const SCRATCH_BYTES = 1 << 20;
const TWO32 = 4294967296;

export class Memory {
  readonly scratch = Buffer.alloc(SCRATCH_BYTES);
  private readonly dv = new DataView(this.scratch.buffer, this.scratch.byteOffset, SCRATCH_BYTES);
  constructor(private readonly addon: NativeAddon = native()) {}
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
    if (len > SCRATCH_BYTES) len = SCRATCH_BYTES;
    return this.addon.readMem(this.target(pid), addr, this.scratch, 0, len);
  }

  /** Writes len bytes from the scratch buffer (offset 0). Returns bytes or -errno. */
  writeScratch(pid: number, addr: number, len: number): number {
    return this.addon.writeMem(this.target(pid), addr, this.scratch, 0, len);
  }

  writeBuf(pid: number, addr: number, buf: Uint8Array, offset: number, len: number): number {
    return this.addon.writeMem(this.target(pid), addr, buf, offset, len);
  }

  readBuf(pid: number, addr: number, buf: Uint8Array, offset: number, len: number): number {
    return this.addon.readMem(this.target(pid), addr, buf, offset, len);
  }

  /** A NUL-terminated string of at most maxLen bytes, or null on a bad pointer. */
  readCString(pid: number, addr: number, maxLen = 4096): string | null {
    if (addr === 0) return null;
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
