// Typed access to the simulation's shared region (native/include/umbra_ipc.h):
// channels, per-host clocks and per-process fd bitmaps. Preallocated views,
// 64-bit fields split into 32-bit halves: no BigInt, no allocation per access.
// The limits come through protocol.ts, whose loading checks the addon's version
// before any offset below is used.
import { LIMITS } from '../abi/protocol';
import { ArrayQueue } from '../core/array-queue';
import { Layout, native, NativeAddon } from '../native';

const TWO32 = 4294967296;

/** A slot or index the simulator computed lies outside the shared region: a bug, never user input. */
function outOfRange(what: string, value: number, limit: number): never {
  throw new Error(`invariant: ${what} ${value} is outside the shared region (0..${limit - 1})`);
}

/** True for an integer in [0, limit): one shift and two compares, no allocation. */
function inRange(v: number, limit: number): boolean {
  return v >>> 0 === v && v < limit;
}

export class SharedRegion {
  readonly layout: Layout;
  readonly u8: Uint8Array;
  readonly u32: Uint32Array;
  readonly i32: Int32Array;
  private readonly maxThreads: number;
  private readonly maxHosts: number;
  private readonly maxProcs: number;
  private readonly fdBitmapFds: number;
  /** The header's simulator-written fields as sealed after set-up (see sealHeader). */
  private sealedHeader: Uint8Array | null = null;
  /** Every host's written-once settings (hModelLatency up to the end of hMaxUnapplied), back to back. */
  private sealedHosts = new Uint8Array(0);
  private sealedHostSpan = 0;

  constructor(n: NativeAddon = native()) {
    // A copy: the addon's object has dictionary-mode properties (built key by key in C), and
    // every syscall reads a dozen of them; a literal's fixed shape makes each read an inline load.
    this.layout = { ...n.layout() };
    const ab = n.createShm();
    this.u8 = new Uint8Array(ab);
    this.u32 = new Uint32Array(ab);
    this.i32 = new Int32Array(ab);
    this.maxThreads = LIMITS.MAX_THREADS;
    this.maxHosts = LIMITS.MAX_HOSTS;
    this.maxProcs = LIMITS.MAX_PROCS;
    this.fdBitmapFds = LIMITS.FD_BITMAP_FDS;
  }

  /**
   * Remembers what the simulator wrote once: the header fields before tsc_trap
   * (the one field shims write) and each host's latency settings. Every managed
   * process can write the region; restoreSettings puts them back before a new
   * shim copies them at start-up (the simulator itself never reads them back).
   */
  sealSettings(hostCount: number): void {
    const L = this.layout;
    this.sealedHeader = this.u8.slice(0, L.hdrTscTrap);
    const span = L.hMaxUnapplied + 8 - L.hModelLatency;
    this.sealedHostSpan = span;
    this.sealedHosts = new Uint8Array(hostCount * span);
    for (let i = 0; i < hostCount; i++) {
      const off = this.hostOffset(i) + L.hModelLatency;
      this.sealedHosts.set(this.u8.subarray(off, off + span), i * span);
    }
  }

  /**
   * Puts back the header and the settings of `hostIndex`, the host whose new
   * shim is about to copy them: the only ones a starting shim reads, so the
   * cost does not grow with the number of hosts.
   */
  restoreSettings(hostIndex: number): void {
    if (this.sealedHeader !== null) this.u8.set(this.sealedHeader, 0);
    const span = this.sealedHostSpan;
    if ((hostIndex + 1) * span > this.sealedHosts.length) return;
    const at = hostIndex * span;
    this.u8.set(this.sealedHosts.subarray(at, at + span), this.hostOffset(hostIndex) + this.layout.hModelLatency);
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
  /**
   * writeI64 that skips an unchanged value: a shim reads these fields between
   * calls, and a store takes the cache line away from its CPU even when the
   * value stays the same.
   */
  updateI64(off: number, v: number): void {
    if (this.readI64(off) !== v) this.writeI64(off, v);
  }

  // ---- channels ----
  channelOffset(slot: number): number {
    if (!inRange(slot, this.maxThreads)) outOfRange('channel slot', slot, this.maxThreads);
    return this.layout.offChannels + slot * this.layout.channelSize;
  }

  // ---- hosts ----
  hostOffset(hostIndex: number): number {
    if (!inRange(hostIndex, this.maxHosts)) outOfRange('host index', hostIndex, this.maxHosts);
    return this.layout.offHosts + hostIndex * this.layout.hostSize;
  }

  // ---- processes ----
  procOffset(procSlot: number): number {
    if (!inRange(procSlot, this.maxProcs)) outOfRange('process slot', procSlot, this.maxProcs);
    return this.layout.offProcs + procSlot * this.layout.procSize;
  }

  /**
   * Marks fd as emulated (or not) for the shim. Numbers at or above the bitmap's
   * reach need no bit (the shim sends every such fd to the simulator) and may
   * come straight from a program's registers; a negative fd never does.
   */
  setFdEmulated(procSlot: number, fd: number, on: boolean): void {
    if (fd >= this.fdBitmapFds) return;
    if (fd >>> 0 !== fd) outOfRange('fd', fd, this.fdBitmapFds);
    const byte = this.procOffset(procSlot) + this.layout.pFdBitmap + (fd >> 3);
    if (on) this.u8[byte] |= 1 << (fd & 7);
    else this.u8[byte] &= ~(1 << (fd & 7));
  }

  /** Whether the shim sees fd as emulated (fds beyond the bitmap always are). */
  isFdEmulated(procSlot: number, fd: number): boolean {
    if (fd >= this.fdBitmapFds) return true;
    if (fd >>> 0 !== fd) outOfRange('fd', fd, this.fdBitmapFds);
    return (this.u8[this.procOffset(procSlot) + this.layout.pFdBitmap + (fd >> 3)] & (1 << (fd & 7))) !== 0;
  }

  clearFdBitmap(procSlot: number): void {
    const start = this.procOffset(procSlot) + this.layout.pFdBitmap;
    this.u8.fill(0, start, start + this.fdBitmapFds / 8);
  }

  copyFdBitmap(fromSlot: number, toSlot: number): void {
    const from = this.procOffset(fromSlot) + this.layout.pFdBitmap;
    const to = this.procOffset(toSlot) + this.layout.pFdBitmap;
    this.u8.copyWithin(to, from, from + this.fdBitmapFds / 8);
  }

  writeCString(off: number, s: string, cap: number): void {
    const b = Buffer.from(s, 'utf8');
    if (b.length + 1 > cap) throw new Error(`invariant: string too long for shared field (${b.length} bytes)`);
    this.u8.set(b, off);
    this.u8[off + b.length] = 0;
  }
}

/** Released slots wait behind this many newer ones before they are handed out again. */
const QUARANTINE = 64;

/** Slot allocator: the oldest released slot first, so slot numbers are deterministic. */
export class SlotAllocator {
  /** Released slots, oldest first. */
  private readonly free = new ArrayQueue<number>();
  private next = 0;
  constructor(
    private readonly max: number,
    private readonly what: string,
  ) {}

  /**
   * A released slot once QUARANTINE newer ones wait behind it, else a new one
   * (else the oldest released anyway). The native process that used a slot must
   * be gone before it is handed out again (Reaper.settle*): after that many
   * later releases it usually is, and the simulator does not wait for its
   * teardown. Only the order of releases decides, and that is the
   * simulation's, so runs stay deterministic (a slot number reaches the
   * program, in UMBRA_CHANNEL).
   */
  alloc(): number {
    const waiting = this.free.length;
    if (waiting > QUARANTINE || (waiting > 0 && this.next >= this.max)) return this.free.shift() as number;
    if (this.next >= this.max) throw new Error(`umbra: too many ${this.what} (limit ${this.max})`);
    return this.next++;
  }

  /** True when alloc() can succeed. */
  hasFree(): boolean {
    return this.free.length > 0 || this.next < this.max;
  }

  release(slot: number): void {
    this.free.push(slot);
  }
}
