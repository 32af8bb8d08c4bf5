// The building blocks on their own: chunked send buffer, receive queue,
// out-of-order runs, and the RTT estimator with Linux's RTO rules.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OutOfOrderQueue, ReceiveQueue, SendBuffer } from '../../src/net/tcp/buffers';
import { RttEstimator, retransmitGiveUpNs } from '../../src/net/tcp/index';
import { patternBytes } from '../helpers/tcp-wire';

const MS = 1_000_000;
const S = 1_000_000_000;

test('SendBuffer: reads across chunk edges, views within a chunk, release frees the front', () => {
  const b = new SendBuffer();
  const data = patternBytes(300_000, 4);
  b.append(data.subarray(0, 100_000));
  b.append(data.subarray(100_000));
  assert.equal(b.length, 300_000);
  assert.deepEqual(b.read(0, 300_000), data);
  const inside = b.read(10, 1000);
  assert.deepEqual(inside, data.subarray(10, 1010));
  assert.notEqual(inside.byteLength, inside.buffer.byteLength, 'a view into the chunk');
  const across = b.read(65_000, 2000);
  assert.deepEqual(across, data.subarray(65_000, 67_000));
  b.release(200_000);
  assert.equal(b.start, 200_000);
  assert.equal(b.length, 100_000);
  assert.deepEqual(b.read(250_000, 10), data.subarray(250_000, 250_010));
  assert.throws(() => b.read(100, 10), /outside/);
  b.release(300_000);
  assert.equal(b.length, 0);
  b.append(data.subarray(0, 10));
  assert.deepEqual(b.read(300_000, 10), data.subarray(0, 10));
});

test('SendBuffer: handed-out views stay valid while more data is appended and released', () => {
  const b = new SendBuffer();
  b.append(new Uint8Array(1000).fill(1));
  const view = b.read(0, 1000);
  b.release(1000);
  b.append(new Uint8Array(70_000).fill(2));
  assert.ok(view.every((x) => x === 1));
});

test('SendBuffer: a long stream keeps memory bounded to what is held', () => {
  const b = new SendBuffer();
  const block = new Uint8Array(50_000);
  for (let i = 0; i < 2000; i++) {
    b.append(block);
    b.release(b.endOffset - 10_000);
  }
  assert.equal(b.length, 10_000);
  assert.equal(b.endOffset, 100_000_000);
});

test('SendBuffer: reserve gives room up to a chunk edge, filled in place and committed', () => {
  const b = new SendBuffer();
  const data = patternBytes(100_000, 9);
  b.append(data.subarray(0, 60_000));
  // The first chunk has 65 536 - 60 000 bytes left: a larger reserve stops at its edge.
  const n = b.reserve(10_000);
  assert.equal(n, 5536);
  b.reservedChunk.set(data.subarray(60_000, 60_000 + n), b.reservedAt);
  b.commit(n);
  assert.equal(b.endOffset, 65_536);
  // Uncommitted bytes written into the room are not part of the stream.
  const m = b.reserve(50_000);
  assert.equal(m, 50_000);
  b.reservedChunk.fill(0xee, b.reservedAt, b.reservedAt + m);
  b.reservedChunk.set(data.subarray(65_536, 65_536 + 1000), b.reservedAt);
  b.commit(1000);
  assert.equal(b.length, 66_536);
  assert.deepEqual(b.read(0, 66_536), data.subarray(0, 66_536));
  // The rest of the room is taken again by the next reserve and overwritten.
  b.append(data.subarray(66_536));
  assert.deepEqual(b.read(0, 100_000), data);
  assert.throws(() => b.commit(70_000), /without room reserved/);
});

test('ReceiveQueue: piecewise reads, peek without consuming', () => {
  const q = new ReceiveQueue();
  q.push(new Uint8Array([1, 2, 3]));
  q.push(new Uint8Array([4, 5]));
  const p = new Uint8Array(4);
  assert.equal(q.read(p, false), 4);
  assert.deepEqual([...p], [1, 2, 3, 4]);
  assert.equal(q.length, 5);
  const r = new Uint8Array(2);
  assert.equal(q.read(r, true), 2);
  assert.deepEqual([...r], [1, 2]);
  assert.equal(q.read(p, true), 3);
  assert.deepEqual([...p.subarray(0, 3)], [3, 4, 5]);
  assert.equal(q.length, 0);
});

test('OutOfOrderQueue: merges runs, trims overlaps, releases in order, newest block first', () => {
  const q = new OutOfOrderQueue();
  const data = patternBytes(100, 1);
  const put = (s: number, e: number) => q.insert(s, data.subarray(s, e));
  put(20, 30);
  put(50, 60);
  put(60, 70); // extends the newest run
  assert.deepEqual(q.blocks(4), [
    { start: 50, end: 70 },
    { start: 20, end: 30 },
  ]);
  put(25, 55); // overlaps both: only 30..50 is new, and the runs merge
  assert.deepEqual(q.blocks(4), [{ start: 20, end: 70 }]);
  assert.equal(q.length, 50);
  put(80, 90);
  const none = q.takeInOrder(10);
  assert.equal(none.pieces.length, 0);
  assert.equal(none.next, 10);
  const some = q.takeInOrder(22); // data below 22 already delivered
  assert.equal(some.next, 70);
  const joined = Buffer.concat(some.pieces);
  assert.deepEqual(new Uint8Array(joined), data.subarray(22, 70));
  assert.equal(q.runCount, 1);
  assert.equal(q.length, 10);
});

test('RttEstimator: RFC 6298 smoothing with the Linux floor on the variance term', () => {
  const r = new RttEstimator({ initialNs: 1 * S, minNs: 200 * MS, maxNs: 120 * S });
  assert.equal(r.rtoNs, 1 * S);
  r.sample(100 * MS);
  assert.equal(r.srttNs, 100 * MS);
  assert.equal(r.rttvarNs, 50 * MS);
  assert.equal(r.rtoNs, 100 * MS + 200 * MS);
  r.sample(300 * MS);
  assert.equal(r.srttNs, 125 * MS);
  assert.equal(r.rttvarNs, 87_500_000);
  assert.equal(r.rtoNs, 125 * MS + 350 * MS);
  r.onTimeout();
  r.onTimeout();
  assert.equal(r.rtoNs, 4 * 475 * MS);
  for (let i = 0; i < 20; i++) r.onTimeout();
  assert.equal(r.rtoNs, 120 * S);
  r.sample(125 * MS);
  assert.equal(r.backoff, 0);
  assert.equal(r.minRttNs, 100 * MS);
});

test('give-up times match Linux: 127 s for 6 SYN retries, 924.6 s for retries2=15', () => {
  assert.equal(retransmitGiveUpNs(6, 1 * S, 120 * S), 127 * S);
  assert.equal(retransmitGiveUpNs(5, 1 * S, 120 * S), 63 * S);
  assert.equal(retransmitGiveUpNs(15, 200 * MS, 120 * S), 924_600 * MS);
  assert.equal(retransmitGiveUpNs(8, 200 * MS, 120 * S), 102_200 * MS);
});
