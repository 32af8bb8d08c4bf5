// A read-only file whose content the simulator supplies (e.g.
// /sys/devices/system/cpu/online): reads walk an in-memory buffer.
import type { Descriptor } from '../host/fd-table';
import type { Thread } from '../host/thread';
import type { Kernel } from '../kernel/kernel';
import { E } from '../abi/errno';
import type { SimFile } from './file';

export class StaticFile implements SimFile {
  readonly kind = 'static';
  refs = 0;
  statusFlags = 0;
  private pos = 0;
  readonly statMode = 0o100444;
  constructor(private readonly data: Buffer) {}
  read(k: Kernel, t: Thread, _d: Descriptor, bufAddr: number, len: number): number {
    const n = Math.min(len, this.data.length - this.pos);
    if (n <= 0) return 0;
    const w = k.mem.writeBuf(t.process.nativePid, bufAddr, this.data, this.pos, n);
    if (w < 0) return -E.EFAULT;
    this.pos += n;
    return n;
  }
  release(): void {}
}
