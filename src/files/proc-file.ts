// The /proc files that would leak the host's clock or native pids into a
// managed program (/proc/uptime, /proc/stat, /proc/loadavg, /proc/<pid>/stat),
// generated from simulated time and virtual ids when they are opened.
import type { Process } from '../host/process';
import type { Host } from '../host/host';
import { E } from '../abi/errno';
import { NS_PER_SEC, sinceBootNs, sinceBootTicks } from '../core/time';

/** Longest command name /proc shows (TASK_COMM_LEN - 1). */
const COMM_MAX = 15;
/** Fields of /proc/<pid>/stat since Linux 3.5 (the last is exit_code). */
const STAT_FIELDS = 52;
const STAT_PATH = /^\/proc\/(self|\d+)\/stat$/;

/**
 * Contents of `path` as seen by process `self` at simulated time `nowNs`: the
 * bytes, -errno (a pid with no process on this host), or null when `path` is
 * not one of these files (the caller opens the real one).
 */
export function procClockFile(path: string, self: Process, nowNs: number): Buffer | number | null {
  switch (path) {
    case '/proc/uptime':
      return Buffer.from(uptime(nowNs));
    case '/proc/stat':
      return Buffer.from(systemStat(self.host, nowNs));
    case '/proc/loadavg':
      return Buffer.from(loadavg(self.host));
  }
  const m = STAT_PATH.exec(path);
  if (m === null) return null;
  const p = m[1] === 'self' ? self : findProcess(self.host, Number(m[1]));
  return p === null ? -E.ENOENT : Buffer.from(processStat(p, p === self));
}

/** By virtual pid; else by native pid, which readlink("/proc/self") still gives (procps builds paths with it). */
function findProcess(host: Host, pid: number): Process | null {
  const live = (q: Process) => !q.reaped;
  return (
    host.processes.find((q) => q.vpid === pid && live(q)) ??
    host.processes.find((q) => q.nativePid === pid && live(q)) ??
    null
  );
}

/** "uptime idle" in seconds with two decimals; one CPU, idle all along. */
export function uptime(nowNs: number): string {
  const centis = Math.floor(sinceBootNs(nowNs) / (NS_PER_SEC / 100));
  const text = `${Math.floor(centis / 100)}.${String(centis % 100).padStart(2, '0')}`;
  return `${text} ${text}\n`;
}

/** /proc/stat of a one-CPU machine that idled since boot; btime is the simulated boot. */
export function systemStat(host: Host, nowNs: number): string {
  const idle = sinceBootTicks(nowNs);
  const cpu = `0 0 0 ${idle} 0 0 0 0 0 0`;
  const running = host.processes.filter((p) => p.state === 'running').length;
  return [
    `cpu  ${cpu}`,
    `cpu0 ${cpu}`,
    'intr 0',
    'ctxt 0',
    `btime ${host.realtime.bootUnixSec()}`,
    `processes ${host.processes.length}`,
    `procs_running ${Math.max(1, running)}`,
    'procs_blocked 0',
    'softirq 0 0 0 0 0 0 0 0 0 0 0',
    '',
  ].join('\n');
}

/** No load; runnable/total threads and the last pid handed out on this host. */
export function loadavg(host: Host): string {
  const live = host.processes.filter((p) => p.state === 'running');
  const threads = live.reduce((n, p) => n + p.liveThreads().length, 0);
  const lastPid = host.processes.reduce((v, p) => Math.max(v, p.vpid), 0);
  return `0.00 0.00 0.00 1/${Math.max(1, threads)} ${lastPid}\n`;
}

/**
 * /proc/<pid>/stat (proc(5)): virtual ids, start time in ticks since the
 * simulated boot, no CPU time or memory counters (plausible constants).
 */
export function processStat(p: Process, isSelf: boolean): string {
  const state = p.state === 'exited' ? 'Z' : isSelf ? 'R' : 'S';
  const threads = Math.max(1, p.liveThreads().length);
  const fields = [
    `${p.vpid} (${p.exeName.slice(0, COMM_MAX)}) ${state}`,
    p.ppid,
    p.pgid,
    p.sid,
    0, // tty_nr
    -1, // tpgid
    4194304, // flags: PF_RANDOMIZE, as an ordinary user task shows
    0, // minflt
    0, // cminflt
    0, // majflt
    0, // cmajflt
    0, // utime
    0, // stime
    0, // cutime
    0, // cstime
    20, // priority
    0, // nice
    threads,
    0, // itrealvalue
    sinceBootTicks(p.startTimeNs),
    0, // vsize
    0, // rss
    '18446744073709551615', // rsslim: RLIM_INFINITY
    ...Array<number>(STAT_FIELDS - 25).fill(0), // startcode .. exit_code
  ];
  // fields[0] holds fields 1-3 (pid, comm, state): field n is at n - 3; exit_signal is field 38.
  fields[38 - 3] = p.exitSignal;
  return `${fields.join(' ')}\n`;
}
