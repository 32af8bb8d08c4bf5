// execve: in place when it can be (the shim execs umbra's loader, which starts
// the new image under the filter the process keeps); otherwise the new image is
// a fresh native process (same virtual pid) that takes over the old one's
// inheritable fds at the same numbers, and the old native process ends.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ExecutableError, resolveExecutable } from '../config/executable';
import type { Thread } from '../host/thread';
import type { Process } from '../host/process';
import { E } from '../abi/errno';
import type { Kernel } from '../kernel/kernel';
import type { Outcome, SyscallCall } from '../kernel/call';
import { SYS } from '../abi/syscalls';
import { assert } from '../core/assert';
import { MSG, PROTOCOL } from '../abi/protocol';
import { SIGCHLD, SIGKILL } from '../abi/signals';
import { AT_FDCWD, O_CLOEXEC } from '../abi/fcntl';
import { uninstallFd } from '../files/descriptors';
import { nativeProcPath } from '../files/proc-pids';
import { execSignals } from '../kernel/signals';
import { seedAtRandom } from '../kernel/spawn';
import { SHIM_PATH } from '../native';
import { execCredentials } from './exec-creds';
import { inPlaceLaunch, LaunchShape, launchShape, NativeLaunch, nativeLaunch } from '../kernel/static-loader';
import { letNativeImageGo } from '../kernel/lifecycle';

const AT_EMPTY_PATH = 0x1000;
const MAX_ARGS = 65536;

function readStringArray(k: Kernel, t: Thread, addr: number): string[] | null {
  const out: string[] = [];
  if (addr === 0) return out;
  const pid = t.process.nativePid;
  for (let i = 0; i < MAX_ARGS; i++) {
    const ptr = k.mem.readI64(pid, addr + 8 * i);
    if (ptr === null) return null;
    if (ptr === 0) return out;
    const s = k.mem.readCString(pid, ptr, 1 << 20);
    if (s === null) return null;
    out.push(s);
  }
  return null;
}

/** Native fds without FD_CLOEXEC: the ones exec keeps. */
function inheritedFds(nativePid: number): number[] {
  const dir = `/proc/${nativePid}/fd`;
  const fds: number[] = [];
  for (const name of fs.readdirSync(dir)) {
    const fd = Number(name);
    try {
      const info = fs.readFileSync(`/proc/${nativePid}/fdinfo/${fd}`, 'utf8');
      const m = /flags:\s*([0-7]+)/.exec(info);
      if (m && (parseInt(m[1], 8) & O_CLOEXEC) === 0) fds.push(fd);
    } catch {
      // closed while we looked
    }
  }
  return fds.sort((x, y) => x - y);
}

/** What an executable file was found to be, and the identity of the file it was found for. */
interface ImageVerdict {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  resolved: string;
  shape: LaunchShape;
}

/**
 * Verdicts by (path, cwd): a shell runs the same few programs over and over, and checking one
 * (realpath, ELF headers, interpreter) costs more than the rest of an execve's bookkeeping. A
 * verdict holds while the path still names the same unchanged file.
 */
const verdicts = new Map<string, ImageVerdict>();
const MAX_VERDICTS = 1024;

/** resolveExecutable and launchShape for abs, or the reason it cannot be run. */
function inspectImage(abs: string, cwd: string, st: fs.Stats): ImageVerdict | string {
  const key = `${abs}\0${cwd}`;
  const known = verdicts.get(key);
  if (
    known !== undefined &&
    known.dev === st.dev &&
    known.ino === st.ino &&
    known.size === st.size &&
    known.mtimeMs === st.mtimeMs &&
    known.ctimeMs === st.ctimeMs
  ) {
    return known;
  }
  let resolved: string;
  try {
    resolved = resolveExecutable(abs, { cwd, env: {} }).resolvedPath;
  } catch (e) {
    if (e instanceof ExecutableError) return e.message;
    throw e;
  }
  const verdict: ImageVerdict = {
    dev: st.dev,
    ino: st.ino,
    size: st.size,
    mtimeMs: st.mtimeMs,
    ctimeMs: st.ctimeMs,
    resolved,
    shape: launchShape(abs, resolved, cwd),
  };
  // Paths through /proc name whatever a process has open at the moment: never kept.
  if (!abs.startsWith('/proc/')) {
    if (verdicts.size >= MAX_VERDICTS) verdicts.clear();
    verdicts.set(key, verdict);
  }
  return verdict;
}

/**
 * Replaces t's process image. On success no reply goes out: the old image is
 * gone and the new one starts at its entry point.
 */
function exec(
  c: SyscallCall,
  pathAddr: number,
  argvAddr: number,
  envAddr: number,
  dirfd: number,
  flags: number,
): Outcome {
  const { k, t } = c;
  const p = t.process;
  const written = k.mem.readCString(p.nativePid, pathAddr);
  if (written === null) return c.err(E.EFAULT);
  if (written === '' && (flags & AT_EMPTY_PATH) === 0) return c.err(E.ENOENT);
  if (k.traceSyscalls) k.log.log('trace', p.host.name, `${p.name}: execve path '${written}'`);
  const argv = readStringArray(k, t, argvAddr);
  const envp = readStringArray(k, t, envAddr);
  if (argv === null || envp === null) return c.err(E.EFAULT);
  const cwd = fs.readlinkSync(`/proc/${p.nativePid}/cwd`);
  let abs: string;
  if (written === '') {
    // fexecve: the file open at dirfd, seen from the calling process.
    if (p.fds.get(dirfd) !== undefined) return c.err(E.EACCES);
    abs = `/proc/${p.nativePid}/fd/${dirfd}`;
  } else if (dirfd !== AT_FDCWD && !written.startsWith('/')) {
    if (p.fds.get(dirfd) !== undefined) return c.err(E.ENOTDIR);
    abs = path.join(`/proc/${p.nativePid}/fd/${dirfd}`, written);
  } else {
    abs = ownProcPath(path.resolve(cwd, written), p, t.nativeTid);
  }
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch {
    return c.err(E.ENOENT);
  }
  if (!st.isFile() || (st.mode & 0o111) === 0) return c.err(E.EACCES);
  const image = inspectImage(abs, cwd, st);
  if (typeof image === 'string') {
    k.log.warn(p.host.name, `${p.name}: execve ${written}: ${image}`);
    return c.err(E.ENOEXEC);
  }
  const resolved = image.resolved;
  const env: Array<[string, string]> = envp.map((kv) => {
    const i = kv.indexOf('=');
    return i < 0 ? [kv, ''] : [kv.slice(0, i), kv.slice(i + 1)];
  });
  // The new image needs a channel before the old one is released: EAGAIN, as for RLIMIT_NPROC.
  if (!k.threadSlots.hasFree()) return c.err(E.EAGAIN);
  const inPlace = execInPlace(c, abs, resolved, argv, env, image.shape, written);
  if (inPlace !== null) return inPlace;
  const fds = inheritedFds(p.nativePid);
  // The calling thread's ids: Linux credentials are per thread (libc's setuid changes them all).
  const creds = execCredentials(p.nativePid, t.nativeTid);
  if (creds === null) return c.err(E.ESRCH); // the caller died meanwhile: nobody reads the answer
  const nt = k.newThread(p, p.vpid);
  const atRandom = seedAtRandom(k, nt);
  const launch = nativeLaunch(abs, resolved, argv, k.managedEnv(env, nt.slot), cwd, image.shape);
  const newPid = k.addon.spawnExec(launch.execPath, launch.argv, launch.env, cwd, p.nativePid, fds, atRandom, creds);
  if (newPid < 0) {
    if (newPid === -E.ELIBACC)
      k.log.warn(p.host.name, `${p.name}: execve ${written}: the user it runs as cannot read the shim (${SHIM_PATH})`);
    dropNewThread(k, p, nt);
    return c.result(newPid);
  }
  // The old image ends now; its threads are gone with it.
  const oldPid = p.nativePid;
  k.addon.kill(oldPid, SIGKILL);
  // The old image's channel slots wait for it to be gone; the process slot stays p's.
  const oldSlots = p.threads.filter((o) => o !== nt && o.state !== 'exited').map((o) => o.slot);
  letNativeImageGo(k, p, oldPid, -1, oldSlots);
  for (const old of retireOldImage(k, t, p, nt)) k.threadSlots.release(old.slot);
  k.attachNative(p, newPid);
  adoptImage(k, t, p, launch, resolved, written);
  if (k.addon.waitRequest(nt.slot, newPid) === 0) {
    k.processDied(p);
    return c.deferred();
  }
  k.startThread(nt);
  return c.deferred();
}

/** The new image's thread when the image does not come after all (newThread listed it last). */
function dropNewThread(k: Kernel, p: Process, nt: Thread): void {
  assert(p.threads[p.threads.length - 1] === nt, 'the new image thread is not the last listed');
  p.threads.pop();
  k.threadSlots.release(nt.slot);
}

/** The old image's threads end (with their waits); nt is the process's one thread. Returns them. */
function retireOldImage(k: Kernel, t: Thread, p: Process, nt: Thread): Thread[] {
  execSignals(k, t, p, nt);
  const old: Thread[] = [];
  for (const o of p.threads) {
    if (o === nt || o.state === 'exited') continue;
    k.clearWaits(o);
    if (o.resumeEvent) o.resumeEvent.cancelled = true;
    o.state = 'exited';
    o.blockGen++;
    old.push(o);
  }
  p.threads.splice(0, p.threads.length, nt);
  return old;
}

/** What every execve changes in the simulated process once its new image is on its way. */
function adoptImage(k: Kernel, t: Thread, p: Process, launch: NativeLaunch, resolved: string, written: string): void {
  for (const h of k.onExec) h(p);
  p.exeName = path.basename(resolved);
  p.staticImage = launch.staticImage;
  for (const fd of p.fds.fds()) if (p.fds.get(fd)?.cloexec) uninstallFd(k, t, fd);
  const oldFds = p.fds;
  p.fds = oldFds.clone(); // exec unshares a table shared by CLONE_FILES
  // The clone took its own references: drop the old table's, unless another process still uses it
  // (else a pipe's write end never closes and readers never see end of file).
  if (!k.processes.some((q) => q !== p && q.state === 'running' && q.fds === oldFds)) oldFds.closeAll();
  p.exitSignal = SIGCHLD;
  k.log.debug(p.host.name, `${p.name}: execve ${written}`);
}

const PROT_READ = 1;
const PROT_WRITE = 2;
const MAP_PRIVATE = 0x02;
const MAP_ANONYMOUS = 0x20;
const O_RDWR = 2;
const F_GETFD = 1;
const R_OK = 4;
const X_OK = 1;
const AT_EACCESS = 0x200;
/** Far below what execve takes (a quarter of an 8 MiB stack): more goes to a new native process. */
const MAX_IN_PLACE_ARG_BYTES = 1 << 20;

/**
 * execve in the calling process itself: the shim runs the native execve of umbra's loader, which
 * starts the new image (the process keeps its native pid, parent, credentials, limits, locks and
 * inherited fds, as on Linux; its other threads end, as the kernel ends them). Only for a program
 * the loader can map; the region is handed over at its fixed fd, reopened through the simulator's
 * /proc entry. Null when any of that is not possible: the caller starts a new native process.
 */
function execInPlace(
  c: SyscallCall,
  abs: string,
  resolved: string,
  argv: string[],
  env: Array<[string, string]>,
  shape: LaunchShape,
  written: string,
): Outcome | null {
  const { k, t } = c;
  const p = t.process;
  const shmPath = k.addon.shmPath();
  if (shmPath === '' || p.fds.get(PROTOCOL.SHM_FD) !== undefined) return null;
  const nt = k.newThread(p, p.vpid);
  seedAtRandom(k, nt);
  const managed = k.managedEnv(env, nt.slot).map((kv) => (kv.startsWith('UMBRA_CHANNEL=') ? `${kv},x` : kv));
  const launch = inPlaceLaunch(abs, resolved, argv, managed, shape);
  const abandon = (): null => {
    dropNewThread(k, p, nt);
    return null;
  };
  if (launch === null) return abandon();
  // The loader's path, argv and envp, and the region's /proc path, in one mapping of the process.
  const strings = [launch.execPath, ...launch.argv, ...launch.env, shmPath, SHIM_PATH].map((x) =>
    Buffer.from(`${x}\0`),
  );
  const stringBytes = strings.reduce((n, b) => n + b.length, 0);
  if (stringBytes > MAX_IN_PLACE_ARG_BYTES) return abandon();
  const pointers = 8 * (launch.argv.length + 1 + launch.env.length + 1);
  const size = pointers + stringBytes;
  const base = k.nativeCall(t, SYS.mmap, 0, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base < 0) return abandon();
  const block = Buffer.alloc(size);
  const at: number[] = [];
  let off = pointers;
  for (const b of strings) {
    at.push(base + off);
    b.copy(block, off);
    off += b.length;
  }
  const argvAt = base;
  const envAt = base + 8 * (launch.argv.length + 1);
  const put = (where: number, v: number): void => {
    block.writeUInt32LE(v % 2 ** 32, where);
    block.writeUInt32LE(Math.floor(v / 2 ** 32), where + 4);
  };
  launch.argv.forEach((_, i) => put(8 * i, at[1 + i]));
  launch.env.forEach((_, i) => put(envAt - base + 8 * i, at[1 + launch.argv.length + i]));
  const unmap = (): null => {
    k.nativeCall(t, SYS.munmap, base, size);
    return abandon();
  };
  if (k.mem.writeBuf(p.nativePid, base, block, 0, size) !== size) return unmap();
  // Past the EXEC answer a failed execve ends the process: what can fail is tried first, as the
  // process's effective user (a new native process reports it instead, as ELIBACC).
  const shimAt = at[at.length - 1];
  const regionAt = at[at.length - 2];
  if (k.nativeCall(t, SYS.faccessat2, AT_FDCWD, at[0], R_OK | X_OK, AT_EACCESS) !== 0) return unmap();
  if (k.nativeCall(t, SYS.faccessat2, AT_FDCWD, shimAt, R_OK, AT_EACCESS) !== 0) return unmap();
  // The fixed fd must be free natively too, then the region goes there for the new image's shim.
  if (k.nativeCall(t, SYS.fcntl, PROTOCOL.SHM_FD, F_GETFD) !== -E.EBADF) return unmap();
  const fd = k.nativeCall(t, SYS.openat, AT_FDCWD, regionAt, O_RDWR, 0);
  if (fd < 0) return unmap();
  const moved = fd === PROTOCOL.SHM_FD ? fd : k.nativeCall(t, SYS.dup3, fd, PROTOCOL.SHM_FD, 0);
  if (fd !== PROTOCOL.SHM_FD) k.nativeCall(t, SYS.close, fd);
  if (moved !== PROTOCOL.SHM_FD) return unmap();

  // The kernel ends the other threads (they wait in their shims) and makes the caller the leader,
  // with the process's pid as its tid: memory is reached through the pid again.
  const old = retireOldImage(k, t, p, nt);
  if (p.memoryThread !== null) {
    p.memoryThread = null;
    k.mem.setAlias(p.nativePid, null);
  }
  adoptImage(k, t, p, launch, resolved, written);
  const shm = k.shm;
  const L = shm.layout;
  shm.u32[(t.chOff + L.chKind) >> 2] = MSG.EXEC;
  shm.writeI64(t.chOff + L.chArgs, at[0]);
  shm.writeI64(t.chOff + L.chArgs + 8, argvAt);
  shm.writeI64(t.chOff + L.chArgs + 16, envAt);
  k.addon.reply(t.slot);
  if (k.sched.canPostStart()) {
    // The new image starts natively while other hosts run; its START is served as a spawned
    // process's is (serveAnswer), and the old channels are freed then.
    nt.retiredThreads = old;
    nt.startPending = true;
    nt.state = 'running';
    k.post(nt);
    return c.deferred();
  }
  // The old channels are free once the new image speaks: the old image is gone by then.
  const started = k.addon.waitRequest(nt.slot, p.nativePid) !== 0;
  for (const o of old) k.threadSlots.release(o.slot);
  if (!started) {
    k.processDied(p);
    return c.deferred();
  }
  k.startThread(nt);
  return c.deferred();
}

/**
 * The simulator runs the exec, in its own process: a path through the
 * caller's /proc entries (/proc/self/exe, /proc/self/fd/N, the virtual pid)
 * must name the caller's native ones, not the simulator's.
 */
function ownProcPath(abs: string, self: Process, nativeTid: number): string {
  const m = /^\/proc\/(self|thread-self)(\/.*)?$/.exec(abs);
  if (m !== null) {
    const rest = m[2] ?? '';
    // A static program's native exe is umbra's loader: its own file is the one it runs.
    if (rest === '/exe' && self.staticImage !== null) return self.staticImage;
    return m[1] === 'self' ? `/proc/${self.nativePid}${rest}` : `/proc/${self.nativePid}/task/${nativeTid}${rest}`;
  }
  // /proc/<vpid>/…: the same mapping as every other path call (files/proc-pids.ts).
  const mapped = nativeProcPath(abs, self);
  if (mapped === null) return abs;
  return typeof mapped === 'number' ? '/proc/umbra-no-such-process' : mapped;
}

/** execve(path, argv, envp). */
function execve(c: SyscallCall): Outcome {
  return exec(c, c.ptr(0), c.ptr(1), c.ptr(2), AT_FDCWD, 0);
}

/** execveat(dirfd, path, argv, envp, flags). */
function execveat(c: SyscallCall): Outcome {
  return exec(c, c.ptr(1), c.ptr(2), c.ptr(3), c.int(0), c.int(4));
}

export function registerExec(k: Kernel): void {
  k.register(SYS.execve, execve);
  k.register(SYS.execveat, execveat);
}
