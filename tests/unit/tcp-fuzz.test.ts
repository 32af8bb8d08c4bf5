// Seeded randomized conversations: both directions send, the wire drops and
// reorders, applications read in odd sizes and then close. Every byte must
// arrive intact and both ends must finish in CLOSED or TIME_WAIT.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RenoCongestionControl, TcpConnection, TcpListener, TcpConfig } from '../../src/net/tcp/index';
import { TestWire, patternBytes } from '../helpers/tcp-wire';

const MS = 1_000_000;
const S = 1_000_000_000;

function rng(seed: number): () => number {
  let x = (Math.imul(seed, 0x9e3779b1) ^ 0x5bd1e995) >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x1_0000_0000;
  };
  for (let i = 0; i < 8; i++) next();
  return next;
}

function conversation(seed: number): void {
  const r = rng(seed);
  const heavy = r() < 0.2;
  const lossA = r() * (heavy ? 0.2 : 0.05);
  const lossB = r() * (heavy ? 0.2 : 0.05);
  const reorder = r() < 0.5;
  const opts = (): Partial<TcpConfig> => ({
    sack: r() < 0.7,
    timestamps: r() < 0.5,
    windowScaling: r() < 0.8,
    noDelay: r() < 0.3,
    rcvBufBytes: r() < 0.3 ? 4096 + Math.floor(r() * 20_000) : undefined,
    autotune: r() < 0.8,
    maxQuickAcks: r() < 0.5 ? 0 : 16,
    congestion: r() < 0.5 ? (m, iw) => new RenoCongestionControl(m, iw) : undefined,
    mssBytes: r() < 0.2 ? 536 + Math.floor(r() * 900) : undefined,
  });
  const drawDrop = rng(seed * 7 + 1);
  const drawDelay = rng(seed * 13 + 5);
  const wire = new TestWire({
    oneWayDelayNs: 1 * MS + Math.floor(r() * 30 * MS),
    bitsPerSecond: 1e6 + r() * 50e6,
    drop: (from) => drawDrop() < (from === 'a' ? lossA : lossB),
    extraDelayNs: reorder ? () => (drawDelay() < 0.1 ? Math.floor(drawDelay() * 5 * MS) : 0) : undefined,
  });
  wire.keepLog = process.env.TCP_FUZZ_VERBOSE !== undefined;
  const serverOpts = opts();
  const listener = wire.listen(
    'b',
    new TcpListener({ localPort: 80, backlog: 4, isnFor: () => Math.floor(r() * 2 ** 32), connection: serverOpts }),
  );
  const a = wire.add(
    'a',
    new TcpConnection({ localPort: 40000, remotePort: 80, isn: Math.floor(r() * 2 ** 32), ...opts() }),
  );
  const up = patternBytes(Math.floor(r() * 300_000), seed);
  const down = patternBytes(Math.floor(r() * 300_000), seed + 1);
  let b: TcpConnection | null = null;
  const sent = { a: 0, b: 0 };
  const got: Record<'a' | 'b', Uint8Array[]> = { a: [], b: [] };
  const eof = { a: false, b: false };
  const closed = { a: false, b: false };
  const appRand = rng(seed * 31 + 3);
  const step = (me: TcpConnection, side: 'a' | 'b', out: Uint8Array) => {
    if (me.state === 'ESTABLISHED' || me.state === 'CLOSE_WAIT') {
      if (sent[side] < out.length) {
        const n = me.send(out.subarray(sent[side], sent[side] + 1 + Math.floor(appRand() * 20_000)), wire.nowNs);
        if (n > 0) sent[side] += n;
        else assert.ok(n === -11, `send failed with ${n}`);
      }
    }
    if (!eof[side]) {
      const buf = new Uint8Array(1 + Math.floor(appRand() * 9000));
      for (;;) {
        const n = me.recv(buf, wire.nowNs);
        if (n > 0) got[side].push(buf.slice(0, n));
        else {
          if (n === 0) eof[side] = true;
          else assert.equal(n, -11, `recv failed with ${n} in ${me.state}`);
          break;
        }
      }
    }
    if (!closed[side] && sent[side] === out.length && eof[side]) {
      me.close(wire.nowNs);
      closed[side] = true;
    } else if (!closed[side] && sent[side] === out.length && side === 'a' && me.state === 'ESTABLISHED') {
      me.shutdown(1, wire.nowNs); // half-close once everything is written
    }
  };
  wire.app = () => {
    b ??= listener.accept();
    step(a, 'a', up);
    if (b) step(b, 'b', down);
  };
  a.openActive(0);
  const done = () =>
    b !== null &&
    closed.a &&
    closed.b &&
    ['CLOSED', 'TIME_WAIT'].includes(a.state) &&
    ['CLOSED', 'TIME_WAIT'].includes(b.state);
  const ok = wire.runUntil(done, 3000 * S);
  const bErr = b === null ? 0 : (b as TcpConnection).errno;
  const desc = `seed ${seed}: t=${(wire.nowNs / S).toFixed(1)}s a=${a.state}/${a.errno} b=${b === null ? '-' : (b as TcpConnection).state}/${bErr} up ${sent.a}/${up.length} down ${sent.b}/${down.length} loss ${lossA.toFixed(3)}/${lossB.toFixed(3)}`;
  if (!ok && wire.keepLog)
    console.log(
      wire.dump(60),
      JSON.stringify(b === null ? null : (b as TcpConnection).tcpInfo()),
      JSON.stringify(a.tcpInfo()),
    );
  assert.ok(ok, desc);
  assert.ok(Buffer.concat(got.b).equals(Buffer.from(up)), `upstream bytes differ, ${desc}`);
  assert.ok(Buffer.concat(got.a).equals(Buffer.from(down)), `downstream bytes differ, ${desc}`);
  if (process.env.TCP_FUZZ_VERBOSE)
    console.log(
      desc,
      a.tcpInfo().totalRetrans,
      (b as TcpConnection | null)?.tcpInfo().totalRetrans,
      (wire.nowNs / S).toFixed(1),
    );
}

const SEEDS = Number(process.env.TCP_FUZZ_SEEDS ?? 40);
for (let seed = 1; seed <= SEEDS; seed++) {
  test(`random conversation, seed ${seed}`, () => conversation(seed));
}
