// System V IPC: shmget/shmat/shmdt/shmctl, semget/semop/semtimedop/semctl,
// msgget/msgsnd/msgrcv/msgctl. Objects live per host in src/ipc; a shmat maps
// the segment's backing file natively in the caller (calls run by its shim).
import { E } from '../abi/errno';
import { AT_FDCWD, O_CLOEXEC, O_RDONLY, O_RDWR } from '../abi/fcntl';
import { SYS } from '../abi/syscalls';
import {
  GETALL,
  GETNCNT,
  GETPID,
  GETVAL,
  GETZCNT,
  IPC_64,
  IPC_CREAT,
  IPC_EXCL,
  IPC_INFO,
  IPC_NOWAIT,
  IPC_PRIVATE,
  IPC_RMID,
  IPC_SET,
  IPC_STAT,
  MSG_COPY,
  MSG_INFO,
  MSG_NOERROR,
  MSG_STAT,
  MSG_STAT_ANY,
  MSGMAX,
  MSGMNB,
  MSGMNI,
  MSQID_DS,
  PERM,
  SEM_INFO,
  SEM_STAT,
  SEM_STAT_ANY,
  SEMAEM,
  SEMBUF_BYTES,
  SEMID_DS,
  SEMMNI,
  SEMMSL,
  SEMOPM,
  SEMVMX,
  SETALL,
  SETVAL,
  SHM_DEST,
  SHM_EXEC,
  SHM_INFO,
  SHM_LOCK,
  SHM_LOCKED,
  SHM_RDONLY,
  SHM_REMAP,
  SHM_RND,
  SHM_STAT,
  SHM_STAT_ANY,
  SHM_UNLOCK,
  SHMID_DS,
  SHMLBA,
  SHMMAX,
  SHMMIN,
  SHMMNI,
} from '../abi/sysv';
import type { Process } from '../host/process';
import { MsgQueue } from '../ipc/msg';
import { IpcPerm, type IpcCred, type IpcNamespace, type IpcObject } from '../ipc/namespace';
import { SEMOP_DONE, SEMOP_WAIT, SemSet, type SemOp, type SemWaiter } from '../ipc/sem';
import { ShmSegment } from '../ipc/shm';
import { SysvIpc } from '../ipc/sysv-ipc';
import { type Outcome, RestartRule, type SyscallCall, type WaitSource } from '../kernel/call';
import type { Kernel } from '../kernel/kernel';
import { nativeCallWithPath } from '../kernel/user-path';

const PROT_READ = 1;
const PROT_WRITE = 2;
const PROT_EXEC = 4;
const MAP_SHARED = 0x01;
const MAP_FIXED = 0x10;
const MAP_FIXED_NOREPLACE = 0x100000;
const PAGE_BYTES = 4096;
/** A native call's result that is an errno rather than an address. */
const MAX_ERRNO = 4095;

/** The caller's host's realtime clock, whole seconds (IPC times, as Linux keeps them). */
function nowSec(c: SyscallCall): number {
  return hostNowSec(c.k, c.t.process);
}

function hostNowSec(k: Kernel, p: Process): number {
  return p.host.realtime.unixSecAt(k.now);
}

function isErr(r: number): boolean {
  return r < 0 && r >= -MAX_ERRNO;
}

/** The caller's effective ids: credentials are the native process's own. */
function cred(c: SyscallCall): IpcCred {
  return { euid: c.k.nativeCall(c.t, SYS.geteuid), egid: c.k.nativeCall(c.t, SYS.getegid) };
}

/**
 * The *get part common to the three kinds: find by key, or create (after
 * `prepare`, which answers 0 or -errno), or fail as Linux's ipcget() does.
 */
function ipcGet<T extends IpcObject>(
  c: SyscallCall,
  ns: IpcNamespace<T>,
  key: number,
  flags: number,
  prepare: () => number,
  make: (id: number, perm: IpcPerm) => T,
  check: (o: T) => number,
  undo: () => void = () => {},
): Outcome {
  const existing = ns.findKey(key);
  const who = cred(c);
  if (existing === undefined) {
    if (key !== IPC_PRIVATE && (flags & IPC_CREAT) === 0) return c.err(E.ENOENT);
    const r = prepare();
    if (r < 0) return c.result(r);
    const o = ns.add(key, (id, seq) =>
      make(id, new IpcPerm(key, who.euid, who.egid, who.euid, who.egid, flags & 0o777, seq)),
    );
    if (o === null) {
      undo();
      return c.err(E.ENOSPC);
    }
    return c.ok(o.id);
  }
  if ((flags & IPC_CREAT) !== 0 && (flags & IPC_EXCL) !== 0) return c.err(E.EEXIST);
  const want = ((flags >> 6) | (flags >> 3) | flags) & 0o7;
  if (!existing.perm.permits(who, want)) return c.err(E.EACCES);
  const r = check(existing);
  return r < 0 ? c.result(r) : c.ok(existing.id);
}

/** Writes struct ipc64_perm at offset 0 of the scratch view. */
function putPerm(dv: DataView, perm: IpcPerm, mode: number): void {
  dv.setInt32(PERM.key, perm.key, true);
  dv.setUint32(PERM.uid, perm.uid, true);
  dv.setUint32(PERM.gid, perm.gid, true);
  dv.setUint32(PERM.cuid, perm.cuid, true);
  dv.setUint32(PERM.cgid, perm.cgid, true);
  dv.setUint32(PERM.mode, mode, true);
  dv.setUint16(PERM.seq, perm.seq, true);
}

function putU64(dv: DataView, off: number, v: number): void {
  dv.setUint32(off, v >>> 0, true);
  dv.setUint32(off + 4, Math.floor(v / 4294967296) >>> 0, true);
}

function readStructFrom(c: SyscallCall, addr: number, size: number): DataView | null {
  if (c.k.mem.read(c.t.process.nativePid, addr, size) !== size) return null;
  return c.k.mem.view();
}

function zeroedView(c: SyscallCall, size: number): DataView {
  c.k.mem.scratch.fill(0, 0, size);
  return c.k.mem.view();
}

function writeOut(c: SyscallCall, addr: number, size: number): boolean {
  return c.k.mem.writeScratch(c.t.process.nativePid, addr, size) === size;
}

/** IPC_SET's common part: uid, gid and the permission bits from the user's ipc64_perm. */
function setPerm(dv: DataView, perm: IpcPerm): void {
  perm.uid = dv.getUint32(PERM.uid, true);
  perm.gid = dv.getUint32(PERM.gid, true);
  perm.mode = (perm.mode & ~0o777) | (dv.getUint32(PERM.mode, true) & 0o777);
}

/** The kernel's rule for *_STAT (an index) versus IPC_STAT (an id). */
/**
 * IPC_STAT and its X_STAT / X_STAT_ANY forms, alike for the three kinds: read
 * permission (except for _ANY), then the kind's struct; X_STAT answers the id.
 */
function statCmd<T extends IpcObject>(
  c: SyscallCall,
  o: T,
  anyAllowed: boolean,
  byIndex: boolean,
  write: (c: SyscallCall, o: T, addr: number) => boolean,
  addr: number,
): Outcome {
  if (!anyAllowed && !o.perm.permits(cred(c), 4)) return c.err(E.EACCES);
  if (!write(c, o, addr)) return c.err(E.EFAULT);
  return c.ok(byIndex ? o.id : 0);
}

/** IPC_RMID: the owner (or creator) only. */
function removeCmd(c: SyscallCall, o: IpcObject, remove: () => void): Outcome {
  if (!o.perm.isOwner(cred(c))) return c.err(E.EPERM);
  remove();
  return c.ok(0);
}

/** IPC_SET of a segment or a semaphore set: owner, mode and ctime from the struct at addr. */
function setCmd(c: SyscallCall, o: IpcObject & { ctimeSec: number }, addr: number, sizeBytes: number): Outcome {
  if (!o.perm.isOwner(cred(c))) return c.err(E.EPERM);
  const dv = readStructFrom(c, addr, sizeBytes);
  if (dv === null) return c.err(E.EFAULT);
  setPerm(dv, o.perm);
  o.ctimeSec = nowSec(c);
  return c.ok(0);
}

function lookup<T extends IpcObject>(ns: IpcNamespace<T>, idOrIndex: number, byIndex: boolean): T | undefined {
  return byIndex ? ns.atIndex(idOrIndex) : ns.find(idOrIndex);
}

// ================================================================ shared memory

function shmget(ipc: SysvIpc, c: SyscallCall): Outcome {
  const key = c.int(0);
  const sizeBytes = c.u64(1);
  const flags = c.int(2);
  const h = c.t.process.host;
  let file = '';
  return ipcGet(
    c,
    ipc.host(h).shm,
    key,
    flags,
    () => {
      if (sizeBytes < SHMMIN || sizeBytes > SHMMAX) return -E.EINVAL;
      file = ipc.backing.create(h.id, sizeBytes) ?? '';
      return file === '' ? -E.ENOMEM : 0;
    },
    (id, perm) => new ShmSegment(id, perm, sizeBytes, file, c.t.process.vpid, nowSec(c)),
    (s) => (s.sizeBytes < sizeBytes ? -E.EINVAL : 0),
    () => ipc.backing.release(file),
  );
}

/** Maps segment s into t's process natively at addr (0: anywhere); returns the address or -errno. */
function mapSegment(c: SyscallCall, s: ShmSegment, addr: number, flags: number): number {
  const { k, t } = c;
  const readOnly = (flags & SHM_RDONLY) !== 0;
  const openFlags = (readOnly ? O_RDONLY : O_RDWR) | O_CLOEXEC;
  const fd = nativeCallWithPath(k, t, s.backingPath, (at) => k.nativeCall(t, SYS.openat, AT_FDCWD, at, openFlags, 0));
  if (fd < 0) return fd === -E.ENOENT ? -E.EIDRM : fd;
  const prot = PROT_READ | (readOnly ? 0 : PROT_WRITE) | ((flags & SHM_EXEC) !== 0 ? PROT_EXEC : 0);
  let mapFlags = MAP_SHARED;
  if (addr !== 0) mapFlags |= (flags & SHM_REMAP) !== 0 ? MAP_FIXED : MAP_FIXED_NOREPLACE;
  const r = k.nativeCall(t, SYS.mmap, addr, s.mappedBytes, prot, mapFlags, fd, 0);
  k.nativeCall(t, SYS.close, fd);
  // An occupied range without SHM_REMAP: Linux's shmat answers EINVAL.
  if (r === -E.EEXIST) return -E.EINVAL;
  if (!isErr(r) && addr !== 0 && r !== addr) {
    k.nativeCall(t, SYS.munmap, r, s.mappedBytes);
    return -E.EINVAL;
  }
  return r;
}

function shmat(ipc: SysvIpc, c: SyscallCall): Outcome {
  const p = c.t.process;
  const s = ipc.host(p.host).shm.find(c.int(0));
  if (s === undefined) return c.err(E.EINVAL);
  const flags = c.int(2);
  let addr = c.ptr(1);
  if (addr % SHMLBA !== 0) {
    if ((flags & SHM_RND) === 0) return c.err(E.EINVAL);
    addr -= addr % SHMLBA;
  }
  if (addr === 0 && (flags & SHM_REMAP) !== 0) return c.err(E.EINVAL);
  const want = (flags & SHM_RDONLY) !== 0 ? 4 : 6;
  if (!s.perm.permits(cred(c), want)) return c.err(E.EACCES);
  const r = mapSegment(c, s, addr, flags);
  if (isErr(r)) return c.result(r);
  ipc.attach(p, s, r, nowSec(c));
  return c.ok(r);
}

function shmdt(ipc: SysvIpc, c: SyscallCall): Outcome {
  const p = c.t.process;
  const addr = c.ptr(0);
  if (addr % SHMLBA !== 0) return c.err(E.EINVAL);
  const list = ipc.attachmentsOf(p);
  const i = list.findIndex((a) => a.addr === addr);
  if (i < 0) return c.err(E.EINVAL);
  c.k.nativeCall(c.t, SYS.munmap, addr, list[i].segment.mappedBytes);
  ipc.detach(p, i, nowSec(c));
  return c.ok(0);
}

function shmStat(c: SyscallCall, s: ShmSegment, addr: number): boolean {
  const dv = zeroedView(c, SHMID_DS.size);
  const mode = s.perm.mode | (s.destroyPending ? SHM_DEST : 0) | (s.locked ? SHM_LOCKED : 0);
  putPerm(dv, s.perm, mode);
  putU64(dv, SHMID_DS.segsz, s.sizeBytes);
  putU64(dv, SHMID_DS.atime, s.atimeSec);
  putU64(dv, SHMID_DS.dtime, s.dtimeSec);
  putU64(dv, SHMID_DS.ctime, s.ctimeSec);
  dv.setInt32(SHMID_DS.cpid, s.cpid, true);
  dv.setInt32(SHMID_DS.lpid, s.lpid, true);
  putU64(dv, SHMID_DS.nattch, s.nattch);
  return writeOut(c, addr, SHMID_DS.size);
}

function shmctl(ipc: SysvIpc, c: SyscallCall): Outcome {
  const p = c.t.process;
  const ns = ipc.host(p.host).shm;
  const cmd = c.int(1) & ~IPC_64;
  const buf = c.ptr(2);
  if (cmd === IPC_INFO || cmd === SHM_INFO) {
    const dv = zeroedView(c, 72);
    if (cmd === IPC_INFO) {
      // struct shminfo: shmmax, shmmin, shmmni, shmseg, shmall.
      putU64(dv, 0, SHMMAX);
      putU64(dv, 8, SHMMIN);
      putU64(dv, 16, SHMMNI);
      putU64(dv, 24, SHMMNI);
      putU64(dv, 32, Number.MAX_SAFE_INTEGER);
    } else {
      // struct shm_info: used_ids, then shm_tot (pages), shm_rss, shm_swp, two swap counters.
      let pages = 0;
      for (const s of ns.objects()) pages += s.mappedBytes / PAGE_BYTES;
      dv.setInt32(0, ns.count, true);
      putU64(dv, 8, pages);
      putU64(dv, 16, pages);
    }
    if (!writeOut(c, buf, cmd === IPC_INFO ? 72 : 48)) return c.err(E.EFAULT);
    return c.ok(ns.highestIndex);
  }
  const byIndex = cmd === SHM_STAT || cmd === SHM_STAT_ANY;
  const s = lookup(ns, c.int(0), byIndex);
  if (s === undefined) return c.err(E.EINVAL);
  switch (cmd) {
    case IPC_STAT:
    case SHM_STAT:
    case SHM_STAT_ANY:
      return statCmd(c, s, cmd === SHM_STAT_ANY, byIndex, shmStat, buf);
    case IPC_SET:
      return setCmd(c, s, buf, SHMID_DS.size);
    case IPC_RMID:
      return removeCmd(c, s, () => ipc.removeSegment(p.host, s));
    case SHM_LOCK:
    case SHM_UNLOCK:
      s.locked = cmd === SHM_LOCK;
      return c.ok(0);
    default:
      return c.err(E.EINVAL);
  }
}

// ================================================================ semaphores

function semget(ipc: SysvIpc, c: SyscallCall): Outcome {
  const nsems = c.int(1);
  if (nsems < 0 || nsems > SEMMSL) return c.err(E.EINVAL);
  return ipcGet(
    c,
    ipc.host(c.t.process.host).sem,
    c.int(0),
    c.int(2),
    () => (nsems === 0 ? -E.EINVAL : 0),
    (id, perm) => new SemSet(id, perm, nsems, nowSec(c)),
    (s) => (s.nsems < nsems ? -E.EINVAL : 0),
  );
}

/** A wait registration that also counts the thread for GETNCNT/GETZCNT while it waits. */
function semWait(set: SemSet, what: SemWaiter): WaitSource {
  return {
    add(fn: () => void): () => void {
      const w: SemWaiter = { num: what.num, zero: what.zero };
      set.waiters.push(w);
      const off = set.changed.add(fn);
      return () => {
        off();
        const i = set.waiters.indexOf(w);
        if (i >= 0) set.waiters.splice(i, 1);
      };
    },
  };
}

/** semop and semtimedop: timeoutAddr 0 waits for ever. */
function semop(ipc: SysvIpc, c: SyscallCall, timeoutAddr: number): Outcome {
  const { k, t } = c;
  const p = t.process;
  const before = ipc.waitingOn.get(t);
  ipc.waitingOn.delete(t);
  if (!c.firstRun && before?.removed === true) return c.err(E.EIDRM);
  const nsops = c.u64(2);
  if (nsops < 1) return c.err(E.EINVAL);
  if (nsops > SEMOPM) return c.err(E.E2BIG);
  let deadlineNs = -1;
  if (!c.firstRun) deadlineNs = c.deadlineNs;
  else if (timeoutAddr !== 0) {
    const ns = k.mem.readTimespecNs(p.nativePid, timeoutAddr);
    if (ns === null) return c.err(E.EFAULT);
    if (ns < 0) return c.err(E.EINVAL);
    deadlineNs = k.now + ns;
  }
  const bytes = nsops * SEMBUF_BYTES;
  if (k.mem.read(p.nativePid, c.ptr(1), bytes) !== bytes) return c.err(E.EFAULT);
  const dv = k.mem.view();
  const ops: SemOp[] = [];
  let alter = false;
  for (let i = 0; i < nsops; i++) {
    const op = {
      num: dv.getUint16(i * 6, true),
      op: dv.getInt16(i * 6 + 2, true),
      flags: dv.getInt16(i * 6 + 4, true),
    };
    if (op.op !== 0) alter = true;
    ops.push(op);
  }
  const set = ipc.host(p.host).sem.find(c.int(0));
  if (set === undefined) return c.err(c.firstRun ? E.EINVAL : E.EIDRM);
  let maxNum = 0;
  for (const o of ops) maxNum = Math.max(maxNum, o.num);
  if (maxNum >= set.nsems) return c.err(E.EFBIG);
  if (c.firstRun && !set.perm.permits(cred(c), alter ? 2 : 4)) return c.err(E.EACCES);
  const r = set.trySemop(ops, p.vpid, () => ipc.undoOf(p, set));
  if (r === SEMOP_DONE) {
    set.otimeSec = nowSec(c);
    if (alter) set.changed.notify();
    return c.ok(0);
  }
  if (r !== SEMOP_WAIT) return c.result(r);
  if (!c.firstRun && c.timedOut) return c.err(E.EAGAIN);
  ipc.waitingOn.set(t, set);
  return c.blockOn([semWait(set, set.blockedOn)], deadlineNs, RestartRule.Never);
}

function semStat(c: SyscallCall, s: SemSet, addr: number): boolean {
  const dv = zeroedView(c, SEMID_DS.size);
  putPerm(dv, s.perm, s.perm.mode);
  putU64(dv, SEMID_DS.otime, s.otimeSec);
  putU64(dv, SEMID_DS.ctime, s.ctimeSec);
  putU64(dv, SEMID_DS.nsems, s.nsems);
  return writeOut(c, addr, SEMID_DS.size);
}

function semctl(ipc: SysvIpc, c: SyscallCall): Outcome {
  const { k, t } = c;
  const p = t.process;
  const ns = ipc.host(p.host).sem;
  const num = c.int(1);
  const cmd = c.int(2) & ~IPC_64;
  const arg = c.ptr(3);
  if (cmd === IPC_INFO || cmd === SEM_INFO) {
    // struct seminfo: semmap, semmni, semmns, semmnu, semmsl, semopm, semume, semusz, semvmx, semaem.
    let sems = 0;
    for (const s of ns.objects()) sems += s.nsems;
    const dv = zeroedView(c, 40);
    const info = [SEMMNI, SEMMNI, SEMMNI * SEMMSL, SEMMNI * SEMMSL, SEMMSL, SEMOPM, SEMOPM, 8, SEMVMX, SEMAEM];
    if (cmd === SEM_INFO) {
      info[7] = ns.count;
      info[9] = sems;
    }
    for (let i = 0; i < info.length; i++) dv.setInt32(i * 4, info[i], true);
    if (!writeOut(c, arg, 40)) return c.err(E.EFAULT);
    return c.ok(ns.highestIndex);
  }
  const byIndex = cmd === SEM_STAT || cmd === SEM_STAT_ANY;
  const s = lookup(ns, c.int(0), byIndex);
  if (s === undefined) return c.err(E.EINVAL);
  const inRange = num >= 0 && num < s.nsems;
  switch (cmd) {
    case IPC_STAT:
    case SEM_STAT:
    case SEM_STAT_ANY:
      return statCmd(c, s, cmd === SEM_STAT_ANY, byIndex, semStat, arg);
    case IPC_SET:
      return setCmd(c, s, arg, SEMID_DS.size);
    case IPC_RMID:
      return removeCmd(c, s, () => ipc.removeSemSet(p.host, s));
    case GETVAL:
    case GETPID:
    case GETNCNT:
    case GETZCNT:
      if (!inRange) return c.err(E.EINVAL);
      if (!s.perm.permits(cred(c), 4)) return c.err(E.EACCES);
      if (cmd === GETVAL) return c.ok(s.values[num]);
      if (cmd === GETPID) return c.ok(s.pids[num]);
      return c.ok(s.count(num, cmd === GETZCNT));
    case GETALL: {
      if (!s.perm.permits(cred(c), 4)) return c.err(E.EACCES);
      const dv = k.mem.view();
      for (let i = 0; i < s.nsems; i++) dv.setUint16(i * 2, s.values[i], true);
      if (!writeOut(c, arg, s.nsems * 2)) return c.err(E.EFAULT);
      return c.ok(0);
    }
    case SETVAL: {
      if (!inRange) return c.err(E.EINVAL);
      const val = c.int(3);
      if (val < 0 || val > SEMVMX) return c.err(E.ERANGE);
      if (!s.perm.permits(cred(c), 2)) return c.err(E.EACCES);
      s.values[num] = val;
      s.pids[num] = p.vpid;
      s.ctimeSec = nowSec(c);
      ipc.clearUndo(s, num);
      s.changed.notify();
      return c.ok(0);
    }
    case SETALL: {
      if (!s.perm.permits(cred(c), 2)) return c.err(E.EACCES);
      const dv = readStructFrom(c, arg, s.nsems * 2);
      if (dv === null) return c.err(E.EFAULT);
      for (let i = 0; i < s.nsems; i++) if (dv.getUint16(i * 2, true) > SEMVMX) return c.err(E.ERANGE);
      for (let i = 0; i < s.nsems; i++) {
        s.values[i] = dv.getUint16(i * 2, true);
        s.pids[i] = p.vpid;
      }
      s.ctimeSec = nowSec(c);
      ipc.clearUndo(s, -1);
      s.changed.notify();
      return c.ok(0);
    }
    default:
      return c.err(E.EINVAL);
  }
}

// ================================================================ message queues

function msgget(ipc: SysvIpc, c: SyscallCall): Outcome {
  return ipcGet(
    c,
    ipc.host(c.t.process.host).msg,
    c.int(0),
    c.int(1),
    () => 0,
    (id, perm) => new MsgQueue(id, perm, MSGMNB, nowSec(c)),
    () => 0,
  );
}

/** The first run of a blocking msg call, or a later run that must tell removal or timeout apart. */
function rerunFailure(ipc: SysvIpc, c: SyscallCall): number {
  const before = ipc.waitingOn.get(c.t);
  ipc.waitingOn.delete(c.t);
  return !c.firstRun && before?.removed === true ? E.EIDRM : 0;
}

function msgsnd(ipc: SysvIpc, c: SyscallCall): Outcome {
  const { k, t } = c;
  const p = t.process;
  const removed = rerunFailure(ipc, c);
  if (removed !== 0) return c.err(removed);
  const q = ipc.host(p.host).msg.find(c.int(0));
  if (q === undefined) return c.err(E.EINVAL);
  const size = c.i64(2);
  const flags = c.int(3);
  if (size < 0 || size > MSGMAX) return c.err(E.EINVAL);
  const type = k.mem.readI64(p.nativePid, c.ptr(1));
  if (type === null) return c.err(E.EFAULT);
  if (type < 1) return c.err(E.EINVAL);
  if (c.firstRun && !q.perm.permits(cred(c), 2)) return c.err(E.EACCES);
  if (!q.fits(size)) {
    if ((flags & IPC_NOWAIT) !== 0) return c.err(E.EAGAIN);
    ipc.waitingOn.set(t, q);
    return c.blockOn(q.changed.asSources, -1, RestartRule.Never);
  }
  const data = Buffer.alloc(size);
  if (size > 0 && k.mem.readBuf(p.nativePid, c.ptr(1) + 8, data, 0, size) !== size) return c.err(E.EFAULT);
  q.push({ type, data });
  q.stimeSec = nowSec(c);
  q.lspid = p.vpid;
  q.changed.notify();
  return c.ok(0);
}

function msgrcv(ipc: SysvIpc, c: SyscallCall): Outcome {
  const { k, t } = c;
  const p = t.process;
  const removed = rerunFailure(ipc, c);
  if (removed !== 0) return c.err(removed);
  const q = ipc.host(p.host).msg.find(c.int(0));
  if (q === undefined) return c.err(E.EINVAL);
  const size = c.i64(2);
  const type = c.i64(3);
  const flags = c.int(4);
  if (size < 0) return c.err(E.EINVAL);
  if (c.firstRun && !q.perm.permits(cred(c), 4)) return c.err(E.EACCES);
  let i: number;
  if ((flags & MSG_COPY) !== 0) {
    // MSG_COPY: type is an index into the queue; never waits.
    if ((flags & IPC_NOWAIT) === 0) return c.err(E.EINVAL);
    i = type >= 0 && type < q.messages.length ? type : -1;
  } else {
    i = q.select(type, flags);
  }
  if (i < 0) {
    if ((flags & IPC_NOWAIT) !== 0) return c.err(E.ENOMSG);
    ipc.waitingOn.set(t, q);
    return c.blockOn(q.changed.asSources, -1, RestartRule.Never);
  }
  const m = q.messages[i];
  if (m.data.length > size && (flags & MSG_NOERROR) === 0) return c.err(E.E2BIG);
  const n = Math.min(size, m.data.length);
  if (!k.mem.writeI64(p.nativePid, c.ptr(1), m.type)) return c.err(E.EFAULT);
  if (n > 0 && k.mem.writeBuf(p.nativePid, c.ptr(1) + 8, m.data, 0, n) !== n) return c.err(E.EFAULT);
  if ((flags & MSG_COPY) === 0) {
    q.take(i);
    q.rtimeSec = nowSec(c);
    q.lrpid = p.vpid;
    q.changed.notify();
  }
  return c.ok(n);
}

function msgStat(c: SyscallCall, q: MsgQueue, addr: number): boolean {
  const dv = zeroedView(c, MSQID_DS.size);
  putPerm(dv, q.perm, q.perm.mode);
  putU64(dv, MSQID_DS.stime, q.stimeSec);
  putU64(dv, MSQID_DS.rtime, q.rtimeSec);
  putU64(dv, MSQID_DS.ctime, q.ctimeSec);
  putU64(dv, MSQID_DS.cbytes, q.cbytes);
  putU64(dv, MSQID_DS.qnum, q.messages.length);
  putU64(dv, MSQID_DS.qbytes, q.qbytes);
  dv.setInt32(MSQID_DS.lspid, q.lspid, true);
  dv.setInt32(MSQID_DS.lrpid, q.lrpid, true);
  return writeOut(c, addr, MSQID_DS.size);
}

function msgctl(ipc: SysvIpc, c: SyscallCall): Outcome {
  const p = c.t.process;
  const ns = ipc.host(p.host).msg;
  const cmd = c.int(1) & ~IPC_64;
  const buf = c.ptr(2);
  if (cmd === IPC_INFO || cmd === MSG_INFO) {
    // struct msginfo: msgpool, msgmap, msgmax, msgmnb, msgmni, msgssz, msgtql, msgseg.
    let msgs = 0;
    let bytes = 0;
    for (const q of ns.objects()) {
      msgs += q.messages.length;
      bytes += q.cbytes;
    }
    const info = [MSGMNI * 1024, MSGMNB, MSGMAX, MSGMNB, MSGMNI, 16, MSGMNB, 0xffff];
    if (cmd === MSG_INFO) {
      info[0] = ns.count;
      info[1] = msgs;
      info[6] = bytes;
    }
    const dv = zeroedView(c, 32);
    for (let i = 0; i < info.length; i++) dv.setInt32(i * 4, info[i], true);
    if (!writeOut(c, buf, 32)) return c.err(E.EFAULT);
    return c.ok(ns.highestIndex);
  }
  const byIndex = cmd === MSG_STAT || cmd === MSG_STAT_ANY;
  const q = lookup(ns, c.int(0), byIndex);
  if (q === undefined) return c.err(E.EINVAL);
  switch (cmd) {
    case IPC_STAT:
    case MSG_STAT:
    case MSG_STAT_ANY:
      return statCmd(c, q, cmd === MSG_STAT_ANY, byIndex, msgStat, buf);
    case IPC_SET: {
      const who = cred(c);
      if (!q.perm.isOwner(who)) return c.err(E.EPERM);
      const dv = readStructFrom(c, buf, MSQID_DS.size);
      if (dv === null) return c.err(E.EFAULT);
      const qbytes = Number(dv.getBigUint64(MSQID_DS.qbytes, true));
      // Raising the limit past msgmnb takes CAP_SYS_RESOURCE.
      if (qbytes > MSGMNB && qbytes > q.qbytes && who.euid !== 0) return c.err(E.EPERM);
      setPerm(dv, q.perm);
      q.qbytes = qbytes;
      q.ctimeSec = nowSec(c);
      q.changed.notify();
      return c.ok(0);
    }
    case IPC_RMID:
      return removeCmd(c, q, () => ipc.removeQueue(p.host, q));
    default:
      return c.err(E.EINVAL);
  }
}

/** Detaches what a process had attached (its mappings are gone) and, at exit, applies SEM_UNDO. */
function processGone(ipc: SysvIpc, k: Kernel, p: Process): void {
  ipc.exited(p, hostNowSec(k, p));
}

export function registerSysv(k: Kernel): void {
  const ipc = new SysvIpc();
  k.register(SYS.shmget, (c) => shmget(ipc, c));
  k.register(SYS.shmat, (c) => shmat(ipc, c));
  k.register(SYS.shmdt, (c) => shmdt(ipc, c));
  k.register(SYS.shmctl, (c) => shmctl(ipc, c));
  k.register(SYS.semget, (c) => semget(ipc, c));
  k.register(SYS.semop, (c) => semop(ipc, c, 0));
  k.register(SYS.semtimedop, (c) => semop(ipc, c, c.ptr(3)));
  k.register(SYS.semctl, (c) => semctl(ipc, c));
  k.register(SYS.msgget, (c) => msgget(ipc, c));
  k.register(SYS.msgsnd, (c) => msgsnd(ipc, c));
  k.register(SYS.msgrcv, (c) => msgrcv(ipc, c));
  k.register(SYS.msgctl, (c) => msgctl(ipc, c));
  k.onProcessEnd.push((p) => processGone(ipc, k, p));
  k.onFork.push((parent, child) => ipc.forked(parent, child, hostNowSec(k, parent)));
  k.onExec.push((p) => ipc.execed(p, hostNowSec(k, p)));
  k.onRunEnd.push(() => ipc.dispose());
}
