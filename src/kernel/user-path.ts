// Native calls that take a path the simulator chose rather than one in the
// program's memory (a shm segment's backing file, a socket file's path given
// without its NUL): the path is put in a page mapped in the process for the call.
import { SYS } from '../abi/syscalls';
import type { Thread } from '../host/thread';
import type { Kernel } from './kernel';

const PAGE_BYTES = 4096;
const PROT_READ = 1;
const PROT_WRITE = 2;
const MAP_PRIVATE = 0x02;
const MAP_ANONYMOUS = 0x20;
const MAX_ERRNO = 4095;
const EFAULT = 14;
const ENAMETOOLONG = 36;

/** Runs `call` with the address of `p` (NUL-terminated) in t's process; returns its result or -errno. */
export function nativeCallWithPath(k: Kernel, t: Thread, p: string, call: (addr: number) => number): number {
  return nativeCallWithPaths(k, t, [p], (addrs) => call(addrs[0]));
}

/** As nativeCallWithPath for several paths, placed one after the other in the same mapping. */
export function nativeCallWithPaths(
  k: Kernel,
  t: Thread,
  paths: readonly string[],
  call: (addrs: readonly number[]) => number,
): number {
  const offsets: number[] = [];
  let total = 0;
  for (const p of paths) {
    const bytes = Buffer.byteLength(p, 'utf8');
    if (bytes >= PAGE_BYTES) return -ENAMETOOLONG;
    offsets.push(total);
    total += bytes + 1;
  }
  const mapBytes = Math.ceil(total / PAGE_BYTES) * PAGE_BYTES;
  const page = k.nativeCall(t, SYS.mmap, 0, mapBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (page < 0 && page >= -MAX_ERRNO) return page;
  paths.forEach((p, i) => {
    const end = offsets[i] + k.mem.scratch.write(p, offsets[i], 'utf8');
    k.mem.scratch[end] = 0;
  });
  const r =
    k.mem.writeScratch(t.process.nativePid, page, total) === total ? call(offsets.map((o) => page + o)) : -EFAULT;
  k.nativeCall(t, SYS.munmap, page, mapBytes);
  return r;
}
