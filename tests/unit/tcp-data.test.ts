// Data transfer scripted segment by segment: sequence/ack bookkeeping,
// delayed and quick ACKs, Nagle/NODELAY/CORK, receive windows, zero-window
// persist probes, out-of-order reassembly with SACK, and wraparound.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Errno, Segment, TcpConnection, TcpFlags, describeSegment } from '../../src/net/tcp/index';
import { TestWire, connectDirect, exchange, patternBytes } from '../helpers/tcp-wire';

const MS = 1_000_000;
const S = 1_000_000_000;
const { ACK, PSH, FIN } = TcpFlags;

function only(segs: Segment[]): Segment {
  assert.equal(segs.length, 1, `expected one segment, got: ${segs.map(describeSegment).join(' | ')}`);
  return segs[0]!;
}

function pair(
  optsA: Partial<ConstructorParameters<typeof TcpConnection>[0]> = {},
  optsB: Partial<ConstructorParameters<typeof TcpConnection>[0]> = {},
) {
  const a = new TcpConnection({ localPort: 1000, remotePort: 2000, isn: 10_000, timestamps: false, ...optsA });
  const b = new TcpConnection({ localPort: 2000, remotePort: 1000, isn: 50_000, timestamps: false, ...optsB });
  connectDirect(a, b, 0);
  return { a, b };
}

function readAll(c: TcpConnection): Uint8Array {
  const buf = new Uint8Array(c.readableBytes);
  const n = c.recv(buf);
  assert.equal(n, buf.length);
  return buf;
}

test('data both ways: seq/ack advance by payload length and bytes arrive intact', () => {
  const { a, b } = pair();
  assert.equal(a.send(new TextEncoder().encode('hello'), 1 * MS), 5);
  const seg = only(a.takeOutput());
  assert.equal(seg.seq, 10_001);
  assert.equal(seg.ack, 50_001);
  assert.equal(seg.flags, ACK | PSH);
  b.onSegment(seg, 2 * MS);
  assert.equal(b.readableBytes, 5);
  const ack = only(b.takeOutput()); // quick ACK at the start of the connection
  assert.equal(ack.ack, 10_006);
  a.onSegment(ack, 3 * MS);
  assert.equal(new TextDecoder().decode(readAll(b)), 'hello');
  assert.equal(b.recv(new Uint8Array(4)), -Errno.EAGAIN);

  assert.equal(b.send(new TextEncoder().encode('world!'), 4 * MS), 6);
  const back = only(b.takeOutput());
  assert.equal(back.seq, 50_001);
  assert.equal(back.ack, 10_006);
  a.onSegment(back, 5 * MS);
  assert.equal(new TextDecoder().decode(readAll(a)), 'world!');
  assert.equal(a.tcpInfo().bytesAcked, 5);
  assert.equal(a.tcpInfo().bytesReceived, 6);
});

test('peek leaves bytes queued; recv into a small buffer takes a prefix', () => {
  const { a, b } = pair();
  a.send(new Uint8Array([1, 2, 3, 4, 5]), 1 * MS);
  exchange(a, b, 1 * MS);
  const p = new Uint8Array(3);
  assert.equal(b.peek(p), 3);
  assert.deepEqual([...p], [1, 2, 3]);
  assert.equal(b.readableBytes, 5);
  const r = new Uint8Array(2);
  assert.equal(b.recv(r), 2);
  assert.deepEqual([...r], [1, 2]);
  assert.equal(b.readableBytes, 3);
});

test('quick ACKs at the start, then delayed ACK: 40 ms timer, or at once on the 2nd full segment', () => {
  const { a, b } = pair({}, { maxQuickAcks: 0 });
  a.send(new Uint8Array(100), 1 * MS);
  b.onSegment(only(a.takeOutput()), 1 * MS);
  assert.equal(b.takeOutput().length, 0, 'one small segment is not acknowledged at once');
  assert.equal(b.nextDeadlineNs(), 41 * MS);
  b.onTimer(41 * MS);
  const ack = only(b.takeOutput());
  assert.equal(ack.ack, 10_101);
  a.onSegment(ack, 42 * MS);

  a.send(new Uint8Array(1460 * 2), 50 * MS);
  const segs = a.takeOutput();
  assert.equal(segs.length, 2);
  b.onSegment(segs[0]!, 51 * MS);
  assert.equal(b.takeOutput().length, 0, 'first full segment waits');
  b.onSegment(segs[1]!, 51 * MS);
  const ack2 = only(b.takeOutput());
  assert.equal(ack2.ack, 10_101 + 2920, 'second full segment is acknowledged at once');
  assert.equal(b.nextDeadlineNs(), null);

  // with the default quick-ACK budget the first data is acknowledged immediately
  const q = pair();
  q.a.send(new Uint8Array(100), 1 * MS);
  q.b.onSegment(only(q.a.takeOutput()), 1 * MS);
  assert.equal(only(q.b.takeOutput()).ack, 10_101);
});

test('a delayed ACK rides on outgoing data instead', () => {
  const { a, b } = pair({}, { maxQuickAcks: 0 });
  a.send(new Uint8Array(100), 1 * MS);
  b.onSegment(only(a.takeOutput()), 1 * MS);
  assert.equal(b.takeOutput().length, 0);
  b.send(new Uint8Array(10), 5 * MS);
  const reply = only(b.takeOutput());
  assert.equal(reply.payload.length, 10);
  assert.equal(reply.ack, 10_101);
  assert.equal(b.nextDeadlineNs(), 5 * MS + b.rtoNs, 'only the retransmission timer remains');
});

test('Nagle holds a second small segment until the first is acknowledged; NODELAY does not', () => {
  const { a, b } = pair();
  a.send(new Uint8Array(100).fill(1), 1 * MS);
  const first = only(a.takeOutput());
  a.send(new Uint8Array(100).fill(2), 2 * MS);
  assert.equal(a.takeOutput().length, 0, 'held by Nagle');
  a.send(new Uint8Array(100).fill(3), 3 * MS);
  assert.equal(a.takeOutput().length, 0);
  // the ACK for the first releases both held writes as one segment
  b.onSegment(first, 4 * MS);
  a.onSegment(only(b.takeOutput()), 5 * MS);
  const next = only(a.takeOutput());
  assert.equal(next.payload.length, 200);
  assert.equal(next.seq, 10_101);

  const nd = pair({ noDelay: true });
  nd.a.send(new Uint8Array(100), 1 * MS);
  nd.a.send(new Uint8Array(100), 2 * MS);
  assert.equal(nd.a.takeOutput().length, 2);

  // turning NODELAY on pushes what Nagle was holding
  const late = pair();
  late.a.send(new Uint8Array(10), 1 * MS);
  late.a.send(new Uint8Array(10), 1 * MS);
  assert.equal(late.a.takeOutput().length, 1);
  late.a.setNoDelay(true, 2 * MS);
  assert.equal(only(late.a.takeOutput()).payload.length, 10);
});

test('Nagle still sends full-sized segments while small data is outstanding', () => {
  const { a } = pair();
  a.send(new Uint8Array(10), 1 * MS);
  only(a.takeOutput());
  a.send(new Uint8Array(1460 + 5), 2 * MS);
  const segs = a.takeOutput();
  assert.equal(segs.length, 1);
  assert.equal(segs[0]!.payload.length, 1460);
});

test('TCP_CORK holds partial segments until a full one accumulates or the cork is pulled', () => {
  const { a } = pair({ cork: true, noDelay: true });
  a.send(new Uint8Array(1000), 1 * MS);
  assert.equal(a.takeOutput().length, 0);
  a.send(new Uint8Array(1000), 2 * MS);
  const full = only(a.takeOutput());
  assert.equal(full.payload.length, 1460);
  a.setCork(false, 3 * MS);
  assert.equal(only(a.takeOutput()).payload.length, 540);
});

test('the sender never exceeds the peer receive window', () => {
  const { a, b } = pair({}, { rcvBufBytes: 5000, autotune: false, windowScaling: false });
  assert.equal(a.peerWindowBytes, 5000);
  a.send(new Uint8Array(20_000), 1 * MS);
  const segs = a.takeOutput();
  const sent = segs.reduce((n, s) => n + s.payload.length, 0);
  // three full segments fit; the 620 bytes left are below half the largest window seen (SWS avoidance)
  assert.equal(sent, 4380);
  for (const s of segs) b.onSegment(s, 2 * MS);
  b.onTimer(b.nextDeadlineNs() ?? 2 * MS);
  const acks = b.takeOutput();
  const ack = acks[acks.length - 1]!;
  assert.equal(ack.ack, 10_001 + 4380);
  assert.equal(ack.window, 620);
  a.onSegment(ack, 50 * MS);
  assert.equal(a.takeOutput().length, 0, 'a 620-byte window is silly; wait for more');
  b.recv(new Uint8Array(4380), 60 * MS);
  const update = only(b.takeOutput());
  assert.equal(update.window, 5000);
  a.onSegment(update, 61 * MS);
  const more = a.takeOutput();
  assert.equal(
    more.reduce((n, s) => n + s.payload.length, 0),
    4380,
    'full segments only; the 620-byte tail waits again',
  );
});

test('zero window: persist probes back off exponentially, a read reopens the window', () => {
  const { a, b } = pair({ timestamps: false }, { rcvBufBytes: 2920, autotune: false, windowScaling: false });
  const data = patternBytes(10_000);
  assert.equal(a.send(data, 1 * MS), 10_000);
  exchange(a, b, 1 * MS);
  assert.equal(b.readableBytes, 2920);
  // Linux's quick-ACK budget (two ACKs for a 2920-byte window, sized from a
  // 536-byte MSS estimate) sends the ACK announcing the zero window at once.
  assert.equal(b.nextDeadlineNs(), null);
  let t = 1 * MS;
  assert.equal(a.peerWindowBytes, 0);
  assert.equal(a.tcpInfo().unacked, 0);
  const rto = a.rtoNs;
  const first = a.nextDeadlineNs()!;
  assert.equal(first, t + rto);
  // first probe: an old sequence number, so the receiver answers with its window
  a.onTimer(first);
  const probe = only(a.takeOutput());
  assert.equal(probe.payload.length, 0);
  assert.equal(probe.seq, 10_000 + 2920);
  b.onSegment(probe, first);
  const answer = only(b.takeOutput());
  assert.equal(answer.window, 0);
  a.onSegment(answer, first);
  const second = a.nextDeadlineNs()!;
  assert.equal(second - first, 2 * rto);
  a.onTimer(second);
  only(a.takeOutput());
  assert.equal(a.nextDeadlineNs()! - second, 4 * rto);
  assert.equal(a.state, 'ESTABLISHED');

  // the application reads: the window update goes out at once and data resumes
  t = second + 10 * MS;
  const got = new Uint8Array(2920);
  assert.equal(b.recv(got, t), 2920);
  const update = only(b.takeOutput());
  assert.equal(update.window, 2920);
  a.onSegment(update, t);
  const resumed = a.takeOutput();
  assert.equal(
    resumed.reduce((n, s) => n + s.payload.length, 0),
    2920,
  );
  assert.deepEqual(got, data.subarray(0, 2920));
});

test('zero window with a lost window update: the persist probe discovers the open window', () => {
  const { a, b } = pair({}, { rcvBufBytes: 2920, autotune: false, windowScaling: false });
  a.send(new Uint8Array(6000), 1 * MS);
  exchange(a, b, 1 * MS);
  b.onTimer(41 * MS);
  exchange(a, b, 41 * MS);
  assert.equal(a.peerWindowBytes, 0);
  b.recv(new Uint8Array(2920), 42 * MS);
  b.takeOutput(); // the window update is lost
  const probeAt = a.nextDeadlineNs()!;
  a.onTimer(probeAt);
  b.onSegment(only(a.takeOutput()), probeAt);
  a.onSegment(only(b.takeOutput()), probeAt);
  assert.equal(a.peerWindowBytes, 2920);
  assert.equal(
    a.takeOutput().reduce((n, s) => n + s.payload.length, 0),
    2920,
  );
});

test('reordering: out-of-order data is queued, SACKed and delivered once the hole fills', () => {
  const { a, b } = pair();
  const data = patternBytes(1460 * 4, 7);
  a.send(data, 1 * MS);
  const segs = a.takeOutput();
  assert.equal(segs.length, 4);
  b.onSegment(segs[0]!, 2 * MS);
  b.takeOutput();
  b.onSegment(segs[2]!, 2 * MS);
  const dup1 = only(b.takeOutput());
  assert.equal(dup1.ack, 10_001 + 1460);
  assert.deepEqual(dup1.options.sack, [{ left: 10_001 + 2920, right: 10_001 + 4380 }]);
  b.onSegment(segs[3]!, 2 * MS);
  const dup2 = only(b.takeOutput());
  assert.deepEqual(dup2.options.sack, [{ left: 10_001 + 2920, right: 10_001 + 5840 }]);
  assert.equal(b.readableBytes, 1460);
  b.onSegment(segs[1]!, 3 * MS);
  const full = only(b.takeOutput());
  assert.equal(full.ack, 10_001 + 5840, 'filling the hole is acknowledged at once');
  assert.equal(full.options.sack, undefined);
  assert.deepEqual(readAll(b), data);
});

test('duplicate and overlapping segments are trimmed, never delivered twice', () => {
  const { a, b } = pair();
  const data = patternBytes(3000, 3);
  a.send(data, 1 * MS);
  const segs = a.takeOutput();
  b.onSegment(segs[0]!, 2 * MS);
  b.onSegment(segs[0]!, 2 * MS); // exact duplicate: ACKed again, not queued
  const overlap: Segment = { ...segs[1]!, seq: segs[1]!.seq - 100, payload: data.subarray(1360, 2920) };
  b.onSegment(overlap, 2 * MS);
  b.onSegment(segs[2]!, 2 * MS);
  assert.deepEqual(readAll(b), data);
});

test('send() is bounded by the send buffer and reports EAGAIN when it is full', () => {
  const { a } = pair(
    { sndBufBytes: 4000, autotune: false },
    { rcvBufBytes: 1000, autotune: false, windowScaling: false },
  );
  assert.equal(a.send(new Uint8Array(10_000), 1 * MS), 4000);
  assert.equal(a.writableBytes, 0);
  assert.equal(a.isWritable, false);
  assert.equal(a.send(new Uint8Array(1), 1 * MS), -Errno.EAGAIN);
});

test('sequence numbers wrap around 2^32 on both sides without disturbing the stream', () => {
  const wire = new TestWire({ oneWayDelayNs: 2 * MS, bitsPerSecond: 50e6 });
  const a = wire.add('a', new TcpConnection({ localPort: 1000, remotePort: 2000, isn: 0xffff_ff00 }));
  const b = wire.add('b', new TcpConnection({ localPort: 2000, remotePort: 1000, isn: 0xffff_fff0 }));
  b.openPassive(0);
  a.openActive(0);
  const up = patternBytes(300_000, 11);
  const down = patternBytes(200_000, 12);
  let upSent = 0;
  let downSent = 0;
  const gotUp: Uint8Array[] = [];
  const gotDown: Uint8Array[] = [];
  const buf = new Uint8Array(65536);
  wire.app = () => {
    if (a.state === 'ESTABLISHED' && upSent < up.length) {
      const n = a.send(up.subarray(upSent), wire.nowNs);
      if (n > 0) upSent += n;
    }
    if (b.state === 'ESTABLISHED' && downSent < down.length) {
      const n = b.send(down.subarray(downSent), wire.nowNs);
      if (n > 0) downSent += n;
    }
    for (;;) {
      const n = b.recv(buf, wire.nowNs);
      if (n <= 0) break;
      gotUp.push(buf.slice(0, n));
    }
    for (;;) {
      const n = a.recv(buf, wire.nowNs);
      if (n <= 0) break;
      gotDown.push(buf.slice(0, n));
    }
  };
  const total = (l: Uint8Array[]) => l.reduce((n, x) => n + x.length, 0);
  assert.ok(
    wire.runUntil(() => total(gotUp) === up.length && total(gotDown) === down.length, 30 * S),
    wire.dump(),
  );
  assert.deepEqual(Buffer.concat(gotUp), Buffer.from(up));
  assert.deepEqual(Buffer.concat(gotDown), Buffer.from(down));
  const seqs = wire.log.filter((r) => r.from === 'a' && r.seg.payload.length > 0).map((r) => r.seg.seq);
  assert.ok(seqs[0]! > 0xffff_0000 && seqs[seqs.length - 1]! < 0x0010_0000, 'the sequence space wrapped');
  void FIN;
});
