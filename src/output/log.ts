// The simulator's own log, on stdout like Shadow's. Lines carry simulated
// time (never wall time, so the log is as deterministic as the run) and the
// host they concern.
import type { LogLevel } from '../config/types';
import { formatSimTime } from '../core/time';
import { writeSync } from 'node:fs';

const RANK: Record<LogLevel, number> = { error: 0, warning: 1, info: 2, debug: 3, trace: 4 };
const LABEL: Record<LogLevel, string> = {
  error: 'ERROR',
  warning: 'WARN',
  info: 'INFO',
  debug: 'DEBUG',
  trace: 'TRACE',
};

export class Logger {
  private rank: number;
  /** Current simulated time source; set by the simulation. */
  clock: () => number = () => -1;
  echoErrorsToStderr = true;

  constructor(
    level: LogLevel,
    private readonly fd = 1,
  ) {
    this.rank = RANK[level];
  }

  enabled(level: LogLevel): boolean {
    return RANK[level] <= this.rank;
  }

  log(level: LogLevel, where: string | null, msg: string): void {
    if (RANK[level] > this.rank) return;
    const t = this.clock();
    const time = t >= 0 ? formatSimTime(t) : 'n/a';
    writeSync(this.fd, `${time} [${LABEL[level]}] [${where ?? 'n/a'}] ${msg}\n`);
    if (level === 'error' && this.echoErrorsToStderr && this.fd !== 2) writeSync(2, `Error: ${msg}\n`);
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
