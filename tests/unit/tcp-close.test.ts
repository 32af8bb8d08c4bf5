// Connection teardown scripted segment by segment: active/passive/simultaneous
// close, half-close, TIME_WAIT, SO_LINGER, and RST handling in every state.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Errno,
  SHUT_RD,
  SHUT_WR,
  Segment,
  TcpConnection,
  TcpFlags,
  describeSegment,
  makeSegment,
} from '../../src/net/tcp/index';
import { connectDirect, exchange } from '../helpers/tcp-wire';

const MS = 1_000_000;
const S = 1_000_000_000;
const { ACK, FIN, RST, PSH, SYN } = TcpFlags;

function only(segs: Segment[]): Segment {
  assert.equal(segs.length, 1, `expected one segment, got: ${segs.map(describeSegment).join(' | ')}`);
  return segs[0]!;
}

function pair(optsA: object = {}, optsB: object = {}) {
  const a = new TcpConnection({ localPort: 1000, remotePort: 2000, isn: 10_000, timestamps: false, ...optsA });
  const b = new TcpConnection({ localPort: 2000, remotePort: 1000, isn: 50_000, timestamps: false, ...optsB });
  connectDirect(a, b, 0);
  return { a, b };
}

test('active close: FIN_WAIT_1, FIN_WAIT_2, TIME_WAIT for 60 s; passive side CLOSE_WAIT, LAST_ACK', () => {
  const { a, b } = pair();
  a.close(1 * MS);
  assert.equal(a.state, 'FIN_WAIT_1');
  const fin = only(a.takeOutput());
  assert.equal(fin.flags, FIN | ACK);
  assert.equal(fin.seq, 10_001);
  b.onSegment(fin, 2 * MS);
  assert.equal(b.state, 'CLOSE_WAIT');
  assert.ok(b.peerClosed && b.isReadable);
  assert.equal(b.recv(new Uint8Array(10)), 0);
  const ackOfFin = only(b.takeOutput());
  assert.equal(ackOfFin.ack, 10_002);
  a.onSegment(ackOfFin, 3 * MS);
  assert.equal(a.state, 'FIN_WAIT_2');
  b.close(6 * MS);
  assert.equal(b.state, 'LAST_ACK');
  const finB = only(b.takeOutput());
  assert.equal(finB.flags, FIN | ACK);
  assert.equal(finB.seq, 50_001);
  a.onSegment(finB, 7 * MS);
  assert.equal(a.state, 'TIME_WAIT');
  assert.equal(a.nextDeadlineNs(), 7 * MS + 60 * S);
  b.onSegment(only(a.takeOutput()), 8 * MS);
  assert.equal(b.state, 'CLOSED');
  assert.equal(b.errno, 0);
  a.onTimer(7 * MS + 60 * S - 1);
  assert.equal(a.state, 'TIME_WAIT');
  a.onTimer(7 * MS + 60 * S);
  assert.equal(a.state, 'CLOSED');
  assert.equal(a.nextDeadlineNs(), null);
});

test('FIN rides on the last data segment when close() follows a write', () => {
  const { a, b } = pair();
  a.send(new Uint8Array(100), 1 * MS);
  a.takeOutput();
  a.send(new Uint8Array(50), 1 * MS); // held by Nagle
  a.close(1 * MS);
  const segs = a.takeOutput();
  const last = only(segs);
  assert.equal(last.flags, ACK | PSH | FIN, 'closing pushes past Nagle and carries FIN');
  assert.equal(last.payload.length, 50);
  void b;
});

test('simultaneous close: both FIN_WAIT_1 -> CLOSING -> TIME_WAIT', () => {
  const { a, b } = pair();
  a.close(1 * MS);
  b.close(1 * MS);
  const finA = only(a.takeOutput());
  const finB = only(b.takeOutput());
  a.onSegment(finB, 2 * MS);
  b.onSegment(finA, 2 * MS);
  assert.equal(a.state, 'CLOSING');
  assert.equal(b.state, 'CLOSING');
  const ackA = only(a.takeOutput());
  const ackB = only(b.takeOutput());
  assert.equal(ackA.ack, 50_002);
  a.onSegment(ackB, 3 * MS);
  b.onSegment(ackA, 3 * MS);
  assert.equal(a.state, 'TIME_WAIT');
  assert.equal(b.state, 'TIME_WAIT');
});

test('FIN_WAIT_1 receiving FIN+ACK for our FIN goes straight to TIME_WAIT', () => {
  const { a, b } = pair();
  a.close(1 * MS);
  const fin = only(a.takeOutput());
  b.onSegment(fin, 2 * MS);
  b.takeOutput(); // drop b's ACK, b closes and its FIN acknowledges ours too
  b.close(2 * MS);
  const finAck = only(b.takeOutput());
  assert.equal(finAck.ack, 10_002);
  a.onSegment(finAck, 3 * MS);
  assert.equal(a.state, 'TIME_WAIT');
});

test('half-close: after shutdown(SHUT_WR) the other direction keeps flowing', () => {
  const { a, b } = pair();
  assert.equal(a.shutdown(SHUT_WR, 1 * MS), 0);
  assert.equal(a.state, 'FIN_WAIT_1');
  assert.equal(a.send(new Uint8Array(1), 1 * MS), -Errno.EPIPE);
  exchange(a, b, 1 * MS);
  assert.equal(a.state, 'FIN_WAIT_2');
  assert.equal(b.state, 'CLOSE_WAIT');
  const reply = new Uint8Array(5000).fill(7);
  assert.equal(b.send(reply, 2 * MS), 5000);
  exchange(a, b, 2 * MS);
  const got = new Uint8Array(6000);
  assert.equal(a.recv(got, 3 * MS), 5000);
  b.close(4 * MS);
  exchange(a, b, 4 * MS);
  assert.equal(a.state, 'TIME_WAIT');
  assert.equal(b.state, 'CLOSED');
  assert.equal(a.recv(got, 5 * MS), 0);
});

test('shutdown(SHUT_RD): recv reports end of stream once the queue is empty', () => {
  const { a, b } = pair();
  b.send(new Uint8Array(3), 1 * MS);
  exchange(a, b, 1 * MS);
  a.shutdown(SHUT_RD, 2 * MS);
  assert.equal(a.recv(new Uint8Array(10)), 3);
  assert.equal(a.recv(new Uint8Array(10)), 0);
  assert.equal(a.state, 'ESTABLISHED');
});

test('SO_LINGER with 0: close() resets; the peer sees ECONNRESET', () => {
  const { a, b } = pair({ linger: { enabled: true, seconds: 0 } });
  a.send(new Uint8Array(10), 1 * MS);
  exchange(a, b, 1 * MS);
  a.close(2 * MS);
  assert.equal(a.state, 'CLOSED');
  const rst = only(a.takeOutput());
  assert.equal(rst.flags & RST, RST);
  assert.equal(rst.seq, 10_011);
  b.onSegment(rst, 3 * MS);
  assert.equal(b.state, 'CLOSED');
  assert.equal(b.takeErrno(), Errno.ECONNRESET);
  assert.equal(a.errno, 0);
});

test('close() with unread data resets instead of sending FIN (as Linux does)', () => {
  const { a, b } = pair();
  b.send(new Uint8Array(10), 1 * MS);
  exchange(a, b, 1 * MS);
  a.close(2 * MS);
  assert.equal(only(a.takeOutput()).flags & RST, RST);
  assert.equal(a.state, 'CLOSED');
});

test('RST in ESTABLISHED: ECONNRESET once, then end of stream; writes get EPIPE', () => {
  const { a, b } = pair();
  b.send(new Uint8Array([1, 2]), 1 * MS);
  exchange(a, b, 1 * MS);
  b.abort(2 * MS);
  a.onSegment(only(b.takeOutput()), 3 * MS);
  assert.equal(a.state, 'CLOSED');
  assert.ok(a.hasError && a.isReadable && a.isWritable);
  assert.equal(a.recv(new Uint8Array(10)), 2, 'data that arrived before the reset is still readable');
  assert.equal(a.recv(new Uint8Array(10)), -Errno.ECONNRESET);
  assert.equal(a.recv(new Uint8Array(10)), 0);
  assert.equal(a.send(new Uint8Array(1)), -Errno.EPIPE);
});

test('RST: first send() after it reports the error, later ones EPIPE', () => {
  const { a, b } = pair();
  b.abort(1 * MS);
  a.onSegment(only(b.takeOutput()), 2 * MS);
  assert.equal(a.send(new Uint8Array(1)), -Errno.ECONNRESET);
  assert.equal(a.send(new Uint8Array(1)), -Errno.EPIPE);
});

test('RST acceptance follows RFC 5961: exact seq resets, in-window gets a challenge ACK, outside is ignored', () => {
  const { a } = pair();
  a.onSegment(makeSegment({ srcPort: 2000, dstPort: 1000, seq: 50_001 + 100, flags: RST }), 1 * MS);
  assert.equal(a.state, 'ESTABLISHED');
  const challenge = only(a.takeOutput());
  assert.equal(challenge.flags, ACK);
  assert.equal(challenge.ack, 50_001);
  a.onSegment(makeSegment({ srcPort: 2000, dstPort: 1000, seq: 50_001 + 10_000_000, flags: RST }), 2 * MS);
  assert.equal(a.state, 'ESTABLISHED');
  assert.equal(a.takeOutput().length, 0);
  a.onSegment(makeSegment({ srcPort: 2000, dstPort: 1000, seq: 50_001, flags: RST }), 3 * MS);
  assert.equal(a.state, 'CLOSED');
  assert.equal(a.takeErrno(), Errno.ECONNRESET);
});

test('a SYN on an established connection gets a challenge ACK (RFC 5961 §4)', () => {
  const { a } = pair();
  a.onSegment(makeSegment({ srcPort: 2000, dstPort: 1000, seq: 50_001, flags: SYN }), 1 * MS);
  assert.equal(a.state, 'ESTABLISHED');
  assert.equal(only(a.takeOutput()).flags, ACK);
});

test('RST in CLOSE_WAIT reports EPIPE; in FIN_WAIT_2, LAST_ACK and TIME_WAIT it just closes', () => {
  const rstFrom = (seq: number) => makeSegment({ srcPort: 2000, dstPort: 1000, seq, flags: RST });
  {
    const { a, b } = pair();
    b.close(1 * MS);
    exchange(a, b, 1 * MS);
    assert.equal(a.state, 'CLOSE_WAIT');
    a.onSegment(rstFrom(50_002), 2 * MS);
    assert.equal(a.state, 'CLOSED');
    assert.equal(a.takeErrno(), Errno.EPIPE);
  }
  {
    const { a, b } = pair();
    a.shutdown(SHUT_WR, 1 * MS);
    exchange(a, b, 1 * MS);
    assert.equal(a.state, 'FIN_WAIT_2');
    a.onSegment(rstFrom(50_001), 2 * MS);
    assert.equal(a.state, 'CLOSED');
    assert.equal(a.takeErrno(), Errno.ECONNRESET);
  }
  {
    const { a, b } = pair();
    b.close(1 * MS);
    exchange(a, b, 1 * MS);
    a.close(2 * MS);
    a.takeOutput();
    assert.equal(a.state, 'LAST_ACK');
    a.onSegment(rstFrom(50_002), 3 * MS);
    assert.equal(a.state, 'CLOSED');
    assert.equal(a.errno, 0);
  }
  {
    const { a, b } = pair();
    a.close(1 * MS);
    exchange(a, b, 1 * MS);
    b.close(1 * MS);
    exchange(a, b, 1 * MS);
    assert.equal(a.state, 'TIME_WAIT');
    a.onSegment(rstFrom(50_002), 2 * MS);
    assert.equal(a.state, 'CLOSED');
  }
});

test('TIME_WAIT re-acknowledges a retransmitted FIN and restarts its 60 s', () => {
  const { a, b } = pair();
  a.close(1 * MS);
  exchange(a, b, 1 * MS);
  b.close(2 * MS);
  const finB = only(b.takeOutput());
  a.onSegment(finB, 3 * MS);
  a.takeOutput(); // this ACK is lost
  assert.equal(a.nextDeadlineNs(), 3 * MS + 60 * S);
  a.onSegment(finB, 10 * S);
  const again = only(a.takeOutput());
  assert.equal(again.ack, 50_002);
  assert.equal(a.nextDeadlineNs(), 10 * S + 60 * S);
});

test('an orphaned FIN_WAIT_2 gives up after tcp_fin_timeout (60 s); a half-closed one waits forever', () => {
  const { a, b } = pair();
  a.close(1 * MS);
  exchange(a, b, 1 * MS);
  assert.equal(a.state, 'FIN_WAIT_2');
  assert.equal(a.nextDeadlineNs(), 1 * MS + 60 * S);
  a.onTimer(1 * MS + 60 * S);
  assert.equal(a.state, 'CLOSED');

  const h = pair();
  h.a.shutdown(SHUT_WR, 1 * MS);
  exchange(h.a, h.b, 1 * MS);
  assert.equal(h.a.state, 'FIN_WAIT_2');
  assert.equal(h.a.nextDeadlineNs(), null);
});

test('data arriving for a closed (orphaned) socket is answered with RST', () => {
  const { a, b } = pair();
  a.close(1 * MS);
  exchange(a, b, 1 * MS);
  assert.equal(a.state, 'FIN_WAIT_2');
  b.send(new Uint8Array(10), 2 * MS);
  a.onSegment(only(b.takeOutput()), 3 * MS);
  assert.equal(a.state, 'CLOSED');
  assert.equal(only(a.takeOutput()).flags & RST, RST);
});

test('abort() in ESTABLISHED sends RST carrying the next sequence number', () => {
  const { a } = pair();
  a.abort(1 * MS);
  const rst = only(a.takeOutput());
  assert.equal(rst.flags, RST | ACK);
  assert.equal(rst.seq, 10_001);
  assert.equal(a.state, 'CLOSED');
  assert.equal(a.errno, 0);
});

test('a reset whose sequence number is ahead of what we received draws a challenge ACK, then an exact RST', () => {
  const { a, b } = pair({ linger: { enabled: true, seconds: 0 } });
  a.send(new Uint8Array(10), 1 * MS);
  a.takeOutput(); // data lost
  a.close(2 * MS);
  b.onSegment(only(a.takeOutput()), 3 * MS);
  assert.equal(b.state, 'ESTABLISHED');
  const challenge = only(b.takeOutput());
  a.onSegment(challenge, 4 * MS); // a is closed: it answers with an exact reset
  b.onSegment(only(a.takeOutput()), 5 * MS);
  assert.equal(b.state, 'CLOSED');
  assert.equal(b.takeErrno(), Errno.ECONNRESET);
});

test('a closed connection answers stray segments with RST', () => {
  const { a } = pair();
  a.abort(1 * MS);
  a.takeOutput();
  a.onSegment(
    makeSegment({ srcPort: 2000, dstPort: 1000, seq: 50_001, ack: 10_001, flags: ACK, payload: new Uint8Array(5) }),
    2 * MS,
  );
  const rst = only(a.takeOutput());
  assert.equal(rst.flags, RST);
  assert.equal(rst.seq, 10_001);
});

test('RST in FIN_WAIT_1 and CLOSING reports ECONNRESET only to a socket not yet closed', () => {
  {
    const { a } = pair();
    a.shutdown(SHUT_WR, 1 * MS);
    a.takeOutput();
    assert.equal(a.state, 'FIN_WAIT_1');
    a.onSegment(makeSegment({ srcPort: 2000, dstPort: 1000, seq: 50_001, flags: RST }), 2 * MS);
    assert.equal(a.state, 'CLOSED');
    assert.equal(a.takeErrno(), Errno.ECONNRESET);
  }
  {
    const { a } = pair();
    a.close(1 * MS);
    a.takeOutput();
    a.onSegment(makeSegment({ srcPort: 2000, dstPort: 1000, seq: 50_001, flags: RST }), 2 * MS);
    assert.equal(a.state, 'CLOSED');
    assert.equal(a.errno, 0, 'nobody is left to hear about it');
  }
  {
    const { a, b } = pair();
    a.close(1 * MS);
    b.close(1 * MS);
    a.onSegment(only(b.takeOutput()), 2 * MS);
    assert.equal(a.state, 'CLOSING');
    a.onSegment(makeSegment({ srcPort: 2000, dstPort: 1000, seq: 50_002, flags: RST }), 3 * MS);
    assert.equal(a.state, 'CLOSED');
  }
});

test('RST in SYN_RECEIVED after a simultaneous open refuses the connection', () => {
  const a = new TcpConnection({ localPort: 1000, remotePort: 2000, isn: 100, timestamps: false });
  a.openActive(0);
  a.takeOutput();
  a.onSegment(makeSegment({ srcPort: 2000, dstPort: 1000, seq: 700, flags: SYN, window: 1000 }), 1 * MS);
  assert.equal(a.state, 'SYN_RECEIVED');
  a.takeOutput();
  a.onSegment(makeSegment({ srcPort: 2000, dstPort: 1000, seq: 701, flags: RST }), 2 * MS);
  assert.equal(a.state, 'CLOSED');
  assert.equal(a.takeErrno(), Errno.ECONNREFUSED);
});
