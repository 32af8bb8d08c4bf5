// AF_INET SOCK_STREAM sockets: the syscall face of net/tcp/socket.ts —
// connect/accept with Linux's blocking and EINPROGRESS rules, stream
// send/receive over iovecs (progress kept across restarts), TCP options and
// struct tcp_info, SO_LINGER waits in close(), and sendfile from a native file.
import * as fs from 'node:fs';
import type { Descriptor } from '../host/fd-table';
import type { Thread } from '../host/thread';
import type { NetworkStack } from '../net/stack';
import { CubicCongestionControl } from '../net/tcp/cubic';
import { RenoCongestionControl } from '../net/tcp/reno';
import { DEFAULT_TCP_SETTINGS, type ShutdownHow } from '../net/tcp/types';
import { TcpSocket, TcpStack, type TcpEndpoint } from '../net/tcp/socket';
import { E } from '../abi/errno';
import { parsed, parseIn } from './socket-udp';
import { descriptor, O_NONBLOCK } from '../files/file';
import type { Kernel } from '../kernel/kernel';
import { SYS } from '../abi/syscalls';
import {
  AF_INET,
  AF_UNSPEC,
  io,
  MSG_ERRQUEUE,
  MSG_NOSIGNAL,
  MSG_OOB,
  MSG_PEEK,
  MSG_TRUNC,
  MSG_WAITALL,
  nameOut,
  putSockaddrIn,
  SIGPIPE,
  SO,
  SOCK_STREAM,
  SOL_SOCKET,
  SocketFile,
  UserMsg,
} from './socket-file';

const IPPROTO_IP = 0,
  IPPROTO_TCP = 6;
const MSG_MORE = 0x8000;
const SO_LINGER = 13,
  SO_RCVLOWAT = 18;
const SIOCOUTQNSD = 0x894b,
  FIONREAD = 0x541b,
  SIOCOUTQ = 0x5411;
const SEEK_SET = 0,
  SEEK_CUR = 1;

const TCP_NODELAY = 1,
  TCP_MAXSEG = 2,
  TCP_CORK = 3,
  TCP_KEEPIDLE = 4,
  TCP_KEEPINTVL = 5,
  TCP_KEEPCNT = 6;
const TCP_SYNCNT = 7,
  TCP_LINGER2 = 8,
  TCP_DEFER_ACCEPT = 9,
  TCP_WINDOW_CLAMP = 10,
  TCP_INFO = 11;
const TCP_QUICKACK = 12,
  TCP_CONGESTION = 13,
  TCP_USER_TIMEOUT = 18,
  TCP_FASTOPEN = 23,
  TCP_NOTSENT_LOWAT = 25;
const TCP_FASTOPEN_CONNECT = 30;
const TCP_MIN_MSS = 88,
  MAX_TCP_WINDOW = 32767,
  TCP_MSS_DEFAULT = 536;
const MAX_TCP_KEEPIDLE = 32767,
  MAX_TCP_KEEPINTVL = 32767,
  MAX_TCP_KEEPCNT = 127,
  MAX_TCP_SYNCNT = 127;
const TCP_CA_NAME_MAX = 16;
/** sizeof(struct tcp_info) in Linux 6.x (through tcpi_total_rto_time). */
const TCP_INFO_SIZE = 248;
const TCP_STATE_CLOSE = 7,
  TCP_STATE_LISTEN = 10;

const SEC = 1_000_000_000;
const MS = 1_000_000;

/** Staging between process memory and the connection's buffers: one copy each way, no allocation per call. */
const STAGE_BYTES = 1 << 20;
const stage = Buffer.allocUnsafe(STAGE_BYTES);
/** The message of a read()/write()/readv()/writev() on a TCP socket. */
const fileMsg = new UserMsg();

const CONGESTION: Readonly<
  Record<string, (mss: number, iw: number) => CubicCongestionControl | RenoCongestionControl>
> = {
  cubic: (mss, iw) => new CubicCongestionControl(mss, iw),
  reno: (mss, iw) => new RenoCongestionControl(mss, iw),
};

/**
 * Reads a sockaddr_in into `parsed` (socket-udp.ts's parser): Linux wants the
 * full 16 bytes, except a bare AF_UNSPEC, which names no address or port.
 */
function readIn(k: Kernel, t: Thread, addr: number, len: number): number {
  const r = parseIn(k, t, addr, len);
  if (r < 0) return r;
  if (len < 16) {
    parsed.ip = 0;
    parsed.port = 0;
  }
  return 0;
}

export class TcpFile extends SocketFile {
  readonly domain = AF_INET;
  readonly type = SOCK_STREAM;
  readonly protocol = IPPROTO_TCP;
  readonly sock: TcpSocket;
  private lingerEnabled = false;
  private lingerSeconds = 0;

  constructor(tcp: TcpStack, accepted: { ep: TcpEndpoint; from: TcpFile } | null = null) {
    super();
    if (accepted === null) {
      this.sock = new TcpSocket(tcp, this.watchers);
    } else {
      const from = accepted.from;
      this.sock = TcpSocket.accepted(tcp, this.watchers, accepted.ep, from.sock);
      // Linux copies the listener's socket fields into the child (sk_clone_lock).
      this.rcvTimeoNs = from.rcvTimeoNs;
      this.sndTimeoNs = from.sndTimeoNs;
      this.lingerEnabled = from.lingerEnabled;
      this.lingerSeconds = from.lingerSeconds;
    }
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

  override bind(k: Kernel, t: Thread, addr: number, len: number): number {
    const r = readIn(k, t, addr, len);
    if (r < 0) return r;
    // Linux accepts AF_UNSPEC for INADDR_ANY only (old programs rely on it).
    if (parsed.family !== AF_INET && !(parsed.family === AF_UNSPEC && parsed.ip === 0)) return -E.EAFNOSUPPORT;
    return this.sock.bind(parsed.ip, parsed.port);
  }

  /**
   * Linux's inet_stream_connect: start (EINPROGRESS when non-blocking),
   * EALREADY while in progress, then 0 or the error once it is decided; a
   * blocking caller waits (SO_SNDTIMEO bounds it, and then it is EINPROGRESS).
   */
  override connect(k: Kernel, t: Thread, addr: number, len: number): number {
    const r = readIn(k, t, addr, len);
    if (r < 0) return r;
    const s = this.sock;
    if (parsed.family === AF_UNSPEC) {
      // connect(AF_UNSPEC) disconnects; Linux resets a live connection.
      if (s.ep !== null && s.ep.conn.state !== 'CLOSED') s.apply((c, now) => c.abort(now));
      s.ep = null;
      s.ss = 'unconnected';
      this.watchers.notify();
      return 0;
    }
    if (parsed.family !== AF_INET) return -E.EAFNOSUPPORT;
    const nonblocking = (this.statusFlags & O_NONBLOCK) !== 0;
    let err: number;
    switch (s.ss) {
      case 'connected':
        return -E.EISCONN;
      case 'connecting':
        err = -E.EALREADY;
        break;
      default: {
        const c = s.connect(parsed.ip, parsed.port);
        if (c < 0) return c;
        // Even on loopback, where the handshake may already be done, Linux
        // handles the answer after connect returns: non-blocking says EINPROGRESS.
        if (nonblocking) return -E.EINPROGRESS;
        err = -E.EINPROGRESS;
        break;
      }
    }
    const conn = s.conn;
    if (conn === null) return -E.ECONNABORTED;
    const st = conn.state;
    if (st === 'SYN_SENT' || st === 'SYN_RECEIVED') {
      if (nonblocking) return err;
      if (t.wokenBy !== 'none' && k.timedOut(t)) return -E.EINPROGRESS;
      return -E.EAGAIN; // socket.ts waits on our watchers, bounded by SO_SNDTIMEO
    }
    if (st === 'CLOSED') {
      s.ss = 'unconnected';
      const e = conn.takeErrno();
      return e !== 0 ? -e : -E.ECONNABORTED;
    }
    s.ss = 'connected';
    return 0;
  }

  override listen(backlog: number): number {
    if (this.sock.ss !== 'unconnected') return -E.EINVAL;
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

  sockName(peer: boolean): number {
    const s = this.sock;
    if (peer) {
      const p = s.peer();
      if (p === null) return -E.ENOTCONN;
      putSockaddrIn(p.ip, p.port);
    } else {
      putSockaddrIn(s.localIp, s.localPort);
    }
    return 0;
  }

  // ------------------------------------------------------------- data

  /**
   * Stream send (tcp_sendmsg): copies what fits, as often as room appears;
   * -EAGAIN with io.progressed when it must wait. A destination address is
   * ignored, as Linux does for TCP. EPIPE raises SIGPIPE unless MSG_NOSIGNAL.
   */
  sendMsg(k: Kernel, t: Thread, m: UserMsg, flags: number): number {
    if ((flags & MSG_OOB) !== 0) return -E.EOPNOTSUPP; // urgent data is not modelled
    const s = this.sock;
    let done = io.resumeFrom;
    io.progressed = done;
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
        io.progressed = done;
        return -E.EAGAIN;
      }
      const n = Math.min(space, m.total - done, STAGE_BYTES);
      if (gatherInto(k, t, m, done, n) < 0) return done > 0 ? done : -E.EFAULT;
      const sent = s.send(stage.subarray(0, n), more);
      if (sent <= 0) {
        io.progressed = done;
        return done > 0 ? done : sent === 0 ? -E.EAGAIN : sent;
      }
      done += sent;
      io.progressed = done;
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
    nameOut.len = 0;
    // A zero-length read still waits for data like any other (tcp_recvmsg's target is at least 1).
    if (m.total === 0 && s.readableBytes > 0) return 0;
    const peek = (flags & MSG_PEEK) !== 0;
    const waitAll = (flags & MSG_WAITALL) !== 0 && !peek;
    const discard = (flags & MSG_TRUNC) !== 0;
    let done = waitAll ? io.resumeFrom : 0;
    io.progressed = done;
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
    io.progressed = done;
    if (s.readableBytes > 0) return -E.EAGAIN; // below SO_RCVLOWAT: wait for more
    const r = s.emptyRead(peek);
    if (r === -E.EAGAIN) return r;
    return done > 0 ? done : r;
  }

  // read/write/readv/writev: fd.ts blocks on -EAGAIN (bounded by blockDeadlineNs);
  // a blocking write keeps its progress across the restart in t.resumeProgressBytes.

  override read(k: Kernel, t: Thread, _d: Descriptor, bufAddr: number, len: number): number {
    io.resumeFrom = 0;
    io.progressed = 0;
    return this.recvMsg(k, t, fileMsg.single(bufAddr, len), 0);
  }

  override write(k: Kernel, t: Thread, _d: Descriptor, bufAddr: number, len: number): number {
    return this.streamWrite(k, t, fileMsg.single(bufAddr, len));
  }

  override readv(k: Kernel, t: Thread, _d: Descriptor, iovAddr: number, count: number): number {
    const r0 = fileMsg.load(k, t, iovAddr, count);
    if (r0 < 0) return r0 === -E.EMSGSIZE ? -E.EINVAL : r0;
    fileMsg.nameAddr = 0;
    io.resumeFrom = 0;
    io.progressed = 0;
    return this.recvMsg(k, t, fileMsg, 0);
  }

  override writev(k: Kernel, t: Thread, _d: Descriptor, iovAddr: number, count: number): number {
    const r0 = fileMsg.load(k, t, iovAddr, count);
    if (r0 < 0) return r0 === -E.EMSGSIZE ? -E.EINVAL : r0;
    fileMsg.nameAddr = 0;
    fileMsg.nameLen = 0;
    return this.streamWrite(k, t, fileMsg);
  }

  private streamWrite(k: Kernel, t: Thread, m: UserMsg): number {
    const blocking = (this.statusFlags & O_NONBLOCK) === 0;
    const restart = t.wokenBy !== 'none';
    io.resumeFrom = blocking && restart ? Math.max(0, t.resumeProgressBytes) : 0;
    io.progressed = io.resumeFrom;
    const r = this.sendMsg(k, t, m, 0);
    if (r !== -E.EAGAIN) return r;
    const done = io.progressed;
    if (!blocking || (restart && k.timedOut(t))) return done > 0 ? done : -E.EAGAIN;
    t.resumeProgressBytes = done;
    return -E.EAGAIN;
  }

  /**
   * close() with SO_LINGER on and a positive time: start the FIN now and
   * wait until the peer acknowledged everything or the time is up. Returns
   * BLOCKED while waiting, 0 when close may go on.
   */
  closeWait(k: Kernel, t: Thread): number {
    const s = this.sock;
    if (!this.lingerEnabled || this.lingerSeconds <= 0 || s.ep === null || s.listening) return 0;
    if (t.wokenBy === 'none') {
      s.beginClose();
      if (s.lingerDone) return 0;
      return k.blockOn(t, [this.watchers], k.now + this.lingerSeconds * SEC);
    }
    if (s.lingerDone || k.timedOut(t)) return 0;
    return k.blockOn(t, [this.watchers], t.deadlineNs);
  }

  readableBytes(): number {
    return this.sock.readableBytes;
  }

  override unsentBytes(): number {
    const c = this.sock.conn;
    return c === null ? 0 : c.sendQueueBytes;
  }

  override ioctl(k: Kernel, t: Thread, d: Descriptor, request: number, argAddr: number): number {
    const pid = t.process.nativePid;
    switch (request) {
      case FIONREAD:
      case SIOCOUTQ:
        if (this.sock.listening) return -E.EINVAL; // Linux: no queue sizes on a listener
        return super.ioctl(k, t, d, request, argAddr);
      case SIOCOUTQNSD: {
        if (this.sock.listening) return -E.EINVAL;
        const c = this.sock.conn;
        return k.mem.writeI32(pid, argAddr, c === null ? 0 : c.unsentBytes) ? 0 : -E.EFAULT;
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
   * what fits; a blocking socket waits for room until `count` is done.
   */
  sendfile(k: Kernel, t: Thread, inFd: number, offsetAddr: number, count: number): number {
    const s = this.sock;
    const pid = t.process.nativePid;
    const blocking = (this.statusFlags & O_NONBLOCK) === 0;
    const restart = t.wokenBy !== 'none';
    let done = blocking && restart ? Math.max(0, t.resumeProgressBytes) : 0;
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
          if (!blocking || (restart && k.timedOut(t))) return done > 0 ? done : -E.EAGAIN;
          t.resumeProgressBytes = done;
          const deadline = restart ? t.deadlineNs : this.sndTimeoNs > 0 ? k.now + this.sndTimeoNs : -1;
          return k.blockOn(t, [this.watchers], deadline);
        }
        const want = Math.min(space, count - done, STAGE_BYTES);
        let got: number;
        try {
          got = fs.readSync(fd, stage, 0, want, off);
        } catch {
          return done > 0 ? done : -E.EIO;
        }
        if (got <= 0) return done; // end of file
        const sent = s.send(stage.subarray(0, got), false);
        if (sent <= 0) return done > 0 ? done : sent === 0 ? -E.EAGAIN : sent;
        off += sent;
        done += sent;
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

  override setsockopt(k: Kernel, t: Thread, level: number, name: number, valAddr: number, len: number): number {
    if (level === IPPROTO_TCP) return this.setTcpOption(k, t, name, valAddr, len);
    const r = super.setsockopt(k, t, level, name, valAddr, len);
    if (r !== 0 || level !== SOL_SOCKET) return r;
    const pid = t.process.nativePid;
    if (name === SO_LINGER) {
      if (k.mem.read(pid, valAddr, 8) !== 8) return -E.EFAULT;
      const dv = k.mem.view();
      this.lingerEnabled = dv.getInt32(0, true) !== 0;
      this.lingerSeconds = Math.max(0, dv.getInt32(4, true));
      const linger = { enabled: this.lingerEnabled, seconds: this.lingerSeconds };
      this.sock.cfg.linger = linger;
      this.sock.apply((c) => c.setLinger(linger));
    } else if (name === SO_RCVLOWAT) {
      this.sock.rcvLowat = Math.max(1, this.storedOpt(SOL_SOCKET, SO_RCVLOWAT, 1));
      this.watchers.notify();
    }
    return 0;
  }

  protected override setOptSocket(name: number, v: number): number | null {
    const s = this.sock;
    switch (name) {
      case SO.REUSEADDR:
        s.reuseAddr = v !== 0;
        if (s.hold !== null) s.hold.reuseAddr = s.reuseAddr;
        return null;
      case SO.REUSEPORT:
        s.reusePort = v !== 0;
        if (s.hold !== null) s.hold.reusePort = s.reusePort;
        return null;
      case SO.KEEPALIVE: {
        const on = v !== 0;
        s.cfg.keepalive = { ...s.cfg.keepalive, enabled: on };
        s.apply((c, now) => c.setKeepalive({ enabled: on }, now));
        return null;
      }
      case SO.SNDBUF:
      case SO.SNDBUFFORCE: {
        const bytes = SocketFile.sndBufFor(v, name === SO.SNDBUFFORCE) / 2;
        s.userSndBuf = bytes;
        s.cfg.sndBufBytes = bytes;
        s.apply((c, now) => c.setSendBufferBytes(bytes, now));
        this.watchers.notify();
        return 0;
      }
      case SO.RCVBUF:
      case SO.RCVBUFFORCE: {
        const bytes = SocketFile.rcvBufFor(v, name === SO.RCVBUFFORCE) / 2;
        s.userRcvBuf = bytes;
        s.cfg.rcvBufBytes = bytes;
        s.apply((c, now) => c.setReceiveBufferBytes(bytes, now));
        return 0;
      }
      default:
        return null;
    }
  }

  protected override getOptSocket(name: number): number | null {
    const s = this.sock;
    const c = s.conn;
    switch (name) {
      case SO.ERROR:
        return s.takeError();
      // Linux reports sk_sndbuf/sk_rcvbuf: twice the payload a buffer the application sized holds.
      case SO.SNDBUF:
        return s.userSndBuf !== null ? 2 * s.userSndBuf : c !== null ? c.sendBufferBytes : (s.cfg.sndBufBytes ?? 0);
      case SO.RCVBUF:
        return s.userRcvBuf !== null ? 2 * s.userRcvBuf : c !== null ? c.receiveBufferBytes : (s.cfg.rcvBufBytes ?? 0);
      default:
        return null;
    }
  }

  private setTcpOption(k: Kernel, t: Thread, name: number, valAddr: number, len: number): number {
    const pid = t.process.nativePid;
    const s = this.sock;
    if (name === TCP_CONGESTION) {
      if (len < 1) return -E.EINVAL;
      const n = Math.min(len, TCP_CA_NAME_MAX - 1);
      if (k.mem.read(pid, valAddr, n) !== n) return -E.EFAULT;
      const sc = k.mem.scratch;
      let end = 0;
      while (end < n && sc[end] !== 0) end++;
      const want = sc.toString('latin1', 0, end);
      const factory = CONGESTION[want];
      if (factory === undefined) return -E.ENOENT;
      // Takes effect for connections made from now on (the state machine fixes its controller at the handshake).
      s.cfg.congestion = factory;
      this.storeOpt(IPPROTO_TCP, TCP_CONGESTION, want === 'reno' ? 1 : 0);
      return 0;
    }
    if (len < 4) return -E.EINVAL;
    const raw = k.mem.readU32(pid, valAddr);
    if (raw === null) return -E.EFAULT;
    const v = raw | 0;
    switch (name) {
      case TCP_NODELAY: {
        const on = v !== 0;
        s.cfg.noDelay = on;
        s.apply((c, now) => c.setNoDelay(on, now));
        return 0;
      }
      case TCP_CORK: {
        const on = v !== 0;
        s.cfg.cork = on;
        s.apply((c, now) => c.setCork(on, now));
        return 0;
      }
      case TCP_MAXSEG:
        if (v !== 0 && (v < TCP_MIN_MSS || v > MAX_TCP_WINDOW)) return -E.EINVAL;
        s.userMss = v;
        return 0;
      case TCP_KEEPIDLE:
      case TCP_KEEPINTVL: {
        if (v < 1 || v > (name === TCP_KEEPIDLE ? MAX_TCP_KEEPIDLE : MAX_TCP_KEEPINTVL)) return -E.EINVAL;
        const change = name === TCP_KEEPIDLE ? { idleNs: v * SEC } : { intervalNs: v * SEC };
        s.cfg.keepalive = { ...s.cfg.keepalive, ...change };
        s.apply((c, now) => c.setKeepalive(change, now));
        return 0;
      }
      case TCP_KEEPCNT: {
        if (v < 1 || v > MAX_TCP_KEEPCNT) return -E.EINVAL;
        s.cfg.keepalive = { ...s.cfg.keepalive, count: v };
        s.apply((c, now) => c.setKeepalive({ count: v }, now));
        return 0;
      }
      case TCP_SYNCNT:
        if (v < 1 || v > MAX_TCP_SYNCNT) return -E.EINVAL;
        s.cfg.synRetries = v;
        return 0;
      case TCP_USER_TIMEOUT: {
        if (v < 0) return -E.EINVAL;
        s.cfg.userTimeoutNs = v * MS;
        s.apply((c) => c.setUserTimeout(v * MS));
        return 0;
      }
      case TCP_LINGER2:
        s.cfg.finTimeoutNs = v < 0 ? 0 : v === 0 ? DEFAULT_TCP_SETTINGS.finTimeoutNs : Math.min(v, 120) * SEC;
        this.storeOpt(IPPROTO_TCP, name, v < 0 ? -1 : v);
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

  protected override setOptLevel(_k: Kernel, level: number, name: number, v: number, len: number): number {
    if (level === IPPROTO_IP) {
      if (len < 1) return -E.EINVAL;
      this.storeOpt(level, name, v);
      return 0;
    }
    return -E.EOPNOTSUPP;
  }

  protected override getOptLevel(level: number, name: number, dv: DataView): number {
    if (level === IPPROTO_IP) {
      const IP_TTL = 2;
      dv.setInt32(0, name === IP_TTL ? this.storedOpt(level, name, 64) : this.storedOpt(level, name, 0), true);
      return 4;
    }
    if (level !== IPPROTO_TCP) return -E.EOPNOTSUPP;
    const s = this.sock;
    const c = s.conn;
    const ka = { ...DEFAULT_TCP_SETTINGS.keepalive, ...s.cfg.keepalive };
    let v: number;
    switch (name) {
      case TCP_INFO:
        writeTcpInfo(s, dv);
        return TCP_INFO_SIZE;
      case TCP_CONGESTION: {
        const ccName =
          c !== null
            ? c.congestionControl.name
            : this.storedOpt(IPPROTO_TCP, TCP_CONGESTION, 0) === 1
              ? 'reno'
              : 'cubic';
        for (let i = 0; i < TCP_CA_NAME_MAX; i++) dv.setUint8(i, i < ccName.length ? ccName.charCodeAt(i) : 0);
        return TCP_CA_NAME_MAX;
      }
      case TCP_NODELAY:
        v = (c !== null ? c.noDelay : s.cfg.noDelay) ? 1 : 0;
        break;
      case TCP_CORK:
        v = (c !== null ? c.cork : s.cfg.cork) ? 1 : 0;
        break;
      case TCP_MAXSEG:
        v =
          c !== null && c.state !== 'CLOSED' && c.state !== 'SYN_SENT'
            ? c.mssBytes
            : s.userMss > 0
              ? s.userMss
              : TCP_MSS_DEFAULT;
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
        v = s.cfg.synRetries ?? DEFAULT_TCP_SETTINGS.synRetries;
        break;
      case TCP_USER_TIMEOUT:
        v = Math.floor((s.cfg.userTimeoutNs ?? 0) / MS);
        break;
      case TCP_LINGER2: {
        const stored = this.storedOpt(IPPROTO_TCP, name, 0);
        v = stored < 0 ? -1 : Math.floor((s.cfg.finTimeoutNs ?? DEFAULT_TCP_SETTINGS.finTimeoutNs) / SEC);
        break;
      }
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
    dv.setInt32(0, v, true);
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

/** Copies n bytes of the message at offset `skip` into the staging buffer. Returns n or -EFAULT. */
function gatherInto(k: Kernel, t: Thread, m: UserMsg, skip: number, n: number): number {
  const pid = t.process.nativePid;
  let done = 0;
  for (let i = 0; i < m.count && done < n; i++) {
    const len = m.iov[2 * i + 1];
    if (skip >= len) {
      skip -= len;
      continue;
    }
    const take = Math.min(len - skip, n - done);
    if (k.mem.readBuf(pid, m.iov[2 * i] + skip, stage, done, take) !== take) return -E.EFAULT;
    done += take;
    skip = 0;
  }
  return done;
}

/** The TCP socket object for socket(2) on a host. */
export function newTcpFile(stack: NetworkStack): TcpFile {
  return new TcpFile(TcpStack.of(stack));
}

/**
 * sendfile(2) reaches the simulator when either descriptor is emulated. The
 * output must be a TCP socket and the input a native file; anything else is
 * EINVAL (Linux also refuses, e.g., a socket as input).
 */
function sendfile(k: Kernel, t: Thread, a: Float64Array): number {
  const out = descriptor(t, a[0]);
  if (descriptor(t, a[1]) || !out || !(out.file instanceof TcpFile)) return -E.EINVAL;
  const count = Math.min(a[3], 0x7ffff000); // MAX_RW_COUNT
  if (count < 0) return -E.EINVAL;
  return out.file.sendfile(k, t, a[1], a[2], count);
}

export function registerTcp(k: Kernel): void {
  k.registerLegacy(SYS.sendfile, sendfile);
}
