// A FIFO's bookkeeping (src/files/fifo.ts) without a process: blocked openers
// count as the other side's partners, the pipe's EOF/EPIPE flags follow the
// open ends, and closing every end drops the buffered data.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { EPOLLHUP, EPOLLIN, EPOLLOUT } from '../../src/abi/epoll';
import { O_NONBLOCK, O_RDONLY, O_RDWR, O_WRONLY } from '../../src/abi/fcntl';
import { FifoTable } from '../../src/files/fifo';
import type { Thread } from '../../src/host/thread';

/** Just what the FIFO reads of a thread: its state and block generation. */
function thread(): Thread {
  return { state: 'blocked', blockGen: 1 } as unknown as Thread;
}

test('one FIFO per key; an idle one is forgotten', () => {
  const table = new FifoTable();
  const f = table.get('1:2');
  assert.equal(table.get('1:2'), f);
  const end = f.openEnd(thread(), O_RDWR, 0);
  end.release();
  assert.notEqual(table.get('1:2'), f);
});

test('a blocked reader is a partner for a writer; its wait ends when the writer opens', () => {
  const f = new FifoTable().get('k');
  const reader = thread();
  f.opened(true);
  assert.equal(f.count(false), 0);
  f.waitFor(reader, true, true);
  assert.equal(f.partnerCame(reader, true), false);
  assert.equal(f.count(true), 1);
  let woken = 0;
  f.openWaiters.add(() => woken++);
  f.opened(false);
  assert.equal(woken, 1);
  const w = f.openEnd(thread(), O_WRONLY, O_NONBLOCK);
  assert.equal(w.statusFlags, O_NONBLOCK);
  // The woken reader has not opened its end yet: the writer still sees a reader (no EPIPE).
  assert.equal(w.poll() & EPOLLOUT, EPOLLOUT);
  assert.equal(f.partnerCame(reader, true), true);
  const r = f.openEnd(reader, O_RDONLY, 0);
  assert.equal(f.openers.size, 0);
  assert.equal(r.poll() & EPOLLHUP, 0);
  w.release();
  assert.equal(r.poll() & EPOLLHUP, EPOLLHUP); // every writer closed: end of file
  r.release();
  assert.equal(f.pipe, null);
});

test('an interrupted opener (its block generation moved on) no longer counts', () => {
  const f = new FifoTable().get('k');
  const t = thread();
  f.waitFor(t, false, true);
  assert.equal(f.count(false), 1);
  t.blockGen++;
  t.state = 'runnable';
  assert.equal(f.count(false), 0);
  assert.equal(f.openers.size, 0);
});

test('O_RDWR is both ends; readiness follows the buffer', () => {
  const f = new FifoTable().get('k');
  const rw = f.openEnd(thread(), O_RDWR, 0);
  assert.equal(rw.poll(), EPOLLOUT);
  f.pipe?.buf.write(Buffer.from('ab'), 0, 2, false);
  assert.equal(rw.poll(), EPOLLIN | EPOLLOUT);
  rw.release();
  assert.equal(f.pipe, null);
});
