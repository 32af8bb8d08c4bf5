// A host's TCP: port claims with Linux's bind rules (TcpPortHold), the
// demultiplexer (connections by address pair, listeners by port), loopback
// without re-entrancy (an inbox drained by the outermost caller), and wake-ups
// deferred to the end of a batch of arrivals.
import { assert } from '../../core/assert';
import { ArrayQueue } from '../../core/array-queue';
import { TxSource } from '../interface';
import { IPPROTO_TCP, isLoopback, makeTcpPacket, type Packet } from '../packet';
import { FAM_V4, familyOf } from '../ip6';
import { addressesOverlap, PortTable, type NetworkStack, type PortBinding } from '../stack';
import { resetFor } from './connection';
import type { TcpEndpoint } from './endpoint';
import type { Segment, TcpOptions } from './segment';
import type { TcpSocket } from './socket';
import type { TcpConfig } from './types';

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
  familyMask = FAM_V4;
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
  if (!addressesOverlap(o.localIp, o.familyMask, ip, b.familyMask)) return false;
  if (b.reuseAddr && o.reuseAddr && !o.listening) return false;
  if (b.reusePort && o.reusePort) return false;
  return true;
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
  /** A one-byte buffer for asking an empty receive queue what a read would get (EOF, error, EAGAIN). */
  readonly oneByte = new Uint8Array(1);

  constructor(
    readonly stack: NetworkStack,
    readonly opts: TcpStackOptions,
  ) {
    this.table = new PortTable<TcpPortHold>(stack.host.rng, tcpConflicts);
  }

  /** Gives each stack its TCP (once the network exists). */
  static attach(stack: NetworkStack, opts: TcpStackOptions): TcpStack {
    const tcp = new TcpStack(stack, opts);
    stack.tcp = tcp;
    stack.registerProtocol(IPPROTO_TCP, (p) => tcp.receive(p));
    return tcp;
  }

  /** Calls fn on every connection of this host (statistics sampling for the run report). */
  forEachConnection(fn: (e: TcpEndpoint) => void): void {
    for (const byRemote of this.conns.values()) for (const list of byRemote.values()) for (const e of list) fn(e);
  }

  static of(stack: NetworkStack): TcpStack {
    const tcp = stack.tcp;
    assert(tcp !== null, 'TCP used on a stack it was not attached to');
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
    if (this.deferred.length === 0)
      this.stack.clock.at(this.now, this.deferredFrom, this.flushFn, undefined, this.stack.host.id);
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
      if (!addressesOverlap(o.localIp, o.familyMask, h.localIp, h.familyMask)) continue;
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
    const fam = familyOf(dstIp);
    for (const s of list) {
      const ip = s.hold?.localIp ?? 0;
      if (ip !== 0 ? ip !== dstIp : ((s.hold?.familyMask ?? FAM_V4) & fam) === 0) continue;
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

  /**
   * The host crashed (fault schedule): every connection vanishes at once, with
   * no FIN or RST and no timer left to send one later. Sockets were closed by
   * killing their processes first; this drops what their closes left behind.
   */
  crash(): void {
    const all: TcpEndpoint[] = [];
    for (const byRemote of this.conns.values()) for (const list of byRemote.values()) all.push(...list);
    for (const ep of all) this.remove(ep);
    this.inbox.clear();
  }

  /** Whether dst is reached over loopback (127/8 or the host's own address). */
  isLocal(ip: number): boolean {
    return isLoopback(ip) || this.stack.isOwnAddress(ip);
  }
}
