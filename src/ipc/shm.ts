// System V shared memory segments. Each segment's memory is a file on a
// tmpfs (/dev/shm) that the processes of its host map MAP_SHARED, so the
// memory is really shared; the simulator keeps ids, keys and attach counts.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { IpcObject, IpcPerm } from './namespace';

const PAGE_BYTES = 4096;

export class ShmSegment implements IpcObject {
  removed = false;
  /** Marked for destruction (IPC_RMID) while still attached: SHM_DEST. */
  destroyPending = false;
  locked = false;
  nattch = 0;
  atimeSec = 0;
  dtimeSec = 0;
  lpid = 0;

  constructor(
    readonly id: number,
    readonly perm: IpcPerm,
    readonly sizeBytes: number,
    /** The tmpfs file that holds the memory; attaching maps it. */
    readonly backingPath: string,
    readonly cpid: number,
    public ctimeSec: number,
  ) {}

  /** Bytes a mapping of this segment covers (whole pages). */
  get mappedBytes(): number {
    return Math.ceil(this.sizeBytes / PAGE_BYTES) * PAGE_BYTES;
  }
}

/** One shmat of a segment in one process. */
export interface ShmAttachment {
  readonly segment: ShmSegment;
  readonly addr: number;
}

/**
 * The folder of backing files, made on first use and removed at the end of the
 * run. It is 0711 and the files 0666 because a managed process may run under
 * another uid than the simulator; the emulated permissions are checked by the
 * simulator before any process maps a file.
 */
export class ShmBacking {
  private dir = '';
  private seq = 0;

  /** Creates a zero-filled backing file of sizeBytes; returns its path, or null when the system refuses. */
  create(hostId: number, sizeBytes: number): string | null {
    try {
      if (this.dir === '') {
        const base = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
        this.dir = fs.mkdtempSync(path.join(base, 'umbra-sysv-'));
        fs.chmodSync(this.dir, 0o711);
      }
      const file = path.join(this.dir, `h${hostId}-${this.seq++}`);
      const fd = fs.openSync(file, 'wx', 0o666);
      try {
        fs.fchmodSync(fd, 0o666);
        fs.ftruncateSync(fd, Math.ceil(sizeBytes / PAGE_BYTES) * PAGE_BYTES);
      } finally {
        fs.closeSync(fd);
      }
      return file;
    } catch {
      return null;
    }
  }

  /** The segment is gone: mappings still in place keep their pages (tmpfs frees them at the last unmap). */
  release(file: string): void {
    fs.rmSync(file, { force: true });
  }

  /** End of the run: no process is left to map anything. */
  dispose(): void {
    if (this.dir !== '') fs.rmSync(this.dir, { recursive: true, force: true });
    this.dir = '';
  }
}
