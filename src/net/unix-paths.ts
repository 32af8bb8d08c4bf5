// Socket files of path names outside a host's directory, one set per host: on
// a machine of its own each host would have its own /tmp, so the file of such a
// name lives at <host dir>/.unix/<absolute path>, and the host's path calls that
// name it are pointed there (src/syscall/path-calls.ts). The machine's path
// and the other hosts never see it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Host } from '../host/host';
import type { Kernel } from '../kernel/kernel';

/** The directory, inside each host's, that mirrors the absolute paths of its namespaced socket files. */
export const UNIX_PATHS_DIR = '.unix';

/** The last component of a path as given (trailing slashes ignored): the cheap first test of a lookup. */
export function lastComponent(p: string): string {
  let end = p.length;
  while (end > 1 && p.charCodeAt(end - 1) === 0x2f) end--;
  const start = p.lastIndexOf('/', end - 1) + 1;
  return p.slice(start, end);
}

/**
 * The name absolute path `abs` has on the machine with its directory's
 * symbolic links resolved (the last component stays as given, as for lstat
 * and bind), or null when that directory does not resolve.
 */
export function canonicalPath(abs: string): string | null {
  const norm = path.resolve(abs);
  if (norm === '/') return null;
  try {
    const dir = fs.realpathSync.native(path.dirname(norm));
    return (dir === '/' ? '' : dir) + '/' + path.basename(norm);
  } catch {
    return null;
  }
}

/** Whether canonical path p is inside host directory `dir` (its socket files are real files there). */
export function insideHostDir(dir: string, p: string): boolean {
  let real: string;
  try {
    real = fs.realpathSync.native(dir);
  } catch {
    real = path.resolve(dir);
  }
  return p === real || p.startsWith(real + '/');
}

export class UnixPathSpace {
  /**
   * Canonical paths of the host's namespaced socket files. A path stays after
   * its file is unlinked: it keeps naming the host's (now missing) file, so the
   * machine's file there, if any, stays out of the host's view.
   */
  private readonly paths = new Set<string>();
  /** Last components of `paths`, tested before resolving a path at all. */
  private readonly names = new Set<string>();
  readonly root: string;

  constructor(hostDir: string) {
    this.root = path.join(path.resolve(hostDir), UNIX_PATHS_DIR);
    // Files of an earlier run in the same data directory are no sockets of this one.
    fs.rmSync(this.root, { recursive: true, force: true });
  }

  get size(): number {
    return this.paths.size;
  }

  /** False when no path of the host ends in `name`: the call is none of its socket paths. */
  mayHold(name: string): boolean {
    return this.names.has(name);
  }

  lastComponents(): ReadonlySet<string> {
    return this.names;
  }

  has(canonical: string): boolean {
    return this.paths.has(canonical);
  }

  /** The real file that stands for canonical path p on this host. */
  fileOf(canonical: string): string {
    return this.root + canonical;
  }

  add(canonical: string): void {
    this.paths.add(canonical);
    this.names.add(path.basename(canonical));
  }

  /** Forgets a path added for a call that then failed (names stay: they only make the first test pass). */
  remove(canonical: string): void {
    this.paths.delete(canonical);
  }

  /**
   * Makes the directories of p's file: sticky and writable by all, as /tmp is,
   * because the caller (any user) makes the file there after Linux's
   * permission check ran on the real directory.
   */
  prepare(canonical: string): void {
    let dir = this.root;
    for (const part of path.dirname(canonical).split('/')) {
      if (part !== '') dir += '/' + part;
      if (fs.existsSync(dir)) continue;
      fs.mkdirSync(dir);
      fs.chmodSync(dir, 0o1777);
    }
  }
}

/** The namespaced socket paths of `host`, or null while it has none (`create`: make the set). */
export function unixPathSpace(k: Kernel, host: Host, create: boolean): UnixPathSpace | null {
  const net = k.net;
  if (net === null) return null;
  const ns = net.stack(host.id).unix;
  if (ns.pathSpace === null && create) ns.pathSpace = new UnixPathSpace(host.dir);
  return ns.pathSpace;
}

/** FNV-1a (32 bits) of a last component's UTF-8 bytes, as the shim hashes it (path_in_filter). */
export function nameHash(name: string): number {
  let h = 2166136261;
  for (const b of Buffer.from(name, 'utf8')) h = Math.imul(h ^ b, 16777619) >>> 0;
  return h;
}

/**
 * Tells the host's shims how many namespaced paths it has and the filter of
 * their last components: a path call whose last components miss it runs
 * natively with no round trip (umbra_host.unix_ns_names).
 */
export function publishUnixPaths(k: Kernel, host: Host, space: UnixPathSpace): void {
  const shm = k.shm;
  const off = shm.hostOffset(host.id);
  const words = [0, 0, 0, 0];
  for (const name of space.lastComponents()) {
    const h = nameHash(name);
    for (const bit of [h & 127, (h >>> 7) & 127]) words[bit >>> 5] |= 1 << (bit & 31);
  }
  const names = (off + shm.layout.hUnixNsNames) >> 2;
  for (let i = 0; i < 4; i++) shm.u32[names + i] = words[i] >>> 0;
  shm.u32[(off + shm.layout.hUnixNsPaths) >> 2] = space.size;
}
