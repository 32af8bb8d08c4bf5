// Three-way handshake, simultaneous open, listener queues, and the option
// negotiation each side ends up with, scripted segment by segment.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Errno,
  Segment,
  TcpConnection,
  TcpFlags,
  TcpListener,
  describeSegment,
  makeSegment,
} from '../../src/net/tcp/index';
import { TestWire } from '../helpers/tcp-wire';

const MS = 1_000_000;
const S = 1_000_000_000;
const { SYN, ACK, RST, FIN } = TcpFlags;

function only(segs: Segment[]): Segment {
  assert.equal(segs.length, 1, `expected one segment, got: ${segs.map(describeSegment).join(' | ')}`);
  return segs[0]!;
}

test('active open: SYN carries MSS, SACK-permitted, timestamps and window scale', () => {
  const c = new TcpConnection({ localPort: 40000, remotePort: 80, isn: 1000 });
  c.openActive(0);
  assert.equal(c.state, 'SYN_SENT');
  const syn = only(c.takeOutput());
  assert.equal(syn.flags, SYN);
  assert.equal(syn.seq, 1000);
  assert.equal(syn.srcPort, 40000);
  assert.equal(syn.dstPort, 80);
  assert.equal(syn.options.mss, 1460);
  assert.equal(syn.options.sackPermitted, true);
  assert.equal(syn.options.wscale, 7); // sized for the 6 MiB autotuning ceiling, like Linux
  assert.ok(syn.options.timestamp);
  assert.equal(syn.window, 65535);
  assert.equal(c.nextDeadlineNs(), 1 * S);
  assert.equal(c.send(new Uint8Array(10)), -Errno.EAGAIN);
});

test('three-way handshake by hand: states and sequence numbers on both sides', () => {
  const client = new TcpConnection({ localPort: 40000, remotePort: 80, isn: 1000, timestamps: false });
  const server = new TcpConnection({ localPort: 80, remotePort: 40000, isn: 5000, timestamps: false });
  server.openPassive(0);
  assert.equal(server.state, 'LISTEN');
  client.openActive(0);
  const syn = only(client.takeOutput());

  server.onSegment(syn, 10 * MS);
  assert.equal(server.state, 'SYN_RECEIVED');
  const synAck = only(server.takeOutput());
  assert.equal(synAck.flags, SYN | ACK);
  assert.equal(synAck.seq, 5000);
  assert.equal(synAck.ack, 1001);
  assert.equal(synAck.options.mss, 1460);
  assert.equal(synAck.options.wscale, 7);
  assert.equal(synAck.options.timestamp, undefined);

  client.onSegment(synAck, 20 * MS);
  assert.equal(client.state, 'ESTABLISHED');
  const ack = only(client.takeOutput());
  assert.equal(ack.flags, ACK);
  assert.equal(ack.seq, 1001);
  assert.equal(ack.ack, 5001);
  assert.equal(client.srttNs, 20 * MS);
  assert.equal(client.mssBytes, 1460);

  server.onSegment(ack, 30 * MS);
  assert.equal(server.state, 'ESTABLISHED');
  assert.equal(server.takeOutput().length, 0);
  assert.equal(server.srttNs, 20 * MS);
  assert.equal(client.nextDeadlineNs(), null);
  assert.equal(server.nextDeadlineNs(), null);
});

test('timestamps shrink the MSS by 12 bytes and are echoed', () => {
  const wire = new TestWire({ oneWayDelayNs: 5 * MS });
  const l = wire.listen('b', new TcpListener({ localPort: 80, backlog: 8, isnFor: () => 7 }));
  const c = wire.add('a', new TcpConnection({ localPort: 40000, remotePort: 80, isn: 1 }));
  c.openActive(0);
  assert.ok(wire.runUntil(() => l.acceptQueueLength === 1 && c.state === 'ESTABLISHED', 1 * S));
  const s = l.accept()!;
  assert.equal(c.mssBytes, 1448);
  assert.equal(s.mssBytes, 1448);
  assert.equal(c.tcpInfo().options, 7);
  const synAck = wire.log[1]!.seg;
  assert.equal(synAck.options.timestamp?.echo, wire.log[0]!.seg.options.timestamp?.value);
});

test('options are only used when both sides offer them', () => {
  const wire = new TestWire({ oneWayDelayNs: 1 * MS });
  const l = wire.listen('b', new TcpListener({ localPort: 80, backlog: 8, isnFor: () => 7 }));
  const c = wire.add(
    'a',
    new TcpConnection({
      localPort: 40000,
      remotePort: 80,
      isn: 1,
      sack: false,
      windowScaling: false,
      timestamps: false,
    }),
  );
  c.openActive(0);
  assert.ok(wire.runUntil(() => l.acceptQueueLength === 1, 1 * S));
  const s = l.accept()!;
  const synAck = wire.log[1]!.seg;
  assert.equal(synAck.options.wscale, undefined);
  assert.equal(synAck.options.sackPermitted, undefined);
  assert.equal(synAck.options.timestamp, undefined);
  assert.equal(s.tcpInfo().options, 0);
  assert.equal(s.tcpInfo().rcvWscale, 0);
});

test('peer without an MSS option is assumed to take 536 bytes', () => {
  const c = new TcpConnection({ localPort: 40000, remotePort: 80, isn: 1, timestamps: false });
  c.openActive(0);
  c.takeOutput();
  c.onSegment(makeSegment({ srcPort: 80, dstPort: 40000, seq: 9, ack: 2, flags: SYN | ACK, window: 1000 }), 1 * MS);
  assert.equal(c.state, 'ESTABLISHED');
  assert.equal(c.mssBytes, 536);
});

test('simultaneous open: crossing SYNs, then crossing SYN-ACKs, both ESTABLISHED', () => {
  const a = new TcpConnection({ localPort: 1111, remotePort: 2222, isn: 100, timestamps: false });
  const b = new TcpConnection({ localPort: 2222, remotePort: 1111, isn: 300, timestamps: false });
  a.openActive(0);
  b.openActive(0);
  const synA = only(a.takeOutput());
  const synB = only(b.takeOutput());
  a.onSegment(synB, 5 * MS);
  b.onSegment(synA, 5 * MS);
  assert.equal(a.state, 'SYN_RECEIVED');
  assert.equal(b.state, 'SYN_RECEIVED');
  const synAckA = only(a.takeOutput());
  const synAckB = only(b.takeOutput());
  assert.equal(synAckA.flags, SYN | ACK);
  assert.equal(synAckA.seq, 100);
  assert.equal(synAckA.ack, 301);
  assert.equal(synAckB.seq, 300);
  assert.equal(synAckB.ack, 101);
  a.onSegment(synAckB, 10 * MS);
  b.onSegment(synAckA, 10 * MS);
  assert.equal(a.state, 'ESTABLISHED');
  assert.equal(b.state, 'ESTABLISHED');
  // nothing else is needed; data flows
  assert.equal(a.send(new Uint8Array([1, 2, 3]), 11 * MS), 3);
  const data = only(a.takeOutput());
  assert.equal(data.seq, 101);
  assert.equal(data.ack, 301);
  b.onSegment(data, 15 * MS);
  const buf = new Uint8Array(10);
  assert.equal(b.recv(buf), 3);
  assert.deepEqual([...buf.subarray(0, 3)], [1, 2, 3]);
});

test('listener: SYN queue, accept queue, and an ACK for no connection gets a RST', () => {
  const l = new TcpListener({ localPort: 80, backlog: 1, isnFor: (syn) => syn.srcPort * 1000 });
  const syn1 = makeSegment({ srcPort: 1001, dstPort: 80, seq: 10, flags: SYN, window: 65535, options: { mss: 1460 } });
  const r = l.onSegment(syn1, 0);
  assert.ok(r.connection);
  assert.equal(r.reply, null);
  assert.equal(l.synQueueLength, 1);
  const conn = r.connection!;
  assert.equal(conn.state, 'SYN_RECEIVED');
  const synAck = only(conn.takeOutput());
  assert.equal(synAck.seq, 1001000);
  assert.equal(synAck.ack, 11);
  conn.onSegment(makeSegment({ srcPort: 1001, dstPort: 80, seq: 11, ack: 1001001, flags: ACK, window: 1000 }), 1 * MS);
  assert.equal(conn.state, 'ESTABLISHED');
  assert.equal(l.synQueueLength, 0);
  assert.equal(l.acceptQueueLength, 1);
  assert.ok(l.isReadable);

  const stray = l.onSegment(makeSegment({ srcPort: 999, dstPort: 80, seq: 5, ack: 77, flags: ACK }), 2 * MS);
  assert.equal(stray.connection, null);
  assert.equal(stray.reply?.flags, RST);
  assert.equal(stray.reply?.seq, 77);

  assert.equal(l.accept(), conn);
  assert.equal(l.accept(), null);
});

test('listener backlog: like Linux, backlog+1 wait; then SYNs are dropped, not refused', () => {
  const wire = new TestWire({ oneWayDelayNs: 1 * MS });
  const l = wire.listen('b', new TcpListener({ localPort: 80, backlog: 1, isnFor: () => 5 }));
  const clients = [1, 2, 3].map((i) =>
    wire.add('a', new TcpConnection({ localPort: 40000 + i, remotePort: 80, isn: i })),
  );
  clients[0]!.openActive(0);
  clients[1]!.openActive(0);
  wire.runFor(10 * MS);
  assert.equal(l.acceptQueueLength, 2);
  clients[2]!.openActive(wire.nowNs);
  wire.runFor(10 * MS);
  assert.equal(clients[2]!.state, 'SYN_SENT'); // its SYN was dropped silently
  assert.equal(l.droppedSyns, 1);
  l.accept();
  l.accept();
  // the third client's SYN retransmission (after 1 s) now gets through
  assert.ok(wire.runUntil(() => l.acceptQueueLength === 1, 3 * S));
  assert.equal(clients[2]!.state, 'ESTABLISHED');
  assert.ok(wire.nowNs >= 1 * S);
});

test('accept queue full when the handshake ACK arrives: the ACK is dropped and the SYN-ACK retried', () => {
  const wire = new TestWire({ oneWayDelayNs: 1 * MS });
  const l = wire.listen('b', new TcpListener({ localPort: 80, backlog: 0, isnFor: () => 5 }));
  const clients = [1, 2].map((i) => wire.add('a', new TcpConnection({ localPort: 40000 + i, remotePort: 80, isn: i })));
  clients[0]!.openActive(0);
  clients[1]!.openActive(0);
  wire.runFor(10 * MS);
  // both clients think they are connected; only one fits the accept queue
  assert.equal(clients[1]!.state, 'ESTABLISHED');
  assert.equal(l.acceptQueueLength, 1);
  assert.equal(l.synQueueLength, 1);
  const first = l.accept()!;
  assert.equal(first.remotePort, 40001);
  // the embryo's SYN-ACK retransmission at 1 s elicits a fresh ACK, which now fits
  assert.ok(wire.runUntil(() => l.acceptQueueLength === 1, 3 * S));
  assert.equal(l.accept()!.remotePort, 40002);
  assert.ok(wire.nowNs >= 1 * S);
});

test('closed port: RST|ACK answers a SYN and connect fails with ECONNREFUSED', () => {
  const wire = new TestWire({ oneWayDelayNs: 1 * MS });
  const c = wire.add('a', new TcpConnection({ localPort: 40000, remotePort: 81, isn: 1 }));
  c.openActive(0);
  assert.ok(wire.runUntil(() => c.state === 'CLOSED', 1 * S));
  const rst = wire.log[1]!.seg;
  assert.equal(rst.flags, RST | ACK);
  assert.equal(rst.ack, 2);
  assert.equal(c.errno, Errno.ECONNREFUSED);
  assert.ok(c.isWritable && c.isReadable && c.hasError);
  assert.equal(c.takeErrno(), Errno.ECONNREFUSED);
  assert.equal(c.takeErrno(), 0);
});

test('SYN_SENT ignores a RST without an acceptable ACK, and answers a bad ACK with RST', () => {
  const c = new TcpConnection({ localPort: 40000, remotePort: 80, isn: 1000 });
  c.openActive(0);
  c.takeOutput();
  c.onSegment(makeSegment({ srcPort: 80, dstPort: 40000, seq: 0, flags: RST }), 1 * MS);
  assert.equal(c.state, 'SYN_SENT');
  c.onSegment(makeSegment({ srcPort: 80, dstPort: 40000, seq: 50, ack: 5000, flags: SYN | ACK }), 2 * MS);
  assert.equal(c.state, 'SYN_SENT');
  const rst = only(c.takeOutput());
  assert.equal(rst.flags, RST);
  assert.equal(rst.seq, 5000);
  c.onSegment(makeSegment({ srcPort: 80, dstPort: 40000, seq: 0, ack: 1001, flags: RST | ACK }), 3 * MS);
  assert.equal(c.state, 'CLOSED');
  assert.equal(c.takeErrno(), Errno.ECONNREFUSED);
});

test('SYN_RECEIVED: a retransmitted SYN gets the SYN-ACK again; a RST drops the embryo', () => {
  const l = new TcpListener({ localPort: 80, backlog: 4, isnFor: () => 900 });
  const syn = makeSegment({ srcPort: 1001, dstPort: 80, seq: 10, flags: SYN, window: 65535 });
  const conn = l.onSegment(syn, 0).connection!;
  conn.takeOutput();
  conn.onSegment(syn, 500 * MS);
  const again = only(conn.takeOutput());
  assert.equal(again.flags, SYN | ACK);
  assert.equal(again.seq, 900);
  conn.onSegment(makeSegment({ srcPort: 1001, dstPort: 80, seq: 11, flags: RST }), 600 * MS);
  assert.equal(conn.state, 'CLOSED');
  assert.equal(conn.errno, 0);
  assert.equal(l.synQueueLength, 0);
});

test('a SYN-ACK retransmitted after our handshake ACK was lost is answered with an ACK', () => {
  const c = new TcpConnection({ localPort: 40000, remotePort: 80, isn: 1000, timestamps: false });
  c.openActive(0);
  c.takeOutput();
  const synAck = makeSegment({
    srcPort: 80,
    dstPort: 40000,
    seq: 5000,
    ack: 1001,
    flags: SYN | ACK,
    window: 65535,
    options: { mss: 1460 },
  });
  c.onSegment(synAck, 10 * MS);
  only(c.takeOutput());
  c.onSegment(synAck, 1010 * MS);
  const ack = only(c.takeOutput());
  assert.equal(ack.flags, ACK);
  assert.equal(ack.ack, 5001);
  assert.equal(c.state, 'ESTABLISHED');
});

test('listener close resets connections that were never accepted', () => {
  const wire = new TestWire({ oneWayDelayNs: 1 * MS });
  const l = wire.listen('b', new TcpListener({ localPort: 80, backlog: 4, isnFor: () => 5 }));
  const c = wire.add('a', new TcpConnection({ localPort: 40000, remotePort: 80, isn: 1 }));
  c.openActive(0);
  assert.ok(wire.runUntil(() => l.acceptQueueLength === 1 && c.state === 'ESTABLISHED', 1 * S));
  const victims = l.close(wire.nowNs);
  assert.equal(victims.length, 1);
  assert.ok(wire.runUntil(() => c.state === 'CLOSED', 1 * S));
  assert.equal(c.takeErrno(), Errno.ECONNRESET);
  void FIN;
});
