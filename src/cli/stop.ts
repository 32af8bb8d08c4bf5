// Stopping a run on SIGINT or SIGTERM. The simulation runs on a worker thread
// whose loop never yields to Node's event loop, so the main thread takes the
// signal and raises a flag in shared memory that the loop reads between events
// (Simulation.interrupt). A loop waiting on a managed program that spins
// without syscalls never gets there, so after a grace period, or at a second
// signal, the main thread kills the managed processes, which wakes the loop.
import * as fs from 'node:fs';
import { constants } from 'node:os';

export const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/** How long the loop gets to notice the flag before the managed processes are killed. */
const GRACE_MS = 1000;
/** How long after that before umbra gives up on a clean stop and kills itself. */
const LAST_RESORT_MS = 10_000;

/** The signal number a stop was asked with, shared between the two threads (0 = none). */
export class StopFlag {
  readonly cells: Int32Array;

  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(4)) {
    this.cells = new Int32Array(buffer);
  }

  get buffer(): SharedArrayBuffer {
    return this.cells.buffer as SharedArrayBuffer;
  }

  request(signal: StopSignal): void {
    Atomics.compareExchange(this.cells, 0, 0, constants.signals[signal]);
  }

  /** The signal's name once a stop was asked for, else null; cheap enough to call between every two events. */
  requested(): StopSignal | null {
    const n = Atomics.load(this.cells, 0);
    if (n === 0) return null;
    return STOP_SIGNALS.find((s) => constants.signals[s] === n) ?? 'SIGTERM';
  }
}

/**
 * Installs the SIGINT/SIGTERM handlers for a run on another thread. `say`
 * writes one line to standard error. Returns the function that removes them
 * (and the pending timers) once the run is over.
 */
export function handleStopSignals(flag: StopFlag, say: (line: string) => void): () => void {
  let received = 0;
  const timers: NodeJS.Timeout[] = [];
  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(fn, ms);
    t.unref();
    timers.push(t);
  };
  const giveUp = (): void => {
    say('umbra: the simulation did not stop; killing it');
    process.kill(process.pid, 'SIGKILL');
  };
  const escalate = (): void => {
    killDescendants(process.pid);
    later(LAST_RESORT_MS, giveUp);
  };
  const onSignal = (signal: StopSignal): void => {
    received++;
    if (received === 1) {
      flag.request(signal);
      later(GRACE_MS, escalate);
    } else if (received === 2) {
      escalate();
    } else {
      giveUp();
    }
  };
  for (const s of STOP_SIGNALS) process.on(s, onSignal);
  return () => {
    for (const s of STOP_SIGNALS) process.off(s, onSignal);
    for (const t of timers) clearTimeout(t);
  };
}

/**
 * Kills every process below `pid`: the managed processes and whatever they
 * started. Their parents are umbra or each other (they keep their parent even
 * in their own session), so the process tree finds them all.
 */
export function killDescendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^[0-9]+$/u.test(entry)) continue;
    const ppid = parentOf(entry);
    if (ppid === null) continue;
    const list = children.get(ppid) ?? [];
    list.push(Number(entry));
    children.set(ppid, list);
  }
  const killed: number[] = [];
  const pending = [...(children.get(pid) ?? [])];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    try {
      process.kill(next, 'SIGKILL');
      killed.push(next);
    } catch {
      // Already gone.
    }
    pending.push(...(children.get(next) ?? []));
  }
  return killed;
}

/** Parent pid from /proc/<pid>/stat; the command name may hold spaces and parentheses, so parse after the last ')'. */
function parentOf(pid: string): number | null {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ppid = Number(fields[1]);
  return Number.isInteger(ppid) ? ppid : null;
}
