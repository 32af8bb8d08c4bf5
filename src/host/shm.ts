// Typed access to the simulation's shared region (native/include/umbra_ipc.h):
// channels, per-host clocks and per-process fd bitmaps. Preallocated views,
// 64-bit fields split into 32-bit halves: no BigInt, no allocation per access.
import { Layout, native, NativeAddon } from '../native';

const TWO32 = 4294967296;

export class SharedRegion {
  readonly layout: Layout;
  readonly u8: Uint8Array;
  readonly u32: Uint32Array;
  readonly i32: Int32Array;

  constructor(n: NativeAddon = native()) {
    this.layout = n.layout();
    const ab = n.createShm();
    this.u8 = new Uint8Array(ab);
    this.u32 = new Uint32Array(ab);
    this.i32 = new Int32Array(ab);
  }

  // ---- generic 64-bit fields (byte offsets) ----
  readI64(off: number): number {
    return this.i32[(off >> 2) + 1] * TWO32 + this.u32[off >> 2];
  }
  readU64(off: number): number {
    return this.u32[(off >> 2) + 1] * TWO32 + this.u32[off >> 2];
  }
  writeI64(off: number, v: number): void {
    this.u32[off >> 2] = v >>> 0;
    this.i32[(off >> 2) + 1] = Math.floor(v / TWO32);
  }

  // ---- channels ----
  channelOffset(slot: number): number {
    return this.layout.offChannels + slot * this.layout.channelSize;
  }

  // ---- hosts ----
  hostOffset(hostIndex: number): number {
    return this.layout.offHosts + hostIndex * this.layout.hostSize;
  }

  // ---- processes ----
  procOffset(procSlot: number): number {
    return this.layout.offProcs + procSlot * this.layout.procSize;
  }

  setFdEmulated(procSlot: number, fd: number, on: boolean): void {
    if (fd < 0 || fd >= this.layout.fdBitmapFds) return;
    const byte = this.procOffset(procSlot) + this.layout.pFdBitmap + (fd >> 3);
    if (on) this.u8[byte] |= 1 << (fd & 7);
    else this.u8[byte] &= ~(1 << (fd & 7));
  }

  clearFdBitmap(procSlot: number): void {
    const start = this.procOffset(procSlot) + this.layout.pFdBitmap;
    this.u8.fill(0, start, start + this.layout.fdBitmapFds / 8);
  }

  copyFdBitmap(fromSlot: number, toSlot: number): void {
    const from = this.procOffset(fromSlot) + this.layout.pFdBitmap;
    const to = this.procOffset(toSlot) + this.layout.pFdBitmap;
    this.u8.copyWithin(to, from, from + this.layout.fdBitmapFds / 8);
  }

  writeCString(off: number, s: string, cap: number): void {
    const b = Buffer.from(s, 'utf8');
    if (b.length + 1 > cap) throw new Error(`invariant: string too long for shared field (${b.length} bytes)`);
    this.u8.set(b, off);
    this.u8[off + b.length] = 0;
  }
}

/** Slot allocator with lowest-free reuse, so slot numbers are deterministic. */
export class SlotAllocator {
  private free: number[] = [];
  private next = 0;
  constructor(
    private readonly max: number,
    private readonly what: string,
  ) {}

  alloc(): number {
    if (this.free.length > 0) {
      this.free.sort((a, b) => b - a);
      return this.free.pop() as number;
    }
    if (this.next >= this.max) throw new Error(`umbra: too many ${this.what} (limit ${this.max})`);
    return this.next++;
  }

  release(slot: number): void {
    this.free.push(slot);
  }
}
