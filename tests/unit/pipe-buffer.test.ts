// The pipe's slot ring (src/files/pipe-buffer.ts): capacity in page slots,
// merging of small writes, PIPE_BUF atomicity, packets, wrap-around, resizing.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { PAGE_SIZE, PipeBuffer, roundPipeSize } from '../../src/files/pipe-buffer';

const src = Buffer.alloc(1 << 20);
for (let i = 0; i < src.length; i++) src[i] = i % 253;

/** Reads up to max bytes the way pipe_read does; returns them. */
function take(b: PipeBuffer, max: number): Buffer {
  const n = b.readable(max);
  const out = Buffer.alloc(n);
  b.copyOut(out, 0, n);
  b.consume(n);
  return out;
}

test('small writes share a page while they fit whole; 1000-byte writes fill 64 KiB at 64 000', () => {
  const b = new PipeBuffer();
  let total = 0;
  while (b.write(src, 0, 1000, false) === 1000) total += 1000;
  assert.equal(total, 64_000);
  assert.equal(b.size, 64_000);
  assert.equal(b.writable(), false);
  assert.equal(b.write(src, 0, 96, false), 96, 'the last page still takes 96 bytes');
  assert.equal(b.write(src, 0, 1, false), 0);
});

test('writes of at most PIPE_BUF go whole or not at all; larger ones go in part', () => {
  const b = new PipeBuffer(2 * PAGE_SIZE);
  assert.equal(b.write(src, 0, 4000, false), 4000);
  assert.equal(b.write(src, 0, 4000, false), 4000, 'does not fit the first page: takes the second');
  assert.equal(b.write(src, 0, 200, false), 0, '96 bytes are free, but not 200: nothing goes');
  assert.equal(b.write(src, 0, 96, false), 96, 'fits the last page exactly');
  assert.equal(b.size, 8096);
  const c = new PipeBuffer(2 * PAGE_SIZE);
  assert.equal(c.write(src, 0, 100, false), 100);
  assert.equal(c.write(src, 0, 10_000, false), 1808 + 4096, 'non-atomic: 10 000 % 4096 merge, then whole pages');
  assert.equal(c.writable(), false);
});

test('data comes out in order across slots and wrap-around', () => {
  const b = new PipeBuffer(4 * PAGE_SIZE);
  const expected: number[] = [];
  let off = 0;
  const got: number[] = [];
  for (let round = 0; round < 50; round++) {
    const n = 1 + ((round * 2777) % 9000);
    const w = b.write(src, off % 4096, n, false);
    for (let i = 0; i < w; i++) expected.push(src[(off % 4096) + i]);
    off += 13;
    for (const x of take(b, 1 + ((round * 1231) % 7000))) got.push(x);
  }
  for (const x of take(b, 1 << 20)) got.push(x);
  assert.deepEqual(got, expected);
  assert.equal(b.size, 0);
  assert.equal(b.writable(), true);
});

test('packets: one per slot, a read returns one packet and drops what it did not take', () => {
  const b = new PipeBuffer();
  assert.equal(b.write(Buffer.from('first'), 0, 5, true), 5);
  assert.equal(b.write(Buffer.from('second'), 0, 6, true), 6);
  assert.equal(take(b, 100).toString(), 'first');
  assert.equal(take(b, 3).toString(), 'sec');
  assert.equal(b.size, 0);
  let packets = 0;
  while (b.write(src, 0, 1, true) === 1) packets++;
  assert.equal(packets, 16);
  const c = new PipeBuffer();
  assert.equal(c.write(src, 0, 5000, true), 5000, 'a large packet write is split at PAGE_SIZE');
  assert.equal(c.readable(10_000), 4096);
  assert.equal(c.write(src, 0, 10, false), 10, 'a stream write never merges into a packet');
  assert.equal(take(c, 10_000).length, 4096);
  assert.equal(take(c, 10_000).length, 904);
  assert.equal(take(c, 10_000).length, 10);
});

test('a read runs across stream slots but stops after a packet; small packets merge into stream slots (as Linux)', () => {
  const b = new PipeBuffer();
  b.write(Buffer.from('abc'), 0, 3, false);
  const page = Buffer.alloc(4096, 'P');
  b.write(page, 0, 4096, true);
  b.write(Buffer.from('xyz'), 0, 3, false);
  assert.equal(take(b, 5).toString(), 'abcPP', 'the rest of the packet is dropped');
  assert.equal(take(b, 100).toString(), 'xyz');
  // Linux merges the first len % PAGE_SIZE bytes of any write into a mergeable last slot.
  b.write(Buffer.from('abc'), 0, 3, false);
  b.write(Buffer.from('PACKET'), 0, 6, true);
  assert.equal(take(b, 5).toString(), 'abcPA');
  assert.equal(take(b, 100).toString(), 'CKET');
});

test('resize keeps the data; refuses when the slots in use do not fit', () => {
  const b = new PipeBuffer();
  for (let i = 0; i < 3; i++) b.write(src, i * 4096, 4096, false);
  take(b, 100);
  assert.equal(b.resize(2 * PAGE_SIZE), false);
  assert.equal(b.resize(4 * PAGE_SIZE), true);
  assert.equal(b.capacity, 4 * PAGE_SIZE);
  assert.equal(b.write(src, 0, 4096, false), 4096);
  assert.equal(b.writable(), false);
  const out = take(b, 1 << 20);
  assert.equal(out.length, 3 * 4096 - 100 + 4096);
  assert.deepEqual(out.subarray(0, 3 * 4096 - 100), src.subarray(100, 3 * 4096));
});

test('F_SETPIPE_SZ rounding', () => {
  assert.equal(roundPipeSize(0), 4096);
  assert.equal(roundPipeSize(4097), 8192);
  assert.equal(roundPipeSize(5000), 8192);
  assert.equal(roundPipeSize(65536), 65536);
  assert.equal(roundPipeSize(65537), 131072);
  assert.equal(roundPipeSize(2 ** 31 + 1), 0);
});
