// Creating threads and processes: clone, fork, vfork. The shim performs the
// native clone (it has the trapped registers); the simulator gives the new
// thread or process its virtual id, channel and tables, and schedules it.
import { E } from '../abi/errno';
import { ProcessVanished } from '../kernel/kernel';
import type { Kernel } from '../kernel/kernel';
import type { Outcome, SyscallCall } from '../kernel/call';
import { MSG } from '../abi/protocol';
import { SYS } from '../abi/syscalls';
import { NSIG, SIGCHLD } from '../abi/signals';
import {
  CLONE_ARGS_SIZE_VER0,
  CLONE_CHILD_CLEARTID,
  CLONE_CHILD_SETTID,
  CLONE_FILES,
  CLONE_FS,
  CLONE_PARENT,
  CLONE_PARENT_SETTID,
  CLONE_PIDFD,
  CLONE_SETTLS,
  CLONE_SIGHAND,
  CLONE_SYSVSEM,
  CLONE_THREAD,
  CLONE_VFORK,
  CLONE_VM,
  CSIGNAL,
} from '../abi/clone';
import { inheritSignals, inheritThreadMask } from '../kernel/signals';

/** The flags the shim's native thread clone keeps; the ids are set by the simulator. */
const NATIVE_THREAD_FLAGS =
  CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS;
/** Largest struct clone_args clone3 accepts (a page). */
const CLONE_ARGS_MAX_BYTES = 4096;

/** The arguments clone and clone3 share, decoded. */
interface CloneRequest {
  /** Low 32 bits of the flags, with the exit signal in CSIGNAL. */
  flags: number;
  /** Stack top for the child, 0 for the parent's. */
  stack: number;
  parentTidAddr: number;
  childTidAddr: number;
  tls: number;
}

/**
 * The shared region has no slot left for another process or thread: clone
 * fails with EAGAIN, as fork does on Linux at RLIMIT_NPROC or the kernel's
 * thread limit, and the run goes on. Logged once per process.
 */
function slotsExhausted(c: SyscallCall, what: 'processes' | 'threads'): Outcome {
  const p = c.t.process;
  const key = what === 'processes' ? -SYS.fork : -SYS.clone;
  if (!p.warned.has(key)) {
    p.warned.add(key);
    c.k.log.warn(p.host.name, `${p.name}: no room for more ${what} in this simulation; clone fails with EAGAIN`);
  }
  return c.err(E.EAGAIN);
}

function cloneThread(c: SyscallCall, req: CloneRequest): Outcome {
  const { k, t } = c;
  const flags = req.flags;
  if ((flags & CLONE_VM) === 0 || (flags & CLONE_SIGHAND) === 0) return c.err(E.EINVAL);
  if (req.stack === 0) return c.err(E.EINVAL);
  if ((flags & CLONE_SETTLS) === 0) {
    k.log.warn(t.process.host.name, `${t.process.name}: thread clone without CLONE_SETTLS is not supported`);
    return c.err(E.ENOTSUP);
  }
  const p = t.process;
  if (!k.threadSlots.hasFree()) return slotsExhausted(c, 'threads');
  const vtid = p.host.allocVid();
  const child = k.newThread(p, vtid);
  const r = k.shimCall(t, MSG.CLONE, SYS.clone, flags & NATIVE_THREAD_FLAGS, req.stack, req.tls, child.slot);
  if (r < 0) {
    p.threads.pop();
    k.threadSlots.release(child.slot);
    return c.result(r);
  }
  if (k.addon.waitRequest(child.slot, p.nativePid) === 0) throw new ProcessVanished(p);
  const pid = p.nativePid;
  if ((flags & CLONE_PARENT_SETTID) !== 0) k.mem.writeI32(pid, req.parentTidAddr, vtid);
  if ((flags & CLONE_CHILD_SETTID) !== 0) k.mem.writeI32(pid, req.childTidAddr, vtid);
  if ((flags & CLONE_CHILD_CLEARTID) !== 0) child.clearChildTidAddr = req.childTidAddr;
  inheritThreadMask(k, t, child);
  k.startThread(child);
  return c.ok(vtid);
}

function cloneProcess(c: SyscallCall, req: CloneRequest): Outcome {
  const { k, t } = c;
  const flags = req.flags;
  const parent = t.process;
  if ((flags & CLONE_VM) !== 0 && (flags & CLONE_VFORK) === 0) {
    k.log.warn(
      parent.host.name,
      `${parent.name}: clone with CLONE_VM but without CLONE_THREAD or CLONE_VFORK is not supported`,
    );
    return c.err(E.ENOTSUP);
  }
  if ((flags & CLONE_VFORK) !== 0 && !parent.warned.has(-SYS.vfork)) {
    parent.warned.add(-SYS.vfork);
    k.log.debug(parent.host.name, `${parent.name}: vfork runs as fork (the parent is not suspended)`);
  }
  const host = parent.host;
  if (!k.procSlots.hasFree()) return slotsExhausted(c, 'processes');
  if (!k.threadSlots.hasFree()) return slotsExhausted(c, 'threads');
  const child = k.newProcess(host, (flags & CLONE_PARENT) !== 0 ? parent.ppid : parent.vpid, parent.exeName, null);
  child.staticImage = parent.staticImage;
  child.tookNativeLocks = parent.tookNativeLocks; // flock and OFD locks travel with shared descriptions
  child.name = `${host.name}.${parent.exeName}.${child.vpid}`;
  child.pgid = parent.pgid;
  child.sid = parent.sid;
  child.exitSignal = flags & CSIGNAL;
  child.straceFd = parent.straceFd;
  child.fds = (flags & CLONE_FILES) !== 0 ? parent.fds : parent.fds.clone();
  k.shm.copyFdBitmap(parent.slot, child.slot);
  const ct = k.newThread(child, child.vpid);
  const native = k.shimCall(t, MSG.CLONE, SYS.clone, CLONE_PARENT | SIGCHLD, req.stack, 0, ct.slot);
  if (native < 0) {
    k.discardProcess(child);
    return c.result(native);
  }
  k.attachNative(child, native);
  if (k.addon.waitRequest(ct.slot, native) === 0) {
    k.processDied(child);
    return c.ok(child.vpid);
  }
  if ((flags & CLONE_CHILD_SETTID) !== 0) k.mem.writeI32(native, req.childTidAddr, child.vpid);
  if ((flags & CLONE_CHILD_CLEARTID) !== 0) ct.clearChildTidAddr = req.childTidAddr;
  if ((flags & CLONE_PARENT_SETTID) !== 0) k.mem.writeI32(parent.nativePid, req.parentTidAddr, child.vpid);
  inheritSignals(k, t, child, ct);
  for (const h of k.onFork) h(parent, child);
  k.startThread(ct);
  return c.ok(child.vpid);
}

function cloneAny(c: SyscallCall, req: CloneRequest): Outcome {
  return (req.flags & CLONE_THREAD) !== 0 ? cloneThread(c, req) : cloneProcess(c, req);
}

/** clone(flags, stack, parent_tid, child_tid, tls) (x86-64 argument order). */
function clone(c: SyscallCall): Outcome {
  return cloneAny(c, {
    flags: c.u32(0),
    stack: c.ptr(1),
    parentTidAddr: c.ptr(2),
    childTidAddr: c.ptr(3),
    tls: c.u64(4),
  });
}

function fork(c: SyscallCall): Outcome {
  return cloneProcess(c, { flags: SIGCHLD, stack: 0, parentTidAddr: 0, childTidAddr: 0, tls: 0 });
}

function vfork(c: SyscallCall): Outcome {
  return cloneProcess(c, { flags: CLONE_VFORK | SIGCHLD, stack: 0, parentTidAddr: 0, childTidAddr: 0, tls: 0 });
}

/** clone3(struct clone_args *, size): the same operations, arguments in a struct. */
function clone3(c: SyscallCall): Outcome {
  const size = c.u64(1);
  if (size < CLONE_ARGS_SIZE_VER0 || size > CLONE_ARGS_MAX_BYTES) return c.err(E.EINVAL);
  const m = c.k.mem;
  if (m.read(c.t.process.nativePid, c.ptr(0), CLONE_ARGS_SIZE_VER0) !== CLONE_ARGS_SIZE_VER0) return c.err(E.EFAULT);
  const dv = m.view();
  const u64 = (off: number) => dv.getUint32(off + 4, true) * 4294967296 + dv.getUint32(off, true);
  // struct clone_args: flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls.
  const flagsLo = dv.getUint32(0, true);
  if (dv.getUint32(4, true) !== 0) return c.err(E.EINVAL); // CLONE_CLEAR_SIGHAND, CLONE_INTO_CGROUP
  const childTid = u64(16),
    parentTid = u64(24),
    exitSignal = u64(32),
    stack = u64(40),
    stackSize = u64(48),
    tls = u64(56);
  if (exitSignal > NSIG || (flagsLo & CSIGNAL) !== 0) return c.err(E.EINVAL);
  if ((flagsLo & CLONE_PIDFD) !== 0) return c.err(E.EINVAL);
  const top = stack !== 0 ? stack + stackSize : 0;
  const flags = (flagsLo & CLONE_THREAD) !== 0 ? flagsLo : flagsLo | exitSignal;
  return cloneAny(c, { flags, stack: top, parentTidAddr: parentTid, childTidAddr: childTid, tls });
}

export function registerClone(k: Kernel): void {
  k.register(SYS.clone, clone);
  k.register(SYS.fork, fork);
  k.register(SYS.vfork, vfork);
  k.register(SYS.clone3, clone3);
}
