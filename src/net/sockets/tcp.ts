// AF_INET and AF_INET6 SOCK_STREAM socket files: the face of a TcpSocket (net/tcp/socket.ts)
// towards processes — sockaddr_in, stream send/receive over iovecs with the
// progress kept across restarts, IPPROTO_TCP/IPPROTO_IP options and struct
// tcp_info, the SO_LINGER wait of close(), and sendfile from a native file.
import * as fs from 'node:fs';
import type { Descriptor } from '../../host/fd-table';
import type { Thread } from '../../host/thread';
import { E } from '../../abi/errno';
import {
  AF_INET,
  AF_INET6,
  AF_UNSPEC,
  FIONREAD,
  IP_OPTIONS,
  IP_TTL,
  IPPROTO_IP,
  IPPROTO_IPV6,
  IPPROTO_TCP,
  MSG_ERRQUEUE,
  MSG_MORE,
  MSG_NOSIGNAL,
  MSG_OOB,
  MSG_PEEK,
  MSG_TRUNC,
  MSG_WAITALL,
  SIOCOUTQ,
  SIOCOUTQNSD,
  SO_KEEPALIVE,
  SO_RCVLOWAT,
  SO_REUSEADDR,
  SO_REUSEPORT,
  SOCK_STREAM,
  TCP_CONGESTION,
  TCP_CORK,
  TCP_DEFER_ACCEPT,
  TCP_FASTOPEN,
  TCP_FASTOPEN_CONNECT,
  TCP_INFO,
  TCP_KEEPCNT,
  TCP_KEEPIDLE,
  TCP_KEEPINTVL,
  TCP_LINGER2,
  TCP_MAXSEG,
  TCP_NODELAY,
  TCP_NOTSENT_LOWAT,
  TCP_QUICKACK,
  TCP_SYNCNT,
  TCP_USER_TIMEOUT,
  TCP_WINDOW_CLAMP,
} from '../../abi/socket';
import { SYS } from '../../abi/syscalls';
import type { Kernel } from '../../kernel/kernel';
import type { NetworkStack } from '../stack';
import type { TcpEndpoint } from '../tcp/endpoint';
import { TCP_MSS_DEFAULT, TcpSocket } from '../tcp/socket';
import { TcpStack } from '../tcp/stack';
import type { ShutdownHow } from '../tcp/types';
import { FAM_V4, FAM_V6 } from '../ip6';
import { checkSockaddrIn, inIp, inPort, putSockaddrOf, type SockAddr } from './address';
import { decodeIn6, getIpv6Option, setIpv6Option } from './inet6';
import { layerOf, STAGE_BYTES } from './layer';
import type { IoProgress, UserMsg } from './message';
import { IpOptions, type OptValue } from './option';
import { SocketFile } from './socket-file';
import { SIGPIPE } from '../../abi/signals';

const SEEK_SET = 0,
  SEEK_CUR = 1;
const TCP_MIN_MSS = 88,
  MAX_TCP_WINDOW = 32767;
const MAX_TCP_KEEPIDLE = 32767,
  MAX_TCP_KEEPINTVL = 32767,
  MAX_TCP_KEEPCNT = 127,
  MAX_TCP_SYNCNT = 127;
const TCP_CA_NAME_MAX = 16;
/** sizeof(struct tcp_info) in Linux 6.x (through tcpi_total_rto_time). */
const TCP_INFO_SIZE = 248;
const TCP_STATE_CLOSE = 7,
  TCP_STATE_LISTEN = 10;
/** What IP_TTL reports until set (net.ipv4.ip_default_ttl). */
const DEFAULT_TTL = 64;

const SEC = 1_000_000_000;
const MS = 1_000_000;

export class TcpFile extends SocketFile {
  readonly domain: number;
  readonly type = SOCK_STREAM;
  readonly protocol = IPPROTO_TCP;
  readonly sock: TcpSocket;
  /** IP_OPTIONS as set (sshd checks that an accepted connection has none). */
  private readonly ipOptions = new IpOptions();

  /** The address decodeIn6 found. */
  private readonly dest6 = { ip: 0 };

  constructor(tcp: TcpStack, accepted: { ep: TcpEndpoint; from: TcpFile } | null = null, domain: number = AF_INET) {
    super();
    this.domain = accepted === null ? domain : accepted.from.domain;
    if (accepted === null) {
      this.sock = new TcpSocket(tcp, this.watchers);
      // Linux's default (net.ipv6.bindv6only = 0): an AF_INET6 socket also takes IPv4.
      if (domain === AF_INET6) this.sock.familyMask = FAM_V4 | FAM_V6;
    } else {
      const from = accepted.from;
      // Linux copies the listener's socket fields into the child (sk_clone_lock); TcpSocket copies its own.
      this.sock = TcpSocket.accepted(tcp, this.watchers, accepted.ep, from.sock);
      this.rcvTimeoNs = from.rcvTimeoNs;
      this.sndTimeoNs = from.sndTimeoNs;
    }
  }

  /** The TCP socket file for socket(2) on a host. */
  static open(stack: NetworkStack, domain: number = AF_INET): TcpFile {
    return new TcpFile(TcpStack.of(stack), null, domain);
  }

  /** A local or peer address in this socket's family. */
  private putAddr(out: SockAddr, ip: number, port: number): void {
    putSockaddrOf(this.domain, out, this.sock.tcp.stack.ip6Table, ip, port);
  }

  poll(): number {
    return this.sock.poll();
  }

  release(): void {
    this.sock.close();
  }

  override get listening(): boolean {
    return this.sock.listening;
  }

  override bind(_t: Thread, a: SockAddr): number {
    if (this.domain === AF_INET6) {
      const r6 = decodeIn6(a, this.sock.tcp.stack, this.sock.familyMask, true, this.dest6);
      return r6 < 0 ? r6 : this.sock.bind(this.dest6.ip, inPort(a));
    }
    const r = checkSockaddrIn(a);
    if (r < 0) return r;
    const family = a.family;
    // Linux accepts AF_UNSPEC for INADDR_ANY only (old programs rely on it).
    if (family !== AF_INET && !(family === AF_UNSPEC && inIp(a) === 0)) return -E.EAFNOSUPPORT;
    return this.sock.bind(inIp(a), inPort(a));
  }

  /**
   * Linux's inet_stream_connect (TcpSocket.connectStream); connect(AF_UNSPEC)
   * disconnects. Linux wants the full sockaddr_in, except a bare AF_UNSPEC.
   */
  override connect(_t: Thread, a: SockAddr, timedOut: boolean): number {
    if (this.domain === AF_INET6 && !(a.len >= 2 && a.family === AF_UNSPEC)) {
      const r6 = decodeIn6(a, this.sock.tcp.stack, this.sock.familyMask, false, this.dest6);
      return r6 < 0 ? r6 : this.sock.connectStream(this.dest6.ip, inPort(a), this.nonblocking, timedOut);
    }
    const r = checkSockaddrIn(a);
    if (r < 0) return r;
    if (a.family === AF_UNSPEC) {
      this.sock.disconnect();
      return 0;
    }
    if (a.family !== AF_INET) return -E.EAFNOSUPPORT;
    return this.sock.connectStream(inIp(a), inPort(a), this.nonblocking, timedOut);
  }

  override listen(backlog: number): number {
    return this.sock.listen(backlog);
  }

  override accept(): SocketFile | number {
    const r = this.sock.accept();
    if (typeof r === 'number') return r;
    return new TcpFile(this.sock.tcp, { ep: r, from: this });
  }

  override shutdown(how: number): number {
    if (how < 0 || how > 2) return -E.EINVAL;
    return this.sock.shutdown(how as ShutdownHow);
  }

  sockName(peer: boolean, out: SockAddr): number {
    const s = this.sock;
    if (peer) {
      const p = s.peer();
      if (p === null) return -E.ENOTCONN;
      this.putAddr(out, p.ip, p.port);
    } else {
      this.putAddr(out, s.localIp, s.localPort);
    }
    return 0;
  }

  // ------------------------------------------------------------- data

  /**
   * Stream send (tcp_sendmsg): copies what fits, as often as room appears;
   * -EAGAIN with m.progressed when it must wait. A destination address is
   * ignored, as Linux does for TCP. EPIPE raises SIGPIPE unless MSG_NOSIGNAL.
   */
  sendMsg(k: Kernel, t: Thread, m: UserMsg, flags: number): number {
    if ((flags & MSG_OOB) !== 0) return -E.EOPNOTSUPP; // urgent data is not modelled
    const s = this.sock;
    let done = m.resumeFrom;
    m.progressed = done;
    const more = (flags & MSG_MORE) !== 0;
    for (;;) {
      const space = s.sendSpace();
      if (space < 0) {
        if (done > 0) return done;
        if (space === -E.EPIPE && (flags & MSG_NOSIGNAL) === 0) k.deliverSignal(t.process, SIGPIPE);
        return space;
      }
      if (done >= m.total) return done;
      if (space === 0) {
        m.progressed = done;
        return -E.EAGAIN;
      }
      // The bytes go from the process straight into the send buffer's room.
      const sent = s.reserveSend(Math.min(space, m.total - done));
      if (sent <= 0) {
        m.progressed = done;
        return done > 0 ? done : sent === 0 ? -E.EAGAIN : sent;
      }
      if (m.gatherInto(k, t, done, sent, s.sendRoom, s.sendRoomAt) < 0) return done > 0 ? done : -E.EFAULT;
      s.commitSend(sent, more);
      done += sent;
      m.progressed = done;
    }
  }

  /**
   * Stream receive (tcp_recvmsg): returns what is queued (at least
   * SO_RCVLOWAT); MSG_WAITALL keeps filling across restarts; MSG_PEEK leaves
   * the bytes; MSG_TRUNC discards them. The source address is never filled.
   */
  recvMsg(k: Kernel, t: Thread, m: UserMsg, flags: number): number {
    if ((flags & MSG_OOB) !== 0) return -E.EINVAL; // no urgent data ever arrives
    if ((flags & MSG_ERRQUEUE) !== 0) return -E.EAGAIN;
    const s = this.sock;
    if (s.listening) return -E.ENOTCONN;
    m.src.len = 0;
    // A zero-length read still waits for data like any other (tcp_recvmsg's target is at least 1).
    if (m.total === 0 && s.readableBytes > 0) return 0;
    const peek = (flags & MSG_PEEK) !== 0;
    const waitAll = (flags & MSG_WAITALL) !== 0 && !peek;
    const discard = (flags & MSG_TRUNC) !== 0;
    const stage = layerOf(k).stage;
    let done = waitAll ? m.resumeFrom : 0;
    m.progressed = done;
    // SO_RCVLOWAT: wait until that much is queued, unless the stream ended or failed.
    const lowat = waitAll ? 1 : Math.min(s.rcvLowat, m.total);
    const avail = s.readableBytes;
    if (avail > 0 && (avail >= lowat || s.eofOrError)) {
      let left = Math.min(avail, m.total - done);
      while (left > 0) {
        const n = Math.min(left, STAGE_BYTES);
        const got = s.read(stage.subarray(0, n), peek);
        if (got <= 0) break;
        if (!discard && m.scatter(k, t, done, stage, 0, got) < 0) return done > 0 ? done : -E.EFAULT;
        done += got;
        left -= got;
        if (peek) break;
      }
    }
    if (done > 0 && (done >= m.total || !waitAll)) return done;
    m.progressed = done;
    if (s.readableBytes > 0) return -E.EAGAIN; // below SO_RCVLOWAT: wait for more
    const r = s.emptyRead(peek);
    if (r === -E.EAGAIN) return r;
    return done > 0 ? done : r;
  }

  /** writev(2) on a stream completes across restarts like write(2). */
  override writev(k: Kernel, t: Thread, _d: Descriptor, iovAddr: number, count: number): number {
    const m = layerOf(k).fileMsg;
    m.clearExtras();
    const r0 = m.load(k, t, iovAddr, count);
    if (r0 < 0) return r0 === -E.EMSGSIZE ? -E.EINVAL : r0;
    if (m.total === 0) return 0; // vfs_writev: nothing to write, no state checked
    return this.resumableWrite(k, t, m);
  }

  // ------------------------------------------------------------ close(2)

  /**
   * close() of the last descriptor: with SO_LINGER on and a positive time,
   * starts the orderly close and returns until when close() must wait on the
   * watchers (absolute ns), or -1 when it may go on. Called again on each wake.
   */
  closeLingerDeadlineNs(nowNs: number): number {
    return this.sock.lingerDeadlineNs(nowNs);
  }

  // ------------------------------------------------------------- ioctl

  readableBytes(): number {
    return this.sock.readableBytes;
  }

  override unsentBytes(): number {
    const c = this.sock.conn;
    return c === null ? 0 : c.sendQueueBytes;
  }

  override ioctl(k: Kernel, t: Thread, d: Descriptor, request: number, argAddr: number): number {
    switch (request) {
      case FIONREAD:
      case SIOCOUTQ:
        if (this.sock.listening) return -E.EINVAL; // Linux: no queue sizes on a listener
        return super.ioctl(k, t, d, request, argAddr);
      case SIOCOUTQNSD: {
        if (this.sock.listening) return -E.EINVAL;
        const c = this.sock.conn;
        return k.mem.writeI32(t.process.nativePid, argAddr, c === null ? 0 : c.unsentBytes) ? 0 : -E.EFAULT;
      }
      default:
        return super.ioctl(k, t, d, request, argAddr);
    }
  }

  // ------------------------------------------------------------- sendfile

  /**
   * sendfile(this socket, inFd, offset, count): the input is a native file of
   * the process, read here through /proc/<pid>/fd/<inFd> at the file offset
   * (the *offset argument, or the file position, which is advanced). Sends
   * what fits; -EAGAIN (with p.progressed) when it must wait for room.
   */
  sendfile(k: Kernel, t: Thread, inFd: number, offsetAddr: number, count: number, p: IoProgress): number {
    const s = this.sock;
    const pid = t.process.nativePid;
    let done = p.resumeFrom;
    p.progressed = done;
    if (count === 0) return 0;
    let fd: number;
    try {
      fd = fs.openSync(`/proc/${pid}/fd/${inFd}`, 'r');
    } catch {
      return done > 0 ? done : -E.EBADF;
    }
    try {
      let off: number;
      if (offsetAddr !== 0) {
        const v = k.mem.readI64(pid, offsetAddr);
        if (v === null) return done > 0 ? done : -E.EFAULT;
        if (v < 0) return done > 0 ? done : -E.EINVAL;
        off = v;
      } else {
        off = k.nativeCall(t, SYS.lseek, inFd, 0, SEEK_CUR);
        if (off < 0) return done > 0 ? done : -E.EINVAL; // a pipe or socket as input: not supported
      }
      for (;;) {
        const space = s.sendSpace();
        if (space < 0) {
          if (done > 0) return done;
          if (space === -E.EPIPE) k.deliverSignal(t.process, SIGPIPE);
          return space;
        }
        if (done >= count) return done;
        if (space === 0) {
          p.progressed = done;
          return -E.EAGAIN;
        }
        // The file's bytes are read straight into the send buffer's room.
        const want = s.reserveSend(Math.min(space, count - done));
        if (want <= 0) return done > 0 ? done : want === 0 ? -E.EAGAIN : want;
        let got: number;
        try {
          got = fs.readSync(fd, s.sendRoom, s.sendRoomAt, want, off);
        } catch {
          return done > 0 ? done : -E.EIO;
        }
        if (got <= 0) return done; // end of file
        s.commitSend(got, false);
        off += got;
        done += got;
        p.progressed = done;
        const w =
          offsetAddr !== 0
            ? k.mem.writeI64(pid, offsetAddr, off)
              ? 0
              : -E.EFAULT
            : k.nativeCall(t, SYS.lseek, inFd, off, SEEK_SET);
        if (w < 0) return done > 0 ? done : w;
      }
    } finally {
      fs.closeSync(fd);
    }
  }

  // ------------------------------------------------------------- options

  protected takeError(): number {
    return this.sock.takeError();
  }

  protected sndBufBytes(): number {
    return this.sock.sndBuf;
  }

  protected setSndBufBytes(bytes: number): void {
    this.sock.setSndBuf(bytes);
  }

  protected rcvBufBytes(): number {
    return this.sock.rcvBuf;
  }

  protected setRcvBufBytes(bytes: number): void {
    this.sock.setRcvBuf(bytes);
  }

  protected override lingerOption(): { on: number; seconds: number } {
    const l = this.sock.linger;
    return { on: l.enabled ? 1 : 0, seconds: l.seconds };
  }

  protected override setLinger(on: boolean, seconds: number): void {
    this.sock.setLinger(on, seconds);
  }

  protected override setOwnOption(name: number, v: number): boolean {
    const s = this.sock;
    switch (name) {
      case SO_REUSEADDR:
        s.setReuseAddr(v !== 0);
        return true;
      case SO_REUSEPORT:
        s.setReusePort(v !== 0);
        return true;
      case SO_KEEPALIVE:
        s.setKeepalive({ enabled: v !== 0 });
        return true;
      case SO_RCVLOWAT:
        s.setRcvLowat(v);
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
      case SO_KEEPALIVE:
        return s.keepalive.enabled ? 1 : 0;
      case SO_RCVLOWAT:
        return s.rcvLowat;
      default:
        return null;
    }
  }

  override setOption(level: number, name: number, val: OptValue): number {
    if (level === IPPROTO_TCP) return this.setTcpOption(name, val);
    return super.setOption(level, name, val);
  }

  private setTcpOption(name: number, val: OptValue): number {
    const s = this.sock;
    const len = val.len;
    if (name === TCP_CONGESTION) {
      if (len < 1) return -E.EINVAL;
      if (val.fault) return -E.EFAULT;
      const n = Math.min(len, TCP_CA_NAME_MAX - 1);
      let end = 0;
      while (end < n && val.bytes[end] !== 0) end++;
      // Takes effect for connections made from now on (the state machine fixes its controller at the handshake).
      return s.setCongestion(val.bytes.toString('latin1', 0, end)) ? 0 : -E.ENOENT;
    }
    if (len < 4) return -E.EINVAL;
    if (val.fault) return -E.EFAULT;
    const v = val.int();
    switch (name) {
      case TCP_NODELAY:
        s.setNoDelay(v !== 0);
        return 0;
      case TCP_CORK:
        s.setCork(v !== 0);
        return 0;
      case TCP_MAXSEG:
        if (v !== 0 && (v < TCP_MIN_MSS || v > MAX_TCP_WINDOW)) return -E.EINVAL;
        s.setMaxSeg(v);
        return 0;
      case TCP_KEEPIDLE:
        if (v < 1 || v > MAX_TCP_KEEPIDLE) return -E.EINVAL;
        s.setKeepalive({ idleNs: v * SEC });
        return 0;
      case TCP_KEEPINTVL:
        if (v < 1 || v > MAX_TCP_KEEPINTVL) return -E.EINVAL;
        s.setKeepalive({ intervalNs: v * SEC });
        return 0;
      case TCP_KEEPCNT:
        if (v < 1 || v > MAX_TCP_KEEPCNT) return -E.EINVAL;
        s.setKeepalive({ count: v });
        return 0;
      case TCP_SYNCNT:
        if (v < 1 || v > MAX_TCP_SYNCNT) return -E.EINVAL;
        s.setSynRetries(v);
        return 0;
      case TCP_USER_TIMEOUT:
        if (v < 0) return -E.EINVAL;
        s.setUserTimeoutNs(v * MS);
        return 0;
      case TCP_LINGER2:
        s.setLinger2(v);
        return 0;
      case TCP_QUICKACK:
      case TCP_DEFER_ACCEPT:
      case TCP_WINDOW_CLAMP:
      case TCP_NOTSENT_LOWAT:
      case TCP_FASTOPEN:
      case TCP_FASTOPEN_CONNECT:
        // Accepted and remembered; the behaviour they tune is not modelled (no TFO, no clamp).
        this.storeOpt(IPPROTO_TCP, name, v);
        return 0;
      default:
        return -E.ENOPROTOOPT;
    }
  }

  protected override setLevelOption(level: number, name: number, v: number, val: OptValue): number {
    if (level === IPPROTO_IPV6 && this.domain === AF_INET6) {
      const bound = this.sock.localPort !== 0 || this.sock.listening;
      return setIpv6Option(this.sock, bound, name, v, val, (n, x) => this.storeOpt(level, n, x));
    }
    if (level === IPPROTO_IP) {
      if (name === IP_OPTIONS) return this.ipOptions.set(val);
      if (val.len < 1) return -E.EINVAL;
      this.storeOpt(level, name, v);
      return 0;
    }
    return -E.EOPNOTSUPP;
  }

  protected override getLevelOption(level: number, name: number, out: DataView): number {
    if (level === IPPROTO_IPV6 && this.domain === AF_INET6) {
      const peer = this.sock.peer();
      const local = peer !== null && this.sock.tcp.isLocal(peer.ip);
      const mtu = peer === null ? null : local ? 65536 : 1500;
      const v = getIpv6Option(this.sock, name, (n, d) => this.storedOpt(level, n, d), mtu);
      if (v === null) return -E.ENOTCONN;
      out.setInt32(0, v, true);
      return 4;
    }
    if (level === IPPROTO_IP) {
      if (name === IP_OPTIONS) return this.ipOptions.get(out);
      out.setInt32(0, this.storedOpt(level, name, name === IP_TTL ? DEFAULT_TTL : 0), true);
      return 4;
    }
    if (level !== IPPROTO_TCP) return -E.EOPNOTSUPP;
    const s = this.sock;
    const ka = s.keepalive;
    let v: number;
    switch (name) {
      case TCP_INFO:
        writeTcpInfo(s, out);
        return TCP_INFO_SIZE;
      case TCP_CONGESTION: {
        const ccName = s.congestion;
        for (let i = 0; i < TCP_CA_NAME_MAX; i++) out.setUint8(i, i < ccName.length ? ccName.charCodeAt(i) : 0);
        return TCP_CA_NAME_MAX;
      }
      case TCP_NODELAY:
        v = s.noDelay ? 1 : 0;
        break;
      case TCP_CORK:
        v = s.cork ? 1 : 0;
        break;
      case TCP_MAXSEG:
        v = s.maxSeg;
        break;
      case TCP_KEEPIDLE:
        v = Math.floor(ka.idleNs / SEC);
        break;
      case TCP_KEEPINTVL:
        v = Math.floor(ka.intervalNs / SEC);
        break;
      case TCP_KEEPCNT:
        v = ka.count;
        break;
      case TCP_SYNCNT:
        v = s.synRetries;
        break;
      case TCP_USER_TIMEOUT:
        v = Math.floor(s.userTimeoutNs / MS);
        break;
      case TCP_LINGER2:
        v = s.linger2;
        break;
      case TCP_QUICKACK:
        v = this.storedOpt(IPPROTO_TCP, name, 1);
        break;
      case TCP_DEFER_ACCEPT:
      case TCP_WINDOW_CLAMP:
      case TCP_NOTSENT_LOWAT:
      case TCP_FASTOPEN:
      case TCP_FASTOPEN_CONNECT:
        v = this.storedOpt(IPPROTO_TCP, name, 0);
        break;
      default:
        return -E.ENOPROTOOPT;
    }
    out.setInt32(0, v, true);
    return 4;
  }
}

/** Fills struct tcp_info (Linux layout, units µs and segments) at the start of dv. */
function writeTcpInfo(s: TcpSocket, dv: DataView): void {
  for (let i = 0; i < TCP_INFO_SIZE; i += 4) dv.setUint32(i, 0, true);
  const c = s.conn;
  if (c === null) {
    dv.setUint8(0, s.listening ? TCP_STATE_LISTEN : TCP_STATE_CLOSE);
    dv.setUint32(16, TCP_MSS_DEFAULT, true); // snd_mss
    return;
  }
  const i = c.tcpInfo();
  const u32 = (off: number, v: number): void =>
    dv.setUint32(off, Math.max(0, Math.min(Math.floor(v), 0xffffffff)), true);
  const u64 = (off: number, v: number): void => {
    const x = Math.max(0, Math.floor(v));
    dv.setUint32(off, x % 4294967296, true);
    dv.setUint32(off + 4, Math.floor(x / 4294967296), true);
  };
  dv.setUint8(0, i.stateNumber);
  dv.setUint8(1, i.caState);
  dv.setUint8(2, Math.min(i.retransmits, 255));
  dv.setUint8(3, Math.min(i.probes, 255));
  dv.setUint8(4, Math.min(i.backoff, 255));
  dv.setUint8(5, i.options);
  dv.setUint8(6, (i.sndWscale & 15) | ((i.rcvWscale & 15) << 4));
  u32(8, i.rtoUs);
  u32(12, i.atoUs);
  u32(16, i.sndMss);
  u32(20, i.rcvMss);
  u32(24, i.unacked);
  u32(28, i.sacked);
  u32(32, i.lost);
  u32(36, i.retrans);
  u32(44, i.lastDataSentMs);
  u32(52, i.lastDataRecvMs);
  u32(56, i.lastAckRecvMs);
  u32(60, i.pmtu);
  u32(64, i.rcvSsthresh);
  u32(68, i.rttUs);
  u32(72, i.rttvarUs);
  u32(76, i.sndSsthresh);
  u32(80, i.sndCwnd);
  u32(84, i.advmss);
  u32(88, i.reordering);
  u32(96, i.rcvSpace);
  u32(100, i.totalRetrans);
  // Pacing rate as Linux sets it: cwnd per srtt, doubled in slow start, 1.2x after.
  const cwndBytes = i.sndCwnd * i.sndMss;
  const slowStart = i.sndSsthresh === 0x7fffffff || i.sndCwnd < i.sndSsthresh;
  const pacing = i.rttUs > 0 ? (cwndBytes * (slowStart ? 2 : 1.2) * 1e6) / i.rttUs : 0;
  u64(104, pacing);
  dv.setUint32(112, 0xffffffff, true); // max_pacing_rate: unlimited (~0UL)
  dv.setUint32(116, 0xffffffff, true);
  u64(120, i.bytesAcked);
  u64(128, i.bytesReceived);
  u32(136, i.segsOut);
  u32(140, i.segsIn);
  u32(144, i.notsentBytes);
  u32(148, i.minRttUs);
  u32(152, i.dataSegsIn);
  u32(156, i.dataSegsOut);
  u32(192, i.sndMss > 0 ? i.bytesAcked / i.sndMss : 0); // delivered (segments)
  u64(200, i.bytesSent);
  u64(208, i.bytesRetrans);
  u32(228, i.sndWnd);
  u32(232, i.rcvWnd);
}
