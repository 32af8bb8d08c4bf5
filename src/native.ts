// Typed wrapper over the C addon (native/addon). Layout offsets of the shared
// region and the protocol's constants come from the addon at load time
// (umbra_ipc.h is their one source); nothing here retypes them by hand.
import * as path from 'node:path';
import * as fs from 'node:fs';

export interface Layout {
  shmSize: number;
  offHosts: number;
  offProcs: number;
  offChannels: number;
  maxHosts: number;
  maxProcs: number;
  maxThreads: number;
  fdBitmapFds: number;
  channelSize: number;
  hostSize: number;
  procSize: number;
  chState: number;
  chKind: number;
  chHost: number;
  chProc: number;
  chNr: number;
  chArgs: number;
  chRet: number;
  chNativeTid: number;
  chNativePid: number;
  chVtid: number;
  chVpid: number;
  chRandom: number;
  chPreemptCount: number;
  chSigBlocked: number;
  chDeliverSig: number;
  chDeliverFlags: number;
  chHandler: number;
  chHandlerFlags: number;
  chHandlerMask: number;
  chSiginfo: number;
  chSpinSince: number;
  chSpinReads: number;
  /** Staged memory (umbra_channel.stage_count, stage_win, stage): see src/host/memory.ts. */
  chStageCount: number;
  chStageWin: number;
  chStage: number;
  stageWindows: number;
  stageBytes: number;
  /** umbra_stage_window.flags bit: the stage holds the buffer's bytes. */
  stageCopied: number;
  /** umbra_stage_window: its size and field offsets. */
  swSize: number;
  swAddr: number;
  swLen: number;
  swOff: number;
  swFlags: number;
  swDirtyLo: number;
  swDirtyHi: number;
  hSimTime: number;
  hMaxRunahead: number;
  hUnapplied: number;
  hModelLatency: number;
  hHostId: number;
  hSyscallLatency: number;
  hVdsoLatency: number;
  hMaxUnapplied: number;
  /** umbra_host.realtime_base_ns: Unix ns of simulated time 0 on the host's realtime clocks. */
  hRealtimeBase: number;
  /** The host's generator state (4 × u32, xoshiro128++), advanced by the simulator and the shim. */
  hRngState: number;
  /** umbra_host.unix_ns_paths: socket paths outside its directory the host bound (the shim forwards path calls). */
  hUnixNsPaths: number;
  /** umbra_host.unix_ns_names: Bloom filter (128 bits) of those paths' last components. */
  hUnixNsNames: number;
  pNativePid: number;
  pVpid: number;
  pInUse: number;
  pFdBitmap: number;
  hdrMagic: number;
  hdrVersion: number;
  hdrTotalSize: number;
  hdrTscHz: number;
  hdrPreemptEnabled: number;
  hdrPreemptNativeUs: number;
  hdrPreemptSimNs: number;
  /** UMBRA_TSC_* bits the shims' rdtsc self-tests found (see PROTOCOL.TSC_TRAP). */
  hdrTscTrap: number;
  magic: number;
  version: number;
  shmFd: number;
}

/** Every constant of umbra_ipc.h's protocol, as the addon was compiled with it. */
export interface ProtocolConstants {
  magic: number;
  version: number;
  shmFd: number;
  exitProtocolMismatch: number;
  msg: Record<string, number>;
  pseudoSys: Record<string, number>;
  deliver: Record<string, number>;
  yieldReason: Record<string, number>;
  channel: Record<string, number>;
  limits: Record<string, number>;
  shimSignals: Record<string, number>;
  tscTrap: Record<string, number>;
  clock: Record<string, number>;
  spin: Record<string, number>;
}

/** What spawn and spawnAsync start (the addon reads both with one function, read_spawn_job). */
export type SpawnJob = [
  path: string,
  argv: string[],
  envp: string[],
  cwd: string,
  stdoutPath: string,
  stderrPath: string,
  atRandom: Uint8Array,
];

export interface NativeAddon {
  layout(): Layout;
  protocol(): ProtocolConstants;
  /** Whether rdtsc faults after PR_SET_TSC on this machine (probed once in a child process). */
  rdtscTraps(): boolean;
  createShm(): ArrayBuffer;
  /** /proc/<simulator>/fd/<region fd>: how a new image exec'd in place reopens the region ('' before createShm). */
  shmPath(): string;
  /**
   * A WAIT_RESULT: a message is waiting on the channel, the process died, or
   * (only with watchdogNs > 0) that much wall time passed without an answer.
   */
  waitRequest(slot: number, nativePid: number, watchdogNs?: number): number;
  /** Posts the reply, then waits as waitRequest (after STILL_WAITING, wait with waitRequest). */
  replyAndWait(slot: number, nativePid: number, watchdogNs?: number): number;
  reply(slot: number): void;
  /** Tells the shim its request blocks in simulated time, so it sleeps now instead of spinning. */
  park(slot: number): void;
  /**
   * Waits for a request on any of the first `count` channels (slots, with their
   * processes' native pids; 0: not known yet): the index of one with a request (the
   * lowest), -1 - index for one whose process died, -(count + 1) after watchdogNs (> 0)
   * of wall time, or -(count + 2) when spawnSeq >= 0 and a spawnAsync job finished.
   */
  waitAny(slots: Int32Array, nativePids: Int32Array, count: number, watchdogNs: number, spawnSeq: number): number;
  /**
   * spawn on the addon's spawner thread (returns at once); the outcome (native pid or -errno)
   * comes from spawnResults under `id`. waitAny with spawnSeq >= 0 answers -(count + 2) once
   * spawnSeq() moved past it.
   */
  spawnAsync(id: number, ...job: SpawnJob): void;
  /** Finished spawnAsync jobs as (id, pid or -errno) pairs into out; returns how many. */
  spawnResults(out: Float64Array): number;
  /** How many spawnAsync jobs have finished so far (wraps at 2^32). */
  spawnSeq(): number;
  /** Sleeps until spawnSeq() is no longer seq (at most 50 ms). */
  spawnWait(seq: number): void;
  /**
   * false: neither side spins waiting for the other (more threads run at once than cores); true: decide by
   * load. Cheap to call often: the shims are told only when the answer changes.
   */
  allowSpin(allowed: boolean): void;
  /**
   * Native pid, or -errno. `atRandom` (16 bytes) replaces the kernel's AT_RANDOM bytes before the
   * program's first instruction, so the stack canary and pointer guard follow the seed.
   */
  spawn(...job: SpawnJob): number;
  /** The new image of an execve, taking over `fds` of process fromPid at the same numbers; `atRandom` as spawn. */
  spawnExec(
    path: string,
    argv: string[],
    envp: string[],
    cwd: string,
    fromPid: number,
    fds: number[],
    atRandom: Uint8Array,
    /** What the old image's identity was (src/syscall/exec-creds.ts), for the new one to keep. */
    creds: number[],
  ): number;
  /** Raw wait status; -1 when still running (non-blocking); -errno on error. */
  reap(nativePid: number, block: boolean): number;
  kill(nativePid: number, signal: number): number;
  tgkill(nativePid: number, nativeTid: number, signal: number): number;
  readMem(nativePid: number, addr: number, buf: Uint8Array, offset: number, len: number): number;
  writeMem(nativePid: number, addr: number, buf: Uint8Array, offset: number, len: number): number;
  tscHz(): number;
  /** 1 once the native thread is gone, 0 on timeout. */
  waitThreadGone(nativePid: number, nativeTid: number): number;
  monotonicNs(): number;
}

/** The answers of NativeAddon.waitRequest and replyAndWait. */
export const WAIT_RESULT = Object.freeze({ DIED: 0, REQUEST: 1, STILL_WAITING: 2 });

/** Root of the installed package (where build/ and native/out/ live). */
export const PACKAGE_ROOT = findPackageRoot(__dirname);

function findPackageRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'binding.gyp'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`umbra: cannot find the package root above ${start}`);
    dir = up;
  }
}

export const SHIM_PATH = path.join(PACKAGE_ROOT, 'native', 'out', 'libumbra_shim.so');
/** Starts static programs (native/loader/): the shim's interception without ld.so. */
export const LOADER_PATH = path.join(PACKAGE_ROOT, 'native', 'out', 'umbra-loader');
export const ADDON_PATH = path.join(PACKAGE_ROOT, 'build', 'Release', 'umbra_native.node');

let addon: NativeAddon | null = null;

export function native(): NativeAddon {
  if (addon) return addon;
  if (!fs.existsSync(ADDON_PATH) || !fs.existsSync(SHIM_PATH)) {
    throw new Error(`umbra: the native parts are not built (${ADDON_PATH}, ${SHIM_PATH}); run 'npm install'`);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = require(ADDON_PATH) as NativeAddon;
  // A copy with a fixed shape: the module's exports object is in dictionary mode, and the
  // hot path looks a function up on it for every reply and memory access.
  addon = { ...loaded };
  return addon;
}
