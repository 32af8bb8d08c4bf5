// Who a process is and what machine it runs on: virtual pids and tids, the
// host's name in uname, and fixed system facts that keep runs deterministic.
import { E } from '../abi/errno';
import type { Kernel } from '../kernel/kernel';
import type { Outcome, SyscallCall } from '../kernel/call';
import { SYS } from '../abi/syscalls';
import { MONOTONIC_BASE_SEC, NS_PER_SEC } from '../core/time';

/** Size of each field of struct utsname. */
const UTS_FIELD = 65;
const UTS_FIELDS = 6;
/** Size of struct sysinfo on x86-64. */
const SYSINFO_BYTES = 112;

function uname(c: SyscallCall): Outcome {
  const t = c.t;
  const buf = Buffer.alloc(UTS_FIELD * UTS_FIELDS);
  const fields = [
    'Linux',
    t.process.host.name,
    '6.1.0-25-amd64',
    '#1 SMP PREEMPT_DYNAMIC Debian 6.1.106-3 (2024-08-26)',
    'x86_64',
    '(none)',
  ];
  fields.forEach((f, i) => buf.write(f.slice(0, UTS_FIELD - 1), i * UTS_FIELD, 'utf8'));
  const n = c.k.mem.writeBuf(t.process.nativePid, c.ptr(0), buf, 0, buf.length);
  return n === buf.length ? c.ok(0) : c.err(E.EFAULT);
}

/** struct sysinfo: fixed values, uptime from simulated time. */
function sysinfo(c: SyscallCall): Outcome {
  const m = c.k.mem;
  const dv = m.view();
  // Sizes are in mem_unit (1 GiB) units.
  const GiB = 1;
  for (let i = 0; i < SYSINFO_BYTES; i += 4) dv.setUint32(i, 0, true);
  dv.setUint32(0, MONOTONIC_BASE_SEC + Math.floor(c.k.now / NS_PER_SEC), true); // uptime
  for (let i = 0; i < 3; i++) dv.setUint32(8 + 8 * i, 65536, true); // loads (1.0)
  dv.setUint32(32, 32 * GiB, true); // totalram
  dv.setUint32(40, 24 * GiB, true); // freeram
  dv.setUint32(48, 4 * GiB, true); // sharedram
  dv.setUint32(56, 4 * GiB, true); // bufferram
  dv.setUint16(80, 100, true); // procs
  dv.setUint32(104, 1 << 30, true); // mem_unit
  return m.writeScratch(c.t.process.nativePid, c.ptr(0), SYSINFO_BYTES) === SYSINFO_BYTES ? c.ok(0) : c.err(E.EFAULT);
}

function getpid(c: SyscallCall): Outcome {
  return c.ok(c.t.process.vpid);
}

function getppid(c: SyscallCall): Outcome {
  return c.ok(c.t.process.ppid);
}

function gettid(c: SyscallCall): Outcome {
  return c.ok(c.t.vtid);
}

function getpgrp(c: SyscallCall): Outcome {
  return c.ok(c.t.process.pgid);
}

function getpgid(c: SyscallCall): Outcome {
  const pid = c.int(0);
  if (pid === 0) return c.ok(c.t.process.pgid);
  const p = c.k.findProcess(c.t.process.host, pid);
  return p ? c.ok(p.pgid) : c.err(E.ESRCH);
}

function getsid(c: SyscallCall): Outcome {
  const pid = c.int(0);
  if (pid === 0) return c.ok(c.t.process.sid);
  const p = c.k.findProcess(c.t.process.host, pid);
  return p ? c.ok(p.sid) : c.err(E.ESRCH);
}

function setsid(c: SyscallCall): Outcome {
  const p = c.t.process;
  // A process group leader cannot start a session (its group would span two sessions).
  if (p.host.processes.some((q) => q.state === 'running' && q.pgid === p.vpid)) return c.err(E.EPERM);
  p.sid = p.vpid;
  p.pgid = p.vpid;
  return c.ok(p.sid);
}

function setpgid(c: SyscallCall): Outcome {
  const pid = c.int(0),
    pgid = c.int(1);
  const self = c.t.process;
  const target = pid === 0 ? self : c.k.findProcess(self.host, pid);
  if (!target) return c.err(E.ESRCH);
  if (target !== self && target.ppid !== self.vpid) return c.err(E.ESRCH);
  if (target.sid === target.vpid) return c.err(E.EPERM);
  target.pgid = pgid === 0 ? target.vpid : pgid;
  return c.ok(0);
}

function setTidAddress(c: SyscallCall): Outcome {
  c.t.clearChildTidAddr = c.ptr(0);
  return c.ok(c.t.vtid);
}

export function registerIdentity(k: Kernel): void {
  k.register(SYS.getpid, getpid);
  k.register(SYS.getppid, getppid);
  k.register(SYS.gettid, gettid);
  k.register(SYS.getpgrp, getpgrp);
  k.register(SYS.getpgid, getpgid);
  k.register(SYS.getsid, getsid);
  k.register(SYS.setsid, setsid);
  k.register(SYS.setpgid, setpgid);
  k.register(SYS.uname, uname);
  k.register(SYS.sysinfo, sysinfo);
  k.register(SYS.set_tid_address, setTidAddress);
}
