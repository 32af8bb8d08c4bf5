// Named pipes (mkfifo): every open of the same FIFO, by any simulated process,
// gets an end of one emulated Pipe, so opens and reads that would block wait in
// simulated time instead of freezing the simulation natively (fifo(7), open(2)).
import type { Descriptor } from '../host/fd-table';
import type { Thread } from '../host/thread';
import type { Kernel } from '../kernel/kernel';
import { E } from '../abi/errno';
import { EPOLLIN, EPOLLOUT } from '../abi/epoll';
import { O_NONBLOCK, O_RDONLY, O_RDWR, O_WRONLY } from '../abi/fcntl';
import { Watchers } from '../core/watchers';
import { Pipe } from './pipe';
import type { SimFile } from './file';

const S_IFIFO = 0o010000;

/** A thread blocked in open(2) of a FIFO until the other side opens. */
interface Opener {
  reading: boolean;
  /** The other side's open counter when the wait began: any change ends the wait (Linux's wait_for_partner). */
  partnerOpensAtStart: number;
  /** t.blockGen of the current wait: a different one means the wait was abandoned (EINTR). */
  blockGen: number;
  /** The other side opened: this opener will complete, so it already counts as an end. */
  arrived: boolean;
}

/** What an open of a FIFO asks for: the access mode bits of open(2). */
export type FifoAccess = typeof O_RDONLY | typeof O_WRONLY | typeof O_RDWR;

/** One FIFO (one device + inode): its open ends, its blocked openers and, while any end is open, its pipe. */
export class Fifo {
  /** Buffered data lives here while some end is open; all ends closed: dropped, the next open starts fresh. */
  pipe: Pipe | null = null;
  readEnds = 0;
  writeEnds = 0;
  /** Linux's r_counter / w_counter: bumped by every open for reading / writing. */
  readerOpens = 0;
  writerOpens = 0;
  readonly openers = new Map<Thread, Opener>();
  /** Blocked openers wait here; an open of the other side notifies. */
  readonly openWaiters = new Watchers();

  constructor(
    readonly key: string,
    private readonly table: FifoTable,
  ) {}

  /** Readers (or writers) as a partner's open sees them: open ends, plus openers blocked or about to complete. */
  count(reading: boolean): number {
    let n = reading ? this.readEnds : this.writeEnds;
    for (const [t, o] of this.openers) {
      if (o.reading !== reading) continue;
      const waiting = t.state === 'blocked' && t.blockGen === o.blockGen;
      if (o.arrived ? t.state !== 'exited' : waiting) n++;
      else if (!o.arrived) this.openers.delete(t); // interrupted (EINTR) or gone: no longer a partner
    }
    return n;
  }

  /** An open for reading (or writing) began: blocked openers of the other side may go on. */
  opened(reading: boolean): void {
    if (reading) this.readerOpens++;
    else this.writerOpens++;
    for (const o of this.openers.values()) if (o.reading !== reading) o.arrived = true;
    this.openWaiters.notify();
  }

  /** Whether t, blocked in an earlier run of this open, may now complete it. */
  partnerCame(t: Thread, reading: boolean): boolean {
    const o = this.openers.get(t);
    if (!o || o.reading !== reading) return false;
    return (reading ? this.writerOpens : this.readerOpens) !== o.partnerOpensAtStart || o.arrived;
  }

  /** t waits for the other side (called after the handler parked it). */
  waitFor(t: Thread, reading: boolean, firstRun: boolean): void {
    const o = this.openers.get(t);
    if (!firstRun && o && o.reading === reading) {
      o.blockGen = t.blockGen;
      return;
    }
    const partnerOpensAtStart = reading ? this.writerOpens : this.readerOpens;
    this.openers.set(t, { reading, partnerOpensAtStart, blockGen: t.blockGen, arrived: false });
  }

  /** A new open file description for `access`; the caller installs it. */
  openEnd(t: Thread, access: FifoAccess, statusFlags: number): FifoEnd {
    this.openers.delete(t);
    if (!this.pipe) this.pipe = new Pipe();
    if (access !== O_WRONLY) this.readEnds++;
    if (access !== O_RDONLY) this.writeEnds++;
    this.syncPipe();
    const end = new FifoEnd(this, this.pipe, access);
    end.statusFlags = statusFlags & O_NONBLOCK;
    return end;
  }

  /** One description closed: the other side sees EOF or EPIPE when it was the last of its kind. */
  closeEnd(access: FifoAccess): void {
    if (access !== O_WRONLY) this.readEnds--;
    if (access !== O_RDONLY) this.writeEnds--;
    this.syncPipe();
    if (this.readEnds + this.writeEnds > 0) return;
    // An opener the other side already let through keeps the data it was written (Linux counts it as an end).
    for (const [t, o] of this.openers) if (o.arrived && t.state !== 'exited') return;
    this.pipe = null;
    this.table.forgetIfIdle(this);
  }

  /** Mirrors the ends (open ones, and openers sure to complete) into the pipe's EOF/EPIPE flags. */
  private syncPipe(): void {
    const pipe = this.pipe;
    if (!pipe) return;
    let readers = this.readEnds;
    let writers = this.writeEnds;
    for (const o of this.openers.values()) {
      if (o.arrived && o.reading) readers++;
      if (o.arrived && !o.reading) writers++;
    }
    if (pipe.readOpen && readers === 0) pipe.readEnd.release();
    else pipe.readOpen = readers > 0;
    if (pipe.writeOpen && writers === 0) pipe.writeEnd.release();
    else pipe.writeOpen = writers > 0;
  }
}

/**
 * One open of a FIFO (its own status flags, as each open(2) makes a new
 * description) over the FIFO's current pipe; waits use the pipe ends' watchers.
 */
export class FifoEnd implements SimFile {
  readonly kind = 'pipe';
  refs = 0;
  statusFlags = 0;
  readonly statMode = S_IFIFO | 0o600;
  readonly watchers: Watchers;
  private readonly unlink: Array<() => void> = [];

  constructor(
    private readonly fifo: Fifo,
    private readonly pipe: Pipe,
    readonly accessMode: FifoAccess,
  ) {
    if (accessMode === O_RDONLY) this.watchers = pipe.readEnd.watchers;
    else if (accessMode === O_WRONLY) this.watchers = pipe.writeEnd.watchers;
    else {
      // Read and write waits both park here: relay both ends' news.
      const w = new Watchers();
      this.watchers = w;
      this.unlink.push(pipe.readEnd.watchers.add(() => w.notify()));
      this.unlink.push(pipe.writeEnd.watchers.add(() => w.notify()));
    }
  }

  read(k: Kernel, t: Thread, d: Descriptor, bufAddr: number, len: number): number {
    if (this.accessMode === O_WRONLY) return -E.EBADF;
    return this.pipe.readEnd.read(k, t, d, bufAddr, len);
  }

  write(k: Kernel, t: Thread, d: Descriptor, bufAddr: number, len: number): number {
    if (this.accessMode === O_RDONLY) return -E.EBADF;
    // The shared write end reads O_NONBLOCK from its own flags: lend it this description's.
    this.pipe.writeEnd.statusFlags = this.statusFlags;
    return this.pipe.writeEnd.write(k, t, d, bufAddr, len);
  }

  poll(): number {
    if (this.accessMode === O_RDONLY) return this.pipe.readEnd.poll();
    if (this.accessMode === O_WRONLY) return this.pipe.writeEnd.poll();
    return (this.pipe.readEnd.poll() & EPOLLIN) | (this.pipe.writeEnd.poll() & EPOLLOUT);
  }

  fcntl(_k: Kernel, _t: Thread, _d: Descriptor, cmd: number, arg: number): number {
    return this.pipe.fcntl(cmd, arg);
  }

  ioctl(k: Kernel, t: Thread, _d: Descriptor, request: number, argAddr: number): number {
    return this.pipe.ioctl(k, t, request, argAddr);
  }

  release(): void {
    for (const u of this.unlink) u();
    this.unlink.length = 0;
    this.fifo.closeEnd(this.accessMode);
    this.watchers.notify();
  }
}

/**
 * Every FIFO the simulation has opened, by "dev:ino". One table for the whole
 * simulation, not one per host: hosts share the real file system (as in
 * Shadow), so two hosts opening the same path open the same FIFO.
 */
export class FifoTable {
  private readonly byKey = new Map<string, Fifo>();

  get(key: string): Fifo {
    let f = this.byKey.get(key);
    if (!f) {
      f = new Fifo(key, this);
      this.byKey.set(key, f);
    }
    return f;
  }

  /** Forgets a FIFO nobody has open or waits on (its next open starts fresh anyway). */
  forgetIfIdle(f: Fifo): void {
    if (f.readEnds + f.writeEnds === 0 && f.openers.size === 0 && this.byKey.get(f.key) === f) this.byKey.delete(f.key);
  }
}
