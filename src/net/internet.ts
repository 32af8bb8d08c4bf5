// The simulated Internet: one NetworkStack and interface per host, and the
// path between them. A packet leaving a host's interface is dropped with the
// path's loss (drawn from the sender's RNG), delayed by the path latency
// (never less than the runahead), and handed to the receiver's router queue.
// The fault schedule cuts it (partitions, blocks, down hosts and links) and the
// link model (jitter, per-link bandwidth, correlated loss…) shapes it.
import { Rng, hostSeed } from '../host/rng';
import { answerDnsQuery, DNS_PORT } from './dns';
import { Interface, type Clock, type Qdisc } from './interface';
import { IN6ADDR_LOOPBACK } from './ip6';
import type { Network } from './network';
import { hasPayload, IPPROTO_UDP, makeUdpPacket, type Packet } from './packet';
import { NetworkStack, type NetHost, type Router } from './stack';
import { UdpSocket } from './udp';

export interface NetLog {
  warn(where: string | null, msg: string): void;
  debug(where: string | null, msg: string): void;
}

export interface InternetOptions {
  bootstrapEndNs: number;
  /** experimental.runahead: the smallest one-way delay between hosts (null: none). */
  runaheadNs: number | null;
  qdisc: Qdisc;
  socketRecvBufferBytes: number;
  socketSendBufferBytes: number;
  /** general.seed: the link model draws from its own stream of it. */
  seed?: number;
}

/** A link's queue holds at least this much before it drops (drop-tail)… */
const LINK_QUEUE_MIN_BYTES = 64 * 1024;
/** …or this long a backlog at its rate, whichever is more. */
const LINK_QUEUE_NS = 50_000_000;
/** Counts packets per pair of hosts (the run report); a call per routed packet, no allocation. */
export interface PathCounters {
  routed(srcHostId: number, dstHostId: number, lost: boolean): void;
}

/**
 * The scheduler as the network sees it: defer runs a packet's trip at the end
 * of the scheduling round, in an order no interleaving of hosts changes (links
 * and their random stream are shared by every host that sends over them).
 */
export interface NetClock extends Clock {
  defer<T>(fn: (arg: T) => void, arg: T): void;
}

/** Event class of a packet arrival (see core/event-queue: arrivals run first at an instant). */
const PACKET_ARRIVAL = 0;

export class Internet implements Router {
  readonly stacks: NetworkStack[] = [];
  /** Destinations already warned about (each is logged once). */
  private readonly warnedUnowned = new Set<number>();
  private readonly minDelayNs: number;
  private readonly dnsNames = new Map<string, number>();
  /** AAAA records, as the hosts file's IPv6 lines. */
  private readonly dnsNames6 = new Map<string, number>();
  /** Packets lost on paths / sent to addresses nobody owns (statistics). */
  lost = 0;
  unroutable = 0;
  /** Packets dropped by the fault schedule: partitions, blocks, down hosts or links. */
  cut = 0;
  /** hostCount × hostCount: 1 where packets from row to column are dropped (partition, block). */
  private readonly blocked: Uint8Array;
  /** 1 for a host that is down (crashed): it neither sends nor receives. */
  readonly hostDown: Uint8Array;
  /** Per directed edge (Route.hops): when its transmitter is free again, and its Gilbert–Elliott state (1: bad). */
  private readonly linkFreeNs: Float64Array;
  private readonly linkBad: Uint8Array;
  /** The link model's random stream (jitter, correlated loss, duplication, reordering). */
  private readonly linkRng: Rng;
  /** Per-path packet counts for the run report, or null. */
  pathCounters: PathCounters | null = null;
  private readonly routeFn = (p: Packet): void => this.route(p);

  constructor(
    readonly network: Network,
    readonly hosts: readonly NetHost[],
    readonly clock: NetClock,
    private readonly log: NetLog,
    private readonly opts: InternetOptions,
  ) {
    this.minDelayNs = opts.runaheadNs ?? 0;
    this.blocked = new Uint8Array(hosts.length * hosts.length);
    this.hostDown = new Uint8Array(hosts.length);
    this.linkFreeNs = new Float64Array(network.edges.length * 2);
    this.linkBad = new Uint8Array(network.edges.length * 2);
    this.linkRng = new Rng(hostSeed(opts.seed ?? 1, '#links'));
    for (const h of hosts) {
      const stack = new NetworkStack(h, clock, {
        recvBufferBytes: opts.socketRecvBufferBytes,
        sendBufferBytes: opts.socketSendBufferBytes,
      });
      const nh = network.hosts[h.id];
      stack.iface = new Interface(
        h.id,
        clock,
        {
          upBytesPerSec: nh.bandwidthUpBytesPerSec,
          downBytesPerSec: nh.bandwidthDownBytesPerSec,
          bootstrapEndNs: opts.bootstrapEndNs,
          qdisc: opts.qdisc,
        },
        (p) => {
          if (stack.capture !== null) stack.capture('eth0', p);
          this.clock.defer(this.routeFn, p);
        },
        (p) => {
          if (stack.capture !== null) stack.capture('eth0', p);
          stack.deliver(p);
        },
      );
      stack.router = this;
      stack.ip6Table = network.ip6;
      UdpSocket.attach(stack);
      this.stacks.push(stack);
    }
    // The resolver knows exactly the hosts file (names are case-insensitive in DNS).
    this.dnsNames.set('localhost', 0x7f000001);
    for (const h of [...hosts].sort((a, b) => a.ip - b.ip)) {
      const key = h.name.toLowerCase();
      if (h.ip !== 0 && !this.dnsNames.has(key)) this.dnsNames.set(key, h.ip);
    }
    this.dnsNames6.set('localhost', IN6ADDR_LOOPBACK);
    for (const nh of network.hosts) {
      const key = nh.name.toLowerCase();
      if (nh.ip6 !== 0 && !this.dnsNames6.has(key)) this.dnsNames6.set(key, nh.ip6);
    }
  }

  stack(hostId: number): NetworkStack {
    return this.stacks[hostId];
  }

  /**
   * The smallest delay a packet can take from one host to another (the path
   * latency less its jitter, at least the runahead): the scheduler's lookahead.
   * Self paths count too (a host's own address goes through loopback, but the
   * bound must not depend on that).
   */
  lookaheadNs(): number {
    const min = this.network.minDelayNs;
    return Math.max(this.minDelayNs, Number.isFinite(min) ? min : 0, 0);
  }

  /** One-way delay from host a to host b: the path latency, at least the runahead. */
  delayNs(a: number, b: number): number {
    const lat = this.network.path(a, b).latencyNs;
    return lat > this.minDelayNs ? lat : this.minDelayNs;
  }

  /** A packet has left its sender's interface (now): decide loss, then schedule its arrival. */
  route(p: Packet): void {
    const now = this.clock.nowNs;
    const src = p.srcHostId;
    const dst = this.network.hostIndexByIp(p.dstIp);
    if (dst === undefined) {
      this.unowned(p, now);
      return;
    }
    const n = this.hosts.length;
    if (this.hostDown[src] === 1 || this.hostDown[dst] === 1 || this.blocked[src * n + dst] === 1) {
      this.cut++;
      if (this.pathCounters !== null) this.pathCounters.routed(src, dst, true);
      return;
    }
    const path = this.network.route(src, dst);
    if (!path.reachable) {
      this.cut++;
      if (this.pathCounters !== null) this.pathCounters.routed(src, dst, true);
      return;
    }
    const lossy = now >= this.opts.bootstrapEndNs;
    // Only packets with payload are lost (reference §7), except on a path that
    // loses everything: that is a dead link, and handshakes die on it too.
    if (path.loss > 0 && lossy && (hasPayload(p) || path.loss >= 1)) {
      // Reference §7: dropped iff a uniform draw in [0,1) is >= 1 - loss.
      if (this.hosts[src].rng.nextFloat() >= 1 - path.loss) {
        this.lost++;
        if (this.pathCounters !== null) this.pathCounters.routed(src, dst, true);
        return;
      }
    }
    let lat = path.latencyNs > this.minDelayNs ? path.latencyNs : this.minDelayNs;
    let departNs = now;
    let duplicate = false;
    const edges = this.network.edges;
    for (let i = 0; i < path.hops.length; i++) {
      const hop = path.hops[i];
      const edge = edges[hop >> 1];
      if (edge.bandwidthBitsPerSec !== null) {
        // Serialised at the link's rate behind what it already carries; a full queue drops.
        const backlogNs = this.linkFreeNs[hop] - now;
        const limitNs = Math.max(LINK_QUEUE_NS, (LINK_QUEUE_MIN_BYTES * 8 * 1e9) / edge.bandwidthBitsPerSec);
        if (backlogNs > limitNs) {
          this.lost++;
          if (this.pathCounters !== null) this.pathCounters.routed(src, dst, true);
          return;
        }
        const start = Math.max(departNs, this.linkFreeNs[hop]);
        departNs = start + Math.ceil((p.wireBytes * 8 * 1e9) / edge.bandwidthBitsPerSec);
        this.linkFreeNs[hop] = departNs;
      }
      if (!lossy) continue;
      const ge = edge.gilbertElliott;
      if (ge !== null) {
        const bad = this.linkBad[hop] === 1;
        const switchState = this.linkRng.nextFloat() < (bad ? ge.leaveBad : ge.enterBad);
        const nowBad = bad !== switchState;
        this.linkBad[hop] = nowBad ? 1 : 0;
        const stateLoss = nowBad ? ge.lossBad : ge.lossGood;
        if (stateLoss > 0 && this.linkRng.nextFloat() < stateLoss) {
          this.lost++;
          if (this.pathCounters !== null) this.pathCounters.routed(src, dst, true);
          return;
        }
      }
      if (edge.duplicate > 0 && this.linkRng.nextFloat() < edge.duplicate) duplicate = true;
      if (edge.reorder > 0 && this.linkRng.nextFloat() < edge.reorder) lat += path.latencyNs;
    }
    if (path.jitterNs > 0) {
      // Uniform in [latency − jitter, latency + jitter] (as netem's default), never below the runahead.
      lat += Math.round((this.linkRng.nextFloat() * 2 - 1) * path.jitterNs);
      if (lat < this.minDelayNs) lat = this.minDelayNs;
      if (lat < 1) lat = 1;
    }
    if (this.pathCounters !== null) this.pathCounters.routed(src, dst, false);
    const iface = this.stacks[dst].iface as Interface;
    // A host that crashed while the packet was on its way does not receive it.
    this.clock.at(
      departNs + lat,
      src,
      () => {
        if (this.hostDown[dst] === 0) iface.receive(p, this.clock.nowNs);
      },
      PACKET_ARRIVAL,
      dst,
    );
    if (duplicate) {
      const copy: Packet = { ...p, onDepart: null };
      this.clock.at(
        departNs + lat,
        src,
        () => {
          if (this.hostDown[dst] === 0) iface.receive(copy, this.clock.nowNs);
        },
        PACKET_ARRIVAL,
        dst,
      );
    }
  }

  // ---- the fault schedule's controls

  /** Hosts in different groups exchange no packets (added to any earlier partition or block). */
  partition(groups: readonly (readonly number[])[]): void {
    const n = this.hosts.length;
    groups.forEach((a, i) =>
      groups.forEach((b, j) => {
        if (i === j) return;
        for (const x of a) for (const y of b) this.blocked[x * n + y] = 1;
      }),
    );
  }

  /** Packets from any of `from` to any of `to` are dropped; the other way still flows. */
  block(from: readonly number[], to: readonly number[]): void {
    const n = this.hosts.length;
    for (const x of from) for (const y of to) this.blocked[x * n + y] = 1;
  }

  /** Removes every partition and block. */
  heal(): void {
    this.blocked.fill(0);
  }

  /**
   * No socket took p at its destination: like an ICMP port-unreachable, the
   * sending socket learns it one path delay later (no bandwidth, never lost).
   */
  unreachable(p: Packet, errno: number): void {
    const now = this.clock.nowNs;
    const dst = this.network.hostIndexByIp(p.dstIp);
    const back = dst === undefined || dst === p.srcHostId ? 0 : this.delayNs(dst, p.srcHostId);
    const srcStack = this.stacks[p.srcHostId];
    if (p.protocol !== IPPROTO_UDP) return;
    // No error comes back over a way the fault schedule has cut.
    if (dst !== undefined && dst !== p.srcHostId) {
      const n = this.hosts.length;
      if (this.hostDown[dst] === 1 || this.blocked[dst * n + p.srcHostId] === 1) return;
      if (!this.network.route(dst, p.srcHostId).reachable) return;
    }
    // Within a host the error comes back through loopback at once, as on Linux.
    if (dst === p.srcHostId) UdpSocket.icmpError(srcStack, p, errno);
    else {
      const from = dst ?? p.srcHostId;
      this.clock.at(now + back, from, () => UdpSocket.icmpError(srcStack, p, errno), undefined, p.srcHostId);
    }
  }

  /** A packet to an address no host owns: DNS gets an answer, anything else is dropped. */
  private unowned(p: Packet, now: number): void {
    if (p.protocol === IPPROTO_UDP && p.dstPort === DNS_PORT) {
      const reply = answerDnsQuery(p.payload, (name, aaaa) => {
        const key = name.endsWith('.') ? name.slice(0, -1) : name;
        if (!aaaa) return this.dnsNames.get(key) ?? (this.dnsNames6.has(key) ? null : undefined);
        const id = this.dnsNames6.get(key);
        if (id !== undefined) {
          const b = new Uint8Array(16);
          this.network.ip6.write(id, b, 0);
          return b;
        }
        return this.dnsNames.has(key) ? null : undefined;
      });
      if (reply !== null) {
        const r = makeUdpPacket(p.srcHostId, p.dstIp, p.dstPort, p.srcIp, p.srcPort, reply);
        // The resolver sits one minimal delay away each way; the answer pays the receiver's downstream link.
        const rtt = 2 * Math.max(this.minDelayNs, this.network.minLatencyNs);
        const iface = this.stacks[p.srcHostId].iface as Interface;
        this.clock.at(now + rtt, p.srcHostId, () => iface.receive(r, this.clock.nowNs), PACKET_ARRIVAL);
        return;
      }
    }
    this.unroutable++;
    if (!this.warnedUnowned.has(p.dstIp)) {
      this.warnedUnowned.add(p.dstIp);
      const h = this.hosts[p.srcHostId];
      const text = p.dstIp < 0 ? this.network.ip6.toString(p.dstIp) : ipString(p.dstIp);
      this.log.warn(h.name, `dropping packets to ${text}: no simulated host has that address`);
    }
  }
}

function ipString(ip: number): string {
  return `${(ip >>> 24) & 255}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
}
