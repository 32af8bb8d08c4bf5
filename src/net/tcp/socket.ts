// TCP sockets on a simulated host: the glue between the pure state machine
// (net/tcp) and a NetworkStack — port bindings with Linux's bind rules,
// demultiplexing, one lazily re-armed timer per connection, loopback without
// re-entrancy, orphaned connections that finish on their own, and readiness.
import { ArrayQueue, TxSource } from '../interface';
import { INADDR_LOOPBACK, IPPROTO_TCP, isLoopback, makeTcpPacket, type Packet } from '../packet';
import { NetErr, PortTable, Ready, type NetworkStack, type Notifier, type PortBinding } from '../stack';
import { TcpConnection, resetFor } from './connection';
import { TcpListener } from './listener';
import type { Segment, TcpOptions } from './segment';
import type { ShutdownHow, TcpConfig, TcpState } from './types';

const Err = NetErr;

/** MSS on eth0 (MTU 1500) and on loopback (Linux's lo has a 64 KiB MTU). */
export const ETH_MSS = 1460;
export const LOOPBACK_MSS = 65483;

/** Per-connection settings a socket carries into the connections it makes or accepts. */
export type ConnSettings = Omit<TcpConfig, 'localPort' | 'remotePort' | 'isn'>;

/** What a host's TCP takes from the run's configuration (experimental.socket_*). */
export interface TcpStackOptions {
  sendBufferBytes: number;
  recvBufferBytes: number;
  sendAutotune: boolean;
  recvAutotune: boolean;
}

/** Bytes the options of `o` take on the wire, laid out as encodeSegment does (padded to 4). */
export function optionBytes(o: TcpOptions): number {
  let n = 0;
  if (o.mss !== undefined) n += 4;
  if (o.timestamp !== undefined)
    n += 12; // with SACK-permitted: kind+len (2) + TS (10); else NOP NOP TS
  else if (o.sackPermitted) n += 4;
  if (o.wscale !== undefined) n += 4;
  if (o.sack !== undefined && o.sack.length > 0) n += 4 + 8 * o.sack.length;
  return (n + 3) & ~3;
}

/**
 * A claim on a local port: a bound socket, a listener, or a connection
 * (accepted connections and orphans keep the port busy like Linux's bind
 * buckets, which is what makes TIME_WAIT and SO_REUSEADDR matter).
 */
export class TcpPortHold implements PortBinding {
  localIp = 0;
  localPort = 0;
  peerIp = 0;
  peerPort = 0;
  reuseAddr = false;
  reusePort = false;
  bindSeq = 0;
  /** Joined the port without a conflict check (a connection accepted on a listener's port). */
  inherited = false;
  listening = false;
  /** bind() chose the port: Linux keeps it when the connection dies (SOCK_BINDPORT_LOCK). */
  portLocked = false;
  bound = false;
  /** The connection using this port, if any. */
  ep: TcpEndpoint | null = null;
  /** The socket using this port, while it is open. */
  socketOpen = false;

  receive(_p: Packet): void {}
  icmpError(_p: Packet, _errno: number): void {}

  get timeWait(): boolean {
    return this.ep !== null && this.ep.conn.state === 'TIME_WAIT';
  }
}

/**
 * Linux's TCP bind conflict rule (inet_csk_bind_conflict with relax): two
 * claims on one port clash when their addresses overlap, unless both set
 * SO_REUSEADDR and the existing one is not listening, or both set
 * SO_REUSEPORT. A connection joining its listener's port never clashes.
 */
export function tcpConflicts(o: PortBinding, b: PortBinding, ip: number): boolean {
  if (!(o instanceof TcpPortHold) || !(b instanceof TcpPortHold)) return true;
  if (b.inherited) return false;
  if (o.localIp !== 0 && ip !== 0 && o.localIp !== ip) return false;
  if (b.reuseAddr && o.reuseAddr && !o.listening) return false;
  if (b.reusePort && o.reusePort) return false;
  return true;
}

/** A one-byte buffer for asking an empty receive queue what a read would get (EOF, error, EAGAIN). */
const ONE = new Uint8Array(1);

/** One connection on a host: the state machine plus addressing, timer, owner and readiness bookkeeping. */
export class TcpEndpoint {
  readonly tx = new TxSource();
  /** The open socket that reports this connection's readiness (null: orphaned or not yet accepted). */
  owner: TcpSocket | null = null;
  /** The listening socket until the connection is accepted. */
  parent: TcpSocket | null = null;
  removed = false;
  /** The handshake completed at some point (a listener's child then waits in the accept queue until accepted). */
  established = false;
  private timerGen = 0;
  /** Time of the live scheduled timer event, or -1. */
  private timerAt = -1;
  private lastState: TcpState;
  private lastReadable = 0;
  private lastError = 0;
  private lastPeerClosed = false;
  /** A writer found no room (Linux SOCK_NOSPACE): wake writers when room comes back. */
  noSpace = false;
  /** Queued in the stack's deferred wake-ups. */
  wakeDeferred = false;
  private readonly fireFn: (gen: number) => void;

  constructor(
    readonly tcp: TcpStack,
    readonly conn: TcpConnection,
    readonly localIp: number,
    readonly localPort: number,
    readonly remoteIp: number,
    readonly remotePort: number,
    readonly hold: TcpPortHold,
  ) {
    this.lastState = conn.state;
    this.fireFn = (gen) => this.fire(gen);
  }

  /** After any call into the connection: send its output, re-arm its timer, report readiness, drop it once closed. */
  settle(): void {
    const c = this.conn;
    if (c.hasOutput) {
      const out = c.takeOutput();
      for (let i = 0; i < out.length; i++) this.tcp.transmit(out[i], this.localIp, this.remoteIp, this.tx);
    }
    const st = c.state;
    const readable = c.readableBytes;
    const err = c.errno;
    const peerClosed = c.peerClosed;
    let wake =
      st !== this.lastState ||
      readable > this.lastReadable ||
      (err !== 0 && err !== this.lastError) ||
      peerClosed !== this.lastPeerClosed;
    if (this.noSpace && c.isWritable) {
      this.noSpace = false;
      wake = true;
    }
    const stateChanged = st !== this.lastState;
    if (st !== 'SYN_SENT' && st !== 'SYN_RECEIVED' && st !== 'CLOSED' && st !== 'LISTEN') this.established = true;
    this.lastState = st;
    this.lastReadable = readable;
    this.lastError = err;
    this.lastPeerClosed = peerClosed;
    if (st === 'CLOSED') {
      this.tcp.remove(this);
    } else {
      this.rearm();
    }
    if (wake && this.owner !== null) {
      if (this.tcp.deferring) this.tcp.deferWake(this);
      else this.owner.notifier.notify();
    }
    if (stateChanged && this.parent !== null) this.parent.childChanged(this);
  }

  /** A wake-up deferred to the end of a batch of arrivals is due. */
  wakeOwner(): void {
    this.wakeDeferred = false;
    if (this.owner !== null) this.owner.notifier.notify();
  }

  /**
   * Keeps one scheduler event at or before the connection's next deadline.
   * A later deadline keeps the earlier event (it re-arms when it fires), so
   * the bulk path's ever-moving retransmission deadline costs no events.
   */
  private rearm(): void {
    const d = this.conn.nextDeadlineNs();
    if (d === null) return;
    if (this.timerAt >= 0 && this.timerAt <= d) return;
    const gen = ++this.timerGen;
    const now = this.tcp.now;
    const at = d > now ? d : now;
    this.timerAt = at;
    this.tcp.stack.clock.at(at, this.tcp.stack.host.id, () => this.fireFn(gen));
  }

  private fire(gen: number): void {
    if (gen !== this.timerGen || this.removed) return;
    this.timerAt = -1;
    const now = this.tcp.now;
    const d = this.conn.nextDeadlineNs();
    if (d === null) return;
    if (d > now) {
      this.rearm();
      return;
    }
    const outer = this.tcp.enter();
    try {
      this.conn.onTimer(now);
      this.settle();
    } finally {
      this.tcp.leave(outer);
    }
  }

  /** Stops the timer for good (the connection left the host's tables). */
  cancelTimer(): void {
    this.timerGen++;
    this.timerAt = -1;
  }
}

/** A host's TCP: port claims, connections by address pair, listeners by port. */
export class TcpStack {
  readonly table: PortTable<TcpPortHold>;
  /** Connections by local port, then remote ip * 65536 + remote port (a short list: local addresses may differ). */
  private readonly conns = new Map<number, Map<number, TcpEndpoint[]>>();
  private readonly listeners = new Map<number, TcpSocket[]>();
  private readonly inbox = new ArrayQueue<Packet>();
  private busy = false;
  /**
   * Set while handling a packet from another host: readiness wake-ups wait
   * until the packets that arrived at the same instant are all in (see deferWake).
   */
  deferring = false;
  private readonly deferred: TcpEndpoint[] = [];
  private deferredFrom = -1;
  private readonly flushFn = (): void => this.flushWakes();
  private readonly resetTx = new TxSource();
  private last: TcpEndpoint | null = null;
  /** Segments answered with a reset because nothing matched them (statistics). */
  resetsSent = 0;

  constructor(
    readonly stack: NetworkStack,
    readonly opts: TcpStackOptions,
  ) {
    this.table = new PortTable<TcpPortHold>(stack.host.rng, tcpConflicts);
  }

  /** Gives each stack its TCP (once the network exists). */
  static attach(stack: NetworkStack, opts: TcpStackOptions): TcpStack {
    const tcp = new TcpStack(stack, opts);
    stacks.set(stack, tcp);
    stack.registerProtocol(IPPROTO_TCP, (p) => tcp.receive(p));
    return tcp;
  }

  static of(stack: NetworkStack): TcpStack {
    const tcp = stacks.get(stack);
    if (!tcp) throw new Error('invariant: TCP used on a stack it was not attached to');
    return tcp;
  }

  get now(): number {
    return this.stack.clock.nowNs;
  }

  /** A deterministic initial sequence number (Linux hashes secrets and a clock; we draw from the host RNG). */
  isn(): number {
    return this.stack.host.rng.nextInt(0, 0xffffffff) >>> 0;
  }

  /**
   * Marks the start of work that may send segments. Loopback delivers
   * synchronously, so a segment sent while a connection is half-way through
   * handling another must wait: those go to the inbox, drained in order by
   * the outermost caller (like Linux's socket backlog). Returns whether this
   * call is the outermost one; pass that to leave().
   */
  enter(): boolean {
    if (this.busy) return false;
    this.busy = true;
    return true;
  }

  leave(outer: boolean): void {
    if (!outer) return;
    try {
      for (let p = this.inbox.shift(); p !== undefined; p = this.inbox.shift()) this.process(p);
    } finally {
      this.busy = false;
    }
  }

  transmit(seg: Segment, srcIp: number, dstIp: number, tx: TxSource): void {
    const p = makeTcpPacket(this.stack.host.id, srcIp, dstIp, seg, optionBytes(seg.options));
    this.stack.send(p, tx);
  }

  /** The protocol handler: every TCP packet for this host. */
  private receive(p: Packet): boolean {
    if (this.busy) {
      this.inbox.push(p);
      return true;
    }
    this.busy = true;
    const remote = p.srcHostId !== this.stack.host.id;
    if (remote) {
      this.deferring = true;
      this.deferredFrom = p.srcHostId;
    }
    try {
      this.process(p);
    } finally {
      this.deferring = false;
      this.leave(true);
    }
    return true;
  }

  /**
   * Packets a host sends at one instant arrive at one instant, each its own
   * event. Waking a reader at the first would have it run (and read one
   * segment) between every two of them when its host sorts before the
   * sender's. Like a NAPI poll that takes in a batch before the woken task
   * runs, the wake-up becomes one event queued behind the sender's other
   * events of this instant: same simulated time, one read for the batch.
   */
  deferWake(ep: TcpEndpoint): void {
    if (ep.wakeDeferred) return;
    ep.wakeDeferred = true;
    if (this.deferred.length === 0) this.stack.clock.at(this.now, this.deferredFrom, this.flushFn);
    this.deferred.push(ep);
  }

  private flushWakes(): void {
    const list = this.deferred.splice(0);
    for (const ep of list) ep.wakeOwner();
  }

  private process(p: Packet): void {
    const seg = p.segment;
    if (seg === null) return;
    const now = this.now;
    const ep = this.find(p.dstIp, p.dstPort, p.srcIp, p.srcPort);
    if (ep !== null) {
      ep.conn.onSegment(seg, now);
      const recycled = ep.conn.timeWaitRecycled && ep.conn.state === 'CLOSED';
      ep.settle();
      if (!recycled) return;
      // A SYN for a connection in TIME_WAIT: the old incarnation is gone, a listener may take it.
    }
    const l = this.findListener(p.dstIp, p.dstPort, p.srcIp, p.srcPort);
    if (l !== null) {
      l.onSyn(p, seg, now);
      return;
    }
    this.resetUnmatched(p, seg);
  }

  resetUnmatched(p: Packet, seg: Segment): void {
    const r = resetFor(seg);
    if (r === null) return;
    this.resetsSent++;
    this.transmit(r, p.dstIp, p.srcIp, this.resetTx);
  }

  find(localIp: number, localPort: number, remoteIp: number, remotePort: number): TcpEndpoint | null {
    const last = this.last;
    if (
      last !== null &&
      last.localPort === localPort &&
      last.remotePort === remotePort &&
      last.remoteIp === remoteIp &&
      last.localIp === localIp &&
      !last.removed
    ) {
      return last;
    }
    const list = this.conns.get(localPort)?.get(remoteIp * 65536 + remotePort);
    if (list === undefined) return null;
    for (const ep of list) {
      if (ep.localIp === localIp) {
        this.last = ep;
        return ep;
      }
    }
    return null;
  }

  add(ep: TcpEndpoint): void {
    let byRemote = this.conns.get(ep.localPort);
    if (!byRemote) this.conns.set(ep.localPort, (byRemote = new Map()));
    const key = ep.remoteIp * 65536 + ep.remotePort;
    const list = byRemote.get(key);
    if (list) list.push(ep);
    else byRemote.set(key, [ep]);
  }

  /** The connection reached CLOSED: forget it, and free its port unless a socket still holds it. */
  remove(ep: TcpEndpoint): void {
    if (ep.removed) return;
    ep.removed = true;
    ep.cancelTimer();
    if (this.last === ep) this.last = null;
    const byRemote = this.conns.get(ep.localPort);
    const key = ep.remoteIp * 65536 + ep.remotePort;
    const list = byRemote?.get(key);
    if (byRemote && list) {
      const i = list.indexOf(ep);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) byRemote.delete(key);
      if (byRemote.size === 0) this.conns.delete(ep.localPort);
    }
    if (ep.parent !== null) ep.parent.childGone(ep);
    const h = ep.hold;
    if (h.ep === ep) h.ep = null;
    this.release(h);
  }

  /** Frees a port claim nobody needs any more (Linux: an autobound port goes when the connection closes). */
  release(h: TcpPortHold): void {
    if (!h.bound) return;
    if (h.ep !== null && !h.ep.removed) return;
    if (h.socketOpen && (h.portLocked || h.listening)) return;
    this.table.unbind(h);
    h.bound = false;
  }

  bind(h: TcpPortHold, ip: number, port: number): number {
    const r = this.table.bind(h, ip, port);
    if (r === 0) h.bound = true;
    return r;
  }

  addListener(s: TcpSocket, port: number): void {
    const list = this.listeners.get(port);
    if (list) list.push(s);
    else this.listeners.set(port, [s]);
  }

  removeListener(s: TcpSocket, port: number): void {
    const list = this.listeners.get(port);
    if (!list) return;
    const i = list.indexOf(s);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.listeners.delete(port);
  }

  /** listen() on a port another socket already listens on: allowed only within a SO_REUSEPORT group. */
  listenConflict(h: TcpPortHold): boolean {
    const list = this.listeners.get(h.localPort);
    if (!list) return false;
    for (const s of list) {
      const o = s.hold;
      if (o === null || o === h) continue;
      if (o.localIp !== 0 && h.localIp !== 0 && o.localIp !== h.localIp) continue;
      if (o.reusePort && h.reusePort) continue;
      return true;
    }
    return false;
  }

  /**
   * The listener a SYN to (dstIp, port) reaches: an address-specific one
   * beats a wildcard one; a SO_REUSEPORT group spreads sources by a hash,
   * so one source always reaches the same member.
   */
  findListener(dstIp: number, port: number, srcIp: number, srcPort: number): TcpSocket | null {
    const list = this.listeners.get(port);
    if (!list) return null;
    let best: TcpSocket | null = null;
    let bestIp = -1;
    for (const s of list) {
      const ip = s.hold?.localIp ?? 0;
      if (ip !== 0 && ip !== dstIp) continue;
      if (best === null || (ip !== 0 && bestIp === 0)) {
        best = s;
        bestIp = ip;
      }
    }
    if (best === null || !best.hold?.reusePort) return best;
    let n = 0;
    for (const s of list) if (s.hold?.reusePort && s.hold.localIp === bestIp) n++;
    if (n < 2) return best;
    let i = ((Math.imul(srcIp ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(srcPort + 1, 0xc2b2ae35)) >>> 0) % n;
    for (const s of list) if (s.hold?.reusePort && s.hold.localIp === bestIp && i-- === 0) return s;
    return best;
  }

  /** Whether dst is reached over loopback (127/8 or the host's own address). */
  isLocal(ip: number): boolean {
    return isLoopback(ip) || ip === this.stack.host.ip;
  }
}

const stacks = new WeakMap<NetworkStack, TcpStack>();

/** socket(2)-level connection state (Linux's SS_*), separate from the TCP state. */
export type SockState = 'unconnected' | 'connecting' | 'connected';

/**
 * A TCP socket: unconnected (maybe bound), listening, or attached to one
 * connection. The syscall layer wraps it; everything here is in simulated
 * time and returns counts or -errno.
 */
export class TcpSocket {
  hold: TcpPortHold | null = null;
  listener: TcpListener | null = null;
  ep: TcpEndpoint | null = null;
  ss: SockState = 'unconnected';
  /** Settings for the connection(s) this socket makes or accepts; also the listener's template. */
  readonly cfg: ConnSettings;
  reuseAddr = false;
  reusePort = false;
  /** TCP_MAXSEG set by the application (0: none). */
  userMss = 0;
  /** SO_SNDBUF/SO_RCVBUF set by the application, in payload bytes (null: autotuned). */
  userSndBuf: number | null = null;
  userRcvBuf: number | null = null;
  /** shutdown() directions recorded on the socket (Linux sk_shutdown). */
  shutRd = false;
  shutWr = false;
  /** The connection was handed to close() already (linger waits, then release). */
  private connClosed = false;
  /** MSG_MORE corked the connection until the next send without it. */
  private moreCorked = false;
  /** SO_RCVLOWAT. */
  rcvLowat = 1;
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
      this.reusePort = template.reusePort;
      this.userMss = template.userMss;
      this.userSndBuf = template.userSndBuf;
      this.userRcvBuf = template.userRcvBuf;
      this.rcvLowat = template.rcvLowat;
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
    h.reuseAddr = this.reuseAddr;
    h.reusePort = this.reusePort;
    h.socketOpen = true;
    return h;
  }

  /** bind(2). */
  bind(ip: number, port: number): number {
    if (this.hold !== null && this.hold.bound) return -Err.EINVAL;
    if (this.ep !== null || this.listening) return -Err.EINVAL;
    if (!this.tcp.stack.isLocalAddress(ip)) return -Err.EADDRNOTAVAIL;
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
  private connSettings(local: boolean): ConnSettings {
    const c = this.cfg;
    c.mssBytes =
      this.userMss > 0 ? Math.min(this.userMss, local ? LOOPBACK_MSS : ETH_MSS) : local ? LOOPBACK_MSS : ETH_MSS;
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
    if (this.ep !== null) {
      if (this.ep.conn.state !== 'CLOSED') return -Err.EINVAL;
      this.ep = null; // a failed connect leaves the socket free to listen
    }
    if (this.listener !== null) {
      this.listener.setBacklog(backlog);
      return 0;
    }
    const r = this.autobind();
    if (r < 0) return r;
    const h = this.hold as TcpPortHold;
    if (this.tcp.listenConflict(h)) return -Err.EADDRINUSE;
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
    this.connSettings(this.tcp.isLocal(p.srcIp));
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
    if (l === null) return -Err.EINVAL;
    for (;;) {
      const conn = l.accept();
      if (conn === null) return -Err.EAGAIN;
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
    if (this.listening) return -Err.EISCONN;
    if (ip === 0) ip = INADDR_LOOPBACK; // Linux sends a connect to INADDR_ANY to the local host
    if (this.ep !== null) {
      // A dead earlier attempt on this socket: it may try again (Linux allows it from TCP_CLOSE).
      if (this.ep.conn.state !== 'CLOSED') return -Err.EISCONN;
      this.ep = null;
    }
    const local = this.tcp.isLocal(ip);
    if (this.hold !== null && this.hold.bound && isLoopback(this.hold.localIp) && !local) return -Err.EINVAL;
    const r = this.autobind();
    if (r < 0) return r;
    const h = this.hold as TcpPortHold;
    if (h.localIp === 0) h.localIp = this.tcp.stack.sourceFor(ip);
    const srcIp = h.localIp;
    const existing = this.tcp.find(srcIp, h.localPort, ip, port);
    if (existing !== null) {
      // The same four-tuple lives on: only a TIME_WAIT one may be reused (timestamps keep it safe).
      if (existing.conn.state !== 'TIME_WAIT') return -Err.EADDRNOTAVAIL;
      existing.conn.abort(this.tcp.now);
      existing.settle();
    }
    const conn = new TcpConnection({
      ...this.connSettings(local),
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
  apply(fn: (c: TcpConnection, now: number) => void): void {
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
    if (ep === null) return -Err.EPIPE;
    const c = ep.conn;
    if (c.errno !== 0) return -c.takeErrno();
    if (this.shutWr) return -Err.EPIPE;
    const st = c.state;
    if (st === 'SYN_SENT' || st === 'SYN_RECEIVED') return 0;
    if (st !== 'ESTABLISHED' && st !== 'CLOSE_WAIT') return -Err.EPIPE;
    const room = c.writableBytes;
    if (room === 0) ep.noSpace = true;
    return room;
  }

  /** Queues bytes that fit (the caller asked sendSpace first). MSG_MORE holds back a partial segment. */
  send(data: Uint8Array, more: boolean): number {
    return this.act((c, now) => {
      if (more && !c.cork) {
        c.setCork(true, now);
        this.moreCorked = true;
      }
      const n = c.send(data, now);
      if (!more && this.moreCorked) {
        this.moreCorked = false;
        c.setCork(false, now);
      }
      return n;
    });
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
    if (ep === null) return -Err.ENOTCONN;
    if (this.shutRd) return 0;
    if (peek) return ep.conn.peek(ONE);
    return this.act((c, now) => c.recv(ONE, now));
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
      return -Err.ENOTCONN;
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
  beginClose(): void {
    if (this.connClosed || this.ep === null) return;
    this.connClosed = true;
    this.act((c, now) => c.close(now));
  }

  /** True once close() need not wait for linger: everything sent was acknowledged, or the connection ended. */
  get lingerDone(): boolean {
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

  /** The peer address for getpeername, or null (ENOTCONN): Linux has none in CLOSE or SYN_SENT. */
  peer(): { ip: number; port: number } | null {
    const ep = this.ep;
    if (ep === null) return null;
    const st = ep.conn.state;
    if (st === 'CLOSED' || st === 'SYN_SENT') return null;
    return { ip: ep.remoteIp, port: ep.remotePort };
  }
}
