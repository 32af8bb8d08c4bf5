// rtnetlink answers for a simulated host: RTM_GETLINK and RTM_GETADDR dumps
// describe `lo` (127.0.0.1/8) and `eth0` (the host's address, /24), which is
// what glibc's getifaddrs and if_nameindex ask; IPv6 adds ::1/128 on lo and the
// host's address /64 on eth0 (glibc's AI_ADDRCONFIG reads them); everything else is refused.

import { AF_INET, AF_INET6, AF_PACKET, AF_UNSPEC } from '../abi/socket';
import { hostMac, linkLocalFor } from './ip6';

const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;
const RTM_NEWLINK = 16;
const RTM_GETLINK = 18;
const RTM_NEWADDR = 20;
const RTM_GETADDR = 22;
const RTM_NEWROUTE = 24;
const RTM_GETROUTE = 26;

const NLM_F_REQUEST = 0x1;
const NLM_F_MULTI = 0x2;
const NLM_F_ACK = 0x4;
const NLM_F_DUMP = 0x300;

const IFLA_ADDRESS = 1,
  IFLA_BROADCAST = 2,
  IFLA_IFNAME = 3,
  IFLA_MTU = 4,
  IFLA_TXQLEN = 13,
  IFLA_OPERSTATE = 16;
const IFA_ADDRESS = 1,
  IFA_LOCAL = 2,
  IFA_LABEL = 3,
  IFA_BROADCAST = 4,
  IFA_FLAGS = 8;
const IFA_F_PERMANENT = 0x80;
const RTA_DST = 1,
  RTA_OIF = 4,
  RTA_PRIORITY = 6,
  RTA_PREFSRC = 7,
  RTA_TABLE = 15,
  RTA_PREF = 20;
const RT_TABLE_MAIN = 254,
  RTPROT_KERNEL = 2,
  RTPROT_BOOT = 3,
  RT_SCOPE_UNIVERSE = 0,
  RT_SCOPE_LINK = 253,
  RTN_UNICAST = 1;

const EOPNOTSUPP = 95;
const ENODEV = 19;
const EINVAL = 22;

export interface HostLink {
  index: number;
  name: string;
  /** ARPHRD_* */
  type: number;
  /** IFF_* */
  flags: number;
  mtu: number;
  mac: Uint8Array;
  hwBroadcast: Uint8Array;
  /** IF_OPER_* */
  operState: number;
  ip: number;
  prefixLen: number;
  /** RT_SCOPE_* */
  scope: number;
  /** IPv4 broadcast address, or null. */
  broadcast: number | null;
}

/** The two interfaces every simulated host has (reference §10). */
export function hostLinks(hostIp: number, hostIp6: Uint8Array | null = null): HostLink[] {
  const mac = hostMac(hostIp, hostIp6);
  return [
    {
      index: 1,
      name: 'lo',
      type: 772, // ARPHRD_LOOPBACK
      flags: 0x1 | 0x8 | 0x40 | 0x10000, // UP LOOPBACK RUNNING LOWER_UP
      mtu: 65536,
      mac: new Uint8Array(6),
      hwBroadcast: new Uint8Array(6),
      operState: 0, // IF_OPER_UNKNOWN, as Linux reports lo
      ip: 0x7f000001,
      prefixLen: 8,
      scope: 254, // RT_SCOPE_HOST
      broadcast: null,
    },
    {
      index: 2,
      name: 'eth0',
      type: 1, // ARPHRD_ETHER
      flags: 0x1 | 0x2 | 0x40 | 0x1000 | 0x10000, // UP BROADCAST RUNNING MULTICAST LOWER_UP
      mtu: 1500,
      mac,
      hwBroadcast: new Uint8Array([255, 255, 255, 255, 255, 255]),
      operState: 6, // IF_OPER_UP
      ip: hostIp,
      prefixLen: 24,
      scope: 0, // RT_SCOPE_UNIVERSE
      broadcast: (hostIp | 0xff) >>> 0,
    },
  ];
}

/** Builds netlink messages into one growing buffer. */
class Writer {
  buf = Buffer.alloc(1024);
  len = 0;

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  /** Starts a message; returns its offset for end(). */
  begin(type: number, flags: number, seq: number, pid: number): number {
    this.ensure(16);
    const at = this.len;
    this.buf.fill(0, at, at + 16);
    this.buf.writeUInt16LE(type, at + 4);
    this.buf.writeUInt16LE(flags, at + 6);
    this.buf.writeUInt32LE(seq >>> 0, at + 8);
    this.buf.writeInt32LE(pid | 0, at + 12);
    this.len += 16;
    return at;
  }

  end(at: number): void {
    this.buf.writeUInt32LE(this.len - at, at);
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length + 3);
    this.buf.set(b, this.len);
    this.len += b.length;
    this.pad();
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.len++] = v;
  }

  u16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16LE(v, this.len);
    this.len += 2;
  }

  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(v >>> 0, this.len);
    this.len += 4;
  }

  i32(v: number): void {
    this.ensure(4);
    this.buf.writeInt32LE(v | 0, this.len);
    this.len += 4;
  }

  /** An rtattr: length, type, payload, padded to 4 bytes. */
  attr(type: number, payload: Uint8Array): void {
    this.u16(4 + payload.length);
    this.u16(type);
    this.bytes(payload);
  }

  pad(): void {
    while (this.len % 4 !== 0) this.u8(0);
  }

  take(): Uint8Array {
    return Uint8Array.prototype.slice.call(this.buf, 0, this.len);
  }
}

function u32Attr(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  return b;
}

function ipAttr(ip: number): Uint8Array {
  return new Uint8Array([(ip >>> 24) & 255, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255]);
}

function cstr(s: string): Uint8Array {
  const b = new Uint8Array(s.length + 1);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}

function link(w: Writer, l: HostLink, flags: number, seq: number, pid: number): void {
  const at = w.begin(RTM_NEWLINK, flags, seq, pid);
  w.u8(AF_UNSPEC);
  w.u8(0);
  w.u16(l.type);
  w.i32(l.index);
  w.u32(l.flags);
  w.u32(0); // ifi_change
  w.attr(IFLA_IFNAME, cstr(l.name));
  w.attr(IFLA_ADDRESS, l.mac);
  w.attr(IFLA_BROADCAST, l.hwBroadcast);
  w.attr(IFLA_MTU, u32Attr(l.mtu));
  w.attr(IFLA_TXQLEN, u32Attr(1000));
  w.attr(IFLA_OPERSTATE, new Uint8Array([l.operState]));
  w.end(at);
}

function addr(w: Writer, l: HostLink, flags: number, seq: number, pid: number): void {
  const at = w.begin(RTM_NEWADDR, flags, seq, pid);
  w.u8(AF_INET);
  w.u8(l.prefixLen);
  w.u8(IFA_F_PERMANENT);
  w.u8(l.scope);
  w.u32(l.index);
  w.attr(IFA_ADDRESS, ipAttr(l.ip));
  w.attr(IFA_LOCAL, ipAttr(l.ip));
  if (l.broadcast !== null) w.attr(IFA_BROADCAST, ipAttr(l.broadcast));
  w.attr(IFA_LABEL, cstr(l.name));
  w.attr(IFA_FLAGS, u32Attr(IFA_F_PERMANENT));
  w.end(at);
}

/** An IPv6 address record: `bytes` on link `index`. */
function addr6(
  w: Writer,
  index: number,
  bytes: Uint8Array,
  prefixLen: number,
  scope: number,
  seq: number,
  pid: number,
): void {
  const at = w.begin(RTM_NEWADDR, NLM_F_MULTI, seq, pid);
  w.u8(AF_INET6);
  w.u8(prefixLen);
  w.u8(IFA_F_PERMANENT);
  w.u8(scope);
  w.u32(index);
  w.attr(IFA_ADDRESS, bytes);
  w.attr(IFA_FLAGS, u32Attr(IFA_F_PERMANENT));
  w.end(at);
}

/** Starts a unicast route of the main table (struct rtmsg and RTA_TABLE); the caller adds the rest and ends it. */
function beginRoute(
  w: Writer,
  family: number,
  dstLen: number,
  proto: number,
  scope: number,
  seq: number,
  pid: number,
): number {
  const at = w.begin(RTM_NEWROUTE, NLM_F_MULTI, seq, pid);
  w.u8(family);
  w.u8(dstLen);
  w.u8(0); // src_len
  w.u8(0); // tos
  w.u8(RT_TABLE_MAIN);
  w.u8(proto);
  w.u8(scope);
  w.u8(RTN_UNICAST);
  w.u32(0); // rtm_flags
  w.attr(RTA_TABLE, u32Attr(RT_TABLE_MAIN));
  return at;
}

/** An IPv4 route of the main table, on-link out of `l` (no gateway: every host is one hop away). */
function route4(w: Writer, l: HostLink, dst: number, dstLen: number, proto: number, seq: number, pid: number): void {
  const at = beginRoute(w, AF_INET, dstLen, proto, RT_SCOPE_LINK, seq, pid);
  if (dstLen > 0) w.attr(RTA_DST, ipAttr(dst));
  // The kernel's own subnet route names the address it came from.
  if (proto === RTPROT_KERNEL) w.attr(RTA_PREFSRC, ipAttr(l.ip));
  w.attr(RTA_OIF, u32Attr(l.index));
  w.end(at);
}

/**
 * The IPv4 routes of the main table a host with eth0's address would have: a
 * default route out of eth0 and the kernel's route to eth0's subnet (lo's
 * routes live in the local table, which `ip route` does not show).
 */
function routes4(w: Writer, links: readonly HostLink[], seq: number, pid: number): void {
  const eth = links.find((l) => l.name === 'eth0');
  if (eth === undefined || eth.ip === 0) return; // an IPv6-only host
  route4(w, eth, 0, 0, RTPROT_BOOT, seq, pid);
  const mask = eth.prefixLen === 0 ? 0 : (0xffffffff << (32 - eth.prefixLen)) >>> 0;
  route4(w, eth, (eth.ip & mask) >>> 0, eth.prefixLen, RTPROT_KERNEL, seq, pid);
}

/** An IPv6 route of the main table: `dst`/`dstLen` out of link `oif`. */
function route6(
  w: Writer,
  dst: Uint8Array,
  dstLen: number,
  oif: number,
  proto: number,
  metric: number,
  seq: number,
  pid: number,
): void {
  const at = beginRoute(w, AF_INET6, dstLen, proto, RT_SCOPE_UNIVERSE, seq, pid);
  if (dstLen > 0) w.attr(RTA_DST, dst);
  w.attr(RTA_PRIORITY, u32Attr(metric));
  w.attr(RTA_OIF, u32Attr(oif));
  w.attr(RTA_PREF, new Uint8Array([0])); // ICMPV6_ROUTER_PREF_MEDIUM
  w.end(at);
}

/**
 * The IPv6 routes Linux would show: ::1 on lo; with an address, its /64 and
 * fe80::/64 on eth0 and a default route out of eth0 (every host is one hop away).
 */
function routes6(w: Writer, hostIp6: Uint8Array | null, seq: number, pid: number): void {
  route6(w, IN6_LOOPBACK_BYTES, 128, 1, RTPROT_KERNEL, 256, seq, pid);
  if (hostIp6 === null) return;
  const prefix = new Uint8Array(16);
  prefix.set(hostIp6.subarray(0, 8));
  route6(w, prefix, 64, 2, RTPROT_KERNEL, 256, seq, pid);
  const linkLocal = new Uint8Array(16);
  linkLocal[0] = 0xfe;
  linkLocal[1] = 0x80;
  route6(w, linkLocal, 64, 2, RTPROT_KERNEL, 256, seq, pid);
  route6(w, new Uint8Array(16), 0, 2, RTPROT_BOOT, 1024, seq, pid);
}

const IN6_LOOPBACK_BYTES = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);

function error(w: Writer, errno: number, req: Uint8Array, at: number, seq: number, pid: number): void {
  const m = w.begin(NLMSG_ERROR, 0, seq, pid);
  w.i32(-errno);
  w.bytes(req.subarray(at, at + 16)); // the request's header, as with NETLINK_CAP_ACK
  w.end(m);
}

/**
 * Answers the requests in one datagram sent to the kernel (port 0). Returns
 * the datagrams to queue on the socket: one per request (dump parts and the
 * NLMSG_DONE travel together, which glibc and libnl read fine).
 */
export function rtnetlinkAnswer(
  req: Uint8Array,
  portId: number,
  hostIp: number,
  hostIp6: Uint8Array | null = null,
): Uint8Array[] {
  const out: Uint8Array[] = [];
  const dv = new DataView(req.buffer, req.byteOffset, req.byteLength);
  const links = hostLinks(hostIp, hostIp6);
  let at = 0;
  while (at + 16 <= req.length) {
    const len = dv.getUint32(at, true);
    if (len < 16 || at + len > req.length) break;
    const type = dv.getUint16(at + 4, true);
    const flags = dv.getUint16(at + 6, true);
    const seq = dv.getUint32(at + 8, true);
    const w = new Writer();
    if ((flags & NLM_F_REQUEST) === 0) {
      // Not a request: the kernel ignores it.
    } else if (type === RTM_GETLINK) {
      const family = len >= 17 ? req[at + 16] : AF_UNSPEC;
      if ((flags & NLM_F_DUMP) === NLM_F_DUMP) {
        if (family === AF_UNSPEC || family === AF_PACKET) for (const l of links) link(w, l, NLM_F_MULTI, seq, portId);
        done(w, seq, portId);
      } else {
        const index = len >= 24 ? dv.getInt32(at + 20, true) : 0;
        const l = links.find((x) => x.index === index);
        if (l) link(w, l, 0, seq, portId);
        else error(w, index === 0 ? EINVAL : ENODEV, req, at, seq, portId);
      }
    } else if (type === RTM_GETADDR && (flags & NLM_F_DUMP) === NLM_F_DUMP) {
      const family = len >= 17 ? req[at + 16] : AF_UNSPEC;
      if (family === AF_UNSPEC || family === AF_INET) {
        // An IPv6-only host (address 0) has no IPv4 address on eth0.
        for (const l of links) if (l.ip !== 0) addr(w, l, NLM_F_MULTI, seq, portId);
      }
      if (family === AF_UNSPEC || family === AF_INET6) {
        addr6(w, 1, IN6_LOOPBACK_BYTES, 128, 254, seq, portId);
        if (hostIp6 !== null) {
          addr6(w, 2, hostIp6, 64, 0, seq, portId);
          addr6(w, 2, linkLocalFor(hostIp, hostIp6), 64, 253, seq, portId); // RT_SCOPE_LINK
        }
      }
      done(w, seq, portId);
    } else if (type === RTM_GETROUTE && (flags & NLM_F_DUMP) === NLM_F_DUMP) {
      // Programs look for the default route's interface (libp2p, Tor's address discovery) or IPv6 reachability.
      const family = len >= 17 ? req[at + 16] : AF_UNSPEC;
      if (family === AF_UNSPEC || family === AF_INET) routes4(w, links, seq, portId);
      if (family === AF_UNSPEC || family === AF_INET6) routes6(w, hostIp6, seq, portId);
      done(w, seq, portId);
    } else {
      error(w, EOPNOTSUPP, req, at, seq, portId);
    }
    // A non-dump request that asked for an ACK and did not already get an error gets one.
    const wasError = w.len >= 16 && w.buf.readUInt16LE(4) === NLMSG_ERROR;
    if (
      (flags & NLM_F_ACK) !== 0 &&
      (flags & NLM_F_DUMP) !== NLM_F_DUMP &&
      (flags & NLM_F_REQUEST) !== 0 &&
      !wasError
    ) {
      error(w, 0, req, at, seq, portId);
    }
    if (w.len > 0) out.push(w.take());
    at += (len + 3) & ~3;
  }
  return out;
}

function done(w: Writer, seq: number, pid: number): void {
  const at = w.begin(NLMSG_DONE, NLM_F_MULTI, seq, pid);
  w.i32(0);
  w.end(at);
}
