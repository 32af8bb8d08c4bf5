// /dev/random, /dev/urandom and friends: bytes from the host's seeded
// generator, so two runs with the same seed read the same bytes. getrandom
// (syscall/random.ts) fills buffers the same way.
import type { Descriptor } from '../host/fd-table';
import type { Thread } from '../host/thread';
import { E } from '../abi/errno';
import type { Kernel } from '../kernel/kernel';
import type { SimFile } from './file';

/**
 * Writes len host-random bytes at addr. Returns len, the bytes written before a
 * fault (as Linux, up to the first unwritable byte), or -EFAULT.
 */
export function fillRandom(k: Kernel, t: Thread, addr: number, len: number): number {
  const pid = t.process.nativePid;
  const rng = t.process.host.rng;
  const chunk = k.mem.scratch.length;
  let done = 0;
  while (done < len) {
    const n = Math.min(chunk, len - done);
    rng.fill(k.mem.scratch, 0, n);
    const written = k.mem.writeScratch(pid, addr + done, n);
    if (written !== n) {
      done += Math.max(written, 0);
      return done > 0 ? done : -E.EFAULT;
    }
    done += n;
  }
  return len;
}

export class RandomDevice implements SimFile {
  readonly kind = 'random';
  refs = 0;
  statusFlags = 0;
  readonly statMode = 0o020666; // character device
  read(k: Kernel, t: Thread, _d: Descriptor, bufAddr: number, len: number): number {
    return fillRandom(k, t, bufAddr, len);
  }
  write(_k: Kernel, _t: Thread, _d: Descriptor, _bufAddr: number, len: number): number {
    return len; // writes to the pool are accepted and have no effect, as on Linux
  }
  release(): void {}
}

/** /proc/sys/kernel/random/uuid: a fresh version-4 UUID per open. */
export function randomUuid(t: Thread): string {
  const b = Buffer.alloc(16);
  t.process.host.rng.fill(b, 0, 16);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}\n`;
}
