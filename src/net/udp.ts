// A UDP socket: local and peer address, the receive queue (bounded by the
// receive buffer: datagrams that do not fit are dropped, like Linux), the send
// buffer (bytes still waiting at the interface; a full one makes senders wait)
// and the pending error an ICMP port-unreachable leaves (ECONNREFUSED).
import { E } from '../abi/errno';
import { ArrayQueue } from '../core/array-queue';
import { TxSource } from './interface';
import { FAM_V4, FAM_V6, IN6ADDR_LOOPBACK } from './ip6';
import { INADDR_BROADCAST, INADDR_LOOPBACK, IPPROTO_UDP, isLoopback, makeUdpPacket, type Packet } from './packet';
import { Ready, type NetworkStack, type PortTable, type Notifier, type PortBinding } from './stack';

export class UdpSocket implements PortBinding {
  localIp = 0;
  /** FAM_V4 for AF_INET; an AF_INET6 socket takes FAM_V6, plus FAM_V4 unless IPV6_V6ONLY. */
  familyMask = FAM_V4;
  localPort = 0;
  peerIp = 0;
  peerPort = 0;
  reuseAddr = false;
  reusePort = false;
  bindSeq = 0;
  broadcast = false;
  /** IP_RECVERR: ICMP errors are reported even when not connected. */
  recvErr = false;
  rcvBuf: number;
  sndBuf: number;
  /** bind() chose the address / the port (connect and disconnect must keep them). */
  addrLocked = false;
  portLocked = false;
  /** Pending error (SO_ERROR), positive errno or 0. */
  error = 0;
  shutRd = false;
  shutWr = false;
  /** Datagrams dropped because the receive buffer was full. */
  drops = 0;
  private readonly rq = new ArrayQueue<Packet>();
  private rqBytes = 0;
  private sendQueued = 0;
  private closed = false;
  private readonly tx = new TxSource();
  private readonly table: PortTable<UdpSocket>;
  private readonly departFn = (p: Packet): void => this.departed(p);

  constructor(
    readonly stack: NetworkStack,
    private readonly notifier: Notifier,
  ) {
    this.table = stack.udpPorts;
    this.rcvBuf = stack.defaults.recvBufferBytes;
    this.sndBuf = stack.defaults.sendBufferBytes;
  }

  /** Gives a stack its UDP demultiplexer (over the stack's port table). */
  static attach(stack: NetworkStack): void {
    const table = stack.udpPorts;
    stack.registerProtocol(IPPROTO_UDP, (p) => {
      const s = table.lookup(p.dstIp, p.dstPort, p.srcIp, p.srcPort);
      if (s === null) return false;
      s.receive(p);
      return true;
    });
  }

  /** An ICMP error about packet p arrives back at its sending host. */
  static icmpError(stack: NetworkStack, p: Packet, errno: number): void {
    const s = stack.udpPorts.sender(p);
    if (s) s.icmpError(p, errno);
  }

  get bound(): boolean {
    return this.localPort !== 0;
  }

  get connected(): boolean {
    return this.peerPort !== 0 || this.peerIp !== 0;
  }

  /** bind(2): address must be local; port 0 picks an ephemeral port. */
  bind(ip: number, port: number): number {
    if (this.bound) return -E.EINVAL;
    if (!this.stack.isLocalAddress(ip)) return -E.EADDRNOTAVAIL;
    const r = this.table.bind(this, ip, port);
    if (r < 0) return r;
    this.addrLocked = ip !== 0;
    this.portLocked = port !== 0;
    return 0;
  }

  private autobind(): number {
    return this.bound ? 0 : this.table.bind(this, 0, 0);
  }

  /** connect(2): sets the default peer and fixes the local address Linux would use. */
  connect(ip: number, port: number): number {
    if (ip === 0) ip = this.anyTarget(); // Linux routes INADDR_ANY (and ::) to the local host
    if (ip === INADDR_BROADCAST && !this.broadcast) return -E.EACCES;
    if (this.stack.noRouteTo(ip)) return -E.ENETUNREACH;
    if (isLoopback(this.localIp) && !isLoopback(ip) && !this.stack.isOwnAddress(ip)) {
      return -E.EINVAL;
    }
    const r = this.autobind();
    if (r < 0) return r;
    if (this.localIp === 0) this.rebind(this.stack.sourceFor(ip));
    this.peerIp = ip;
    this.peerPort = port;
    this.error = 0;
    return 0;
  }

  /** Where a send to the wildcard address goes: ::1 for an AF_INET6 socket, 127.0.0.1 otherwise. */
  private anyTarget(): number {
    return (this.familyMask & FAM_V6) !== 0 ? IN6ADDR_LOOPBACK : INADDR_LOOPBACK;
  }

  /** connect(AF_UNSPEC): forget the peer; an address or port bind() did not choose is released. */
  disconnect(): void {
    this.peerIp = 0;
    this.peerPort = 0;
    if (!this.bound) return;
    if (!this.portLocked) {
      this.table.unbind(this);
      this.localIp = 0;
      this.localPort = 0;
    } else if (!this.addrLocked) {
      this.rebind(0);
    }
  }

  /** Changes the bound address in place (the table is keyed by port, so nothing moves). */
  private rebind(ip: number): void {
    this.localIp = ip;
  }

  /** Sends one datagram; returns its length or -errno (-EAGAIN: the send buffer is full). */
  sendTo(payload: Uint8Array, dstIp: number, dstPort: number): number {
    if (this.shutWr) return -E.EPIPE;
    if (this.error !== 0) return -this.takeError();
    if (dstIp === 0) dstIp = this.anyTarget();
    if (dstIp === INADDR_BROADCAST && !this.broadcast) return -E.EACCES;
    if (this.stack.noRouteTo(dstIp)) return -E.ENETUNREACH;
    const local = isLoopback(dstIp) || this.stack.isOwnAddress(dstIp);
    if (isLoopback(this.localIp) && !local) return -E.EINVAL;
    if (!local && this.sendQueued >= this.sndBuf) return -E.EAGAIN;
    const r = this.autobind();
    if (r < 0) return r;
    const srcIp = this.localIp !== 0 ? this.localIp : this.stack.sourceFor(dstIp);
    const p = makeUdpPacket(this.stack.host.id, srcIp, this.localPort, dstIp, dstPort, payload);
    if (!local) {
      this.sendQueued += p.wireBytes;
      p.onDepart = this.departFn;
    }
    this.stack.send(p, this.tx);
    return payload.length;
  }

  /**
   * A packet left the interface. Like Linux's sock_def_write_space, writers
   * are woken only once at least half the send buffer is free again, so a
   * bulk sender wakes once per half-buffer rather than once per packet.
   */
  private departed(p: Packet): void {
    const half = this.sndBuf >> 1;
    const before = this.sendQueued;
    this.sendQueued -= p.wireBytes;
    if (before >= half && this.sendQueued < half && !this.closed) this.notifier.notify();
  }

  /** Bytes handed to the interface that have not left yet (SIOCOUTQ). */
  get queuedSendBytes(): number {
    return this.sendQueued;
  }

  /** An inbound datagram for this socket. */
  receive(p: Packet): void {
    if (this.closed) return;
    const len = p.payload.length;
    // Payload bytes are what count; an empty queue takes any datagram so one
    // larger than the buffer can still arrive.
    if (this.rq.length > 0 && this.rqBytes + len > this.rcvBuf) {
      this.drops++;
      return;
    }
    this.rq.push(p);
    this.rqBytes += len;
    this.notifier.notify();
  }

  icmpError(p: Packet, errno: number): void {
    if (this.closed) return;
    // Linux reports it only to a socket connected to that destination, or with IP_RECVERR.
    const toPeer = this.connected && this.peerIp === p.dstIp && this.peerPort === p.dstPort;
    if (!toPeer && !this.recvErr) return;
    this.error = errno;
    this.notifier.notify();
  }

  /** The next datagram without removing it. */
  peek(): Packet | null {
    return this.rq.peek() ?? null;
  }

  /** Removes the next datagram. */
  take(): Packet | null {
    const p = this.rq.shift();
    if (p === undefined) return null;
    this.rqBytes -= p.payload.length;
    return p;
  }

  get queuedRecvBytes(): number {
    return this.rqBytes;
  }

  takeError(): number {
    const e = this.error;
    this.error = 0;
    return e;
  }

  /** A send would not wait (sk_wmem_alloc below sk_sndbuf). */
  get canSend(): boolean {
    return this.sendQueued < this.sndBuf;
  }

  /** poll's EPOLLOUT: Linux's sock_writeable, less than half the send buffer in use. */
  get writable(): boolean {
    return this.sendQueued < this.sndBuf >> 1;
  }

  /** Readiness as Linux's datagram_poll reports it. */
  poll(): number {
    let r = 0;
    if (this.error !== 0) r |= Ready.ERR;
    if (this.shutRd) r |= Ready.RDHUP | Ready.IN;
    if (this.shutRd && this.shutWr) r |= Ready.HUP;
    if (this.rq.length > 0) r |= Ready.IN;
    if (this.writable) r |= Ready.OUT;
    return r;
  }

  shutdown(rd: boolean, wr: boolean): void {
    if (rd) this.shutRd = true;
    if (wr) this.shutWr = true;
    this.notifier.notify();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.bound) this.table.unbind(this);
    this.rq.clear();
    this.rqBytes = 0;
  }
}
