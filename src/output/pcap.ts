// Packet captures in the classic libpcap format (version 2.4, host byte
// order, link type 101 = raw IPv4), one file per host interface, stamped
// with simulated time since the start so two runs give identical files.
import * as fs from 'node:fs';

const LINKTYPE_RAW = 101;

export class PcapFile {
  private readonly fd: number;
  private readonly header = Buffer.alloc(16);

  constructor(
    path: string,
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
    fs.writeSync(this.fd, g);
  }

  /** One packet seen at simulated time `timeNs`; bytes beyond the snap length are cut. */
  write(timeNs: number, bytes: Uint8Array): void {
    const kept = Math.min(bytes.length, this.snapLenBytes);
    const h = this.header;
    h.writeUInt32LE(Math.floor(timeNs / 1e9), 0);
    h.writeUInt32LE(Math.floor((timeNs % 1e9) / 1000), 4);
    h.writeUInt32LE(kept, 8);
    h.writeUInt32LE(bytes.length, 12);
    fs.writeSync(this.fd, h);
    fs.writeSync(this.fd, bytes, 0, kept);
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}
