// Parents and children: wait4/waitid reap zombies in simulated time, orphans
// are reparented to init (pid 1), whose zombies are collected at once.
import type { Process } from '../host/process';
import type { Thread } from '../host/thread';
import { E } from '../abi/errno';
import type { Kernel } from '../kernel/kernel';
import { SYS } from '../abi/syscalls';
import { childEnded } from './signal';

const WNOHANG = 1,
  WUNTRACED = 2,
  WEXITED = 4,
  WCONTINUED = 8,
  WNOWAIT = 0x01000000;
const WNOTHREAD = 0x20000000,
  WALL = 0x40000000,
  WCLONE = 0x80000000;
const P_ALL = 0,
  P_PID = 1,
  P_PGID = 2;

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
  return c.waitStatus & 0xffff & ~0x80; // never report a core dump: it would depend on the host's settings
}

function wait4(k: Kernel, t: Thread, a: Float64Array): number {
  const p = t.process;
  const pid = a[0] | 0;
  const options = k.argWords(t, 2)[0];
  if ((options & ~(WNOHANG | WUNTRACED | WCONTINUED | WNOTHREAD | WALL | WCLONE)) !== 0) return -E.EINVAL;
  const cands = children(p, selector(p, pid));
  if (cands.length === 0) return -E.ECHILD;
  const z = cands.find((c) => c.state === 'exited');
  if (z) {
    if (a[1] !== 0 && !k.mem.writeI32(p.nativePid, a[1], status(z))) return -E.EFAULT;
    if (a[3] !== 0) {
      k.mem.scratch.fill(0, 0, 144);
      k.mem.writeScratch(p.nativePid, a[3], 144);
    }
    z.reaped = true;
    return z.vpid;
  }
  if ((options & WNOHANG) !== 0) return 0;
  return k.blockOn(t, [p.childEvents], -1);
}

function waitid(k: Kernel, t: Thread, a: Float64Array): number {
  const p = t.process;
  const idtype = a[0],
    id = a[1] | 0;
  const options = k.argWords(t, 3)[0];
  if ((options & (WEXITED | WUNTRACED | WCONTINUED)) === 0) return -E.EINVAL;
  let sel: (c: Process) => boolean;
  if (idtype === P_ALL) sel = () => true;
  else if (idtype === P_PID) sel = (c) => c.vpid === id;
  else if (idtype === P_PGID) sel = (c) => c.pgid === (id === 0 ? p.pgid : id);
  else return -E.EINVAL;
  const cands = children(p, sel);
  if (cands.length === 0) return -E.ECHILD;
  const z = (options & WEXITED) !== 0 ? cands.find((c) => c.state === 'exited') : undefined;
  const info = a[2];
  if (z) {
    if (info !== 0) {
      const dv = k.mem.view();
      k.mem.scratch.fill(0, 0, 128);
      const st = status(z);
      const signaled = (st & 0x7f) !== 0;
      dv.setInt32(0, 17, true); // si_signo = SIGCHLD
      dv.setInt32(8, signaled ? 2 : 1, true); // si_code = CLD_KILLED / CLD_EXITED
      dv.setInt32(16, z.vpid, true); // si_pid
      dv.setInt32(20, 0, true); // si_uid
      dv.setInt32(24, signaled ? st & 0x7f : (st >> 8) & 0xff, true); // si_status
      if (k.mem.writeScratch(p.nativePid, info, 128) !== 128) return -E.EFAULT;
    }
    if ((options & WNOWAIT) === 0) z.reaped = true;
    return 0;
  }
  if ((options & WNOHANG) !== 0) {
    if (info !== 0) {
      k.mem.scratch.fill(0, 0, 128);
      k.mem.writeScratch(p.nativePid, info, 128);
    }
    return 0;
  }
  return k.blockOn(t, [p.childEvents], -1);
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
  k.registerLegacy(SYS.wait4, wait4);
  k.registerLegacy(SYS.waitid, waitid);
  k.onProcessEnd.push((p) => onEnd(k, p));
}
