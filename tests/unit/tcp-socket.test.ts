// The TCP socket glue without processes: sockets on one host talking over
// loopback through a real NetworkStack, a fake clock driving the timers.
// Covers wire sizes, bind rules, the handshake and data path, readiness,
// resets to closed ports, TIME_WAIT cleanup and lazy timers.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { Rng } from '../../src/host/rng';
import { INADDR_LOOPBACK } from '../../src/net/packet';
import { NetworkStack, Ready } from '../../src/net/stack';
import { encodeSegment, makeSegment, TcpFlags, type TcpOptions } from '../../src/net/tcp';
import { TcpSocket } from '../../src/net/tcp/socket';
import { optionBytes, TcpPortHold, TcpStack, tcpConflicts } from '../../src/net/tcp/stack';

const SEC = 1_000_000_000;

/** A tiny event loop standing in for the scheduler. */
class FakeClock {
  nowNs = 0;
  private events: Array<{ t: number; seq: number; fn: () => void }> = [];
  private seq = 0;
  scheduled = 0;
  at(timeNs: number, _host: number, fn: () => void): unknown {
    this.events.push({ t: timeNs, seq: this.seq++, fn });
    this.scheduled++;
    return null;
  }
  /** Runs events up to and including `until`. */
  runUntil(until: number): void {
    for (;;) {
      this.events.sort((a, b) => a.t - b.t || a.seq - b.seq);
      const e = this.events[0];
      if (e === undefined || e.t > until) break;
      this.events.shift();
      if (e.t > this.nowNs) this.nowNs = e.t;
      e.fn();
    }
    this.nowNs = Math.max(this.nowNs, until);
  }
  get pending(): number {
    return this.events.length;
  }
}

class CountingNotifier {
  count = 0;
  notify(): void {
    this.count++;
  }
}

function makeHost(): { clock: FakeClock; tcp: TcpStack } {
  const clock = new FakeClock();
  const stack = new NetworkStack({ id: 0, name: 'box', ip: 0x0b000001, rng: new Rng(7) }, clock, {
    recvBufferBytes: 174760,
    sendBufferBytes: 131072,
  });
  const tcp = TcpStack.attach(stack, {
    sendBufferBytes: 131072,
    recvBufferBytes: 174760,
    sendAutotune: true,
    recvAutotune: true,
  });
  return { clock, tcp };
}

test('optionBytes matches the encoder for every option combination TCP emits', () => {
  const cases: TcpOptions[] = [
    {},
    { timestamp: { value: 1, echo: 2 } },
    { mss: 1460, sackPermitted: true, timestamp: { value: 1, echo: 0 }, wscale: 7 },
    { mss: 1460, sackPermitted: true, wscale: 7 },
    { mss: 536 },
    { timestamp: { value: 1, echo: 2 }, sack: [{ left: 1, right: 2 }] },
    {
      timestamp: { value: 1, echo: 2 },
      sack: [
        { left: 1, right: 2 },
        { left: 3, right: 4 },
        { left: 5, right: 6 },
      ],
    },
    {
      sack: [
        { left: 1, right: 2 },
        { left: 3, right: 4 },
        { left: 5, right: 6 },
        { left: 7, right: 8 },
      ],
    },
  ];
  for (const options of cases) {
    const wire = encodeSegment(makeSegment({ flags: TcpFlags.ACK, options }));
    assert.equal(optionBytes(options), wire.length - 20, JSON.stringify(options));
  }
});

test('bind conflicts follow Linux: SO_REUSEADDR on both and not listening, or SO_REUSEPORT on both', () => {
  const hold = (ip: number, reuseAddr: boolean, reusePort: boolean, listening: boolean): TcpPortHold => {
    const h = new TcpPortHold();
    h.localIp = ip;
    h.reuseAddr = reuseAddr;
    h.reusePort = reusePort;
    h.listening = listening;
    return h;
  };
  assert.equal(tcpConflicts(hold(0, false, false, false), hold(0, false, false, false), 0), true);
  assert.equal(tcpConflicts(hold(0, true, false, false), hold(0, true, false, false), 0), false);
  assert.equal(
    tcpConflicts(hold(0, true, false, true), hold(0, true, false, false), 0),
    true,
    'a listener keeps its port',
  );
  assert.equal(tcpConflicts(hold(0, false, false, false), hold(0, true, false, false), 0), true, 'both must ask');
  assert.equal(tcpConflicts(hold(0, false, true, true), hold(0, false, true, false), 0), false);
  assert.equal(
    tcpConflicts(hold(INADDR_LOOPBACK, false, false, false), hold(0, false, false, false), 0x0b000001),
    false,
    'different addresses',
  );
  assert.equal(
    tcpConflicts(hold(INADDR_LOOPBACK, false, false, false), hold(0, false, false, false), 0),
    true,
    'wildcard overlaps',
  );
  const joined = hold(0, false, false, false);
  joined.inherited = true;
  assert.equal(
    tcpConflicts(hold(0, false, false, true), joined, 0),
    false,
    'an accepted connection joins its listener',
  );
});

test('loopback: handshake, data both ways, FIN, readiness and TIME_WAIT cleanup', () => {
  const { clock, tcp } = makeHost();
  const ln = new CountingNotifier();
  const l = new TcpSocket(tcp, ln);
  assert.equal(l.bind(0, 8080), 0);
  assert.equal(l.listen(5), 0);
  assert.equal(l.poll(), 0);

  const cn = new CountingNotifier();
  const c = new TcpSocket(tcp, cn);
  assert.equal(c.poll(), Ready.OUT | Ready.HUP, 'a fresh socket is writable and hung up, as on Linux');
  assert.equal(c.connect(INADDR_LOOPBACK, 8080), 0);
  // Loopback completes the handshake before connect returns.
  assert.equal(c.conn?.state, 'ESTABLISHED');
  assert.equal(l.poll(), Ready.IN);
  assert.ok(ln.count > 0, 'the listener was told');
  const ep = l.accept();
  assert.ok(typeof ep !== 'number');
  const sn = new CountingNotifier();
  const s = TcpSocket.accepted(tcp, sn, ep, l);
  assert.deepEqual(s.peer(), { ip: INADDR_LOOPBACK, port: c.localPort });
  assert.equal(l.accept(), -11, 'EAGAIN once the queue is empty');

  const msg = new TextEncoder().encode('hello over loopback');
  assert.ok(c.sendSpace() > msg.length);
  assert.equal(c.send(msg, false), msg.length);
  assert.equal(s.readableBytes, msg.length, 'delivered synchronously');
  assert.ok(sn.count > 0);
  const into = new Uint8Array(64);
  assert.equal(s.read(into.subarray(0, 5), true), 5, 'peek');
  assert.equal(s.readableBytes, msg.length);
  const n = s.read(into, false);
  assert.equal(new TextDecoder().decode(into.subarray(0, n)), 'hello over loopback');
  assert.equal(s.emptyRead(false), -11);

  assert.equal(c.shutdown(1), 0);
  assert.ok((s.poll() & (Ready.IN | Ready.RDHUP)) === (Ready.IN | Ready.RDHUP));
  assert.equal(s.emptyRead(false), 0, 'EOF');
  s.close();
  c.close();
  // The client sent the first FIN (shutdown), so its side now waits in TIME_WAIT for 60 s.
  assert.equal(c.conn?.state, 'TIME_WAIT');
  const ports = tcp.table;
  assert.equal(ports.isFree(8080), false, 'listener still holds 8080');
  l.close();
  clock.runUntil(61 * SEC);
  assert.equal(ports.isFree(8080), true, 'everything, TIME_WAIT included, let go of the port');
  assert.equal(clock.pending, 0, 'no timer left behind');
});

test('a SYN to a closed port is refused; a full send buffer waits and wakes the writer', () => {
  const { clock, tcp } = makeHost();
  const c = new TcpSocket(tcp, new CountingNotifier());
  assert.equal(c.connect(INADDR_LOOPBACK, 9), 0);
  assert.equal(c.conn?.state, 'CLOSED');
  assert.equal(c.takeError(), 111, 'ECONNREFUSED');
  assert.equal(tcp.resetsSent, 1);

  const l = new TcpSocket(tcp, new CountingNotifier());
  l.bind(0, 7000);
  l.listen(1);
  const wn = new CountingNotifier();
  const w = new TcpSocket(tcp, wn);
  w.connect(INADDR_LOOPBACK, 7000);
  const ep = l.accept();
  assert.ok(typeof ep !== 'number');
  const r = TcpSocket.accepted(tcp, new CountingNotifier(), ep, l);
  // Fill the send buffer: the receiver does not read, so its window closes.
  const chunk = new Uint8Array(64 * 1024);
  let sent = 0;
  for (let i = 0; i < 1000; i++) {
    const space = w.sendSpace();
    if (space <= 0) break;
    sent += w.send(chunk.subarray(0, Math.min(space, chunk.length)), false);
  }
  assert.equal(w.sendSpace(), 0, 'full');
  assert.ok(sent > 0);
  const before = wn.count;
  const sink = new Uint8Array(1 << 20);
  while (r.readableBytes > 0) r.read(sink, false);
  clock.runUntil(clock.nowNs + SEC);
  assert.ok(wn.count > before, 'the writer was woken when room came back');
  assert.ok(w.sendSpace() > 0);
});

test('timers are lazy: a bulk exchange schedules far fewer events than it sends segments', () => {
  const { clock, tcp } = makeHost();
  const l = new TcpSocket(tcp, new CountingNotifier());
  l.bind(0, 7001);
  l.listen(1);
  const w = new TcpSocket(tcp, new CountingNotifier());
  w.connect(INADDR_LOOPBACK, 7001);
  const ep = l.accept();
  assert.ok(typeof ep !== 'number');
  const r = TcpSocket.accepted(tcp, new CountingNotifier(), ep, l);
  const chunk = new Uint8Array(256 * 1024);
  const sink = new Uint8Array(1 << 20);
  let moved = 0;
  for (let i = 0; i < 200; i++) {
    const space = w.sendSpace();
    if (space > 0) w.send(chunk.subarray(0, Math.min(space, chunk.length)), false);
    while (r.readableBytes > 0) moved += r.read(sink, false);
    clock.runUntil(clock.nowNs + 1_000_000);
  }
  const segs = w.conn?.tcpInfo().segsOut ?? 0;
  assert.ok(moved > 10 * 1024 * 1024, `moved ${moved}`);
  assert.ok(clock.scheduled < segs / 4, `${clock.scheduled} timer events for ${segs} segments`);
});

/** A listener on `port`, a client connected to it over loopback, and the accepted server socket. */
function connectedPair(tcp: TcpStack, port: number, setup: (l: TcpSocket) => void = () => {}) {
  const l = new TcpSocket(tcp, new CountingNotifier());
  setup(l);
  l.bind(0, port);
  l.listen(1);
  const wn = new CountingNotifier();
  const w = new TcpSocket(tcp, wn);
  w.connect(INADDR_LOOPBACK, port);
  const ep = l.accept();
  assert.ok(typeof ep !== 'number');
  const r = TcpSocket.accepted(tcp, new CountingNotifier(), ep, l);
  return { l, w, wn, r };
}

/** Fills w's send buffer towards a receiver that does not read. */
function fill(w: TcpSocket): void {
  const chunk = new Uint8Array(64 * 1024);
  for (let i = 0; i < 1000 && w.sendSpace() > 0; i++)
    w.send(chunk.subarray(0, Math.min(w.sendSpace(), chunk.length)), false);
  assert.equal(w.sendSpace(), 0, 'full');
}

test('options live on the socket once: an accepted socket inherits them from its listener', () => {
  const { tcp } = makeHost();
  const { r } = connectedPair(tcp, 7002, (l) => {
    l.setLinger(true, 7);
    l.setKeepalive({ enabled: true, idleNs: 30 * SEC });
    l.setNoDelay(true);
    l.setSndBuf(65536);
    l.setLinger2(-1);
    assert.equal(l.setCongestion('reno'), true);
    assert.equal(l.setCongestion('vegas'), false, 'unknown names are refused');
  });
  assert.deepEqual(r.linger, { enabled: true, seconds: 7 });
  assert.equal(r.keepalive.enabled, true);
  assert.equal(r.keepalive.idleNs, 30 * SEC);
  assert.equal(r.noDelay, true);
  assert.equal(r.sndBuf, 65536, 'SO_SNDBUF reports sk_sndbuf, twice the payload bytes');
  assert.equal(r.linger2, -1);
  assert.equal(r.congestion, 'reno');
});

test('close with SO_LINGER waits for the peer to take the data, up to the linger time', () => {
  const { clock, tcp } = makeHost();
  const plain = connectedPair(tcp, 7003);
  assert.equal(plain.w.lingerDeadlineNs(clock.nowNs), -1, 'no SO_LINGER: close goes on at once');

  const { w, wn, r } = connectedPair(tcp, 7004);
  w.setLinger(true, 5);
  fill(w);
  const until = w.lingerDeadlineNs(clock.nowNs);
  assert.equal(until, clock.nowNs + 5 * SEC, 'queued data: close waits up to 5 s');
  assert.equal(w.lingerDeadlineNs(clock.nowNs), until, 'asking again keeps the deadline');
  const before = wn.count;
  const sink = new Uint8Array(1 << 20);
  for (let i = 0; i < 100 && w.lingerDeadlineNs(clock.nowNs) !== -1; i++) {
    while (r.readableBytes > 0) r.read(sink, false);
    clock.runUntil(clock.nowNs + 10_000_000);
  }
  assert.equal(w.lingerDeadlineNs(clock.nowNs), -1, 'everything acknowledged before the time ran out');
  assert.ok(clock.nowNs < until);
  assert.ok(wn.count > before, 'progress woke the closer');

  const stuck = connectedPair(tcp, 7005);
  stuck.w.setLinger(true, 2);
  fill(stuck.w);
  const deadline = stuck.w.lingerDeadlineNs(clock.nowNs);
  assert.ok(deadline > clock.nowNs);
  clock.runUntil(deadline);
  assert.equal(stuck.w.lingerDeadlineNs(clock.nowNs), -1, 'the linger time ran out: close goes on');
});
