// An epoll instance over real emulated files (src/files/epoll.ts), without a
// process: epoll_ctl's rules, wake-ups from targets (edge-triggered items get
// one event per wake-up), nesting and loops, and closed targets.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { E } from '../../src/abi/errno';
import {
  EPOLL_CTL_ADD,
  EPOLL_CTL_DEL,
  EPOLL_CTL_MOD,
  EPOLLET,
  EPOLLEXCLUSIVE,
  EPOLLIN,
  EPOLLOUT,
  EPOLLRDHUP,
  EPOLLWAKEUP,
} from '../../src/abi/epoll';
import { EpollFile } from '../../src/files/epoll';
import { EventFd } from '../../src/files/eventfd';

const dv = new DataView(new ArrayBuffer(12 * 16));

/** Collects and returns [events, dataLo] pairs. */
function collect(ep: EpollFile): Array<[number, number]> {
  const n = ep.collect(16, dv);
  const out: Array<[number, number]> = [];
  for (let i = 0; i < n; i++) out.push([dv.getUint32(12 * i, true), dv.getUint32(12 * i + 4, true)]);
  return out;
}

/** An open eventfd (one descriptor refers to it). */
function eventfd(initval = 0): EventFd {
  const f = new EventFd(initval, false);
  f.refs = 1;
  return f;
}

function epoll(): EpollFile {
  const ep = new EpollFile();
  ep.refs = 1;
  return ep;
}

test('add, modify, delete: EEXIST and ENOENT as on Linux', () => {
  const ep = epoll();
  const f = eventfd();
  assert.equal(ep.control(EPOLL_CTL_MOD, 5, f, EPOLLIN, 1, 0), -E.ENOENT);
  assert.equal(ep.control(EPOLL_CTL_DEL, 5, f, 0, 0, 0), -E.ENOENT);
  assert.equal(ep.control(EPOLL_CTL_ADD, 5, f, EPOLLIN, 1, 0), 0);
  assert.equal(ep.control(EPOLL_CTL_ADD, 5, f, EPOLLIN, 1, 0), -E.EEXIST);
  assert.equal(ep.control(EPOLL_CTL_ADD, 6, f, EPOLLIN, 2, 0), 0, 'same file, other fd: another item');
  assert.equal(ep.control(EPOLL_CTL_DEL, 5, f, 0, 0, 0), 0);
  assert.equal(ep.set.size, 1);
  assert.equal(ep.control(99, 6, f, 0, 0, 0), -E.EINVAL);
});

test('an edge-triggered item reports once per target wake-up; its waiters are woken each time', () => {
  const ep = epoll();
  const f = eventfd();
  let wakes = 0;
  ep.watchers.add(() => wakes++);
  ep.control(EPOLL_CTL_ADD, 5, f, EPOLLIN | EPOLLET, 42, 0);
  assert.deepEqual(collect(ep), []);
  f.add(1, 0);
  assert.equal(wakes, 1);
  assert.equal(ep.poll(), EPOLLIN);
  assert.deepEqual(collect(ep), [[EPOLLIN, 42]]);
  assert.deepEqual(collect(ep), [], 'the edge was consumed though the counter is still readable');
  f.add(1, 0); // a new write is a new edge
  assert.equal(wakes, 2);
  assert.deepEqual(collect(ep), [[EPOLLIN, 42]]);
});

test('level-triggered items stay reported while ready', () => {
  const ep = epoll();
  const f = eventfd(3);
  ep.control(EPOLL_CTL_ADD, 5, f, EPOLLIN | EPOLLOUT, 1, 0);
  assert.deepEqual(collect(ep), [[EPOLLIN | EPOLLOUT, 1]]);
  assert.deepEqual(collect(ep), [[EPOLLIN | EPOLLOUT, 1]]);
  ep.control(EPOLL_CTL_MOD, 5, f, EPOLLIN, 2, 0);
  assert.deepEqual(collect(ep), [[EPOLLIN, 2]]);
});

test('EPOLLEXCLUSIVE: only with ADD, on a non-epoll target, with the plain events; EPOLLWAKEUP is dropped', () => {
  const ep = epoll();
  const f = eventfd();
  assert.equal(ep.control(EPOLL_CTL_ADD, 5, f, EPOLLIN | EPOLLEXCLUSIVE | EPOLLRDHUP, 0, 0), -E.EINVAL);
  assert.equal(ep.control(EPOLL_CTL_ADD, 5, f, EPOLLIN | EPOLLEXCLUSIVE | EPOLLWAKEUP, 0, 0), 0);
  assert.equal(ep.control(EPOLL_CTL_MOD, 5, f, EPOLLIN | EPOLLEXCLUSIVE, 0, 0), -E.EINVAL);
  assert.equal(ep.control(EPOLL_CTL_MOD, 5, f, EPOLLIN, 0, 0), -E.EINVAL, 'an exclusive item cannot be modified');
  const inner = epoll();
  assert.equal(ep.control(EPOLL_CTL_ADD, 6, inner, EPOLLIN | EPOLLEXCLUSIVE, 0, 0), -E.EINVAL);
});

test('nested epolls: readiness passes up, and loops are refused', () => {
  const outer = epoll();
  const inner = epoll();
  const f = eventfd();
  assert.equal(outer.control(EPOLL_CTL_ADD, 7, inner, EPOLLIN, 7, 0), 0);
  assert.equal(inner.control(EPOLL_CTL_ADD, 5, f, EPOLLIN, 5, 0), 0);
  assert.equal(inner.control(EPOLL_CTL_ADD, 8, outer, EPOLLIN, 0, 0), -E.ELOOP);
  f.add(1, 0);
  assert.deepEqual(collect(outer), [[EPOLLIN, 7]]);
});

test('a target whose last descriptor closed vanishes from the interest list', () => {
  const ep = epoll();
  const f = eventfd(1);
  ep.control(EPOLL_CTL_ADD, 5, f, EPOLLIN, 1, 0);
  f.refs = 0;
  f.release();
  assert.equal(ep.set.size, 0);
  assert.deepEqual(collect(ep), []);
});
