// Every System V IPC object of a run: one namespace per kind and per host (the
// same key on two hosts names two objects), shm attachments and semaphore undo
// adjustments per process, and what fork, exec and exit do to them.
import { MSGMNI, SEMMNI, SEMVMX, SHMMNI } from '../abi/sysv';
import type { Host } from '../host/host';
import type { Process } from '../host/process';
import type { Thread } from '../host/thread';
import { MsgQueue } from './msg';
import { IpcNamespace, type IpcObject } from './namespace';
import { SemSet } from './sem';
import { ShmBacking, type ShmAttachment, ShmSegment } from './shm';

export class HostIpc {
  readonly shm = new IpcNamespace<ShmSegment>(SHMMNI);
  readonly sem = new IpcNamespace<SemSet>(SEMMNI);
  readonly msg = new IpcNamespace<MsgQueue>(MSGMNI);
}

export class SysvIpc {
  private readonly hosts = new Map<Host, HostIpc>();
  readonly backing = new ShmBacking();
  private readonly attachments = new Map<Process, ShmAttachment[]>();
  private readonly undos = new Map<Process, Map<SemSet, Int32Array>>();
  /** The object a thread blocked on, so its next run can tell a removal (EIDRM) from a wake. */
  readonly waitingOn = new Map<Thread, IpcObject>();

  host(h: Host): HostIpc {
    let n = this.hosts.get(h);
    if (n === undefined) {
      n = new HostIpc();
      this.hosts.set(h, n);
    }
    return n;
  }

  // ------------------------------------------------------------ shared memory

  attachmentsOf(p: Process): ShmAttachment[] {
    let a = this.attachments.get(p);
    if (a === undefined) {
      a = [];
      this.attachments.set(p, a);
    }
    return a;
  }

  /** Records a new mapping; one it replaced (SHM_REMAP over an attachment) counts as detached. */
  attach(p: Process, segment: ShmSegment, addr: number, nowSec: number): void {
    const list = this.attachmentsOf(p);
    const end = addr + segment.mappedBytes;
    for (let i = list.length - 1; i >= 0; i--) {
      const a = list[i];
      if (a.addr < end && addr < a.addr + a.segment.mappedBytes) this.detach(p, i, nowSec);
    }
    list.push({ segment, addr });
    segment.nattch++;
    segment.atimeSec = nowSec;
    segment.lpid = p.vpid;
  }

  /** Drops attachment i of p (its mapping is already gone or going); destroys a removed segment at zero. */
  detach(p: Process, i: number, nowSec: number): void {
    const list = this.attachmentsOf(p);
    const [{ segment }] = list.splice(i, 1);
    segment.nattch--;
    segment.dtimeSec = nowSec;
    segment.lpid = p.vpid;
    if (segment.nattch === 0 && segment.destroyPending) this.destroySegment(p.host, segment);
  }

  /** IPC_RMID: gone now if nobody has it attached, else when the last one detaches. */
  removeSegment(h: Host, segment: ShmSegment): void {
    segment.destroyPending = true;
    if (segment.nattch === 0) this.destroySegment(h, segment);
    else this.host(h).shm.forgetKey(segment);
  }

  private destroySegment(h: Host, segment: ShmSegment): void {
    this.host(h).shm.remove(segment);
    this.backing.release(segment.backingPath);
  }

  // ------------------------------------------------------------ semaphores

  /** p's SEM_UNDO adjustments for set (made on first use). */
  undoOf(p: Process, set: SemSet): Int32Array {
    let m = this.undos.get(p);
    if (m === undefined) {
      m = new Map();
      this.undos.set(p, m);
    }
    let a = m.get(set);
    if (a === undefined) {
      a = new Int32Array(set.nsems);
      m.set(set, a);
    }
    return a;
  }

  /** SETVAL/SETALL clear the adjustments of the semaphores they set, in every process. */
  clearUndo(set: SemSet, num: number): void {
    for (const m of this.undos.values()) {
      const a = m.get(set);
      if (a === undefined) continue;
      if (num < 0) a.fill(0);
      else a[num] = 0;
    }
  }

  removeSemSet(h: Host, set: SemSet): void {
    this.host(h).sem.remove(set);
    for (const m of this.undos.values()) m.delete(set);
    set.changed.notify();
  }

  removeQueue(h: Host, q: MsgQueue): void {
    this.host(h).msg.remove(q);
    q.changed.notify();
  }

  // ------------------------------------------------------------ lifecycle

  /** fork: the child has the parent's mappings, hence its attachments; no undo adjustments. */
  forked(parent: Process, child: Process, nowSec: number): void {
    const list = this.attachments.get(parent);
    if (list === undefined) return;
    for (const a of list) this.attach(child, a.segment, a.addr, nowSec);
  }

  /** exec: the old image's mappings are gone; SEM_UNDO adjustments stay (Linux keeps them). */
  execed(p: Process, nowSec: number): void {
    const list = this.attachments.get(p);
    if (list === undefined) return;
    while (list.length > 0) this.detach(p, list.length - 1, nowSec);
    this.attachments.delete(p);
  }

  /** exit: detach everything and apply SEM_UNDO adjustments. */
  exited(p: Process, nowSec: number): void {
    this.execed(p, nowSec);
    for (const t of p.threads) this.waitingOn.delete(t);
    const m = this.undos.get(p);
    if (m === undefined) return;
    this.undos.delete(p);
    for (const [set, adj] of m) {
      if (set.removed) continue;
      let changed = false;
      for (let i = 0; i < set.nsems; i++) {
        if (adj[i] === 0) continue;
        set.values[i] = Math.min(SEMVMX, Math.max(0, set.values[i] + adj[i]));
        set.pids[i] = p.vpid;
        changed = true;
      }
      if (changed) set.changed.notify();
    }
  }

  /** End of the run. */
  dispose(): void {
    this.backing.dispose();
  }
}
