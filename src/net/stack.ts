// A host's network stack: which local (protocol, address, port) each socket
// owns, ephemeral port allocation, the unix-socket namespace, the netlink port
// ids, and the choice between loopback (stays in the host, no latency or
// bandwidth) and eth0. Each protocol's per-host state hangs off its stack.
import { E } from '../abi/errno';
import { ArrayQueue } from '../core/array-queue';
import type { Clock, Interface, TxSource } from './interface';
import { familyOf, IN6ADDR_LOOPBACK, Ip6Table } from './ip6';
import { INADDR_LOOPBACK, IPPROTO_UDP, isLoopback, type Packet } from './packet';
import type { TcpStack } from './tcp/stack';
import type { UdpSocket } from './udp';
import { UnixNamespace } from './unix';

/** Readiness bits, Linux's EPOLL* values (the syscall layer passes them through). */
export const Ready = {
  IN: 0x001,
  OUT: 0x004,
  ERR: 0x008,
  HUP: 0x010,
  RDHUP: 0x2000,
} as const;

/** What sockets need of their file: a readiness-changed signal (core's Watchers fits). */
export interface Notifier {
  notify(): void;
}

/** The parts of a simulated host the network uses (host/Host fits). */
export interface NetHost {
  readonly id: number;
  readonly name: string;
  readonly ip: number;
  /** IPv6 address id (net/ip6.ts); 0 or absent: the host has no IPv6. */
  readonly ip6?: number;
  /** Link-local IPv6 address id of eth0; 0 or absent: none. */
  readonly ip6Link?: number;
  readonly rng: { nextFloat(): number; nextInt(lo: number, hi: number): number };
}

/** Ephemeral ports are drawn from the host RNG in Shadow's range, not Linux's 32768–60999. */
export const EPHEMERAL_LOW = 10000;
export const EPHEMERAL_HIGH = 65535;

/** A socket bound to a local port of one protocol. */
export interface PortBinding {
  /** Bound address, 0 for INADDR_ANY (and for `::`). */
  localIp: number;
  /** Which families a wildcard binding takes (FAM_V4, FAM_V6: an AF_INET6 socket without IPV6_V6ONLY takes both). */
  familyMask: number;
  localPort: number;
  /** Connected peer (0/0 when not connected): such a socket only receives from it. */
  peerIp: number;
  peerPort: number;
  reuseAddr: boolean;
  reusePort: boolean;
  /** Order of binding, for Linux's "newest socket wins" among equals. */
  bindSeq: number;
  receive(p: Packet): void;
  /** An ICMP error about a packet this socket sent (e.g. port unreachable). */
  icmpError(p: Packet, errno: number): void;
}

/** Bound sockets of one protocol on one host, by port. */
export class PortTable<B extends PortBinding> {
  private readonly byPort = new Map<number, B[]>();
  private seq = 0;

  constructor(
    private readonly rng: NetHost['rng'],
    /** Whether binding b to ip clashes with existing binding o of the same port (UDP's rule by default). */
    private readonly conflicts: (o: PortBinding, b: PortBinding, ip: number) => boolean = udpConflicts,
  ) {}

  /** Binds b to (ip, port); port 0 takes an ephemeral port. Returns 0 or -errno. */
  bind(b: B, ip: number, port: number): number {
    if (port === 0) {
      port = this.ephemeral();
      if (port === 0) return -E.EADDRINUSE;
    } else {
      const list = this.byPort.get(port);
      if (list) for (const o of list) if (o !== b && this.conflicts(o, b, ip)) return -E.EADDRINUSE;
    }
    b.localIp = ip;
    b.localPort = port;
    b.bindSeq = ++this.seq;
    let list = this.byPort.get(port);
    if (!list) this.byPort.set(port, (list = []));
    list.push(b);
    return 0;
  }

  unbind(b: B): void {
    const list = this.byPort.get(b.localPort);
    if (!list) return;
    const i = list.indexOf(b);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.byPort.delete(b.localPort);
  }

  /**
   * The socket a packet to (dstIp, dstPort) from (srcIp, srcPort) goes to:
   * connected and address-specific sockets beat wildcard ones; among equals a
   * SO_REUSEPORT group spreads by source, otherwise the newest binding wins.
   */
  lookup(dstIp: number, dstPort: number, srcIp: number, srcPort: number): B | null {
    const list = this.byPort.get(dstPort);
    if (!list) return null;
    let best: B | null = null;
    let bestScore = -1;
    const fam = familyOf(dstIp);
    for (const b of list) {
      if (b.localIp !== 0 ? b.localIp !== dstIp : (b.familyMask & fam) === 0) continue;
      if (b.peerPort !== 0 && (b.peerIp !== srcIp || b.peerPort !== srcPort)) continue;
      const score = (b.localIp !== 0 ? 1 : 0) + (b.peerPort !== 0 ? 2 : 0);
      if (score > bestScore || (score === bestScore && b.bindSeq > (best as B).bindSeq)) {
        best = b;
        bestScore = score;
      }
    }
    if (best === null || !best.reusePort || best.peerPort !== 0) return best;
    // A SO_REUSEPORT group: a deterministic stand-in for Linux's flow hash, so
    // the same source always reaches the same member.
    const ip = best.localIp;
    let n = 0;
    for (const b of list) if (b.reusePort && b.peerPort === 0 && b.localIp === ip) n++;
    if (n < 2) return best;
    let i = ((Math.imul(srcIp ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(srcPort + 1, 0xc2b2ae35)) >>> 0) % n;
    for (const b of list) if (b.reusePort && b.peerPort === 0 && b.localIp === ip && i-- === 0) return b;
    return best;
  }

  /** The socket that sent p (for ICMP errors): bound to p's source and, if connected, to p's destination. */
  sender(p: Packet): B | null {
    const list = this.byPort.get(p.srcPort);
    if (!list) return null;
    const fam = familyOf(p.srcIp);
    for (const b of list) {
      if (b.localIp !== 0 ? b.localIp !== p.srcIp : (b.familyMask & fam) === 0) continue;
      if (b.peerPort !== 0 && (b.peerIp !== p.dstIp || b.peerPort !== p.dstPort)) continue;
      return b;
    }
    return null;
  }

  isFree(port: number): boolean {
    return !this.byPort.has(port);
  }

  /** A free port drawn from the host RNG until one is free (Shadow's method); 0 if none. */
  private ephemeral(): number {
    for (let i = 0; i < 64; i++) {
      const port = this.rng.nextInt(EPHEMERAL_LOW, EPHEMERAL_HIGH);
      if (this.isFree(port)) return port;
    }
    // Nearly full: scan from a random start so the result is still seed-determined.
    const span = EPHEMERAL_HIGH - EPHEMERAL_LOW + 1;
    const start = this.rng.nextInt(0, span - 1);
    for (let i = 0; i < span; i++) {
      const port = EPHEMERAL_LOW + ((start + i) % span);
      if (this.isFree(port)) return port;
    }
    return 0;
  }
}

/** Linux's UDP bind conflict rule: overlapping addresses need SO_REUSEADDR on both, or SO_REUSEPORT on both. */
export function udpConflicts(o: PortBinding, b: PortBinding, ip: number): boolean {
  if (!addressesOverlap(o.localIp, o.familyMask, ip, b.familyMask)) return false;
  if (o.reuseAddr && b.reuseAddr) return false;
  if (o.reusePort && b.reusePort) return false;
  return true;
}

/**
 * Whether a binding of (ipA, wildcard families maskA) and one of (ipB, maskB)
 * can receive the same packet: equal addresses, or a wildcard of a family the other has.
 */
export function addressesOverlap(ipA: number, maskA: number, ipB: number, maskB: number): boolean {
  if (ipA !== 0 && ipB !== 0) return ipA === ipB;
  if (ipA === 0 && ipB === 0) return (maskA & maskB) !== 0;
  return ipA === 0 ? (maskA & familyOf(ipB)) !== 0 : (maskB & familyOf(ipA)) !== 0;
}

/** Where a stack sends what leaves it and reports what it cannot deliver (the Internet). */
export interface Router {
  /** An outbound packet has left `hostId`'s interface. */
  route(p: Packet): void;
  /** No socket took p at its destination: tell the sender (ICMP port unreachable). */
  unreachable(p: Packet, errno: number): void;
}

/** Demultiplexes one protocol's inbound packets; false when nothing takes the packet. */
export type ProtocolHandler = (p: Packet) => boolean;

export class NetworkStack {
  /** Packet capture (pcap_enabled): called for each packet on lo and on eth0 (both ways). */
  capture: ((iface: 'eth0' | 'lo', p: Packet) => void) | null = null;
  /** The per-host namespace of unix socket names. */
  readonly unix = new UnixNamespace();
  /** Bound UDP sockets by port (UdpSocket.attach demultiplexes through it). */
  readonly udpPorts: PortTable<UdpSocket>;
  /** This host's TCP, once TcpStack.attach gave it one. */
  tcp: TcpStack | null = null;
  /** Netlink port ids in use (the host is one network namespace). */
  readonly netlinkPorts = new Set<number>();
  private readonly handlers: (ProtocolHandler | undefined)[] = [];
  private nextNetlinkPid = -4096;
  iface: Interface | null = null;
  /** Where the network sends what it cannot deliver (set by the Internet). */
  router: Router | null = null;
  private readonly loopback = new ArrayQueue<Packet>();
  /** The run's IPv6 addresses (the Internet gives every stack the network's table). */
  ip6Table = new Ip6Table();
  /** This host's IPv6 address id, 0 when it has none. */
  readonly ip6: number;
  /** Its link-local address id, 0 when it has no IPv6. */
  readonly ip6Link: number;
  private loopbackBusy = false;

  constructor(
    readonly host: NetHost,
    readonly clock: Clock,
    readonly defaults: { recvBufferBytes: number; sendBufferBytes: number },
  ) {
    this.udpPorts = new PortTable<UdpSocket>(host.rng);
    this.ip6 = host.ip6 ?? 0;
    this.ip6Link = host.ip6Link ?? 0;
  }

  /** Registers the demultiplexer for an IP protocol (UDP, later TCP). */
  registerProtocol(protocol: number, h: ProtocolHandler): void {
    this.handlers[protocol] = h;
  }

  /** True for addresses a socket of this host may bind: INADDR_ANY, 127/8, ::1, the host's own. */
  isLocalAddress(ip: number): boolean {
    return ip === 0 || isLoopback(ip) || this.isOwnAddress(ip);
  }

  /** One of the host's eth0 addresses (IPv4, IPv6, link-local). */
  isOwnAddress(ip: number): boolean {
    return ip !== 0 && (ip === this.host.ip || ip === this.ip6 || ip === this.ip6Link);
  }

  /** The source address Linux would pick for an unbound socket sending to dst. */
  sourceFor(dstIp: number): number {
    if (dstIp < 0) {
      if (dstIp === IN6ADDR_LOOPBACK) return dstIp;
      return this.ip6Table.isLinkLocal(dstIp) ? this.ip6Link : this.ip6;
    }
    return isLoopback(dstIp) || dstIp === 0 ? INADDR_LOOPBACK : this.host.ip;
  }

  /** No route to dst (ENETUNREACH): the host has no address of dst's family (an IPv4- or IPv6-only host). */
  noRouteTo(dstIp: number): boolean {
    if (isLoopback(dstIp) || dstIp === 0) return false;
    return dstIp < 0 ? this.ip6 === 0 : this.host.ip === 0;
  }

  /**
   * Sends a packet: anything not for this host queues at eth0 (`onDepart`
   * runs when it leaves). Loopback and own-address packets are delivered at
   * once, before the send returns, as Linux's loopback does (its softirq runs
   * before sendto returns, so FIONREAD or MSG_DONTWAIT right after a send to
   * oneself sees the datagram). A packet sent while delivering one (a reply
   * from a protocol handler) waits in a queue drained by the outermost call,
   * like Linux's backlog, so replies never recurse.
   */
  send(p: Packet, source: TxSource): void {
    if (isLoopback(p.dstIp) || this.isOwnAddress(p.dstIp)) {
      if (this.capture !== null) this.capture('lo', p);
      if (p.onDepart) p.onDepart(p);
      this.loopback.push(p);
      if (this.loopbackBusy) return;
      this.loopbackBusy = true;
      try {
        for (let q = this.loopback.shift(); q !== undefined; q = this.loopback.shift()) this.deliver(q);
      } finally {
        this.loopbackBusy = false;
      }
      return;
    }
    (this.iface as Interface).send(p, source);
  }

  /** A packet for this host (from eth0 or loopback) reaches the protocol demultiplexer. */
  deliver(p: Packet): void {
    const h = this.handlers[p.protocol];
    if (h && h(p)) return;
    if (this.router && p.protocol === IPPROTO_UDP) this.router.unreachable(p, E.ECONNREFUSED);
  }

  /** Claims a netlink port id for a socket that did not choose one: the pid first, then unique negatives. */
  claimNetlinkPort(pid: number): number {
    const ports = this.netlinkPorts;
    let id = pid;
    if (ports.has(id)) {
      while (ports.has(this.nextNetlinkPid)) this.nextNetlinkPid--;
      id = this.nextNetlinkPid--;
    }
    ports.add(id);
    return id;
  }
}
