// One kind of System V IPC object (shared memory, semaphore sets or message
// queues) on one simulated host: keys, ids built as Linux builds them, the
// ownership record every object carries and the permission check on it.
import { IPCMNI, IPC_PRIVATE } from '../abi/sysv';

/** struct ipc_perm as the simulator keeps it. */
export class IpcPerm {
  constructor(
    public key: number,
    public uid: number,
    public gid: number,
    readonly cuid: number,
    readonly cgid: number,
    /** Low 9 bits: permissions; above them the kind's own flags (SHM_DEST...). */
    public mode: number,
    readonly seq: number,
  ) {}

  /** Owner or creator (or root): may IPC_SET and IPC_RMID. */
  isOwner(cred: IpcCred): boolean {
    return cred.euid === 0 || cred.euid === this.uid || cred.euid === this.cuid;
  }

  /** Whether cred may access with `want` (4 read, 2 write, 6 both), as ipcperms() decides. */
  permits(cred: IpcCred, want: number): boolean {
    if (cred.euid === 0) return true;
    let granted = this.mode & 0o7;
    if (cred.euid === this.uid || cred.euid === this.cuid) granted = (this.mode >> 6) & 0o7;
    else if (cred.egid === this.gid || cred.egid === this.cgid) granted = (this.mode >> 3) & 0o7;
    return (want & ~granted) === 0;
  }
}

/** The effective ids of a caller (read natively: the simulation has no users of its own). */
export interface IpcCred {
  euid: number;
  egid: number;
}

export interface IpcObject {
  readonly id: number;
  readonly perm: IpcPerm;
  /** Taken out of the namespace (IPC_RMID, or a shm segment destroyed). */
  removed: boolean;
}

export class IpcNamespace<T extends IpcObject> {
  private readonly byIndex: Array<T | undefined> = [];
  private readonly byKey = new Map<number, T>();
  private lastIndex = -1;
  private seq = 0;
  count = 0;

  constructor(readonly maxObjects: number) {}

  findKey(key: number): T | undefined {
    return key === IPC_PRIVATE ? undefined : this.byKey.get(key);
  }

  /** The object with this id, if it still exists (an old id of a reused index does not match). */
  find(id: number): T | undefined {
    if (!Number.isInteger(id) || id < 0) return undefined;
    const o = this.byIndex[id % IPCMNI];
    return o !== undefined && o.id === id ? o : undefined;
  }

  /** The object at index i (the *_STAT commands take an index). */
  atIndex(i: number): T | undefined {
    return i >= 0 && i < this.byIndex.length ? this.byIndex[i] : undefined;
  }

  /** Highest index in use, or 0 (what IPC_INFO returns). */
  get highestIndex(): number {
    for (let i = this.byIndex.length - 1; i >= 0; i--) if (this.byIndex[i] !== undefined) return i;
    return 0;
  }

  /**
   * Adds a new object: indexes are handed out cyclically and the sequence
   * number grows when they wrap, as Linux's ipc_idr_alloc does. Null when full.
   */
  add(key: number, make: (id: number, seq: number) => T): T | null {
    if (this.count >= this.maxObjects) return null;
    const limit = Math.min(this.maxObjects, IPCMNI);
    let idx = -1;
    for (let n = 1; n <= limit; n++) {
      const i = (this.lastIndex + n) % limit;
      if (this.byIndex[i] === undefined) {
        idx = i;
        break;
      }
    }
    if (idx < 0) return null;
    if (idx <= this.lastIndex) this.seq = (this.seq + 1) % 65536;
    this.lastIndex = idx;
    const o = make(this.seq * IPCMNI + idx, this.seq);
    this.byIndex[idx] = o;
    if (key !== IPC_PRIVATE) this.byKey.set(key, o);
    this.count++;
    return o;
  }

  /** Forgets the key of o: later gets with that key make a new object (shm segments still attached). */
  forgetKey(o: T): void {
    if (o.perm.key !== IPC_PRIVATE && this.byKey.get(o.perm.key) === o) this.byKey.delete(o.perm.key);
    o.perm.key = IPC_PRIVATE;
  }

  /** Takes o out for good: its id stops resolving. */
  remove(o: T): void {
    this.forgetKey(o);
    const idx = o.id % IPCMNI;
    if (this.byIndex[idx] === o) {
      this.byIndex[idx] = undefined;
      this.count--;
    }
    o.removed = true;
  }

  /** Live objects in index order. */
  *objects(): IterableIterator<T> {
    for (const o of this.byIndex) if (o !== undefined) yield o;
  }
}
