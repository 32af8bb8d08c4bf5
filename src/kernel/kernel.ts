// The simulated kernel: the state every syscall handler reaches (shared region,
// process memory, scheduler, process table) and the one facade they call.
// Behaviour lives in the modules beside it: run-loop (the hand-off with a
// managed thread), dispatch (the syscall table), blocking, cpu-latency,
// shim-calls, lifecycle (process and thread birth and death) and spawn.
import * as os from 'node:os';
import type { ProcessConfig } from '../config/types';
import type { InFlightRunner, Scheduler } from '../core/scheduler';
import { native, NativeAddon, WAIT_RESULT } from '../native';
import type { Host } from '../host/host';
import { Memory } from '../host/memory';
import type { Process } from '../host/process';
import { SharedRegion, SlotAllocator } from '../host/shm';
import type { Thread } from '../host/thread';
import type { Logger } from '../output/log';
import type { ReportHooks } from '../report/hooks';
import { MSG } from '../abi/protocol';
import type { SocketLayer } from '../net/sockets/layer';
import { FifoTable } from '../files/fifo';
import { LockTable } from '../files/locks';
import { Handler, SyscallCall } from './call';
import { SyscallTable } from './dispatch';
import * as blocking from './blocking';
import * as lifecycle from './lifecycle';
import { runThread, serveAnswer } from './run-loop';
import { ShimCalls } from './shim-calls';
import { managedEnv, notStarted, spawnConfigured } from './spawn';
import type { NativeLaunch } from './static-loader';

/** Where a started process runs and writes (its host directory, its stdout and stderr files). */
export interface SpawnFiles {
  cwd: string;
  stdout: string;
  stderr: string;
}

/** What the log says once a process started on the spawner thread runs, or could not start. */
export interface SpawnMessages {
  started: string;
  failed: string;
}
import { Reaper } from './reaper';
import { reportAnswered, reportSilent } from './watchdog';

export { ProcessVanished } from './shim-calls';

/** What the signal module provides to the run loop (set by registerSignals). */
export interface SignalHooks {
  hasDeliverable(t: Thread): boolean;
  /**
   * Before a COMPLETE reply: hand a signal to the shim or apply a default
   * action. False when no reply may go (the process ended).
   */
  prepareDelivery(t: Thread, nr: number, interrupted: boolean): boolean;
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
  /** experimental.watchdog_timeout: wall time before a silent thread is reported (0 or absent: never). */
  watchdogTimeoutNs?: number;
  /** The simulated /etc/hosts, handed to each shim in its environment (absent: the real one). */
  hostsFilePath?: string;
  /** experimental.use_preload_libc: the shim's libc wrappers skip the seccomp trap (absent: off). */
  usePreloadLibc?: boolean;
}

/** The native parts the kernel talks through; tests pass fakes. */
export interface KernelDeps {
  addon: NativeAddon;
  mem: Memory;
}

export class Kernel implements InFlightRunner {
  /** The context of the syscall being handled (one, rebound per call). */
  readonly call = new SyscallCall(this);
  readonly syscalls: SyscallTable;
  readonly mem: Memory;
  readonly addon: NativeAddon;
  readonly procSlots: SlotAllocator;
  readonly threadSlots: SlotAllocator;
  /** Native processes that exited and are not reaped yet (their slots wait for it). */
  readonly reaper: Reaper;
  readonly processes: Process[] = [];
  signals: SignalHooks | null = null;
  /** The network as the socket syscalls see it (set once the hosts exist). */
  net: SocketLayer | null = null;
  /** Wait queues of advisory file locks, keyed per host (hosts may run at once; a release wakes its own host). */
  readonly locks = new LockTable();
  /** Emulated FIFOs by host, device and inode (a FIFO on the shared file system is each host's own, as on NFS). */
  readonly fifos = new FifoTable();
  /** Open syscall trace files (shared by a process and its children; closed at the end). */
  readonly straceFds: number[] = [];
  /** Log every syscall that reaches the simulator (log level trace). */
  readonly traceSyscalls: boolean;
  /** Hooks other layers attach (process end notifications). */
  readonly onProcessEnd: ((p: Process) => void)[] = [];

  // --- run report (src/report): counters and timeline events; null when no report is recorded
  report: ReportHooks | null = null;

  /** Hooks run when a thread exits with a clear-child-tid address (the futex module wakes joiners). */
  readonly onThreadExit: ((t: Thread, clearTidAddr: number) => void)[] = [];
  // --- hooks of System V IPC (syscall/sysv.ts): shm attachments follow fork, exec and the run's end
  /** A process was forked (its native child exists and shares the parent's mappings). */
  readonly onFork: ((parent: Process, child: Process) => void)[] = [];
  /** A process replaced its image (its old mappings are gone). */
  readonly onExec: ((p: Process) => void)[] = [];
  /** The run is over: every process has ended. */
  readonly onRunEnd: (() => void)[] = [];
  private readonly shimCalls = new ShimCalls(this);

  constructor(
    readonly shm: SharedRegion,
    readonly sched: Scheduler,
    readonly log: Logger,
    readonly opts: KernelOptions,
    deps?: KernelDeps,
  ) {
    this.addon = deps?.addon ?? native();
    this.mem = deps?.mem ?? new Memory(this.addon);
    this.mem.attachRegion(shm.u8, shm.layout);
    this.syscalls = new SyscallTable(log);
    this.traceSyscalls = log.enabled('trace');
    this.procSlots = new SlotAllocator(shm.layout.maxProcs, 'processes');
    this.threadSlots = new SlotAllocator(shm.layout.maxThreads, 'threads');
    this.reaper = new Reaper(this.addon);
  }

  get now(): number {
    return this.sched.nowNs;
  }

  /** Syscall counts by number (general.use_syscall_counters). */
  get syscallCounts(): Float64Array {
    return this.syscalls.counts;
  }

  register(nr: number, h: Handler): void {
    this.syscalls.register(nr, h);
  }

  // ---------------------------------------------------------------- threads

  /** Runs thread t from its saved message until it blocks, exits or is delayed. */
  runThread(t: Thread): void {
    runThread(this, t);
  }

  // ------------------------------------------ threads of several hosts at once
  // With general.parallelism > 1 a reply is posted and the thread runs natively
  // while the scheduler serves other hosts; a configured process's start is posted
  // at any parallelism (Scheduler.canPostStart). serveOne picks up whichever answers.
  private readonly posted: Thread[] = [];
  private readonly postedSlots = new Int32Array(128);
  private readonly postedPids = new Int32Array(128);
  /** The channel of the thread that blocked last, whose shim is not yet told to stop spinning (-1: none). */
  parkPendingSlot = -1;
  private readonly cores = os.availableParallelism();
  /** What the addon was last told by spinFor (it starts allowed). */
  private spinAllowed = true;

  /**
   * Whether spinning pays for the wait about to begin: the simulator and the
   * `running` managed threads that run natively meanwhile each need a core. A
   * spinner on a machine with no core to spare takes the one another thread
   * needs, and every hand-off then waits for a time slice; with one thread
   * running on two cores, sleeping instead makes every call a cold wake-up.
   */
  spinFor(running: number): void {
    const want = running + 1 <= this.cores;
    if (want === this.spinAllowed) return;
    this.spinAllowed = want;
    this.addon.allowSpin(want);
  }

  /** Threads whose reply is posted: they run natively until their next message. */
  get postedCount(): number {
    return this.posted.length;
  }

  /** t's reply is posted (or its process started): its next message is served by serveOne. */
  post(t: Thread): void {
    this.sched.posted(t.startPending);
    const i = this.posted.length;
    this.posted.push(t);
    this.postedSlots[i] = t.slot;
    this.postedPids[i] = t.process.nativePid;
  }

  serveOne(): void {
    // The count first, then the results: a job that ends in between moves the count, and waitAny sees it.
    const spawnSeq = this.spawning.size > 0 ? this.addon.spawnSeq() : -1;
    if (spawnSeq >= 0 && this.takeSpawnResults()) return;
    const n = this.posted.length;
    const watchdogNs = this.opts.watchdogTimeoutNs ?? 0;
    this.spinFor(n);
    let r = this.addon.waitAny(this.postedSlots, this.postedPids, n, watchdogNs, spawnSeq);
    while (r === -(n + 1)) {
      for (const t of this.posted) reportSilent(this, t, t.process.nativePid);
      r = this.addon.waitAny(this.postedSlots, this.postedPids, n, watchdogNs, spawnSeq);
    }
    if (r === -(n + 2)) {
      this.takeSpawnResults();
      return;
    }
    const index = r >= 0 ? r : -1 - r;
    const t = this.posted[index];
    // Its START may come before the spawner has said the process started: that is a moment away.
    while (t.spawnId !== 0) {
      const seq = this.addon.spawnSeq();
      if (!this.takeSpawnResults()) this.addon.spawnWait(seq);
    }
    this.unpost(index);
    if (r >= 0) reportAnswered(this, t);
    else t.silentSinceNs = -1;
    const host = t.process.host.id;
    this.sched.resume(host, t.startPending);
    try {
      serveAnswer(this, t, r >= 0 ? WAIT_RESULT.REQUEST : WAIT_RESULT.DIED);
    } finally {
      this.sched.finishTurn(host);
    }
  }

  private unpost(index: number): void {
    const last = this.posted.length - 1;
    // Moved into the hole: the order of waiting does not matter, the order of effects is the scheduler's.
    this.posted[index] = this.posted[last];
    this.postedSlots[index] = this.postedSlots[last];
    this.postedPids[index] = this.postedPids[last];
    this.posted.pop();
  }

  // Configured processes started on the addon's spawner thread while other hosts run.
  private readonly spawning = new Map<number, Thread>();
  private nextSpawnId = 1;
  private readonly spawnResults = new Float64Array(64);

  /**
   * Starts t's process (its first thread) natively on the spawner thread and
   * posts t: its START comes to serveOne. `started` is logged once it runs.
   */
  spawnPosted(t: Thread, launch: NativeLaunch, files: SpawnFiles, atRandom: Uint8Array, messages: SpawnMessages): void {
    const id = this.nextSpawnId++;
    t.spawnId = id;
    t.spawnMessages = messages;
    this.spawning.set(id, t);
    this.addon.spawnAsync(
      id,
      launch.execPath,
      launch.argv,
      launch.env,
      files.cwd,
      files.stdout,
      files.stderr,
      atRandom,
    );
    t.startPending = true;
    t.state = 'running';
    this.post(t);
  }

  /** Applies finished spawns (each in its host's context); true when there were any. */
  private takeSpawnResults(): boolean {
    const out = this.spawnResults;
    let any = false;
    for (;;) {
      const count = this.addon.spawnResults(out);
      if (count === 0) return any;
      any = true;
      for (let i = 0; i < count; i++) {
        const t = this.spawning.get(out[2 * i]);
        if (t === undefined) throw new Error(`invariant: spawner finished unknown job ${out[2 * i]}`);
        this.spawning.delete(out[2 * i]);
        t.spawnId = 0;
        this.spawnFinished(t, out[2 * i + 1]);
      }
    }
  }

  private spawnFinished(t: Thread, pid: number): void {
    const p = t.process;
    const host = p.host.id;
    const index = this.posted.indexOf(t);
    if (index < 0) throw new Error('invariant: a spawning thread is not posted');
    if (pid > 0) {
      this.postedPids[index] = pid;
      this.sched.visit(host, () => {
        this.attachNative(p, pid);
        this.log.debug(p.host.name, t.spawnMessages.started);
      });
      return;
    }
    // Never ran: as the synchronous path says it, and the host's turn ends.
    this.unpost(index);
    this.sched.resume(host, true);
    t.startPending = false;
    try {
      notStarted(this, p, t.spawnMessages.failed, -pid);
    } finally {
      this.sched.finishTurn(host);
    }
  }

  // --------------------------------------------------------------- blocking

  /** Parks t until woken or until deadlineNs (-1: no deadline). */
  parkThread(t: Thread, deadlineNs: number): void {
    blocking.parkThread(this, t, deadlineNs);
  }

  /** Completes t's syscall with `ret`, but only at `atNs`: other threads run first. */
  delayReply(t: Thread, ret: number, atNs: number): void {
    blocking.delayReply(this, t, ret, atNs);
  }

  /** See blocking.politeDelay. */
  politeDelay(t: Thread, ret: number): void {
    blocking.politeDelay(this, t, ret);
  }

  /** Wakes a blocked thread; its syscall runs again from the top. */
  wake(t: Thread): void {
    blocking.wakeThread(this, t, 'event');
  }

  /** A signal arrived for a blocked thread: re-run its syscall, which then fails with EINTR. */
  interrupt(t: Thread): void {
    blocking.wakeThread(this, t, 'signal');
  }

  /** Drops the wait registrations of t's last block. */
  clearWaits(t: Thread): void {
    blocking.clearWaits(t);
  }

  /** True when the current run of t's syscall follows a block that timed out. */
  timedOut(t: Thread): boolean {
    return blocking.timedOut(this, t);
  }

  // ------------------------------------------------- calls into the process

  /** Runs a syscall natively inside t's process (t is stopped in the shim). */
  nativeCall(t: Thread, nr: number, a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0): number {
    return this.shimCalls.call(t, MSG.NATIVE_CALL, nr, a0, a1, a2, a3, a4, a5);
  }

  /** Asks t's shim to do `kind` (NATIVE_CALL, CLONE ...) and returns its CALL_RESULT. */
  shimCall(t: Thread, kind: number, nr: number, a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0): number {
    return this.shimCalls.call(t, kind, nr, a0, a1, a2, a3, a4, a5);
  }

  /** Opens a native placeholder fd in t's process for an emulated object. */
  placeholderFd(t: Thread, cloexec: boolean): number {
    return this.shimCalls.placeholderFd(t, cloexec);
  }

  // -------------------------------------------------------------- processes

  newThread(p: Process, vtid: number): Thread {
    return lifecycle.newThread(this, p, vtid);
  }

  newProcess(host: Host, ppid: number, exeName: string, cfg: ProcessConfig | null): Process {
    return lifecycle.newProcess(this, host, ppid, exeName, cfg);
  }

  attachNative(p: Process, nativePid: number): void {
    lifecycle.attachNative(this, p, nativePid);
  }

  discardProcess(p: Process): void {
    lifecycle.discardProcess(this, p);
  }

  startThread(t: Thread): void {
    lifecycle.startThread(this, t);
  }

  managedEnv(env: Array<[string, string]>, slot: number): string[] {
    return managedEnv(env, slot, this.opts.hostsFilePath, this.opts.usePreloadLibc === true);
  }

  spawnConfigured(host: Host, cfg: ProcessConfig): Process | null {
    return spawnConfigured(this, host, cfg);
  }

  processDied(p: Process): void {
    lifecycle.processDied(this, p);
  }

  /** exit_group (or the last thread's exit): runs natively, then the process is reaped. No reply follows. */
  exitProcess(t: Thread): void {
    lifecycle.exitProcess(this, t);
  }

  /** One thread of several exits natively. No reply follows. */
  exitThread(t: Thread): void {
    lifecycle.exitThread(this, t);
  }

  endProcess(p: Process): void {
    lifecycle.endProcess(this, p);
  }

  killAll(): void {
    lifecycle.killAll(this);
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

  /**
   * The thread a pid argument from `caller`'s process names. glibc caches the
   * first thread's tid before the shim attaches, so pthread calls on the main
   * thread pass its native tid: that number names the caller's own leader
   * (a virtual id of the host wins if they coincide).
   */
  threadFor(caller: Process, id: number): Thread | undefined {
    const t = this.findThread(caller.host, id);
    if (t !== undefined || id !== caller.nativePid || caller.state !== 'running') return t;
    return caller.threads.find((o) => o.vtid === caller.vpid && o.state !== 'exited');
  }

  findThread(host: Host, vtid: number): Thread | undefined {
    for (const p of host.processes) {
      if (p.state !== 'running') continue;
      for (const t of p.threads) if (t.vtid === vtid && t.state !== 'exited') return t;
    }
    return undefined;
  }
}
