// Who a process is and what machine it runs on: virtual pids and tids, the
// host's name in uname, and fixed system facts that keep runs deterministic.
import type { Thread } from '../host/thread';
import { E } from '../abi/errno';
import type { Kernel } from '../kernel/kernel';
import { SYS } from '../abi/syscalls';
import { MONOTONIC_BASE_SEC, NS_PER_SEC } from '../core/time';

const UTS_FIELD = 65;

function uname(k: Kernel, t: Thread, a: Float64Array): number {
  const buf = Buffer.alloc(UTS_FIELD * 6);
  const fields = [
    'Linux',
    t.process.host.name,
    '6.1.0-25-amd64',
    '#1 SMP PREEMPT_DYNAMIC Debian 6.1.106-3 (2024-08-26)',
    'x86_64',
    '(none)',
  ];
  fields.forEach((f, i) => buf.write(f.slice(0, UTS_FIELD - 1), i * UTS_FIELD, 'utf8'));
  return k.mem.writeBuf(t.process.nativePid, a[0], buf, 0, buf.length) === buf.length ? 0 : -E.EFAULT;
}

function sysinfo(k: Kernel, t: Thread, a: Float64Array): number {
  // struct sysinfo (112 bytes): fixed values, uptime from simulated time.
  const dv = k.mem.view();
  const GiB = 1;
  for (let i = 0; i < 112; i += 4) dv.setUint32(i, 0, true);
  dv.setUint32(0, MONOTONIC_BASE_SEC + Math.floor(k.now / NS_PER_SEC), true); // uptime
  for (let i = 0; i < 3; i++) dv.setUint32(8 + 8 * i, 65536, true); // loads (1.0)
  dv.setUint32(32, 32 * GiB, true); // totalram
  dv.setUint32(40, 24 * GiB, true); // freeram
  dv.setUint32(48, 4 * GiB, true); // sharedram
  dv.setUint32(56, 4 * GiB, true); // bufferram
  dv.setUint16(80, 100, true); // procs
  dv.setUint32(104, 1 << 30, true); // mem_unit
  return k.mem.writeScratch(t.process.nativePid, a[0], 112) === 112 ? 0 : -E.EFAULT;
}

export function registerIdentity(k: Kernel): void {
  k.registerLegacy(SYS.getpid, (_k, t) => t.process.vpid);
  k.registerLegacy(SYS.getppid, (_k, t) => t.process.ppid);
  k.registerLegacy(SYS.gettid, (_k, t) => t.vtid);
  k.registerLegacy(SYS.getpgrp, (_k, t) => t.process.pgid);
  k.registerLegacy(SYS.getpgid, (kk, t, a) => {
    if (a[0] === 0) return t.process.pgid;
    const p = kk.findProcess(t.process.host, a[0]);
    return p ? p.pgid : -E.ESRCH;
  });
  k.registerLegacy(SYS.getsid, (kk, t, a) => {
    if (a[0] === 0) return t.process.sid;
    const p = kk.findProcess(t.process.host, a[0]);
    return p ? p.sid : -E.ESRCH;
  });
  k.registerLegacy(SYS.setsid, (_k, t) => {
    const p = t.process;
    if (p.host.processes.some((q) => q.state === 'running' && q.pgid === p.vpid)) return -E.EPERM;
    p.sid = p.vpid;
    p.pgid = p.vpid;
    return p.sid;
  });
  k.registerLegacy(SYS.setpgid, (kk, t, a) => {
    const target = a[0] === 0 ? t.process : kk.findProcess(t.process.host, a[0]);
    if (!target) return -E.ESRCH;
    if (target !== t.process && target.ppid !== t.process.vpid) return -E.ESRCH;
    if (target.sid === target.vpid) return -E.EPERM;
    target.pgid = a[1] === 0 ? target.vpid : a[1];
    return 0;
  });
  k.registerLegacy(SYS.uname, uname);
  k.registerLegacy(SYS.sysinfo, sysinfo);
  k.registerLegacy(SYS.set_tid_address, (_k, t, a) => {
    t.clearChildTidAddr = a[0];
    return t.vtid;
  });
}
