// AF_INET and AF_INET6 SOCK_DGRAM socket files: the face of a UdpSocket (net/udp.ts)
// towards processes — sockaddr_in(6), one datagram per send/receive over iovecs
// (MSG_PEEK, MSG_TRUNC), and the IPPROTO_IP/IPPROTO_IPV6/IPPROTO_UDP options.
import type { Thread } from '../../host/thread';
import { E } from '../../abi/errno';
import {
  AF_INET,
  AF_INET6,
  AF_UNSPEC,
  IP_MTU,
  IP_MTU_DISCOVER,
  IP_MULTICAST_LOOP,
  IP_MULTICAST_TTL,
  IP_PMTUDISC_WANT,
  IP_RECVERR,
  IP_TOS,
  IP_OPTIONS,
  IP_TTL,
  IPPROTO_IP,
  IPPROTO_IPV6,
  IPV6_RECVPKTINFO,
  IPPROTO_UDP,
  MSG_ERRQUEUE,
  MSG_OOB,
  MSG_PEEK,
  MSG_TRUNC,
  SO_BROADCAST,
  SO_REUSEADDR,
  SO_REUSEPORT,
  SOCK_DGRAM,
} from '../../abi/socket';
import type { Kernel } from '../../kernel/kernel';
import { isLoopback, UDP_MAX_PAYLOAD } from '../packet';
import type { NetworkStack } from '../stack';
import { UdpSocket } from '../udp';
import { FAM_V4, FAM_V6 } from '../ip6';
import { checkSockaddrIn, ETH0_INDEX, inIp, inPort, putSockaddrOf, type SockAddr } from './address';
import { decodeIn6, getIpv6Option, setIpv6Option } from './inet6';
import type { UserMsg } from './message';
import { IpOptions, type OptValue } from './option';
import { PlainBufferSocketFile } from './socket-file';

/** What IP_TTL reports until set (net.ipv4.ip_default_ttl). */
const DEFAULT_TTL = 64;
/** IP_MTU towards the host itself (lo) and towards another host (eth0). */
const LOOPBACK_MTU = 65536,
  ETH_MTU = 1500;

export class UdpFile extends PlainBufferSocketFile {
  readonly type = SOCK_DGRAM;
  readonly protocol = IPPROTO_UDP;
  readonly sock: UdpSocket;
  /** IP_OPTIONS as set. */
  private readonly ipOptions = new IpOptions();

  /** The address decodeIn6 found. */
  private readonly dest6 = { ip: 0 };

  constructor(
    stack: NetworkStack,
    readonly domain: number = AF_INET,
  ) {
    super();
    this.sock = new UdpSocket(stack, this.watchers);
    // Linux's default (net.ipv6.bindv6only = 0): an AF_INET6 socket also takes IPv4.
    if (domain === AF_INET6) this.sock.familyMask = FAM_V4 | FAM_V6;
  }

  /** A local or peer address in this socket's family. */
  private putAddr(out: SockAddr, ip: number, port: number): void {
    putSockaddrOf(this.domain, out, this.sock.stack.ip6Table, ip, port);
  }

  poll(): number {
    return this.sock.poll();
  }

  release(): void {
    this.sock.close();
  }

  override bind(_t: Thread, a: SockAddr): number {
    if (this.domain === AF_INET6) {
      const r6 = decodeIn6(a, this.sock.stack, this.sock.familyMask, true, this.dest6);
      return r6 < 0 ? r6 : this.sock.bind(this.dest6.ip, inPort(a));
    }
    const r = checkSockaddrIn(a);
    if (r < 0) return r;
    const family = a.family;
    // Linux accepts AF_UNSPEC for INADDR_ANY only (old programs rely on it).
    if (family !== AF_INET && !(family === AF_UNSPEC && inIp(a) === 0)) return -E.EAFNOSUPPORT;
    return this.sock.bind(inIp(a), inPort(a));
  }

  override connect(_t: Thread, a: SockAddr): number {
    if (a.len >= 2 && a.family === AF_UNSPEC) {
      this.sock.disconnect();
      return 0;
    }
    if (this.domain === AF_INET6) {
      const r6 = decodeIn6(a, this.sock.stack, this.sock.familyMask, false, this.dest6);
      return r6 < 0 ? r6 : this.sock.connect(this.dest6.ip, inPort(a));
    }
    const r = checkSockaddrIn(a);
    if (r < 0) return r;
    if (a.family !== AF_INET) return -E.EAFNOSUPPORT;
    return this.sock.connect(inIp(a), inPort(a));
  }

  sendMsg(k: Kernel, t: Thread, m: UserMsg, flags: number): number {
    if ((flags & MSG_OOB) !== 0) return -E.EOPNOTSUPP;
    const s = this.sock;
    let ip: number;
    let port: number;
    if (m.hasDest) {
      // Linux looks at the pointer here: an address of length 0 is EINVAL, not "no address".
      const a = m.dest;
      if (this.domain === AF_INET6) {
        const r6 = decodeIn6(a, s.stack, s.familyMask, false, this.dest6);
        if (r6 < 0) return r6;
        ip = this.dest6.ip;
      } else {
        const r = checkSockaddrIn(a);
        if (r < 0) return r;
        if (a.family !== AF_INET && a.family !== AF_UNSPEC) return -E.EAFNOSUPPORT;
        ip = inIp(a);
      }
      port = inPort(a);
      if (port === 0) return -E.EINVAL;
    } else {
      if (!s.connected) return -E.EDESTADDRREQ;
      ip = s.peerIp;
      port = s.peerPort;
    }
    if (m.total > UDP_MAX_PAYLOAD) return -E.EMSGSIZE;
    // Check for room before copying the payload out of the process.
    if (!s.canSend && s.error === 0 && !s.shutWr) return -E.EAGAIN;
    const data = m.gather(k, t, 0, m.total);
    if (data === null) return -E.EFAULT;
    return s.sendTo(data, ip, port);
  }

  /** One datagram: MSG_PEEK leaves it queued, MSG_TRUNC reports its full size; the source goes to m.src. */
  recvMsg(k: Kernel, t: Thread, m: UserMsg, flags: number): number {
    if ((flags & MSG_OOB) !== 0) return -E.EOPNOTSUPP;
    if ((flags & MSG_ERRQUEUE) !== 0) return -E.EAGAIN; // no queued ICMP errors to read back
    const s = this.sock;
    const p = s.peek();
    if (p === null) {
      if (s.error !== 0) return -s.takeError();
      if (s.shutRd) return 0;
      return -E.EAGAIN;
    }
    const size = p.payload.length;
    const n = size < m.total ? size : m.total;
    if (n > 0 && m.scatter(k, t, 0, p.payload, 0, n) < 0) return -E.EFAULT;
    this.putAddr(m.src, p.srcIp, p.srcPort);
    if (this.domain === AF_INET6 && this.storedOpt(IPPROTO_IPV6, IPV6_RECVPKTINFO, 0) !== 0) {
      // struct in6_pktinfo: where the datagram was sent (v4-mapped for IPv4) and the interface it came in by.
      m.pktInfo = true;
      s.stack.ip6Table.write(p.dstIp, m.pktInfoBytes, 0);
      m.pktInfoBytes.writeUInt32LE(p.srcHostId === s.stack.host.id ? 1 : ETH0_INDEX, 16);
    }
    if ((flags & MSG_PEEK) === 0) s.take();
    if (size > m.total) m.outFlags |= MSG_TRUNC;
    return (flags & MSG_TRUNC) !== 0 ? size : n;
  }

  sockName(peer: boolean, out: SockAddr): number {
    const s = this.sock;
    if (peer) {
      if (!s.connected) return -E.ENOTCONN;
      this.putAddr(out, s.peerIp, s.peerPort);
    } else {
      this.putAddr(out, s.localIp, s.localPort);
    }
    return 0;
  }

  override shutdown(how: number): number {
    if (how < 0 || how > 2) return -E.EINVAL;
    this.sock.shutdown(how !== 1, how !== 0);
    // Linux records the shutdown but still says ENOTCONN on an unconnected datagram socket.
    return this.sock.connected ? 0 : -E.ENOTCONN;
  }

  readableBytes(): number {
    const p = this.sock.peek();
    return p === null ? 0 : p.payload.length;
  }

  override unsentBytes(): number {
    return this.sock.queuedSendBytes;
  }

  // ------------------------------------------------------------- options

  protected override setOwnOption(name: number, v: number): boolean {
    const s = this.sock;
    switch (name) {
      case SO_REUSEADDR:
        s.reuseAddr = v !== 0;
        return true;
      case SO_REUSEPORT:
        s.reusePort = v !== 0;
        return true;
      case SO_BROADCAST:
        s.broadcast = v !== 0;
        return true;
      default:
        return false;
    }
  }

  protected override ownOption(name: number): number | null {
    const s = this.sock;
    switch (name) {
      case SO_REUSEADDR:
        return s.reuseAddr ? 1 : 0;
      case SO_REUSEPORT:
        return s.reusePort ? 1 : 0;
      case SO_BROADCAST:
        return s.broadcast ? 1 : 0;
      default:
        return null;
    }
  }

  protected override setLevelOption(level: number, name: number, v: number, val: OptValue): number {
    if (level === IPPROTO_IPV6 && this.domain === AF_INET6) {
      return setIpv6Option(this.sock, this.sock.bound, name, v, val, (n, x) => this.storeOpt(level, n, x));
    }
    if (level === IPPROTO_IP) {
      if (name === IP_OPTIONS) return this.ipOptions.set(val);
      if (val.len < 1) return -E.EINVAL;
      if (name === IP_RECVERR) this.sock.recvErr = v !== 0;
      if (name === IP_TTL && (v < -1 || v === 0 || v > 255)) return -E.EINVAL;
      this.storeOpt(level, name, v);
      return 0;
    }
    if (level === IPPROTO_UDP) {
      // UDP_CORK, UDP_SEGMENT, UDP_GRO ...: accepted; datagrams still leave one per call.
      if (val.len < 4) return -E.EINVAL;
      this.storeOpt(level, name, v);
      return 0;
    }
    return -E.ENOPROTOOPT;
  }

  protected override getLevelOption(level: number, name: number, out: DataView): number {
    if (level === IPPROTO_IPV6 && this.domain === AF_INET6) {
      const s = this.sock;
      const mtu = !s.connected ? null : isLoopback(s.peerIp) || s.stack.isOwnAddress(s.peerIp) ? LOOPBACK_MTU : ETH_MTU;
      const v = getIpv6Option(s, name, (n, d) => this.storedOpt(level, n, d), mtu);
      if (v === null) return -E.ENOTCONN;
      out.setInt32(0, v, true);
      return 4;
    }
    if (level === IPPROTO_IP) {
      if (name === IP_OPTIONS) return this.ipOptions.get(out);
      const s = this.sock;
      let v: number;
      switch (name) {
        case IP_TTL:
          v = this.storedOpt(level, name, -1);
          if (v === -1) v = DEFAULT_TTL;
          break;
        case IP_TOS:
          v = this.storedOpt(level, name, 0);
          break;
        case IP_MTU_DISCOVER:
          v = this.storedOpt(level, name, IP_PMTUDISC_WANT);
          break;
        case IP_RECVERR:
          v = s.recvErr ? 1 : 0;
          break;
        case IP_MULTICAST_TTL:
        case IP_MULTICAST_LOOP:
          v = this.storedOpt(level, name, 1);
          break;
        case IP_MTU:
          if (!s.connected) return -E.ENOTCONN;
          v = s.peerIp >>> 24 === 127 || s.peerIp === s.stack.host.ip ? LOOPBACK_MTU : ETH_MTU;
          break;
        default:
          v = this.storedOpt(level, name, 0);
      }
      out.setInt32(0, v, true);
      return 4;
    }
    if (level === IPPROTO_UDP) {
      out.setInt32(0, this.storedOpt(level, name, 0), true);
      return 4;
    }
    return -E.ENOPROTOOPT;
  }
}
