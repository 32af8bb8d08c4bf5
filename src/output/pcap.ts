// Packet captures in the classic libpcap format (version 2.4, host byte
// order, link type 101 = raw IPv4), one file per host interface, stamped
// with simulated time since the start so two runs give identical files.
// A write that fails during the run (a full disk) stops that capture, not the run.
import * as fs from 'node:fs';
import { describeIoError } from './sink';

const LINKTYPE_RAW = 101;

export class PcapFile {
  private readonly fd: number;
  private readonly header = Buffer.alloc(16);
  /** Why capturing stopped early, or null. */
  failure: string | null = null;
  /** Simulated time of the first packet that could not be written. */
  failedAtNs = -1;

  /** Opens the file and writes its header; throws if that fails (the caller reports it). */
  constructor(
    readonly path: string,
    private readonly snapLenBytes: number,
  ) {
    this.fd = fs.openSync(path, 'w');
    const g = Buffer.alloc(24);
    g.writeUInt32LE(0xa1b2c3d4, 0);
    g.writeUInt16LE(2, 4);
    g.writeUInt16LE(4, 6);
    g.writeInt32LE(0, 8); // thiszone
    g.writeUInt32LE(0, 12); // sigfigs
    g.writeUInt32LE(snapLenBytes, 16);
    g.writeUInt32LE(LINKTYPE_RAW, 20);
    try {
      writeAll(this.fd, g, g.length);
    } catch (err) {
      fs.closeSync(this.fd);
      throw err;
    }
  }

  /** One packet seen at simulated time `timeNs`; bytes beyond the snap length are cut. */
  write(timeNs: number, bytes: Uint8Array): void {
    if (this.failure !== null) return;
    const kept = Math.min(bytes.length, this.snapLenBytes);
    const h = this.header;
    h.writeUInt32LE(Math.floor(timeNs / 1e9), 0);
    h.writeUInt32LE(Math.floor((timeNs % 1e9) / 1000), 4);
    h.writeUInt32LE(kept, 8);
    h.writeUInt32LE(bytes.length, 12);
    try {
      writeAll(this.fd, h, h.length);
      writeAll(this.fd, bytes, kept);
    } catch (err) {
      this.failure = describeIoError(err);
      this.failedAtNs = timeNs;
    }
  }

  close(): void {
    try {
      fs.closeSync(this.fd);
    } catch (err) {
      this.failure ??= describeIoError(err);
    }
  }
}

/** A short write (the disk filling up) is retried, so it ends in an error rather than a shifted record. */
function writeAll(fd: number, bytes: Uint8Array, length: number): void {
  for (let done = 0; done < length;) done += fs.writeSync(fd, bytes, done, length - done);
}
