// The emulated part of a process's descriptor table. Every fd number is also
// open natively (a placeholder for emulated objects), so the kernel keeps the
// number space; this table says which numbers the simulator owns and what they are.
import { Watchers } from '../core/watchers';

/** A kernel object the simulator owns (random device, pipe, socket, epoll ...). */
export interface FileObject {
  readonly kind: string;
  /** Open descriptors (across processes) referring to this object. */
  refs: number;
  /** Status flags (O_NONBLOCK, O_APPEND ...), shared by dup'd descriptors like Linux. */
  statusFlags: number;
  /**
   * F_SETOWN's target: a pid, or minus a process group id; absent means 0 (none).
   * Recorded for F_GETOWN only: SIGIO/SIGURG are not generated.
   */
  asyncOwner?: number;
  /** Called when the last descriptor goes away. */
  release(): void;
}

export interface Descriptor {
  file: FileObject;
  cloexec: boolean;
}

/** select's largest descriptor set (FD_SETSIZE bits), in bytes. */
export const FD_SET_BYTES = 1024 / 8;

/**
 * Buffers a poll/select scan of this table reuses from call to call, so the
 * hot path allocates nothing: the wait sources of one blocking call, and
 * select's three input and three output descriptor sets.
 */
export class PollScratch {
  readonly sources: Watchers[] = [];
  readonly inSets = [new Uint8Array(FD_SET_BYTES), new Uint8Array(FD_SET_BYTES), new Uint8Array(FD_SET_BYTES)];
  readonly outSets = [new Uint8Array(FD_SET_BYTES), new Uint8Array(FD_SET_BYTES), new Uint8Array(FD_SET_BYTES)];
}

export class FdTable {
  private entries: (Descriptor | undefined)[] = [];
  private scratch: PollScratch | null = null;

  get(fd: number): Descriptor | undefined {
    return fd >= 0 ? this.entries[fd] : undefined;
  }

  set(fd: number, file: FileObject, cloexec: boolean): void {
    if (this.entries[fd]) throw new Error(`invariant: fd ${fd} already emulated`);
    file.refs++;
    this.entries[fd] = { file, cloexec };
  }

  /** Removes fd; returns the descriptor that was there. */
  remove(fd: number): Descriptor | undefined {
    const d = this.entries[fd];
    if (!d) return undefined;
    this.entries[fd] = undefined;
    d.file.refs--;
    if (d.file.refs === 0) d.file.release();
    return d;
  }

  /** Emulated fds in ascending order. */
  fds(): number[] {
    const out: number[] = [];
    this.entries.forEach((d, fd) => {
      if (d) out.push(fd);
    });
    return out;
  }

  /** A copy sharing the open objects, as fork does. */
  clone(): FdTable {
    const t = new FdTable();
    this.entries.forEach((d, fd) => {
      if (d) t.set(fd, d.file, d.cloexec);
    });
    return t;
  }

  closeAll(): void {
    for (const fd of this.fds()) this.remove(fd);
  }

  /** Scratch for poll/select over this table (made on first use: most processes never poll). */
  get pollScratch(): PollScratch {
    if (this.scratch === null) this.scratch = new PollScratch();
    return this.scratch;
  }
}
