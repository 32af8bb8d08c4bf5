// The TCP segment as the state machine sees it, plus conversion to and from
// real wire bytes (RFC 9293 header, RFC 7323/2018 options) for pcap output
// and for tests that want to check the exact encoding.

export const TcpFlags = {
  FIN: 0x01,
  SYN: 0x02,
  RST: 0x04,
  PSH: 0x08,
  ACK: 0x10,
  URG: 0x20,
  ECE: 0x40,
  CWR: 0x80,
} as const;

/** A SACK block as carried on the wire: [left, right) in sequence numbers. */
export interface SackBlock {
  left: number;
  right: number;
}

export interface TcpTimestamp {
  /** TSval, 32-bit. */
  value: number;
  /** TSecr, 32-bit. */
  echo: number;
}

export interface TcpOptions {
  /** Maximum segment size in bytes (SYN only). */
  mss?: number;
  /** Window scale shift count 0..14 (SYN only). */
  wscale?: number;
  /** SACK permitted (SYN only). */
  sackPermitted?: boolean;
  /** Up to 4 SACK blocks (3 when timestamps are present). */
  sack?: readonly SackBlock[];
  timestamp?: TcpTimestamp;
}

export interface Segment {
  srcPort: number;
  dstPort: number;
  /** Sequence number, uint32. */
  seq: number;
  /** Acknowledgement number, uint32 (meaningful when ACK is set). */
  ack: number;
  /** Bitwise OR of TcpFlags. */
  flags: number;
  /** Raw 16-bit window field; the receiver applies the connection's scale. */
  window: number;
  options: TcpOptions;
  /** Payload bytes; may be a view into a larger buffer and must not be mutated. */
  payload: Uint8Array;
}

/** Sequence space the segment occupies (payload plus SYN and FIN). */
export function segmentSeqLength(seg: Segment): number {
  return seg.payload.length + ((seg.flags & TcpFlags.SYN) !== 0 ? 1 : 0) + ((seg.flags & TcpFlags.FIN) !== 0 ? 1 : 0);
}

export function hasFlag(seg: Segment, flag: number): boolean {
  return (seg.flags & flag) !== 0;
}

const EMPTY = new Uint8Array(0);

/** Builds a segment with defaults for the fields a test or reply does not care about. */
export function makeSegment(fields: Partial<Segment> & { flags: number }): Segment {
  return {
    srcPort: fields.srcPort ?? 0,
    dstPort: fields.dstPort ?? 0,
    seq: fields.seq ?? 0,
    ack: fields.ack ?? 0,
    flags: fields.flags,
    window: fields.window ?? 0,
    options: fields.options ?? {},
    payload: fields.payload ?? EMPTY,
  };
}

/** Short human-readable form, e.g. "S. 100:100(0) ack 1 win 65535", for test failure messages. */
export function describeSegment(seg: Segment): string {
  let f = '';
  if (seg.flags & TcpFlags.SYN) f += 'S';
  if (seg.flags & TcpFlags.FIN) f += 'F';
  if (seg.flags & TcpFlags.RST) f += 'R';
  if (seg.flags & TcpFlags.PSH) f += 'P';
  if (seg.flags & TcpFlags.ACK) f += '.';
  const end = (seg.seq + segmentSeqLength(seg)) >>> 0;
  let s = `${seg.srcPort}>${seg.dstPort} ${f} ${seg.seq}:${end}(${seg.payload.length})`;
  if (seg.flags & TcpFlags.ACK) s += ` ack ${seg.ack}`;
  s += ` win ${seg.window}`;
  const o = seg.options;
  if (o.sack && o.sack.length > 0) s += ` sack ${o.sack.map((b) => `${b.left}-${b.right}`).join(',')}`;
  return s;
}

// ---------------------------------------------------------------------------
// Wire format

const OPT_EOL = 0;
const OPT_NOP = 1;
const OPT_MSS = 2;
const OPT_WSCALE = 3;
const OPT_SACK_PERMITTED = 4;
const OPT_SACK = 5;
const OPT_TIMESTAMP = 8;

const HEADER_BYTES = 20;
const MAX_OPTION_BYTES = 40;

/** IPv4 addresses (host-order uint32) for the checksum pseudo-header. */
export interface PseudoHeader {
  srcAddr: number;
  dstAddr: number;
}

/**
 * Option bytes in the layout Linux uses (so pcaps look familiar):
 * SYN: MSS, SACK-permitted, timestamps, NOP, window scale.
 */
function encodeOptions(o: TcpOptions): number[] {
  const out: number[] = [];
  if (o.mss !== undefined) out.push(OPT_MSS, 4, (o.mss >>> 8) & 0xff, o.mss & 0xff);
  if (o.sackPermitted && o.timestamp) {
    out.push(OPT_SACK_PERMITTED, 2);
    pushTimestamp(out, o.timestamp);
  } else {
    if (o.timestamp) {
      out.push(OPT_NOP, OPT_NOP);
      pushTimestamp(out, o.timestamp);
    }
    if (o.sackPermitted) out.push(OPT_NOP, OPT_NOP, OPT_SACK_PERMITTED, 2);
  }
  if (o.wscale !== undefined) out.push(OPT_NOP, OPT_WSCALE, 3, o.wscale);
  if (o.sack && o.sack.length > 0) {
    out.push(OPT_NOP, OPT_NOP, OPT_SACK, 2 + 8 * o.sack.length);
    for (const b of o.sack) {
      pushU32(out, b.left);
      pushU32(out, b.right);
    }
  }
  while (out.length % 4 !== 0) out.push(OPT_EOL);
  if (out.length > MAX_OPTION_BYTES) throw new Error(`tcp: options need ${out.length} bytes, at most 40 fit`);
  return out;
}

function pushTimestamp(out: number[], ts: TcpTimestamp): void {
  out.push(OPT_TIMESTAMP, 10);
  pushU32(out, ts.value);
  pushU32(out, ts.echo);
}

function pushU32(out: number[], v: number): void {
  out.push((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
}

/** Encodes a segment to TCP wire bytes; the checksum is computed when the pseudo-header is given, else zero. */
export function encodeSegment(seg: Segment, pseudo?: PseudoHeader): Uint8Array {
  const opts = encodeOptions(seg.options);
  const headerBytes = HEADER_BYTES + opts.length;
  const bytes = new Uint8Array(headerBytes + seg.payload.length);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, seg.srcPort);
  view.setUint16(2, seg.dstPort);
  view.setUint32(4, seg.seq >>> 0);
  view.setUint32(8, seg.ack >>> 0);
  view.setUint8(12, (headerBytes / 4) << 4);
  view.setUint8(13, seg.flags & 0xff);
  view.setUint16(14, seg.window & 0xffff);
  // checksum (16) and urgent pointer (18) stay zero for now
  bytes.set(opts, HEADER_BYTES);
  bytes.set(seg.payload, headerBytes);
  if (pseudo) view.setUint16(16, tcpChecksum(bytes, pseudo));
  return bytes;
}

/**
 * Internet checksum of the TCP bytes plus the IPv4 pseudo-header; 0 means
 * "verifies" when computed over a filled-in header.
 */
export function tcpChecksum(tcpBytes: Uint8Array, pseudo: PseudoHeader): number {
  let sum = 0;
  sum += (pseudo.srcAddr >>> 16) + (pseudo.srcAddr & 0xffff);
  sum += (pseudo.dstAddr >>> 16) + (pseudo.dstAddr & 0xffff);
  sum += 6; // protocol TCP
  sum += tcpBytes.length;
  const n = tcpBytes.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    sum += (tcpBytes[i]! << 8) | tcpBytes[i + 1]!;
    // fold occasionally so the sum stays a small integer
    if ((i & 0xffff) === 0) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  }
  if (i < n) sum += tcpBytes[i]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

export class SegmentDecodeError extends Error {}

/** Decodes TCP wire bytes; the payload is a view into `bytes`. Unknown options are skipped. */
export function decodeSegment(bytes: Uint8Array): Segment {
  if (bytes.length < HEADER_BYTES) throw new SegmentDecodeError(`tcp: ${bytes.length} bytes is shorter than a header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerBytes = (view.getUint8(12) >>> 4) * 4;
  if (headerBytes < HEADER_BYTES || headerBytes > bytes.length) {
    throw new SegmentDecodeError(`tcp: bad data offset ${headerBytes}`);
  }
  const options: TcpOptions = {};
  let i = HEADER_BYTES;
  while (i < headerBytes) {
    const kind = bytes[i]!;
    if (kind === OPT_EOL) break;
    if (kind === OPT_NOP) {
      i += 1;
      continue;
    }
    if (i + 1 >= headerBytes) throw new SegmentDecodeError('tcp: truncated option');
    const len = bytes[i + 1]!;
    if (len < 2 || i + len > headerBytes) throw new SegmentDecodeError(`tcp: bad option length ${len}`);
    const at = i + 2;
    switch (kind) {
      case OPT_MSS:
        if (len === 4) options.mss = view.getUint16(at);
        break;
      case OPT_WSCALE:
        if (len === 3) options.wscale = bytes[at]!;
        break;
      case OPT_SACK_PERMITTED:
        if (len === 2) options.sackPermitted = true;
        break;
      case OPT_SACK: {
        const blocks: SackBlock[] = [];
        for (let b = at; b + 8 <= i + len; b += 8)
          blocks.push({ left: view.getUint32(b), right: view.getUint32(b + 4) });
        options.sack = blocks;
        break;
      }
      case OPT_TIMESTAMP:
        if (len === 10) options.timestamp = { value: view.getUint32(at), echo: view.getUint32(at + 4) };
        break;
      default:
        break;
    }
    i += len;
  }
  return {
    srcPort: view.getUint16(0),
    dstPort: view.getUint16(2),
    seq: view.getUint32(4),
    ack: view.getUint32(8),
    flags: view.getUint8(13),
    window: view.getUint16(14),
    options,
    payload: bytes.subarray(headerBytes),
  };
}
