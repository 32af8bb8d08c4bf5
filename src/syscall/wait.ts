// Parents and children: wait4/waitid reap zombies in simulated time, orphans
// are reparented to init (pid 1), whose zombies are collected at once.
import type { Process } from '../host/process';
import { E } from '../abi/errno';
import type { Kernel } from '../kernel/kernel';
import type { Outcome, SyscallCall } from '../kernel/call';
import { SYS } from '../abi/syscalls';
import { CLD_EXITED, CLD_KILLED, SIGCHLD, SIGINFO_OFF, SIGINFO_SIZE_BYTES } from '../abi/signals';
import {
  P_ALL,
  P_PGID,
  P_PID,
  P_PIDFD,
  statusExitCode,
  statusSignaled,
  statusTermSig,
  WALL,
  WCLONE,
  WCONTINUED,
  WCOREFLAG,
  WEXITED,
  WNOHANG,
  WNOTHREAD,
  WNOWAIT,
  WUNTRACED,
} from '../abi/wait';
import { childEnded } from '../kernel/signals';
import { pidfdTarget } from './pidfd';

/** Size of struct rusage (wait4 reports it zeroed: CPU use of native work is not simulated). */
const RUSAGE_BYTES = 144;

/** Children of p that match a wait4-style pid selector, in creation order. */
function children(p: Process, sel: (c: Process) => boolean): Process[] {
  return p.host.processes.filter((c) => c.ppid === p.vpid && !c.reaped && c !== p && sel(c));
}

function selector(p: Process, pid: number): (c: Process) => boolean {
  if (pid > 0) return (c) => c.vpid === pid;
  if (pid === 0) return (c) => c.pgid === p.pgid;
  if (pid === -1) return () => true;
  return (c) => c.pgid === -pid;
}

/** Wait status as the kernel encodes it (the simulator's own kill at stop time looks like SIGKILL). */
function status(c: Process): number {
  if (c.forcedSignal !== 0) return c.forcedSignal;
  return c.waitStatus & 0xffff & ~WCOREFLAG; // never report a core dump: it would depend on the host's settings
}

/** wait4(pid, wstatus, options, rusage). */
function wait4(c: SyscallCall): Outcome {
  const k = c.k;
  const p = c.t.process;
  const options = c.int(2);
  if ((options & ~(WNOHANG | WUNTRACED | WCONTINUED | WNOTHREAD | WALL | WCLONE)) !== 0) return c.err(E.EINVAL);
  const cands = children(p, selector(p, c.int(0)));
  if (cands.length === 0) return c.err(E.ECHILD);
  const z = cands.find((ch) => ch.state === 'exited');
  if (z) {
    const statusAddr = c.ptr(1),
      rusageAddr = c.ptr(3);
    if (statusAddr !== 0 && !k.mem.writeI32(p.nativePid, statusAddr, status(z))) return c.err(E.EFAULT);
    if (rusageAddr !== 0) {
      k.mem.scratch.fill(0, 0, RUSAGE_BYTES);
      k.mem.writeScratch(p.nativePid, rusageAddr, RUSAGE_BYTES);
    }
    z.reaped = true;
    return c.ok(z.vpid);
  }
  if ((options & WNOHANG) !== 0) return c.ok(0);
  return c.blockOn([p.childEvents], -1);
}

/** waitid(idtype, id, infop, options, rusage). */
function waitid(c: SyscallCall): Outcome {
  const k = c.k;
  const p = c.t.process;
  const idtype = c.int(0),
    id = c.int(1);
  const options = c.int(3);
  if ((options & (WEXITED | WUNTRACED | WCONTINUED)) === 0) return c.err(E.EINVAL);
  let sel: (ch: Process) => boolean;
  if (idtype === P_ALL) sel = () => true;
  else if (idtype === P_PID) sel = (ch) => ch.vpid === id;
  else if (idtype === P_PGID) sel = (ch) => ch.pgid === (id === 0 ? p.pgid : id);
  else if (idtype === P_PIDFD) {
    const target = pidfdTarget(c.t, id);
    if (!target) return c.err(E.EBADF);
    sel = (ch) => ch === target;
  } else return c.err(E.EINVAL);
  const cands = children(p, sel);
  if (cands.length === 0) return c.err(E.ECHILD);
  const z = (options & WEXITED) !== 0 ? cands.find((ch) => ch.state === 'exited') : undefined;
  const info = c.ptr(2);
  if (z) {
    if (info !== 0) {
      const dv = k.mem.view();
      k.mem.scratch.fill(0, 0, SIGINFO_SIZE_BYTES);
      const st = status(z);
      const signaled = statusSignaled(st);
      dv.setInt32(SIGINFO_OFF.signo, SIGCHLD, true);
      dv.setInt32(SIGINFO_OFF.code, signaled ? CLD_KILLED : CLD_EXITED, true);
      dv.setInt32(SIGINFO_OFF.pid, z.vpid, true);
      dv.setInt32(SIGINFO_OFF.uid, 0, true);
      dv.setInt32(SIGINFO_OFF.status, signaled ? statusTermSig(st) : statusExitCode(st), true);
      if (k.mem.writeScratch(p.nativePid, info, SIGINFO_SIZE_BYTES) !== SIGINFO_SIZE_BYTES) return c.err(E.EFAULT);
    }
    if ((options & WNOWAIT) === 0) z.reaped = true;
    return c.ok(0);
  }
  if ((options & WNOHANG) !== 0) {
    // No child has changed state: si_pid reads 0.
    if (info !== 0) {
      k.mem.scratch.fill(0, 0, SIGINFO_SIZE_BYTES);
      k.mem.writeScratch(p.nativePid, info, SIGINFO_SIZE_BYTES);
    }
    return c.ok(0);
  }
  return c.blockOn([p.childEvents], -1);
}

/** Process end: tell the parent, hand the orphans to init. */
function onEnd(k: Kernel, p: Process): void {
  const parent = p.ppid > 1 ? k.findProcess(p.host, p.ppid) : undefined;
  if (parent) {
    childEnded(k, parent, p);
    parent.childEvents.notify();
  } else p.reaped = true; // init reaps at once
  for (const c of p.host.processes) {
    if (c.ppid !== p.vpid || c === p) continue;
    c.ppid = 1;
    if (c.state === 'exited') c.reaped = true;
    if (c.pdeathSignal !== 0 && c.state === 'running') k.deliverSignal(c, c.pdeathSignal);
  }
}

export function registerWait(k: Kernel): void {
  k.register(SYS.wait4, wait4);
  k.register(SYS.waitid, waitid);
  k.onProcessEnd.push((p) => onEnd(k, p));
}
