// Advisory locks on native (regular) files: flock, fcntl POSIX record locks and
// OFD locks (and so lockf). Each lock is tried natively, non-blocking, in the
// caller's process; a conflict that would block waits in simulated time on the
// file's queue in the Kernel's LockTable (src/files/locks.ts says why).
//
// Wake-ups: a release the simulator sees (LOCK_UN, F_UNLCK, a downgrade to a
// shared lock, a process end) wakes the file's waiters at once; releases it
// cannot see (close of the last fd of a description, or of any fd of the file
// for POSIX locks; processes outside the simulation) are found by retrying
// every LOCK_RETRY_NS of simulated time.
import * as fs from 'node:fs';
import { E } from '../abi/errno';
import { SYS } from '../abi/syscalls';
import {
  F_GETLK,
  F_OFD_GETLK,
  F_OFD_SETLK,
  F_OFD_SETLKW,
  F_SETLK,
  F_SETLKW,
  F_UNLCK,
  F_WRLCK,
  FLOCK_L_PID,
  FLOCK_L_TYPE,
  FLOCK_SIZE,
  LOCK_EX,
  LOCK_NB,
  LOCK_SH,
  LOCK_UN,
} from '../abi/locks';
import type { Kernel } from '../kernel/kernel';
import type { Outcome, SyscallCall } from '../kernel/call';
import type { Process } from '../host/process';
import { descriptor } from '../files/descriptors';

/** How often a blocked lock request retries, for releases the simulator does not see. */
export const LOCK_RETRY_NS = 10_000_000;

/** The file's identity ("dev:ino") from the process's own fd, as the lock table keys it. */
function fileKey(c: SyscallCall, fd: number): string {
  const t = c.t;
  try {
    const st = fs.statSync(`/proc/${t.process.nativePid}/task/${t.nativeTid}/fd/${fd}`, { bigint: true });
    // Per host: hosts are separate machines (and may run at once), so one host's release wakes only its own waiters.
    return `${t.process.host.id}:${st.dev}:${st.ino}`;
  } catch {
    // The fd vanished under us (the native call reported it already): one shared queue is enough.
    return `${t.process.host.id}:unknown`;
  }
}

/** Wakes the waiters of fd's file after a release or downgrade. */
function wakeFile(c: SyscallCall, fd: number): void {
  c.k.locks.released(fileKey(c, fd));
}

/** Parks the caller on fd's file until a release or the next retry. */
function waitForRelease(c: SyscallCall, fd: number): Outcome {
  return c.blockOn(c.k.locks.waiters(fileKey(c, fd)).asSources, c.k.now + LOCK_RETRY_NS);
}

function flock(c: SyscallCall): Outcome {
  const { k, t } = c;
  const fd = c.int(0);
  const op = c.int(1);
  // An emulated object (socket, pipe...) keeps no lock state: nothing can contend for it.
  if (descriptor(t, fd)) return c.ok(0);
  const kind = op & ~LOCK_NB;
  if (kind !== LOCK_SH && kind !== LOCK_EX && kind !== LOCK_UN) return c.err(E.EINVAL);
  const r = k.nativeCall(t, SYS.flock, fd, kind | LOCK_NB);
  if (r === 0 && kind !== LOCK_UN) t.process.tookNativeLocks = true;
  if (r === 0) {
    // LOCK_UN, or LOCK_SH replacing an exclusive lock, may let a waiter in.
    if (kind !== LOCK_EX) wakeFile(c, fd);
    return c.ok(0);
  }
  // EWOULDBLOCK is EAGAIN on Linux.
  if (r !== -E.EAGAIN || (op & LOCK_NB) !== 0) return c.result(r);
  return waitForRelease(c, fd);
}

/** Whether fcntl's cmd is one of the lock commands handled here. */
export function isLockCommand(cmd: number): boolean {
  return (
    cmd === F_GETLK ||
    cmd === F_SETLK ||
    cmd === F_SETLKW ||
    cmd === F_OFD_GETLK ||
    cmd === F_OFD_SETLK ||
    cmd === F_OFD_SETLKW
  );
}

/** fcntl's lock commands on a native fd (fd.ts sends them here). */
export function fcntlLock(c: SyscallCall): Outcome {
  const { k, t } = c;
  const fd = c.int(0);
  const cmd = c.int(1);
  const addr = c.ptr(2);
  const pid = t.process.nativePid;
  // OFD locks report l_pid -1: the native answer is already the simulated one.
  if (cmd === F_OFD_GETLK) return c.native();
  if (cmd === F_GETLK) {
    const r = k.nativeCall(t, SYS.fcntl, fd, F_GETLK, addr);
    if (r < 0) return c.result(r);
    return translateHolderPid(k, pid, addr) ? c.ok(0) : c.err(E.EFAULT);
  }
  const posix = cmd === F_SETLK || cmd === F_SETLKW;
  const blocking = cmd === F_SETLKW || cmd === F_OFD_SETLKW;
  if (k.mem.read(pid, addr, FLOCK_SIZE) !== FLOCK_SIZE) return c.err(E.EFAULT);
  const type = k.mem.view().getInt16(FLOCK_L_TYPE, true);
  const r = k.nativeCall(t, SYS.fcntl, fd, posix ? F_SETLK : F_OFD_SETLK, addr);
  if (r === 0 && type !== F_UNLCK) t.process.tookNativeLocks = true;
  if (r === 0 || !blocking || (r !== -E.EAGAIN && r !== -E.EACCES)) {
    k.locks.clearPosixWait(t);
    // Unlocking or taking a read lock over a write lock may let a waiter in.
    if (r === 0 && type !== F_WRLCK) wakeFile(c, fd);
    return c.result(r);
  }
  if (posix) {
    // POSIX locks belong to processes: a cycle of waiting processes is EDEADLK, as on Linux.
    const holder = posixHolder(k, c, fd, addr);
    if (holder === undefined) return c.err(E.EFAULT);
    if (holder !== null) {
      if (k.locks.wouldDeadlock(t.process, holder)) {
        k.locks.clearPosixWait(t);
        return c.err(E.EDEADLK);
      }
      k.locks.setPosixWait(t, holder);
    }
  }
  return waitForRelease(c, fd);
}

/** The managed process whose native pid is nativePid, if one runs. */
function managedByNativePid(k: Kernel, nativePid: number): Process | null {
  for (const p of k.processes) if (p.nativePid === nativePid && p.state === 'running') return p;
  return null;
}

/**
 * F_GETLK answered natively in the user's struct flock: its l_pid is a native
 * pid; a managed holder is named by its simulated pid. False on a bad pointer.
 */
function translateHolderPid(k: Kernel, pid: number, addr: number): boolean {
  if (k.mem.read(pid, addr, FLOCK_SIZE) !== FLOCK_SIZE) return false;
  const dv = k.mem.view();
  if (dv.getInt16(FLOCK_L_TYPE, true) === F_UNLCK) return true;
  const holder = managedByNativePid(k, dv.getInt32(FLOCK_L_PID, true));
  return holder === null || k.mem.writeI32(pid, addr + FLOCK_L_PID, holder.vpid);
}

/**
 * The managed process holding the POSIX lock that the request in the user's
 * struct flock conflicts with (null: none found, or outside the simulation;
 * undefined: bad pointer). Asks natively with F_GETLK and puts the user's
 * struct back as it was.
 */
function posixHolder(k: Kernel, c: SyscallCall, fd: number, addr: number): Process | null | undefined {
  const pid = c.t.process.nativePid;
  const saved = Buffer.alloc(FLOCK_SIZE);
  if (k.mem.readBuf(pid, addr, saved, 0, FLOCK_SIZE) !== FLOCK_SIZE) return undefined;
  const r = k.nativeCall(c.t, SYS.fcntl, fd, F_GETLK, addr);
  let holder: Process | null = null;
  if (r === 0 && k.mem.read(pid, addr, FLOCK_SIZE) === FLOCK_SIZE) {
    const dv = k.mem.view();
    if (dv.getInt16(FLOCK_L_TYPE, true) !== F_UNLCK) holder = managedByNativePid(k, dv.getInt32(FLOCK_L_PID, true));
  }
  if (k.mem.writeBuf(pid, addr, saved, 0, FLOCK_SIZE) !== FLOCK_SIZE) return undefined;
  return holder;
}

export function registerLocks(k: Kernel): void {
  k.register(SYS.flock, flock);
  // The kernel dropped every lock of an ended process: waiters anywhere may now get theirs.
  k.onProcessEnd.push((p) => k.locks.releasedAll(p.host.id));
}
