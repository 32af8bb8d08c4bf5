// The eventfd counter (src/files/eventfd.ts) without a process: counter and
// semaphore reads, the 2^64 - 2 limit kept exactly in two halves, readiness
// bits, and which operations wake the watchers.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { E } from '../../src/abi/errno';
import { EPOLLERR, EPOLLIN, EPOLLOUT } from '../../src/abi/epoll';
import { EventFd } from '../../src/files/eventfd';

const MAX32 = 0xffffffff;
const dv = new DataView(new ArrayBuffer(8));

/** What one read(2) returns as [lo, hi], or null when it would wait; takes it like a read. */
function read(f: EventFd): [number, number] | null {
  if (!f.peek(dv)) return null;
  f.take();
  return [dv.getUint32(0, true), dv.getUint32(4, true)];
}

/** Counts the watchers' notifications. */
function wakeCounter(f: EventFd): { n: number } {
  const w = { n: 0 };
  f.watchers.add(() => w.n++);
  return w;
}

test('counter mode: writes add up, a read takes the whole count and then waits', () => {
  const f = new EventFd(2, false);
  assert.equal(f.add(3, 0), 8);
  assert.equal(f.add(0, 1), 8);
  assert.deepEqual(read(f), [5, 1]);
  assert.equal(read(f), null);
  assert.equal(f.poll(), EPOLLOUT);
});

test('semaphore mode: each read takes 1, borrowing from the high half', () => {
  const f = new EventFd(0, true);
  assert.equal(f.add(0, 1), 8); // 2^32
  assert.deepEqual(read(f), [1, 0]);
  assert.equal(f.countHi, 0);
  assert.equal(f.countLo, MAX32);
  assert.deepEqual(read(f), [1, 0]);
  assert.equal(f.countLo, MAX32 - 1);
});

test('a failed copy-out leaves the counter alone (peek does not take)', () => {
  const f = new EventFd(7, false);
  assert.equal(f.peek(dv), true);
  assert.equal(f.peek(dv), true);
  assert.equal(dv.getUint32(0, true), 7);
  assert.equal(f.countLo, 7);
});

test('the counter stops at 2^64 - 2: a write that would pass it waits; 2^64 - 1 is refused', () => {
  const f = new EventFd(0, false);
  assert.equal(f.add(MAX32, MAX32), -E.EINVAL);
  assert.equal(f.add(MAX32 - 1, MAX32), 8);
  assert.equal(f.poll() & EPOLLOUT, 0, 'full: not writable');
  assert.equal(f.add(1, 0), -E.EAGAIN);
  assert.equal(f.add(0, 0), 8, 'adding 0 always fits');
  const w = wakeCounter(f);
  assert.deepEqual(read(f), [MAX32 - 1, MAX32]);
  assert.equal(w.n, 1, 'the read wakes the waiting writer');
  assert.equal(f.poll(), EPOLLOUT);
});

test('a carry from the low half into the high half is exact', () => {
  const f = new EventFd(MAX32, false);
  assert.equal(f.add(1, 0), 8);
  assert.equal(f.countLo, 0);
  assert.equal(f.countHi, 1);
  assert.equal(f.poll(), EPOLLIN | EPOLLOUT);
});

test('every write wakes watchers (an edge for EPOLLET), reads only when a writer may care', () => {
  const f = new EventFd(0, false);
  const w = wakeCounter(f);
  f.add(0, 0);
  f.add(1, 0);
  assert.equal(w.n, 2);
  read(f);
  assert.equal(w.n, 2, 'no writer waited, the counter was not full');
});

test('EPOLLERR shows only at the overflow value no write can reach', () => {
  const f = new EventFd(0, false);
  f.add(MAX32 - 1, MAX32);
  assert.equal(f.poll() & EPOLLERR, 0);
});
