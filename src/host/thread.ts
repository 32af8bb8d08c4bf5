// A simulated thread: one native thread of a managed process plus its channel
// slot and its scheduling state. Only the simulator changes this state.
import type { SimEvent } from '../core/event-queue';
import type { Process } from './process';
import { RestartRule } from '../kernel/call';
import { ThreadSignals } from './signal-state';

export type ThreadState = 'starting' | 'runnable' | 'running' | 'blocked' | 'exited';

export class Thread {
  state: ThreadState = 'starting';
  nativeTid = 0;
  /** Byte offset of this thread's channel in the shared region. */
  readonly chOff: number;
  /** Bumped each time the thread blocks: stale wake-ups compare and drop. */
  blockGen = 0;
  /** Deadline of the current blocking syscall, or -1. */
  deadlineNs = -1;
  /** A runnable thread's pending resume event. */
  resumeEvent: SimEvent | null = null;
  /** Completed result held back while CPU latency is charged (kind, ret). */
  pendingKind = 0;
  pendingRet = 0;
  /** While posted (hosts in parallel): the runahead its shim was given, and whether START is still due. */
  allowedNs = 0;
  startPending = false;
  /**
   * A new image's first thread whose START is posted (exec in place): the old image's threads,
   * whose channels are freed once it speaks.
   */
  retiredThreads: Thread[] | null = null;
  /** While its process starts on the addon's spawner thread: the job's id (0: none), and what to log once it runs. */
  spawnId = 0;
  spawnMessages = { started: '', failed: '' };
  /** Wall time (monotonic ns) since which the watchdog has reported it silent, or -1. */
  silentSinceNs = -1;
  /** set_tid_address / CLONE_CHILD_CLEARTID address, 0 if none. */
  clearChildTidAddr = 0;
  /** set_robust_list head, kept for the futex owner-died cleanup. */
  robustListAddr = 0;
  /** Bytes a blocking stream read/write had moved before it blocked (kept across the restart), or -1. */
  resumeProgressBytes = -1;
  /** Undo actions for the current block (unregister watchers); run on wake or exit. */
  waitCleanups: Array<() => void> = [];
  /** Whether the current blocking call restarts after an SA_RESTART handler (set when it blocks). */
  restartRule: RestartRule = RestartRule.ByNumber;
  /** Why the last block ended. */
  wokenBy: 'none' | 'timeout' | 'event' | 'signal' = 'none';
  /** Syscalls that reached the simulator, and the last one that was an empty zero-timeout poll. */
  syscallSeq = 0;
  emptyPollSeq = -2;
  /** Number of the syscall being handled (for signal restart decisions). */
  lastNr = -1;

  // --- signals (kernel/signals.ts): pending thread-directed signals, sigtimedwait and sigsuspend state
  readonly signals = new ThreadSignals();

  // --- the spin rule (kernel/cpu-latency.ts): empty zero-timeout polls at the simulated instant
  // emptyPollAtNs since the thread last blocked (block generation emptyPollBlockGen).
  emptyPollAtNs = -1;
  emptyPollBlockGen = -1;
  emptyPollsAtInstant = 0;

  // --- futex (syscall/futex.ts)
  /** Set by a FUTEX_WAKE that woke this thread; the re-run of its FUTEX_WAIT consumes it and returns 0. */
  futexWoken = false;

  constructor(
    readonly process: Process,
    readonly slot: number,
    readonly vtid: number,
    chOff: number,
  ) {
    this.chOff = chOff;
  }

  get name(): string {
    return `${this.process.name}${this.vtid === this.process.vpid ? '' : `/${this.vtid}`}`;
  }
}
