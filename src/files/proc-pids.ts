// Paths /proc/<pid>/… that a managed program builds from the virtual pids it
// sees: pointed at the native process (and thread) they name on the caller's
// host, or ENOENT, as Linux answers for a pid that does not exist.
import { E } from '../abi/errno';
import type { Host } from '../host/host';
import type { Process } from '../host/process';
import type { Thread } from '../host/thread';

/** "/proc/" then digits, then the end or a slash (the shim sends no other /proc/<digit> path). */
const PID_PATH = /^\/proc\/(\d+)(\/.*)?$/;
const TASK_PATH = /^\/task\/(\d+)(\/.*)?$/;
const STATUS_PATH = /^\/proc\/(self|\d+)(?:\/task\/(\d+))?\/status$/;

/** The process and thread a /proc path names (thread null: the directory of the whole process). */
export interface ProcTarget {
  readonly process: Process;
  readonly thread: Thread | null;
}

/**
 * `p` with its virtual pid (and task id) replaced by the native ones when it
 * names a live process of `self`'s host; -ENOENT when the pid names none; null
 * when `p` is not a /proc/<pid> path. A native pid of a process of this host
 * stays as it is: readlink("/proc/self") gives those.
 */
export function nativeProcPath(p: string, self: Process): string | number | null {
  const m = PID_PATH.exec(p);
  if (m === null) return null;
  const rest = m[2] ?? '';
  const byVpid = liveByVpid(self.host, Number(m[1]));
  if (byVpid === null) return ownNativePid(self.host, Number(m[1])) ? null : -E.ENOENT;
  // A zombie's native process is already gone and its native pid may be another's by now.
  if (byVpid.state !== 'running') return -E.ENOENT;
  // A static program's native exe is umbra's loader: its own file is the one it runs.
  if (rest === '/exe' && byVpid.staticImage !== null) return byVpid.staticImage;
  const task = TASK_PATH.exec(rest);
  if (task === null) return `/proc/${byVpid.nativePid}${rest}`;
  const tid = Number(task[1]);
  const t = liveThread(byVpid, tid);
  // Listing /proc/<pid>/task gives native ids, which stay.
  if (t === null) return byVpid.threads.some((q) => q.nativeTid === tid && q.state !== 'exited') ? null : -E.ENOENT;
  return `/proc/${byVpid.nativePid}/task/${t.nativeTid}${task[2] ?? ''}`;
}

/**
 * What readlink("/proc/<pid>/exe") answers when <pid> is a virtual pid of a
 * static program (whose native exe is umbra's loader): the program's file; else null.
 */
export function staticExeOf(p: string, self: Process): string | null {
  const m = /^\/proc\/(\d+)\/exe$/.exec(p);
  if (m === null) return null;
  const target = liveByVpid(self.host, Number(m[1]));
  return target !== null && target.state === 'running' ? target.staticImage : null;
}

/**
 * The target of /proc/<pid>/status, /proc/<pid>/task/<tid>/status or
 * /proc/self/status; -ENOENT as nativeProcPath; null for any other path.
 */
export function statusTarget(p: string, self: Process): ProcTarget | number | null {
  const m = STATUS_PATH.exec(p);
  if (m === null) return null;
  let process: Process | null = self;
  if (m[1] !== 'self') {
    process = liveByVpid(self.host, Number(m[1]));
    if (process === null) return ownNativePid(self.host, Number(m[1])) ? null : -E.ENOENT;
  }
  if (process.state !== 'running') return -E.ENOENT;
  if (m[2] === undefined) return { process, thread: null };
  const thread = liveThread(process, Number(m[2]));
  return thread === null ? -E.ENOENT : { process, thread };
}

/** The native status file of `target` with the lines that carry pids in virtual ids. */
export function virtualStatus(nativeText: string, target: ProcTarget): string {
  const { process: p, thread } = target;
  const pid = thread === null ? p.vpid : thread.vtid;
  const lines = nativeText.split('\n').map((line) => {
    const colon = line.indexOf(':');
    if (colon < 0) return line;
    switch (line.slice(0, colon)) {
      case 'Tgid':
        return `Tgid:\t${p.vpid}`;
      case 'Pid':
        return `Pid:\t${pid}`;
      case 'PPid':
        return `PPid:\t${p.ppid}`;
      case 'TracerPid':
        return 'TracerPid:\t0';
      case 'NStgid':
        return `NStgid:\t${p.vpid}`;
      case 'NSpid':
        return `NSpid:\t${pid}`;
      case 'NSpgid':
        return `NSpgid:\t${p.pgid}`;
      case 'NSsid':
        return `NSsid:\t${p.sid}`;
      default:
        return line;
    }
  });
  return lines.join('\n');
}

function liveByVpid(host: Host, vpid: number): Process | null {
  return host.processes.find((q) => q.vpid === vpid && !q.reaped) ?? null;
}

/** A native pid or thread id of the host's (Linux shows /proc/<tid> for any thread's id). */
function ownNativePid(host: Host, nativeId: number): boolean {
  return host.processes.some(
    (q) =>
      q.state === 'running' &&
      (q.nativePid === nativeId || q.threads.some((t) => t.nativeTid === nativeId && t.state !== 'exited')),
  );
}

/** A thread by virtual id; its native id once the thread has one. */
function liveThread(p: Process, vtid: number): Thread | null {
  return p.threads.find((t) => t.vtid === vtid && t.state !== 'exited' && t.nativeTid > 0) ?? null;
}
