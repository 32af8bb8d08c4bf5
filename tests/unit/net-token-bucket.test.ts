// Token bucket timing (network-graph reference §8).

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { TokenBucket } from '../../src/net/token-bucket';

const MS = 1_000_000;

test('refill and capacity follow the rate', () => {
  const tenMbit = new TokenBucket(10_000_000 / 8);
  assert.equal(tenMbit.refillBytes, 1250);
  assert.equal(tenMbit.capacityBytes, 2750);
  assert.equal(tenMbit.availableBytes(0), 2750, 'starts full');
  const slow = new TokenBucket(999);
  assert.equal(slow.refillBytes, 1, 'at least one byte per refill');
  assert.equal(slow.capacityBytes, 1501);
  assert.equal(new TokenBucket(0).refillBytes, 1);
});

test('10 Mbit: 1 MiB of 1500-byte packets leaves by 837 ms', () => {
  const bucket = new TokenBucket(10_000_000 / 8);
  const totalBytes = 1024 * 1024;
  let sentBytes = 0;
  let lastDepartNs = 0;
  let previousNs = 0;
  while (sentBytes < totalBytes) {
    const size = Math.min(1500, totalBytes - sentBytes);
    // Everything is handed over at t=0; the bucket serialises departures.
    lastDepartNs = bucket.consume(size, 0);
    assert.ok(lastDepartNs >= previousNs, 'departures never go back in time');
    assert.equal(lastDepartNs % MS, 0, 'waiting packets leave on refill ticks');
    previousNs = lastDepartNs;
    sentBytes += size;
    // Conservation: by time t at most capacity + refills(t) bytes have left.
    assert.ok(sentBytes <= 2750 + 1250 * (lastDepartNs / MS));
  }
  // 2750 initial + 1250·k ≥ 1 048 576 first holds at k = 837 (the ideal 8.39e6 bits / 1e7 bit/s is 838.9 ms).
  assert.equal(lastDepartNs, 837 * MS);
});

test('a packet waits for the refill tick that covers it', () => {
  const bucket = new TokenBucket(1_000_000); // 1000 B per ms, capacity 2500
  assert.equal(bucket.consume(1500, 0), 0);
  assert.equal(bucket.consume(1000, 0), 0, 'burst up to capacity leaves at once');
  assert.equal(bucket.availableBytes(0), 0);
  assert.equal(bucket.readyAtNs(1500, 100), 2 * MS, 'needs two refills');
  assert.equal(bucket.availableBytes(100), 0, 'readyAtNs takes nothing');
  assert.equal(bucket.consume(1500, 100), 2 * MS);
  assert.equal(bucket.availableBytes(2 * MS), 500);
  // Asked mid-interval: the next tick is still on the 1 ms grid from the origin.
  assert.equal(bucket.consume(1000, 2.5 * MS), 3 * MS);
});

test('idle time refills up to capacity only', () => {
  const bucket = new TokenBucket(1_000_000);
  bucket.consume(2500, 0);
  assert.equal(bucket.availableBytes(999_999), 0, 'no refill before the first tick');
  assert.equal(bucket.availableBytes(1 * MS), 1000);
  assert.equal(bucket.availableBytes(60_000 * MS), 2500);
  assert.equal(bucket.consume(2500, 60_000 * MS + 1), 60_000 * MS + 1, 'a conforming packet leaves immediately');
});

test('ticks are measured from the origin; earlier times are clamped', () => {
  const bucket = new TokenBucket(1_000_000, 5 * MS + 300);
  bucket.consume(2500, 5 * MS + 300);
  assert.equal(bucket.readyAtNs(1000, 0), 6 * MS + 300);
  assert.equal(bucket.consume(1000, 6 * MS), 6 * MS + 300);
});

test('packets larger than the bucket are a programming error', () => {
  const bucket = new TokenBucket(1_000_000);
  assert.throws(() => bucket.consume(2501, 0), /cannot pass a 2500-byte bucket/);
  assert.throws(() => bucket.consume(1.5, 0), /cannot pass/);
  assert.throws(() => new TokenBucket(-1), /non-negative integer/);
});
