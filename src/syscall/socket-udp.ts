// AF_INET SOCK_DGRAM sockets: the syscall face of net/udp.ts — sockaddr_in
// parsing, datagram send/receive over iovecs, IP-level options.
import type { Thread } from '../host/thread';
import { UDP_MAX_PAYLOAD } from '../net/packet';
import type { NetworkStack } from '../net/stack';
import { UdpSocket } from '../net/udp';
import { E } from '../abi/errno';
import type { Kernel } from '../kernel/kernel';
import {
  AF_INET,
  AF_UNSPEC,
  MSG_ERRQUEUE,
  MSG_OOB,
  MSG_PEEK,
  MSG_TRUNC,
  putSockaddrIn,
  readSockaddr,
  SO,
  SOCK_DGRAM,
  SocketFile,
  UserMsg,
} from './socket-file';

const IPPROTO_IP = 0,
  IPPROTO_UDP = 17;
const IP_TOS = 1,
  IP_TTL = 2,
  IP_MTU_DISCOVER = 10,
  IP_RECVERR = 11,
  IP_MTU = 14;
const IP_MULTICAST_TTL = 33,
  IP_MULTICAST_LOOP = 34;
const IP_PMTUDISC_WANT = 1;

/** The parsed address of the last parseIn call (no allocation per call). */
export const parsed = { family: 0, ip: 0, port: 0 };

/** Parses a sockaddr_in of `len` bytes at addr (family in parsed.family). Returns 0 or -errno. */
export function parseIn(k: Kernel, t: Thread, addr: number, len: number, minLen = 16): number {
  if (len < 2) return -E.EINVAL;
  const r = readSockaddr(k, t, addr, Math.min(len, 16));
  if (r < 0) return r;
  const dv = k.mem.view();
  parsed.family = dv.getUint16(0, true);
  if (parsed.family !== AF_UNSPEC && len < minLen) return -E.EINVAL;
  if (len < 8) {
    parsed.port = 0;
    parsed.ip = 0;
    return 0;
  }
  parsed.port = dv.getUint16(2, false);
  parsed.ip = dv.getUint32(4, false);
  return 0;
}

export class UdpFile extends SocketFile {
  readonly domain = AF_INET;
  readonly type = SOCK_DGRAM;
  readonly protocol = IPPROTO_UDP;
  readonly sock: UdpSocket;

  constructor(stack: NetworkStack) {
    super();
    this.sock = new UdpSocket(stack, this.watchers);
  }

  poll(): number {
    return this.sock.poll();
  }

  release(): void {
    this.sock.close();
  }

  override bind(k: Kernel, t: Thread, addr: number, len: number): number {
    const r = parseIn(k, t, addr, len);
    if (r < 0) return r;
    // Linux accepts AF_UNSPEC for INADDR_ANY only (old programs rely on it).
    if (parsed.family !== AF_INET && !(parsed.family === AF_UNSPEC && parsed.ip === 0)) return -E.EAFNOSUPPORT;
    return this.sock.bind(parsed.ip, parsed.port);
  }

  override connect(k: Kernel, t: Thread, addr: number, len: number): number {
    const r = parseIn(k, t, addr, len);
    if (r < 0) return r;
    if (parsed.family === AF_UNSPEC) {
      this.sock.disconnect();
      return 0;
    }
    if (parsed.family !== AF_INET) return -E.EAFNOSUPPORT;
    return this.sock.connect(parsed.ip, parsed.port);
  }

  sendMsg(k: Kernel, t: Thread, m: UserMsg, flags: number): number {
    if ((flags & MSG_OOB) !== 0) return -E.EOPNOTSUPP;
    const s = this.sock;
    let ip: number;
    let port: number;
    if (m.nameAddr !== 0) {
      // Linux looks at the pointer here: an address of length 0 is EINVAL, not "no address".
      const r = parseIn(k, t, m.nameAddr, m.nameLen);
      if (r < 0) return r;
      if (parsed.family !== AF_INET && parsed.family !== AF_UNSPEC) return -E.EAFNOSUPPORT;
      if (parsed.port === 0) return -E.EINVAL;
      ip = parsed.ip;
      port = parsed.port;
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
    putSockaddrIn(p.srcIp, p.srcPort);
    if ((flags & MSG_PEEK) === 0) s.take();
    if (size > m.total) m.outFlags |= MSG_TRUNC;
    return (flags & MSG_TRUNC) !== 0 ? size : n;
  }

  sockName(peer: boolean): number {
    const s = this.sock;
    if (peer) {
      if (!s.connected) return -E.ENOTCONN;
      putSockaddrIn(s.peerIp, s.peerPort);
    } else {
      putSockaddrIn(s.localIp, s.localPort);
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

  protected override setOptSocket(name: number, v: number): number | null {
    const s = this.sock;
    switch (name) {
      case SO.REUSEADDR:
        s.reuseAddr = v !== 0;
        return null;
      case SO.REUSEPORT:
        s.reusePort = v !== 0;
        return null;
      case SO.BROADCAST:
        s.broadcast = v !== 0;
        return null;
      case SO.SNDBUF:
      case SO.SNDBUFFORCE:
        s.sndBuf = SocketFile.sndBufFor(v, name === SO.SNDBUFFORCE);
        this.watchers.notify(); // a larger buffer may make a blocked sender writable
        return 0;
      case SO.RCVBUF:
      case SO.RCVBUFFORCE:
        s.rcvBuf = SocketFile.rcvBufFor(v, name === SO.RCVBUFFORCE);
        return 0;
      default:
        return null;
    }
  }

  protected override getOptSocket(name: number): number | null {
    const s = this.sock;
    switch (name) {
      case SO.ERROR:
        return s.takeError();
      case SO.SNDBUF:
        return s.sndBuf;
      case SO.RCVBUF:
        return s.rcvBuf;
      default:
        return null;
    }
  }

  protected override setOptLevel(_k: Kernel, level: number, name: number, v: number, len: number): number {
    if (level === IPPROTO_IP) {
      if (len < 1) return -E.EINVAL;
      if (name === IP_RECVERR) this.sock.recvErr = v !== 0;
      if (name === IP_TTL && (v < -1 || v === 0 || v > 255)) return -E.EINVAL;
      this.storeOpt(level, name, v);
      return 0;
    }
    if (level === IPPROTO_UDP) {
      // UDP_CORK, UDP_SEGMENT, UDP_GRO ...: accepted; datagrams still leave one per call.
      if (len < 4) return -E.EINVAL;
      this.storeOpt(level, name, v);
      return 0;
    }
    return -E.ENOPROTOOPT;
  }

  protected override getOptLevel(level: number, name: number, dv: DataView): number {
    if (level === IPPROTO_IP) {
      let v: number;
      switch (name) {
        case IP_TTL:
          v = this.storedOpt(level, name, -1);
          if (v === -1) v = 64;
          break;
        case IP_TOS:
          v = this.storedOpt(level, name, 0);
          break;
        case IP_MTU_DISCOVER:
          v = this.storedOpt(level, name, IP_PMTUDISC_WANT);
          break;
        case IP_RECVERR:
          v = this.sock.recvErr ? 1 : 0;
          break;
        case IP_MULTICAST_TTL:
          v = this.storedOpt(level, name, 1);
          break;
        case IP_MULTICAST_LOOP:
          v = this.storedOpt(level, name, 1);
          break;
        case IP_MTU:
          if (!this.sock.connected) return -E.ENOTCONN;
          v = this.sock.peerIp >>> 24 === 127 || this.sock.peerIp === this.sock.stack.host.ip ? 65536 : 1500;
          break;
        default:
          v = this.storedOpt(level, name, 0);
      }
      dv.setInt32(0, v, true);
      return 4;
    }
    if (level === IPPROTO_UDP) {
      dv.setInt32(0, this.storedOpt(level, name, 0), true);
      return 4;
    }
    return -E.ENOPROTOOPT;
  }
}
