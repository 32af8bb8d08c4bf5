// A pipe's two ends over one buffer (src/files/pipe.ts) without a process:
// each end's direction and readiness, end of file and EPIPE conditions,
// which side's watchers each change wakes, and F_GETPIPE_SZ/F_SETPIPE_SZ.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { E } from '../../src/abi/errno';
import { EPOLLERR, EPOLLHUP, EPOLLIN, EPOLLOUT } from '../../src/abi/epoll';
import { F_GETPIPE_SZ, F_SETPIPE_SZ, O_DIRECT, O_NONBLOCK, O_RDONLY, O_WRONLY } from '../../src/abi/fcntl';
import { Pipe } from '../../src/files/pipe';
import { DEFAULT_PIPE_SIZE, PAGE_SIZE } from '../../src/files/pipe-buffer';

const src = Buffer.alloc(DEFAULT_PIPE_SIZE, 7);

/** Stores n bytes the way the write end does (one reserve/commit, then the wake-up). */
function put(p: Pipe, n: number): number {
  const took = p.buf.write(src, 0, n, false);
  if (took > 0) p.stored();
  return took;
}

/** Takes up to max bytes the way the read end does; returns the read's result. */
function take(p: Pipe, max: number): number {
  const n = p.readable(max);
  if (n > 0) p.consume(n);
  return n;
}

function wakes(p: Pipe): { reader: number; writer: number } {
  const w = { reader: 0, writer: 0 };
  p.readEnd.watchers.add(() => w.reader++);
  p.writeEnd.watchers.add(() => w.writer++);
  return w;
}

test('each end goes one way: the other direction is EBADF, F_GETFL shows the access mode', () => {
  const p = new Pipe();
  assert.equal(p.readEnd.write(), -E.EBADF);
  assert.equal(p.writeEnd.read(), -E.EBADF);
  assert.equal(p.readEnd.accessMode, O_RDONLY);
  assert.equal(p.writeEnd.accessMode, O_WRONLY);
});

test('pipe2 status flags go to both ends', () => {
  const p = new Pipe(O_NONBLOCK | O_DIRECT);
  assert.equal(p.readEnd.statusFlags, O_NONBLOCK | O_DIRECT);
  assert.equal(p.writeEnd.statusFlags, O_NONBLOCK | O_DIRECT);
});

test('empty: the reader waits while a writer exists, and gets end of file after', () => {
  const p = new Pipe();
  assert.equal(p.readable(100), -E.EAGAIN);
  assert.equal(p.readEnd.poll(), 0);
  assert.equal(p.writeEnd.poll(), EPOLLOUT);
  const w = wakes(p);
  p.writeEnd.release();
  assert.equal(w.reader, 1, 'the reader hears of the hang-up');
  assert.equal(p.readable(100), 0);
  assert.equal(p.readEnd.poll(), EPOLLHUP);
});

test('data written is readable, then end of file once the writer is gone and it is drained', () => {
  const p = new Pipe();
  put(p, 10);
  p.writeEnd.release();
  assert.equal(p.readEnd.poll(), EPOLLIN | EPOLLHUP);
  assert.equal(take(p, 4), 4);
  assert.equal(take(p, 100), 6);
  assert.equal(take(p, 100), 0);
});

test('every write wakes the reader; a read wakes writers only when it frees a slot of a full pipe', () => {
  const p = new Pipe();
  const w = wakes(p);
  put(p, 1);
  put(p, 1);
  assert.equal(w.reader, 2);
  take(p, 2);
  assert.equal(w.writer, 0, 'the pipe was not full');
  while (put(p, PAGE_SIZE) === PAGE_SIZE);
  assert.equal(p.writeEnd.poll(), 0, 'full');
  take(p, 100);
  assert.equal(w.writer, 0, 'part of a slot: still full');
  assert.equal(p.writeEnd.poll(), 0);
  take(p, PAGE_SIZE);
  assert.equal(w.writer, 1);
  assert.equal(p.writeEnd.poll(), EPOLLOUT);
});

test('closing the read end: writers wake and see EPOLLERR', () => {
  const p = new Pipe();
  const w = wakes(p);
  p.readEnd.release();
  assert.equal(p.readOpen, false);
  assert.equal(w.writer, 1);
  assert.equal(p.writeEnd.poll(), EPOLLOUT | EPOLLERR);
});

test('the size is the pipe’s: both ends answer F_GETPIPE_SZ, and F_SETPIPE_SZ rounds and checks', () => {
  const p = new Pipe();
  const k = null as never;
  const t = null as never;
  const d = null as never;
  assert.equal(p.readEnd.fcntl(k, t, d, F_GETPIPE_SZ, 0), DEFAULT_PIPE_SIZE);
  assert.equal(p.writeEnd.fcntl(k, t, d, F_SETPIPE_SZ, 5000), 2 * PAGE_SIZE);
  assert.equal(p.readEnd.fcntl(k, t, d, F_GETPIPE_SZ, 0), 2 * PAGE_SIZE);
  assert.equal(p.fcntl(F_SETPIPE_SZ, 2 ** 31 + 1), -E.EINVAL);
  assert.equal(p.fcntl(F_SETPIPE_SZ, 2 ** 21), -E.EPERM, 'above pipe-max-size');
  assert.equal(p.fcntl(12345, 0), -E.EINVAL);
  put(p, PAGE_SIZE);
  put(p, PAGE_SIZE);
  assert.equal(p.fcntl(F_SETPIPE_SZ, PAGE_SIZE), -E.EBUSY, 'the data does not fit');
});

test('growing a full pipe wakes its writers', () => {
  const p = new Pipe();
  p.fcntl(F_SETPIPE_SZ, PAGE_SIZE);
  put(p, PAGE_SIZE);
  const w = wakes(p);
  assert.equal(p.fcntl(F_SETPIPE_SZ, 2 * PAGE_SIZE), 2 * PAGE_SIZE);
  assert.equal(w.writer, 1);
});
