// A tiny two-host discrete-event harness for TCP tests: connections and
// listeners on sides "a" and "b", a wire with delay, optional bandwidth and
// drop-tail queue, and a scripted loss hook. Not used by the simulator.

import { TcpConnection, resetFor } from '../../src/net/tcp/connection';
import { TcpListener } from '../../src/net/tcp/listener';
import { Segment, describeSegment } from '../../src/net/tcp/segment';

export type Side = 'a' | 'b';

export interface WireOptions {
  oneWayDelayNs: number;
  /** Serialization rate of each direction; unlimited when absent. */
  bitsPerSecond?: number;
  /** Packets that may wait for serialization per direction before drop-tail; unlimited when absent. */
  queueLimitPackets?: number;
  /** IP + link overhead added to each segment for serialization. */
  overheadBytes?: number;
  /** Scripted loss: return true to drop. `index` counts segments sent in that direction, from 0. */
  drop?: (from: Side, seg: Segment, index: number) => boolean;
  /** Extra delay for one segment (lets later segments overtake it: reordering). */
  extraDelayNs?: (from: Side, seg: Segment, index: number) => number;
}

export interface WireRecord {
  tNs: number;
  from: Side;
  seg: Segment;
  dropped: boolean;
}

interface InFlight {
  arrivalNs: number;
  order: number;
  seg: Segment;
}

class HostEnd {
  readonly connections = new Map<string, TcpConnection>();
  readonly listeners = new Map<number, TcpListener>();
  readonly accepted: TcpConnection[] = [];
}

function key(localPort: number, remotePort: number): string {
  return `${localPort}:${remotePort}`;
}

export class TestWire {
  nowNs = 0;
  readonly log: WireRecord[] = [];
  /** Set to keep a copy of every segment in `log` (memory grows with traffic). */
  keepLog = true;
  private readonly hosts: Record<Side, HostEnd> = { a: new HostEnd(), b: new HostEnd() };
  private readonly queues: Record<Side, InFlight[]> = { a: [], b: [] };
  private readonly queueHead: Record<Side, number> = { a: 0, b: 0 };
  private readonly linkFreeNs: Record<Side, number> = { a: 0, b: 0 };
  private readonly sentCount: Record<Side, number> = { a: 0, b: 0 };
  private order = 0;
  /** Called after every batch of events, so test "applications" can read and write. */
  app: (() => void) | null = null;

  constructor(readonly options: WireOptions) {}

  add(side: Side, conn: TcpConnection): TcpConnection {
    this.hosts[side].connections.set(key(conn.localPort, conn.remotePort), conn);
    return conn;
  }
  listen(side: Side, listener: TcpListener): TcpListener {
    this.hosts[side].listeners.set(listener.localPort, listener);
    return listener;
  }
  /** Connections a listener on `side` produced, in creation order. */
  spawned(side: Side): readonly TcpConnection[] {
    return this.hosts[side].accepted;
  }

  /** Sends whatever every endpoint has queued. Call after driving a connection by hand. */
  flush(): void {
    for (const side of ['a', 'b'] as const) {
      for (const conn of this.hosts[side].connections.values()) {
        for (const seg of conn.takeOutput()) this.transmit(side, seg);
      }
    }
  }

  /** Injects a segment as if `from` had sent it. */
  transmit(from: Side, seg: Segment): void {
    const index = this.sentCount[from]++;
    const o = this.options;
    let dropped = o.drop ? o.drop(from, seg, index) : false;
    const q = this.queues[from];
    const startNs = Math.max(this.nowNs, this.linkFreeNs[from]);
    if (!dropped && o.queueLimitPackets !== undefined && o.bitsPerSecond !== undefined) {
      let waiting = 0;
      for (let i = q.length - 1; i >= this.queueHead[from]; i--) {
        // arrival - delay is the end of serialization; anything not yet started is queued
        if (q[i]!.arrivalNs - o.oneWayDelayNs > this.nowNs) waiting += 1;
        else break;
      }
      if (waiting > o.queueLimitPackets) dropped = true;
    }
    if (this.keepLog) this.log.push({ tNs: this.nowNs, from, seg, dropped });
    if (dropped) return;
    let doneNs = startNs;
    if (o.bitsPerSecond !== undefined) {
      const bytes = seg.payload.length + (o.overheadBytes ?? 40);
      doneNs = startNs + Math.ceil((bytes * 8 * 1e9) / o.bitsPerSecond);
      this.linkFreeNs[from] = doneNs;
    }
    const extra = o.extraDelayNs ? o.extraDelayNs(from, seg, index) : 0;
    const item = { arrivalNs: doneNs + o.oneWayDelayNs + extra, order: this.order++, seg };
    // keep the queue sorted by arrival; without extra delay this is a plain append
    let i = q.length;
    while (i > this.queueHead[from] && q[i - 1]!.arrivalNs > item.arrivalNs) i -= 1;
    q.splice(i, 0, item);
  }

  /** Runs events until `done()` holds (checked after each batch) or `limitNs` passes. Returns done(). */
  runUntil(done: () => boolean, limitNs: number): boolean {
    this.flush();
    this.app?.();
    this.flush();
    while (!done()) {
      const t = this.nextEventNs();
      if (t === null || t > limitNs) {
        this.nowNs = Math.max(this.nowNs, limitNs);
        return done();
      }
      this.nowNs = Math.max(this.nowNs, t);
      this.runEventsAt(this.nowNs);
    }
    return true;
  }

  /** Runs every event up to and including `untilNs`. */
  runTo(untilNs: number): void {
    this.runUntil(() => false, untilNs);
  }

  runFor(durationNs: number): void {
    this.runTo(this.nowNs + durationNs);
  }

  private nextEventNs(): number | null {
    let t: number | null = null;
    for (const side of ['a', 'b'] as const) {
      const head = this.queues[side][this.queueHead[side]];
      if (head && (t === null || head.arrivalNs < t)) t = head.arrivalNs;
      for (const conn of this.hosts[side].connections.values()) {
        const d = conn.nextDeadlineNs();
        if (d !== null && (t === null || d < t)) t = d;
      }
    }
    return t;
  }

  private runEventsAt(now: number): void {
    // Deliver arrivals in send order across both directions.
    for (;;) {
      let best: Side | null = null;
      for (const side of ['a', 'b'] as const) {
        const head = this.queues[side][this.queueHead[side]];
        if (!head || head.arrivalNs > now) continue;
        const other = best === null ? undefined : this.queues[best][this.queueHead[best]]!;
        if (
          other === undefined ||
          head.arrivalNs < other.arrivalNs ||
          (head.arrivalNs === other.arrivalNs && head.order < other.order)
        )
          best = side;
      }
      if (best === null) break;
      const item = this.queues[best][this.queueHead[best]++]!;
      if (this.queueHead[best] > 4096) {
        this.queues[best] = this.queues[best].slice(this.queueHead[best]);
        this.queueHead[best] = 0;
      }
      this.deliver(best === 'a' ? 'b' : 'a', item.seg, now);
    }
    for (const side of ['a', 'b'] as const) {
      for (const conn of this.hosts[side].connections.values()) {
        const d = conn.nextDeadlineNs();
        if (d !== null && d <= now) conn.onTimer(now);
      }
    }
    this.flush();
    this.app?.();
    this.flush();
  }

  private deliver(to: Side, seg: Segment, now: number): void {
    const host = this.hosts[to];
    const conn = host.connections.get(key(seg.dstPort, seg.srcPort));
    if (conn && conn.state !== 'CLOSED') {
      conn.onSegment(seg, now);
      if (!conn.timeWaitRecycled) return;
    }
    const listener = host.listeners.get(seg.dstPort);
    if (listener) {
      const r = listener.onSegment(seg, now);
      if (r.connection) {
        host.connections.set(key(r.connection.localPort, r.connection.remotePort), r.connection);
        host.accepted.push(r.connection);
      }
      if (r.reply) this.transmit(to, r.reply);
      return;
    }
    const reply = resetFor(seg);
    if (reply) this.transmit(to, reply);
  }

  /** The log as one line per segment, for failure messages. */
  dump(lastN = 50): string {
    return this.log
      .slice(-lastN)
      .map((r) => `${(r.tNs / 1e6).toFixed(3)}ms ${r.from}> ${describeSegment(r.seg)}${r.dropped ? ' DROPPED' : ''}`)
      .join('\n');
  }
}

/**
 * Delivers each connection's output to the other at the same instant until
 * both are quiet. Returns everything exchanged, in order, tagged by sender.
 */
export function exchange(
  a: TcpConnection,
  b: TcpConnection,
  nowNs: number,
  limit = 10_000,
): Array<{ from: Side; seg: Segment }> {
  const seen: Array<{ from: Side; seg: Segment }> = [];
  for (let i = 0; i < limit; i++) {
    const fromA = a.takeOutput();
    const fromB = b.takeOutput();
    if (fromA.length === 0 && fromB.length === 0) return seen;
    for (const seg of fromA) {
      seen.push({ from: 'a', seg });
      if (b.state !== 'CLOSED') b.onSegment(seg, nowNs);
    }
    for (const seg of fromB) {
      seen.push({ from: 'b', seg });
      if (a.state !== 'CLOSED') a.onSegment(seg, nowNs);
    }
  }
  throw new Error('exchange: connections never went quiet');
}

/** Opens `a` actively towards passive `b` with zero delay. */
export function connectDirect(a: TcpConnection, b: TcpConnection, nowNs: number): void {
  b.openPassive(nowNs);
  a.openActive(nowNs);
  exchange(a, b, nowNs);
  if (a.state !== 'ESTABLISHED' || b.state !== 'ESTABLISHED') {
    throw new Error(`connectDirect: ended in ${a.state}/${b.state}`);
  }
}

/** Deterministic test bytes: a simple LCG so corruption anywhere shows up. */
export function patternBytes(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}
