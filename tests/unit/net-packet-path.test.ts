// The packet path without processes: interface pacing and fragments, the
// round-robin qdisc, CoDel, port tables, the Internet's loss/latency/runahead
// rules, the built-in DNS answers and the rtnetlink dumps.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { answerDnsQuery } from '../../src/net/dns';
import { formatIp6 } from '../../src/net/ip6';
import { Interface, TxSource } from '../../src/net/interface';
import { Internet, type NetClock } from '../../src/net/internet';
import { rtnetlinkAnswer } from '../../src/net/netlink';
import { buildNetwork } from '../../src/net/network';
import { makeUdpPacket, udpWireBytes, type Packet } from '../../src/net/packet';
import { CodelQueue } from '../../src/net/router-queue';
import { PortTable, type PortBinding } from '../../src/net/stack';
import { UdpSocket } from '../../src/net/udp';
import { Rng } from '../../src/host/rng';

const MS = 1_000_000;

/** A minimal event loop: (time, insertion) order, like the scheduler within one host. */
class FakeClock implements NetClock {
  nowNs = 0;
  private events: Array<{ t: number; seq: number; fn: () => void }> = [];
  private seq = 0;
  at(timeNs: number, _src: number, run: () => void): void {
    assert.ok(timeNs >= this.nowNs, 'no events in the past');
    this.events.push({ t: timeNs, seq: this.seq++, fn: run });
  }
  defer<T>(fn: (arg: T) => void, arg: T): void {
    fn(arg);
  }
  runAll(): void {
    for (;;) {
      this.events.sort((a, b) => a.t - b.t || a.seq - b.seq);
      const e = this.events.shift();
      if (!e) return;
      this.nowNs = e.t;
      e.fn();
    }
  }
}

function udp(len: number, dstPort = 9): Packet {
  return makeUdpPacket(0, 0x0b000001, 5000, 0x0b000002, dstPort, new Uint8Array(len));
}

test('UDP wire size counts 28 header bytes per datagram and 20 more per extra IP fragment', () => {
  assert.equal(udpWireBytes(0), 28);
  assert.equal(udpWireBytes(1472), 1500);
  assert.equal(udpWireBytes(1473), 1521); // two fragments
  assert.equal(udpWireBytes(65507), 65507 + 8 + 45 * 20);
});

test('the upstream link paces departures at its rate; a datagram above the MTU pays frame by frame', () => {
  const clock = new FakeClock();
  const departed: Array<[number, number]> = [];
  const iface = new Interface(
    0,
    clock,
    { upBytesPerSec: 1_250_000, downBytesPerSec: 1_250_000, bootstrapEndNs: 0, qdisc: 'fifo' },
    (p) => departed.push([clock.nowNs, p.wireBytes]),
    () => {},
  );
  const src = new TxSource();
  for (let i = 0; i < 5; i++) iface.send(udp(1472), src);
  iface.send(udp(3000), src);
  clock.runAll();
  // 10 Mbit: 1250 bytes per 1 ms tick on top of a full bucket of 2750.
  assert.deepEqual(
    departed.map(([t]) => t / MS),
    [0, 1, 2, 3, 4, 7],
  );
  assert.equal(departed[5][1], udpWireBytes(3000));
});

test('bandwidth is free during the bootstrap period', () => {
  const clock = new FakeClock();
  const times: number[] = [];
  const iface = new Interface(
    0,
    clock,
    { upBytesPerSec: 1000, downBytesPerSec: 1000, bootstrapEndNs: 10 * MS, qdisc: 'fifo' },
    () => times.push(clock.nowNs),
    () => {},
  );
  for (let i = 0; i < 10; i++) iface.send(udp(1472), new TxSource());
  clock.runAll();
  assert.deepEqual(times, new Array(10).fill(0));
});

test('round-robin takes one packet per sending socket in turn; FIFO keeps arrival order', () => {
  for (const qdisc of ['fifo', 'round-robin'] as const) {
    const clock = new FakeClock();
    const order: number[] = [];
    const iface = new Interface(
      0,
      clock,
      { upBytesPerSec: 1_250_000, downBytesPerSec: 1_250_000, bootstrapEndNs: 0, qdisc },
      (p) => order.push(p.dstPort),
      () => {},
    );
    const a = new TxSource(),
      b = new TxSource();
    // The first two leave at once (full bucket); the rest queue.
    for (let i = 0; i < 4; i++) iface.send(udp(1472, 1), a);
    for (let i = 0; i < 3; i++) iface.send(udp(1472, 2), b);
    clock.runAll();
    assert.deepEqual(order, qdisc === 'fifo' ? [1, 1, 1, 1, 2, 2, 2] : [1, 1, 1, 2, 1, 2, 2], qdisc);
  }
});

test('CoDel: a short queue is never dropped from; a standing queue above 10 ms for 100 ms is', () => {
  const dropped: Packet[] = [];
  const q = new CodelQueue<Packet>((p) => dropped.push(p));
  for (let i = 0; i < 10; i++) q.enqueue(udp(1472), 0);
  for (let i = 0; i < 10; i++) assert.ok(q.dequeue(5 * MS));
  assert.equal(dropped.length, 0);
  // 200 packets enqueued at 0 and drained 1 per ms: sojourn grows past target.
  for (let i = 0; i < 200; i++) q.enqueue(udp(1472), 0);
  let served = 0;
  for (let t = 1; q.length > 0; t++) if (q.dequeue(t * MS)) served++;
  assert.ok(q.codelDrops > 0, 'CoDel dropped from the standing queue');
  assert.equal(served + q.codelDrops, 200);
  const tail = new CodelQueue<Packet>(() => {}, 3);
  for (let i = 0; i < 5; i++) tail.enqueue(udp(10), 0);
  assert.equal(tail.length, 3);
  assert.equal(tail.tailDrops, 2);
});

function binding(over: Partial<PortBinding> = {}): PortBinding & { got: number } {
  return {
    localIp: 0,
    familyMask: 1,
    localPort: 0,
    peerIp: 0,
    peerPort: 0,
    reuseAddr: false,
    reusePort: false,
    bindSeq: 0,
    got: 0,
    receive() {
      this.got++;
    },
    icmpError() {},
    ...over,
  };
}

test('port table: Linux UDP bind conflicts, most specific match, newest among equals', () => {
  const t = new PortTable<PortBinding>(new Rng(1));
  const any = binding();
  assert.equal(t.bind(any, 0, 53), 0);
  assert.equal(t.bind(binding(), 0x7f000001, 53), -98, 'wildcard overlaps everything');
  const lo = binding({ reuseAddr: true });
  const any2 = binding();
  const t2 = new PortTable<PortBinding>(new Rng(1));
  assert.equal(t2.bind(any2, 0, 53), 0);
  assert.equal(t2.bind(lo, 0x7f000001, 53), -98, 'SO_REUSEADDR must be on both');
  any2.reuseAddr = true;
  const spec = binding({ reuseAddr: true });
  assert.equal(t2.bind(spec, 0x7f000001, 53), 0);
  assert.equal(t2.lookup(0x7f000001, 53, 1, 1), spec, 'the specific address wins');
  assert.equal(t2.lookup(0x0b000001, 53, 1, 1), any2);
  const connected = binding({ reuseAddr: true, peerIp: 5, peerPort: 6 });
  assert.equal(t2.bind(connected, 0, 53), 0);
  assert.equal(t2.lookup(0x0b000001, 53, 5, 6), connected, 'a connected socket wins for its peer');
  assert.equal(t2.lookup(0x0b000001, 53, 5, 7), any2);
  // Different addresses never conflict.
  const t3 = new PortTable<PortBinding>(new Rng(1));
  assert.equal(t3.bind(binding(), 0x7f000001, 80), 0);
  assert.equal(t3.bind(binding(), 0x0b000001, 80), 0);
});

test('ephemeral ports come from the host RNG in [10000, 65535], the same for the same seed', () => {
  const ports = (seed: number): number[] => {
    const t = new PortTable<PortBinding>(new Rng(seed));
    return [0, 1, 2, 3].map(() => {
      const b = binding();
      assert.equal(t.bind(b, 0, 0), 0);
      return b.localPort;
    });
  };
  const a = ports(42);
  assert.deepEqual(ports(42), a);
  assert.notDeepEqual(ports(43), a);
  for (const p of a) assert.ok(p >= 10000 && p <= 65535);
  assert.equal(new Set(a).size, 4);
});

function twoHostInternet(latency: string, loss: string, runaheadNs: number | null) {
  const network = buildNetwork(
    {
      network: {
        graph: {
          type: 'gml',
          inline: `graph [ directed 0 node [ id 0 host_bandwidth_up "1 Gbit" host_bandwidth_down "1 Gbit" ] edge [ source 0 target 0 latency "${latency}" packet_loss ${loss} ] ]`,
        },
        useShortestPath: true,
      },
      hosts: [
        { name: 'a', networkNodeId: 0, ipAddr: null, bandwidthDownBits: null, bandwidthUpBits: null },
        { name: 'b', networkNodeId: 0, ipAddr: null, bandwidthDownBits: null, bandwidthUpBits: null },
      ],
    },
    '/',
  );
  const clock = new FakeClock();
  const hosts = network.hosts.map((h, id) => ({ id, name: h.name, ip: h.ip, rng: new Rng(1000 + id) }));
  const warnings: string[] = [];
  const net = new Internet(
    network,
    hosts,
    clock,
    { warn: (_w, m) => warnings.push(m), debug: () => {} },
    {
      bootstrapEndNs: 0,
      runaheadNs,
      qdisc: 'fifo',
      socketRecvBufferBytes: 1 << 20,
      socketSendBufferBytes: 1 << 20,
    },
  );
  return { net, clock, warnings };
}

test('the Internet: latency below the runahead is raised to it; loss follows the sender RNG; unowned addresses warn once', () => {
  for (const [runahead, expect] of [
    [1 * MS, 1 * MS],
    [null, 100_000],
  ] as const) {
    const { net, clock } = twoHostInternet('100 us', '0.0', runahead);
    const arrivals: number[] = [];
    const rx = new UdpSocket(net.stack(1), { notify: () => arrivals.push(clock.nowNs) });
    assert.equal(rx.bind(0, 7), 0);
    const tx = new UdpSocket(net.stack(0), { notify: () => {} });
    tx.sendTo(new Uint8Array(10), net.hosts[1].ip, 7);
    clock.runAll();
    assert.deepEqual(arrivals, [expect]);
  }
  const lossy = (): string => {
    const { net, clock } = twoHostInternet('1 ms', '0.5', 1 * MS);
    let got = '';
    const rx = new UdpSocket(net.stack(1), { notify: () => {} });
    rx.bind(0, 7);
    const tx = new UdpSocket(net.stack(0), { notify: () => {} });
    for (let i = 0; i < 64; i++) {
      tx.sendTo(new Uint8Array([i]), net.hosts[1].ip, 7);
      clock.runAll();
      const p = rx.take();
      got += p ? 'x' : '.';
    }
    return got;
  };
  const a = lossy();
  assert.equal(lossy(), a);
  const n = a.split('x').length - 1;
  assert.ok(n > 16 && n < 48, a);
  const { net, clock, warnings } = twoHostInternet('1 ms', '0.0', 1 * MS);
  const tx = new UdpSocket(net.stack(0), { notify: () => {} });
  tx.sendTo(new Uint8Array(1), 0x0a000001, 7);
  tx.sendTo(new Uint8Array(1), 0x0a000001, 7);
  clock.runAll();
  assert.equal(warnings.length, 1);
});

test('a datagram to a closed port comes back as ECONNREFUSED on a connected socket, one path delay later', () => {
  const { net, clock } = twoHostInternet('5 ms', '0.0', 1 * MS);
  const tx = new UdpSocket(net.stack(0), { notify: () => {} });
  assert.equal(tx.connect(net.hosts[1].ip, 4444), 0);
  tx.sendTo(new Uint8Array(3), net.hosts[1].ip, 4444);
  clock.runAll();
  assert.equal(clock.nowNs, 10 * MS);
  assert.equal(tx.takeError(), 111);
});

function dnsQuery(name: string, type: number): Uint8Array {
  const labels = name.split('.').filter((x) => x);
  const parts = [0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
  for (const l of labels) parts.push(l.length, ...Buffer.from(l));
  parts.push(0, 0, type, 0, 1);
  return Uint8Array.from(parts);
}

test('the simulated DNS: A records from the hosts table, NXDOMAIN for unknown names, no AAAA', () => {
  const lookup = (n: string): number | undefined => (n === 'server' ? 0x0b000002 : undefined);
  const a = answerDnsQuery(dnsQuery('Server', 1), lookup) as Uint8Array;
  assert.equal(a[0], 0x12);
  assert.equal(a[3] & 0xf, 0, 'NOERROR');
  assert.equal(a[7], 1, 'one answer');
  assert.deepEqual([...a.subarray(a.length - 4)], [11, 0, 0, 2]);
  const aaaa = answerDnsQuery(dnsQuery('server', 28), lookup) as Uint8Array;
  assert.equal(aaaa[3] & 0xf, 0);
  assert.equal(aaaa[7], 0, 'name exists, no IPv6 record');
  const nx = answerDnsQuery(dnsQuery('nope.example', 1), lookup) as Uint8Array;
  assert.equal(nx[3] & 0xf, 3, 'NXDOMAIN');
  assert.equal((nx[2] & 0x80) !== 0, true, 'a response');
  assert.equal(answerDnsQuery(new Uint8Array(5), lookup), null);
});

test('rtnetlink: link and address dumps describe lo and eth0 and end with NLMSG_DONE', () => {
  const req = Buffer.alloc(32);
  req.writeUInt32LE(32, 0);
  req.writeUInt16LE(22, 4); // RTM_GETADDR
  req.writeUInt16LE(0x301, 6); // NLM_F_REQUEST | NLM_F_DUMP
  req.writeUInt32LE(77, 8);
  req[16] = 0; // AF_UNSPEC
  const ip6 = new Uint8Array(16);
  ip6.set([0xfd, 0x75], 0);
  ip6[15] = 7;
  const [reply] = rtnetlinkAnswer(req, 1000, 0x0b000007, ip6);
  const types: number[] = [];
  const ips: string[] = [];
  for (let at = 0; at < reply.length;) {
    const dv = new DataView(reply.buffer, reply.byteOffset + at);
    const len = dv.getUint32(0, true);
    types.push(dv.getUint16(4, true));
    assert.equal(dv.getUint32(8, true), 77, 'sequence echoed');
    assert.equal(dv.getUint32(12, true), 1000, 'port id');
    if (dv.getUint16(4, true) === 20) {
      const v6 = reply[at + 16] === 10;
      const bytes = reply.subarray(at + 28, at + (v6 ? 44 : 32));
      ips.push(v6 ? formatIp6(bytes) + '/' + reply[at + 17] : [...bytes].join('.'));
    }
    at += (len + 3) & ~3;
  }
  assert.deepEqual(types, [20, 20, 20, 20, 20, 3]);
  assert.deepEqual(ips, ['127.0.0.1', '11.0.0.7', '::1/128', 'fd75::7/64', 'fe80::bff:fe00:7/64']);
});

test('a full receive buffer drops datagrams (counted), except into an empty queue', () => {
  const { net, clock } = twoHostInternet('1 ms', '0.0', 1 * MS);
  let notified = 0;
  const rx = new UdpSocket(net.stack(1), { notify: () => notified++ });
  rx.rcvBuf = 2500;
  rx.bind(0, 7);
  const tx = new UdpSocket(net.stack(0), { notify: () => {} });
  for (let i = 0; i < 4; i++) tx.sendTo(new Uint8Array(1000), net.hosts[1].ip, 7);
  tx.sendTo(new Uint8Array(9000), net.hosts[1].ip, 7);
  clock.runAll();
  assert.equal(notified, 2);
  assert.equal(rx.drops, 3);
  assert.equal(rx.take()?.payload.length, 1000);
  assert.equal(rx.take()?.payload.length, 1000);
  assert.equal(rx.take(), null);
  tx.sendTo(new Uint8Array(9000), net.hosts[1].ip, 7);
  clock.runAll();
  assert.equal(rx.take()?.payload.length, 9000, 'an empty queue takes a datagram larger than the buffer');
});

test('a blocked sender is woken once half its send buffer has drained, not per packet', () => {
  const { net, clock } = twoHostInternet('1 ms', '0.0', 1 * MS);
  let wakes = 0;
  const tx = new UdpSocket(net.stack(0), { notify: () => wakes++ });
  tx.sndBuf = 15000;
  let sent = 0;
  while (tx.sendTo(new Uint8Array(1472), net.hosts[1].ip, 7) > 0) sent++;
  assert.equal(tx.canSend, false);
  // A full 1 Gbit bucket (126500 bytes) lets 84 frames leave at once; ten more fill the buffer.
  assert.equal(sent, 84 + 10);
  assert.equal(tx.queuedSendBytes, 15000);
  clock.runAll();
  assert.equal(wakes, 1);
  assert.equal(tx.writable, true);
});
