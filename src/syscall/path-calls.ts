// Path calls of a host that has socket files namespaced per host (paths
// outside its directory, src/net/unix-paths.ts): the shim sends them as
// UMBRA_MSG_PATH instead of running them. One that names such a path runs
// natively on the host's own file; any other runs as the shim would have run it.
import { AT_FDCWD } from '../abi/fcntl';
import { SYS } from '../abi/syscalls';
import type { Outcome, SyscallCall } from '../kernel/call';
import { nativeCallWithPaths } from '../kernel/user-path';
import { nativeProcPath, staticExeOf } from '../files/proc-pids';
import { E } from '../abi/errno';
import { canonicalPath, insideHostDir, lastComponent, publishUnixPaths, unixPathSpace } from '../net/unix-paths';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Where a call's paths are: [dirfd argument or -1 for the cwd, path argument] per path. */
interface PathCallSpec {
  readonly paths: ReadonlyArray<readonly [number, number]>;
  /** rename and link: a second name for the first path's file, which then becomes the host's too. */
  readonly moves: boolean;
}

const CWD_0 = { paths: [[-1, 0]], moves: false } as const;
const AT_01 = { paths: [[0, 1]], moves: false } as const;
const MOVE_CWD = {
  paths: [
    [-1, 0],
    [-1, 1],
  ],
  moves: true,
} as const;
const MOVE_AT = {
  paths: [
    [0, 1],
    [2, 3],
  ],
  moves: true,
} as const;

/** Must match path_calls in native/shim/shim.c: the shim sends no other call as a path call. */
const SPECS: ReadonlyArray<readonly [number, PathCallSpec]> = [
  [SYS.open, CWD_0],
  [SYS.creat, CWD_0],
  [SYS.openat, AT_01],
  [SYS.stat, CWD_0],
  [SYS.lstat, CWD_0],
  [SYS.newfstatat, AT_01],
  [SYS.statx, AT_01],
  [SYS.access, CWD_0],
  [SYS.faccessat, AT_01],
  [SYS.faccessat2, AT_01],
  [SYS.readlink, CWD_0],
  [SYS.readlinkat, AT_01],
  [SYS.mkdir, CWD_0],
  [SYS.mkdirat, AT_01],
  [SYS.rmdir, CWD_0],
  [SYS.unlink, CWD_0],
  [SYS.unlinkat, AT_01],
  [SYS.rename, MOVE_CWD],
  [SYS.renameat, MOVE_AT],
  [SYS.renameat2, MOVE_AT],
  [SYS.link, MOVE_CWD],
  [SYS.linkat, MOVE_AT],
  [SYS.symlink, { paths: [[-1, 1]], moves: false }],
  [SYS.symlinkat, { paths: [[1, 2]], moves: false }],
  [SYS.chmod, CWD_0],
  [SYS.fchmodat, AT_01],
  [SYS.fchmodat2, AT_01],
  [SYS.chown, CWD_0],
  [SYS.fchownat, AT_01],
  [SYS.lchown, CWD_0],
  [SYS.truncate, CWD_0],
  [SYS.utimensat, AT_01],
  [SYS.utimes, CWD_0],
  [SYS.futimesat, AT_01],
  [SYS.utime, CWD_0],
  [SYS.mknodat, AT_01],
];

/** The spec of each path call by number (filled once, read only). */
const SPEC_BY_NR: ReadonlyArray<PathCallSpec | undefined> = (() => {
  const a: (PathCallSpec | undefined)[] = [];
  for (const [nr, spec] of SPECS) a[nr] = spec;
  return a;
})();

/** Whether the shim may send call nr as a path call (anything else is a protocol violation). */
export function isPathCall(nr: number): boolean {
  return nr >= 0 && nr < SPEC_BY_NR.length && SPEC_BY_NR[nr] !== undefined;
}

/** Answers a path call (isPathCall(c.nr) holds): natively, on the host's file where a path is one of its. */
export function pathCall(c: SyscallCall): Outcome {
  const spec = SPEC_BY_NR[c.nr] as PathCallSpec;
  const { k, t } = c;
  const proc = procPidCall(c, spec);
  if (proc !== null) return proc;
  const space = unixPathSpace(k, t.process.host, false);
  if (space === null) return c.native();
  const pid = t.process.nativePid;
  // At most two paths. The shim's filter already left out most calls naming none of the host's.
  const given: [string | null, string | null] = [null, null];
  const swapped: [string | null, string | null] = [null, null];
  let any = false;
  for (let i = 0; i < spec.paths.length; i++) {
    const p = k.mem.readCString(pid, c.ptr(spec.paths[i][1]));
    if (p === null || p === '') continue;
    given[i] = p;
    if (!space.mayHold(lastComponent(p))) continue;
    const canonical = resolveAgainst(pid, dirfdOf(c, spec.paths[i][0]), p);
    if (canonical === null || !space.has(canonical)) continue;
    swapped[i] = space.fileOf(canonical) + (p.length > 1 && p.endsWith('/') ? '/' : '');
    any = true;
  }
  if (!any) return c.native();
  // A second name for a file of the host, outside its directory, is the host's own name too.
  let added: string | null = null;
  const to = given[1];
  if (spec.moves && swapped[0] !== null && swapped[1] === null && to !== null) {
    const canonical = resolveAgainst(pid, dirfdOf(c, spec.paths[1][0]), to);
    if (canonical !== null && !insideHostDir(t.process.host.dir, canonical)) {
      space.prepare(canonical);
      space.add(canonical);
      added = canonical;
      swapped[1] = space.fileOf(canonical);
    }
  }
  // The native calls below overwrite the channel's arguments: copy them first.
  const a = Array.from(c.args);
  const strings: string[] = [];
  const at: number[] = [];
  for (let i = 0; i < spec.paths.length; i++) {
    const s = swapped[i];
    if (s === null) continue;
    strings.push(s);
    at.push(spec.paths[i][1]);
  }
  const nr = c.nr;
  const r = nativeCallWithPaths(k, t, strings, (addrs) => {
    addrs.forEach((addr, j) => (a[at[j]] = addr));
    return k.nativeCall(t, nr, a[0], a[1], a[2], a[3], a[4], a[5]);
  });
  if (added !== null) {
    if (r < 0) space.remove(added);
    publishUnixPaths(k, t.process.host, space);
  }
  return c.result(r);
}

/**
 * A call whose path names /proc/<pid> by virtual pid: run on the native
 * process's path, or ENOENT for a pid of no process of the host; null when no
 * path is such a one (the shim sends /proc/<digit> paths of stat, access and
 * readlink calls here, and those that may be a socket file of the host).
 */
function procPidCall(c: SyscallCall, spec: PathCallSpec): Outcome | null {
  const { k, t } = c;
  const strings: string[] = [];
  const at: number[] = [];
  for (const [, arg] of spec.paths) {
    const p = k.mem.readCString(t.process.nativePid, c.ptr(arg));
    if (p === null || !p.startsWith('/proc/')) continue;
    if (c.nr === SYS.readlink || c.nr === SYS.readlinkat) {
      const image = staticExeOf(p, t.process);
      if (image !== null) return readlinkAnswer(c, image);
    }
    const nativePath = nativeProcPath(p, t.process);
    if (nativePath === null) continue;
    if (typeof nativePath === 'number') return c.result(nativePath);
    strings.push(nativePath);
    at.push(arg);
  }
  if (strings.length === 0) return null;
  const a = Array.from(c.args);
  const nr = c.nr;
  const r = nativeCallWithPaths(k, t, strings, (addrs) => {
    addrs.forEach((addr, j) => (a[at[j]] = addr));
    return k.nativeCall(t, nr, a[0], a[1], a[2], a[3], a[4], a[5]);
  });
  return c.result(r);
}

/** readlink's answer `target`, cut to the buffer's size and not terminated, as Linux writes it. */
function readlinkAnswer(c: SyscallCall, target: string): Outcome {
  const { k, t } = c;
  const at = c.nr === SYS.readlink ? 0 : 1;
  const sizeBytes = c.int(at + 2);
  if (sizeBytes <= 0) return c.err(E.EINVAL);
  const n = Math.min(k.mem.scratch.write(target, 0, 'utf8'), sizeBytes);
  return k.mem.writeScratch(t.process.nativePid, c.ptr(at + 1), n) === n ? c.ok(n) : c.err(E.EFAULT);
}

function dirfdOf(c: SyscallCall, arg: number): number {
  return arg < 0 ? AT_FDCWD : c.int(arg);
}

/**
 * Path p of process `pid` made absolute as Linux resolves it (against the cwd
 * or directory fd `dirfd`), then canonical; null when it cannot be (the native
 * call then fails by itself).
 */
export function resolveAgainst(pid: number, dirfd: number, p: string): string | null {
  let abs = p;
  if (p[0] !== '/') {
    try {
      const base = fs.readlinkSync(dirfd === AT_FDCWD ? `/proc/${pid}/cwd` : `/proc/${pid}/fd/${dirfd}`);
      abs = path.resolve(base, p);
    } catch {
      return null;
    }
  }
  return canonicalPath(abs);
}
