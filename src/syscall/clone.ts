// Creating threads and processes: clone, fork, vfork. The shim performs the
// native clone (it has the trapped registers); the simulator gives the new
// thread or process its virtual id, channel and tables, and schedules it.
import type { Thread } from '../host/thread';
import { E } from '../abi/errno';
import { Kernel, ProcessVanished } from '../kernel/kernel';
import { MSG } from '../abi/protocol';
import { SYS } from '../abi/syscalls';
import { inheritSignals, inheritThreadMask } from './signal';

export const CLONE_VM = 0x100,
  CLONE_FS = 0x200,
  CLONE_FILES = 0x400,
  CLONE_SIGHAND = 0x800;
export const CLONE_PIDFD = 0x1000,
  CLONE_VFORK = 0x4000,
  CLONE_PARENT = 0x8000,
  CLONE_THREAD = 0x10000;
export const CLONE_SYSVSEM = 0x40000,
  CLONE_SETTLS = 0x80000,
  CLONE_PARENT_SETTID = 0x100000;
export const CLONE_CHILD_CLEARTID = 0x200000,
  CLONE_CHILD_SETTID = 0x1000000;
const NATIVE_THREAD_FLAGS =
  CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS;
const SIGCHLD = 17;

function cloneThread(
  k: Kernel,
  t: Thread,
  flags: number,
  stack: number,
  ptid: number,
  ctid: number,
  tls: number,
): number {
  if ((flags & CLONE_VM) === 0 || (flags & CLONE_SIGHAND) === 0) return -E.EINVAL;
  if (stack === 0) return -E.EINVAL;
  if ((flags & CLONE_SETTLS) === 0) {
    k.log.warn(t.process.host.name, `${t.process.name}: thread clone without CLONE_SETTLS is not supported`);
    return -E.ENOTSUP;
  }
  const p = t.process;
  const vtid = p.host.allocVid();
  const child = k.newThread(p, vtid);
  const r = k.shimCall(t, MSG.CLONE, SYS.clone, flags & NATIVE_THREAD_FLAGS, stack, tls, child.slot);
  if (r < 0) {
    p.threads.pop();
    k.threadSlots.release(child.slot);
    return r;
  }
  if (k.addon.waitRequest(child.slot, p.nativePid) === 0) throw new ProcessVanished(p);
  const pid = p.nativePid;
  if ((flags & CLONE_PARENT_SETTID) !== 0) k.mem.writeI32(pid, ptid, vtid);
  if ((flags & CLONE_CHILD_SETTID) !== 0) k.mem.writeI32(pid, ctid, vtid);
  if ((flags & CLONE_CHILD_CLEARTID) !== 0) child.clearChildTidAddr = ctid;
  inheritThreadMask(k, t, child);
  k.startThread(child);
  return vtid;
}

function cloneProcess(k: Kernel, t: Thread, flags: number, stack: number, ptid: number, ctid: number): number {
  const parent = t.process;
  if ((flags & CLONE_VM) !== 0 && (flags & CLONE_VFORK) === 0) {
    k.log.warn(
      parent.host.name,
      `${parent.name}: clone with CLONE_VM but without CLONE_THREAD or CLONE_VFORK is not supported`,
    );
    return -E.ENOTSUP;
  }
  if ((flags & CLONE_VFORK) !== 0 && !parent.warned.has(-SYS.vfork)) {
    parent.warned.add(-SYS.vfork);
    k.log.debug(parent.host.name, `${parent.name}: vfork runs as fork (the parent is not suspended)`);
  }
  const host = parent.host;
  const child = k.newProcess(host, (flags & CLONE_PARENT) !== 0 ? parent.ppid : parent.vpid, parent.exeName, null);
  child.name = `${host.name}.${parent.exeName}.${child.vpid}`;
  child.pgid = parent.pgid;
  child.sid = parent.sid;
  child.exitSignal = flags & 0xff;
  child.straceFd = parent.straceFd;
  child.fds = (flags & CLONE_FILES) !== 0 ? parent.fds : parent.fds.clone();
  k.shm.copyFdBitmap(parent.slot, child.slot);
  const ct = k.newThread(child, child.vpid);
  const native = k.shimCall(t, MSG.CLONE, SYS.clone, CLONE_PARENT | SIGCHLD, stack, 0, ct.slot);
  if (native < 0) {
    k.discardProcess(child);
    return native;
  }
  k.attachNative(child, native);
  if (k.addon.waitRequest(ct.slot, native) === 0) {
    k.processDied(child);
    return child.vpid;
  }
  if ((flags & CLONE_CHILD_SETTID) !== 0) k.mem.writeI32(native, ctid, child.vpid);
  if ((flags & CLONE_CHILD_CLEARTID) !== 0) ct.clearChildTidAddr = ctid;
  if ((flags & CLONE_PARENT_SETTID) !== 0) k.mem.writeI32(parent.nativePid, ptid, child.vpid);
  inheritSignals(k, t, child, ct);
  k.startThread(ct);
  return child.vpid;
}

function clone(k: Kernel, t: Thread, a: Float64Array): number {
  const [lo] = k.argWords(t, 0);
  const flags = lo;
  if ((flags & CLONE_THREAD) !== 0) return cloneThread(k, t, flags, a[1], a[2], a[3], a[4]);
  return cloneProcess(k, t, flags, a[1], a[2], a[3]);
}

/** clone3(struct clone_args *, size): the same operations, arguments in a struct. */
function clone3(k: Kernel, t: Thread, a: Float64Array): number {
  const size = a[1];
  if (size < 64 || size > 4096) return -E.EINVAL;
  const pid = t.process.nativePid;
  if (k.mem.read(pid, a[0], 64) !== 64) return -E.EFAULT;
  const dv = k.mem.view();
  const u64 = (off: number) => dv.getUint32(off + 4, true) * 4294967296 + dv.getUint32(off, true);
  const flagsLo = dv.getUint32(0, true);
  if (dv.getUint32(4, true) !== 0) return -E.EINVAL; // CLONE_CLEAR_SIGHAND, CLONE_INTO_CGROUP
  const childTid = u64(16),
    parentTid = u64(24),
    exitSignal = u64(32),
    stack = u64(40),
    stackSize = u64(48),
    tls = u64(56);
  if (exitSignal > 64 || (flagsLo & 0xff) !== 0) return -E.EINVAL;
  if ((flagsLo & CLONE_PIDFD) !== 0) return -E.EINVAL;
  const top = stack !== 0 ? stack + stackSize : 0;
  if ((flagsLo & CLONE_THREAD) !== 0) return cloneThread(k, t, flagsLo, top, parentTid, childTid, tls);
  return cloneProcess(k, t, flagsLo | exitSignal, top, parentTid, childTid);
}

export function registerClone(k: Kernel): void {
  k.registerLegacy(SYS.clone, clone);
  k.registerLegacy(SYS.fork, (kk, t) => cloneProcess(kk, t, SIGCHLD, 0, 0, 0));
  k.registerLegacy(SYS.vfork, (kk, t) => cloneProcess(kk, t, CLONE_VFORK | SIGCHLD, 0, 0, 0));
  k.registerLegacy(SYS.clone3, clone3);
}
