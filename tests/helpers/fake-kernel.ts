// A Kernel wired to fakes instead of a managed process: a fake addon whose
// "process memory" is a flat byte array and whose shim answers native calls
// from a script, so syscall handlers can be unit-tested without native code
// running. The shared-region layout still comes from the built addon.
import { native, type NativeAddon } from '../../src/native';
import { Memory } from '../../src/host/memory';
import { SharedRegion } from '../../src/host/shm';
import { Scheduler } from '../../src/core/scheduler';
import { Logger } from '../../src/output/log';
import { Kernel } from '../../src/kernel/kernel';
import { Outcome } from '../../src/kernel/call';
import { Host } from '../../src/host/host';
import type { HostConfig } from '../../src/config/types';
import type { Process } from '../../src/host/process';
import type { Thread } from '../../src/host/thread';
import { MSG } from '../../src/abi/protocol';
import { registerAllSyscalls } from '../../src/syscall/index';

/** Fake user memory: one mapping [BASE, BASE + size). Other addresses fault (EFAULT). */
export const USER_BASE = 0x10000000;
const USER_SIZE = 1 << 20;

/** What the fake shim did when the simulator asked it to run something natively. */
export interface NativeCallRecord {
  kind: number;
  nr: number;
  args: number[];
}

export class FakeAddon implements NativeAddon {
  private readonly real = native();
  readonly user = new Uint8Array(USER_SIZE);
  /** Native calls the kernel made through the channel, in order. */
  readonly calls: NativeCallRecord[] = [];
  /** The next fd number a placeholder or native open gets. */
  nextFd = 10;
  /** Result of a NATIVE_CALL (default 0). */
  nativeResult: (rec: NativeCallRecord) => number = () => 0;
  shm: SharedRegion | null = null;
  slotOffset: (slot: number) => number = () => 0;

  layout() {
    return this.real.layout();
  }
  protocol() {
    return this.real.protocol();
  }
  rdtscTraps(): boolean {
    return this.real.rdtscTraps();
  }
  /** What the kernel told the addon about spinning, in order. */
  readonly spinCalls: boolean[] = [];
  allowSpin(allowed: boolean): void {
    this.spinCalls.push(allowed);
  }
  spawnAsync(): void {
    throw new Error('FakeAddon: no processes start in unit tests');
  }
  spawnResults(): number {
    return 0;
  }
  spawnSeq(): number {
    return 0;
  }
  spawnWait(): void {}
  waitAny(): number {
    throw new Error('FakeAddon: no threads run natively in unit tests');
  }
  createShm(): ArrayBuffer {
    return new ArrayBuffer(this.real.layout().shmSize);
  }
  shmPath(): string {
    return '';
  }
  waitRequest(): number {
    return 1;
  }
  /** Plays the shim: answers PLACEHOLDER and NATIVE_CALL messages at once. */
  replyAndWait(slot: number): number {
    const shm = this.shm;
    if (shm === null) throw new Error('fake addon: no shared region');
    const L = shm.layout;
    const ch = shm.channelOffset(slot);
    const kind = shm.u32[(ch + L.chKind) >> 2];
    const args: number[] = [];
    for (let i = 0; i < 6; i++) args.push(shm.readI64(ch + L.chArgs + 8 * i));
    const rec = { kind, nr: shm.readI64(ch + L.chNr), args };
    this.calls.push(rec);
    let ret = 0;
    if (kind === MSG.PLACEHOLDER) ret = this.nextFd++;
    else if (kind === MSG.NATIVE_CALL) ret = this.nativeResult(rec);
    else throw new Error(`fake addon: the kernel replied ${kind}; unit tests drive one call at a time`);
    shm.u32[(ch + L.chKind) >> 2] = MSG.CALL_RESULT;
    shm.writeI64(ch + L.chRet, ret);
    return 1;
  }
  reply(): void {}
  park(): void {}
  spawn(): number {
    return -38;
  }
  spawnExec(): number {
    return -38;
  }
  reap(): number {
    return 0;
  }
  kill(): number {
    return 0;
  }
  tgkill(): number {
    return 0;
  }
  readMem(_pid: number, addr: number, buf: Uint8Array, offset: number, len: number): number {
    const at = addr - USER_BASE;
    if (at < 0 || at + len > USER_SIZE) return -14;
    buf.set(this.user.subarray(at, at + len), offset);
    return len;
  }
  writeMem(_pid: number, addr: number, buf: Uint8Array, offset: number, len: number): number {
    const at = addr - USER_BASE;
    if (at < 0 || at + len > USER_SIZE) return -14;
    this.user.set(buf.subarray(offset, offset + len), at);
    return len;
  }
  tscHz(): number {
    return 1e9;
  }
  waitThreadGone(): number {
    return 1;
  }
  monotonicNs(): number {
    return 0;
  }
}

/** Result of one syscall issued through the fake kernel. */
export interface CallResult {
  outcome: Outcome;
  ret: number;
}

/** One host with one process and thread, a kernel with every handler, and fake native parts. */
export class FakeKernel {
  readonly addon = new FakeAddon();
  readonly shm: SharedRegion;
  readonly sched = new Scheduler(Number.MAX_SAFE_INTEGER);
  readonly kernel: Kernel;
  readonly host: Host;
  readonly process: Process;
  /** The thread that issues `syscall` (tests may switch it to another thread of the process). */
  thread: Thread;

  constructor(hostName = 'box') {
    this.shm = new SharedRegion(this.addon);
    this.addon.shm = this.shm;
    this.kernel = new Kernel(
      this.shm,
      this.sched,
      new Logger('error'),
      {
        modelUnblockedSyscallLatency: false,
        unblockedSyscallLatencyNs: 1000,
        unblockedVdsoLatencyNs: 10,
        maxUnappliedCpuLatencyNs: 1000,
        useSyscallCounters: false,
        straceLoggingMode: 'off',
      },
      { addon: this.addon, mem: new Memory(this.addon) },
    );
    registerAllSyscalls(this.kernel);
    this.host = new Host(0, hostName, 0x0b000001, {} as HostConfig, '/nonexistent', 1);
    this.process = this.kernel.newProcess(this.host, 1, 'prog', null);
    this.kernel.attachNative(this.process, 424242);
    this.thread = this.kernel.newThread(this.process, this.process.vpid);
    this.thread.state = 'running';
  }

  /** Issues syscall nr with args from the thread, as the run loop would, and returns what the handler decided. */
  syscall(nr: number, ...args: number[]): CallResult {
    const k = this.kernel;
    const t = this.thread;
    const L = this.shm.layout;
    this.shm.writeI64(t.chOff + L.chNr, nr);
    for (let i = 0; i < 6; i++) this.shm.writeI64(t.chOff + L.chArgs + 8 * i, args[i] ?? 0);
    k.call.bind(t, nr, t.chOff + L.chArgs);
    t.lastNr = nr;
    t.syscallSeq++;
    const outcome = k.syscalls.dispatch(k.call);
    if (outcome === Outcome.Blocked) t.state = 'blocked';
    else if (outcome === Outcome.Done || outcome === Outcome.Native) {
      t.wokenBy = 'none';
      t.deadlineNs = -1;
    }
    return { outcome, ret: k.call.ret };
  }

  /**
   * Runs scheduled events up to and including simulated time untilNs. When
   * the blocked thread wakes, its run-loop event is not run: the thread is
   * marked running, and the test issues the call again (the restart model).
   */
  advanceTo(untilNs: number): void {
    const q = this.sched;
    while (q.peekTime() <= untilNs) {
      const ev = q.popNext();
      if (ev === undefined) break;
      if (ev.cancelled) continue;
      if (ev.timeNs > this.sched.nowNs) this.sched.nowNs = ev.timeNs;
      if (ev === this.thread.resumeEvent) {
        this.thread.resumeEvent = null;
        this.thread.state = 'running';
        continue;
      }
      ev.run();
    }
    if (this.sched.nowNs < untilNs) this.sched.nowNs = untilNs;
  }

  /** Writes bytes into fake user memory at addr. */
  poke(addr: number, bytes: ArrayLike<number>): void {
    this.addon.user.set(bytes, addr - USER_BASE);
  }

  /** Reads len bytes of fake user memory at addr. */
  peek(addr: number, len: number): Uint8Array {
    return this.addon.user.slice(addr - USER_BASE, addr - USER_BASE + len);
  }

  peekI64(addr: number): number {
    const dv = new DataView(this.addon.user.buffer, addr - USER_BASE, 8);
    return dv.getInt32(4, true) * 4294967296 + dv.getUint32(0, true);
  }

  pokeI64(addr: number, v: number): void {
    const dv = new DataView(this.addon.user.buffer, addr - USER_BASE, 8);
    dv.setUint32(0, v >>> 0, true);
    dv.setInt32(4, Math.floor(v / 4294967296), true);
  }
}
