// The simulator's own log, on stdout like Shadow's. Lines carry simulated
// time (never wall time, so the log is as deterministic as the run) and the
// host they concern. A closed or full standard output stops the log, not the
// run (see sink.ts).
import type { LogLevel } from '../config/types';
import { formatSimTime } from '../core/time';
import { STDERR, STDOUT, type TextSink } from './sink';

const RANK: Record<LogLevel, number> = { error: 0, warning: 1, info: 2, debug: 3, trace: 4 };
const LABEL: Record<LogLevel, string> = {
  error: 'ERROR',
  warning: 'WARN',
  info: 'INFO',
  debug: 'DEBUG',
  trace: 'TRACE',
};

/** The levels the run report lists whatever the log level. */
function isProblemLevel(level: LogLevel): level is 'error' | 'warning' {
  return level === 'error' || level === 'warning';
}

export class Logger {
  private rank: number;
  /** Current simulated time source; set by the simulation. */
  clock: () => number = () => -1;
  echoErrorsToStderr = true;
  /** Sees every warning and error, whatever the level (the run report lists them by host). */
  onProblem: ((level: 'error' | 'warning', where: string | null, timeNs: number, msg: string) => void) | null = null;

  constructor(
    level: LogLevel,
    readonly out: TextSink = STDOUT,
    private readonly errors: TextSink = STDERR,
  ) {
    this.rank = RANK[level];
  }

  enabled(level: LogLevel): boolean {
    return RANK[level] <= this.rank;
  }

  /**
   * Runs a line's output now or when the simulation's round ends (set by the
   * simulation): hosts that run at once must not interleave their lines by
   * which answered first.
   */
  defer: (write: () => void) => void = (write) => write();

  log(level: LogLevel, where: string | null, msg: string): void {
    const reported = this.onProblem !== null && isProblemLevel(level);
    if (!reported && RANK[level] > this.rank) return;
    this.defer(() => this.logNow(level, where, msg));
  }

  /** Logs at once, never deferred: wall-clock diagnostics (the watchdog) while the simulation is stuck. */
  logNow(level: LogLevel, where: string | null, msg: string): void {
    if (this.onProblem !== null && isProblemLevel(level)) this.onProblem(level, where, this.clock(), msg);
    if (RANK[level] > this.rank) return;
    const t = this.clock();
    const time = t >= 0 ? formatSimTime(t) : 'n/a';
    this.out.write(`${time} [${LABEL[level]}] [${where ?? 'n/a'}] ${msg}\n`);
    if (level === 'error' && this.echoErrorsToStderr && this.out !== this.errors) this.errors.write(`Error: ${msg}\n`);
  }

  error(where: string | null, msg: string): void {
    this.log('error', where, msg);
  }
  warn(where: string | null, msg: string): void {
    this.log('warning', where, msg);
  }
  info(where: string | null, msg: string): void {
    this.log('info', where, msg);
  }
  debug(where: string | null, msg: string): void {
    this.log('debug', where, msg);
  }
}
