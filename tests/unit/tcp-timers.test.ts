// Keepalive probes and their give-up time, timer bookkeeping through
// nextDeadlineNs(), and the clock contract (integer, monotonic nanoseconds).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Errno, TcpConnection, TcpFlags, TcpListener } from '../../src/net/tcp/index';
import { TestWire, connectDirect, exchange } from '../helpers/tcp-wire';

const MS = 1_000_000;
const S = 1_000_000_000;

function pair(optsA: object = {}, optsB: object = {}) {
  const a = new TcpConnection({ localPort: 1000, remotePort: 2000, isn: 10_000, timestamps: false, ...optsA });
  const b = new TcpConnection({ localPort: 2000, remotePort: 1000, isn: 50_000, timestamps: false, ...optsB });
  connectDirect(a, b, 0);
  return { a, b };
}

test('keepalive with Linux defaults: probes from 7200 s every 75 s, ETIMEDOUT and RST after 9 unanswered', () => {
  let blackhole = false;
  const wire = new TestWire({ oneWayDelayNs: 1 * MS, drop: () => blackhole });
  const l = wire.listen('b', new TcpListener({ localPort: 80, backlog: 4, isnFor: () => 1 }));
  const a = wire.add('a', new TcpConnection({ localPort: 5000, remotePort: 80, isn: 1, keepalive: { enabled: true } }));
  a.openActive(0);
  assert.ok(wire.runUntil(() => l.acceptQueueLength === 1, 1 * S));
  const established = 2 * MS; // SYN-ACK arrival: the last thing heard from the peer
  assert.equal(a.nextDeadlineNs(), established + 7200 * S);
  blackhole = true;
  assert.ok(wire.runUntil(() => a.state === 'CLOSED', 10_000 * S));
  const probes = wire.log.filter((r) => r.from === 'a' && r.seg.flags === TcpFlags.ACK && r.tNs > 1 * S);
  assert.deepEqual(
    probes.map((r) => (r.tNs - established) / S),
    [7200, 7275, 7350, 7425, 7500, 7575, 7650, 7725, 7800],
  );
  // the probe re-sends the last acknowledged byte (seq = snd_una - 1) to force an answer
  assert.equal(probes[0]!.seg.seq, 1);
  assert.equal(wire.nowNs, established + 7875 * S);
  const last = wire.log[wire.log.length - 1]!;
  assert.equal(last.seg.flags & TcpFlags.RST, TcpFlags.RST);
  assert.equal(a.takeErrno(), Errno.ETIMEDOUT);
});

test('answered keepalive probes keep an idle connection open', () => {
  const wire = new TestWire({ oneWayDelayNs: 1 * MS });
  const l = wire.listen('b', new TcpListener({ localPort: 80, backlog: 4, isnFor: () => 1 }));
  const a = wire.add('a', new TcpConnection({ localPort: 5000, remotePort: 80, isn: 1 }));
  a.openActive(0);
  assert.ok(wire.runUntil(() => l.acceptQueueLength === 1, 1 * S));
  a.setKeepalive({ enabled: true, idleNs: 10 * S, intervalNs: 2 * S, count: 3 }, wire.nowNs);
  wire.runFor(100 * S);
  assert.equal(a.state, 'ESTABLISHED');
  const probes = wire.log.filter((r) => r.from === 'a' && r.tNs > 1 * S);
  const answers = wire.log.filter((r) => r.from === 'b' && r.tNs > 1 * S);
  assert.equal(probes.length, 9, 'one probe per idle period (10 s + RTT)');
  assert.equal(answers.length, 9);
  assert.equal(a.tcpInfo().probes, 0);
});

test('keepalive stays quiet while data is flowing and while disabled', () => {
  const { a, b } = pair({ keepalive: { enabled: true, idleNs: 1 * S, intervalNs: 1 * S, count: 2 } });
  for (let t = 1; t <= 5; t++) {
    b.send(new Uint8Array(10), t * 500 * MS);
    exchange(a, b, t * 500 * MS);
    a.recv(new Uint8Array(100));
  }
  // the deadline is re-armed from the last segment heard, so no probe went out
  // the deadline armed at the handshake (1 s) has passed; it re-arms from the last segment heard
  assert.ok(a.nextDeadlineNs()! <= 2500 * MS);
  a.onTimer(2500 * MS);
  assert.equal(a.takeOutput().length, 0);
  assert.equal(a.nextDeadlineNs(), 2500 * MS + 1 * S);
  a.setKeepalive({ enabled: false });
  assert.equal(a.nextDeadlineNs(), null);
});

test('nextDeadlineNs is null on an idle established connection and on a closed one', () => {
  const { a, b } = pair();
  assert.equal(a.nextDeadlineNs(), null);
  a.send(new Uint8Array(10), 1 * MS);
  assert.equal(a.nextDeadlineNs(), 1 * MS + a.rtoNs);
  exchange(a, b, 2 * MS);
  assert.equal(a.nextDeadlineNs(), null);
  a.abort(3 * MS);
  assert.equal(a.nextDeadlineNs(), null);
});

test('a timer called early does nothing; late is fine', () => {
  const { a } = pair();
  a.send(new Uint8Array(10), 1 * MS);
  a.takeOutput();
  const d = a.nextDeadlineNs()!;
  a.onTimer(d - 1);
  assert.equal(a.takeOutput().length, 0);
  a.onTimer(d + 5 * MS);
  assert.equal(a.takeOutput().length, 1);
});

test('the clock must be integer nanoseconds and must not go backwards', () => {
  const { a } = pair();
  a.onTimer(10 * MS);
  assert.throws(() => a.onTimer(5 * MS), /backwards/);
  assert.throws(() => a.onTimer(10 * MS + 0.5), /integer/);
});

test('a segment for another connection is a caller bug and throws', () => {
  const { a } = pair();
  assert.throws(() =>
    a.onSegment(
      {
        srcPort: 9,
        dstPort: 1000,
        seq: 0,
        ack: 0,
        flags: TcpFlags.ACK,
        window: 0,
        options: {},
        payload: new Uint8Array(0),
      },
      1 * MS,
    ),
  );
});
