// An IPv4 or IPv6 packet (a negative address is IPv6, net/ip6.ts) as it travels
// between simulated hosts: addresses, ports, the IP protocol number and its
// payload (UDP data or a TCP segment), plus the size it occupies on the wire,
// which is what bandwidth and queues count.
import type { Ip6Table } from './ip6';
import { encodeSegment, type Segment } from './tcp/segment';

export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

export const IP_HEADER_BYTES = 20;
export const IP6_HEADER_BYTES = 40;
/** An IPv6 fragment carries this extension header after the fixed one. */
const IP6_FRAGMENT_HEADER_BYTES = 8;
export const UDP_HEADER_BYTES = 8;
export const TCP_HEADER_BYTES = 20;
/** Ethernet MTU: the largest IP packet (header included) an interface sends in one frame. */
export const MTU_BYTES = 1500;
/** Largest UDP payload an IPv4 datagram can carry (65535 − 20 − 8). */
export const UDP_MAX_PAYLOAD = 65507;

export const INADDR_ANY = 0;
export const INADDR_LOOPBACK = 0x7f000001;
export const INADDR_BROADCAST = 0xffffffff;

const EMPTY = new Uint8Array(0);

export interface Packet {
  protocol: number;
  srcIp: number;
  srcPort: number;
  dstIp: number;
  dstPort: number;
  /** UDP payload; empty for TCP (whose bytes live in `segment`). */
  payload: Uint8Array;
  /** The TCP segment when protocol is IPPROTO_TCP, else null. */
  segment: Segment | null;
  /** Bytes on the wire: payload plus transport and IP headers (every fragment's). */
  wireBytes: number;
  /** Host that sent the packet (event tie-break and ICMP replies). */
  srcHostId: number;
  /** Called once when the packet leaves the sender's interface (send-buffer release). */
  onDepart: ((p: Packet) => void) | null;
  /** When it entered the queue it waits in now (CoDel's sojourn time). */
  enqueuedNs: number;
}

/**
 * Wire size of a UDP datagram with `payloadBytes` of data: one 20-byte IP
 * header per fragment (IPv4 fragments carry at most MTU − 20 bytes of the
 * UDP datagram each) plus the 8-byte UDP header once. 28 bytes for a datagram
 * that fits in one frame.
 */
export function udpWireBytes(payloadBytes: number): number {
  const ipPayload = payloadBytes + UDP_HEADER_BYTES;
  const fragments = Math.max(1, Math.ceil(ipPayload / (MTU_BYTES - IP_HEADER_BYTES)));
  return ipPayload + fragments * IP_HEADER_BYTES;
}

/** The same for IPv6: a 40-byte header, plus an 8-byte fragment header in each fragment when it is split. */
export function udp6WireBytes(payloadBytes: number): number {
  const ipPayload = payloadBytes + UDP_HEADER_BYTES;
  if (ipPayload + IP6_HEADER_BYTES <= MTU_BYTES) return ipPayload + IP6_HEADER_BYTES;
  // Fragments carry multiples of 8 bytes of the datagram.
  const perFragment = (MTU_BYTES - IP6_HEADER_BYTES - IP6_FRAGMENT_HEADER_BYTES) & ~7;
  const fragments = Math.ceil(ipPayload / perFragment);
  return ipPayload + fragments * (IP6_HEADER_BYTES + IP6_FRAGMENT_HEADER_BYTES);
}

export function makeUdpPacket(
  srcHostId: number,
  srcIp: number,
  srcPort: number,
  dstIp: number,
  dstPort: number,
  payload: Uint8Array,
): Packet {
  return {
    protocol: IPPROTO_UDP,
    srcIp,
    srcPort,
    dstIp,
    dstPort,
    payload,
    segment: null,
    wireBytes: dstIp < 0 ? udp6WireBytes(payload.length) : udpWireBytes(payload.length),
    srcHostId,
    onDepart: null,
    enqueuedNs: 0,
  };
}

/** A TCP packet; `optionBytes` is the encoded option length (a multiple of 4). */
export function makeTcpPacket(
  srcHostId: number,
  srcIp: number,
  dstIp: number,
  segment: Segment,
  optionBytes: number,
): Packet {
  return {
    protocol: IPPROTO_TCP,
    srcIp,
    srcPort: segment.srcPort,
    dstIp,
    dstPort: segment.dstPort,
    payload: EMPTY,
    segment,
    wireBytes:
      (dstIp < 0 ? IP6_HEADER_BYTES : IP_HEADER_BYTES) + TCP_HEADER_BYTES + optionBytes + segment.payload.length,
    srcHostId,
    onDepart: null,
    enqueuedNs: 0,
  };
}

/** Only packets carrying data may be lost (pure TCP control segments never are). */
export function hasPayload(p: Packet): boolean {
  return p.segment !== null ? p.segment.payload.length > 0 : p.payload.length > 0;
}

/** 127.0.0.0/8 and ::1 (id -1, net/ip6.ts). */
export function isLoopback(ip: number): boolean {
  return ip >>> 24 === 127 || ip === -1;
}

/**
 * The packet as it would be on the wire: IPv4 header, then the UDP header and
 * payload or the encoded TCP segment (checksums filled in). For captures.
 * An IPv6 packet needs the run's address table.
 */
export function packetBytes(p: Packet, ip6?: Ip6Table): Uint8Array {
  if (p.dstIp < 0 || p.srcIp < 0) {
    if (ip6 === undefined) throw new Error('packetBytes: an IPv6 packet needs the address table');
    return packet6Bytes(p, ip6);
  }
  const transport =
    p.protocol === IPPROTO_TCP && p.segment !== null
      ? encodeSegment(p.segment, { srcAddr: p.srcIp, dstAddr: p.dstIp })
      : udpBytes(p);
  const out = new Uint8Array(IP_HEADER_BYTES + transport.length);
  const v = new DataView(out.buffer);
  v.setUint8(0, 0x45); // IPv4, 5-word header
  v.setUint16(2, Math.min(out.length, 0xffff));
  v.setUint16(6, 0x4000); // don't fragment
  v.setUint8(8, 64); // TTL
  v.setUint8(9, p.protocol);
  v.setUint32(12, p.srcIp >>> 0);
  v.setUint32(16, p.dstIp >>> 0);
  let sum = 0;
  for (let i = 0; i < IP_HEADER_BYTES; i += 2) sum += v.getUint16(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  v.setUint16(10, ~sum & 0xffff);
  out.set(transport, IP_HEADER_BYTES);
  return out;
}

function udpBytes(p: Packet): Uint8Array {
  const out = new Uint8Array(UDP_HEADER_BYTES + p.payload.length);
  const v = new DataView(out.buffer);
  v.setUint16(0, p.srcPort);
  v.setUint16(2, p.dstPort);
  v.setUint16(4, Math.min(out.length, 0xffff));
  out.set(p.payload, UDP_HEADER_BYTES); // checksum 0: "not computed", valid for UDP over IPv4
  return out;
}

/** An IPv6 packet on the wire (no extension headers: captures show the reassembled datagram). */
function packet6Bytes(p: Packet, ip6: Ip6Table): Uint8Array {
  const transport = p.protocol === IPPROTO_TCP && p.segment !== null ? encodeSegment(p.segment) : udpBytes(p);
  const out = new Uint8Array(IP6_HEADER_BYTES + transport.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, 0x60000000); // version 6, traffic class and flow label 0
  v.setUint16(4, Math.min(transport.length, 0xffff));
  v.setUint8(6, p.protocol);
  v.setUint8(7, 64); // hop limit
  ip6.write(p.srcIp, out, 8);
  ip6.write(p.dstIp, out, 24);
  out.set(transport, IP6_HEADER_BYTES);
  // The checksum (mandatory for UDP over IPv6) covers a pseudo-header of both addresses, length and protocol.
  let sum = p.protocol + transport.length;
  for (let i = 8; i < 40; i += 2) sum += v.getUint16(i);
  for (let i = 0; i + 1 < transport.length; i += 2) {
    sum += (transport[i] << 8) | transport[i + 1];
    if ((i & 0xffff) === 0) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  }
  if (transport.length % 2 === 1) sum += transport[transport.length - 1] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  let check = ~sum & 0xffff;
  if (check === 0 && p.protocol === IPPROTO_UDP) check = 0xffff;
  v.setUint16(IP6_HEADER_BYTES + (p.protocol === IPPROTO_TCP ? 16 : 6), check);
  return out;
}
