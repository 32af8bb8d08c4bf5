// A TCP socket on a simulated host: unconnected (maybe bound), listening, or
// attached to one connection; it owns its options (socket-level and TCP-level,
// SO_LINGER included) and carries them into the connections it makes or accepts.
import { E } from '../../abi/errno';
import { TxSource } from '../interface';
import { FAM_V4, FAM_V6, IN6ADDR_LOOPBACK } from '../ip6';
import { INADDR_LOOPBACK, isLoopback, type Packet } from '../packet';
import { Ready, type Notifier } from '../stack';
import { TcpConnection } from './connection';
import { TcpEndpoint } from './endpoint';
import { TcpListener } from './listener';
import type { Segment } from './segment';
import { ETH_MSS, LOOPBACK_MSS, TcpPortHold, type ConnSettings, type TcpStack } from './stack';
import { CubicCongestionControl } from './cubic';
import { RenoCongestionControl } from './reno';
import { DEFAULT_TCP_SETTINGS, type KeepaliveOptions, type LingerOption, type ShutdownHow } from './types';

const SEC = 1_000_000_000;
/** tcp_fin_timeout's ceiling for TCP_LINGER2 (seconds). */
const MAX_LINGER2_SEC = 120;
/** Linux's TCP_MSS_DEFAULT: what TCP_MAXSEG reports before a connection has an MSS. */
export const TCP_MSS_DEFAULT = 536;

/** The congestion controls TCP_CONGESTION may choose, by Linux's names. */
const CONGESTION: Readonly<
  Record<string, (mss: number, iw: number) => CubicCongestionControl | RenoCongestionControl>
> = {
  cubic: (mss, iw) => new CubicCongestionControl(mss, iw),
  reno: (mss, iw) => new RenoCongestionControl(mss, iw),
};

/** socket(2)-level connection state (Linux's SS_*), separate from the TCP state. */
export type SockState = 'unconnected' | 'connecting' | 'connected';

/**
 * A TCP socket: unconnected (maybe bound), listening, or attached to one
 * connection. Its file (net/sockets/tcp.ts) wraps it; everything here is in
 * simulated time and returns counts or -errno. Options live here once: the
 * template `cfg` for connections (SO_LINGER, keepalive, Nagle ...) and the
 * socket-level ones; setting one also applies it to the live connection.
 */
export class TcpSocket {
  hold: TcpPortHold | null = null;
  listener: TcpListener | null = null;
  ep: TcpEndpoint | null = null;
  ss: SockState = 'unconnected';
  /** Settings for the connection(s) this socket makes or accepts; also the listener's template. */
  readonly cfg: ConnSettings;
  reuseAddr = false;
  /** FAM_V4 for AF_INET; an AF_INET6 socket takes FAM_V6, plus FAM_V4 unless IPV6_V6ONLY. */
  familyMask = FAM_V4;
  reusePort = false;
  /** TCP_MAXSEG set by the application (0: none). */
  private userMss = 0;
  /** SO_SNDBUF/SO_RCVBUF set by the application, in payload bytes (null: autotuned). */
  private userSndBuf: number | null = null;
  private userRcvBuf: number | null = null;
  /** shutdown() directions recorded on the socket (Linux sk_shutdown). */
  shutRd = false;
  shutWr = false;
  /** The connection was handed to close() already (linger waits, then release). */
  private connClosed = false;
  /** MSG_MORE corked the connection until the next send without it. */
  private moreCorked = false;
  /** SO_RCVLOWAT. */
  rcvLowat = 1;
  /** TCP_CONGESTION chosen for connections made from now on. */
  private congestionName = 'cubic';
  /** close() with SO_LINGER waits until this time (-1: not waiting yet). */
  private lingerUntilNs = -1;
  closed = false;
  /** Connections of a listener not yet accepted (embryonic or in the accept queue). */
  private readonly children = new Map<TcpConnection, TcpEndpoint>();
  /** Where a listener's resets to stray segments queue at the interface. */
  private readonly replyTx = new TxSource();

  constructor(
    readonly tcp: TcpStack,
    readonly notifier: Notifier,
    template: TcpSocket | null = null,
  ) {
    if (template !== null) {
      this.cfg = { ...template.cfg, keepalive: { ...template.cfg.keepalive } };
      this.reuseAddr = template.reuseAddr;
      this.familyMask = template.familyMask;
      this.reusePort = template.reusePort;
      this.userMss = template.userMss;
      this.userSndBuf = template.userSndBuf;
      this.userRcvBuf = template.userRcvBuf;
      this.rcvLowat = template.rcvLowat;
      this.congestionName = template.congestionName;
    } else {
      const o = tcp.opts;
      this.cfg = {
        sndBufBytes: o.sendBufferBytes,
        rcvBufBytes: o.recvBufferBytes,
        autotune: o.sendAutotune || o.recvAutotune,
        keepalive: {},
      };
    }
  }

  /** Wraps an accepted connection. */
  static accepted(tcp: TcpStack, notifier: Notifier, ep: TcpEndpoint, listener: TcpSocket): TcpSocket {
    const s = new TcpSocket(tcp, notifier, listener);
    s.ep = ep;
    s.hold = ep.hold;
    ep.hold.socketOpen = true;
    s.ss = 'connected';
    ep.owner = s;
    ep.parent = null;
    return s;
  }

  get listening(): boolean {
    return this.listener !== null;
  }

  get conn(): TcpConnection | null {
    return this.ep !== null ? this.ep.conn : null;
  }

  get localIp(): number {
    if (this.ep !== null) return this.ep.localIp;
    return this.hold?.bound ? this.hold.localIp : 0;
  }

  get localPort(): number {
    if (this.ep !== null) return this.ep.localPort;
    return this.hold?.bound ? this.hold.localPort : 0;
  }

  private newHold(): TcpPortHold {
    const h = new TcpPortHold();
    h.familyMask = this.familyMask;
    h.reuseAddr = this.reuseAddr;
    h.reusePort = this.reusePort;
    h.socketOpen = true;
    return h;
  }

  /** bind(2). */
  bind(ip: number, port: number): number {
    if (this.hold !== null && this.hold.bound) return -E.EINVAL;
    if (this.ep !== null || this.listening) return -E.EINVAL;
    if (!this.tcp.stack.isLocalAddress(ip)) return -E.EADDRNOTAVAIL;
    const h = this.newHold();
    const r = this.tcp.bind(h, ip, port);
    if (r < 0) return r;
    h.portLocked = port !== 0;
    this.hold = h;
    return 0;
  }

  private autobind(): number {
    if (this.hold !== null && this.hold.bound) return 0;
    const h = this.newHold();
    const r = this.tcp.bind(h, 0, 0);
    if (r < 0) return r;
    this.hold = h;
    return 0;
  }

  /** Settings for a new connection, with the MSS of the interface it uses. */
  private connSettings(local: boolean, peerIp: number): ConnSettings {
    const c = this.cfg;
    // An IPv6 header is 20 bytes longer than an IPv4 one.
    const mss = (local ? LOOPBACK_MSS : ETH_MSS) - (peerIp < 0 ? 20 : 0);
    c.mssBytes = this.userMss > 0 ? Math.min(this.userMss, mss) : mss;
    return c;
  }

  /** Applies what the template config cannot say (which buffers are locked). */
  private lockBuffers(conn: TcpConnection): void {
    const o = this.tcp.opts;
    if (this.userSndBuf !== null) conn.setSendBufferBytes(this.userSndBuf);
    else if (!o.sendAutotune) conn.setSendBufferBytes(o.sendBufferBytes);
    if (this.userRcvBuf !== null) conn.setReceiveBufferBytes(this.userRcvBuf);
    else if (!o.recvAutotune) conn.setReceiveBufferBytes(o.recvBufferBytes);
  }

  /** listen(2). */
  listen(backlog: number): number {
    if (this.ss !== 'unconnected') return -E.EINVAL;
    if (this.ep !== null) {
      if (this.ep.conn.state !== 'CLOSED') return -E.EINVAL;
      this.ep = null; // a failed connect leaves the socket free to listen
    }
    if (this.listener !== null) {
      this.listener.setBacklog(backlog);
      return 0;
    }
    const r = this.autobind();
    if (r < 0) return r;
    const h = this.hold as TcpPortHold;
    if (this.tcp.listenConflict(h)) return -E.EADDRINUSE;
    h.listening = true;
    this.listener = new TcpListener({
      localPort: h.localPort,
      backlog,
      connection: this.cfg,
      isnFor: () => this.tcp.isn(),
    });
    this.tcp.addListener(this, h.localPort);
    this.notifier.notify();
    return 0;
  }

  /** A SYN (or stray segment) reached this listener. */
  onSyn(p: Packet, seg: Segment, now: number): void {
    const l = this.listener as TcpListener;
    this.connSettings(this.tcp.isLocal(p.srcIp), p.srcIp);
    const res = l.onSegment(seg, now);
    if (res.reply !== null) this.tcp.transmit(res.reply, p.dstIp, p.srcIp, this.replyTx);
    const conn = res.connection;
    if (conn === null) return;
    this.lockBuffers(conn);
    const h = new TcpPortHold();
    h.inherited = true;
    h.reuseAddr = this.reuseAddr;
    h.reusePort = this.reusePort;
    h.peerIp = p.srcIp;
    h.peerPort = p.srcPort;
    this.tcp.bind(h, p.dstIp, p.dstPort);
    const ep = new TcpEndpoint(this.tcp, conn, p.dstIp, p.dstPort, p.srcIp, p.srcPort, h);
    h.ep = ep;
    ep.parent = this;
    this.children.set(conn, ep);
    this.tcp.add(ep);
    ep.settle();
  }

  /** A child connection changed state: one that completed its handshake makes accept() ready. */
  childChanged(ep: TcpEndpoint): void {
    if (ep.conn.state !== 'SYN_RECEIVED') this.notifier.notify();
  }

  /**
   * A child connection closed. One that never completed its handshake is
   * forgotten; one in the accept queue stays there, as on Linux, and accept()
   * hands it out dead (its reads then report the reset).
   */
  childGone(ep: TcpEndpoint): void {
    if (!ep.established) this.children.delete(ep.conn);
  }

  /** accept(2): the next established connection, or -EAGAIN / -EINVAL. */
  accept(): TcpEndpoint | number {
    const l = this.listener;
    if (l === null) return -E.EINVAL;
    for (;;) {
      const conn = l.accept();
      if (conn === null) return -E.EAGAIN;
      const ep = this.children.get(conn);
      if (ep === undefined) continue; // an embryo forgotten when it died (the listener drops those itself)
      this.children.delete(conn);
      return ep;
    }
  }

  /**
   * connect(2) first step: claims a local port and sends the SYN. The
   * caller then waits for the state to leave SYN_SENT.
   */
  connect(ip: number, port: number): number {
    if (this.listening) return -E.EISCONN;
    // Linux sends a connect to INADDR_ANY (or ::) to the local host.
    if (ip === 0) ip = (this.familyMask & FAM_V6) !== 0 ? IN6ADDR_LOOPBACK : INADDR_LOOPBACK;
    if (this.tcp.stack.noRouteTo(ip)) return -E.ENETUNREACH;
    if (this.ep !== null) {
      // A dead earlier attempt on this socket: it may try again (Linux allows it from TCP_CLOSE).
      if (this.ep.conn.state !== 'CLOSED') return -E.EISCONN;
      this.ep = null;
    }
    const local = this.tcp.isLocal(ip);
    if (this.hold !== null && this.hold.bound && isLoopback(this.hold.localIp) && !local) return -E.EINVAL;
    const r = this.autobind();
    if (r < 0) return r;
    const h = this.hold as TcpPortHold;
    if (h.localIp === 0) h.localIp = this.tcp.stack.sourceFor(ip);
    const srcIp = h.localIp;
    const existing = this.tcp.find(srcIp, h.localPort, ip, port);
    if (existing !== null) {
      // The same four-tuple lives on: only a TIME_WAIT one may be reused (timestamps keep it safe).
      if (existing.conn.state !== 'TIME_WAIT') return -E.EADDRNOTAVAIL;
      existing.conn.abort(this.tcp.now);
      existing.settle();
    }
    const conn = new TcpConnection({
      ...this.connSettings(local, ip),
      localPort: h.localPort,
      remotePort: port,
      isn: this.tcp.isn(),
    });
    this.lockBuffers(conn);
    h.peerIp = ip;
    h.peerPort = port;
    const ep = new TcpEndpoint(this.tcp, conn, srcIp, h.localPort, ip, port, h);
    h.ep = ep;
    ep.owner = this;
    this.ep = ep;
    this.ss = 'connecting';
    this.shutRd = false;
    this.shutWr = false;
    this.connClosed = false;
    this.tcp.add(ep);
    const outer = this.tcp.enter();
    try {
      conn.openActive(this.tcp.now);
      ep.settle();
    } finally {
      this.tcp.leave(outer);
    }
    return 0;
  }

  /** Applies an option to the live connection, if there is one (the template cfg is the caller's job). */
  private apply(fn: (c: TcpConnection, now: number) => void): void {
    if (this.ep !== null && !this.ep.removed) this.act(fn);
  }

  /** Runs `fn` on the connection with loopback deliveries deferred, then settles it. */
  private act<T>(fn: (c: TcpConnection, now: number) => T): T {
    const ep = this.ep as TcpEndpoint;
    const outer = this.tcp.enter();
    try {
      const r = fn(ep.conn, this.tcp.now);
      ep.settle();
      return r;
    } finally {
      this.tcp.leave(outer);
    }
  }

  /**
   * How many bytes a send may queue now: > 0 room, 0 must wait (buffer full
   * or still connecting), or -errno (a pending error, which is consumed;
   * EPIPE when the socket cannot send at all).
   */
  sendSpace(): number {
    const ep = this.ep;
    if (ep === null) return -E.EPIPE;
    const c = ep.conn;
    if (c.errno !== 0) return -c.takeErrno();
    if (this.shutWr) return -E.EPIPE;
    const st = c.state;
    if (st === 'SYN_SENT' || st === 'SYN_RECEIVED') return 0;
    if (st !== 'ESTABLISHED' && st !== 'CLOSE_WAIT') return -E.EPIPE;
    const room = c.writableBytes;
    if (room === 0) ep.noSpace = true;
    return room;
  }

  /** Queues bytes that fit (the caller asked sendSpace first). MSG_MORE holds back a partial segment. */
  send(data: Uint8Array, more: boolean): number {
    return this.queueing(more, (c, now) => c.send(data, now));
  }

  /** Runs `queue` on the connection as act() does, corked while MSG_MORE says more follows. */
  private queueing<T>(more: boolean, queue: (c: TcpConnection, now: number) => T): T {
    return this.act((c, now) => {
      if (more && !c.cork) {
        c.setCork(true, now);
        this.moreCorked = true;
      }
      const r = queue(c, now);
      if (!more && this.moreCorked) {
        this.moreCorked = false;
        c.setCork(false, now);
      }
      return r;
    });
  }

  /**
   * send() with the bytes copied straight into the send buffer, in two steps:
   * reserveSend answers how many bytes may be written at sendRoom from
   * sendRoomAt (at most max; or -errno as send() does), and commitSend queues
   * the n written. The caller asked sendSpace first.
   */
  reserveSend(max: number): number {
    const ep = this.ep;
    if (ep === null) return -E.EPIPE;
    return ep.conn.reserveSend(max, this.tcp.now);
  }
  get sendRoom(): Uint8Array {
    return (this.ep as TcpEndpoint).conn.sendRoom;
  }
  get sendRoomAt(): number {
    return (this.ep as TcpEndpoint).conn.sendRoomAt;
  }
  commitSend(n: number, more: boolean): void {
    this.queueing(more, (c) => c.commitSend(n));
  }

  /** The stream ended or failed: a read returns what is queued even below SO_RCVLOWAT. */
  get eofOrError(): boolean {
    const c = this.conn;
    return c === null || this.shutRd || c.peerClosed || c.errno !== 0 || c.state === 'CLOSED';
  }

  /** Bytes a read would get now. */
  get readableBytes(): number {
    return this.ep !== null ? this.ep.conn.readableBytes : 0;
  }

  /** Copies received bytes into `into` (consuming them unless peeking). */
  read(into: Uint8Array, peek: boolean): number {
    if (this.ep === null) return 0;
    if (peek) return this.ep.conn.peek(into);
    return this.act((c, now) => c.recv(into, now));
  }

  /**
   * What a read finds when nothing is queued: 0 at end of stream, -errno
   * (a pending error is consumed), -EAGAIN to wait, -ENOTCONN.
   */
  emptyRead(peek: boolean): number {
    const ep = this.ep;
    if (ep === null) return -E.ENOTCONN;
    if (this.shutRd) return 0;
    if (peek) return ep.conn.peek(this.tcp.oneByte);
    return this.act((c, now) => c.recv(this.tcp.oneByte, now));
  }

  /** shutdown(2); Linux records the directions even when it answers ENOTCONN. */
  shutdown(how: ShutdownHow): number {
    if (this.listener !== null) {
      if (how === 1) return 0;
      this.stopListening();
      this.notifier.notify();
      return 0;
    }
    const ep = this.ep;
    const rd = how !== 1;
    const wr = how !== 0;
    if (ep === null || ep.conn.state === 'CLOSED') {
      if (rd) this.shutRd = true;
      if (wr) this.shutWr = true;
      this.notifier.notify();
      return -E.ENOTCONN;
    }
    if (ep.conn.state === 'SYN_SENT') {
      // Linux disconnects a connecting socket; it may connect again.
      this.act((c, now) => c.abort(now));
      this.ep = null;
      this.ss = 'unconnected';
      this.notifier.notify();
      return 0;
    }
    if (rd) this.shutRd = true;
    if (wr) this.shutWr = true;
    this.act((c, now) => c.shutdown(how, now));
    this.notifier.notify();
    return 0;
  }

  private stopListening(): void {
    const l = this.listener;
    if (l === null) return;
    this.listener = null;
    const h = this.hold as TcpPortHold;
    h.listening = false;
    this.tcp.removeListener(this, h.localPort);
    const outer = this.tcp.enter();
    try {
      const victims = l.close(this.tcp.now);
      for (const v of victims) {
        const ep = this.children.get(v);
        if (ep !== undefined) ep.settle();
      }
      // Anything left (cannot normally happen) is reset too.
      for (const ep of [...this.children.values()]) {
        ep.conn.abort(this.tcp.now);
        ep.settle();
      }
      this.children.clear();
    } finally {
      this.tcp.leave(outer);
    }
  }

  /**
   * Starts closing the connection (FIN after the queued data, or RST per
   * SO_LINGER 0 / unread data) without giving the socket up: the SO_LINGER
   * wait happens between this and close().
   */
  private beginClose(): void {
    if (this.connClosed || this.ep === null) return;
    this.connClosed = true;
    this.act((c, now) => c.close(now));
  }

  /** True once close() need not wait for linger: everything sent was acknowledged, or the connection ended. */
  private get lingerDone(): boolean {
    const ep = this.ep;
    if (ep === null || ep.removed) return true;
    const st = ep.conn.state;
    return (
      st === 'FIN_WAIT_2' ||
      st === 'TIME_WAIT' ||
      st === 'CLOSED' ||
      (ep.conn.sendQueueBytes === 0 && st !== 'FIN_WAIT_1' && st !== 'CLOSING' && st !== 'LAST_ACK')
    );
  }

  /** The last descriptor went away: listeners reset their queue, connections finish as orphans. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.listener !== null) this.stopListening();
    const ep = this.ep;
    if (ep !== null) {
      ep.owner = null;
      if (!this.connClosed) {
        this.connClosed = true;
        const outer = this.tcp.enter();
        try {
          ep.conn.close(this.tcp.now);
          ep.settle();
        } finally {
          this.tcp.leave(outer);
        }
      }
    }
    const h = this.hold;
    if (h !== null) {
      h.socketOpen = false;
      this.tcp.release(h);
    }
  }

  /** SO_ERROR: the pending error, cleared. */
  takeError(): number {
    return this.ep !== null ? this.ep.conn.takeErrno() : 0;
  }

  /** Readiness as Linux's tcp_poll reports it. */
  poll(): number {
    if (this.listener !== null) return this.listener.isReadable ? Ready.IN : 0;
    const ep = this.ep;
    let r = 0;
    if (ep === null) {
      // A fresh socket is TCP_CLOSE: hung up, and "writable" (a send fails at once).
      r = Ready.HUP | Ready.OUT;
      if (this.shutRd) r |= Ready.IN | Ready.RDHUP;
      return r;
    }
    const c = ep.conn;
    const st = c.state;
    const dead = st === 'CLOSED';
    const rcvShut = this.shutRd || c.peerClosed || dead;
    const sndShut = this.shutWr || dead;
    if ((rcvShut && sndShut) || dead || st === 'TIME_WAIT') r |= Ready.HUP;
    if (rcvShut) r |= Ready.IN | Ready.RDHUP;
    if (st !== 'SYN_SENT' && st !== 'SYN_RECEIVED') {
      if (c.readableBytes > 0 && c.readableBytes >= this.rcvLowat) r |= Ready.IN;
      if (sndShut) {
        r |= Ready.OUT;
      } else if (c.isWritable) {
        r |= Ready.OUT;
      } else {
        ep.noSpace = true;
      }
    }
    if (c.errno !== 0) r |= Ready.ERR;
    return r;
  }

  // ------------------------------------------------------- connect(2) rules

  /**
   * connect(2) as Linux's inet_stream_connect: starts the handshake
   * (EINPROGRESS when non-blocking), EALREADY while one runs, then 0 or the
   * error once it is decided. -EAGAIN: a blocking caller must wait (the
   * notifier fires when the state moves); `timedOut`: that wait ran out
   * (SO_SNDTIMEO), which Linux reports as EINPROGRESS.
   */
  connectStream(ip: number, port: number, nonblocking: boolean, timedOut: boolean): number {
    let err: number;
    switch (this.ss) {
      case 'connected':
        return -E.EISCONN;
      case 'connecting':
        err = -E.EALREADY;
        break;
      default: {
        const c = this.connect(ip, port);
        if (c < 0) return c;
        // Even on loopback, where the handshake may already be done, Linux
        // handles the answer after connect returns: non-blocking says EINPROGRESS.
        if (nonblocking) return -E.EINPROGRESS;
        err = -E.EINPROGRESS;
        break;
      }
    }
    const conn = this.conn;
    if (conn === null) return -E.ECONNABORTED;
    const st = conn.state;
    if (st === 'SYN_SENT' || st === 'SYN_RECEIVED') {
      if (nonblocking) return err;
      return timedOut ? -E.EINPROGRESS : -E.EAGAIN;
    }
    if (st === 'CLOSED') {
      this.ss = 'unconnected';
      const e = conn.takeErrno();
      return e !== 0 ? -e : -E.ECONNABORTED;
    }
    this.ss = 'connected';
    return 0;
  }

  /** connect(AF_UNSPEC): forget the peer; Linux resets a live connection. */
  disconnect(): void {
    if (this.ep !== null && this.ep.conn.state !== 'CLOSED') this.apply((c, now) => c.abort(now));
    this.ep = null;
    this.ss = 'unconnected';
    this.notifier.notify();
  }

  // ------------------------------------------------------------ options

  setReuseAddr(on: boolean): void {
    this.reuseAddr = on;
    if (this.hold !== null) this.hold.reuseAddr = on;
  }

  setReusePort(on: boolean): void {
    this.reusePort = on;
    if (this.hold !== null) this.hold.reusePort = on;
  }

  /** SO_RCVLOWAT: Linux stores at least 1. */
  setRcvLowat(bytes: number): void {
    this.rcvLowat = Math.max(1, bytes);
    this.notifier.notify();
  }

  /** SO_LINGER as set (seconds >= 0; a negative time counts as 0, which resets on close). */
  get linger(): Readonly<LingerOption> {
    return this.cfg.linger ?? DEFAULT_TCP_SETTINGS.linger;
  }

  setLinger(enabled: boolean, seconds: number): void {
    const linger = { enabled, seconds: Math.max(0, seconds) };
    this.cfg.linger = linger;
    this.apply((c) => c.setLinger(linger));
  }

  /** SO_KEEPALIVE and TCP_KEEPIDLE/KEEPINTVL/KEEPCNT as they stand. */
  get keepalive(): KeepaliveOptions {
    return { ...DEFAULT_TCP_SETTINGS.keepalive, ...this.cfg.keepalive };
  }

  setKeepalive(change: Partial<KeepaliveOptions>): void {
    this.cfg.keepalive = { ...this.cfg.keepalive, ...change };
    this.apply((c, now) => c.setKeepalive(change, now));
  }

  /** SO_SNDBUF as Linux reports it (sk_sndbuf: twice the payload an application-sized buffer holds). */
  get sndBuf(): number {
    const c = this.conn;
    if (this.userSndBuf !== null) return 2 * this.userSndBuf;
    return c !== null ? c.sendBufferBytes : (this.cfg.sndBufBytes ?? 0);
  }

  /** Sets sk_sndbuf (already clamped and doubled like Linux); autotuning stops. */
  setSndBuf(skBytes: number): void {
    const bytes = skBytes / 2;
    this.userSndBuf = bytes;
    this.cfg.sndBufBytes = bytes;
    this.apply((c, now) => c.setSendBufferBytes(bytes, now));
    this.notifier.notify(); // a larger buffer may let a blocked writer go on
  }

  /** SO_RCVBUF as Linux reports it (sk_rcvbuf). */
  get rcvBuf(): number {
    const c = this.conn;
    if (this.userRcvBuf !== null) return 2 * this.userRcvBuf;
    return c !== null ? c.receiveBufferBytes : (this.cfg.rcvBufBytes ?? 0);
  }

  setRcvBuf(skBytes: number): void {
    const bytes = skBytes / 2;
    this.userRcvBuf = bytes;
    this.cfg.rcvBufBytes = bytes;
    this.apply((c, now) => c.setReceiveBufferBytes(bytes, now));
  }

  get noDelay(): boolean {
    const c = this.conn;
    return c !== null ? c.noDelay : (this.cfg.noDelay ?? false);
  }

  setNoDelay(on: boolean): void {
    this.cfg.noDelay = on;
    this.apply((c, now) => c.setNoDelay(on, now));
  }

  get cork(): boolean {
    const c = this.conn;
    return c !== null ? c.cork : (this.cfg.cork ?? false);
  }

  setCork(on: boolean): void {
    this.cfg.cork = on;
    this.apply((c, now) => c.setCork(on, now));
  }

  /** TCP_MAXSEG: the connection's MSS once it has one, else what the application asked, else 536. */
  get maxSeg(): number {
    const c = this.conn;
    if (c !== null && c.state !== 'CLOSED' && c.state !== 'SYN_SENT') return c.mssBytes;
    return this.userMss > 0 ? this.userMss : TCP_MSS_DEFAULT;
  }

  setMaxSeg(bytes: number): void {
    this.userMss = bytes;
  }

  get synRetries(): number {
    return this.cfg.synRetries ?? DEFAULT_TCP_SETTINGS.synRetries;
  }

  setSynRetries(n: number): void {
    this.cfg.synRetries = n;
  }

  get userTimeoutNs(): number {
    return this.cfg.userTimeoutNs ?? 0;
  }

  setUserTimeoutNs(ns: number): void {
    this.cfg.userTimeoutNs = ns;
    this.apply((c) => c.setUserTimeout(ns));
  }

  /** TCP_LINGER2 in seconds: -1 when FIN_WAIT_2 ends at once, else the FIN_WAIT_2 timeout. */
  get linger2(): number {
    const ns = this.cfg.finTimeoutNs ?? DEFAULT_TCP_SETTINGS.finTimeoutNs;
    return ns === 0 ? -1 : Math.floor(ns / SEC);
  }

  /** TCP_LINGER2: negative ends FIN_WAIT_2 at once, 0 restores tcp_fin_timeout, else seconds (capped). */
  setLinger2(seconds: number): void {
    this.cfg.finTimeoutNs =
      seconds < 0 ? 0 : seconds === 0 ? DEFAULT_TCP_SETTINGS.finTimeoutNs : Math.min(seconds, MAX_LINGER2_SEC) * SEC;
  }

  /** TCP_CONGESTION: the live connection's algorithm, else the one chosen for the next. */
  get congestion(): string {
    const c = this.conn;
    return c !== null ? c.congestionControl.name : this.congestionName;
  }

  /** Chooses the algorithm for connections made from now on (a live one keeps its own); false: unknown name. */
  setCongestion(name: string): boolean {
    const factory = CONGESTION[name];
    if (factory === undefined) return false;
    this.cfg.congestion = factory;
    this.congestionName = name;
    return true;
  }

  // ---------------------------------------------------------- close(2)

  /**
   * close() of the last descriptor with SO_LINGER on and a positive time:
   * the first call starts the orderly close; each call says until when
   * close() must still wait (absolute ns; the notifier fires on progress),
   * or -1 once it may go on (everything acknowledged, or the time is up).
   */
  lingerDeadlineNs(nowNs: number): number {
    const l = this.linger;
    if (!l.enabled || l.seconds <= 0 || this.ep === null || this.listening) return -1;
    if (this.lingerUntilNs < 0) {
      this.beginClose();
      this.lingerUntilNs = nowNs + l.seconds * SEC;
    }
    if (this.lingerDone || nowNs >= this.lingerUntilNs) return -1;
    return this.lingerUntilNs;
  }

  /** The peer address for getpeername, or null (ENOTCONN): Linux has none in CLOSE or SYN_SENT. */
  peer(): { ip: number; port: number } | null {
    const ep = this.ep;
    if (ep === null) return null;
    const st = ep.conn.state;
    if (st === 'CLOSED' || st === 'SYN_SENT') return null;
    return { ip: ep.remoteIp, port: ep.remotePort };
  }
}
