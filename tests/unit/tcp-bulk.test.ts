// Bulk transfers over a simulated bottleneck: slow start must fill a
// 100 Mbit/s x 80 ms pipe, and a deterministic 1% loss pattern must still
// deliver every byte intact, with CUBIC and with Reno.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RenoCongestionControl, Segment, TcpConnection, TcpListener, TcpConfig } from '../../src/net/tcp/index';
import { Side, TestWire, patternBytes } from '../helpers/tcp-wire';

const MS = 1_000_000;
const S = 1_000_000_000;

interface BulkResult {
  elapsedNs: number;
  received: Uint8Array;
  maxCwndBytes: number;
  sender: TcpConnection;
  receiver: TcpConnection;
  wire: TestWire;
}

function bulk(opts: {
  bytes: number;
  bitsPerSecond: number;
  oneWayDelayNs: number;
  drop?: (from: Side, seg: Segment, index: number) => boolean;
  sender?: Partial<TcpConfig>;
  limitNs: number;
  verify?: boolean;
}): BulkResult {
  const wire = new TestWire({ oneWayDelayNs: opts.oneWayDelayNs, bitsPerSecond: opts.bitsPerSecond, drop: opts.drop });
  wire.keepLog = false;
  const listener = wire.listen('b', new TcpListener({ localPort: 80, backlog: 4, isnFor: () => 0x8000_0000 }));
  const a = wire.add(
    'a',
    new TcpConnection({ localPort: 40000, remotePort: 80, isn: 0xfff0_0000, ...(opts.sender ?? {}) }),
  );
  const data = patternBytes(opts.bytes, 99);
  let sent = 0;
  let receiver: TcpConnection | null = null;
  const chunks: Uint8Array[] = [];
  let got = 0;
  let maxCwnd = 0;
  const buf = new Uint8Array(256 * 1024);
  let t0 = -1;
  wire.app = () => {
    if (a.state === 'ESTABLISHED' && sent < data.length) {
      if (t0 < 0) t0 = wire.nowNs;
      const n = a.send(data.subarray(sent), wire.nowNs);
      if (n > 0) sent += n;
    }
    maxCwnd = Math.max(maxCwnd, a.cwndBytes);
    receiver ??= listener.accept();
    if (receiver) {
      for (;;) {
        const n = receiver.recv(buf, wire.nowNs);
        if (n <= 0) break;
        if (opts.verify !== false) chunks.push(buf.slice(0, n));
        got += n;
      }
    }
  };
  a.openActive(0);
  assert.ok(
    wire.runUntil(() => got === data.length, opts.limitNs),
    `stalled at ${got}/${data.length} bytes, ${a.state}`,
  );
  const received = opts.verify !== false ? new Uint8Array(Buffer.concat(chunks)) : new Uint8Array(0);
  if (opts.verify !== false)
    assert.ok(Buffer.from(received).equals(Buffer.from(data)), 'received bytes differ from sent bytes');
  return { elapsedNs: wire.nowNs - t0, received, maxCwndBytes: maxCwnd, sender: a, receiver: receiver!, wire };
}

const BDP_BYTES = (100e6 / 8) * 0.08; // 1 MB

test('100 Mbit/s x 80 ms: slow start fills the BDP and the transfer runs near line rate', () => {
  const r = bulk({ bytes: 40 * 1024 * 1024, bitsPerSecond: 100e6, oneWayDelayNs: 40 * MS, limitNs: 60 * S });
  assert.ok(r.maxCwndBytes >= BDP_BYTES, `cwnd peaked at ${r.maxCwndBytes} bytes`);
  const mbps = (40 * 1024 * 1024 * 8) / (r.elapsedNs / 1e9) / 1e6;
  assert.ok(mbps > 80, `throughput ${mbps.toFixed(1)} Mbit/s`);
  assert.ok(mbps <= 100, `throughput ${mbps.toFixed(1)} Mbit/s exceeds the link`);
  // autotuning grew both buffers well beyond their defaults
  assert.ok(r.receiver.receiveBufferBytes >= BDP_BYTES, `rcvbuf ${r.receiver.receiveBufferBytes}`);
  assert.ok(r.sender.sendBufferBytes >= BDP_BYTES, `sndbuf ${r.sender.sendBufferBytes}`);
  assert.equal(r.sender.tcpInfo().totalRetrans, 0);
});

function lossyCase(congestion: 'cubic' | 'reno') {
  // 1% deterministic loss of a->b data segments (retransmissions included)
  const drop = (from: Side, seg: Segment, index: number) =>
    from === 'a' && seg.payload.length > 0 && index % 100 === 37;
  const sender: Partial<TcpConfig> =
    congestion === 'reno' ? { congestion: (m, iw) => new RenoCongestionControl(m, iw) } : {};
  const bytes = 8 * 1024 * 1024;
  const r = bulk({ bytes, bitsPerSecond: 100e6, oneWayDelayNs: 40 * MS, drop, sender, limitNs: 600 * S });
  const mbps = (bytes * 8) / (r.elapsedNs / 1e9) / 1e6;
  const info = r.sender.tcpInfo();
  assert.ok(info.totalRetrans >= 50, `only ${info.totalRetrans} retransmissions`);
  // Mathis et al.: ~1.22 * MSS / (RTT * sqrt(p)) ≈ 1.8 Mbit/s for Reno; anything far below means stalls on RTOs
  assert.ok(mbps > 1.0, `${congestion} throughput ${mbps.toFixed(2)} Mbit/s`);
  return { mbps, info };
}

test('1% deterministic loss with CUBIC: completes byte-identical', () => {
  lossyCase('cubic');
});

test('1% deterministic loss with Reno: completes byte-identical', () => {
  lossyCase('reno');
});

test('lossy and reordering-free path without SACK still completes (NewReno only)', () => {
  const drop = (from: Side, seg: Segment, index: number) => from === 'a' && seg.payload.length > 0 && index % 50 === 7;
  bulk({
    bytes: 2 * 1024 * 1024,
    bitsPerSecond: 20e6,
    oneWayDelayNs: 10 * MS,
    drop,
    sender: { sack: false },
    limitNs: 600 * S,
  });
});

test('loss on the ACK path only: cumulative ACKs cover the gaps', () => {
  const drop = (from: Side, _seg: Segment, index: number) => from === 'b' && index % 3 === 1;
  bulk({ bytes: 4 * 1024 * 1024, bitsPerSecond: 50e6, oneWayDelayNs: 5 * MS, drop, limitNs: 60 * S });
});
