// Receive-buffer autotuning when simulated time stands still (loopback at one
// instant): a reader that keeps up grows the buffer, as Linux's loopback does
// (there, 131072 grows to about 2 MB within the first MiB with 64 KiB reads);
// a locked buffer or autotuning off do not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TcpConnection, TcpListener, TcpConfig, TcpFlags } from '../../src/net/tcp/index';
import { TestWire, patternBytes } from '../helpers/tcp-wire';

const LOOPBACK_MSS = 65483;
const START_BUF = 174_760;
const MAX_BUF = 6 * 1024 * 1024;
const MIB = 1024 * 1024;

interface Run {
  wire: TestWire;
  receiver: TcpConnection;
  /** Receive buffer after each MiB read. */
  perMib: number[];
}

/** Sends `bytes` from a to b at zero delay and unlimited rate; b reads `readBytes` per app turn. */
function transfer(bytes: number, readBytes: number, receiverCfg: Partial<TcpConfig> = {}): Run {
  const wire = new TestWire({ oneWayDelayNs: 0 });
  wire.keepLog = bytes <= 8 * MIB;
  const cfg = { mssBytes: LOOPBACK_MSS, rcvBufBytes: START_BUF, rcvBufMaxBytes: MAX_BUF, ...receiverCfg };
  const listener = wire.listen('b', new TcpListener({ localPort: 80, backlog: 4, isnFor: () => 7, connection: cfg }));
  const a = wire.add('a', new TcpConnection({ localPort: 40000, remotePort: 80, isn: 99, mssBytes: LOOPBACK_MSS }));
  const data = patternBytes(bytes, 3);
  let sent = 0;
  let got = 0;
  let receiver: TcpConnection | null = null;
  const perMib: number[] = [];
  const buf = new Uint8Array(readBytes);
  wire.app = () => {
    if (a.state === 'ESTABLISHED' && sent < data.length) {
      const n = a.send(data.subarray(sent), wire.nowNs);
      if (n > 0) sent += n;
    }
    receiver ??= listener.accept();
    if (!receiver) return;
    for (;;) {
      const n = receiver.recv(buf, wire.nowNs);
      if (n <= 0) break;
      for (let i = 0; i < n; i++) assert.equal(buf[i], data[got + i]);
      got += n;
      while (perMib.length < Math.floor(got / MIB)) perMib.push(receiver.receiveBufferBytes);
    }
  };
  a.openActive(0);
  assert.ok(
    wire.runUntil(() => got === bytes, 1e9),
    `stalled at ${got}/${bytes}`,
  );
  return { wire, receiver: receiver!, perMib };
}

test('a reader that keeps up at one instant grows the buffer to about 2 MB within the first MiB', () => {
  const r = transfer(8 * MIB, 64 * 1024);
  assert.equal(r.wire.nowNs, 0, 'the whole transfer happens at one instant');
  assert.ok(r.perMib[0] > 1_500_000 && r.perMib[0] < 2_500_000, `after 1 MiB: ${r.perMib[0]}`);
  for (let i = 1; i < r.perMib.length; i++) assert.ok(r.perMib[i] >= r.perMib[i - 1], 'the buffer never shrinks');
  assert.ok(r.receiver.receiveBufferBytes <= MAX_BUF);
  // Segment by segment: b's window scale comes in its SYN-ACK; its ACKs offer the grown buffer.
  const synAck = r.wire.log.find((x) => x.from === 'b' && (x.seg.flags & TcpFlags.SYN) !== 0);
  const scale = synAck?.seg.options.wscale ?? 0;
  const windows = r.wire.log
    .filter((x) => x.from === 'b' && (x.seg.flags & TcpFlags.SYN) === 0)
    .map((x) => x.seg.window * 2 ** scale);
  assert.ok(windows[0] <= START_BUF, `first window ${windows[0]}`);
  assert.ok(Math.max(...windows) > 1_000_000, `largest window ${Math.max(...windows)}`);
});

test('the buffer stops at tcp_rmem[2] however long the reader keeps up', () => {
  const r = transfer(96 * MIB, 64 * 1024);
  assert.equal(r.receiver.receiveBufferBytes, MAX_BUF);
});

test('small reads grow it too (the application consumed more than in the last period, in no time)', () => {
  const r = transfer(4 * MIB, 4096);
  assert.ok(r.perMib[0] > 1_000_000, `after 1 MiB: ${r.perMib[0]}`);
});

test('no growth with autotuning off or a buffer the application set', () => {
  assert.equal(transfer(4 * MIB, 64 * 1024, { autotune: false }).receiver.receiveBufferBytes, START_BUF);
  const wire = new TestWire({ oneWayDelayNs: 0 });
  const a = wire.add('a', new TcpConnection({ localPort: 1, remotePort: 2, isn: 1, mssBytes: LOOPBACK_MSS }));
  a.setReceiveBufferBytes(200_000, 0);
  assert.equal(a.receiveBufferBytes, 200_000);
});
