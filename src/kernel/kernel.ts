// The simulated kernel: runs managed threads message by message, dispatches
// each syscall through a table of small handlers (one module per area), and
// owns blocking, waking, CPU-latency charging, process start and death.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ProcessConfig } from '../config/types';
import { signalName } from '../config/signals';
import type { Scheduler } from '../core/scheduler';
import { native, NativeAddon, SHIM_PATH } from '../native';
import type { Host } from '../host/host';
import { Memory } from '../host/memory';
import { Process } from '../host/process';
import { SharedRegion, SlotAllocator } from '../host/shm';
import { Thread } from '../host/thread';
import type { Logger } from '../output/log';
import type { SocketLayer } from '../net/sockets/layer';
import { formatSimTime } from '../core/time';
import { Handler, Outcome, SyscallCall } from './call';
import { E } from '../abi/errno';
import { syscallName } from '../abi/syscalls';
import { MSG, PSEUDO_SYS } from '../abi/protocol';

/** Simulated cost of a yield or an empty zero-timeout poll (see politeDelay). */
const POLITE_DELAY_NS = 1000;

/** Handler results beyond the errno range. */
export const DO_NATIVE = -1_000_001;
export const BLOCKED = -1_000_002;
export const NO_REPLY = -1_000_003;

/** A handler in the older numeric style (result, -errno, or one of the markers above). */
export type LegacyHandler = (k: Kernel, t: Thread, a: Float64Array) => number;

/** What the signal module provides to the run loop (set by registerSignals). */
export interface SignalHooks {
  hasDeliverable(t: Thread): boolean;
  /** Before a COMPLETE reply: hand a signal to the shim or apply a default action (NO_REPLY if the process ended). */
  prepareDelivery(t: Thread, nr: number, interrupted: boolean): number;
  send(target: Process | Thread, sig: number): void;
}

export interface KernelOptions {
  modelUnblockedSyscallLatency: boolean;
  unblockedSyscallLatencyNs: number;
  unblockedVdsoLatencyNs: number;
  maxUnappliedCpuLatencyNs: number;
  useSyscallCounters: boolean;
  /** experimental.strace_logging_mode: a <exe>.<pid>.strace file per configured process. */
  straceLoggingMode: 'off' | 'standard' | 'deterministic';
}

export class Kernel {
  readonly table: (Handler | undefined)[] = new Array(1100);
  /** The context of the syscall being handled (one, rebound per call). */
  readonly call = new SyscallCall(this);
  /** Arguments of the syscall being handled (exact below 2^53; see argU64 for more). */
  readonly args = this.call.args;
  nr = 0;
  /** Result that goes with the reply kind handleMessage returned. */
  private lastRet = 0;
  readonly mem = new Memory();
  readonly addon: NativeAddon = native();
  readonly syscallCounts = new Float64Array(1100);
  readonly procSlots: SlotAllocator;
  readonly threadSlots: SlotAllocator;
  readonly processes: Process[] = [];
  signals: SignalHooks | null = null;
  /** The network as the socket syscalls see it (set once the hosts exist). */
  net: SocketLayer | null = null;
  /** Open syscall trace files (shared by a process and its children; closed at the end). */
  readonly straceFds: number[] = [];
  /** Log every syscall that reaches the simulator (log level trace). */
  readonly traceSyscalls: boolean;
  /** Hooks other layers attach (process end notifications). */
  onProcessEnd: ((p: Process) => void)[] = [];
  private readonly savedChannel = new Uint32Array(16);

  constructor(
    readonly shm: SharedRegion,
    readonly sched: Scheduler,
    readonly log: Logger,
    readonly opts: KernelOptions,
  ) {
    this.traceSyscalls = log.enabled('trace');
    this.procSlots = new SlotAllocator(shm.layout.maxProcs, 'processes');
    this.threadSlots = new SlotAllocator(shm.layout.maxThreads, 'threads');
  }

  get now(): number {
    return this.sched.nowNs;
  }

  register(nr: number, h: Handler): void {
    if (this.table[nr]) throw new Error(`invariant: two handlers for ${syscallName(nr)}`);
    this.table[nr] = h;
  }

  /** Registers a handler in the older numeric style (being converted to `register`). */
  registerLegacy(nr: number, h: LegacyHandler): void {
    this.register(nr, (c) => {
      const r = h(this, c.t, this.args);
      if (r === BLOCKED) return Outcome.Blocked;
      if (r === DO_NATIVE) return Outcome.Native;
      if (r === NO_REPLY) return Outcome.Deferred;
      return c.result(r);
    });
  }

  // ---------------------------------------------------------------- threads

  /** Runs thread t from its saved message until it blocks, exits or is delayed. */
  runThread(t: Thread): void {
    const p = t.process;
    if (p.state !== 'running' || t.state === 'exited') return;
    t.state = 'running';
    t.resumeEvent = null;
    const shm = this.shm;
    const L = shm.layout;
    const hostOff = shm.hostOffset(p.host.id);
    const ch = t.chOff;
    shm.writeI64(hostOff + L.hSimTime, this.sched.nowNs);
    shm.writeI64(hostOff + L.hUnapplied, 0);
    let kind: number;
    let ret = 0;
    if (t.pendingKind !== 0) {
      kind = t.pendingKind;
      ret = t.pendingRet;
      t.pendingKind = 0;
    } else {
      kind = this.handleMessage(t);
      if (kind === BLOCKED || kind === NO_REPLY) return;
      ret = this.lastRet;
      if (kind < 0) return; // delayed by CPU latency
    }
    for (;;) {
      if (kind === MSG.COMPLETE && this.signals !== null) {
        if (this.signals.prepareDelivery(t, t.lastNr, ret === -E.EINTR) === NO_REPLY) return;
      }
      shm.u32[(ch + L.chKind) >> 2] = kind;
      shm.writeI64(ch + L.chRet, ret);
      shm.writeI64(hostOff + L.hMaxRunahead, this.sched.maxRunaheadNs());
      shm.writeI64(hostOff + L.hSimTime, this.sched.nowNs);
      if (this.addon.replyAndWait(t.slot, p.nativePid) === 0) {
        this.processDied(p);
        return;
      }
      const shimTime = shm.readU64(hostOff + L.hSimTime);
      if (shimTime > this.sched.nowNs) this.sched.nowNs = shimTime;
      kind = this.handleMessage(t);
      if (kind === BLOCKED || kind === NO_REPLY || kind < 0) return;
      ret = this.lastRet;
    }
  }

  /**
   * Acts on the message in t's channel. Returns the reply kind to send (with
   * this.lastRet), BLOCKED, NO_REPLY, or -1 when the reply is held back while
   * CPU latency is charged.
   */
  private handleMessage(t: Thread): number {
    const shm = this.shm;
    const L = shm.layout;
    const ch = t.chOff;
    const msg = shm.u32[(ch + L.chKind) >> 2];
    if (msg === MSG.START) {
      t.nativeTid = shm.i32[(ch + L.chNativeTid) >> 2];
      shm.i32[(ch + L.chVtid) >> 2] = t.vtid;
      shm.i32[(ch + L.chVpid) >> 2] = t.process.vpid;
      t.process.host.rng.fill(shm.u8, ch + L.chRandom, 16);
      this.lastRet = 0;
      return MSG.START_OK;
    }
    if (msg !== MSG.SYSCALL) throw new Error(`invariant: unexpected message ${msg} from ${t.name}`);
    const nr = shm.readI64(ch + L.chNr);
    const a = this.args;
    this.call.bind(t, nr, ch + L.chArgs);
    this.nr = nr;
    t.lastNr = nr;
    t.syscallSeq++;
    if (this.opts.useSyscallCounters && nr >= 0 && nr < 1100) this.syscallCounts[nr]++;
    const outcome = this.dispatch(t, nr);
    let r = outcome === Outcome.Done ? this.call.ret : outcome === Outcome.Native ? DO_NATIVE : NO_REPLY;
    if (outcome === Outcome.Blocked) {
      if (this.signals === null || !this.signals.hasDeliverable(t)) {
        if (this.traceSyscalls) this.log.log('trace', t.process.host.name, `${t.name}: ${syscallName(nr)} blocks`);
        t.state = 'blocked';
        return BLOCKED;
      }
      // A signal is waiting: the call is interrupted instead of blocking.
      this.clearWaits(t);
      t.blockGen++;
      r = -E.EINTR;
    }
    if (this.traceSyscalls) this.log.log('trace', t.process.host.name, `${t.name}: ${describeSyscall(nr, a, r)}`);
    if (t.process.straceFd >= 0) {
      fs.writeSync(
        t.process.straceFd,
        `${formatSimTime(this.sched.nowNs)} [tid ${t.vtid}] ${describeSyscall(nr, a, r)}\n`,
      );
    }
    if (r === NO_REPLY) return NO_REPLY;
    t.wokenBy = 'none';
    t.deadlineNs = -1;
    const kind = r === DO_NATIVE ? MSG.DO_NATIVE : MSG.COMPLETE;
    this.lastRet = r === DO_NATIVE ? 0 : r;
    return this.chargeLatency(t, nr, kind);
  }

  /** The simulator's half of the unblocked-syscall CPU-latency model. */
  private chargeLatency(t: Thread, nr: number, kind: number): number {
    const shm = this.shm;
    const L = shm.layout;
    const hostOff = shm.hostOffset(t.process.host.id);
    let unapplied = shm.readU64(hostOff + L.hUnapplied);
    if (this.opts.modelUnblockedSyscallLatency && nr !== PSEUDO_SYS.YIELD) {
      unapplied += this.opts.unblockedSyscallLatencyNs;
    }
    if (unapplied <= this.opts.maxUnappliedCpuLatencyNs) {
      if (unapplied !== 0) shm.writeI64(hostOff + L.hUnapplied, unapplied);
      return kind;
    }
    shm.writeI64(hostOff + L.hUnapplied, 0);
    const target = this.sched.nowNs + unapplied;
    if (target <= this.sched.maxRunaheadNs()) {
      this.sched.nowNs = target;
      return kind;
    }
    // Something else happens first: finish this syscall once time reaches target.
    t.pendingKind = kind;
    t.pendingRet = this.lastRet;
    t.state = 'runnable';
    t.resumeEvent = this.sched.at(target, t.process.host.id, () => this.runThread(t));
    return -1;
  }

  /** Runs the handler of the call bound in this.call. */
  private dispatch(t: Thread, nr: number): Outcome {
    const h = nr >= 0 && nr < this.table.length ? this.table[nr] : undefined;
    if (h) {
      try {
        return h(this.call);
      } catch (e) {
        if (!(e instanceof ProcessVanished)) throw e;
        this.processDied(t.process);
        return Outcome.Deferred;
      }
    }
    if (nr === PSEUDO_SYS.YIELD) return this.call.ok(0);
    return this.call.result(this.unsupported(t, nr));
  }

  unsupported(t: Thread, nr: number): number {
    const p = t.process;
    if (!p.warned.has(nr)) {
      p.warned.add(nr);
      this.log.warn(p.host.name, `${p.name}: unsupported syscall ${syscallName(nr)} (${nr}); returning ENOSYS`);
    }
    return -E.ENOSYS;
  }

  /** Exact unsigned 64-bit argument i as [lo, hi] u32 words. */
  argWords(t: Thread, i: number): [number, number] {
    const off = t.chOff + this.shm.layout.chArgs + 8 * i;
    return [this.shm.u32[off >> 2], this.shm.u32[(off >> 2) + 1]];
  }

  /** Rewrites argument i of the syscall being handled (for DO_NATIVE with translated ids). */
  setArg(t: Thread, i: number, v: number): void {
    this.shm.writeI64(t.chOff + this.shm.layout.chArgs + 8 * i, v);
    this.args[i] = v;
  }

  // --------------------------------------------------------------- blocking

  /** Parks t until woken or until deadlineNs (-1: no deadline). Returns BLOCKED. */
  block(t: Thread, deadlineNs: number): number {
    this.parkThread(t, deadlineNs);
    return BLOCKED;
  }

  /** Parks t until woken or until deadlineNs (-1: no deadline). */
  parkThread(t: Thread, deadlineNs: number): void {
    t.blockGen++;
    t.deadlineNs = deadlineNs;
    t.wokenBy = 'none';
    if (deadlineNs >= 0) {
      const gen = t.blockGen;
      const at = Math.max(deadlineNs, this.sched.nowNs);
      this.sched.at(at, t.process.host.id, () => {
        if (t.blockGen === gen && t.state === 'blocked') {
          t.wokenBy = 'timeout';
          this.resume(t);
        }
      });
    }
  }

  /**
   * Parks t until one of `sources` notifies (readiness may have changed) or
   * the deadline passes (-1: none). The syscall re-runs from the top and
   * re-checks. Returns BLOCKED.
   */
  blockOn(t: Thread, sources: ReadonlyArray<{ add(fn: () => void): () => void }>, deadlineNs: number): number {
    for (const s of sources) t.waitCleanups.push(s.add(() => this.wake(t)));
    return this.block(t, deadlineNs);
  }

  /** Completes t's syscall with `ret`, but only at `atNs`: other threads run first. */
  delayReply(t: Thread, ret: number, atNs: number): number {
    t.pendingKind = MSG.COMPLETE;
    t.pendingRet = ret;
    t.state = 'runnable';
    t.resumeEvent = this.sched.at(atNs, t.process.host.id, () => this.runThread(t));
    return NO_REPLY;
  }

  /** A signal arrived for a blocked thread: re-run its syscall, which then fails with EINTR. */
  interrupt(t: Thread): void {
    if (t.state !== 'blocked') return;
    t.blockGen++;
    t.wokenBy = 'signal';
    this.resume(t);
  }

  /**
   * A readiness check that found nothing and may not wait (zero timeout), or
   * sched_yield: the answer comes a little later (1 µs, or the unblocked
   * syscall latency if larger), after every other thread runnable now. A
   * program polling in a loop for another thread's progress thus lets it
   * progress, and timed waits elsewhere (Python's GIL hand-off) expire.
   */
  politeDelay(t: Thread, ret: number): number {
    return this.delayReply(t, ret, this.sched.nowNs + Math.max(POLITE_DELAY_NS, this.opts.unblockedSyscallLatencyNs));
  }

  /**
   * An empty zero-timeout poll. One alone is free (event loops check once
   * before they block); the second in a row is a busy-wait and gets the
   * polite delay.
   */
  emptyPoll(t: Thread, ret: number): number {
    const again = t.emptyPollSeq === t.syscallSeq - 1;
    t.emptyPollSeq = t.syscallSeq;
    return again ? this.politeDelay(t, ret) : ret;
  }

  /** Wakes a blocked thread; its syscall runs again from the top. */
  wake(t: Thread): void {
    if (t.state !== 'blocked') return;
    t.blockGen++;
    t.wokenBy = 'event';
    this.resume(t);
  }

  /** Drops the wait registrations of t's last block. */
  clearWaits(t: Thread): void {
    if (t.waitCleanups.length === 0) return;
    for (const c of t.waitCleanups) c();
    t.waitCleanups.length = 0;
  }

  private resume(t: Thread): void {
    this.clearWaits(t);
    t.state = 'runnable';
    t.resumeEvent = this.sched.at(this.sched.nowNs, t.process.host.id, () => this.runThread(t));
  }

  /** True when the current run of t's syscall follows a block that timed out. */
  timedOut(t: Thread): boolean {
    return t.wokenBy === 'timeout' || (t.deadlineNs >= 0 && this.sched.nowNs >= t.deadlineNs);
  }

  // ------------------------------------------------- calls into the process

  /** Runs a syscall natively inside t's process (t is stopped in the shim). */
  nativeCall(t: Thread, nr: number, a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0): number {
    return this.shimCall(t, MSG.NATIVE_CALL, nr, a0, a1, a2, a3, a4, a5);
  }

  /** Asks t's shim to do `kind` (NATIVE_CALL, CLONE ...) and returns its CALL_RESULT. */
  shimCall(t: Thread, kind: number, nr: number, a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0): number {
    const shm = this.shm;
    const L = shm.layout;
    const ch = t.chOff;
    this.saveChannel(ch);
    shm.u32[(ch + L.chKind) >> 2] = kind;
    shm.writeI64(ch + L.chNr, nr);
    const base = ch + L.chArgs;
    shm.writeI64(base, a0);
    shm.writeI64(base + 8, a1);
    shm.writeI64(base + 16, a2);
    shm.writeI64(base + 24, a3);
    shm.writeI64(base + 32, a4);
    shm.writeI64(base + 40, a5);
    return this.finishCall(t);
  }

  /** Opens a native placeholder fd in t's process for an emulated object. */
  placeholderFd(t: Thread, cloexec: boolean): number {
    const shm = this.shm;
    const L = shm.layout;
    this.saveChannel(t.chOff);
    shm.u32[(t.chOff + L.chKind) >> 2] = MSG.PLACEHOLDER;
    shm.writeI64(t.chOff + L.chArgs, cloexec ? 1 : 0);
    return this.finishCall(t);
  }

  private finishCall(t: Thread): number {
    const shm = this.shm;
    const L = shm.layout;
    if (this.addon.replyAndWait(t.slot, t.process.nativePid) === 0) {
      throw new ProcessVanished(t.process);
    }
    if (shm.u32[(t.chOff + L.chKind) >> 2] !== MSG.CALL_RESULT) {
      throw new Error(`invariant: ${t.name} answered a native call with message ${shm.u32[(t.chOff + L.chKind) >> 2]}`);
    }
    const r = shm.readI64(t.chOff + L.chRet);
    this.restoreChannel(t.chOff);
    return r;
  }

  // nr + args are 14 u32 words starting at chNr; the kind word is restored too.
  private saveChannel(ch: number): void {
    const L = this.shm.layout;
    const base = (ch + L.chNr) >> 2;
    for (let i = 0; i < 14; i++) this.savedChannel[i] = this.shm.u32[base + i];
    this.savedChannel[14] = this.shm.u32[(ch + L.chKind) >> 2];
  }

  private restoreChannel(ch: number): void {
    const L = this.shm.layout;
    const base = (ch + L.chNr) >> 2;
    for (let i = 0; i < 14; i++) this.shm.u32[base + i] = this.savedChannel[i];
    this.shm.u32[(ch + L.chKind) >> 2] = this.savedChannel[14];
  }

  // -------------------------------------------------------------- processes

  newThread(p: Process, vtid: number): Thread {
    const slot = this.threadSlots.alloc();
    const L = this.shm.layout;
    const ch = this.shm.channelOffset(slot);
    this.shm.u8.fill(0, ch, ch + L.channelSize);
    this.shm.i32[(ch + L.chHost) >> 2] = p.host.id;
    this.shm.i32[(ch + L.chProc) >> 2] = p.slot;
    const t = new Thread(p, slot, vtid, ch);
    p.threads.push(t);
    return t;
  }

  /** A new simulated process on `host` (no native process yet). */
  newProcess(host: Host, ppid: number, exeName: string, cfg: ProcessConfig | null): Process {
    const slot = this.procSlots.alloc();
    const L = this.shm.layout;
    const pOff = this.shm.procOffset(slot);
    this.shm.u8.fill(0, pOff, pOff + 64);
    this.shm.clearFdBitmap(slot);
    this.shm.u32[(pOff + L.pInUse) >> 2] = 1;
    const vpid = host.allocVid();
    const p = new Process(host, vpid, ppid, slot, exeName, cfg);
    this.shm.i32[(pOff + L.pVpid) >> 2] = vpid;
    host.processes.push(p);
    this.processes.push(p);
    return p;
  }

  attachNative(p: Process, nativePid: number): void {
    p.nativePid = nativePid;
    this.shm.i32[(this.shm.procOffset(p.slot) + this.shm.layout.pNativePid) >> 2] = nativePid;
  }

  /** Forgets a process whose native side never came to exist. */
  discardProcess(p: Process): void {
    for (const t of p.threads) this.threadSlots.release(t.slot);
    p.threads.length = 0;
    p.state = 'exited';
    p.reaped = true;
    this.shm.u32[(this.shm.procOffset(p.slot) + this.shm.layout.pInUse) >> 2] = 0;
    this.procSlots.release(p.slot);
    const i = p.host.processes.indexOf(p);
    if (i >= 0) p.host.processes.splice(i, 1);
    const j = this.processes.indexOf(p);
    if (j >= 0) this.processes.splice(j, 1);
  }

  /** Makes a thread that has attached (START pending) run at the current time. */
  startThread(t: Thread): void {
    t.nativeTid = this.shm.i32[(t.chOff + this.shm.layout.chNativeTid) >> 2];
    t.state = 'runnable';
    t.resumeEvent = this.sched.at(this.sched.nowNs, t.process.host.id, () => this.runThread(t));
  }

  /** The environment a managed program starts with: the shim first in LD_PRELOAD, our channel. */
  managedEnv(env: Array<[string, string]>, slot: number): string[] {
    const userPreload = env.find(([k]) => k === 'LD_PRELOAD')?.[1];
    const preload = [SHIM_PATH, ...(userPreload ? userPreload.split(':').filter((x) => x && x !== SHIM_PATH) : [])];
    const out = env.filter(([k]) => k !== 'LD_PRELOAD' && !k.startsWith('UMBRA_')).map(([k, v]) => `${k}=${v}`);
    out.push(`LD_PRELOAD=${preload.join(':')}`, `UMBRA_CHANNEL=${slot}`);
    return out;
  }

  /** Starts a configured process now. Returns the process (possibly already ended). */
  spawnConfigured(host: Host, cfg: ProcessConfig): Process {
    const exe = path.basename(cfg.resolvedPath);
    const p = this.newProcess(host, 1, exe, cfg);
    const vpid = p.vpid;
    const t = this.newThread(p, vpid);
    const env = this.managedEnv(cfg.environment, t.slot);
    const out = path.join(host.dir, `${exe}.${vpid}.stdout`);
    const err = path.join(host.dir, `${exe}.${vpid}.stderr`);
    if (this.opts.straceLoggingMode !== 'off') {
      p.straceFd = fs.openSync(path.join(host.dir, `${exe}.${vpid}.strace`), 'w');
      this.straceFds.push(p.straceFd);
    }
    const pid = this.addon.spawn(cfg.resolvedPath, [cfg.path, ...cfg.args], env, host.dir, out, err);
    if (pid < 0) {
      this.log.error(host.name, `${p.name}: cannot start ${cfg.resolvedPath}: errno ${-pid}`);
      p.waitStatus = 127 << 8;
      this.endProcess(p);
      return p;
    }
    this.attachNative(p, pid);
    this.log.debug(host.name, `${p.name}: started ${cfg.path} ${cfg.args.join(' ')}`);
    if (this.addon.waitRequest(t.slot, pid) === 0) {
      this.processDied(p);
      this.log.warn(host.name, `${p.name}: ended before the shim attached (is it a static or setuid binary?)`);
      return p;
    }
    this.runThread(t);
    return p;
  }

  /** The native process is gone: collect its status. */
  processDied(p: Process): void {
    if (p.state !== 'running') return;
    const st = this.addon.reap(p.nativePid, true);
    p.waitStatus = st >= 0 ? st : 0;
    this.endProcess(p);
  }

  /** exit_group (or the last thread's exit): let it run natively, then reap. */
  exitProcess(t: Thread): number {
    const p = t.process;
    const L = this.shm.layout;
    this.shm.u32[(t.chOff + L.chKind) >> 2] = MSG.DO_NATIVE;
    this.addon.reply(t.slot);
    this.processDied(p);
    return NO_REPLY;
  }

  /** One thread of several exits: it runs exit natively, then pthread_join's futex is woken. */
  exitThread(t: Thread): number {
    const p = t.process;
    const L = this.shm.layout;
    this.shm.u32[(t.chOff + L.chKind) >> 2] = MSG.DO_NATIVE;
    this.addon.reply(t.slot);
    t.state = 'exited';
    t.blockGen++;
    // The joiner may free this thread's stack once the tid word clears: wait until it is gone.
    if (t.vtid !== p.vpid) this.addon.waitThreadGone(p.nativePid, t.nativeTid);
    if (t.vtid === p.vpid || p.memoryThread === t) {
      const other = p.threads.find((o) => o.state !== 'exited' && o !== t);
      p.memoryThread = other ?? null;
      if (other) this.mem.setAlias(p.nativePid, other.nativeTid);
    }
    this.threadSlots.release(t.slot);
    if (t.clearChildTidAddr !== 0) {
      this.mem.writeI32(p.nativePid, t.clearChildTidAddr, 0);
      for (const h of this.onThreadExit) h(t, t.clearChildTidAddr);
    }
    return NO_REPLY;
  }

  /** Hooks run when a thread exits with a clear-child-tid address (the futex module wakes joiners). */
  onThreadExit: ((t: Thread, clearTidAddr: number) => void)[] = [];

  endProcess(p: Process): void {
    p.state = 'exited';
    p.endTimeNs = this.sched.nowNs;
    for (const t of p.threads) {
      this.clearWaits(t);
      if (t.resumeEvent) t.resumeEvent.cancelled = true;
      if (t.state !== 'exited') this.threadSlots.release(t.slot);
      t.state = 'exited';
      t.blockGen++;
    }
    p.fds.closeAll();
    if (p.memoryThread) this.mem.setAlias(p.nativePid, null);
    this.shm.u32[(this.shm.procOffset(p.slot) + this.shm.layout.pInUse) >> 2] = 0;
    this.procSlots.release(p.slot);
    const fs = p.finalState();
    const how =
      fs.kind === 'exited'
        ? `exited with status ${fs.code}`
        : fs.kind === 'signaled'
          ? `killed by ${signalName(fs.signal)}`
          : 'still running at stop time; killed';
    this.log.log(p.config !== null ? 'info' : 'debug', p.host.name, `${p.name}: ${how}`);
    for (const h of this.onProcessEnd) h(p);
  }

  /** Ends every process still running (stop time, or an error). */
  killAll(): void {
    for (const p of this.processes) {
      if (p.state === 'running' && p.nativePid > 0) {
        this.addon.kill(p.nativePid, 9);
        const st = this.addon.reap(p.nativePid, true);
        p.waitStatus = st >= 0 ? st : 9;
        p.killedAtStop = true;
        this.endProcess(p);
      }
    }
  }

  /** Sends a signal to a whole process (shutdown_signal, SIGPIPE, parent death), as from init. */
  deliverSignal(p: Process, signal: number): void {
    if (p.state !== 'running' || p.nativePid <= 0) return;
    this.log.debug(p.host.name, `${p.name}: sending signal ${signal}`);
    if (this.signals) this.signals.send(p, signal);
    else this.addon.kill(p.nativePid, signal);
  }

  findProcess(host: Host, vpid: number): Process | undefined {
    return host.processes.find((p) => p.vpid === vpid && p.state === 'running');
  }

  findThread(host: Host, vtid: number): Thread | undefined {
    for (const p of host.processes) {
      if (p.state !== 'running') continue;
      for (const t of p.threads) if (t.vtid === vtid && t.state !== 'exited') return t;
    }
    return undefined;
  }
}

/** name(args) = result, as the syscall trace shows it (addresses are stable: no ASLR). */
function describeSyscall(nr: number, a: Float64Array, r: number): string {
  const args = Array.from(a, (x) => (x > 0xffff ? '0x' + x.toString(16) : String(x))).join(', ');
  const res =
    r === DO_NATIVE ? '<native>' : r === NO_REPLY ? '?' : r < 0 && r > -4096 ? `-1 ${errnoName(-r)}` : String(r);
  return `${syscallName(nr)}(${args}) = ${res}`;
}

const ERRNO_NAMES: string[] = [];
for (const [name, v] of Object.entries(E)) if (ERRNO_NAMES[v] === undefined) ERRNO_NAMES[v] = name;
function errnoName(n: number): string {
  return ERRNO_NAMES[n] ?? `errno ${n}`;
}

/** A process died while the simulator was talking to it. */
export class ProcessVanished extends Error {
  constructor(readonly process: Process) {
    super(`${process.name} ended during a native call`);
  }
}
