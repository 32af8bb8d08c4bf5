// A simulated process: virtual pid, its native process, threads, emulated fds,
// and how it ended. Configured processes also carry what they were expected to do.
import type { FinalState, ProcessConfig } from '../config/types';
import { FdTable } from './fd-table';
import { Watchers } from '../core/watchers';
import type { Host } from './host';
import type { Thread } from './thread';
import { ProcessSignals } from './signal-state';
import { FutexTable } from './futex-table';
import { SIGCHLD } from '../abi/signals';
import { statusExitCode, statusSignaled, statusTermSig } from '../abi/wait';

export type ProcessState = 'running' | 'exited';

export class Process {
  state: ProcessState = 'running';
  nativePid = 0;
  readonly threads: Thread[] = [];
  fds = new FdTable();
  /** Raw wait status once ended; 'running' at stop time is recorded separately. */
  waitStatus = -1;
  /** Simulated time of the end. */
  endTimeNs = -1;
  killedAtStop = false;
  /** Signal the process died of when the native death had to be a SIGKILL (shim-owned signals). */
  forcedSignal = 0;
  /** Process group and session (configured processes belong to init's: 1). */
  pgid = 1;
  /** Native fd of this process's syscall trace file (children share their parent's), or -1. */
  straceFd = -1;
  /** prctl(PR_SET_PDEATHSIG) signal, 0 if none. */
  pdeathSignal = 0;
  sid = 1;
  /** Syscalls already warned about (unsupported), so each is logged once. */
  readonly warned = new Set<number>();
  name: string;

  /** The thread whose id reaches this process's memory once the first thread has exited. */
  memoryThread: Thread | null = null;
  /** Collected by the parent's wait (or auto-reaped): the zombie is gone. */
  reaped = false;
  /** Notified when a child of this process changes state (wait4). */
  readonly childEvents = new Watchers();
  /** Signal sent to the parent when this process ends (SIGCHLD for fork). */
  exitSignal = SIGCHLD;

  // --- signals (kernel/signals.ts, kernel/timers.ts): dispositions, process-wide pending signals, timers, signalfds
  readonly signals = new ProcessSignals();

  // --- start time (files/proc-file.ts: /proc/<pid>/stat starttime); exec keeps it, as on Linux
  /** Simulated time the process was created (spawned or forked). */
  startTimeNs = 0;

  // --- static programs (kernel/static-loader.ts)
  /**
   * The program umbra's loader runs in this native process (a static one, or any exec'd in place),
   * or null: what /proc/self/exe means, since the native link names the loader.
   */
  staticImage: string | null = null;

  // --- native locks (syscall/locks.ts, kernel/lifecycle.ts)
  /**
   * It took a file lock natively (or was forked from one that did): the kernel drops such
   * locks only when the native process is gone, so its exit is waited for, not reaped later.
   */
  tookNativeLocks = false;

  // --- futex (syscall/futex.ts)
  /** Waiters on this process's private futexes (and on shared ones outside MAP_SHARED memory). */
  readonly futexes = new FutexTable();

  constructor(
    readonly host: Host,
    readonly vpid: number,
    public ppid: number,
    readonly slot: number,
    public exeName: string,
    readonly config: ProcessConfig | null,
  ) {
    this.name = `${host.name}.${exeName}.${vpid}`;
  }

  liveThreads(): Thread[] {
    return this.threads.filter((t) => t.state !== 'exited');
  }

  finalState(): FinalState {
    if (this.state === 'running' || this.killedAtStop) return { kind: 'running' };
    if (this.forcedSignal !== 0) return { kind: 'signaled', signal: this.forcedSignal };
    const st = this.waitStatus;
    if (!statusSignaled(st)) return { kind: 'exited', code: statusExitCode(st) };
    return { kind: 'signaled', signal: statusTermSig(st) };
  }
}
