// Loss recovery over a scripted wire: SYN/SYN-ACK/ACK/data/FIN loss with RTO
// backoff timing, Linux's SYN and data give-up times, fast retransmit on the
// third duplicate ACK, NewReno partial ACKs, and SACK-driven retransmission.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Errno,
  RenoCongestionControl,
  Segment,
  TcpConnection,
  TcpFlags,
  TcpListener,
  retransmitGiveUpNs,
} from '../../src/net/tcp/index';
import { Side, TestWire, patternBytes } from '../helpers/tcp-wire';

const MS = 1_000_000;
const S = 1_000_000_000;
const { SYN, ACK, FIN } = TcpFlags;

type Pred = (from: Side, seg: Segment) => boolean;

/** Drops the first `times` segments matching `pred`. */
function dropMatching(pred: Pred, times = 1): (from: Side, seg: Segment) => boolean {
  let left = times;
  return (from, seg) => {
    if (left > 0 && pred(from, seg)) {
      left -= 1;
      return true;
    }
    return false;
  };
}

function sendTimes(wire: TestWire, from: Side, pred: (seg: Segment) => boolean): number[] {
  return wire.log.filter((r) => r.from === from && pred(r.seg)).map((r) => r.tNs);
}

function setup(drop: WireDrop, optsA: object = {}, optsB: object = {}, oneWayDelayNs = 10 * MS) {
  const wire = new TestWire({ oneWayDelayNs, drop });
  const listener = wire.listen(
    'b',
    new TcpListener({ localPort: 80, backlog: 16, isnFor: () => 900_000, connection: { timestamps: false, ...optsB } }),
  );
  const a = wire.add(
    'a',
    new TcpConnection({ localPort: 5555, remotePort: 80, isn: 100, timestamps: false, ...optsA }),
  );
  a.openActive(0);
  const server = (): TcpConnection => {
    const s = wire.spawned('b')[0];
    // before the SYN arrives there is no server connection yet; a fresh one stands in
    return s ?? new TcpConnection({ localPort: 80, remotePort: 5555, isn: 0 });
  };
  return { wire, listener, a, server };
}
type WireDrop = (from: Side, seg: Segment, index: number) => boolean;

/** Sends `data` from a and collects it at the server until all arrived. */
function transfer(
  wire: TestWire,
  a: TcpConnection,
  server: () => TcpConnection,
  data: Uint8Array,
  limitNs: number,
  alreadySent = 0,
): Uint8Array {
  let sent = alreadySent;
  const chunks: Uint8Array[] = [];
  let got = 0;
  const buf = new Uint8Array(1 << 16);
  wire.app = () => {
    if (a.state === 'ESTABLISHED' && sent < data.length) {
      const n = a.send(data.subarray(sent), wire.nowNs);
      if (n > 0) sent += n;
    }
    const s = wire.spawned('b')[0];
    if (s) {
      for (;;) {
        const n = s.recv(buf, wire.nowNs);
        if (n <= 0) break;
        chunks.push(buf.slice(0, n));
        got += n;
      }
    }
  };
  assert.ok(
    wire.runUntil(() => got === data.length && a.sendQueueBytes === 0, limitNs),
    `transfer stalled at ${got}/${data.length}\n${wire.dump()}`,
  );
  void server;
  return new Uint8Array(Buffer.concat(chunks));
}

test('lost SYN: retransmitted after the initial 1 s RTO; RTO is 3 s until a clean sample', () => {
  const { wire, a } = setup(dropMatching((from, s) => from === 'a' && s.flags === SYN));
  assert.ok(wire.runUntil(() => a.state === 'ESTABLISHED', 5 * S));
  assert.deepEqual(
    sendTimes(wire, 'a', (s) => (s.flags & SYN) !== 0),
    [0, 1 * S],
  );
  assert.equal(wire.nowNs, 1 * S + 20 * MS);
  assert.equal(a.rtoNs, 3 * S);
  assert.equal(a.tcpInfo().totalRetrans, 1);
});

test('lost SYN-ACK: the client SYN retry draws a fresh SYN-ACK at once', () => {
  const { wire, a, server } = setup(dropMatching((from, s) => from === 'b' && (s.flags & SYN) !== 0));
  assert.ok(wire.runUntil(() => a.state === 'ESTABLISHED' && server().state === 'ESTABLISHED', 5 * S));
  assert.deepEqual(
    sendTimes(wire, 'a', (s) => (s.flags & SYN) !== 0),
    [0, 1 * S],
  );
  // the server's own SYN-ACK timer also fires at 10 ms + 1 s; the retry arrives first
  const synAcks = sendTimes(wire, 'b', (s) => (s.flags & SYN) !== 0);
  assert.equal(synAcks[0], 10 * MS);
  assert.equal(synAcks[1], 1 * S + 10 * MS);
  assert.equal(wire.nowNs, 1 * S + 30 * MS);
});

test('lost handshake ACK: the first data segment completes the handshake', () => {
  const { wire, a, server } = setup(
    dropMatching((from, s) => from === 'a' && s.flags === ACK && s.payload.length === 0),
  );
  assert.ok(wire.runUntil(() => a.state === 'ESTABLISHED', 1 * S));
  assert.equal(server().state, 'SYN_RECEIVED');
  a.send(new Uint8Array([1, 2, 3]), wire.nowNs);
  assert.ok(wire.runUntil(() => server().readableBytes === 3, 1 * S));
  assert.equal(server().state, 'ESTABLISHED');
});

test('lost handshake ACK and no data: the SYN-ACK retransmission at 1 s draws the ACK again', () => {
  const { wire, a, server } = setup(dropMatching((from, s) => from === 'a' && s.flags === ACK));
  assert.ok(wire.runUntil(() => server().state === 'ESTABLISHED', 5 * S));
  assert.equal(a.state, 'ESTABLISHED');
  assert.equal(wire.nowNs, 10 * MS + 1 * S + 20 * MS);
});

test('lost data: retransmitted after one RTO, then with doubled backoff', () => {
  const isData = (from: Side, s: Segment) => from === 'a' && s.payload.length > 0;
  const { wire, a, server } = setup(dropMatching(isData, 2));
  assert.ok(wire.runUntil(() => a.state === 'ESTABLISHED', 1 * S));
  const t0 = wire.nowNs;
  const rto = a.rtoNs;
  assert.equal(rto, 20 * MS + 200 * MS, 'Linux-style RTO: srtt + max(4*rttvar, 200 ms)');
  a.send(new Uint8Array(100), t0);
  assert.ok(wire.runUntil(() => server().readableBytes === 100, 5 * S));
  assert.deepEqual(
    sendTimes(wire, 'a', (s) => s.payload.length > 0),
    [t0, t0 + rto, t0 + 3 * rto],
  );
  assert.equal(a.tcpInfo().totalRetrans, 2);
  // Karn: the ACK of a retransmitted segment gives no sample, so the backoff stays until fresh data is timed
  assert.equal(a.rtoNs, 4 * rto);
  a.send(new Uint8Array(100), wire.nowNs);
  assert.ok(wire.runUntil(() => server().readableBytes === 200 && a.sendQueueBytes === 0, 5 * S));
  assert.equal(a.rtoNs, rto);
});

test('lost FIN: retransmitted after an RTO and the close completes', () => {
  const { wire, a, server } = setup(dropMatching((from, s) => from === 'a' && (s.flags & FIN) !== 0));
  assert.ok(wire.runUntil(() => a.state === 'ESTABLISHED' && server().state === 'ESTABLISHED', 1 * S));
  const t0 = wire.nowNs;
  const rto = a.rtoNs;
  a.close(t0);
  assert.ok(wire.runUntil(() => a.state === 'FIN_WAIT_2', 5 * S));
  const fins = sendTimes(wire, 'a', (s) => (s.flags & FIN) !== 0);
  assert.deepEqual(fins, [t0, t0 + rto]);
  assert.equal(server().state, 'CLOSE_WAIT');
});

test('SYN retries: 6 retransmissions at 1,3,7,15,31,63 s, then ETIMEDOUT at 127 s', () => {
  const wire = new TestWire({ oneWayDelayNs: 10 * MS, drop: () => true });
  const a = wire.add('a', new TcpConnection({ localPort: 5555, remotePort: 80, isn: 1 }));
  a.openActive(0);
  assert.ok(wire.runUntil(() => a.state === 'CLOSED', 200 * S));
  assert.deepEqual(
    sendTimes(wire, 'a', () => true).map((t) => t / S),
    [0, 1, 3, 7, 15, 31, 63],
  );
  assert.equal(wire.nowNs, 127 * S);
  assert.equal(a.takeErrno(), Errno.ETIMEDOUT);
  assert.equal(retransmitGiveUpNs(6, 1 * S, 120 * S), 127 * S);
});

test('SYN-ACK retries: an unanswered embryo is dropped after 5 retries (63 s)', () => {
  const wire = new TestWire({ oneWayDelayNs: 10 * MS, drop: (from) => from === 'b' });
  const l = wire.listen('b', new TcpListener({ localPort: 80, backlog: 4, isnFor: () => 1 }));
  const a = wire.add('a', new TcpConnection({ localPort: 5555, remotePort: 80, isn: 1, synRetries: 0 }));
  a.openActive(0);
  wire.runFor(500 * MS);
  assert.equal(l.synQueueLength, 1);
  const embryo = wire.spawned('b')[0]!;
  assert.ok(wire.runUntil(() => embryo.state === 'CLOSED', 100 * S));
  assert.equal(wire.nowNs, 10 * MS + 63 * S);
  assert.equal(l.synQueueLength, 0);
  assert.deepEqual(
    sendTimes(wire, 'b', () => true).map((t) => (t - 10 * MS) / S),
    [0, 1, 3, 7, 15, 31],
  );
});

test('data retransmission limit: tcp_retries2=15 gives ETIMEDOUT after 924.6 s', () => {
  let blackhole = false;
  const wire = new TestWire({ oneWayDelayNs: 1 * MS, drop: () => blackhole });
  const l = wire.listen('b', new TcpListener({ localPort: 80, backlog: 4, isnFor: () => 1 }));
  const a = wire.add('a', new TcpConnection({ localPort: 5555, remotePort: 80, isn: 1, timestamps: false }));
  a.openActive(0);
  assert.ok(wire.runUntil(() => l.acceptQueueLength === 1 && a.state === 'ESTABLISHED', 1 * S));
  blackhole = true;
  const t0 = wire.nowNs;
  a.send(new Uint8Array(1000), t0);
  assert.ok(wire.runUntil(() => a.state === 'CLOSED', 2000 * S));
  const giveUp = retransmitGiveUpNs(15, 200 * MS, 120 * S);
  assert.equal(giveUp, 924_600 * MS);
  const elapsed = wire.nowNs - t0;
  assert.ok(elapsed >= giveUp && elapsed < giveUp + 3 * S, `gave up after ${elapsed / S} s`);
  assert.equal(a.tcpInfo().totalRetrans, 15);
  assert.equal(a.takeErrno(), Errno.ETIMEDOUT);
  // the backoff is capped at 120 s
  const times = sendTimes(wire, 'a', (s) => s.payload.length > 0);
  const gaps = times.slice(1).map((t, i) => t - times[i]!);
  assert.equal(Math.max(...gaps), 120 * S);
});

test('TCP_USER_TIMEOUT replaces the retries2 budget', () => {
  let blackhole = false;
  const wire = new TestWire({ oneWayDelayNs: 1 * MS, drop: () => blackhole });
  const l = wire.listen('b', new TcpListener({ localPort: 80, backlog: 4, isnFor: () => 1 }));
  const a = wire.add('a', new TcpConnection({ localPort: 5555, remotePort: 80, isn: 1, userTimeoutNs: 10 * S }));
  a.openActive(0);
  assert.ok(wire.runUntil(() => l.acceptQueueLength === 1, 1 * S));
  blackhole = true;
  const t0 = wire.nowNs;
  a.send(new Uint8Array(10), t0);
  assert.ok(wire.runUntil(() => a.state === 'CLOSED', 100 * S));
  assert.ok(wire.nowNs - t0 >= 10 * S && wire.nowNs - t0 < 20 * S);
  assert.equal(a.errno, Errno.ETIMEDOUT);
});

function fastRetransmitCase(sack: boolean) {
  // the 3rd data segment is lost once; 10 segments are in flight in the initial window
  const lostSeq = 101 + 2 * 1460;
  const { wire, a, server } = setup(
    dropMatching((from, s) => from === 'a' && s.seq === lostSeq && s.payload.length > 0),
    { sack, congestion: (mss: number, iw: number) => new RenoCongestionControl(mss, iw) },
    { sack },
  );
  assert.ok(wire.runUntil(() => a.state === 'ESTABLISHED' && server().state === 'ESTABLISHED', 1 * S));
  const t0 = wire.nowNs;
  const data = patternBytes(1460 * 10, 5);
  assert.equal(a.cwndBytes, 14_600);
  const got = transfer(wire, a, server, data, 5 * S);
  assert.deepEqual(got, data);
  const sends = wire.log.filter((r) => r.from === 'a' && r.seg.seq === lostSeq && r.seg.payload.length > 0);
  assert.equal(sends.length, 2);
  // the retransmission follows the third duplicate ACK: one RTT after the burst, well before any RTO
  assert.equal(sends[1]!.tNs, t0 + 20 * MS);
  assert.equal(a.tcpInfo().totalRetrans, 1);
  // Reno halves the flight at the congestion event: segments 3..10 were outstanding
  assert.equal(a.ssthreshBytes, 4 * 1460);
  assert.equal(a.caState, 'open');
}

test('fast retransmit on the third duplicate ACK (no SACK)', () => fastRetransmitCase(false));
test('fast retransmit on the third duplicate ACK (SACK)', () => fastRetransmitCase(true));

test('NewReno: a partial ACK retransmits the next hole at once, no RTO', () => {
  const lost = new Set([101 + 2 * 1460, 101 + 6 * 1460]);
  const seen = new Set<number>();
  const { wire, a, server } = setup(
    (from, s) => {
      if (from !== 'a' || s.payload.length === 0 || !lost.has(s.seq) || seen.has(s.seq)) return false;
      seen.add(s.seq);
      return true;
    },
    { sack: false },
    { sack: false },
  );
  assert.ok(wire.runUntil(() => server().state === 'ESTABLISHED', 1 * S));
  const t0 = wire.nowNs;
  const data = patternBytes(1460 * 10, 6);
  const got = transfer(wire, a, server, data, 5 * S);
  assert.deepEqual(got, data);
  const retx = wire.log.filter((r) => r.from === 'a' && lost.has(r.seg.seq)).map((r) => r.tNs - t0);
  // first hole after the 3rd dupack (1 RTT), second on the partial ACK one RTT later
  assert.deepEqual(retx, [0, 0, 20 * MS, 40 * MS]);
  assert.equal(a.tcpInfo().totalRetrans, 2);
});

test('SACK: several holes in one window are all repaired within one round trip', () => {
  const lost = new Set([101 + 1 * 1460, 101 + 3 * 1460, 101 + 5 * 1460]);
  const seen = new Set<number>();
  const { wire, a, server } = setup((from, s) => {
    if (from !== 'a' || s.payload.length === 0 || !lost.has(s.seq) || seen.has(s.seq)) return false;
    seen.add(s.seq);
    return true;
  });
  assert.ok(wire.runUntil(() => server().state === 'ESTABLISHED', 1 * S));
  const t0 = wire.nowNs;
  const data = patternBytes(1460 * 20, 8);
  const got = transfer(wire, a, server, data, 5 * S);
  assert.deepEqual(got, data);
  const retx = wire.log
    .filter((r) => r.from === 'a' && lost.has(r.seg.seq))
    .map((r) => r.tNs - t0)
    .slice(3);
  assert.equal(retx.length, 3, wire.dump(80));
  for (const t of retx) assert.ok(t <= 25 * MS, `retransmitted at ${t / MS} ms`);
  assert.equal(a.tcpInfo().totalRetrans, 3);
});

test('RTO during recovery falls back to slow start from one segment', () => {
  // lose a segment and its fast retransmission: only the RTO can repair it
  const lostSeq = 101 + 2 * 1460;
  const { wire, a, server } = setup(
    dropMatching((from, s) => from === 'a' && s.seq === lostSeq && s.payload.length > 0, 2),
  );
  assert.ok(wire.runUntil(() => server().state === 'ESTABLISHED', 1 * S));
  const data = patternBytes(1460 * 10, 9);
  const t0 = wire.nowNs;
  assert.equal(a.send(data, t0), data.length);
  let sawLoss = false;
  wire.runUntil(() => {
    if (a.caState === 'loss') {
      sawLoss = true;
      assert.equal(a.cwndBytes, 1460);
    }
    return sawLoss;
  }, 5 * S);
  assert.ok(sawLoss);
  const got = transfer(wire, a, server, data, 5 * S, data.length);
  assert.deepEqual(got, data);
});
