// timerfd expirations (src/files/timerfd.ts) on a scheduler whose clock the
// test moves: lazily counted ticks, interval timers, gettime's view, the one
// pending event that makes the file readable, and disarming.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { EPOLLIN } from '../../src/abi/epoll';
import { Scheduler } from '../../src/core/scheduler';
import { MONOTONIC_BASE_SEC, NS_PER_SEC } from '../../src/core/time';
import { TimerFd } from '../../src/files/timerfd';

const CLOCK_MONOTONIC = 1;
const MS = 1_000_000;

function setup(): { sched: Scheduler; tf: TimerFd; wakes: { n: number } } {
  const sched = new Scheduler(1000 * NS_PER_SEC);
  const tf = new TimerFd(sched, 0, CLOCK_MONOTONIC);
  const wakes = { n: 0 };
  tf.watchers.add(() => wakes.n++);
  return { sched, tf, wakes };
}

/** Runs the scheduler's events up to and including atNs, then sets the clock there. */
function advance(sched: Scheduler, atNs: number): void {
  for (;;) {
    const next = sched.peekTime();
    if (next > atNs) break;
    const ev = sched.popNext();
    if (!ev) break;
    if (ev.cancelled) continue;
    sched.nowNs = Math.max(sched.nowNs, ev.timeNs);
    ev.run();
  }
  sched.nowNs = atNs;
}

test('a one-shot timer expires once, wakes its watchers then, and disarms', () => {
  const { sched, tf, wakes } = setup();
  tf.set(false, 0, 10 * MS, 0);
  assert.equal(tf.remainingNs(), 10 * MS);
  advance(sched, 9 * MS);
  assert.equal(tf.poll(), 0);
  assert.equal(wakes.n, 0);
  advance(sched, 10 * MS);
  assert.equal(wakes.n, 1);
  assert.equal(tf.poll(), EPOLLIN);
  assert.equal(tf.expirations(), 1);
  tf.takeExpirations();
  assert.equal(tf.expirations(), 0);
  assert.equal(tf.remainingNs(), 0, 'disarmed after its expiration');
  assert.equal(tf.periodNs, 0);
  advance(sched, 100 * MS);
  assert.equal(wakes.n, 1);
});

test('an interval timer counts every period missed by a late reader, exactly', () => {
  const { sched, tf } = setup();
  tf.set(false, 0, 5 * MS, 2 * MS);
  advance(sched, 14 * MS); // expirations at 5, 7, 9, 11, 13
  assert.equal(tf.expirations(), 5);
  assert.equal(tf.remainingNs(), 1 * MS);
  assert.equal(tf.periodNs, 2 * MS);
  tf.takeExpirations();
  advance(sched, 15 * MS);
  assert.equal(tf.expirations(), 1);
});

test('one pending event while unread: the watchers hear of the first tick only', () => {
  const { sched, tf, wakes } = setup();
  tf.set(false, 0, 1 * MS, 1 * MS);
  advance(sched, 10 * MS);
  assert.equal(wakes.n, 1);
  assert.equal(tf.expirations(), 10);
  tf.takeExpirations();
  advance(sched, 11 * MS);
  assert.equal(wakes.n, 2, 'readable again after the read');
});

test('absolute settings are readings of the timer clock', () => {
  const { sched, tf } = setup();
  advance(sched, 3 * MS);
  tf.set(true, MONOTONIC_BASE_SEC, 8 * MS, 0);
  assert.equal(tf.remainingNs(), 5 * MS);
  tf.set(true, MONOTONIC_BASE_SEC, 1 * MS, 0); // in the past: expires at once
  assert.equal(tf.expirations(), 1);
});

test('a zero value disarms and drops unread expirations', () => {
  const { sched, tf, wakes } = setup();
  tf.set(false, 0, 1 * MS, 1 * MS);
  advance(sched, 3 * MS);
  assert.equal(tf.expirations(), 3);
  tf.set(false, 0, 0, 1 * MS);
  assert.equal(tf.expirations(), 0);
  assert.equal(tf.remainingNs(), 0);
  const before = wakes.n;
  advance(sched, 50 * MS);
  assert.equal(wakes.n, before);
});

test('release cancels the pending event', () => {
  const { sched, tf } = setup();
  tf.set(false, 0, 1 * MS, 0);
  tf.release();
  advance(sched, 5 * MS);
  assert.equal(tf.expirations(), 0);
});
