// Syscalls that name a process or thread by pid: the program knows virtual
// ids, the real kernel native ones. Each call has its id translated (a thread
// of this host) and then runs natively, or is answered from simulated state.
import { E } from '../abi/errno';
import type { Kernel } from '../kernel/kernel';
import type { Outcome, SyscallCall } from '../kernel/call';
import type { Process } from '../host/process';
import { SYS } from '../abi/syscalls';
import {
  CAP_HEADER_PID_OFF,
  CLONE_NEW_ANY,
  IOPRIO_WHO_PGRP,
  IOPRIO_WHO_PROCESS,
  IOPRIO_WHO_USER,
  PRIO_PGRP,
  PRIO_PROCESS,
  PRIO_USER,
  ROBUST_LIST_HEAD_BYTES,
  SCHED_ATTR_POLICY_OFF,
  SCHED_DEADLINE,
  SCHED_FIFO,
  SCHED_RR,
} from '../abi/sched';

/**
 * A pid no native process can have (above PID_MAX_LIMIT): an unknown virtual
 * id is rewritten to it so the real kernel validates the other arguments first
 * and then answers ESRCH (or EPERM), in Linux's own order.
 */
export const NO_SUCH_PID = 0x7fffffff;

/** The native tid of the live thread with virtual id `vid` on the caller's host, or NO_SUCH_PID. */
export function nativeTidOf(c: SyscallCall, vid: number): number {
  if (vid <= 0) return NO_SUCH_PID;
  const t = c.k.threadFor(c.t.process, vid);
  return t ? t.nativeTid : NO_SUCH_PID;
}

/** Argument `i` is a pid where 0 means the caller: translated, then the call runs natively. */
function translatedNative(c: SyscallCall, i: number): Outcome {
  const vid = c.int(i);
  if (vid !== 0) c.setArg(i, vid < 0 ? vid : nativeTidOf(c, vid));
  return c.native();
}

function pidArg(i: number): (c: SyscallCall) => Outcome {
  return (c) => translatedNative(c, i);
}

/**
 * sched_setattr(pid, attr, flags): the real-time and deadline policies are
 * refused as sched_setscheduler refuses them (sched.ts: no RLIMIT_RTPRIO); the
 * others (a nice value, SCHED_BATCH/IDLE) run natively on the translated id.
 */
function schedSetattr(c: SyscallCall): Outcome {
  const attr = c.ptr(1);
  if (attr !== 0) {
    const policy = c.k.mem.readU32(c.t.process.nativePid, attr + SCHED_ATTR_POLICY_OFF);
    if (policy === null) return c.err(E.EFAULT);
    if (policy === SCHED_FIFO || policy === SCHED_RR || policy === SCHED_DEADLINE) {
      const vid = c.int(0);
      if (vid < 0) return c.err(E.EINVAL);
      return vid === 0 || nativeTidOf(c, vid) !== NO_SUCH_PID ? c.err(E.EPERM) : c.err(E.ESRCH);
    }
  }
  return translatedNative(c, 0);
}

/**
 * kcmp(pid1, pid2, type, idx1, idx2): refused as for a caller without ptrace
 * access to the pair. Run natively it would have to come from the shim's
 * syscall section, which the seccomp filter keeps from comparing other real
 * processes' resources (see native/shim/seccomp.c).
 */
function kcmp(c: SyscallCall): Outcome {
  return c.err(E.EPERM);
}

/** Most iovecs process_vm_readv/writev take (IOV_MAX). */
const IOV_MAX = 1024;
/** Bytes copied per step between the two processes (within Memory's scratch buffer). */
const VM_COPY_CHUNK = 64 * 1024;

/** An iovec array of `count` entries at `addr` in `pid`, as [base, len] pairs, or null on a bad pointer. */
function readIovecs(c: SyscallCall, pid: number, addr: number, count: number): number[] | null {
  const bytes = count * 16;
  if (count === 0) return [];
  if (c.k.mem.read(pid, addr, bytes) !== bytes) return null;
  const dv = c.k.mem.view();
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    out.push(dv.getUint32(i * 16 + 4, true) * 4294967296 + dv.getUint32(i * 16, true));
    out.push(dv.getUint32(i * 16 + 12, true) * 4294967296 + dv.getUint32(i * 16 + 8, true));
  }
  return out;
}

/**
 * process_vm_readv/writev(pid, local_iov, liovcnt, remote_iov, riovcnt, flags)
 * between simulated processes of one host: the simulator copies the bytes
 * itself (it reads and writes both processes' memory), so the call never runs
 * natively — from the shim's section it could reach any real process, the
 * simulator included. Returns the bytes copied; a fault ends the copy there
 * (EFAULT only when nothing was copied), as on Linux.
 */
function processVm(c: SyscallCall, writing: boolean): Outcome {
  const liovcnt = c.u64(2),
    riovcnt = c.u64(4);
  if (c.u64(5) !== 0 || liovcnt > IOV_MAX || riovcnt > IOV_MAX) return c.err(E.EINVAL);
  const vid = c.int(0);
  const target = vid > 0 ? c.k.findProcess(c.t.process.host, vid) : undefined;
  if (target === undefined) return c.err(E.ESRCH);
  const self = c.t.process.nativePid;
  const local = readIovecs(c, self, c.ptr(1), liovcnt);
  const remote = readIovecs(c, self, c.ptr(3), riovcnt);
  if (local === null || remote === null) return c.err(E.EFAULT);
  const [fromPid, from, toPid, to] = writing
    ? [self, local, target.nativePid, remote]
    : [target.nativePid, remote, self, local];
  let fi = 0,
    fOff = 0,
    ti = 0,
    tOff = 0,
    total = 0,
    faulted = false;
  const mem = c.k.mem;
  const buf = mem.scratch; // the iovecs were copied out of it above
  for (;;) {
    while (fi < from.length && fOff >= from[fi + 1]) {
      fi += 2;
      fOff = 0;
    }
    while (ti < to.length && tOff >= to[ti + 1]) {
      ti += 2;
      tOff = 0;
    }
    if (fi >= from.length || ti >= to.length) break;
    const n = Math.min(from[fi + 1] - fOff, to[ti + 1] - tOff, VM_COPY_CHUNK);
    const got = mem.readBuf(fromPid, from[fi] + fOff, buf, 0, n);
    const put = got > 0 ? mem.writeBuf(toPid, to[ti] + tOff, buf, 0, got) : got;
    if (put > 0) total += put;
    if (put !== n) {
      faulted = true;
      break;
    }
    fOff += n;
    tOff += n;
  }
  return faulted && total === 0 ? c.err(E.EFAULT) : c.ok(total);
}

/**
 * The running processes a PRIO_PGRP/PRIO_USER (or IOPRIO_WHO_*) target names.
 * A group is a simulated process group. A user's processes are those of the
 * caller's host (all of them run as the caller's real user): natively the call
 * would reach every real process of that uid, the simulator included.
 */
function members(c: SyscallCall, byGroup: boolean, who: number): Process[] {
  const self = c.t.process;
  const running = self.host.processes.filter((p) => p.state === 'running');
  if (byGroup) {
    const pgid = who === 0 ? self.pgid : who;
    return running.filter((p) => p.pgid === pgid);
  }
  if (who === 0 || who === c.k.nativeCall(c.t, SYS.getuid)) return running;
  return [];
}

/**
 * getpriority/setpriority and ioprio_get/ioprio_set (c.nr) over a group or a
 * user: the call runs natively for each member's threads; getpriority answers
 * the highest priority (its raw value is 20 - nice, so the largest), ioprio_get
 * the first member's; a set reports the first failure.
 */
function overMembers(c: SyscallCall, byGroup: boolean, whichProcess: number, getter: boolean): Outcome {
  const procs = members(c, byGroup, c.int(1));
  if (procs.length === 0) return c.err(E.ESRCH);
  let out = getter ? -1 : 0;
  for (const p of procs) {
    for (const t of p.liveThreads()) {
      const r = c.k.nativeCall(c.t, c.nr, whichProcess, t.nativeTid, c.int(2));
      if (getter) {
        if (r < 0) return c.result(r);
        if (c.nr === SYS.ioprio_get) return c.ok(r);
        out = Math.max(out, r);
      } else if (r < 0 && out === 0) out = r;
    }
  }
  return c.result(out);
}

function priority(c: SyscallCall): Outcome {
  const which = c.int(0);
  const getter = c.nr === SYS.getpriority;
  if (which === PRIO_PGRP || which === PRIO_USER) return overMembers(c, which === PRIO_PGRP, PRIO_PROCESS, getter);
  if (which === PRIO_PROCESS && c.int(1) !== 0) c.setArg(1, nativeTidOf(c, c.int(1)));
  return c.native(); // an invalid `which` gets the kernel's EINVAL
}

function ioprio(c: SyscallCall): Outcome {
  const which = c.int(0);
  const getter = c.nr === SYS.ioprio_get;
  if (which === IOPRIO_WHO_PGRP || which === IOPRIO_WHO_USER)
    return overMembers(c, which === IOPRIO_WHO_PGRP, IOPRIO_WHO_PROCESS, getter);
  if (which === IOPRIO_WHO_PROCESS && c.int(1) !== 0) c.setArg(1, nativeTidOf(c, c.int(1)));
  return c.native();
}

/**
 * capget/capset: the pid is inside the header in user memory. It is rewritten
 * to the native id for the native call and restored afterwards, so the
 * program's header reads as it wrote it. capset may only name the caller.
 */
function capability(c: SyscallCall): Outcome {
  const { k, t } = c;
  const hdr = c.ptr(0);
  if (hdr === 0) return c.err(E.EFAULT);
  const raw = k.mem.readU32(t.process.nativePid, hdr + CAP_HEADER_PID_OFF);
  if (raw === null) return c.err(E.EFAULT);
  const vid = raw | 0;
  let nid = vid;
  if (vid > 0) {
    if (vid === t.vtid) nid = 0;
    else nid = c.nr === SYS.capset ? NO_SUCH_PID : nativeTidOf(c, vid);
  }
  if (nid === vid) return c.native();
  if (!k.mem.writeI32(t.process.nativePid, hdr + CAP_HEADER_PID_OFF, nid)) return c.err(E.EFAULT);
  const r = k.nativeCall(t, c.nr, hdr, c.ptr(1));
  k.mem.writeI32(t.process.nativePid, hdr + CAP_HEADER_PID_OFF, vid);
  return c.result(r);
}

/**
 * get_robust_list(pid, head_ptr, len_ptr): set_robust_list is kept by the
 * simulator (the futex owner-died cleanup), so the answer comes from there
 * when the simulator saw one.
 */
function getRobustList(c: SyscallCall): Outcome {
  const { k, t } = c;
  const vid = c.int(0);
  const target = vid === 0 ? t : k.threadFor(t.process, vid);
  if (!target) return c.err(E.ESRCH);
  // Set before the shim attached (the dynamic loader's, for the first thread): the real kernel has it.
  if (target.robustListAddr === 0) {
    c.setArg(0, vid === 0 ? 0 : target.nativeTid);
    return c.native();
  }
  const dv = k.mem.view();
  const addr = target.robustListAddr;
  dv.setUint32(0, addr % 0x100000000, true);
  dv.setUint32(4, Math.floor(addr / 0x100000000), true);
  if (k.mem.writeScratch(t.process.nativePid, c.ptr(1), 8) !== 8) return c.err(E.EFAULT);
  dv.setUint32(0, ROBUST_LIST_HEAD_BYTES, true);
  dv.setUint32(4, 0, true);
  if (k.mem.writeScratch(t.process.nativePid, c.ptr(2), 8) !== 8) return c.err(E.EFAULT);
  return c.ok(0);
}

/**
 * unshare: new namespaces would take the process out of the simulated
 * machine's view (pids, mounts, network): refused as for a caller without
 * CAP_SYS_ADMIN. The rest (CLONE_FS, CLONE_FILES, CLONE_SYSVSEM) succeeds
 * without effect: umbra keeps one descriptor table per process anyway, and the
 * seccomp filter keeps unshare from running from the shim's section.
 */
function unshare(c: SyscallCall): Outcome {
  return (c.u32(0) & CLONE_NEW_ANY) !== 0 ? c.err(E.EPERM) : c.ok(0);
}

export function registerPidArgs(k: Kernel): void {
  k.register(SYS.prlimit64, pidArg(0));
  k.register(SYS.process_vm_readv, (c) => processVm(c, false));
  k.register(SYS.process_vm_writev, (c) => processVm(c, true));
  k.register(SYS.migrate_pages, pidArg(0));
  k.register(SYS.move_pages, pidArg(0));
  k.register(SYS.sched_setattr, schedSetattr);
  k.register(SYS.sched_getattr, pidArg(0));
  k.register(SYS.kcmp, kcmp);
  k.register(SYS.getpriority, priority);
  k.register(SYS.setpriority, priority);
  k.register(SYS.ioprio_get, ioprio);
  k.register(SYS.ioprio_set, ioprio);
  k.register(SYS.capget, capability);
  k.register(SYS.capset, capability);
  k.register(SYS.get_robust_list, getRobustList);
  k.register(SYS.unshare, unshare);
}
